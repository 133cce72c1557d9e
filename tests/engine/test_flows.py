"""Engine flows end to end: four engines on the in-memory network, real stores, real crypto."""

import asyncio

import pytest

from abci_mpc.engine.api import (DeleteAcked, DeleteRequest, KeygenDone, KeygenRequest, SessionFailed, SignDone,
                                 SignRequest)
from abci_mpc.store import KeyDeletedError, Status
from enginehelpers import NAMES, MemCluster, digest, sid, verify


def run(coro):
    return asyncio.run(coro)


def test_keygen_runs_aux_once_then_reuses_it_existing_key_and_presign_sign(tmp_path, pool):
    async def main():
        c = MemCluster(tmp_path, pool)
        await c.start()
        try:
            pk1 = await c.keygen("k1", 2)
            pk2 = await c.keygen("k2", 2, via="p3")
            assert pk1 != pk2
            # aux info ran once per party, for the first key only
            assert all(e.stats["run_aux"] == 1 and e.stats["run_keygen"] == 2 for e in c.engines.values())
            for p in NAMES:
                rec = c.stores[p].latest_ready("k1")
                assert rec.status is Status.READY and rec.pubkey == pk1 and rec.threshold == 2

            # a keygen for a READY key returns it and does no work
            s = sid()
            c.engines["p1"].submit(KeygenRequest(s, "again", "k1", 2, NAMES))
            res = await c.wait_session(s, NAMES)
            assert all(isinstance(r, KeygenDone) and r.existing and r.pubkey == pk1 for r in res.values())
            assert all(e.stats["run_keygen"] == 2 for e in c.engines.values())
            assert all(len(c.stores[p].records("k1")) == 1 for p in NAMES)

            # no presignature in the pool: the first t+1 parties presign then sign
            d = digest()
            s, res = await c.sign("k1", d, via="p3", signers=3)
            assert set(res) == {"p0", "p1", "p2"}
            assert all(isinstance(r, SignDone) and verify(pk1, d, r) for r in res.values())
            assert len({(r.r, r.s) for r in res.values()}) == 1
            await asyncio.sleep(0.3)
            assert set(c.of(s)) == {"p0", "p1", "p2"}  # p3 was not chosen and reports nothing
        finally:
            await c.close()
    run(main())


def test_presignature_pool_fills_in_background_and_signing_uses_it(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            pk = await c.keygen("k", 1)
            for e in c.engines.values():
                e.set_presig_target(2)
            default = ("p0", "p1")
            await c.wait(lambda: all(c.engines[p].presignature_pool_size("k") == 2 for p in default), 60, "pool")
            for e in c.engines.values():
                e.set_presig_target(0)
            ksid = c.stores["p0"].latest_ready("k").key_session_id
            assert all(c.stores[p].presignature_count("k", ksid) == 2 for p in default)
            runs = {p: c.engines[p].stats["run_presign"] for p in default}
            d = digest()
            s, res = await c.sign("k", d, via="p2", signers=2)
            assert set(res) == set(default) and all(verify(pk, d, r) for r in res.values())
            # one presignature was taken from the store, no presigning ran for this signature
            assert all(c.stores[p].presignature_count("k", ksid) == 1 for p in default)
            assert all(c.engines[p].presignature_pool_size("k") == 1 for p in default)
            assert {p: c.engines[p].stats["run_presign"] for p in default} == runs
        finally:
            await c.close()
    run(main())


def test_delete_erases_everywhere_and_the_key_id_is_never_reused(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            await c.keygen("gone", 1)
            s = sid()
            c.engines["p2"].submit(DeleteRequest(s, "del-1", "gone"))
            res = await c.wait_session(s, NAMES)
            assert all(isinstance(r, DeleteAcked) for r in res.values())
            for p in NAMES:
                assert c.stores[p].tombstone("gone").request_id == "del-1"
                with pytest.raises(KeyDeletedError):
                    c.stores[p].records("gone")
            # signing a deleted key: nobody takes part
            s = sid()
            c.engines["p0"].submit(SignRequest(s, "r", "gone", "x", digest(), timeout=2))
            await asyncio.sleep(1.0)
            assert c.of(s) == {}
            # a keygen for the deleted id is refused everywhere
            s = sid()
            c.engines["p0"].submit(KeygenRequest(s, "r2", "gone", 1, NAMES, timeout=5))
            res = await c.wait_session(s, NAMES)
            assert all(isinstance(r, SessionFailed) for r in res.values())
            assert all("deleted" in r.reason or "refused" in r.reason for r in res.values())
        finally:
            await c.close()
    run(main())


def test_keygen_is_refused_while_a_run_is_pending(tmp_path, pool):
    async def main():
        c = MemCluster(tmp_path, pool)
        await c.start()
        try:
            c.stores["p2"].begin_keygen("busy", 1, NAMES, "other-request")
            s = sid()
            c.engines["p0"].submit(KeygenRequest(s, "r", "busy", 1, NAMES, timeout=10))
            res = await c.wait_session(s, NAMES, timeout=10)
            assert all(isinstance(r, SessionFailed) for r in res.values())
            assert "PENDING" in res["p2"].reason
            for p in ("p0", "p1", "p3"):
                assert [(b.accused, b.reason) for b in res[p].blames] == [("p2", "REFUSED")]
                assert c.stores[p].records("busy")[-1].status is Status.ERROR
        finally:
            await c.close()
    run(main())


def test_invalid_requests_fail_cleanly(tmp_path, pool):
    async def main():
        c = MemCluster(tmp_path, pool)
        await c.start()
        try:
            e = c.engines["p0"]
            bad = [KeygenRequest(sid(), "r", "k", 4, NAMES), KeygenRequest(sid(), "r", "k", 1, ("p0", "zz")),
                   KeygenRequest(sid(), "r", "bad key!", 1, NAMES), SignRequest(sid(), "r", "k", "s", b"short"),
                   SignRequest(b"", "r", "k", "s", digest()), KeygenRequest(sid(), "r", "k", 1, ("p0", "p0"))]
            for r in bad:
                e.submit(r)
            await c.wait(lambda: len(c.results["p0"]) == len(bad), 5, "failures")
            assert all(isinstance(r, SessionFailed) and r.reason.startswith("invalid request") for r in c.results["p0"])
            with pytest.raises(TypeError):
                e.submit("not a request")
            await asyncio.sleep(0.2)
            assert all(not c.results[p] for p in NAMES[1:])  # nothing invalid was shared
        finally:
            await c.close()
    run(main())
