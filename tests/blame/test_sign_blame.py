"""Signing: a wrong or equivocated sigma_i, a wrong chi_i, misquoted receipts in the
identification round (round 2: Pi-mul*, Z_i = enc(chi_i), Pi-dec), a false complaint and
malformed partials all end in a Blame naming p2, confirmed by a third party holding the
key's public data, the presignature's id and R, and the digest."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from abci_mpc.tss import identify, receipts, sign
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.codec import Unit
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.evidence import presign_context, sign_context, verify_blame
from abci_mpc.tss.paillier import random_unit
from abci_mpc.tss.rounds import Out, Step
from abci_mpc.tss.runner import LocalParties
from abci_mpc.tss.wire_pb2 import KReceipt, MtaReceipt, SignR1
from abci_mpc.tss.zk import dec

from blamekit import judge
from tsshelpers import bump_scalar, on_envelope, on_payload, resigning, sign_run

BAD = "p2"
TRIO = ("p1", "p2", "p3")
DIGEST = hashlib.sha256(b"blame tests: signing").digest()


@pytest.fixture(scope="module")
def presigs(lp, key):
    """Reused by every test below, always for the same digest (never do this outside tests)."""
    return lp.presign(key, TRIO)


@pytest.fixture
def contexts(lp, key, presigs):
    public, ps = key["p1"].public, presigs["p1"]
    right = sign_context(public, ps.id, ps.R, DIGEST, TRIO, lp.identities)
    wrong = [sign_context(public, ps.id, ps.R, hashlib.sha256(b"another digest").digest(), TRIO, lp.identities),
             sign_context(public, ps.id, ps.R + Point.G, DIGEST, TRIO, lp.identities),
             sign_context(public, bytes(32), ps.R, DIGEST, TRIO, lp.identities),
             sign_context(dataclasses.replace(public, threshold=2), ps.id, ps.R, DIGEST, TRIO, lp.identities),
             sign_context(public, ps.id, ps.R, DIGEST, TRIO, LocalParties(TRIO).identities),
             dataclasses.replace(presign_context(public, TRIO, lp.identities), observe=right.observe)]
    return right, wrong


def _run(lp, key, presigs, bad_presig=None):
    ps = dict(presigs)
    if bad_presig is not None:
        ps[BAD] = bad_presig
    return sign_run(lp, key, ps, DIGEST)


def test_honest_signing(lp, key, presigs):
    r = _run(lp, key, presigs)
    res = r.go()
    assert not res.blames and len(set(res.results.values())) == 1


# -- messages -----------------------------------------------------------------------------------
def test_sigma_equivocation_is_caught_by_echo(lp, key, presigs, contexts):
    """p1 alone gets sigma_2 + 1: its signature fails and it opens; the echo in its opening
    (and p3's answer) shows two different round-1 broadcasts signed by p2."""
    right, wrong = contexts
    r = _run(lp, key, presigs)
    mutate = on_payload(1, SignR1, lambda m: setattr(m, "sigma", bump_scalar(m.sigma)), to=["p1"])
    res = r.go(interceptor=resigning(r, BAD, mutate))
    judge(res, r, BAD, Reason.EQUIVOCATION, round=1, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


def test_forged_echo_in_an_opening(lp, key, presigs, contexts, monkeypatch):
    """p2 sends a wrong sigma_2, and its round-2 opening carries an echo entry for p3's
    partial that p3 never signed: p2 is named for the forged echo, never p3."""
    right, wrong = contexts
    r = _wrong_sigma(lp, key, presigs, believe=True)
    _unprovable_openings(monkeypatch, r)

    def forge(env):
        entry = next(e for e in env.echo if e.sender == "p3")
        entry.payload_digest = bytes(32)

    res = r.go(interceptor=resigning(r, BAD, on_envelope(2, forge)))
    judge(res, r, BAD, Reason.FORGED_ECHO, round=2, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


@pytest.mark.parametrize("sigma", [b"\x01" * 33, q.to_bytes(32, "big")], ids=["33-bytes", "unreduced"])
def test_malformed_sigma_is_confirmed(lp, key, presigs, contexts, sigma):
    right, wrong = contexts
    r = _run(lp, key, presigs)
    res = r.go(interceptor=resigning(r, BAD, on_payload(1, SignR1, lambda m: setattr(m, "sigma", sigma))))
    judge(res, r, BAD, Reason.MALFORMED, round=1, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})


def test_malformed_sigma_is_blamed(lp, key, presigs):
    """Both honest signers name p2, and only p2 (whose own view was honest) may finish."""
    r = _run(lp, key, presigs)
    res = r.go(interceptor=resigning(r, BAD, on_payload(1, SignR1, lambda m: setattr(m, "sigma", m.sigma + b"\x00"))))
    assert {p: (b.accused, b.reason, b.round) for p, b in res.blames.items()} == {
        "p1": (BAD, Reason.MALFORMED, 1), "p3": (BAD, Reason.MALFORMED, 1)}
    assert set(res.results) <= {BAD}, "no honest signer outputs a signature"


# -- identification --------------------------------------------------------------------------------
def _unprovable_openings(monkeypatch, r):
    original = identify.prove_decryption

    def prove(info, round, sk, C, x, y_bits, peds):
        if info.ssid != r.ssid or info.me != BAD:
            return original(info, round, sk, C, x, y_bits, peds)
        y, rho = sk.decrypt(C), sk.randomness(C)
        return [dec.prove(info.proof(round, info.me, j), dec.Statement(sk, C, x % q, y_bits, ped), y, rho)
                .encode(dec.Statement(sk.public, C, x % q, y_bits, ped)) for j, ped in peds.items()]

    monkeypatch.setattr(identify, "prove_decryption", prove)


def _wrong_sigma(lp, key, presigs, *, believe: bool):
    r = _run(lp, key, presigs)

    def first():
        step = sign.begin(r.info(BAD), key[BAD], presigs[BAD], DIGEST, lp.identities)
        msg = step.out[0].msg
        msg.sigma = bump_scalar(msg.sigma)
        if believe:
            step.next.st.sigmas[BAD] = int.from_bytes(msg.sigma, "big")
        return step

    return r.override(BAD, first)


def test_wrong_sigma_fails_pi_dec(lp, key, presigs, contexts, monkeypatch):
    right, wrong = contexts
    r = _wrong_sigma(lp, key, presigs, believe=True)
    _unprovable_openings(monkeypatch, r)
    res = r.go()
    blames = judge(res, r, BAD, Reason.BAD_PROOF, round=2, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})
    assert all("sigma_j is not" in b.detail for b in blames.values())
    assert not res.results


def test_wrong_sigma_with_a_false_success_claim(lp, key, presigs, contexts):
    right, wrong = contexts
    r = _wrong_sigma(lp, key, presigs, believe=False)
    res = r.go()
    blames = judge(res, r, BAD, Reason.INCONSISTENT, round=2, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    assert all("claimed success" in b.detail for b in blames.values())


def test_wrong_chi_fails_pi_dec(lp, key, presigs, contexts, monkeypatch):
    """p2's presignature share chi_2 is off by 5 and it believes it: its sigma follows
    from it, and its opening cannot show Z_2 = enc(chi_2) matches its MtA ciphertexts."""
    right, wrong = contexts
    r = _run(lp, key, presigs, dataclasses.replace(presigs[BAD], chi=(presigs[BAD].chi + 5) % q))
    _unprovable_openings(monkeypatch, r)
    res = r.go()
    blames = judge(res, r, BAD, Reason.BAD_PROOF, round=2, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})
    assert all("Z_j does not encrypt chi_j" in b.detail for b in blames.values())


def test_false_complaint(lp, key, presigs, contexts, monkeypatch):
    """p2's signature verifies, yet it opens sigma_2 as if it had failed."""
    right, wrong = contexts
    r = _run(lp, key, presigs)
    original = sign._Round1.finalize

    def finalize(self):
        step = original(self)
        if self.info.ssid == r.ssid and self.info.me == BAD:
            assert step.result is not None
            return Step([Out(None, sign._open_sigma(self.st))], sign._Round2(self.st, passed=False))
        return step

    monkeypatch.setattr(sign._Round1, "finalize", finalize)
    res = r.go()
    blames = judge(res, r, BAD, Reason.INCONSISTENT, round=2, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    assert all("complained" in b.detail for b in blames.values())


def _misquoting_presig(lp, presig, sk, to: str, by: int = 1):
    """p2's presignature with chi_2 + by, and its receipt for what it sent `to` rewritten
    (F^' = F^ * enc(-by)) and re-signed under the presigning ssid, so that every opening
    proof verifies."""
    rec = MtaReceipt.FromString(presig.mta_out[to])
    F = int.from_bytes(rec.F_hat, "big")
    rec.F_hat = Unit(sk.N2).encode((F * sk.encrypt_with(-by, random_unit(sk.N))) % sk.N2)
    forged = receipts.sign_mta(lp.signers[BAD], presig.id, BAD, to, rec.D, rec.F, rec.D_hat, rec.F_hat)
    return dataclasses.replace(presig, chi=(presig.chi + by) % q,
                               mta_out={**presig.mta_out, to: forged.SerializeToString()})


def test_misquoted_mta_receipt_is_equivocation_with_exhibit(lp, key, presigs, contexts):
    right, wrong = contexts
    r = _run(lp, key, presigs, _misquoting_presig(lp, presigs[BAD], key[BAD].aux.paillier, "p1"))
    res = r.go()
    b = res.blames["p1"]
    assert (b.accused, b.reason, b.round) == (BAD, Reason.EQUIVOCATION, 2), b.summary()
    assert b.exhibits == (receipts.exhibit(MtaReceipt.FromString(presigs["p1"].mta_in[BAD])),), \
        "p1 shows the receipt p2 really gave it"
    v = verify_blame(b, right)
    assert v.confirmed, v.explanation
    for w in wrong:
        assert not verify_blame(b, w).confirmed
    # the bystander p3 names p2 too, from the two receipts p2 signed for p1 (cross-check)
    judge(res, r, BAD, Reason.EQUIVOCATION, round=2, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})
    ks, mtas = receipts.read_exhibits(res.blames["p3"].exhibits)
    assert not ks and len(mtas) == 2 and not receipts.same_content(*mtas)


def _misquoting_k(lp, key, ps):
    sk = key[BAD].aux.paillier
    rec = KReceipt.FromString(ps.k_receipts[BAD])
    K = int.from_bytes(rec.K, "big")
    K2 = Unit(sk.N2).encode((K * (1 + sk.N)) % sk.N2)
    forged = receipts.sign_k(lp.signers[BAD], ps.id, BAD, K2, rec.G).SerializeToString()
    w = key[BAD].lagrange(TRIO)[BAD] * key[BAD].x % q
    return dataclasses.replace(ps, k=(ps.k + 1) % q, chi=(ps.chi + w) % q, k_receipts={**ps.k_receipts, BAD: forged})


def test_misquoted_k_receipt_is_equivocation_with_exhibit(lp, key, presigs, contexts):
    """p2 opens sigma_2 against another K_2' = K_2 * enc(1), re-signed under the presigning
    ssid, with k_2' = k_2 + 1 and chi_2' = chi_2 + w_2 so that every proof verifies. Every
    peer holds p2's real round-1 receipt and names p2, showing it as the exhibit; that
    exhibit is what lets a third party confirm it."""
    right, wrong = contexts
    ps = presigs[BAD]
    r = _run(lp, key, presigs, _misquoting_k(lp, key, ps))
    res = r.go()
    blames = judge(res, r, BAD, Reason.EQUIVOCATION, round=2, context=right, wrong_contexts=wrong,
                   reporters={"p1", "p3"})
    for b in blames.values():
        assert b.exhibits == (receipts.exhibit(KReceipt.FromString(ps.k_receipts[BAD])),)
        assert not verify_blame(dataclasses.replace(b, exhibits=()), right).confirmed


def test_verify_blame_survives_a_junk_exhibit(lp, key, presigs, contexts, monkeypatch):
    right, _ = contexts
    r = _wrong_sigma(lp, key, presigs, believe=True)
    _unprovable_openings(monkeypatch, r)
    b = r.go().blames["p1"]
    assert verify_blame(b, right).confirmed
    for exhibits in [(b"\x12\x02\xff\xfe",),  # field 2 holding a string with bad UTF-8
                     (b"\x0a\x05ab",),  # truncated
                     (receipts.exhibit(KReceipt(party="p2", K=b"\x01", G=b"\x02", signature=bytes(64))),),
                     (receipts.exhibit(MtaReceipt(sender="p2", recipient="p1", D=b"\x01")),)]:
        verdict = verify_blame(dataclasses.replace(b, exhibits=exhibits), right)
        assert isinstance(verdict.confirmed, bool), verdict
