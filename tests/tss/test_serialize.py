"""Storage records of aux info, key shares and presignatures: round trips, and corrupted
records rejected with a ShareFormatError that names the field (never another exception)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abci_mpc.tss import serialize
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.serialize import ShareFormatError
from abci_mpc.tss.shares_pb2 import KeyShareRecord, PresignatureRecord

from tsshelpers import presign_run

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shares(world):
    return world.keys(1, 3)


@pytest.fixture(scope="module")
def share_bytes(shares) -> bytes:
    return serialize.key_share_to_bytes(shares["p2"])


@pytest.fixture(scope="module")
def presig(world, shares):
    return presign_run(world.parties(3), shares, ("p1", "p2")).go().unwrap()["p1"]


# -- round trips ----------------------------------------------------------------------------
def test_key_share_round_trip(shares):
    for p, s in shares.items():
        data = serialize.key_share_to_bytes(s)
        back = serialize.key_share_from_bytes(data)
        assert (back.parties, back.threshold, back.me, dict(back.share_ids), back.x) == \
            (s.parties, s.threshold, s.me, dict(s.share_ids), s.x)
        assert dict(back.public_shares) == dict(s.public_shares) and back.public_key == s.public_key
        assert back.aux.paillier.N == s.aux.paillier.N and back.aux.ped.public == s.aux.ped.public
        assert {k: (v.N, v.ped) for k, v in back.aux.public.items()} == {k: (v.N, v.ped) for k, v in s.aux.public.items()}
        assert back.fingerprint() == s.fingerprint()
        assert serialize.key_share_to_bytes(back) == data  # deterministic


def test_key_share_without_aux_round_trip(shares):
    import dataclasses

    s = dataclasses.replace(shares["p1"], aux=None)
    back = serialize.key_share_from_bytes(serialize.key_share_to_bytes(s))
    assert back.aux is None and back.x == s.x and back.fingerprint() == s.fingerprint()


def test_presignature_round_trip(presig):
    data = serialize.presignature_to_bytes(presig)
    back = serialize.presignature_from_bytes(data)
    assert back == presig
    assert serialize.presignature_to_bytes(back) == data


def test_secrets_stay_out_of_reprs(shares, presig):
    s = shares["p1"]
    for text in (repr(s), str(s), repr(s.aux), repr(s.aux.paillier), repr(s.aux.ped), repr(presig)):
        for secret in (s.x, s.aux.paillier.p, s.aux.paillier.q, s.aux.ped.lam, presig.k, presig.chi):
            assert str(int(secret)) not in text and f"{int(secret):x}" not in text


# -- corruption names the field --------------------------------------------------------------
def _edit(data: bytes, fn) -> bytes:
    rec = KeyShareRecord.FromString(data)
    fn(rec)
    return rec.SerializeToString()


def _other_point(b: bytes) -> bytes:
    return (Point.from_bytes(b) + Point.G).to_bytes()


KEY_SHARE_CORRUPTIONS = {
    "version": (lambda r: setattr(r, "version", 2), "unsupported version"),
    "threshold-n": (lambda r: setattr(r, "threshold", 3), "threshold 3 invalid"),
    "threshold-0": (lambda r: setattr(r, "threshold", 0), "threshold 0 invalid"),
    "me": (lambda r: setattr(r, "me", "p9"), "own party not in the party list"),
    "parties-unsorted": (lambda r: r.parties.reverse(), "sorted"),
    "parties-one": (lambda r: (r.parties.__delitem__(slice(1, None))), "at least two"),
    "share-ids-count": (lambda r: r.share_ids.pop(), "share_ids/public_shares"),
    "share-ids-duplicate": (lambda r: r.share_ids.__setitem__(1, r.share_ids[0]), "nonzero and distinct"),
    "share-ids-zero": (lambda r: r.share_ids.__setitem__(0, bytes(32)), "nonzero and distinct"),
    "share-ids-unreduced": (lambda r: r.share_ids.__setitem__(2, q.to_bytes(32, "big")), "share_ids[p3]"),
    "share-ids-short": (lambda r: r.share_ids.__setitem__(0, b"\x01"), "share_ids[p1]"),
    "x-changed": (lambda r: setattr(r, "x", ((int.from_bytes(r.x, "big") + 1) % q).to_bytes(32, "big")),
                  "secret share does not match own public share"),
    "x-unreduced": (lambda r: setattr(r, "x", b"\xff" * 32), "x:"),
    "x-short": (lambda r: setattr(r, "x", r.x[1:]), "x:"),
    "public-share-invalid": (lambda r: r.public_shares.__setitem__(2, b"\x02" + (5).to_bytes(32, "big")),
                             "public_shares[p3]"),
    "public-share-identity": (lambda r: r.public_shares.__setitem__(0, bytes(33)), "public_shares[p1]"),
    "public-share-other": (lambda r: r.public_shares.__setitem__(2, _other_point(r.public_shares[2])),
                           "public share of p3 is off the degree-1 polynomial"),
    "own-public-share": (lambda r: r.public_shares.__setitem__(1, _other_point(r.public_shares[1])),
                         "secret share does not match own public share"),
    "first-public-share": (lambda r: r.public_shares.__setitem__(0, _other_point(r.public_shares[0])),
                           "public shares"),
    "public-key": (lambda r: setattr(r, "public_key", _other_point(r.public_key)),
                   "do not interpolate to the public key"),
    "public-key-invalid": (lambda r: setattr(r, "public_key", b"\x04" + r.public_key[1:]), "public_key:"),
    "aux-paillier-p": (lambda r: setattr(r.aux, "paillier_p", (int.from_bytes(r.aux.paillier_p, "big") + 2).to_bytes(len(r.aux.paillier_p), "big")),
                       "aux: Paillier factors do not match"),
    "aux-paillier-equal": (lambda r: setattr(r.aux, "paillier_q", r.aux.paillier_p), "aux:"),
    "aux-paillier-tiny": (lambda r: setattr(r.aux, "paillier_p", b"\x03"), "aux:"),
    "aux-ped-lambda": (lambda r: setattr(r.aux, "ped_lambda", (int.from_bytes(r.aux.ped_lambda, "big") + 1).to_bytes(len(r.aux.ped_lambda) + 1, "big")),
                       "aux: ring-Pedersen secret does not match"),
    "aux-own-N": (lambda r: setattr(r.aux.parties[1], "N", (int.from_bytes(r.aux.parties[1].N, "big") + 2).to_bytes(256, "big")),
                  "aux: Paillier factors do not match"),
    "aux-peer-ped-even": (lambda r: setattr(r.aux.parties[0], "ped_N", (int.from_bytes(r.aux.parties[0].ped_N, "big") + 1).to_bytes(256, "big")),
                          "aux: modulus is even"),
    "aux-peer-s-one": (lambda r: setattr(r.aux.parties[0], "s", b"\x01"), "aux: ring-Pedersen s"),
    "aux-party-twice": (lambda r: r.aux.parties.append(r.aux.parties[0]), "listed twice"),
    "aux-own-missing": (lambda r: r.aux.parties.__delitem__(1), "aux: own party missing"),
    "aux-other-party-set": (lambda r: setattr(r.aux.parties[0], "party", "p0"), "aux info covers a different party set"),
}


@pytest.mark.parametrize("corruption", KEY_SHARE_CORRUPTIONS)
def test_corrupt_key_share_names_the_field(share_bytes, corruption):
    fn, message = KEY_SHARE_CORRUPTIONS[corruption]
    bad = _edit(share_bytes, fn)
    with pytest.raises(ShareFormatError) as exc:
        serialize.key_share_from_bytes(bad)
    assert message in str(exc.value)


@pytest.mark.parametrize("field, value", [("ped_p", b""), ("ped_p", b"\x01"), ("ped_q", b""), ("ped_q", b"\x01")])
def test_corrupt_ring_pedersen_factors(share_bytes, field, value):
    """Empty or unit factors made CRT()/RingPedersenSecret() raise ValueError or
    ZeroDivisionError, which used to escape aux_from_record."""
    bad = _edit(share_bytes, lambda r: setattr(r.aux, field, value))
    with pytest.raises(ShareFormatError, match="aux"):
        serialize.key_share_from_bytes(bad)


PRESIG_CORRUPTIONS = {
    "version": (lambda r: setattr(r, "version", 0), "unsupported version"),
    "me": (lambda r: setattr(r, "me", "p9"), "presignature"),
    "id": (lambda r: setattr(r, "id", r.id[:31]), "presignature"),
    "fingerprint": (lambda r: setattr(r, "key_fingerprint", b""), "presignature"),
    "R": (lambda r: setattr(r, "R", bytes(33)), "R:"),
    "k": (lambda r: setattr(r, "k", q.to_bytes(32, "big")), "k:"),
    "chi": (lambda r: setattr(r, "chi", b"\x00"), "chi:"),
}


@pytest.mark.parametrize("corruption", PRESIG_CORRUPTIONS)
def test_corrupt_presignature_names_the_field(presig, corruption):
    fn, message = PRESIG_CORRUPTIONS[corruption]
    rec = PresignatureRecord.FromString(serialize.presignature_to_bytes(presig))
    fn(rec)
    with pytest.raises(ShareFormatError) as exc:
        serialize.presignature_from_bytes(rec.SerializeToString())
    assert message in str(exc.value)


# -- fuzzing: only ShareFormatError -----------------------------------------------------------
DECODERS = [serialize.key_share_from_bytes, serialize.presignature_from_bytes]


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(DECODERS))
@example(b"", serialize.key_share_from_bytes)
@example(b"\x08\x01", serialize.key_share_from_bytes)
@example(b"\x08\x01", serialize.presignature_from_bytes)
@example(b"\xff", serialize.presignature_from_bytes)
def test_random_bytes_raise_only_share_format_error(raw, decode):
    with pytest.raises(ShareFormatError):
        decode(raw)


def _garble(data: bytes, rnd: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.choice(["flip", "truncate", "insert", "delete"])
        i = rnd.randrange(len(b)) if b else 0
        if op == "flip" and b:
            b[i] ^= 1 << rnd.randrange(8)
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b.insert(i, rnd.randrange(256))
        elif b:
            del b[i]
    return bytes(b)


def test_garbled_records_raise_only_share_format_error(share_bytes, presig):
    presig_bytes = serialize.presignature_to_bytes(presig)

    @FUZZ
    @given(st.randoms(use_true_random=False), st.booleans())
    def check(rnd, which):
        data, decode = (share_bytes, serialize.key_share_from_bytes) if which else \
            (presig_bytes, serialize.presignature_from_bytes)
        try:
            decode(_garble(data, rnd))
        except ShareFormatError:
            pass

    check()


SAFE_FIELDS = ["paillier_p", "paillier_q", "ped_p", "ped_q", "ped_lambda"]


@pytest.mark.parametrize("field", SAFE_FIELDS + ["peer.N", "peer.ped_N", "peer.s", "peer.t", "own.ped_N", "own.t"])
def test_aux_fields_fuzzed_raise_only_share_format_error(share_bytes, field):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.one_of(st.binary(max_size=3), st.integers(0, 1 << 2100).map(lambda v: v.to_bytes((v.bit_length() + 7) // 8, "big"))))
    @example(b"")
    @example(b"\x01")
    def check(value):
        def edit(r):
            if "." in field:
                who, name = field.split(".")
                setattr(r.aux.parties[0 if who == "peer" else 1], name, value)
            else:
                setattr(r.aux, field, value)
        try:
            serialize.key_share_from_bytes(_edit(share_bytes, edit))
        except ShareFormatError:
            pass

    check()
