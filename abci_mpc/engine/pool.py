"""CryptoPool: a process pool with two priorities, so live sessions overtake background work.

Jobs wait in a heap (live before background, then FIFO) and at most `workers` of them are
handed to the ProcessPoolExecutor at a time. That keeps the priority decision in our hands
until a worker is actually free: a live signing step never queues behind a backlog of
presignature-pool steps, only behind the (at most `workers`) steps already running.

Pickling and unpickling happen in the executor's own threads, so the event loop only
enqueues and is woken with the result.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

from . import work

LIVE, BACKGROUND = 0, 1


class PoolClosed(Exception):
    pass


class CryptoPool:
    def __init__(self, workers: int = 2, *, nice: int = 5, start_method: str = "forkserver"):
        if workers < 1:
            raise ValueError("a crypto pool needs at least one worker")
        self.workers = workers
        self._nice = nice
        self._start_method = start_method
        self._executor: ProcessPoolExecutor | None = None
        self._heap: list = []
        self._seq = itertools.count()
        self._running = 0
        self._loop: asyncio.AbstractEventLoop | None = None  # of the latest run()
        self._slots = threading.Lock()  # _running is also released from executor threads (_wake)
        self._queued = [0, 0]
        self.completed = 0
        self._closed = False

    async def start(self) -> None:
        if self._executor is not None:
            return
        ctx = multiprocessing.get_context(self._start_method)
        if self._start_method == "forkserver":
            ctx.set_forkserver_preload(["abci_mpc.engine.work"])
        self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx,
                                             initializer=work.init_worker, initargs=(self._nice,))
        # Start every worker now, so the first real job does not pay for process start-up.
        # Submitting spawns the processes synchronously (hundreds of ms through the fork
        # server), so it happens in a helper thread, not on the event loop.
        ex = self._executor
        futures = await asyncio.to_thread(lambda: [ex.submit(work.ping) for _ in range(self.workers)])
        await asyncio.gather(*(asyncio.wrap_future(f) for f in futures))

    def worker_pids(self) -> list[int]:
        procs = getattr(self._executor, "_processes", None) or {}
        return list(procs)

    def queued(self, priority: int = LIVE) -> int:
        return self._queued[priority]

    @property
    def busy(self) -> int:
        return self._running

    async def run(self, fn, *args, priority: int = LIVE):
        if self._closed or self._executor is None:
            raise PoolClosed("crypto pool is not running")
        self._loop = asyncio.get_running_loop()
        fut = self._loop.create_future()
        heapq.heappush(self._heap, (priority, next(self._seq), fn, args, fut))
        self._queued[priority] += 1
        self._pump()
        return await fut  # cancelling drops a queued job; a running one finishes unseen

    def _pump(self) -> None:
        while self._heap and self._running < self.workers:
            priority, _, fn, args, fut = heapq.heappop(self._heap)
            self._queued[priority] -= 1
            if fut.done():  # the caller gave up while it was queued
                continue
            with self._slots:
                self._running += 1
            cf = self._executor.submit(fn, *args)
            cf.add_done_callback(lambda cf, fut=fut: self._wake(fut.get_loop(), cf, fut))

    def _wake(self, loop: asyncio.AbstractEventLoop, cf, fut) -> None:
        try:
            loop.call_soon_threadsafe(self._done, cf, fut)
        except RuntimeError:
            # The caller's loop is gone (it was closed while the job ran): nobody waits for
            # the result, but the worker is free again. Without this a pool that outlives one
            # event loop (asyncio.run after asyncio.run) would lose that worker for good.
            with self._slots:
                self._running -= 1
            latest = self._loop
            if latest is not None and latest is not loop and not self._closed:
                try:  # jobs queued from the live loop may be waiting for just this slot
                    latest.call_soon_threadsafe(self._pump)
                except RuntimeError:
                    pass

    def _done(self, cf, fut: asyncio.Future) -> None:
        with self._slots:
            self._running -= 1
        self.completed += 1
        if not fut.done():
            exc = cf.exception()
            if exc is not None:
                fut.set_exception(exc)
            else:
                fut.set_result(cf.result())
        if not self._closed:
            self._pump()

    async def close(self) -> None:
        self._closed = True
        for *_, fut in self._heap:
            if not fut.done():
                fut.set_exception(PoolClosed("crypto pool closed"))
        self._heap.clear()
        if self._executor is not None:
            ex, self._executor = self._executor, None
            await asyncio.get_running_loop().run_in_executor(None, lambda: ex.shutdown(wait=True, cancel_futures=True))
