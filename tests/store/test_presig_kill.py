"""A presignature is durably used before anyone can see it: SIGKILL the taker
at the worst moments and check that nothing taken can ever be taken again."""

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import plyvel
import pytest

from abci_mpc.store import KeyStore, PresignatureUsedError, StoreSecret, generate_key_file, layout

HELPER = Path(__file__).with_name("presig_taker.py")
PARTIES = ["a", "b", "c"]


@pytest.fixture
def pool(tmp_path, pubkey):
    key_file = tmp_path / "store.key"
    generate_key_file(key_file)
    store_path = tmp_path / "store"
    ids = [os.urandom(8) for _ in range(200)]
    with KeyStore.create(store_path, StoreSecret.from_key_file(key_file)) as ks:
        rec = ks.begin_keygen("k", 1, PARTIES, "r")
        ks.mark_ready("k", rec.key_session_id, pubkey, b"share")
        ks.add_presignatures("k", rec.key_session_id, [(i, b"presig " + i) for i in ids])
    return store_path, key_file, rec.key_session_id, ids


def spawn(store_path, key_file, ksid, count):
    return subprocess.Popen(
        [sys.executable, str(HELPER), str(store_path), str(key_file), "k", ksid.hex(), str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def test_taken_presignature_is_gone_after_sigkill(pool):
    store_path, key_file, ksid, ids = pool
    proc = spawn(store_path, key_file, ksid, 1)
    try:
        taken = bytes.fromhex(proc.stdout.readline().strip())
    finally:
        kill(proc)  # straight after the id is out; the store was never closed
    assert taken in ids
    with KeyStore.open(store_path, StoreSecret.from_key_file(key_file)) as ks:
        assert ks.presignature_count("k", ksid) == len(ids) - 1
        with pytest.raises(PresignatureUsedError):
            ks.take_specific_presignature("k", ksid, taken)
        with pytest.raises(PresignatureUsedError):
            ks.add_presignatures("k", ksid, [(taken, b"same id again")])
        rest = []
        while (p := ks.take_presignature("k", ksid)) is not None:
            rest.append(p.id)
        assert taken not in rest and sorted(rest + [taken]) == sorted(ids)


@pytest.mark.parametrize("seed", range(3))
def test_kill_at_a_random_moment_mid_stream(pool, seed):
    store_path, key_file, ksid, ids = pool
    rng = random.Random(seed)
    proc = spawn(store_path, key_file, ksid, 0)
    printed = []
    try:
        # Kill after a random number of releases, while the taker keeps taking.
        for _ in range(rng.randint(1, 60)):
            printed.append(bytes.fromhex(proc.stdout.readline().strip()))
    finally:
        kill(proc)
    printed += [bytes.fromhex(x) for x in proc.stdout.read().split() if x != "idle"]

    db = plyvel.DB(str(store_path / "leveldb"))
    present = {i for i in ids if db.get(layout.presig("k", ksid, i)) is not None}
    used = {i for i in ids if db.get(layout.used("k", ksid, i)) is not None}
    db.close()
    # Every presignature is in exactly one state, and everything released is used.
    assert present.isdisjoint(used) and present | used == set(ids)
    assert set(printed) <= used and len(set(printed)) == len(printed)
    # At most the one in flight when the signal landed was used without being released.
    assert len(used) - len(printed) <= 1

    with KeyStore.open(store_path, StoreSecret.from_key_file(key_file)) as ks:
        assert ks.presignature_count("k", ksid) == len(ids) - len(used)
        for i in printed:
            with pytest.raises(PresignatureUsedError):
                ks.take_specific_presignature("k", ksid, i)
