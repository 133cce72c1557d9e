"""`abci-mpc start` as a process, without a CometBFT node: the test speaks ABCI to it and plays
the node's bridge (a loopback server that greets with a node ID), so each case is quick.
The real node and localnet are in tests/e2e."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from abci_mpc.chain import bridge_pb2
from abci_mpc.engine.cluster import free_ports
from abci_mpc.chain.abci import FrameDecoder, types_pb2 as abci
from abci_mpc.chain.abci.framing import encode_frame as abci_frame
from abci_mpc.chain.bridge import encode_frame as bridge_frame
from abci_mpc.engine.keyfile import read_identity
from abci_mpc.home import init_home
from abci_mpc.localnet import _group_members, _port_free, abci_mpc_command

NODE_ID = "ab" * 20
OTHER_ID = "cd" * 20


class FakeBridge:
    """Greets every client with NodeInfo(node_id), then reads until the client goes."""

    def __init__(self, node_id: str) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.node_id = node_id
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.sendall(bridge_frame(bridge_pb2.Frame(node_info=bridge_pb2.NodeInfo(node_id=self.node_id))))
            threading.Thread(target=lambda c=conn: _drain(c), daemon=True).start()

    def close(self) -> None:
        self.sock.close()


def _drain(conn: socket.socket) -> None:
    with conn:
        while conn.recv(65536):
            pass


class App:
    def __init__(self, home: Path, bridge: str = "tcp://127.0.0.1:1", env: dict | None = None, extra=(),
                 port: int | None = None):
        self.home, self.port = home, port or free_ports(1)[0]
        self.log = home / f"app-{self.port}.log"
        cmd = [*abci_mpc_command(), "start", "--home", str(home), "--abci.listen", f"tcp://127.0.0.1:{self.port}",
               "--node.bridge", bridge, "--engine.workers", "1", *extra]
        with open(self.log, "wb") as f:
            self.proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**os.environ, **(env or {})})

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while what not in self.text():
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {what!r} in:\n{self.text()}"
            time.sleep(0.05)

    def wait_listening(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while _port_free(self.port):
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.text()}"
            assert time.monotonic() < deadline, self.text()
            time.sleep(0.05)

    def abci(self, **request) -> abci.Response:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(abci_frame(abci.Request(**request).SerializeToString()))
            dec = FrameDecoder()
            while True:
                frames = dec.feed(s.recv(65536))
                if frames:
                    return abci.Response.FromString(frames[0])

    def result(self, timeout: float = 30) -> tuple[int, str]:
        try:
            self.proc.wait(timeout)
        finally:
            self.kill()
        return self.proc.returncode, self.text()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def home(tmp_path):
    entry = init_home(tmp_path / "app", NODE_ID)
    return tmp_path / "app", entry


def genesis(entry: dict, **changes) -> bytes:
    me = {**entry, **changes}
    other = {"node_id": OTHER_ID, "sign_key": "11" * 32, "enc_key": "22" * 32}
    return json.dumps({"requesters": ["33" * 32], "parties": [me, other], "session_timeout_blocks": 10}).encode()


def one_line_error(rc: int, out: str) -> str:
    assert rc == 1, out
    lines = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in out, out
    return lines[0]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_runs_the_engine_and_stops_cleanly(home, sig):
    home, entry = home
    bridge = FakeBridge(NODE_ID)
    app = App(home, bridge.url)
    try:
        app.wait_listening()
        info = app.abci(info=abci.RequestInfo())
        assert (info.info.data, info.info.last_block_height) == ("abci-mpc", 0)
        resp = app.abci(init_chain=abci.RequestInitChain(chain_id="c", initial_height=1, app_state_bytes=genesis(entry)))
        assert resp.WhichOneof("value") == "init_chain", resp
        app.wait_for("MPC engine started as party " + NODE_ID)
        assert len(_group_members(app.proc.pid)) >= 2  # the app and its crypto worker(s)
        os.kill(app.proc.pid, sig)
        rc, out = app.result(20)
    finally:
        app.kill()
        bridge.close()
    assert rc == 0, out
    assert "msg=stopped" in out
    deadline = time.monotonic() + 5  # workers notice their parent is gone within a second
    while _group_members(app.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(app.proc.pid) == []  # no worker left behind
    identity = read_identity(home / "config" / "identity.key")
    for secret in (identity.signer.seed().hex(), (home / "config" / "store.key").read_text().strip()):
        assert secret not in out


def test_refuses_a_bridge_of_another_node(home):
    bridge = FakeBridge(OTHER_ID)
    app = App(home[0], bridge.url)
    rc, out = app.result()
    bridge.close()
    err = one_line_error(rc, out)
    assert f"belongs to node {OTHER_ID}" in err and f"identity is for node {NODE_ID}" in err


def test_refuses_an_identity_the_genesis_does_not_list(home):
    home, entry = home
    bridge = FakeBridge(NODE_ID)
    app = App(home, bridge.url)
    try:
        app.wait_listening()
        app.abci(init_chain=abci.RequestInitChain(chain_id="c", initial_height=1,
                                                  app_state_bytes=genesis(entry, sign_key="44" * 32)))
        rc, out = app.result()
    finally:
        bridge.close()
    assert "wrong identity file" in one_line_error(rc, out)


@pytest.mark.parametrize("setup, words", [
    (lambda h: (h / "config.toml").write_text("[engine]\nworkers = \"many\"\n"),
     ["config.toml: [engine] workers", "integer"]),
    (lambda h: (h / "config" / "identity.key").chmod(0o644), ["identity.file", "chmod 600"]),
    (lambda h: (h / "config" / "store.key").write_text("00" * 32 + "\n"), ["store.path", "does not open this store"]),
    (lambda h: (h / "config" / "store.key").unlink(), ["store.secret_file", "store.key"]),
    (lambda h: (h / "data" / "keystore" / "store.meta").unlink(), ["store.path", "no key store"]),
])
def test_bad_home_is_one_line_naming_the_setting(home, setup, words):
    setup(home[0])
    err = one_line_error(*App(home[0]).result())
    for w in words:
        assert w in err, err


def test_bad_env_and_flag_name_their_source(home):
    err = one_line_error(*App(home[0], env={"ABCI_MPC_LOG_LEVEL": "loud"}).result())
    assert "ABCI_MPC_LOG_LEVEL" in err
    err = one_line_error(*App(home[0], extra=("--engine.sign_timeout", "-1")).result())
    assert "flag --engine.sign_timeout" in err


def test_abci_address_in_use(home):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        app = App(home[0], port=taken.getsockname()[1])
        err = one_line_error(*app.result())
    assert f"abci.listen tcp://127.0.0.1:{app.port}" in err and "in use" in err


def test_a_second_instance_on_one_home_is_refused(home):
    first = App(home[0])
    try:
        first.wait_listening()
        err = one_line_error(*App(home[0]).result())
    finally:
        first.kill()
    assert "store.path" in err and "open elsewhere" in err
