"""Paillier encryption over a Paillier-Blum modulus N = p*q (p, q safe primes).

Plaintexts are integers mod N, read back as signed values in (-N/2, N/2]; ciphertexts are
units mod N^2 of the form (1+N)^m * rho^N. The owner does every operation through CRT.
"""

from __future__ import annotations

import secrets
from concurrent.futures import Executor

import gmpy2
from gmpy2 import mpz, powmod

from .crt import CRT, secret_pow
from .primes import safe_primes

MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 4096
ALLOWED_KEY_BITS = (2048, 3072)


class PaillierError(ValueError):
    """A Paillier modulus or ciphertext failed validation."""


def random_unit(n: int) -> mpz:
    """Uniform element of Z*_n."""
    n = mpz(n)
    while True:
        r = mpz(secrets.randbelow(int(n)))
        if r > 0 and gmpy2.gcd(r, n) == 1:
            return r


def check_modulus(n: int) -> mpz:
    """Structural checks any party can do on a peer's modulus (the ZK proofs do the rest)."""
    n = mpz(n)
    if not MIN_MODULUS_BITS <= n.bit_length() <= MAX_MODULUS_BITS:
        raise PaillierError(f"modulus has {n.bit_length()} bits, expected {MIN_MODULUS_BITS}..{MAX_MODULUS_BITS}")
    if n % 2 == 0:
        raise PaillierError("modulus is even")
    return n


class PaillierPublicKey:
    __slots__ = ("N", "N2")

    def __init__(self, N: int):
        self.N = check_modulus(N)
        self.N2 = self.N * self.N

    def pow(self, base: int, exp: int) -> mpz:
        """base^exp mod N^2 (exp may be negative)."""
        return powmod(mpz(base), mpz(exp), self.N2)

    def pow_n(self, rho: int) -> mpz:
        return powmod(mpz(rho), self.N, self.N2)

    def pow_mod_n(self, base: int, exp: int) -> mpz:
        """base^exp mod N (Paillier randomness arithmetic)."""
        return powmod(mpz(base), mpz(exp), self.N)

    def gm(self, m: int) -> mpz:
        """(1+N)^m mod N^2, which is just 1 + m*N: no exponentiation needed."""
        return (1 + (mpz(m) % self.N) * self.N) % self.N2

    def encrypt_with(self, m: int, rho: int) -> mpz:
        return (self.gm(m) * self.pow_n(rho)) % self.N2

    def encrypt(self, m: int) -> tuple[mpz, mpz]:
        rho = random_unit(self.N)
        return self.encrypt_with(m, rho), rho

    def add(self, c1: int, c2: int) -> mpz:
        return (mpz(c1) * mpz(c2)) % self.N2

    def mul(self, c: int, k: int) -> mpz:
        """Homomorphic k*m: c^k (k may be negative)."""
        return powmod(mpz(c), mpz(k), self.N2)

    def mul_secret(self, c: int, k: int) -> mpz:
        """c^k for a long-term secret k (a key share): constant-time."""
        return secret_pow(c, k, self.N2)

    def is_ciphertext(self, c: int) -> bool:
        c = mpz(c)
        return 0 < c < self.N2 and gmpy2.gcd(c, self.N) == 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PaillierPublicKey) and self.N == other.N

    def __hash__(self) -> int:
        return hash(int(self.N))

    def __repr__(self) -> str:
        return f"PaillierPublicKey(bits={self.N.bit_length()})"


class PaillierSecretKey:
    """Owner's key: factors p, q. Same operations as the public key, through CRT."""

    __slots__ = ("p", "q", "public", "N", "N2", "phi", "_crt", "_crt2", "_hp", "_hq")

    def __init__(self, p: int, q: int):
        p, q = mpz(p), mpz(q)
        if p == q:
            raise PaillierError("p and q must differ")
        self.p, self.q = p, q
        self.public = PaillierPublicKey(p * q)
        self.N, self.N2 = self.public.N, self.public.N2
        self.phi = (p - 1) * (q - 1)
        self._crt = CRT(p, q)
        self._crt2 = CRT(p, q, square=True)
        # L_p((1+N)^(p-1) mod p^2) = -q mod p, so the per-prime decryption factor is (-q)^-1.
        self._hp = mpz(pow(int(-q % p), -1, int(p)))
        self._hq = mpz(pow(int(-p % q), -1, int(q)))

    @classmethod
    def generate(cls, bits: int = 2048, executor: Executor | None = None) -> PaillierSecretKey:
        if bits not in ALLOWED_KEY_BITS:
            raise PaillierError(f"Paillier modulus must be one of {ALLOWED_KEY_BITS} bits")
        while True:
            p, q = safe_primes(bits // 2, 2, executor)
            if p != q:
                return cls(p, q)

    def pow(self, base: int, exp: int) -> mpz:
        return self._crt2.pow(base, exp)

    def pow_n(self, rho: int) -> mpz:
        return self._crt2.pow(rho, self.N)

    def pow_mod_n(self, base: int, exp: int) -> mpz:
        return self._crt.pow(base, exp)

    def gm(self, m: int) -> mpz:
        return self.public.gm(m)

    def encrypt_with(self, m: int, rho: int) -> mpz:
        return (self.gm(m) * self.pow_n(rho)) % self.N2

    def encrypt(self, m: int) -> tuple[mpz, mpz]:
        rho = random_unit(self.N)
        return self.encrypt_with(m, rho), rho

    def add(self, c1: int, c2: int) -> mpz:
        return self.public.add(c1, c2)

    def mul(self, c: int, k: int) -> mpz:
        return self.pow(c, k)

    mul_secret = mul  # CRT with secret factors is constant-time already

    def is_ciphertext(self, c: int) -> bool:
        return self.public.is_ciphertext(c)

    def decrypt(self, c: int) -> mpz:
        """Plaintext as a signed integer in (-N/2, N/2]."""
        c = mpz(c)
        if not self.public.is_ciphertext(c):
            raise PaillierError("not a valid ciphertext")
        p, q = self.p, self.q
        mp = ((secret_pow(c, p - 1, p * p) - 1) // p * self._hp) % p
        mq = ((secret_pow(c, q - 1, q * q) - 1) // q * self._hq) % q
        m = self._crt.combine(mp, mq)
        return m - self.N if m > self.N // 2 else m

    def randomness(self, c: int) -> mpz:
        """The rho with c = (1+N)^m rho^N, recovered as (c mod N)^(N^-1 mod phi) mod N.

        Identification proofs (Pi-dec) need it for ciphertexts the owner did not create.
        """
        n_inv = gmpy2.invert(self.N, self.phi)
        return self._crt.pow(mpz(c) % self.N, n_inv)

    def __repr__(self) -> str:
        return f"PaillierSecretKey(bits={self.N.bit_length()}, <secret>)"
