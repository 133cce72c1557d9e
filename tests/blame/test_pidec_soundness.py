"""Soundness of the identification openings (a soundness bug found here is fixed in zk/dec.py): Pi-dec must not let a party "decrypt" a
ciphertext to a value it does not hold.

Pi-dec proves knowledge of an integer y with C = (1+N)^y rho^N and y = x (mod q). Any
y' = y + t*N satisfies the first equation too, so the proof only pins dec(C) mod q if the
range the verifier enforces on z1 = alpha + e*y keeps every extractable y below N/2. For
the MtA sums (y_bits = identify.Y_BITS_MTA = 1802) the bound on z1 is about 2^2570 while
N has 2048 bits: a cheater picks t < q with y + t*N = x (mod q) for ANY x and proves it.
"""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from abci_mpc.tss import identify, presign
from abci_mpc.tss.blame import Reason
from abci_mpc.tss.curve import q
from abci_mpc.tss.evidence import presign_context, sign_context
from abci_mpc.tss.paillier import random_unit
from abci_mpc.tss.params import ELL, EPS
from abci_mpc.tss.transcript import ProofContext
from abci_mpc.tss.wire_pb2 import PresignR3
from abci_mpc.tss.zk import dec
from abci_mpc.tss.zk.base import in_range, sample_pm
from abci_mpc.tss.codec import DecodeError

from blamekit import judge
from tsshelpers import bump_scalar, presign_run, sign_run

BAD = "p2"
TRIO = ("p1", "p2", "p3")

FIXED = ("was a soundness bug abci_mpc/tss/zk/dec.py with identify.Y_BITS_MTA = 1802: the verifier accepts "
       "|z1| up to ~2^(y_bits+l+eps) = 2^2570 > N0 = 2^2048, so the integer a Pi-dec proves is only fixed "
       "modulo N0, not modulo q: a prover uses y' = dec(C) + t*N0 (t < q chosen so y' = x mod q) and proves "
       "ANY x. In identification a party with a wrong delta_i (presign round 4) or a wrong chi_i (sign "
       "round 2, dec_chi) passes every check and nobody is identified. Needs y_bits + l + eps + 1 < |N0| - 1 "
       "(e.g. a short challenge/slack for this proof, or larger N0), enforced in dec.verify.")


def forge_dec(ctx: ProofContext, key, ped, C: int, x: int, y_bits: int, y: int, rho: int,
              must_fit: bool = True) -> dec.Proof:
    """A Pi-dec for dec(C) = x (mod q) although dec(C) = y: proves y + t*N instead. The lifted
    y is ~2^2048, so its z1 cannot fit a sound verifier's range; with must_fit=False the
    out-of-range forgery is returned anyway, for the verifier to reject."""
    t = ((x - y) * pow(int(key.N % q), -1, q)) % q
    y2 = y + t * key.N
    assert y2 % q == x % q and key.encrypt_with(y2, rho) == C
    stmt = dec.Statement(key, C, x % q, y_bits, ped)
    a_bound, z1b, z2b = dec._bounds(stmt)
    for _ in range(20):
        alpha, mu = sample_pm(a_bound), sample_pm((1 << ELL) * ped.N)
        nu, r = sample_pm((1 << (y_bits + ELL + EPS)) * ped.N), random_unit(key.N)
        S, T, A = ped.commit(y2, mu), ped.commit(alpha, nu), key.encrypt_with(alpha, r)
        e = dec._challenge(ctx, stmt, S, T, A, alpha % q)
        z1, z2 = alpha + e * y2, nu + e * mu
        proof = dec.Proof(S=S, T=T, A=A, gamma=alpha % q, z1=z1, z2=z2, w=(r * key.pow_mod_n(rho, e)) % key.N)
        if (in_range(z1, z1b) and in_range(z2, z2b)) or not must_fit:
            return proof
    raise AssertionError("no forgery within the verifier's range")


def _forging_openings(monkeypatch, r):
    """p2's openings: honest where its value is right, forged where it is not."""
    original = identify.prove_decryption

    def prove(info, round, sk, C, x, y_bits, peds):
        y = sk.decrypt(C)
        if info.ssid != r.ssid or info.me != BAD or (y - x) % q == 0:
            return original(info, round, sk, C, x, y_bits, peds)
        rho = sk.randomness(C)
        # The best a cheater can do now: an out-of-range z1 that does not even encode, so it
        # sends a proof of the right shape with garbage in it; either way verification fails.
        return [_forged_on_wire(info.proof(round, info.me, j), sk, ped, C, x, y_bits, y, rho) for j, ped in peds.items()]

    monkeypatch.setattr(identify, "prove_decryption", prove)


def _forged_on_wire(ctx, sk, ped, C, x, y_bits, y, rho):
    stmt = dec.Statement(sk.public, C, x % q, y_bits, ped)
    forged = forge_dec(ctx, sk.public, ped, C, x, y_bits, y, rho, must_fit=False)
    _, z1b, z2b = dec._bounds(stmt)
    clipped = dataclasses.replace(forged, z1=max(-z1b, min(z1b, forged.z1)), z2=max(-z2b, min(z2b, forged.z2)))
    return clipped.encode(stmt)


def test_pi_dec_rejects_a_wrong_plaintext(key, pool):
    sk = key[BAD].aux.paillier
    verifier = key["p1"].aux.ped
    ctx = ProofContext("presign", bytes(32), 4, BAD, "p1")
    y = (1 << 1700) + 12345
    rho = random_unit(sk.N)
    C = sk.encrypt_with(y, rho)
    x = (y + 1) % q
    with pytest.raises(AssertionError, match="no forgery"):
        forge_dec(ctx, sk.public, verifier.public, C, x, identify.Y_BITS_MTA, y, rho)
    proof = forge_dec(ctx, sk.public, verifier.public, C, x, identify.Y_BITS_MTA, y, rho, must_fit=False)
    assert not dec.verify(ctx, dec.Statement(sk.public, C, x, identify.Y_BITS_MTA, verifier), proof)
    stmt = dec.Statement(sk.public, C, x, identify.Y_BITS_MTA, verifier.public)
    with pytest.raises(DecodeError):  # and it cannot even be encoded within the wire bounds
        dec.Proof.decode(dec.PiDec(S=b"", T=b"", A=b"", gamma=b"", z1=b"", z2=b"", w=b""), stmt)


def test_pi_dec_forgery_needs_the_wide_bound(key):
    """The same trick fails where the bound is tight (sigma openings, y_bits = 513): the
    forged z1 cannot fit the verifier's range."""
    sk = key[BAD].aux.paillier
    ctx = ProofContext("sign", bytes(32), 2, BAD, "p1")
    y, rho = 12345, random_unit(sk.N)
    C = sk.encrypt_with(y, rho)
    with pytest.raises(AssertionError, match="no forgery"):
        forge_dec(ctx, sk.public, key["p1"].aux.ped.public, C, y + 1, identify.Y_BITS_SIGMA, y, rho)


def test_presign_wrong_delta_with_forged_pi_dec_is_identified(lp, key, monkeypatch):
    r = presign_run(lp, key, TRIO)
    original = presign._Round2.finalize

    def finalize(self):
        step = original(self)
        if self.info.ssid == r.ssid and self.info.me == BAD:
            for o in step.out:
                if isinstance(o.msg, PresignR3):
                    o.msg.delta = bump_scalar(o.msg.delta)
            self.st.delta[BAD] = (self.st.delta[BAD] + 1) % q
        return step

    monkeypatch.setattr(presign._Round2, "finalize", finalize)
    _forging_openings(monkeypatch, r)
    res = r.go()
    judge(res, r, BAD, {Reason.BAD_PROOF, Reason.INCONSISTENT}, round=4,
          context=presign_context(key["p1"].public, TRIO, lp.identities), reporters={"p1", "p3"})


def test_sign_wrong_chi_with_forged_pi_dec_is_identified(lp, key, monkeypatch):
    presigs = lp.presign(key, TRIO)
    digest = hashlib.sha256(b"pi-dec soundness").digest()
    presigs[BAD] = dataclasses.replace(presigs[BAD], chi=(presigs[BAD].chi + 5) % q)
    r = sign_run(lp, key, presigs, digest)
    _forging_openings(monkeypatch, r)
    res = r.go()
    ps = presigs["p1"]
    judge(res, r, BAD, {Reason.BAD_PROOF, Reason.BAD_PARTIAL_SIGNATURE}, round=2,
          context=sign_context(key["p1"].public, ps.id, ps.R, digest, TRIO, lp.identities), reporters={"p1", "p3"})
