"""Shared, session-scoped material for the tss tests.

Paillier key generation (two 1024-bit safe primes) and aux-info dominate the suite's CPU
time, so both are made once: a pool of Paillier keys, one aux-info run per party-name set
(aux info does not depend on the key, so every keygen over the same names reuses it), and
one keygen per (t, n).
"""

from __future__ import annotations

import pytest

from abci_mpc.tss.paillier import PaillierSecretKey
from abci_mpc.tss.runner import LocalParties

import tsshelpers

POOL_SIZE = 7  # the largest party set in the suite (t=4, n=7)


@pytest.fixture(scope="session")
def pool() -> list[PaillierSecretKey]:
    return [PaillierSecretKey.generate(2048) for _ in range(POOL_SIZE)]


class World:
    """Lazily built, cached parties, aux info and key shares, keyed by party count."""

    def __init__(self, request):
        self._request = request
        self._parties: dict[int, LocalParties] = {}
        self._aux: dict[int, dict] = {}
        self._keys: dict[tuple[int, int], dict] = {}

    @property
    def pool(self) -> list[PaillierSecretKey]:
        return self._request.getfixturevalue("pool")  # generated on first use only

    def paillier(self, n: int) -> dict[str, PaillierSecretKey]:
        return dict(zip(tsshelpers.names(n), self.pool))

    def parties(self, n: int) -> LocalParties:
        if n not in self._parties:
            self._parties[n] = LocalParties(tsshelpers.names(n))
        return self._parties[n]

    def aux(self, n: int) -> dict:
        if n not in self._aux:
            lp = self.parties(n)
            self._aux[n] = lp.aux(lp.names, paillier=self.paillier(n))
        return self._aux[n]

    def keys(self, t: int, n: int) -> dict:
        """A fresh-per-(t, n) key: shares of a t-of-n key over names(n), with aux info."""
        if (t, n) not in self._keys:
            lp = self.parties(n)
            shares = lp.keygen(t, with_aux=False)
            aux = self.aux(n)
            self._keys[(t, n)] = {p: s.with_aux(aux[p]) for p, s in shares.items()}
        return self._keys[(t, n)]


@pytest.fixture(scope="session")
def world(request) -> World:
    return World(request)
