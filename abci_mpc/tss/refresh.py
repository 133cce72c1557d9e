"""Key refresh (proactive security): the same committee reshares to itself with the same
threshold. Every party gets a new share and fresh Paillier/ring-Pedersen parameters; the
public key is unchanged; the key fingerprint changes, so every presignature made before
the refresh is rejected afterwards.

Resharing to the same set with every party dealing yields a uniformly fresh sharing of the
same secret, which is exactly what CGGMP21's refresh (Fig. 6, adding sharings of zero)
achieves; one protocol serves both.
"""

from __future__ import annotations

from . import reshare
from .paillier import PaillierSecretKey
from .rounds import SessionInfo, Step
from .shares import KeyShare

PROTOCOL = "refresh"


def binding(share: KeyShare) -> bytes:
    return reshare.binding(reshare.OldKey.of(share), share.parties, share.parties, share.threshold)


def begin(info: SessionInfo, share: KeyShare, paillier: PaillierSecretKey) -> Step:
    if tuple(info.parties) != tuple(share.parties):
        raise ValueError("refresh runs among exactly the key's parties")
    return reshare.begin(info, share, reshare.OldKey.of(share), share.parties, share.parties, share.threshold, paillier)
