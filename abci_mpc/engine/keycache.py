"""In-memory caches of decoded key material: key shares and reusable aux info.

Aux info (each party's Paillier and ring-Pedersen parameters) is per party set, not per
key, so a keygen for a committee that already ran aux-info together can skip it. Every
party must use the *same* aux run, so each advertises the ids of the runs it holds for
that exact party set and all take the smallest id they have in common, if any.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable

from ..tss.shares import AuxInfo, KeyShare

MAX_AUX_PER_SET = 4


def aux_id(aux: AuxInfo) -> bytes:
    h = hashlib.sha256(b"abci-mpc/engine/aux-id/v1")
    for p in aux.parties:
        pub = aux.public[p]
        h.update(len(p).to_bytes(2, "big") + p.encode())
        for x in (pub.N, pub.ped.N, pub.ped.s, pub.ped.t):
            b = int(x).to_bytes((int(x).bit_length() + 7) // 8, "big")
            h.update(len(b).to_bytes(4, "big") + b)
    return h.digest()


class AuxCache:
    def __init__(self):
        self._sets: dict[tuple[str, ...], OrderedDict[bytes, AuxInfo]] = {}

    def add(self, aux: AuxInfo) -> bytes:
        ident = aux_id(aux)
        runs = self._sets.setdefault(tuple(aux.parties), OrderedDict())
        runs[ident] = aux
        runs.move_to_end(ident)
        while len(runs) > MAX_AUX_PER_SET:
            runs.popitem(last=False)
        return ident

    def ids(self, parties: Iterable[str]) -> list[bytes]:
        return sorted(self._sets.get(tuple(sorted(parties)), {}))

    def get(self, parties: Iterable[str], ident: bytes) -> AuxInfo | None:
        return self._sets.get(tuple(sorted(parties)), {}).get(ident)

    def has_set(self, parties: Iterable[str]) -> int:
        return len(self._sets.get(tuple(sorted(parties)), {}))


def common_aux(advertised: Iterable[Iterable[bytes]]) -> bytes | None:
    """The smallest aux id every party advertised, or None."""
    sets = [set(a) for a in advertised]
    common = set.intersection(*sets) if sets else set()
    return min(common) if common else None


class ShareCache:
    """Decoded key shares by (key_id, key_session_id), least recently used evicted."""

    def __init__(self, size: int):
        self._size = size
        self._shares: OrderedDict[tuple[str, bytes], KeyShare] = OrderedDict()

    def get(self, key_id: str, ksid: bytes) -> KeyShare | None:
        share = self._shares.get((key_id, ksid))
        if share is not None:
            self._shares.move_to_end((key_id, ksid))
        return share

    def put(self, key_id: str, ksid: bytes, share: KeyShare) -> None:
        self._shares[(key_id, ksid)] = share
        self._shares.move_to_end((key_id, ksid))
        while len(self._shares) > self._size:
            self._shares.popitem(last=False)

    def forget(self, key_id: str) -> None:
        for k in [k for k in self._shares if k[0] == key_id]:
            del self._shares[k]
