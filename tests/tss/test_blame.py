"""A malicious party in each round of aux-info and keygen is detected and named.

The cheater is played by rewriting its outgoing envelopes and re-signing them with its own
identity key (tsshelpers.resigning), so every fault is attributable to it: the tests check
that the Blame names it with the right reason, that no honest party is ever accused, and
that the evidence contains an envelope the cheater really signed. Where a fault has to be
consistent with an earlier commitment (a bad proof inside a committed decommitment), the
cheater is played at the protocol level instead (Run.override).

Presigning and signing live in test_blame_sign.py.
"""

from __future__ import annotations

import dataclasses

import pytest

from abci_mpc.tss import aux
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.errors import ProtocolAbort
from abci_mpc.tss.evidence import aux_context, keygen_context, verify_blame
from abci_mpc.tss.session import Status, echo_digest, parse_envelope, payload_digest
from abci_mpc.tss.wire_pb2 import AuxR2, AuxR3, Commitment, KeygenR2, KeygenR3, Share
from abci_mpc.tss.zk import prm

from tsshelpers import (aux_run, check_blame, flip_last_bit, keygen_run, on_envelope, on_payload, resign, resigning,
                        unsigned)

BAD = "p2"
N = 3


def flip_field(sub, name: str) -> None:
    setattr(sub, name, flip_last_bit(getattr(sub, name)))


def garbage_payload(env) -> None:
    env.payload = b"\x0a\x05ab"  # field 1, length 5, only 2 bytes follow: protobuf cannot parse it


# -- aux-info -------------------------------------------------------------------------------
@pytest.fixture
def aux_setup(world):
    lp = world.parties(N)
    return lp, aux_run(lp, world.paillier(N))


AUX_FAULTS = {
    "r1-malformed-commitment": (on_payload(1, Commitment, lambda m: setattr(m, "V", m.V[:31])),
                                Reason.MALFORMED, 1),
    "r1-equivocation": (on_payload(1, Commitment, lambda m: setattr(m, "V", bytes(32)), to=["p3"]),
                        Reason.EQUIVOCATION, 1),
    "r2-bad-decommitment": (on_payload(2, AuxR2, lambda m: setattr(m, "rho", bytes(32))),
                            Reason.BAD_COMMITMENT, 2),
    "r2-bad-parameters": (on_payload(2, AuxR2, lambda m: setattr(m.params, "s", (1).to_bytes(len(m.params.s), "big"))),
                          Reason.BAD_PARAMETERS, 2),
    "r2-short-modulus-fields": (on_payload(2, AuxR2, lambda m: setattr(m.params, "t", m.params.t[1:])),
                                Reason.MALFORMED, 2),
    "r2-malformed-prm": (on_payload(2, AuxR2, lambda m: setattr(m.params.prm, "z", m.params.prm.z[:-1])),
                         Reason.MALFORMED, 2),
    "r2-malformed-payload": (on_envelope(2, garbage_payload), Reason.MALFORMED, 2),
    "r3-bad-mod": (on_payload(3, AuxR3, lambda m: flip_field(m.mod, "Z"), to=["p1"]), Reason.BAD_PROOF, 3),
    "r3-bad-fac": (on_payload(3, AuxR3, lambda m: flip_field(m.fac, "v"), to=["p3"]), Reason.BAD_PROOF, 3),
    "r3-malformed-fac": (on_payload(3, AuxR3, lambda m: setattr(m.fac, "z1", b"\x02" + m.fac.z1[1:])),
                         Reason.MALFORMED, 3),
    "r3-forged-echo": (on_envelope(3, lambda env: setattr(env.echo[0], "payload_digest", bytes(32))),
                       Reason.FORGED_ECHO, 3),
}


@pytest.mark.parametrize("fault", AUX_FAULTS)
def test_aux_cheater_is_named(aux_setup, fault):
    lp, r = aux_setup
    mutate, reason, rnd = AUX_FAULTS[fault]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    blames = check_blame(res, r, BAD, reason, round=rnd, context=aux_context(lp.names, lp.identities))
    if fault.startswith("r3-bad-"):  # a direct message: exactly its recipient notices
        target = "p1" if fault == "r3-bad-mod" else "p3"
        assert set(blames) == {target}
    if reason in (Reason.MALFORMED, Reason.BAD_COMMITMENT, Reason.BAD_PARAMETERS) and rnd < 3:
        assert set(blames) == {"p1", "p3"}  # a broadcast fault: every honest party notices


def test_aux_bad_prm_proof_under_a_valid_commitment(world, aux_setup):
    """A Pi-prm that opens the commitment correctly but does not verify: BAD_PROOF, not
    BAD_COMMITMENT (played at the protocol level, since the commitment must match)."""
    lp, r = aux_setup
    key = world.paillier(N)[BAD]

    def bad_begin():
        info = r.sessions[BAD].info
        step = aux.begin(info, key)
        r1 = step.next
        psi = r1.d.psi_hat
        bad_psi = dataclasses.replace(psi, z=[(psi.z[0] + 1) % r1.d.ped.N] + list(psi.z[1:]))
        r1.decommit.params.prm.CopyFrom(bad_psi.encode(prm.Statement(r1.d.ped.public)))
        step.out[0].msg.V = aux._commitment(info, info.me, r1.d.public, bad_psi, r1.decommit.rho, r1.decommit.u)
        return step

    res = r.override(BAD, bad_begin).go()
    blames = check_blame(res, r, BAD, Reason.BAD_PROOF, round=2, context=aux_context(lp.names, lp.identities))
    assert set(blames) == {"p1", "p3"}
    assert all("Pi-prm" in b.detail for b in blames.values())


def test_aux_honest_run_has_no_blame(aux_setup):
    lp, r = aux_setup
    res = r.go()
    assert not res.blames and set(res.results) == set(lp.names)
    for p, a in res.results.items():
        assert a.parties == lp.names
        assert a.paillier.N == a.public[p].N
    assert len({tuple(sorted((k, int(v.N)) for k, v in a.public.items())) for a in res.results.values()}) == 1


# -- keygen ---------------------------------------------------------------------------------
@pytest.fixture
def kg(world):
    lp = world.parties(N)
    return lp, keygen_run(lp, 1)


def _other_share(m) -> None:
    m.share = ((int.from_bytes(m.share, "big") + 1) % q).to_bytes(32, "big")


def _other_A(m) -> None:
    A = Point.from_bytes(m.sch.A)
    m.sch.A = (A + Point.G).to_bytes()


KEYGEN_FAULTS = {
    "r1-malformed-commitment": (on_payload(1, Commitment, lambda m: setattr(m, "V", m.V + b"\x00")),
                                Reason.MALFORMED, 1),
    "r1-equivocation": (on_payload(1, Commitment, lambda m: setattr(m, "V", bytes(32)), to=["p1"]),
                        Reason.EQUIVOCATION, 1),
    "r2-bad-decommitment": (on_payload(2, KeygenR2, lambda m: setattr(m, "u", bytes(32)), broadcast=True),
                            Reason.BAD_COMMITMENT, 2),
    "r2-equivocating-decommitment": (on_payload(2, KeygenR2, lambda m: setattr(m, "u", bytes(32)), broadcast=True,
                                                to=["p3"]), {Reason.BAD_COMMITMENT, Reason.EQUIVOCATION}, None),
    "r2-too-few-feldman-commitments": (on_payload(2, KeygenR2, lambda m: m.F.pop(), broadcast=True),
                                       Reason.MALFORMED, 2),
    "r2-invalid-feldman-point": (on_payload(2, KeygenR2, lambda m: m.F.__setitem__(1, bytes(33)), broadcast=True),
                                 Reason.MALFORMED, 2),
    "r2-bad-share": (on_payload(2, Share, _other_share, broadcast=False, to=["p3"]), Reason.BAD_SHARE, 2),
    "r2-malformed-share": (on_payload(2, Share, lambda m: setattr(m, "share", m.share[1:]), broadcast=False),
                           Reason.MALFORMED, 2),
    "r2-unreduced-share": (on_payload(2, Share, lambda m: setattr(m, "share", q.to_bytes(32, "big")), broadcast=False),
                           Reason.MALFORMED, 2),
    "r2-malformed-payload": (on_envelope(2, garbage_payload, broadcast=True), Reason.MALFORMED, 2),
    "r3-bad-schnorr": (on_payload(3, KeygenR3, lambda m: setattr(m.sch, "z", ((int.from_bytes(m.sch.z, "big") + 1) % q).to_bytes(32, "big"))),
                       Reason.BAD_PROOF, 3),
    "r3-uncommitted-schnorr-A": (on_payload(3, KeygenR3, _other_A), Reason.BAD_PROOF, 3),
    "r3-forged-echo": (on_envelope(3, lambda env: setattr(env.echo[-1], "echo_digest", bytes(32))),
                       Reason.FORGED_ECHO, 3),
    "r3-echo-missing-entry": (on_envelope(3, lambda env: env.echo.pop()), Reason.FORGED_ECHO, 3),
    "r3-echo-reordered": (on_envelope(3, lambda env: env.echo.insert(0, env.echo.pop())), Reason.FORGED_ECHO, 3),
}


@pytest.mark.parametrize("fault", KEYGEN_FAULTS)
def test_keygen_cheater_is_named(kg, fault):
    lp, r = kg
    mutate, reasons, rnd = KEYGEN_FAULTS[fault]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    blames = check_blame(res, r, BAD, reasons, round=rnd, context=keygen_context(lp.names, 1, lp.identities))
    if fault == "r2-bad-share":
        assert set(blames) == {"p3"}
        assert "Feldman" in blames["p3"].detail
    assert not res.results.keys() & set(blames), "a party that blamed someone also produced a key"


def test_keygen_echo_cannot_frame_an_honest_party(kg):
    """The cheater copies p1's signature from p1's *direct* round-2 envelope into its echo
    entry for p1's broadcast: the signature does not cover a broadcast, so the cheater, not
    p1, is accused."""
    lp, r = kg
    captured = {}

    def interceptor(sender, to, data):
        env = parse_envelope(data)
        if sender == "p1" and to == BAD and env.round == 2 and env.recipient == BAD:
            captured["direct"] = env
        if sender == BAD and env.round == 3 and "direct" in captured:
            d = captured["direct"]
            entry = next(e for e in env.echo if e.sender == "p1")
            entry.payload_digest = payload_digest(d.payload)
            entry.echo_digest = echo_digest(d.echo)
            entry.signature = d.signature
            return resign(r, BAD, env)
        return data

    res = r.go(interceptor=interceptor)
    assert "direct" in captured
    check_blame(res, r, BAD, Reason.FORGED_ECHO, round=3, context=keygen_context(lp.names, 1, lp.identities))


def test_keygen_cheater_signing_two_versions_for_one_slot(kg):
    """Two different envelopes, both signed by the cheater, for the same round and slot:
    equivocation, with both envelopes as evidence."""
    lp, r = kg
    # play round 1 by hand: deliver the honest commitment, then a second signed one
    sessions = r.sessions
    outs = {p: sessions[p].start(r.begins[p]()) for p in lp.names}
    first = outs[BAD][0].data
    env = parse_envelope(first)
    env.payload = Commitment(V=bytes(32)).SerializeToString()
    second = resign(r, BAD, env)
    sessions["p1"].receive(first)
    with pytest.raises(ProtocolAbort) as exc:
        sessions["p1"].receive(second)
    blame = exc.value.blame
    assert (blame.accused, blame.reason, blame.round) == (BAD, Reason.EQUIVOCATION, 1)
    assert set(blame.evidence) == {first, second}
    assert sessions["p1"].status is Status.FAILED


def test_keygen_unsigned_tampering_is_rejected_and_stalls(kg):
    """A network attacker who changes bytes without the sender's key achieves a stall, never
    an accusation: the envelope is rejected and the parties wait for the silent party."""
    lp, r = kg
    res = r.go(interceptor=unsigned(BAD, on_payload(2, KeygenR2, lambda m: setattr(m, "u", bytes(32)), broadcast=True)))
    assert not res.blames
    assert res.rejected >= 2
    assert not res.results
    for p in ("p1", "p3"):
        assert r.sessions[p].status is Status.RUNNING
        assert r.sessions[p].waiting_for() == {BAD}, p
        assert r.sessions[p].round == 2


def test_keygen_unsigned_direct_tampering_stalls_only_its_recipient(kg):
    lp, r = kg
    res = r.go(interceptor=unsigned(BAD, on_payload(2, Share, _other_share, broadcast=False, to=["p1"])))
    assert not res.blames
    assert res.rejected == 1
    assert r.sessions["p1"].waiting_for() == {BAD}
    # p3 got everything in round 2 but waits for p1, which never reached round 3
    assert "p1" in r.sessions["p3"].waiting_for()


def test_keygen_dropped_messages_stall_with_waiting_for(kg):
    lp, r = kg
    res = r.go(interceptor=lambda s, t, d: None if s == BAD else d)
    assert not res.blames and not res.results
    for p in ("p1", "p3"):
        assert r.sessions[p].waiting_for() == {BAD}
        assert r.sessions[p].round == 1


def test_evidence_does_not_confirm_a_rewritten_accusation(kg):
    """A genuine blame's evidence cannot be reused to accuse an honest party, for another
    reason, or under another run's context."""
    lp, r = kg
    res = r.go(interceptor=resigning(r, BAD, KEYGEN_FAULTS["r2-bad-share"][0]))
    blame = res.blames["p3"]
    ctx = keygen_context(lp.names, 1, lp.identities)
    assert verify_blame(blame, ctx).confirmed
    for forged in (dataclasses.replace(blame, accused="p1"),
                   dataclasses.replace(blame, reason=Reason.BAD_PROOF),
                   dataclasses.replace(blame, round=3),
                   dataclasses.replace(blame, evidence=blame.evidence[:1])):
        assert not verify_blame(forged, ctx).confirmed, forged.summary()
    assert not verify_blame(blame, keygen_context(lp.names, 2, lp.identities)).confirmed
    other_ids = dict(lp.identities, p2=lp.identities["p1"])
    assert not verify_blame(blame, keygen_context(lp.names, 1, other_ids)).confirmed
