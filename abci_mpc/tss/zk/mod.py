"""Pi-mod: N is a Paillier-Blum modulus (CGGMP21 Fig. 16), m = 80 repetitions.

Together with Pi-fac this is what tss-lib lacked before BitForge (CVE-2023-33241): a
modulus with small factors, or more than two, cannot pass.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz, powmod

from ..codec import Bits, Unit, many_units
from ..crt import CRT, secret_pow
from ..paillier import PaillierSecretKey
from ..params import STAT
from ..proofs_pb2 import PiMod
from ..transcript import ProofContext
from .base import ProofBase


@dataclass(frozen=True)
class Statement:
    N: int


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "mod"
    PB = PiMod
    W: int
    X: list
    a: list
    b: list
    Z: list

    @classmethod
    def specs(cls, stmt):
        return {
            "W": Unit(stmt.N),
            "X": many_units(stmt.N, STAT),
            "a": Bits(STAT),
            "b": Bits(STAT),
            "Z": many_units(stmt.N, STAT),
        }


def _challenges(ctx: ProofContext, N: int, W: int) -> list[mpz]:
    t = ctx.transcript(Proof.NAME).int("N", N).int("W", W)
    return [mpz(y) for y in t.challenge_residues(N, STAT)]


def prove(ctx: ProofContext, sk: PaillierSecretKey) -> Proof:
    N, p, q = sk.N, sk.p, sk.q
    while True:  # w: a quadratic non-residue with Jacobi symbol -1
        w = mpz(secrets.randbelow(int(N)))
        if gmpy2.jacobi(w, N) == -1:
            break
    crt = CRT(p, q)
    n_inv = gmpy2.invert(N, sk.phi)
    # For p = 3 mod 4, y^((p+1)/4) is the square root that is itself a square: applying
    # it twice gives a fourth root. Exponents are reduced mod p-1 for the CRT halves.
    # p and q are secret: Legendre symbols come from Euler's criterion and every power
    # from constant-time exponentiation (GMP's jacobi is variable-time in its modulus).
    e4p = ((p + 1) // 4) ** 2 % (p - 1)
    e4q = ((q + 1) // 4) ** 2 % (q - 1)
    w_p, w_q = _legendre(w, p), _legendre(w, q)
    X, A, B, Z = [], [], [], []
    for y in _challenges(ctx, N, w):
        if gmpy2.gcd(y, N) != 1:
            raise ValueError("challenge shares a factor with N")  # probability ~2^-1023
        y_p, y_q = _legendre(y, p), _legendre(y, q)
        for a, b in ((0, 0), (1, 0), (0, 1), (1, 1)):
            # (-1/p) = -1 for p = 3 mod 4, so the symbol of (-1)^a w^b y is a product.
            if (y_p * (w_p if b else 1) * (-1 if a else 1) == 1
                    and y_q * (w_q if b else 1) * (-1 if a else 1) == 1):
                break
        yp = (y * (w if b else 1) * (-1 if a else 1)) % N
        x = crt.combine(secret_pow(yp % p, e4p, p), secret_pow(yp % q, e4q, q))
        X.append(x)
        A.append(a)
        B.append(b)
        Z.append(crt.pow(y, n_inv))
    return Proof(W=w, X=X, a=A, b=B, Z=Z)


def _legendre(y, p) -> int:
    """(y/p) in {1, -1} for y a unit, by Euler's criterion in constant time."""
    return 1 if secret_pow(y % p, (p - 1) // 2, p) == 1 else -1


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    N = mpz(stmt.N)
    if not len(proof.X) == len(proof.a) == len(proof.b) == len(proof.Z) == STAT:
        return False  # every one of the m repetitions, or the soundness error is not 2^-80
    if N % 2 == 0 or gmpy2.is_prime(N, 30):
        return False
    if gmpy2.jacobi(proof.W, N) != -1:
        return False
    for y, x, a, b, z in zip(_challenges(ctx, N, proof.W), proof.X, proof.a, proof.b, proof.Z):
        if powmod(z, N, N) != y:
            return False
        rhs = (y * (proof.W if b else 1) * (-1 if a else 1)) % N
        if powmod(x, 4, N) != rhs:
            return False
    return True
