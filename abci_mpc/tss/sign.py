"""One-round online signing from a presignature (CGGMP21 Fig. 8).

Round 1  broadcast  sigma_i = k_i m + r chi_i
Output   sigma = sum sigma_j; (r, sigma) must verify under the public key before it is
         returned. Anyone holding the partials can combine.
Round 2  only if the signature fails: each signer opens sigma_i (see SignR2 in wire.proto
         and identify.py); signers whose signature verified answer only if someone complains.
"""

from __future__ import annotations

from . import identify, receipts
from .blame import Reason
from .codec import ScalarSpec, Unit
from .curve import Point, q
from .ecdsa import Signature, digest_to_scalar, from_nonce_point, verify
from .paillier import random_unit
from .rounds import Fault, Out, Round, SessionInfo, Step
from .shares import KeyPublic, KeyShare, Presignature
from .transcript import Transcript
from .wire_pb2 import KReceipt, MtaReceipt, SignR1, SignR2
from .zk import enc, mulstar

PROTOCOL = "sign"


def binding(presig_id: bytes, key_fingerprint: bytes, R: Point, digest: bytes) -> bytes:
    t = Transcript("sign-binding").bytes("presig", presig_id).bytes("key", key_fingerprint).point("R", R)
    return t.bytes("digest", digest).digest(32)


def partial(presig: Presignature, digest: bytes) -> int:
    m = digest_to_scalar(digest)
    r = presig.R.x() % q
    return (presig.k * m + r * presig.chi) % q


def combine(R: Point, partials, public_key: Point, digest: bytes) -> Signature | None:
    sig = from_nonce_point(R, sum(partials) % q)
    return sig if verify(public_key, digest, sig) else None


def begin(info: SessionInfo, share: KeyShare, presig: Presignature, digest: bytes, identities) -> Step:
    if tuple(info.parties) != tuple(presig.signers):
        raise ValueError("the signing session must use the presignature's signer set")
    if presig.key_fingerprint != share.fingerprint():
        raise ValueError("presignature belongs to another key epoch")
    if info.binding != binding(presig.id, presig.key_fingerprint, presig.R, digest):
        raise ValueError("session binding does not match presignature and digest")
    from_nonce_point(presig.R, 1)  # rejects the (negligible) unusable R up front
    sigma = partial(presig, digest)
    st = _State(info, share, presig, digest, identities, sigma)
    return Step([Out(None, SignR1(sigma=ScalarSpec().encode(sigma)))], _Round1(st))


class _State:
    def __init__(self, info, share, presig, digest, identities, sigma):
        self.info, self.share, self.presig, self.digest, self.identities = info, share, presig, digest, identities
        self.sigmas = {info.me: sigma}
        self.m, self.r = digest_to_scalar(digest), presig.R.x() % q
        self.lam = share.lagrange(info.parties)

    def K(self, j) -> int:
        r = KReceipt.FromString(self.presig.k_receipts[j])
        return Unit(self.share.aux.public[j].paillier.N2).decode(r.K, "K")


class _Round1(Round):
    NUMBER = 1
    BROADCAST = SignR1

    def __init__(self, st: _State):
        super().__init__(st.info)
        self.st = st

    def receive(self, j, msg, direct):
        self.st.sigmas[j] = ScalarSpec().decode(msg.sigma, "sigma")

    def finalize(self):
        st = self.st
        sig = combine(st.presig.R, st.sigmas.values(), st.share.public_key, st.digest)
        if sig is None:
            return Step([Out(None, _open_sigma(st))], _Round2(st, passed=False))
        return Step([], _Round2(st, passed=True), sig)


def _open_sigma(st: _State) -> SignR2:
    info, share = st.info, st.share
    me, sk = info.me, share.aux.paillier
    peers = info.others
    K = st.K(me)
    w = (st.lam[me] * share.x) % q
    W = share.public_shares[me] * st.lam[me]
    rho_h, rho_z = random_unit(sk.N), random_unit(sk.N)
    H = (sk.pow(K, w) * sk.pow_n(rho_h)) % sk.N2
    Z = sk.encrypt_with(st.presig.chi, rho_z)
    msg = SignR2(failed=True, H_hat=Unit(sk.N2).encode(H), Z=Unit(sk.N2).encode(Z))
    msg.k_receipt.ParseFromString(st.presig.k_receipts[me])
    for j in peers:
        ped = share.aux.public[j].ped
        stmt = mulstar.Statement(sk, K, H, W, ped)
        msg.mulstar.append(mulstar.prove(info.proof(2, me, j), stmt, w, rho_h)
                           .encode(mulstar.Statement(sk.public, K, H, W, ped)))
        zstmt = enc.Statement(sk, Z, ped)
        msg.enc_z.append(enc.prove(info.proof(2, me, j), zstmt, st.presig.chi, rho_z)
                         .encode(enc.Statement(sk.public, Z, ped)))
    received, sent = identify.reveal(peers, st.presig.mta_in, st.presig.mta_out)
    msg.received.extend(received)
    msg.sent.extend(sent)
    C_chi = identify.mta_sum(sk, H, dict(zip(peers, zip(received, sent))), "D_hat", "F_hat")
    peds = {j: share.aux.public[j].ped for j in peers}
    msg.dec_chi.extend(identify.prove_decryption(info, 2, sk, (C_chi * sk.pow(Z, -1)) % sk.N2, 0,
                                                 identify.Y_BITS_MTA, peds))
    U = (sk.pow(K, st.m) * sk.pow(Z, st.r)) % sk.N2
    msg.dec_sigma.extend(identify.prove_decryption(info, 2, sk, U, st.sigmas[me], identify.Y_BITS_SIGMA, peds))
    return msg


class _Round2(identify.IdentificationRound):
    """Signing identification (CGGMP21 section 4.3, the signing counterpart)."""

    NUMBER = 2
    BROADCAST = SignR2
    VIEW = "partial signatures"
    FINAL = (Reason.BAD_PARTIAL_SIGNATURE, "signature failed but every opening verified")

    def __init__(self, st: _State, passed: bool):
        super().__init__(st.info, passed, st.presig.id, st.identities)
        self.st = st

    def check(self, j, msg):
        st = self.st
        check_r2(self.info, j, st.share.public, st.presig.id, st.r, st.m, st.sigmas[j], st.share.aux.ped, msg,
                 st.identities, st.presig.k_receipts[j], st.presig.mta_in)


def check_r2(info, j, key: KeyPublic, presig_id: bytes, r: int, m: int, sigma_j: int, ped_v, msg: SignR2,
             identities, k_receipt_j: bytes | None, my_in) -> None:
    """j's opening of sigma_j, checked by info.me (or by a third party: my_in=None)."""
    key_j = key.aux[j].paillier
    if not receipts.check_k(presig_id, msg.k_receipt, identities) or msg.k_receipt.party != j:
        raise Fault(Reason.MALFORMED, "K_j receipt is not signed by the prover")
    if k_receipt_j is not None and not receipts.same_content(msg.k_receipt, KReceipt.FromString(k_receipt_j)):
        raise Fault(Reason.EQUIVOCATION, "signed two different round-1 ciphertexts in presigning",
                    exhibits=(receipts.exhibit(KReceipt.FromString(k_receipt_j)),))
    K = receipts.ciphertext(msg.k_receipt.K, key_j.N2, "K")
    H = receipts.ciphertext(msg.H_hat, key_j.N2, "H_hat")
    Z = receipts.ciphertext(msg.Z, key_j.N2, "Z")
    W = key.public_shares[j] * key.lagrange(info.parties)[j]
    peers = [p for p in info.parties if p != j]
    if not (len(msg.mulstar) == len(msg.dec_chi) == len(msg.dec_sigma) == len(msg.enc_z) == len(peers)):
        raise Fault(Reason.MALFORMED, "one proof of each kind per peer expected")
    at = peers.index(info.me)
    zproof = enc.Proof.decode(msg.enc_z[at], enc.Statement(key_j, Z, ped_v.public))
    if not enc.verify(info.proof(2, j, info.me), enc.Statement(key_j, Z, ped_v), zproof):
        raise Fault(Reason.BAD_PROOF, "Pi-enc: Z_j is not an encryption of a scalar in range")
    proof = mulstar.Proof.decode(msg.mulstar[at], mulstar.Statement(key_j, K, H, W, ped_v.public))
    if not mulstar.verify(info.proof(2, j, info.me), mulstar.Statement(key_j, K, H, W, ped_v), proof):
        raise Fault(Reason.BAD_PROOF, "Pi-mul* for H^_j = enc(k_j w_j)")
    exchanges = identify.check_revealed(presig_id, j, peers, msg.received, msg.sent, identities, info.me, my_in)
    C_chi = identify.mta_sum(key_j, H, exchanges, "D_hat", "F_hat")
    identify.check_decryption(info, 2, j, key_j, (C_chi * key_j.pow(Z, -1)) % key_j.N2, 0,
                              identify.Y_BITS_MTA, ped_v, msg.dec_chi[at], "Z_j does not encrypt chi_j")
    U = (key_j.pow(K, m) * key_j.pow(Z, r)) % key_j.N2
    identify.check_decryption(info, 2, j, key_j, U, sigma_j, identify.Y_BITS_SIGMA, ped_v, msg.dec_sigma[at],
                              "sigma_j is not k_j m + r chi_j")


def observe(ev, key: KeyPublic, presig_id: bytes, R: Point, digest: bytes) -> None:
    """Third-party re-check of a signing blame, on what the accused committed to."""
    info, j, v = ev.info, ev.accused, ev.info.me
    if ev.round == 1:
        ScalarSpec().decode(ev.get(1, j, None, SignR1).sigma, "sigma")
        return
    msg = ev.get(2, j, None, SignR2)
    sigmas = {p: ev.other(ScalarSpec().decode, ev.get(1, p, None, SignR1).sigma, "sigma") if p != j
              else ScalarSpec().decode(ev.get(1, p, None, SignR1).sigma, "sigma") for p in info.parties}
    passed = ev.other(lambda: combine(R, sigmas.values(), key.public_key, digest) is not None)
    if msg.failed == passed:
        raise Fault(Reason.INCONSISTENT, "its claim contradicts the shared partial signatures")
    if msg.failed:
        openings = {}
        for p in info.parties:
            envs = ev.envelopes.get((2, p, None), [])
            m = ev.other(lambda: ev._parse(envs[0], SignR2)) if envs else None
            if m is not None and m.failed:
                openings[p] = (list(m.received), list(m.sent))
        identify.cross_check(presig_id, openings, ev.identities)
        # Exhibits count only if the accused signed them (a reporter can attach anything).
        k_held, mta_held = receipts.read_exhibits(ev.exhibits)
        k_receipt_j = next((r.SerializeToString() for r in k_held
                            if r.party == j and receipts.check_k(presig_id, r, ev.identities)), None)
        my_in = {j: r.SerializeToString() for r in mta_held
                 if r.sender == j and r.recipient == v and receipts.check_mta(presig_id, r, ev.identities)} or None
        check_r2(info, j, key, presig_id, R.x() % q, digest_to_scalar(digest), sigmas[j], key.aux[v].ped, msg,
                 ev.identities, k_receipt_j, my_in)
