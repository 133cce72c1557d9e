"""Import and export of bnb-chain/tss-lib v2 ECDSA key shares (`keygen.LocalPartySaveData`).

This is the migration path from a tss-lib network such as the Metis MPC service: each
party imports its own save file and the shares sign (and reshare) here unchanged.

Field mapping (tss-lib -> ours):
  Xi, ShareID, Ks[]          -> secret share x, share ids (Shamir x-coordinates)
  BigXj[], ECDSAPub          -> public shares X_j, public key
  PaillierSK{P, Q}           -> own Paillier key; PaillierPKs[].N -> everyone's modulus
  NTildej[], H1j[], H2j[]    -> everyone's ring-Pedersen (N^, t = h1, s = h2 = h1^Alpha)
  NTildei, H1i, H2i, Alpha, P, Q -> own ring-Pedersen secret (N^ = (2P+1)(2Q+1), lambda = Alpha)
tss-lib does not store the threshold; it is recovered as the degree of the polynomial the
public shares lie on (and must agree with a caller-given value, if any).

Big integers are JSON numbers. They are parsed as exact integers; a float, NaN or a
string where a number belongs is an error naming the field. Pure functions over text and
dicts: the caller reads and writes the files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import gmpy2
from gmpy2 import mpz

from .curve import P_FIELD, CurveError, Point, q
from .errors import TssError
from .paillier import PaillierError, PaillierSecretKey, check_modulus
from .pedersen import RingPedersen, RingPedersenSecret
from .serialize import ShareFormatError, check_public_shares
from .shares import AuxInfo, KeyShare, PartyAux

CURVE = "secp256k1"


class TssLibFormatError(TssError):
    """A tss-lib save file is malformed or inconsistent; the message names the field."""


class _NotInteger(str):
    """A JSON number that is not an integer; kept so the error can name its field."""


def _field_at(text: str, pos: int) -> str | None:
    """The top-level key whose value spans position `pos` (strings skipped)."""
    depth, key, i, last_string = 0, None, 0, None
    while i < min(pos, len(text)):
        c = text[i]
        if c == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            last_string = text[i + 1:end]
            i = end + 1
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        elif c == ":" and depth == 1:
            key = last_string
        i += 1
    return key


def parse(text: str | bytes) -> dict:
    """Parse JSON with every number an exact integer (never through a float)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    try:
        data = json.loads(text, parse_float=_NotInteger, parse_constant=_NotInteger)
    except json.JSONDecodeError as exc:
        field = _field_at(text, exc.pos)
        where = f" in field {field}" if field else ""
        raise TssLibFormatError(f"not a valid tss-lib save file: JSON ends or breaks{where} "
                                f"(line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except ValueError as exc:
        raise TssLibFormatError(f"not a valid tss-lib save file: {exc}") from None
    if not isinstance(data, dict):
        raise TssLibFormatError("not a valid tss-lib save file: top level must be an object")
    return data


def _int(d: dict, name: str, path: str = "") -> mpz:
    where = path + name
    if name not in d:
        raise TssLibFormatError(f"field {where} is missing")
    return _item(d[name], where)


def _entry(values: list, i: int, name: str) -> mpz:
    """values[i] of list field `name`, named as `name[i]` in errors."""
    return _item(values[i], f"{name}[{i}]")


def _item(v, where: str) -> mpz:
    if isinstance(v, _NotInteger):
        raise TssLibFormatError(f"field {where} must be an integer, got the number {v}")
    if isinstance(v, bool) or not isinstance(v, int):
        raise TssLibFormatError(f"field {where} must be an integer, got {type(v).__name__}")
    if v <= 0:
        raise TssLibFormatError(f"field {where} must be positive")
    return mpz(v)


def _list(d: dict, name: str, n: int | None = None) -> list:
    v = d.get(name)
    if not isinstance(v, list):
        raise TssLibFormatError(f"field {name} must be a list")
    if n is not None and len(v) != n:
        raise TssLibFormatError(f"field {name} has {len(v)} entries, expected {n}")
    return v


def _point(obj, where: str) -> Point:
    if not isinstance(obj, dict) or obj.get("Curve", CURVE) != CURVE:
        raise TssLibFormatError(f"field {where} must be a {CURVE} point object")
    coords = obj.get("Coords")
    if not isinstance(coords, list) or len(coords) != 2 or not all(isinstance(c, int) and not isinstance(c, bool)
                                                                   for c in coords):
        raise TssLibFormatError(f"field {where}.Coords must be two integers")
    x, y = coords
    if not (0 <= x < P_FIELD and 0 <= y < P_FIELD) or (y * y - x ** 3 - 7) % P_FIELD:
        raise TssLibFormatError(f"field {where} is not a point on {CURVE}")
    try:
        return Point.from_bytes(bytes([2 + (y & 1)]) + x.to_bytes(32, "big"))
    except CurveError as exc:
        raise TssLibFormatError(f"field {where}: {exc}") from None


def default_party_names(n: int) -> list[str]:
    return [f"party-{i:02d}" for i in range(n)]


def import_share(data: dict | str | bytes, party_names: Sequence[str] | None = None,
                 threshold: int | None = None) -> KeyShare:
    """One party's save data -> our KeyShare (with aux info). `party_names[i]` names the
    party whose share id is Ks[i] (e.g. its CometBFT node ID); any names, in any order."""
    d = parse(data) if isinstance(data, (str, bytes)) else data
    ks = [_item(k, f"Ks[{i}]") for i, k in enumerate(_list(d, "Ks"))]
    n = len(ks)
    if n < 2:
        raise TssLibFormatError("field Ks must list at least two parties")
    names = list(party_names or default_party_names(n))
    if len(names) != n or len(set(names)) != n:
        raise TssLibFormatError(f"need {n} distinct party names, one per entry of Ks")
    if any(k >= q for k in ks) or len(set(ks)) != n:
        raise TssLibFormatError("field Ks: share ids must be distinct and below the group order")
    share_id = _int(d, "ShareID")
    if share_id not in ks:
        raise TssLibFormatError("field ShareID is not one of Ks")
    me = names[ks.index(share_id)]
    xi = _int(d, "Xi")
    if xi >= q:
        raise TssLibFormatError("field Xi is not reduced modulo the group order")
    X = {names[i]: _point(o, f"BigXj[{i}]") for i, o in enumerate(_list(d, "BigXj", n))}
    pk = _point(d.get("ECDSAPub"), "ECDSAPub")
    if Point.base_mul(xi) != X[me]:
        raise TssLibFormatError(f"field Xi does not match BigXj[{ks.index(share_id)}]")
    ids = {names[i]: int(k) for i, k in enumerate(ks)}
    t = _degree(names, ids, X, pk)
    if threshold is not None and threshold != t:
        raise TssLibFormatError(f"the public shares have threshold {t}, not {threshold}")
    aux = _import_aux(d, names, me, n)
    return KeyShare(tuple(sorted(names)), t, me, ids, int(xi), X, pk, aux)


def _degree(names, ids, X, pk) -> int:
    for t in range(1, len(names)):
        try:
            check_public_shares(names, t, ids, X, pk)
            return t
        except ShareFormatError:
            continue
    raise TssLibFormatError("fields BigXj/ECDSAPub: public shares do not interpolate to the public key")


def _import_aux(d: dict, names, me: str, n: int) -> AuxInfo:
    sk_obj = d.get("PaillierSK")
    if not isinstance(sk_obj, dict):
        raise TssLibFormatError("field PaillierSK must be an object")
    try:
        paillier = PaillierSecretKey(_int(sk_obj, "P", "PaillierSK."), _int(sk_obj, "Q", "PaillierSK."))
    except (ValueError, ZeroDivisionError) as exc:  # PaillierError, or CRT on factors that are not coprime
        raise TssLibFormatError(f"field PaillierSK: {exc}") from None
    if paillier.N != _int(sk_obj, "N", "PaillierSK."):
        raise TssLibFormatError("field PaillierSK.N is not P*Q")
    if _int(sk_obj, "PhiN", "PaillierSK.") != paillier.phi:
        raise TssLibFormatError("field PaillierSK.PhiN is not (P-1)(Q-1)")
    if _int(sk_obj, "LambdaN", "PaillierSK.") != paillier.phi // gmpy2.gcd(paillier.p - 1, paillier.q - 1):
        raise TssLibFormatError("field PaillierSK.LambdaN is not lcm(P-1, Q-1)")
    pks, nt, h1, h2 = (_list(d, f, n) for f in ("PaillierPKs", "NTildej", "H1j", "H2j"))
    public = {}
    for i, name in enumerate(names):
        if not isinstance(pks[i], dict):
            raise TssLibFormatError(f"field PaillierPKs[{i}] must be an object")
        N_hat, h1_i, h2_i = (_entry(lst, i, f) for lst, f in ((nt, "NTildej"), (h1, "H1j"), (h2, "H2j")))
        try:
            ped = RingPedersen(N_hat, h2_i, h1_i)
        except PaillierError as exc:
            msg = str(exc)
            field = ("H2j" if "Pedersen s " in msg else "H1j" if "Pedersen t " in msg
                     else "NTildej" if "modulus" in msg else "H1j/H2j")
            raise TssLibFormatError(f"field {field}[{i}] is invalid ({msg})") from None
        try:
            public[name] = PartyAux(check_modulus(_int(pks[i], "N", f"PaillierPKs[{i}].")), ped)
        except PaillierError as exc:
            raise TssLibFormatError(f"field PaillierPKs[{i}].N: {exc}") from None
    if public[me].N != paillier.N:
        raise TssLibFormatError("field PaillierSK.N differs from this party's PaillierPKs entry")
    sp, sq = _int(d, "P"), _int(d, "Q")
    try:
        ped = RingPedersenSecret(2 * sp + 1, 2 * sq + 1, _int(d, "Alpha"), _int(d, "H1i"))
    except (ValueError, ZeroDivisionError) as exc:  # PaillierError, or CRT on factors that are not coprime
        raise TssLibFormatError(f"fields P/Q/Alpha/H1i: {exc}") from None
    if ped.N != _int(d, "NTildei"):
        raise TssLibFormatError("field NTildei is not (2P+1)(2Q+1)")
    if ped.s != _int(d, "H2i"):
        raise TssLibFormatError("field H2i is not H1i^Alpha")
    if (_int(d, "Alpha") * _int(d, "Beta")) % (sp * sq) != 1:
        raise TssLibFormatError("field Beta is not Alpha^-1 mod P*Q")
    if ped.public != public[me].ped:
        raise TssLibFormatError("fields NTildei/H1i/H2i differ from this party's NTildej/H1j/H2j entries")
    return AuxInfo(tuple(sorted(names)), {p: public[p] for p in sorted(names)}, paillier, ped, provenance="tss-lib")


def export_share(share: KeyShare) -> dict:
    """Our KeyShare -> tss-lib's LocalPartySaveData shape (ints stay exact in JSON)."""
    if share.aux is None:
        raise ValueError("a share without aux info cannot be exported for tss-lib")
    aux = share.aux
    sk, ped = aux.paillier, aux.ped
    phi = (sk.p - 1) * (sk.q - 1)
    sp, sq = (ped.p - 1) // 2, (ped.q - 1) // 2
    alpha = int(ped.lam)  # s = t^alpha; tss-lib keeps alpha below phi(N^) = 4PQ, as we do
    parties = sorted(share.parties, key=lambda p: share.share_ids[p])  # tss-lib sorts by share id
    order = [share.share_ids[p] for p in parties]

    def coords(pt: Point):
        raw = pt.uncompressed()
        return {"Curve": CURVE, "Coords": [int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")]}

    return {
        "PaillierSK": {"N": int(sk.N), "LambdaN": int(phi // gmpy2.gcd(sk.p - 1, sk.q - 1)), "PhiN": int(phi),
                       "P": int(sk.p), "Q": int(sk.q)},
        "NTildei": int(ped.N), "H1i": int(ped.t), "H2i": int(ped.s),
        "Alpha": alpha, "Beta": int(gmpy2.invert(alpha, sp * sq)), "P": int(sp), "Q": int(sq),
        "Xi": int(share.x), "ShareID": int(share.share_ids[share.me]), "Ks": [int(k) for k in order],
        "NTildej": [int(aux.public[p].ped.N) for p in parties],
        "H1j": [int(aux.public[p].ped.t) for p in parties],
        "H2j": [int(aux.public[p].ped.s) for p in parties],
        "BigXj": [coords(share.public_shares[p]) for p in parties],
        "PaillierPKs": [{"N": int(aux.public[p].N)} for p in parties],
        "ECDSAPub": coords(share.public_key),
    }


def dumps(share: KeyShare) -> str:
    return json.dumps(export_share(share), indent=2)
