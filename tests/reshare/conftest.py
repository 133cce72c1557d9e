"""Session-scoped material for the resharing and refresh tests.

Paillier keys (two 1024-bit safe primes each) and aux-info proofs dominate the cost, so
the keys are generated once and every run draws distinct ones from the pool; the old
keys are made once per module through cached fixtures.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # reshare_helpers

from abci_mpc.tss.paillier import PaillierSecretKey  # noqa: E402
from abci_mpc.tss.runner import LocalParties  # noqa: E402

NAMES = tuple(f"p{i}" for i in range(1, 7))
POOL_SIZE = 7  # three for the old committee's aux info, four for the largest new committee


@pytest.fixture(scope="session")
def pool() -> list[PaillierSecretKey]:
    return [PaillierSecretKey.generate(2048) for _ in range(POOL_SIZE)]


@pytest.fixture(scope="session")
def lp() -> LocalParties:
    return LocalParties(NAMES)


@pytest.fixture(scope="session")
def old_aux(lp, pool):
    """Aux info of the old committee p1..p3 (keys 0..2 of the pool)."""
    members = NAMES[:3]
    return lp.aux(members, paillier=dict(zip(members, pool[:3])))


@pytest.fixture(scope="session")
def old_key(lp, old_aux):
    """A 1-of-3 key (any two sign) over p1..p3, with aux info."""
    shares = lp.keygen(1, NAMES[:3], with_aux=False)
    return {p: s.with_aux(old_aux[p]) for p, s in shares.items()}
