"""Application state on its own LevelDB, with a deterministic app hash.

Layout (records are state.proto messages, deterministically encoded):

    k:<key_id>                     KeyRecord
    s:<session_id 16 bytes>        SessionRecord
    g:<key_id> 0x00 <sign_id>      SignatureRecord
    d:<deadline u64 BE><sid>       index: sessions to expire at that height
    o:<key_id> 0x00 <sid>          index: a key's ACTIVE sessions
    m:...                          meta (height, app hash, chain id, genesis): not hashed

A block runs against an :class:`Overlay` of the committed DB; ``commit``
writes the overlay's changes plus the new height and app hash in one synced
WriteBatch, so a crash leaves either the old or the new state. The app hash
chains blocks: ``H(prev, height, sorted changes)``, unchanged by a block that
changes nothing; genesis starts it with ``H(chain_id, app_state)``.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path

import plyvel

from . import state_pb2 as pb

FORMAT = b"1"
_HEIGHT, _APP_HASH, _CHAIN_ID, _GENESIS, _FORMAT = b"m:height", b"m:app_hash", b"m:chain_id", b"m:genesis", b"m:format"


class StateError(Exception):
    """The state directory cannot be used (locked, corrupt, another format)."""


class StateDB:
    """The committed state. Single-threaded use, like the ABCI app it serves."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._db = plyvel.DB(str(path), create_if_missing=True)
        except plyvel.IOError as exc:
            raise StateError(f"cannot open app state at {path}: {exc} (is another app running on it?)") from None
        except plyvel.CorruptionError as exc:
            raise StateError(f"app state at {path} is corrupt: {exc}") from None
        fmt = self._db.get(_FORMAT)
        if fmt is None:
            self._db.put(_FORMAT, FORMAT, sync=True)
        elif fmt != FORMAT:
            self._db.close()
            raise StateError(f"app state at {path} has format {fmt!r}, this build reads {FORMAT!r}")
        raw_height = self._db.get(_HEIGHT)
        self.height: int = struct.unpack(">Q", raw_height)[0] if raw_height else 0
        self.app_hash: bytes = self._db.get(_APP_HASH, b"")
        self.chain_id: str | None = (self._db.get(_CHAIN_ID) or b"").decode() or None
        self.genesis: bytes | None = self._db.get(_GENESIS)

    def get(self, key: bytes) -> bytes | None:
        return self._db.get(key)

    def scan(self, prefix: bytes, start: bytes | None = None) -> Iterator[tuple[bytes, bytes]]:
        """Sorted (key, value) pairs under prefix, from ``start`` (exclusive) on."""
        if start is None:
            return self._db.iterator(prefix=prefix)
        return self._db.iterator(start=start, stop=_prefix_end(prefix), include_start=False)

    def commit(
        self, changes: dict[bytes, bytes | None], height: int, app_hash: bytes,
        *, chain_id: str | None = None, genesis: bytes | None = None,
    ) -> None:
        with self._db.write_batch(sync=True, transaction=True) as batch:
            for key, value in changes.items():
                if value is None:
                    batch.delete(key)
                else:
                    batch.put(key, value)
            batch.put(_HEIGHT, struct.pack(">Q", height))
            batch.put(_APP_HASH, app_hash)
            if chain_id is not None:
                batch.put(_CHAIN_ID, chain_id.encode())
            if genesis is not None:
                batch.put(_GENESIS, genesis)
        self.height, self.app_hash = height, app_hash
        if chain_id is not None:
            self.chain_id = chain_id
        if genesis is not None:
            self.genesis = genesis

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()


def _prefix_end(prefix: bytes) -> bytes:
    return prefix[:-1] + bytes([prefix[-1] + 1])  # prefixes here end in ':' or 0x00, never 0xff


class Committed:
    """Read-only view of the committed state (CheckTx, Query)."""

    def __init__(self, db: StateDB) -> None:
        self.db = db

    def get(self, key: bytes) -> bytes | None:
        return self.db.get(key)

    def scan(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        return list(self.db.scan(prefix))

    def put(self, key: bytes, value: bytes) -> None:
        raise TypeError("committed state is read-only")

    delete = put


class Overlay:
    """A block's pending writes over the committed state."""

    def __init__(self, db: StateDB) -> None:
        self.db = db
        self.changes: dict[bytes, bytes | None] = {}

    def get(self, key: bytes) -> bytes | None:
        if key in self.changes:
            return self.changes[key]
        return self.db.get(key)

    def scan(self, prefix: bytes) -> list[tuple[bytes, bytes]]:
        merged = dict(self.db.scan(prefix))
        for key, value in self.changes.items():
            if key.startswith(prefix):
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
        return sorted(merged.items())

    def put(self, key: bytes, value: bytes) -> None:
        self.changes[key] = value

    def delete(self, key: bytes) -> None:
        if self.get(key) is not None:
            self.changes[key] = None
        elif key in self.changes:
            del self.changes[key]  # written and removed within the block: no change at all


def genesis_app_hash(chain_id: str, app_state: bytes) -> bytes:
    cid = chain_id.encode()
    return hashlib.sha256(b"abci-mpc/genesis/v1\x00" + _lv(cid) + _lv(app_state)).digest()


def next_app_hash(prev: bytes, height: int, changes: dict[bytes, bytes | None]) -> bytes:
    if not changes:
        return prev
    h = hashlib.sha256(b"abci-mpc/block/v1\x00" + _lv(prev) + struct.pack(">Q", height))
    for key in sorted(changes):
        value = changes[key]
        h.update(_lv(key) + (b"\x00" if value is None else b"\x01" + _lv(value)))
    return h.digest()


def _lv(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class State:
    """Typed records over a view (Committed or Overlay)."""

    def __init__(self, view: Committed | Overlay) -> None:
        self.view = view

    def _load(self, cls, key: bytes):
        raw = self.view.get(key)
        if raw is None:
            return None
        rec = cls()
        rec.ParseFromString(raw)
        return rec

    def _store(self, key: bytes, rec) -> None:
        self.view.put(key, rec.SerializeToString(deterministic=True))

    # keys
    def key(self, key_id: str) -> pb.KeyRecord | None:
        return self._load(pb.KeyRecord, b"k:" + key_id.encode())

    def put_key(self, rec: pb.KeyRecord) -> None:
        self._store(b"k:" + rec.key_id.encode(), rec)

    def keys(self, after: str | None = None, limit: int = 100) -> list[pb.KeyRecord]:
        """Committed keys in key_id order (a Committed view only: it pages the DB directly)."""
        out = []
        start = None if after is None else b"k:" + after.encode()
        for _, raw in self.view.db.scan(b"k:", start):
            rec = pb.KeyRecord()
            rec.ParseFromString(raw)
            out.append(rec)
            if len(out) >= limit:
                break
        return out

    # sessions
    def session(self, session_id: bytes) -> pb.SessionRecord | None:
        return self._load(pb.SessionRecord, b"s:" + session_id)

    def put_session(self, rec: pb.SessionRecord) -> None:
        """Stores the record and keeps the open-session index in step with its status."""
        self._store(b"s:" + rec.session_id, rec)
        index = b"o:" + rec.key_id.encode() + b"\x00" + rec.session_id
        if rec.status == pb.ACTIVE:
            self.view.put(index, b"")
        else:
            self.view.delete(index)

    def schedule_deadline(self, rec: pb.SessionRecord) -> None:
        self.view.put(b"d:" + struct.pack(">Q", rec.deadline_height) + rec.session_id, b"")

    def take_deadlines(self, height: int) -> list[bytes]:
        """Session ids whose deadline is ``height``; removes their index entries."""
        prefix = b"d:" + struct.pack(">Q", height)
        out = []
        for key, _ in self.view.scan(prefix):
            out.append(key[len(prefix):])
            self.view.delete(key)
        return out

    def open_sessions(self, key_id: str | None = None) -> list[bytes]:
        prefix = b"o:" + (key_id.encode() + b"\x00" if key_id is not None else b"")
        return [key[-16:] for key, _ in self.view.scan(prefix)]  # session ids are 16 bytes

    # signatures
    def signature(self, key_id: str, sign_id: str) -> pb.SignatureRecord | None:
        return self._load(pb.SignatureRecord, _sig_key(key_id, sign_id))

    def put_signature(self, rec: pb.SignatureRecord) -> None:
        self._store(_sig_key(rec.key_id, rec.sign_id), rec)


def _sig_key(key_id: str, sign_id: str) -> bytes:
    return b"g:" + key_id.encode() + b"\x00" + sign_id.encode()
