"""secp256k1 scalars and points over coincurve, with the point at infinity made explicit.

coincurve (libsecp256k1) cannot represent the identity: multiplying by zero and adding a
point to its negation both raise. Sums and multiples of public values can legitimately be
the identity (or be forced to it by a malicious party), so `Point` models it as a value and
never lets a coincurve exception escape.
"""

from __future__ import annotations

import secrets

from coincurve import PublicKey

# Group order and field prime of secp256k1 (SEC 2, section 2.4.1).
q = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
P_FIELD = 2**256 - 2**32 - 977

POINT_BYTES = 33
SCALAR_BYTES = 32
_IDENTITY_BYTES = bytes(POINT_BYTES)


class CurveError(ValueError):
    """A byte string is not a valid point or scalar encoding."""


def random_scalar() -> int:
    """Uniform scalar in [1, q-1]."""
    return 1 + secrets.randbelow(q - 1)


def scalar_to_bytes(k: int) -> bytes:
    return (k % q).to_bytes(SCALAR_BYTES, "big")


def scalar_from_bytes(data: bytes) -> int:
    """Strict decoding: exactly 32 bytes and < q (no silent reduction)."""
    if len(data) != SCALAR_BYTES:
        raise CurveError(f"scalar must be {SCALAR_BYTES} bytes, got {len(data)}")
    k = int.from_bytes(data, "big")
    if k >= q:
        raise CurveError("scalar is not reduced modulo the group order")
    return k


def inverse(k: int) -> int:
    k %= q
    if k == 0:
        raise ZeroDivisionError("zero has no inverse modulo q")
    return pow(k, -1, q)


class Point:
    """An element of the secp256k1 group; `Point.IDENTITY` is the point at infinity."""

    __slots__ = ("_pk",)
    IDENTITY: Point
    G: Point

    def __init__(self, pk: PublicKey | None):
        self._pk = pk

    # -- construction -------------------------------------------------------------
    @classmethod
    def base_mul(cls, k: int) -> Point:
        k %= q
        if k == 0:
            return cls.IDENTITY
        return cls(PublicKey.from_secret(k.to_bytes(SCALAR_BYTES, "big")))

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode a 33-byte SEC1 compressed point; 33 zero bytes encode the identity."""
        if len(data) != POINT_BYTES:
            raise CurveError(f"point must be {POINT_BYTES} bytes, got {len(data)}")
        if data == _IDENTITY_BYTES:
            if not allow_identity:
                raise CurveError("point at infinity not allowed here")
            return cls.IDENTITY
        if data[0] not in (2, 3):
            raise CurveError("point is not in compressed form")
        try:
            return cls(PublicKey(bytes(data)))
        except Exception as exc:  # coincurve raises ValueError/TypeError variants
            raise CurveError("bytes are not a point on secp256k1") from exc

    # -- encoding -----------------------------------------------------------------
    def to_bytes(self) -> bytes:
        if self._pk is None:
            return _IDENTITY_BYTES
        return self._pk.format(compressed=True)

    def uncompressed(self) -> bytes:
        """65-byte 0x04||X||Y form (Ethereum addresses hash X||Y)."""
        if self._pk is None:
            raise CurveError("the identity has no affine coordinates")
        return self._pk.format(compressed=False)

    @property
    def is_identity(self) -> bool:
        return self._pk is None

    def x(self) -> int:
        if self._pk is None:
            raise CurveError("the identity has no x coordinate")
        return int.from_bytes(self._pk.format(compressed=True)[1:], "big")

    def y_is_odd(self) -> bool:
        if self._pk is None:
            raise CurveError("the identity has no y coordinate")
        return self._pk.format(compressed=True)[0] == 3

    def public_key(self) -> PublicKey:
        if self._pk is None:
            raise CurveError("the identity is not a valid public key")
        return self._pk

    # -- group law ----------------------------------------------------------------
    def __add__(self, other: Point) -> Point:
        if self._pk is None:
            return other
        if other._pk is None:
            return self
        try:
            return Point(PublicKey.combine_keys([self._pk, other._pk]))
        except ValueError:
            # libsecp256k1 refuses a sum at infinity: the operands were negations.
            return Point.IDENTITY

    def __neg__(self) -> Point:
        if self._pk is None:
            return self
        enc = bytearray(self._pk.format(compressed=True))
        enc[0] ^= 1  # 02 <-> 03 flips the sign of y
        return Point(PublicKey(bytes(enc)))

    def __sub__(self, other: Point) -> Point:
        return self + (-other)

    def __mul__(self, k: int) -> Point:
        k = int(k) % q
        if k == 0 or self._pk is None:
            return Point.IDENTITY
        return Point(self._pk.multiply(k.to_bytes(SCALAR_BYTES, "big")))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return "Point(identity)" if self._pk is None else f"Point({self.to_bytes().hex()})"

    def __reduce__(self):
        # Points cross process-pool boundaries; pickle them by their encoding.
        return (_point_from_encoding, (self.to_bytes(),))


def _point_from_encoding(data: bytes) -> Point:
    return Point.from_bytes(data, allow_identity=True)


Point.IDENTITY = Point(None)
Point.G = Point.base_mul(1)


def point_sum(points) -> Point:
    """Sum of many points in one libsecp256k1 call where possible."""
    pks = [p._pk for p in points if p._pk is not None]
    if not pks:
        return Point.IDENTITY
    if len(pks) == 1:
        return Point(pks[0])
    try:
        return Point(PublicKey.combine_keys(pks))
    except ValueError:
        # The total is the identity; fall back to pairwise addition to be certain.
        acc = Point.IDENTITY
        for pk in pks:
            acc = acc + Point(pk)
        return acc
