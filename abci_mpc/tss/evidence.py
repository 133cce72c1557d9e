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
from .rounds import Fault, SessionInfo
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
    """The evidence lacks a message the check needs."""


class Evidence:
    """The authenticated envelopes of a blame, indexed by (round, sender, recipient)."""

    def __init__(self, info: SessionInfo, identities, blame: Blame):
        self.info, self.identities = info, identities
        self.accused, self.round, self.exhibits = blame.accused, blame.round, blame.exhibits
        self.envelopes = {}
        self.rejected = 0
        for data in blame.evidence:
            try:
                env = parse_envelope(data)
            except Rejected:
                self.rejected += 1
                continue
            key = identities.get(env.sender)
            if key is None or not verify_signature(key, envelope_statement(env, info.ssid), env.signature):
                self.rejected += 1
                continue
            self.envelopes.setdefault((env.round, env.sender, env.recipient or None), []).append(env)

    def get(self, round: int, sender: str, recipient: str | None, typ):
        envs = self.envelopes.get((round, sender, recipient))
        if not envs:
            raise Incomplete(f"no round-{round} message from {sender}" + (f" to {recipient}" if recipient else ""))
        msg = typ()
        try:
            msg.ParseFromString(envs[0].payload)
        except (PbDecodeError, ValueError):
            raise Fault(Reason.MALFORMED, f"round {round} payload does not parse") from None
        return msg

    def find(self, round: int, sender: str, recipient: str | None, typ):
        """Like get, but None when the evidence does not hold that message."""
        if not self.envelopes.get((round, sender, recipient)):
            return None
        return self.get(round, sender, recipient, typ)

    def any_sent(self, round: int, typ):
        """Some direct message the reporter sent in `round` (for values it sends everyone)."""
        me = self.info.me
        for (r, s, rec), _ in self.envelopes.items():
            if r == round and s == me and rec is not None:
                return self.get(r, s, rec, typ)
        raise Incomplete(f"no round-{round} message from the reporter")


def _equivocation(ev: Evidence) -> Verdict | None:
    """Two different broadcasts for one round, both signed by the accused."""
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
    return None


def _broadcasters(ev: Evidence, round: int) -> list[str]:
    """Who broadcast in `round`, as the reporter saw it (its log holds every broadcast)."""
    senders = {s for (r, s, rec) in ev.envelopes if r == round and rec is None}
    return [p for p in ev.info.parties if p in senders]


def _forged_echo(ev: Evidence) -> Verdict | None:
    j, ssid = ev.accused, ev.info.ssid
    for (round, sender, _), envs in ev.envelopes.items():
        if sender != j:
            continue
        for env in envs:
            listed = [e.sender for e in env.echo]
            if listed != _broadcasters(ev, round - 1):
                return Verdict(True, f"{j}'s round-{round} echo does not list every round-{round - 1} broadcaster once")
            for entry in env.echo:
                key = ev.identities.get(entry.sender)
                signed = statement(ssid, round - 1, entry.sender, "", entry.payload_digest, entry.echo_digest)
                if key is None or not verify_signature(key, signed, entry.signature):
                    return Verdict(True, f"{j}'s round-{round} echo carries an entry {entry.sender} never signed")
    return None


def _unexpected_echo(ev: Evidence) -> Verdict | None:
    """An echo attached after a round in which nobody broadcast."""
    for (round, sender, _), envs in ev.envelopes.items():
        if sender == ev.accused and any(len(e.echo) for e in envs) and not _broadcasters(ev, round - 1):
            return Verdict(True, f"{sender}'s round-{round} message carries an echo of a round without broadcasts")
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
    if not ev.envelopes:
        return Verdict(False, "no evidence authenticates against this context")
    generic = {Reason.EQUIVOCATION: _equivocation, Reason.FORGED_ECHO: _forged_echo,
               Reason.MALFORMED: _unexpected_echo}.get(blame.reason)
    if generic is not None:
        found = generic(ev)
        if found is not None:
            return found
    if ctx.observe is None:
        return Verdict(False, "no observer for this protocol")
    try:
        ctx.observe(ev)
    except Fault as f:
        if f.reason is blame.reason and f.accused in (None, blame.accused):
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
