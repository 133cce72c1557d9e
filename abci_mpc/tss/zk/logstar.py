"""Pi-log*: C encrypts x in +-2^l under N0 and X = B^x for a base point B (CGGMP21 Fig. 25)."""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import PointSpec, Signed, Unit
from ..curve import Point, q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, EPS
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiLogStar
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key: PaillierPublicKey  # N0, the prover's
    C: int
    X: Point
    B: Point  # base; g unless stated otherwise
    ped: RingPedersen  # the verifier's


def _bounds(ped):
    return 1 << (ELL + EPS), (1 << (ELL + EPS + 1)) * ped.N


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "logstar"
    PB = PiLogStar
    S: int
    A: int
    Y: Point
    D: int
    z1: int
    z2: int
    z3: int

    @classmethod
    def specs(cls, stmt):
        b1, b3 = _bounds(stmt.ped)
        return {
            "S": Unit(stmt.ped.N), "A": Unit(stmt.key.N2), "Y": PointSpec(), "D": Unit(stmt.ped.N),
            "z1": Signed(b1), "z2": Unit(stmt.key.N), "z3": Signed(b3),
        }


def _challenge(ctx, stmt, S, A, Y, D) -> int:
    t = ctx.transcript(Proof.NAME)
    t.int("N0", stmt.key.N).int("C", stmt.C).point("X", stmt.X).point("B", stmt.B)
    t.int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    t.int("S", S).int("A", A).point("Y", Y).int("D", D)
    return t.challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, x: int, rho: int) -> Proof:
    key, ped = stmt.key, stmt.ped
    b1, b3 = _bounds(ped)
    while True:
        alpha = sample_pm(1 << (ELL + EPS))
        mu = sample_pm((1 << ELL) * ped.N)
        gamma = sample_pm((1 << (ELL + EPS)) * ped.N)
        r = random_unit(key.N)
        S = ped.commit(x, mu)
        A = key.encrypt_with(alpha, r)
        Y = stmt.B * alpha
        D = ped.commit(alpha, gamma)
        if Y.is_identity:
            continue
        e = _challenge(ctx, stmt, S, A, Y, D)
        z1, z3 = alpha + e * x, gamma + e * mu
        if in_range(z1, b1) and in_range(z3, b3):
            z2 = (r * key.pow_mod_n(rho, e)) % key.N
            return Proof(S=S, A=A, Y=Y, D=D, z1=z1, z2=z2, z3=z3)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key, ped = stmt.key, stmt.ped
    if not in_range(proof.z1, 1 << (ELL + EPS)):
        return False
    e = _challenge(ctx, stmt, proof.S, proof.A, proof.Y, proof.D)
    # (1+N0)^z1 z2^N0 = A C^e mod N0^2
    if key.encrypt_with(proof.z1, proof.z2) != (proof.A * key.pow(stmt.C, e)) % key.N2:
        return False
    # B^z1 = Y X^e
    if stmt.B * proof.z1 != proof.Y + stmt.X * e:
        return False
    # s^z1 t^z3 = D S^e mod Nhat
    return ped.commit(proof.z1, proof.z3) == (proof.D * ped.exp(proof.S, e)) % ped.N
