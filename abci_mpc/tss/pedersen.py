"""Ring-Pedersen parameters (N, s, t) with s = t^lambda in QR_N (CGGMP21, section 3.3).

Every range proof commits to its witness as s^x t^y mod N under the *verifier's*
parameters, so the verifier, who knows the factors of N, checks proofs through CRT.
"""

from __future__ import annotations

import secrets

import gmpy2
from gmpy2 import mpz, powmod

from .crt import CRT, secret_pow
from .fixedbase import fixed_pow
from .paillier import PaillierError, check_modulus, random_unit


class RingPedersen:
    __slots__ = ("N", "s", "t")

    def __init__(self, N: int, s: int, t: int):
        self.N, self.s, self.t = check_modulus(N), mpz(s), mpz(t)
        for name, v in (("s", self.s), ("t", self.t)):
            if not 1 < v < self.N or gmpy2.gcd(v, self.N) != 1:
                raise PaillierError(f"ring-Pedersen {name} is not a unit other than 1")
        if self.s == self.t:
            raise PaillierError("ring-Pedersen s and t must differ")

    def commit(self, x: int, y: int) -> mpz:
        """s^x * t^y mod N (exponents may be negative); s and t are fixed bases."""
        return (fixed_pow(self.s, x, self.N) * fixed_pow(self.t, y, self.N)) % self.N

    def commit_secret(self, x: int, y: int) -> mpz:
        """s^x t^y for a long-term secret x (a key share): constant-time."""
        return (secret_pow(self.s, x, self.N) * secret_pow(self.t, y, self.N)) % self.N

    def exp(self, base: int, e: int) -> mpz:
        if base == self.s or base == self.t:
            return fixed_pow(base, e, self.N)
        return powmod(mpz(base), mpz(e), self.N)

    @property
    def public(self) -> RingPedersen:
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RingPedersen) and (self.N, self.s, self.t) == (other.N, other.s, other.t)

    def __hash__(self) -> int:
        return hash((int(self.N), int(self.s), int(self.t)))

    def __repr__(self) -> str:
        return f"RingPedersen(bits={self.N.bit_length()})"


class RingPedersenSecret:
    """The owner's view: factors of N and lambda. Same interface as RingPedersen, via CRT."""

    __slots__ = ("public", "N", "s", "t", "lam", "phi", "p", "q", "_crt")

    def __init__(self, p: int, q: int, lam: int, t: int):
        p, q = mpz(p), mpz(q)
        self.p, self.q = p, q
        self.phi = (p - 1) * (q - 1)
        self.lam = mpz(lam) % self.phi
        self._crt = CRT(p, q)
        s = self._crt.pow(t, self.lam)
        self.public = RingPedersen(p * q, s, t)
        self.N, self.s, self.t = self.public.N, self.public.s, self.public.t

    @classmethod
    def generate(cls, p: int, q: int) -> RingPedersenSecret:
        """CGGMP21 Fig. 6, round 1: r <- Z*_N, lambda <- Z_phi(N), t = r^2, s = t^lambda."""
        N = mpz(p) * mpz(q)
        phi = (mpz(p) - 1) * (mpz(q) - 1)
        t = powmod(random_unit(N), 2, N)
        lam = mpz(secrets.randbelow(int(phi)))
        return cls(p, q, lam, t)

    def commit(self, x: int, y: int) -> mpz:
        return (self._crt.pow(self.s, x) * self._crt.pow(self.t, y)) % self.N

    commit_secret = commit  # CRT with secret factors is constant-time already

    def exp(self, base: int, e: int) -> mpz:
        return self._crt.pow(base, e)

    def __repr__(self) -> str:
        return f"RingPedersenSecret(bits={self.N.bit_length()}, <secret>)"
