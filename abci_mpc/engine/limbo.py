"""Limbo: frames for sessions this node does not know yet, kept for a while.

In chain mode each node learns a request from its own copy of the block, so a faster
peer's Ready or first-round envelope can arrive before the request does. Such frames wait
here (bounded in count, per session and in total) until the session starts, or are
dropped — and logged — once they are older than the TTL.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class Limbo:
    def __init__(self, ttl: float, max_frames: int, max_per_session: int,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl, self.max_frames, self.max_per_session = ttl, max_frames, max_per_session
        self._clock = clock
        self._sessions: OrderedDict[bytes, tuple[float, list]] = OrderedDict()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def put(self, sid: bytes, sender: str, frame) -> bool:
        """Keep the frame; False if a bound is reached (the caller drops and logs it)."""
        entry = self._sessions.get(sid)
        if self._count >= self.max_frames or (entry is not None and len(entry[1]) >= self.max_per_session):
            return False
        if entry is None:
            entry = self._sessions[sid] = (self._clock(), [])
        entry[1].append((sender, frame))
        self._count += 1
        return True

    def take(self, sid: bytes) -> list:
        entry = self._sessions.pop(sid, None)
        if entry is None:
            return []
        self._count -= len(entry[1])
        return entry[1]

    def expire(self) -> list[tuple[bytes, int]]:
        """Drop sessions whose first frame is older than the TTL: [(session id, frames dropped)]."""
        cutoff = self._clock() - self.ttl
        dropped = []
        while self._sessions:
            sid, (first, frames) = next(iter(self._sessions.items()))
            if first > cutoff:
                break
            del self._sessions[sid]
            self._count -= len(frames)
            dropped.append((sid, len(frames)))
        return dropped
