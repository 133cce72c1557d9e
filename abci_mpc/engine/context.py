"""SessionContext: one engine session on this node — its control frames, its tss runs,
and what it knows about who has not answered yet.

A flow (flows/*.py) is a coroutine that uses its context to exchange Ready/Start
frames, to run tss protocols (each in a Driver), and to name the parties it waits for,
so that a missed deadline can blame exactly them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .. import metrics
from ..tss.errors import Rejected
from ..tss.rounds import SessionInfo
from ..tss.session import Outgoing, Session, parse_envelope
from . import frames
from .aio import wait_set
from .api import BlameRecord
from .driver import Driver
from .engine_pb2 import Abort, Confirm, Ready, Sealed, Start, Tss
from .errors import SessionAborted
from .pool import BACKGROUND, LIVE
from .sealed import SealError, associated_data, open_sealed, seal

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)


class SessionContext:
    def __init__(self, engine: Engine, sid: bytes, kind: str, key_id: str, *,
                 protocols: Iterable[str] = (), background: bool = False):
        self.engine = engine
        self.sid = sid
        self.kind = kind
        self.key_id = key_id
        self.me = engine.me
        self.priority = BACKGROUND if background else LIVE
        self.protocols = frozenset(protocols)  # tss protocols this session may run
        self.parties: tuple[str, ...] = ()  # who may send us control frames
        self.abort_from: frozenset[str] = frozenset()  # whose Abort ends this session
        self.readies: dict[str, Ready] = {}
        self.starts: list[tuple[str, Start]] = []
        self.confirms: dict[str, Confirm] = {}
        self.drivers: dict[str, Driver] = {}
        self._early: dict[str, list[tuple[bytes, int, str]]] = {}
        self._early_count = 0
        self._peer_abort: SessionAborted | None = None
        self._changed = asyncio.Event()
        self._waiting: Callable[[], set[str]] = lambda: set()
        self._waiting_detail = "no answer"
        self.pending_record: bytes | None = None  # a PENDING key session to mark ERROR on failure
        self._held: list[tuple[str, object]] | None = []  # frames that came before expect()
        self._listeners: set[asyncio.Task] = set()
        self.flow_done = False
        self.late_failure_hooks: list = []  # async callables(SessionAborted) for failures after the result

    # -- naming -------------------------------------------------------------------------
    @property
    def tag(self) -> str:
        return f"session={self.sid.hex()[:16]} kind={self.kind} key={self.key_id}"

    def drop(self, why: str, party: str) -> None:
        self.engine.stats["dropped"] += 1
        metrics.frame_dropped("engine", "dropped")
        log.info("drop frame: %s %s party=%s", why, self.tag, party or "-",
                 extra={"session": self.sid.hex(), "key": self.key_id})

    # -- waiting --------------------------------------------------------------------------
    def expect(self, parties: Iterable[str], *, abort_from: Iterable[str] | None = None) -> None:
        self.parties = tuple(sorted(parties))
        self.abort_from = frozenset(self.parties if abort_from is None else abort_from)
        held, self._held = self._held or [], None
        for sender, frame in held:
            self.on_frame(sender, frame)

    def waiting_on(self, fn: Callable[[], set[str]], detail: str) -> None:
        """Declare whom the flow is waiting for now (blamed if the deadline passes)."""
        self._waiting, self._waiting_detail = fn, detail

    def check_aborted(self) -> None:
        if self._peer_abort is not None:
            raise self._peer_abort

    async def until(self, pred: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait until pred() holds (True) or `timeout` passes (False); a peer's Abort raises."""
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        while True:
            self.check_aborted()
            if pred():
                return True
            left = None if end is None else end - loop.time()
            if left is not None and left <= 0:
                return False
            self._changed.clear()
            await wait_set(self._changed, left)

    async def wait_change(self, timeout: float | None) -> None:
        """Wait for any new frame (or `timeout`); a peer's Abort raises."""
        self.check_aborted()
        self._changed.clear()
        await wait_set(self._changed, timeout)
        self.check_aborted()

    async def run_all(self, *coros):
        """Run tss runs side by side; the first failure cancels the others and is raised."""
        tasks = [asyncio.ensure_future(c) for c in coros]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for t in tasks:
                if t.done() and t.exception() is not None:
                    raise t.exception()
            return [t.result() for t in tasks]
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _poke(self) -> None:
        self._changed.set()
        for d in self.drivers.values():
            d.wake()

    def timeout_blames(self) -> tuple[BlameRecord, ...]:
        running = [d for d in self.drivers.values() if d.running]
        if running:
            out = {}
            for d in running:
                for p in sorted(d.missing()):
                    out.setdefault(p, BlameRecord(p, "TIMEOUT", d.session.round,
                                                  f"{d.protocol}: no round-{d.session.round} message"))
            return tuple(out[p] for p in sorted(out))
        if any(not d.started for d in self.drivers.values()):
            return ()  # our own first step had not even finished: nobody else to blame
        return tuple(BlameRecord(p, "TIMEOUT", 0, self._waiting_detail) for p in sorted(self._waiting()))

    # -- sending --------------------------------------------------------------------------
    async def send_control(self, parties: Iterable[str], **kind) -> None:
        data = frames.encode(self.sid, **kind)
        for p in parties:
            if p != self.me:
                await self.engine.send(p, data)

    async def send_ready(self, ready: Ready) -> None:
        self.readies[self.me] = ready
        self._poke()
        await self.send_control(self.parties, ready=ready)

    async def send_abort(self, parties: Iterable[str], err: SessionAborted) -> None:
        msg = Abort(reason=err.reason[:500])
        b = err.blame
        if b is not None:
            # No evidence: peers only need to stop waiting, and an Abort travels unsealed.
            msg.accused, msg.blame_reason, msg.round = b.accused, b.reason.name, b.round
            msg.detail, msg.protocol = b.detail[:500], b.protocol
        await self.send_control(parties, abort=msg)

    async def send_envelopes(self, out: list[Outgoing], parties: tuple[str, ...]) -> None:
        for o in out:
            if o.to is None:
                data = frames.encode(self.sid, tss=Tss(envelope=o.data))
                for p in parties:
                    if p != self.me:
                        await self.engine.send(p, data)
            else:
                key = self.engine.directory[o.to].enc_key
                eph, ct = seal(key, o.data, associated_data(self.sid, self.me, o.to))
                await self.engine.send(o.to, frames.encode(self.sid, tss=Tss(sealed=Sealed(ephemeral=eph, ciphertext=ct))))

    # -- running tss ----------------------------------------------------------------------
    async def run_tss(self, protocol: str, parties: Iterable[str], binding: bytes, begin_fn, *args):
        info = SessionInfo(protocol, self.sid, tuple(sorted(parties)), self.me, binding)
        driver = Driver(self, Session(info, self.engine.identity.signer, self.identities(info.parties)))
        self.drivers[protocol] = driver
        self.engine.stats[f"run_{protocol}"] += 1
        for env, rnd, sender in self._early.pop(protocol, []):
            self._early_count -= 1
            if sender in info.parties:
                driver.deliver(env, rnd, sender)
            else:
                self.drop(f"{protocol} envelope from a non-participant", sender)
        result = await driver.run(begin_fn, args)
        if driver.listening:
            task = asyncio.create_task(self._listen(driver))
            self._listeners.add(task)
            task.add_done_callback(self._listeners.discard)
        return result

    def identities(self, parties: Iterable[str]) -> dict[str, bytes]:
        return {p: self.engine.directory[p].sign_key for p in parties}

    async def _listen(self, driver: Driver) -> None:
        try:
            await driver.listen()
        except SessionAborted as exc:
            if not self.flow_done:
                self._peer_abort = exc  # the flow is still using this run's result: fail it
                self._poke()
                return
            log.warning("identification after the result %s: %s", self.tag, exc.reason)
            for hook in self.late_failure_hooks:
                await hook(exc)
            if exc.notify:
                await self.send_abort(exc.notify, exc)

    async def linger(self, timeout: float) -> None:
        """After the flow: keep finished runs answering identification requests until the deadline."""
        if self._listeners:
            await asyncio.wait(set(self._listeners), timeout=max(timeout, 0))
        for t in list(self._listeners):
            t.cancel()

    # -- receiving ------------------------------------------------------------------------
    def on_frame(self, sender: str, frame) -> None:
        if self._held is not None:  # the flow has not said yet who takes part
            if len(self._held) < self.engine.config.max_early_envelopes:
                self._held.append((sender, frame))
            else:
                self.drop("too many frames before the session started", sender)
            return
        kind = frame.WhichOneof("kind")
        if sender not in self.parties and kind != "tss":
            self.drop(f"{kind} from a party outside the session", sender)
            return
        if kind == "tss":
            self._on_tss(sender, frame.tss)
        elif kind == "ready":
            if sender in self.readies:
                self.drop("duplicate ready", sender)
                return
            self.readies[sender] = frame.ready
            self._poke()
        elif kind == "start":
            self.starts.append((sender, frame.start))
            self._poke()
        elif kind == "confirm":
            if sender in self.confirms:
                self.drop("duplicate confirm", sender)
                return
            self.confirms[sender] = frame.confirm
            self._poke()
        elif kind == "abort":
            self._on_abort(sender, frame.abort)
        else:
            self.drop(f"unexpected {kind} frame", sender)

    def _on_abort(self, sender: str, msg: Abort) -> None:
        if sender not in self.abort_from or self._peer_abort is not None:
            self.drop("abort from a party not running this session", sender)
            return
        if msg.accused:
            rec = BlameRecord(msg.accused, msg.blame_reason or "ABORTED", msg.round,
                              f"{msg.protocol}: {msg.detail}", reporter=sender)
        else:
            rec = BlameRecord(sender, "ABORTED", 0, msg.reason[:500], reporter=sender)
        self._peer_abort = SessionAborted(f"{sender} aborted: {msg.reason[:500]}", (rec,))
        self._poke()

    def _on_tss(self, sender: str, tss: Tss) -> None:
        body = tss.WhichOneof("body")
        if body == "sealed":
            try:
                data = open_sealed(self.engine.identity.enc_private, tss.sealed.ephemeral, tss.sealed.ciphertext,
                                   associated_data(self.sid, sender, self.me))
            except SealError as exc:
                self.drop(str(exc), sender)
                return
        elif body == "envelope":
            data = tss.envelope
        else:
            self.drop("empty tss frame", sender)
            return
        try:
            env = parse_envelope(data)
        except Rejected as exc:
            self.drop(str(exc), sender)
            return
        if env.sender != sender or env.session != self.sid:
            self.drop("envelope sender or session does not match its frame", sender)
            return
        if (body == "envelope") != (env.recipient == ""):
            # Direct envelopes must be sealed; broadcasts must not claim a recipient.
            self.drop("direct envelope not sealed, or broadcast sealed", sender)
            return
        driver = self.drivers.get(env.protocol)
        if driver is not None:
            driver.deliver(data, env.round, sender)
        elif env.protocol in self.protocols and self._early_count < self.engine.config.max_early_envelopes:
            self._early.setdefault(env.protocol, []).append((data, env.round, sender))
            self._early_count += 1
        else:
            self.drop(f"{env.protocol} envelope this session cannot use now", sender)
