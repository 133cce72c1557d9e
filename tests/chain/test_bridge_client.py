"""The bridge client's codec and connection handling, against a scripted
stand-in for the node's bridge server (the real node is in test_bridge.py)."""

from __future__ import annotations

import asyncio
import struct
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc.chain import bridge_pb2
from abci_mpc.chain.bridge import (
    MAX_FRAME_SIZE,
    MAX_PAYLOAD_SIZE,
    BridgeClient,
    BridgeClosed,
    BridgeUnavailable,
    FrameError,
    PeerDown,
    PeerUp,
    Received,
    decode_frame,
    encode_frame,
)

SELF = "aa" * 20
P1 = "11" * 20
P2 = "22" * 20
TIMEOUT = 5.0

node_ids = st.text("0123456789abcdef", min_size=40, max_size=40)
payloads = st.binary(max_size=4096)


def node_info(node_id: str = SELF) -> bridge_pb2.Frame:
    return bridge_pb2.Frame(node_info=bridge_pb2.NodeInfo(node_id=node_id))


def peer_up(peer: str) -> bridge_pb2.Frame:
    return bridge_pb2.Frame(peer_up=bridge_pb2.PeerUp(peer_id=peer))


def peer_down(peer: str) -> bridge_pb2.Frame:
    return bridge_pb2.Frame(peer_down=bridge_pb2.PeerDown(peer_id=peer))


def received(peer: str, payload: bytes) -> bridge_pb2.Frame:
    return bridge_pb2.Frame(received=bridge_pb2.Received(peer_id=peer, payload=payload))


# --- codec ---------------------------------------------------------------------


@given(
    st.one_of(
        st.builds(received, node_ids, payloads),
        st.builds(peer_up, node_ids),
        st.builds(peer_down, node_ids),
        st.builds(node_info, node_ids),
    )
)
def test_node_frames_round_trip(frame):
    wire = encode_frame(frame)
    (size,) = struct.unpack(">I", wire[:4])
    assert size == len(wire) - 4
    assert decode_frame(wire[4:]) == frame


@given(st.binary(max_size=256))
def test_arbitrary_bytes_decode_or_raise_frame_error(data):
    try:
        frame = decode_frame(data)
    except FrameError:
        return
    assert frame.WhichOneof("kind") in ("received", "peer_up", "peer_down", "node_info")


@pytest.mark.parametrize(
    "frame",
    [
        bridge_pb2.Frame(),
        bridge_pb2.Frame(send=bridge_pb2.Send(peer_id=P1, payload=b"x")),
        bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=b"x")),
        peer_up("not-a-node-id"),
        received("AB" * 20, b"x"),
        node_info(""),
    ],
    ids=["empty", "send", "broadcast", "bad-peer-id", "uppercase-id", "empty-node-id"],
)
def test_decode_rejects_frames_the_node_never_sends(frame):
    with pytest.raises(FrameError):
        decode_frame(frame.SerializeToString())


def test_encode_refuses_oversize_frames():
    frame = bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=bytes(MAX_FRAME_SIZE)))
    with pytest.raises(FrameError, match="exceeds"):
        encode_frame(frame)


@pytest.mark.parametrize("url", ["unix://relative.sock", "/tmp/x.sock", "tcp://127.0.0.1", "http://h:1"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError, match="bridge address"):
        BridgeClient(url)


# --- against a scripted server ---------------------------------------------------


class FakeNode:
    """Accepts bridge connections and hands each to the test to script."""

    def __init__(self) -> None:
        self.conns: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self._dir = tempfile.TemporaryDirectory(prefix="amb-")
        self.url = f"unix://{self._dir.name}/b.sock"
        self.server: asyncio.Server | None = None

    async def start(self) -> FakeNode:
        async def accept(reader, writer):
            await self.conns.put((reader, writer))

        self.server = await asyncio.start_unix_server(accept, path=self.url.removeprefix("unix://"))
        return self

    async def accept(self, *greeting: bridge_pb2.Frame):
        reader, writer = await asyncio.wait_for(self.conns.get(), TIMEOUT)
        for frame in greeting:
            writer.write(encode_frame(frame))
        await writer.drain()
        return reader, writer

    async def close(self) -> None:
        self.server.close()
        self._dir.cleanup()


async def read_frame(reader: asyncio.StreamReader) -> bridge_pb2.Frame:
    (size,) = struct.unpack(">I", await asyncio.wait_for(reader.readexactly(4), TIMEOUT))
    return bridge_pb2.Frame.FromString(await reader.readexactly(size))


async def next_event(client: BridgeClient):
    return await asyncio.wait_for(client.next_event(), TIMEOUT)


def run(coro_fn):
    async def main():
        node = await FakeNode().start()
        client = BridgeClient(node.url, min_backoff=0.01, max_backoff=0.05)
        try:
            await coro_fn(node, client)
        finally:
            await client.close()
            await node.close()

    asyncio.run(main())


def test_greeting_events_and_sends():
    async def script(node, client):
        client.start()
        reader, writer = await node.accept(node_info(), peer_up(P1), peer_up(P2))
        assert await client.wait_connected(TIMEOUT) == SELF
        assert client.node_id == SELF
        assert [await next_event(client), await next_event(client)] == [PeerUp(P1), PeerUp(P2)]
        assert client.peers == {P1, P2}

        writer.write(encode_frame(received(P1, b"hi")) + encode_frame(peer_down(P2)))
        assert await next_event(client) == Received(P1, b"hi")
        assert await next_event(client) == PeerDown(P2)
        assert client.peers == {P1}

        await client.send(P1, b"to one")
        await client.broadcast(b"to all")
        assert await read_frame(reader) == bridge_pb2.Frame(send=bridge_pb2.Send(peer_id=P1, payload=b"to one"))
        assert await read_frame(reader) == bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=b"to all"))

    run(script)


def test_disconnect_reports_peers_down_and_reconnects():
    async def script(node, client):
        client.start()
        _, writer = await node.accept(node_info(), peer_up(P1))
        assert await next_event(client) == PeerUp(P1)
        writer.close()
        assert await next_event(client) == PeerDown(P1)
        assert client.peers == frozenset()
        # Until the node is back, sends fail fast.
        with pytest.raises(BridgeUnavailable):
            await client.broadcast(b"x")
        await node.accept(node_info(), peer_up(P2))
        assert await next_event(client) == PeerUp(P2)
        assert client.connected and client.peers == {P2}

    run(script)


@pytest.mark.parametrize(
    "bad",
    [
        struct.pack(">I", MAX_FRAME_SIZE + 1),
        encode_frame(bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=b"x"))),
        encode_frame(node_info()),  # a second greeting
    ],
    ids=["oversize-prefix", "client-kind", "second-node-info"],
)
def test_bad_frame_from_node_drops_the_connection_and_reconnects(bad):
    async def script(node, client):
        client.start()
        reader, writer = await node.accept(node_info(), peer_up(P1))
        assert await next_event(client) == PeerUp(P1)
        writer.write(bad)
        assert await next_event(client) == PeerDown(P1)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # the client hung up
        assert client.protocol_errors == 1
        await node.accept(node_info())
        assert await client.wait_connected(TIMEOUT) == SELF

    run(script)


def test_a_reconnect_to_another_node_is_refused():
    async def script(node, client):
        client.start()
        _, writer = await node.accept(node_info())
        assert await client.wait_connected(TIMEOUT) == SELF
        writer.close()
        reader, _ = await node.accept(node_info(P1))  # another node now behind the socket
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # the client hung up
        assert client.protocol_errors == 1 and not client.connected and client.node_id == SELF
        with pytest.raises(BridgeUnavailable):
            await client.broadcast(b"never to the wrong node")
        await node.accept(node_info())  # our node again
        assert await client.wait_connected(TIMEOUT) == SELF

    run(script)


def test_greeting_must_come_first():
    async def script(node, client):
        client.start()
        reader, _ = await node.accept(peer_up(P1))
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
        assert client.protocol_errors == 1 and not client.connected

    run(script)


def test_full_event_queue_applies_backpressure_without_loss():
    async def main():
        node = await FakeNode().start()
        client = BridgeClient(node.url, max_events=2)
        try:
            client.start()
            _, writer = await node.accept(node_info())
            await client.wait_connected(TIMEOUT)
            for i in range(50):
                writer.write(encode_frame(received(P1, bytes([i]))))
            await writer.drain()
            await asyncio.sleep(0.1)
            assert client._events.qsize() <= 2
            got = [await next_event(client) for _ in range(50)]
            assert got == [Received(P1, bytes([i])) for i in range(50)]
        finally:
            await client.close()
            await node.close()

    asyncio.run(main())


def test_send_validation_and_close():
    async def script(node, client):
        client.start()
        await node.accept(node_info())
        await client.wait_connected(TIMEOUT)
        with pytest.raises(ValueError, match="node ID"):
            await client.send("not-an-id", b"x")
        with pytest.raises(ValueError, match="exceeds"):
            await client.broadcast(bytes(MAX_PAYLOAD_SIZE + 1))
        consumer = asyncio.ensure_future(next_event(client))
        await asyncio.sleep(0)
        await client.close()
        with pytest.raises(BridgeClosed):
            await consumer
        with pytest.raises(BridgeClosed):
            await client.send(P1, b"x")
        assert [e async for e in client.events()] == []

    run(script)


def test_tcp_url():
    async def main():
        conns: asyncio.Queue = asyncio.Queue()

        async def accept(reader, writer):
            writer.write(encode_frame(node_info()))
            await conns.put(writer)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        client = BridgeClient(f"tcp://127.0.0.1:{port}")
        try:
            assert await client.wait_connected(TIMEOUT) == SELF
        finally:
            await client.close()
            server.close()

    asyncio.run(main())


def test_received_repr_hides_payload():
    assert "secret" not in repr(Received(P1, b"secret"))
