"""A party's identity keys in a file (IdentityFile protobuf, mode 0600), for procnode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from google.protobuf.message import DecodeError

from ..store.files import write_private
from ..tss.identity import Ed25519Signer
from .api import LocalIdentity
from .procnode_pb2 import IdentityFile


class IdentityFileError(Exception):
    pass


def write_identity(path: str | os.PathLike, identity: LocalIdentity) -> None:
    enc = identity.enc_private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
    data = IdentityFile(party=identity.party, sign_seed=identity.signer.seed(), enc_private=enc).SerializeToString()
    write_private(path, data)


def read_identity(path: str | os.PathLike) -> LocalIdentity:
    p = Path(path)
    try:
        if p.stat().st_mode & 0o077:
            raise IdentityFileError(f"{p} is readable by others; chmod 600 {p}")
        if not stat.S_ISREG(p.stat().st_mode):
            raise IdentityFileError(f"{p} is not a regular file")
        raw = p.read_bytes()
    except OSError as exc:
        raise IdentityFileError(f"cannot read {p}: {exc.strerror}") from None
    msg = IdentityFile()
    try:
        msg.ParseFromString(raw)
        return LocalIdentity(msg.party, Ed25519Signer.from_seed(msg.sign_seed),
                             X25519PrivateKey.from_private_bytes(msg.enc_private))
    except (DecodeError, ValueError):
        raise IdentityFileError(f"{p} is not an identity file") from None
