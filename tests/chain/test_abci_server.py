"""The ABCI server over real sockets, driven by a raw client: protocol, bad input, shutdown."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading

import pytest

from abci_mpc.chain.abci import (
    ABCIServer,
    AddressError,
    Application,
    ListenAddress,
    serve,
    types_pb2 as abci,
)
from abci_mpc.chain.abci.framing import FrameDecoder, encode_frame, encode_uvarint


class ServerThread:
    """Runs an ABCIServer on its own event loop so tests can use blocking sockets."""

    def __init__(self, app: Application, address: str = "tcp://127.0.0.1:0", **kw) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = app
        self.server = ABCIServer(app, address, **kw)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        try:
            self._call(self.server.start())
        except BaseException:
            self._stop_loop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.loop.is_closed():
            return
        self._call(self.server.close())
        self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def connect(self) -> Client:
        addr = ListenAddress.parse(self.server.address)
        if addr.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(addr.path)
        else:
            sock = socket.create_connection((addr.host, addr.port))
        sock.settimeout(5)
        return Client(sock)


class Client:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.decoder = FrameDecoder()
        self.pending: list[bytes] = []

    def send(self, **request) -> None:
        self.sock.sendall(encode_frame(abci.Request(**request).SerializeToString()))

    def recv(self) -> abci.Response:
        while not self.pending:
            data = self.sock.recv(65536)
            assert data, "server closed the connection"
            self.pending += self.decoder.feed(data)
        return abci.Response.FromString(self.pending.pop(0))

    def call(self, **request) -> abci.Response:
        """Sends one request and returns the response, which must be of the matching kind."""
        self.send(**request)
        response = self.recv()
        [kind] = request
        assert response.WhichOneof("value") == kind, response
        return response

    def closed_by_server(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


class Recorder(Application):
    """Records calls; raises or misbehaves on request."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def info(self, req):
        self.calls.append("info")
        return abci.ResponseInfo(data="recorder", last_block_height=7, last_block_app_hash=b"h")

    def check_tx(self, req):
        self.calls.append(f"check_tx:{req.tx[:8].decode(errors='replace')}")
        if req.tx == b"boom":
            raise RuntimeError("app exploded")
        if req.tx == b"none":
            return None
        return abci.ResponseCheckTx(code=0 if req.tx.startswith(b"ok") else 3, log="checked")


@pytest.fixture
def server():
    with ServerThread(Recorder()) as s:
        yield s


def test_echo_flush_and_app_calls(server):
    c = server.connect()
    assert c.call(echo=abci.RequestEcho(message="hi")).echo.message == "hi"
    assert c.call(flush=abci.RequestFlush()).WhichOneof("value") == "flush"
    info = c.call(info=abci.RequestInfo(version="0.38.25")).info
    assert (info.data, info.last_block_height, info.last_block_app_hash) == ("recorder", 7, b"h")
    c.close()


def test_pipelined_requests_are_answered_in_order(server):
    c = server.connect()
    txs = [f"ok{i}".encode() if i % 3 else f"bad{i}".encode() for i in range(50)]
    burst = b"".join(
        encode_frame(abci.Request(check_tx=abci.RequestCheckTx(tx=tx)).SerializeToString())
        for tx in txs
    ) + encode_frame(abci.Request(flush=abci.RequestFlush()).SerializeToString())
    c.sock.sendall(burst)
    codes = [c.recv().check_tx.code for _ in txs]
    assert codes == [0 if tx.startswith(b"ok") else 3 for tx in txs]
    assert c.recv().WhichOneof("value") == "flush"
    assert server.app.calls == [f"check_tx:{tx[:8].decode()}" for tx in txs]


def test_app_exception_becomes_response_exception(server, caplog):
    c = server.connect()
    with caplog.at_level(logging.ERROR, logger="abci_mpc.chain.abci"):
        c.send(check_tx=abci.RequestCheckTx(tx=b"boom"))
        resp = c.recv()
    assert resp.WhichOneof("value") == "exception"
    assert "check_tx" in resp.exception.error and "app exploded" in resp.exception.error
    assert any("check_tx failed" in r.getMessage() and r.exc_info for r in caplog.records)
    # The server keeps serving; whether to go on is the client's decision.
    assert c.call(check_tx=abci.RequestCheckTx(tx=b"ok")).check_tx.code == 0


def test_wrong_return_type_becomes_response_exception(server):
    c = server.connect()
    c.send(check_tx=abci.RequestCheckTx(tx=b"none"))
    resp = c.recv()
    assert "returned NoneType, expected ResponseCheckTx" in resp.exception.error


def test_empty_request_is_answered_with_exception(server):
    c = server.connect()
    c.sock.sendall(encode_frame(b""))  # a Request with no oneof member set
    assert c.recv().exception.error == "unknown request type"
    assert c.call(echo=abci.RequestEcho(message="still here")).echo.message == "still here"


@pytest.mark.parametrize(
    "garbage, error",
    [
        (b"\xff" * 16, "MalformedLength"),
        (encode_uvarint(1 << 40), "OversizeFrame"),
        (encode_frame(b"\x0a\x05ab"), "MalformedRequest"),  # field 1 claims 5 bytes, has 2
        (encode_frame(b"\x0a\x02\xff\xfe"), "MalformedRequest"),  # echo.message not UTF-8
    ],
)
def test_garbage_drops_only_that_connection(garbage, error, caplog):
    with ServerThread(Recorder(), max_message_size=1 << 20) as server:
        bystander = server.connect()
        assert bystander.call(echo=abci.RequestEcho(message="a")).echo.message == "a"
        bad = server.connect()
        with caplog.at_level(logging.WARNING, logger="abci_mpc.chain.abci"):
            bad.sock.sendall(garbage)
            assert bad.closed_by_server()
        assert any(error in r.getMessage() for r in caplog.records), caplog.text
        # The open connection and new ones keep working.
        assert bystander.call(echo=abci.RequestEcho(message="b")).echo.message == "b"
        fresh = server.connect()
        assert fresh.call(info=abci.RequestInfo()).info.last_block_height == 7


def test_truncated_frame_at_eof_is_logged(server, caplog):
    c = server.connect()
    with caplog.at_level(logging.WARNING, logger="abci_mpc.chain.abci"):
        c.sock.sendall(b"\x10abc")  # announces 16 bytes, sends 3
        c.sock.shutdown(socket.SHUT_WR)
        assert c.closed_by_server()
    assert any("TruncatedFrame" in r.getMessage() for r in caplog.records), caplog.text
    assert server.connect().call(echo=abci.RequestEcho(message="x")).echo.message == "x"


def test_close_drops_connections_and_releases_the_port():
    s = ServerThread(Recorder()).__enter__()
    port = ListenAddress.parse(s.server.address).port
    clients = [s.connect() for _ in range(4)]  # like CometBFT's four connections
    for c in clients:
        assert c.call(echo=abci.RequestEcho(message="up")).echo.message == "up"
    s.close()
    assert all(c.closed_by_server() for c in clients)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_unix_socket_serves_and_cleans_up(tmp_path):
    path = tmp_path / "app.sock"
    with ServerThread(Recorder(), f"unix://{path}") as s:
        assert s.connect().call(echo=abci.RequestEcho(message="u")).echo.message == "u"
    assert not path.exists()


def test_unix_socket_replaces_a_stale_one_but_not_a_live_one_or_a_file(tmp_path):
    stale = tmp_path / "stale.sock"
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(str(stale))
    leftover.close()  # file remains, nobody listens
    with ServerThread(Recorder(), f"unix://{stale}") as s:
        assert s.connect().call(echo=abci.RequestEcho(message="s")).echo.message == "s"
        with pytest.raises(AddressError, match="another server"):
            ServerThread(Recorder(), f"unix://{stale}").__enter__()
    regular = tmp_path / "file"
    regular.write_text("precious")
    with pytest.raises(AddressError, match="not a socket"):
        ServerThread(Recorder(), f"unix://{regular}").__enter__()
    assert regular.read_text() == "precious"


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("tcp://127.0.0.1:26658", ListenAddress("tcp", host="127.0.0.1", port=26658)),
        ("127.0.0.1:1", ListenAddress("tcp", host="127.0.0.1", port=1)),
        ("tcp://[::1]:5", ListenAddress("tcp", host="::1", port=5)),
        ("tcp://:26658", ListenAddress("tcp", host="0.0.0.0", port=26658)),
        ("unix:///tmp/a.sock", ListenAddress("unix", path="/tmp/a.sock")),
    ],
)
def test_address_parsing(text, parsed):
    assert ListenAddress.parse(text) == parsed
    assert ListenAddress.parse(str(parsed)) == parsed


@pytest.mark.parametrize("text", ["http://x:1", "tcp://host", "tcp://h:99999", "unix://", "tcp://h:-1"])
def test_bad_addresses(text):
    with pytest.raises(AddressError):
        ListenAddress.parse(text)


def test_default_prepare_proposal_respects_block_encoding():
    app = Application()
    txs = [b"a" * 100, b"b" * 200, b"c" * 10]
    # Each tx costs tag + length varint + payload: 102, 203, 12.
    req = abci.RequestPrepareProposal(max_tx_bytes=102 + 203, txs=txs)
    assert list(app.prepare_proposal(req).txs) == txs[:2]
    req = abci.RequestPrepareProposal(max_tx_bytes=102 + 202, txs=txs)
    assert list(app.prepare_proposal(req).txs) == txs[:1]  # order kept: c is not pulled ahead


def test_default_application_answers():
    app = Application()
    fin = app.finalize_block(abci.RequestFinalizeBlock(txs=[b"1", b"2"]))
    assert [r.code for r in fin.tx_results] == [0, 0]
    assert app.process_proposal(abci.RequestProcessProposal()).status == abci.ResponseProcessProposal.ACCEPT
    assert app.verify_vote_extension(abci.RequestVerifyVoteExtension()).status == abci.ResponseVerifyVoteExtension.ACCEPT
    assert app.offer_snapshot(abci.RequestOfferSnapshot()).result == abci.ResponseOfferSnapshot.ABORT
    assert not app.list_snapshots(abci.RequestListSnapshots()).snapshots
    assert app.extend_vote(abci.RequestExtendVote()).vote_extension == b""



def test_large_request_spanning_many_reads(server):
    c = server.connect()
    tx = b"ok" + os.urandom(3 * 1024 * 1024)
    assert c.call(check_tx=abci.RequestCheckTx(tx=tx)).check_tx.code == 0
    assert server.app.calls == ["check_tx:" + tx[:8].decode(errors="replace")]


def test_frame_at_the_limit_passes_and_one_byte_more_does_not():
    request = abci.Request(echo=abci.RequestEcho(message="x" * 100)).SerializeToString()
    with ServerThread(Recorder(), max_message_size=len(request)) as s:
        ok = s.connect()
        ok.sock.sendall(encode_frame(request))
        assert ok.recv().echo.message == "x" * 100
        too_big = s.connect()
        bigger = abci.Request(echo=abci.RequestEcho(message="x" * 101)).SerializeToString()
        too_big.sock.sendall(encode_frame(bigger))
        assert too_big.closed_by_server()


def test_serve_runs_until_cancelled_then_cleans_up(tmp_path):
    path = tmp_path / "serve.sock"

    async def scenario():
        task = asyncio.create_task(serve(Recorder(), f"unix://{path}"))
        for _ in range(100):
            if path.exists():
                break
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_unix_connection(str(path))
        writer.write(encode_frame(abci.Request(echo=abci.RequestEcho(message="s")).SerializeToString()))
        frames = FrameDecoder().feed(await reader.read(100))
        assert abci.Response.FromString(frames[0]).echo.message == "s"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await reader.read(1) == b""  # our connection was closed too
        writer.close()

    asyncio.run(asyncio.wait_for(scenario(), 10))
    assert not path.exists()
