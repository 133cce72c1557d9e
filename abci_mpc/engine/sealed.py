"""End-to-end sealing of direct tss envelopes to the recipient's X25519 key.

A direct envelope carries secret material (a VSS share, a partial signature), so it is
sealed for its recipient alone, whatever carries it (the CometBFT channel, a relaying
peer, the TCP links): a sealed box with a one-time sender key.

    e        = fresh X25519 key of the sender, used for this one message
    k        = HKDF-SHA256(X25519(e, R), salt = e_pub || R, info = "abci-mpc/engine/seal/v1")
    sealed   = ChaCha20-Poly1305(k, nonce = 0^12, envelope, ad)
    ad       = injective encoding of (session, sender, recipient)

The key is used once, so a fixed nonce is safe. The associated data binds the sealed
envelope to its session and to the link it travels (sender, recipient), so a ciphertext
replayed into another session or from another sender fails to open. The sender is
authenticated by the envelope's own Ed25519 signature inside, not by the seal.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"abci-mpc/engine/seal/v1"
_NONCE = bytes(12)
KEY_LEN = 32


class SealError(Exception):
    """A sealed envelope did not open: wrong recipient, tampered, or replayed elsewhere."""


def _raw(pub: X25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key(shared: bytes, eph: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=eph + recipient, info=INFO).derive(shared)


def associated_data(session: bytes, sender: str, recipient: str) -> bytes:
    out = bytearray(b"abci-mpc/engine/direct")
    for part in (session, sender.encode(), recipient.encode()):
        out += len(part).to_bytes(4, "big") + part
    return bytes(out)


def seal(recipient_key: bytes, plaintext: bytes, ad: bytes) -> tuple[bytes, bytes]:
    """(ephemeral public key, ciphertext) for the holder of `recipient_key`."""
    eph = X25519PrivateKey.generate()
    eph_pub = _raw(eph.public_key())
    try:
        shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    except ValueError:
        raise SealError("recipient key is not a usable X25519 public key") from None
    return eph_pub, ChaCha20Poly1305(_key(shared, eph_pub, recipient_key)).encrypt(_NONCE, plaintext, ad)


def open_sealed(private: X25519PrivateKey, ephemeral: bytes, ciphertext: bytes, ad: bytes) -> bytes:
    if len(ephemeral) != KEY_LEN:
        raise SealError("malformed ephemeral key")
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        key = _key(shared, ephemeral, _raw(private.public_key()))
        return ChaCha20Poly1305(key).decrypt(_NONCE, ciphertext, ad)
    except (ValueError, InvalidTag):
        raise SealError("sealed envelope does not open") from None
