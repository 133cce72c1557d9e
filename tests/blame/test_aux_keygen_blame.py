"""Aux-info and keygen: one cheater per round, confirmed by a third party under the right
context and not under wrong ones (other parties, other threshold, other identity keys,
other protocol). tests/tss/test_blame.py goes through every field of these protocols;
here the point is the third-party verdict across contexts."""

from __future__ import annotations

import dataclasses

import pytest

from abci_mpc.tss.blame import Reason
from abci_mpc.tss.evidence import aux_context, keygen_context
from abci_mpc.tss.runner import LocalParties
from abci_mpc.tss.wire_pb2 import AuxR2, AuxR3, Commitment, KeygenR2, KeygenR3, Share

from blamekit import judge
from tsshelpers import aux_run, bump_scalar, flip_last_bit, keygen_run, on_envelope, on_payload, resigning

TRIO = ("p1", "p2", "p3")
BAD = "p2"


def _flip(sub, name):
    setattr(sub, name, flip_last_bit(getattr(sub, name)))


AUX_FAULTS = {
    "r1-equivocation": (on_payload(1, Commitment, lambda m: setattr(m, "V", bytes(32)), to=["p3"]),
                        {Reason.EQUIVOCATION, Reason.BAD_COMMITMENT}, None, None),
    "r2-bad-parameters": (on_payload(2, AuxR2, lambda m: setattr(m.params, "t", m.params.s)),
                          {Reason.BAD_PARAMETERS, Reason.BAD_COMMITMENT}, 2, {"p1", "p3"}),
    "r3-bad-fac": (on_payload(3, AuxR3, lambda m: _flip(m.fac, "v"), to=["p1"]), Reason.BAD_PROOF, 3, {"p1"}),
}


@pytest.mark.parametrize("fault", AUX_FAULTS)
def test_aux_cheater(lp, trio_paillier, fault):
    mutate, reasons, rnd, reporters = AUX_FAULTS[fault]
    r = aux_run(lp, trio_paillier, TRIO)
    right = aux_context(TRIO, lp.identities)
    wrong = [aux_context(TRIO, LocalParties(TRIO).identities),
             aux_context(("p1", "p2", "p3", "p4"), lp.identities),
             dataclasses.replace(keygen_context(TRIO, 1, lp.identities), observe=right.observe)]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    judge(res, r, BAD, reasons, round=rnd, context=right, wrong_contexts=wrong, reporters=reporters)


KEYGEN_FAULTS = {
    "r1-malformed-commitment": (on_payload(1, Commitment, lambda m: setattr(m, "V", m.V[:-1])),
                                Reason.MALFORMED, 1, {"p1", "p3"}),
    "r2-bad-share": (on_payload(2, Share, lambda m: setattr(m, "share", bump_scalar(m.share)), broadcast=False,
                                to=["p3"]), Reason.BAD_SHARE, 2, {"p3"}),
    "r2-bad-decommitment": (on_payload(2, KeygenR2, lambda m: setattr(m, "rho", bytes(32)), broadcast=True),
                            Reason.BAD_COMMITMENT, 2, {"p1", "p3"}),
    "r3-bad-schnorr": (on_payload(3, KeygenR3, lambda m: setattr(m.sch, "z", bump_scalar(m.sch.z))),
                       Reason.BAD_PROOF, 3, {"p1", "p3"}),
    "r3-forged-echo": (on_envelope(3, lambda env: setattr(env.echo[0], "echo_digest", bytes(32))),
                       Reason.FORGED_ECHO, 3, {"p1", "p3"}),
}


@pytest.mark.parametrize("fault", KEYGEN_FAULTS)
def test_keygen_cheater(lp, fault):
    mutate, reasons, rnd, reporters = KEYGEN_FAULTS[fault]
    r = keygen_run(lp, 1, TRIO)
    right = keygen_context(TRIO, 1, lp.identities)
    wrong = [keygen_context(TRIO, 2, lp.identities),  # other threshold
             keygen_context(("p1", "p2", "p3", "p4"), 1, lp.identities),  # other parties
             keygen_context(TRIO, 1, LocalParties(TRIO).identities),  # other identity keys
             dataclasses.replace(aux_context(TRIO, lp.identities), binding=right.binding, observe=right.observe)]
    res = r.go(interceptor=resigning(r, BAD, mutate))
    judge(res, r, BAD, reasons, round=rnd, context=right, wrong_contexts=wrong, reporters=reporters)
