"""Transaction codec: signing, strict canonical decoding, bounds; garbage never crashes."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from abci_mpc.chain import tx_pb2, txs
from abci_mpc.tss.identity import Ed25519Signer

SIGNER = Ed25519Signer.from_seed(bytes(range(32)))
PARTY = "ab" * 20
SID = bytes(16)

PAYLOADS = [
    tx_pb2.KeyGenRequest(key_id="k-1", threshold=1, parties=[PARTY, "cd" * 20]),
    tx_pb2.SignRequest(key_id="k.1", sign_id="tx:0x01", digest=bytes(32)),
    tx_pb2.ReshareRequest(key_id="k_1", new_threshold=2, new_parties=[PARTY] * 3),
    tx_pb2.RefreshRequest(key_id="K"),
    tx_pb2.DeleteRequest(key_id="k"),
    tx_pb2.KeyGenResult(session_id=SID, key_id="k", pubkey=b"\x02" + bytes(32)),
    tx_pb2.SignResult(session_id=SID, key_id="k", sign_id="s", r=bytes(32), s=bytes(32), v=1),
    tx_pb2.ReshareResult(session_id=SID, key_id="k", member=False),
    tx_pb2.RefreshResult(session_id=SID, key_id="k", pubkey=b"\x03" + bytes(32), member=True),
    tx_pb2.DeleteAck(session_id=SID, key_id="k"),
    tx_pb2.SessionFailure(session_id=SID, key_id="k", reason="timeout", blames=[
        tx_pb2.Blame(accused=PARTY, reason="TIMEOUT", round=2, detail="no answer", evidence=[b"x" * 100])]),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_round_trip_and_signature(payload):
    raw = txs.build(SIGNER, "chain-a", payload, nonce=7)
    tx = txs.decode(raw)
    assert tx.payload == payload
    assert tx.kind == txs._FIELD_OF[type(payload).DESCRIPTOR.name]
    assert (tx.nonce, tx.sender) == (7, SIGNER.public_key)
    assert tx.verify("chain-a")
    assert not tx.verify("chain-b")
    assert tx.is_request == type(payload).__name__.endswith("Request")
    assert tx.session_id == tx.hash[:16] and tx.request_id == tx.hash.hex().upper()


def test_fresh_nonce_gives_new_bytes_and_session():
    p = PAYLOADS[1]
    a, b = txs.build(SIGNER, "c", p), txs.build(SIGNER, "c", p)
    assert a != b
    assert txs.decode(a).session_id != txs.decode(b).session_id


def test_tampering_breaks_the_signature():
    raw = txs.build(SIGNER, "c", PAYLOADS[1], nonce=1)
    outer = tx_pb2.Tx.FromString(raw)
    for field, value in [("nonce", 2), ("sender", Ed25519Signer.generate().public_key),
                         ("signature", bytes(64))]:
        t = tx_pb2.Tx()
        t.CopyFrom(outer)
        setattr(t, field, value)
        assert not txs.decode(t.SerializeToString(deterministic=True)).verify("c"), field
    body = tx_pb2.Msg.FromString(outer.body)
    body.sign_request.sign_id = "other"
    t = tx_pb2.Tx()
    t.CopyFrom(outer)
    t.body = body.SerializeToString(deterministic=True)
    assert not txs.decode(t.SerializeToString(deterministic=True)).verify("c")


@given(st.binary(max_size=30), st.integers(0, 2**64 - 1), st.binary(max_size=30),
       st.binary(max_size=30), st.integers(0, 2**64 - 1), st.binary(max_size=30))
def test_sign_bytes_is_injective(c1, n1, b1, c2, n2, b2):
    c1, c2 = c1.hex(), c2.hex()
    if (c1, n1, b1) != (c2, n2, b2):
        assert txs.sign_bytes(c1, n1, b1) != txs.sign_bytes(c2, n2, b2)


def test_non_canonical_encodings_are_rejected():
    raw = txs.build(SIGNER, "c", PAYLOADS[0], nonce=5)
    # An unknown field, appended to the tx or to the body.
    with pytest.raises(txs.TxError, match="not canonically encoded"):
        txs.decode(raw + b"\xf8\x01\x01")  # field 31, varint 1
    outer = tx_pb2.Tx.FromString(raw)
    outer.body = outer.body + b"\xf8\x01\x01"
    with pytest.raises(txs.TxError, match="tx body is not canonically encoded"):
        txs.decode(outer.SerializeToString(deterministic=True))
    # A field repeated (last one wins in protobuf: a second encoding of the same tx).
    with pytest.raises(txs.TxError, match="not canonically encoded"):
        txs.decode(raw + b"\x08\x05")
    # A non-minimal varint for the nonce.
    assert raw[:2] == b"\x08\x05"
    with pytest.raises(txs.TxError, match="not canonically encoded"):
        txs.decode(b"\x08\x85\x00" + raw[2:])


@pytest.mark.parametrize("payload, message", [
    (tx_pb2.KeyGenRequest(key_id="", threshold=1, parties=[PARTY]), "key_id"),
    (tx_pb2.KeyGenRequest(key_id="a/b", threshold=1, parties=[PARTY]), "key_id"),
    (tx_pb2.KeyGenRequest(key_id="k" * 129, threshold=1, parties=[PARTY]), "key_id"),
    (tx_pb2.KeyGenRequest(key_id="k", threshold=1, parties=["AB" * 20]), "not a node ID"),
    (tx_pb2.KeyGenRequest(key_id="k", threshold=1, parties=[PARTY] * 257), "at most 256"),
    (tx_pb2.SignRequest(key_id="k", sign_id="s p", digest=bytes(32)), "sign_id"),
    (tx_pb2.SignRequest(key_id="k", sign_id="s", digest=bytes(257)), "digest longer"),
    (tx_pb2.KeyGenResult(session_id=bytes(15), key_id="k", pubkey=bytes(33)), "session_id"),
    (tx_pb2.KeyGenResult(session_id=SID, key_id="k", pubkey=bytes(65)), "pubkey"),
    (tx_pb2.SignResult(session_id=SID, key_id="k", sign_id="s", r=bytes(31), s=bytes(32)), "r and s"),
    (tx_pb2.ReshareResult(session_id=SID, key_id="k", member=True), "pubkey"),
    (tx_pb2.SessionFailure(session_id=SID, key_id="k", reason="x" * 1025), "reason"),
    (tx_pb2.SessionFailure(session_id=SID, key_id="k", blames=[tx_pb2.Blame(evidence=[bytes(64 * 1024 + 1)])]),
     "evidence item"),
    (tx_pb2.SessionFailure(session_id=SID, key_id="k", blames=[tx_pb2.Blame(evidence=[b"e"] * 33)]), "evidence items"),
    (tx_pb2.SessionFailure(session_id=SID, key_id="k", blames=[tx_pb2.Blame()] * 257), "blames"),
])
def test_bounds(payload, message):
    with pytest.raises(txs.TxError, match=message):
        txs.build(SIGNER, "c", payload)
    # The same payload built without the check is refused by decode().
    msg = tx_pb2.Msg()
    getattr(msg, txs._FIELD_OF[type(payload).DESCRIPTOR.name]).CopyFrom(payload)
    body = msg.SerializeToString(deterministic=True)
    raw = tx_pb2.Tx(nonce=1, body=body, sender=SIGNER.public_key,
                    signature=SIGNER.sign(txs.sign_bytes("c", 1, body))).SerializeToString(deterministic=True)
    with pytest.raises(txs.TxError, match=message):
        txs.decode(raw)


def test_size_cap():
    # Evidence within every per-item bound but too much in total.
    blames = [tx_pb2.Blame(evidence=[bytes(64 * 1024)] * 16)] * 2
    with pytest.raises(txs.TxError, match="above the 1048576-byte limit"):
        txs.build(SIGNER, "c", tx_pb2.SessionFailure(session_id=SID, key_id="k", blames=blames))
    with pytest.raises(txs.TxError, match="limit"):
        txs.decode(bytes(txs.MAX_TX_BYTES + 1))


def test_build_rejects_non_payloads_and_bad_chain_ids():
    with pytest.raises(TypeError):
        txs.build(SIGNER, "c", tx_pb2.Tx())
    with pytest.raises(txs.TxError, match="chain id"):
        txs.build(SIGNER, "", PAYLOADS[3])
    with pytest.raises(txs.TxError, match="chain id"):
        txs.build(SIGNER, "c" * 51, PAYLOADS[3])


def test_structural_errors():
    with pytest.raises(txs.TxError, match="no message"):
        body = b""
        txs.decode(tx_pb2.Tx(nonce=1, body=body, sender=bytes(32), signature=bytes(64)).SerializeToString())
    with pytest.raises(txs.TxError, match="sender"):
        txs.decode(tx_pb2.Tx(nonce=1, sender=bytes(31), signature=bytes(64)).SerializeToString())
    with pytest.raises(txs.TxError, match="signature"):
        txs.decode(tx_pb2.Tx(nonce=1, sender=bytes(32), signature=bytes(63)).SerializeToString())
    with pytest.raises(txs.TxError, match="not a valid protobuf"):
        txs.decode(b"\xff\xff\xff")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash(data):
    try:
        tx = txs.decode(data)
    except txs.TxError:
        return
    tx.verify("c")  # decodable garbage still only yields a bool


VALID = [txs.build(SIGNER, "c", p, nonce=secrets.randbits(64)) for p in PAYLOADS]


@settings(max_examples=500)
@given(st.sampled_from(VALID), st.data())
def test_mutations_are_rejected_or_unverifiable(raw, data):
    i = data.draw(st.integers(0, len(raw) - 1))
    flip = data.draw(st.integers(1, 255))
    mutated = raw[:i] + bytes([raw[i] ^ flip]) + raw[i + 1:]
    try:
        tx = txs.decode(mutated)
    except txs.TxError:
        return
    assert not tx.verify("c")


@given(st.lists(st.binary(max_size=64), max_size=4), st.binary(max_size=100))
def test_truncations_and_splices_never_crash(pieces, tail):
    for raw in VALID:
        for cut in (1, len(raw) // 2, len(raw) - 1):
            for candidate in (raw[:cut], raw[:cut] + tail, b"".join(pieces) + raw[cut:]):
                try:
                    txs.decode(candidate)
                except txs.TxError:
                    pass
