"""Aux-info generation: each party's Paillier-Blum modulus and ring-Pedersen parameters,
proven well-formed to every other party (CGGMP21 Fig. 6, without the key-refresh part).

Round 1  broadcast  V_i = H(ssid, i, N_i, s_i, t_i, psi^_i, rho_i, u_i)      commitment
Round 2  broadcast  (N_i, s_i, t_i, psi^_i = Pi-prm, rho_i, u_i)            decommitment
Round 3  direct     psi_i = Pi-mod(N_i), phi_{j,i} = Pi-fac(N_i) under (N^_j, s_j, t_j)
Output   every N_j, (s_j, t_j), checked; own Paillier and ring-Pedersen secrets.

Commit-then-reveal fixes rho = xor rho_j before anyone proves Pi-mod/Pi-fac, so nobody can
grind those challenges. Safe primes are an input: the caller generates them (in a process
pool, or ahead of time).
"""

from __future__ import annotations

import secrets

from . import auxpart
from .blame import Reason
from .paillier import PaillierSecretKey
from .rounds import Fault, Out, Round, SessionInfo, Step, xor_all
from .shares import AuxInfo
from .transcript import commit_hash
from .wire_pb2 import AuxR2, AuxR3, Commitment

PROTOCOL = "aux"


def _commitment(info: SessionInfo, party: str, aux, psi_hat, rho: bytes, u: bytes) -> bytes:
    def build(t):
        t.bytes("ssid", info.ssid).str("party", party)
        auxpart.absorb(t, aux, psi_hat)
        t.bytes("rho", rho).bytes("u", u)
    return commit_hash("aux", build)


def check_commitment_msg(msg: Commitment) -> bytes:
    if len(msg.V) != 32:
        raise Fault(Reason.MALFORMED, "commitment must be 32 bytes")
    return msg.V


def begin(info: SessionInfo, paillier: PaillierSecretKey) -> Step:
    d = auxpart.draft(info, paillier)
    rho, u = secrets.token_bytes(32), secrets.token_bytes(32)
    V = _commitment(info, info.me, d.public, d.psi_hat, rho, u)
    decommit = AuxR2(params=auxpart.params_msg(d), rho=rho, u=u)
    return Step([Out(None, Commitment(V=V))], _Round1(info, d, decommit, rho))


class _Round1(Round):
    NUMBER = 1
    BROADCAST = Commitment

    def __init__(self, info, d, decommit, rho):
        super().__init__(info)
        self.d, self.decommit, self.rho = d, decommit, rho
        self.V: dict[str, bytes] = {}

    def receive(self, sender, msg, direct):
        self.V[sender] = check_commitment_msg(msg)

    def finalize(self):
        return Step([Out(None, self.decommit)], _Round2(self))


class _Round2(Round):
    NUMBER = 2
    BROADCAST = AuxR2

    def __init__(self, prev: _Round1):
        super().__init__(prev.info)
        self.prev = prev
        self.public = {prev.info.me: prev.d.public}
        self.rhos = {prev.info.me: prev.rho}

    def receive(self, sender, msg, direct):
        self.public[sender], self.rhos[sender] = check_decommit(self.info, sender, self.prev.V[sender], msg)

    def finalize(self):
        info = self.info
        rid = xor_all(self.rhos[p] for p in info.parties)
        proofs = auxpart.prove_modulus(info, 3, rid, self.prev.d, {j: self.public[j] for j in info.others})
        return Step([Out(j, AuxR3(mod=m, fac=f)) for j, (m, f) in proofs.items()], _Round3(self, rid))


class _Round3(Round):
    NUMBER = 3
    DIRECT = AuxR3

    def __init__(self, prev: _Round2, rid: bytes):
        super().__init__(prev.info)
        self.prev, self.rid = prev, rid

    def receive(self, sender, bcast, msg):
        auxpart.check_modulus(self.info, 3, self.rid, sender, self.prev.public[sender], self.info.me,
                              self.prev.prev.d.ped, msg.mod, msg.fac)

    def finalize(self):
        d = self.prev.prev.d
        public = {p: self.prev.public[p] for p in self.info.parties}
        return Step([], None, AuxInfo(self.info.parties, public, d.paillier, d.ped))


def check_decommit(info, j, V: bytes, msg: AuxR2):
    aux, psi_hat = auxpart.read_params(msg.params)
    if len(msg.rho) != 32 or len(msg.u) != 32:
        raise Fault(Reason.MALFORMED, "rho and u must be 32 bytes")
    if _commitment(info, j, aux, psi_hat, msg.rho, msg.u) != V:
        raise Fault(Reason.BAD_COMMITMENT, "aux-info decommitment does not open V")
    auxpart.check_params(info, j, aux, psi_hat)
    return aux, msg.rho


def observe(ev) -> None:
    """Third-party re-check of an aux-info blame (see evidence.py)."""
    info, j, v = ev.info, ev.accused, ev.info.me
    if ev.round == 1:
        check_commitment_msg(ev.get(1, j, None, Commitment))
    elif ev.round == 2:
        check_decommit(info, j, ev.get(1, j, None, Commitment).V, ev.get(2, j, None, AuxR2))
    elif ev.round == 3:
        r2 = {p: ev.get(2, p, None, AuxR2) for p in info.parties}  # echoed by the accused
        rid = xor_all(r2[p].rho for p in info.parties)
        aux_j, _ = auxpart.read_params(r2[j].params)
        aux_v, _ = ev.other(auxpart.read_params, r2[v].params)
        msg = ev.get(3, j, v, AuxR3)
        auxpart.check_modulus(info, 3, rid, j, aux_j, v, aux_v.ped, msg.mod, msg.fac)
