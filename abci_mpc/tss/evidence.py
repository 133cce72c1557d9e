"""Re-checking a Blame from public data alone: the third-party half of identifiable abort.

Anyone holding the run's public context (party list, identity keys, and the protocol's
public inputs, e.g. the key's public data) can take a Blame and decide whether its evidence
really shows the accused party misbehaving:

    verdict = verify_blame(blame, presign_context(key, signers, identities))

Every envelope in the evidence must carry a valid signature over the run's ssid, which
commits to all of that context; evidence checked against a wrong context fails to
authenticate rather than wrongly confirming an accusation. Equivocation and forged echoes
are judged from signatures alone. Every other reason is re-checked by the protocol's
`observe`, which runs the very check the reporter ran, on public parameters only.
A TIMEOUT is the absence of a message: no evidence can show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from google.protobuf.message import DecodeError as PbDecodeError

from . import aux, keygen, presign, refresh, reshare, sign
from .blame import Blame, Reason
from .codec import DecodeError
from .curve import Point
from .errors import Rejected
from .identity import verify_signature
from .rounds import ROUND_TABLES, Fault, SessionInfo
from .session import echo_digest, envelope_statement, parse_envelope, payload_digest, statement
from .shares import KeyPublic


@dataclass(frozen=True)
class PublicContext:
    protocol: str
    parties: tuple[str, ...]
    binding: bytes
    identities: Mapping[str, bytes]
    observe: Callable | None  # the protocol's observer with its public inputs bound


@dataclass(frozen=True)
class Verdict:
    confirmed: bool
    explanation: str


class Incomplete(Exception):
    """The evidence lacks a message the check needs, or one it cannot trust."""


class Evidence:
    """The authenticated envelopes of a blame, indexed by (round, sender, recipient).

    The reporter chooses what goes in, and may re-sign its own messages (and a colluder
    theirs), so only what the accused itself committed to is used against it: its own
    signed envelopes, and other parties' broadcasts whose digests its echo entries (which
    it signed) name. Direct messages from others are used only through `direct`, whose
    caller must check them against something pinned (a binding proof), and any failure in
    someone else's data makes the evidence unusable rather than the accused guilty."""

    def __init__(self, info: SessionInfo, identities, blame: Blame):
        self.info, self.identities = info, identities
        self.accused, self.round, self.exhibits = blame.accused, blame.round, blame.exhibits
        self.envelopes = {}
        for data in blame.evidence:
            try:
                env = parse_envelope(data)
            except Rejected:
                continue
            key = identities.get(env.sender)
            if key is None or not verify_signature(key, envelope_statement(env, info.ssid), env.signature):
                continue
            self.envelopes.setdefault((env.round, env.sender, env.recipient or None), []).append(env)
        self._seen_by_accused = {}  # round -> sender -> (payload digest, echo digest)
        for (r, s_, _), envs in self.envelopes.items():
            if s_ == self.accused:
                for env in envs:
                    for e in env.echo:
                        self._seen_by_accused.setdefault(r - 1, {})[e.sender] = (e.payload_digest, e.echo_digest)

    def _pinned(self, env) -> bool:
        if env.sender == self.accused:
            return True
        digests = (payload_digest(env.payload), echo_digest(env.echo))
        return self._seen_by_accused.get(env.round, {}).get(env.sender) == digests

    def _parse(self, env, typ):
        msg = typ()
        try:
            msg.ParseFromString(env.payload)
        except (PbDecodeError, ValueError):
            if env.sender == self.accused:
                raise Fault(Reason.MALFORMED, f"round {env.round} payload does not parse") from None
            raise Incomplete(f"{env.sender}'s round-{env.round} message does not parse") from None
        return msg

    def get(self, round: int, sender: str, recipient: str | None, typ):
        """The accused's own message, or another party's broadcast the accused echoed."""
        if recipient is not None and sender != self.accused:
            raise Incomplete("another party's direct message is not evidence against the accused")
        envs = [e for e in self.envelopes.get((round, sender, recipient), []) if self._pinned(e)]
        if not envs:
            raise Incomplete(f"no round-{round} message from {sender}" + (f" to {recipient}" if recipient else "")
                             + ("" if sender == self.accused else " that the accused's echo confirms"))
        return self._parse(envs[0], typ)

    def find(self, round: int, sender: str, recipient: str | None, typ):
        try:
            return self.get(round, sender, recipient, typ)
        except Incomplete:
            return None

    def direct(self, round: int, sender: str, recipient: str, typ):
        """Another party's direct message; the caller checks it against pinned data."""
        envs = self.envelopes.get((round, sender, recipient))
        if not envs:
            raise Incomplete(f"no round-{round} message from {sender} to {recipient}")
        return self._parse(envs[0], typ)

    def sent_by(self, round: int, sender: str, typ):
        """Some direct message `sender` sent in `round` (values it sends everyone alike)."""
        for (r, s_, rec), _ in self.envelopes.items():
            if r == round and s_ == sender and rec is not None:
                return self.direct(r, s_, rec, typ), rec
        raise Incomplete(f"no round-{round} message from {sender}")

    def other(self, fn, *args):
        """Run a check on data that is not the accused's: its failure proves nothing."""
        try:
            return fn(*args)
        except (Fault, DecodeError, ValueError, ArithmeticError) as exc:
            raise Incomplete(f"data not from the accused fails its own check: {exc}") from None


def _equivocation(ev: Evidence) -> Verdict | None:
    """Two different messages for one slot, both signed by the accused."""
    j, r, ssid = ev.accused, ev.round, ev.info.ssid
    seen = {(payload_digest(e.payload), echo_digest(e.echo)) for e in ev.envelopes.get((r, j, None), [])}
    for (round, _, _), envs in ev.envelopes.items():
        if round != r + 1:
            continue
        for env in envs:
            for entry in env.echo:
                if entry.sender != j:
                    continue
                signed = statement(ssid, r, j, "", entry.payload_digest, entry.echo_digest)
                if verify_signature(ev.identities[j], signed, entry.signature):
                    seen.add((entry.payload_digest, entry.echo_digest))
    if len(seen) > 1:
        return Verdict(True, f"{j} signed {len(seen)} different round-{r} broadcasts")
    for (round, sender, recipient), envs in ev.envelopes.items():
        if round == r and sender == j and recipient is not None:
            if len({envelope_statement(e, ssid) for e in envs}) > 1:
                return Verdict(True, f"{j} signed two different round-{r} messages to {recipient}")
    return None


def _table(ev: Evidence):
    return ROUND_TABLES.get(ev.info.protocol)


def _forged_echo(ev: Evidence) -> Verdict | None:
    """An echo entry the named broadcaster never signed, or an echo whose list of
    broadcasters differs from the protocol's round table (judged without the evidence's
    other messages, which the reporter controls)."""
    j, ssid, table = ev.accused, ev.info.ssid, _table(ev)
    for (round, sender, _), envs in ev.envelopes.items():
        if sender != j:
            continue
        for env in envs:
            listed = [e.sender for e in env.echo]
            if table is not None and round - 1 in table.broadcast and listed != list(ev.info.parties):
                return Verdict(True, f"{j}'s round-{round} echo does not list every broadcaster once")
            for entry in env.echo:
                key = ev.identities.get(entry.sender)
                signed = statement(ssid, round - 1, entry.sender, "", entry.payload_digest, entry.echo_digest)
                if key is None or not verify_signature(key, signed, entry.signature):
                    return Verdict(True, f"{j}'s round-{round} echo carries an entry {entry.sender} never signed")
    return None


def _malformed_shape(ev: Evidence) -> Verdict | None:
    """An echo after a round without broadcasts, or a message of a kind the round does not use."""
    table = _table(ev)
    if table is None:
        return None
    for (round, sender, recipient), envs in ev.envelopes.items():
        if sender != ev.accused:
            continue
        if any(len(e.echo) for e in envs) and round - 1 not in table.broadcast:
            return Verdict(True, f"{sender}'s round-{round} message carries an echo of a round without broadcasts")
        if (recipient is None and round not in table.broadcast) or (recipient is not None and round not in table.direct):
            kind = "broadcast" if recipient is None else "direct message"
            return Verdict(True, f"{sender} sent a round-{round} {kind}, which that round does not use")
    return None


def verify_blame(blame: Blame, ctx: PublicContext) -> Verdict:
    if blame.reason is Reason.TIMEOUT:
        return Verdict(False, "a timeout is an absence; no evidence can prove it")
    if blame.accused not in ctx.parties or blame.reporter not in ctx.parties:
        return Verdict(False, "accused or reporter is not a participant")
    if blame.protocol != ctx.protocol:
        return Verdict(False, "blame is for another protocol")
    info = SessionInfo(ctx.protocol, blame.session, ctx.parties, blame.reporter, ctx.binding)
    ev = Evidence(info, ctx.identities, blame)
    if not any(s == blame.accused for (_, s, _) in ev.envelopes):
        return Verdict(False, "no message of the accused authenticates against this context")
    generic = {Reason.EQUIVOCATION: _equivocation, Reason.FORGED_ECHO: _forged_echo,
               Reason.MALFORMED: _malformed_shape}.get(blame.reason)
    if generic is not None:
        found = generic(ev)
        if found is not None:
            return found
    if ctx.observe is None:
        return Verdict(False, "no observer for this protocol")
    try:
        ctx.observe(ev)
    except Fault as f:
        if f.accused not in (None, blame.accused):
            return Verdict(False, f"the check names {f.accused}, not {blame.accused}")
        if f.reason is blame.reason:
            return Verdict(True, f"reproduced: {f.detail}")
        return Verdict(False, f"the check fails differently ({f.reason.value}: {f.detail})")
    except DecodeError as exc:
        if blame.reason is Reason.MALFORMED:
            return Verdict(True, f"reproduced: {exc}")
        return Verdict(False, f"the message is malformed, not {blame.reason.value}")
    except Incomplete as exc:
        return Verdict(False, f"evidence incomplete: {exc}")
    return Verdict(False, "the accused's messages pass the same check")


# -- contexts: each computes the binding from the public inputs, never trusting one given ----

def aux_context(parties, identities) -> PublicContext:
    return PublicContext(aux.PROTOCOL, tuple(sorted(parties)), b"", identities, aux.observe)


def keygen_context(parties, threshold: int, identities) -> PublicContext:
    return PublicContext(keygen.PROTOCOL, tuple(sorted(parties)), keygen.binding(threshold), identities,
                         partial(keygen.observe, threshold=threshold))


def presign_context(key: KeyPublic, signers, identities) -> PublicContext:
    return PublicContext(presign.PROTOCOL, tuple(sorted(signers)),
                         presign.binding_for(key.fingerprint()), identities, partial(presign.observe, key=key))


def sign_context(key: KeyPublic, presig_id: bytes, R: Point, digest: bytes, signers, identities) -> PublicContext:
    return PublicContext(sign.PROTOCOL, tuple(sorted(signers)), sign.binding(presig_id, key.fingerprint(), R, digest),
                         identities, partial(sign.observe, key=key, presig_id=presig_id, R=R, digest=digest))


def reshare_context(old: reshare.OldKey, dealers, members, new_threshold: int, identities) -> PublicContext:
    parties = tuple(sorted(set(dealers) | set(members)))
    return PublicContext(reshare.PROTOCOL, parties, reshare.binding(old, dealers, members, new_threshold), identities,
                         partial(reshare.observe, old=old, dealers=tuple(sorted(dealers)), members=tuple(sorted(members)),
                                 new_threshold=new_threshold))


def refresh_context(key: KeyPublic, identities) -> PublicContext:
    old = reshare.OldKey(key.public_key, key.threshold, dict(key.share_ids), dict(key.public_shares))
    parties = tuple(key.parties)
    return PublicContext(refresh.PROTOCOL, parties, reshare.binding(old, parties, parties, key.threshold), identities,
                         partial(reshare.observe, old=old, dealers=parties, members=parties,
                                 new_threshold=key.threshold))
