"""How a session ends in failure inside the engine (turned into a SessionFailed result)."""

from __future__ import annotations

from ..tss.blame import Blame
from .api import BlameRecord


class SessionAborted(Exception):
    """The session failed on this node. `notify`: parties to tell with an Abort frame."""

    def __init__(self, reason: str, blames: tuple[BlameRecord, ...] = (), *,
                 notify: tuple[str, ...] = (), blame: Blame | None = None):
        super().__init__(reason)
        self.reason = reason
        self.blames = blames
        self.notify = notify
        self.blame = blame

    @classmethod
    def from_blame(cls, blame: Blame, notify=()) -> SessionAborted:
        rec = BlameRecord(accused=blame.accused, reason=blame.reason.name, round=blame.round,
                          detail=f"{blame.protocol}: {blame.detail}", evidence=tuple(blame.evidence))
        who = blame.accused or "unattributed"
        return cls(f"{blame.protocol} round {blame.round}: {who}: {blame.reason.value}", (rec,),
                   notify=tuple(notify), blame=blame)


class NotInvolved(Exception):
    """This node has no part in the request (not a party, or not chosen to sign)."""
