"""Faults: a party that stops mid-session, a dead leader, garbage from a peer, frames ahead of
their request (limbo), and runs a restart left PENDING."""

import asyncio
import time

from abci_mpc.engine import frames
from abci_mpc.engine.api import KeygenRequest, SessionFailed, SignDone, SignRequest
from abci_mpc.engine.engine_pb2 import Frame, Ready, Tss
from abci_mpc.store import Status
from enginehelpers import NAMES, MemCluster, digest, sid, verify


def run(coro):
    return asyncio.run(coro)


def test_signer_stops_mid_presign_then_a_retry_succeeds_without_it(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            pk = await c.keygen("k", 1)  # t=1: signers are the first two ready parties
            s = sid()
            c.engines["p3"].submit(SignRequest(s, "r", "k", "a", digest(), timeout=6))
            # stop p1 (a chosen signer) once its presigning has begun
            await c.wait(lambda: "presign" in getattr(c.engines["p1"]._sessions.get(s), "drivers", {}), 20,
                         "p1 presigning")
            t0 = time.monotonic()
            await c.stop("p1")
            await c.wait(lambda: "p0" in c.of(s), 15, "p0's failure")
            assert time.monotonic() - t0 < 6.5
            fail = c.of(s)["p0"]
            assert isinstance(fail, SessionFailed) and fail.protocol == "sign"
            assert [(b.accused, b.reason) for b in fail.blames] == [("p1", "TIMEOUT")], fail
            assert "p1" in fail.reason
            await asyncio.sleep(0.2)
            assert set(c.of(s)) == {"p0"}  # p2 and p3 were not chosen: no result from them

            d = digest()
            s2, res = await c.sign("k", d, via="p3", signers=2, timeout=30)
            assert set(res) == {"p0", "p2"} and all(isinstance(r, SignDone) and verify(pk, d, r) for r in res.values())
        finally:
            await c.close()
    run(main())


def test_keygen_party_vanishing_mid_protocol_is_blamed_and_records_turn_error(tmp_path, pool, aux4):
    async def main():
        gone = set()

        def tap(sender, recipient, data):
            # p3 answered Ready and began keygen, then its process "died" before a message left
            if sender == "p3" and not gone and Frame.FromString(data).WhichOneof("kind") == "tss":
                gone.add(sender)
                c.net.disconnect("p3")

        c = MemCluster(tmp_path, pool, aux=aux4, tap=tap)
        await c.start()
        try:
            s = sid()
            c.engines["p0"].submit(KeygenRequest(s, "r", "kk", 2, NAMES, timeout=4))
            res = await c.wait_session(s, ("p0", "p1", "p2"), timeout=10)
            for p in ("p0", "p1", "p2"):
                assert isinstance(res[p], SessionFailed)
                assert [(b.accused, b.reason) for b in res[p].blames] == [("p3", "TIMEOUT")], res[p]
                assert c.stores[p].records("kk")[-1].status is Status.ERROR
        finally:
            await c.close()
    run(main())


def test_silent_party_in_the_ready_phase_is_blamed(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            await c.stop("p2")
            s = sid()
            c.engines["p0"].submit(KeygenRequest(s, "r", "k", 1, NAMES, timeout=2))
            res = await c.wait_session(s, ("p0", "p1", "p3"), timeout=5)
            assert all([(b.accused, b.reason, b.round) for b in r.blames] == [("p2", "TIMEOUT", 0)]
                       for r in res.values())
        finally:
            await c.close()
    run(main())


def test_dead_leader_fails_over_to_the_next_party(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4, leader_failover=1.0)
        await c.start()
        try:
            pk = await c.keygen("k", 1)
            await c.stop("p0")  # rank-0 leader of every key over NAMES
            d = digest()
            t0 = time.monotonic()
            s, res = await c.sign("k", d, via="p3", signers=2, timeout=30)
            assert set(res) == {"p1", "p2"} and all(verify(pk, d, r) for r in res.values())
            assert time.monotonic() - t0 >= 1.0  # p1 waited its failover turn
        finally:
            await c.close()
    run(main())


def test_garbage_from_a_peer_is_dropped_and_the_engine_keeps_working(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            e = c.engines["p0"]
            real = sid()
            junk = [b"", b"\x00" * 10, b"\xff" * 1000, frames.encode(b"x", ready=Ready())[:-1],
                    Frame(version=9, session=b"s", ready=Ready()).SerializeToString(),
                    Frame(version=1, session=b"", ready=Ready()).SerializeToString(),
                    Frame(version=1, session=b"s").SerializeToString(),
                    frames.encode(b"y" * 65, ready=Ready()),
                    b"\x0a" * (9 << 20)]
            for j in junk:
                c.net.inject("p1", "p0", j)
            c.net.inject("stranger", "p0", frames.encode(real, ready=Ready()))
            await c.wait(lambda: e.stats["garbage"] == len(junk) + 1, 5, "garbage counted")
            # a tss frame that does not parse, for a live session, is dropped too
            await c.keygen("k", 1)
            s = sid()
            c.engines["p1"].submit(SignRequest(s, "r", "k", "z", digest(), timeout=20))
            c.net.inject("p2", "p0", frames.encode(s, tss=Tss(envelope=b"\x01garbage")))
            await c.wait(lambda: len(c.of(s)) >= 2, 30, "signatures")
            assert all(isinstance(r, SignDone) for r in c.of(s).values())
            assert e.stats["dropped"] >= 1
        finally:
            await c.close()
    run(main())


def test_chain_mode_frames_ahead_of_the_request_wait_in_limbo(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4, accept_peer_requests=False, limbo_ttl=1.0)
        await c.start()
        try:
            s = sid()
            req = KeygenRequest(s, "r", "late", 1, NAMES, timeout=20)
            for p in ("p1", "p2", "p3"):
                c.engines[p].submit(req)  # p0's copy of the block comes later
            await c.wait(lambda: len(c.engines["p0"].limbo) >= 3, 5, "limbo")
            c.engines["p0"].submit(req)
            res = await c.wait_session(s, NAMES, 20)
            assert len({r.pubkey for r in res.values()}) == 1

            # frames for a session that never comes are dropped after the TTL
            stray = sid()
            c.net.inject("p1", "p0", frames.encode(stray, ready=Ready()))
            await asyncio.sleep(0.1)
            assert len(c.engines["p0"].limbo) == 1
            await c.wait(lambda: c.engines["p0"].stats["limbo_expired"] == 1, 5, "limbo expiry")
            assert len(c.engines["p0"].limbo) == 0
            # chain mode: a peer's Prepare is not a request
            c.net.inject("p1", "p0", frames.encode(sid(), prepare=frames.request_to_pb(
                KeygenRequest(sid(), "r", "sneaky", 1, NAMES))))
            await asyncio.sleep(0.2)
            assert not c.results["p0"][1:]
        finally:
            await c.close()
    run(main())


def test_runs_left_pending_by_a_crash_turn_error_at_startup(tmp_path, pool):
    async def main():
        c = MemCluster(tmp_path, pool)
        await c.start("p1")
        await c.stop("p1")  # clean stop; now fake a crash's leftover
        c.stores["p1"].begin_keygen("half", 1, NAMES, "r")
        await c.start("p1")
        try:
            rec = c.stores["p1"].records("half")[-1]
            assert rec.status is Status.ERROR and "abandoned" in rec.error
        finally:
            await c.close()
    run(main())


def test_duplicated_and_late_frames_are_dropped(tmp_path, pool, aux4):
    async def main():
        doubled = []

        def tap(sender, recipient, data):
            # every frame p1 sends p0 arrives twice
            if sender == "p1" and recipient == "p0" and len(doubled) < 50:
                doubled.append(data)
                asyncio.get_running_loop().call_soon(c.net.inject, sender, recipient, data)

        c = MemCluster(tmp_path, pool, aux=aux4, tap=tap)
        await c.start()
        try:
            await c.keygen("k", 1)
            e = c.engines["p0"]
            kinds = {Frame.FromString(d).WhichOneof("kind") for d in doubled}
            assert {"ready", "tss"} <= kinds
            await c.wait(lambda: e.stats["dropped"] + e.stats["late"] >= len(doubled), 5, "duplicates dropped")
            late = e.stats["late"]
            c.net.inject("p1", "p0", doubled[0])  # the session is over: a replay is late
            await c.wait(lambda: e.stats["late"] == late + 1, 5, "late frame dropped")
        finally:
            await c.close()
    run(main())


def test_a_declined_pool_run_fails_fast_and_the_coordinator_retries(tmp_path, pool, aux4):
    """A follower that cannot serve a PoolStart (here: its share is gone; in practice mostly
    the PoolStart overtaking its own end of keygen) tells the coordinator at once, so the
    key's pool retries after a short backoff instead of stalling for the pool deadline."""
    async def main():
        seen = []

        def tap(sender, recipient, data):
            seen.append((sender, recipient, Frame.FromString(data).WhichOneof("kind")))

        c = MemCluster(tmp_path, pool, aux=aux4, tap=tap)
        await c.start()
        try:
            await c.keygen("k", 1)  # default signer set: p0 (coordinator), p1
            c.stores["p1"].delete("k", "test")
            c.engines["p0"].set_presig_target(1)
            await c.wait(lambda: seen.count(("p0", "p1", "pool_start")) >= 2, 15, "a second pool run")
            assert ("p1", "p0", "abort") in seen
            assert c.engines["p0"].presignature_pool_size("k") == 0
        finally:
            await c.close()
    run(main())


def test_close_right_after_a_pool_wakeup_ends_every_task(tmp_path, pool, aux4):
    """Keygen's end wakes the presignature pool's loop; an engine closed in that same loop
    iteration (as in the dead-leader test) once kept that loop alive, and close() hung."""
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        engines = list(c.engines.values())
        try:
            await asyncio.sleep(0.05)
            for e in engines:
                e.presigs.poke()
            t0 = time.monotonic()
            await c.close()
            assert time.monotonic() - t0 < 5
            for e in engines:
                assert all(t.done() for t in e._background), [t for t in e._background if not t.done()]
        finally:
            await c.close()
    run(main())
