"""A small stash of pre-generated Paillier keys, refilled in the background.

Safe primes cost ~0.3-0.6 s of CPU per 2048-bit key, with a long tail; generating them
ahead of time lets an aux-info run start at once. Taking from an empty stash generates
one at live priority.
"""

from __future__ import annotations

import asyncio
import logging

from ..tss.paillier import PaillierSecretKey
from . import work
from .pool import BACKGROUND, LIVE, CryptoPool, PoolClosed

log = logging.getLogger(__name__)


class PaillierStash:
    def __init__(self, pool: CryptoPool, bits: int, size: int):
        self._pool, self._bits, self._size = pool, bits, size
        self._keys: list[PaillierSecretKey] = []
        self._want = asyncio.Event()
        self._want.set()

    def __len__(self) -> int:
        return len(self._keys)

    async def take(self) -> PaillierSecretKey:
        self._want.set()
        if self._keys:
            return self._keys.pop()
        return await self._pool.run(work.generate_paillier, self._bits, priority=LIVE)

    async def run(self) -> None:
        """Background task: keep `size` keys ready."""
        while True:
            await self._want.wait()
            self._want.clear()
            while len(self._keys) < self._size:
                try:
                    self._keys.append(await self._pool.run(work.generate_paillier, self._bits, priority=BACKGROUND))
                except PoolClosed:
                    return
