"""The engine's Transport over the node's MPC channel (a `BridgeClient`).

The node authenticates every sender (CometBFT's SecretConnection), so a `Received`
event's peer id is the sending party. Delivery is best effort: while the bridge is
down, sends raise `BridgeUnavailable`, which the engine counts as a lost frame and
covers with its session deadlines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from .bridge import BridgeClient, PeerDown, PeerUp, Received


class BridgeTransport:
    def __init__(self, client: BridgeClient, me: str) -> None:
        self.client = client
        self.me = me
        self.peer_events = 0  # PeerUp/PeerDown seen: the engine has no use for them

    def peers(self) -> frozenset[str]:
        return self.client.peers

    async def send(self, party: str, data: bytes) -> None:
        await self.client.send(party, data)

    async def broadcast(self, data: bytes) -> None:
        await self.client.broadcast(data)

    async def incoming(self) -> AsyncIterator[tuple[str, bytes]]:
        """Yields (sender, frame); the engine is the client's only event consumer."""
        async for event in self.client.events():
            if isinstance(event, Received):
                yield event.peer_id, event.payload
            elif isinstance(event, (PeerUp, PeerDown)):
                self.peer_events += 1
