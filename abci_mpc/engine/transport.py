"""The Transport interface: what the engine needs from a network, and nothing more.

Delivery is best effort (a frame may be lost when a peer is down); the engine copes the
way it copes with a slow party, through session deadlines. The engine never starts or
closes a transport: its owner does.

An adapter over `abci_mpc.chain.bridge.BridgeClient` is a few lines:

    class BridgeTransport:
        def __init__(self, client, me):
            self.client, self.me = client, me
        def peers(self):
            return self.client.peers
        async def send(self, party, data):
            await self.client.send(party, data)
        async def broadcast(self, data):
            await self.client.broadcast(data)
        async def incoming(self):
            async for ev in self.client.events():
                if isinstance(ev, Received):
                    yield ev.peer_id, ev.payload
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class Transport(Protocol):
    me: str  # this node's party id

    def peers(self) -> frozenset[str]:
        """Parties currently reachable (informational; sends to others are dropped)."""

    async def send(self, party: str, data: bytes) -> None:
        """Send one frame to one party. May raise on a transport failure; never blocks long."""

    async def broadcast(self, data: bytes) -> None:
        """Send one frame to every connected peer."""

    def incoming(self) -> AsyncIterator[tuple[str, bytes]]:
        """(authenticated sender, frame) pairs, in the order each sender sent them."""
