"""Typed errors of the store layer.

Messages name keys, sessions and files, never secret material: they are
meant to be logged and shown to operators as they are.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


# -- secrets and opening ------------------------------------------------------


class SecretFileError(StoreError):
    """A key or passphrase file is missing, unreadable, malformed or too open."""


class WrongSecretError(StoreError):
    """The secret does not open this store. Nothing was written."""


class StoreNotFoundError(StoreError):
    """No store at the path (``KeyStore.open`` never creates one)."""


class StoreExistsError(StoreError):
    """``KeyStore.create`` was pointed at an existing store or a non-empty directory."""


class StoreLockedError(StoreError):
    """Another process (or another handle in this one) has the store open."""


class StoreFormatError(StoreError):
    """The store's meta file or layout is damaged or from an unknown version."""


class StoreClosedError(StoreError):
    """The store handle was used after ``close()``."""


# -- arguments -----------------------------------------------------------------


class InvalidArgumentError(StoreError, ValueError):
    """An argument is malformed (wrong type, length or character set)."""


class InvalidKeyIdError(InvalidArgumentError):
    """A key id is not 1..128 characters of ``[A-Za-z0-9._:-]``."""


# -- key life cycle ------------------------------------------------------------


class KeyStateError(StoreError):
    """The operation does not fit the key's current records."""

    def __init__(self, key_id: str, message: str) -> None:
        super().__init__(f"key {key_id!r}: {message}")
        self.key_id = key_id


class KeyPendingError(KeyStateError):
    """A protocol for this key id is already running (a PENDING record exists)."""

    def __init__(self, key_id: str, key_session_id: bytes) -> None:
        super().__init__(key_id, f"session {key_session_id.hex()} is still PENDING")
        self.key_session_id = key_session_id


class KeyDeletedError(KeyStateError):
    """The key id was deleted; key ids are never reused."""

    def __init__(self, key_id: str) -> None:
        super().__init__(key_id, "was deleted; key ids are never reused")


class KeyNotFoundError(KeyStateError):
    """No such key id, key session, or no READY record where one is needed."""


class KeyExistsError(KeyStateError):
    """The key's public key is known here, so a fresh keygen would make a second key pair."""


class SessionStateError(KeyStateError):
    """The key session is not in a state that allows this transition."""


class PubkeyMismatchError(KeyStateError):
    """A reshare/refresh result carries a different public key than the key it replaces."""


class StaleKeySessionError(KeyStateError):
    """The key session is not (or no longer) the key's READY session."""


# -- presignatures -------------------------------------------------------------


class PresignatureUsedError(KeyStateError):
    """This presignature id was already taken once; it can never be used again."""


class DuplicatePresignatureError(KeyStateError):
    """This presignature id is already stored (or repeated within one call)."""


# -- damaged data --------------------------------------------------------------


class CorruptRecordError(StoreError):
    """A stored value fails to parse, validate or authenticate."""

    def __init__(self, key_id: str, what: str) -> None:
        super().__init__(f"key {key_id!r}: corrupt {what}")
        self.key_id = key_id
