"""keyGen: prepare -> ready -> start, with aux info reused or made alongside.

1. Local checks through the store: READY here -> report the existing key, no new work;
   PENDING (or deleted, or known without a share) -> refuse. Otherwise record PENDING.
2. Ready to every party, carrying the ids of aux-info runs held for this party set.
3. Once every party is ready: keygen, plus (unless all hold a common aux run) a fresh
   aux-info run at the same time with a Paillier key from the stash.
4. Share + aux -> store READY -> KeygenDone.
"""

from __future__ import annotations

import hashlib

from ...store import Existing, StoreError
from ...tss import aux, keygen
from .. import work
from ..api import BlameRecord, KeygenDone, KeygenRequest
from ..engine_pb2 import Ready
from ..errors import NotInvolved, SessionAborted
from ..keycache import common_aux

PROTOCOLS = (keygen.PROTOCOL, aux.PROTOCOL)


def key_session_id(session_id: bytes) -> bytes:
    """Same on every node for one run, so key sessions (and presignatures) line up."""
    return hashlib.sha256(b"abci-mpc/engine/key-session/v1" + session_id).digest()[:16]


def import_key_session_id(key_id: str, share) -> bytes:
    """For a share imported on every node (tss-lib migration): the same on each node that
    imports the same key with the same party ids, as signing needs every party to agree."""
    return hashlib.sha256(b"abci-mpc/engine/key-session/import/v1" + key_id.encode() + b"\x00"
                          + share.fingerprint()).digest()[:16]


def refusals(ctx) -> tuple[BlameRecord, ...]:
    return tuple(BlameRecord(p, "REFUSED", 0, r.refusal[:300]) for p, r in sorted(ctx.readies.items())
                 if r.refusal and p != ctx.me)


async def run(ctx, req: KeygenRequest):
    eng = ctx.engine
    parties = tuple(sorted(req.parties))
    if ctx.me not in parties:
        raise NotInvolved("not a party of the key")
    ctx.expect(parties)
    ksid = key_session_id(req.session_id)
    try:
        rec = await eng.db(eng.store.begin_keygen, req.key_id, req.threshold, req.parties, req.request_id,
                           key_session_id=ksid)
    except StoreError as exc:
        await ctx.send_ready(Ready(refusal=str(exc)[:300]))
        raise SessionAborted(f"refused here: {exc}") from None
    if isinstance(rec, Existing):
        held = rec.record
        if tuple(sorted(held.parties)) != parties or held.threshold != req.threshold:
            # e.g. a tss-lib import registered on chain with another committee or threshold
            msg = f"key is READY here with threshold {held.threshold} and another party set" \
                if tuple(sorted(held.parties)) != parties else f"key is READY here with threshold {held.threshold}"
            await ctx.send_ready(Ready(refusal=msg))
            raise SessionAborted(f"refused here: {msg}")
        await ctx.send_ready(Ready(refusal="key is already READY", pubkey=held.pubkey))
        return KeygenDone(req.session_id, req.key_id, held.pubkey, existing=True)
    ctx.pending_record = ksid

    await ctx.send_ready(Ready(aux_ids=eng.aux.ids(parties)))
    ctx.waiting_on(lambda: set(parties) - set(ctx.readies), "no ready answer")
    await ctx.until(lambda: len(ctx.readies) == len(parties) or bool(refusals(ctx)))
    refused = refusals(ctx)
    if refused:
        raise SessionAborted("refused by " + ", ".join(b.accused for b in refused), refused)

    t = req.threshold
    chosen = common_aux(r.aux_ids for r in ctx.readies.values())
    aux_info = eng.aux.get(parties, chosen) if chosen else None
    run_keygen = ctx.run_tss(keygen.PROTOCOL, parties, keygen.binding(t), keygen.begin, t)
    if aux_info is not None:
        share = await run_keygen
    else:
        async def run_aux():
            paillier = await eng.stash.take()
            return await ctx.run_tss(aux.PROTOCOL, parties, b"", aux.begin, paillier)
        share, aux_info = await ctx.run_all(run_keygen, run_aux())

    full = share.with_aux(aux_info)
    data = await eng.pool.run(work.encode_share, full, priority=ctx.priority)
    pubkey = full.public_key.to_bytes()
    await eng.db(eng.store.mark_ready, req.key_id, ksid, pubkey, data)
    ctx.pending_record = None
    eng.key_ready(req.key_id, ksid, full)
    return KeygenDone(req.session_id, req.key_id, pubkey)
