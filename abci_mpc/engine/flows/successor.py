"""keyReshare and keyRefresh: WAITING for the tss modules `tss.reshare` and `tss.refresh`.

They follow the keygen pattern (prepare/ready/start, PENDING successor record through
`store.begin_successor`, READY on success, the old share retired by the store). Until the
protocol modules are in the tree, a request fails at once with a clear reason.
"""

from __future__ import annotations

import importlib.util

from ..errors import SessionAborted

PROTOCOLS: tuple[str, ...] = ()


def available(kind: str) -> bool:
    return importlib.util.find_spec(f"abci_mpc.tss.{kind}") is not None


async def run(ctx, req):
    raise SessionAborted(f"{ctx.kind} is not wired into the engine yet (waiting for tss.{ctx.kind})")
