"""Exponentiation modulo N = p*q (or N^2) by the Chinese remainder theorem.

Whoever knows the factors of a modulus (a Paillier key's owner, a ring-Pedersen verifier
checking proofs against its own parameters) splits one exponentiation mod N into two
half-size ones with exponents reduced modulo the group orders: about 3-4x faster at 2048
bits. Only valid for bases that are units, which every caller has checked or generated.

The moduli here are secret factors, so every exponentiation is GMP's constant-time
mpz_powm_sec: its running time does not depend on the exponent or on the modulus bits.
"""

from __future__ import annotations

import gmpy2
from gmpy2 import mpz, powmod_sec


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
        return self.combine(secret_pow(base % self.m1, exp % self.ord1, self.m1),
                            secret_pow(base % self.m2, exp % self.ord2, self.m2))

    def __repr__(self) -> str:
        return "CRT(<secret factors>)"


def secret_pow(base: int, exp: int, mod: int) -> mpz:
    """Constant-time base^exp mod an odd modulus, for secret exponents or moduli.
    A negative exponent inverts first (the inversion itself is variable-time GMP)."""
    base, exp = mpz(base), mpz(exp)
    if exp < 0:
        base, exp = gmpy2.invert(base, mod), -exp
    if exp == 0:
        return mpz(1)
    return powmod_sec(base, exp, mod)
