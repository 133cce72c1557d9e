"""The bridge client against real abci-mpc-node processes.

Two validators on loopback (built-in kvstore app), one serving its bridge on a
unix socket and the other on loopback TCP. Payloads cross the MPC channel in
both directions with the sender's authenticated node ID; bad client frames
cost the client its connection but never the node; a killed node shows up as
PeerDown, and a restarted one is rejoined by its client.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable

import pytest
from nodeutil import Testnet

from abci_mpc.chain import bridge_pb2
from abci_mpc.chain.bridge import (
    MAX_PAYLOAD_SIZE,
    BridgeClient,
    BridgeUnavailable,
    Event,
    PeerDown,
    PeerUp,
    Received,
    encode_frame,
)

pytestmark = pytest.mark.slow

TIMEOUT = 20.0


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    testnet = Testnet.create(tmp_path_factory.mktemp("bridge") / "net", validators=2, bridge="mixed")
    testnet.start()
    try:
        yield testnet
    finally:
        testnet.stop()


async def wait_event(client: BridgeClient, want: Callable[[Event], bool], net: Testnet) -> Event:
    """Consumes events until one satisfies want."""
    async def scan() -> Event:
        while True:
            event = await client.next_event()
            if want(event):
                return event

    try:
        return await asyncio.wait_for(scan(), TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"no matching event on {client.url} in {TIMEOUT}s\n{net.logs()}") from None


async def connect_pair(net: Testnet) -> tuple[BridgeClient, BridgeClient]:
    """Clients on both nodes, each connected and seeing the other node up."""
    c0, c1 = BridgeClient(net.nodes[0].bridge_url), BridgeClient(net.nodes[1].bridge_url)
    id0, id1 = await asyncio.gather(c0.wait_connected(TIMEOUT), c1.wait_connected(TIMEOUT))
    await wait_event(c0, lambda e: e == PeerUp(id1), net)
    await wait_event(c1, lambda e: e == PeerUp(id0), net)
    return c0, c1


def test_node_info_and_peer_up(net):
    async def main():
        c0, c1 = await connect_pair(net)
        try:
            assert c0.node_id == net.nodes[0].node_id
            assert c1.node_id == net.nodes[1].node_id
            assert c0.peers == {c1.node_id}
            assert c1.peers == {c0.node_id}
        finally:
            await c0.close()
            await c1.close()

    asyncio.run(main())


def test_send_and_broadcast_carry_the_authenticated_sender(net):
    async def main():
        c0, c1 = await connect_pair(net)
        id0, id1 = c0.node_id, c1.node_id
        try:
            await c0.send(id1, b"ping from 0")
            got = await wait_event(c1, lambda e: isinstance(e, Received), net)
            assert got == Received(id0, b"ping from 0")

            await c1.send(id0, b"pong from 1")
            got = await wait_event(c0, lambda e: isinstance(e, Received), net)
            assert got == Received(id1, b"pong from 1")

            await c1.broadcast(b"to everyone")
            got = await wait_event(c0, lambda e: isinstance(e, Received), net)
            assert got == Received(id1, b"to everyone")

            big = bytes(range(256)) * (MAX_PAYLOAD_SIZE // 256)
            await c0.broadcast(big)
            got = await wait_event(c1, lambda e: isinstance(e, Received), net)
            assert got.peer_id == id0 and got.payload == big
        finally:
            await c0.close()
            await c1.close()

    asyncio.run(main())


def _raw_bridge_socket(url: str) -> socket.socket:
    if url.startswith("unix://"):
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(url.removeprefix("unix://"))
    else:
        host, _, port = url.removeprefix("tcp://").rpartition(":")
        sock = socket.create_connection((host, int(port)))
    sock.settimeout(TIMEOUT)
    return sock


def _closed_by_peer(sock: socket.socket) -> bool:
    """Reads until EOF (True) or the timeout (False)."""
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


BAD_FRAMES = {
    "length prefix over the limit": struct.pack(">I", 0xFFFFFFFF),
    "undecodable body": struct.pack(">I", 3) + b"\x0a\x7f\x01",
    "frame with no kind": struct.pack(">I", 0),
    "spoofed received frame": encode_frame(
        bridge_pb2.Frame(received=bridge_pb2.Received(peer_id="ab" * 20, payload=b"x"))
    ),
    "payload over the limit": encode_frame(
        bridge_pb2.Frame(broadcast=bridge_pb2.Broadcast(payload=bytes(MAX_PAYLOAD_SIZE + 1)))
    ),
    "bad peer id": encode_frame(bridge_pb2.Frame(send=bridge_pb2.Send(peer_id="nope", payload=b"x"))),
}


@pytest.mark.parametrize("node", [0, 1], ids=["unix", "tcp"])
def test_bad_client_frames_close_the_client_not_the_node(net, node):
    target = net.nodes[node]
    for name, raw in BAD_FRAMES.items():
        with _raw_bridge_socket(target.bridge_url) as sock:
            (size,) = struct.unpack(">I", sock.recv(4, socket.MSG_WAITALL))
            hello = bridge_pb2.Frame.FromString(sock.recv(size, socket.MSG_WAITALL))
            assert hello.node_info.node_id == target.node_id
            sock.sendall(raw)
            assert _closed_by_peer(sock), f"{name}: the node kept the connection open"
        assert target.running(), f"{name}: the node died\n{target.log_tail()}"

    async def still_works():
        c0, c1 = await connect_pair(net)
        try:
            await c0.send(c1.node_id, b"after the bad frames")
            got = await wait_event(c1, lambda e: isinstance(e, Received), net)
            assert got == Received(c0.node_id, b"after the bad frames")
        finally:
            await c0.close()
            await c1.close()

    asyncio.run(still_works())
    assert "bad frame" in target.log_path.read_text(), "the bad frame was not logged"


def test_killed_node_is_peer_down_and_restart_reconnects(tmp_path):
    net = Testnet.create(tmp_path / "net", validators=2, bridge="mixed")
    net.start()

    async def main():
        c0, c1 = await connect_pair(net)
        id0, id1 = c0.node_id, c1.node_id
        try:
            net.nodes[1].kill()
            await wait_event(c0, lambda e: e == PeerDown(id1), net)
            assert c0.peers == frozenset()
            # c1 lost its node: it reports its peers gone and keeps retrying.
            await wait_event(c1, lambda e: e == PeerDown(id0), net)
            assert not c1.connected
            with pytest.raises(BridgeUnavailable):
                await c1.broadcast(b"into the void")

            net.nodes[1].start()
            assert await c1.wait_connected(TIMEOUT) == id1
            await wait_event(c1, lambda e: e == PeerUp(id0), net)
            await wait_event(c0, lambda e: e == PeerUp(id1), net)
            await c1.send(id0, b"back")
            got = await wait_event(c0, lambda e: isinstance(e, Received), net)
            assert got == Received(id1, b"back")
        finally:
            await c0.close()
            await c1.close()

    try:
        asyncio.run(main())
    finally:
        net.stop()
