"""Independent checks against tss-lib's own data (no project code on the verifying side)."""

from __future__ import annotations

from coincurve import PublicKey

from abci_mpc.tss.curve import q


def pubkey_from_fixture(raw: dict) -> PublicKey:
    x, y = raw["ECDSAPub"]["Coords"]
    return PublicKey(b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big"))


def check_against_fixture(raw: dict, digest: bytes, sig) -> None:
    """libsecp256k1 verify and public-key recovery against the fixture's ECDSAPub."""
    pk = pubkey_from_fixture(raw)
    assert 0 < sig.r < q and 0 < sig.s <= q // 2 and sig.v in (0, 1)
    der = _der(sig.r, sig.s)
    assert pk.verify(der, digest, hasher=None)
    rsv = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
    assert PublicKey.from_signature_and_message(rsv, digest, hasher=None).format(False) == pk.format(False)


def _der(r: int, s: int) -> bytes:
    def part(x: int) -> bytes:
        b = x.to_bytes((x.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(b)]) + b
    body = part(r) + part(s)
    return b"\x30" + bytes([len(body)]) + body
