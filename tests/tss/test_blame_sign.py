"""A malicious signer in each round of presigning and signing is detected and named,
including the failures no single message shows (a wrong delta_i or sigma_i), which only
the identification rounds (presign round 4, sign round 2) can pin on the cheater.

Envelope-level faults re-sign the cheater's envelopes (tsshelpers.resigning). A wrong
delta_i / sigma_i is played at the protocol level, so the cheater's own session believes
what it sent and takes part in identification; its Pi-dec then has to prove a value its
ciphertexts do not hold.
"""

from __future__ import annotations

import random
import secrets

import pytest

from abci_mpc.tss import identify, presign, receipts, sign
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.evidence import presign_context, sign_context, verify_blame
from abci_mpc.tss.session import Status, parse_envelope
from abci_mpc.tss.wire_pb2 import PresignR1, PresignR1Proof, PresignR2, PresignR3, PresignR3Proof, PresignR4, SignR1
from abci_mpc.tss.zk import dec

from tsshelpers import Net, check_blame, check_signature, flip_last_bit, names, on_envelope, on_payload, presign_run, resigning, sign_run, unsigned

BAD = "p2"
SIGNERS = names(3)


@pytest.fixture(scope="module")
def key(world):
    return world.keys(1, 3)


@pytest.fixture
def pre(world, key):
    lp = world.parties(3)
    r = presign_run(lp, key, SIGNERS)
    return lp, r, presign_context(key["p1"].public, SIGNERS, lp.identities)


def flip(sub, name):
    setattr(sub, name, flip_last_bit(getattr(sub, name)))


def _scalar_plus_one(b: bytes) -> bytes:
    return ((int.from_bytes(b, "big") + 1) % q).to_bytes(32, "big")


def _point_plus_g(b: bytes) -> bytes:
    return (Point.from_bytes(b) + Point.G).to_bytes()


def garbage_payload(env):
    env.payload = b"\x0a\x05ab"


# -- presigning: envelope-level faults ---------------------------------------------------------
PRESIGN_FAULTS = {
    "r1-malformed-K": (on_payload(1, PresignR1, lambda m: setattr(m, "K", m.K[1:]), broadcast=True),
                       Reason.MALFORMED, 1),
    "r1-unsigned-receipt": (on_payload(1, PresignR1, lambda m: setattr(m, "receipt", bytes(64)), broadcast=True),
                            Reason.MALFORMED, 1),
    "r1-bad-enc": (on_payload(1, PresignR1Proof, lambda m: flip(m.psi0, "z1"), broadcast=False, to=["p3"]),
                   Reason.BAD_PROOF, 1),
    "r1-malformed-enc": (on_payload(1, PresignR1Proof, lambda m: setattr(m.psi0, "z2", b""), broadcast=False),
                         Reason.MALFORMED, 1),
    "r1-malformed-payload": (on_envelope(1, garbage_payload, broadcast=True), Reason.MALFORMED, 1),
    "r2-bad-affg": (on_payload(2, PresignR2, lambda m: flip(m.psi, "z1"), to=["p1"]), Reason.BAD_PROOF, 2),
    "r2-bad-affg-hat": (on_payload(2, PresignR2, lambda m: flip(m.psi_hat, "w"), to=["p1"]), Reason.BAD_PROOF, 2),
    "r2-bad-logstar": (on_payload(2, PresignR2, lambda m: flip(m.psi_prime, "z3"), to=["p3"]), Reason.BAD_PROOF, 2),
    "r2-other-Gamma": (on_payload(2, PresignR2, lambda m: setattr(m, "Gamma", _point_plus_g(m.Gamma)), to=["p3"]),
                       Reason.BAD_PROOF, 2),
    "r2-other-D": (on_payload(2, PresignR2, lambda m: setattr(m, "D", flip_last_bit(m.D)), to=["p1"]),
                   {Reason.BAD_PROOF, Reason.MALFORMED}, 2),
    "r2-unsigned-receipt": (on_payload(2, PresignR2, lambda m: setattr(m, "receipt", bytes(64)), to=["p1"]),
                            Reason.MALFORMED, 2),
    "r2-forged-echo": (on_envelope(2, lambda env: setattr(env.echo[0], "payload_digest", bytes(32)), to=["p1"]),
                       Reason.FORGED_ECHO, 2),
    "r2-echo-missing-entry": (on_envelope(2, lambda env: env.echo.pop(), to=["p3"]), Reason.FORGED_ECHO, 2),
    "r2-unexpected-echo": (on_envelope(3, lambda env: env.echo.add(sender="p1"), broadcast=False, to=["p1"]),
                           Reason.MALFORMED, 3),
    "r3-other-Delta": (on_payload(3, PresignR3, lambda m: setattr(m, "Delta", _point_plus_g(m.Delta)), broadcast=True),
                       Reason.BAD_PROOF, 3),
    "r3-bad-logstar": (on_payload(3, PresignR3Proof, lambda m: flip(m.psi_pp, "z1"), broadcast=False, to=["p3"]),
                       Reason.BAD_PROOF, 3),
    "r3-malformed-delta": (on_payload(3, PresignR3, lambda m: setattr(m, "delta", b"\xff" * 32), broadcast=True),
                           Reason.MALFORMED, 3),
    # a delta changed in transit but re-signed: the cheater's own echo still shows the original
    "r3-equivocating-delta": (on_payload(3, PresignR3, lambda m: setattr(m, "delta", _scalar_plus_one(m.delta)),
                                         broadcast=True, to=["p3"]), {Reason.EQUIVOCATION, Reason.INCONSISTENT}, None),
}


@pytest.mark.parametrize("fault", PRESIGN_FAULTS)
def test_presign_cheater_is_named(pre, fault):
    lp, r, ctx = pre
    mutate, reasons, rnd = PRESIGN_FAULTS[fault]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    blames = check_blame(res, r, BAD, reasons, round=rnd, context=ctx)
    if fault in ("r1-bad-enc", "r2-bad-affg", "r2-bad-affg-hat", "r2-bad-logstar", "r2-other-Gamma"):
        target = "p3" if fault in ("r1-bad-enc", "r2-bad-logstar", "r2-other-Gamma") else "p1"
        assert set(blames) == {target}, "only the recipient of a direct message can tell"
    if fault != "r3-equivocating-delta":  # there, p1's own delta check passed: it output before p3 complained
        assert not set(res.results) & set(blames)


def _resigned_receipt(r, m: PresignR1):
    m.receipt = receipts.sign_k(r.lp.signers[BAD], r.ssid, BAD, m.K, m.G).signature


def test_presign_equivocating_round1_broadcast(pre, key):
    """K_i/G_i differ between recipients, each with a valid receipt signed by the cheater:
    echo broadcast exposes it in round 2."""
    lp, r, ctx = pre

    def other_G(m):
        pk = key[BAD].aux.paillier.public
        G = int.from_bytes(m.G, "big")
        m.G = ((G * (1 + pk.N)) % pk.N2).to_bytes(len(m.G), "big")  # an encryption of gamma + 1
        _resigned_receipt(r, m)

    res = r.go(interceptor=resigning(r, BAD, on_payload(1, PresignR1, other_G, broadcast=True, to=["p3"])))
    blames = check_blame(res, r, BAD, Reason.EQUIVOCATION, round=1, context=ctx)
    assert set(blames) == {"p1", "p3"}


# -- presigning: a wrong delta_i, caught only by identification --------------------------------------
def _cheat_on_delta(monkeypatch, r, *, believe: bool):
    """The cheater announces delta_i + 1. With believe=True its own state holds the same
    value, so its delta check fails like everyone's and it opens delta_i in round 4 (with a
    Pi-dec that cannot verify); with believe=False it claims its check passed."""
    original = presign._Round2.finalize

    def finalize(self):
        step = original(self)
        if self.info.ssid == r.ssid and self.info.me == BAD:
            for o in step.out:
                if isinstance(o.msg, PresignR3):
                    o.msg.delta = _scalar_plus_one(o.msg.delta)
                    if believe:
                        self.st.delta[BAD] = int.from_bytes(o.msg.delta, "big")
        return step

    monkeypatch.setattr(presign._Round2, "finalize", finalize)
    _cheating_decryption_proofs(monkeypatch, r)


def _cheating_decryption_proofs(monkeypatch, r):
    """The cheater cannot open a value its ciphertexts do not hold; instead of refusing (the
    honest code asserts) it sends Pi-dec proofs for the claimed value, which fail."""
    original = identify.prove_decryption

    def prove(info, round, sk, C, x, y_bits, peers_ped):
        if info.ssid != r.ssid or info.me != BAD:
            return original(info, round, sk, C, x, y_bits, peers_ped)
        y, rho = sk.decrypt(C), sk.randomness(C)
        return [dec.prove(info.proof(round, info.me, j), dec.Statement(sk, C, x % q, y_bits, ped), y, rho)
                .encode(dec.Statement(sk.public, C, x % q, y_bits, ped)) for j, ped in peers_ped.items()]

    monkeypatch.setattr(identify, "prove_decryption", prove)


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_presign_wrong_delta_is_identified(pre, monkeypatch, seed):
    """Also under random delivery: round-4 complaints may reach a party before its own
    round-3 view is complete, or after it has output."""
    lp, r, ctx = pre
    _cheat_on_delta(monkeypatch, r, believe=True)
    res = r.go(shuffle=None if seed is None else random.Random(seed))
    assert not res.results, "no presignature may come out of a failed delta check"
    blames = check_blame(res, r, BAD, Reason.BAD_PROOF, round=4, context=ctx)
    assert set(blames) == {"p1", "p3"}
    assert all("Pi-dec" in b.detail for b in blames.values())


def test_early_identification_blame_is_third_party_verifiable(pre, monkeypatch):
    lp, r, ctx = pre
    _cheat_on_delta(monkeypatch, r, believe=True)
    net = Net(r, catch_aborts=True)
    net.start()
    # p1 sees the cheater's round-4 opening before p3's
    held = net.pump(hold=lambda s, t, d: s == "p3" and t == "p1" and parse_envelope(d).round == 4)
    assert held
    blame = net.blames["p1"]
    assert (blame.accused, blame.reason) == (BAD, Reason.BAD_PROOF)
    verdict = verify_blame(blame, ctx)
    assert verdict.confirmed, verdict.explanation


def test_identifying_party_still_sends_its_opening(pre, monkeypatch):
    """The cheater claims its delta check passed: only a party holding every round-4 message
    can tell (Round4.finalize), so each honest party needs the other's opening. p3 finalizes
    round 3 and, in the same step, catches the cheater from buffered round-4 messages: the
    opening it produced just before must still go out, or p1 waits for honest p3 forever."""
    lp, r, ctx = pre
    _cheat_on_delta(monkeypatch, r, believe=False)
    net = Net(r, catch_aborts=True)
    net.start()
    # p3 gets p1's round-3 messages last: by then p1's and p2's round-4 openings wait in its buffer
    late = lambda sender, to, data: sender == "p1" and to == "p3" and parse_envelope(data).round == 3  # noqa: E731
    held = net.pump(hold=late)
    assert held and r.sessions["p3"].round == 3
    for x in held:
        net.deliver(*x)
    net.pump()
    assert net.blames.get("p3") is not None and net.blames["p3"].accused == BAD
    assert "p1" in net.blames, f"p1 is stuck waiting for {r.sessions['p1'].waiting_for()}"
    assert net.blames["p1"].accused == BAD


def test_presign_wrong_delta_with_a_false_success_claim(pre, monkeypatch):
    lp, r, ctx = pre
    _cheat_on_delta(monkeypatch, r, believe=False)
    res = r.go()
    blames = check_blame(res, r, BAD, Reason.INCONSISTENT, round=4, context=ctx)
    assert set(blames) == {"p1", "p3"}
    assert not (set(res.results) - {BAD})


def test_presign_identification_with_a_bad_mul_proof(pre, monkeypatch):
    lp, r, ctx = pre
    _cheat_on_delta(monkeypatch, r, believe=True)
    res = r.go(interceptor=resigning(r, BAD, on_payload(4, PresignR4, lambda m: flip(m.mul, "z"), broadcast=True)))
    blames = check_blame(res, r, BAD, Reason.BAD_PROOF, round=4, context=ctx)
    assert all("Pi-mul" in b.detail for b in blames.values())


def test_presign_unsigned_tampering_stalls(pre):
    lp, r, _ = pre
    res = r.go(interceptor=unsigned(BAD, on_payload(2, PresignR2, lambda m: flip(m.psi, "z1"), to=["p1"])))
    assert not res.blames and not res.results
    assert res.rejected == 1
    assert r.sessions["p1"].waiting_for() == {BAD}
    assert r.sessions["p1"].status is Status.RUNNING


# -- signing ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def presigs(world, key):
    """One presignature set reused by the signing tests (harmless here: every run below
    either aborts or signs the same digest; never reuse presignatures outside tests)."""
    return presign_run(world.parties(3), key, SIGNERS).go().unwrap()


DIGEST = b"\x00" + secrets.token_bytes(31)


@pytest.fixture
def sig_run(world, key, presigs):
    lp = world.parties(3)
    r = sign_run(lp, key, presigs, DIGEST)
    ps = presigs["p1"]
    ctx = sign_context(key["p1"].public, ps.id, ps.R, DIGEST, SIGNERS, lp.identities)
    return lp, r, ctx


@pytest.mark.parametrize("seed", [None, 7])
def test_sign_honest(sig_run, key, seed):
    lp, r, _ = sig_run
    res = r.go(shuffle=None if seed is None else random.Random(seed))
    assert not res.blames and len(set(res.unwrap().values())) == 1


SIGN_FAULTS = {
    "r1-malformed-sigma": (on_payload(1, SignR1, lambda m: setattr(m, "sigma", m.sigma + b"\x00")), Reason.MALFORMED, 1),
    "r1-unreduced-sigma": (on_payload(1, SignR1, lambda m: setattr(m, "sigma", q.to_bytes(32, "big"))),
                           Reason.MALFORMED, 1),
    "r1-malformed-payload": (on_envelope(1, garbage_payload), Reason.MALFORMED, 1),
    # a sigma changed in transit and re-signed: its own echo in round 2 shows the original
    "r1-equivocating-sigma": (on_payload(1, SignR1, lambda m: setattr(m, "sigma", _scalar_plus_one(m.sigma))),
                              {Reason.EQUIVOCATION, Reason.INCONSISTENT}, None),
    # different sigma_j to different peers: p1's signature verifies and p1 outputs it; p3's
    # fails and p3 complains, and each echo exposes the other version
    "r1-equivocating-sigma-one-peer": (on_payload(1, SignR1, lambda m: setattr(m, "sigma", _scalar_plus_one(m.sigma)),
                                                  to=["p3"]), {Reason.EQUIVOCATION, Reason.INCONSISTENT}, None),
}


@pytest.mark.parametrize("fault", SIGN_FAULTS)
def test_sign_cheater_is_named(sig_run, key, fault):
    lp, r, ctx = sig_run
    mutate, reasons, rnd = SIGN_FAULTS[fault]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    blames = check_blame(res, r, BAD, reasons, round=rnd, context=ctx)
    assert set(blames) == {"p1", "p3"}
    pk = key["p1"].public_key
    for p, sig in res.results.items():  # whoever output a signature output a valid one
        check_signature(pk.to_bytes(), DIGEST, sig)
    if fault != "r1-equivocating-sigma-one-peer":
        assert not set(res.results) & set(blames)


def _cheat_on_sigma(r, key, presigs, *, believe: bool):
    def bad_begin():
        info = r.sessions[BAD].info
        step = sign.begin(info, key[BAD], presigs[BAD], DIGEST, r.lp.identities)
        msg = step.out[0].msg
        msg.sigma = _scalar_plus_one(msg.sigma)
        if believe:
            step.next.st.sigmas[BAD] = int.from_bytes(msg.sigma, "big")
        return step

    r.override(BAD, bad_begin)


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
def test_sign_wrong_partial_signature_is_identified(sig_run, key, presigs, monkeypatch, seed):
    lp, r, ctx = sig_run
    _cheat_on_sigma(r, key, presigs, believe=True)
    _cheating_decryption_proofs(monkeypatch, r)
    res = r.go(shuffle=None if seed is None else random.Random(seed))
    blames = check_blame(res, r, BAD, Reason.BAD_PROOF, round=2, context=ctx)
    assert set(blames) == {"p1", "p3"}
    assert all("Pi-dec" in b.detail and "sigma" in b.detail for b in blames.values())
    assert not res.results


def test_early_sign_identification_blame_is_third_party_verifiable(sig_run, key, presigs, monkeypatch):
    lp, r, ctx = sig_run
    _cheat_on_sigma(r, key, presigs, believe=True)
    _cheating_decryption_proofs(monkeypatch, r)
    net = Net(r, catch_aborts=True)
    net.start()
    held = net.pump(hold=lambda s, t, d: s == "p3" and t == "p1" and parse_envelope(d).round == 2)
    assert held
    blame = net.blames["p1"]
    assert (blame.accused, blame.reason) == (BAD, Reason.BAD_PROOF)
    verdict = verify_blame(blame, ctx)
    assert verdict.confirmed, verdict.explanation


def test_sign_wrong_partial_signature_with_a_false_success_claim(sig_run, key, presigs):
    lp, r, ctx = sig_run
    _cheat_on_sigma(r, key, presigs, believe=False)
    res = r.go()
    blames = check_blame(res, r, BAD, Reason.INCONSISTENT, round=2, context=ctx)
    assert set(blames) == {"p1", "p3"}


def test_sign_unsigned_tampering_stalls(sig_run):
    lp, r, _ = sig_run
    res = r.go(interceptor=unsigned(BAD, on_payload(1, SignR1, lambda m: setattr(m, "sigma", _scalar_plus_one(m.sigma)))))
    assert not res.blames and not res.results.keys() - {BAD}
    for p in ("p1", "p3"):
        assert r.sessions[p].waiting_for() == {BAD}
