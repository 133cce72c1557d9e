"""Client of the MPC bridge that abci-mpc-node serves on a local socket.

The node (the Go shim in ``cometbft/``) carries opaque payloads between
validators on its MPC p2p channel; this client is the application's end of it.
Frames are a 4-byte big-endian length followed by a protobuf ``Frame``
(``bridge.proto``); docs/bridge.md has the whole contract.

    async with BridgeClient("unix:///home/val/.cometbft/data/mpc-bridge.sock") as bridge:
        node_id = await bridge.wait_connected()
        await bridge.broadcast(b"hello")
        async for event in bridge.events():
            ...  # Received, PeerUp or PeerDown

The client reconnects with backoff whenever the node goes away. Each
connection starts from the node's snapshot (NodeInfo, then a PeerUp per
peer); on a disconnect the client reports PeerDown for every peer it knew, so
the event stream always describes the current peer set.
"""

from __future__ import annotations

import asyncio
import logging
import re
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError

from abci_mpc import metrics
from abci_mpc.chain import bridge_pb2
from abci_mpc.engine.aio import within

__all__ = [
    "MAX_FRAME_SIZE",
    "MAX_PAYLOAD_SIZE",
    "BridgeClient",
    "BridgeClosed",
    "BridgeError",
    "BridgeUnavailable",
    "Event",
    "FrameError",
    "PeerDown",
    "PeerUp",
    "Received",
    "decode_frame",
    "encode_frame",
]

log = logging.getLogger(__name__)

# Both must equal the shim's (cometbft/mpc/frame.go).
MAX_PAYLOAD_SIZE = 4 << 20
MAX_FRAME_SIZE = MAX_PAYLOAD_SIZE + 1024

_PREFIX = struct.Struct(">I")
_NODE_ID = re.compile(r"[0-9a-f]{40}")


class BridgeError(Exception):
    """Base class of the bridge client's errors."""


class FrameError(BridgeError):
    """Bytes that are not a valid bridge frame for the direction they travel."""


class BridgeUnavailable(BridgeError):
    """No connection to the node right now; the client keeps reconnecting."""


class BridgeClosed(BridgeError):
    """The client was closed."""


@dataclass(frozen=True)
class Received:
    """A payload from ``peer_id``, the sender's node ID as authenticated by CometBFT."""

    peer_id: str
    payload: bytes = field(repr=False)


@dataclass(frozen=True)
class PeerUp:
    peer_id: str


@dataclass(frozen=True)
class PeerDown:
    peer_id: str


Event = Received | PeerUp | PeerDown


def encode_frame(frame: bridge_pb2.Frame) -> bytes:
    """Returns the frame with its length prefix; raises FrameError when it is too large."""
    body = frame.SerializeToString()
    if len(body) > MAX_FRAME_SIZE:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME_SIZE}")
    return _PREFIX.pack(len(body)) + body


def decode_frame(body: bytes) -> bridge_pb2.Frame:
    """Parses a frame body (without its prefix) sent by the node."""
    frame = bridge_pb2.Frame()
    try:
        frame.ParseFromString(body)
    except DecodeError as exc:
        raise FrameError(f"undecodable frame of {len(body)} bytes: {exc}") from None
    kind = frame.WhichOneof("kind")
    if kind not in ("received", "peer_up", "peer_down", "node_info"):
        raise FrameError(f"the node may not send a frame of kind {kind!r}")
    peer = frame.node_info.node_id if kind == "node_info" else getattr(frame, kind).peer_id
    if not _NODE_ID.fullmatch(peer):
        raise FrameError(f"{kind} frame carries {peer[:64]!r}, not a node ID")
    return frame


async def _read_frame(reader: asyncio.StreamReader) -> bridge_pb2.Frame:
    (size,) = _PREFIX.unpack(await reader.readexactly(_PREFIX.size))
    if size > MAX_FRAME_SIZE:
        raise FrameError(f"length prefix {size} exceeds {MAX_FRAME_SIZE}")
    return decode_frame(await reader.readexactly(size))


async def _open(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    limit = MAX_FRAME_SIZE + _PREFIX.size
    if url.startswith("unix://"):
        return await asyncio.open_unix_connection(url.removeprefix("unix://"), limit=limit)
    host, _, port = url.removeprefix("tcp://").rpartition(":")
    return await asyncio.open_connection(host.strip("[]"), int(port), limit=limit)


def _check_url(url: str) -> None:
    if url.startswith("unix://") and url.removeprefix("unix://").startswith("/"):
        return
    if re.fullmatch(r"tcp://(\[[0-9a-fA-F:]+\]|[^:/\[\]]+):\d{1,5}", url):
        return
    raise ValueError(f"bridge address {url!r}: want unix:///abs/path.sock or tcp://host:port")


class BridgeClient:
    """The application's connection to its node's MPC channel.

    Events queue up to ``max_events``; past that the client stops reading
    from the socket, and the node drops (and counts) what does not fit in its
    own bounded queue. Consume ``events()`` promptly.
    """

    def __init__(
        self,
        url: str,
        *,
        max_events: int = 1024,
        min_backoff: float = 0.05,
        max_backoff: float = 2.0,
    ) -> None:
        _check_url(url)
        self._url = url
        self._events: asyncio.Queue[Event | None] = asyncio.Queue(max_events)
        self._min_backoff, self._max_backoff = min_backoff, max_backoff
        self._node_id: str | None = None
        self._peers: set[str] = set()
        self._writer: asyncio.StreamWriter | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.protocol_errors = 0

    @property
    def url(self) -> str:
        return self._url

    @property
    def node_id(self) -> str | None:
        """This node's ID, known once the first connection has been greeted."""
        return self._node_id

    @property
    def peers(self) -> frozenset[str]:
        """Node IDs of the peers currently connected on the MPC channel."""
        return frozenset(self._peers)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> None:
        """Starts connecting in the background; idempotent."""
        if self._closed:
            raise BridgeClosed("bridge client is closed")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mpc-bridge")

    async def close(self) -> None:
        """Disconnects for good; ``events()`` consumers then see BridgeClosed."""
        if self._closed:
            return
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        while not self._events.empty():
            self._events.get_nowait()
        self._events.put_nowait(None)

    async def __aenter__(self) -> BridgeClient:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def wait_connected(self, timeout: float | None = None) -> str:
        """Waits until connected and greeted, and returns this node's ID."""
        self.start()
        await within(self._connected.wait(), timeout)
        assert self._node_id is not None
        return self._node_id

    async def send(self, peer_id: str, payload: bytes) -> None:
        """Sends payload to one peer. Delivery is best effort: the node drops
        it (and counts the drop) if the peer is not connected or is too slow."""
        if not _NODE_ID.fullmatch(peer_id):
            raise ValueError(f"peer_id {peer_id[:64]!r} is not a node ID (40 lowercase hex characters)")
        await self._write(bridge_pb2.Frame(send=bridge_pb2.Send(peer_id=peer_id, payload=payload)), payload)

    async def broadcast(self, payload: bytes) -> None:
        """Sends payload to every peer connected on the MPC channel."""
        await self._write(bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=payload)), payload)

    async def next_event(self) -> Event:
        """Returns the next Received, PeerUp or PeerDown event."""
        event = await self._events.get()
        if event is None:
            self._events.put_nowait(None)  # wake the next consumer too
            raise BridgeClosed("bridge client is closed")
        return event

    async def events(self) -> AsyncIterator[Event]:
        """Yields events until the client is closed."""
        while True:
            try:
                yield await self.next_event()
            except BridgeClosed:
                return

    async def _write(self, frame: bridge_pb2.Frame, payload: bytes) -> None:
        if len(payload) > MAX_PAYLOAD_SIZE:
            raise ValueError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_SIZE}")
        if self._closed:
            raise BridgeClosed("bridge client is closed")
        writer = self._writer
        if writer is None or writer.is_closing():
            metrics.frame_dropped("bridge", "not_connected")
            raise BridgeUnavailable(f"not connected to the node at {self._url}")
        writer.write(encode_frame(frame))  # one write per frame, so frames never interleave
        try:
            await writer.drain()
        except (ConnectionError, OSError) as exc:
            metrics.frame_dropped("bridge", "connection_lost")
            raise BridgeUnavailable(f"connection to {self._url} lost: {exc}") from None
        metrics.frame_out("bridge")

    async def _run(self) -> None:
        backoff = self._min_backoff
        while True:
            try:
                reader, writer = await _open(self._url)
            except OSError as exc:
                log.debug("bridge %s not reachable (%s); retrying in %.2fs", self._url, exc, backoff)
            else:
                greeted = False
                try:
                    greeted = await self._serve(reader, writer)
                except FrameError as exc:
                    self.protocol_errors += 1
                    metrics.frame_dropped("bridge", "protocol_error")
                    log.error("bridge %s sent a bad frame, reconnecting: %s", self._url, exc)
                except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
                    log.info("bridge %s disconnected: %s", self._url, exc or type(exc).__name__)
                except Exception:  # a bug here must not end the reconnect loop for good
                    log.exception("bridge %s: unexpected error, reconnecting", self._url)
                finally:
                    await self._disconnected(writer)
                if greeted:
                    backoff = self._min_backoff
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Reads frames until the connection fails; True once greeted."""
        hello = await _read_frame(reader)
        if hello.WhichOneof("kind") != "node_info":
            raise FrameError(f"expected node_info first, got {hello.WhichOneof('kind')}")
        node_id = hello.node_info.node_id
        if self._node_id not in (None, node_id):
            # Another node behind our socket (a misconfigured restart): sending it our
            # frames would hand this party's traffic to the wrong validator.
            raise FrameError(f"the bridge now serves node {node_id}, not this app's node {self._node_id}; "
                             "fix [node] bridge or restart the app")
        self._node_id = node_id
        self._writer = writer
        self._connected.set()
        metrics.bridge_connected(True)
        log.info("bridge connected to node %s at %s", node_id, self._url)
        while True:
            frame = await _read_frame(reader)
            kind = frame.WhichOneof("kind")
            if kind == "received":
                metrics.frame_in("bridge")
                await self._events.put(Received(frame.received.peer_id, frame.received.payload))
            elif kind == "peer_up":
                self._peers.add(frame.peer_up.peer_id)
                metrics.bridge_peers(len(self._peers))
                await self._events.put(PeerUp(frame.peer_up.peer_id))
            elif kind == "peer_down":
                if frame.peer_down.peer_id in self._peers:
                    self._peers.discard(frame.peer_down.peer_id)
                    metrics.bridge_peers(len(self._peers))
                    await self._events.put(PeerDown(frame.peer_down.peer_id))
            else:
                raise FrameError(f"unexpected {kind} frame after the greeting")

    async def _disconnected(self, writer: asyncio.StreamWriter) -> None:
        self._connected.clear()
        self._writer = None
        metrics.bridge_connected(False)
        metrics.bridge_peers(0)
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
        lost, self._peers = sorted(self._peers), set()
        if not self._closed:
            for peer in lost:
                await self._events.put(PeerDown(peer))
