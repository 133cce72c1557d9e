"""Pi-mul*: D = C^x rho^N0 and X = g^x, x in +-2^l (CGGMP21 Fig. 31).

Signing identification uses it to show H^_i = enc(k_i w_i) from K_i and W_i.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import PointSpec, Signed, Unit
from ..curve import Point, q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, EPS
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiMulStar
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key: PaillierPublicKey  # N0, under which C and D are
    C: int
    D: int
    X: Point
    ped: RingPedersen  # the verifier's


def _bounds(ped):
    return 1 << (ELL + EPS), (1 << (ELL + EPS + 1)) * ped.N


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "mulstar"
    PB = PiMulStar
    A: int
    Bx: Point
    E: int
    S: int
    z1: int
    z2: int
    w: int

    @classmethod
    def specs(cls, stmt):
        b1, b2 = _bounds(stmt.ped)
        return {"A": Unit(stmt.key.N2), "Bx": PointSpec(), "E": Unit(stmt.ped.N), "S": Unit(stmt.ped.N),
                "z1": Signed(b1), "z2": Signed(b2), "w": Unit(stmt.key.N)}


def _challenge(ctx, stmt, A, Bx, E, S) -> int:
    t = ctx.transcript(Proof.NAME).int("N0", stmt.key.N).int("C", stmt.C).int("D", stmt.D).point("X", stmt.X)
    t.int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    return t.int("A", A).point("Bx", Bx).int("E", E).int("S", S).challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, x: int, rho: int) -> Proof:
    key, ped = stmt.key, stmt.ped
    b1, b2 = _bounds(ped)
    while True:
        alpha = sample_pm(1 << (ELL + EPS))
        r = random_unit(key.N)
        gamma = sample_pm((1 << (ELL + EPS)) * ped.N)
        m = sample_pm((1 << ELL) * ped.N)
        A = (key.pow(stmt.C, alpha) * key.pow_n(r)) % key.N2
        Bx = Point.base_mul(alpha)
        if Bx.is_identity:
            continue
        E, S = ped.commit(alpha, gamma), ped.commit_secret(x, m)
        e = _challenge(ctx, stmt, A, Bx, E, S)
        z1, z2 = alpha + e * x, gamma + e * m
        if in_range(z1, b1) and in_range(z2, b2):
            w = (r * key.pow_mod_n(rho, e)) % key.N
            return Proof(A=A, Bx=Bx, E=E, S=S, z1=z1, z2=z2, w=w)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key, ped, p = stmt.key, stmt.ped, proof
    if not in_range(p.z1, 1 << (ELL + EPS)):
        return False
    e = _challenge(ctx, stmt, p.A, p.Bx, p.E, p.S)
    # C^z1 w^N0 = A D^e mod N0^2
    if (key.pow(stmt.C, p.z1) * key.pow_n(p.w)) % key.N2 != (p.A * key.pow(stmt.D, e)) % key.N2:
        return False
    if Point.base_mul(p.z1) != p.Bx + stmt.X * e:
        return False
    return ped.commit(p.z1, p.z2) == (p.E * ped.exp(p.S, e)) % ped.N
