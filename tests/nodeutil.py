"""Real abci-mpc-node processes on loopback for tests.

    net = Testnet.create(tmp_path, validators=2)   # builds the binary if needed
    net.start()
    ...  net.nodes[0].node_id, .rpc_url, .bridge_url, .kill(), .start()
    net.stop()

Every process is started in its own session and stopped by its pid only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from abci_mpc.engine.cluster import free_ports

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "build" / "bin" / "abci-mpc-node"


def build_node() -> Path:
    """Builds build/bin/abci-mpc-node through scripts/build-node (a no-op when fresh)."""
    subprocess.run([str(ROOT / "scripts" / "build-node")], check=True)
    return NODE_BIN


def short_socket_dir() -> Path:
    """A fresh directory short enough for unix socket paths (about 100 bytes max)."""
    return Path(tempfile.mkdtemp(prefix="amn-", dir="/tmp"))


@dataclass
class Node:
    home: Path
    p2p_port: int
    rpc_port: int
    bridge_url: str
    proxy_app: str = "kvstore"
    peers: list[str] = field(default_factory=list)  # "id@127.0.0.1:port"
    proc: subprocess.Popen | None = None

    @property
    def node_id(self) -> str:
        out = subprocess.run(
            [str(NODE_BIN), "show-node-id", "--home", str(self.home)],
            check=True, capture_output=True, text=True,
        )
        return out.stdout.strip()

    @property
    def p2p_address(self) -> str:
        return f"{self.node_id}@127.0.0.1:{self.p2p_port}"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.rpc_port}"

    @property
    def log_path(self) -> Path:
        return self.home / "node.log"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        cmd = [
            str(NODE_BIN), "start", "--home", str(self.home),
            "--proxy_app", self.proxy_app,
            "--p2p.laddr", f"tcp://127.0.0.1:{self.p2p_port}",
            "--rpc.laddr", f"tcp://127.0.0.1:{self.rpc_port}",
            "--p2p.persistent_peers", ",".join(self.peers),
            "--mpc.bridge", self.bridge_url,
        ]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the node vanishes without closing its connections itself."""
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within timeout."""
        if not self.running():
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def status(self, timeout: float = 2.0) -> dict:
        with urllib.request.urlopen(f"{self.rpc_url}/status", timeout=timeout) as resp:
            return json.load(resp)["result"]

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Testnet:
    __test__ = False  # not a pytest test class

    nodes: list[Node]
    socket_dir: Path

    @classmethod
    def create(
        cls, base: Path, validators: int, proxy_app: str = "kvstore", bridge: str = "unix"
    ) -> Testnet:
        """Writes a testnet with `abci-mpc-node testnet`, every node on its own
        loopback ports and peered with all the others. bridge is "unix" (a
        socket per node in a short temp dir), "tcp" (a loopback port per node)
        or "mixed" (alternating, to cover both)."""
        build_node()
        subprocess.run(
            [str(NODE_BIN), "testnet", "--v", str(validators), "--o", str(base),
             "--populate-persistent-peers=false"],
            check=True, capture_output=True,
        )
        socket_dir = short_socket_dir()
        ports = free_ports(3 * validators)
        nodes = []
        for i in range(validators):
            p2p, rpc, bridge_port = ports[3 * i: 3 * i + 3]
            use_tcp = bridge == "tcp" or (bridge == "mixed" and i % 2 == 1)
            url = f"tcp://127.0.0.1:{bridge_port}" if use_tcp else f"unix://{socket_dir}/n{i}.sock"
            nodes.append(Node(base / f"node{i}", p2p, rpc, url, proxy_app))
        for node in nodes:
            node.peers = [other.p2p_address for other in nodes if other is not node]
        return cls(nodes, socket_dir)

    def start(self) -> None:
        for node in self.nodes:
            node.start()

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def wait_for_height(self, height: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(int(n.status()["sync_info"]["latest_block_height"]) >= height for n in self.nodes):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"height {height} not reached in {timeout}s\n{self.logs()}")

    def logs(self, lines: int = 20) -> str:
        return "\n".join(f"--- {n.home.name}\n{n.log_tail(lines)}" for n in self.nodes)
