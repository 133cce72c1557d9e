"""Shared material for the blame tests: one Paillier pool, one 1-of-3 key over p1..p3
with aux info, and the parties p1..p4 (p4 only ever joins in resharing)."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # blamekit

from abci_mpc.tss.paillier import PaillierSecretKey  # noqa: E402
from abci_mpc.tss.runner import LocalParties  # noqa: E402

NAMES = ("p1", "p2", "p3", "p4")
TRIO = NAMES[:3]


@pytest.fixture(scope="session")
def pool() -> list[PaillierSecretKey]:
    return [PaillierSecretKey.generate(2048) for _ in range(7)]


@pytest.fixture(scope="session")
def lp() -> LocalParties:
    return LocalParties(NAMES)


@pytest.fixture(scope="session")
def trio_paillier(pool) -> dict:
    return dict(zip(TRIO, pool[:3]))


@pytest.fixture(scope="session")
def fresh_paillier(pool) -> dict:
    """Keys for new aux info (refresh, resharing), distinct from the trio's."""
    return dict(zip(NAMES, pool[3:]))


@pytest.fixture(scope="session")
def key(lp, trio_paillier):
    aux = lp.aux(TRIO, paillier=trio_paillier)
    shares = lp.keygen(1, TRIO, with_aux=False)
    return {p: s.with_aux(aux[p]) for p, s in shares.items()}
