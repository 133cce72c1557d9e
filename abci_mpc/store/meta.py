"""The store's meta file: KDF parameters and the check value for the secret.

It lives beside the LevelDB directory rather than only inside it because
LevelDB cannot be opened read-only: merely opening it rewrites its log and
MANIFEST. Checking the secret against this small file first is what lets a
wrong secret fail while every byte on disk stays as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from google.protobuf.message import DecodeError

from . import records_pb2 as pb
from .errors import InvalidArgumentError, StoreFormatError, WrongSecretError
from .files import fsync_dir
from .sealing import (
    CHECK,
    DEFAULT_SCRYPT_LOG2_N,
    MAX_SCRYPT_LOG2_N,
    MIN_SCRYPT_LOG2_N,
    SCRYPT_P,
    SCRYPT_R,
    SealError,
    Sealer,
    derive_root,
)
from .secret import SecretKind, StoreSecret

FORMAT_VERSION = 1
META_FILE = "store.meta"
_CHECK_PLAINTEXT = b"abci-mpc key store check value v1"
_KINDS = {SecretKind.KEY: pb.SECRET_KIND_KEY, SecretKind.PASSPHRASE: pb.SECRET_KIND_PASSPHRASE}


def new_meta(
    secret: StoreSecret, scrypt_log2_n: int = DEFAULT_SCRYPT_LOG2_N
) -> tuple[bytes, Sealer]:
    """A fresh meta record for a new store, and the sealer it unlocks."""
    if not MIN_SCRYPT_LOG2_N <= scrypt_log2_n <= MAX_SCRYPT_LOG2_N:
        raise InvalidArgumentError(
            f"scrypt_log2_n must be in [{MIN_SCRYPT_LOG2_N}, {MAX_SCRYPT_LOG2_N}]"
        )
    meta = pb.StoreMeta(
        format_version=FORMAT_VERSION, store_id=os.urandom(16), secret_kind=_KINDS[secret.kind]
    )
    if secret.kind is SecretKind.PASSPHRASE:
        meta.scrypt.CopyFrom(
            pb.ScryptParams(salt=os.urandom(16), log2_n=scrypt_log2_n, r=SCRYPT_R, p=SCRYPT_P)
        )
    sealer = _sealer(secret, meta)
    meta.check = sealer.seal(CHECK, _CHECK_PLAINTEXT, meta.store_id)
    return meta.SerializeToString(deterministic=True), sealer


def unlock(raw_meta: bytes, secret: StoreSecret) -> Sealer:
    """The sealer for a store, or WrongSecretError. Pure: reads and writes nothing."""
    meta = pb.StoreMeta()
    try:
        meta.ParseFromString(raw_meta)
    except DecodeError:
        raise StoreFormatError("store meta file does not parse") from None
    if meta.format_version != FORMAT_VERSION:
        raise StoreFormatError(f"unknown store format version {meta.format_version}")
    if len(meta.store_id) != 16 or not meta.check:
        raise StoreFormatError("store meta file is incomplete")
    if meta.secret_kind != _KINDS[secret.kind]:
        made_with = {pb.SECRET_KIND_KEY: "a key file", pb.SECRET_KIND_PASSPHRASE: "a passphrase"}
        kind = made_with.get(meta.secret_kind, "an unknown kind of secret")
        raise WrongSecretError(
            f"this store was created with {kind}, but a {secret.kind.value} secret was given"
        )
    try:
        sealer = _sealer(secret, meta)
    except ValueError:
        raise StoreFormatError("store meta file has out-of-range scrypt parameters") from None
    try:
        ok = sealer.open(CHECK, meta.check, meta.store_id) == _CHECK_PLAINTEXT
    except SealError:
        ok = False
    if not ok:
        raise WrongSecretError(
            f"the {secret.kind.value} from {secret.source} does not open this store"
        )
    return sealer


def _sealer(secret: StoreSecret, meta: pb.StoreMeta) -> Sealer:
    s = meta.scrypt
    return Sealer(derive_root(secret, s.salt, s.log2_n, s.r, s.p), meta.store_id)


def write_meta_file(directory: Path, raw: bytes) -> None:
    """Atomically: temp file, fsync, rename, fsync the directory."""
    tmp = directory / (META_FILE + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, directory / META_FILE)
    fsync_dir(directory)
