"""Playing a misbehaving party, and judging the resulting Blame as a third party would.

A cheater is played in one of two ways:
- on the wire: an interceptor rewrites the cheater's outgoing envelopes and RE-SIGNS them
  with the cheater's identity key (`resigning`), so the fault is attributable to it;
- in its state: a test monkeypatches one round of the cheater's session (identified by
  the run's ssid), for lies that must stay consistent with what it committed to or
  proves later (a wrong delta_i, chi_i, a misquoted receipt).

`judge` then checks what every honest party concluded, and that a third party holding
only the run's public context confirms each accusation, while the same evidence checked
against a wrong context, against another accused party or for another reason is not
confirmed.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable

from abci_mpc.tss import aux, keygen, presign, refresh, reshare, sign
from abci_mpc.tss.blame import Blame, Reason
from abci_mpc.tss.evidence import PublicContext, verify_blame
from abci_mpc.tss.identity import verify_signature
from abci_mpc.tss.runner import LocalParties, RunResult, run
from abci_mpc.tss.session import Session, Status, envelope_statement, parse_envelope
from abci_mpc.tss.wire_pb2 import Envelope


class Run:
    """One protocol run whose sessions stay inspectable (waiting_for, status, ssid)."""

    def __init__(self, lp: LocalParties, protocol: str, members, binding: bytes, begin):
        self.lp = lp
        self.members = tuple(sorted(members))
        sid = secrets.token_bytes(16)
        self.sessions: dict[str, Session] = {p: lp.session(protocol, self.members, p, binding, session_id=sid)
                                             for p in self.members}
        self.begins = {p: (lambda s=s, p=p: begin(s.info, p)) for p, s in self.sessions.items()}
        self.ssid = self.sessions[self.members[0]].info.ssid
        self.result: RunResult | None = None

    def override(self, party: str, first: Callable) -> Run:
        self.begins[party] = first
        return self

    def info(self, party: str):
        return self.sessions[party].info

    def go(self, **kw) -> RunResult:
        self.result = run({p: (self.sessions[p], self.begins[p]) for p in self.members}, **kw)
        return self.result


def aux_run(lp, paillier, members) -> Run:
    return Run(lp, aux.PROTOCOL, members, b"", lambda info, p: aux.begin(info, paillier[p]))


def keygen_run(lp, t: int, members) -> Run:
    return Run(lp, keygen.PROTOCOL, members, keygen.binding(t), lambda info, p: keygen.begin(info, t))


def presign_run(lp, shares, signers) -> Run:
    b = presign.binding(next(iter(shares.values())))
    return Run(lp, presign.PROTOCOL, signers, b,
               lambda info, p: presign.begin(info, shares[p], lp.signers[p], lp.identities))


def sign_run(lp, shares, presigs, digest: bytes) -> Run:
    ps = next(iter(presigs.values()))
    b = sign.binding(ps.id, ps.key_fingerprint, ps.R, digest)
    return Run(lp, sign.PROTOCOL, ps.signers, b,
               lambda info, p: sign.begin(info, shares[p], presigs[p], digest, lp.identities))


def reshare_run(lp, shares, dealers, members, new_t: int, paillier) -> Run:
    old = reshare.OldKey.of(next(iter(shares.values())))
    b = reshare.binding(old, dealers, members, new_t)
    return Run(lp, reshare.PROTOCOL, set(dealers) | set(members), b, lambda info, p: reshare.begin(
        info, shares.get(p) if p in dealers else None, old, dealers, members, new_t, paillier.get(p)))


def refresh_run(lp, shares, paillier) -> Run:
    return Run(lp, refresh.PROTOCOL, shares, refresh.binding(next(iter(shares.values()))),
               lambda info, p: refresh.begin(info, shares[p], paillier[p]))


# -- the wire-level cheater --------------------------------------------------------------------
Mutation = Callable[[Envelope, str], bool]  # (envelope, recipient) -> rewritten?


def resigning(r: Run, bad: str, *mutations: Mutation):
    def interceptor(sender: str, to: str, data: bytes):
        if sender != bad:
            return data
        env = parse_envelope(data)
        changed = [m(env, to) for m in mutations]
        return resign(r, bad, env) if any(changed) else data

    return interceptor


def resign(r: Run, party: str, env: Envelope) -> bytes:
    env.signature = r.lp.signers[party].sign(envelope_statement(env, r.ssid))
    return env.SerializeToString(deterministic=True)


def unsigned(bad: str, mutation: Mutation):
    """A network attacker: rewrites without the sender's key."""

    def interceptor(sender, to, data):
        if sender != bad:
            return data
        env = parse_envelope(data)
        return env.SerializeToString(deterministic=True) if mutation(env, to) else data

    return interceptor


def silent(bad: str, from_round: int = 1):
    """A party that stops answering from `from_round` on."""
    return lambda sender, to, data: None if sender == bad and parse_envelope(data).round >= from_round else data


def on_payload(round: int, typ, fn, *, broadcast: bool | None = None, to: Iterable[str] | None = None) -> Mutation:
    targets = None if to is None else set(to)

    def mutate(env: Envelope, recipient: str) -> bool:
        if env.round != round or (broadcast is not None and (env.recipient == "") != broadcast):
            return False
        if targets is not None and recipient not in targets:
            return False
        msg = typ.FromString(env.payload)
        fn(msg)
        env.payload = msg.SerializeToString(deterministic=True)
        return True

    return mutate


def on_envelope(round: int, fn, *, broadcast: bool | None = None, to: Iterable[str] | None = None) -> Mutation:
    targets = None if to is None else set(to)

    def mutate(env: Envelope, recipient: str) -> bool:
        if env.round != round or (broadcast is not None and (env.recipient == "") != broadcast):
            return False
        if targets is not None and recipient not in targets:
            return False
        fn(env)
        return True

    return mutate


def flip_last_bit(b: bytes) -> bytes:
    return b[:-1] + bytes([b[-1] ^ 1])


def bump_scalar(b: bytes, by: int = 1) -> bytes:
    from abci_mpc.tss.curve import q
    return ((int.from_bytes(b, "big") + by) % q).to_bytes(32, "big")


# -- judging ----------------------------------------------------------------------------------
def judge(res: RunResult, r: Run, bad: str, reasons, *, round: int | None = None, context: PublicContext,
          wrong_contexts: Iterable[PublicContext] = (), reporters: Iterable[str] | None = None) -> dict[str, Blame]:
    """Every honest party that gave up blamed `bad` (never an honest party) for one of
    `reasons`; the expected `reporters` (default: at least one) are among them; each
    blame is a complete structured record whose evidence a third party confirms with
    `context` and does not confirm with any of `wrong_contexts`, nor when the blame is
    rewritten to accuse an honest party or to state another reason."""
    reasons = {reasons} if isinstance(reasons, Reason) else set(reasons)
    honest = {p: b for p, b in res.blames.items() if p != bad}
    assert honest, "no honest party detected the fault"
    if reporters is not None:
        assert set(honest) == set(reporters), f"reporters {sorted(honest)} != expected {sorted(reporters)}"
    for reporter, b in honest.items():
        assert b.accused == bad, f"{reporter} blamed {b.accused!r}: {b.summary()}"
        assert b.reason in reasons, f"{reporter}: {b.summary()}"
        assert (b.session, b.protocol, b.reporter) == (r.info(reporter).session_id, r.info(reporter).protocol, reporter)
        if round is not None:
            assert b.round == round, b.summary()
        assert b.detail
        assert any(_signed_by(r, bad, e) for e in b.evidence), "no envelope signed by the accused in the evidence"
        assert r.sessions[reporter].status is Status.FAILED
        assert r.sessions[reporter].blame == b
        v = verify_blame(b, context)
        assert v.confirmed, f"third party cannot confirm {reporter}'s blame: {v.explanation} ({b.summary()})"
        for wrong in wrong_contexts:
            w = verify_blame(b, wrong)
            assert not w.confirmed, f"confirmed against a wrong context: {w.explanation}"
        for innocent in r.members:
            if innocent not in (bad, reporter):
                framed = verify_blame(dataclasses.replace(b, accused=innocent), context)
                assert not framed.confirmed, f"the evidence also 'shows' {innocent} cheating: {framed.explanation}"
        if b.reason not in (Reason.EQUIVOCATION, Reason.FORGED_ECHO):
            for reason in {Reason.MALFORMED, Reason.BAD_PROOF, Reason.INCONSISTENT} - {b.reason}:
                relabelled = verify_blame(dataclasses.replace(b, reason=reason), context)
                assert not relabelled.confirmed, f"confirmed as {reason.name} too: {relabelled.explanation}"
    return honest


def _signed_by(r: Run, party: str, data: bytes) -> bool:
    env = parse_envelope(data)
    return env.sender == party and verify_signature(r.lp.identities[party], envelope_statement(env, r.ssid),
                                                    env.signature)


def no_blame_and_waiting(res: RunResult, r: Run, silent_party: str, waiting: Iterable[str]) -> None:
    """A stall: nobody is blamed, and the listed parties name exactly the silent one."""
    assert not res.blames, {p: b.summary() for p, b in res.blames.items()}
    for p in waiting:
        assert r.sessions[p].status is Status.RUNNING, p
        assert r.sessions[p].waiting_for() == {silent_party}, (p, r.sessions[p].waiting_for())
