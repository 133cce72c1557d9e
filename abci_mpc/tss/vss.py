"""Shamir secret sharing with Feldman commitments, and Lagrange coefficients, over Z_q.

Shares are evaluations f(x_j) at nonzero, distinct x-coordinates ("share ids"); the
secret is f(0). Commitments are g^{a_k} for each coefficient, so anyone can check a
share against them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .curve import Point, point_sum, q, random_scalar


class VSSError(ValueError):
    pass


@dataclass(frozen=True)
class Polynomial:
    coeffs: tuple[int, ...]  # a_0 (the secret) first

    @classmethod
    def random(cls, degree: int, constant: int | None = None) -> Polynomial:
        a0 = random_scalar() if constant is None else constant % q
        return cls((a0,) + tuple(random_scalar() for _ in range(degree)))

    @property
    def degree(self) -> int:
        return len(self.coeffs) - 1

    def __call__(self, x: int) -> int:
        acc = 0
        for a in reversed(self.coeffs):
            acc = (acc * x + a) % q
        return acc

    def commitments(self) -> tuple[Point, ...]:
        return tuple(Point.base_mul(a) for a in self.coeffs)

    def __repr__(self) -> str:
        return f"Polynomial(degree={self.degree}, <secret>)"


def commitment_eval(commitments: tuple[Point, ...] | list[Point], x: int) -> Point:
    """g^{f(x)} = sum_k C_k * x^k, from the Feldman commitments alone."""
    terms = []
    xk = 1
    for c in commitments:
        terms.append(c * xk)
        xk = (xk * x) % q
    return point_sum(terms)


def verify_share(commitments, x: int, share: int) -> bool:
    return Point.base_mul(share) == commitment_eval(commitments, x)


def lagrange(xs, xi: int, at: int = 0) -> int:
    """lambda_i(at) for the interpolation set xs (distinct, nonzero mod q)."""
    xs = [x % q for x in xs]
    xi %= q
    if len(set(xs)) != len(xs) or 0 in xs:
        raise VSSError("interpolation points must be distinct and nonzero")
    if xi not in xs:
        raise VSSError("x-coordinate is not in the interpolation set")
    num, den = 1, 1
    for xj in xs:
        if xj != xi:
            num = (num * (at - xj)) % q
            den = (den * (xi - xj)) % q
    return (num * pow(den, -1, q)) % q


def interpolate(points: dict[int, int], at: int = 0) -> int:
    xs = list(points)
    return sum(y * lagrange(xs, x, at) for x, y in points.items()) % q
