"""ProcCluster: several procnode engines as OS processes on loopback TCP (tests, bench).

    cluster = ProcCluster(tmpdir, ["p0", "p1", "p2", "p3"], presig_target=0)
    await cluster.start_all()
    cluster.submit("p0", KeygenRequest(...))         # standalone: p0 shares it with its peers
    done = await cluster.wait_results(session_id, count=4)
    await cluster.kill("p2"); await cluster.start("p2")   # same store and identity
    await cluster.close()

Only processes this object started are ever signalled, by their own pid.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import struct
import sys
import time
from collections import defaultdict
from pathlib import Path

from ..store import KeyStore, StoreSecret
from ..store.files import write_private
from . import api, frames
from .aio import within
from .keyfile import write_identity
from .procnode_pb2 import Control, Event, NodeConfig, NodeStatus, Peer, ResultMsg, Submit

_LEN = struct.Struct(">I")


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class NodeProcess:
    def __init__(self, party: str, proc: asyncio.subprocess.Process, cluster: ProcCluster):
        self.party, self.proc, self.cluster = party, proc, cluster
        self.started = asyncio.get_running_loop().create_future()
        self._status: asyncio.Queue[NodeStatus] = asyncio.Queue()
        self.reader_task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                (n,) = _LEN.unpack(await out.readexactly(4))
                ev = Event.FromString(await out.readexactly(n))
                kind = ev.WhichOneof("kind")
                if kind == "started" and not self.started.done():
                    self.started.set_result(ev.started)
                elif kind == "result":
                    self.cluster._on_result(self.party, ev.result)
                elif kind == "status":
                    self._status.put_nowait(ev.status)
        except (asyncio.IncompleteReadError, ConnectionError):
            if not self.started.done():
                self.started.set_exception(RuntimeError(f"engine {self.party} exited before starting"))

    def send(self, ctl: Control) -> None:
        data = ctl.SerializeToString()
        self.proc.stdin.write(_LEN.pack(len(data)) + data)

    async def status(self, timeout: float = 10.0) -> NodeStatus:
        self.send(Control(status=True))
        return await within(self._status.get(), timeout)


class ProcCluster:
    def __init__(self, root: str | os.PathLike, parties, *, workers: int = 1, presig_target: int = 0,
                 paillier_stash: int = 0, ready_grace: float = 0.5, leader_failover: float = 3.0,
                 log_level: str = "WARNING", accept_peer_requests: bool = True):
        self.root = Path(root)
        self.parties = tuple(sorted(parties))
        self.nodes: dict[str, NodeProcess] = {}
        self.results: dict[bytes, list[tuple[str, ResultMsg]]] = defaultdict(list)
        self.result_times: dict[bytes, list[float]] = defaultdict(list)  # time.perf_counter() of each
        self._waiters: list[tuple[bytes, int, asyncio.Future]] = []
        identities = {p: api.LocalIdentity.generate(p) for p in self.parties}
        ports = dict(zip(self.parties, free_ports(len(self.parties))))
        self.public = {p: i.public() for p, i in identities.items()}
        peers = [Peer(party=p, sign_key=self.public[p].sign_key, enc_key=self.public[p].enc_key,
                      host="127.0.0.1", port=ports[p]) for p in self.parties]
        self.root.mkdir(parents=True, exist_ok=True)
        for p in self.parties:
            d = self.root / p
            d.mkdir(mode=0o700, exist_ok=True)
            write_identity(d / "identity", identities[p])
            key = os.urandom(32)
            write_private(d / "store.key", key.hex().encode())
            KeyStore.create(d / "store", StoreSecret.from_key(key)).close()
            cfg = NodeConfig(party=p, identity_file=str(d / "identity"), store_path=str(d / "store"),
                             secret_file=str(d / "store.key"), peers=peers, workers=workers,
                             presig_target=presig_target, accept_peer_requests=accept_peer_requests,
                             ready_grace=ready_grace, leader_failover=leader_failover,
                             paillier_stash=paillier_stash, log_level=log_level)
            (d / "config").write_bytes(cfg.SerializeToString())

    # -- processes ----------------------------------------------------------------------
    async def start(self, party: str, timeout: float = 60.0) -> None:
        d = self.root / party
        log = open(d / "engine.log", "ab")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "abci_mpc.engine.procnode", str(d / "config"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log,
            start_new_session=True)  # its own process group: a "crash" takes its workers too
        log.close()
        node = NodeProcess(party, proc, self)
        self.nodes[party] = node
        await within(node.started, timeout)

    async def start_all(self, timeout: float = 60.0) -> None:
        await asyncio.gather(*(self.start(p, timeout) for p in self.parties))
        await self.wait_connected(timeout=timeout)

    async def wait_connected(self, parties=None, timeout: float = 30.0) -> None:
        parties = tuple(parties or self.nodes)
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            ok = True
            for p in parties:
                st = await self.nodes[p].status()
                if not set(parties) - {p} <= set(st.peers):
                    ok = False
            if ok:
                return
            if loop.time() > end:
                raise TimeoutError("engines did not connect")
            await asyncio.sleep(0.1)

    async def kill(self, party: str) -> None:
        """SIGKILL to the engine and its crypto workers (its process group), as a crash."""
        node = self.nodes.pop(party)
        if node.proc.returncode is None:
            os.killpg(node.proc.pid, signal.SIGKILL)
        await node.proc.wait()
        await node.reader_task

    async def stop(self, party: str, timeout: float = 30.0) -> None:
        node = self.nodes.pop(party)
        if node.proc.returncode is None:
            try:
                node.send(Control(stop=True))
                node.proc.stdin.close()
                await within(node.proc.wait(), timeout)
            except (TimeoutError, ConnectionError):
                node.proc.kill()
                await node.proc.wait()
        await node.reader_task

    async def close(self) -> None:
        await asyncio.gather(*(self.stop(p) for p in list(self.nodes)), return_exceptions=True)

    # -- requests and results -------------------------------------------------------------
    def submit(self, party: str, request: api.Request) -> None:
        self.nodes[party].send(Control(submit=Submit(session=request.session_id,
                                                     request=frames.request_to_pb(request))))

    def set_presig_target(self, target: int, parties=None) -> None:
        for p in parties or self.nodes:
            self.nodes[p].send(Control(set_presig_target=target))

    def _on_result(self, party: str, result: ResultMsg) -> None:
        got = self.results[result.session]
        got.append((party, result))
        self.result_times[result.session].append(time.perf_counter())
        for w in list(self._waiters):
            sid, count, fut = w
            if sid == result.session and len(got) >= count and not fut.done():
                fut.set_result(list(got))
                self._waiters.remove(w)

    def first_result_time(self, session: bytes) -> float:
        return min(self.result_times[session])

    def last_result_time(self, session: bytes) -> float:
        return max(self.result_times[session])

    async def wait_results(self, session: bytes, count: int, timeout: float = 120.0) -> list[tuple[str, ResultMsg]]:
        got = self.results[session]
        if len(got) >= count:
            return list(got)
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append((session, count, fut))
        return await within(fut, timeout)
