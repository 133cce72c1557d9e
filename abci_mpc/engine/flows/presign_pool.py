"""One presignature-pool run: the key's default signer set presigns, each stores the result.

Started by the key's coordinator (its first party) with a PoolStart frame; runs at
background priority, so live sessions overtake it in the crypto pool. A failed run only
costs CPU: nothing is reported to the chain.
"""

from __future__ import annotations

from ...store import StoreError
from ...tss import presign
from ...tss.serialize import presignature_to_bytes
from ..errors import SessionAborted
from ..presigpool import default_signers

PROTOCOLS = (presign.PROTOCOL,)


async def run(ctx, key_id: str, ksid: bytes, signers: tuple[str, ...]):
    eng = ctx.engine
    ctx.expect(signers)
    try:
        rec = await eng.db(eng.store.latest_ready, key_id)
    except StoreError:  # deleted, or the store is closing
        rec = None
    if rec is None or rec.key_session_id != ksid or default_signers(rec.parties, rec.threshold) != signers:
        # Say so at once: the others would otherwise wait out the whole pool deadline, and
        # the coordinator's pool for this key stays stalled while they do. Typical cause: the
        # PoolStart overtook this node's own end of keygen; the coordinator retries shortly.
        raise SessionAborted("key session is not READY here with this default signer set", notify=signers)
    share = await eng.share(rec, ctx.priority)
    ctx.waiting_on(lambda: set(), "")
    presig = await ctx.run_tss(presign.PROTOCOL, signers, presign.binding(share), presign.begin, share,
                               eng.identity.signer, ctx.identities(signers))
    await eng.db(eng.store.add_presignatures, key_id, ksid, [(presig.id, presignature_to_bytes(presig))])
    eng.presigs.add(key_id, ksid, presig.id)

    async def burn(_failure):
        # Identification after the output named a cheater: this presignature must never sign.
        eng.presigs.discard(key_id, ksid, presig.id)
        try:
            await eng.db(eng.store.take_specific_presignature, key_id, ksid, presig.id)
        except StoreError:
            pass

    ctx.late_failure_hooks.append(burn)
    return None
