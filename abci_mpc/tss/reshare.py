"""Resharing (t, n) -> (t', n') with the public key unchanged; refresh is the special case
of the same committee and threshold (see refresh.py).

Dealers are t+1 or more parties of the old committee; members are the new committee; a
party may be both. Dealer i shares lambda_i x_i (its Lagrange-weighted share over the
dealer set) with a degree-t' polynomial, so the new shares x'_k = sum_i f_i(x'_k)
interpolate to the same secret. Members also run fresh aux-info among themselves.

Round 1  broadcast  V_i = H(ssid, i, F_i?, aux_i?, A_i?, rho_i, u_i)     (? = by role)
Round 2  broadcast  decommitment: dealers F_i, members aux params and Schnorr commitment A_i
         direct     dealers -> members: f_i(x'_j)
Round 3  direct     members -> all: Pi-sch for x'_j; members -> members: Pi-mod, Pi-fac
Output   members: the new KeyShare with new aux info; leaving dealers: None, and the old
         share is dead for everyone (Output.retire_old), so stores erase it.

Members check every dealer's constant term against the unchanged key: F_i,0 must equal
X_i^lambda_i (the dealer's old public share, Lagrange-weighted), and sum_i F_i,0 must be
the public key. A dealer cannot slip in a different secret without being named.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from . import auxpart, dealing
from .aux import check_commitment_msg
from .blame import Reason
from .codec import PointSpec
from .curve import Point, point_sum, q
from .keygen import check_schnorr, share_ids
from .paillier import PaillierSecretKey
from .rounds import Fault, Out, Round, SessionInfo, Step, xor_all
from .shares import AuxInfo, KeyShare
from .transcript import Transcript, commit_hash
from .vss import Polynomial, lagrange
from .wire_pb2 import Commitment, ReshareR2, ReshareR3, Share
from .zk import sch

PROTOCOL = "reshare"


@dataclass(frozen=True)
class OldKey:
    """Public facts about the key being reshared; every participant must hold the same."""

    public_key: Point
    threshold: int
    share_ids: dict  # old party -> x-coordinate
    public_shares: dict  # old party -> X_j

    @classmethod
    def of(cls, share: KeyShare) -> OldKey:
        return cls(share.public_key, share.threshold, dict(share.share_ids), dict(share.public_shares))


@dataclass(frozen=True)
class Output:
    share: KeyShare | None  # None: this party is not in the new committee
    retire_old: bool = True  # the old share must be erased once the new committee is confirmed


def binding(old: OldKey, dealers, new_parties, new_threshold: int) -> bytes:
    t = Transcript("reshare-binding").point("X", old.public_key).int("t", old.threshold)
    for p in sorted(old.share_ids):
        t.str("old", p).int("id", old.share_ids[p]).point("X_j", old.public_shares[p])
    t.bytes("dealers", "\x00".join(sorted(dealers)).encode())
    t.bytes("members", "\x00".join(sorted(new_parties)).encode()).int("t'", new_threshold)
    return t.digest(32)


class _Roles:
    def __init__(self, info: SessionInfo, old: OldKey, dealers, members, new_t: int):
        self.dealers, self.members = tuple(sorted(dealers)), tuple(sorted(members))
        if set(info.parties) != set(self.dealers) | set(self.members):
            raise ValueError("session parties must be exactly dealers plus new members")
        if not set(self.dealers) <= set(old.share_ids) or len(self.dealers) < old.threshold + 1:
            raise ValueError(f"need at least {old.threshold + 1} dealers from the old committee")
        if not 1 <= new_t < len(self.members):
            raise ValueError(f"new threshold must be in 1..{len(self.members) - 1}")
        if info.binding != binding(old, self.dealers, self.members, new_t):
            raise ValueError("session binding does not match the reshare parameters")
        self.old, self.new_t = old, new_t
        self.new_ids = share_ids(self.members)
        xs = [old.share_ids[d] for d in self.dealers]
        self.lam = {d: lagrange(xs, old.share_ids[d]) for d in self.dealers}


def _commitment(info, party, F, aux, psi_hat, A, rho, u) -> bytes:
    def build(t):
        t.bytes("ssid", info.ssid).str("party", party)
        t.points("F", F or ())
        if aux is not None:
            auxpart.absorb(t, aux, psi_hat)
            t.point("A", A)
        t.bytes("rho", rho).bytes("u", u)
    return commit_hash("reshare", build)


def begin(info: SessionInfo, old: KeyShare | None, old_key: OldKey, dealers, new_parties, new_threshold: int,
          paillier: PaillierSecretKey | None) -> Step:
    roles = _Roles(info, old_key, dealers, new_parties, new_threshold)
    me = info.me
    f = F = d = tau = A = None
    if me in roles.dealers:
        if old is None or old.me != me or old.public_key != old_key.public_key or old.share_ids != old_key.share_ids:
            raise ValueError("a dealer needs its share of this key")
        f = Polynomial.random(new_threshold, roles.lam[me] * old.x)
        F = f.commitments()
    if me in roles.members:
        if paillier is None:
            raise ValueError("a new member needs a fresh Paillier key")
        d = auxpart.draft(info, paillier)
        tau, A = sch.commit()
    rho, u = secrets.token_bytes(32), secrets.token_bytes(32)
    V = _commitment(info, me, F, d.public if d else None, d.psi_hat if d else None, A, rho, u)
    decommit = ReshareR2(F=dealing.encode_commitments(F or ()), rho=rho, u=u)
    if d is not None:
        decommit.params.CopyFrom(auxpart.params_msg(d))
        decommit.A = A.to_bytes()
    st = _State(info, roles, f, F, d, tau, A, rho, decommit)
    return Step([Out(None, Commitment(V=V))], _Round1(st))


class _State:
    def __init__(self, info, roles, f, F, d, tau, A, rho, decommit):
        self.info, self.roles, self.f, self.d, self.tau, self.decommit = info, roles, f, d, tau, decommit
        me = info.me
        self.V: dict[str, bytes] = {}
        self.F = {me: F} if F is not None else {}
        self.aux = {me: d.public} if d is not None else {}
        self.A = {me: A} if A is not None else {}
        self.rhos = {me: rho}
        self.shares: dict[str, int] = {}


class _Round1(Round):
    NUMBER = 1
    BROADCAST = Commitment

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def receive(self, sender, msg, direct):
        self.st.V[sender] = check_commitment_msg(msg)

    def finalize(self):
        st, info = self.st, self.info
        out = [Out(None, st.decommit)]
        if st.f is not None:
            for j in st.roles.members:
                x = st.roles.new_ids[j]
                if j == info.me:
                    st.shares[j] = st.f(x)
                else:
                    out.append(Out(j, dealing.share_msg(st.f, x)))
        return Step(out, _Round2(st))


class _Round2(Round):
    NUMBER = 2
    BROADCAST = ReshareR2
    DIRECT = Share

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def expects(self, sender):
        roles = self.st.roles
        return True, sender in roles.dealers and self.info.me in roles.members

    def receive(self, sender, msg, direct):
        st, roles = self.st, self.st.roles
        F, aux, A = check_decommit(self.info, roles, sender, st.V[sender], msg)
        if F is not None:
            if direct is not None:
                st.shares[sender] = dealing.check_share(F, roles.new_ids[self.info.me], direct)
            st.F[sender] = F
        if aux is not None:
            st.aux[sender], st.A[sender] = aux, A
        st.rhos[sender] = msg.rho

    def finalize(self):
        st, info, roles = self.st, self.info, self.st.roles
        if point_sum(st.F[dl][0] for dl in roles.dealers) != roles.old.public_key:
            # Each F_i,0 was checked against X_i^lambda_i, so this needs inconsistent old data.
            raise Fault(Reason.INCONSISTENT, "dealers' constant terms do not sum to the public key")
        rid = xor_all(st.rhos[p] for p in info.parties)
        st.rid = rid
        st.public_shares = dealing.public_shares((st.F[dl] for dl in roles.dealers), roles.new_ids)
        out = []
        if info.me in roles.members:
            st.x = sum(st.shares.values()) % q
            X_me = st.public_shares[info.me]
            if Point.base_mul(st.x) != X_me:
                raise AssertionError("own new share inconsistent with verified commitments")
            proof = sch.prove(info.proof(3, info.me, None, rid), sch.Statement(X_me), st.x, (st.tau, st.A[info.me]))
            sch_msg = proof.encode(None)
            peers = {j: st.aux[j] for j in roles.members if j != info.me}
            aux_proofs = auxpart.prove_modulus(info, 3, rid, st.d, peers)
            for j in info.others:
                msg = ReshareR3(sch=sch_msg)
                if j in aux_proofs:
                    msg.mod.CopyFrom(aux_proofs[j][0])
                    msg.fac.CopyFrom(aux_proofs[j][1])
                out.append(Out(j, msg))
        return Step(out, _Round3(st))


class _Round3(Round):
    NUMBER = 3
    DIRECT = ReshareR3

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def expects(self, sender):
        return False, sender in self.st.roles.members

    def receive(self, sender, bcast, msg):
        st, roles, info = self.st, self.st.roles, self.info
        check_schnorr(info, 3, st.rid, sender, st.public_shares[sender], st.A[sender], msg.sch)
        if info.me in roles.members:
            if not (msg.HasField("mod") and msg.HasField("fac")):
                raise Fault(Reason.MALFORMED, "member omitted its aux-info proofs")
            auxpart.check_modulus(info, 3, st.rid, sender, st.aux[sender], info.me, st.d.ped, msg.mod, msg.fac)

    def finalize(self):
        st, roles, info = self.st, self.st.roles, self.info
        if info.me not in roles.members:
            return Step([], None, Output(None))
        aux = AuxInfo(roles.members, {p: st.aux[p] for p in roles.members}, st.d.paillier, st.d.ped)
        share = KeyShare(parties=roles.members, threshold=roles.new_t, me=info.me, share_ids=dict(roles.new_ids),
                         x=st.x, public_shares=dict(st.public_shares), public_key=roles.old.public_key, aux=aux)
        return Step([], None, Output(share))


def check_decommit(info, roles: _Roles, j, V: bytes, msg: ReshareR2):
    """j's decommitment by role: (F if dealer, aux if member, A if member)."""
    is_dealer, is_member = j in roles.dealers, j in roles.members
    if bool(msg.F) != is_dealer or msg.HasField("params") != is_member or bool(msg.A) != is_member:
        raise Fault(Reason.MALFORMED, "decommitment does not match the sender's role")
    if len(msg.rho) != 32 or len(msg.u) != 32:
        raise Fault(Reason.MALFORMED, "rho and u must be 32 bytes")
    F = dealing.decode_commitments(msg.F, roles.new_t) if is_dealer else None
    aux = psi_hat = A = None
    if is_member:
        aux, psi_hat = auxpart.read_params(msg.params)
        A = PointSpec().decode(msg.A, "A")
    if _commitment(info, j, F, aux, psi_hat, A, msg.rho, msg.u) != V:
        raise Fault(Reason.BAD_COMMITMENT, "reshare decommitment does not open V")
    if is_dealer and F[0] != roles.old.public_shares[j] * roles.lam[j]:
        raise Fault(Reason.BAD_SHARE, "dealer's constant term is not its Lagrange-weighted old share")
    if is_member:
        auxpart.check_params(info, j, aux, psi_hat)
    return F, aux, A


def observe(ev, old: OldKey, dealers, members, new_threshold: int) -> None:
    """Third-party re-check of a reshare or refresh blame (see evidence.py)."""
    info, j, v = ev.info, ev.accused, ev.info.me
    roles = _Roles(info, old, dealers, members, new_threshold)
    if ev.round == 1:
        check_commitment_msg(ev.get(1, j, None, Commitment))
    elif ev.round == 2:
        F, _, _ = check_decommit(info, roles, j, ev.get(1, j, None, Commitment).V, ev.get(2, j, None, ReshareR2))
        if F is not None and v in roles.members:
            dealing.check_share(F, roles.new_ids[v], ev.get(2, j, v, Share))
    elif ev.round == 3:
        r2 = {p: ev.get(2, p, None, ReshareR2) for p in info.parties}  # echoed by the accused
        rid = xor_all(r2[p].rho for p in info.parties)
        F = [ev.other(dealing.decode_commitments, r2[d].F, roles.new_t) for d in roles.dealers]
        public = dealing.public_shares(F, roles.new_ids)
        msg = ev.get(3, j, v, ReshareR3)
        check_schnorr(info, 3, rid, j, public[j], PointSpec().decode(r2[j].A, "A"), msg.sch)
        if v in roles.members:
            if not (msg.HasField("mod") and msg.HasField("fac")):
                raise Fault(Reason.MALFORMED, "member omitted its aux-info proofs")
            aux_j, _ = auxpart.read_params(r2[j].params)
            aux_v, _ = ev.other(auxpart.read_params, r2[v].params)
            auxpart.check_modulus(info, 3, rid, j, aux_j, v, aux_v.ped, msg.mod, msg.fac)
