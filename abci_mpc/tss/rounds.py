"""The round skeleton every protocol is written in (after taurus multi-party-sig).

A protocol is a chain of `Round` objects. Round r receives, from each other party, the
round-r messages it declares (a broadcast, a direct message, or both), verifies and
stores them in `receive`, and once all have arrived `finalize` hands out the round-(r+1)
messages and the next round, or the result. Everything about transport — signatures, echo
broadcast, buffering, duplicates — lives in `Session`, not here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .blame import Reason
from .transcript import ProofContext, Transcript

MAX_PARTIES = 256
MAX_PARTY_ID = 128


@dataclass(frozen=True)
class RoundTable:
    """A protocol's shape: its last round, the rounds in which every participant broadcasts,
    and the rounds that carry direct messages. Sessions bound buffering by it, and third
    parties judge echo and message-kind faults against it (never against missing evidence)."""

    last: int
    broadcast: frozenset
    direct: frozenset


ROUND_TABLES = {
    "aux": RoundTable(3, frozenset({1, 2}), frozenset({3})),
    "keygen": RoundTable(3, frozenset({1, 2}), frozenset({2, 3})),
    "reshare": RoundTable(3, frozenset({1, 2}), frozenset({2, 3})),
    "refresh": RoundTable(3, frozenset({1, 2}), frozenset({2, 3})),
    "presign": RoundTable(4, frozenset({1, 3, 4}), frozenset({1, 2, 3})),
    "sign": RoundTable(2, frozenset({1, 2}), frozenset()),
}


def check_party_id(party: str) -> str:
    if not isinstance(party, str) or not 0 < len(party) <= MAX_PARTY_ID or not party.isprintable():
        raise ValueError(f"invalid party id {party!r}")
    return party


@dataclass(frozen=True)
class SessionInfo:
    """Public facts every participant of one protocol run agrees on."""

    protocol: str
    session_id: bytes
    parties: tuple[str, ...]  # participants of this run, sorted
    me: str
    binding: bytes = b""  # protocol-specific public inputs (threshold, key fingerprint, ...)
    ssid: bytes = field(init=False, repr=False)

    def __post_init__(self):
        parties = tuple(check_party_id(p) for p in self.parties)
        if list(parties) != sorted(set(parties)):
            raise ValueError("parties must be sorted and distinct")
        if not 2 <= len(parties) <= MAX_PARTIES:
            raise ValueError(f"a session needs 2..{MAX_PARTIES} parties")
        if self.me not in parties:
            raise ValueError("this party is not a participant")
        if not 1 <= len(self.session_id) <= 64:
            raise ValueError("session id must be 1..64 bytes")
        object.__setattr__(self, "parties", parties)
        t = Transcript("ssid").str("protocol", self.protocol).bytes("session", self.session_id)
        t.bytes("parties", "\x00".join(parties).encode()).bytes("binding", self.binding)
        object.__setattr__(self, "ssid", t.digest(32))

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(p for p in self.parties if p != self.me)

    def proof(self, round: int, prover: str, verifier: str | None = None, rid: bytes = b"") -> ProofContext:
        """Proof context; `rid` is joint randomness that later rounds bind in (CGGMP21's rho)."""
        ssid = self.ssid if not rid else hashlib.sha256(self.ssid + rid).digest()
        return ProofContext(self.protocol, ssid, round, prover, verifier)


class Fault(Exception):
    """Raised by a round when the sender's message is invalid. `accused` overrides the
    sender (identification steps raise it from `finalize`, naming the party they caught)."""

    def __init__(self, reason: Reason, detail: str, accused: str | None = None, exhibits: tuple[bytes, ...] = ()):
        self.reason, self.detail, self.accused = reason, detail, accused
        self.exhibits = exhibits  # signed receipts the reporter holds, for the evidence
        super().__init__(f"{reason.value}: {detail}")


@dataclass
class Out:
    to: str | None  # None: broadcast to every other participant
    msg: Any  # protobuf round message


@dataclass
class Step:
    """Messages to send, then the next round and/or the result. With both, the party has
    its output but keeps listening: a later round may still identify a cheater (see the
    identification rounds of presign and sign)."""

    out: list[Out]
    next: Round | None = None
    result: Any = None


class Round:
    NUMBER: ClassVar[int]
    BROADCAST: ClassVar[type | None] = None  # protobuf type expected as each peer's broadcast
    DIRECT: ClassVar[type | None] = None  # protobuf type expected as each peer's direct message

    def __init__(self, info: SessionInfo):
        self.info = info

    def expects(self, sender: str) -> tuple[bool, bool]:
        """(broadcast?, direct?) this round expects from `sender`; roles may differ (reshare)."""
        return self.BROADCAST is not None, self.DIRECT is not None

    def receive(self, sender: str, broadcast, direct) -> None:
        raise NotImplementedError

    def reply(self) -> list[Out]:
        """Messages to send when a peer's message for this round arrives before we sent ours.
        Only continuation rounds (which we enter without sending) need it."""
        return []

    def finalize(self) -> Step:
        raise NotImplementedError


def xor_all(chunks) -> bytes:
    acc = bytearray(32)
    for c in chunks:
        for i, b in enumerate(c):
            acc[i] ^= b
    return bytes(acc)
