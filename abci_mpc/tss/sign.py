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
from .shares import KeyShare, Presignature
from .transcript import Transcript
from .wire_pb2 import KReceipt, SignR1, SignR2
from .zk import mulstar

PROTOCOL = "sign"


def binding(presig_id: bytes, key_fingerprint: bytes, digest: bytes) -> bytes:
    t = Transcript("sign-binding").bytes("presig", presig_id).bytes("key", key_fingerprint)
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
    if info.binding != binding(presig.id, presig.key_fingerprint, digest):
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
        lam = share.lagrange(info.parties)
        self.lam = lam

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


class _Round2(Round):
    """Signing identification; see presign._Round4 for the passed/failed logic."""

    NUMBER = 2
    BROADCAST = SignR2

    def __init__(self, st: _State, passed: bool):
        super().__init__(st.info)
        self.st, self.passed = st, passed
        self.failed: dict[str, bool] = {}

    def reply(self):
        return [Out(None, SignR2(failed=False))] if self.passed else []

    def receive(self, j, msg, direct):
        self.failed[j] = msg.failed
        if not msg.failed:
            return
        st, info, share = self.st, self.info, self.st.share
        key_j = share.aux.public[j].paillier
        own_ped = share.aux.ped
        presig_ssid = st.presig.id
        if msg.k_receipt.SerializeToString() != st.presig.k_receipts[j] and not (
                receipts.same_content(msg.k_receipt, KReceipt.FromString(st.presig.k_receipts[j]))):
            raise Fault(Reason.MALFORMED, "K_j receipt differs from presigning")
        K = st.K(j)
        H = receipts.ciphertext(msg.H_hat, key_j.N2, "H_hat")
        Z = receipts.ciphertext(msg.Z, key_j.N2, "Z")
        W = share.public_shares[j] * st.lam[j]
        peers = [p for p in info.parties if p != j]
        n_peers = len(peers)
        if not (len(msg.mulstar) == len(msg.dec_chi) == len(msg.dec_sigma) == n_peers):
            raise Fault(Reason.MALFORMED, "one proof of each kind per peer expected")
        at = peers.index(info.me)
        stmt = mulstar.Statement(key_j, K, H, W, own_ped)
        proof = mulstar.Proof.decode(msg.mulstar[at], mulstar.Statement(key_j, K, H, W, own_ped.public))
        if not mulstar.verify(info.proof(2, j, info.me), stmt, proof):
            raise Fault(Reason.BAD_PROOF, "Pi-mul* for H^_j = enc(k_j w_j)")
        exchanges = identify.check_revealed(presig_ssid, j, peers, msg.received, msg.sent, st.identities,
                                            info.me, st.presig.mta_in, st.presig.mta_out)
        C_chi = identify.mta_sum(key_j, H, exchanges, "D_hat", "F_hat")
        identify.check_decryption(info, 2, j, key_j, (C_chi * key_j.pow(Z, -1)) % key_j.N2, 0,
                                  identify.Y_BITS_MTA, own_ped, msg.dec_chi[at], "Z_j does not encrypt chi_j")
        U = (key_j.pow(K, st.m) * key_j.pow(Z, st.r)) % key_j.N2
        identify.check_decryption(info, 2, j, key_j, U, st.sigmas[j], identify.Y_BITS_SIGMA, own_ped,
                                  msg.dec_sigma[at], "sigma_j is not k_j m + r chi_j")

    def finalize(self):
        liars = [j for j in self.info.others if self.failed[j] == self.passed]
        if liars:
            claim = "complained although" if self.passed else "claimed success although"
            raise Fault(Reason.INCONSISTENT, f"{claim} the shared partial signatures say otherwise", accused=liars[0])
        raise Fault(Reason.BAD_PARTIAL_SIGNATURE, "signature failed but every opening verified")
