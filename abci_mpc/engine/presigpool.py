"""The presignature pool: which presignatures this node holds, and the refill loop.

Each key's default signer set is its first t+1 parties (sorted), the set that signs
whenever all of them are up, and the pool makes presignatures for that set only. The
key's first party coordinates: when its own count is under `presig_target`, and no live
job is waiting for the crypto pool, it starts a pool run (PoolStart frame, then presign).

The index of presignature ids lives in memory and is rebuilt from the store at start-up
(`KeyStore.presignature_ids`), so presignatures made before a restart are still used.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from .aio import wait_set
from .pool import LIVE

log = logging.getLogger(__name__)


def default_signers(parties, threshold: int) -> tuple[str, ...]:
    """The signer set a key's pool serves: its first t+1 parties in sorted order."""
    return tuple(sorted(parties))[: threshold + 1]


class PresigIndex:
    def __init__(self):
        self._ids: dict[tuple[str, bytes], set[bytes]] = defaultdict(set)

    def add(self, key_id: str, ksid: bytes, pid: bytes) -> None:
        self._ids[(key_id, ksid)].add(pid)

    def discard(self, key_id: str, ksid: bytes, pid: bytes) -> None:
        self._ids.get((key_id, ksid), set()).discard(pid)

    def ids(self, key_id: str, ksid: bytes) -> list[bytes]:
        return sorted(self._ids.get((key_id, ksid), ()))

    def count(self, key_id: str) -> int:
        return sum(len(v) for (k, _), v in self._ids.items() if k == key_id)

    def counts(self) -> dict[str, int]:
        """{key_id: presignatures held}, for the metrics endpoint."""
        out: dict[str, int] = {}
        for (k, _), v in list(self._ids.items()):
            out[k] = out.get(k, 0) + len(v)
        return out

    def forget(self, key_id: str, keep: bytes | None = None) -> None:
        for k in [k for k in self._ids if k[0] == key_id and k[1] != keep]:
            del self._ids[k]


class PresigPool:
    def __init__(self, engine):
        self.engine = engine
        self.index = PresigIndex()
        self._keys: dict[str, tuple[bytes, tuple[str, ...]]] = {}
        self._running: dict[str, int] = defaultdict(int)
        self._backoff_until: dict[str, float] = {}
        self._failures: dict[str, int] = defaultdict(int)
        self._wake = asyncio.Event()

    # index pass-through, for the flows
    def ids(self, key_id, ksid):
        return self.index.ids(key_id, ksid)

    def add(self, key_id, ksid, pid):
        self.index.add(key_id, ksid, pid)

    def discard(self, key_id, ksid, pid):
        self.index.discard(key_id, ksid, pid)
        self._wake.set()

    def count(self, key_id: str) -> int:
        return self.index.count(key_id)

    def key_ready(self, key_id: str, ksid: bytes, parties, threshold: int) -> None:
        signers = default_signers(parties, threshold)
        self.index.forget(key_id, keep=ksid)
        if signers[0] == self.engine.me:  # the coordinator
            self._keys[key_id] = (ksid, signers)
            self._wake.set()
        else:
            self._keys.pop(key_id, None)

    def forget(self, key_id: str) -> None:
        self._keys.pop(key_id, None)
        self.index.forget(key_id)

    def poke(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await wait_set(self._wake, 1.0)
            self._wake.clear()
            cfg = self.engine.config
            for key_id, (ksid, signers) in list(self._keys.items()):
                if loop.time() < self._backoff_until.get(key_id, 0):
                    continue
                while (self._running[key_id] < cfg.presig_concurrency
                       and self.index.count(key_id) + self._running[key_id] < cfg.presig_target
                       and self.engine.pool.queued(LIVE) == 0 and not self.engine.closing):
                    self._running[key_id] += 1
                    self.engine.start_pool_run(key_id, ksid, signers, self._finished)

    def _finished(self, key_id: str, ok: bool) -> None:
        self._running[key_id] -= 1
        if ok:
            self._failures.pop(key_id, None)
            self._backoff_until.pop(key_id, None)
        else:
            self._failures[key_id] += 1
            delay = min(60.0, 0.5 * 2 ** self._failures[key_id])
            self._backoff_until[key_id] = asyncio.get_running_loop().time() + delay
        self._wake.set()
