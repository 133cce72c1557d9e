"""Resharing (t, n) -> (t', n') keeps the public key, and only the new committee can sign.

The cases are tss-lib's record of resharing bugs plus the shape changes the issue lists:
a party in both committees (tss-lib #128), more than t+1 old dealers (PR #95), the same
set on both sides (PR #321), added parties (#226), removed parties, a threshold change up
and down, and committees with nobody in common. Each case checks the same invariants
(`check_outputs`): who gets a share and who gets None, the same key and secret, a fresh
consistent sharing with fresh aux info, and a new committee that signs.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass

import pytest

from abci_mpc.tss import reshare
from abci_mpc.tss.curve import Point
from abci_mpc.tss.rounds import SessionInfo
from abci_mpc.tss.shares import KeyShare

from reshare_helpers import fresh_paillier, secret_of, sign_with


@dataclass(frozen=True)
class Case:
    old: str  # fixture holding the old key
    dealers: tuple[str, ...]
    members: tuple[str, ...]
    new_t: int
    signers: tuple[str, ...]  # t'+1 members that sign afterwards


CASES = {
    # p2, p3 are dealers and members (#128); all three old parties deal although t+1 = 2
    # would do (PR #95); p4 joins (#226); p1 leaves; t goes 1 -> 2.
    "overlap-grow-more-dealers-threshold-up": Case("old_key", ("p1", "p2", "p3"), ("p2", "p3", "p4"), 2,
                                                   ("p2", "p3", "p4")),
    # identical committees and threshold on both sides, every party dealing (PR #321)
    "same-set": Case("old_key", ("p1", "p2", "p3"), ("p1", "p2", "p3"), 1, ("p1", "p3")),
    # exactly t+1 dealers; two parties join; p1, an old party that did not deal, stays
    "added-parties": Case("old_key", ("p2", "p3"), ("p1", "p2", "p3", "p4"), 1, ("p1", "p4")),
    # p2 deals and leaves; p3, an old party that did not deal, stays
    "removed-party": Case("old_key", ("p1", "p2"), ("p1", "p3"), 1, ("p1", "p3")),
    # the 2-of-{p2,p3,p4} key made above goes back to 1-of-{p2,p5}
    "threshold-down": Case("grown_key", ("p2", "p3", "p4"), ("p2", "p5"), 1, ("p2", "p5")),
    # nobody in common
    "disjoint": Case("old_key", ("p1", "p2"), ("p4", "p5"), 1, ("p4", "p5")),
}


@pytest.fixture(scope="module")
def grown_key(lp, pool, old_key):
    """The first case's new key: 2-of-{p2, p3, p4}, itself the output of a reshare."""
    return _run_case(lp, pool, {"old_key": old_key}, CASES["overlap-grow-more-dealers-threshold-up"])[1]


def _run_case(lp, pool, olds, case: Case, **kw):
    old = olds[case.old]
    outs = lp.reshare({d: old[d] for d in case.dealers}, case.dealers, case.members, case.new_t,
                      paillier=fresh_paillier(pool, case.members, old), **kw)
    new = {p: o.share for p, o in outs.items() if o.share is not None}
    return outs, new


@pytest.mark.parametrize("name", CASES)
def test_reshare(request, lp, pool, name):
    case = CASES[name]
    old = request.getfixturevalue(case.old)
    outs, new = _run_case(lp, pool, {case.old: old}, case)
    check_outputs(old, outs, case)
    sign_with(lp, new, case.signers, f"after reshare {name}")


def check_outputs(old: dict[str, KeyShare], outs: dict, case: Case) -> None:
    any_old = next(iter(old.values()))
    members = tuple(sorted(case.members))
    assert set(outs) == set(case.dealers) | set(case.members)
    assert all(o.retire_old for o in outs.values()), "every old share in the session must be retired"
    for p in set(case.dealers) - set(case.members):
        assert outs[p].share is None, f"{p} left the committee but got a share"
    new = {p: outs[p].share for p in members}
    assert all(isinstance(s, KeyShare) for s in new.values())
    first = new[members[0]]
    for p, s in new.items():
        assert s.me == p
        assert s.parties == members
        assert s.threshold == case.new_t
        assert s.public_key == any_old.public_key, "resharing changed the public key"
        assert dict(s.share_ids) == dict(first.share_ids)
        assert dict(s.public_shares) == dict(first.public_shares), "members disagree on the public shares"
        assert Point.base_mul(s.x) == s.public_shares[p]
        assert s.aux is not None and s.aux.parties == members
        assert {k: int(v.N) for k, v in s.aux.public.items()} == {k: int(v.N) for k, v in first.aux.public.items()}
        assert s.aux.paillier.N == s.aux.public[p].N
        assert s.fingerprint() == first.fingerprint()
    assert first.fingerprint() != any_old.fingerprint()
    # the same secret, freshly shared: every t'+1 of the new shares interpolate to it
    secret = secret_of(old)
    assert Point.base_mul(secret) == any_old.public_key
    assert secret_of(new) == secret
    assert secret_of({p: new[p] for p in members[: case.new_t + 1]}) == secret
    assert secret_of({p: new[p] for p in members[-(case.new_t + 1):]}) == secret
    # a fresh sharing: nobody staying keeps its old share, and the new aux info is new
    for p in set(members) & set(old):
        assert new[p].x != old[p].x
        if old[p].aux is not None:
            assert new[p].aux.paillier.N != old[p].aux.paillier.N


def test_reshare_any_delivery_order(lp, pool, old_key):
    """Shuffled delivery (messages of later rounds arriving first) changes nothing."""
    case = Case("old_key", ("p1", "p3"), ("p1", "p2", "p3"), 1, ("p2", "p3"))
    outs, new = _run_case(lp, pool, {"old_key": old_key}, case, shuffle=random.Random(7))
    check_outputs(old_key, outs, case)
    assert not lp.last.blames


def test_new_and_old_shares_do_not_mix(lp, pool, old_key):
    """After a reshare to the same set, a signer set mixing old and new shares cannot even
    start presigning: the session binds the key epoch's fingerprint."""
    case = CASES["same-set"]
    _, new = _run_case(lp, pool, {"old_key": old_key}, case)
    mixed = {"p1": old_key["p1"], "p2": new["p2"]}
    with pytest.raises(ValueError, match="binding"):
        lp.presign(mixed, ["p1", "p2"])


# -- parameters rejected at begin -------------------------------------------------------------
def _begin(old_key, dealers, members, new_t, me, *, share="own", paillier=None, binding=None):
    old = reshare.OldKey.of(old_key["p1"])
    parties = tuple(sorted(set(dealers) | set(members)))
    b = reshare.binding(old, dealers, members, new_t) if binding is None else binding
    info = SessionInfo(reshare.PROTOCOL, b"s" * 16, parties, me, b)
    own = old_key.get(me) if share == "own" else share
    return reshare.begin(info, own, old, dealers, members, new_t, paillier)


def test_too_few_dealers_rejected_at_begin(lp, old_key):
    with pytest.raises(ValueError, match="at least 2 dealers"):
        _begin(old_key, ("p1",), ("p1", "p2", "p4"), 1, "p1")
    with pytest.raises(ValueError, match="at least 2 dealers"):
        lp.reshare({"p1": old_key["p1"]}, ["p1"], ["p1", "p2", "p4"], 1, paillier={})


def test_dealer_outside_the_old_committee_rejected(old_key):
    with pytest.raises(ValueError, match="dealers from the old committee"):
        _begin(old_key, ("p1", "p4"), ("p1", "p2"), 1, "p1")


@pytest.mark.parametrize("new_t", [0, 3, 4])
def test_new_threshold_out_of_range_rejected(old_key, new_t):
    with pytest.raises(ValueError, match="new threshold"):
        _begin(old_key, ("p1", "p2"), ("p1", "p2", "p3"), new_t, "p1")


def test_binding_mismatch_rejected(old_key):
    """A participant whose session was set up for other reshare parameters refuses to run."""
    old = reshare.OldKey.of(old_key["p1"])
    other = reshare.binding(old, ("p1", "p2"), ("p1", "p2", "p3"), 2)
    with pytest.raises(ValueError, match="binding"):
        _begin(old_key, ("p1", "p2"), ("p1", "p2", "p3"), 1, "p1", binding=other)


def test_binding_commits_to_every_parameter(old_key):
    old = reshare.OldKey.of(old_key["p1"])
    base = reshare.binding(old, ("p1", "p2"), ("p1", "p3"), 1)
    assert base == reshare.binding(old, ("p2", "p1"), ("p3", "p1"), 1), "order of the lists must not matter"
    variants = [
        reshare.binding(old, ("p1", "p3"), ("p1", "p3"), 1),
        reshare.binding(old, ("p1", "p2"), ("p1", "p2"), 1),
        reshare.binding(old, ("p1", "p2"), ("p1", "p3", "p4"), 1),
        reshare.binding(old, ("p1", "p2"), ("p1", "p3", "p4"), 2),
        reshare.binding(dataclasses.replace(old, threshold=2), ("p1", "p2"), ("p1", "p3"), 1),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_dealer_without_its_share_rejected(old_key):
    with pytest.raises(ValueError, match="share of this key"):
        _begin(old_key, ("p1", "p2"), ("p3", "p4"), 1, "p1", share=None)
    with pytest.raises(ValueError, match="share of this key"):
        _begin(old_key, ("p1", "p2"), ("p3", "p4"), 1, "p1", share=old_key["p2"])  # another party's
    with pytest.raises(ValueError, match="share of this key"):
        _begin(old_key, ("p1", "p2"), ("p3", "p4"), 1, "p1",
               share=dataclasses.replace(old_key["p1"], share_ids={"p1": 9, "p2": 2, "p3": 3}))


def test_member_without_paillier_key_rejected(old_key):
    with pytest.raises(ValueError, match="Paillier"):
        _begin(old_key, ("p1", "p2"), ("p3", "p4"), 1, "p3", paillier=None)


def test_session_parties_must_be_dealers_plus_members(old_key):
    old = reshare.OldKey.of(old_key["p1"])
    dealers, members = ("p1", "p2"), ("p3", "p4")
    info = SessionInfo(reshare.PROTOCOL, b"s" * 16, ("p1", "p2", "p3", "p4", "p5"), "p1",
                       reshare.binding(old, dealers, members, 1))
    with pytest.raises(ValueError, match="exactly dealers plus new members"):
        reshare.begin(info, old_key["p1"], old, dealers, members, 1, None)
