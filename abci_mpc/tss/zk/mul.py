"""Pi-mul: C = Y^x rho^N with X = enc(x; rho_x), all under the prover's key N (CGGMP21 Fig. 29).

Presigning identification uses it to show H_i = enc(k_i gamma_i) from K_i and G_i.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Signed, Unit
from ..curve import q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, EPS
from ..proofs_pb2 import PiMul
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key: PaillierPublicKey
    X: int
    Y: int
    C: int


_Z = (1 << (ELL + EPS)) + (1 << (2 * ELL))  # |alpha + e x| for x in [0, q)


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "mul"
    PB = PiMul
    A: int
    B: int
    z: int
    u: int
    v: int

    @classmethod
    def specs(cls, stmt):
        k = stmt.key
        return {"A": Unit(k.N2), "B": Unit(k.N2), "z": Signed(_Z), "u": Unit(k.N), "v": Unit(k.N)}


def _challenge(ctx, stmt, A, B) -> int:
    t = ctx.transcript(Proof.NAME).int("N", stmt.key.N).int("X", stmt.X).int("Y", stmt.Y).int("C", stmt.C)
    return t.int("A", A).int("B", B).challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, x: int, rho: int, rho_x: int) -> Proof:
    key = stmt.key
    while True:
        alpha = sample_pm(1 << (ELL + EPS))
        r, s = random_unit(key.N), random_unit(key.N)
        A = (key.pow(stmt.Y, alpha) * key.pow_n(r)) % key.N2
        B = key.encrypt_with(alpha, s)
        e = _challenge(ctx, stmt, A, B)
        z = alpha + e * x
        if in_range(z, _Z):
            u = (r * key.pow_mod_n(rho, e)) % key.N
            v = (s * key.pow_mod_n(rho_x, e)) % key.N
            return Proof(A=A, B=B, z=z, u=u, v=v)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key, p = stmt.key, proof
    e = _challenge(ctx, stmt, p.A, p.B)
    # Y^z u^N = A C^e and enc(z; v) = B X^e  (mod N^2)
    if (key.pow(stmt.Y, p.z) * key.pow_n(p.u)) % key.N2 != (p.A * key.pow(stmt.C, e)) % key.N2:
        return False
    return key.encrypt_with(p.z, p.v) == (p.B * key.pow(stmt.X, e)) % key.N2
