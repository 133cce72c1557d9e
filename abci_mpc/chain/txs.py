"""Transactions: building, signing and strict decoding (schema in tx.proto).

A tx is ``Tx{nonce, body=encoded Msg, sender, signature}``; the Ed25519
signature covers :func:`sign_bytes`, an injective encoding of
(chain_id, nonce, body). Decoding accepts only canonical encodings within the
size bounds below, so a signed content has exactly one tx encoding and hence
one tx hash and session id; anything else is a :class:`TxError`, never a crash.

    raw = build(signer, "my-chain", tx_pb2.SignRequest(key_id="k", sign_id="1", digest=d))
    tx = decode(raw)            # TxError if malformed
    tx.verify("my-chain")       # False for a bad signature or another chain
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
from dataclasses import dataclass

from google.protobuf.message import Message

from ..tss.identity import Signer, verify_signature
from . import tx_pb2

MAX_TX_BYTES = 1 << 20
MAX_PARTIES = 256
MAX_ID_LEN = 128
MAX_DIGEST_BYTES = 256         # longer is malformed; any length but 32 is CODE_BAD_DIGEST
MAX_BLAMES = 256
MAX_EVIDENCE_ITEMS = 32
MAX_EVIDENCE_BYTES = 64 * 1024  # per item; the tx cap bounds the total
MAX_TEXT_LEN = 1024            # reasons and details
SESSION_ID_LEN = 16
PUBKEY_LEN = 33
SCALAR_LEN = 32
MAX_CHAIN_ID_LEN = 50          # CometBFT's limit

ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
PARTY_RE = re.compile(r"[0-9a-f]{40}")  # a CometBFT node ID

REQUEST_KINDS = frozenset(
    {"keygen_request", "sign_request", "reshare_request", "refresh_request", "delete_request"}
)
RESULT_KINDS = frozenset(
    {"keygen_result", "sign_result", "reshare_result", "refresh_result", "delete_ack", "session_failure"}
)

_DOMAIN = b"abci-mpc/tx/v1\x00"
# The Msg oneof field for each payload type, so build() can wrap any of them.
_FIELD_OF = {
    field.message_type.name: field.name for field in tx_pb2.Msg.DESCRIPTOR.oneofs_by_name["kind"].fields
}


class TxError(ValueError):
    """Malformed transaction bytes or a payload outside the schema's bounds."""


def sign_bytes(chain_id: str, nonce: int, body: bytes) -> bytes:
    """What the sender signs: fixed-width and length-prefixed fields, so distinct
    (chain_id, nonce, body) triples never produce the same bytes."""
    cid = chain_id.encode()
    return _DOMAIN + struct.pack(">H", len(cid)) + cid + struct.pack(">Q", nonce) + body


@dataclass(frozen=True, repr=False)
class SignedTx:
    raw: bytes
    nonce: int
    sender: bytes
    signature: bytes
    body: bytes
    kind: str          # the Msg oneof name, e.g. "sign_request"
    payload: Message   # the message in that oneof

    @property
    def hash(self) -> bytes:
        """sha256 of the tx bytes: CometBFT's tx hash."""
        return hashlib.sha256(self.raw).digest()

    @property
    def request_id(self) -> str:
        return self.hash.hex().upper()

    @property
    def session_id(self) -> bytes:
        """The session a request opens: identical on every node."""
        return self.hash[:SESSION_ID_LEN]

    @property
    def is_request(self) -> bool:
        return self.kind in REQUEST_KINDS

    def verify(self, chain_id: str) -> bool:
        return verify_signature(self.sender, sign_bytes(chain_id, self.nonce, self.body), self.signature)

    def __repr__(self) -> str:
        return f"SignedTx({self.kind}, sender={self.sender.hex()[:16]}…, hash={self.request_id[:16]}…)"


def build(signer: Signer, chain_id: str, payload: Message, nonce: int | None = None) -> bytes:
    """Encodes and signs ``payload`` (any message of the Msg oneof); checks the same
    bounds as decode(), so a bad request fails here rather than at the node."""
    field = _FIELD_OF.get(type(payload).DESCRIPTOR.name)
    if field is None:
        raise TypeError(f"not a transaction payload: {type(payload).__name__}")
    _check_chain_id(chain_id)
    _validate(field, payload)
    msg = tx_pb2.Msg()
    getattr(msg, field).CopyFrom(payload)
    body = msg.SerializeToString(deterministic=True)
    if nonce is None:
        nonce = secrets.randbits(64)
    signature = signer.sign(sign_bytes(chain_id, nonce, body))
    raw = tx_pb2.Tx(
        nonce=nonce, body=body, sender=bytes(signer.public_key), signature=signature
    ).SerializeToString(deterministic=True)
    if len(raw) > MAX_TX_BYTES:
        raise TxError(f"transaction is {len(raw)} bytes, above the {MAX_TX_BYTES}-byte limit")
    return raw


def decode(raw: bytes) -> SignedTx:
    """Parses and bound-checks a tx; does not verify the signature (see SignedTx.verify)."""
    if len(raw) > MAX_TX_BYTES:
        raise TxError(f"transaction is {len(raw)} bytes, above the {MAX_TX_BYTES}-byte limit")
    tx = _parse_canonical(tx_pb2.Tx, raw, "tx")
    if len(tx.sender) != 32:
        raise TxError("sender must be a 32-byte Ed25519 public key")
    if len(tx.signature) != 64:
        raise TxError("signature must be 64 bytes")
    msg = _parse_canonical(tx_pb2.Msg, tx.body, "tx body")
    kind = msg.WhichOneof("kind")
    if kind is None:
        raise TxError("tx body carries no message")
    payload = getattr(msg, kind)
    _validate(kind, payload)
    return SignedTx(bytes(raw), tx.nonce, tx.sender, tx.signature, tx.body, kind, payload)


def _parse_canonical(cls, data: bytes, what: str):
    msg = cls()
    try:
        msg.ParseFromString(data)
        msg.DiscardUnknownFields()
        canonical = msg.SerializeToString(deterministic=True)
    except Exception as exc:  # DecodeError, or upb's complaints about UTF-8, recursion...
        raise TxError(f"{what} is not a valid protobuf message") from exc
    if canonical != data:
        raise TxError(f"{what} is not canonically encoded")
    return msg


def _check_chain_id(chain_id: str) -> None:
    if not chain_id or len(chain_id.encode()) > MAX_CHAIN_ID_LEN:
        raise TxError(f"chain id must be 1..{MAX_CHAIN_ID_LEN} bytes")


# --- bounds per message ----------------------------------------------------------


def _id(name: str, value: str) -> None:
    if not ID_RE.fullmatch(value):
        raise TxError(f"{name} must be 1..{MAX_ID_LEN} characters of [A-Za-z0-9._:-], got {value[:40]!r}")


def _parties(name: str, parties) -> None:
    if len(parties) > MAX_PARTIES:
        raise TxError(f"{name}: at most {MAX_PARTIES} parties")
    for p in parties:
        if not PARTY_RE.fullmatch(p):
            raise TxError(f"{name}: {p[:48]!r} is not a node ID (40 lower-case hex characters)")


def _session(msg) -> None:
    if len(msg.session_id) != SESSION_ID_LEN:
        raise TxError(f"session_id must be {SESSION_ID_LEN} bytes")
    _id("key_id", msg.key_id)


def _pubkey(msg, *, optional: bool = False) -> None:
    if optional and not msg.pubkey:
        return
    if len(msg.pubkey) != PUBKEY_LEN:
        raise TxError(f"pubkey must be a {PUBKEY_LEN}-byte compressed point")


def _text(name: str, value: str) -> None:
    if len(value) > MAX_TEXT_LEN:
        raise TxError(f"{name} longer than {MAX_TEXT_LEN} characters")


def _keygen_request(m) -> None:
    _id("key_id", m.key_id)
    _parties("parties", m.parties)


def _sign_request(m) -> None:
    _id("key_id", m.key_id)
    _id("sign_id", m.sign_id)
    if len(m.digest) > MAX_DIGEST_BYTES:
        raise TxError(f"digest longer than {MAX_DIGEST_BYTES} bytes")


def _reshare_request(m) -> None:
    _id("key_id", m.key_id)
    _parties("new_parties", m.new_parties)


def _key_only(m) -> None:
    _id("key_id", m.key_id)


def _keygen_result(m) -> None:
    _session(m)
    _pubkey(m)


def _sign_result(m) -> None:
    _session(m)
    _id("sign_id", m.sign_id)
    if len(m.r) != SCALAR_LEN or len(m.s) != SCALAR_LEN:
        raise TxError(f"r and s must be {SCALAR_LEN} bytes each")


def _reshare_result(m) -> None:
    _session(m)
    _pubkey(m, optional=not m.member)


def _refresh_result(m) -> None:
    _session(m)
    _pubkey(m)


def _session_failure(m) -> None:
    _session(m)
    _text("reason", m.reason)
    if len(m.blames) > MAX_BLAMES:
        raise TxError(f"at most {MAX_BLAMES} blames")
    for b in m.blames:
        if len(b.accused) > MAX_ID_LEN or len(b.reporter) > MAX_ID_LEN:
            raise TxError("blame accused/reporter longer than a party id")
        _text("blame reason", b.reason)
        _text("blame detail", b.detail)
        if len(b.evidence) > MAX_EVIDENCE_ITEMS:
            raise TxError(f"at most {MAX_EVIDENCE_ITEMS} evidence items per blame")
        if any(len(e) > MAX_EVIDENCE_BYTES for e in b.evidence):
            raise TxError(f"an evidence item is above {MAX_EVIDENCE_BYTES} bytes")


_VALIDATORS = {
    "keygen_request": _keygen_request,
    "sign_request": _sign_request,
    "reshare_request": _reshare_request,
    "refresh_request": _key_only,
    "delete_request": _key_only,
    "keygen_result": _keygen_result,
    "sign_result": _sign_result,
    "reshare_result": _reshare_result,
    "refresh_result": _refresh_result,
    "delete_ack": _session,
    "session_failure": _session_failure,
}
assert set(_VALIDATORS) == set(_FIELD_OF.values()) == REQUEST_KINDS | RESULT_KINDS


def _validate(kind: str, payload: Message) -> None:
    _VALIDATORS[kind](payload)
