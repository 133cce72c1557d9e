"""Loopback TCP transport: engines as separate OS processes, without CometBFT.

Every pair of parties keeps one link (link.py: authenticated by both identity keys,
encrypted). The party with the smaller id dials, the other accepts; a dialer retries with
backoff, so a restarted process is reconnected on its own. A new link from a party
replaces its old one. Sends to a party with no link are dropped and counted, as on the
CometBFT channel: session deadlines cover lost frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Mapping

from .aio import within
from .api import LocalIdentity, PartyIdentity
from .link import Link, LinkError, initiate, respond

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT = 5.0
MAX_RECORD = 8 << 20


class TcpTransport:
    def __init__(self, identity: LocalIdentity, directory: Mapping[str, PartyIdentity],
                 peers: Mapping[str, tuple[str, int]], *, host: str = "127.0.0.1", port: int = 0,
                 queue_size: int = 4096):
        self.me = identity.party
        self._identity = identity
        self._directory = dict(directory)
        self._addresses = {p: a for p, a in peers.items() if p != self.me}
        self._host, self.port = host, port
        self._links: dict[str, Link] = {}
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(queue_size)
        self._tasks: set[asyncio.Task] = set()
        self._server: asyncio.Server | None = None
        self._connected = asyncio.Event()
        self.stats: Counter[str] = Counter()

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self._host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def connect(self, peers: Mapping[str, tuple[str, int]] | None = None) -> None:
        """Start dialing every peer with a larger id (call after start, once addresses are known)."""
        if peers is not None:
            self._addresses.update({p: a for p, a in peers.items() if p != self.me})
        for p in sorted(self._addresses):
            if p > self.me:
                self._spawn(self._dial(p))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for link in list(self._links.values()):
            link.close()
        self._links.clear()

    async def wait_peers(self, parties, timeout: float) -> None:
        """Until a link to every party in `parties` is up."""
        async with asyncio.timeout(timeout):
            while not set(parties) - {self.me} <= set(self._links):
                self._connected.clear()
                await self._connected.wait()

    # -- Transport ------------------------------------------------------------------------
    def peers(self) -> frozenset[str]:
        return frozenset(self._links)

    async def send(self, party: str, data: bytes) -> None:
        link = self._links.get(party)
        if link is None:
            self.stats["send_no_link"] += 1
            return
        try:
            await link.send(data)
        except (ConnectionError, OSError):
            self.stats["send_failed"] += 1

    async def broadcast(self, data: bytes) -> None:
        for p in list(self._links):
            await self.send(p, data)

    async def incoming(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            yield await self._queue.get()

    # -- links ----------------------------------------------------------------------------
    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dial(self, party: str) -> None:
        backoff = 0.05
        while True:
            host, port = self._addresses[party]
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            try:
                link = await within(
                    initiate(reader, writer, self._identity, self._directory[party], MAX_RECORD), HANDSHAKE_TIMEOUT)
            except (LinkError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                self.stats["handshake_failed"] += 1
                log.info("link to %s failed: %s", party, exc)
                writer.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            await self._serve(link)
            await asyncio.sleep(0.05)

    async def _accept(self, reader, writer) -> None:
        try:
            link = await within(respond(reader, writer, self._identity, self._directory, MAX_RECORD),
                                HANDSHAKE_TIMEOUT)
        except (LinkError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
            self.stats["handshake_failed"] += 1
            log.info("incoming link refused: %s", exc)
            writer.close()
            return
        if link.peer > self.me:  # the smaller id dials; anything else is a confused or hostile peer
            self.stats["handshake_failed"] += 1
            link.close()
            return
        # Served from a task of our own, not asyncio's handler task: on Python 3.11 cancelling
        # the handler task at close makes asyncio log a spurious CancelledError traceback.
        self._spawn(self._serve(link))

    async def _serve(self, link: Link) -> None:
        old = self._links.get(link.peer)
        if old is not None:
            old.close()
        self._links[link.peer] = link
        self._connected.set()
        log.info("link up %s <-> %s", self.me, link.peer)
        try:
            while True:
                data = await link.recv()
                await self._queue.put((link.peer, data))
        except (LinkError, OSError, asyncio.IncompleteReadError) as exc:
            log.info("link to %s closed: %s", link.peer, type(exc).__name__)
        finally:
            if self._links.get(link.peer) is link:
                del self._links[link.peer]
            link.close()
