"""The operator secret that unlocks a store, and the files it is read from.

Two kinds, chosen when a store is created and fixed for its life:

* a key file: 32 random bytes, stored as 64 hex digits (optionally followed
  by whitespace) or as exactly 32 raw bytes;
* a passphrase file: the passphrase in UTF-8, one trailing newline ignored,
  stretched with scrypt (parameters live in the store's meta file).

Secret files must not be accessible to group or others (mode ``& 0o077 == 0``),
the way ssh treats private keys: a readable secret is refused, not warned about.
"""

from __future__ import annotations

import enum
import os
import stat
import string

from .errors import SecretFileError
from .files import write_private

KEY_LEN = 32
MIN_PASSPHRASE_LEN = 12
_MAX_SECRET_FILE = 4096
_HEX = frozenset(string.hexdigits.encode())
_WHITESPACE = frozenset(string.whitespace.encode())


class SecretKind(enum.Enum):
    KEY = "key"
    PASSPHRASE = "passphrase"


class StoreSecret:
    """Key material for one store. Its repr never shows the material."""

    __slots__ = ("_kind", "_material", "_source")

    def __init__(self, kind: SecretKind, material: bytes, source: str) -> None:
        # Private: use the from_* constructors, which validate.
        self._kind = kind
        self._material = material
        self._source = source

    @classmethod
    def from_key(cls, key: bytes) -> StoreSecret:
        if not isinstance(key, bytes) or len(key) != KEY_LEN:
            raise SecretFileError(f"a store key must be exactly {KEY_LEN} bytes")
        return cls(SecretKind.KEY, key, "<bytes>")

    @classmethod
    def from_passphrase(cls, passphrase: str | bytes) -> StoreSecret:
        raw = passphrase.encode() if isinstance(passphrase, str) else passphrase
        if not isinstance(raw, bytes) or len(raw) < MIN_PASSPHRASE_LEN:
            raise SecretFileError(f"a passphrase must be at least {MIN_PASSPHRASE_LEN} bytes")
        return cls(SecretKind.PASSPHRASE, raw, "<bytes>")

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str]) -> StoreSecret:
        raw = _read_private_file(path)
        body = raw.strip()
        if len(raw) == KEY_LEN and not all(b in _HEX or b in _WHITESPACE for b in raw):
            key = raw
        elif len(body) == 2 * KEY_LEN and all(b in _HEX for b in body):
            key = bytes.fromhex(body.decode())
        else:
            # Also catches a 32-character hex string: that is a 16-byte key, too short.
            raise SecretFileError(
                f"key file {str(path)!r} must hold {2 * KEY_LEN} hex digits or exactly "
                f"{KEY_LEN} raw bytes (it holds {len(raw)} bytes); make one with "
                "generate_key_file()"
            )
        return cls(SecretKind.KEY, key, str(path))

    @classmethod
    def from_passphrase_file(cls, path: str | os.PathLike[str]) -> StoreSecret:
        raw = _read_private_file(path)
        if raw.endswith(b"\r\n"):
            raw = raw[:-2]
        elif raw.endswith(b"\n"):
            raw = raw[:-1]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretFileError(f"passphrase file {str(path)!r} is not UTF-8 text") from None
        if len(raw) < MIN_PASSPHRASE_LEN:
            raise SecretFileError(
                f"passphrase in {str(path)!r} is shorter than {MIN_PASSPHRASE_LEN} bytes"
            )
        return cls(SecretKind.PASSPHRASE, raw, str(path))

    @property
    def kind(self) -> SecretKind:
        return self._kind

    @property
    def source(self) -> str:
        """Where the secret came from (a path or ``<bytes>``); not secret."""
        return self._source

    def __repr__(self) -> str:
        return f"StoreSecret(kind={self._kind.value}, source={self._source!r}, material=<redacted>)"

    __str__ = __repr__

    def __reduce__(self):  # noqa: ANN204 - refusing is the point
        raise TypeError("StoreSecret cannot be pickled; it must not leave this process")


def generate_key_file(path: str | os.PathLike[str]) -> None:
    """Write a fresh random key as 64 hex digits to a new file with mode 0600.

    Refuses to overwrite: losing a store key loses every share it protects.
    """
    data = os.urandom(KEY_LEN).hex().encode() + b"\n"
    try:
        write_private(path, data)
    except FileExistsError:
        raise SecretFileError(f"key file {str(path)!r} already exists; not overwriting") from None
    except OSError as e:
        raise SecretFileError(f"cannot create key file {str(path)!r}: {e.strerror}") from None


def _read_private_file(path: str | os.PathLike[str]) -> bytes:
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise SecretFileError(f"secret file {name!r} does not exist") from None
    except OSError as e:
        raise SecretFileError(f"cannot open secret file {name!r}: {e.strerror}") from None
    try:
        st = os.fstat(fd)  # fstat, not stat: checks the file actually read
        if not stat.S_ISREG(st.st_mode):
            raise SecretFileError(f"secret file {name!r} is not a regular file")
        if st.st_mode & 0o077:
            raise SecretFileError(
                f"secret file {name!r} is accessible by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {name}"
            )
        if st.st_size > _MAX_SECRET_FILE:
            raise SecretFileError(f"secret file {name!r} is too large to be a secret")
        with os.fdopen(os.dup(fd), "rb") as f:
            raw = f.read(_MAX_SECRET_FILE + 1)
    finally:
        os.close(fd)
    if not raw:
        raise SecretFileError(f"secret file {name!r} is empty")
    return raw

