"""ABCI 2.0 for CometBFT v0.38: wire messages, an asyncio socket server, the app base class.

    from abci_mpc.chain.abci import Application, serve, types_pb2 as abci

    class MyApp(Application):
        def check_tx(self, req: abci.RequestCheckTx) -> abci.ResponseCheckTx: ...

    asyncio.run(serve(MyApp(), "tcp://127.0.0.1:26658"))
"""

from . import types_pb2
from .address import AddressError, ListenAddress
from .application import CODE_OK, Application
from .framing import (
    DEFAULT_MAX_MESSAGE_SIZE,
    FrameDecoder,
    FrameError,
    MalformedLength,
    OversizeFrame,
    TruncatedFrame,
)
from .server import ABCIServer, MalformedRequest, serve

__all__ = [
    "ABCIServer",
    "AddressError",
    "Application",
    "CODE_OK",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "FrameDecoder",
    "FrameError",
    "ListenAddress",
    "MalformedLength",
    "MalformedRequest",
    "OversizeFrame",
    "TruncatedFrame",
    "serve",
    "types_pb2",
]
