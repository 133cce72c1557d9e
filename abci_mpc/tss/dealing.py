"""Feldman dealing, shared by keygen, refresh and resharing: a dealer commits to a
polynomial, sends f(x_j) to each recipient, and recipients check shares in the exponent."""

from __future__ import annotations

from .blame import Reason
from .codec import DecodeError, PointSpec, ScalarSpec
from .curve import Point, point_sum
from .rounds import Fault
from .vss import Polynomial, commitment_eval, verify_share
from .wire_pb2 import Share


def encode_commitments(F) -> list[bytes]:
    return [c.to_bytes() for c in F]


def decode_commitments(raw, degree: int) -> tuple[Point, ...]:
    if len(raw) != degree + 1:
        raise Fault(Reason.MALFORMED, f"expected {degree + 1} Feldman commitments, got {len(raw)}")
    return tuple(PointSpec().decode(c, f"F[{k}]") for k, c in enumerate(raw))


def share_msg(f: Polynomial, x: int) -> Share:
    return Share(share=ScalarSpec().encode(f(x)))


def check_share(F, x: int, msg: Share) -> int:
    share = ScalarSpec().decode(msg.share, "share")
    if not verify_share(F, x, share):
        raise Fault(Reason.BAD_SHARE, "share does not match the sender's Feldman commitments")
    return share


def public_shares(commitment_sets, ids: dict[str, int]) -> dict[str, Point]:
    """X_k = sum_j F_j(x_k): summing the commitment vectors first makes it one evaluation per k."""
    sets = list(commitment_sets)
    degree = len(sets[0]) - 1
    F = [point_sum(c[k] for c in sets) for k in range(degree + 1)]
    return {p: commitment_eval(F, x) for p, x in ids.items()}


__all__ = ["encode_commitments", "decode_commitments", "share_msg", "check_share", "public_shares", "DecodeError"]
