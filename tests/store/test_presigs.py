"""Presignature store: use-once semantics, stale sessions, erasure."""

import os

import pytest

from abci_mpc.store import (
    DuplicatePresignatureError,
    InvalidArgumentError,
    KeyDeletedError,
    KeyStore,
    Origin,
    PresignatureUsedError,
    StaleKeySessionError,
)

PARTIES = ["a", "b", "c"]


@pytest.fixture
def ready(store, pubkey):
    rec = store.begin_keygen("k", 1, PARTIES, "r")
    return store.mark_ready("k", rec.key_session_id, pubkey, b"share")


def items(n, tag=b"p"):
    return [(tag + bytes([i]), b"presig-data-%d" % i) for i in range(n)]


def test_add_count_take_until_empty(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(5))
    assert store.presignature_count("k", ksid) == 5
    taken = []
    while (p := store.take_presignature("k", ksid)) is not None:
        taken.append(p)
        assert store.presignature_count("k", ksid) == 5 - len(taken)
    assert sorted((p.id, p.data) for p in taken) == sorted(items(5))
    pid, data = taken[0]  # unpacks like the (id, data) tuple
    assert (pid, data) == (taken[0].id, taken[0].data)
    assert "presig-data" not in repr(taken[0])


def test_taken_ids_can_never_come_back(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(2))
    p = store.take_presignature("k", ksid)
    with pytest.raises(PresignatureUsedError):
        store.add_presignatures("k", ksid, [(p.id, b"fresh data")])
    with pytest.raises(PresignatureUsedError):
        store.take_specific_presignature("k", ksid, p.id)
    # The refused add was all-or-nothing.
    assert store.presignature_count("k", ksid) == 1


def test_add_is_all_or_nothing(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(2))
    with pytest.raises(DuplicatePresignatureError):
        store.add_presignatures("k", ksid, [(b"new", b"x"), (b"p\x00", b"dup")])
    with pytest.raises(DuplicatePresignatureError):
        store.add_presignatures("k", ksid, [(b"n1", b"x"), (b"n1", b"y")])
    assert store.presignature_count("k", ksid) == 2
    assert store.take_specific_presignature("k", ksid, b"new") is None


def test_take_specific(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(3))
    p = store.take_specific_presignature("k", ksid, b"p\x02")
    assert (p.id, p.data) == (b"p\x02", b"presig-data-2")
    assert store.take_specific_presignature("k", ksid, b"never-stored") is None
    assert store.presignature_count("k", ksid) == 2


def test_presignatures_only_for_the_ready_session(store, pubkey, ready):
    old = ready.key_session_id
    store.add_presignatures("k", old, items(3))
    succ = store.begin_successor("k", 1, PARTIES, "refresh", origin=Origin.REFRESH)
    # While the successor is PENDING the old session still signs, the new one cannot.
    with pytest.raises(StaleKeySessionError):
        store.add_presignatures("k", succ.key_session_id, items(1))
    assert store.take_presignature("k", old) is not None
    store.mark_ready("k", succ.key_session_id, pubkey, b"new share")
    # Retiring the old session erased its presignatures in the same batch ...
    assert store.presignature_count("k", old) == 0
    # ... and refuses any new ones or takes for it.
    with pytest.raises(StaleKeySessionError):
        store.add_presignatures("k", old, items(1, b"q"))
    with pytest.raises(StaleKeySessionError):
        store.take_presignature("k", old)
    store.add_presignatures("k", succ.key_session_id, items(1))
    assert store.take_presignature("k", succ.key_session_id).data == b"presig-data-0"


def test_presignatures_need_a_ready_key(store):
    pending = store.begin_keygen("k", 1, PARTIES, "r")
    with pytest.raises(StaleKeySessionError):
        store.add_presignatures("k", pending.key_session_id, items(1))
    with pytest.raises(StaleKeySessionError):
        store.take_presignature("nope", os.urandom(16))


def test_delete_erases_presignatures_and_refuses_more(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(4))
    store.delete("k", "del")
    assert store.presignature_count("k", ksid) == 0
    with pytest.raises(KeyDeletedError):
        store.take_presignature("k", ksid)
    with pytest.raises(KeyDeletedError):
        store.add_presignatures("k", ksid, items(1, b"z"))


def test_swapped_presignature_blobs_are_discarded_not_returned(store_path, secret, pubkey):
    import plyvel

    from abci_mpc.store import CorruptRecordError, layout

    with KeyStore.create(store_path, secret) as ks:
        ksid = ks.mark_ready("k", ks.begin_keygen("k", 1, PARTIES, "r").key_session_id, pubkey, b"s").key_session_id
        ks.add_presignatures("k", ksid, [(b"a", b"AAAA"), (b"b", b"BBBB")])
    db = plyvel.DB(str(store_path / "leveldb"))
    ka, kb = layout.presig("k", ksid, b"a"), layout.presig("k", ksid, b"b")
    va, vb = db.get(ka), db.get(kb)
    db.put(ka, vb, sync=True)
    db.put(kb, va, sync=True)
    db.close()
    with KeyStore.open(store_path, secret) as ks:
        with pytest.raises(CorruptRecordError, match="presignature 61"):
            ks.take_specific_presignature("k", ksid, b"a")
        # Burnt: gone and marked used, so it cannot block the pool or be retried.
        with pytest.raises(PresignatureUsedError):
            ks.take_specific_presignature("k", ksid, b"a")
        with pytest.raises(CorruptRecordError):
            ks.take_presignature("k", ksid)
        assert ks.presignature_count("k", ksid) == 0


@pytest.mark.parametrize(
    "bad",
    [[(b"", b"x")], [(b"x" * 65, b"x")], [(b"id", b"")], [("id", b"x")], [(b"id", b"x", b"y")], [b"id"]],
)
def test_bad_presignature_items(store, ready, bad):
    with pytest.raises(InvalidArgumentError):
        store.add_presignatures("k", ready.key_session_id, bad)
    assert store.presignature_count("k", ready.key_session_id) == 0


def test_presignature_ids_lists_unused_ones(store, ready):
    ksid = ready.key_session_id
    store.add_presignatures("k", ksid, items(3))
    assert sorted(store.presignature_ids("k", ksid)) == [b"p\x00", b"p\x01", b"p\x02"]
    store.take_specific_presignature("k", ksid, b"p\x01")
    assert sorted(store.presignature_ids("k", ksid)) == [b"p\x00", b"p\x02"]
