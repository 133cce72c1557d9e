"""Pi-aff-g: D = C^x (1+N0)^y rho^N0, Y = enc_N1(y; rho_y), X = g^x, x in +-2^l, y in +-2^l'
(CGGMP21 Fig. 15). This is the range-checked MtA of presigning: without the ranges, a
party can learn the peer's secret bit by bit (Alpha-Rays).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import PointSpec, Signed, Unit
from ..curve import Point, q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, ELL_PRIME, EPS
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiAffG
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key0: PaillierPublicKey  # N0: the verifier's key, under which C and D are
    key1: PaillierPublicKey  # N1: the prover's key, under which Y is
    C: int
    D: int
    Y: int
    X: Point
    ped: RingPedersen  # the verifier's


def _bounds(ped):
    big = (1 << (ELL + EPS + 1)) * ped.N
    return 1 << (ELL + EPS), 1 << (ELL_PRIME + EPS), big, big


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "affg"
    PB = PiAffG
    A: int
    Bx: Point
    By: int
    E: int
    S: int
    F: int
    T: int
    z1: int
    z2: int
    z3: int
    z4: int
    w: int
    wy: int

    @classmethod
    def specs(cls, stmt):
        b1, b2, b3, b4 = _bounds(stmt.ped)
        Nh = stmt.ped.N
        return {
            "A": Unit(stmt.key0.N2), "Bx": PointSpec(), "By": Unit(stmt.key1.N2),
            "E": Unit(Nh), "S": Unit(Nh), "F": Unit(Nh), "T": Unit(Nh),
            "z1": Signed(b1), "z2": Signed(b2), "z3": Signed(b3), "z4": Signed(b4),
            "w": Unit(stmt.key0.N), "wy": Unit(stmt.key1.N),
        }


def _challenge(ctx, stmt, A, Bx, By, E, S, F, T) -> int:
    t = ctx.transcript(Proof.NAME)
    t.int("N0", stmt.key0.N).int("N1", stmt.key1.N)
    t.int("C", stmt.C).int("D", stmt.D).int("Y", stmt.Y).point("X", stmt.X)
    t.int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    t.int("A", A).point("Bx", Bx).int("By", By).int("E", E).int("S", S).int("F", F).int("T", T)
    return t.challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, x: int, y: int, rho: int, rho_y: int) -> Proof:
    key0, key1, ped = stmt.key0, stmt.key1, stmt.ped
    b1, b2, b3, b4 = _bounds(ped)
    Nh = ped.N
    while True:
        alpha = sample_pm(1 << (ELL + EPS))
        beta = sample_pm(1 << (ELL_PRIME + EPS))
        r, ry = random_unit(key0.N), random_unit(key1.N)
        gamma = sample_pm((1 << (ELL + EPS)) * Nh)
        m = sample_pm((1 << ELL) * Nh)
        delta = sample_pm((1 << (ELL + EPS)) * Nh)
        mu = sample_pm((1 << ELL) * Nh)
        A = (key0.pow(stmt.C, alpha) * key0.encrypt_with(beta, r)) % key0.N2
        Bx = Point.base_mul(alpha)
        if Bx.is_identity:
            continue
        By = key1.encrypt_with(beta, ry)
        E, S = ped.commit(alpha, gamma), ped.commit_secret(x, m)
        F, T = ped.commit(beta, delta), ped.commit(y, mu)
        e = _challenge(ctx, stmt, A, Bx, By, E, S, F, T)
        z1, z2, z3, z4 = alpha + e * x, beta + e * y, gamma + e * m, delta + e * mu
        if all(in_range(z, b) for z, b in ((z1, b1), (z2, b2), (z3, b3), (z4, b4))):
            w = (r * key0.pow_mod_n(rho, e)) % key0.N
            wy = (ry * key1.pow_mod_n(rho_y, e)) % key1.N
            return Proof(A=A, Bx=Bx, By=By, E=E, S=S, F=F, T=T, z1=z1, z2=z2, z3=z3, z4=z4, w=w, wy=wy)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key0, key1, ped = stmt.key0, stmt.key1, stmt.ped
    p = proof
    if not (in_range(p.z1, 1 << (ELL + EPS)) and in_range(p.z2, 1 << (ELL_PRIME + EPS))):
        return False
    e = _challenge(ctx, stmt, p.A, p.Bx, p.By, p.E, p.S, p.F, p.T)
    # C^z1 (1+N0)^z2 w^N0 = A D^e mod N0^2
    lhs = (key0.pow(stmt.C, p.z1) * key0.encrypt_with(p.z2, p.w)) % key0.N2
    if lhs != (p.A * key0.pow(stmt.D, e)) % key0.N2:
        return False
    # g^z1 = Bx X^e
    if Point.base_mul(p.z1) != p.Bx + stmt.X * e:
        return False
    # (1+N1)^z2 wy^N1 = By Y^e mod N1^2
    if key1.encrypt_with(p.z2, p.wy) != (p.By * key1.pow(stmt.Y, e)) % key1.N2:
        return False
    # s^z1 t^z3 = E S^e and s^z2 t^z4 = F T^e mod Nhat
    if ped.commit(p.z1, p.z3) != (p.E * ped.exp(p.S, e)) % ped.N:
        return False
    return ped.commit(p.z2, p.z4) == (p.F * ped.exp(p.T, e)) % ped.N
