"""ECDSA signatures as Ethereum wants them: low-S, recovery id v in {0, 1}, and checked
by libsecp256k1 before anyone sees them."""

from __future__ import annotations

from dataclasses import dataclass

from coincurve import PublicKey

from .curve import Point, q
from .keccak import keccak256


class SignatureError(ValueError):
    pass


@dataclass(frozen=True)
class Signature:
    r: int
    s: int
    v: int  # recovery id: parity of R.y after low-S normalization

    def to_bytes(self) -> bytes:
        """65 bytes r || s || v (v in {0, 1}); add 27 for legacy Ethereum `v`."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])

    def to_der(self) -> bytes:
        def der_int(x: int) -> bytes:
            b = x.to_bytes((x.bit_length() + 8) // 8, "big")  # keeps a leading zero when the top bit is set
            return b"\x02" + bytes([len(b)]) + b
        body = der_int(self.r) + der_int(self.s)
        return b"\x30" + bytes([len(body)]) + body

    def to_json(self) -> dict:
        return {"r": f"{self.r:064x}", "s": f"{self.s:064x}", "v": self.v}


def digest_to_scalar(digest: bytes) -> int:
    if len(digest) != 32:
        raise SignatureError("digest must be exactly 32 bytes")
    return int.from_bytes(digest, "big") % q  # fixed width: leading zero bytes are kept


def from_nonce_point(R: Point, s: int) -> Signature:
    """(r, s) for nonce point R, normalized to low S, with the matching recovery id."""
    x = R.x()
    if x >= q:
        # r = x - q would need v in {2, 3}, which Ethereum rejects; p ~ 2^-128.
        raise SignatureError("nonce point x-coordinate exceeds the group order")
    s %= q
    v = 1 if R.y_is_odd() else 0
    if s > q // 2:
        s, v = q - s, v ^ 1
    return Signature(int(x), int(s), v)


def verify(public_key: Point, digest: bytes, sig: Signature) -> bool:
    """Independent check by libsecp256k1: DER verify and public-key recovery."""
    if not (0 < sig.r < q and 0 < sig.s <= q // 2 and sig.v in (0, 1)):
        return False
    try:
        pk = public_key.public_key()
        if not pk.verify(sig.to_der(), digest, hasher=None):
            return False
        return PublicKey.from_signature_and_message(sig.to_bytes(), digest, hasher=None) == pk
    except Exception:
        return False


def recover(digest: bytes, sig: Signature) -> Point:
    try:
        return Point(PublicKey.from_signature_and_message(sig.to_bytes(), digest, hasher=None))
    except Exception as exc:
        raise SignatureError("signature does not recover to a public key") from exc


def eth_address(public_key: Point) -> str:
    """EIP-55 checksummed address: last 20 bytes of keccak256(X || Y)."""
    raw = keccak256(public_key.uncompressed()[1:])[-20:].hex()
    check = keccak256(raw.encode()).hex()
    return "0x" + "".join(c.upper() if int(check[i], 16) >= 8 else c for i, c in enumerate(raw))
