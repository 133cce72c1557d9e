"""Resharing and refresh: a cheater in each role — a dealer leaving the committee (p1), a
party both dealing and joining (p2), a new member (p4) — and in each round is named, and
a third party holding only the old key's public data, the dealer and member lists and the
new threshold confirms it. Refresh is resharing to the same committee under its own
protocol name, so it gets its own contexts."""

from __future__ import annotations

import dataclasses

import pytest

from abci_mpc.tss import reshare
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.curve import q
from abci_mpc.tss.evidence import refresh_context, reshare_context
from abci_mpc.tss.runner import LocalParties
from abci_mpc.tss.wire_pb2 import Commitment, ReshareR2, ReshareR3, Share

from blamekit import judge
from tsshelpers import bump_scalar, flip_last_bit, on_envelope, on_payload, refresh_run, reshare_run, resigning

DEALERS = ("p1", "p2")
MEMBERS = ("p2", "p3", "p4")
ALL = ("p1", "p2", "p3", "p4")


@pytest.fixture
def rs(lp, key, fresh_paillier):
    return reshare_run(lp, {d: key[d] for d in DEALERS}, DEALERS, MEMBERS, 1,
                       {p: fresh_paillier[p] for p in MEMBERS})


@pytest.fixture(scope="module")
def rs_contexts(lp, key):
    old = reshare.OldKey.of(key["p1"])
    ids = lp.identities
    right = reshare_context(old, DEALERS, MEMBERS, 1, ids)
    wrong = [reshare_context(old, DEALERS, MEMBERS, 2, ids),  # other new threshold
             reshare_context(old, ("p1", "p3"), MEMBERS, 1, ids),  # other dealers, same party set
             reshare_context(old, DEALERS, ALL, 1, ids),  # other members
             reshare_context(dataclasses.replace(old, threshold=2), DEALERS, MEMBERS, 1, ids),  # other old key
             reshare_context(old, DEALERS, MEMBERS, 1, LocalParties(ALL).identities),  # other identities
             dataclasses.replace(refresh_context(key["p1"].public, ids), parties=ALL)]  # other protocol
    return right, wrong


def _flip(sub, name):
    setattr(sub, name, flip_last_bit(getattr(sub, name)))


def _bad_share(m):
    m.share = bump_scalar(m.share)


def _bad_schnorr(m):
    m.sch.z = bump_scalar(m.sch.z)


RESHARE_FAULTS = {
    # the dealer that leaves (p1)
    "dealer-r1-equivocation": ("p1", on_payload(1, Commitment, lambda m: setattr(m, "V", bytes(32)), to=["p4"]),
                               {Reason.EQUIVOCATION, Reason.BAD_COMMITMENT}, None, None),
    "dealer-r2-bad-share": ("p1", on_payload(2, Share, _bad_share, broadcast=False, to=["p3"]),
                            Reason.BAD_SHARE, 2, {"p3"}),
    "dealer-r2-bad-decommitment": ("p1", on_payload(2, ReshareR2, lambda m: setattr(m, "u", bytes(32)), broadcast=True),
                                   Reason.BAD_COMMITMENT, 2, {"p2", "p3", "p4"}),
    "dealer-r2-member-fields": ("p1", on_payload(2, ReshareR2, lambda m: setattr(m, "A", m.F[0]), broadcast=True),
                                Reason.MALFORMED, 2, {"p2", "p3", "p4"}),
    "dealer-r2-too-few-commitments": ("p1", on_payload(2, ReshareR2, lambda m: m.F.pop(), broadcast=True),
                                      Reason.MALFORMED, 2, {"p2", "p3", "p4"}),
    # the party in both committees (p2)
    "both-r2-bad-share": ("p2", on_payload(2, Share, _bad_share, broadcast=False, to=["p4"]),
                          Reason.BAD_SHARE, 2, {"p4"}),
    "both-r3-bad-schnorr": ("p2", on_payload(3, ReshareR3, _bad_schnorr), Reason.BAD_PROOF, 3, {"p1", "p3", "p4"}),
    "both-r3-no-aux-proofs": ("p2", on_payload(3, ReshareR3, lambda m: m.ClearField("fac"), to=["p3"]),
                              Reason.MALFORMED, 3, {"p3"}),
    "both-r3-bad-fac": ("p2", on_payload(3, ReshareR3, lambda m: _flip(m.fac, "v"), to=["p4"]),
                        Reason.BAD_PROOF, 3, {"p4"}),
    "both-r3-forged-echo": ("p2", on_envelope(3, lambda env: setattr(env.echo[0], "payload_digest", bytes(32))),
                            Reason.FORGED_ECHO, 3, {"p1", "p3", "p4"}),
    # the new member (p4)
    "member-r2-bad-parameters": ("p4", on_payload(2, ReshareR2, lambda m: setattr(
        m.params, "s", (1).to_bytes(len(m.params.s), "big"))), Reason.BAD_PARAMETERS, 2, {"p1", "p2", "p3"}),
    "member-r2-dealer-fields": ("p4", on_payload(2, ReshareR2, lambda m: m.F.append(m.A)),
                                Reason.MALFORMED, 2, {"p1", "p2", "p3"}),
    "member-r3-bad-mod": ("p4", on_payload(3, ReshareR3, lambda m: _flip(m.mod, "Z"), to=["p2"]),
                          Reason.BAD_PROOF, 3, {"p2"}),
    "member-r3-bad-schnorr-to-leaving-dealer": ("p4", on_payload(3, ReshareR3, _bad_schnorr, to=["p1"]),
                                                Reason.BAD_PROOF, 3, {"p1"}),
}


@pytest.mark.parametrize("fault", RESHARE_FAULTS)
def test_reshare_cheater_is_named(rs, rs_contexts, fault):
    bad, mutate, reasons, rnd, reporters = RESHARE_FAULTS[fault]
    right, wrong = rs_contexts
    res = rs.go(interceptor=resigning(rs, bad, mutate))
    judge(res, rs, bad, reasons, round=rnd, context=right, wrong_contexts=wrong, reporters=reporters)
    assert not any(o.share is not None for p, o in res.results.items() if p in res.blames)


def test_dealer_resharing_another_secret(rs, rs_contexts, key):
    """p1 deals lambda_1 * (x_1 + 1) with a perfectly consistent commitment and shares: its
    constant term is not X_1^lambda_1, so the key would change. Every member and the other
    dealer name it."""
    right, wrong = rs_contexts
    lying = dataclasses.replace(key["p1"], x=(key["p1"].x + 1) % q)
    old = reshare.OldKey.of(key["p1"])
    rs.override("p1", lambda: reshare.begin(rs.info("p1"), lying, old, DEALERS, MEMBERS, 1, None))
    res = rs.go()
    blames = judge(res, rs, "p1", Reason.BAD_SHARE, round=2, context=right, wrong_contexts=wrong,
                   reporters={"p2", "p3", "p4"})
    assert all("Lagrange-weighted old share" in b.detail for b in blames.values())
    assert not res.results


def test_honest_reshare_has_no_blame(rs, key):
    res = rs.go()
    assert not res.blames
    assert res.results["p1"].share is None
    assert {p for p, o in res.results.items() if o.share is not None} == set(MEMBERS)
    assert all(o.share.public_key == key["p1"].public_key for p, o in res.results.items() if o.share)


# -- refresh ----------------------------------------------------------------------------------
TRIO = ("p1", "p2", "p3")


@pytest.fixture
def rf(lp, key, fresh_paillier):
    return refresh_run(lp, key, {p: fresh_paillier[p] for p in TRIO})


@pytest.fixture(scope="module")
def rf_contexts(lp, key):
    public, ids = key["p1"].public, lp.identities
    old = reshare.OldKey.of(key["p1"])
    right = refresh_context(public, ids)
    wrong = [refresh_context(dataclasses.replace(public, threshold=2), ids),
             refresh_context(dataclasses.replace(public, public_key=public.public_shares["p1"]), ids),
             refresh_context(public, LocalParties(TRIO).identities),
             reshare_context(old, TRIO, TRIO, 1, ids)]  # same parameters, the other protocol
    return right, wrong


REFRESH_FAULTS = {
    "r1-equivocation": (on_payload(1, Commitment, lambda m: setattr(m, "V", bytes(32)), to=["p3"]),
                        {Reason.EQUIVOCATION, Reason.BAD_COMMITMENT}, None, None),
    "r2-bad-share": (on_payload(2, Share, _bad_share, broadcast=False, to=["p1"]), Reason.BAD_SHARE, 2, {"p1"}),
    "r2-bad-decommitment": (on_payload(2, ReshareR2, lambda m: setattr(m, "rho", bytes(32)), broadcast=True),
                            Reason.BAD_COMMITMENT, 2, {"p1", "p3"}),
    "r3-bad-schnorr": (on_payload(3, ReshareR3, _bad_schnorr), Reason.BAD_PROOF, 3, {"p1", "p3"}),
    "r3-bad-fac": (on_payload(3, ReshareR3, lambda m: _flip(m.fac, "z1"), to=["p3"]),
                   {Reason.BAD_PROOF, Reason.MALFORMED}, 3, {"p3"}),
}


@pytest.mark.parametrize("fault", REFRESH_FAULTS)
def test_refresh_cheater_is_named(rf, rf_contexts, fault):
    mutate, reasons, rnd, reporters = REFRESH_FAULTS[fault]
    right, wrong = rf_contexts
    res = rf.go(interceptor=resigning(rf, "p2", mutate))
    judge(res, rf, "p2", reasons, round=rnd, context=right, wrong_contexts=wrong, reporters=reporters)


def test_refresh_dealing_another_secret(rf, rf_contexts, key, fresh_paillier):
    right, wrong = rf_contexts
    from abci_mpc.tss import refresh
    lying = dataclasses.replace(key["p2"], x=(key["p2"].x + 7) % q)
    old = reshare.OldKey.of(key["p2"])
    rf.override("p2", lambda: reshare.begin(rf.info("p2"), lying, old, TRIO, TRIO, 1, fresh_paillier["p2"]))
    assert refresh.PROTOCOL == rf.info("p2").protocol
    res = rf.go()
    judge(res, rf, "p2", Reason.BAD_SHARE, round=2, context=right, wrong_contexts=wrong, reporters={"p1", "p3"})
