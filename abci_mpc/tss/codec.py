"""Fixed-size, range-checked encodings of big integers, points and scalars.

Every element a peer sends is decoded against the public parameters it belongs to: a unit
mod N is exactly len(N) bytes and coprime to N, a signed response is exactly the width of
its bound and within it. Anything else raises DecodeError naming the element, before
any arithmetic touches it.
"""

from __future__ import annotations

import gmpy2
from gmpy2 import mpz

from .curve import POINT_BYTES, CurveError, Point, scalar_from_bytes, scalar_to_bytes


class DecodeError(ValueError):
    """Untrusted bytes do not decode to a well-formed, in-range value."""


def byte_len(n: int) -> int:
    return (int(n).bit_length() + 7) // 8


class Spec:
    def encode(self, value) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes, what: str):
        raise NotImplementedError


class Unit(Spec):
    """Element of Z*_m."""

    def __init__(self, m: int):
        self.m = mpz(m)
        self.width = byte_len(m)

    def encode(self, value) -> bytes:
        return int(value).to_bytes(self.width, "big")

    def decode(self, data: bytes, what: str) -> mpz:
        if len(data) != self.width:
            raise DecodeError(f"{what}: expected {self.width} bytes, got {len(data)}")
        x = mpz(int.from_bytes(data, "big"))
        if not 0 < x < self.m or gmpy2.gcd(x, self.m) != 1:
            raise DecodeError(f"{what}: not a unit modulo its modulus")
        return x


class Signed(Spec):
    """Integer with |x| <= bound: a sign byte then a fixed-width magnitude."""

    def __init__(self, bound: int):
        self.bound = mpz(bound)
        self.width = byte_len(bound)

    def encode(self, value) -> bytes:
        value = int(value)
        if abs(value) > self.bound:
            raise ValueError("value out of its declared range")  # a bug on our side
        return (b"\x01" if value < 0 else b"\x00") + abs(value).to_bytes(self.width, "big")

    def decode(self, data: bytes, what: str) -> mpz:
        if len(data) != self.width + 1:
            raise DecodeError(f"{what}: expected {self.width + 1} bytes, got {len(data)}")
        sign, mag = data[0], mpz(int.from_bytes(data[1:], "big"))
        if sign not in (0, 1) or (sign == 1 and mag == 0):
            raise DecodeError(f"{what}: non-canonical sign")
        if mag > self.bound:
            raise DecodeError(f"{what}: out of range")
        return -mag if sign else mag


class PointSpec(Spec):
    def __init__(self, allow_identity: bool = False):
        self.allow_identity = allow_identity

    def encode(self, value: Point) -> bytes:
        return value.to_bytes()

    def decode(self, data: bytes, what: str) -> Point:
        try:
            return Point.from_bytes(bytes(data), allow_identity=self.allow_identity)
        except CurveError as exc:
            raise DecodeError(f"{what}: {exc}") from None


class ScalarSpec(Spec):
    def encode(self, value: int) -> bytes:
        return scalar_to_bytes(value)

    def decode(self, data: bytes, what: str) -> int:
        try:
            return scalar_from_bytes(bytes(data))
        except CurveError as exc:
            raise DecodeError(f"{what}: {exc}") from None


class Many(Spec):
    """Exactly `count` elements of one spec, concatenated (each element is fixed-width)."""

    def __init__(self, inner: Spec, count: int, width: int):
        self.inner, self.count, self.width = inner, count, width

    def encode(self, values) -> bytes:
        values = list(values)
        assert len(values) == self.count
        return b"".join(self.inner.encode(v) for v in values)

    def decode(self, data: bytes, what: str) -> list:
        if len(data) != self.width * self.count:
            raise DecodeError(f"{what}: expected {self.count} x {self.width} bytes, got {len(data)}")
        w = self.width
        return [self.inner.decode(data[i * w : (i + 1) * w], f"{what}[{i}]") for i in range(self.count)]


class Bits(Spec):
    def __init__(self, count: int):
        self.count = count
        self.width = (count + 7) // 8

    def encode(self, bits) -> bytes:
        v = sum(int(b) << i for i, b in enumerate(bits))
        return v.to_bytes(self.width, "little")

    def decode(self, data: bytes, what: str) -> list[int]:
        if len(data) != self.width:
            raise DecodeError(f"{what}: expected {self.width} bytes, got {len(data)}")
        v = int.from_bytes(data, "little")
        if v >> self.count:
            raise DecodeError(f"{what}: padding bits set")
        return [(v >> i) & 1 for i in range(self.count)]


def many_units(m: int, count: int) -> Many:
    return Many(Unit(m), count, byte_len(m))


def point_bytes() -> int:
    return POINT_BYTES


class Residue(Spec):
    """Element of Z_m (0 <= x < m), fixed width."""

    def __init__(self, m: int):
        self.m = mpz(m)
        self.width = byte_len(m)

    def encode(self, value) -> bytes:
        return int(value).to_bytes(self.width, "big")

    def decode(self, data: bytes, what: str) -> mpz:
        if len(data) != self.width:
            raise DecodeError(f"{what}: expected {self.width} bytes, got {len(data)}")
        x = mpz(int.from_bytes(data, "big"))
        if x >= self.m:
            raise DecodeError(f"{what}: not reduced modulo its modulus")
        return x
