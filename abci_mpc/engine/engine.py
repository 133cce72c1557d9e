"""Engine: many MPC sessions at once over one Transport, multiplexed by session id.

    engine = Engine(identity, directory, transport, store, EngineConfig())
    await engine.start()
    engine.submit(SignRequest(...))          # never blocks, never raises for a protocol problem
    async for result in engine.results():    # SignDone, SessionFailed, ...
        ...
    await engine.close()

Frames from peers go to their session; frames for a session not known yet wait in the
limbo; frames for a finished session, from strangers, or that do not parse are dropped
and logged. Each session is a task running its flow (flows/*.py) under its deadline.
Store calls run in one dedicated thread (they fsync); crypto runs in the CryptoPool.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from .. import logs, metrics
from ..store import KeyStore, Status, StoreError, check_key_id
from ..tss.rounds import MAX_PARTIES
from . import frames, work
from .api import (REQUEST_TYPES, DeleteRequest, KeygenRequest, LocalIdentity, PartyIdentity, RefreshRequest,
                  Request, ReshareRequest, Result, SessionFailed, SignRequest, request_kind)
from .config import EngineConfig
from .context import SessionContext
from .engine_pb2 import PoolStart
from .errors import NotInvolved, SessionAborted
from .flows import delete as delete_flow
from .flows import keygen as keygen_flow
from .flows import presign_pool as pool_flow
from .flows import sign as sign_flow
from .flows import successor as successor_flow
from .keycache import AuxCache, ShareCache
from .limbo import Limbo
from .pool import BACKGROUND, LIVE, CryptoPool
from .presigpool import PresigPool
from .stash import PaillierStash

log = logging.getLogger(__name__)

FLOWS = {KeygenRequest: (keygen_flow.run, keygen_flow.PROTOCOLS), SignRequest: (sign_flow.run, sign_flow.PROTOCOLS),
         DeleteRequest: (delete_flow.run, ()), ReshareRequest: (successor_flow.run_reshare, successor_flow.PROTOCOLS),
         RefreshRequest: (successor_flow.run_refresh, successor_flow.PROTOCOLS)}
MAX_ID_LEN = 256
CLOSE_GRACE = 10.0  # seconds close() waits for cancelled tasks to end
YIELD_EVERY = 0.002  # the receive loop yields to other tasks at least this often (seconds)


class Engine:
    def __init__(self, identity: LocalIdentity, directory: Mapping[str, PartyIdentity], transport, store: KeyStore,
                 config: EngineConfig | None = None, *, pool: CryptoPool | None = None,
                 on_result: Callable[[Result], None] | None = None):
        self.identity = identity
        self.me = identity.party
        self.directory = dict(directory)
        if self.directory.get(self.me) != identity.public():
            raise ValueError("the directory must list this node's own public identity")
        if transport.me != self.me:
            raise ValueError("transport belongs to another party")
        self.transport = transport
        self.store = store
        self.config = config or EngineConfig()
        self._own_pool = pool is None
        self.pool = pool or CryptoPool(self.config.workers, nice=self.config.worker_nice)
        self._on_result = on_result
        self._results: asyncio.Queue[Result] = asyncio.Queue()
        self.aux = AuxCache()
        self.shares = ShareCache(self.config.share_cache)
        self.stash = PaillierStash(self.pool, self.config.paillier_bits, self.config.paillier_stash)
        self.presigs = PresigPool(self)
        self.limbo = Limbo(self.config.limbo_ttl, self.config.limbo_max_frames, self.config.limbo_max_per_session)
        self._sessions: dict[bytes, SessionContext] = {}
        self._finished: OrderedDict[bytes, None] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()
        self._background: list[asyncio.Task] = []
        self._db_exec = ThreadPoolExecutor(1, thread_name_prefix=f"engine-store-{self.me[:8]}")
        self.stats: Counter[str] = Counter()
        self.closing = False
        self.started = False

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        if self._own_pool:
            await self.pool.start()
        await self._recover()
        metrics.watch_presignatures(self.presigs.index.counts)
        for coro in (self._receive(), self._sweep_limbo(), self.stash.run(), self.presigs.run()):
            self._background.append(asyncio.create_task(coro))
        if self.config.gc_freeze:
            gc.collect()
            gc.freeze()
        self.started = True

    async def close(self) -> None:
        self.closing = True
        metrics.unwatch_presignatures(self.presigs.index.counts)
        tasks = list(self._tasks) + self._background
        for t in tasks:
            t.cancel()
        if tasks:
            # Bounded: a task that ignores its cancel (a bug) must not turn shutdown into a hang.
            done, stuck = await asyncio.wait(tasks, timeout=CLOSE_GRACE)
            for t in done:
                if not t.cancelled():
                    t.exception()  # retrieved: a task that failed while closing is not news now
            if stuck:
                log.error("engine closed with %d task(s) ignoring cancellation: %s", len(stuck),
                          ", ".join(sorted(t.get_coro().__qualname__ for t in stuck)))
        if self._own_pool:
            await self.pool.close()
        self._db_exec.shutdown(wait=True)

    async def _recover(self) -> None:
        """Mark runs a crash left PENDING as ERROR; reload READY keys for the pool and aux cache."""
        latest = await self.db(self.store.list_keys)
        ready = []
        for rec in latest:
            if rec.status is Status.PENDING:
                await self.db(self.store.mark_error, rec.key_id, rec.key_session_id,
                              "abandoned: the engine stopped before the run finished")
                log.info("marked abandoned run ERROR key=%s key_session=%s", rec.key_id, rec.key_session_id.hex())
            r = rec if rec.status is Status.READY else await self.db(self.store.latest_ready, rec.key_id)
            if r is not None and self.me in r.parties:
                ready.append(r)
                self.presigs.key_ready(r.key_id, r.key_session_id, r.parties, r.threshold)
                for pid in await self.db(self.store.presignature_ids, r.key_id, r.key_session_id):
                    self.presigs.add(r.key_id, r.key_session_id, pid)
        self._background.append(asyncio.create_task(self._load_aux(ready)))

    async def _load_aux(self, ready) -> None:
        by_set: dict[tuple, list] = {}
        for r in sorted(ready, key=lambda r: -r.updated_ms):
            by_set.setdefault(tuple(sorted(r.parties)), []).append(r)
        for recs in by_set.values():
            for r in recs[:4]:
                share = await self.pool.run(work.decode_share, r.data, priority=BACKGROUND)
                if share.aux is not None:
                    self.aux.add(share.aux)

    # -- public API -----------------------------------------------------------------------
    def submit(self, request: Request) -> None:
        """Run a request on this node (chain mode: every node gets it from consensus).

        Call it on the engine's event-loop thread (from another thread:
        `loop.call_soon_threadsafe(engine.submit, request)`). With `accept_peer_requests`
        (standalone mode) the request also goes to every peer in a Prepare frame."""
        if not isinstance(request, REQUEST_TYPES):
            raise TypeError(f"not an engine request: {type(request).__name__}")
        if self.config.accept_peer_requests and self.started and _check(request, self.directory) is None:
            self._spawn(self._prepare(request))
        self._accept(request, origin=self.me)

    async def results(self) -> AsyncIterator[Result]:
        while True:
            yield await self._results.get()

    def presignature_pool_size(self, key_id: str) -> int:
        return self.presigs.count(key_id)

    def set_presig_target(self, target: int) -> None:
        self.config.presig_target = max(0, int(target))
        self.presigs.poke()

    @property
    def active_sessions(self) -> int:
        return len(self._sessions)

    # -- helpers for flows ----------------------------------------------------------------
    async def db(self, fn, *args, **kw):
        return await asyncio.get_running_loop().run_in_executor(self._db_exec, partial(fn, *args, **kw))

    async def share(self, rec, priority: int = LIVE):
        share = self.shares.get(rec.key_id, rec.key_session_id)
        if share is None:
            share = await self.pool.run(work.decode_share, rec.data, priority=priority)
            self.shares.put(rec.key_id, rec.key_session_id, share)
        return share

    def key_ready(self, key_id: str, ksid: bytes, share) -> None:
        if share.aux is not None:
            self.aux.add(share.aux)
        self.shares.forget(key_id)
        self.shares.put(key_id, ksid, share)
        self.presigs.key_ready(key_id, ksid, share.parties, share.threshold)

    def key_deleted(self, key_id: str) -> None:
        self.shares.forget(key_id)
        self.presigs.forget(key_id)

    async def send(self, party: str, data: bytes) -> None:
        try:
            await self.transport.send(party, data)
            metrics.frame_out("engine")
        except Exception as exc:  # noqa: BLE001 - a transport failure only loses this frame
            self.stats["send_failed"] += 1
            metrics.frame_dropped("engine", "send_failed")
            log.info("send failed party=%s: %s", party, type(exc).__name__)

    # -- sessions -------------------------------------------------------------------------
    def _accept(self, request: Request, origin: str) -> None:
        kind = request_kind(request)
        sid = request.session_id
        problem = _check(request, self.directory)
        if problem is not None:
            log.info("invalid %s request from %s: %s", kind, origin, problem, extra=_fields(sid, request.key_id))
            metrics.session_rejected(kind)
            self._emit(SessionFailed(sid if isinstance(sid, bytes) else b"", str(request.key_id)[:128], kind, (),
                                     f"invalid request: {problem}"))
            return
        if sid in self._sessions or sid in self._finished:
            self.stats["duplicate_request"] += 1
            log.info("duplicate request session=%s kind=%s key=%s from=%s", sid.hex()[:16], kind, request.key_id, origin,
                     extra=_fields(sid, request.key_id))
            return
        if len(self._sessions) >= self.config.max_sessions:
            metrics.session_rejected(kind)
            self._emit(SessionFailed(sid, request.key_id, kind, (), "engine busy: too many sessions"))
            return
        run, protocols = FLOWS[type(request)]
        ctx = SessionContext(self, sid, kind, request.key_id, protocols=protocols)
        deadline = self.config.deadline(kind, request.timeout)
        self._launch(ctx, self._run(ctx, run, (request,), deadline, report=True))

    def start_pool_run(self, key_id: str, ksid: bytes, signers: tuple[str, ...], done: Callable[[str, bool], None]) -> None:
        sid = b"pool" + secrets.token_bytes(16)
        ctx = SessionContext(self, sid, "presign-pool", key_id, protocols=pool_flow.PROTOCOLS, background=True)

        async def lead(ctx, key_id, ksid, signers):
            await ctx.send_control(signers, pool_start=PoolStart(key_id=key_id, key_session=ksid, signers=signers))
            return await pool_flow.run(ctx, key_id, ksid, signers)

        self._launch(ctx, self._run(ctx, lead, (key_id, ksid, signers), self.config.presig_deadline,
                                    report=False, done=lambda ok: done(key_id, ok)))

    def _launch(self, ctx: SessionContext, coro) -> None:
        self._sessions[ctx.sid] = ctx
        self._spawn(coro)
        for sender, frame in self.limbo.take(ctx.sid):
            ctx.on_frame(sender, frame)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, ctx: SessionContext, fn, args, deadline: float, *, report: bool,
                   done: Callable[[bool], None] | None = None) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        failure: SessionAborted | None = None
        result = None
        logs.set_fields(session=ctx.sid.hex(), key=ctx.key_id)  # this task's lines, and its children's
        started, skipped, ended = metrics.session_started(ctx.kind), False, False
        try:
            try:
                async with asyncio.timeout_at(end):
                    result = await fn(ctx, *args)
            except NotInvolved as exc:
                log.info("not involved %s: %s", ctx.tag, exc)
                skipped = True
            except TimeoutError:
                blames = ctx.timeout_blames()
                who = ", ".join(b.accused for b in blames) or "nobody identified"
                failure = SessionAborted(f"deadline of {deadline:g}s passed; waiting for: {who}", blames)
            except SessionAborted as exc:
                failure = exc
            except asyncio.CancelledError:
                if ctx.pending_record is not None:
                    _mark_error_now(self.store, ctx.key_id, ctx.pending_record, "abandoned: the engine was closed")
                raise
            except Exception as exc:  # noqa: BLE001 - a bug in one session must not stop the others
                log.exception("session crashed %s", ctx.tag)
                failure = SessionAborted(f"internal error ({type(exc).__name__})")
            ctx.flow_done = True
            metrics.session_ended(ctx.kind, metrics.FAILED if failure is not None
                                  else metrics.SKIPPED if skipped else metrics.SUCCEEDED, started)
            ended = True
            if failure is not None:
                await self._fail(ctx, failure, report)
            elif result is not None and report:
                self._emit(result)
            if done is not None:
                done(failure is None)
            await ctx.linger(end - loop.time() if failure is None else 0)
        finally:
            if not ended:  # cancelled: the engine is closing
                metrics.session_ended(ctx.kind, metrics.FAILED, started)
            self._sessions.pop(ctx.sid, None)
            self._remember(ctx.sid)

    async def _fail(self, ctx: SessionContext, failure: SessionAborted, report: bool) -> None:
        log.info("session failed %s: %s", ctx.tag, failure.reason)
        if failure.notify:
            await ctx.send_abort(failure.notify, failure)
        if ctx.pending_record is not None:
            try:
                await self.db(self.store.mark_error, ctx.key_id, ctx.pending_record, failure.reason)
            except StoreError as exc:
                log.info("could not mark ERROR %s: %s", ctx.tag, exc)
        if report:
            self._emit(SessionFailed(ctx.sid, ctx.key_id, ctx.kind, failure.blames, failure.reason))

    def _remember(self, sid: bytes) -> None:
        self._finished[sid] = None
        while len(self._finished) > self.config.finished_memory:
            self._finished.popitem(last=False)

    def _emit(self, result: Result) -> None:
        if self._on_result is not None:
            try:
                self._on_result(result)
            except Exception:  # noqa: BLE001
                log.exception("result callback failed")
        else:
            self._results.put_nowait(result)

    async def _prepare(self, request: Request) -> None:
        data = frames.encode(request.session_id, prepare=frames.request_to_pb(request))
        try:
            await self.transport.broadcast(data)
            metrics.frame_out("engine", len(self.transport.peers()))
        except Exception as exc:  # noqa: BLE001
            log.info("prepare broadcast failed: %s", type(exc).__name__)

    # -- receiving ------------------------------------------------------------------------
    async def _receive(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        async for sender, data in self.transport.incoming():
            metrics.frame_in("engine")
            try:
                self._on_data(sender, data)
            except Exception:  # noqa: BLE001 - one bad frame must not stop the receive loop
                self.stats["frame_errors"] += 1
                log.exception("error handling a frame from %s", sender)
            if loop.time() - last > YIELD_EVERY:
                await asyncio.sleep(0)
                last = loop.time()

    def _drop(self, why: str, sender: str, sid: bytes = b"", counter: str = "dropped") -> None:
        self.stats[counter] += 1
        metrics.frame_dropped("engine", counter)
        log.info("drop frame: %s session=%s party=%s", why, sid.hex()[:16] or "-", sender,
                 extra=_fields(sid) if sid else None)

    def _on_data(self, sender: str, data: bytes) -> None:
        if sender not in self.directory or sender == self.me:
            self._drop("sender is not a known party", sender, counter="garbage")
            return
        try:
            frame = frames.decode(data, self.config.max_frame_bytes)
        except frames.FrameError as exc:
            self._drop(str(exc), sender, counter="garbage")
            return
        sid = frame.session
        ctx = self._sessions.get(sid)
        if ctx is not None:
            ctx.on_frame(sender, frame)
            return
        if sid in self._finished:
            self._drop("session already ended", sender, sid, counter="late")
            return
        kind = frame.WhichOneof("kind")
        if kind == "prepare":
            self._on_prepare(sender, frame)
        elif kind == "pool_start":
            self._on_pool_start(sender, frame)
        elif not self.limbo.put(sid, sender, frame):
            self._drop("limbo full", sender, sid, counter="limbo_full")

    def _on_prepare(self, sender: str, frame) -> None:
        if not self.config.accept_peer_requests:
            self._drop("peer requests are not accepted (chain mode)", sender, frame.session)
            return
        try:
            request = frames.request_from_pb(frame.session, frame.prepare)
        except frames.FrameError as exc:
            self._drop(str(exc), sender, frame.session, counter="garbage")
            return
        self._accept(request, origin=sender)

    def _on_pool_start(self, sender: str, frame) -> None:
        msg = frame.pool_start
        signers = tuple(msg.signers)
        try:
            check_key_id(msg.key_id)
            ok = (len(msg.key_session) == 16 and signers == tuple(sorted(set(signers))) and len(signers) >= 2
                  and signers[0] == sender and self.me in signers)
        except StoreError:
            ok = False
        if not ok or self.closing:
            self._drop("unusable pool start", sender, frame.session)
            return
        ctx = SessionContext(self, frame.session, "presign-pool", msg.key_id, protocols=pool_flow.PROTOCOLS,
                             background=True)

        self._launch(ctx, self._run(ctx, pool_flow.run, (msg.key_id, msg.key_session, signers),
                                    self.config.presig_deadline, report=False))

    async def _sweep_limbo(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, self.config.limbo_ttl / 4))
            for sid, n in self.limbo.expire():
                self.stats["limbo_expired"] += n
                metrics.frame_dropped("engine", "limbo_expired", n)
                log.info("drop frame: no such session after %gs in limbo session=%s frames=%d",
                         self.config.limbo_ttl, sid.hex()[:16], n)


def _fields(sid: object, key_id: object = None) -> dict[str, str]:
    """Log fields naming a session that has no task of its own (yet)."""
    out = {"session": sid.hex() if isinstance(sid, bytes) else "-"}
    if isinstance(key_id, str):
        out["key"] = key_id
    return out


def _mark_error_now(store: KeyStore, key_id: str, ksid: bytes, reason: str) -> None:
    try:
        store.mark_error(key_id, ksid, reason)
    except StoreError:
        pass


def _parties_problem(threshold, parties, directory) -> str | None:
    if not isinstance(parties, tuple) or not all(isinstance(p, str) for p in parties):
        return "parties must be a tuple of party ids"
    if len(set(parties)) != len(parties):
        return "parties repeat"
    if not 2 <= len(parties) <= MAX_PARTIES:
        return f"need 2..{MAX_PARTIES} parties"
    unknown = [p for p in parties if p not in directory]
    if unknown:
        return f"unknown parties {unknown[:3]}"
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold < len(parties):
        return f"threshold must be 1..{len(parties) - 1}"
    return None


def _check(req: Request, directory) -> str | None:
    """Why a request cannot run, or None. Cheap checks only; the flows check the rest."""
    if not isinstance(req.session_id, bytes) or not 1 <= len(req.session_id) <= frames.MAX_SESSION_ID:
        return "session_id must be 1..64 bytes"
    if not isinstance(req.request_id, str) or not 0 < len(req.request_id) <= MAX_ID_LEN:
        return "request_id must be 1..256 characters"
    try:
        check_key_id(req.key_id)
    except StoreError as exc:
        return str(exc)
    if req.timeout is not None and (not isinstance(req.timeout, (int, float)) or not req.timeout > 0):
        return "timeout must be a positive number of seconds"
    if isinstance(req, KeygenRequest):
        return _parties_problem(req.threshold, req.parties, directory)
    if isinstance(req, ReshareRequest):
        return _parties_problem(req.new_threshold, req.new_parties, directory)
    if isinstance(req, SignRequest):
        if not isinstance(req.sign_id, str) or not 0 < len(req.sign_id) <= MAX_ID_LEN:
            return "sign_id must be 1..256 characters"
        if not isinstance(req.digest, bytes) or len(req.digest) != 32:
            return "digest must be 32 bytes"
    return None


__all__ = ["Engine"]
