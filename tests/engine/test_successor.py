"""keyReshare and keyRefresh through the engine: same public key, new shares, old ones erased."""

import asyncio

from abci_mpc.engine.api import RefreshDone, RefreshRequest, ReshareDone, ReshareRequest, SignDone
from abci_mpc.store import Status
from enginehelpers import NAMES, MemCluster, digest, sid, verify


def test_reshare_to_another_committee_then_refresh_then_sign(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            pk = await c.keygen("k", 1, parties=("p0", "p1", "p2"))
            old = {p: c.stores[p].latest_ready("k").key_session_id for p in ("p0", "p1", "p2")}

            # (1, {p0,p1,p2}) -> (2, {p1,p2,p3}): p0 leaves, p3 joins
            s = sid()
            c.engines["p1"].submit(ReshareRequest(s, "rs", "k", 2, ("p1", "p2", "p3"), timeout=90))
            res = await c.wait_session(s, NAMES, 120)
            assert all(isinstance(r, ReshareDone) and r.pubkey == pk for r in res.values()), res
            assert {p for p, r in res.items() if r.member} == {"p1", "p2", "p3"}
            assert c.stores["p0"].latest_ready("k") is None  # p0's share is erased
            assert c.stores["p0"].records("k")[0].status is Status.RETIRED
            for p in ("p1", "p2", "p3"):
                rec = c.stores[p].latest_ready("k")
                assert rec.threshold == 2 and rec.parties == ("p1", "p2", "p3") and rec.pubkey == pk
                assert rec.key_session_id != old.get(p)

            d = digest()
            s2, sigs = await c.sign("k", d, via="p0", signers=3, timeout=60)
            assert set(sigs) == {"p1", "p2", "p3"} and all(isinstance(r, SignDone) and verify(pk, d, r)
                                                          for r in sigs.values())

            s = sid()
            c.engines["p3"].submit(RefreshRequest(s, "rf", "k", timeout=90))
            res = await c.wait_session(s, ("p1", "p2", "p3"), 120)
            assert all(isinstance(r, RefreshDone) and r.pubkey == pk for r in res.values()), res
            d = digest()
            s3, sigs = await c.sign("k", d, via="p1", signers=3, timeout=60)
            assert all(isinstance(r, SignDone) and verify(pk, d, r) for r in sigs.values())
        finally:
            await c.close()
    asyncio.run(main())
