"""Driver: runs one tss Session (one protocol within an engine session) to its end.

Steps are strictly ordered: the session object goes to a crypto worker with every
envelope that has arrived since the previous step, comes back with its new state, and
only then is the next batch sent. Envelopes arriving meanwhile wait in the inbox, so a
round's messages usually travel as one batch.

Presigning and signing may output their result and still listen for an identification
round (a peer whose check failed asks everyone to open their values). `run` returns the
result as soon as it exists; `listen` then keeps feeding the finished session — answering
such requests — until nothing can follow or the engine session's deadline ends it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..tss.session import Session, Status
from . import work
from .errors import SessionAborted

if TYPE_CHECKING:
    from .context import SessionContext

log = logging.getLogger(__name__)


class Driver:
    def __init__(self, ctx: SessionContext, session: Session):
        self.ctx = ctx
        self.session = session
        self.protocol = session.info.protocol
        self._inbox: list[bytes] = []
        self._inbox_from: list[tuple[int, str]] = []  # (round, sender) of each inbox envelope
        self._inflight_from: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self.started = False
        self.closed = False  # no more envelopes can change this session

    # -- from the engine ------------------------------------------------------------------
    def deliver(self, envelope: bytes, round: int, sender: str) -> None:
        if self.closed:
            self.ctx.drop(f"{self.protocol} envelope after the run ended", sender)
            return
        self._inbox.append(envelope)
        self._inbox_from.append((round, sender))
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    @property
    def running(self) -> bool:
        """Started and without a result (stays true after a deadline stopped it, for the blame)."""
        return self.started and self.session.status is Status.RUNNING

    @property
    def listening(self) -> bool:
        """Finished with a result, but an identification round may still come."""
        return self.session.status is Status.DONE and self.session.round != 0 and not self.closed

    def missing(self) -> set[str]:
        """Parties whose messages for the current round we lack (held or in-flight ones count as answered)."""
        if not self.running:
            return set()
        current = self.session.round
        answered = {snd for rnd, snd in self._inbox_from + self._inflight_from if rnd >= current}
        return set(self.session.waiting_for()) - answered

    # -- running ----------------------------------------------------------------------------
    async def run(self, begin_fn, args: tuple):
        """Run to the result (or raise SessionAborted)."""
        try:
            out = await self._step(work.begin, begin_fn, args)
            self.started = True
            await self._apply(out)
            while self.session.status is Status.RUNNING:
                await self._apply(await self._next_batch(check_abort=True))
            return self.session.result
        except BaseException:
            self.closed = True
            raise
        finally:
            if not self.listening:
                self.closed = True

    async def listen(self) -> None:
        """Keep a finished session answering identification requests. Raises SessionAborted
        if identification later names a cheater."""
        try:
            while self.listening:
                await self._apply(await self._next_batch(check_abort=False))
        finally:
            self.closed = True

    async def _next_batch(self, *, check_abort: bool) -> work.StepOut:
        while not self._inbox:
            if check_abort:
                self.ctx.check_aborted()
            self._wake.clear()
            await self._wake.wait()
        batch, self._inflight_from = self._inbox, self._inbox_from
        self._inbox, self._inbox_from = [], []
        return await self._step(work.feed, batch)

    async def _step(self, fn, *args) -> work.StepOut:
        return await self.ctx.engine.pool.run(fn, self.session, *args, priority=self.ctx.priority)

    async def _apply(self, out: work.StepOut) -> None:
        self.session = out.session
        self._inflight_from = []
        for reason in out.rejected:
            self.ctx.drop(f"{self.protocol} envelope rejected: {reason}", "")
        await self.ctx.send_envelopes(out.out, self.session.info.parties)
        if out.blame is not None:
            self.closed = True
            raise SessionAborted.from_blame(out.blame, notify=self.session.info.parties)
