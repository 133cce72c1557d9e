"""Pi-enc: K encrypts some k in +-2^l under N0 (CGGMP21 Fig. 14).

The commitment to k uses the verifier's ring-Pedersen parameters; verification checks
the range of z1, which is what stops the Alpha-Rays / MtA-overflow class of attacks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import Signed, Unit
from ..curve import q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, EPS
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiEnc
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key: PaillierPublicKey  # N0, the prover's Paillier key
    K: int
    ped: RingPedersen  # the verifier's


def _bounds(ped):
    return 1 << (ELL + EPS), (1 << (ELL + EPS + 1)) * ped.N


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "enc"
    PB = PiEnc
    S: int
    A: int
    C: int
    z1: int
    z2: int
    z3: int

    @classmethod
    def specs(cls, stmt):
        b1, b3 = _bounds(stmt.ped)
        return {
            "S": Unit(stmt.ped.N), "A": Unit(stmt.key.N2), "C": Unit(stmt.ped.N),
            "z1": Signed(b1), "z2": Unit(stmt.key.N), "z3": Signed(b3),
        }


def _challenge(ctx, stmt, S, A, C) -> int:
    t = ctx.transcript(Proof.NAME)
    t.int("N0", stmt.key.N).int("K", stmt.K)
    t.int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    t.int("S", S).int("A", A).int("C", C)
    return t.challenge_pm(q)


def prove(ctx: ProofContext, stmt: Statement, k: int, rho: int) -> Proof:
    key, ped = stmt.key, stmt.ped
    b1, b3 = _bounds(ped)
    while True:
        alpha = sample_pm(1 << (ELL + EPS))
        mu = sample_pm((1 << ELL) * ped.N)
        gamma = sample_pm((1 << (ELL + EPS)) * ped.N)
        r = random_unit(key.N)
        S = ped.commit(k, mu)
        A = key.encrypt_with(alpha, r)
        C = ped.commit(alpha, gamma)
        e = _challenge(ctx, stmt, S, A, C)
        z1, z3 = alpha + e * k, gamma + e * mu
        if in_range(z1, b1) and in_range(z3, b3):  # fails with probability < 2^-250
            z2 = (r * key.pow_mod_n(rho, e)) % key.N
            return Proof(S=S, A=A, C=C, z1=z1, z2=z2, z3=z3)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key, ped = stmt.key, stmt.ped
    if not in_range(proof.z1, 1 << (ELL + EPS)):
        return False
    e = _challenge(ctx, stmt, proof.S, proof.A, proof.C)
    # (1+N0)^z1 * z2^N0 = A * K^e mod N0^2
    if (key.encrypt_with(proof.z1, proof.z2) != (proof.A * key.pow(stmt.K, e)) % key.N2):
        return False
    # s^z1 t^z3 = C * S^e mod Nhat
    return ped.commit(proof.z1, proof.z3) == (proof.C * ped.exp(proof.S, e)) % ped.N
