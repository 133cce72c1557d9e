"""One engine as its own OS process on the loopback TCP transport (tests, bench).

    python -m abci_mpc.engine.procnode CONFIG

CONFIG is a NodeConfig protobuf (procnode.proto). The process reads Control frames on
stdin and writes Event frames on stdout, each prefixed by a 4-byte big-endian length;
logs go to stderr. It runs in standalone mode when the config says so (requests travel
to peers in Prepare frames). stdin closing stops it, as does a Stop control.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import sys
import time
from pathlib import Path

from ..store import KeyStore, StoreSecret
from . import api, frames
from .config import EngineConfig
from .engine import Engine
from .keyfile import read_identity
from .procnode_pb2 import BlameMsg, Control, Event, KeyStatus, NodeConfig, NodeStatus, ResultMsg
from .tcp import TcpTransport

_LEN = struct.Struct(">I")
MAX_CONTROL = 1 << 20


def result_to_pb(r: api.Result) -> ResultMsg:
    m = ResultMsg(session=r.session_id, key_id=r.key_id)
    if isinstance(r, api.KeygenDone):
        m.kind, m.pubkey, m.existing = "keygen", r.pubkey, r.existing
    elif isinstance(r, api.SignDone):
        m.kind, m.sign_id, m.v = "sign", r.sign_id, r.v
        m.r, m.s = r.r.to_bytes(32, "big"), r.s.to_bytes(32, "big")
    elif isinstance(r, api.ReshareDone):
        m.kind, m.pubkey, m.member = "reshare", r.pubkey, r.member
    elif isinstance(r, api.RefreshDone):
        m.kind, m.pubkey = "refresh", r.pubkey
    elif isinstance(r, api.DeleteAcked):
        m.kind = "delete"
    else:
        m.kind, m.protocol, m.reason = "failed", r.protocol, r.reason
        m.blames.extend(BlameMsg(accused=b.accused, reason=b.reason, round=b.round, detail=b.detail,
                                 reporter=b.reporter) for b in r.blames)
    return m


def vm_hwm_kb(pid: int | str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Node:
    def __init__(self, cfg: NodeConfig):
        self.cfg = cfg
        identity = read_identity(cfg.identity_file)
        self.directory = {p.party: api.PartyIdentity(p.party, p.sign_key, p.enc_key) for p in cfg.peers}
        addresses = {p.party: (p.host, p.port) for p in cfg.peers}
        self.store = KeyStore.open(cfg.store_path, StoreSecret.from_key_file(cfg.secret_file))
        self.transport = TcpTransport(identity, self.directory, addresses, host=addresses[identity.party][0],
                                      port=addresses[identity.party][1])
        ecfg = EngineConfig(accept_peer_requests=cfg.accept_peer_requests, workers=max(1, cfg.workers),
                            presig_target=cfg.presig_target, paillier_stash=cfg.paillier_stash)
        if cfg.ready_grace:
            ecfg.ready_grace = cfg.ready_grace
        if cfg.leader_failover:
            ecfg.leader_failover = cfg.leader_failover
        if cfg.limbo_ttl:
            ecfg.limbo_ttl = cfg.limbo_ttl
        self.engine = Engine(identity, self.directory, self.transport, self.store, ecfg, on_result=self._result)
        # Events get their own copy of stdout; fd 1 itself now points at the log, so the
        # crypto workers (which inherit it) can neither write into nor hold open the event pipe.
        self._out = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)
        self.max_lag = 0.0
        self.max_busy = 0.0

    def _write(self, ev: Event) -> None:
        data = ev.SerializeToString()
        self._out.write(_LEN.pack(len(data)) + data)
        self._out.flush()

    def _result(self, r: api.Result) -> None:
        self._write(Event(result=result_to_pb(r)))

    async def _lag_probe(self) -> None:
        """Lateness of 1 ms sleeps, and the event-loop thread's own CPU time in each: a late
        wake-up with little CPU spent is the OS or the GIL, not code blocking the loop."""
        loop = asyncio.get_running_loop()
        while True:
            t, cpu = loop.time(), time.thread_time()
            await asyncio.sleep(0.001)
            lag = loop.time() - t - 0.001
            busy = time.thread_time() - cpu
            if lag > 0.02:
                logging.getLogger(__name__).info("loop lag %.1f ms (loop thread busy %.1f ms)", lag * 1e3, busy * 1e3)
            self.max_lag = max(self.max_lag, lag)
            self.max_busy = max(self.max_busy, busy)

    async def status(self) -> NodeStatus:
        st = NodeStatus(peers=sorted(self.transport.peers()), sessions=self.engine.active_sessions,
                        rss_kb=vm_hwm_kb(), max_loop_lag=self.max_lag, max_loop_busy=self.max_busy)
        st.workers_rss_kb = max((vm_hwm_kb(p) for p in self.engine.pool.worker_pids()), default=0)
        for rec in await self.engine.db(self.store.list_keys):
            st.keys.append(KeyStatus(key_id=rec.key_id, status=rec.status.name, pubkey=rec.pubkey,
                                     presignatures=self.engine.presignature_pool_size(rec.key_id)))
        for k, v in (self.engine.stats + self.transport.stats).items():
            st.stats[k] = v
        return st

    async def run(self) -> None:
        await self.transport.start()
        self.transport.connect()
        await self.engine.start()
        probe = asyncio.create_task(self._lag_probe())
        self._write(Event(started=self.engine.me))
        reader = asyncio.StreamReader(limit=MAX_CONTROL)
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        try:
            while True:
                try:
                    (n,) = _LEN.unpack(await reader.readexactly(4))
                    if n > MAX_CONTROL:
                        raise ValueError("control frame too large")
                    ctl = Control.FromString(await reader.readexactly(n))
                except (asyncio.IncompleteReadError, ValueError):
                    break
                op = ctl.WhichOneof("op")
                if op == "submit":
                    try:
                        self.engine.submit(frames.request_from_pb(ctl.submit.session, ctl.submit.request))
                    except frames.FrameError as exc:
                        logging.warning("bad submit: %s", exc)
                elif op == "status":
                    self._write(Event(status=await self.status()))
                elif op == "set_presig_target":
                    self.engine.set_presig_target(ctl.set_presig_target)
                elif op == "stop":
                    break
        finally:
            probe.cancel()
            await self.engine.close()
            await self.transport.close()
            self.store.close()


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    cfg = NodeConfig.FromString(Path(argv[0]).read_bytes())
    logging.basicConfig(level=cfg.log_level or "WARNING", stream=sys.stderr,
                        format=f"%(asctime)s {cfg.party[:8]} %(name)s %(levelname)s %(message)s")
    asyncio.run(Node(cfg).run())
    os._exit(0)  # skip interpreter teardown races with the pool's manager threads


if __name__ == "__main__":
    main()
