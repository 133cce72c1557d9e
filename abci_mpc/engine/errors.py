"""How a session ends in failure inside the engine (turned into a SessionFailed result)."""

from __future__ import annotations

from ..tss.blame import Blame
from ..tss.errors import Rejected
from ..tss.session import parse_envelope
from .api import BlameRecord

# Protocols whose direct messages carry secret shares in clear (inside the E2E seal).
SECRET_DIRECT = frozenset({"keygen", "reshare", "refresh"})


def public_evidence(blame: Blame) -> tuple[bytes, ...]:
    """The blame's evidence minus what would leak a secret if published.

    In keygen, reshare and refresh a direct envelope carries a secret share (for reshare:
    an evaluation of a dealer's polynomial over its share of the *old*, still-live key).
    Only the accused's own direct envelopes to us stay (they are what it is accused of);
    ours and honest parties' are dropped. Other protocols' direct messages hold only
    ciphertexts and proofs, so their evidence is kept whole.
    """
    if blame.protocol not in SECRET_DIRECT:
        return tuple(blame.evidence)
    kept = []
    for data in blame.evidence:
        try:
            env = parse_envelope(data)
        except Rejected:
            continue
        if env.recipient == "" or env.sender == blame.accused:
            kept.append(data)
    return tuple(kept)


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
                          detail=f"{blame.protocol}: {blame.detail}", evidence=public_evidence(blame),
                          exhibits=tuple(getattr(blame, "exhibits", ())))
        who = blame.accused or "unattributed"
        return cls(f"{blame.protocol} round {blame.round}: {who}: {blame.reason.value}", (rec,),
                   notify=tuple(notify), blame=blame)


class NotInvolved(Exception):
    """This node has no part in the request (not a party, or not chosen to sign)."""
