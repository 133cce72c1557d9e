"""Exponentiation modulo N = p*q (or N^2) by the Chinese remainder theorem.

Whoever knows the factors of a modulus (a Paillier key's owner, a ring-Pedersen verifier
checking proofs against its own parameters) splits one exponentiation mod N into two
half-size ones with exponents reduced modulo the group orders: about 3-4x faster at 2048
bits. Only valid for bases that are units, which every caller has checked or generated.
"""

from __future__ import annotations

from gmpy2 import mpz, powmod


class CRT:
    __slots__ = ("m1", "m2", "ord1", "ord2", "modulus", "_u")

    def __init__(self, p: int, q: int, *, square: bool = False):
        p, q = mpz(p), mpz(q)
        if square:
            # |Z*_{p^2}| = p(p-1)
            self.m1, self.m2 = p * p, q * q
            self.ord1, self.ord2 = p * (p - 1), q * (q - 1)
        else:
            self.m1, self.m2 = p, q
            self.ord1, self.ord2 = p - 1, q - 1
        self.modulus = self.m1 * self.m2
        self._u = pow(int(self.m1), -1, int(self.m2))  # m1^-1 mod m2

    def combine(self, a1: int, a2: int) -> mpz:
        """The x mod m1*m2 with x = a1 (mod m1), x = a2 (mod m2) (Garner's formula)."""
        h = ((a2 - a1) * self._u) % self.m2
        return a1 + h * self.m1

    def pow(self, base: int, exp: int) -> mpz:
        base = mpz(base)
        exp = mpz(exp)
        a1 = powmod(base % self.m1, exp % self.ord1, self.m1)
        a2 = powmod(base % self.m2, exp % self.ord2, self.m2)
        return self.combine(a1, a2)

    def __repr__(self) -> str:
        return "CRT(<secret factors>)"
