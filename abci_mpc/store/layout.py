"""LevelDB key layout. One byte of table, a NUL, then the fields.

    m\\0meta                               StoreMeta (mirror of store.meta)
    r\\0<key_id>\\0<ksid:16>                 KeyRecord
    t\\0<key_id>                            Tombstone
    p\\0<key_id>\\0<ksid:16><presig_id>      sealed presignature
    u\\0<key_id>\\0<ksid:16><presig_id>      UsedMarker

Key ids cannot contain NUL and session ids are fixed-length, so every prefix
below selects exactly one key id / one session, never a neighbour whose name
merely starts the same way.
"""

from __future__ import annotations

import re

from .errors import InvalidArgumentError, InvalidKeyIdError

SESSION_ID_LEN = 16
MAX_PRESIG_ID_LEN = 64
_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

META = b"m\x00meta"
RECORDS = b"r\x00"
TOMBSTONES = b"t\x00"
PRESIGS = b"p\x00"
USED = b"u\x00"


def check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise InvalidKeyIdError(
            f"invalid key id {key_id!r:.80}: need 1..128 characters of [A-Za-z0-9._:-]"
        )
    return key_id


def check_session_id(ksid: object) -> bytes:
    if not isinstance(ksid, bytes) or len(ksid) != SESSION_ID_LEN:
        raise InvalidArgumentError(f"key_session_id must be {SESSION_ID_LEN} bytes")
    return ksid


def check_presig_id(presig_id: object) -> bytes:
    if not isinstance(presig_id, bytes) or not 1 <= len(presig_id) <= MAX_PRESIG_ID_LEN:
        raise InvalidArgumentError(f"presignature id must be 1..{MAX_PRESIG_ID_LEN} bytes")
    return presig_id


def _key(table: bytes, key_id: str) -> bytes:
    return table + key_id.encode("ascii") + b"\x00"


def record(key_id: str, ksid: bytes) -> bytes:
    return _key(RECORDS, key_id) + ksid


def records_of(key_id: str) -> bytes:
    return _key(RECORDS, key_id)


def tombstone(key_id: str) -> bytes:
    return TOMBSTONES + key_id.encode("ascii")


def presigs_of_session(key_id: str, ksid: bytes) -> bytes:
    return _key(PRESIGS, key_id) + ksid


def presigs_of(key_id: str) -> bytes:
    return _key(PRESIGS, key_id)


def presig(key_id: str, ksid: bytes, presig_id: bytes) -> bytes:
    return presigs_of_session(key_id, ksid) + presig_id


def used(key_id: str, ksid: bytes, presig_id: bytes) -> bytes:
    return _key(USED, key_id) + ksid + presig_id


def split_record_key(key: bytes) -> tuple[str, bytes] | None:
    """(key_id, ksid) of an ``r\\0`` key, or None when the key is malformed."""
    kid, sep, ksid = key[len(RECORDS) :].partition(b"\x00")
    try:
        key_id = kid.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not sep or len(ksid) != SESSION_ID_LEN or not _KEY_ID.fullmatch(key_id):
        return None
    return key_id, ksid


def prefix_end(prefix: bytes) -> bytes:
    """Smallest key greater than every key starting with ``prefix``."""
    head = prefix.rstrip(b"\xff")
    if not head:
        raise ValueError("prefix has no upper bound")
    return head[:-1] + bytes([head[-1] + 1])
