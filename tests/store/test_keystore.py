"""Key life cycle rules on a real LevelDB: keygen, successors, errors, reading."""

import threading

import pytest

from abci_mpc.store import (
    Existing,
    InvalidArgumentError,
    InvalidKeyIdError,
    KeyDeletedError,
    KeyExistsError,
    KeyNotFoundError,
    KeyPendingError,
    KeyStore,
    Origin,
    PubkeyMismatchError,
    SessionStateError,
    Status,
    StoreClosedError,
    StoreExistsError,
    StoreLockedError,
    StoreNotFoundError,
)

PARTIES = ["node-a", "node-b", "node-c", "node-d"]


def ready_key(store, key_id, pubkey, data=b"share-1", parties=PARTIES):
    rec = store.begin_keygen(key_id, 2, parties, f"req-{key_id}")
    return store.mark_ready(key_id, rec.key_session_id, pubkey, data)


def test_keygen_round_trip_survives_reopen(store_path, secret, pubkey):
    with KeyStore.create(store_path, secret) as ks:
        pending = ks.begin_keygen("btc:hot-1", 2, PARTIES, "tx-1")
        assert pending.status is Status.PENDING and pending.pubkey == b"" and pending.data == b""
        assert len(pending.key_session_id) == 16 and pending.origin is Origin.KEYGEN
        assert ks.latest_ready("btc:hot-1") is None
        ready = ks.mark_ready("btc:hot-1", pending.key_session_id, pubkey, b"\x00share\xff")
    with KeyStore.open(store_path, secret) as ks:
        got = ks.latest_ready("btc:hot-1")
        assert got == ready and got.data == b"\x00share\xff"
        assert got.status is Status.READY and got.pubkey == pubkey
        assert got.parties == tuple(PARTIES) and got.threshold == 2 and got.request_id == "tx-1"
        assert ks.get("btc:hot-1", pending.key_session_id) == ready


def test_timestamps_come_from_the_clock(store, pubkey):
    rec = store.begin_keygen("k", 1, PARTIES, "r")
    assert rec.created_ms == rec.updated_ms == 1_700_000_000_000
    ready = store.mark_ready("k", rec.key_session_id, pubkey, b"s")
    assert ready.created_ms == rec.created_ms and ready.updated_ms == 1_700_000_000_001


def test_caller_minted_session_id(store):
    ksid = bytes(range(16))
    assert store.begin_keygen("k", 1, PARTIES, "r", key_session_id=ksid).key_session_id == ksid
    with pytest.raises(InvalidArgumentError):
        store.begin_keygen("k2", 1, PARTIES, "r", key_session_id=b"short")


def test_keygen_of_ready_key_returns_existing_and_writes_nothing(store, pubkey):
    ready = ready_key(store, "k", pubkey)
    again = store.begin_keygen("k", 1, ["x", "y"], "another request")
    assert again == Existing(ready) and again.record.data == b"share-1"
    assert store.records("k") == [ready]


def test_keygen_of_pending_key_is_refused(store):
    first = store.begin_keygen("k", 1, PARTIES, "r1")
    with pytest.raises(KeyPendingError) as err:
        store.begin_keygen("k", 1, PARTIES, "r2")
    assert err.value.key_id == "k" and err.value.key_session_id == first.key_session_id
    assert first.key_session_id.hex() in str(err.value)
    assert len(store.records("k")) == 1


def test_keygen_after_error_starts_a_new_session(store, pubkey):
    first = store.begin_keygen("k", 1, PARTIES, "r1")
    failed = store.mark_error("k", first.key_session_id, "node-c did not answer")
    assert failed.status is Status.ERROR and failed.error == "node-c did not answer"
    second = store.begin_keygen("k", 1, PARTIES, "r2")
    assert second.key_session_id != first.key_session_id and second.seq == 2
    store.mark_ready("k", second.key_session_id, pubkey, b"s")
    assert [r.status for r in store.records("k")] == [Status.ERROR, Status.READY]


def test_mark_error_is_idempotent_and_only_from_pending(store, pubkey):
    rec = store.begin_keygen("k", 1, PARTIES, "r")
    store.mark_error("k", rec.key_session_id, "first")
    assert store.mark_error("k", rec.key_session_id, "second").error == "first"
    with pytest.raises(SessionStateError):
        store.mark_ready("k", rec.key_session_id, pubkey, b"s")
    ready = ready_key(store, "k2", pubkey)
    with pytest.raises(SessionStateError, match="READY"):
        store.mark_error("k2", ready.key_session_id, "late")
    long = store.mark_error("k3", store.begin_keygen("k3", 1, PARTIES, "r").key_session_id, "x" * 5000)
    assert len(long.error) == 1000


def test_mark_ready_twice_or_unknown_session(store, pubkey):
    ready = ready_key(store, "k", pubkey)
    with pytest.raises(SessionStateError):
        store.mark_ready("k", ready.key_session_id, pubkey, b"again")
    with pytest.raises(KeyNotFoundError):
        store.mark_ready("k", b"\x00" * 16, pubkey, b"s")
    with pytest.raises(KeyNotFoundError):
        store.mark_error("nope", b"\x00" * 16, "x")


def test_successor_keeps_old_share_usable_until_ready(store, pubkey):
    old = ready_key(store, "k", pubkey, b"old-share")
    succ = store.begin_successor("k", 2, PARTIES[:3] + ["node-e"], "reshare-1", origin=Origin.RESHARE)
    assert succ.status is Status.PENDING and succ.seq == 2
    assert store.latest_ready("k") == old and store.latest_ready("k").data == b"old-share"
    with pytest.raises(KeyPendingError):
        store.begin_successor("k", 2, PARTIES, "again", origin=Origin.REFRESH)
    # A keygen still finds the READY key: the running reshare does not hide it.
    assert store.begin_keygen("k", 2, PARTIES, "keygen") == Existing(old)
    new = store.mark_ready("k", succ.key_session_id, pubkey, b"new-share")
    assert store.latest_ready("k") == new and store.latest_ready("k").data == b"new-share"
    retired = store.get("k", old.key_session_id)
    assert retired.status is Status.RETIRED and retired.data == b"" and retired.pubkey == pubkey
    assert [r.status for r in store.records("k")] == [Status.RETIRED, Status.READY]


def test_failed_successor_leaves_old_key_ready(store, pubkey):
    old = ready_key(store, "k", pubkey)
    succ = store.begin_successor("k", 2, PARTIES, "refresh", origin=Origin.REFRESH)
    store.mark_error("k", succ.key_session_id, "timeout")
    assert store.latest_ready("k") == old and store.latest_ready("k").data == b"share-1"


def test_successor_must_keep_the_public_key(store, pubkey, make_pubkey):
    old = ready_key(store, "k", pubkey)
    succ = store.begin_successor("k", 2, PARTIES, "refresh", origin=Origin.REFRESH)
    with pytest.raises(PubkeyMismatchError):
        store.mark_ready("k", succ.key_session_id, make_pubkey(), b"bad")
    # Nothing changed: the successor is still PENDING, the old share still READY.
    assert store.get("k", succ.key_session_id).status is Status.PENDING
    assert store.latest_ready("k") == old


def test_refresh_needs_a_ready_key_but_reshare_newcomer_does_not(store, pubkey):
    with pytest.raises(KeyNotFoundError):
        store.begin_successor("k", 1, PARTIES, "r", origin=Origin.REFRESH)
    joined = store.begin_successor("k", 1, PARTIES, "r", origin=Origin.RESHARE)
    store.mark_ready("k", joined.key_session_id, pubkey, b"joined-share")
    assert store.latest_ready("k").origin is Origin.RESHARE


def test_node_leaving_in_reshare_erases_its_share(store, pubkey):
    old = ready_key(store, "k", pubkey)
    succ = store.begin_successor("k", 1, PARTIES[1:], "reshare", origin=Origin.RESHARE)
    left = store.mark_left("k", succ.key_session_id, pubkey)
    assert left.status is Status.RETIRED and left.data == b""
    assert store.latest_ready("k") is None
    assert store.get("k", old.key_session_id).status is Status.RETIRED
    assert store.get("k", old.key_session_id).data == b""
    # The key exists (its pubkey is known) but this node holds no share: no fresh keygen.
    with pytest.raises(KeyExistsError):
        store.begin_keygen("k", 1, PARTIES, "keygen")
    refresh = store.begin_successor("k", 1, PARTIES, "r", origin=Origin.RESHARE)
    with pytest.raises(SessionStateError):
        store.mark_left("k2", store.begin_keygen("k2", 1, PARTIES, "r").key_session_id, pubkey)
    store.mark_error("k", refresh.key_session_id, "x")


def test_wrong_origin_for_begin_calls(store):
    with pytest.raises(InvalidArgumentError):
        store.begin_keygen("k", 1, PARTIES, "r", origin=Origin.RESHARE)
    with pytest.raises(InvalidArgumentError):
        store.begin_successor("k", 1, PARTIES, "r", origin=Origin.KEYGEN)
    assert store.begin_keygen("k", 1, PARTIES, "r", origin=Origin.IMPORT).origin is Origin.IMPORT


@pytest.mark.parametrize(
    "threshold, parties, request_id",
    [
        (4, PARTIES, "r"),  # t+1 > n
        (-1, PARTIES, "r"),
        (True, PARTIES, "r"),
        (1, [], "r"),
        (1, "abc", "r"),
        (1, ["a", "a"], "r"),
        (1, ["a", ""], "r"),
        (1, ["a", 3], "r"),
        (1, PARTIES, ""),
        (1, PARTIES, "x" * 257),
        (1, PARTIES, None),
    ],
)
def test_bad_keygen_arguments_are_refused(store, threshold, parties, request_id):
    with pytest.raises(InvalidArgumentError):
        store.begin_keygen("k", threshold, parties, request_id)
    assert store.list_keys() == []


def test_bad_key_ids_and_pubkeys(store, pubkey):
    with pytest.raises(InvalidKeyIdError):
        store.begin_keygen("no spaces", 1, PARTIES, "r")
    with pytest.raises(InvalidKeyIdError):
        store.latest_ready("x" * 129)
    rec = store.begin_keygen("k", 1, PARTIES, "r")
    for bad in [b"", pubkey[1:], b"\x04" + pubkey[1:], b"\x02" + b"\xff" * 32]:
        with pytest.raises(InvalidArgumentError):
            store.mark_ready("k", rec.key_session_id, bad, b"s")
    with pytest.raises(InvalidArgumentError):
        store.mark_ready("k", rec.key_session_id, pubkey, b"")
    assert store.get("k", rec.key_session_id).status is Status.PENDING


def test_list_keys_gives_latest_record_of_each_key(store, pubkey, make_pubkey):
    ready_key(store, "b", pubkey)
    store.begin_successor("b", 2, PARTIES, "refresh", origin=Origin.REFRESH)
    ready_key(store, "a", make_pubkey())
    failed = store.begin_keygen("c", 1, PARTIES, "r")
    store.mark_error("c", failed.key_session_id, "boom")
    ready_key(store, "d", make_pubkey())
    store.delete("d", "del")
    listed = store.list_keys()
    assert [(r.key_id, r.status) for r in listed] == [
        ("a", Status.READY),
        ("b", Status.PENDING),
        ("c", Status.ERROR),
    ]


def test_records_are_oldest_first(store, pubkey):
    ready_key(store, "k", pubkey)
    for i in range(3):
        s = store.begin_successor("k", 2, PARTIES, f"refresh-{i}", origin=Origin.REFRESH)
        store.mark_ready("k", s.key_session_id, pubkey, f"share-{i}".encode())
    recs = store.records("k")
    assert [r.seq for r in recs] == [1, 2, 3, 4]
    assert [r.status for r in recs] == [Status.RETIRED] * 3 + [Status.READY]
    assert recs[-1].data == b"share-2" and all(r.data == b"" for r in recs[:-1])


def test_unknown_keys_read_as_absent(store):
    assert store.latest_ready("nope") is None
    assert store.get("nope", b"\x00" * 16) is None
    assert store.records("nope") == []
    assert store.tombstone("nope") is None


def test_create_and_open_refuse_the_wrong_situation(tmp_path, secret):
    with pytest.raises(StoreNotFoundError):
        KeyStore.open(tmp_path / "missing", secret)
    KeyStore.create(tmp_path / "s", secret).close()
    with pytest.raises(StoreExistsError):
        KeyStore.create(tmp_path / "s", secret)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(StoreExistsError):
        KeyStore.create(tmp_path / "busy", secret)
    (tmp_path / "empty").mkdir()
    KeyStore.create(tmp_path / "empty", secret).close()


def test_second_handle_is_refused_while_open(store_path, secret, store):
    with pytest.raises(StoreLockedError):
        KeyStore.open(store_path, secret)


def test_closed_store_refuses_use(store_path, secret):
    ks = KeyStore.create(store_path, secret)
    ks.close()
    ks.close()  # idempotent
    with pytest.raises(StoreClosedError):
        ks.list_keys()
    assert "closed" in repr(ks)


def test_concurrent_keygens_for_one_key_yield_exactly_one_pending(store):
    outcomes = []

    def attempt(i):
        try:
            outcomes.append(store.begin_keygen("k", 1, PARTIES, f"r{i}"))
        except KeyPendingError as e:
            outcomes.append(e)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert len(store.records("k")) == 1


def test_deleted_key_is_refused_everywhere(store, pubkey):
    ready = ready_key(store, "k", pubkey)
    store.delete("k", "del")
    for call in (
        lambda: store.begin_keygen("k", 1, PARTIES, "r"),
        lambda: store.begin_successor("k", 1, PARTIES, "r", origin=Origin.RESHARE),
        lambda: store.latest_ready("k"),
        lambda: store.get("k", ready.key_session_id),
        lambda: store.records("k"),
        lambda: store.mark_error("k", ready.key_session_id, "x"),
    ):
        with pytest.raises(KeyDeletedError):
            call()
