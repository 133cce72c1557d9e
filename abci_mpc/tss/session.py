"""One party's run of one protocol: signed envelopes in, signed envelopes out (sans-I/O).

Session does for every protocol what no round should repeat:
- accepts an envelope only for this session, from a participant, for a round the
  protocol has, addressed to us or broadcast, and signed by the sender's identity key;
- buffers envelopes for later rounds and drops exact duplicates;
- treats two different signed envelopes for the same slot as equivocation;
- echo broadcast: every round-(r+1) envelope carries the sender's view of the round-r
  broadcasts (digests plus the original signatures). A receiver compares it with its own
  view; a mismatch proves either that the broadcaster signed two different messages or
  that the echoing party forged an entry, and the signatures tell which;
- turns a round's Fault into a Blame whose evidence is the signed envelopes.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from google.protobuf.message import DecodeError as PbDecodeError

from .blame import Blame, Reason
from .codec import DecodeError
from .errors import ProtocolAbort, Rejected, SessionClosed
from .identity import Signer, verify_signature
from .rounds import ROUND_TABLES, Fault, Round, SessionInfo, Step
from .transcript import Transcript
from .wire_pb2 import Echo, Envelope

WIRE_VERSION = 1
MAX_ENVELOPE_BYTES = 4 << 20
MAX_ROUNDS = 16


@dataclass(frozen=True)
class Outgoing:
    to: str | None  # None: broadcast to every other participant
    data: bytes


class Status(enum.Enum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def payload_digest(payload: bytes) -> bytes:
    return hashlib.sha256(payload).digest()


def echo_digest(entries) -> bytes:
    t = Transcript("echo").int("count", len(entries))
    for e in entries:
        t.str("sender", e.sender).bytes("payload", e.payload_digest).bytes("echo", e.echo_digest)
        t.bytes("signature", e.signature)
    return t.digest(32)


def statement(ssid: bytes, round: int, sender: str, recipient: str, p_digest: bytes, e_digest: bytes) -> bytes:
    """What a sender signs: the ssid (protocol, session id, parties and every public input
    of the run), the header fields, and digests of payload and echo. Binding the ssid makes
    evidence self-authenticating: checked against any other context, signatures fail."""
    t = Transcript("envelope").int("version", WIRE_VERSION).bytes("ssid", ssid)
    t.int("round", round).str("sender", sender).str("recipient", recipient)
    t.bytes("payload", p_digest).bytes("echo", e_digest)
    return t.digest(32)


def envelope_statement(env: Envelope, ssid: bytes) -> bytes:
    return statement(ssid, env.round, env.sender, env.recipient, payload_digest(env.payload), echo_digest(env.echo))


def parse_envelope(data: bytes) -> Envelope:
    if len(data) > MAX_ENVELOPE_BYTES:
        raise Rejected(f"envelope of {len(data)} bytes exceeds {MAX_ENVELOPE_BYTES}")
    env = Envelope()
    try:
        env.ParseFromString(data)
    except (PbDecodeError, ValueError) as exc:
        raise Rejected(f"undecodable envelope: {exc}") from None
    if env.version != WIRE_VERSION:
        raise Rejected(f"unsupported wire version {env.version}")
    return env


class Session:
    def __init__(self, info: SessionInfo, signer: Signer, identities: Mapping[str, bytes]):
        missing = [p for p in info.parties if p not in identities]
        if missing:
            raise ValueError(f"no identity key for parties {missing}")
        self.info = info
        self._signer = signer
        self._ids = {p: bytes(identities[p]) for p in info.parties}
        if self._ids[info.me] != bytes(signer.public_key):
            raise ValueError("signer does not match this party's identity key")
        self._round: Round | None = None
        self._next_out_round = 1
        self.status = Status.RUNNING
        self.result = None
        self.blame: Blame | None = None
        self._seen: dict[tuple[int, str, bool], bytes] = {}  # (round, sender, is_broadcast) -> data
        self._pending: dict[int, dict[str, dict[bool, Envelope]]] = {}
        self._done: set[str] = set()  # senders processed in the current round
        self._views: dict[int, dict[str, Echo]] = {}  # round -> sender -> broadcast as received
        self._log: dict[str, list[bytes]] = {}  # sender -> accepted envelopes (evidence)
        self._own_broadcasts: dict[int, bytes] = {}

    # -- public API -------------------------------------------------------------------
    @property
    def round(self) -> int:
        return self._round.NUMBER if self._round else 0

    def start(self, first: Step) -> list[Outgoing]:
        if self._round is not None or self.status is not Status.RUNNING:
            raise SessionClosed("session already started")
        return self._apply(first, 1)

    def receive(self, data: bytes) -> list[Outgoing]:
        """Feed one envelope. Raises Rejected (ignored, harmless) or ProtocolAbort (failed).

        A DONE session whose protocol still listens (an identification round after the
        output) keeps accepting envelopes for that round."""
        if self.status is Status.FAILED or self._round is None:
            state = "not started" if self.status is Status.RUNNING else self.status.value
            raise SessionClosed(f"session is {state}")
        env = parse_envelope(data)
        self._authenticate(env)
        slot = (env.round, env.sender, env.recipient == "")
        previous = self._seen.get(slot)
        if previous is not None:
            # Compare what was signed, not the bytes: anyone relaying a signed envelope can
            # re-encode it (repeat a field, append an unknown one) without breaking the signature.
            if envelope_statement(parse_envelope(previous), self.info.ssid) == envelope_statement(env, self.info.ssid):
                raise Rejected("duplicate envelope")
            self._abort(env.sender, env.round, Reason.EQUIVOCATION,
                        "two different signed messages for the same round", (previous, data))
        if self._round is not None and env.round < self._round.NUMBER:
            raise Rejected(f"round {env.round} is already finished")
        self._seen[slot] = data
        self._log.setdefault(env.sender, []).append(data)
        self._pending.setdefault(env.round, {}).setdefault(env.sender, {})[env.recipient == ""] = env
        return self._advance()

    def waiting_for(self) -> set[str]:
        """Participants whose messages for the current round have not all arrived."""
        if self.status is not Status.RUNNING or self._round is None:
            return set()
        return {p for p in self.info.others if p not in self._done}

    # -- checks -----------------------------------------------------------------------
    def _authenticate(self, env: Envelope) -> None:
        info = self.info
        if env.protocol != info.protocol or env.session != info.session_id:
            raise Rejected("envelope for another session")
        if env.sender not in self._ids or env.sender == info.me:
            raise Rejected(f"sender {env.sender!r} is not a peer in this session")
        if env.recipient not in ("", info.me):
            raise Rejected("envelope addressed to another party")
        table = ROUND_TABLES.get(info.protocol)
        if not 1 <= env.round <= (table.last if table else MAX_ROUNDS):
            raise Rejected(f"round {env.round} out of range for {info.protocol}")
        if len(env.echo) > len(info.parties):
            raise Rejected("echo longer than the party list")
        if not verify_signature(self._ids[env.sender], envelope_statement(env, info.ssid), env.signature):
            raise Rejected("bad envelope signature")

    def _check_echo(self, env: Envelope) -> None:
        prev = env.round - 1
        mine = self._views.get(prev)
        if not mine:
            if len(env.echo):
                raise Fault(Reason.MALFORMED, "unexpected echo")
            return
        if [e.sender for e in env.echo] != [p for p in self.info.parties if p in mine]:
            self._abort(env.sender, env.round, Reason.FORGED_ECHO, "echo does not list every broadcaster once")
        for entry in env.echo:
            own = mine[entry.sender]
            if (entry.payload_digest, entry.echo_digest) == (own.payload_digest, own.echo_digest):
                continue
            signed = statement(self.info.ssid, prev, entry.sender, "", entry.payload_digest, entry.echo_digest)
            if verify_signature(self._ids[entry.sender], signed, entry.signature):
                original = self._seen.get((prev, entry.sender, True)) or self._own_broadcasts.get(prev)
                self._abort(entry.sender, prev, Reason.EQUIVOCATION,
                            f"signed different round-{prev} broadcasts (seen via {env.sender}'s echo)",
                            tuple(x for x in (original, self._seen[(env.round, env.sender, env.recipient == "")]) if x))
            self._abort(env.sender, env.round, Reason.FORGED_ECHO,
                        f"echo entry for {entry.sender} is not signed by it")

    # -- driving the rounds -------------------------------------------------------------
    def _advance(self) -> list[Outgoing]:
        out: list[Outgoing] = []
        try:
            self._advance_into(out)
        except ProtocolAbort as exc:
            # Messages of rounds finalized before the failure are still owed to the peers.
            exc.outgoing = out + exc.outgoing
            raise
        return out

    def _advance_into(self, out: list[Outgoing]) -> None:
        while self._round is not None:
            rnd = self._round
            pending = self._pending.get(rnd.NUMBER, {})
            if pending and self._next_out_round <= rnd.NUMBER:
                # A continuation round we entered silently: a peer's message (possibly one
                # buffered before we got here) asks for our answer, sent before we judge it.
                out.extend(self._emit(rnd.reply(), rnd.NUMBER))
            for sender in self.info.others:
                parts = pending.get(sender, {})
                expects = rnd.expects(sender)
                if sender in self._done or any(want and kind not in parts for kind, want in zip((True, False), expects)):
                    continue
                if any(expects):  # a party with no role in this round sends nothing
                    self._process(rnd, sender, parts, expects)
                self._done.add(sender)
            if len(self._done) < len(self.info.others):
                break
            self._pending.pop(rnd.NUMBER, None)
            self._done = set()
            try:
                step = rnd.finalize()
            except Fault as f:
                # Raised by an identification step, which names the party it caught.
                self._abort(f.accused or "", rnd.NUMBER, f.reason, f.detail, exhibits=f.exhibits)
            out.extend(self._apply(step, rnd.NUMBER + 1))

    def _process(self, rnd: Round, sender: str, parts: dict[bool, Envelope], expects) -> None:
        unexpected = [kind for kind, want in zip((True, False), expects) if not want and kind in parts]
        if unexpected:
            self._abort(sender, rnd.NUMBER, Reason.MALFORMED, "message of a kind this round does not use")
        try:
            decoded = []
            for kind, typ, want in ((True, rnd.BROADCAST, expects[0]), (False, rnd.DIRECT, expects[1])):
                if not want:
                    decoded.append(None)
                    continue
                env = parts[kind]
                self._check_echo(env)
                msg = typ()
                try:
                    msg.ParseFromString(env.payload)
                except (PbDecodeError, ValueError):
                    raise Fault(Reason.MALFORMED, f"round {rnd.NUMBER} payload does not parse") from None
                decoded.append(msg)
            rnd.receive(sender, decoded[0], decoded[1])
        except Fault as f:
            self._abort(f.accused or sender, rnd.NUMBER, f.reason, f.detail, exhibits=f.exhibits)
        except DecodeError as exc:
            self._abort(sender, rnd.NUMBER, Reason.MALFORMED, str(exc))
        if expects[0]:
            env = parts[True]
            self._views.setdefault(rnd.NUMBER, {})[sender] = Echo(
                sender=sender, payload_digest=payload_digest(env.payload),
                echo_digest=echo_digest(env.echo), signature=env.signature)

    def _apply(self, step: Step, number: int) -> list[Outgoing]:
        out = self._emit(step.out, number)
        self._round = step.next
        if step.result is not None:
            self.status = Status.DONE
            self.result = step.result
        return out

    def _emit(self, msgs, number: int) -> list[Outgoing]:
        """Sign and wrap round-`number` messages; they carry our echo of round number-1."""
        if not msgs:
            return []
        echo = self._echo_of(number - 1)
        out = []
        broadcasts = 0
        for o in msgs:
            payload = o.msg.SerializeToString(deterministic=True)
            env = Envelope(version=WIRE_VERSION, protocol=self.info.protocol, session=self.info.session_id,
                           round=number, sender=self.info.me, recipient=o.to or "", payload=payload, echo=echo)
            env.signature = self._signer.sign(envelope_statement(env, self.info.ssid))
            data = env.SerializeToString(deterministic=True)
            if o.to is None:
                broadcasts += 1
                self._own_broadcasts[number] = data
                self._views.setdefault(number, {})[self.info.me] = Echo(
                    sender=self.info.me, payload_digest=payload_digest(payload),
                    echo_digest=echo_digest(echo), signature=env.signature)
            self._log.setdefault(self.info.me, []).append(data)
            out.append(Outgoing(o.to, data))
        assert broadcasts <= 1, "a round sends at most one broadcast"
        self._next_out_round = number + 1
        return out

    def _echo_of(self, round: int) -> list[Echo]:
        view = self._views.get(round, {})
        return [view[p] for p in self.info.parties if p in view]

    def _abort(self, accused: str, round: int, reason: Reason, detail: str, evidence: tuple[bytes, ...] = (),
               exhibits: tuple[bytes, ...] = ()):
        if not evidence:
            # Everything we accepted or sent: the accused's messages and whatever their
            # statements refer to (our K_i, everyone's rho, Gamma_j, round-3 views...).
            evidence = tuple(d for p in self.info.parties for d in self._log.get(p, ()))
        self.status = Status.FAILED
        self.blame = Blame(session=self.info.session_id, protocol=self.info.protocol, round=round,
                           accused=accused, reason=reason, detail=detail, reporter=self.info.me,
                           evidence=evidence, exhibits=tuple(exhibits))
        raise ProtocolAbort(self.blame)
