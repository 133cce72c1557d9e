"""The deterministic state machine: which transactions are valid, and what each one does.

One ``Machine`` runs one block (FinalizeBlock, over an Overlay) or one mempool
check (CheckTx, over the committed state plus the :class:`MempoolWindow`). Both
paths run the same validation, so a tx that passed CheckTx but conflicts with an
earlier tx of its block fails in the block with the same code and no effect.

Outcome rules (docs/chain.md has the full table):
- keygen: the key is READY once every party reported the same public key;
  two different keys fail the session at once.
- sign: the first result whose signature verifies against the key commits it.
- reshare/refresh: the key stays usable; the new committee takes effect once
  every new member reported the unchanged public key; a changed key fails.
- delete: the tombstone commits first; every holder's DeleteAck follows.
- a session still ACTIVE at the end of its deadline height FAILS, with the
  failure reports received and the members that never reported as blame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import api as engine
from ..tss import ecdsa
from ..tss.curve import Point
from . import codes, txs
from .abci import types_pb2 as abci
from .genesis import AppState
from .state import State
from .state_pb2 import (
    ACTIVE, DELETE, DONE, FAILED, KEY_DELETED, KEY_ERROR, KEY_PENDING, KEY_READY, KEYGEN, REFRESH,
    RESHARE, SIGN, FailureReport, KeyRecord, Report, SessionRecord, SignatureRecord,
)

RESULT_SESSION_KIND = {
    "keygen_result": KEYGEN, "sign_result": SIGN, "reshare_result": RESHARE,
    "refresh_result": REFRESH, "delete_ack": DELETE,
}
KEY_STATUS_NAME = {KEY_PENDING: "PENDING", KEY_READY: "READY", KEY_ERROR: "ERROR", KEY_DELETED: "DELETED"}
KIND_NAME = {KEYGEN: "keygen", SIGN: "sign", RESHARE: "reshare", REFRESH: "refresh", DELETE: "delete"}


class Reject(Exception):
    def __init__(self, code: int, log: str) -> None:
        super().__init__(log)
        self.code, self.log = code, log


@dataclass(frozen=True)
class Context:
    chain_id: str
    genesis: AppState
    my_party: str | None = None


@dataclass
class MempoolWindow:
    """What CheckTx admitted since the last Commit, so two conflicting txs are not
    both admitted before either is in a block. Reset on Commit; rechecks refill it."""

    key_ids: set[str] = field(default_factory=set)
    sign_ids: set[tuple[str, str]] = field(default_factory=set)
    busy_keys: set[str] = field(default_factory=set)
    deleting: set[str] = field(default_factory=set)
    requests: set[bytes] = field(default_factory=set)
    reports: set[tuple[bytes, str]] = field(default_factory=set)


@dataclass
class Delivered:
    result: abci.ExecTxResult
    requests: list = field(default_factory=list)  # engine requests for this node, after Commit


def _event(event_type: str, /, **attrs) -> abci.Event:
    return abci.Event(type=f"mpc.{event_type}", attributes=[
        abci.EventAttribute(key=k, value=str(v), index=k in ("key_id", "sign_id", "session_id", "status"))
        for k, v in attrs.items()
    ])


class Machine:
    def __init__(self, state: State, ctx: Context, height: int = 0, window: MempoolWindow | None = None):
        self.state, self.ctx, self.height, self.window = state, ctx, height, window
        self.events: list[abci.Event] = []
        self.requests: list = []

    # --- entry points ---------------------------------------------------------

    def check(self, raw: bytes) -> tuple[int, str]:
        """CheckTx: validate against committed state and the mempool window."""
        try:
            tx, who = self._authenticate(raw)
            getattr(self, "_check_" + tx.kind)(tx, tx.payload, who)
        except Reject as r:
            return r.code, r.log
        self._admit(tx, who)
        return codes.OK, ""

    def deliver(self, raw: bytes) -> Delivered:
        """FinalizeBlock, one tx: validate again, then apply."""
        self.events, self.requests = [], []
        try:
            tx, who = self._authenticate(raw)
            context = getattr(self, "_check_" + tx.kind)(tx, tx.payload, who)
        except Reject as r:
            return Delivered(abci.ExecTxResult(code=r.code, log=r.log, codespace=codes.CODESPACE))
        log = getattr(self, "_apply_" + tx.kind)(tx, tx.payload, who, context) or ""
        data = tx.session_id if tx.is_request else b""
        return Delivered(abci.ExecTxResult(code=codes.OK, log=log, data=data, events=self.events), self.requests)

    def expire(self) -> list[abci.Event]:
        """End of block: fail sessions whose deadline is this height."""
        self.events = []
        for sid in self.state.take_deadlines(self.height):
            s = self.state.session(sid)
            if s is not None and s.status == ACTIVE:
                self._fail(s, f"deadline height {s.deadline_height} passed")
        return self.events

    # --- authentication -------------------------------------------------------

    def _authenticate(self, raw: bytes) -> tuple[txs.SignedTx, str]:
        try:
            tx = txs.decode(raw)
        except txs.TxError as exc:
            raise Reject(codes.MALFORMED, f"malformed tx: {exc}") from None
        if not tx.verify(self.ctx.chain_id):
            raise Reject(codes.BAD_SIGNATURE, f"signature does not verify for chain {self.ctx.chain_id!r}")
        if tx.is_request:
            if tx.sender not in self.ctx.genesis.requesters:
                raise Reject(codes.UNAUTHORIZED, f"sender {tx.sender.hex()} is not a requester in genesis")
            if self.state.session(tx.session_id) is not None or self._pending("requests", tx.session_id):
                raise Reject(codes.DUPLICATE_TX, f"request {tx.request_id} was already submitted")
            return tx, tx.sender.hex()
        party = self.ctx.genesis.party_by_sign_key(tx.sender)
        if party is None:
            raise Reject(codes.UNAUTHORIZED, f"sender {tx.sender.hex()} is not an MPC party's sign_key")
        return tx, party.node_id

    def _pending(self, name: str, item) -> bool:
        return self.window is not None and item in getattr(self.window, name)

    def _admit(self, tx: txs.SignedTx, who: str) -> None:
        if self.window is None:
            return
        w, m = self.window, tx.payload
        if tx.is_request:
            w.requests.add(tx.session_id)
        if tx.kind == "keygen_request":
            w.key_ids.add(m.key_id)
        elif tx.kind == "sign_request":
            w.sign_ids.add((m.key_id, m.sign_id))
        elif tx.kind in ("reshare_request", "refresh_request"):
            w.busy_keys.add(m.key_id)
        elif tx.kind == "delete_request":
            w.deleting.add(m.key_id)
        else:
            w.reports.add((m.session_id, who))

    # --- request checks (return what apply needs) -------------------------------

    def _committee(self, threshold: int, parties) -> None:
        if len(set(parties)) != len(parties):
            raise Reject(codes.INVALID_PARTIES, "parties must be distinct")
        if len(parties) < 2:
            raise Reject(codes.INVALID_PARTIES, "at least 2 parties are needed")
        for p in parties:
            if self.ctx.genesis.party(p) is None:
                raise Reject(codes.INVALID_PARTIES, f"{p} is not an MPC party in genesis")
        if not 1 <= threshold < len(parties):
            raise Reject(codes.INVALID_PARTIES,
                         f"threshold must be in 1..{len(parties) - 1} for {len(parties)} parties")

    def _usable_key(self, key_id: str) -> KeyRecord:
        key = self.state.key(key_id)
        if key is None:
            raise Reject(codes.UNKNOWN_KEY, f"no key {key_id!r}")
        if key.status == KEY_DELETED or self._pending("deleting", key_id):
            raise Reject(codes.KEY_DELETED, f"key {key_id!r} is deleted or being deleted")
        if key.status != KEY_READY:
            raise Reject(codes.KEY_NOT_READY, f"key {key_id!r} is {KEY_STATUS_NAME[key.status]}, not READY")
        return key

    def _check_keygen_request(self, tx, m, who):
        self._committee(m.threshold, m.parties)
        existing = self.state.key(m.key_id)
        if existing is not None:
            raise Reject(codes.DUPLICATE_KEY,
                         f"key_id {m.key_id!r} is taken (status {KEY_STATUS_NAME[existing.status]})")
        if self._pending("key_ids", m.key_id):
            raise Reject(codes.DUPLICATE_KEY, f"a keygen for {m.key_id!r} is already pending")

    def _check_sign_request(self, tx, m, who):
        if len(m.digest) != 32:
            raise Reject(codes.BAD_DIGEST, f"digest must be 32 bytes, got {len(m.digest)}")
        key = self._usable_key(m.key_id)
        if self.state.signature(m.key_id, m.sign_id) is not None or self._pending("sign_ids", (m.key_id, m.sign_id)):
            raise Reject(codes.DUPLICATE_SIGN_ID, f"sign_id {m.sign_id!r} already used for key {m.key_id!r}")
        return key

    def _check_reshare_request(self, tx, m, who):
        self._committee(m.new_threshold, m.new_parties)
        return self._check_refresh_request(tx, m, who)

    def _check_refresh_request(self, tx, m, who):
        key = self._usable_key(m.key_id)
        if key.busy_session or self._pending("busy_keys", m.key_id):
            raise Reject(codes.KEY_BUSY, f"a reshare or refresh of {m.key_id!r} is already running")
        return key

    def _check_delete_request(self, tx, m, who):
        key = self.state.key(m.key_id)
        if key is None:
            raise Reject(codes.UNKNOWN_KEY, f"no key {m.key_id!r}")
        if key.status == KEY_DELETED or self._pending("deleting", m.key_id):
            raise Reject(codes.KEY_DELETED, f"key {m.key_id!r} is already deleted or being deleted")
        return key

    # --- result checks ------------------------------------------------------------

    def _session_for(self, tx, m, who) -> SessionRecord:
        s = self.state.session(m.session_id)
        if s is None:
            raise Reject(codes.UNKNOWN_SESSION, f"no session {m.session_id.hex()}")
        want = RESULT_SESSION_KIND.get(tx.kind)
        if (want is not None and s.kind != want) or s.key_id != m.key_id:
            raise Reject(codes.INVALID_RESULT,
                         f"{tx.kind} does not match session {m.session_id.hex()} ({KIND_NAME[s.kind]} of {s.key_id!r})")
        if who not in s.members:
            raise Reject(codes.UNAUTHORIZED, f"party {who} is not a member of session {m.session_id.hex()}")
        if s.status != ACTIVE:
            raise Reject(codes.SESSION_CLOSED, f"session {m.session_id.hex()} is already closed")
        if any(r.party == who for r in s.reports) or any(f.party == who for f in s.failures) \
                or self._pending("reports", (m.session_id, who)):
            raise Reject(codes.DUPLICATE_REPORT, f"party {who} already reported for session {m.session_id.hex()}")
        return s

    @staticmethod
    def _point(pubkey: bytes) -> Point:
        try:
            return Point.from_bytes(pubkey)
        except Exception:
            raise Reject(codes.INVALID_RESULT, "pubkey is not a compressed secp256k1 point") from None

    def _check_keygen_result(self, tx, m, who):
        s = self._session_for(tx, m, who)
        self._point(m.pubkey)
        return s

    def _check_sign_result(self, tx, m, who):
        s = self._session_for(tx, m, who)
        if m.sign_id != s.sign_id:
            raise Reject(codes.INVALID_RESULT, f"sign_id {m.sign_id!r} does not match the session's")
        key = self.state.key(s.key_id)
        sig = ecdsa.Signature(int.from_bytes(m.r, "big"), int.from_bytes(m.s, "big"), m.v)
        if not ecdsa.verify(Point.from_bytes(key.pubkey), s.digest, sig):
            raise Reject(codes.INVALID_RESULT, "signature does not verify against the key (or is not low-S)")
        return s

    def _check_reshare_result(self, tx, m, who):
        s = self._session_for(tx, m, who)
        if m.member != (who in s.required):
            raise Reject(codes.INVALID_RESULT, f"member={m.member} but party {who} is "
                                               f"{'in' if who in s.required else 'not in'} the new committee")
        if m.member:
            self._point(m.pubkey)
        return s

    def _check_refresh_result(self, tx, m, who):
        s = self._session_for(tx, m, who)
        if not m.member:
            raise Reject(codes.INVALID_RESULT, "a refresh result must have member=true")
        self._point(m.pubkey)
        return s

    def _check_delete_ack(self, tx, m, who):
        return self._session_for(tx, m, who)

    def _check_session_failure(self, tx, m, who):
        return self._session_for(tx, m, who)

    # --- request effects ------------------------------------------------------------

    def _open(self, tx, kind, key_id, members, required, **fields) -> SessionRecord:
        s = SessionRecord(
            session_id=tx.session_id, kind=kind, key_id=key_id, request_id=tx.request_id,
            requester=tx.sender.hex(), start_height=self.height,
            deadline_height=self.height + self.ctx.genesis.session_timeout_blocks, status=ACTIVE,
            members=members, required=required, **fields,
        )
        self.state.put_session(s)
        self.state.schedule_deadline(s)
        return s

    def _hand_off(self, s: SessionRecord) -> None:
        if involves(s, self.ctx.my_party):
            self.requests.append(request_of(s))

    def _apply_keygen_request(self, tx, m, who, _):
        parties = list(m.parties)
        self.state.put_key(KeyRecord(
            key_id=m.key_id, status=KEY_PENDING, threshold=m.threshold, parties=parties,
            keygen_session=tx.session_id, created_height=self.height, updated_height=self.height, requester=who,
        ))
        s = self._open(tx, KEYGEN, m.key_id, parties, parties, threshold=m.threshold, parties=parties)
        self.events.append(_event("keygen", key_id=m.key_id, session_id=tx.session_id.hex(), status="PENDING",
                                  deadline_height=s.deadline_height))
        self._hand_off(s)

    def _apply_sign_request(self, tx, m, who, key):
        self.state.put_signature(SignatureRecord(
            key_id=m.key_id, sign_id=m.sign_id, digest=m.digest, session_id=tx.session_id, status=ACTIVE,
            request_height=self.height,
        ))
        s = self._open(tx, SIGN, m.key_id, key.parties, key.parties, threshold=key.threshold,
                       parties=key.parties, sign_id=m.sign_id, digest=m.digest)
        self.events.append(_event("sign", key_id=m.key_id, sign_id=m.sign_id, session_id=tx.session_id.hex(),
                                  status="PENDING", deadline_height=s.deadline_height))
        self._hand_off(s)

    def _apply_reshare_request(self, tx, m, who, key):
        new = list(m.new_parties)
        members = list(key.parties) + [p for p in new if p not in key.parties]
        self._busy(key, tx.session_id)
        s = self._open(tx, RESHARE, m.key_id, members, new, threshold=m.new_threshold, parties=new)
        self.events.append(_event("reshare", key_id=m.key_id, session_id=tx.session_id.hex(), status="PENDING",
                                  deadline_height=s.deadline_height))
        self._hand_off(s)

    def _apply_refresh_request(self, tx, m, who, key):
        self._busy(key, tx.session_id)
        s = self._open(tx, REFRESH, m.key_id, key.parties, key.parties, threshold=key.threshold, parties=key.parties)
        self.events.append(_event("refresh", key_id=m.key_id, session_id=tx.session_id.hex(), status="PENDING",
                                  deadline_height=s.deadline_height))
        self._hand_off(s)

    def _busy(self, key: KeyRecord, session_id: bytes) -> None:
        key.busy_session = session_id
        key.updated_height = self.height
        self.state.put_key(key)

    def _apply_delete_request(self, tx, m, who, key):
        # Holders: the committee plus the incoming members of a running reshare.
        holders = list(key.parties)
        for sid in self.state.open_sessions(m.key_id):
            s = self.state.session(sid)
            holders += [p for p in (s.parties if s.kind in (RESHARE, KEYGEN) else ()) if p not in holders]
            self._fail(s, "key deleted")
        key = self.state.key(m.key_id)  # _fail may have updated it
        key.status = KEY_DELETED
        key.busy_session = b""
        key.deleted_height = key.updated_height = self.height
        key.delete_session = tx.session_id
        key.delete_requester = who
        self.state.put_key(key)
        s = self._open(tx, DELETE, m.key_id, holders, holders)
        self.events.append(_event("delete", key_id=m.key_id, session_id=tx.session_id.hex(), status="DELETED",
                                  deadline_height=s.deadline_height))
        self._hand_off(s)

    # --- result effects ----------------------------------------------------------------

    def _report(self, s: SessionRecord, who: str, pubkey: bytes = b"", member: bool = True) -> None:
        s.reports.append(Report(party=who, pubkey=pubkey, member=member, height=self.height))
        self.events.append(_event("report", key_id=s.key_id, session_id=s.session_id.hex(), party=who,
                                  kind=KIND_NAME[s.kind]))

    def _apply_keygen_result(self, tx, m, who, s):
        self._report(s, who, m.pubkey)
        return self._progress(s)

    def _apply_reshare_result(self, tx, m, who, s):
        self._report(s, who, m.pubkey, m.member)
        return self._progress(s)

    _apply_refresh_result = _apply_reshare_result

    def _apply_delete_ack(self, tx, m, who, s):
        self._report(s, who)
        return self._progress(s)

    def _apply_session_failure(self, tx, m, who, s):
        s.failures.append(FailureReport(party=who, reason=m.reason, blames=m.blames, height=self.height))
        self.events.append(_event("failure_report", key_id=s.key_id, session_id=s.session_id.hex(), party=who,
                                  reason=m.reason[:200]))
        return self._progress(s)

    def _apply_sign_result(self, tx, m, who, s):
        self._report(s, who)
        s.status, s.end_height = DONE, self.height
        self.state.put_session(s)
        sig = self.state.signature(s.key_id, s.sign_id)
        sig.status, sig.r, sig.s, sig.v = DONE, m.r, m.s, m.v
        sig.submitted_by, sig.height = who, self.height
        self.state.put_signature(sig)
        self.events.append(_event("signature", key_id=s.key_id, sign_id=s.sign_id, session_id=s.session_id.hex(),
                                  status="DONE", r=m.r.hex(), s=m.s.hex(), v=m.v))
        return "signature committed"

    def _progress(self, s: SessionRecord) -> str:
        """After a report: succeed, fail, or keep waiting."""
        reported = {r.party for r in s.reports}
        required = set(s.required)
        if s.kind in (KEYGEN, RESHARE, REFRESH):
            pubkeys = {r.pubkey for r in s.reports if r.party in required}
            key = self.state.key(s.key_id)
            if s.kind != KEYGEN and pubkeys - {key.pubkey}:
                return self._fail(s, "a member reported a different public key")
            if len(pubkeys) > 1:
                return self._fail(s, "members reported different public keys")
        if required <= reported:
            return self._succeed(s)
        if required <= reported | {f.party for f in s.failures}:
            return self._fail(s, "every required party reported; some reported failure")
        self.state.put_session(s)
        return f"{len(required & reported)}/{len(required)} reported"

    def _succeed(self, s: SessionRecord) -> str:
        s.status, s.end_height = DONE, self.height
        self.state.put_session(s)
        key = self.state.key(s.key_id)
        if s.kind == KEYGEN:
            key.status, key.pubkey = KEY_READY, s.reports[0].pubkey
        elif s.kind in (RESHARE, REFRESH):
            key.threshold = s.threshold
            del key.parties[:]
            key.parties.extend(s.parties)
            key.generation += 1
            key.busy_session = b""
        if s.kind != DELETE:
            key.updated_height = self.height
            self.state.put_key(key)
        attrs = {"pubkey": key.pubkey.hex()} if s.kind != DELETE else {}
        self.events.append(_event(KIND_NAME[s.kind], key_id=s.key_id, session_id=s.session_id.hex(),
                                  status="DONE", **attrs))
        return f"{KIND_NAME[s.kind]} session done"

    def _fail(self, s: SessionRecord, reason: str) -> str:
        accounted = {r.party for r in s.reports} | {f.party for f in s.failures}
        s.status, s.end_height, s.error = FAILED, self.height, reason
        s.missing.extend(p for p in s.members if p not in accounted)
        self.state.put_session(s)
        key = self.state.key(s.key_id)
        if s.kind == KEYGEN and key.status == KEY_PENDING:
            key.status, key.error, key.updated_height = KEY_ERROR, reason, self.height
            self.state.put_key(key)
        elif s.kind in (RESHARE, REFRESH) and key.busy_session == s.session_id:
            key.busy_session, key.updated_height = b"", self.height
            self.state.put_key(key)
        elif s.kind == SIGN:
            sig = self.state.signature(s.key_id, s.sign_id)
            sig.status, sig.height = FAILED, self.height
            self.state.put_signature(sig)
        self.events.append(_event("session_failed", key_id=s.key_id, session_id=s.session_id.hex(),
                                  kind=KIND_NAME[s.kind], status="FAILED", reason=reason))
        return f"session failed: {reason}"


def involves(s: SessionRecord, party: str | None) -> bool:
    """Whether ``party``'s engine takes part in session ``s`` (every node erases on delete)."""
    return party is not None and (s.kind == DELETE or party in s.members)


def request_of(s: SessionRecord):
    """The engine request that session ``s`` was opened for."""
    common = (s.session_id, s.request_id, s.key_id)
    if s.kind == KEYGEN:
        return engine.KeygenRequest(*common, s.threshold, tuple(s.parties))
    if s.kind == SIGN:
        return engine.SignRequest(*common, s.sign_id, s.digest)
    if s.kind == RESHARE:
        return engine.ReshareRequest(*common, s.threshold, tuple(s.parties))
    if s.kind == REFRESH:
        return engine.RefreshRequest(*common)
    return engine.DeleteRequest(*common)
