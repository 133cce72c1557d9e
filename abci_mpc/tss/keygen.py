"""Threshold key generation, t-of-n: Feldman VSS under CGGMP21's commit-reveal (Fig. 5).

Round 1  broadcast  V_i = H(ssid, i, F_i, A_i, rho_i, u_i)                   commitment
Round 2  broadcast  (F_i = g^{a_i,0..t}, A_i, rho_i, u_i)                    decommitment
         direct     f_i(x_j)                                                secret share
Round 3  direct     psi_i = Pi-sch(x_i) with the committed A_i, bound to rho = xor rho_j
Output   x_i = sum_j f_j(x_i); X_k = prod_j F_j(x_k) for every k; X = prod_j F_j,0

Committing to every polynomial before any is revealed stops a rushing party from choosing
its polynomial after seeing the others' (a rogue-key attack on the joint public key).
"threshold t" is tss-lib's meaning: polynomials of degree t, any t+1 parties sign.
"""

from __future__ import annotations

import secrets

from . import dealing
from .aux import check_commitment_msg
from .blame import Reason
from .codec import PointSpec
from .curve import Point, q
from .rounds import Fault, Out, Round, SessionInfo, Step, xor_all
from .shares import KeyShare
from .transcript import commit_hash
from .vss import Polynomial
from .wire_pb2 import Commitment, KeygenR2, KeygenR3, Share
from .zk import sch

PROTOCOL = "keygen"


def binding(threshold: int) -> bytes:
    return b"t=%d" % threshold


def share_ids(parties) -> dict[str, int]:
    """Shamir x-coordinates: position in the sorted party list, plus one."""
    return {p: i + 1 for i, p in enumerate(parties)}


def _commitment(info, party, F, A, rho, u) -> bytes:
    def build(t):
        t.bytes("ssid", info.ssid).str("party", party).points("F", F).point("A", A)
        t.bytes("rho", rho).bytes("u", u)
    return commit_hash("keygen", build)


def begin(info: SessionInfo, threshold: int) -> Step:
    n = len(info.parties)
    if not 1 <= threshold < n:
        raise ValueError(f"threshold must be in 1..{n - 1} for {n} parties")
    if info.binding != binding(threshold):
        raise ValueError("session binding does not match the threshold")
    f = Polynomial.random(threshold)
    F = f.commitments()
    tau, A = sch.commit()
    rho, u = secrets.token_bytes(32), secrets.token_bytes(32)
    V = _commitment(info, info.me, F, A, rho, u)
    return Step([Out(None, Commitment(V=V))], _Round1(info, threshold, f, F, tau, A, rho, u))


class _Round1(Round):
    NUMBER = 1
    BROADCAST = Commitment

    def __init__(self, info, threshold, f, F, tau, A, rho, u):
        super().__init__(info)
        self.t, self.f, self.F, self.tau, self.A, self.rho, self.u = threshold, f, F, tau, A, rho, u
        self.ids = share_ids(info.parties)
        self.V: dict[str, bytes] = {}

    def receive(self, sender, msg, direct):
        self.V[sender] = check_commitment_msg(msg)

    def finalize(self):
        decommit = KeygenR2(F=dealing.encode_commitments(self.F), A=self.A.to_bytes(), rho=self.rho, u=self.u)
        out = [Out(None, decommit)]
        out += [Out(j, dealing.share_msg(self.f, self.ids[j])) for j in self.info.others]
        return Step(out, _Round2(self))


class _Round2(Round):
    NUMBER = 2
    BROADCAST = KeygenR2
    DIRECT = Share

    def __init__(self, prev: _Round1):
        super().__init__(prev.info)
        self.prev = prev
        me = prev.info.me
        self.F, self.A, self.rhos = {me: prev.F}, {me: prev.A}, {me: prev.rho}
        self.shares = {me: prev.f(prev.ids[me])}

    def receive(self, sender, msg, direct):
        prev = self.prev
        F, A = check_decommit(self.info, sender, prev.t, prev.V[sender], msg)
        self.shares[sender] = dealing.check_share(F, prev.ids[self.info.me], direct)
        self.F[sender], self.A[sender], self.rhos[sender] = F, A, msg.rho

    def finalize(self):
        info, prev = self.info, self.prev
        parties = info.parties
        rid = xor_all(self.rhos[p] for p in parties)
        x = sum(self.shares.values()) % q
        public = dealing.public_shares((self.F[p] for p in parties), prev.ids)
        pk = Point.IDENTITY
        for p in parties:
            pk = pk + self.F[p][0]
        if public[info.me] != Point.base_mul(x):
            raise AssertionError("own share inconsistent with verified commitments")
        if pk.is_identity:  # needs a hash collision: the F_j,0 were committed before any was revealed
            raise Fault(Reason.INCONSISTENT, "joint public key is the identity")
        proof = sch.prove(info.proof(3, info.me, None, rid), sch.Statement(public[info.me]), x, (prev.tau, prev.A))
        share = KeyShare(parties=parties, threshold=prev.t, me=info.me, share_ids=dict(prev.ids), x=x,
                         public_shares=public, public_key=pk)
        msg = KeygenR3(sch=proof.encode(None))
        return Step([Out(j, msg) for j in info.others], _Round3(self, rid, share))


def check_schnorr(info, round, rid, sender, X: Point, committed_A: Point, msg) -> None:
    proof = sch.Proof.decode(msg, None)
    if proof.A != committed_A:
        raise Fault(Reason.BAD_PROOF, "Pi-sch commitment differs from the committed A_j")
    if not sch.verify(info.proof(round, sender, None, rid), sch.Statement(X), proof):
        raise Fault(Reason.BAD_PROOF, "Pi-sch (knowledge of the share)")


class _Round3(Round):
    NUMBER = 3
    DIRECT = KeygenR3

    def __init__(self, prev: _Round2, rid: bytes, share: KeyShare):
        super().__init__(prev.info)
        self.prev, self.rid, self.share = prev, rid, share

    def receive(self, sender, bcast, msg):
        check_schnorr(self.info, 3, self.rid, sender, self.share.public_shares[sender], self.prev.A[sender], msg.sch)

    def finalize(self):
        return Step([], None, self.share)


def check_decommit(info, j, t: int, V: bytes, msg: KeygenR2):
    F = dealing.decode_commitments(msg.F, t)
    A = PointSpec().decode(msg.A, "A")
    if len(msg.rho) != 32 or len(msg.u) != 32:
        raise Fault(Reason.MALFORMED, "rho and u must be 32 bytes")
    if _commitment(info, j, F, A, msg.rho, msg.u) != V:
        raise Fault(Reason.BAD_COMMITMENT, "keygen decommitment does not open V")
    return F, A


def observe(ev, threshold: int) -> None:
    """Third-party re-check of a keygen blame (see evidence.py)."""
    info, j, v = ev.info, ev.accused, ev.info.me
    ids = share_ids(info.parties)
    if ev.round == 1:
        check_commitment_msg(ev.get(1, j, None, Commitment))
    elif ev.round == 2:
        F, _ = check_decommit(info, j, threshold, ev.get(1, j, None, Commitment).V, ev.get(2, j, None, KeygenR2))
        dealing.check_share(F, ids[v], ev.get(2, j, v, Share))
    elif ev.round == 3:
        r2 = {p: ev.get(2, p, None, KeygenR2) for p in info.parties}  # echoed by the accused
        rid = xor_all(r2[p].rho for p in info.parties)
        F = {p: ev.other(dealing.decode_commitments, r2[p].F, threshold) for p in info.parties}
        public = dealing.public_shares((F[p] for p in info.parties), ids)
        check_schnorr(info, 3, rid, j, public[j], PointSpec().decode(r2[j].A, "A"), ev.get(3, j, v, KeygenR3).sch)
