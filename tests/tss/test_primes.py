"""Safe primes and Paillier key generation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import gmpy2
import pytest

from abci_mpc.tss import primes
from abci_mpc.tss.paillier import PaillierError, PaillierPublicKey, PaillierSecretKey, check_modulus


def _check_safe(p, bits):
    assert p.bit_length() == bits
    assert p >> (bits - 2) == 0b11, "top two bits set, so a product of two has exactly 2*bits bits"
    assert p % 4 == 3, "a Blum prime"
    assert gmpy2.is_prime(p, 50) and gmpy2.is_prime((p - 1) // 2, 50)
    assert primes.is_blum_safe_prime(p)


def test_safe_prime_1024():
    _check_safe(primes.safe_prime(1024), 1024)


@pytest.mark.parametrize("bits", [64, 65, 127, 256, 511])
def test_safe_prime_sizes(bits):
    _check_safe(primes.safe_prime(bits), bits)


def test_safe_prime_too_small():
    with pytest.raises(ValueError):
        primes.safe_prime(63)


def test_safe_primes_with_an_executor():
    with ThreadPoolExecutor(2) as ex:
        ps = primes.safe_primes(256, 3, ex)
    assert len(ps) == 3 and len(set(ps)) == 3
    for p in ps:
        _check_safe(p, 256)


def test_is_blum_safe_prime_rejects():
    p = primes.safe_prime(128)
    assert not primes.is_blum_safe_prime(p + 2)
    assert not primes.is_blum_safe_prime(5)  # safe (5 = 2*2+1) but 1 mod 4
    assert not primes.is_blum_safe_prime(13)  # prime, 1 mod 4, (13-1)/2 = 6 composite
    assert not primes.is_blum_safe_prime(31)  # 3 mod 4, but (31-1)/2 = 15 is composite
    assert primes.is_blum_safe_prime(23)  # 23 = 2*11+1


def test_sieve_keeps_every_safe_candidate():
    """The joint sieve only removes q for which q or 2q+1 has a small factor."""
    q0 = primes._random_start(128)
    alive = primes._sieve_window(q0)
    for i in range(0, 3000):
        q = q0 + 6 * i
        has_small = any(q % s == 0 or (2 * q + 1) % s == 0 for s in primes._PRIMES[:200] if s < q)
        if not alive[i]:
            assert any(q % s == 0 or (2 * q + 1) % s == 0 for s in primes._PRIMES), i
        elif has_small:
            raise AssertionError(f"candidate {i} survived a small factor")


def test_paillier_key_sizes(pool):
    for sk in pool:
        assert sk.N.bit_length() == 2048
        assert sk.p != sk.q and sk.p * sk.q == sk.N
        assert primes.is_blum_safe_prime(sk.p) and primes.is_blum_safe_prime(sk.q)
    with pytest.raises(PaillierError):
        PaillierSecretKey.generate(1024)
    with pytest.raises(PaillierError):
        PaillierSecretKey(pool[0].p, pool[0].p)


@pytest.mark.parametrize("n", [0, 1, (1 << 2047) + 2, 1 << 2047, (1 << 2046) + 1, 1 << 4096 | 1])
def test_check_modulus_rejects(n):
    with pytest.raises(PaillierError):
        check_modulus(n)
    with pytest.raises(PaillierError):
        PaillierPublicKey(n)
