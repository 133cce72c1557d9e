"""Encryption at rest: key derivation and AEAD sealing of stored secrets.

root key  = the 32-byte key file, or scrypt(passphrase, salt, n, r, p)
purpose k = HKDF-SHA256(root, salt=store_id, info="abci-mpc/store/v1/" + purpose)
sealed    = 0x01 || nonce(12, random) || AES-256-GCM(k, nonce, plaintext, ad)
ad        = encode_ad(purpose, key_id, key_session_id[, presig_id])

The associated data binds a ciphertext to the place it is stored, so moving
ciphertext between records, keys or purposes makes it fail to open.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .secret import SecretKind, StoreSecret

SEAL_VERSION = 1
NONCE_LEN = 12
_TAG_LEN = 16
_INFO_PREFIX = b"abci-mpc/store/v1/"

# Purposes: each gets its own HKDF key and is the first AD field.
CHECK = b"check"
KEY_DATA = b"key-data"
PRESIG = b"presig"
PURPOSES = (CHECK, KEY_DATA, PRESIG)

# scrypt bounds: below the floor is too weak; above the ceiling a tampered meta
# file could make opening allocate gigabytes.
MIN_SCRYPT_LOG2_N = 15
MAX_SCRYPT_LOG2_N = 22
DEFAULT_SCRYPT_LOG2_N = 17
SCRYPT_R = 8
SCRYPT_P = 1


class SealError(Exception):
    """A sealed value failed to open: wrong key, tampered, or moved."""


def encode_ad(*fields: bytes) -> bytes:
    """Injective encoding of a tuple of byte strings: 4-byte big-endian length before each."""
    return b"".join(struct.pack(">I", len(f)) + f for f in fields)


def decode_ad(ad: bytes) -> tuple[bytes, ...]:
    """Inverse of ``encode_ad``; exists so tests can prove injectivity by round trip."""
    out, i = [], 0
    while i < len(ad):
        if i + 4 > len(ad):
            raise ValueError("truncated length")
        (n,) = struct.unpack_from(">I", ad, i)
        i += 4
        if i + n > len(ad):
            raise ValueError("truncated field")
        out.append(ad[i : i + n])
        i += n
    return tuple(out)


def derive_root(secret: StoreSecret, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    material = secret._material  # the one place that reads it
    if secret.kind is SecretKind.KEY:
        return material
    if not MIN_SCRYPT_LOG2_N <= log2_n <= MAX_SCRYPT_LOG2_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ValueError("scrypt parameters out of range")
    return Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p).derive(material)


class Sealer:
    """AEAD with one derived key per purpose. Holds keys, so its repr hides them."""

    __slots__ = ("_aeads",)

    def __init__(self, root: bytes, store_id: bytes) -> None:
        self._aeads = {
            purpose: AESGCM(
                HKDF(
                    algorithm=hashes.SHA256(), length=32, salt=store_id, info=_INFO_PREFIX + purpose
                ).derive(root)
            )
            for purpose in PURPOSES
        }

    def seal(self, purpose: bytes, plaintext: bytes, *ad_fields: bytes) -> bytes:
        nonce = os.urandom(NONCE_LEN)
        ad = encode_ad(purpose, *ad_fields)
        return bytes([SEAL_VERSION]) + nonce + self._aeads[purpose].encrypt(nonce, plaintext, ad)

    def open(self, purpose: bytes, sealed: bytes, *ad_fields: bytes) -> bytes:
        if len(sealed) < 1 + NONCE_LEN + _TAG_LEN or sealed[0] != SEAL_VERSION:
            raise SealError("malformed sealed value")
        nonce, ct = sealed[1 : 1 + NONCE_LEN], sealed[1 + NONCE_LEN :]
        try:
            return self._aeads[purpose].decrypt(nonce, ct, encode_ad(purpose, *ad_fields))
        except InvalidTag:
            raise SealError("authentication failed") from None

    def __repr__(self) -> str:
        return "Sealer(<redacted>)"

    def __reduce__(self):  # noqa: ANN204
        raise TypeError("Sealer holds keys and cannot be pickled")
