"""keyReshare and keyRefresh: a new sharing of the same key, then a confirmed switch-over.

Both follow the keygen pattern. Local checks record a PENDING successor through
`store.begin_successor` (refused if a run is PENDING, the key deleted, ...), then Ready.

- Refresh: every party of the key must be ready; all run `tss.refresh` with a fresh
  Paillier key from the stash.
- Reshare: the new members must all be ready, and t+1 old parties to deal. The leader
  (the old committee's first party, with the same failover as signing) names the dealers
  — the first t+1 ready old parties, those staying in the new set first — and the key's
  public facts (`OldKey`, which a joining member has no other way to know; it must equal
  what every dealer said in its Ready). Dealers and new members run `tss.reshare`.

Switch-over: each new member that has its new share sends Confirm(pubkey) to everyone
involved. Only when every new member has confirmed the same public key does a node
commit: a member's new share becomes READY (the store retires the old one in the same
batch), a leaving party's old share is erased (`mark_left`). Until then the old share
stays usable, so a run that fails half-way never destroys the key. Past the deadline
the PENDING successor turns ERROR and the old share is kept.
"""

from __future__ import annotations

import asyncio

from ...store import KeyDeletedError, Origin, StoreError
from ...tss import refresh, reshare
from ...tss.curve import Point
from .. import work
from ..api import BlameRecord, RefreshDone, RefreshRequest, ReshareDone, ReshareRequest
from ..engine_pb2 import Confirm, OldKey, Ready, Start
from ..errors import NotInvolved, SessionAborted
from .keygen import key_session_id, refusals

PROTOCOLS = (reshare.PROTOCOL, refresh.PROTOCOL)


def old_key_to_pb(k: reshare.OldKey) -> OldKey:
    parties = sorted(k.share_ids)
    return OldKey(public_key=k.public_key.to_bytes(), threshold=k.threshold, parties=parties,
                  share_ids=[k.share_ids[p] for p in parties],
                  public_shares=[k.public_shares[p].to_bytes() for p in parties])


def old_key_from_pb(m: OldKey) -> reshare.OldKey:
    parties = list(m.parties)
    if (parties != sorted(set(parties)) or len(m.share_ids) != len(parties)
            or len(m.public_shares) != len(parties) or not 1 <= m.threshold < len(parties)):
        raise ValueError("malformed old key")
    return reshare.OldKey(Point.from_bytes(m.public_key), m.threshold, dict(zip(parties, m.share_ids)),
                          {p: Point.from_bytes(x) for p, x in zip(parties, m.public_shares)})


async def _begin(ctx, req, threshold, parties, origin, tell):
    """PENDING successor record, or refuse (Ready with the reason) and fail."""
    eng = ctx.engine
    ksid = key_session_id(req.session_id)
    try:
        await eng.db(eng.store.begin_successor, req.key_id, threshold, parties, req.request_id,
                     origin=origin, key_session_id=ksid)
    except StoreError as exc:
        ctx.readies[ctx.me] = Ready(refusal=str(exc)[:300])
        await ctx.send_control(tell, ready=ctx.readies[ctx.me])
        raise SessionAborted(f"refused here: {exc}") from None
    ctx.pending_record = ksid
    return ksid


async def _confirm_and_commit(ctx, req, members, new_share, pubkey: bytes, tell, *, member: bool):
    eng = ctx.engine
    if member:
        ctx.confirms[ctx.me] = Confirm(pubkey=pubkey)
        await ctx.send_control(tell, confirm=ctx.confirms[ctx.me])
    ctx.waiting_on(lambda: set(members) - set(ctx.confirms), "no confirmation of the new share")
    await ctx.until(lambda: set(members) <= set(ctx.confirms))
    wrong = sorted(p for p in members if ctx.confirms[p].pubkey != pubkey)
    if wrong:
        raise SessionAborted("new members disagree on the public key",
                             tuple(BlameRecord(p, "INCONSISTENT", 0, "confirmed another public key") for p in wrong))
    ksid = ctx.pending_record
    if member:
        data = await eng.pool.run(work.encode_share, new_share, priority=ctx.priority)
        await eng.db(eng.store.mark_ready, req.key_id, ksid, pubkey, data)
        ctx.pending_record = None
        eng.key_ready(req.key_id, ksid, new_share)
    else:
        await eng.db(eng.store.mark_left, req.key_id, ksid, pubkey)
        ctx.pending_record = None
        eng.key_deleted(req.key_id)


# -- refresh ---------------------------------------------------------------------------------

async def run_refresh(ctx, req: RefreshRequest):
    eng = ctx.engine
    try:
        rec = await eng.db(eng.store.latest_ready, req.key_id)
    except KeyDeletedError:
        raise NotInvolved("key was deleted") from None
    if rec is None:
        raise NotInvolved("no READY share of the key here")
    parties = tuple(sorted(rec.parties))
    ctx.expect(parties)
    await _begin(ctx, req, rec.threshold, rec.parties, Origin.REFRESH, parties)
    share = await eng.share(rec, ctx.priority)
    await ctx.send_ready(Ready(key_session=rec.key_session_id))
    ctx.waiting_on(lambda: set(parties) - set(ctx.readies), "no ready answer")
    await ctx.until(lambda: len(ctx.readies) == len(parties) or bool(refusals(ctx)))
    refused = refusals(ctx) + tuple(BlameRecord(p, "REFUSED", 0, "holds another key session")
                                    for p, r in sorted(ctx.readies.items())
                                    if not r.refusal and r.key_session != rec.key_session_id)
    if refused:
        raise SessionAborted("refused by " + ", ".join(b.accused for b in refused), refused)
    paillier = await eng.stash.take()
    out = await ctx.run_tss(refresh.PROTOCOL, parties, refresh.binding(share), refresh.begin, share, paillier)
    pubkey = out.share.public_key.to_bytes()
    await _confirm_and_commit(ctx, req, parties, out.share, pubkey, parties, member=True)
    return RefreshDone(req.session_id, req.key_id, pubkey)


# -- reshare ---------------------------------------------------------------------------------

async def run_reshare(ctx, req: ReshareRequest):
    eng, cfg = ctx.engine, ctx.engine.config
    new = tuple(sorted(req.new_parties))
    try:
        rec = await eng.db(eng.store.latest_ready, req.key_id)
    except KeyDeletedError:
        raise NotInvolved("key was deleted") from None
    if rec is None and ctx.me not in new:
        raise NotInvolved("neither an old party nor a new member")
    old_parties = tuple(sorted(rec.parties)) if rec is not None else None
    # A joining member does not know the old committee yet: it talks to every known party.
    everyone = tuple(sorted(set(new) | set(old_parties or eng.directory)))
    ctx.expect(everyone)
    await _begin(ctx, req, req.new_threshold, req.new_parties, Origin.RESHARE, everyone)
    share = old_key = None
    ready = Ready()
    if rec is not None:
        share = await eng.share(rec, ctx.priority)
        old_key = reshare.OldKey.of(share)
        ready = Ready(key_session=rec.key_session_id, old_key=old_key_to_pb(old_key))
    await ctx.send_ready(ready)

    start = await _agree(ctx, new, old_parties, rec, cfg)
    dealers = tuple(start.signers)
    try:
        told = old_key_from_pb(start.old_key)
    except ValueError:
        raise SessionAborted("the leader's start carries a malformed old key") from None
    if old_key is not None and old_key_to_pb(told) != old_key_to_pb(old_key):
        raise SessionAborted("the leader's start names another old key")
    if any(ctx.readies.get(d, Ready()).old_key != start.old_key for d in dealers):
        raise SessionAborted("dealers and leader disagree on the old key")
    old_key = told
    old_parties = tuple(sorted(old_key.share_ids))
    everyone = tuple(sorted(set(new) | set(old_parties)))
    participants = tuple(sorted(set(dealers) | set(new)))
    member = ctx.me in new
    new_share = None
    if ctx.me in participants:
        ctx.expect(everyone, abort_from=participants)
        paillier = await eng.stash.take() if member else None
        binding = reshare.binding(old_key, dealers, new, req.new_threshold)
        out = await ctx.run_tss(reshare.PROTOCOL, participants, binding, reshare.begin, share, old_key, dealers,
                                new, req.new_threshold, paillier)
        new_share = out.share
        if member and new_share is None:
            raise SessionAborted("reshare gave a new member no share")
    pubkey = old_key.public_key.to_bytes()
    if new_share is not None and new_share.public_key.to_bytes() != pubkey:
        raise SessionAborted("reshare produced another public key")
    await _confirm_and_commit(ctx, req, new, new_share, pubkey, everyone, member=member)
    return ReshareDone(req.session_id, req.key_id, pubkey, member)


async def _agree(ctx, new, old_parties, rec, cfg) -> Start:
    """Wait for the leader's Start naming the dealers, or be the leader (an old party)."""
    loop = asyncio.get_running_loop()
    t_ready = loop.time()

    def ok(p):
        r = ctx.readies.get(p)
        return r is not None and not r.refusal

    def old_ready():
        return [p for p in old_parties if ok(p) and ctx.readies[p].key_session == rec.key_session_id]

    def valid_start():
        for sender, st in ctx.starts:
            dealers = tuple(st.signers)
            if (dealers == tuple(sorted(set(dealers))) and st.HasField("old_key")
                    and set(dealers) <= set(st.old_key.parties) and sender in st.old_key.parties
                    and len(dealers) >= st.old_key.threshold + 1):
                return st
            ctx.drop("malformed start", sender)
        ctx.starts.clear()
        return None

    def waiting():
        return {p for p in new if not ok(p)} | ({p for p in old_parties or () if p not in ctx.readies})

    ctx.waiting_on(waiting, "no ready answer or no start from the leader")
    while True:
        bad = refusals(ctx)
        if any(b.accused in new for b in bad):
            raise SessionAborted("refused by " + ", ".join(b.accused for b in bad if b.accused in new), bad)
        start = valid_start()
        if start is not None:
            return start
        if rec is not None:
            t = rec.threshold
            rank = old_parties.index(ctx.me)
            now = loop.time()
            my_turn = t_ready + rank * cfg.leader_failover
            olds = old_ready()
            members_ready = all(ok(p) for p in new)
            if now >= my_turn and members_ready and (
                    len(olds) == len(old_parties) or (len(olds) >= t + 1 and now >= t_ready + cfg.ready_grace)):
                dealers = sorted(sorted(olds, key=lambda p: (p not in new, p))[: t + 1])
                start = Start(signers=dealers, key_session=rec.key_session_id, old_key=ctx.readies[ctx.me].old_key)
                ctx.starts.append((ctx.me, start))
                await ctx.send_control(ctx.parties, start=start)
                return start
            wake = my_turn if now < my_turn else t_ready + cfg.ready_grace
            await ctx.wait_change(wake - now if wake > now else None)
        else:
            await ctx.wait_change(None)
