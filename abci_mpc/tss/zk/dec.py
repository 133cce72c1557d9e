"""Pi-dec: C = enc(y; rho) under N0 and x = y mod q (CGGMP21 Fig. 30).

Identification reveals delta_i or sigma_i and proves it is the plaintext (mod q) of a
ciphertext everyone can compute. That plaintext is a sum of MtA terms, up to ~2^1800,
not a scalar, which changes two things (both deviations from the figure):

- the masks alpha and nu are sized to the declared bound 2^y_bits so z1 still hides e*y;
- soundness needs the extracted y (|y| <= 2|z1|) below N0/2: a plaintext is only defined
  mod N0, and a y' = y + t*N0 would "prove" any residue mod q. With the paper's challenge
  in +-q and slack eps the bound on z1 would exceed N0, so this proof uses a challenge in
  +-2^80 (soundness error 2^-80) and slack 2^80 (statistical zero knowledge 2^-80), and
  verify() enforces |z1| below its bound, which stays far below N0/2.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import ScalarSpec, Signed, Unit
from ..curve import q
from ..paillier import PaillierPublicKey, random_unit
from ..params import ELL, STAT
from ..pedersen import RingPedersen
from ..proofs_pb2 import PiDec
from ..transcript import ProofContext
from .base import ProofBase, in_range, sample_pm


@dataclass(frozen=True)
class Statement:
    key: PaillierPublicKey  # N0, the prover's
    C: int
    x: int  # claimed plaintext mod q
    y_bits: int  # public bound: |y| <= 2^y_bits
    ped: RingPedersen  # the verifier's


CHALLENGE_BITS = STAT  # e in +-2^80
SLACK_BITS = STAT  # masks 2^80 wider than what they hide


def _bounds(stmt):
    a = 1 << (stmt.y_bits + CHALLENGE_BITS + SLACK_BITS)
    z1 = a + (1 << (stmt.y_bits + CHALLENGE_BITS))
    z2 = (1 << (ELL + CHALLENGE_BITS + SLACK_BITS + 1)) * stmt.ped.N
    return a, z1, z2


def sound(stmt) -> bool:
    """The extracted |y| <= 2|z1| must stay below N0/2."""
    return _bounds(stmt)[1].bit_length() + 2 < stmt.key.N.bit_length()


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "dec"
    PB = PiDec
    S: int
    T: int
    A: int
    gamma: int
    z1: int
    z2: int
    w: int

    @classmethod
    def specs(cls, stmt):
        _, z1b, z2b = _bounds(stmt)
        return {"S": Unit(stmt.ped.N), "T": Unit(stmt.ped.N), "A": Unit(stmt.key.N2), "gamma": ScalarSpec(),
                "z1": Signed(z1b), "z2": Signed(z2b), "w": Unit(stmt.key.N)}


def _challenge(ctx, stmt, S, T, A, gamma) -> int:
    t = ctx.transcript(Proof.NAME).int("N0", stmt.key.N).int("C", stmt.C).int("x", stmt.x).int("y_bits", stmt.y_bits)
    t.int("Nhat", stmt.ped.N).int("s", stmt.ped.s).int("t", stmt.ped.t)
    return t.int("S", S).int("T", T).int("A", A).int("gamma", gamma).challenge_pm(1 << CHALLENGE_BITS)


def prove(ctx: ProofContext, stmt: Statement, y: int, rho: int) -> Proof:
    key, ped = stmt.key, stmt.ped
    a_bound, z1b, z2b = _bounds(stmt)
    if abs(y) > 1 << stmt.y_bits:
        raise ValueError("plaintext exceeds the declared bound")
    if not sound(stmt):
        raise ValueError("declared bound too large for a sound proof under this modulus")
    while True:
        alpha = sample_pm(a_bound)
        mu = sample_pm((1 << ELL) * ped.N)
        nu = sample_pm((1 << (ELL + CHALLENGE_BITS + SLACK_BITS)) * ped.N)
        r = random_unit(key.N)
        S, T = ped.commit(y, mu), ped.commit(alpha, nu)
        A = key.encrypt_with(alpha, r)
        gamma = alpha % q
        e = _challenge(ctx, stmt, S, T, A, gamma)
        z1, z2 = alpha + e * y, nu + e * mu
        if in_range(z1, z1b) and in_range(z2, z2b):
            w = (r * key.pow_mod_n(rho, e)) % key.N
            return Proof(S=S, T=T, A=A, gamma=gamma, z1=z1, z2=z2, w=w)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    key, ped, p = stmt.key, stmt.ped, proof
    _, z1b, z2b = _bounds(stmt)
    if not sound(stmt) or not in_range(p.z1, z1b) or not in_range(p.z2, z2b):
        return False
    e = _challenge(ctx, stmt, p.S, p.T, p.A, p.gamma)
    # (1+N0)^z1 w^N0 = A C^e mod N0^2
    if key.encrypt_with(p.z1, p.w) != (p.A * key.pow(stmt.C, e)) % key.N2:
        return False
    # z1 = gamma + e x mod q
    if (p.z1 - p.gamma - e * stmt.x) % q != 0:
        return False
    # s^z1 t^z2 = T S^e mod Nhat
    return ped.commit(p.z1, p.z2) == (p.T * ped.exp(p.S, e)) % ped.N
