"""Every mutation is exactly one synced WriteBatch: watched through a proxy
around the real LevelDB handle."""

import pytest

from abci_mpc.store import Origin


class BatchSpy:
    def __init__(self, wb, log):
        self._wb, self._log = wb, log

    def put(self, k, v):
        self._wb.put(k, v)

    def delete(self, k):
        self._wb.delete(k)

    def write(self):
        self._log.append("write")
        self._wb.write()


class DBSpy:
    """Forwards reads; records batches; fails on any write outside a batch."""

    def __init__(self, db):
        self._db, self.log = db, []

    def write_batch(self, **kw):
        assert kw == {"sync": True}, kw
        return BatchSpy(self._db.write_batch(**kw), self.log)

    def put(self, *a, **kw):
        raise AssertionError("write outside a WriteBatch")

    delete = put

    def __getattr__(self, name):
        return getattr(self._db, name)


def writes(store, call):
    spy = DBSpy(store._db)
    store._db = spy
    try:
        call()
    finally:
        store._db = spy._db
    return len(spy.log)


def test_each_mutation_is_one_synced_batch(store, pubkey):
    ksid = bytes(16)
    assert writes(store, lambda: store.begin_keygen("k", 1, ["a", "b"], "r", key_session_id=ksid)) == 1
    assert writes(store, lambda: store.mark_ready("k", ksid, pubkey, b"share")) == 1
    assert writes(store, lambda: store.add_presignatures("k", ksid, [(b"1", b"x"), (b"2", b"y")])) == 1
    assert writes(store, lambda: store.take_presignature("k", ksid)) == 1
    assert writes(store, lambda: store.take_specific_presignature("k", ksid, b"2")) == 1
    new = bytes([1] * 16)
    assert writes(
        store,
        lambda: store.begin_successor("k", 1, ["a", "b"], "r", origin=Origin.REFRESH, key_session_id=new),
    ) == 1
    assert writes(store, lambda: store.mark_ready("k", new, pubkey, b"share 2")) == 1
    other = bytes([2] * 16)
    store.begin_keygen("e", 1, ["a", "b"], "r", key_session_id=other)
    assert writes(store, lambda: store.mark_error("e", other, "boom")) == 1
    assert writes(store, lambda: store.delete("k", "del")) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.begin_keygen("k", 1, ["a", "b"], "again"),
        lambda s: s.latest_ready("k"),
        lambda s: s.list_keys(),
        lambda s: s.presignature_count("k", bytes(16)),
        lambda s: s.take_presignature("k", bytes(16)),
    ],
    ids=["existing-keygen", "latest_ready", "list_keys", "count", "take-empty"],
)
def test_reads_and_refusals_write_nothing(store, pubkey, call):
    store.begin_keygen("k", 1, ["a", "b"], "r", key_session_id=bytes(16))
    store.mark_ready("k", bytes(16), pubkey, b"share")
    assert writes(store, lambda: call(store)) == 0
