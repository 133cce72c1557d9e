"""The ABCI server against the real node binary (build/bin/abci-mpc-node).

A single-validator chain on loopback runs a small kvstore app over our server:
txs go in through the node's JSON-RPC, CheckTx rejections come back to the
client, queries read committed state, and after restarts (including one where
the app lost its latest blocks) the node's handshake brings the app back to
the chain's height and app hash.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from abci_mpc.chain.abci import ABCIServer, Application, types_pb2 as abci
from abci_mpc.engine.cluster import free_ports
from abci_mpc.localnet import edit_config_toml

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "build" / "bin" / "abci-mpc-node"

pytestmark = pytest.mark.slow

CODE_MALFORMED = 1  # no '=' in the tx
CODE_EMPTY_KEY = 2
GENESIS_STATE = {"greeting": "hello"}


# --- the app -----------------------------------------------------------------


def _check(tx: bytes) -> tuple[int, str]:
    if b"=" not in tx:
        return CODE_MALFORMED, "tx must look like key=value"
    if tx.startswith(b"="):
        return CODE_EMPTY_KEY, "key must not be empty"
    return 0, ""


class KVApp(Application):
    """key=value store; the app hash chains the previous hash, the height and the state."""

    def __init__(self, state_file: Path) -> None:
        self.state_file = state_file
        if state_file.exists():
            saved = json.loads(state_file.read_text())
        else:
            saved = {"height": 0, "app_hash": "", "kv": {}}
        self.height = saved["height"]
        self.app_hash = bytes.fromhex(saved["app_hash"])
        self.kv: dict[str, str] = saved["kv"]
        self._pending: tuple[int, bytes, dict[str, str]] | None = None
        # Observations for the test; not part of the state.
        self.init_chain_request: abci.RequestInitChain | None = None
        self.finalized_heights: list[int] = []
        self.hash_at: dict[int, bytes] = {}
        self.extensions_seen: dict[int, list[bytes]] = {}

    def info(self, req):
        return abci.ResponseInfo(
            data="kvapp", version="1", app_version=1,
            last_block_height=self.height, last_block_app_hash=self.app_hash,
        )

    def init_chain(self, req):
        self.init_chain_request = req
        self.kv = json.loads(req.app_state_bytes or b"{}")
        self.app_hash = hashlib.sha256(_canonical(self.kv)).digest()
        return abci.ResponseInitChain(app_hash=self.app_hash)

    def check_tx(self, req):
        code, log = _check(req.tx)
        return abci.ResponseCheckTx(code=code, log=log)

    def prepare_proposal(self, req):
        self.extensions_seen[req.height] = [v.vote_extension for v in req.local_last_commit.votes]
        return super().prepare_proposal(req)

    def extend_vote(self, req):
        return abci.ResponseExtendVote(vote_extension=b"ext:%d" % req.height)

    def verify_vote_extension(self, req):
        ok = req.vote_extension == b"ext:%d" % req.height
        status = abci.ResponseVerifyVoteExtension
        return status(status=status.ACCEPT if ok else status.REJECT)

    def finalize_block(self, req):
        kv = dict(self.kv)
        results = []
        for tx in req.txs:
            code, log = _check(tx)
            events = []
            if code == 0:
                key, _, value = tx.decode().partition("=")
                kv[key] = value
                events.append(abci.Event(
                    type="kv", attributes=[abci.EventAttribute(key="key", value=key, index=True)]
                ))
            results.append(abci.ExecTxResult(code=code, log=log, events=events))
        app_hash = hashlib.sha256(
            self.app_hash + req.height.to_bytes(8, "big") + _canonical(kv)
        ).digest()
        self._pending = (req.height, app_hash, kv)
        self.finalized_heights.append(req.height)
        return abci.ResponseFinalizeBlock(tx_results=results, app_hash=app_hash)

    def commit(self, req):
        assert self._pending is not None, "commit without finalize_block"
        self.height, self.app_hash, self.kv = self._pending
        self._pending = None
        self.hash_at[self.height] = self.app_hash
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(
            {"height": self.height, "app_hash": self.app_hash.hex(), "kv": self.kv}
        ))
        os.replace(tmp, self.state_file)  # atomic: a crash leaves the old or the new state
        return abci.ResponseCommit()

    def query(self, req):
        if req.path != "/key":
            return abci.ResponseQuery(code=1, log=f"unknown path {req.path!r}")
        value = self.kv.get(req.data.decode())
        return abci.ResponseQuery(
            code=0, key=req.data, value=(value or "").encode(), height=self.height,
            log="exists" if value is not None else "does not exist",
        )


def _canonical(kv: dict[str, str]) -> bytes:
    return json.dumps(kv, sort_keys=True, separators=(",", ":")).encode()


# --- processes -----------------------------------------------------------------


class AppProcess:
    """Our ABCI server with a KVApp, on its own event loop thread."""

    def __init__(self, state_file: Path, port: int) -> None:
        self.app = KVApp(state_file)
        self.server = ABCIServer(self.app, f"tcp://127.0.0.1:{port}")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            self._call(self.server.start())
        except BaseException:
            self.stop()
            raise

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        self._call(self.server.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


class Node:
    """One abci-mpc-node home on loopback ports; start/stop the process."""

    def __init__(self, binary: Path, home: Path) -> None:
        self.binary, self.home = binary, home
        self.abci_port, self.rpc_port, self.p2p_port = free_ports(3)
        self.proc: subprocess.Popen | None = None
        self.log_path = home / "node.log"
        subprocess.run(
            [binary, "init", "--home", home], check=True, capture_output=True, timeout=60
        )
        edit_config_toml(home / "config" / "config.toml", {
            ("", "proxy_app"): f'"tcp://127.0.0.1:{self.abci_port}"',
            ("rpc", "laddr"): f'"tcp://127.0.0.1:{self.rpc_port}"',
            ("p2p", "laddr"): f'"tcp://127.0.0.1:{self.p2p_port}"',
            ("p2p", "pex"): "false",
            ("consensus", "timeout_commit"): '"200ms"',
            ("consensus", "timeout_propose"): '"1s"',
        })
        genesis_path = home / "config" / "genesis.json"
        genesis = json.loads(genesis_path.read_text())
        genesis["app_state"] = GENESIS_STATE
        # Vote extensions from height 2 on, so ExtendVote and the extended
        # commit in PrepareProposal cross the wire too.
        genesis["consensus_params"]["abci"]["vote_extensions_enable_height"] = "2"
        genesis_path.write_text(json.dumps(genesis, indent=2))
        self.genesis = genesis

    def start(self) -> None:
        assert self.proc is None
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "start", "--home", self.home],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no node log)"

    def rpc(self, method: str, **params):
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.rpc_port}", data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=15) as resp:
            reply = json.loads(resp.read())
        assert "error" not in reply, f"{method}: {reply['error']}"
        return reply["result"]

    def height(self) -> int:
        return int(self.rpc("status")["sync_info"]["latest_block_height"])

    def wait_for_height(self, height: int, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                pytest.fail(f"node exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                h = self.height()
                if h >= height:
                    return h
            except OSError as exc:  # RPC not up yet
                last_error = exc
            time.sleep(0.1)
        pytest.fail(f"node did not reach height {height} ({last_error}):\n{self.log_tail()}")

    def block_app_hash(self, height: int) -> bytes:
        """The app hash recorded in block ``height``: the app's hash after ``height - 1``."""
        header = self.rpc("block", height=str(height))["block"]["header"]
        return bytes.fromhex(header["app_hash"])

    def broadcast_commit(self, tx: bytes) -> dict:
        return self.rpc("broadcast_tx_commit", tx=base64.b64encode(tx).decode())

    def broadcast_sync(self, tx: bytes) -> dict:
        return self.rpc("broadcast_tx_sync", tx=base64.b64encode(tx).decode())

    def query(self, key: str) -> dict:
        return self.rpc("abci_query", path="/key", data=key.encode().hex())["response"]


@pytest.fixture(scope="session")
def node_binary() -> Path:
    """Builds build/bin/abci-mpc-node with the project's own script (a no-op when fresh)."""
    build = subprocess.run(
        [ROOT / "scripts" / "build-node"], capture_output=True, text=True, timeout=900
    )
    assert build.returncode == 0, f"scripts/build-node failed:\n{build.stdout}\n{build.stderr}"
    assert os.access(NODE_BIN, os.X_OK), f"{NODE_BIN} was not built"
    return NODE_BIN


@pytest.fixture
def chain(node_binary, tmp_path_factory):
    """A fresh single-validator home, and a cleanup that stops whatever was started."""
    home = tmp_path_factory.mktemp("node")  # short: the node puts a unix socket in it
    node = Node(node_binary, home)
    apps: list[AppProcess] = []

    def start_app() -> AppProcess:
        app = AppProcess(home / "kvapp.json", node.abci_port)
        apps.append(app)
        return app

    try:
        yield node, start_app
    finally:
        node.stop()
        for app in apps:
            app.stop()


# --- tests ------------------------------------------------------------------------


def test_transactions_queries_and_rejections(chain):
    node, start_app = chain
    proc = start_app()
    app = proc.app
    node.start()
    node.wait_for_height(1)

    # The node opened its four ABCI connections and handed us genesis.
    assert proc.server.connections == 4
    init = app.init_chain_request
    assert init.chain_id == node.genesis["chain_id"]
    assert init.initial_height == 1
    assert json.loads(init.app_state_bytes) == GENESIS_STATE
    [validator] = init.validators
    genesis_validator = node.genesis["validators"][0]
    assert validator.pub_key.ed25519 == base64.b64decode(genesis_validator["pub_key"]["value"])
    assert validator.power == int(genesis_validator["power"])
    assert init.consensus_params.abci.vote_extensions_enable_height == 2

    committed = node.broadcast_commit(b"name=satoshi")
    assert committed["check_tx"]["code"] == 0
    assert committed["tx_result"]["code"] == 0
    assert committed["tx_result"]["events"] == [
        {"type": "kv", "attributes": [{"key": "key", "value": "name", "index": True}]}
    ]
    tx_height = int(committed["height"])
    assert tx_height in app.finalized_heights

    # CheckTx rejections reach the client with the app's code and log.
    rejected = node.broadcast_sync(b"no-equals-sign")
    assert (rejected["code"], rejected["log"]) == (CODE_MALFORMED, "tx must look like key=value")
    rejected = node.broadcast_commit(b"=value")
    assert rejected["check_tx"]["code"] == CODE_EMPTY_KEY
    assert rejected["check_tx"]["log"] == "key must not be empty"
    assert int(rejected["height"]) == 0  # never made it into a block

    found = node.query("name")
    assert base64.b64decode(found["value"]) == b"satoshi"
    assert found["log"] == "exists"
    assert int(found["height"]) >= tx_height
    assert base64.b64decode(node.query("greeting")["value"]) == b"hello"  # from genesis
    assert node.query("nobody")["log"] == "does not exist"

    # Info over the query connection, and the block headers, agree with the app.
    h = node.wait_for_height(tx_height + 2)
    info = node.rpc("abci_info")["response"]
    assert info["data"] == "kvapp"
    assert int(info["last_block_height"]) >= h - 1
    assert node.block_app_hash(tx_height + 1) == app.hash_at[tx_height]

    # Vote extensions made the round trip: our ExtendVote at h-1 shows up in
    # PrepareProposal at h.
    extended = [height for height, exts in app.extensions_seen.items() if height >= 3]
    assert extended, "no PrepareProposal after vote extensions were enabled"
    for height in extended:
        assert app.extensions_seen[height] == [b"ext:%d" % (height - 1)]


def test_restart_and_handshake_replay(chain):
    node, start_app = chain
    proc = start_app()
    app = proc.app
    node.start()
    node.wait_for_height(1)
    node.broadcast_commit(b"a=1")
    early = node.home / "kvapp.early.json"
    shutil.copy(node.home / "kvapp.json", early)  # app state at some early height
    early_height = json.loads(early.read_text())["height"]
    node.broadcast_commit(b"b=2")
    node.wait_for_height(early_height + 3)

    # Plain restart of both: the app resumes from its file, the handshake's
    # Info shows the node nothing to replay, and the chain continues.
    node.stop()
    proc.stop()
    proc = start_app()
    app = proc.app
    stopped_height, stopped_hash = app.height, app.app_hash
    node.start()
    assert stopped_height >= early_height + 2
    node.wait_for_height(stopped_height + 2)
    assert app.finalized_heights[0] == stopped_height + 1  # nothing re-executed
    assert node.block_app_hash(stopped_height + 1) == stopped_hash
    assert base64.b64decode(node.query("b")["value"]) == b"2"

    # Restart with the app rolled back to the early state, as after losing
    # its last blocks: the handshake replays them through FinalizeBlock and
    # the recomputed hashes must equal those the chain recorded.
    node.stop()
    proc.stop()
    latest_height = app.height
    shutil.copy(early, node.home / "kvapp.json")
    proc = start_app()
    app = proc.app
    assert app.height == early_height
    node.start()
    node.wait_for_height(latest_height + 2)
    replayed = app.finalized_heights[: latest_height - early_height]
    assert replayed == list(range(early_height + 1, latest_height + 1))
    for height in (early_height + 1, latest_height):
        assert node.block_app_hash(height + 1) == app.hash_at[height]
    assert base64.b64decode(node.query("b")["value"]) == b"2"  # replayed tx is back

    after = node.broadcast_commit(b"c=3")
    assert after["tx_result"]["code"] == 0
    assert base64.b64decode(node.query("c")["value"]) == b"3"


def test_garbage_connection_does_not_disturb_the_node(chain):
    node, start_app = chain
    proc = start_app()
    node.start()
    node.wait_for_height(2)
    with socket.create_connection(("127.0.0.1", node.abci_port), timeout=5) as bad:
        bad.sendall(b"\xff" * 16)  # not a varint: the server must drop this connection
        assert bad.recv(1) == b""
    # The node's four connections were untouched and consensus goes on.
    assert proc.server.connections == 4
    assert node.broadcast_commit(b"still=alive")["tx_result"]["code"] == 0
    assert base64.b64decode(node.query("still")["value"]) == b"alive"
