"""Property tests: the record codec, the AD encoding, the key layout."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc.store import CorruptRecordError, InvalidKeyIdError, KeyRecord, Origin, Status, check_key_id
from abci_mpc.store import layout
from abci_mpc.store.model import decode_record, encode_record
from abci_mpc.store.sealing import KEY_DATA, PRESIG, SealError, Sealer, decode_ad, encode_ad

KEY_ID_CHARS = string.ascii_letters + string.digits + "._:-"
key_ids = st.text(KEY_ID_CHARS, min_size=1, max_size=128)
ksids = st.binary(min_size=16, max_size=16)
u64 = st.integers(min_value=0, max_value=2**64 - 1)


@st.composite
def records(draw):
    parties = tuple(draw(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=12, unique=True)))
    status = draw(st.sampled_from(Status))
    needs_pubkey = status is Status.READY
    pubkey = draw(st.binary(min_size=33, max_size=33)) if needs_pubkey or draw(st.booleans()) else b""
    return KeyRecord(
        key_id=draw(key_ids),
        key_session_id=draw(ksids),
        seq=draw(st.integers(min_value=1, max_value=2**64 - 1)),
        threshold=draw(st.integers(min_value=0, max_value=len(parties) - 1)),
        parties=parties,
        pubkey=pubkey,
        status=status,
        error=draw(st.text(max_size=100)),
        origin=draw(st.sampled_from(Origin)),
        request_id=draw(st.text(max_size=100)),
        created_ms=draw(u64),
        updated_ms=draw(u64),
    )


@given(records(), st.binary(min_size=29, max_size=200))
def test_record_round_trip(rec, sealed):
    sealed = sealed if rec.status is Status.READY else b""
    got, got_sealed = decode_record(rec.key_id, rec.key_session_id, encode_record(rec, sealed))
    assert got == rec and got_sealed == sealed


@given(records(), key_ids, ksids)
def test_record_under_another_key_or_session_is_corrupt(rec, other_id, other_ksid):
    raw = encode_record(rec, b"x" * 40 if rec.status is Status.READY else b"")
    if other_id != rec.key_id:
        with pytest.raises(CorruptRecordError):
            decode_record(other_id, rec.key_session_id, raw)
    if other_ksid != rec.key_session_id:
        with pytest.raises(CorruptRecordError):
            decode_record(rec.key_id, other_ksid, raw)


@given(st.binary(max_size=300))
def test_garbage_never_decodes_to_a_record_silently(raw):
    try:
        rec, _ = decode_record("k", b"\x07" * 16, raw)
    except CorruptRecordError as e:
        assert "'k'" in str(e)
    else:  # only a value naming exactly this slot can pass
        assert rec.key_id == "k" and rec.key_session_id == b"\x07" * 16


fields = st.lists(st.binary(max_size=40), max_size=6).map(tuple)


@given(fields)
def test_ad_round_trips(fs):
    assert decode_ad(encode_ad(*fs)) == fs


@given(fields, fields)
def test_ad_is_injective(a, b):
    if a != b:
        assert encode_ad(*a) != encode_ad(*b)


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_ad_separates_fields_that_concatenate_alike(a, b):
    # ("ab", "c") vs ("a", "bc"): the classic ambiguity of plain concatenation.
    if len(a) > 0:
        assert encode_ad(a, b) != encode_ad(a[:-1], a[-1:] + b)


@given(key_ids, ksids, st.binary(min_size=1, max_size=64), st.binary(max_size=100))
def test_sealed_values_open_only_in_their_place(key_id, ksid, presig_id, plaintext):
    sealer = Sealer(b"\x01" * 32, b"\x02" * 16)
    kid = key_id.encode()
    blob = sealer.seal(PRESIG, plaintext, kid, ksid, presig_id)
    assert sealer.open(PRESIG, blob, kid, ksid, presig_id) == plaintext
    for purpose, ad in [
        (KEY_DATA, (kid, ksid, presig_id)),  # other purpose (other key, too)
        (PRESIG, (kid + b"x", ksid, presig_id)),
        (PRESIG, (kid, ksid[::-1] + b"\x00", presig_id)),
        (PRESIG, (kid, ksid, presig_id + b"\x00")),
        (PRESIG, (kid, ksid)),
    ]:
        with pytest.raises(SealError):
            sealer.open(purpose, blob, *ad)
    with pytest.raises(SealError):
        Sealer(b"\x01" * 32, b"\x03" * 16).open(PRESIG, blob, kid, ksid, presig_id)


@given(key_ids, ksids)
def test_record_keys_split_back(key_id, ksid):
    assert layout.split_record_key(layout.record(key_id, ksid)) == (key_id, ksid)
    assert layout.record(key_id, ksid).startswith(layout.records_of(key_id))


@given(key_ids, key_ids, ksids)
def test_key_prefixes_never_select_a_neighbour(a, b, ksid):
    if a != b:
        assert not layout.record(b, ksid).startswith(layout.records_of(a))
        assert not layout.presig(b, ksid, b"p").startswith(layout.presigs_of(a))


@given(st.binary(min_size=1, max_size=20).filter(lambda p: p.rstrip(b"\xff")), st.binary(max_size=8))
def test_prefix_end_bounds_the_prefix(prefix, tail):
    end = layout.prefix_end(prefix)
    assert prefix < end and prefix + tail < end


@given(key_ids)
def test_valid_key_ids_accepted(key_id):
    assert check_key_id(key_id) == key_id


@pytest.mark.parametrize(
    "bad", ["", "a" * 129, "a/b", "a b", "ключ", "a\x00b", "a\n", "key\u00e9", None, b"bytes", 7]
)
def test_invalid_key_ids_rejected(bad):
    with pytest.raises(InvalidKeyIdError):
        check_key_id(bad)
