"""Engines as separate OS processes on loopback TCP: a crashed engine comes back and its READY
keys still sign."""

import asyncio

from abci_mpc.engine.api import KeygenRequest, SignRequest
from abci_mpc.engine.cluster import ProcCluster
from abci_mpc.tss import ecdsa
from abci_mpc.tss.curve import Point
from enginehelpers import digest, sid

NAMES = ("p0", "p1", "p2", "p3")


def _verify(pubkey, dig, r) -> bool:
    sig = ecdsa.Signature(int.from_bytes(r.r, "big"), int.from_bytes(r.s, "big"), r.v)
    return ecdsa.verify(Point.from_bytes(pubkey), dig, sig)


def test_killed_engine_restarts_and_its_ready_key_still_signs(tmp_path):
    async def main():
        c = ProcCluster(tmp_path, NAMES, presig_target=1, ready_grace=0.5, leader_failover=2.0)
        try:
            await c.start_all()
            s = sid()
            c.submit("p2", KeygenRequest(s, "r", "k", 1, NAMES, timeout=120))
            res = await c.wait_results(s, 4, 150)
            assert {r.kind for _, r in res} == {"keygen"}
            pk = res[0][1].pubkey
            d = digest()
            s = sid()
            c.submit("p3", SignRequest(s, "r", "k", "one", d, timeout=60))
            res = await c.wait_results(s, 2, 90)
            assert {p for p, _ in res} == {"p0", "p1"} and all(_verify(pk, d, r) for _, r in res)

            for _ in range(120):  # the pool refills the presignature the first signature used
                if (await c.nodes["p0"].status()).keys[0].presignatures == 1:
                    break
                await asyncio.sleep(0.5)
            else:
                raise AssertionError("the presignature pool never refilled")
            await c.kill("p0")  # SIGKILL: the rank-0 leader and a default signer
            await c.start("p0")
            await c.wait_connected(timeout=30)
            st = await c.nodes["p0"].status()
            assert [(k.key_id, k.status, k.pubkey) for k in st.keys] == [("k", "READY", pk)]
            # the presignature stored before the crash is known again, not orphaned
            assert st.keys[0].presignatures == 1
            d = digest()
            s = sid()
            c.submit("p2", SignRequest(s, "r", "k", "two", d, timeout=60))
            res = await c.wait_results(s, 2, 90)
            assert {p for p, _ in res} == {"p0", "p1"}, res
            assert all(r.kind == "sign" and _verify(pk, d, r) for _, r in res)
        finally:
            await c.close()
    asyncio.run(main())
