"""The abci-mpc application process: everything on one asyncio loop.

    node ──ABCI──► ABCIServer ─► MPCApp ─(after Commit)─► queue ─► Engine (chain mode)
    node ◄─bridge─► BridgeTransport ◄──────────────────────────────┘   │ results
    node ◄─RPC broadcast_tx_sync── ResultSubmitter (own thread) ◄──────┘

ABCI never waits on MPC work: MPCApp hands committed requests to an unbounded queue
and returns. The engine exists once the genesis is known (InitChain, or the state
directory after a restart), since its party directory comes from `app_state.parties`;
requests committed before that simply wait in the queue.

    node = AppNode(settings)
    await node.run(stop_event)      # returns after stop_event is set; raises NodeError if it cannot go on
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.api import LocalIdentity, PartyIdentity, Result
from ..engine.config import EngineConfig
from ..engine.engine import Engine
from ..store import KeyStore
from .abci import ABCIServer
from .app import MPCApp
from .bridge import BridgeClient
from .bridge_transport import BridgeTransport
from .genesis import AppState
from .rpc import NodeRPC
from .submitter import ResultSubmitter

log = logging.getLogger(__name__)

GENESIS_POLL = 0.2  # seconds between looks for the genesis, before InitChain


class NodeError(Exception):
    """The process cannot run as configured (the message says what to fix)."""


@dataclass
class NodeSettings:
    identity: LocalIdentity
    store: KeyStore          # opened by the caller; AppNode.run closes it
    state_dir: Path
    abci_listen: str         # tcp://127.0.0.1:26658 or unix:///path
    bridge_url: str          # the node's --mpc.bridge
    rpc_url: str             # the node's RPC, for result txs
    engine: EngineConfig = field(default_factory=EngineConfig)


class AppNode:
    def __init__(self, settings: NodeSettings) -> None:
        self.settings = settings
        self.me = settings.identity.party
        self.committed: asyncio.Queue = asyncio.Queue()  # unbounded: MPCApp's put_nowait never blocks
        self.app: MPCApp | None = None
        self.server: ABCIServer | None = None
        self.bridge: BridgeClient | None = None
        self.engine: Engine | None = None
        self.submitter: ResultSubmitter | None = None

    async def run(self, stop: asyncio.Event) -> None:
        s = self.settings
        try:
            try:
                self.bridge = BridgeClient(s.bridge_url)
            except ValueError as exc:
                raise NodeError(f"node.bridge: {exc}") from None
            self.app = MPCApp(s.state_dir, my_party_id=self.me, on_committed=self.committed.put_nowait)
            self.server = ABCIServer(self.app, s.abci_listen)
            await self.server.start()
            log.info("serving ABCI at %s for node %s", self.server.address, self.me)
            self.bridge.start()
            stopped = asyncio.create_task(stop.wait())
            tasks = {stopped, asyncio.create_task(self._check_bridge()), asyncio.create_task(self._mpc())}
            try:
                while not stopped.done():
                    done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    for t in done:
                        t.result()  # a NodeError from a task ends the process
                    tasks -= done
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            await self._close()

    async def _close(self) -> None:
        # ABCI first, so no block commits while the rest shuts down.
        if self.server is not None:
            await self.server.close()
        if self.engine is not None:
            await self.engine.close()
        if self.bridge is not None:
            await self.bridge.close()
        if self.submitter is not None:
            await asyncio.to_thread(self.submitter.close)
        if self.app is not None:
            self.app.close()
        self.settings.store.close()
        log.info("stopped")

    async def _check_bridge(self) -> None:
        """The bridge must belong to this validator's node, or our frames would speak for another."""
        node_id = await self.bridge.wait_connected()
        if node_id != self.me:
            raise NodeError(f"the bridge at {self.settings.bridge_url} belongs to node {node_id}, but this "
                            f"app's identity is for node {self.me}: check node.bridge in config.toml")

    async def _genesis(self) -> AppState:
        while self.app.genesis is None:
            await asyncio.sleep(GENESIS_POLL)
        return self.app.genesis

    async def _mpc(self) -> None:
        genesis = await self._genesis()
        mine = genesis.party(self.me)
        if mine is None:
            log.warning("node %s is not an MPC party in the genesis app_state: serving ABCI only", self.me)
            while True:  # deletes still arrive for every node; nothing here holds a share
                await self.committed.get()
        public = self.settings.identity.public()
        if (mine.sign_key, mine.enc_key) != (public.sign_key, public.enc_key):
            raise NodeError(
                f"genesis app_state.parties lists node {self.me} with sign_key {mine.sign_key.hex()[:16]}..., "
                f"but this identity file has sign_key {public.sign_key.hex()[:16]}...: wrong identity file?")
        directory = {p.node_id: PartyIdentity(p.node_id, p.sign_key, p.enc_key) for p in genesis.parties}
        self.submitter = ResultSubmitter(self.settings.identity.signer, self.app.chain_id,
                                         NodeRPC(self.settings.rpc_url))
        self.submitter.start()
        # The node starts its bridge after its ABCI handshake, i.e. after replaying the blocks
        # this app missed: waiting for it lets the replayed state filter out closed sessions.
        await self.bridge.wait_connected()
        transport = BridgeTransport(self.bridge, self.me)
        self.engine = Engine(self.settings.identity, directory, transport, self.settings.store,
                             self.settings.engine, on_result=self._on_result)
        await self.engine.start()
        pending = self.app.pending_requests()  # sessions we owe a result from before a restart
        for request in pending:
            self.engine.submit(request)
        log.info("MPC engine started as party %s of %d; %d pending request(s) resubmitted",
                 self.me, len(directory), len(pending))
        while True:
            request = await self.committed.get()
            # Replayed blocks hand off requests again; skip sessions the chain already closed.
            if self.app.session_active(request.session_id):
                self.engine.submit(request)

    def _on_result(self, result: Result) -> None:
        log.info("result %s session=%s key=%s", type(result).__name__, result.session_id.hex(), result.key_id)
        self.submitter.submit(result)
