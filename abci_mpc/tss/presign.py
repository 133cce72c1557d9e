"""Three-round presigning among a signer set S, |S| >= t+1 (CGGMP21 Fig. 7).

Each signer uses the additive share w_i = lambda_i(S) * x_i of the key, W_j = X_j^lambda_j.

Round 1  broadcast  K_i = enc_i(k_i; rho_i), G_i = enc_i(gamma_i; nu_i)
         direct     psi0_{j,i} = Pi-enc(K_i) to each j, under j's ring-Pedersen
Round 2  direct     Gamma_i = g^gamma_i and, for each j, the two MtA:
                      D_{j,i} = gamma_i*K_j + enc_j(-beta_ij),  F_{j,i} = enc_i(-beta_ij)
                      D^_{j,i} = w_i*K_j + enc_j(-beta^_ij),    F^_{j,i} = enc_i(-beta^_ij)
                    with Pi-aff-g for both and Pi-log* for Gamma_i vs G_i
Round 3  direct     delta_i = gamma_i k_i + sum_j (alpha_ij + beta_ij),  Delta_i = Gamma^k_i,
                    Pi-log* for Delta_i vs K_i (base Gamma)
Output   delta = sum delta_j, check g^delta = sum Delta_j, R = Gamma^(1/delta);
         presignature (R, k_i, chi_i), chi_i = w_i k_i + sum_j (alpha^_ij + beta^_ij).

Rounds 2 and 3 are point-to-point, yet consistent: Gamma_j is bound to the echoed G_j by
Pi-log*, Delta_j to the echoed K_j by Pi-log*, and delta by the check g^delta = sum Delta_j.
So only round 1 needs echo broadcast, which Session provides.
"""

from __future__ import annotations

from .blame import Reason
from .codec import PointSpec, ScalarSpec, Unit
from .curve import Point, inverse, point_sum, q, random_scalar
from .paillier import random_unit
from .params import ELL_PRIME
from .rounds import Fault, Out, Round, SessionInfo, Step
from .shares import KeyShare, Presignature
from .transcript import Transcript
from .wire_pb2 import PresignR1, PresignR1Proof, PresignR2, PresignR3
from .zk import affg, enc, logstar
from .zk.base import sample_pm

PROTOCOL = "presign"


def binding(share: KeyShare) -> bytes:
    return Transcript("presign-binding").bytes("key", share.fingerprint()).digest(32)


def begin(info: SessionInfo, share: KeyShare) -> Step:
    if share.aux is None:
        raise ValueError("key share has no aux info")
    if not set(info.parties) <= set(share.parties) or len(info.parties) < share.threshold + 1:
        raise ValueError(f"need at least {share.threshold + 1} signers from the key's parties")
    if info.binding != binding(share):
        raise ValueError("session binding does not match the key")
    return _begin(info, share)


def _begin(info: SessionInfo, share: KeyShare) -> Step:
    aux = share.aux
    sk = aux.paillier
    lam = share.lagrange(info.parties)
    w = (lam[info.me] * share.x) % q
    W = {j: share.public_shares[j] * lam[j] for j in info.parties}
    k, gamma = random_scalar(), random_scalar()
    rho, nu = random_unit(sk.N), random_unit(sk.N)
    K, G = sk.encrypt_with(k, rho), sk.encrypt_with(gamma, nu)
    out = [Out(None, PresignR1(K=Unit(sk.N2).encode(K), G=Unit(sk.N2).encode(G)))]
    for j in info.others:
        stmt = enc.Statement(sk, K, aux.public[j].ped)
        psi0 = enc.prove(info.proof(1, info.me, j), stmt, k, rho)
        out.append(Out(j, PresignR1Proof(psi0=psi0.encode(stmt))))
    state = _State(info, share, w, W, k, gamma, rho, nu, K, G)
    return Step(out, _Round1(state))


class _State:
    """Everything one signer carries from round to round."""

    def __init__(self, info, share, w, W, k, gamma, rho, nu, K, G):
        self.info, self.share, self.aux = info, share, share.aux
        self.w, self.W, self.k, self.gamma, self.rho, self.nu = w, W, k, gamma, rho, nu
        self.K = {info.me: K}
        self.G = {info.me: G}

    def pub(self, j):
        return self.aux.public[j]


class _Round1(Round):
    NUMBER = 1
    BROADCAST = PresignR1
    DIRECT = PresignR1Proof

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def receive(self, j, msg, direct):
        st = self.st
        key_j = st.pub(j).paillier
        K, G = Unit(key_j.N2).decode(msg.K, "K"), Unit(key_j.N2).decode(msg.G, "G")
        stmt = enc.Statement(key_j, K, st.aux.ped)  # our own parameters: verify via CRT
        psi0 = enc.Proof.decode(direct.psi0, enc.Statement(key_j, K, st.aux.ped.public))
        if not enc.verify(self.info.proof(1, j, self.info.me), stmt, psi0):
            raise Fault(Reason.BAD_PROOF, "Pi-enc for K_j")
        st.K[j], st.G[j] = K, G

    def finalize(self):
        st, info = self.st, self.info
        sk = st.aux.paillier
        Gamma_i = Point.base_mul(st.gamma)
        st.beta, st.beta_hat = {}, {}
        out = []
        for j in info.others:
            key_j, ped_j = st.pub(j).paillier, st.pub(j).ped
            ctx = info.proof(2, info.me, j)
            msg = PresignR2(Gamma=Gamma_i.to_bytes())
            for x, X, field, betas in ((st.gamma, Gamma_i, "", st.beta), (st.w, st.W[info.me], "_hat", st.beta_hat)):
                beta = sample_pm(1 << ELL_PRIME)
                s, r = random_unit(key_j.N), random_unit(sk.N)
                D = key_j.add(key_j.mul(st.K[j], x), key_j.encrypt_with(-beta, s))
                F = sk.encrypt_with(-beta, r)
                stmt = affg.Statement(key_j, sk, st.K[j], D, F, X, ped_j)
                proof = affg.prove(ctx, stmt, x, -beta, s, r)
                betas[j] = beta
                setattr(msg, "D" + field, Unit(key_j.N2).encode(D))
                setattr(msg, "F" + field, Unit(sk.N2).encode(F))
                getattr(msg, "psi" + field).CopyFrom(proof.encode(stmt))
            lstmt = logstar.Statement(sk, st.G[info.me], Gamma_i, Point.G, ped_j)
            msg.psi_prime.CopyFrom(logstar.prove(ctx, lstmt, st.gamma, st.nu).encode(lstmt))
            out.append(Out(j, msg))
        st.Gamma = {info.me: Gamma_i}
        return Step(out, _Round2(st))


class _Round2(Round):
    NUMBER = 2
    DIRECT = PresignR2

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st
        st.alpha, st.alpha_hat = {}, {}

    def receive(self, j, bcast, msg):
        st, info = self.st, self.info
        sk, own_ped = st.aux.paillier, st.aux.ped
        key_j = st.pub(j).paillier
        Gamma_j = PointSpec().decode(msg.Gamma, "Gamma")
        ctx = info.proof(2, j, info.me)
        for field, X, alphas in (("", Gamma_j, st.alpha), ("_hat", st.W[j], st.alpha_hat)):
            D = Unit(sk.N2).decode(getattr(msg, "D" + field), "D" + field)
            F = Unit(key_j.N2).decode(getattr(msg, "F" + field), "F" + field)
            stmt = affg.Statement(sk, key_j, st.K[info.me], D, F, X, own_ped)
            proof = affg.Proof.decode(getattr(msg, "psi" + field),
                                      affg.Statement(sk.public, key_j, st.K[info.me], D, F, X, own_ped.public))
            if not affg.verify(ctx, stmt, proof):
                raise Fault(Reason.BAD_PROOF, f"Pi-aff-g for D{field}")
            alphas[j] = sk.decrypt(D)
        lstmt = logstar.Statement(key_j, st.G[j], Gamma_j, Point.G, own_ped)
        proof = logstar.Proof.decode(msg.psi_prime, logstar.Statement(key_j, st.G[j], Gamma_j, Point.G, own_ped.public))
        if not logstar.verify(ctx, lstmt, proof):
            raise Fault(Reason.BAD_PROOF, "Pi-log* for Gamma_j")
        st.Gamma[j] = Gamma_j

    def finalize(self):
        st, info = self.st, self.info
        sk = st.aux.paillier
        others = info.others
        Gamma = point_sum(st.Gamma[p] for p in info.parties)
        Delta_i = Gamma * st.k
        delta_i = (st.gamma * st.k + sum(st.alpha[j] + st.beta[j] for j in others)) % q
        st.chi = (st.w * st.k + sum(st.alpha_hat[j] + st.beta_hat[j] for j in others)) % q
        st.Gamma_sum, st.delta, st.Delta = Gamma, {info.me: delta_i}, {info.me: Delta_i}
        out = []
        for j in others:
            ped_j = st.pub(j).ped
            stmt = logstar.Statement(sk, st.K[info.me], Delta_i, Gamma, ped_j)
            proof = logstar.prove(info.proof(3, info.me, j), stmt, st.k, st.rho)
            out.append(Out(j, PresignR3(delta=ScalarSpec().encode(delta_i), Delta=Delta_i.to_bytes(),
                                        psi_pp=proof.encode(stmt))))
        return Step(out, _Round3(st))


class _Round3(Round):
    NUMBER = 3
    DIRECT = PresignR3

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def receive(self, j, bcast, msg):
        st, info = self.st, self.info
        key_j, own_ped = st.pub(j).paillier, st.aux.ped
        delta_j = ScalarSpec().decode(msg.delta, "delta")
        Delta_j = PointSpec().decode(msg.Delta, "Delta")
        stmt = logstar.Statement(key_j, st.K[j], Delta_j, st.Gamma_sum, own_ped)
        proof = logstar.Proof.decode(msg.psi_pp, logstar.Statement(key_j, st.K[j], Delta_j, st.Gamma_sum, own_ped.public))
        if not logstar.verify(info.proof(3, j, info.me), stmt, proof):
            raise Fault(Reason.BAD_PROOF, "Pi-log* for Delta_j")
        st.delta[j], st.Delta[j] = delta_j, Delta_j

    def finalize(self):
        st, info = self.st, self.info
        delta = sum(st.delta.values()) % q
        if delta == 0 or Point.base_mul(delta) != point_sum(st.Delta.values()):
            raise Fault(Reason.INCONSISTENT, "g^delta differs from the product of Delta_j")
        R = st.Gamma_sum * inverse(delta)
        presig = Presignature(id=info.ssid, key_fingerprint=st.share.fingerprint(), signers=info.parties,
                              me=info.me, R=R, k=st.k, chi=st.chi)
        return Step([], None, presig)
