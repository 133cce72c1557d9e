"""In-memory transport for tests: every engine in one event loop, joined by a hub.

The hub can watch every frame (`tap`, the view of a relaying or eavesdropping peer),
cut a party off (`disconnect`, as if its process stopped) and inject frames as if a
party had sent them (`inject`, for garbage and replay tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

Tap = Callable[[str, str, bytes], None]  # (sender, recipient, frame)


class MemoryNetwork:
    def __init__(self, *, tap: Tap | None = None, queue_size: int = 0):
        self._endpoints: dict[str, MemoryTransport] = {}
        self._down: set[str] = set()
        self.tap = tap
        self._queue_size = queue_size

    def endpoint(self, party: str) -> MemoryTransport:
        if party in self._endpoints:
            raise ValueError(f"party {party!r} already has an endpoint")
        ep = MemoryTransport(self, party, self._queue_size)
        self._endpoints[party] = ep
        return ep

    def disconnect(self, party: str) -> None:
        """Drop every frame from and to `party` from now on."""
        self._down.add(party)

    def reconnect(self, party: str) -> None:
        self._down.discard(party)

    def inject(self, sender: str, recipient: str, data: bytes) -> None:
        self._endpoints[recipient]._queue.put_nowait((sender, bytes(data)))

    def _deliver(self, sender: str, recipient: str, data: bytes) -> None:
        if sender in self._down or recipient in self._down or recipient not in self._endpoints:
            return
        if self.tap is not None:
            self.tap(sender, recipient, data)
            if sender in self._down or recipient in self._down:  # the tap cut one of them off
                return
        self._endpoints[recipient]._queue.put_nowait((sender, bytes(data)))


class MemoryTransport:
    def __init__(self, net: MemoryNetwork, me: str, queue_size: int):
        self._net = net
        self.me = me
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(queue_size)

    def peers(self) -> frozenset[str]:
        return frozenset(p for p in self._net._endpoints if p != self.me and p not in self._net._down)

    async def send(self, party: str, data: bytes) -> None:
        self._net._deliver(self.me, party, data)

    async def broadcast(self, data: bytes) -> None:
        for p in self.peers():
            self._net._deliver(self.me, p, data)

    async def incoming(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            yield await self._queue.get()
