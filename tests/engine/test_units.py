"""Engine building blocks on their own: sealing, frame codec, limbo, crypto pool priorities."""

import ast
import asyncio
import pathlib
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

import abci_mpc
from abci_mpc.engine import api, frames, work
from abci_mpc.engine.aio import wait_set, within
from abci_mpc.engine.keycache import common_aux
from abci_mpc.engine.limbo import Limbo
from abci_mpc.engine.pool import BACKGROUND, LIVE, CryptoPool
from abci_mpc.engine.sealed import SealError, associated_data, open_sealed, seal



# -- sealing ------------------------------------------------------------------------------------

def test_seal_opens_only_for_its_recipient_session_and_link():
    bob, eve = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    ad = associated_data(b"s1", "alice", "bob")
    eph, ct = seal(bob.public_key().public_bytes_raw(), b"share bytes", ad)
    assert open_sealed(bob, eph, ct, ad) == b"share bytes"
    assert b"share bytes" not in ct
    for key, e, c, a in [(eve, eph, ct, ad),
                         (bob, eph, ct, associated_data(b"s2", "alice", "bob")),
                         (bob, eph, ct, associated_data(b"s1", "carol", "bob")),
                         (bob, eph, ct[:-1] + bytes([ct[-1] ^ 1]), ad),
                         (bob, bytes(32), ct, ad), (bob, eph[:5], ct, ad)]:
        with pytest.raises(SealError):
            open_sealed(key, e, c, a)


def test_associated_data_is_injective():
    assert associated_data(b"ab", "c", "d") != associated_data(b"a", "bc", "d")
    assert associated_data(b"", "ab", "c") != associated_data(b"", "a", "bc")


# -- frame codec --------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_to_a_checked_frame_or_a_frame_error(data):
    try:
        f = frames.decode(data, 1 << 20)
    except frames.FrameError:
        return
    assert f.version == frames.VERSION and 1 <= len(f.session) <= 64 and f.WhichOneof("kind")


ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=20)
timeouts = st.one_of(st.none(), st.floats(min_value=0.001, max_value=1e6))
requests = st.one_of(
    st.builds(api.KeygenRequest, st.binary(min_size=1, max_size=64), ids, ids, st.integers(1, 9),
              st.lists(ids, max_size=5).map(tuple), timeouts),
    st.builds(api.SignRequest, st.binary(min_size=1, max_size=64), ids, ids, ids, st.binary(min_size=32, max_size=32),
              timeouts),
    st.builds(api.ReshareRequest, st.binary(min_size=1, max_size=64), ids, ids, st.integers(1, 9),
              st.lists(ids, max_size=5).map(tuple), timeouts),
    st.builds(api.RefreshRequest, st.binary(min_size=1, max_size=64), ids, ids, timeouts),
    st.builds(api.DeleteRequest, st.binary(min_size=1, max_size=64), ids, ids))


@settings(max_examples=200, deadline=None)
@given(requests)
def test_requests_survive_a_prepare_frame(req):
    data = frames.encode(req.session_id, prepare=frames.request_to_pb(req))
    f = frames.decode(data, 1 << 20)
    assert frames.request_from_pb(f.session, f.prepare) == req


# -- limbo --------------------------------------------------------------------------------------

def test_limbo_bounds_and_ttl():
    now = [0.0]
    lim = Limbo(ttl=10, max_frames=5, max_per_session=3, clock=lambda: now[0])
    assert all(lim.put(b"a", "p", i) for i in range(3))
    assert not lim.put(b"a", "p", 3)  # per-session bound
    now[0] = 5
    assert lim.put(b"b", "p", 0) and lim.put(b"b", "p", 1)
    assert not lim.put(b"c", "p", 0)  # total bound
    assert [f for _, f in lim.take(b"b")] == [0, 1] and len(lim) == 3
    now[0] = 10.5
    assert lim.expire() == [(b"a", 3)] and len(lim) == 0 and lim.take(b"a") == []


def test_common_aux_is_the_smallest_id_everyone_holds():
    assert common_aux([[b"b", b"a"], [b"a", b"b", b"c"], [b"b", b"a"]]) == b"a"
    assert common_aux([[b"a"], [b"b"]]) is None
    assert common_aux([[b"a"], []]) is None


# -- crypto pool ------------------------------------------------------------------------------------

def test_live_jobs_overtake_queued_background_jobs():
    async def main():
        pool = CryptoPool(1, start_method="forkserver")
        await pool.start()
        try:
            order = []

            async def job(tag, priority):
                await pool.run(time.sleep, 0.05, priority=priority)
                order.append(tag)

            tasks = [asyncio.create_task(job(f"bg{i}", BACKGROUND)) for i in range(4)]
            await asyncio.sleep(0.01)  # bg0 is running, bg1..3 queued
            tasks.append(asyncio.create_task(job("live", LIVE)))
            await asyncio.gather(*tasks)
            assert order.index("live") <= 1, order
            # a cancelled queued job never runs
            blocker = asyncio.create_task(pool.run(time.sleep, 0.1))
            await asyncio.sleep(0.01)
            t = asyncio.create_task(pool.run(time.sleep, 5, priority=BACKGROUND))
            await asyncio.sleep(0.01)
            assert pool.queued(BACKGROUND) == 1
            t.cancel()
            t0 = time.monotonic()
            await blocker
            await asyncio.sleep(0.05)
            assert pool.busy == 0 and time.monotonic() - t0 < 1
        finally:
            await pool.close()
    asyncio.run(main())


def test_a_pool_that_outlives_its_event_loop_keeps_every_worker():
    pool = CryptoPool(1, start_method="forkserver")

    async def abandon():
        await pool.start()
        asyncio.get_running_loop().create_task(pool.run(time.sleep, 0.3))
        await asyncio.sleep(0.05)  # the job runs; then the loop closes under it

    async def reuse():
        try:
            async with asyncio.timeout(5):  # before the fix the only worker was lost for good
                await pool.run(work.ping)
            await asyncio.sleep(0.05)
            assert pool.busy == 0
        finally:
            await pool.close()

    asyncio.run(abandon())
    asyncio.run(reuse())


# -- cancellation-safe waits ----------------------------------------------------------------------

@pytest.mark.parametrize("yields", [0, 1, 2, 3])
@pytest.mark.parametrize("helper", ["wait_set", "within"])
def test_a_cancel_that_meets_a_wakeup_is_never_swallowed(helper, yields):
    """Python 3.11's asyncio.wait_for loses this cancel for yields 0..2 (CPython gh-86296),
    and a loop built on it outlives Engine.close()."""
    async def waits_forever(event):
        while True:
            event.clear()
            if helper == "wait_set":
                await wait_set(event, 1.0)
            else:
                try:
                    await within(event.wait(), 1.0)
                except TimeoutError:
                    pass

    async def main():
        event = asyncio.Event()
        task = asyncio.create_task(waits_forever(event))
        await asyncio.sleep(0.01)
        event.set()
        for _ in range(yields):
            await asyncio.sleep(0)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2.5)
        assert done, "the cancel was swallowed"
        assert task.cancelled()
    asyncio.run(main())


def test_wait_set_reports_set_or_timeout():
    async def main():
        e = asyncio.Event()
        assert await wait_set(e, 0.01) is False
        e.set()
        assert await wait_set(e, 0.01) is True
        with pytest.raises(TimeoutError):
            await within(asyncio.sleep(1), 0.01)
    asyncio.run(main())


def test_the_package_never_waits_through_asyncio_wait_for():
    root = pathlib.Path(abci_mpc.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "wait_for" \
                    and isinstance(node.value, ast.Name) and node.value.id == "asyncio":
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, f"use abci_mpc.engine.aio (wait_for swallows cancels on 3.11): {offenders}"


# -- blame evidence -------------------------------------------------------------------------

def test_public_evidence_keeps_no_secret_share_but_the_accused_own():
    from abci_mpc.engine.errors import public_evidence
    from abci_mpc.tss.blame import Blame, Reason
    from abci_mpc.tss.runner import LocalParties
    from abci_mpc.tss.session import parse_envelope

    lp = LocalParties(["a", "b", "c"])
    lp.keygen(1, with_aux=False)
    log = lp.sessions["a"]._log  # everything "a" sent and accepted
    everything = tuple(d for p in ("a", "b", "c") for d in log.get(p, ()))
    blame = Blame(session=b"s", protocol="keygen", round=3, accused="c", reason=Reason.BAD_SHARE,
                  detail="x", reporter="a", evidence=everything)
    kept = [parse_envelope(d) for d in public_evidence(blame)]
    dropped = [parse_envelope(d) for d in everything if d not in public_evidence(blame)]
    assert any(e.recipient for e in kept) and all(e.sender == "c" for e in kept if e.recipient)
    assert dropped and all(e.recipient and e.sender != "c" for e in dropped)
    assert {(e.sender, e.recipient) for e in dropped} >= {("a", "b"), ("a", "c"), ("b", "a")}
    presign_blame = Blame(session=b"s", protocol="presign", round=2, accused="c", reason=Reason.BAD_PROOF,
                          detail="x", reporter="a", evidence=everything)
    assert public_evidence(presign_blame) == everything
