from abci_mpc.engine import engine_pb2 as _engine_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Peer(_message.Message):
    __slots__ = ("party", "sign_key", "enc_key", "host", "port")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    SIGN_KEY_FIELD_NUMBER: _ClassVar[int]
    ENC_KEY_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    party: str
    sign_key: bytes
    enc_key: bytes
    host: str
    port: int
    def __init__(self, party: _Optional[str] = ..., sign_key: _Optional[bytes] = ..., enc_key: _Optional[bytes] = ..., host: _Optional[str] = ..., port: _Optional[int] = ...) -> None: ...

class NodeConfig(_message.Message):
    __slots__ = ("party", "identity_file", "store_path", "secret_file", "peers", "workers", "presig_target", "accept_peer_requests", "ready_grace", "leader_failover", "paillier_stash", "log_level", "limbo_ttl")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FILE_FIELD_NUMBER: _ClassVar[int]
    STORE_PATH_FIELD_NUMBER: _ClassVar[int]
    SECRET_FILE_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    PRESIG_TARGET_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_PEER_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    READY_GRACE_FIELD_NUMBER: _ClassVar[int]
    LEADER_FAILOVER_FIELD_NUMBER: _ClassVar[int]
    PAILLIER_STASH_FIELD_NUMBER: _ClassVar[int]
    LOG_LEVEL_FIELD_NUMBER: _ClassVar[int]
    LIMBO_TTL_FIELD_NUMBER: _ClassVar[int]
    party: str
    identity_file: str
    store_path: str
    secret_file: str
    peers: _containers.RepeatedCompositeFieldContainer[Peer]
    workers: int
    presig_target: int
    accept_peer_requests: bool
    ready_grace: float
    leader_failover: float
    paillier_stash: int
    log_level: str
    limbo_ttl: float
    def __init__(self, party: _Optional[str] = ..., identity_file: _Optional[str] = ..., store_path: _Optional[str] = ..., secret_file: _Optional[str] = ..., peers: _Optional[_Iterable[_Union[Peer, _Mapping]]] = ..., workers: _Optional[int] = ..., presig_target: _Optional[int] = ..., accept_peer_requests: _Optional[bool] = ..., ready_grace: _Optional[float] = ..., leader_failover: _Optional[float] = ..., paillier_stash: _Optional[int] = ..., log_level: _Optional[str] = ..., limbo_ttl: _Optional[float] = ...) -> None: ...

class IdentityFile(_message.Message):
    __slots__ = ("party", "sign_seed", "enc_private")
    PARTY_FIELD_NUMBER: _ClassVar[int]
    SIGN_SEED_FIELD_NUMBER: _ClassVar[int]
    ENC_PRIVATE_FIELD_NUMBER: _ClassVar[int]
    party: str
    sign_seed: bytes
    enc_private: bytes
    def __init__(self, party: _Optional[str] = ..., sign_seed: _Optional[bytes] = ..., enc_private: _Optional[bytes] = ...) -> None: ...

class Submit(_message.Message):
    __slots__ = ("session", "request")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    session: bytes
    request: _engine_pb2.Request
    def __init__(self, session: _Optional[bytes] = ..., request: _Optional[_Union[_engine_pb2.Request, _Mapping]] = ...) -> None: ...

class Control(_message.Message):
    __slots__ = ("submit", "status", "set_presig_target", "stop")
    SUBMIT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SET_PRESIG_TARGET_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    submit: Submit
    status: bool
    set_presig_target: int
    stop: bool
    def __init__(self, submit: _Optional[_Union[Submit, _Mapping]] = ..., status: _Optional[bool] = ..., set_presig_target: _Optional[int] = ..., stop: _Optional[bool] = ...) -> None: ...

class BlameMsg(_message.Message):
    __slots__ = ("accused", "reason", "round", "detail", "reporter")
    ACCUSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    REPORTER_FIELD_NUMBER: _ClassVar[int]
    accused: str
    reason: str
    round: int
    detail: str
    reporter: str
    def __init__(self, accused: _Optional[str] = ..., reason: _Optional[str] = ..., round: _Optional[int] = ..., detail: _Optional[str] = ..., reporter: _Optional[str] = ...) -> None: ...

class ResultMsg(_message.Message):
    __slots__ = ("kind", "session", "key_id", "pubkey", "sign_id", "r", "s", "v", "member", "existing", "protocol", "reason", "blames")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    SIGN_ID_FIELD_NUMBER: _ClassVar[int]
    R_FIELD_NUMBER: _ClassVar[int]
    S_FIELD_NUMBER: _ClassVar[int]
    V_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BLAMES_FIELD_NUMBER: _ClassVar[int]
    kind: str
    session: bytes
    key_id: str
    pubkey: bytes
    sign_id: str
    r: bytes
    s: bytes
    v: int
    member: bool
    existing: bool
    protocol: str
    reason: str
    blames: _containers.RepeatedCompositeFieldContainer[BlameMsg]
    def __init__(self, kind: _Optional[str] = ..., session: _Optional[bytes] = ..., key_id: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., sign_id: _Optional[str] = ..., r: _Optional[bytes] = ..., s: _Optional[bytes] = ..., v: _Optional[int] = ..., member: _Optional[bool] = ..., existing: _Optional[bool] = ..., protocol: _Optional[str] = ..., reason: _Optional[str] = ..., blames: _Optional[_Iterable[_Union[BlameMsg, _Mapping]]] = ...) -> None: ...

class KeyStatus(_message.Message):
    __slots__ = ("key_id", "status", "pubkey", "presignatures")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PUBKEY_FIELD_NUMBER: _ClassVar[int]
    PRESIGNATURES_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    status: str
    pubkey: bytes
    presignatures: int
    def __init__(self, key_id: _Optional[str] = ..., status: _Optional[str] = ..., pubkey: _Optional[bytes] = ..., presignatures: _Optional[int] = ...) -> None: ...

class NodeStatus(_message.Message):
    __slots__ = ("peers", "sessions", "rss_kb", "workers_rss_kb", "keys", "stats", "max_loop_lag", "max_loop_busy")
    class StatsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    PEERS_FIELD_NUMBER: _ClassVar[int]
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    RSS_KB_FIELD_NUMBER: _ClassVar[int]
    WORKERS_RSS_KB_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    MAX_LOOP_LAG_FIELD_NUMBER: _ClassVar[int]
    MAX_LOOP_BUSY_FIELD_NUMBER: _ClassVar[int]
    peers: _containers.RepeatedScalarFieldContainer[str]
    sessions: int
    rss_kb: int
    workers_rss_kb: int
    keys: _containers.RepeatedCompositeFieldContainer[KeyStatus]
    stats: _containers.ScalarMap[str, int]
    max_loop_lag: float
    max_loop_busy: float
    def __init__(self, peers: _Optional[_Iterable[str]] = ..., sessions: _Optional[int] = ..., rss_kb: _Optional[int] = ..., workers_rss_kb: _Optional[int] = ..., keys: _Optional[_Iterable[_Union[KeyStatus, _Mapping]]] = ..., stats: _Optional[_Mapping[str, int]] = ..., max_loop_lag: _Optional[float] = ..., max_loop_busy: _Optional[float] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("started", "result", "status")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    started: str
    result: ResultMsg
    status: NodeStatus
    def __init__(self, started: _Optional[str] = ..., result: _Optional[_Union[ResultMsg, _Mapping]] = ..., status: _Optional[_Union[NodeStatus, _Mapping]] = ...) -> None: ...
