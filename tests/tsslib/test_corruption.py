"""Corrupted or truncated tss-lib save files: a TssLibFormatError that names the bad field,
never another exception, never a float-rounded integer, never a silently different share."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abci_mpc.tss import tsslib
from abci_mpc.tss.tsslib import TssLibFormatError

FILE = 1  # keygen_data_1.json: party-01


@pytest.fixture(scope="module")
def base(raw) -> dict:
    return raw[FILE]


@pytest.fixture(scope="module")
def original(texts):
    return tsslib.import_share(texts[FILE])


def _set(path, value):
    """Mutation setting d[path...] = value (a callable value gets the old one)."""
    def mutate(d):
        *head, last = path
        for k in head:
            d = d[k]
        d[last] = value(d[last]) if callable(value) else value
    return mutate


def _delete(path):
    def mutate(d):
        *head, last = path
        for k in head:
            d = d[k]
        del d[last]
    return mutate


TOP = ["PaillierSK", "NTildei", "H1i", "H2i", "Alpha", "P", "Q", "Xi", "ShareID", "Ks", "NTildej", "H1j", "H2j",
       "BigXj", "PaillierPKs", "ECDSAPub"]

CORRUPTIONS = {
    **{f"missing-{f}": (_delete([f]), f) for f in TOP},
    **{f"string-{f}": (_set([f], "12345"), f) for f in TOP},
    "Xi-float": (_set(["Xi"], 1.5), "Xi"),
    "Xi-bool": (_set(["Xi"], True), "Xi"),
    "Xi-negative": (_set(["Xi"], -5), "Xi"),
    "Xi-unreduced": (_set(["Xi"], lambda v: v + 2 ** 256), "Xi"),
    "Xi-off-by-one": (_set(["Xi"], lambda v: v + 1), "Xi"),
    "ShareID-unknown": (_set(["ShareID"], 5), "ShareID"),
    "Ks-duplicate": (_set(["Ks", 2], lambda v: v - 1), "Ks"),
    "Ks-short": (lambda d: d["Ks"].pop(), "BigXj"),  # five public shares for four ids
    "BigXj-off-curve": (_set(["BigXj", 2, "Coords", 0], lambda v: v + 1), "BigXj[2]"),
    "BigXj-one-coordinate": (lambda d: d["BigXj"][3]["Coords"].pop(), "BigXj[3]"),
    "BigXj-other-curve": (_set(["BigXj", 0, "Curve"], "P-256"), "BigXj[0]"),
    "BigXj-other-point": (lambda d: d["BigXj"].__setitem__(4, copy.deepcopy(d["BigXj"][0])), "BigXj"),
    "ECDSAPub-off-curve": (_set(["ECDSAPub", "Coords", 1], lambda v: v + 1), "ECDSAPub"),
    "ECDSAPub-other-point": (lambda d: d.__setitem__("ECDSAPub", copy.deepcopy(d["BigXj"][0])), "ECDSAPub"),
    "PaillierSK-N": (_set(["PaillierSK", "N"], lambda v: v + 2), "PaillierSK.N"),
    "PaillierSK-P": (_set(["PaillierSK", "P"], lambda v: v + 2), "PaillierSK"),
    "PaillierSK-P-equals-Q": (lambda d: d["PaillierSK"].__setitem__("P", d["PaillierSK"]["Q"]), "PaillierSK"),
    "PaillierSK-P-multiple-of-Q": (lambda d: d["PaillierSK"].__setitem__("P", 5 * d["PaillierSK"]["Q"]), "PaillierSK"),
    "PaillierSK-Q-missing": (_delete(["PaillierSK", "Q"]), "PaillierSK.Q"),
    "PaillierSK-small": (_set(["PaillierSK", "P"], 3), "PaillierSK"),
    "own-PaillierPKs-entry": (_set(["PaillierPKs", FILE, "N"], lambda v: v + 2), "PaillierPKs"),
    "PaillierPKs-not-object": (_set(["PaillierPKs", 2], [1]), "PaillierPKs[2]"),
    "NTildej-short": (lambda d: d["NTildej"].pop(), "NTildej"),
    "own-NTildej-entry": (_set(["NTildej", FILE], lambda v: v + 2), "NTildei/H1i/H2i"),
    "NTildei": (_set(["NTildei"], lambda v: v + 2), "NTildei"),
    "P": (_set(["P"], lambda v: v + 1), "NTildei"),
    "P-equals-Q": (lambda d: d.__setitem__("P", d["Q"]), "P/Q"),
    "Alpha": (_set(["Alpha"], lambda v: v + 1), "H2i"),
    "H1i": (_set(["H1i"], lambda v: v + 1), "H2i"),
    "H1i-one": (_set(["H1i"], 1), "H1i"),
    "H2i": (_set(["H2i"], lambda v: v + 1), "H2i"),
}


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_corruption_names_the_field(base, case):
    mutate, field = CORRUPTIONS[case]
    d = copy.deepcopy(base)
    mutate(d)
    with pytest.raises(TssLibFormatError) as exc:
        tsslib.import_share(json.dumps(d))
    assert field in str(exc.value), f"{field!r} not named in: {exc.value}"


@pytest.mark.parametrize("literal", ["1.0", "1e5", "1E+77", "NaN", "Infinity", "-Infinity", "123.4567890123456789"])
def test_non_integer_numbers_are_refused_by_field(texts, base, literal):
    """A number JSON would read as a float is refused, naming the field (never rounded)."""
    text = texts[FILE].replace(f'"Xi": {base["Xi"]}', f'"Xi": {literal}', 1)
    assert text != texts[FILE]
    with pytest.raises(TssLibFormatError, match="field Xi must be an integer"):
        tsslib.import_share(text)


@pytest.mark.parametrize("text", ["", "   ", "[]", "null", "42", '"x"', "{", '{"Ks": [1, 2',
                                  b"\xff\xfe\x00", b"\x00" * 8])
def test_not_a_save_file(text):
    with pytest.raises(TssLibFormatError):
        tsslib.import_share(text)


def test_bytes_and_text_are_equivalent(texts, original):
    s = tsslib.import_share(texts[FILE].encode())
    assert (s.x, s.me, s.fingerprint()) == (original.x, original.me, original.fingerprint())


@pytest.mark.parametrize("field, value", [("H1j", "x"), ("H1j", 1), ("H2j", 1), ("NTildej", 2 ** 2047 + 2)])
def test_peer_entries_are_named_exactly(base, field, value):
    d = copy.deepcopy(base)
    d[field][4] = value
    with pytest.raises(TssLibFormatError) as exc:
        tsslib.import_share(json.dumps(d))
    assert f"{field}[4] " in str(exc.value) or str(exc.value).endswith(f"{field}[4]"), str(exc.value)


def _top_level_field_at(text: str, pos: int) -> str | None:
    """The top-level field whose value spans `pos` (test-side, from the original text)."""
    current, depth, i = None, 0, 0
    while i < pos:
        c = text[i]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == '"' and depth == 1:
            end = text.index('"', i + 1)
            if text[end + 1:].lstrip().startswith(":"):
                current = text[i + 1:end]
            i = end
        i += 1
    return current


def test_truncation_is_a_format_error(texts):
    text = texts[FILE]
    for cut in range(0, len(text.rstrip()) - 1, 97):
        with pytest.raises(TssLibFormatError):
            tsslib.import_share(text[:cut])


@pytest.mark.parametrize("field", ["PaillierSK", "NTildej", "BigXj", "ECDSAPub"])
def test_truncation_names_the_field(texts, field):
    text = texts[FILE]
    start = text.index(f'"{field}"')
    cut = start + 40
    assert _top_level_field_at(text, cut) == field
    with pytest.raises(TssLibFormatError, match=field):
        tsslib.import_share(text[:cut])


@pytest.mark.parametrize("path", [["PaillierSK", "LambdaN"], ["PaillierSK", "PhiN"], ["Beta"]],
                         ids=["LambdaN", "PhiN", "Beta"])
def test_derived_fields_are_checked(base, path):
    d = copy.deepcopy(base)
    _set(path, lambda v: v + 1)(d)
    with pytest.raises(TssLibFormatError, match=path[-1]):
        tsslib.import_share(json.dumps(d))


# -- fuzzing ---------------------------------------------------------------------------------
def _same_own_share(a, b) -> bool:
    """Everything this party's file alone determines and can check: its secret, its view of
    the key, its own Paillier and ring-Pedersen secrets."""
    return (a.me, a.parties, a.threshold, a.x, a.public_key, dict(a.share_ids), dict(a.public_shares),
            a.aux.paillier.N, a.aux.ped.public) == (b.me, b.parties, b.threshold, b.x, b.public_key,
                                                    dict(b.share_ids), dict(b.public_shares),
                                                    b.aux.paillier.N, b.aux.ped.public)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_random_byte_flips(texts, original, data):
    raw = bytearray(texts[FILE].encode())
    for _ in range(data.draw(st.integers(1, 3), label="flips")):
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        raw[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    try:
        share = tsslib.import_share(bytes(raw))
    except TssLibFormatError as exc:
        assert str(exc), "an empty message names nothing"
        return
    # Accepted: only values this file cannot check (other parties' public aux entries) or
    # that import ignores may have changed; this party's own share must be untouched.
    assert _same_own_share(share, original)


@FUZZ
@given(cut=st.integers(0, 21000), junk=st.binary(max_size=8).filter(lambda b: b"}" not in b))
def test_random_truncations(texts, cut, junk):
    text = texts[FILE].encode()
    end = text.rstrip().rfind(b"}")
    data = text[: min(cut, end)] + (junk if junk.strip() else b"")
    with pytest.raises(TssLibFormatError):
        tsslib.import_share(data)
