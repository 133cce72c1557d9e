"""The values the store hands out, and their protobuf codec.

These are plain frozen dataclasses: safe to log (secret fields are excluded
from the repr) and detached from the database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from . import records_pb2 as pb
from .errors import CorruptRecordError
from .layout import SESSION_ID_LEN

PUBKEY_LEN = 33


class Status(enum.Enum):
    PENDING = pb.STATUS_PENDING
    READY = pb.STATUS_READY
    ERROR = pb.STATUS_ERROR
    RETIRED = pb.STATUS_RETIRED


class Origin(enum.Enum):
    KEYGEN = pb.ORIGIN_KEYGEN
    RESHARE = pb.ORIGIN_RESHARE
    REFRESH = pb.ORIGIN_REFRESH
    IMPORT = pb.ORIGIN_IMPORT


@dataclass(frozen=True)
class KeyRecord:
    """One run of a key protocol on this node: (key_id, key_session_id)."""

    key_id: str
    key_session_id: bytes
    seq: int
    threshold: int
    parties: tuple[str, ...]
    pubkey: bytes
    status: Status
    error: str
    origin: Origin
    request_id: str
    created_ms: int
    updated_ms: int
    # The decrypted share; empty unless READY.
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class Existing:
    """``begin_keygen`` found the key READY: use this record, run nothing."""

    record: KeyRecord


@dataclass(frozen=True)
class Tombstone:
    key_id: str
    deleted_ms: int
    request_id: str
    pubkey: bytes


@dataclass(frozen=True)
class Presignature:
    """A presignature taken out of the store; already durably marked used."""

    id: bytes
    data: bytes = field(repr=False)

    def __iter__(self) -> Iterator[bytes]:
        # Lets callers write `pid, data = store.take_presignature(...)`.
        return iter((self.id, self.data))


def encode_record(rec: KeyRecord, sealed_data: bytes) -> bytes:
    msg = pb.KeyRecord(
        key_id=rec.key_id,
        key_session_id=rec.key_session_id,
        seq=rec.seq,
        threshold=rec.threshold,
        parties=list(rec.parties),
        pubkey=rec.pubkey,
        status=rec.status.value,
        error=rec.error,
        sealed_data=sealed_data,
        created_ms=rec.created_ms,
        updated_ms=rec.updated_ms,
        origin=rec.origin.value,
        request_id=rec.request_id,
    )
    return msg.SerializeToString(deterministic=True)


def decode_record(key_id: str, ksid: bytes, raw: bytes) -> tuple[KeyRecord, bytes]:
    """(record without data, sealed data) of the value stored under (key_id, ksid).

    The value must name the same key and session as its DB key, so a value
    copied to another slot is caught before its ciphertext is even tried.
    """
    what = f"record for session {ksid.hex()}"
    msg = pb.KeyRecord()
    try:
        msg.ParseFromString(raw)
        rec = KeyRecord(
            key_id=msg.key_id,
            key_session_id=msg.key_session_id,
            seq=msg.seq,
            threshold=msg.threshold,
            parties=tuple(msg.parties),
            pubkey=msg.pubkey,
            status=Status(msg.status),
            error=msg.error,
            origin=Origin(msg.origin),
            request_id=msg.request_id,
            created_ms=msg.created_ms,
            updated_ms=msg.updated_ms,
        )
    except (DecodeError, ValueError):
        raise CorruptRecordError(key_id, what) from None
    has_data = bool(msg.sealed_data)
    if (
        rec.key_id != key_id
        or rec.key_session_id != ksid
        or len(ksid) != SESSION_ID_LEN
        or rec.seq < 1
        or not rec.threshold < len(rec.parties)
        or len(set(rec.parties)) != len(rec.parties)
        or len(rec.pubkey) not in (0, PUBKEY_LEN)
        or (rec.status is Status.READY) != has_data
        or (rec.status is Status.READY and not rec.pubkey)
    ):
        raise CorruptRecordError(key_id, what)
    return rec, msg.sealed_data


def encode_tombstone(t: Tombstone) -> bytes:
    return pb.Tombstone(
        key_id=t.key_id, deleted_ms=t.deleted_ms, request_id=t.request_id, pubkey=t.pubkey
    ).SerializeToString(deterministic=True)


def decode_tombstone(key_id: str, raw: bytes) -> Tombstone:
    msg = pb.Tombstone()
    try:
        msg.ParseFromString(raw)
    except DecodeError:
        raise CorruptRecordError(key_id, "tombstone") from None
    if msg.key_id != key_id:
        raise CorruptRecordError(key_id, "tombstone")
    return Tombstone(msg.key_id, msg.deleted_ms, msg.request_id, msg.pubkey)


def encode_used(used_ms: int) -> bytes:
    return pb.UsedMarker(used_ms=used_ms).SerializeToString(deterministic=True)

