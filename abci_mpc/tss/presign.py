"""Three-round presigning among a signer set S, |S| >= t+1 (CGGMP21 Fig. 7).

Each signer uses the additive share w_i = lambda_i(S) * x_i of the key, W_j = X_j^lambda_j.

Round 1  broadcast  K_i = enc_i(k_i; rho_i), G_i = enc_i(gamma_i; nu_i), signed receipt
         direct     psi0_{j,i} = Pi-enc(K_i) to each j, under j's ring-Pedersen
Round 2  direct     Gamma_i = g^gamma_i and, for each j, the two MtA:
                      D_{j,i} = gamma_i*K_j + enc_j(-beta_ij),  F_{j,i} = enc_i(-beta_ij)
                      D^_{j,i} = w_i*K_j + enc_j(-beta^_ij),    F^_{j,i} = enc_i(-beta^_ij)
                    Pi-aff-g for both, Pi-log* for Gamma_i vs G_i, signed receipt
Round 3  broadcast  delta_i = gamma_i k_i + sum_j (alpha_ij + beta_ij),  Delta_i = Gamma^k_i
         direct     Pi-log* for Delta_i vs K_i (base Gamma)
Output   delta = sum delta_j; g^delta = sum Delta_j; R = Gamma^(1/delta);
         presignature (R, k_i, chi_i), chi_i = w_i k_i + sum_j (alpha^_ij + beta^_ij).
Round 4  only if a party's delta check fails: identification (identify.py).

Round 2 is point-to-point yet consistent: Gamma_j is bound to the echoed G_j by Pi-log*.
Parties whose delta check passes hold the same, correct delta (the Delta_j are bound to the
echoed K_j), so they output at once and only listen for a complaint in round 4.
"""

from __future__ import annotations

from . import identify, receipts
from .blame import Reason
from .codec import PointSpec, ScalarSpec, Unit
from .curve import Point, inverse, point_sum, q, random_scalar
from .identity import Signer
from .paillier import random_unit
from .params import ELL_PRIME
from .rounds import Fault, Out, Round, SessionInfo, Step
from .shares import KeyShare, Presignature
from .transcript import Transcript
from .wire_pb2 import PresignR1, PresignR1Proof, PresignR2, PresignR3, PresignR3Proof, PresignR4
from .zk import affg, enc, logstar, mul
from .zk.base import sample_pm

PROTOCOL = "presign"


def binding(share: KeyShare) -> bytes:
    return binding_for(share.fingerprint())


def binding_for(key_fingerprint: bytes) -> bytes:
    return Transcript("presign-binding").bytes("key", key_fingerprint).digest(32)


def begin(info: SessionInfo, share: KeyShare, signer: Signer, identities) -> Step:
    if share.aux is None:
        raise ValueError("key share has no aux info")
    if not set(info.parties) <= set(share.parties) or len(info.parties) < share.threshold + 1:
        raise ValueError(f"need at least {share.threshold + 1} signers from the key's parties")
    if info.binding != binding(share):
        raise ValueError("session binding does not match the key")
    st = _State(info, share, signer, identities)
    sk = st.sk
    K, G = sk.encrypt_with(st.k, st.rho), sk.encrypt_with(st.gamma, st.nu)
    Kb, Gb = Unit(sk.N2).encode(K), Unit(sk.N2).encode(G)
    st.K, st.G = {info.me: K}, {info.me: G}
    st.k_receipts = {info.me: receipts.sign_k(signer, info.ssid, info.me, Kb, Gb).SerializeToString()}
    out = [Out(None, PresignR1(K=Kb, G=Gb, receipt=receipts.KReceipt.FromString(st.k_receipts[info.me]).signature))]
    for j in info.others:
        stmt = enc.Statement(sk, K, st.aux.public[j].ped)
        psi0 = enc.prove(info.proof(1, info.me, j), stmt, st.k, st.rho)
        out.append(Out(j, PresignR1Proof(psi0=psi0.encode(stmt))))
    return Step(out, _Round1(st))


class _State:
    """Everything one signer carries from round to round."""

    def __init__(self, info: SessionInfo, share: KeyShare, signer: Signer, identities):
        self.info, self.share, self.aux, self.sk = info, share, share.aux, share.aux.paillier
        self.signer, self.identities = signer, identities
        lam = share.lagrange(info.parties)
        self.w = (lam[info.me] * share.x) % q
        self.W = {j: share.public_shares[j] * lam[j] for j in info.parties}
        self.k, self.gamma = random_scalar(), random_scalar()
        self.rho, self.nu = random_unit(self.sk.N), random_unit(self.sk.N)
        self.mta_in: dict[str, bytes] = {}
        self.mta_out: dict[str, bytes] = {}

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
        st.K[j], st.G[j], st.k_receipts[j] = check_r1(self.info, j, st.pub(j).paillier, st.aux.ped, msg, direct,
                                                      st.identities)

    def finalize(self):
        st, info = self.st, self.info
        sk = st.sk
        Gamma_i = Point.base_mul(st.gamma)
        st.beta, st.beta_hat = {}, {}
        out = []
        for j in info.others:
            key_j, ped_j = st.pub(j).paillier, st.pub(j).ped
            ctx = info.proof(2, info.me, j)
            msg = PresignR2(Gamma=Gamma_i.to_bytes())
            for x, X, suffix, betas in ((st.gamma, Gamma_i, "", st.beta), (st.w, st.W[info.me], "_hat", st.beta_hat)):
                beta = sample_pm(1 << ELL_PRIME)
                s, r = random_unit(key_j.N), random_unit(sk.N)
                D = key_j.add(key_j.mul_secret(st.K[j], x), key_j.encrypt_with(-beta, s))
                F = sk.encrypt_with(-beta, r)
                stmt = affg.Statement(key_j, sk, st.K[j], D, F, X, ped_j)
                betas[j] = beta
                setattr(msg, "D" + suffix, Unit(key_j.N2).encode(D))
                setattr(msg, "F" + suffix, Unit(sk.N2).encode(F))
                getattr(msg, "psi" + suffix).CopyFrom(affg.prove(ctx, stmt, x, -beta, s, r).encode(stmt))
            lstmt = logstar.Statement(sk, st.G[info.me], Gamma_i, Point.G, ped_j)
            msg.psi_prime.CopyFrom(logstar.prove(ctx, lstmt, st.gamma, st.nu).encode(lstmt))
            r = receipts.sign_mta(st.signer, info.ssid, info.me, j, msg.D, msg.F, msg.D_hat, msg.F_hat)
            msg.receipt = r.signature
            st.mta_out[j] = r.SerializeToString()
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
        Gamma_j, D, D_hat, receipt = check_r2(info, j, st.sk, st.pub(j).paillier, st.K[info.me], st.G[j], st.W[j],
                                              st.aux.ped, msg, st.identities)
        st.alpha[j], st.alpha_hat[j] = st.sk.decrypt(D), st.sk.decrypt(D_hat)
        st.mta_in[j], st.Gamma[j] = receipt, Gamma_j

    def finalize(self):
        st, info = self.st, self.info
        others = info.others
        Gamma = point_sum(st.Gamma[p] for p in info.parties)
        Delta_i = Gamma * st.k
        delta_i = (st.gamma * st.k + sum(st.alpha[j] + st.beta[j] for j in others)) % q
        st.chi = (st.w * st.k + sum(st.alpha_hat[j] + st.beta_hat[j] for j in others)) % q
        st.Gamma_sum, st.delta, st.Delta = Gamma, {info.me: delta_i}, {info.me: Delta_i}
        out = [Out(None, PresignR3(delta=ScalarSpec().encode(delta_i), Delta=Delta_i.to_bytes()))]
        for j in others:
            stmt = logstar.Statement(st.sk, st.K[info.me], Delta_i, Gamma, st.pub(j).ped)
            proof = logstar.prove(info.proof(3, info.me, j), stmt, st.k, st.rho)
            out.append(Out(j, PresignR3Proof(psi_pp=proof.encode(stmt))))
        return Step(out, _Round3(st))


class _Round3(Round):
    NUMBER = 3
    BROADCAST = PresignR3
    DIRECT = PresignR3Proof

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def receive(self, j, msg, direct):
        st = self.st
        st.delta[j], st.Delta[j] = check_r3(self.info, j, st.pub(j).paillier, st.K[j], st.Gamma_sum, st.aux.ped,
                                            msg, direct)

    def finalize(self):
        st, info = self.st, self.info
        delta = sum(st.delta.values()) % q
        if delta == 0 or Point.base_mul(delta) != point_sum(st.Delta.values()):
            return Step([Out(None, _open_delta(st))], _Round4(st, passed=False))
        presig = Presignature(id=info.ssid, key_fingerprint=st.share.fingerprint(), signers=info.parties,
                              me=info.me, R=st.Gamma_sum * inverse(delta), k=st.k, chi=st.chi,
                              k_receipts=dict(st.k_receipts), mta_in=dict(st.mta_in), mta_out=dict(st.mta_out))
        return Step([], _Round4(st, passed=True), presig)


def _open_delta(st: _State) -> PresignR4:
    """Our identification message: H_i = enc(k_i gamma_i) and the opening of delta_i."""
    info, sk = st.info, st.sk
    me = info.me
    rho_h = random_unit(sk.N)
    H = (sk.pow(st.G[me], st.k) * sk.pow_n(rho_h)) % sk.N2
    stmt = mul.Statement(sk, st.K[me], st.G[me], H)
    msg = PresignR4(failed=True, H=Unit(sk.N2).encode(H))
    msg.mul.CopyFrom(mul.prove(info.proof(4, me), stmt, st.k, rho_h, st.rho).encode(mul.Statement(sk.public, st.K[me], st.G[me], H)))
    received, sent = identify.reveal(info.others, st.mta_in, st.mta_out)
    msg.received.extend(received)
    msg.sent.extend(sent)
    U = identify.mta_sum(sk, H, dict(zip(info.others, zip(received, sent))), "D", "F")
    msg.dec.extend(identify.prove_decryption(info, 4, sk, U, st.delta[me], identify.Y_BITS_MTA,
                                             {j: st.pub(j).ped for j in info.others}))
    return msg


class _Round4(identify.IdentificationRound):
    """Presigning identification (CGGMP21 section 4.3)."""

    NUMBER = 4
    BROADCAST = PresignR4
    VIEW = "round-3 view"
    FINAL = (Reason.INCONSISTENT, "delta check failed but every opening verified")

    def __init__(self, st: _State, passed: bool):
        super().__init__(st.info, passed, st.info.ssid, st.identities)
        self.st = st

    def check(self, j, msg):
        st = self.st
        check_r4(self.info, j, st.pub(j).paillier, st.K[j], st.G[j], st.delta[j], st.aux.ped, msg,
                 st.identities, st.mta_in)


# -- checks: shared by the rounds (our own parameters, through CRT) and by third parties
#    re-checking a blame (public parameters only; see evidence.py) ------------------------

def check_r1(info, j, key_j, ped_v, msg: PresignR1, direct: PresignR1Proof, identities):
    """Round 1 from j, checked by info.me: K_j, G_j, the receipt and Pi-enc."""
    K, G = Unit(key_j.N2).decode(msg.K, "K"), Unit(key_j.N2).decode(msg.G, "G")
    receipt = receipts.KReceipt(party=j, K=msg.K, G=msg.G, signature=msg.receipt)
    if not receipts.check_k(info.ssid, receipt, identities):
        raise Fault(Reason.MALFORMED, "round-1 receipt is not signed by the sender")
    psi0 = enc.Proof.decode(direct.psi0, enc.Statement(key_j, K, ped_v.public))
    if not enc.verify(info.proof(1, j, info.me), enc.Statement(key_j, K, ped_v), psi0):
        raise Fault(Reason.BAD_PROOF, "Pi-enc for K_j")
    return K, G, receipt.SerializeToString()


def check_r2(info, j, key_v, key_j, K_v, G_j, W_j, ped_v, msg: PresignR2, identities):
    """Round 2 from j to info.me (whose key is key_v): both Pi-aff-g, Pi-log*, the receipt."""
    Gamma_j = PointSpec().decode(msg.Gamma, "Gamma")
    ctx = info.proof(2, j, info.me)
    cts = {}
    for suffix, X in (("", Gamma_j), ("_hat", W_j)):
        D = Unit(key_v.N2).decode(getattr(msg, "D" + suffix), "D" + suffix)
        F = Unit(key_j.N2).decode(getattr(msg, "F" + suffix), "F" + suffix)
        proof = affg.Proof.decode(getattr(msg, "psi" + suffix),
                                  affg.Statement(key_v, key_j, K_v, D, F, X, ped_v.public))
        if not affg.verify(ctx, affg.Statement(key_v, key_j, K_v, D, F, X, ped_v), proof):
            raise Fault(Reason.BAD_PROOF, f"Pi-aff-g for D{suffix}")
        cts[suffix] = D
    lstmt = logstar.Statement(key_j, G_j, Gamma_j, Point.G, ped_v)
    proof = logstar.Proof.decode(msg.psi_prime, logstar.Statement(key_j, G_j, Gamma_j, Point.G, ped_v.public))
    if not logstar.verify(ctx, lstmt, proof):
        raise Fault(Reason.BAD_PROOF, "Pi-log* for Gamma_j")
    r = receipts.MtaReceipt(sender=j, recipient=info.me, D=msg.D, F=msg.F, D_hat=msg.D_hat,
                            F_hat=msg.F_hat, signature=msg.receipt)
    if not receipts.check_mta(info.ssid, r, identities):
        raise Fault(Reason.MALFORMED, "round-2 receipt is not signed by the sender")
    return Gamma_j, cts[""], cts["_hat"], r.SerializeToString()


def check_r3(info, j, key_j, K_j, Gamma, ped_v, msg: PresignR3, direct: PresignR3Proof):
    delta_j = ScalarSpec().decode(msg.delta, "delta")
    Delta_j = PointSpec().decode(msg.Delta, "Delta")
    proof = logstar.Proof.decode(direct.psi_pp, logstar.Statement(key_j, K_j, Delta_j, Gamma, ped_v.public))
    if not logstar.verify(info.proof(3, j, info.me), logstar.Statement(key_j, K_j, Delta_j, Gamma, ped_v), proof):
        raise Fault(Reason.BAD_PROOF, "Pi-log* for Delta_j")
    return delta_j, Delta_j


def delta_check(deltas, Deltas) -> bool:
    delta = sum(deltas) % q
    return delta != 0 and Point.base_mul(delta) == point_sum(Deltas)


def check_r4(info, j, key_j, K_j, G_j, delta_j, ped_v, msg: PresignR4, identities, my_in):
    """j's opening of delta_j (only when msg.failed)."""
    H = receipts.ciphertext(msg.H, key_j.N2, "H")
    stmt = mul.Statement(key_j, K_j, G_j, H)
    if not mul.verify(info.proof(4, j), stmt, mul.Proof.decode(msg.mul, stmt)):
        raise Fault(Reason.BAD_PROOF, "Pi-mul for H_j = enc(k_j gamma_j)")
    peers = [p for p in info.parties if p != j]
    exchanges = identify.check_revealed(info.ssid, j, peers, msg.received, msg.sent, identities, info.me, my_in)
    if len(msg.dec) != len(peers):
        raise Fault(Reason.MALFORMED, "one Pi-dec per peer expected")
    U = identify.mta_sum(key_j, H, exchanges, "D", "F")
    identify.check_decryption(info, 4, j, key_j, U, delta_j, identify.Y_BITS_MTA, ped_v,
                              msg.dec[peers.index(info.me)], "delta_j is not what its ciphertexts say")


def observe(ev, key) -> None:
    """Re-run, for a third party, the check the reporter made on the accused's message in
    round ev.round, on what the accused itself committed to (see evidence.Evidence).
    Raises the Fault if it reproduces. `key` is the KeyPublic."""
    info, j, v, r = ev.info, ev.accused, ev.info.me, ev.round
    lam = key.lagrange(info.parties)
    key_of = {p: key.aux[p].paillier for p in info.parties}

    def K_G(p):
        m = ev.get(1, p, None, PresignR1)
        decode = lambda: (Unit(key_of[p].N2).decode(m.K, "K"), Unit(key_of[p].N2).decode(m.G, "G"))
        return decode() if p == j else ev.other(decode)

    if r == 1:
        check_r1(info, j, key_of[j], key.aux[v].ped, ev.get(1, j, None, PresignR1),
                 ev.get(1, j, v, PresignR1Proof), ev.identities)
    elif r == 2:
        check_r2(info, j, key_of[v], key_of[j], K_G(v)[0], K_G(j)[1], key.public_shares[j] * lam[j], key.aux[v].ped,
                 ev.get(2, j, v, PresignR2), ev.identities)
    elif r == 3:
        check_r3(info, j, key_of[j], K_G(j)[0], _gamma(ev, key, key_of, K_G), key.aux[v].ped,
                 ev.get(3, j, None, PresignR3), ev.get(3, j, v, PresignR3Proof))
    elif r == 4:
        msg = ev.get(4, j, None, PresignR4)
        view = [ev.get(3, p, None, PresignR3) for p in info.parties]
        passed = ev.other(lambda: delta_check((ScalarSpec().decode(m.delta, "delta") for m in view),
                                              [PointSpec().decode(m.Delta, "Delta") for m in view]))
        if msg.failed == passed:
            raise Fault(Reason.INCONSISTENT, "its claim contradicts the shared round-3 view")
        if msg.failed:
            openings = {}
            for p in info.parties:
                envs = ev.envelopes.get((4, p, None), [])
                m = ev.other(lambda: ev._parse(envs[0], PresignR4)) if envs else None
                if m is not None and m.failed:  # the reporter may have blamed before all arrived
                    openings[p] = (list(m.received), list(m.sent))
            identify.cross_check(info.ssid, openings, ev.identities)
            mine = ev.get(2, j, v, PresignR2)
            my_in = {j: receipts.MtaReceipt(sender=j, recipient=v, D=mine.D, F=mine.F, D_hat=mine.D_hat,
                                            F_hat=mine.F_hat, signature=mine.receipt).SerializeToString()}
            K, G = K_G(j)
            delta_j = ScalarSpec().decode(view[info.parties.index(j)].delta, "delta")
            check_r4(info, j, key_of[j], K, G, delta_j, key.aux[v].ped, msg, ev.identities, my_in)


def _gamma(ev, key, key_of, K_G) -> Point:
    """Gamma = sum Gamma_p as the accused saw it. Each Gamma_p reached the reporter in a
    direct message, so it is used only after its Pi-log* against the echoed G_p checks out
    (which makes it the one value every party received)."""
    info, j, v = ev.info, ev.accused, ev.info.me
    gammas = [PointSpec().decode(ev.get(2, j, v, PresignR2).Gamma, "Gamma")]
    for p in info.parties:
        if p == j:
            continue
        if p == v:
            msg, to = ev.sent_by(2, v, PresignR2)
        else:
            msg, to = ev.direct(2, p, v, PresignR2), v

        def bound(p=p, msg=msg, to=to):
            Gamma_p = PointSpec().decode(msg.Gamma, "Gamma")
            ped = key.aux[to].ped
            stmt = logstar.Statement(key_of[p], K_G(p)[1], Gamma_p, Point.G, ped)
            if not logstar.verify(info.proof(2, p, to), stmt, logstar.Proof.decode(msg.psi_prime, stmt)):
                raise ValueError(f"{p}'s Gamma is not bound to its G")
            return Gamma_p
        gammas.append(ev.other(bound))
    return point_sum(gammas)
