"""A party that never answers is not a cheater: the state machine blames nobody and only
reports, through waiting_for(), whom it still waits for; the engine turns a missed
deadline into a TIMEOUT blame, which verify_blame refuses to confirm (an absence has no
evidence). Also: verify_blame is total — hostile evidence or exhibits give a verdict,
never an exception."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abci_mpc.tss.blame import Blame, Reason
from abci_mpc.tss import reshare
from abci_mpc.tss.evidence import Verdict, keygen_context, presign_context, reshare_context, verify_blame
from abci_mpc.tss.wire_pb2 import KeygenR3

from blamekit import no_blame_and_waiting
from tsshelpers import (bump_scalar, keygen_run, on_payload, presign_run, reshare_run, resigning, sign_run,
                        silent)

TRIO = ("p1", "p2", "p3")


def test_presign_stall_names_the_silent_party(lp, key):
    r = presign_run(lp, key, TRIO)
    res = r.go(interceptor=silent("p2", from_round=2))
    no_blame_and_waiting(res, r, "p2", ["p1", "p3"])
    assert not res.results
    assert {r.sessions[p].round for p in ("p1", "p3")} == {2}


def test_sign_stall_names_the_silent_party(lp, key):
    presigs = lp.presign(key, TRIO)
    r = sign_run(lp, key, presigs, hashlib.sha256(b"stall").digest())
    res = r.go(interceptor=silent("p3"))
    no_blame_and_waiting(res, r, "p3", ["p1", "p2"])
    assert set(res.results) <= {"p3"}, "only the silent party, which heard everyone, can finish"


def test_reshare_stall_in_the_last_round(lp, key, fresh_paillier):
    """The new member p4 never sends its round-3 proofs: everyone else waits for p4 only,
    including p1, the dealer that leaves. Nobody but p4 (which heard everyone) gets an
    output: a party's Output alone does not mean the new committee is complete, which is why
    the old share may only be erased once the new committee is confirmed."""
    dealers, members = ("p1", "p2"), ("p2", "p3", "p4")
    r = reshare_run(lp, {d: key[d] for d in dealers}, dealers, members, 1, {p: fresh_paillier[p] for p in members})
    res = r.go(interceptor=silent("p4", from_round=3))
    no_blame_and_waiting(res, r, "p4", ["p1", "p2", "p3"])
    assert set(res.results) <= {"p4"}


def test_keygen_partial_stall(lp):
    """p2 answers p1 but not p3: only p3 waits for p2; p1 waits for p3, who is stuck."""
    r = keygen_run(lp, 1, TRIO)

    def drop(sender, to, data):
        return None if (sender, to) == ("p2", "p3") else data

    res = r.go(interceptor=drop)
    assert not res.blames
    assert r.sessions["p3"].waiting_for() == {"p2"}
    assert "p2" not in r.sessions["p1"].waiting_for()


def test_timeout_blame_is_never_confirmed(lp, key):
    """Whatever evidence comes with it, a TIMEOUT cannot be confirmed from messages."""
    r = presign_run(lp, key, TRIO)
    res = r.go(interceptor=silent("p2", from_round=2))
    s = r.sessions["p1"]
    evidence = tuple(d for p in TRIO for d in s._log.get(p, ()))
    assert evidence
    blame = Blame(session=s.info.session_id, protocol=s.info.protocol, round=2, accused="p2",
                  reason=Reason.TIMEOUT, detail="no round-2 message before the deadline", reporter="p1",
                  evidence=evidence)
    verdict = verify_blame(blame, presign_context(key["p1"].public, TRIO, lp.identities))
    assert verdict == Verdict(False, verdict.explanation) and "timeout" in verdict.explanation
    assert not res.blames


# -- verify_blame is total ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def a_blame(lp, key):
    """A real, confirmable blame (a bad Schnorr proof in keygen round 3) and its context."""
    r = keygen_run(lp, 1, TRIO)
    bad_z = on_payload(3, KeygenR3, lambda m: setattr(m.sch, "z", bump_scalar(m.sch.z)))
    res = r.go(interceptor=resigning(r, "p2", bad_z))
    ctx = keygen_context(TRIO, 1, lp.identities)
    b = res.blames["p1"]
    assert verify_blame(b, ctx).confirmed
    return b, ctx


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_verify_blame_survives_garbled_evidence(a_blame, data):
    b, ctx = a_blame
    evidence = list(b.evidence)
    i = data.draw(st.integers(0, len(evidence) - 1))
    raw = bytearray(evidence[i])
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= 1 << data.draw(st.integers(0, 7))
    evidence[i] = bytes(raw)
    if data.draw(st.booleans()):
        evidence.append(data.draw(st.binary(max_size=200)))
    verdict = verify_blame(dataclasses.replace(b, evidence=tuple(evidence)), ctx)
    assert isinstance(verdict, Verdict)


def test_verify_blame_refuses_outsiders_and_other_protocols(a_blame, lp, key):
    b, ctx = a_blame
    assert not verify_blame(dataclasses.replace(b, accused="p9"), ctx).confirmed
    assert not verify_blame(dataclasses.replace(b, reporter="p9"), ctx).confirmed
    assert not verify_blame(dataclasses.replace(b, protocol="aux"), ctx).confirmed
    assert not verify_blame(dataclasses.replace(b, evidence=()), ctx).confirmed
    assert not verify_blame(dataclasses.replace(b, session=b"another session"), ctx).confirmed
    old = reshare.OldKey.of(key["p1"])
    assert not verify_blame(b, reshare_context(old, TRIO, TRIO, 1, lp.identities)).confirmed
