"""The aux-info steps of CGGMP21 Fig. 6, shared by aux-info, refresh and resharing.

A party drafts fresh parameters (Paillier modulus N, ring-Pedersen s = t^lambda, and a
Pi-prm proof made before any randomness is joint), commits to them, reveals them, and
once rho is fixed proves Pi-mod for N to everyone and Pi-fac to each peer under that
peer's ring-Pedersen parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmpy2 import mpz

from .blame import Reason
from .codec import byte_len
from .paillier import PaillierError, PaillierSecretKey
from .pedersen import RingPedersen, RingPedersenSecret
from .rounds import Fault, SessionInfo
from .shares import PartyAux
from .transcript import Transcript
from .wire_pb2 import AuxParams
from .zk import fac, mod, prm


@dataclass(frozen=True)
class Draft:
    paillier: PaillierSecretKey
    ped: RingPedersenSecret
    psi_hat: prm.Proof

    @property
    def public(self) -> PartyAux:
        return PartyAux(self.ped.N, self.ped.public)

    def __repr__(self) -> str:
        return "Draft(<secret>)"


def draft(info: SessionInfo, paillier: PaillierSecretKey) -> Draft:
    ped = RingPedersenSecret.generate(paillier.p, paillier.q)
    return Draft(paillier, ped, prm.prove(info.proof(1, info.me), ped))


def absorb(t: Transcript, aux: PartyAux, psi_hat: prm.Proof) -> None:
    """The aux part of a party's commitment V."""
    t.int("N", aux.N).int("s", aux.ped.s).int("t", aux.ped.t).ints("prm.A", psi_hat.A).ints("prm.z", psi_hat.z)


def params_msg(d: Draft) -> AuxParams:
    width = byte_len(d.ped.N)
    return AuxParams(N=int(d.ped.N).to_bytes(width, "big"), s=int(d.ped.s).to_bytes(width, "big"),
                     t=int(d.ped.t).to_bytes(width, "big"), prm=d.psi_hat.encode(prm.Statement(d.ped.public)))


def read_params(msg: AuxParams) -> tuple[PartyAux, prm.Proof]:
    """Decode a peer's parameters; structure only (Fault: MALFORMED / BAD_PARAMETERS)."""
    N = mpz(int.from_bytes(msg.N, "big"))
    width = byte_len(N)
    if not msg.N or msg.N[0] == 0 or len(msg.s) != width or len(msg.t) != width:
        raise Fault(Reason.MALFORMED, "N, s, t must be big-endian at the width of N")
    try:
        ped = RingPedersen(N, int.from_bytes(msg.s, "big"), int.from_bytes(msg.t, "big"))
    except PaillierError as exc:
        raise Fault(Reason.BAD_PARAMETERS, str(exc)) from None
    return PartyAux(N, ped), prm.Proof.decode(msg.prm, prm.Statement(ped))


def check_params(info: SessionInfo, sender: str, aux: PartyAux, psi_hat: prm.Proof) -> None:
    if not prm.verify(info.proof(1, sender), prm.Statement(aux.ped), psi_hat):
        raise Fault(Reason.BAD_PROOF, "Pi-prm (ring-Pedersen parameters)")


def prove_modulus(info: SessionInfo, round: int, rid: bytes, d: Draft, peers: dict[str, PartyAux]):
    """Pi-mod once for everyone, Pi-fac per peer under its ring-Pedersen parameters."""
    psi = mod.prove(info.proof(round, info.me, None, rid), d.paillier).encode(mod.Statement(d.paillier.N))
    out = {}
    for j, aux_j in peers.items():
        stmt = fac.Statement(d.paillier.N, aux_j.ped)
        phi = fac.prove(info.proof(round, info.me, j, rid), stmt, d.paillier.p, d.paillier.q)
        out[j] = (psi, phi.encode(stmt))
    return out


def check_modulus(info: SessionInfo, round: int, rid: bytes, sender: str, aux_j: PartyAux,
                  verifier: str, verifier_ped, mod_msg, fac_msg) -> None:
    """`verifier_ped` may be the verifier's secret parameters (checks through CRT) or public ones."""
    mstmt = mod.Statement(aux_j.N)
    if not mod.verify(info.proof(round, sender, None, rid), mstmt, mod.Proof.decode(mod_msg, mstmt)):
        raise Fault(Reason.BAD_PROOF, "Pi-mod (Paillier-Blum modulus)")
    proof = fac.Proof.decode(fac_msg, fac.Statement(aux_j.N, verifier_ped.public))
    if not fac.verify(info.proof(round, sender, verifier, rid), fac.Statement(aux_j.N, verifier_ped), proof):
        raise Fault(Reason.BAD_PROOF, "Pi-fac (no small factor)")
