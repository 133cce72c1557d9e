from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Status(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATUS_UNSPECIFIED: _ClassVar[Status]
    STATUS_PENDING: _ClassVar[Status]
    STATUS_READY: _ClassVar[Status]
    STATUS_ERROR: _ClassVar[Status]
    STATUS_RETIRED: _ClassVar[Status]

class Origin(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORIGIN_UNSPECIFIED: _ClassVar[Origin]
    ORIGIN_KEYGEN: _ClassVar[Origin]
    ORIGIN_RESHARE: _ClassVar[Origin]
    ORIGIN_REFRESH: _ClassVar[Origin]
    ORIGIN_IMPORT: _ClassVar[Origin]

class SecretKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECRET_KIND_UNSPECIFIED: _ClassVar[SecretKind]
    SECRET_KIND_KEY: _ClassVar[SecretKind]
    SECRET_KIND_PASSPHRASE: _ClassVar[SecretKind]
STATUS_UNSPECIFIED: Status
STATUS_PENDING: Status
STATUS_READY: Status
STATUS_ERROR: Status
STATUS_RETIRED: Status
ORIGIN_UNSPECIFIED: Origin
ORIGIN_KEYGEN: Origin
ORIGIN_RESHARE: Origin
ORIGIN_REFRESH: Origin
ORIGIN_IMPORT: Origin
SECRET_KIND_UNSPECIFIED: SecretKind
SECRET_KIND_KEY: SecretKind
SECRET_KIND_PASSPHRASE: SecretKind

class KeyRecord(_message.Message):
    __slots__ = ("key_id", "key_session_id", "seq", "threshold", "parties", "pubkey", "status", "error", "sealed_data", "created_ms", "updated_ms", "origin", "request_id")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SEALED_DATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_MS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_MS_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_session_id: bytes
    seq: int
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    pubkey: bytes
    status: Status
    error: str
    sealed_data: bytes
    created_ms: int
    updated_ms: int
    origin: Origin
    request_id: str
    def __init__(self, key_id: _Optional[str] = ..., key_session_id: _Optional[bytes] = ..., seq: _Optional[int] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., pubkey: _Optional[bytes] = ..., status: _Optional[_Union[Status, str]] = ..., error: _Optional[str] = ..., sealed_data: _Optional[bytes] = ..., created_ms: _Optional[int] = ..., updated_ms: _Optional[int] = ..., origin: _Optional[_Union[Origin, str]] = ..., request_id: _Optional[str] = ...) -> None: ...

class Tombstone(_message.Message):
    __slots__ = ("key_id", "deleted_ms", "request_id", "pubkey")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_MS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    deleted_ms: int
    request_id: str
    pubkey: bytes
    def __init__(self, key_id: _Optional[str] = ..., deleted_ms: _Optional[int] = ..., request_id: _Optional[str] = ..., pubkey: _Optional[bytes] = ...) -> None: ...

class UsedMarker(_message.Message):
    __slots__ = ("used_ms",)
    USED_MS_FIELD_NUMBER: _ClassVar[int]
    used_ms: int
    def __init__(self, used_ms: _Optional[int] = ...) -> None: ...

class ScryptParams(_message.Message):
    __slots__ = ("salt", "log2_n", "r", "p")
    SALT_FIELD_NUMBER: _ClassVar[int]
    LOG2_N_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    P_FIELD_NUMBER: _ClassVar[int]
    salt: bytes
    log2_n: int
    r: int
    p: int
    def __init__(self, salt: _Optional[bytes] = ..., log2_n: _Optional[int] = ..., r: _Optional[int] = ..., p: _Optional[int] = ...) -> None: ...

class StoreMeta(_message.Message):
    __slots__ = ("format_version", "store_id", "secret_kind", "scrypt", "check")
    FORMAT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_KIND_FIELD_NUMBER: _ClassVar[int]
    SCRYPT_FIELD_NUMBER: _ClassVar[int]
    CHECK_FIELD_NUMBER: _ClassVar[int]
    format_version: int
    store_id: bytes
    secret_kind: SecretKind
    scrypt: ScryptParams
    check: bytes
    def __init__(self, format_version: _Optional[int] = ..., store_id: _Optional[bytes] = ..., secret_kind: _Optional[_Union[SecretKind, str]] = ..., scrypt: _Optional[_Union[ScryptParams, _Mapping]] = ..., check: _Optional[bytes] = ...) -> None: ...
