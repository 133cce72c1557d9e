"""Identifying the cheater when presigning's delta check or signing's final check fails
(CGGMP21 section 4.3 and its identification figures). Only runs after a failure.

Each party opens its value: it re-encrypts the product it claims (H_i = enc(k_i gamma_i)
with Pi-mul, or H^_i = enc(k_i w_i) with Pi-mul*), reveals the MtA ciphertexts of round 2
with their senders' receipts, and proves with Pi-dec, to each peer under that peer's
ring-Pedersen parameters, that the sum every party can now compute decrypts to the value
it announced. An honest party always can; the party that cannot is the cheater.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import receipts
from .blame import Reason
from .curve import q
from .params import ELL, ELL_PRIME, EPS
from .rounds import Fault, Out, Round
from .zk import dec

# Bound on |k_i gamma_i + sum_j (alpha_ij + beta_ij)| given the ranges Pi-aff-g proves
# (|beta| <= 2^(l'+eps)), for up to 256 parties. It is far below N/2, so sums never wrap.
Y_BITS_MTA = ELL_PRIME + EPS + 10
# |k_i m + r chi_i| with every factor reduced below q.
Y_BITS_SIGMA = 2 * ELL + 1


def reveal(peers, mta_in: Mapping[str, bytes], mta_out: Mapping[str, bytes]):
    """The receipts a prover shows: what each peer sent it, what it sent each peer."""
    received, sent = [], []
    for j in peers:
        r_in, r_out = receipts.MtaReceipt(), receipts.MtaReceipt()
        r_in.ParseFromString(mta_in[j])
        r_out.ParseFromString(mta_out[j])
        received.append(r_in)
        sent.append(r_out)
    return received, sent


def check_revealed(ssid: bytes, prover: str, peers, received, sent, identities, me: str,
                   my_in: Mapping[str, bytes] | None):
    """Validate a prover's revealed receipts; returns {peer: (received, sent)}.

    `my_in[prover]` is the receipt the prover gave us in round 2 (None for a third party,
    which instead checks the reporter's exhibit)."""
    if [r.sender for r in received] != list(peers) or [r.recipient for r in sent] != list(peers):
        raise Fault(Reason.MALFORMED, "revealed receipts do not cover every peer once, in order")
    out = {}
    for j, r_in, r_out in zip(peers, received, sent):
        if r_in.recipient != prover or r_out.sender != prover:
            raise Fault(Reason.MALFORMED, "revealed receipt names the wrong party")
        if not receipts.check_mta(ssid, r_in, identities):
            raise Fault(Reason.MALFORMED, f"receipt from {j} is not signed by {j}")
        if not receipts.check_mta(ssid, r_out, identities):
            raise Fault(Reason.MALFORMED, f"receipt to {j} is not signed by the prover")
        if j == me and my_in is not None:
            # r_in carries our own signature, and we signed one receipt per peer: no check
            # needed. r_out is the prover's claim about what it sent us; ours must match.
            held_in = receipts.MtaReceipt.FromString(my_in[prover])
            if not receipts.same_content(held_in, r_out):
                raise Fault(Reason.EQUIVOCATION, "signed two different round-2 messages to us",
                            exhibits=(receipts.exhibit(held_in),))
        out[j] = (r_in, r_out)
    return out


def cross_check(ssid: bytes, openings, identities) -> None:
    """Across openings {party: (received, sent)}: what j says it sent i must be what i says it
    got from j. A difference, with both receipts carrying j's valid signature, names j,
    whoever looks; this is how a party not involved in a misquoted exchange identifies it.
    Receipts whose signatures do not verify prove nothing and are skipped."""
    for i, (received_i, _) in openings.items():
        for r_in in received_i:
            j = r_in.sender
            if j not in openings or r_in.recipient != i or not receipts.check_mta(ssid, r_in, identities):
                continue
            claimed = next((r for r in openings[j][1] if r.recipient == i and r.sender == j
                            and receipts.check_mta(ssid, r, identities)), None)
            if claimed is not None and not receipts.same_content(r_in, claimed):
                raise Fault(Reason.EQUIVOCATION, f"signed two different round-2 receipts for {i}", accused=j,
                            exhibits=(receipts.exhibit(r_in), receipts.exhibit(claimed)))


def mta_sum(key, base: int, exchanges, D_field: str, F_field: str) -> int:
    """base * prod_j D_{i,j} * prod_j F_{j,i}^-1 under the prover's key: the ciphertext of
    x*k_i + sum_j (alpha_ij + beta_ij), since F_{j,i} encrypts -beta_ij."""
    acc = base
    for r_in, r_out in exchanges.values():
        D = receipts.ciphertext(getattr(r_in, D_field), key.N2, D_field)
        F = receipts.ciphertext(getattr(r_out, F_field), key.N2, F_field)
        acc = (acc * D * key.pow(F, -1)) % key.N2
    return acc


def prove_decryption(info, round: int, sk, C: int, x: int, y_bits: int, peers_ped: Mapping) -> list:
    """Pi-dec that C decrypts to x mod q, once per peer (under its parameters)."""
    y = sk.decrypt(C)
    if (y - x) % q:
        raise AssertionError("own opening is inconsistent")  # would mean our own state is corrupt
    rho = sk.randomness(C)
    return [dec.prove(info.proof(round, info.me, j), dec.Statement(sk, C, x % q, y_bits, ped), y, rho)
            .encode(dec.Statement(sk.public, C, x % q, y_bits, ped)) for j, ped in peers_ped.items()]


def check_decryption(info, round: int, prover: str, key, C: int, x: int, y_bits: int, own_ped, msg, what: str) -> None:
    stmt = dec.Statement(key, C, x % q, y_bits, own_ped)
    proof = dec.Proof.decode(msg, dec.Statement(key, C, x % q, y_bits, own_ped.public))
    if not dec.verify(info.proof(round, prover, info.me), stmt, proof):
        raise Fault(Reason.BAD_PROOF, f"Pi-dec: {what}")


class IdentificationRound(Round):
    """The broadcast round after a failed check (presigning round 4, signing round 2).

    Echo broadcast has made every party's view of the checked values equal, and the check
    is a function of that view, so everyone passed or everyone failed: a party that entered
    with `passed` says so (failed = false) only when asked by a complaint, and a party whose
    claim contradicts the shared view is lying. Complaints carry openings, which subclasses
    verify in `check`; if all verify, the mismatch must be in the revealed exchanges, which
    `cross_check` pins on whoever signed two different ones.
    """

    VIEW = ""  # what the shared view is, for messages
    FINAL: tuple[Reason, str]  # the fault when every opening verified

    def __init__(self, info, passed: bool, receipt_scope: bytes, identities):
        super().__init__(info)
        self.passed = passed
        self.receipt_scope = receipt_scope  # what the revealed MtA receipts were signed over
        self.identities = identities
        self.failed: dict[str, bool] = {}
        self.openings: dict[str, tuple] = {}

    def reply(self):
        return [Out(None, self.BROADCAST(failed=False))] if self.passed else []

    def check(self, j, msg) -> None:
        raise NotImplementedError

    def receive(self, j, msg, direct):
        self.failed[j] = msg.failed
        if msg.failed:
            self.check(j, msg)
            self.openings[j] = (list(msg.received), list(msg.sent))

    def finalize(self):
        liars = [j for j in self.info.others if self.failed[j] == self.passed]
        if liars:
            claim = "complained although" if self.passed else "claimed success although"
            raise Fault(Reason.INCONSISTENT, f"{claim} the shared {self.VIEW} says otherwise", accused=liars[0])
        cross_check(self.receipt_scope, self.openings, self.identities)
        raise Fault(*self.FINAL)
