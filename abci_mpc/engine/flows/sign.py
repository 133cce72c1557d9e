"""keySign: prepare -> ready -> a leader's Start -> sign (from a presignature) or presign+sign.

Every party of the key answers Ready with the presignature ids it holds for the key's
default signer set (the first t+1 parties). The leader — the first party of the key,
or, if no Start came `k * leader_failover` seconds after its own Ready, the party of
rank k — picks the first t+1 ready parties in key order, and a presignature every one of
them holds if they are the default set. It reserves that presignature in its own index,
so concurrent sessions never get the same one. Parties not chosen end quietly.

A signer takes the presignature from the store — which durably marks it used — before
computing anything from it, so no partial signature can ever leave for a reused one.
"""

from __future__ import annotations

import asyncio

from ...store import KeyDeletedError, StoreError
from ...tss import presign, sign
from ...tss.serialize import ShareFormatError, presignature_from_bytes
from ..api import SignDone, SignRequest
from ..engine_pb2 import Ready, Start
from ..errors import NotInvolved, SessionAborted

PROTOCOLS = (presign.PROTOCOL, sign.PROTOCOL)
PRESIG_ID_LEN = 32


async def run(ctx, req: SignRequest):
    eng = ctx.engine
    try:
        rec = await eng.db(eng.store.latest_ready, req.key_id)
    except KeyDeletedError:
        raise NotInvolved("key was deleted") from None
    if rec is None:
        raise NotInvolved("no READY share of the key here")
    parties, t, ksid = tuple(sorted(rec.parties)), rec.threshold, rec.key_session_id
    ctx.expect(parties)
    share = await eng.share(rec, ctx.priority)
    default = parties[: t + 1]
    mine = eng.presigs.ids(req.key_id, ksid)[: eng.config.presig_advertise] if ctx.me in default else []
    await ctx.send_ready(Ready(key_session=ksid, presig_ids=mine))

    start = await _agree(ctx, parties, t, ksid, default)
    signers = tuple(start.signers)
    if ctx.me not in signers:
        raise NotInvolved("not chosen to sign")
    ctx.expect(parties, abort_from=signers)

    if start.presig_id:
        presig = await _take(ctx, req.key_id, ksid, start.presig_id, signers, share)
    else:
        presig = await ctx.run_tss(presign.PROTOCOL, signers, presign.binding(share), presign.begin, share,
                                   eng.identity.signer, ctx.identities(signers))
    binding = sign.binding(presig.id, presig.key_fingerprint, presig.R, req.digest)
    sig = await ctx.run_tss(sign.PROTOCOL, signers, binding, sign.begin, share, presig, req.digest,
                            ctx.identities(signers))
    return SignDone(req.session_id, req.key_id, req.sign_id, sig.r, sig.s, sig.v)


def _valid_start(ctx, parties, t, ksid) -> Start | None:
    for sender, st in ctx.starts:
        signers = tuple(st.signers)
        if (len(signers) == t + 1 and signers == tuple(sorted(set(signers))) and set(signers) <= set(parties)
                and st.key_session == ksid and len(st.presig_id) in (0, PRESIG_ID_LEN)):
            return st
        ctx.drop("malformed start", sender)
    ctx.starts.clear()
    return None


async def _agree(ctx, parties, t, ksid, default) -> Start:
    """Wait for the leader's Start, or be the leader."""
    cfg = ctx.engine.config
    loop = asyncio.get_running_loop()
    rank = parties.index(ctx.me)
    t_ready = loop.time()

    def eligible():
        return [p for p in parties if p in ctx.readies and not ctx.readies[p].refusal
                and ctx.readies[p].key_session == ksid]

    def waiting():
        if len(eligible()) < t + 1:
            return set(parties) - set(ctx.readies)
        elapsed = loop.time() - t_ready
        return {p for k, p in enumerate(parties) if k * cfg.leader_failover <= elapsed and p != ctx.me}

    ctx.waiting_on(waiting, "no ready answer or no start from the leader")
    while True:
        start = _valid_start(ctx, parties, t, ksid)
        if start is not None:
            return start
        now = loop.time()
        my_turn = t_ready + rank * cfg.leader_failover
        el = eligible()
        if now >= my_turn and (len(el) == len(parties) or (len(el) >= t + 1 and now >= t_ready + cfg.ready_grace)):
            start = _choose(ctx, el[: t + 1], ksid, default)
            ctx.starts.append((ctx.me, start))
            await ctx.send_control(parties, start=start)
            return start
        wake = my_turn if now < my_turn else t_ready + cfg.ready_grace
        await ctx.wait_change(max(wake - now, 0.001) if wake > now else None)


def _choose(ctx, signers, ksid, default) -> Start:
    eng = ctx.engine
    pid = b""
    if tuple(signers) == tuple(default):
        common = None
        for p in signers:
            ids = set(ctx.readies[p].presig_ids)
            common = ids if common is None else common & ids
        if ctx.me in signers:
            common &= set(eng.presigs.ids(ctx.key_id, ksid))  # not reserved by a concurrent session
        if common:
            pid = min(common)
            eng.presigs.discard(ctx.key_id, ksid, pid)
    return Start(signers=list(signers), presig_id=pid, key_session=ksid)


async def _take(ctx, key_id, ksid, pid, signers, share):
    eng = ctx.engine
    eng.presigs.discard(key_id, ksid, pid)
    try:
        taken = await eng.db(eng.store.take_specific_presignature, key_id, ksid, pid)
    except StoreError as exc:
        raise SessionAborted(f"presignature {pid.hex()[:16]} unusable here: {exc}", notify=signers) from None
    if taken is None:
        raise SessionAborted(f"presignature {pid.hex()[:16]} not held here", notify=signers)
    try:
        presig = presignature_from_bytes(taken.data)
    except ShareFormatError as exc:
        raise SessionAborted(f"stored presignature is damaged: {exc}", notify=signers) from None
    if tuple(presig.signers) != tuple(signers) or presig.key_fingerprint != share.fingerprint():
        raise SessionAborted("presignature belongs to another signer set or key epoch", notify=signers)
    return presig
