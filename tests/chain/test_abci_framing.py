"""Varint length-prefixed frames, as CometBFT's protoio writes and reads them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc.chain.abci.framing import (
    FrameDecoder,
    FrameError,
    MalformedLength,
    OversizeFrame,
    TruncatedFrame,
    encode_frame,
    encode_uvarint,
)

payloads = st.lists(st.binary(max_size=600), max_size=12)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


@given(payloads, st.lists(st.integers(min_value=0), max_size=20))
def test_round_trip_under_any_chunking(frames, cuts):
    stream = b"".join(encode_frame(f) for f in frames)
    decoder = FrameDecoder(max_size=1024)
    got = []
    for chunk in _split(stream, cuts):
        got += decoder.feed(chunk)
    decoder.close()
    assert got == frames
    assert decoder.buffered == 0


@given(st.integers(min_value=0, max_value=(1 << 63) - 1))
def test_uvarint_matches_leb128(value):
    encoded = encode_uvarint(value)
    assert all(b & 0x80 for b in encoded[:-1]) and not encoded[-1] & 0x80
    assert sum((b & 0x7F) << (7 * i) for i, b in enumerate(encoded)) == value
    assert len(encoded) == max(1, (value.bit_length() + 6) // 7)


def test_known_encodings():
    # Values from Go's encoding/binary tests.
    assert encode_uvarint(0) == b"\x00"
    assert encode_uvarint(127) == b"\x7f"
    assert encode_uvarint(128) == b"\x80\x01"
    assert encode_uvarint(300) == b"\xac\x02"
    assert encode_frame(b"abc") == b"\x03abc"
    with pytest.raises(ValueError):
        encode_uvarint(-1)


@given(payloads.filter(bool), st.data())
def test_truncated_stream_is_a_typed_error(frames, data):
    stream = b"".join(encode_frame(f) for f in frames)
    cut = data.draw(st.integers(min_value=1, max_value=len(stream) - 1)) if len(stream) > 1 else 0
    decoder = FrameDecoder(max_size=1024)
    decoder.feed(stream[:cut])
    ends_on_boundary = cut in _boundaries(frames)
    if ends_on_boundary:
        decoder.close()
    else:
        with pytest.raises(TruncatedFrame):
            decoder.close()


def _boundaries(frames: list[bytes]) -> set[int]:
    out, pos = {0}, 0
    for f in frames:
        pos += len(encode_frame(f))
        out.add(pos)
    return out


def test_oversize_is_rejected_before_the_payload_arrives():
    decoder = FrameDecoder(max_size=10)
    assert decoder.feed(encode_frame(b"x" * 10)) == [b"x" * 10]
    with pytest.raises(OversizeFrame) as info:
        decoder.feed(encode_uvarint(11))  # no payload bytes needed to decide
    assert (info.value.length, info.value.limit) == (11, 10)


def test_huge_length_is_rejected():
    with pytest.raises(OversizeFrame):
        FrameDecoder(max_size=1 << 20).feed(encode_uvarint((1 << 63) - 1))


@pytest.mark.parametrize(
    "prefix",
    [
        b"\xff" * 10,  # never terminates within 10 bytes
        b"\xff" * 9 + b"\x02",  # 10th byte carries bits past 64
        b"\x80" * 9 + b"\x01",  # 2**63: does not fit Go's int
    ],
)
def test_malformed_length_prefix(prefix):
    with pytest.raises(MalformedLength):
        FrameDecoder().feed(prefix)


@given(st.binary(min_size=1, max_size=64))
def test_garbage_either_decodes_or_fails_typed(garbage):
    decoder = FrameDecoder(max_size=32)
    try:
        decoder.feed(garbage)
        decoder.close()
    except FrameError:
        pass


def test_decoder_stays_poisoned_after_an_error():
    decoder = FrameDecoder(max_size=4)
    with pytest.raises(OversizeFrame):
        decoder.feed(b"\x05hello")
    with pytest.raises(OversizeFrame):
        decoder.feed(b"\x01a")
    with pytest.raises(OversizeFrame):
        decoder.close()


def test_incomplete_prefix_waits_for_more():
    decoder = FrameDecoder()
    assert decoder.feed(b"\x80") == []  # first byte of a 2-byte prefix
    assert decoder.feed(b"\x01" + b"y" * 127) == []
    assert decoder.feed(b"y") == [b"y" * 128]
