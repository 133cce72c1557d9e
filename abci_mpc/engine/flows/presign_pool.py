"""One presignature-pool run: the key's default signer set presigns, each stores the result.

Started by the key's coordinator (its first party) with a PoolStart frame; runs at
background priority, so live sessions overtake it in the crypto pool. A failed run only
costs CPU: nothing is reported to the chain.
"""

from __future__ import annotations

from ...store import StoreError
from ...tss import presign
from ...tss.serialize import presignature_to_bytes
from ..errors import NotInvolved

PROTOCOLS = (presign.PROTOCOL,)


async def run(ctx, key_id: str, ksid: bytes, signers: tuple[str, ...]):
    eng = ctx.engine
    rec = await eng.db(eng.store.latest_ready, key_id)
    if rec is None or rec.key_session_id != ksid:
        raise NotInvolved("key session is not READY here")
    ctx.expect(signers)
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
