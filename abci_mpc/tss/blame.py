"""Blame: who made a session fail, why, and the signed messages that show it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Reason(str, enum.Enum):
    MALFORMED = "malformed message"
    BAD_PROOF = "invalid zero-knowledge proof"
    BAD_SHARE = "invalid secret share"
    BAD_COMMITMENT = "decommitment does not match commitment"
    BAD_PARAMETERS = "invalid public parameters"
    EQUIVOCATION = "inconsistent broadcast"
    FORGED_ECHO = "echo carries a forged or malformed entry"
    BAD_PARTIAL_SIGNATURE = "invalid partial signature"
    INCONSISTENT = "values inconsistent with the protocol transcript"
    TIMEOUT = "did not answer before the deadline"


@dataclass(frozen=True)
class Blame:
    session: bytes
    protocol: str
    round: int
    accused: str
    reason: Reason
    detail: str
    reporter: str = ""
    # Signed envelopes (serialized) that let a third party re-check the accusation.
    evidence: tuple[bytes, ...] = field(default=(), repr=False)
    # Signed receipts (serialized KReceipt/MtaReceipt) the reporter held, when they matter.
    exhibits: tuple[bytes, ...] = field(default=(), repr=False)

    def summary(self) -> str:
        return f"{self.protocol}/{self.session.hex()[:16]} round {self.round}: {self.accused}: {self.reason.value} ({self.detail})"
