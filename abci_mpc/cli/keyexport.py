"""The encrypted key-share file of `abci-mpc keys export` (and `keys import-tsslib`).

    file   = "abci-mpc key export v1\\n" || KeyExport (keyexport.proto)
    root   = scrypt(passphrase, salt, N=2^17, r=8, p=1)   or the 32 bytes of a key file
    key    = HKDF-SHA256(root, salt=salt, info="abci-mpc/key-export/v1")
    sealed = AES-256-GCM(key, nonce, share, ad = encode_ad(MAGIC, header))

`header` is the KeyExport message with nonce and ciphertext empty, deterministically
encoded, so every clear field (key id, format, public key, party, KDF parameters) is
authenticated: change one and the file no longer opens. The KDF is the key store's
(`abci_mpc.store.sealing.derive_root`), under a different HKDF label.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError

from ..store import SecretKind, StoreSecret
from ..store.sealing import DEFAULT_SCRYPT_LOG2_N, SCRYPT_P, SCRYPT_R, derive_root, encode_ad
from .keyexport_pb2 import KeyExport

MAGIC = b"abci-mpc key export v1\n"
VERSION = 1
FORMATS = ("tsslib", "native")
_INFO = b"abci-mpc/key-export/v1"
_MAX_FILE = 1 << 20


class ExportFileError(Exception):
    """Not a key export file, a damaged one, or the wrong passphrase/key; the message says which."""


@dataclass(frozen=True)
class Exported:
    key_id: str
    format: str
    pubkey: bytes
    party: str
    threshold: int
    parties: tuple[str, ...]
    payload: bytes = field(repr=False)  # the share: secret


def is_export(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(item: Exported, secret: StoreSecret, *, scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N) -> bytes:
    if item.format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    msg = KeyExport(version=VERSION, key_id=item.key_id, format=item.format, pubkey=item.pubkey, party=item.party,
                    threshold=item.threshold, parties=list(item.parties), secret_kind=secret.kind.value,
                    salt=os.urandom(16))
    if secret.kind is SecretKind.PASSPHRASE:
        msg.scrypt_log2_n, msg.scrypt_r, msg.scrypt_p = scrypt_log2_n, SCRYPT_R, SCRYPT_P
    aead, ad = _aead(msg, secret), _ad(msg)
    msg.nonce = os.urandom(12)
    msg.ciphertext = aead.encrypt(msg.nonce, item.payload, ad)
    return MAGIC + msg.SerializeToString(deterministic=True)


def header(data: bytes) -> KeyExport:
    """The clear fields of an export file (no secret needed); ExportFileError if it is not one."""
    if not is_export(data):
        raise ExportFileError("not an abci-mpc key export file")
    if len(data) > _MAX_FILE:
        raise ExportFileError("key export file is too large")
    msg = KeyExport()
    try:
        msg.ParseFromString(data[len(MAGIC):])
    except DecodeError:
        raise ExportFileError("key export file is damaged (does not parse)") from None
    if msg.version != VERSION:
        raise ExportFileError(f"key export file version {msg.version} is not supported")
    if msg.format not in FORMATS or len(msg.nonce) != 12 or len(msg.salt) != 16:
        raise ExportFileError("key export file is damaged (bad header)")
    return msg


def open_export(data: bytes, secret: StoreSecret) -> Exported:
    msg = header(data)
    if msg.secret_kind != secret.kind.value:
        raise ExportFileError(f"this file was encrypted with a {msg.secret_kind} file, "
                              f"but a {secret.kind.value} was given")
    aead = _aead(msg, secret)
    try:
        payload = aead.decrypt(msg.nonce, msg.ciphertext, _ad(msg))
    except InvalidTag:
        raise ExportFileError(f"the {secret.kind.value} does not open this file (or the file was altered)") from None
    return Exported(msg.key_id, msg.format, msg.pubkey, msg.party, msg.threshold, tuple(msg.parties), payload)


def _ad(msg: KeyExport) -> bytes:
    head = KeyExport()
    head.CopyFrom(msg)
    head.nonce, head.ciphertext = b"", b""
    return encode_ad(MAGIC, head.SerializeToString(deterministic=True))


def _aead(msg: KeyExport, secret: StoreSecret) -> AESGCM:
    try:
        root = derive_root(secret, msg.salt, msg.scrypt_log2_n, msg.scrypt_r, msg.scrypt_p)
    except ValueError:
        raise ExportFileError("key export file has out-of-range scrypt parameters") from None
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=msg.salt, info=_INFO).derive(root)
    return AESGCM(key)
