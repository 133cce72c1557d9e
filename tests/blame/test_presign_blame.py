"""Presigning: every way p2 can make the run fail ends in a Blame naming p2 that a third
party confirms from public data — including the failures no single message shows, which
only CGGMP21's identification round (round 4: Pi-mul, revealed MtA receipts, Pi-dec)
pins on the cheater."""

from __future__ import annotations

import dataclasses

import pytest

from abci_mpc.tss import identify, presign, receipts
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.codec import Unit
from abci_mpc.tss.curve import q
from abci_mpc.tss.evidence import aux_context, presign_context, verify_blame
from abci_mpc.tss.paillier import random_unit
from abci_mpc.tss.rounds import Out, Step
from abci_mpc.tss.runner import LocalParties
from abci_mpc.tss.session import Status
from abci_mpc.tss.wire_pb2 import MtaReceipt, PresignR1, PresignR1Proof, PresignR2, PresignR3, PresignR4
from abci_mpc.tss.zk import dec

from blamekit import judge
from tsshelpers import bump_scalar, flip_last_bit, on_payload, presign_run, resigning

BAD = "p2"
TRIO = ("p1", "p2", "p3")


@pytest.fixture
def pre(lp, key):
    return presign_run(lp, key, TRIO)


@pytest.fixture(scope="module")
def contexts(lp, key):
    """The right public context and wrong ones: another threshold (so another key
    fingerprint), other identity keys for the same names, another protocol."""
    public = key["p1"].public
    right = presign_context(public, TRIO, lp.identities)
    strangers = LocalParties(TRIO)
    wrong = [presign_context(dataclasses.replace(public, threshold=2), TRIO, lp.identities),
             presign_context(public, TRIO, strangers.identities),
             dataclasses.replace(aux_context(TRIO, lp.identities), observe=right.observe)]
    return right, wrong


def _flip(sub, name):
    setattr(sub, name, flip_last_bit(getattr(sub, name)))


# -- a faulty message ------------------------------------------------------------------------
WIRE_FAULTS = {
    "r1-bad-enc-proof": (on_payload(1, PresignR1Proof, lambda m: _flip(m.psi0, "z1"), broadcast=False, to=["p3"]),
                         Reason.BAD_PROOF, 1, {"p3"}),
    "r1-malformed-K": (on_payload(1, PresignR1, lambda m: setattr(m, "K", m.K[1:]), broadcast=True),
                       Reason.MALFORMED, 1, {"p1", "p3"}),
    "r2-bad-affg": (on_payload(2, PresignR2, lambda m: _flip(m.psi_hat, "z1"), to=["p1"]), Reason.BAD_PROOF, 2, {"p1"}),
    "r2-bad-logstar": (on_payload(2, PresignR2, lambda m: _flip(m.psi_prime, "z2"), to=["p3"]),
                       Reason.BAD_PROOF, 2, {"p3"}),
    "r3-Delta-not-proven": (on_payload(3, PresignR3, lambda m: setattr(m, "Delta", _point_plus_g(m.Delta)),
                                       broadcast=True), Reason.BAD_PROOF, 3, {"p1", "p3"}),
}


def _point_plus_g(b: bytes) -> bytes:
    from abci_mpc.tss.curve import Point
    return (Point.from_bytes(b) + Point.G).to_bytes()


@pytest.mark.parametrize("fault", WIRE_FAULTS)
def test_faulty_message_is_blamed(pre, contexts, fault):
    mutate, reason, rnd, reporters = WIRE_FAULTS[fault]
    right, wrong = contexts
    res = pre.go(interceptor=resigning(pre, BAD, mutate))
    judge(res, pre, BAD, reason, round=rnd, context=right, wrong_contexts=wrong, reporters=reporters)


def test_round1_equivocation_with_signed_receipts(pre, key, contexts):
    """p3 gets another G_2 (an encryption of gamma + 1), with a receipt p2 really signed:
    the round-2 echo exposes two signed round-1 broadcasts."""
    right, wrong = contexts

    def other_G(m):
        pk = key[BAD].aux.paillier.public
        m.G = Unit(pk.N2).encode((int.from_bytes(m.G, "big") * (1 + pk.N)) % pk.N2)
        m.receipt = receipts.sign_k(pre.lp.signers[BAD], pre.ssid, BAD, m.K, m.G).signature

    res = pre.go(interceptor=resigning(pre, BAD, on_payload(1, PresignR1, other_G, broadcast=True, to=["p3"])))
    judge(res, pre, BAD, Reason.EQUIVOCATION, round=1, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


# -- a wrong delta_i: identification -------------------------------------------------------------
def _lie_about_delta(monkeypatch, r, *, by: int = 1, believe: bool = True, misquote_to: str | None = None):
    """p2 announces delta_2 + by. With believe=True its own state holds that value too
    (so its check fails like everyone's and it opens delta_2 in round 4). With
    misquote_to, it also rewrites — and re-signs — the receipt of what it sent that peer,
    choosing F' = F * enc(-by) so that its opening adds up and every proof verifies."""
    original = presign._Round2.finalize

    def finalize(self):
        step = original(self)
        if self.info.ssid != r.ssid or self.info.me != BAD:
            return step
        st = self.st
        for o in step.out:
            if isinstance(o.msg, PresignR3):
                o.msg.delta = bump_scalar(o.msg.delta, by)
                if believe:
                    st.delta[BAD] = (st.delta[BAD] + by) % q
        if misquote_to is not None:
            rec = MtaReceipt.FromString(st.mta_out[misquote_to])
            sk = st.sk
            F = int.from_bytes(rec.F, "big")
            rec.F = Unit(sk.N2).encode((F * sk.encrypt_with(-by, random_unit(sk.N))) % sk.N2)
            st.mta_out[misquote_to] = receipts.sign_mta(st.signer, r.ssid, BAD, misquote_to, rec.D, rec.F,
                                                        rec.D_hat, rec.F_hat).SerializeToString()
        return step

    monkeypatch.setattr(presign._Round2, "finalize", finalize)


def _unprovable_openings(monkeypatch, r):
    """The cheater cannot prove a decryption its ciphertexts do not hold (honest code
    asserts); it sends Pi-dec proofs for the claimed value anyway."""
    original = identify.prove_decryption

    def prove(info, round, sk, C, x, y_bits, peds):
        if info.ssid != r.ssid or info.me != BAD:
            return original(info, round, sk, C, x, y_bits, peds)
        y, rho = sk.decrypt(C), sk.randomness(C)
        return [dec.prove(info.proof(round, info.me, j), dec.Statement(sk, C, x % q, y_bits, ped), y, rho)
                .encode(dec.Statement(sk.public, C, x % q, y_bits, ped)) for j, ped in peds.items()]

    monkeypatch.setattr(identify, "prove_decryption", prove)


def test_wrong_delta_to_everyone_fails_pi_dec(pre, contexts, monkeypatch):
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre)
    _unprovable_openings(monkeypatch, pre)
    res = pre.go()
    blames = judge(res, pre, BAD, Reason.BAD_PROOF, round=4, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    assert all("Pi-dec" in b.detail and "delta" in b.detail for b in blames.values())
    assert not res.results, "a failed delta check must not yield a presignature"
    # the evidence includes every opening (the accused's and the reporter's own)
    assert all(verify_blame(b, right).explanation.startswith("reproduced") for b in blames.values())


def test_wrong_delta_with_a_false_success_claim(pre, contexts, monkeypatch):
    """p2 announces a wrong delta but, knowing it would not survive opening, answers
    round 4 with failed = false: its claim contradicts the round-3 view everyone shares."""
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre, believe=False)
    res = pre.go()
    judge(res, pre, BAD, Reason.INCONSISTENT, round=4, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


def test_delta_equivocation_is_caught_by_echo(pre, contexts):
    """p3 alone gets delta_2 + 1 (re-signed by p2). p1's check passes, p3's fails; p3's
    round-4 message echoes what it saw, p1's answer echoes the original: both name p2."""
    right, wrong = contexts
    mutate = on_payload(3, PresignR3, lambda m: setattr(m, "delta", bump_scalar(m.delta)), broadcast=True, to=["p3"])
    res = pre.go(interceptor=resigning(pre, BAD, mutate))
    blames = judge(res, pre, BAD, Reason.EQUIVOCATION, round=3, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    assert all("round-3" in b.detail for b in blames.values())


def test_false_complaint_is_inconsistent(pre, contexts, monkeypatch):
    """p2's delta check passes but it claims failure (with a valid opening): everyone's
    round-3 view says the check passes, so the complaint itself is the fault."""
    right, wrong = contexts
    original = presign._Round3.finalize

    def finalize(self):
        step = original(self)
        if self.info.ssid == pre.ssid and self.info.me == BAD:
            assert step.result is not None, "the check should have passed"
            return Step([Out(None, presign._open_delta(self.st))], presign._Round4(self.st, passed=False))
        return step

    monkeypatch.setattr(presign._Round3, "finalize", finalize)
    res = pre.go()
    blames = judge(res, pre, BAD, Reason.INCONSISTENT, round=4, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    assert all("complained" in b.detail for b in blames.values())


def test_identification_with_a_bad_mul_proof(pre, contexts, monkeypatch):
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre)
    _unprovable_openings(monkeypatch, pre)
    res = pre.go(interceptor=resigning(pre, BAD, on_payload(4, PresignR4, lambda m: _flip(m.mul, "z"), broadcast=True)))
    blames = judge(res, pre, BAD, Reason.BAD_PROOF, round=4, context=right, wrong_contexts=wrong)
    assert all("Pi-mul" in b.detail for b in blames.values())


def test_identification_with_receipts_left_out(pre, contexts, monkeypatch):
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre)
    _unprovable_openings(monkeypatch, pre)
    res = pre.go(interceptor=resigning(pre, BAD, on_payload(4, PresignR4, lambda m: m.received.pop(), broadcast=True)))
    judge(res, pre, BAD, Reason.MALFORMED, round=4, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


def test_misquoted_receipt_is_equivocation_with_exhibit(pre, contexts, monkeypatch):
    """p2 opens delta_2 + 1 with every proof valid, by misquoting (and re-signing) what it
    sent p1 in round 2. p1 holds p2's real receipt: it names p2 for EQUIVOCATION with that
    receipt as an exhibit, and a third party confirms it from the exhibit."""
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre, misquote_to="p1")
    res = pre.go()
    assert "p1" in res.blames
    b = res.blames["p1"]
    assert (b.accused, b.reason, b.round) == (BAD, Reason.EQUIVOCATION, 4), b.summary()
    ks, mtas = receipts.read_exhibits(b.exhibits)
    assert not ks and len(mtas) == 1
    held = mtas[0]
    assert (held.sender, held.recipient) == (BAD, "p1")
    assert receipts.check_mta(pre.ssid, held, pre.lp.identities), "the exhibit is p2's own signed receipt"
    assert verify_blame(b, right).confirmed, verify_blame(b, right).explanation
    for w in wrong:
        assert not verify_blame(b, w).confirmed
    # in presigning the reporter's signed round-2 envelope from p2 is evidence too, so the
    # accusation stands even without the exhibit
    assert verify_blame(dataclasses.replace(b, exhibits=()), right).confirmed
    assert res.blames["p3"].accused == BAD


def test_misquoted_receipt_is_identified_by_a_bystander(pre, contexts, monkeypatch):
    """p3 was not party to the misquoted exchange, but p1's opening shows (in `received`)
    the receipt p2 signed for p1 and p2's opening shows another one (in `sent`): both
    signed by p2, so p3 names p2 too, with both receipts as exhibits."""
    right, wrong = contexts
    _lie_about_delta(monkeypatch, pre, misquote_to="p1")
    res = pre.go()
    blames = judge(res, pre, BAD, Reason.EQUIVOCATION, round=4, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    ks, mtas = receipts.read_exhibits(blames["p3"].exhibits)
    assert not ks and len(mtas) == 2
    assert {(m.sender, m.recipient) for m in mtas} == {(BAD, "p1")}
    assert all(receipts.check_mta(pre.ssid, m, pre.lp.identities) for m in mtas)
    assert not receipts.same_content(*mtas)


def test_honest_run_then_no_blame(pre):
    res = pre.go()
    assert not res.blames and set(res.results) == set(TRIO)
    assert all(s.status is Status.DONE for s in pre.sessions.values())
