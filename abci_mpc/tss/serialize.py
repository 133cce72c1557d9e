"""Storage encoding of AuxInfo, KeyShare and Presignature (shares.proto), with validation.

Decoding re-checks every invariant a share must satisfy (own public share matches the
secret, public shares lie on one degree-t polynomial through the public key, Paillier
factors multiply to the published modulus), so corrupt or tampered bytes give a
ShareFormatError naming the field instead of a share that signs garbage.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError as PbDecodeError
from gmpy2 import mpz

from .codec import byte_len
from .curve import CurveError, Point, point_sum, scalar_from_bytes, scalar_to_bytes
from .errors import TssError
from .paillier import PaillierError, PaillierSecretKey
from .pedersen import RingPedersen, RingPedersenSecret
from .shares import AuxInfo, KeyShare, PartyAux, Presignature
from .shares_pb2 import AuxInfoRecord, KeyShareRecord, PartyAuxRecord, PresignatureRecord, PresignPublicRecord
from .wire_pb2 import KReceipt, MtaReceipt
from .vss import lagrange

VERSION = 1


class ShareFormatError(TssError):
    """Stored share bytes are malformed or inconsistent; the message names the field."""


def _int(x) -> bytes:
    x = int(x)
    return x.to_bytes(byte_len(x) or 1, "big")


def _parse(cls, data: bytes, what: str):
    msg = cls()
    try:
        msg.ParseFromString(data)
    except (PbDecodeError, ValueError):
        raise ShareFormatError(f"{what}: not a valid record") from None
    if msg.version != VERSION:
        raise ShareFormatError(f"{what}: unsupported version {msg.version}")
    return msg


def _scalar(data: bytes, what: str) -> int:
    try:
        return scalar_from_bytes(data)
    except CurveError as exc:
        raise ShareFormatError(f"{what}: {exc}") from None


def _point(data: bytes, what: str) -> Point:
    try:
        return Point.from_bytes(data)
    except CurveError as exc:
        raise ShareFormatError(f"{what}: {exc}") from None


# -- aux info ---------------------------------------------------------------------------
def aux_to_record(aux: AuxInfo) -> AuxInfoRecord:
    rec = AuxInfoRecord(version=VERSION, paillier_p=_int(aux.paillier.p), paillier_q=_int(aux.paillier.q),
                        ped_p=_int(aux.ped.p), ped_q=_int(aux.ped.q), ped_lambda=_int(aux.ped.lam),
                        provenance="" if aux.provenance == "cggmp21" else aux.provenance)
    for p in aux.parties:
        a = aux.public[p]
        rec.parties.append(PartyAuxRecord(party=p, N=_int(a.N), ped_N=_int(a.ped.N), s=_int(a.ped.s), t=_int(a.ped.t)))
    return rec


def aux_from_record(rec: AuxInfoRecord, me: str) -> AuxInfo:
    if rec.version != VERSION:
        raise ShareFormatError(f"aux: unsupported version {rec.version}")
    try:
        public = {}
        for r in rec.parties:
            if r.party in public:
                raise ShareFormatError(f"aux: party {r.party} listed twice")
            ped = RingPedersen(int.from_bytes(r.ped_N, "big"), int.from_bytes(r.s, "big"), int.from_bytes(r.t, "big"))
            public[r.party] = PartyAux(mpz(int.from_bytes(r.N, "big")), ped)
        paillier = PaillierSecretKey(int.from_bytes(rec.paillier_p, "big"), int.from_bytes(rec.paillier_q, "big"))
        own = public.get(me)
        if own is None:
            raise ShareFormatError("aux: own party missing")
        ped_t = own.ped.t
        ped = RingPedersenSecret(int.from_bytes(rec.ped_p, "big"), int.from_bytes(rec.ped_q, "big"),
                                 int.from_bytes(rec.ped_lambda, "big"), ped_t)
    except (PaillierError, ValueError, ZeroDivisionError) as exc:  # CRT of corrupt factors
        raise ShareFormatError(f"aux: {exc}") from None
    if paillier.N != own.N:
        raise ShareFormatError("aux: Paillier factors do not match the published modulus")
    if ped.public != own.ped:
        raise ShareFormatError("aux: ring-Pedersen secret does not match the published parameters")
    if rec.provenance not in ("", "cggmp21", "tss-lib"):
        raise ShareFormatError(f"aux: unknown provenance {rec.provenance!r}")
    return AuxInfo(tuple(public), public, paillier, ped, rec.provenance or "cggmp21")


# -- key share ----------------------------------------------------------------------------
def key_share_to_bytes(share: KeyShare) -> bytes:
    rec = KeyShareRecord(version=VERSION, parties=list(share.parties), threshold=share.threshold, me=share.me,
                         share_ids=[scalar_to_bytes(share.share_ids[p]) for p in share.parties],
                         x=scalar_to_bytes(share.x),
                         public_shares=[share.public_shares[p].to_bytes() for p in share.parties],
                         public_key=share.public_key.to_bytes())
    if share.aux is not None:
        rec.aux.CopyFrom(aux_to_record(share.aux))
    return rec.SerializeToString(deterministic=True)


def key_share_from_bytes(data: bytes) -> KeyShare:
    rec = _parse(KeyShareRecord, data, "key share")
    parties = tuple(rec.parties)
    n, t = len(parties), rec.threshold
    if n < 2 or list(parties) != sorted(set(parties)):
        raise ShareFormatError("key share: parties must be at least two, sorted and distinct")
    if not 1 <= t < n:
        raise ShareFormatError(f"key share: threshold {t} invalid for {n} parties")
    if rec.me not in parties:
        raise ShareFormatError("key share: own party not in the party list")
    if len(rec.share_ids) != n or len(rec.public_shares) != n:
        raise ShareFormatError("key share: share_ids/public_shares do not match the party list")
    ids = {p: _scalar(b, f"share_ids[{p}]") for p, b in zip(parties, rec.share_ids)}
    if 0 in ids.values() or len(set(ids.values())) != n:
        raise ShareFormatError("key share: share ids must be nonzero and distinct")
    X = {p: _point(b, f"public_shares[{p}]") for p, b in zip(parties, rec.public_shares)}
    x = _scalar(rec.x, "x")
    pk = _point(rec.public_key, "public_key")
    if Point.base_mul(x) != X[rec.me]:
        raise ShareFormatError("key share: secret share does not match own public share")
    check_public_shares(parties, t, ids, X, pk)
    aux = aux_from_record(rec.aux, rec.me) if rec.HasField("aux") else None
    if aux is not None and tuple(aux.parties) != parties:
        raise ShareFormatError("key share: aux info covers a different party set")
    return KeyShare(parties, t, rec.me, ids, x, X, pk, aux)


def check_public_shares(parties, t, ids, X, pk) -> None:
    """All X_j on one degree-t polynomial whose value at 0 is the public key."""
    base = parties[: t + 1]
    xs = [ids[p] for p in base]

    def at(point_x: int) -> Point:
        return point_sum(X[p] * lagrange(xs, ids[p], point_x) for p in base)

    if at(0) != pk:
        raise ShareFormatError("key share: public shares do not interpolate to the public key")
    for p in parties[t + 1:]:
        if at(ids[p]) != X[p]:
            raise ShareFormatError(f"key share: public share of {p} is off the degree-{t} polynomial")


# -- presignature ---------------------------------------------------------------------------
def presignature_to_bytes(ps: Presignature) -> bytes:
    others = [p for p in ps.signers if p != ps.me]
    public = PresignPublicRecord(k_receipts=[ps.k_receipts[p] for p in ps.signers if p in ps.k_receipts],
                                 mta_in=[ps.mta_in[p] for p in others if p in ps.mta_in],
                                 mta_out=[ps.mta_out[p] for p in others if p in ps.mta_out])
    return PresignatureRecord(version=VERSION, id=ps.id, key_fingerprint=ps.key_fingerprint,
                              signers=list(ps.signers), me=ps.me, R=ps.R.to_bytes(),
                              k=scalar_to_bytes(ps.k), chi=scalar_to_bytes(ps.chi),
                              public=public).SerializeToString(deterministic=True)


def _receipts(raw, cls, key: str, what: str) -> dict[str, bytes]:
    out = {}
    for data in raw:
        try:
            r = cls.FromString(data)
        except (PbDecodeError, ValueError):
            raise ShareFormatError(f"presignature: malformed {what}") from None
        out[getattr(r, key)] = bytes(data)
    return out


def presignature_from_bytes(data: bytes) -> Presignature:
    rec = _parse(PresignatureRecord, data, "presignature")
    if rec.me not in rec.signers or len(rec.id) != 32 or len(rec.key_fingerprint) != 32:
        raise ShareFormatError("presignature: malformed header")
    pub = rec.public
    return Presignature(rec.id, rec.key_fingerprint, tuple(rec.signers), rec.me, _point(rec.R, "R"),
                        _scalar(rec.k, "k"), _scalar(rec.chi, "chi"),
                        k_receipts=_receipts(pub.k_receipts, KReceipt, "party", "k receipt"),
                        mta_in=_receipts(pub.mta_in, MtaReceipt, "sender", "mta_in receipt"),
                        mta_out=_receipts(pub.mta_out, MtaReceipt, "recipient", "mta_out receipt"))
