from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class LinkHello(_message.Message):
    __slots__ = ("version", "party", "peer", "ephemeral")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    EPHEMERAL_FIELD_NUMBER: _ClassVar[int]
    version: int
    party: str
    peer: str
    ephemeral: bytes
    def __init__(self, version: _Optional[int] = ..., party: _Optional[str] = ..., peer: _Optional[str] = ..., ephemeral: _Optional[bytes] = ...) -> None: ...

class LinkAuth(_message.Message):
    __slots__ = ("hello", "signature")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    hello: bytes
    signature: bytes
    def __init__(self, hello: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...
