from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tx(_message.Message):
    __slots__ = ("nonce", "body", "sender", "signature")
    NONCE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    nonce: int
    body: bytes
    sender: bytes
    signature: bytes
    def __init__(self, nonce: _Optional[int] = ..., body: _Optional[bytes] = ..., sender: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Msg(_message.Message):
    __slots__ = ("keygen_request", "sign_request", "reshare_request", "refresh_request", "delete_request", "keygen_result", "sign_result", "reshare_result", "refresh_result", "delete_ack", "session_failure")
    KEYGEN_REQUEST_FIELD_NUMBER: _ClassVar[int]
    SIGN_REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESHARE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    REFRESH_REQUEST_FIELD_NUMBER: _ClassVar[int]
    DELETE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    KEYGEN_RESULT_FIELD_NUMBER: _ClassVar[int]
    SIGN_RESULT_FIELD_NUMBER: _ClassVar[int]
    RESHARE_RESULT_FIELD_NUMBER: _ClassVar[int]
    REFRESH_RESULT_FIELD_NUMBER: _ClassVar[int]
    DELETE_ACK_FIELD_NUMBER: _ClassVar[int]
    SESSION_FAILURE_FIELD_NUMBER: _ClassVar[int]
    keygen_request: KeyGenRequest
    sign_request: SignRequest
    reshare_request: ReshareRequest
    refresh_request: RefreshRequest
    delete_request: DeleteRequest
    keygen_result: KeyGenResult
    sign_result: SignResult
    reshare_result: ReshareResult
    refresh_result: RefreshResult
    delete_ack: DeleteAck
    session_failure: SessionFailure
    def __init__(self, keygen_request: _Optional[_Union[KeyGenRequest, _Mapping]] = ..., sign_request: _Optional[_Union[SignRequest, _Mapping]] = ..., reshare_request: _Optional[_Union[ReshareRequest, _Mapping]] = ..., refresh_request: _Optional[_Union[RefreshRequest, _Mapping]] = ..., delete_request: _Optional[_Union[DeleteRequest, _Mapping]] = ..., keygen_result: _Optional[_Union[KeyGenResult, _Mapping]] = ..., sign_result: _Optional[_Union[SignResult, _Mapping]] = ..., reshare_result: _Optional[_Union[ReshareResult, _Mapping]] = ..., refresh_result: _Optional[_Union[RefreshResult, _Mapping]] = ..., delete_ack: _Optional[_Union[DeleteAck, _Mapping]] = ..., session_failure: _Optional[_Union[SessionFailure, _Mapping]] = ...) -> None: ...

class KeyGenRequest(_message.Message):
    __slots__ = ("key_id", "threshold", "parties")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PARTIES_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    threshold: int
    parties: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., threshold: _Optional[int] = ..., parties: _Optional[_Iterable[str]] = ...) -> None: ...

class SignRequest(_message.Message):
    __slots__ = ("key_id", "sign_id", "digest")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    sign_id: str
    digest: bytes
    def __init__(self, key_id: _Optional[str] = ..., sign_id: _Optional[str] = ..., digest: _Optional[bytes] = ...) -> None: ...

class ReshareRequest(_message.Message):
    __slots__ = ("key_id", "new_threshold", "new_parties")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    NEW_PARTIES_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    new_threshold: int
    new_parties: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, key_id: _Optional[str] = ..., new_threshold: _Optional[int] = ..., new_parties: _Optional[_Iterable[str]] = ...) -> None: ...

class RefreshRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class DeleteRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class KeyGenResult(_message.Message):
    __slots__ = ("session_id", "key_id", "pubkey")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    pubkey: bytes
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ..., pubkey: _Optional[bytes] = ...) -> None: ...

class SignResult(_message.Message):
    __slots__ = ("session_id", "key_id", "sign_id", "r", "s", "v")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    V_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    sign_id: str
    r: bytes
    s: bytes
    v: int
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ..., sign_id: _Optional[str] = ..., r: _Optional[bytes] = ..., s: _Optional[bytes] = ..., v: _Optional[int] = ...) -> None: ...

class ReshareResult(_message.Message):
    __slots__ = ("session_id", "key_id", "pubkey", "member")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    pubkey: bytes
    member: bool
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., member: _Optional[bool] = ...) -> None: ...

class RefreshResult(_message.Message):
    __slots__ = ("session_id", "key_id", "pubkey", "member")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    pubkey: bytes
    member: bool
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., member: _Optional[bool] = ...) -> None: ...

class DeleteAck(_message.Message):
    __slots__ = ("session_id", "key_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ...) -> None: ...

class Blame(_message.Message):
    __slots__ = ("accused", "reason", "round", "detail", "evidence", "reporter")
    ACCUSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    accused: str
    reason: str
    round: int
    detail: str
    evidence: _containers.RepeatedScalarFieldContainer[bytes]
    reporter: str
    def __init__(self, accused: _Optional[str] = ..., reason: _Optional[str] = ..., round: _Optional[int] = ..., detail: _Optional[str] = ..., evidence: _Optional[_Iterable[bytes]] = ..., reporter: _Optional[str] = ...) -> None: ...

class SessionFailure(_message.Message):
    __slots__ = ("session_id", "key_id", "blames", "reason")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    BLAMES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    session_id: bytes
    key_id: str
    blames: _containers.RepeatedCompositeFieldContainer[Blame]
    reason: str
    def __init__(self, session_id: _Optional[bytes] = ..., key_id: _Optional[str] = ..., blames: _Optional[_Iterable[_Union[Blame, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...
