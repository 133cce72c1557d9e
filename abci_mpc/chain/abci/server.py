"""Asyncio ABCI 2.0 socket server for CometBFT v0.38.

CometBFT opens four connections (consensus, mempool, query, snapshot) and on
each sends a stream of requests, answered strictly in order. The server knows
nothing about the application: it decodes a request, calls the method of the
same name on the :class:`Application`, and encodes the result. Echo and Flush
are protocol chatter and answered here.

Application methods are synchronous and run on the event loop, so calls from
all four connections are serialised, just like CometBFT's own socket server
which holds one mutex around the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import stat

from google.protobuf.message import DecodeError

from . import types_pb2 as abci
from .address import AddressError, ListenAddress
from .application import Application
from .framing import DEFAULT_MAX_MESSAGE_SIZE, FrameDecoder, FrameError, encode_frame

__all__ = ["ABCIServer", "MalformedRequest", "serve"]

log = logging.getLogger(__name__)

_READ_CHUNK = 64 * 1024
_MAX_EXCEPTION_TEXT = 1024

# Request oneof name -> response class. The oneof names double as the
# Application method names, so dispatch needs no per-call code.
_APP_CALLS: dict[str, type] = {
    field.name: getattr(abci, field.message_type.name)
    for field in abci.Response.DESCRIPTOR.oneofs_by_name["value"].fields
    if field.name not in ("exception", "echo", "flush")
}

# Which of CometBFT's connections sends a request type; only used to label logs.
_CONNECTION_KIND = {
    "info": "query",
    "query": "query",
    "check_tx": "mempool",
    "list_snapshots": "snapshot",
    "offer_snapshot": "snapshot",
    "load_snapshot_chunk": "snapshot",
    "apply_snapshot_chunk": "snapshot",
}


class MalformedRequest(FrameError):
    """A frame's payload is not a protobuf ``Request``."""


class ABCIServer:
    """Serves one :class:`Application` on one listen address.

    Use as ``async with ABCIServer(app, "tcp://127.0.0.1:26658") as server:``
    then ``await server.serve_forever()``, or call :meth:`start` / :meth:`close`.
    """

    def __init__(
        self,
        app: Application,
        address: str = "tcp://127.0.0.1:26658",
        *,
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    ) -> None:
        self._app = app
        self._listen = ListenAddress.parse(address)
        self._max_message_size = max_message_size
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.Task] = set()
        self._closing = False
        self._ids = itertools.count(1)

    @property
    def address(self) -> str:
        """The bound address; for ``tcp://host:0`` it carries the port the OS picked."""
        if self._server is not None and self._listen.scheme == "tcp":
            host, port = self._server.sockets[0].getsockname()[:2]
            return str(ListenAddress("tcp", host=host, port=port))
        return str(self._listen)

    @property
    def connections(self) -> int:
        """Connections currently open (CometBFT keeps four while it runs)."""
        return len(self._connections)

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("server already started")
        if self._listen.scheme == "unix":
            _remove_stale_socket(self._listen.path)
            self._server = await asyncio.start_unix_server(
                self._on_connection, path=self._listen.path
            )
        else:
            self._server = await asyncio.start_server(
                self._on_connection, host=self._listen.host, port=self._listen.port
            )
        log.info("ABCI server listening on %s", self.address)

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        """Stops listening, drops every connection and waits for their handlers to finish.

        App calls are synchronous, so no call is ever interrupted half way.
        """
        if self._server is None:
            return
        self._closing = True
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        if self._listen.scheme == "unix":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._listen.path)
        self._server = None
        self._closing = False
        log.info("ABCI server on %s closed", self._listen)

    async def __aenter__(self) -> ABCIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- per connection ------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        conn = _Connection(next(self._ids), writer.get_extra_info("peername"))
        log.info("ABCI connection %s opened", conn)
        try:
            await self._serve(conn, reader, writer)
        except FrameError as exc:
            log.warning("ABCI connection %s dropped: %s: %s", conn, type(exc).__name__, exc)
        except OSError as exc:  # reset, broken pipe, ...: the peer went away
            log.info("ABCI connection %s lost: %s", conn, exc)
        except asyncio.CancelledError:
            if not self._closing:
                raise
            # Our own shutdown. Ending normally, not cancelled, keeps Python
            # 3.11's stream callback from logging a spurious CancelledError.
            log.info("ABCI connection %s closed by shutdown", conn)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(
        self, conn: _Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        decoder = FrameDecoder(self._max_message_size)
        while True:
            data = await reader.read(_READ_CHUNK)
            if not data:
                decoder.close()
                log.info("ABCI connection %s closed by peer", conn)
                return
            for frame in decoder.feed(data):
                try:
                    request = abci.Request.FromString(frame)
                except DecodeError as exc:
                    raise MalformedRequest(f"undecodable {len(frame)}-byte request: {exc}") from None
                response = self._handle(conn, request)
                writer.write(encode_frame(response.SerializeToString()))
                # Backpressure: a peer that stops reading stops being served.
                await writer.drain()

    def _handle(self, conn: _Connection, request: abci.Request) -> abci.Response:
        kind = request.WhichOneof("value")
        if kind == "flush":
            return abci.Response(flush=abci.ResponseFlush())
        if kind == "echo":
            return abci.Response(echo=abci.ResponseEcho(message=request.echo.message))
        if kind not in _APP_CALLS:
            # An empty oneof: a request type newer than this proto, or junk
            # that happened to parse. CometBFT's server answers the same way.
            log.error("ABCI connection %s sent an unknown request type", conn)
            return _exception("unknown request type")
        conn.saw(kind)
        response_type = _APP_CALLS[kind]
        try:
            result = getattr(self._app, kind)(getattr(request, kind))
            if not isinstance(result, response_type):
                raise TypeError(
                    f"{type(self._app).__name__}.{kind} returned {type(result).__name__},"
                    f" expected {response_type.__name__}"
                )
        except Exception as exc:
            log.exception("ABCI %s failed on connection %s", kind, conn)
            return _exception(f"{kind}: {type(exc).__name__}: {exc}")
        response = abci.Response()
        getattr(response, kind).CopyFrom(result)
        return response


class _Connection:
    """Log label for one accepted connection."""

    def __init__(self, number: int, peer: object) -> None:
        self.number = number
        # TCP peers are (host, port, ...); unix-socket peers are usually "".
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else (peer or "unix")
        self.kind: str | None = None

    def saw(self, request_kind: str) -> None:
        if self.kind is None:
            self.kind = _CONNECTION_KIND.get(request_kind, "consensus")

    def __str__(self) -> str:
        kind = f" {self.kind}" if self.kind else ""
        return f"#{self.number}{kind} from {self.peer}"


def _exception(text: str) -> abci.Response:
    return abci.Response(
        exception=abci.ResponseException(error=text[:_MAX_EXCEPTION_TEXT])
    )


def _remove_stale_socket(path: str) -> None:
    """Removes a socket file left by a dead server; refuses to touch anything else."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise AddressError(f"unix://{path}: exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    finally:
        probe.close()
    raise AddressError(f"unix://{path}: another server is listening")


async def serve(
    app: Application,
    address: str,
    *,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
) -> None:
    """Serves ``app`` until cancelled, then shuts down cleanly."""
    async with ABCIServer(app, address, max_message_size=max_message_size) as server:
        await server.serve_forever()
