"""Safe-prime generation: a joint sieve of q and 2q+1, then Fermat, Pocklington and BPSW.

A safe prime p = 2q+1 needs both q and p prime, so a random candidate survives with
probability ~1/(ln p)^2. Sieving q and 2q+1 together over small primes removes ~98% of
candidates before any modular exponentiation; each survivor then costs one Fermat test
on q and, rarely, one on p. By Pocklington's criterion (p-1 = 2q with q > sqrt(p)), once q
is prime the Fermat test 2^(p-1) = 1 (mod p) proves p prime, so the expensive
confirmation (Baillie-PSW plus Miller-Rabin rounds) runs on q only.

Every safe prime > 7 is 3 mod 4, i.e. a Blum prime, as Paillier-Blum moduli require.
"""

from __future__ import annotations

import secrets
from concurrent.futures import Executor

import gmpy2
from gmpy2 import mpz

SIEVE_BOUND = 1 << 18  # small primes used by the sieve (measured sweet spot in CPython)
WINDOW = 1 << 16  # candidates examined per random starting point
_MR_ROUNDS = 40  # GMP: Baillie-PSW plus (40 - 24) Miller-Rabin rounds


def _small_primes(bound: int) -> list[int]:
    sieve = bytearray([1]) * bound
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(bound**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, bound, i)))
    return [i for i in range(5, bound) if sieve[i]]  # 2 and 3 are handled by the step


_PRIMES = _small_primes(SIEVE_BOUND)
# Candidates are q = q0 + 6*i with q0 = 5 (mod 6): q odd, 3 divides neither q nor 2q+1.
_INV6 = [pow(6, -1, p) for p in _PRIMES]
_HALF = [(p - 1) // 2 for p in _PRIMES]  # q = (p-1)/2 (mod p)  <=>  p | 2q+1


def _random_start(bits: int) -> mpz:
    """q0 with the top two bits of p = 2*q0+1 set, so products of two such p have 2*bits bits."""
    top = (1 << (bits - 2)) | (1 << (bits - 3))
    q0 = mpz(top | secrets.randbits(bits - 3))
    return q0 + (5 - q0 % 6) % 6


def _sieve_window(q0: mpz) -> bytearray:
    alive = bytearray([1]) * WINDOW
    for p, inv6, half in zip(_PRIMES, _INV6, _HALF):
        r = int(q0 % p)
        for target in (0, half):
            start = ((target - r) * inv6) % p
            if start < WINDOW:
                alive[start::p] = bytes(len(range(start, WINDOW, p)))
    return alive


def _is_safe_candidate(q: mpz) -> bool:
    if gmpy2.powmod(2, q - 1, q) != 1:
        return False
    p = 2 * q + 1
    if gmpy2.powmod(2, p - 1, p) != 1:
        return False
    return gmpy2.is_prime(q, _MR_ROUNDS)


def safe_prime(bits: int = 1024) -> mpz:
    """A uniformly chosen-by-window safe prime p of exactly `bits` bits (top two bits set)."""
    if bits < 64:
        raise ValueError("safe primes below 64 bits are not supported")
    while True:
        q0 = _random_start(bits)
        alive = _sieve_window(q0)
        i = alive.find(1)
        while i != -1:
            q = q0 + 6 * i
            if _is_safe_candidate(q):
                p = 2 * q + 1
                if p.bit_length() == bits:
                    return p
            i = alive.find(1, i + 1)


def safe_primes(bits: int, count: int, executor: Executor | None = None) -> list[mpz]:
    """`count` independent safe primes, searched in parallel when an executor is given.

    The caller owns the executor (a process pool, typically), which keeps this module free
    of process management.
    """
    if executor is None:
        return [safe_prime(bits) for _ in range(count)]
    futures = [executor.submit(safe_prime, bits) for _ in range(count)]
    return [f.result() for f in futures]


def is_blum_safe_prime(p: int) -> bool:
    """Check used on imported or locally generated secret primes."""
    p = mpz(p)
    return p % 4 == 3 and gmpy2.is_prime(p, _MR_ROUNDS) and gmpy2.is_prime((p - 1) // 2, _MR_ROUNDS)
