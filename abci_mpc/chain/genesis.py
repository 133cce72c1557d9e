"""The genesis ``app_state``: who may request, who the MPC parties are, session timeouts.

    {
      "requesters": ["<hex Ed25519 public key>", ...],
      "parties": [{"node_id": "<40 hex>", "sign_key": "<hex Ed25519>",
                   "enc_key": "<hex X25519>", "validator_pubkey": "<hex Ed25519>"?}, ...],
      "session_timeout_blocks": 50
    }

Parsing is strict (unknown fields are errors) so a typo in genesis stops the
chain at InitChain with a clear message instead of silently changing behaviour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .txs import MAX_PARTIES, PARTY_RE

DEFAULT_SESSION_TIMEOUT_BLOCKS = 50
MAX_SESSION_TIMEOUT_BLOCKS = 1_000_000
MAX_REQUESTERS = 10_000


class GenesisError(ValueError):
    """The genesis app_state is invalid."""


@dataclass(frozen=True)
class Party:
    node_id: str
    sign_key: bytes            # Ed25519: signs the party's protocol messages and result txs
    enc_key: bytes             # X25519: end-to-end encryption of direct protocol payloads
    validator_pubkey: bytes | None = None

    def to_json(self) -> dict:
        out = {"node_id": self.node_id, "sign_key": self.sign_key.hex(), "enc_key": self.enc_key.hex()}
        if self.validator_pubkey is not None:
            out["validator_pubkey"] = self.validator_pubkey.hex()
        return out


@dataclass(frozen=True)
class AppState:
    requesters: frozenset[bytes]
    parties: tuple[Party, ...]
    session_timeout_blocks: int = DEFAULT_SESSION_TIMEOUT_BLOCKS

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.node_id: p for p in self.parties})
        object.__setattr__(self, "_by_sign_key", {p.sign_key: p for p in self.parties})

    def party(self, node_id: str) -> Party | None:
        return self._by_id.get(node_id)

    def party_by_sign_key(self, sign_key: bytes) -> Party | None:
        return self._by_sign_key.get(bytes(sign_key))

    def to_json(self) -> dict:
        return {
            "requesters": sorted(r.hex() for r in self.requesters),
            "parties": [p.to_json() for p in self.parties],
            "session_timeout_blocks": self.session_timeout_blocks,
        }

    def canonical(self) -> bytes:
        """Stable bytes for the genesis app hash and for storage."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes | str | dict) -> AppState:
        if isinstance(data, (bytes, str)):
            if not data:
                raise GenesisError("app_state is empty: it needs requesters and parties")
            try:
                data = json.loads(data)
            except (ValueError, UnicodeDecodeError) as exc:
                raise GenesisError(f"app_state is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise GenesisError("app_state must be a JSON object")
        _only(data, {"requesters", "parties", "session_timeout_blocks"}, "app_state")
        requesters = data.get("requesters")
        if not isinstance(requesters, list) or len(requesters) > MAX_REQUESTERS:
            raise GenesisError(f"app_state.requesters must be a list of at most {MAX_REQUESTERS} keys")
        req_keys = [_hex32(r, f"requesters[{i}]") for i, r in enumerate(requesters)]
        if len(set(req_keys)) != len(req_keys):
            raise GenesisError("app_state.requesters has duplicates")
        parties_json = data.get("parties")
        if not isinstance(parties_json, list) or not 2 <= len(parties_json) <= MAX_PARTIES:
            raise GenesisError(f"app_state.parties must be a list of 2..{MAX_PARTIES} parties")
        parties = tuple(_party(p, i) for i, p in enumerate(parties_json))
        for attr in ("node_id", "sign_key", "enc_key"):
            values = [getattr(p, attr) for p in parties]
            if len(set(values)) != len(values):
                raise GenesisError(f"app_state.parties: two parties share a {attr}")
        timeout = data.get("session_timeout_blocks", DEFAULT_SESSION_TIMEOUT_BLOCKS)
        if type(timeout) is not int or not 1 <= timeout <= MAX_SESSION_TIMEOUT_BLOCKS:
            raise GenesisError(
                f"app_state.session_timeout_blocks must be an integer in 1..{MAX_SESSION_TIMEOUT_BLOCKS}"
            )
        return cls(frozenset(req_keys), parties, timeout)

    def check_validators(self, validator_pubkeys: set[bytes]) -> None:
        """Every party's validator_pubkey, when given, must be a genesis validator."""
        for p in self.parties:
            if p.validator_pubkey is not None and p.validator_pubkey not in validator_pubkeys:
                raise GenesisError(
                    f"party {p.node_id}: validator_pubkey {p.validator_pubkey.hex()} is not a genesis validator"
                )


def _only(obj: dict, allowed: set[str], where: str) -> None:
    unknown = set(obj) - allowed
    if unknown:
        raise GenesisError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _hex32(value, where: str) -> bytes:
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or len(raw) != 32:
        raise GenesisError(f"app_state.{where} must be 32 bytes as hex")
    return raw


def _party(p, i: int) -> Party:
    where = f"parties[{i}]"
    if not isinstance(p, dict):
        raise GenesisError(f"app_state.{where} must be an object")
    _only(p, {"node_id", "sign_key", "enc_key", "validator_pubkey"}, f"app_state.{where}")
    node_id = p.get("node_id")
    if not isinstance(node_id, str) or not PARTY_RE.fullmatch(node_id):
        raise GenesisError(f"app_state.{where}.node_id must be a node ID (40 lower-case hex characters)")
    validator = p.get("validator_pubkey")
    return Party(
        node_id=node_id,
        sign_key=_hex32(p.get("sign_key"), f"{where}.sign_key"),
        enc_key=_hex32(p.get("enc_key"), f"{where}.enc_key"),
        validator_pubkey=None if validator is None else _hex32(validator, f"{where}.validator_pubkey"),
    )
