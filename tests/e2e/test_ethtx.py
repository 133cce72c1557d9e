"""abci_mpc.ethtx: RLP and Ethereum transaction encoding against published vectors, plus
round-trip properties through an independent decoder written here."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc.ethtx import Eip1559Tx, LegacyTx, address_of, checksum, ecrecover, rlp
from abci_mpc.tss.keccak import keccak256

KEY_46 = PrivateKey(bytes.fromhex("46" * 32))  # the key of the EIP-155 example


def _sign(sk: PrivateKey, digest: bytes) -> tuple[int, int, int]:
    sig = sk.sign_recoverable(digest, hasher=None)  # RFC 6979 nonces: deterministic
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]


# --- RLP: the examples of the Ethereum RLP specification ---------------------------------

@pytest.mark.parametrize("item, encoded", [
    (b"dog", "83646f67"),
    ([b"cat", b"dog"], "c88363617483646f67"),
    (b"", "80"),
    ([], "c0"),
    (0, "80"),
    (b"\x00", "00"),
    (b"\x0f", "0f"),
    (15, "0f"),
    (1024, "820400"),
    (b"\x04\x00", "820400"),
    ([[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"),
    (b"Lorem ipsum dolor sit amet, consectetur adipisicing elit",
     "b838" + b"Lorem ipsum dolor sit amet, consectetur adipisicing elit".hex()),
])
def test_rlp_spec_examples(item, encoded):
    assert rlp(item).hex() == encoded


def test_rlp_refuses_what_it_cannot_encode():
    for bad in (-1, True, "text", 1.5, None):
        with pytest.raises((TypeError, ValueError)):
            rlp(bad)


def _decode(data: bytes):
    """An independent RLP decoder (strict: canonical lengths only)."""
    item, rest = _item(data)
    assert rest == b""
    return item


def _item(data: bytes):
    b = data[0]
    if b < 0x80:
        return data[:1], data[1:]
    if b < 0xC0:
        n, body = _len(data, 0x80)
        assert not (n == 1 and body[0] < 0x80), "non-canonical single byte"
        return body[:n], body[n:]
    n, body = _len(data, 0xC0)
    payload, rest, out = body[:n], body[n:], []
    while payload:
        x, payload = _item(payload)
        out.append(x)
    return out, rest


def _len(data: bytes, offset: int):
    short = data[0] - offset
    if short <= 55:
        return short, data[1:]
    size = short - 55
    n = int.from_bytes(data[1:1 + size], "big")
    assert n > 55 and data[1] != 0, "non-canonical long length"
    return n, data[1 + size:]


rlp_items = st.recursive(st.binary(max_size=80), lambda inner: st.lists(inner, max_size=6), max_leaves=20)


@given(rlp_items)
def test_rlp_round_trips(item):
    assert _decode(rlp(item)) == item


@given(st.integers(min_value=0, max_value=2**256))
def test_rlp_integers_are_minimal_big_endian(n):
    assert _decode(rlp(n)) == (n.to_bytes((n.bit_length() + 7) // 8, "big"))


# --- transactions ----------------------------------------------------------------------------

def test_eip155_example():
    """The worked example of EIP-155 (chain id 1): signing hash and signed bytes."""
    tx = LegacyTx(chain_id=1, nonce=9, gas_price=20 * 10**9, gas_limit=21000, to=bytes.fromhex("35" * 20),
                  value=10**18)
    assert tx.signing_hash().hex() == "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    r, s, v = _sign(KEY_46, tx.signing_hash())
    assert tx.signed(v, r, s).hex() == (
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc"
        "2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb196"
        "6a3b6d83")
    assert address_of(KEY_46.public_key.format()) == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"


def test_eip1559_vector():
    """A published type-2 vector (chain id 1559, key 0x46..46): the signed envelope byte for byte."""
    tx = Eip1559Tx(chain_id=1559, nonce=0, max_priority_fee_per_gas=5678, max_fee_per_gas=1100000, gas_limit=30000,
                   to=bytes.fromhex("627306090abaB3A6e1400e9345bC60c78a8BEf57"), value=123)
    r, s, v = _sign(KEY_46, tx.signing_hash())
    assert tx.signed(v, r, s).hex() == (
        "02f8698206178082162e8310c8e082753094627306090abab3a6e1400e9345bc60c78a8bef577b80c001a0d1f9ee3bdde4d4e0792c"
        "7089b84059fb28e17f494556d8a775450b1dd6c318a1a038bd3e2fb9e018528e0a41f57c7a32a8d23b2693e0451aa6ef4519b2344"
        "66e7f")


def test_eip1559_fields_and_access_list():
    to = bytes.fromhex("aa" * 20)
    tx = Eip1559Tx(1, 7, 2, 3, 21000, to, 5, b"\x01\x02", access_list=((bytes(20), (bytes(32),)),))
    fields = _decode(tx.signed(1, 10, 11)[1:])
    assert fields[:8] == [b"\x01", b"\x07", b"\x02", b"\x03", (21000).to_bytes(2, "big"), to, b"\x05", b"\x01\x02"]
    assert fields[8] == [[bytes(20), [bytes(32)]]]
    assert fields[9:] == [b"\x01", b"\x0a", b"\x0b"]
    assert tx.signing_hash() == keccak256(b"\x02" + rlp(tx._fields()))


@given(st.binary(min_size=32, max_size=32), st.integers(1, 2**64), st.integers(0, 2**64))
def test_ecrecover_gives_the_signer(seed, chain_id, value):
    try:
        sk = PrivateKey(seed)
    except ValueError:
        return
    tx = Eip1559Tx(chain_id, 0, 1, 2, 21000, bytes(20), value)
    r, s, v = _sign(sk, tx.signing_hash())
    assert ecrecover(tx.signing_hash(), r, s, v) == address_of(sk.public_key.format())
    assert ecrecover(tx.signing_hash(), r, s, v ^ 1) != address_of(sk.public_key.format())


def test_bad_arguments():
    with pytest.raises(ValueError):
        Eip1559Tx(1, 0, 1, 2, 21000, b"short", 0).signing_hash()
    with pytest.raises(ValueError):
        LegacyTx(1, 0, 1, 21000, bytes(20), 0).signed(27, 1, 1)
    assert checksum(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")) == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
