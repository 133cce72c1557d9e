"""Fixed-base exponentiation (Yao / Brickell-Gordon-McCurley-Wilson, window 5).

Ring-Pedersen commitments raise the same two bases s, t of a peer to fresh exponents in
every proof made to that peer, and Pi-prm verification raises t to 80 exponents. With
the powers b^(2^(5i)) precomputed once per base, an L-bit exponent costs about L/5
multiplications instead of L squarings plus L/5 multiplications: 3-4x faster at our sizes.

Only for public bases and exponents that need not be constant-time (verification, or
single-use masks); long-term secrets go through secret_pow. Tables are kept in a small
LRU cache keyed by (modulus, base), so memory stays bounded however many keys exist.
"""

from __future__ import annotations

from collections import OrderedDict

import gmpy2
from gmpy2 import mpz

W = 5
_MASK = (1 << W) - 1
_CACHE_TABLES = 64  # at most ~64 x 300 KB


class FixedBase:
    __slots__ = ("mod", "table")

    def __init__(self, base: int, mod: int):
        self.mod = mpz(mod)
        self.table = [mpz(base) % self.mod]

    def _extend(self, digits: int) -> None:
        t, m = self.table, self.mod
        while len(t) < digits:
            t.append(gmpy2.powmod(t[-1], 1 << W, m))

    def pow(self, e: int) -> mpz:
        e = mpz(e)
        negative = e < 0
        if negative:
            e = -e
        n = (e.bit_length() + W - 1) // W
        self._extend(n)
        m, t = self.mod, self.table
        buckets = [None] * (1 << W)
        for i in range(n):
            d = int((e >> (W * i)) & _MASK)
            if d:
                b = buckets[d]
                buckets[d] = t[i] if b is None else b * t[i] % m
        acc = res = mpz(1)
        for d in range(_MASK, 0, -1):
            if buckets[d] is not None:
                acc = acc * buckets[d] % m
            res = res * acc % m
        return gmpy2.invert(res, m) if negative else res


_tables: OrderedDict[tuple[int, int], FixedBase] = OrderedDict()


def fixed_pow(base: int, e: int, mod: int) -> mpz:
    key = (int(mod), int(base))
    fb = _tables.get(key)
    if fb is None:
        fb = _tables[key] = FixedBase(base, mod)
        if len(_tables) > _CACHE_TABLES:
            _tables.popitem(last=False)
    else:
        _tables.move_to_end(key)
    return fb.pow(e)
