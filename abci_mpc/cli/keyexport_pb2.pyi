from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class KeyExport(_message.Message):
    __slots__ = ("version", "key_id", "format", "pubkey", "party", "threshold", "parties", "secret_kind", "salt", "scrypt_log2_n", "scrypt_r", "scrypt_p", "nonce", "ciphertext")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    SECRET_KIND_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    SCRYPT_LOG2_N_FIELD_NUMBER: _ClassVar[int]
    SCRYPT_R_FIELD_NUMBER: _ClassVar[int]
    SCRYPT_P_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    version: int
    key_id: str
    format: str
    pubkey: bytes
    party: str
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    secret_kind: str
    salt: bytes
    scrypt_log2_n: int
    scrypt_r: int
    scrypt_p: int
    nonce: bytes
    ciphertext: bytes
    def __init__(self, version: _Optional[int] = ..., key_id: _Optional[str] = ..., format: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., party: _Optional[str] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., secret_kind: _Optional[str] = ..., salt: _Optional[bytes] = ..., scrypt_log2_n: _Optional[int] = ..., scrypt_r: _Optional[int] = ..., scrypt_p: _Optional[int] = ..., nonce: _Optional[bytes] = ..., ciphertext: _Optional[bytes] = ...) -> None: ...
