"""The engine's public contract: identities, requests in, results out.

Party ids are CometBFT node IDs (40 lowercase hex characters) in production and any
tss-valid id in tests. A session id is chosen by whoever creates the request (the chain
derives it from the transaction hash, so it is identical on every node); it is 1..64
bytes and must never be reused.

`timeout` (seconds, None = the engine's default for that kind) bounds a session on this
node; past it the session fails with TIMEOUT blame naming the parties that did not answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from ..tss.identity import Ed25519Signer
from ..tss.rounds import check_party_id

KEY_LEN = 32


@dataclass(frozen=True)
class PartyIdentity:
    """What every node knows about a party (genesis app_state in chain mode)."""

    party: str
    sign_key: bytes  # Ed25519 public key: verifies tss envelopes and link handshakes
    enc_key: bytes  # X25519 public key: direct tss envelopes are sealed to it

    def __post_init__(self):
        check_party_id(self.party)
        for name in ("sign_key", "enc_key"):
            v = getattr(self, name)
            if not isinstance(v, bytes) or len(v) != KEY_LEN:
                raise ValueError(f"{name} of {self.party!r} must be {KEY_LEN} bytes")


class LocalIdentity:
    """This node's secret keys. Its repr shows only public parts; it does not pickle."""

    __slots__ = ("party", "signer", "enc_private")

    def __init__(self, party: str, signer: Ed25519Signer, enc_private: X25519PrivateKey):
        self.party = check_party_id(party)
        self.signer = signer
        self.enc_private = enc_private

    @classmethod
    def generate(cls, party: str) -> LocalIdentity:
        return cls(party, Ed25519Signer.generate(), X25519PrivateKey.generate())

    def public(self) -> PartyIdentity:
        enc = self.enc_private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return PartyIdentity(self.party, bytes(self.signer.public_key), enc)

    def __repr__(self) -> str:
        return f"LocalIdentity({self.party!r}, sign_key={bytes(self.signer.public_key).hex()[:16]}..., <secret>)"

    def __reduce__(self):
        raise TypeError("LocalIdentity holds secret keys and is not picklable")


# -- requests ----------------------------------------------------------------------------

@dataclass(frozen=True)
class KeygenRequest:
    session_id: bytes
    request_id: str
    key_id: str
    threshold: int
    parties: tuple[str, ...]
    timeout: float | None = None


@dataclass(frozen=True)
class SignRequest:
    session_id: bytes
    request_id: str
    key_id: str
    sign_id: str
    digest: bytes  # 32 bytes
    timeout: float | None = None


@dataclass(frozen=True)
class ReshareRequest:
    session_id: bytes
    request_id: str
    key_id: str
    new_threshold: int
    new_parties: tuple[str, ...]
    timeout: float | None = None


@dataclass(frozen=True)
class RefreshRequest:
    session_id: bytes
    request_id: str
    key_id: str
    timeout: float | None = None


@dataclass(frozen=True)
class DeleteRequest:
    session_id: bytes
    request_id: str
    key_id: str
    timeout: float | None = None


Request = Union[KeygenRequest, SignRequest, ReshareRequest, RefreshRequest, DeleteRequest]
REQUEST_TYPES = (KeygenRequest, SignRequest, ReshareRequest, RefreshRequest, DeleteRequest)


def request_kind(req: Request) -> str:
    return {KeygenRequest: "keygen", SignRequest: "sign", ReshareRequest: "reshare",
            RefreshRequest: "refresh", DeleteRequest: "delete"}[type(req)]


# -- results (what THIS node observed or produced) ----------------------------------------

@dataclass(frozen=True)
class KeygenDone:
    session_id: bytes
    key_id: str
    pubkey: bytes  # 33-byte compressed secp256k1
    existing: bool = False  # the key was already READY here: no new work was done


@dataclass(frozen=True)
class SignDone:
    session_id: bytes
    key_id: str
    sign_id: str
    r: int
    s: int
    v: int  # recovery id; the signature was verified against the key before reporting


@dataclass(frozen=True)
class ReshareDone:
    session_id: bytes
    key_id: str
    pubkey: bytes
    member: bool  # False: this node is not in the new party set and erased its share


@dataclass(frozen=True)
class RefreshDone:
    session_id: bytes
    key_id: str
    pubkey: bytes


@dataclass(frozen=True)
class DeleteAcked:
    session_id: bytes
    key_id: str


@dataclass(frozen=True)
class BlameRecord:
    accused: str
    reason: str  # a tss blame.Reason name, e.g. "TIMEOUT", "BAD_PROOF"; or "REFUSED"
    round: int
    detail: str
    # Signed tss envelopes that let a third party re-check the accusation. Direct envelopes
    # that would reveal a secret share (keygen/reshare/refresh) are left out; see errors.py.
    evidence: tuple[bytes, ...] = field(default=(), repr=False)
    reporter: str = ""  # the party that made the accusation ("" = this node)
    exhibits: tuple[bytes, ...] = field(default=(), repr=False)  # signed receipts (tss Blame.exhibits)


@dataclass(frozen=True)
class SessionFailed:
    session_id: bytes
    key_id: str
    protocol: str  # the request kind: "keygen", "sign", "reshare", "refresh", "delete"
    blames: tuple[BlameRecord, ...]
    reason: str


Result = Union[KeygenDone, SignDone, ReshareDone, RefreshDone, DeleteAcked, SessionFailed]
