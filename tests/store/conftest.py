import itertools
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from abci_mpc.store import KeyStore, StoreSecret


def new_pubkey() -> bytes:
    key = ec.generate_private_key(ec.SECP256K1()).public_key()
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory``, by relative path, with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


class Clock:
    """Deterministic milliseconds: each call is one later than the last."""

    def __init__(self, start: int = 1_700_000_000_000) -> None:
        self._it = itertools.count(start)

    def __call__(self) -> int:
        return next(self._it)


@pytest.fixture
def secret() -> StoreSecret:
    return StoreSecret.from_key(os.urandom(32))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_path: Path, secret: StoreSecret):
    with KeyStore.create(store_path, secret, clock=Clock()) as ks:
        yield ks


@pytest.fixture
def pubkey() -> bytes:
    return new_pubkey()


@pytest.fixture
def make_pubkey():
    return new_pubkey


@pytest.fixture
def dir_snapshot():
    return snapshot
