"""Store layer: this node's key shares and presignatures, encrypted in LevelDB.

Entry points: ``KeyStore.create`` / ``KeyStore.open`` with a ``StoreSecret``
(from ``StoreSecret.from_key_file`` or ``from_passphrase_file``; make a key
file with ``generate_key_file``). Layout and guarantees: docs/storage.md.
"""

from .errors import (
    CorruptRecordError,
    DuplicatePresignatureError,
    InvalidArgumentError,
    InvalidKeyIdError,
    KeyDeletedError,
    KeyExistsError,
    KeyNotFoundError,
    KeyPendingError,
    KeyStateError,
    PresignatureUsedError,
    PubkeyMismatchError,
    SecretFileError,
    SessionStateError,
    StaleKeySessionError,
    StoreClosedError,
    StoreError,
    StoreExistsError,
    StoreFormatError,
    StoreLockedError,
    StoreNotFoundError,
    WrongSecretError,
)
from .keystore import KeyStore
from .layout import check_key_id
from .model import Existing, KeyRecord, Origin, Presignature, Status, Tombstone
from .secret import SecretKind, StoreSecret, generate_key_file

__all__ = [
    "CorruptRecordError",
    "DuplicatePresignatureError",
    "Existing",
    "InvalidArgumentError",
    "InvalidKeyIdError",
    "KeyDeletedError",
    "KeyExistsError",
    "KeyNotFoundError",
    "KeyPendingError",
    "KeyRecord",
    "KeyStateError",
    "KeyStore",
    "Origin",
    "Presignature",
    "PresignatureUsedError",
    "PubkeyMismatchError",
    "SecretFileError",
    "SecretKind",
    "SessionStateError",
    "StaleKeySessionError",
    "Status",
    "StoreClosedError",
    "StoreError",
    "StoreExistsError",
    "StoreFormatError",
    "StoreLockedError",
    "StoreNotFoundError",
    "StoreSecret",
    "Tombstone",
    "WrongSecretError",
    "check_key_id",
    "generate_key_file",
]
