from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Frame(_message.Message):
    __slots__ = ("send", "broadcast", "received", "peer_up", "peer_down", "node_info")
    SEND_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    PEER_UP_FIELD_NUMBER: _ClassVar[int]
    PEER_DOWN_FIELD_NUMBER: _ClassVar[int]
    NODE_INFO_FIELD_NUMBER: _ClassVar[int]
    send: Send
    broadcast: Broadcast
    received: Received
    peer_up: PeerUp
    peer_down: PeerDown
    node_info: NodeInfo
    def __init__(self, send: _Optional[_Union[Send, _Mapping]] = ..., broadcast: _Optional[_Union[Broadcast, _Mapping]] = ..., received: _Optional[_Union[Received, _Mapping]] = ..., peer_up: _Optional[_Union[PeerUp, _Mapping]] = ..., peer_down: _Optional[_Union[PeerDown, _Mapping]] = ..., node_info: _Optional[_Union[NodeInfo, _Mapping]] = ...) -> None: ...

class Send(_message.Message):
    __slots__ = ("peer_id", "payload")
    PEER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    peer_id: str
    payload: bytes
    def __init__(self, peer_id: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class Broadcast(_message.Message):
    __slots__ = ("payload",)
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    def __init__(self, payload: _Optional[bytes] = ...) -> None: ...

class Received(_message.Message):
    __slots__ = ("peer_id", "payload")
    PEER_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    peer_id: str
    payload: bytes
    def __init__(self, peer_id: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class PeerUp(_message.Message):
    __slots__ = ("peer_id",)
    PEER_ID_FIELD_NUMBER: _ClassVar[int]
    peer_id: str
    def __init__(self, peer_id: _Optional[str] = ...) -> None: ...

class PeerDown(_message.Message):
    __slots__ = ("peer_id",)
    PEER_ID_FIELD_NUMBER: _ClassVar[int]
    peer_id: str
    def __init__(self, peer_id: _Optional[str] = ...) -> None: ...

class NodeInfo(_message.Message):
    __slots__ = ("node_id",)
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    node_id: str
    def __init__(self, node_id: _Optional[str] = ...) -> None: ...
