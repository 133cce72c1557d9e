"""asyncio waits that never swallow a cancellation.

Python 3.11's `asyncio.wait_for` returns the inner result when a cancel arrives in the
same loop iteration (or the next two) as the inner future completes, so the caller's
cancellation is lost (CPython gh-86296, fixed in 3.12 by rebuilding wait_for on
`asyncio.timeout`). A loop such as "wait for a wake-up or one second" then runs on after
`Engine.close()` cancelled it, and close waits for it forever. `asyncio.timeout` counts
cancellations (Task.uncancel) and tells its own expiry from a caller's cancel, so this
project waits through it only; a test keeps `wait_for` out of the package.
"""

from __future__ import annotations

import asyncio


async def wait_set(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait until `event` is set (True) or `timeout` seconds pass (False)."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def within(aw, timeout: float | None):
    """Await `aw`, raising TimeoutError after `timeout` seconds (cancellation-safe wait_for)."""
    async with asyncio.timeout(timeout):
        return await aw
