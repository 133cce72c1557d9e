"""Test-side tools: run a protocol with sessions we can inspect, play a malicious party by
rewriting (and re-signing) its envelopes, and check signatures with independent code."""

from __future__ import annotations

import random
import secrets
from collections import deque
from collections.abc import Callable, Iterable

import pytest

from coincurve import PublicKey
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from abci_mpc.tss import aux, keygen, presign, refresh, reshare, sign
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.curve import q
from abci_mpc.tss.errors import ProtocolAbort, Rejected, SessionClosed
from abci_mpc.tss.evidence import verify_blame
from abci_mpc.tss.identity import verify_signature
from abci_mpc.tss.runner import LocalParties, RunResult, run
from abci_mpc.tss.session import Session, Status, envelope_statement, parse_envelope
from abci_mpc.tss.wire_pb2 import Envelope


def names(n: int) -> tuple[str, ...]:
    return tuple(f"p{i}" for i in range(1, n + 1))


# -- running protocols with sessions kept ----------------------------------------------------
class Run:
    """One protocol run: the sessions (for waiting_for/status), and the runner's result."""

    def __init__(self, lp: LocalParties, protocol: str, members, binding: bytes, begin, session_id=None):
        self.lp = lp
        self.protocol = protocol
        self.members = tuple(sorted(members))
        self.session_id = session_id or secrets.token_bytes(16)
        self.sessions: dict[str, Session] = {
            p: lp.session(protocol, self.members, p, binding, session_id=self.session_id) for p in self.members
        }
        self.begins = {p: (lambda s=s, p=p: begin(s.info, p)) for p, s in self.sessions.items()}
        self.ssid = next(iter(self.sessions.values())).info.ssid
        self.result: RunResult | None = None

    def override(self, party: str, first: Callable[[], object]) -> Run:
        """Replace a party's first step (a malicious party at the protocol level)."""
        self.begins[party] = first
        return self

    def info(self, party: str):
        return self.sessions[party].info

    def go(self, **kw) -> RunResult:
        self.result = run({p: (self.sessions[p], self.begins[p]) for p in self.members}, **kw)
        return self.result


def aux_run(lp: LocalParties, paillier, members=None) -> Run:
    members = members or lp.names
    return Run(lp, aux.PROTOCOL, members, b"", lambda info, p: aux.begin(info, paillier[p]))


def keygen_run(lp: LocalParties, t: int, members=None) -> Run:
    members = members or lp.names
    return Run(lp, keygen.PROTOCOL, members, keygen.binding(t), lambda info, p: keygen.begin(info, t))


def presign_run(lp: LocalParties, shares, signers) -> Run:
    b = presign.binding(next(iter(shares.values())))
    return Run(lp, presign.PROTOCOL, signers, b,
               lambda info, p: presign.begin(info, shares[p], lp.signers[p], lp.identities))


def sign_run(lp: LocalParties, shares, presigs, digest: bytes) -> Run:
    ps = next(iter(presigs.values()))
    b = sign.binding(ps.id, ps.key_fingerprint, ps.R, digest)
    return Run(lp, sign.PROTOCOL, ps.signers, b,
               lambda info, p: sign.begin(info, shares[p], presigs[p], digest, lp.identities))


def reshare_run(lp: LocalParties, shares, dealers, members, new_t: int, paillier) -> Run:
    old = reshare.OldKey.of(next(iter(shares.values())))
    b = reshare.binding(old, dealers, members, new_t)
    return Run(lp, reshare.PROTOCOL, set(dealers) | set(members), b, lambda info, p: reshare.begin(
        info, shares.get(p) if p in dealers else None, old, dealers, members, new_t, paillier.get(p)))


def refresh_run(lp: LocalParties, shares, paillier) -> Run:
    return Run(lp, refresh.PROTOCOL, shares, refresh.binding(next(iter(shares.values()))),
               lambda info, p: refresh.begin(info, shares[p], paillier[p]))


class Net:
    """A hand-driven network over a Run's sessions: we choose what is delivered when."""

    def __init__(self, run, catch_aborts: bool = False):
        self.run = run
        self.s = run.sessions
        self.queue: deque = deque()
        self.catch_aborts = catch_aborts  # like the runner: record the blame, send what the party still sends
        self.blames: dict = {}

    def start(self, *parties):
        for p in parties or self.run.members:
            self._post(p, self.s[p].start(self.run.begins[p]()))

    def _post(self, sender, outs):
        for o in outs:
            targets = [o.to] if o.to else [p for p in self.run.members if p != sender]
            for t in targets:
                self.queue.append((sender, t, o.data))

    def deliver(self, sender, to, data):
        if self.catch_aborts and to in self.blames:
            return
        try:
            self._post(to, self.s[to].receive(data))
        except ProtocolAbort as exc:
            if not self.catch_aborts:
                raise
            self.blames[to] = exc.blame
            self._post(to, exc.outgoing)

    def pump(self, hold=lambda sender, to, data: False, rng: random.Random | None = None, dup: bool = False):
        """Deliver until quiet; messages for which `hold` is true are set aside and returned."""
        held = []
        while self.queue:
            if rng is not None:
                self.queue.rotate(-rng.randrange(len(self.queue)))
            sender, to, data = self.queue.popleft()
            if hold(sender, to, data):
                held.append((sender, to, data))
                continue
            self.deliver(sender, to, data)
            if dup:
                with pytest.raises((Rejected, SessionClosed)) as exc:
                    self.s[to].receive(data)
                if isinstance(exc.value, Rejected):
                    assert "duplicate" in str(exc.value)
                else:
                    assert self.s[to].status is Status.DONE
        return held

    def results(self):
        return {p: s.result for p, s in self.s.items() if s.status is Status.DONE}


# -- a malicious party: rewrite its envelopes and sign them with its own identity key ----------
Mutation = Callable[[Envelope, str], bool]  # (envelope, recipient) -> changed?


def resigning(run: Run, bad: str, *mutations: Mutation):
    """Interceptor: `mutations` may rewrite any envelope `bad` sends; a rewritten envelope is
    re-signed with bad's key, so the fault is attributable to bad and nobody else."""

    def interceptor(sender: str, to: str, data: bytes) -> bytes | None:
        if sender != bad:
            return data
        env = parse_envelope(data)
        if not any([m(env, to) for m in mutations]):  # a list: every mutation gets its turn
            return data
        return resign(run, bad, env)

    return interceptor


def resign(run: Run, party: str, env: Envelope) -> bytes:
    env.signature = run.lp.signers[party].sign(envelope_statement(env, run.ssid))
    return env.SerializeToString(deterministic=True)


def unsigned(bad: str, mutate: Mutation):
    """Interceptor that rewrites bad's envelopes WITHOUT re-signing (a network attacker)."""

    def interceptor(sender: str, to: str, data: bytes) -> bytes | None:
        if sender != bad:
            return data
        env = parse_envelope(data)
        if not mutate(env, to):
            return data
        return env.SerializeToString(deterministic=True)

    return interceptor


def silent(bad: str, from_round: int = 1):
    """Interceptor: a party that stops answering from `from_round` on."""
    return lambda sender, to, data: None if sender == bad and parse_envelope(data).round >= from_round else data


def on_payload(round: int, msg_type, fn: Callable[[object], None], *, broadcast: bool | None = None,
               to: Iterable[str] | None = None) -> Mutation:
    """Mutation of the payload of round `round` envelopes (optionally only broadcast or only
    direct ones, optionally only to some recipients): `fn` edits the parsed message in place."""
    targets = None if to is None else set(to)

    def mutate(env: Envelope, recipient: str) -> bool:
        if env.round != round or (broadcast is not None and (env.recipient == "") != broadcast):
            return False
        if targets is not None and recipient not in targets:
            return False
        msg = msg_type.FromString(env.payload)
        fn(msg)
        env.payload = msg.SerializeToString(deterministic=True)
        return True

    return mutate


def on_envelope(round: int, fn: Callable[[Envelope], None], *, broadcast: bool | None = None,
                to: Iterable[str] | None = None) -> Mutation:
    targets = None if to is None else set(to)

    def mutate(env: Envelope, recipient: str) -> bool:
        if env.round != round or (broadcast is not None and (env.recipient == "") != broadcast):
            return False
        if targets is not None and recipient not in targets:
            return False
        fn(env)
        return True

    return mutate


def flip_last_bit(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def bump_scalar(data: bytes, by: int = 1) -> bytes:
    return ((int.from_bytes(data, "big") + by) % q).to_bytes(32, "big")


def check_blame(res: RunResult, run: Run, bad: str, reasons: set[Reason] | Reason, *, round: int | None = None,
                context=None):
    """Someone detected the fault, every accusation names `bad` (never an honest party),
    the evidence holds an envelope `bad` really signed, and, given the run's public
    context, a third party confirms each honest party's accusation from the evidence."""
    if isinstance(reasons, Reason):
        reasons = {reasons}
    honest = {p: b for p, b in res.blames.items() if p != bad}  # the cheater's own view is no test
    assert honest, "no honest party detected the fault"
    for reporter, blame in honest.items():
        assert blame.accused == bad, f"{reporter} blamed {blame.accused!r}, not {bad}: {blame.summary()}"
        assert blame.reason in reasons, f"{reporter}: unexpected reason {blame.reason}: {blame.summary()}"
        assert blame.reporter == reporter
        if round is not None:
            assert blame.round == round, blame.summary()
        assert any(_signed_by(run, bad, e) for e in blame.evidence), "evidence lacks an envelope signed by the accused"
        if context is not None:
            verdict = verify_blame(blame, context)
            assert verdict.confirmed, f"a third party cannot confirm {reporter}'s blame: {verdict.explanation}"
    return honest


def _signed_by(run: Run, party: str, data: bytes) -> bool:
    env = parse_envelope(data)
    return env.sender == party and verify_signature(run.lp.identities[party], envelope_statement(env, run.ssid),
                                                    env.signature)


# -- independent signature checks ---------------------------------------------------------
def check_signature(pubkey: bytes, digest: bytes, sig) -> None:
    """coincurve (libsecp256k1) DER verify, recovery, and pyca/cryptography (OpenSSL) verify."""
    assert 0 < sig.r < q and 0 < sig.s <= q // 2, "not a low-S signature"
    assert sig.v in (0, 1)
    der = encode_dss_signature(sig.r, sig.s)
    pk = PublicKey(pubkey)
    assert pk.verify(der, digest, hasher=None)
    rsv = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
    assert PublicKey.from_signature_and_message(rsv, digest, hasher=None).format() == pk.format()
    # the other recovery id gives a different key (so v is meaningful, not lucky)
    rsv_other = rsv[:64] + bytes([sig.v ^ 1])
    try:
        other = PublicKey.from_signature_and_message(rsv_other, digest, hasher=None).format()
    except Exception:
        other = None
    assert other != pk.format()
    ossl = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pubkey)
    ossl.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
