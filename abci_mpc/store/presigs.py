"""Presignature table: sealed presignatures and their permanent used markers.

Rule: a presignature is used at most once, ever. Taking one deletes it and
writes its used marker in the same synced WriteBatch, and only then returns
it, so by the time a caller can compute a partial signature from it, no
restart can hand it out again. Used markers are never erased while the key
session exists (and a retired session can never be READY again), so an id
once used is refused by ``add`` forever.

These functions assume the caller holds the store lock and has checked that
the key session is the key's current READY one.
"""

from __future__ import annotations

import plyvel

from . import layout
from .errors import CorruptRecordError, DuplicatePresignatureError, PresignatureUsedError
from .model import Presignature, encode_used
from .sealing import PRESIG, SealError, Sealer


def _ad(key_id: str, ksid: bytes, presig_id: bytes) -> tuple[bytes, ...]:
    return key_id.encode("ascii"), ksid, presig_id


def add(
    db: plyvel.DB,
    sealer: Sealer,
    key_id: str,
    ksid: bytes,
    items: list[tuple[bytes, bytes]],
) -> None:
    seen: set[bytes] = set()
    sealed = []
    for presig_id, data in items:
        if presig_id in seen or db.get(layout.presig(key_id, ksid, presig_id)) is not None:
            raise DuplicatePresignatureError(
                key_id, f"presignature {presig_id.hex()} already stored"
            )
        if db.get(layout.used(key_id, ksid, presig_id)) is not None:
            raise PresignatureUsedError(key_id, f"presignature {presig_id.hex()} was already used")
        seen.add(presig_id)
        sealed.append((presig_id, sealer.seal(PRESIG, data, *_ad(key_id, ksid, presig_id))))
    wb = db.write_batch(sync=True)
    for presig_id, blob in sealed:
        wb.put(layout.presig(key_id, ksid, presig_id), blob)
    wb.write()


def ids(db: plyvel.DB, key_id: str, ksid: bytes) -> list[bytes]:
    prefix = layout.presigs_of_session(key_id, ksid)
    return [k[len(prefix):] for k in db.iterator(prefix=prefix, include_value=False)]


def count(db: plyvel.DB, key_id: str, ksid: bytes) -> int:
    prefix = layout.presigs_of_session(key_id, ksid)
    return sum(1 for _ in db.iterator(prefix=prefix, include_value=False))


def take(
    db: plyvel.DB,
    sealer: Sealer,
    key_id: str,
    ksid: bytes,
    presig_id: bytes | None,
    now_ms: int,
) -> Presignature | None:
    """Take ``presig_id``, or any presignature when it is None; None if there is none."""
    if presig_id is None:
        prefix = layout.presigs_of_session(key_id, ksid)
        first = next(db.iterator(prefix=prefix), None)
        if first is None:
            return None
        key, blob = first
        presig_id = key[len(prefix) :]
    else:
        key = layout.presig(key_id, ksid, presig_id)
        blob = db.get(key)
        if blob is None:
            if db.get(layout.used(key_id, ksid, presig_id)) is not None:
                raise PresignatureUsedError(
                    key_id, f"presignature {presig_id.hex()} was already used"
                )
            return None
    wb = db.write_batch(sync=True)
    wb.delete(key)
    wb.put(layout.used(key_id, ksid, presig_id), encode_used(now_ms))
    try:
        data = sealer.open(PRESIG, blob, *_ad(key_id, ksid, presig_id))
    except SealError:
        # Burn it: a value that does not authenticate must never be retried.
        wb.write()
        raise CorruptRecordError(key_id, f"presignature {presig_id.hex()} (discarded)") from None
    wb.write()
    return Presignature(presig_id, data)


def erase_session(db: plyvel.DB, wb: plyvel.WriteBatch, key_id: str, ksid: bytes) -> None:
    for key in db.iterator(prefix=layout.presigs_of_session(key_id, ksid), include_value=False):
        wb.delete(key)


def erase_key(db: plyvel.DB, wb: plyvel.WriteBatch, key_id: str) -> None:
    for key in db.iterator(prefix=layout.presigs_of(key_id), include_value=False):
        wb.delete(key)
