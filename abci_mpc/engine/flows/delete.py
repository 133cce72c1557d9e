"""keyDelete: erase the share and presignatures, leave a tombstone, acknowledge. No TSS.

Every node runs it (a node that never held the key still writes the tombstone, which
reserves the id, but does not acknowledge).
"""

from __future__ import annotations

from ...store import KeyDeletedError
from ..api import DeleteAcked, DeleteRequest
from ..errors import NotInvolved


def _held(store, key_id: str) -> bool:
    try:
        return bool(store.records(key_id))
    except KeyDeletedError:
        tomb = store.tombstone(key_id)
        return bool(tomb and tomb.pubkey)


async def run(ctx, req: DeleteRequest):
    eng = ctx.engine
    held = await eng.db(_held, eng.store, req.key_id)
    await eng.db(eng.store.delete, req.key_id, req.request_id)
    eng.key_deleted(req.key_id)
    if not held:
        raise NotInvolved("never held the key; tombstone written")
    return DeleteAcked(req.session_id, req.key_id)
