"""A local testnet on loopback: N validators, each an abci-mpc-node process and an abci-mpc app.

    net = Localnet.up(Path("localnet"), validators=4)    # build, write, start, wait for blocks
    net.validators[0].rpc_url, net.requester_key, net.chain_id
    net.stop([2]); net.start([2])                          # one validator down and back
    net.down()                                             # stops what it started, by pid file

DIR/
  localnet.json          validators, node ids, ports, chain id (written once)
  requester.pem          the genesis requester's key, for `abci-mpc tx --key`
  node<i>/               the CometBFT home (config/, data/) of validator i
  node<i>/app/           the abci-mpc home of validator i (`abci-mpc init`)
  node<i>/{node,app}.log, node<i>/{node,app}.pid

Validator i uses ports base+10i+{0: p2p, 1: RPC, 2: ABCI, 3: bridge, 4: metrics}; with the
default base 26656, validator 0 has CometBFT's default ports (RPC on 26657). A process is
ours only if its pid file names a live process whose command line has our --home, so a
reused pid is never signalled.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .chain.rpc import NodeRPC, NodeUnavailable, RPCError
from .home import init_home, node_identity
from .store.files import write_private

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "build" / "bin" / "abci-mpc-node"
BUILD_SCRIPT = ROOT / "scripts" / "build-node"
CHAIN_ID = "abci-mpc-localnet"
STATE_FILE = "localnet.json"
PORTS = {"p2p": 0, "rpc": 1, "abci": 2, "bridge": 3, "metrics": 4}
LISTENS = {"app": ("abci", "metrics"), "node": ("p2p", "rpc", "bridge")}
Progress = Callable[[str], None]


class LocalnetError(Exception):
    """The localnet cannot be created, started or reached; the message says what to do."""


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Validator:
    index: int
    dir: Path
    node_id: str
    base_port: int

    def port(self, name: str) -> int:
        return self.base_port + 10 * self.index + PORTS[name]

    @property
    def name(self) -> str:
        return f"node{self.index}"

    @property
    def app_home(self) -> Path:
        return self.dir / "app"

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port('rpc')}"

    @property
    def bridge_url(self) -> str:
        return f"tcp://127.0.0.1:{self.port('bridge')}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port('metrics')}/metrics"

    def rpc(self, timeout: float = 2.0) -> NodeRPC:
        return NodeRPC(self.rpc_url, timeout)

    def command(self, proc: str) -> list[str]:
        if proc == "node":
            return [str(NODE_BIN), "start", "--home", str(self.dir), "--mpc.bridge", self.bridge_url]
        return [*abci_mpc_command(), "start", "--home", str(self.app_home)]

    def pid_file(self, proc: str) -> Path:
        return self.dir / f"{proc}.pid"

    def log_file(self, proc: str) -> Path:
        return self.dir / f"{proc}.log"

    def pid(self, proc: str) -> int | None:
        """The pid of our live `proc` ("node" or "app"), else None."""
        try:
            pid = int(self.pid_file(proc).read_text().strip())
        except (OSError, ValueError):
            return None
        home = str(self.dir if proc == "node" else self.app_home)
        return pid if _ours(pid, home) else None


def abci_mpc_command() -> list[str]:
    """The `abci-mpc` command of this installation."""
    script = Path(sys.executable).with_name("abci-mpc")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from abci_mpc.cli.main import main; main()"]


def _ours(pid: int, home: str) -> bool:
    """A live (not zombie) process whose argv has `--home <home>`."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z" and any(a == "--home" and b == home for a, b in zip(argv, argv[1:]))


def build_node(progress: Progress = _stderr) -> Path:
    """Builds build/bin/abci-mpc-node with scripts/build-node (silent when up to date)."""
    if not BUILD_SCRIPT.exists():
        raise LocalnetError(f"{BUILD_SCRIPT} not found: run from a source checkout")
    proc = subprocess.Popen([str(BUILD_SCRIPT)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # the script says when it builds (the first build takes a minute)
        lines.append(line.rstrip())
        progress(line.rstrip())
    if proc.wait() != 0:
        raise LocalnetError(f"scripts/build-node failed: {' / '.join(lines[-5:])}")
    return NODE_BIN


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no conflict
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def edit_config_toml(path: Path, settings: dict[tuple[str, str], str]) -> None:
    """Sets `name = value` under `[section]` ("" = top level) in CometBFT's config.toml."""
    section, out, done = "", [], set()
    for line in path.read_text().splitlines():
        if m := re.match(r"^\[([\w.]+)\]\s*$", line):
            section = m.group(1)
        elif (m := re.match(r"^(\w+)\s*=", line)) and (section, m.group(1)) in settings:
            line = f"{m.group(1)} = {settings[(section, m.group(1))]}"
            done.add((section, m.group(1)))
        out.append(line)
    missing = set(settings) - done
    if missing:
        raise LocalnetError(f"{path} lacks {sorted(missing)}: not a CometBFT v0.38 config")
    path.write_text("\n".join(out) + "\n")


class Localnet:
    def __init__(self, dir: Path, validators: list[Validator], chain_id: str) -> None:
        self.dir, self.validators, self.chain_id = dir, validators, chain_id

    @property
    def requester_key(self) -> Path:
        return self.dir / "requester.pem"

    @property
    def node_ids(self) -> list[str]:
        return [v.node_id for v in self.validators]

    # --- creating ----------------------------------------------------------------------

    @classmethod
    def create(cls, dir: Path, validators: int = 4, *, base_port: int = 26656, block_time: str = "400ms",
               session_timeout_blocks: int = 1000, workers: int = 1, presig_target: int = 4,
               progress: Progress = _stderr) -> Localnet:
        dir = Path(dir).absolute()
        if (dir / STATE_FILE).exists():
            raise LocalnetError(f"{dir} already holds a localnet; `localnet up` reuses it, or remove the directory")
        if dir.exists() and any(dir.iterdir()):
            raise LocalnetError(f"{dir} is not empty; pick another --dir")
        if not 2 <= validators <= 16:
            raise LocalnetError("--validators must be 2..16")
        if not 1024 <= base_port <= 65535 - 10 * validators:
            raise LocalnetError(f"--base-port {base_port} out of range")
        build_node(progress)
        progress(f"==> writing a {validators}-validator testnet in {dir}")
        dir.mkdir(parents=True, exist_ok=True)
        res = subprocess.run([str(NODE_BIN), "testnet", "--v", str(validators), "--o", str(dir),
                              "--populate-persistent-peers=false"], capture_output=True, text=True)
        if res.returncode != 0:
            raise LocalnetError(f"abci-mpc-node testnet failed: {res.stderr.strip()[-500:]}")
        vals = [Validator(i, dir / f"node{i}", node_identity(dir / f"node{i}")[0], base_port)
                for i in range(validators)]
        net = cls(dir, vals, CHAIN_ID)
        parties = []
        for v in vals:
            progress(f"    {v.name}: node {v.node_id}, RPC {v.rpc_url}, app home {v.app_home}")
            peers = ",".join(f"{o.node_id}@127.0.0.1:{o.port('p2p')}" for o in vals if o is not v)
            edit_config_toml(v.dir / "config" / "config.toml", {
                ("", "proxy_app"): f'"tcp://127.0.0.1:{v.port("abci")}"',
                ("", "moniker"): f'"{v.name}"',
                ("rpc", "laddr"): f'"tcp://127.0.0.1:{v.port("rpc")}"',
                ("p2p", "laddr"): f'"tcp://127.0.0.1:{v.port("p2p")}"',
                ("p2p", "persistent_peers"): f'"{peers}"',
                ("p2p", "pex"): "false",
                ("consensus", "timeout_commit"): f'"{block_time}"',
                ("consensus", "timeout_propose"): '"1s"',
            })
            parties.append(init_home(v.app_home, v.node_id, validator_pubkey=node_identity(v.dir)[1], flags={
                "abci.listen": f"tcp://127.0.0.1:{v.port('abci')}",
                "node.bridge": v.bridge_url,
                "node.rpc": v.rpc_url,
                "engine.workers": workers,
                "engine.presig_target": presig_target,
                "metrics.listen": f"127.0.0.1:{v.port('metrics')}",
            }))
        requester = _new_requester_key(net.requester_key)
        app_state = {"requesters": [requester], "parties": parties, "session_timeout_blocks": session_timeout_blocks}
        for v in vals:  # `testnet` wrote the same genesis into every home
            path = v.dir / "config" / "genesis.json"
            genesis = json.loads(path.read_text())
            genesis["chain_id"], genesis["app_state"] = CHAIN_ID, app_state
            path.write_text(json.dumps(genesis, indent=2) + "\n")
        (dir / STATE_FILE).write_text(json.dumps({
            "chain_id": CHAIN_ID, "base_port": base_port, "requester_public_key": requester,
            "validators": [{"index": v.index, "node_id": v.node_id, "dir": v.name,
                            "ports": {p: v.port(p) for p in PORTS}} for v in vals],
        }, indent=2) + "\n")
        return net

    @classmethod
    def load(cls, dir: Path) -> Localnet:
        dir = Path(dir).absolute()
        try:
            doc = json.loads((dir / STATE_FILE).read_text())
            vals = [Validator(v["index"], dir / v["dir"], v["node_id"], doc["base_port"]) for v in doc["validators"]]
            return cls(dir, vals, doc["chain_id"])
        except FileNotFoundError:
            raise LocalnetError(f"no localnet in {dir}: create one with `abci-mpc localnet up --dir {dir}`") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LocalnetError(f"{dir / STATE_FILE} is unreadable ({exc}); remove {dir} and start over") from None

    @classmethod
    def up(cls, dir: Path, validators: int = 4, *, timeout: float = 120.0, progress: Progress = _stderr,
           **create_options) -> Localnet:
        """Creates the localnet unless DIR has one, starts whatever is not running, waits for blocks."""
        if (Path(dir) / STATE_FILE).exists():
            net = cls.load(dir)
            progress(f"==> reusing the localnet in {net.dir}")
        else:
            net = cls.create(dir, validators, progress=progress, **create_options)
        net.start(progress=progress)
        net.wait_ready(timeout, progress=progress)
        return net

    # --- processes ---------------------------------------------------------------------

    def _pick(self, which: Iterable[int] | None) -> list[Validator]:
        if which is None:
            return self.validators
        picked = []
        for i in which:
            if not 0 <= i < len(self.validators):
                raise LocalnetError(f"no validator {i}: this localnet has 0..{len(self.validators) - 1}")
            picked.append(self.validators[i])
        return picked

    def running(self) -> bool:
        return all(v.pid(p) for v in self.validators for p in ("node", "app"))

    def start(self, which: Iterable[int] | None = None, progress: Progress = _stderr) -> None:
        """Starts the apps, then the nodes (a node needs its app's ABCI socket), that are not running."""
        if not NODE_BIN.exists():
            build_node(progress)
        vals = self._pick(which)
        for proc, port in (("app", "abci"), ("node", "rpc")):
            started = []
            for v in vals:
                if v.pid(proc):
                    continue
                busy = [p for p in LISTENS[proc] if not _port_free(v.port(p))]
                if busy:
                    raise LocalnetError(f"{v.name}: port {v.port(busy[0])} ({busy[0]}) is in use by another process")
                progress(f"==> starting {v.name} {proc} (log {v.log_file(proc)})")
                with open(v.log_file(proc), "ab") as log:
                    p = subprocess.Popen(v.command(proc), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True, cwd=v.dir)
                v.pid_file(proc).write_text(f"{p.pid}\n")
                started.append((v, p))
            for v, p in started:
                self._wait_listening(v, proc, port, p)

    def _wait_listening(self, v: Validator, proc: str, port: str, p: subprocess.Popen, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise LocalnetError(f"{v.name} {proc} exited with {p.returncode}:\n{_tail(v.log_file(proc))}")
            if not _port_free(v.port(port)):
                return
            time.sleep(0.1)
        raise LocalnetError(f"{v.name} {proc} did not listen on {v.port(port)} within {timeout:g}s:\n"
                            f"{_tail(v.log_file(proc))}")

    def stop(self, which: Iterable[int] | None = None, progress: Progress = _stderr, timeout: float = 15.0) -> None:
        """SIGTERM to our nodes, then apps (by pid file); SIGKILL to the process group after timeout."""
        vals = self._pick(which)
        for proc in ("node", "app"):
            pids = []
            for v in vals:
                pid = v.pid(proc)
                if pid:
                    progress(f"==> stopping {v.name} {proc} (pid {pid})")
                    os.kill(pid, signal.SIGTERM)
                    pids.append((v, pid))
            deadline = time.monotonic() + timeout
            for v, pid in pids:
                home = str(v.dir if proc == "node" else v.app_home)
                while _ours(pid, home) and time.monotonic() < deadline:
                    _reap(pid)
                    time.sleep(0.1)
                if _ours(pid, home):
                    progress(f"    {v.name} {proc} ignored SIGTERM; killing it")
                    _kill_group(pid)
                elif _group_members(pid):  # workers left behind by an app that died uncleanly
                    _kill_group(pid)
                _reap(pid)
                v.pid_file(proc).unlink(missing_ok=True)

    def down(self, progress: Progress = _stderr) -> None:
        self.stop(progress=progress)

    # --- watching ----------------------------------------------------------------------

    def status(self) -> list[dict]:
        out = []
        for v in self.validators:
            row = {"validator": v.name, "node_id": v.node_id, "rpc": v.rpc_url,
                   "node_pid": v.pid("node"), "app_pid": v.pid("app"),
                   "height": None, "app_hash": None, "peers": None, "catching_up": None}
            if row["node_pid"]:
                try:
                    rpc = v.rpc(1.0)
                    info = rpc.call("abci_info")["response"]
                    st = rpc.status()
                    row["height"] = int(info.get("last_block_height", 0))
                    row["app_hash"] = _b64hex(info.get("last_block_app_hash", ""))
                    row["peers"] = int(rpc.call("net_info")["n_peers"])
                    row["catching_up"] = bool(st["sync_info"]["catching_up"])
                except (NodeUnavailable, RPCError, KeyError, ValueError):
                    pass
            out.append(row)
        return out

    def wait_ready(self, timeout: float = 120.0, min_height: int = 2, which: Iterable[int] | None = None,
                   progress: Progress = _stderr) -> None:
        """Until every (chosen) node is past min_height, peered with the others and caught up."""
        vals = self._pick(which)
        start = time.monotonic()
        last = None
        while True:
            rows = {r["validator"]: r for r in self.status()}
            for v in vals:
                if not (v.pid("node") and v.pid("app")):
                    proc = "node" if not v.pid("node") else "app"
                    raise LocalnetError(f"{v.name} {proc} is not running:\n{_tail(v.log_file(proc))}")
            picked = [rows[v.name] for v in vals]
            heights = [r["height"] or 0 for r in picked]
            peers = [r["peers"] or 0 for r in picked]
            want_peers = sum(1 for v in self.validators if v.pid("node")) - 1
            top = max(r["height"] or 0 for r in rows.values())
            if (min(heights) >= max(min_height, top - 1) and min(peers) >= want_peers
                    and not any(r["catching_up"] for r in picked)):
                progress(f"==> localnet ready: heights {heights} after {time.monotonic() - start:.1f}s")
                return
            msg = f"    waiting for blocks: heights {heights}, peers {peers}"
            if msg != last:
                progress(msg)
                last = msg
            if time.monotonic() - start > timeout:
                raise LocalnetError(f"no blocks within {timeout:g}s ({msg.strip()}); see the logs in {self.dir}")
            time.sleep(0.5)

    def app_hash_at(self, index: int, height: int) -> str:
        """The app hash after block `height` as validator `index` committed it (block height+1's header)."""
        block = self.validators[index].rpc().call("block", height=str(height + 1))
        return block["block"]["header"]["app_hash"].lower()

    def remove(self) -> None:
        """Stops everything, then deletes DIR."""
        self.stop(progress=lambda _m: None)
        shutil.rmtree(self.dir, ignore_errors=True)


def _new_requester_key(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    write_private(path, pem)
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _b64hex(value: str) -> str:
    import base64

    return base64.b64decode(value or "").hex()


def _reap(pid: int) -> None:
    """Collects our own exited child (a localnet started by this process), so it is not a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _group_members(pgid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(d.name))
    return out


def _kill_group(pid: int) -> None:
    """SIGKILL to the process group our start made (the process and its crypto workers)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
