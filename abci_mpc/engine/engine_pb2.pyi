from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Frame(_message.Message):
    __slots__ = ("version", "session", "prepare", "ready", "start", "tss", "abort", "pool_start", "confirm")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    PREPARE_FIELD_NUMBER: _ClassVar[int]
    READY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    TSS_FIELD_NUMBER: _ClassVar[int]
    ABORT_FIELD_NUMBER: _ClassVar[int]
    POOL_START_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    version: int
    session: bytes
    prepare: Request
    ready: Ready
    start: Start
    tss: Tss
    abort: Abort
    pool_start: PoolStart
    confirm: Confirm
    def __init__(self, version: _Optional[int] = ..., session: _Optional[bytes] = ..., prepare: _Optional[_Union[Request, _Mapping]] = ..., ready: _Optional[_Union[Ready, _Mapping]] = ..., start: _Optional[_Union[Start, _Mapping]] = ..., tss: _Optional[_Union[Tss, _Mapping]] = ..., abort: _Optional[_Union[Abort, _Mapping]] = ..., pool_start: _Optional[_Union[PoolStart, _Mapping]] = ..., confirm: _Optional[_Union[Confirm, _Mapping]] = ...) -> None: ...

class KeygenRequest(_message.Message):
    __slots__ = ("request_id", "key_id", "threshold", "parties", "timeout")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    key_id: str
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    timeout: float
    def __init__(self, request_id: _Optional[str] = ..., key_id: _Optional[str] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., timeout: _Optional[float] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("request_id", "key_id", "sign_id", "digest", "timeout")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    key_id: str
    sign_id: str
    digest: bytes
    timeout: float
    def __init__(self, request_id: _Optional[str] = ..., key_id: _Optional[str] = ..., sign_id: _Optional[str] = ..., digest: _Optional[bytes] = ..., timeout: _Optional[float] = ...) -> None: ...

class ReshareRequest(_message.Message):
    __slots__ = ("request_id", "key_id", "new_threshold", "new_parties", "timeout")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    NEW_PARTIES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    key_id: str
    new_threshold: int
    new_parties: _containers.RepeatedScalarFieldContainer[str]
    timeout: float
    def __init__(self, request_id: _Optional[str] = ..., key_id: _Optional[str] = ..., new_threshold: _Optional[int] = ..., new_parties: _Optional[_Iterable[str]] = ..., timeout: _Optional[float] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("request_id", "key_id", "timeout")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    key_id: str
    timeout: float
    def __init__(self, request_id: _Optional[str] = ..., key_id: _Optional[str] = ..., timeout: _Optional[float] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("request_id", "key_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    key_id: str
    def __init__(self, request_id: _Optional[str] = ..., key_id: _Optional[str] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("keygen", "sign", "reshare", "refresh", "delete")
    KEYGEN_FIELD_NUMBER: _ClassVar[int]
    SIGN_FIELD_NUMBER: _ClassVar[int]
    RESHARE_FIELD_NUMBER: _ClassVar[int]
    REFRESH_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    keygen: KeygenRequest
    sign: SignRequest
    reshare: ReshareRequest
    refresh: RefreshRequest
    delete: DeleteRequest
    def __init__(self, keygen: _Optional[_Union[KeygenRequest, _Mapping]] = ..., sign: _Optional[_Union[SignRequest, _Mapping]] = ..., reshare: _Optional[_Union[ReshareRequest, _Mapping]] = ..., refresh: _Optional[_Union[RefreshRequest, _Mapping]] = ..., delete: _Optional[_Union[DeleteRequest, _Mapping]] = ...) -> None: ...

class Ready(_message.Message):
    __slots__ = ("refusal", "key_session", "aux_ids", "presig_ids", "pubkey", "old_key")
    REFUSAL_FIELD_NUMBER: _ClassVar[int]
    KEY_SESSION_FIELD_NUMBER: _ClassVar[int]
    AUX_IDS_FIELD_NUMBER: _ClassVar[int]
    PRESIG_IDS_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    OLD_KEY_FIELD_NUMBER: _ClassVar[int]
    refusal: str
    key_session: bytes
    aux_ids: _containers.RepeatedScalarFieldContainer[bytes]
    presig_ids: _containers.RepeatedScalarFieldContainer[bytes]
    pubkey: bytes
    old_key: OldKey
    def __init__(self, refusal: _Optional[str] = ..., key_session: _Optional[bytes] = ..., aux_ids: _Optional[_Iterable[bytes]] = ..., presig_ids: _Optional[_Iterable[bytes]] = ..., pubkey: _Optional[bytes] = ..., old_key: _Optional[_Union[OldKey, _Mapping]] = ...) -> None: ...

class OldKey(_message.Message):
    __slots__ = ("public_key", "threshold", "parties", "share_ids", "public_shares")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    SHARE_IDS_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_SHARES_FIELD_NUMBER: _ClassVar[int]
    public_key: bytes
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    share_ids: _containers.RepeatedScalarFieldContainer[int]
    public_shares: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, public_key: _Optional[bytes] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., share_ids: _Optional[_Iterable[int]] = ..., public_shares: _Optional[_Iterable[bytes]] = ...) -> None: ...

class Start(_message.Message):
    __slots__ = ("signers", "presig_id", "key_session", "old_key")
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    PRESIG_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_SESSION_FIELD_NUMBER: _ClassVar[int]
    OLD_KEY_FIELD_NUMBER: _ClassVar[int]
    signers: _containers.RepeatedScalarFieldContainer[str]
    presig_id: bytes
    key_session: bytes
    old_key: OldKey
    def __init__(self, signers: _Optional[_Iterable[str]] = ..., presig_id: _Optional[bytes] = ..., key_session: _Optional[bytes] = ..., old_key: _Optional[_Union[OldKey, _Mapping]] = ...) -> None: ...

class Confirm(_message.Message):
    __slots__ = ("pubkey",)
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    pubkey: bytes
    def __init__(self, pubkey: _Optional[bytes] = ...) -> None: ...

class Sealed(_message.Message):
    __slots__ = ("ephemeral", "ciphertext")
    EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
    CIPHERTEXT_FIELD_NUMBER: _ClassVar[int]
    ephemeral: bytes
    ciphertext: bytes
    def __init__(self, ephemeral: _Optional[bytes] = ..., ciphertext: _Optional[bytes] = ...) -> None: ...

class Tss(_message.Message):
    __slots__ = ("envelope", "sealed")
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    SEALED_FIELD_NUMBER: _ClassVar[int]
    envelope: bytes
    sealed: Sealed
    def __init__(self, envelope: _Optional[bytes] = ..., sealed: _Optional[_Union[Sealed, _Mapping]] = ...) -> None: ...

class Abort(_message.Message):
    __slots__ = ("reason", "accused", "blame_reason", "round", "detail", "protocol")
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACCUSED_FIELD_NUMBER: _ClassVar[int]
    BLAME_REASON_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    reason: str
    accused: str
    blame_reason: str
    round: int
    detail: str
    protocol: str
    def __init__(self, reason: _Optional[str] = ..., accused: _Optional[str] = ..., blame_reason: _Optional[str] = ..., round: _Optional[int] = ..., detail: _Optional[str] = ..., protocol: _Optional[str] = ...) -> None: ...

class PoolStart(_message.Message):
    __slots__ = ("key_id", "key_session", "signers")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_SESSION_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_session: bytes
    signers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., key_session: _Optional[bytes] = ..., signers: _Optional[_Iterable[str]] = ...) -> None: ...
