from abci_mpc.chain import tx_pb2 as _tx_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KeyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KEY_STATUS_UNSPECIFIED: _ClassVar[KeyStatus]
    KEY_PENDING: _ClassVar[KeyStatus]
    KEY_READY: _ClassVar[KeyStatus]
    KEY_ERROR: _ClassVar[KeyStatus]
    KEY_DELETED: _ClassVar[KeyStatus]

class SessionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_KIND_UNSPECIFIED: _ClassVar[SessionKind]
    KEYGEN: _ClassVar[SessionKind]
    SIGN: _ClassVar[SessionKind]
    RESHARE: _ClassVar[SessionKind]
    REFRESH: _ClassVar[SessionKind]
    DELETE: _ClassVar[SessionKind]

class SessionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATUS_UNSPECIFIED: _ClassVar[SessionStatus]
    ACTIVE: _ClassVar[SessionStatus]
    DONE: _ClassVar[SessionStatus]
    FAILED: _ClassVar[SessionStatus]
KEY_STATUS_UNSPECIFIED: KeyStatus
KEY_PENDING: KeyStatus
KEY_READY: KeyStatus
KEY_ERROR: KeyStatus
KEY_DELETED: KeyStatus
SESSION_KIND_UNSPECIFIED: SessionKind
KEYGEN: SessionKind
SIGN: SessionKind
RESHARE: SessionKind
REFRESH: SessionKind
DELETE: SessionKind
SESSION_STATUS_UNSPECIFIED: SessionStatus
ACTIVE: SessionStatus
DONE: SessionStatus
FAILED: SessionStatus

class KeyRecord(_message.Message):
    __slots__ = ("key_id", "status", "threshold", "parties", "pubkey", "keygen_session", "busy_session", "created_height", "updated_height", "generation", "requester", "error", "deleted_height", "delete_session", "delete_requester")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    KEYGEN_SESSION_FIELD_NUMBER: _ClassVar[int]
    BUSY_SESSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DELETED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DELETE_SESSION_FIELD_NUMBER: _ClassVar[int]
    DELETE_REQUESTER_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    status: KeyStatus
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    pubkey: bytes
    keygen_session: bytes
    busy_session: bytes
    created_height: int
    updated_height: int
    generation: int
    requester: str
    error: str
    deleted_height: int
    delete_session: bytes
    delete_requester: str
    def __init__(self, key_id: _Optional[str] = ..., status: _Optional[_Union[KeyStatus, str]] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., pubkey: _Optional[bytes] = ..., keygen_session: _Optional[bytes] = ..., busy_session: _Optional[bytes] = ..., created_height: _Optional[int] = ..., updated_height: _Optional[int] = ..., generation: _Optional[int] = ..., requester: _Optional[str] = ..., error: _Optional[str] = ..., deleted_height: _Optional[int] = ..., delete_session: _Optional[bytes] = ..., delete_requester: _Optional[str] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("party", "pubkey", "member", "height")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    party: str
    pubkey: bytes
    member: bool
    height: int
    def __init__(self, party: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., member: _Optional[bool] = ..., height: _Optional[int] = ...) -> None: ...

class FailureReport(_message.Message):
    __slots__ = ("party", "reason", "blames", "height")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BLAMES_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    party: str
    reason: str
    blames: _containers.RepeatedCompositeFieldContainer[_tx_pb2.Blame]
    height: int
    def __init__(self, party: _Optional[str] = ..., reason: _Optional[str] = ..., blames: _Optional[_Iterable[_Union[_tx_pb2.Blame, _Mapping]]] = ..., height: _Optional[int] = ...) -> None: ...

class SessionRecord(_message.Message):
    __slots__ = ("session_id", "kind", "key_id", "request_id", "requester", "start_height", "deadline_height", "status", "end_height", "threshold", "parties", "sign_id", "digest", "members", "required", "reports", "failures", "error", "missing")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    START_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    END_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REPORTS_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    kind: SessionKind
    key_id: str
    request_id: str
    requester: str
    start_height: int
    deadline_height: int
    status: SessionStatus
    end_height: int
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    sign_id: str
    digest: bytes
    members: _containers.RepeatedScalarFieldContainer[str]
    required: _containers.RepeatedScalarFieldContainer[str]
    reports: _containers.RepeatedCompositeFieldContainer[Report]
    failures: _containers.RepeatedCompositeFieldContainer[FailureReport]
    error: str
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, session_id: _Optional[bytes] = ..., kind: _Optional[_Union[SessionKind, str]] = ..., key_id: _Optional[str] = ..., request_id: _Optional[str] = ..., requester: _Optional[str] = ..., start_height: _Optional[int] = ..., deadline_height: _Optional[int] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., end_height: _Optional[int] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ..., sign_id: _Optional[str] = ..., digest: _Optional[bytes] = ..., members: _Optional[_Iterable[str]] = ..., required: _Optional[_Iterable[str]] = ..., reports: _Optional[_Iterable[_Union[Report, _Mapping]]] = ..., failures: _Optional[_Iterable[_Union[FailureReport, _Mapping]]] = ..., error: _Optional[str] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class SignatureRecord(_message.Message):
    __slots__ = ("key_id", "sign_id", "digest", "session_id", "status", "r", "s", "v", "submitted_by", "request_height", "height")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    V_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    REQUEST_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    sign_id: str
    digest: bytes
    session_id: bytes
    status: SessionStatus
    r: bytes
    s: bytes
    v: int
    submitted_by: str
    request_height: int
    height: int
    def __init__(self, key_id: _Optional[str] = ..., sign_id: _Optional[str] = ..., digest: _Optional[bytes] = ..., session_id: _Optional[bytes] = ..., status: _Optional[_Union[SessionStatus, str]] = ..., r: _Optional[bytes] = ..., s: _Optional[bytes] = ..., v: _Optional[int] = ..., submitted_by: _Optional[str] = ..., request_height: _Optional[int] = ..., height: _Optional[int] = ...) -> None: ...
