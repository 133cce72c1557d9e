"""A reporter is a party too, and may be the cheater: it chooses what evidence to hand over and
can re-sign its own messages. None of that may get an honest party's blame confirmed.

Scenarios from an independent review (each once confirmed a false accusation):
- keygen: a reporter re-signs its own round-2 decommitment (another rho, or a malformed F), or
  leaves broadcasts out so the victim's echo looks wrong or unexpected;
- sign: a reporter that sent a bad sigma shows its good one to make the honest complainer look
  like a liar, or attaches a forged (unsigned) receipt as an exhibit.
Also: a complaint buffered before its recipient reaches the identification round still gets the
recipient's answer, so the complainer learns about the equivocation instead of timing out.
"""

from __future__ import annotations

import hashlib
import secrets

import pytest

from abci_mpc.tss import keygen, sign
from abci_mpc.tss.blame import Blame, Reason
from abci_mpc.tss.codec import ScalarSpec
from abci_mpc.tss.curve import q
from abci_mpc.tss.errors import ProtocolAbort
from abci_mpc.tss.evidence import keygen_context, sign_context, verify_blame
from abci_mpc.tss.runner import LocalParties, run
from abci_mpc.tss.session import envelope_statement, parse_envelope
from abci_mpc.tss.wire_pb2 import Exhibit, KeygenR2, KReceipt, SignR1

M, VICTIM = "p3", "p1"  # the malicious reporter and the honest party it accuses


@pytest.fixture(scope="module")
def keygen_log():
    lp = LocalParties(["p1", "p2", "p3"])
    sid = secrets.token_bytes(16)
    sessions = {p: lp.session(keygen.PROTOCOL, lp.names, p, keygen.binding(1), session_id=sid) for p in lp.names}
    res = run({p: (s, (lambda s=s: keygen.begin(s.info, 1))) for p, s in sessions.items()})
    assert not res.blames and len(res.results) == 3
    sess = sessions[M]
    log = [parse_envelope(d) for p in lp.names for d in sess._log.get(p, [])]
    return lp, sid, sess, log


def _blame(sid, reason, rnd, evidence, protocol=keygen.PROTOCOL, accused=VICTIM, reporter=M, exhibits=()):
    return Blame(session=sid, protocol=protocol, round=rnd, accused=accused, reason=reason, detail="framed",
                 reporter=reporter, evidence=tuple(evidence), exhibits=exhibits)


def _resigned(lp, sess, env, party=M):
    env.signature = lp.signers[party].sign(envelope_statement(env, sess.info.ssid))
    return env.SerializeToString(deterministic=True)


@pytest.mark.parametrize("change", ["rho", "malformed F"])
def test_reporter_resigning_its_own_decommitment_frames_nobody(keygen_log, change):
    lp, sid, sess, log = keygen_log
    ev = []
    for e in log:
        if e.round == 2 and e.sender == M and e.recipient == "":
            msg = KeygenR2.FromString(e.payload)
            if change == "rho":
                msg.rho = secrets.token_bytes(32)
            else:
                msg.F[0] = b"\x05" * 33
            e = parse_envelope(e.SerializeToString())
            e.payload = msg.SerializeToString()
            ev.append(_resigned(lp, sess, e))
        elif (e.round in (1, 2) and e.recipient == "") or (e.round == 3 and e.sender == VICTIM):
            ev.append(e.SerializeToString())
    ctx = keygen_context(lp.names, 1, lp.identities)
    for reason in (Reason.BAD_PROOF, Reason.MALFORMED):
        verdict = verify_blame(_blame(sid, reason, 3, ev), ctx)
        assert not verdict.confirmed, verdict.explanation


def test_leaving_broadcasts_out_frames_nobody(keygen_log):
    lp, sid, sess, log = keygen_log
    ctx = keygen_context(lp.names, 1, lp.identities)
    without_p2 = [e.SerializeToString() for e in log if not (e.round == 1 and e.sender == "p2")]
    verdict = verify_blame(_blame(sid, Reason.FORGED_ECHO, 2, without_p2), ctx)
    assert not verdict.confirmed, verdict.explanation
    without_round1 = [e.SerializeToString() for e in log if e.round != 1]
    verdict = verify_blame(_blame(sid, Reason.MALFORMED, 2, without_round1), ctx)
    assert not verdict.confirmed, verdict.explanation


@pytest.fixture(scope="module")
def signing_pair():
    lp = LocalParties(["p1", "p2"])
    shares = lp.keygen(1)
    presigs = lp.presign(shares, ["p1", "p2"])
    return lp, shares, presigs


def test_signer_with_a_bad_sigma_cannot_frame_the_honest_complainer(signing_pair):
    lp, shares, presigs = signing_pair
    digest = hashlib.sha256(b"framing").digest()
    ps = presigs["p1"]
    sid = secrets.token_bytes(16)
    b = sign.binding(ps.id, ps.key_fingerprint, ps.R, digest)
    sessions = {p: lp.session(sign.PROTOCOL, ps.signers, p, b, session_id=sid) for p in ps.signers}
    ssid = sessions["p1"].info.ssid
    captured = {}

    def bad_sigma(env):
        m = SignR1.FromString(env.payload)
        m.sigma = ScalarSpec().encode((ScalarSpec().decode(m.sigma, "s") + 1) % q)
        env.payload = m.SerializeToString()
        env.signature = lp.signers["p2"].sign(envelope_statement(env, ssid))

    def tamper(sender, to, data):
        env = parse_envelope(data)
        captured.setdefault((env.round, env.sender, env.recipient), data)
        if sender == "p2" and env.round == 1:  # p2 sends p1 a wrong sigma
            bad_sigma(env)
            return env.SerializeToString()
        return data

    run({p: (s, (lambda s=s, p=p: sign.begin(s.info, shares[p], presigs[p], digest, lp.identities)))
         for p, s in sessions.items()}, interceptor=tamper)
    ctx = sign_context(shares["p1"].public, ps.id, ps.R, digest, ps.signers, lp.identities)
    p1_r1, p1_r2, honest_p2_r1 = captured[(1, "p1", "")], captured[(2, "p1", "")], captured[(1, "p2", "")]
    # p1 complained because p2's sigma was bad; p2 shows its good sigma to call p1 a liar
    lie = _blame(sid, Reason.INCONSISTENT, 2, (p1_r1, honest_p2_r1, p1_r2), sign.PROTOCOL, reporter="p2")
    verdict = verify_blame(lie, ctx)
    assert not verdict.confirmed, verdict.explanation
    # and an exhibit p1 never signed proves nothing
    forged = KReceipt.FromString(presigs["p2"].k_receipts["p1"])
    forged.K = forged.K[:-1] + bytes([forged.K[-1] ^ 1])
    bad_r1 = parse_envelope(honest_p2_r1)
    bad_sigma(bad_r1)
    lie = _blame(sid, Reason.EQUIVOCATION, 2, (p1_r1, bad_r1.SerializeToString(), p1_r2), sign.PROTOCOL,
                 reporter="p2", exhibits=(Exhibit(k_receipt=forged).SerializeToString(),))
    verdict = verify_blame(lie, ctx)
    assert not verdict.confirmed, verdict.explanation


def test_a_buffered_complaint_still_gets_its_answer():
    """p3 sends p2 a bad sigma; p2's complaint reaches p1 before p3's sigma does. p1 must
    still answer (its echo shows p2 the equivocation), even though p1 then aborts."""
    lp = LocalParties(["p1", "p2", "p3"])
    shares = lp.keygen(2)
    presigs = lp.presign(shares, ["p1", "p2", "p3"])
    digest = hashlib.sha256(b"m").digest()
    ps = presigs["p1"]
    b = sign.binding(ps.id, ps.key_fingerprint, ps.R, digest)
    sid = secrets.token_bytes(16)
    S = {p: lp.session(sign.PROTOCOL, ps.signers, p, b, session_id=sid) for p in ps.signers}
    r1 = {p: S[p].start(sign.begin(S[p].info, shares[p], presigs[p], digest, lp.identities))[0].data for p in S}
    env = parse_envelope(r1["p3"])
    m = SignR1.FromString(env.payload)
    m.sigma = ScalarSpec().encode((ScalarSpec().decode(m.sigma, "s") + 1) % q)
    env.payload = m.SerializeToString()
    env.signature = lp.signers["p3"].sign(envelope_statement(env, S["p3"].info.ssid))
    bad_p3 = env.SerializeToString()

    def deliver(to, data):
        try:
            return S[to].receive(data)
        except ProtocolAbort as exc:
            return exc.outgoing

    deliver("p2", r1["p1"])
    complaint = deliver("p2", bad_p3)
    deliver("p1", r1["p2"])
    assert deliver("p1", complaint[0].data) == []  # buffered: p1 is still in round 1
    answer = deliver("p1", r1["p3"])  # p1 passes round 1, then judges the complaint and aborts
    assert S["p1"].blame is not None and S["p1"].blame.accused == "p3"
    assert len(answer) == 1, "p1's answer to the complaint was lost"
    with pytest.raises(ProtocolAbort) as exc:
        S["p2"].receive(answer[0].data)
    assert (exc.value.blame.accused, exc.value.blame.reason) == ("p3", Reason.EQUIVOCATION)
