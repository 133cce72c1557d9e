"""Helpers for the chain application's tests: genesis with test identities, an
in-process harness driving MPCApp's ABCI methods, and a single-validator
abci-mpc-node running MPCApp over our ABCI server.

    net = TestGenesis.make(parties=4)
    chain = AppHarness(tmp_path / "a", net)
    chain.block(net.keygen("k1", 2))
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from coincurve import PrivateKey

from abci_mpc.chain import tx_pb2, txs
from abci_mpc.chain.abci import ABCIServer, types_pb2 as abci
from abci_mpc.chain.app import MPCApp
from abci_mpc.localnet import edit_config_toml
from abci_mpc.tss.identity import Ed25519Signer

from nodeutil import NODE_BIN, build_node, free_ports

CHAIN_ID = "test-chain"


@dataclass
class TestParty:
    node_id: str
    signer: Ed25519Signer
    enc_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def genesis(self) -> dict:
        return {"node_id": self.node_id, "sign_key": self.signer.public_key.hex(), "enc_key": self.enc_key}


@dataclass
class TestGenesis:
    __test__ = False

    requester: Ed25519Signer
    parties: list[TestParty]
    timeout: int
    chain_id: str = CHAIN_ID
    outsider: Ed25519Signer = field(default_factory=Ed25519Signer.generate)

    @classmethod
    def make(cls, parties: int = 3, timeout: int = 10, node_ids: list[str] | None = None) -> TestGenesis:
        ids = list(node_ids or []) + [secrets.token_hex(20) for _ in range(parties - len(node_ids or []))]
        return cls(Ed25519Signer.generate(), [TestParty(i, Ed25519Signer.generate()) for i in ids], timeout)

    @property
    def ids(self) -> list[str]:
        return [p.node_id for p in self.parties]

    def app_state(self) -> dict:
        return {"requesters": [self.requester.public_key.hex()],
                "parties": [p.genesis() for p in self.parties],
                "session_timeout_blocks": self.timeout}

    def party(self, node_id: str) -> TestParty:
        return next(p for p in self.parties if p.node_id == node_id)

    # requests
    def request(self, payload, signer: Ed25519Signer | None = None, chain_id: str | None = None) -> bytes:
        return txs.build(signer or self.requester, chain_id or self.chain_id, payload)

    def keygen(self, key_id: str, t: int, parties: list[str] | None = None, **kw) -> bytes:
        return self.request(tx_pb2.KeyGenRequest(key_id=key_id, threshold=t, parties=parties or self.ids), **kw)

    def sign(self, key_id: str, sign_id: str, digest: bytes, **kw) -> bytes:
        return self.request(tx_pb2.SignRequest(key_id=key_id, sign_id=sign_id, digest=digest), **kw)

    def reshare(self, key_id: str, t: int, parties: list[str], **kw) -> bytes:
        return self.request(tx_pb2.ReshareRequest(key_id=key_id, new_threshold=t, new_parties=parties), **kw)

    def refresh(self, key_id: str, **kw) -> bytes:
        return self.request(tx_pb2.RefreshRequest(key_id=key_id), **kw)

    def delete(self, key_id: str, **kw) -> bytes:
        return self.request(tx_pb2.DeleteRequest(key_id=key_id), **kw)

    # results
    def result(self, node_id: str, payload) -> bytes:
        return txs.build(self.party(node_id).signer, self.chain_id, payload)

    def keygen_result(self, node_id: str, request: bytes, pubkey: bytes, key_id: str | None = None) -> bytes:
        sid, kid = _sid_key(request)
        return self.result(node_id, tx_pb2.KeyGenResult(session_id=sid, key_id=key_id or kid, pubkey=pubkey))

    def sign_result(self, node_id: str, request: bytes, sk: PrivateKey, digest: bytes) -> bytes:
        sid, kid = _sid_key(request)
        sig = sk.sign_recoverable(digest, hasher=None)  # libsecp256k1: low-S, v in {0, 1}
        sign_id = txs.decode(request).payload.sign_id
        return self.result(node_id, tx_pb2.SignResult(session_id=sid, key_id=kid, sign_id=sign_id,
                                                      r=sig[:32], s=sig[32:64], v=sig[64]))

    def reshare_result(self, node_id: str, request: bytes, pubkey: bytes, member: bool) -> bytes:
        sid, kid = _sid_key(request)
        return self.result(node_id, tx_pb2.ReshareResult(session_id=sid, key_id=kid, pubkey=pubkey, member=member))

    def refresh_result(self, node_id: str, request: bytes, pubkey: bytes) -> bytes:
        sid, kid = _sid_key(request)
        return self.result(node_id, tx_pb2.RefreshResult(session_id=sid, key_id=kid, pubkey=pubkey, member=True))

    def delete_ack(self, node_id: str, request: bytes) -> bytes:
        sid, kid = _sid_key(request)
        return self.result(node_id, tx_pb2.DeleteAck(session_id=sid, key_id=kid))

    def failure(self, node_id: str, request: bytes, reason: str = "timeout", blames=()) -> bytes:
        sid, kid = _sid_key(request)
        return self.result(node_id, tx_pb2.SessionFailure(session_id=sid, key_id=kid, reason=reason, blames=list(blames)))


def _sid_key(request: bytes) -> tuple[bytes, str]:
    tx = txs.decode(request)
    return tx.session_id, tx.payload.key_id


def sid_hex(request: bytes) -> str:
    return txs.decode(request).session_id.hex()


class AppHarness:
    """MPCApp driven through its ABCI methods, as the node would."""

    def __init__(self, path: Path, net: TestGenesis, my_party: str | None = None, init: bool = True) -> None:
        self.path, self.net, self.my_party = path, net, my_party
        self.handed: list = []
        self.app = MPCApp(path, my_party_id=my_party, on_committed=self.handed.append)
        if init and self.app.height == 0:
            self.app.init_chain(abci.RequestInitChain(
                chain_id=net.chain_id, initial_height=1, app_state_bytes=json.dumps(net.app_state()).encode()))

    @property
    def height(self) -> int:
        return self.app.height

    def reopen(self) -> AppHarness:
        self.app.close()
        return AppHarness(self.path, self.net, self.my_party)

    def check(self, tx: bytes, recheck: bool = False) -> tuple[int, str]:
        kind = abci.RECHECK if recheck else abci.NEW
        r = self.app.check_tx(abci.RequestCheckTx(tx=tx, type=kind))
        return r.code, r.log

    def finalize(self, *txs_: bytes) -> abci.ResponseFinalizeBlock:
        return self.app.finalize_block(abci.RequestFinalizeBlock(height=self.height + 1, txs=list(txs_)))

    def block(self, *txs_: bytes) -> abci.ResponseFinalizeBlock:
        resp = self.finalize(*txs_)
        self.app.commit(abci.RequestCommit())
        return resp

    def blocks(self, n: int) -> list[abci.ResponseFinalizeBlock]:
        return [self.block() for _ in range(n)]

    def query(self, path: str) -> tuple[int, dict | None, str]:
        r = self.app.query(abci.RequestQuery(path=path))
        return r.code, (json.loads(r.value) if r.value else None), r.log

    def q(self, path: str) -> dict:
        code, value, log = self.query(path)
        assert code == 0, f"{path}: {code} {log}"
        return value


def new_ecdsa_key() -> tuple[PrivateKey, bytes]:
    sk = PrivateKey()
    return sk, sk.public_key.format(compressed=True)


# --- a single-validator node running MPCApp ----------------------------------------------


class AppServer:
    """MPCApp behind our ABCI server on its own event-loop thread."""

    def __init__(self, state_dir: Path, port: int, my_party: str | None = None) -> None:
        self.handed: list = []
        self.app = MPCApp(state_dir, my_party_id=my_party, on_committed=self.handed.append)
        self.server = ABCIServer(self.app, f"tcp://127.0.0.1:{port}")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)

    def stop(self) -> None:
        if self._loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
        self.app.close()


class MPCNode:
    """One abci-mpc-node home whose genesis carries an MPC app_state; the first party is this node."""

    def __init__(self, home: Path, parties: int = 3, timeout: int = 20) -> None:
        build_node()
        self.home = home
        self.abci_port, self.rpc_port, self.p2p_port = free_ports(3)
        self.proc: subprocess.Popen | None = None
        self.app: AppServer | None = None
        subprocess.run([NODE_BIN, "init", "--home", home], check=True, capture_output=True, timeout=60)
        edit_config_toml(home / "config" / "config.toml", {
            ("", "proxy_app"): f'"tcp://127.0.0.1:{self.abci_port}"',
            ("rpc", "laddr"): f'"tcp://127.0.0.1:{self.rpc_port}"',
            ("p2p", "laddr"): f'"tcp://127.0.0.1:{self.p2p_port}"',
            ("p2p", "pex"): "false",
            ("consensus", "timeout_commit"): '"150ms"',
            ("consensus", "timeout_propose"): '"1s"',
        })
        self.node_id = subprocess.run([NODE_BIN, "show-node-id", "--home", home], check=True,
                                      capture_output=True, text=True).stdout.strip()
        self.net = TestGenesis.make(parties, timeout, node_ids=[self.node_id])
        genesis_path = home / "config" / "genesis.json"
        genesis = json.loads(genesis_path.read_text())
        genesis["app_state"] = self.net.app_state()
        self.net.chain_id = genesis["chain_id"]
        genesis_path.write_text(json.dumps(genesis, indent=2))

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"

    def start(self) -> None:
        self.app = AppServer(self.home / "app-state", self.abci_port, my_party=self.node_id)
        with open(self.home / "node.log", "ab") as log:
            self.proc = subprocess.Popen(
                [NODE_BIN, "start", "--home", self.home, "--mpc.bridge", f"unix://{self.home}/mpc.sock"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        if self.app is not None:
            self.app.stop()
            self.app = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join((self.home / "node.log").read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no node log)"

    def wait_for_height(self, height: int, timeout: float = 30.0) -> int:
        from abci_mpc.chain.rpc import NodeRPC
        rpc = NodeRPC(self.rpc_url, timeout=2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                h = rpc.latest_height()
                if h >= height:
                    return h
            except Exception:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"height {height} not reached:\n{self.log_tail()}")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeParties:
    """Stands in for every party's engine: answers the requests the node's app hands
    off (the node is a party of every key here) with result txs sent through a
    ResultSubmitter per party. One plain secp256k1 key per key_id: no MPC."""

    def __init__(self, node: MPCNode, answer: bool = True) -> None:
        from abci_mpc.chain.rpc import NodeRPC
        from abci_mpc.chain.submitter import ResultSubmitter

        self.node, self.answer = node, answer
        self.keys: dict[str, PrivateKey] = {}
        self.submitters = {
            p.node_id: ResultSubmitter(p.signer, node.net.chain_id, NodeRPC(node.rpc_url), backoff=0.1)
            for p in node.net.parties
        }
        for s in self.submitters.values():
            s.start()
        self._seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for s in self.submitters.values():
            s.close()

    def _run(self) -> None:
        current = None
        while not self._stop.wait(0.05):
            app = self.node.app
            if app is None:
                continue
            if app is not current:  # the node restarted with a new app process
                current, self._seen = app, 0
            while self._seen < len(app.handed):
                request = app.handed[self._seen]
                self._seen += 1
                if self.answer:
                    self._handle(request)

    def _handle(self, req) -> None:
        from abci_mpc.engine import api as engine

        members = self.node.net.ids
        if isinstance(req, engine.KeygenRequest):
            sk = self.keys.setdefault(req.key_id, PrivateKey())
            for p in req.parties:
                self.submitters[p].submit(engine.KeygenDone(req.session_id, req.key_id, sk.public_key.format()))
        elif isinstance(req, engine.SignRequest):
            sig = self.keys[req.key_id].sign_recoverable(req.digest, hasher=None)
            self.submitters[members[0]].submit(engine.SignDone(
                req.session_id, req.key_id, req.sign_id,
                int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]))
        elif isinstance(req, (engine.ReshareRequest, engine.RefreshRequest)):
            from abci_mpc.chain.rpc import NodeRPC
            pk = self.keys[req.key_id].public_key.format()
            old = NodeRPC(self.node.rpc_url).abci_query(f"/key/{req.key_id}").json()["parties"]
            if isinstance(req, engine.RefreshRequest):
                for p in old:
                    self.submitters[p].submit(engine.RefreshDone(req.session_id, req.key_id, pk))
                return
            for p in dict.fromkeys(old + list(req.new_parties)):
                member = p in req.new_parties
                self.submitters[p].submit(engine.ReshareDone(req.session_id, req.key_id, pk if member else b"", member))
        elif isinstance(req, engine.DeleteRequest):
            for p in members:
                self.submitters[p].submit(engine.DeleteAcked(req.session_id, req.key_id))
