"""Typed errors of the tss layer."""


class TssError(Exception):
    """Base class."""


class Rejected(TssError):
    """A message was ignored without affecting the session (unknown sender, bad signature,
    another session, a duplicate, a round already finished). Log it and carry on."""


class SessionClosed(TssError):
    """The session already finished or failed."""


class ProtocolAbort(TssError):
    """The session failed; `blame` names the faulty party, the reason and the evidence."""

    def __init__(self, blame, outgoing=()):
        self.blame = blame
        # Messages the session still wants delivered (e.g. the echo that lets peers see the
        # equivocation too); callers send them like any other output.
        self.outgoing = list(outgoing)
        super().__init__(f"{blame.protocol} round {blame.round}: party {blame.accused}: {blame.reason.value}: {blame.detail}")
