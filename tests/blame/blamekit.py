"""Playing a misbehaving party, and judging the resulting Blame as a third party would.

A cheater is played in one of two ways:
- on the wire: an interceptor rewrites the cheater's outgoing envelopes and RE-SIGNS them
  with the cheater's identity key (`resigning`), so the fault is attributable to it;
- in its state: a test monkeypatches one round of the cheater's session (identified by
  the run's ssid), for lies that must stay consistent with what it committed to or
  proves later (a wrong delta_i, chi_i, a misquoted receipt).

`judge` then checks what every honest party concluded, and that a third party holding
only the run's public context confirms each accusation, while the same evidence checked
against a wrong context, against another accused party or for another reason is not
confirmed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from abci_mpc.tss.blame import Blame, Reason
from abci_mpc.tss.evidence import PublicContext, verify_blame
from abci_mpc.tss.runner import RunResult
from abci_mpc.tss.session import Status

from tsshelpers import Run, _signed_by


# -- judging ----------------------------------------------------------------------------------
def judge(res: RunResult, r: Run, bad: str, reasons, *, round: int | None = None, context: PublicContext,
          wrong_contexts: Iterable[PublicContext] = (), reporters: Iterable[str] | None = None) -> dict[str, Blame]:
    """Every honest party that gave up blamed `bad` (never an honest party) for one of
    `reasons`; the expected `reporters` (default: at least one) are among them; each
    blame is a complete structured record whose evidence a third party confirms with
    `context` and does not confirm with any of `wrong_contexts`, nor when the blame is
    rewritten to accuse an honest party or to state another reason."""
    reasons = {reasons} if isinstance(reasons, Reason) else set(reasons)
    honest = {p: b for p, b in res.blames.items() if p != bad}
    assert honest, "no honest party detected the fault"
    if reporters is not None:
        assert set(honest) == set(reporters), f"reporters {sorted(honest)} != expected {sorted(reporters)}"
    for reporter, b in honest.items():
        assert b.accused == bad, f"{reporter} blamed {b.accused!r}: {b.summary()}"
        assert b.reason in reasons, f"{reporter}: {b.summary()}"
        assert (b.session, b.protocol, b.reporter) == (r.info(reporter).session_id, r.info(reporter).protocol, reporter)
        if round is not None:
            assert b.round == round, b.summary()
        assert b.detail
        assert any(_signed_by(r, bad, e) for e in b.evidence), "no envelope signed by the accused in the evidence"
        assert r.sessions[reporter].status is Status.FAILED
        assert r.sessions[reporter].blame == b
        v = verify_blame(b, context)
        assert v.confirmed, f"third party cannot confirm {reporter}'s blame: {v.explanation} ({b.summary()})"
        for wrong in wrong_contexts:
            w = verify_blame(b, wrong)
            assert not w.confirmed, f"confirmed against a wrong context: {w.explanation}"
        for innocent in r.members:
            if innocent not in (bad, reporter):
                framed = verify_blame(dataclasses.replace(b, accused=innocent), context)
                assert not framed.confirmed, f"the evidence also 'shows' {innocent} cheating: {framed.explanation}"
        if b.reason not in (Reason.EQUIVOCATION, Reason.FORGED_ECHO):
            for reason in {Reason.MALFORMED, Reason.BAD_PROOF, Reason.INCONSISTENT} - {b.reason}:
                relabelled = verify_blame(dataclasses.replace(b, reason=reason), context)
                assert not relabelled.confirmed, f"confirmed as {reason.name} too: {relabelled.explanation}"
    return honest


def no_blame_and_waiting(res: RunResult, r: Run, silent_party: str, waiting: Iterable[str]) -> None:
    """A stall: nobody is blamed, and the listed parties name exactly the silent one."""
    assert not res.blames, {p: b.summary() for p, b in res.blames.items()}
    for p in waiting:
        assert r.sessions[p].status is Status.RUNNING, p
        assert r.sessions[p].waiting_for() == {silent_party}, (p, r.sessions[p].waiting_for())
