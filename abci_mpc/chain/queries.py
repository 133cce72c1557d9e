"""ABCI Query paths over the committed state; every value is a JSON document.

    /key/<key_id>                 a key: status, committee, pubkey, Ethereum address
    /keys[?after=<key_id>&limit=N] keys in key_id order (limit <= 1000, default 100)
    /signature/<key_id>/<sign_id> a signature request and, once DONE, r, s, v
    /session/<session_id hex>     a session: request, reports, failures
    /blame/<session_id hex>       why a session failed: failure reports, missing parties, conflicts
    /parties                      the MPC parties and session timeout from genesis
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from ..tss import ecdsa
from ..tss.curve import Point
from . import codes
from .genesis import AppState
from .machine import KEY_STATUS_NAME, KIND_NAME
from .state import State
from .state_pb2 import ACTIVE, DONE, FAILED
from .txs import ID_RE

SESSION_STATUS = {ACTIVE: "ACTIVE", DONE: "DONE", FAILED: "FAILED"}
SIGNATURE_STATUS = {ACTIVE: "PENDING", DONE: "DONE", FAILED: "FAILED"}
MAX_KEYS_PAGE = 1000
_SID = re.compile(r"[0-9a-fA-F]{32}")


class QueryError(Exception):
    def __init__(self, code: int, log: str) -> None:
        super().__init__(log)
        self.code, self.log = code, log


def answer(state: State, genesis: AppState | None, path: str) -> tuple[int, str, bytes]:
    """(code, log, JSON value) for a query path."""
    try:
        value = _route(state, genesis, path)
    except QueryError as exc:
        return exc.code, exc.log, b""
    return codes.OK, "", json.dumps(value, separators=(",", ":")).encode()


def _route(state: State, genesis: AppState | None, path: str):
    base, _, qs = path.partition("?")
    parts = base.strip("/").split("/")
    head, args = parts[0], parts[1:]
    if head == "key" and len(args) == 1:
        rec = state.key(_id(args[0], "key_id"))
        if rec is None:
            raise QueryError(codes.QUERY_NOT_FOUND, f"no key {args[0]!r}")
        return key_json(rec)
    if head == "keys" and not args:
        return _keys(state, qs)
    if head == "signature" and len(args) == 2:
        rec = state.signature(_id(args[0], "key_id"), _id(args[1], "sign_id"))
        if rec is None:
            raise QueryError(codes.QUERY_NOT_FOUND, f"no signature {args[1]!r} for key {args[0]!r}")
        return signature_json(rec, state.key(rec.key_id))
    if head in ("session", "blame") and len(args) == 1:
        if not _SID.fullmatch(args[0]):
            raise QueryError(codes.QUERY_BAD_ARGUMENT, "a session id is 32 hex characters")
        rec = state.session(bytes.fromhex(args[0]))
        if rec is None:
            raise QueryError(codes.QUERY_NOT_FOUND, f"no session {args[0].lower()}")
        return session_json(rec) if head == "session" else blame_json(rec)
    if head == "parties" and not args:
        if genesis is None:
            raise QueryError(codes.QUERY_NOT_FOUND, "the chain is not initialised yet")
        return {"parties": [p.to_json() for p in genesis.parties],
                "session_timeout_blocks": genesis.session_timeout_blocks}
    raise QueryError(codes.QUERY_UNKNOWN_PATH, f"unknown query path {path[:100]!r}; see docs/chain.md")


def _id(value: str, name: str) -> str:
    if not ID_RE.fullmatch(value):
        raise QueryError(codes.QUERY_BAD_ARGUMENT, f"{name} must be 1..128 characters of [A-Za-z0-9._:-]")
    return value


def _keys(state: State, qs: str) -> dict:
    try:
        params = parse_qs(qs, strict_parsing=bool(qs), max_num_fields=4)
        unknown = set(params) - {"after", "limit"}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
        after = params.get("after", [None])[-1]
        limit = int(params.get("limit", ["100"])[-1])
    except ValueError as exc:
        raise QueryError(codes.QUERY_BAD_ARGUMENT, f"/keys takes ?after=<key_id>&limit=<1..{MAX_KEYS_PAGE}>: {exc}") from None
    if not 1 <= limit <= MAX_KEYS_PAGE:
        raise QueryError(codes.QUERY_BAD_ARGUMENT, f"limit must be in 1..{MAX_KEYS_PAGE}")
    if after is not None:
        _id(after, "after")
    recs = state.keys(after, limit + 1)
    more = len(recs) > limit
    recs = recs[:limit]
    return {"keys": [key_json(r) for r in recs], "next": recs[-1].key_id if more else None}


def key_json(rec) -> dict:
    out = {
        "key_id": rec.key_id,
        "status": KEY_STATUS_NAME[rec.status],
        "threshold": rec.threshold,
        "parties": list(rec.parties),
        "pubkey": rec.pubkey.hex() or None,
        "eth_address": ecdsa.eth_address(Point.from_bytes(rec.pubkey)) if rec.pubkey else None,
        "generation": rec.generation,
        "created_height": rec.created_height,
        "updated_height": rec.updated_height,
        "keygen_session": rec.keygen_session.hex(),
        "busy_session": rec.busy_session.hex() or None,
        "requester": rec.requester,
        "error": rec.error or None,
        "deleted": None,
    }
    if rec.deleted_height:
        out["deleted"] = {"height": rec.deleted_height, "session_id": rec.delete_session.hex(),
                          "requester": rec.delete_requester}
    return out


def signature_json(rec, key) -> dict:
    done = rec.status == DONE
    return {
        "key_id": rec.key_id,
        "sign_id": rec.sign_id,
        "digest": rec.digest.hex(),
        "session_id": rec.session_id.hex(),
        "status": SIGNATURE_STATUS[rec.status],
        "r": rec.r.hex() if done else None,
        "s": rec.s.hex() if done else None,
        "v": rec.v if done else None,
        "signature": (rec.r + rec.s + bytes([rec.v])).hex() if done else None,
        "pubkey": key.pubkey.hex() if key is not None else None,
        "submitted_by": rec.submitted_by or None,
        "request_height": rec.request_height,
        "height": rec.height or None,
    }


def session_json(rec) -> dict:
    return {
        "session_id": rec.session_id.hex(),
        "kind": KIND_NAME[rec.kind],
        "key_id": rec.key_id,
        "status": SESSION_STATUS[rec.status],
        "request_id": rec.request_id,
        "requester": rec.requester,
        "start_height": rec.start_height,
        "deadline_height": rec.deadline_height,
        "end_height": rec.end_height or None,
        "threshold": rec.threshold or None,
        "parties": list(rec.parties),
        "sign_id": rec.sign_id or None,
        "digest": rec.digest.hex() or None,
        "members": list(rec.members),
        "required": list(rec.required),
        "reports": [{"party": r.party, "pubkey": r.pubkey.hex() or None, "member": r.member, "height": r.height}
                    for r in rec.reports],
        "failures": [_failure_json(f, evidence=False) for f in rec.failures],
        "error": rec.error or None,
        "missing": list(rec.missing),
    }


def blame_json(rec) -> dict:
    by_pubkey: dict[str, list[str]] = {}
    for r in rec.reports:
        if r.pubkey:
            by_pubkey.setdefault(r.pubkey.hex(), []).append(r.party)
    return {
        "session_id": rec.session_id.hex(),
        "kind": KIND_NAME[rec.kind],
        "key_id": rec.key_id,
        "status": SESSION_STATUS[rec.status],
        "error": rec.error or None,
        "failures": [_failure_json(f, evidence=True) for f in rec.failures],
        "missing": list(rec.missing),
        "conflicting_pubkeys": by_pubkey if len(by_pubkey) > 1 else None,
    }


def _failure_json(f, *, evidence: bool) -> dict:
    blames = []
    for b in f.blames:
        item = {"accused": b.accused, "reason": b.reason, "round": b.round, "detail": b.detail,
                "reporter": b.reporter or f.party, "evidence_items": len(b.evidence)}
        if evidence:
            item["evidence"] = [e.hex() for e in b.evidence]
        blames.append(item)
    return {"party": f.party, "reason": f.reason, "height": f.height, "blames": blames}
