"""KeyStore: this node's key shares and presignatures, encrypted, in LevelDB.

Invariants kept by every mutation (each one a single synced WriteBatch):

* a key id has at most one PENDING and at most one READY record;
* only a READY record holds a share; retired records hold none;
* presignatures exist only for a key's READY session;
* a deleted key id keeps only its tombstone (and used markers) and can
  never get records again.

Thread-safe: one lock serialises every operation, since most are
read-check-write sequences.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import plyvel
from cryptography.hazmat.primitives.asymmetric import ec

from . import layout, presigs
from .errors import (
    CorruptRecordError,
    InvalidArgumentError,
    KeyDeletedError,
    KeyExistsError,
    KeyNotFoundError,
    KeyPendingError,
    PubkeyMismatchError,
    SessionStateError,
    StaleKeySessionError,
    StoreClosedError,
    StoreError,
    StoreExistsError,
    StoreFormatError,
    StoreLockedError,
    StoreNotFoundError,
)
from .meta import META_FILE, new_meta, unlock, write_meta_file
from .model import (
    PUBKEY_LEN,
    Existing,
    KeyRecord,
    Origin,
    Presignature,
    Status,
    Tombstone,
    decode_record,
    decode_tombstone,
    encode_record,
    encode_tombstone,
)
from .sealing import DEFAULT_SCRYPT_LOG2_N, KEY_DATA, SealError, Sealer
from .secret import StoreSecret

DB_DIR = "leveldb"
MAX_ERROR_LEN = 1000
MAX_REQUEST_ID_LEN = 256
MAX_PARTY_ID_LEN = 256

Clock = Callable[[], int]


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class KeyStore:
    """Open with ``KeyStore.open(path, secret)`` (or ``create``); use as a context manager."""

    def __init__(self, db: plyvel.DB, sealer: Sealer, path: Path, clock: Clock) -> None:
        # Private: use create() / open(), which check the secret first.
        self._db: plyvel.DB | None = db
        self._sealer = sealer
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()

    # -- opening ---------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        secret: StoreSecret,
        *,
        scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N,
        clock: Clock = wall_clock_ms,
    ) -> KeyStore:
        """Create a new store in ``path`` (absent or an empty directory)."""
        path = Path(path)
        if path.exists():
            if (path / META_FILE).exists():
                raise StoreExistsError(f"a key store already exists at {str(path)!r}")
            if not path.is_dir() or any(path.iterdir()):
                raise StoreExistsError(f"{str(path)!r} is not an empty directory")
        raw_meta, sealer = new_meta(secret, scrypt_log2_n)
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_meta_file(path, raw_meta)
        except OSError as e:
            raise StoreError(f"cannot create a key store at {str(path)!r}: {e.strerror}") from None
        try:
            db = plyvel.DB(str(path / DB_DIR), create_if_missing=True, error_if_exists=True)
        except plyvel.Error as e:
            raise StoreError(f"cannot create the database of {str(path)!r}: {_msg(e)}") from None
        db.put(layout.META, raw_meta, sync=True)
        return cls(db, sealer, path, clock)

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], secret: StoreSecret, *, clock: Clock = wall_clock_ms
    ) -> KeyStore:
        """Open an existing store. A wrong secret raises WrongSecretError and writes nothing."""
        path = Path(path)
        try:
            raw_meta = (path / META_FILE).read_bytes()
        except FileNotFoundError:
            raise StoreNotFoundError(f"no key store at {str(path)!r}") from None
        except OSError as e:
            raise StoreFormatError(f"cannot read {str(path / META_FILE)!r}: {e.strerror}") from None
        sealer = unlock(raw_meta, secret)  # before LevelDB: opening it writes files
        try:
            db = plyvel.DB(str(path / DB_DIR), create_if_missing=False)
        except plyvel.Error as e:
            if isinstance(e, plyvel.IOError) and "lock" in _msg(e):
                raise StoreLockedError(f"key store {str(path)!r} is open elsewhere") from None
            raise StoreFormatError(
                f"cannot open the database of {str(path)!r}: {_msg(e)}"
            ) from None
        if db.get(layout.META) != raw_meta:
            db.close()
            raise StoreFormatError(
                f"{str(path / META_FILE)!r} does not belong to the database beside it"
            )
        return cls(db, sealer, path, clock)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._db is None else "open"
        return f"KeyStore({str(self._path)!r}, {state})"

    # -- key life cycle --------------------------------------------------------

    def begin_keygen(
        self,
        key_id: str,
        threshold: int,
        parties: Iterable[str],
        request_id: str,
        *,
        key_session_id: bytes | None = None,
        origin: Origin = Origin.KEYGEN,
    ) -> Existing | KeyRecord:
        """Start a keygen (or import): a new PENDING record, or Existing if already READY.

        Raises KeyPendingError if a protocol for the key is running,
        KeyDeletedError if the key id was deleted, KeyExistsError if the key's
        public key is known here but this node holds no share of it.
        """
        if origin not in (Origin.KEYGEN, Origin.IMPORT):
            raise InvalidArgumentError("begin_keygen origin must be KEYGEN or IMPORT")
        key_id = layout.check_key_id(key_id)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            recs = self._load(db, key_id)
            ready = _find(recs, Status.READY)
            if ready is not None:
                return Existing(self._with_data(*ready))
            self._refuse_pending(key_id, recs)
            if any(r.pubkey for r, _ in recs):
                raise KeyExistsError(
                    key_id, "its public key is known but this node holds no share; not regenerating"
                )
            return self._begin(
                db, key_id, recs, threshold, parties, request_id, key_session_id, origin
            )

    def begin_successor(
        self,
        key_id: str,
        threshold: int,
        parties: Iterable[str],
        request_id: str,
        *,
        origin: Origin,
        key_session_id: bytes | None = None,
    ) -> KeyRecord:
        """Start a reshare/refresh: a new PENDING record beside the READY one.

        The READY record stays usable until ``mark_ready`` replaces it. A
        REFRESH needs a READY record here; a RESHARE does not, since a node
        joining the party set has none.
        """
        if origin not in (Origin.RESHARE, Origin.REFRESH):
            raise InvalidArgumentError("begin_successor origin must be RESHARE or REFRESH")
        key_id = layout.check_key_id(key_id)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            recs = self._load(db, key_id)
            self._refuse_pending(key_id, recs)
            if origin is Origin.REFRESH and _find(recs, Status.READY) is None:
                raise KeyNotFoundError(key_id, "no READY record to refresh")
            return self._begin(
                db, key_id, recs, threshold, parties, request_id, key_session_id, origin
            )

    def mark_ready(
        self, key_id: str, key_session_id: bytes, pubkey: bytes, data: bytes
    ) -> KeyRecord:
        """PENDING -> READY with the share ``data``.

        If the key had another READY record (this is a reshare/refresh
        result), that record is retired and its share and presignatures
        erased in the same batch.
        """
        if not isinstance(data, bytes) or not data:
            raise InvalidArgumentError("share data must be non-empty bytes")
        return self._finish(key_id, key_session_id, pubkey, data)

    def mark_left(self, key_id: str, key_session_id: bytes, pubkey: bytes) -> KeyRecord:
        """A reshare finished and this node is not in the new party set.

        The PENDING record becomes RETIRED (no share) and the old READY
        record is retired and erased, exactly as ``mark_ready`` would.
        """
        return self._finish(key_id, key_session_id, pubkey, None)

    def mark_error(self, key_id: str, key_session_id: bytes, reason: str) -> KeyRecord:
        """PENDING -> ERROR. Idempotent on an ERROR record (the first reason stays)."""
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(key_session_id)
        if not isinstance(reason, str):
            raise InvalidArgumentError("reason must be a str")
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            rec, _ = self._session(db, key_id, key_session_id)
            if rec.status is Status.ERROR:
                return rec
            if rec.status is not Status.PENDING:
                raise SessionStateError(
                    key_id, f"session {key_session_id.hex()} is {rec.status.name}, not PENDING"
                )
            rec = replace(
                rec, status=Status.ERROR, error=reason[:MAX_ERROR_LEN], updated_ms=self._now()
            )
            wb = db.write_batch(sync=True)
            wb.put(layout.record(key_id, key_session_id), encode_record(rec, b""))
            wb.write()
            return rec

    def delete(self, key_id: str, request_id: str) -> Tombstone:
        """Erase every record, share and presignature of the key; leave a tombstone.

        Idempotent: deleting a deleted key returns the first tombstone. The
        key id can never be used again.
        """
        key_id = layout.check_key_id(key_id)
        _check_request_id(request_id)
        with self._lock:
            db = self._open_db()
            existing = self._tombstone(db, key_id)
            if existing is not None:
                return existing
            pubkey = b""
            wb = db.write_batch(sync=True)
            for key, raw in db.iterator(prefix=layout.records_of(key_id)):
                wb.delete(key)
                try:
                    rec, _ = decode_record(key_id, key[-layout.SESSION_ID_LEN :], raw)
                    pubkey = rec.pubkey or pubkey
                except CorruptRecordError:
                    pass  # a damaged record is erased all the same
            presigs.erase_key(db, wb, key_id)
            tomb = Tombstone(key_id, self._now(), request_id, pubkey)
            wb.put(layout.tombstone(key_id), encode_tombstone(tomb))
            _write_erasing(db, wb, layout.records_of(key_id), layout.presigs_of(key_id))
            return tomb

    # -- reading ---------------------------------------------------------------

    def get(self, key_id: str, key_session_id: bytes) -> KeyRecord | None:
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(key_session_id)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            raw = db.get(layout.record(key_id, key_session_id))
            if raw is None:
                return None
            return self._with_data(*decode_record(key_id, key_session_id, raw))

    def latest_ready(self, key_id: str) -> KeyRecord | None:
        """The key's READY record with its share, or None. KeyDeletedError if deleted."""
        key_id = layout.check_key_id(key_id)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            ready = _find(self._load(db, key_id), Status.READY)
            return None if ready is None else self._with_data(*ready)

    def records(self, key_id: str) -> list[KeyRecord]:
        """Every record of the key, oldest first. KeyDeletedError if deleted."""
        key_id = layout.check_key_id(key_id)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            return [self._with_data(r, s) for r, s in self._load(db, key_id)]

    def list_keys(self) -> list[KeyRecord]:
        """The latest record of every live key, ordered by key id."""
        with self._lock:
            db = self._open_db()
            latest: dict[str, tuple[KeyRecord, bytes]] = {}
            for key, raw in db.iterator(prefix=layout.RECORDS):
                ids = layout.split_record_key(key)
                if ids is None:
                    raise CorruptRecordError(repr(key[:40]), "record key")
                rec, sealed = decode_record(*ids, raw)
                if rec.key_id not in latest or rec.seq > latest[rec.key_id][0].seq:
                    latest[rec.key_id] = (rec, sealed)
            return [self._with_data(*latest[k]) for k in sorted(latest)]

    def tombstone(self, key_id: str) -> Tombstone | None:
        key_id = layout.check_key_id(key_id)
        with self._lock:
            return self._tombstone(self._open_db(), key_id)

    def tombstones(self) -> list[Tombstone]:
        """Every deleted key id's tombstone, ordered by key id."""
        with self._lock:
            db = self._open_db()
            n = len(layout.TOMBSTONES)
            return [decode_tombstone(k[n:].decode("ascii", "replace"), raw)
                    for k, raw in db.iterator(prefix=layout.TOMBSTONES)]

    # -- presignatures -----------------------------------------------------------

    def add_presignatures(
        self, key_id: str, key_session_id: bytes, items: Iterable[tuple[bytes, bytes]]
    ) -> None:
        """Store presignatures for the key's READY session, all or none.

        Refuses ids already stored or ever used, and sessions that are not
        the key's READY one (StaleKeySessionError).
        """
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(key_session_id)
        checked = []
        for item in items:
            if not isinstance(item, tuple) or len(item) != 2:
                raise InvalidArgumentError("items must be (presig_id, data) tuples")
            presig_id, data = item
            layout.check_presig_id(presig_id)
            if not isinstance(data, bytes) or not data:
                raise InvalidArgumentError("presignature data must be non-empty bytes")
            checked.append((presig_id, data))
        with self._lock:
            db = self._open_db()
            self._require_ready_session(db, key_id, key_session_id)
            if checked:
                presigs.add(db, self._sealer, key_id, key_session_id, checked)

    def presignature_count(self, key_id: str, key_session_id: bytes) -> int:
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(key_session_id)
        with self._lock:
            return presigs.count(self._open_db(), key_id, key_session_id)

    def presignature_ids(self, key_id: str, key_session_id: bytes) -> list[bytes]:
        """Ids of the unused presignatures of a key session (for rebuilding indexes after a restart)."""
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(key_session_id)
        with self._lock:
            return presigs.ids(self._open_db(), key_id, key_session_id)

    def take_presignature(self, key_id: str, key_session_id: bytes) -> Presignature | None:
        """Remove one presignature and durably mark it used, then return it (None if none left)."""
        return self._take(key_id, key_session_id, None)

    def take_specific_presignature(
        self, key_id: str, key_session_id: bytes, presig_id: bytes
    ) -> Presignature | None:
        """As take_presignature, for the id the signing leader chose.

        None if this node does not hold it; PresignatureUsedError if it was
        ever taken before.
        """
        return self._take(key_id, key_session_id, layout.check_presig_id(presig_id))

    # -- internals -------------------------------------------------------------

    def _open_db(self) -> plyvel.DB:
        if self._db is None:
            raise StoreClosedError("the key store is closed")
        return self._db

    def _now(self) -> int:
        now = self._clock()
        if not isinstance(now, int) or now < 0:
            raise InvalidArgumentError("clock must return non-negative integer milliseconds")
        return now

    def _load(self, db: plyvel.DB, key_id: str) -> list[tuple[KeyRecord, bytes]]:
        prefix = layout.records_of(key_id)
        recs = [decode_record(key_id, k[len(prefix) :], v) for k, v in db.iterator(prefix=prefix)]
        return sorted(recs, key=lambda rs: rs[0].seq)

    def _session(self, db: plyvel.DB, key_id: str, ksid: bytes) -> tuple[KeyRecord, bytes]:
        raw = db.get(layout.record(key_id, ksid))
        if raw is None:
            raise KeyNotFoundError(key_id, f"no session {ksid.hex()}")
        return decode_record(key_id, ksid, raw)

    def _with_data(self, rec: KeyRecord, sealed: bytes) -> KeyRecord:
        if not sealed:
            return rec
        try:
            data = self._sealer.open(KEY_DATA, sealed, *_record_ad(rec.key_id, rec.key_session_id))
        except SealError:
            raise CorruptRecordError(
                rec.key_id, f"share of session {rec.key_session_id.hex()} (fails authentication)"
            ) from None
        return replace(rec, data=data)

    def _tombstone(self, db: plyvel.DB, key_id: str) -> Tombstone | None:
        raw = db.get(layout.tombstone(key_id))
        return None if raw is None else decode_tombstone(key_id, raw)

    def _refuse_deleted(self, db: plyvel.DB, key_id: str) -> None:
        if db.get(layout.tombstone(key_id)) is not None:
            raise KeyDeletedError(key_id)

    @staticmethod
    def _refuse_pending(key_id: str, recs: list[tuple[KeyRecord, bytes]]) -> None:
        pending = _find(recs, Status.PENDING)
        if pending is not None:
            raise KeyPendingError(key_id, pending[0].key_session_id)

    def _begin(
        self,
        db: plyvel.DB,
        key_id: str,
        recs: list[tuple[KeyRecord, bytes]],
        threshold: int,
        parties: Iterable[str],
        request_id: str,
        ksid: bytes | None,
        origin: Origin,
    ) -> KeyRecord:
        parties = _check_parties(threshold, parties)
        _check_request_id(request_id)
        ksid = os.urandom(layout.SESSION_ID_LEN) if ksid is None else layout.check_session_id(ksid)
        if any(r.key_session_id == ksid for r, _ in recs):
            raise SessionStateError(key_id, f"session {ksid.hex()} already exists")
        now = self._now()
        rec = KeyRecord(
            key_id=key_id,
            key_session_id=ksid,
            seq=max((r.seq for r, _ in recs), default=0) + 1,
            threshold=threshold,
            parties=parties,
            pubkey=b"",
            status=Status.PENDING,
            error="",
            origin=origin,
            request_id=request_id,
            created_ms=now,
            updated_ms=now,
        )
        wb = db.write_batch(sync=True)
        wb.put(layout.record(key_id, ksid), encode_record(rec, b""))
        wb.write()
        return rec

    def _finish(self, key_id: str, ksid: bytes, pubkey: bytes, data: bytes | None) -> KeyRecord:
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(ksid)
        _check_pubkey(pubkey)
        with self._lock:
            db = self._open_db()
            self._refuse_deleted(db, key_id)
            recs = self._load(db, key_id)
            rec = next((r for r, _ in recs if r.key_session_id == ksid), None)
            if rec is None:
                raise KeyNotFoundError(key_id, f"no session {ksid.hex()}")
            if rec.status is not Status.PENDING:
                raise SessionStateError(
                    key_id, f"session {ksid.hex()} is {rec.status.name}, not PENDING"
                )
            if data is None and rec.origin is not Origin.RESHARE:
                raise SessionStateError(
                    key_id, "only a reshare can leave this node without a share"
                )
            known = {r.pubkey for r, _ in recs if r.pubkey}
            if known and known != {pubkey}:
                raise PubkeyMismatchError(
                    key_id, f"session {ksid.hex()} produced a different public key than the key's"
                )
            now = self._now()
            wb = db.write_batch(sync=True)
            old = _find(recs, Status.READY)
            if old is not None:
                self._retire(db, wb, old[0], now)
            status = Status.READY if data is not None else Status.RETIRED
            rec = replace(rec, status=status, pubkey=pubkey, updated_ms=now)
            sealed = b""
            if data is not None:
                sealed = self._sealer.seal(KEY_DATA, data, *_record_ad(key_id, ksid))
            wb.put(layout.record(key_id, ksid), encode_record(rec, sealed))
            if old is None:
                wb.write()
            else:
                old_ksid = old[0].key_session_id
                _write_erasing(
                    db,
                    wb,
                    layout.record(key_id, old_ksid),
                    layout.presigs_of_session(key_id, old_ksid),
                )
            return replace(rec, data=data or b"")

    def _retire(self, db: plyvel.DB, wb: plyvel.WriteBatch, old: KeyRecord, now: int) -> None:
        retired = replace(old, status=Status.RETIRED, updated_ms=now)
        wb.put(layout.record(old.key_id, old.key_session_id), encode_record(retired, b""))
        presigs.erase_session(db, wb, old.key_id, old.key_session_id)

    def _require_ready_session(self, db: plyvel.DB, key_id: str, ksid: bytes) -> None:
        self._refuse_deleted(db, key_id)
        ready = _find(self._load(db, key_id), Status.READY)
        if ready is None or ready[0].key_session_id != ksid:
            raise StaleKeySessionError(
                key_id, f"session {ksid.hex()} is not the key's READY session"
            )

    def _take(self, key_id: str, ksid: bytes, presig_id: bytes | None) -> Presignature | None:
        key_id = layout.check_key_id(key_id)
        layout.check_session_id(ksid)
        with self._lock:
            db = self._open_db()
            self._require_ready_session(db, key_id, ksid)
            return presigs.take(db, self._sealer, key_id, ksid, presig_id, self._now())


def _write_erasing(db: plyvel.DB, wb: plyvel.WriteBatch, *prefixes: bytes) -> None:
    """Write a batch that deletes or overwrites secrets, leaving no old copy on disk.

    LevelDB keeps a replaced value in its log and table files until a
    compaction merges it with the newer entry. ``compact_range`` flushes the
    memtable and then compacts only the levels above the deepest one holding
    the range, so a single flushed table holding both a value and its
    deletion could stay as it is. Flushing the old values first puts the new
    entries in a table above them, and the second compaction merges the two.
    A crash between the write and the compaction leaves the old ciphertext
    on disk until LevelDB compacts it on its own.
    """
    for prefix in prefixes:
        db.compact_range(start=prefix, stop=layout.prefix_end(prefix))
    wb.write()
    for prefix in prefixes:
        db.compact_range(start=prefix, stop=layout.prefix_end(prefix))


def _msg(e: plyvel.Error) -> str:
    arg = e.args[0] if e.args else ""
    return arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)


def _find(recs: list[tuple[KeyRecord, bytes]], status: Status) -> tuple[KeyRecord, bytes] | None:
    return next((rs for rs in recs if rs[0].status is status), None)


def _record_ad(key_id: str, ksid: bytes) -> tuple[bytes, bytes]:
    return key_id.encode("ascii"), ksid


def _check_parties(threshold: object, parties: Iterable[str]) -> tuple[str, ...]:
    if isinstance(parties, (str, bytes)):
        raise InvalidArgumentError("parties must be a list of party ids, not a string")
    parties = tuple(parties)
    if not parties or not all(
        isinstance(p, str) and 0 < len(p) <= MAX_PARTY_ID_LEN for p in parties
    ):
        raise InvalidArgumentError(
            f"parties must be non-empty strings of at most {MAX_PARTY_ID_LEN} characters"
        )
    if len(set(parties)) != len(parties):
        raise InvalidArgumentError("parties must not repeat")
    n = len(parties)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 0 <= threshold < n:
        raise InvalidArgumentError(f"threshold must be an int in [0, {n - 1}] for {n} parties")
    return parties


def _check_request_id(request_id: object) -> None:
    if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID_LEN:
        raise InvalidArgumentError(
            f"request_id must be a str of 1..{MAX_REQUEST_ID_LEN} characters"
        )


def _check_pubkey(pubkey: object) -> None:
    if not isinstance(pubkey, bytes) or len(pubkey) != PUBKEY_LEN or pubkey[0] not in (2, 3):
        raise InvalidArgumentError(f"pubkey must be a {PUBKEY_LEN}-byte compressed secp256k1 point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pubkey)
    except ValueError:
        raise InvalidArgumentError("pubkey is not a point on secp256k1") from None
