"""Encryption at rest, the wrong-secret case, tampering, and delete semantics,
all checked against the bytes LevelDB actually leaves on disk."""

import os
import shutil

import plyvel
import pytest

from abci_mpc.store import (
    CorruptRecordError,
    KeyDeletedError,
    KeyStore,
    Origin,
    StoreFormatError,
    StoreNotFoundError,
    StoreSecret,
    WrongSecretError,
    generate_key_file,
    layout,
)
from abci_mpc.store import records_pb2 as pb

PARTIES = ["a", "b", "c"]
MARKER = b"PLAINTEXT-SHARE-MARKER-7f3a9c"


def files_bytes(directory) -> bytes:
    """All bytes of all files under ``directory`` (log, tables, MANIFEST, meta ...)."""
    return b"\n".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def raw_db(store_path):
    return plyvel.DB(str(store_path / "leveldb"))


def share_with_marker() -> bytes:
    # Random bytes around the marker: incompressible, so a clear copy would show literally.
    return os.urandom(300) + MARKER + os.urandom(300)


def test_no_share_or_presignature_in_clear_on_disk(store_path, secret, pubkey):
    control = b"REQ-CONTROL-" + os.urandom(8).hex().encode()
    shares = {}
    with KeyStore.create(store_path, secret) as ks:
        for i in range(5):
            kid = f"key-{i}"
            rec = ks.begin_keygen(kid, 1, PARTIES, control.decode())
            shares[kid] = share_with_marker()
            ks.mark_ready(kid, rec.key_session_id, pubkey, shares[kid])
            ks.add_presignatures(kid, rec.key_session_id, [(b"p%d" % j, share_with_marker()) for j in range(3)])
            assert ks.take_presignature(kid, rec.key_session_id) is not None
    on_disk = files_bytes(store_path)
    assert any(p.suffix == ".log" for p in (store_path / "leveldb").iterdir())
    # Positive control: the scan does see what is stored in clear.
    assert control in on_disk
    assert MARKER not in on_disk
    for share in shares.values():
        assert share[:64] not in on_disk and share[-64:] not in on_disk
    assert secret._material not in on_disk and secret._material.hex().encode() not in on_disk

    # Reopening turns the log into a table file; scan that layout too.
    with KeyStore.open(store_path, secret) as ks:
        assert ks.latest_ready("key-3").data == shares["key-3"]
    assert any(p.suffix == ".ldb" for p in (store_path / "leveldb").iterdir())
    on_disk = files_bytes(store_path)
    assert control in on_disk and MARKER not in on_disk


def make_populated_store(path, secret, pubkey, **kw):
    with KeyStore.create(path, secret, **kw) as ks:
        rec = ks.begin_keygen("k", 1, PARTIES, "r")
        ks.mark_ready("k", rec.key_session_id, pubkey, b"share")
        ks.add_presignatures("k", rec.key_session_id, [(b"p", b"presig")])
        ks.begin_keygen("pending", 1, PARTIES, "r")


def test_wrong_key_file_fails_clearly_and_touches_nothing(tmp_path, pubkey, dir_snapshot):
    generate_key_file(tmp_path / "right.key")
    generate_key_file(tmp_path / "wrong.key")
    store_path = tmp_path / "store"
    make_populated_store(store_path, StoreSecret.from_key_file(tmp_path / "right.key"), pubkey)
    before = dir_snapshot(store_path)
    wrong_hex = (tmp_path / "wrong.key").read_text().strip()
    with pytest.raises(WrongSecretError, match="wrong.key") as err:
        KeyStore.open(store_path, StoreSecret.from_key_file(tmp_path / "wrong.key"))
    assert wrong_hex not in str(err.value) and wrong_hex not in repr(err.value)
    assert dir_snapshot(store_path) == before
    with KeyStore.open(store_path, StoreSecret.from_key_file(tmp_path / "right.key")) as ks:
        assert ks.latest_ready("k").data == b"share"


def test_wrong_passphrase_fails_clearly_and_touches_nothing(tmp_path, pubkey, dir_snapshot):
    store_path = tmp_path / "store"
    right = StoreSecret.from_passphrase("correct horse battery staple")
    make_populated_store(store_path, right, pubkey, scrypt_log2_n=15)
    before = dir_snapshot(store_path)
    with pytest.raises(WrongSecretError, match="does not open this store"):
        KeyStore.open(store_path, StoreSecret.from_passphrase("correct horse battery stapler"))
    assert dir_snapshot(store_path) == before
    with pytest.raises(WrongSecretError, match="created with a passphrase"):
        KeyStore.open(store_path, StoreSecret.from_key(os.urandom(32)))
    assert dir_snapshot(store_path) == before
    with KeyStore.open(store_path, right) as ks:
        assert ks.latest_ready("k").data == b"share"


def test_key_store_refuses_a_passphrase(store_path, secret, pubkey, dir_snapshot):
    make_populated_store(store_path, secret, pubkey)
    before = dir_snapshot(store_path)
    with pytest.raises(WrongSecretError, match="created with a key file"):
        KeyStore.open(store_path, StoreSecret.from_passphrase("some long passphrase"))
    assert dir_snapshot(store_path) == before


def test_same_secret_gives_different_keys_per_store(tmp_path, secret, pubkey):
    # The store id salts HKDF: a record copied between stores does not open.
    for name in ("one", "two"):
        with KeyStore.create(tmp_path / name, secret) as ks:
            rec = ks.begin_keygen("k", 1, PARTIES, "r", key_session_id=b"\x01" * 16)
            ks.mark_ready("k", rec.key_session_id, pubkey, name.encode())
    db1, db2 = raw_db(tmp_path / "one"), raw_db(tmp_path / "two")
    key = layout.record("k", b"\x01" * 16)
    db2.put(key, db1.get(key), sync=True)
    db1.close()
    db2.close()
    with KeyStore.open(tmp_path / "two", secret) as ks:
        with pytest.raises(CorruptRecordError, match="fails authentication"):
            ks.latest_ready("k")


def edit_record(store_path, key_id, ksid, fn):
    db = raw_db(store_path)
    key = layout.record(key_id, ksid)
    msg = pb.KeyRecord.FromString(db.get(key))
    fn(msg)
    db.put(key, msg.SerializeToString(), sync=True)
    db.close()


def test_swapped_ciphertexts_fail_to_open(store_path, secret, pubkey):
    with KeyStore.create(store_path, secret) as ks:
        a = ks.begin_keygen("a", 1, PARTIES, "r")
        b = ks.begin_keygen("b", 1, PARTIES, "r")
        ks.mark_ready("a", a.key_session_id, pubkey, b"share of a")
        ks.mark_ready("b", b.key_session_id, pubkey, b"share of b")
        c = ks.begin_keygen("c", 1, PARTIES, "r")
        ks.mark_ready("c", c.key_session_id, pubkey, b"share of c")
    db = raw_db(store_path)
    ra = pb.KeyRecord.FromString(db.get(layout.record("a", a.key_session_id)))
    rb = pb.KeyRecord.FromString(db.get(layout.record("b", b.key_session_id)))
    db.close()
    edit_record(store_path, "a", a.key_session_id, lambda m: setattr(m, "sealed_data", rb.sealed_data))
    edit_record(store_path, "b", b.key_session_id, lambda m: setattr(m, "sealed_data", ra.sealed_data))
    with KeyStore.open(store_path, secret) as ks:
        with pytest.raises(CorruptRecordError, match="'a'"):
            ks.latest_ready("a")
        with pytest.raises(CorruptRecordError, match="'b'"):
            ks.get("b", b.key_session_id)
        assert ks.latest_ready("c").data == b"share of c"


def test_record_moved_to_another_session_fails(store_path, secret, pubkey):
    with KeyStore.create(store_path, secret) as ks:
        a = ks.begin_keygen("a", 1, PARTIES, "r")
        ks.mark_ready("a", a.key_session_id, pubkey, b"share of a")
    other = b"\x09" * 16
    # Rewrite the record under another session id, fixing up the inner ids so only the AD differs.
    db = raw_db(store_path)
    msg = pb.KeyRecord.FromString(db.get(layout.record("a", a.key_session_id)))
    msg.key_session_id = other
    db.delete(layout.record("a", a.key_session_id))
    db.put(layout.record("a", other), msg.SerializeToString(), sync=True)
    db.close()
    with KeyStore.open(store_path, secret) as ks:
        with pytest.raises(CorruptRecordError, match="fails authentication"):
            ks.latest_ready("a")


@pytest.mark.parametrize("garbage", [b"\xff\xfe\xfd garbage", b"", b"\x0a\x01z"])
def test_garbage_record_is_a_typed_error_and_others_stay_readable(store_path, secret, pubkey, garbage):
    with KeyStore.create(store_path, secret) as ks:
        bad = ks.begin_keygen("bad", 1, PARTIES, "r")
        ks.mark_ready("bad", bad.key_session_id, pubkey, b"x")
        good = ks.begin_keygen("good", 1, PARTIES, "r")
        ks.mark_ready("good", good.key_session_id, pubkey, b"good share")
    db = raw_db(store_path)
    db.put(layout.record("bad", bad.key_session_id), garbage, sync=True)
    db.close()
    with KeyStore.open(store_path, secret) as ks:
        for call in (
            lambda: ks.latest_ready("bad"),
            lambda: ks.get("bad", bad.key_session_id),
            lambda: ks.begin_keygen("bad", 1, PARTIES, "r"),
            lambda: ks.list_keys(),
        ):
            with pytest.raises(CorruptRecordError, match="'bad'"):
                call()
        assert ks.latest_ready("good").data == b"good share"
        # The operator's way out: delete erases a damaged key too.
        ks.delete("bad", "cleanup")
        assert [r.key_id for r in ks.list_keys()] == ["good"]


@pytest.mark.parametrize("flushed", [True, False], ids=["in-table", "in-log-only"])
def test_delete_leaves_only_a_tombstone_and_no_ciphertext_on_disk(store_path, secret, pubkey, flushed):
    ks = KeyStore.create(store_path, secret)
    rec = ks.begin_keygen("gone", 2, PARTIES, "keygen-tx")
    ks.mark_ready("gone", rec.key_session_id, pubkey, share_with_marker())
    ks.add_presignatures("gone", rec.key_session_id, [(b"p%d" % i, os.urandom(500)) for i in range(5)])
    keep = ks.begin_keygen("kept", 1, PARTIES, "r")
    ks.mark_ready("kept", keep.key_session_id, pubkey, b"kept share")
    db = ks._db
    ciphertexts = [v for _, v in db.iterator(prefix=layout.presigs_of("gone"))]
    ciphertexts.append(pb.KeyRecord.FromString(db.get(layout.record("gone", rec.key_session_id))).sealed_data)
    if flushed:  # reopening moves the log into a table file
        ks.close()
        ks = KeyStore.open(store_path, secret)
    assert len(ciphertexts) == 6 and all(c[16:80] in files_bytes(store_path) for c in ciphertexts)

    tomb = ks.delete("gone", "delete-tx")
    assert (tomb.key_id, tomb.request_id, tomb.pubkey) == ("gone", "delete-tx", pubkey)
    assert ks.delete("gone", "second-delete") == tomb  # idempotent
    ks.close()
    on_disk = files_bytes(store_path)
    for c in ciphertexts:
        assert c[16:80] not in on_disk

    with KeyStore.open(store_path, secret) as ks:
        assert ks.tombstone("gone") == tomb
        with pytest.raises(KeyDeletedError, match="never reused"):
            ks.begin_keygen("gone", 2, PARTIES, "new-keygen-same-name")
        assert ks.presignature_count("gone", rec.key_session_id) == 0
        assert [r.key_id for r in ks.list_keys()] == ["kept"]
        assert ks.latest_ready("kept").data == b"kept share"
    db = raw_db(store_path)
    assert list(db.iterator(prefix=layout.records_of("gone"))) == []
    assert list(db.iterator(prefix=layout.presigs_of("gone"))) == []
    db.close()


def test_delete_of_unknown_key_reserves_the_id(store):
    tomb = store.delete("never-made", "del")
    assert tomb.pubkey == b"" and store.tombstone("never-made") == tomb
    with pytest.raises(KeyDeletedError):
        store.begin_keygen("never-made", 1, PARTIES, "r")


def test_delete_during_keygen_makes_the_keygen_fail(store, pubkey):
    rec = store.begin_keygen("k", 1, PARTIES, "r")
    store.delete("k", "del")
    with pytest.raises(KeyDeletedError):
        store.mark_ready("k", rec.key_session_id, pubkey, b"late share")


def test_retired_share_is_gone_from_disk_after_reshare(store_path, secret, pubkey):
    with KeyStore.create(store_path, secret) as ks:
        old = ks.begin_keygen("k", 1, PARTIES, "r")
        ks.mark_ready("k", old.key_session_id, pubkey, share_with_marker())
        ks.add_presignatures("k", old.key_session_id, [(b"p", os.urandom(400))])
    KeyStore.open(store_path, secret).close()
    db = raw_db(store_path)
    old_ct = pb.KeyRecord.FromString(db.get(layout.record("k", old.key_session_id))).sealed_data
    presig_ct = db.get(layout.presig("k", old.key_session_id, b"p"))
    db.close()
    assert old_ct[16:80] in files_bytes(store_path) and presig_ct[16:80] in files_bytes(store_path)
    with KeyStore.open(store_path, secret) as ks:
        succ = ks.begin_successor("k", 1, PARTIES, "reshare", origin=Origin.RESHARE)
        ks.mark_ready("k", succ.key_session_id, pubkey, b"new share")
    on_disk = files_bytes(store_path)
    assert old_ct[16:80] not in on_disk and presig_ct[16:80] not in on_disk


def test_meta_file_problems_are_typed(tmp_path, secret, pubkey):
    make_populated_store(tmp_path / "one", secret, pubkey)
    make_populated_store(tmp_path / "two", secret, pubkey)
    shutil.copy(tmp_path / "one" / "store.meta", tmp_path / "two" / "store.meta")
    with pytest.raises(StoreFormatError, match="does not belong"):
        KeyStore.open(tmp_path / "two", secret)
    (tmp_path / "one" / "store.meta").write_bytes(b"\xff" * 20)
    with pytest.raises(StoreFormatError):
        KeyStore.open(tmp_path / "one", secret)
    os.remove(tmp_path / "one" / "store.meta")
    with pytest.raises(StoreNotFoundError):
        KeyStore.open(tmp_path / "one", secret)
    shutil.rmtree(tmp_path / "two" / "leveldb")
    shutil.copy(tmp_path / "two" / "store.meta", tmp_path / "one" / "store.meta")
    with pytest.raises(StoreFormatError, match="database"):
        KeyStore.open(tmp_path / "two", secret)


def test_store_directory_and_meta_are_private(store_path, store):
    assert store_path.stat().st_mode & 0o077 == 0
    assert (store_path / "store.meta").stat().st_mode & 0o077 == 0
