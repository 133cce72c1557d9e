"""Pi-sch: knowledge of x with X = g^x (CGGMP21 Fig. 22).

Keygen commits to A = g^alpha in its first round, before the challenge's inputs are known,
so `commit` and `prove` are separate.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..codec import PointSpec, ScalarSpec
from ..curve import Point, q, random_scalar
from ..proofs_pb2 import PiSch
from ..transcript import ProofContext
from .base import ProofBase


@dataclass(frozen=True)
class Statement:
    X: Point


@dataclass(frozen=True, repr=False)
class Proof(ProofBase):
    NAME = "sch"
    PB = PiSch
    A: Point
    z: int

    @classmethod
    def specs(cls, stmt):
        return {"A": PointSpec(), "z": ScalarSpec()}


def commit() -> tuple[int, Point]:
    alpha = random_scalar()
    return alpha, Point.base_mul(alpha)


def _challenge(ctx: ProofContext, stmt: Statement, A: Point) -> int:
    return ctx.transcript(Proof.NAME).point("X", stmt.X).point("A", A).challenge_scalar()


def prove(ctx: ProofContext, stmt: Statement, x: int, commitment: tuple[int, Point] | None = None) -> Proof:
    alpha, A = commitment or commit()
    e = _challenge(ctx, stmt, A)
    return Proof(A=A, z=(alpha + e * x) % q)


def verify(ctx: ProofContext, stmt: Statement, proof: Proof) -> bool:
    e = _challenge(ctx, stmt, proof.A)
    return Point.base_mul(proof.z) == proof.A + stmt.X * e
