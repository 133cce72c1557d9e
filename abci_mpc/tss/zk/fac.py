"""Pi-fac: N0 has no factor below ~2^l (CGGMP21 Fig. 28).

The second half of the BitForge fix: with Pi-mod it pins N0 to two large primes, so a
peer cannot choose a modulus that leaks our secrets through the MtA.
"""

from __future__ import annotations

from dataclasses import dataclass

import gmpy2
from gmpy2 import mpz

from ..codec import Signed, Unit
from ..curve import q
from ..params import ELL, EPS
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiFac
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    N0: int
    ped: RingPedersen  # the verifier's


def _bounds(N0, Nh):
    sqrt_n0 = gmpy2.isqrt(mpz(N0))
    return {
        "z": (1 << (ELL + EPS)) * sqrt_n0,
        "w": (1 << (ELL + EPS + 1)) * Nh,
        "sigma": (1 << ELL) * N0 * Nh,
        "v": (1 << (ELL + EPS + 1)) * N0 * Nh,
    }


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "fac"
    PB = PiFac
    P: int
    Q: int
    A: int
    B: int
    T: int
    sigma: int
    z1: int
    z2: int
    w1: int
    w2: int
    v: int

    @classmethod
    def specs(cls, stmt):
        Nh = stmt.ped.N
        b = _bounds(stmt.N0, Nh)
        u = Unit(Nh)
        return {
            "P": u, "Q": u, "A": u, "B": u, "T": u, "sigma": Signed(b["sigma"]),
            "z1": Signed(b["z"]), "z2": Signed(b["z"]), "w1": Signed(b["w"]), "w2": Signed(b["w"]),
            "v": Signed(b["v"]),
        }


def _challenge(ctx, stmt, P, Q, A, B, T, sigma) -> int:
    t = ctx.transcript(Proof.NAME)
    t.int("N0", stmt.N0).int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    t.int("P", P).int("Q", Q).int("A", A).int("B", B).int("T", T).int("sigma", sigma)
    return t.challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, p: int, q_: int) -> Proof:
    ped, N0 = stmt.ped, mpz(stmt.N0)
    Nh = ped.N
    b = _bounds(N0, Nh)
    p, q_ = mpz(p), mpz(q_)
    while True:
        alpha, beta = sample_pm(b["z"]), sample_pm(b["z"])
        mu, nu = sample_pm((1 << ELL) * Nh), sample_pm((1 << ELL) * Nh)
        sigma = sample_pm(b["sigma"])
        r = sample_pm((1 << (ELL + EPS)) * N0 * Nh)
        x, y = sample_pm((1 << (ELL + EPS)) * Nh), sample_pm((1 << (ELL + EPS)) * Nh)
        P, Q = ped.commit_secret(p, mu), ped.commit_secret(q_, nu)  # p, q are long-term secrets
        A, B = ped.commit(alpha, x), ped.commit(beta, y)
        T = (ped.exp(Q, alpha) * ped.exp(ped.t, r)) % Nh
        e = _challenge(ctx, stmt, P, Q, A, B, T, sigma)
        sigma_hat = sigma - nu * p
        z1, z2 = alpha + e * p, beta + e * q_
        w1, w2 = x + e * mu, y + e * nu
        v = r + e * sigma_hat
        if all(in_range(z, b["z"]) for z in (z1, z2)) and all(in_range(w, b["w"]) for w in (w1, w2)) \
                and in_range(v, b["v"]):
            return Proof(P=P, Q=Q, A=A, B=B, T=T, sigma=sigma, z1=z1, z2=z2, w1=w1, w2=w2, v=v)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    ped, N0 = stmt.ped, mpz(stmt.N0)
    Nh = ped.N
    p = proof
    bound = _bounds(N0, Nh)["z"]
    if not (in_range(p.z1, bound) and in_range(p.z2, bound)):
        return False
    e = _challenge(ctx, stmt, p.P, p.Q, p.A, p.B, p.T, p.sigma)
    R = ped.commit(N0, p.sigma)  # s^N0 t^sigma
    if ped.commit(p.z1, p.w1) != (p.A * ped.exp(p.P, e)) % Nh:
        return False
    if ped.commit(p.z2, p.w2) != (p.B * ped.exp(p.Q, e)) % Nh:
        return False
    return (ped.exp(p.Q, p.z1) * ped.exp(ped.t, p.v)) % Nh == (p.T * ped.exp(R, e)) % Nh
