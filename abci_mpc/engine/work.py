"""What runs inside a crypto worker process: one step of one tss session at a time.

A session object travels to a worker with the envelopes to feed it and comes back with
its new state, so it is never in two places at once, and the engine runs the next step of
the same session only after the previous one has returned (steps are strictly ordered).
Everything here is a plain module-level function so it pickles by reference.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from ..tss import serialize
from ..tss.blame import Blame
from ..tss.errors import ProtocolAbort, Rejected, SessionClosed
from ..tss.paillier import PaillierSecretKey
from ..tss.session import Outgoing, Session
from ..tss.shares import KeyShare


@dataclass
class StepOut:
    session: Session
    out: list[Outgoing] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # why envelopes were ignored (no secrets)
    blame: Blame | None = None


def begin(session: Session, begin_fn, args: tuple) -> StepOut:
    """Start the session with the protocol's first round, `begin_fn(info, *args)`."""
    result = StepOut(session)
    result.out = session.start(begin_fn(session.info, *args))
    return result


def feed(session: Session, envelopes: list[bytes]) -> StepOut:
    result = StepOut(session)
    for i, env in enumerate(envelopes):
        try:
            result.out.extend(session.receive(env))
        except Rejected as exc:
            result.rejected.append(str(exc))
        except SessionClosed:
            result.rejected.extend(["the run has ended"] * (len(envelopes) - i))
            break
        except ProtocolAbort as exc:
            result.out.extend(exc.outgoing)  # e.g. the echo that lets peers see an equivocation too
            result.blame = exc.blame
            break
    return result


def generate_paillier(bits: int) -> PaillierSecretKey:
    return PaillierSecretKey.generate(bits)


def decode_share(data: bytes) -> KeyShare:
    return serialize.key_share_from_bytes(data)


def encode_share(share: KeyShare) -> bytes:
    return serialize.key_share_to_bytes(share)


def init_worker(nice: int) -> None:
    """Crypto workers yield the CPU to the event loop process, which must stay responsive,
    and exit when their parent does (a worker blocked on its job queue would never notice)."""
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def ping() -> int:
    return os.getpid()
