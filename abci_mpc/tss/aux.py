"""Aux-info generation: each party's Paillier-Blum modulus and ring-Pedersen parameters,
proven well-formed to every other party (CGGMP21 Fig. 6, without the key-refresh part).

Round 1  broadcast  V_i = H(ssid, i, N_i, s_i, t_i, psi^_i, rho_i, u_i)      commitment
Round 2  broadcast  (N_i, s_i, t_i, psi^_i = Pi-prm, rho_i, u_i)            decommitment
Round 3  direct     psi_i = Pi-mod(N_i), phi_{j,i} = Pi-fac(N_i) under (N^_j, s_j, t_j)
Output   every N_j, (s_j, t_j), checked; own Paillier and ring-Pedersen secrets.

The 3-round commit-then-reveal fixes rho = xor rho_j before anyone proves Pi-mod/Pi-fac,
so nobody can grind those challenges. Safe primes are an input: the caller generates them
(in a process pool, or ahead of time from a stash).
"""

from __future__ import annotations

import secrets
from gmpy2 import mpz

from .blame import Reason
from .codec import byte_len
from .paillier import PaillierError, PaillierSecretKey
from .pedersen import RingPedersen, RingPedersenSecret
from .shares import AuxInfo, PartyAux
from .rounds import Fault, Out, Round, SessionInfo, Step, xor_all
from .transcript import commit_hash
from .wire_pb2 import AuxR1, AuxR2, AuxR3
from .zk import fac, mod, prm

PROTOCOL = "aux"


def _commitment(info: SessionInfo, party: str, N, s, t, proof: prm.Proof, rho: bytes, u: bytes) -> bytes:
    def build(tr):
        tr.bytes("ssid", info.ssid).str("party", party).int("N", N).int("s", s).int("t", t)
        tr.ints("prm.A", proof.A).ints("prm.z", proof.z).bytes("rho", rho).bytes("u", u)
    return commit_hash("aux", build)


def begin(info: SessionInfo, paillier: PaillierSecretKey) -> Step:
    ped = RingPedersenSecret.generate(paillier.p, paillier.q)
    psi_hat = prm.prove(info.proof(1, info.me), ped)
    rho, u = secrets.token_bytes(32), secrets.token_bytes(32)
    V = _commitment(info, info.me, ped.N, ped.s, ped.t, psi_hat, rho, u)
    width = byte_len(ped.N)
    decommit = AuxR2(N=int(ped.N).to_bytes(width, "big"), s=int(ped.s).to_bytes(width, "big"),
                     t=int(ped.t).to_bytes(width, "big"),
                     prm=psi_hat.encode(prm.Statement(ped.public)), rho=rho, u=u)
    return Step([Out(None, AuxR1(V=V))], _Round1(info, paillier, ped, decommit, rho))


class _Round1(Round):
    NUMBER = 1
    BROADCAST = AuxR1

    def __init__(self, info, paillier, ped, decommit, rho):
        super().__init__(info)
        self.paillier, self.ped, self.decommit, self.rho = paillier, ped, decommit, rho
        self.V: dict[str, bytes] = {}

    def receive(self, sender, bcast, direct):
        if len(bcast.V) != 32:
            raise Fault(Reason.MALFORMED, "commitment must be 32 bytes")
        self.V[sender] = bcast.V

    def finalize(self):
        return Step([Out(None, self.decommit)], _Round2(self))


class _Round2(Round):
    NUMBER = 2
    BROADCAST = AuxR2

    def __init__(self, prev: _Round1):
        super().__init__(prev.info)
        self.prev = prev
        self.public: dict[str, PartyAux] = {prev.info.me: PartyAux(prev.ped.N, prev.ped.public)}
        self.rhos = {prev.info.me: prev.rho}

    def receive(self, sender, msg, direct):
        try:
            N = mpz(int.from_bytes(msg.N, "big"))
            if len(msg.N) != byte_len(N) or len(msg.s) != byte_len(N) or len(msg.t) != byte_len(N):
                raise Fault(Reason.MALFORMED, "N, s, t must be minimal-width big-endian")
            ped = RingPedersen(N, int.from_bytes(msg.s, "big"), int.from_bytes(msg.t, "big"))
        except PaillierError as exc:
            raise Fault(Reason.BAD_PARAMETERS, str(exc)) from None
        if len(msg.rho) != 32 or len(msg.u) != 32:
            raise Fault(Reason.MALFORMED, "rho and u must be 32 bytes")
        stmt = prm.Statement(ped)
        psi_hat = prm.Proof.decode(msg.prm, stmt)
        if _commitment(self.info, sender, N, ped.s, ped.t, psi_hat, msg.rho, msg.u) != self.prev.V[sender]:
            raise Fault(Reason.BAD_COMMITMENT, "aux-info decommitment does not open V")
        if not prm.verify(self.info.proof(1, sender), stmt, psi_hat):
            raise Fault(Reason.BAD_PROOF, "Pi-prm (ring-Pedersen parameters)")
        self.public[sender] = PartyAux(N, ped)
        self.rhos[sender] = msg.rho

    def finalize(self):
        info, prev = self.info, self.prev
        rid = xor_all(self.rhos[p] for p in info.parties)
        psi = mod.prove(info.proof(3, info.me, None, rid), prev.paillier)
        psi_msg = psi.encode(mod.Statement(prev.paillier.N))
        out = []
        for j in info.others:
            fstmt = fac.Statement(prev.paillier.N, self.public[j].ped)
            phi = fac.prove(info.proof(3, info.me, j, rid), fstmt, prev.paillier.p, prev.paillier.q)
            out.append(Out(j, AuxR3(mod=psi_msg, fac=phi.encode(fstmt))))
        return Step(out, _Round3(self, rid))


class _Round3(Round):
    NUMBER = 3
    DIRECT = AuxR3

    def __init__(self, prev: _Round2, rid: bytes):
        super().__init__(prev.info)
        self.prev, self.rid = prev, rid

    def receive(self, sender, bcast, msg):
        info = self.info
        aux = self.prev.public[sender]
        mstmt = mod.Statement(aux.N)
        if not mod.verify(info.proof(3, sender, None, self.rid), mstmt, mod.Proof.decode(msg.mod, mstmt)):
            raise Fault(Reason.BAD_PROOF, "Pi-mod (Paillier-Blum modulus)")
        own_ped = self.prev.prev.ped  # our secret parameters: verify through CRT
        proof = fac.Proof.decode(msg.fac, fac.Statement(aux.N, own_ped.public))
        if not fac.verify(info.proof(3, sender, info.me, self.rid), fac.Statement(aux.N, own_ped), proof):
            raise Fault(Reason.BAD_PROOF, "Pi-fac (no small factor)")

    def finalize(self):
        prev = self.prev.prev
        return Step([], None, AuxInfo(self.info.parties, dict(self.prev.public), prev.paillier, prev.ped))
