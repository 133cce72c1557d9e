"""One-round online signing from a presignature (CGGMP21 Fig. 8).

Round 1  direct  sigma_i = k_i m + r chi_i  to every other signer
Output   sigma = sum sigma_j; (r, sigma) must verify under the public key before it is
         returned. Any signer (or anyone given the partials) can combine.
"""

from __future__ import annotations

from .blame import Reason
from .codec import ScalarSpec
from .curve import Point, q
from .ecdsa import Signature, digest_to_scalar, from_nonce_point, verify
from .rounds import Fault, Out, Round, SessionInfo, Step
from .shares import KeyShare, Presignature
from .transcript import Transcript
from .wire_pb2 import SignR1

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


def begin(info: SessionInfo, share: KeyShare, presig: Presignature, digest: bytes) -> Step:
    if tuple(info.parties) != tuple(presig.signers):
        raise ValueError("the signing session must use the presignature's signer set")
    if presig.key_fingerprint != share.fingerprint():
        raise ValueError("presignature belongs to another key epoch")
    if info.binding != binding(presig.id, presig.key_fingerprint, digest):
        raise ValueError("session binding does not match presignature and digest")
    from_nonce_point(presig.R, 1)  # rejects the (negligible) unusable R up front
    sigma = partial(presig, digest)
    msg = SignR1(sigma=ScalarSpec().encode(sigma))
    return Step([Out(j, msg) for j in info.others], _Round1(info, share, presig, digest, sigma))


class _Round1(Round):
    NUMBER = 1
    DIRECT = SignR1

    def __init__(self, info, share, presig, digest, sigma):
        super().__init__(info)
        self.share, self.presig, self.digest = share, presig, digest
        self.sigmas = {info.me: sigma}

    def receive(self, j, bcast, msg):
        self.sigmas[j] = ScalarSpec().decode(msg.sigma, "sigma")

    def finalize(self):
        sig = combine(self.presig.R, self.sigmas.values(), self.share.public_key, self.digest)
        if sig is None:
            raise Fault(Reason.BAD_PARTIAL_SIGNATURE, "combined signature does not verify")
        return Step([], None, sig)
