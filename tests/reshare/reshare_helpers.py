"""Checks shared by the resharing and refresh tests."""

from __future__ import annotations

import hashlib
import secrets

from coincurve import PublicKey

from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.ecdsa import Signature
from abci_mpc.tss.shares import KeyShare
from abci_mpc.tss.vss import interpolate


def secret_of(shares: dict[str, KeyShare]) -> int:
    """The shared secret, interpolated from every given share (test-only reconstruction)."""
    any_share = next(iter(shares.values()))
    return interpolate({any_share.share_ids[p]: s.x for p, s in shares.items()})


def fresh_paillier(pool, members, old: dict[str, KeyShare]) -> dict:
    """Distinct pool keys for a new committee, none of them one the old committee uses."""
    used = {int(s.aux.paillier.N) for s in old.values() if s.aux is not None}
    free = [k for k in pool if int(k.N) not in used]
    members = sorted(members)
    assert len(free) >= len(members), "pool too small"
    return dict(zip(members, free))


def check_signature(public_key: Point, digest: bytes, sig: Signature) -> None:
    """libsecp256k1 through coincurve, independently of the project's own verify()."""
    assert 0 < sig.r < q and 0 < sig.s <= q // 2 and sig.v in (0, 1)
    pk = PublicKey(public_key.to_bytes())
    der = _der(sig.r, sig.s)
    assert pk.verify(der, digest, hasher=None)
    rsv = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
    assert PublicKey.from_signature_and_message(rsv, digest, hasher=None).format() == pk.format()


def _der(r: int, s: int) -> bytes:
    def part(x: int) -> bytes:
        b = x.to_bytes((x.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(b)]) + b
    body = part(r) + part(s)
    return b"\x30" + bytes([len(body)]) + body


def digest(label: str) -> bytes:
    return hashlib.sha256(label.encode() + secrets.token_bytes(8)).digest()


def sign_with(lp, shares: dict[str, KeyShare], signers, label: str):
    """Presign and sign among `signers`; returns (digest, signature), checked by coincurve."""
    d = digest(label)
    presigs = lp.presign(shares, sorted(signers))
    sig = lp.sign(shares, presigs, d)
    check_signature(next(iter(shares.values())).public_key, d, sig)
    return d, sig
