"""The abci-mpc ABCI application: key lifecycle requests and MPC results as transactions.

FinalizeBlock runs the block's txs through the state machine (machine.py) over
an overlay of the committed LevelDB state (state.py) and returns the new app
hash; Commit writes the overlay atomically and only then hands this node's
share of the committed requests to ``on_committed`` (the engine's queue), so
ABCI never waits on MPC and no request reaches the engine before it is durable.

    app = MPCApp("/var/lib/abci-mpc/app-state", my_party_id=node_id, on_committed=engine.submit)
    await serve(app, "tcp://127.0.0.1:26658")
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from . import codes, queries
from .abci import Application, types_pb2 as abci
from .genesis import AppState, GenesisError
from .machine import Context, Machine, MempoolWindow, involves, request_of
from .state import Committed, Overlay, State, StateDB, genesis_app_hash, next_app_hash
from .state_pb2 import ACTIVE

log = logging.getLogger(__name__)

APP_VERSION = 1


class MPCApp(Application):
    def __init__(
        self, state_dir: str | Path, *, my_party_id: str | None = None,
        on_committed: Callable[[object], None] | None = None,
    ) -> None:
        self._db = StateDB(state_dir)
        self._my_party = my_party_id
        self._on_committed = on_committed
        self._ctx: Context | None = None
        if self._db.genesis is not None:
            self._ctx = Context(self._db.chain_id, AppState.from_json(self._db.genesis), my_party_id)
        self._window = MempoolWindow()
        self._init: tuple[str, bytes, bytes] | None = None   # chain id, genesis, hash: kept until the first Commit
        self._block: tuple[int, Overlay, bytes, list] | None = None

    def close(self) -> None:
        self._db.close()

    @property
    def height(self) -> int:
        return self._db.height

    @property
    def app_hash(self) -> bytes:
        """The last committed app hash (the genesis hash between InitChain and the first Commit)."""
        return self._init[2] if self._init else self._db.app_hash

    @property
    def chain_id(self) -> str | None:
        """Known once InitChain ran (or from the state directory after a restart)."""
        return self._ctx.chain_id if self._ctx else None

    @property
    def genesis(self) -> AppState | None:
        """The genesis app_state: known once InitChain ran (or from the state directory after a restart)."""
        return self._ctx.genesis if self._ctx else None

    def session_active(self, session_id: bytes) -> bool:
        """Whether the committed state still waits for results of this session; lets the
        engine skip requests handed off again while the node replays old blocks."""
        s = State(Committed(self._db)).session(session_id)
        return s is not None and s.status == ACTIVE

    # --- info / init ----------------------------------------------------------

    def info(self, req):
        return abci.ResponseInfo(
            data="abci-mpc", version=__version__, app_version=APP_VERSION,
            last_block_height=self._db.height, last_block_app_hash=self._db.app_hash,
        )

    def init_chain(self, req):
        try:
            genesis = AppState.from_json(req.app_state_bytes)
            genesis.check_validators({v.pub_key.ed25519 for v in req.validators if v.pub_key.ed25519})
        except GenesisError as exc:
            log.error("invalid genesis app_state: %s", exc)
            raise
        self._ctx = Context(req.chain_id, genesis, self._my_party)
        app_state = genesis.canonical()
        app_hash = genesis_app_hash(req.chain_id, app_state)
        self._init = (req.chain_id, app_state, app_hash)
        return abci.ResponseInitChain(app_hash=app_hash)

    # --- mempool --------------------------------------------------------------

    def check_tx(self, req):
        if self._ctx is None:
            return abci.ResponseCheckTx(code=codes.MALFORMED, log="chain not initialised", codespace=codes.CODESPACE)
        code, why = Machine(State(Committed(self._db)), self._ctx, self._db.height + 1, self._window).check(req.tx)
        return abci.ResponseCheckTx(code=code, log=why, codespace=codes.CODESPACE if code else "")

    # --- consensus ------------------------------------------------------------

    def finalize_block(self, req):
        if self._ctx is None:
            raise RuntimeError("FinalizeBlock before InitChain: the app state directory lost its genesis")
        overlay = Overlay(self._db)
        machine = Machine(State(overlay), self._ctx, req.height)
        results, requests = [], []
        for tx in req.txs:
            delivered = machine.deliver(tx)
            results.append(delivered.result)
            requests += delivered.requests
        events = machine.expire()
        app_hash = next_app_hash(self.app_hash, req.height, overlay.changes)
        self._block = (req.height, overlay, app_hash, requests)
        return abci.ResponseFinalizeBlock(tx_results=results, events=events, app_hash=app_hash)

    def commit(self, req):
        if self._block is None:
            raise RuntimeError("Commit without FinalizeBlock")
        height, overlay, app_hash, requests = self._block
        chain_id, genesis, _ = self._init if self._init else (None, None, None)
        self._db.commit(overlay.changes, height, app_hash, chain_id=chain_id, genesis=genesis)
        self._block, self._init = None, None
        self._window = MempoolWindow()  # the node rechecks what is left in its mempool next
        for request in requests:
            self._hand_off(request)
        return abci.ResponseCommit()

    def _hand_off(self, request) -> None:
        if self._on_committed is None:
            return
        try:
            self._on_committed(request)
        except Exception:  # the engine's problem must not halt consensus
            log.exception("on_committed failed for session %s", request.session_id.hex())

    # --- queries --------------------------------------------------------------

    def query(self, req):
        genesis = self._ctx.genesis if self._ctx else None
        code, why, value = queries.answer(State(Committed(self._db)), genesis, req.path)
        return abci.ResponseQuery(code=code, log=why, key=req.path.encode(), value=value,
                                  height=self._db.height, codespace=codes.CODESPACE if code else "")

    # --- recovery -------------------------------------------------------------

    def pending_requests(self) -> list:
        """Engine requests of the still-ACTIVE sessions this node belongs to and has not
        reported for, oldest first: resubmit them after a restart (the engine dedupes by
        session id)."""
        if self._ctx is None or self._my_party is None:
            return []
        state = State(Committed(self._db))
        sessions = [state.session(sid) for sid in state.open_sessions()]
        out = []
        for s in sorted(sessions, key=lambda s: (s.start_height, s.session_id)):
            if not involves(s, self._my_party):
                continue
            if any(r.party == self._my_party for r in s.reports) or any(f.party == self._my_party for f in s.failures):
                continue
            out.append(request_of(s))
        return out
