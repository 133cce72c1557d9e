"""What a party holds: aux info, its key share, and presignatures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from gmpy2 import mpz

from .curve import Point
from .paillier import PaillierPublicKey, PaillierSecretKey
from .pedersen import RingPedersen, RingPedersenSecret
from .transcript import Transcript
from .vss import lagrange


@dataclass(frozen=True)
class PartyAux:
    """A party's public auxiliary parameters."""

    N: mpz  # Paillier modulus
    ped: RingPedersen  # ring-Pedersen parameters (N^ = N for aux-info made here)

    @property
    def paillier(self) -> PaillierPublicKey:
        return PaillierPublicKey(self.N)


@dataclass(frozen=True)
class AuxInfo:
    """Everyone's public Paillier/ring-Pedersen parameters and this party's secrets."""

    parties: tuple[str, ...]
    public: Mapping[str, PartyAux]
    paillier: PaillierSecretKey
    ped: RingPedersenSecret
    # "cggmp21": every party's parameters were proven here (Pi-mod, Pi-fac, Pi-prm).
    # "tss-lib": imported; proven only by tss-lib's keygen. Refresh to replace them.
    provenance: str = "cggmp21"

    def __repr__(self) -> str:
        return f"AuxInfo(parties={len(self.parties)}, provenance={self.provenance}, <secret>)"


@dataclass(frozen=True)
class KeyPublic:
    """Everything public about one key epoch: what a third party needs to check evidence."""

    parties: tuple[str, ...]
    threshold: int
    share_ids: Mapping[str, int]
    public_shares: Mapping[str, Point]
    public_key: Point
    aux: Mapping[str, PartyAux] | None = None  # per party, when aux info exists

    def fingerprint(self) -> bytes:
        """Commits to every public value of this key epoch, aux included: presignatures and
        signing sessions bind to it, so a refresh or reshare invalidates them."""
        t = Transcript("key-fingerprint").bytes("parties", "\x00".join(self.parties).encode())
        t.int("threshold", self.threshold).point("X", self.public_key)
        for p in self.parties:
            t.str("party", p).int("share_id", self.share_ids[p]).point("X_j", self.public_shares[p])
            if self.aux is not None:
                a = self.aux[p]
                t.int("N", a.N).int("Nhat", a.ped.N).int("s", a.ped.s).int("t", a.ped.t)
        return t.digest(32)

    def lagrange(self, signers) -> dict[str, int]:
        xs = [self.share_ids[p] for p in signers]
        return {p: lagrange(xs, self.share_ids[p]) for p in signers}


@dataclass(frozen=True)
class KeyShare:
    """A party's share of a t-of-n key: any t+1 of `parties` can sign."""

    parties: tuple[str, ...]
    threshold: int
    me: str
    share_ids: Mapping[str, int]  # Shamir x-coordinate of each party
    x: int = field(repr=False)  # this party's secret share
    public_shares: Mapping[str, Point] = field(repr=False)  # X_j = g^{x_j}
    public_key: Point
    aux: AuxInfo | None = field(default=None, repr=False)

    def with_aux(self, aux: AuxInfo) -> KeyShare:
        if tuple(aux.parties) != tuple(self.parties):
            raise ValueError("aux info belongs to another party set")
        return replace(self, aux=aux)

    @property
    def public(self) -> KeyPublic:
        return KeyPublic(self.parties, self.threshold, dict(self.share_ids), dict(self.public_shares),
                         self.public_key, dict(self.aux.public) if self.aux is not None else None)

    def fingerprint(self) -> bytes:
        return self.public.fingerprint()

    def lagrange(self, signers) -> dict[str, int]:
        return self.public.lagrange(signers)

    def __repr__(self) -> str:
        return (f"KeyShare(me={self.me!r}, t={self.threshold}, n={len(self.parties)}, "
                f"public_key={self.public_key.to_bytes().hex()}, <secret>)")


@dataclass(frozen=True)
class Presignature:
    """(R, k_i, chi_i) from presigning, for one signer set; usable exactly once."""

    id: bytes  # the presigning run's ssid
    key_fingerprint: bytes
    signers: tuple[str, ...]
    me: str
    R: Point
    k: int = field(repr=False)
    chi: int = field(repr=False)
    # Public data for signing identification: every signer's KReceipt, and the MtaReceipts
    # this signer received from / sent to each peer (serialized wire_pb2 messages).
    k_receipts: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    mta_in: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    mta_out: Mapping[str, bytes] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Presignature(id={self.id.hex()[:16]}, signers={self.signers}, <secret>)"


__all__ = ["PartyAux", "AuxInfo", "KeyPublic", "KeyShare", "Presignature", "PaillierSecretKey", "RingPedersenSecret"]
