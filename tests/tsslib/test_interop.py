"""tss-lib v2 interop on its own fixtures: import, every 3-of-5 signer set presigns and
signs under ECDSAPub, export reproduces each file, and an imported key reshares to a new
committee that signs under the same ECDSAPub."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest

from abci_mpc.tss import tsslib
from abci_mpc.tss.curve import Point
from abci_mpc.tss.paillier import PaillierSecretKey
from abci_mpc.tss.vss import interpolate

from tsslib_helpers import check_against_fixture, pubkey_from_fixture

NAMES = tsslib.default_party_names(5)
SUBSETS = list(itertools.combinations(NAMES, 3))


def test_each_file_imports_as_its_party(raw, imported):
    assert sorted(imported) == NAMES
    for d in raw:
        me = NAMES[d["Ks"].index(d["ShareID"])]
        s = imported[me]
        assert s.parties == tuple(NAMES) and s.threshold == 2
        assert s.x == d["Xi"]
        assert [s.share_ids[p] for p in NAMES] == d["Ks"]
        assert s.public_key.uncompressed() == pubkey_from_fixture(d).format(False)
        for i, p in enumerate(NAMES):
            x, y = d["BigXj"][i]["Coords"]
            assert s.public_shares[p].uncompressed() == b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")
            assert s.aux.public[p].N == d["PaillierPKs"][i]["N"]
            assert (s.aux.public[p].ped.N, s.aux.public[p].ped.t, s.aux.public[p].ped.s) == (
                d["NTildej"][i], d["H1j"][i], d["H2j"][i])
        assert s.aux.paillier.N == d["PaillierSK"]["N"]
    assert len({s.fingerprint() for s in imported.values()}) == 1, "the five files describe different keys"


def test_any_three_shares_interpolate_to_the_public_key(imported):
    pk = imported[NAMES[0]].public_key
    for subset in SUBSETS:
        secret = interpolate({imported[p].share_ids[p]: imported[p].x for p in subset})
        assert Point.base_mul(secret) == pk


@pytest.mark.parametrize("signers", SUBSETS, ids=["+".join(p[-1] for p in s) for s in SUBSETS])
def test_every_three_subset_signs(lp, imported, raw, signers):
    digest = hashlib.sha256(("tss-lib interop " + ",".join(signers)).encode()).digest()
    presigs = lp.presign(imported, signers)
    sig = lp.sign(imported, presigs, digest)
    check_against_fixture(raw[0], digest, sig)


def test_two_shares_are_not_enough(lp, imported):
    with pytest.raises(ValueError, match="at least 3 signers"):
        lp.presign(imported, NAMES[:2])


@pytest.mark.parametrize("i", range(5))
def test_export_reproduces_the_file(raw, imported, i):
    me = NAMES[raw[i]["Ks"].index(raw[i]["ShareID"])]
    share = imported[me]
    assert tsslib.export_share(share) == raw[i]
    # as text too: every number an exact JSON integer, the same fields, nothing else
    reparsed = json.loads(tsslib.dumps(share), parse_float=_no_float, parse_constant=_no_float)
    assert reparsed == raw[i]
    assert list(reparsed) == list(raw[i]), "field order differs from tss-lib's"


def _no_float(text):
    raise AssertionError(f"export wrote a non-integer number {text}")


def test_big_integers_survive_exactly(texts):
    """Values far beyond a double's 53 bits come back to the last digit."""
    d = tsslib.parse(texts[0])
    n = d["PaillierSK"]["N"]
    assert isinstance(n, int) and n.bit_length() == 2048
    assert str(n) in texts[0]


@pytest.fixture(scope="module")
def reshared(lp, imported):
    """The imported key reshared by three old parties to {party-01, party-03, party-05},
    1-of-3: party-05 is new, party-00/02/04 deal and leave."""
    dealers, members = ("party-00", "party-02", "party-04"), ("party-01", "party-03", "party-05")
    paillier = {p: PaillierSecretKey.generate(2048) for p in members}
    outs = lp.reshare({d: imported[d] for d in dealers}, dealers, members, 1, paillier=paillier)
    return dealers, members, outs


def test_imported_key_reshares_to_a_new_committee(lp, raw, imported, reshared):
    dealers, members, outs = reshared
    assert all(outs[d].share is None and outs[d].retire_old for d in dealers)
    new = {p: outs[p].share for p in members}
    pk = imported[NAMES[0]].public_key
    assert all(s.public_key == pk and s.threshold == 1 and s.parties == members for s in new.values())
    digest = hashlib.sha256(b"signed by the committee that took over a tss-lib key").digest()
    sig = lp.sign(new, lp.presign(new, ("party-03", "party-05")), digest)
    check_against_fixture(raw[0], digest, sig)


def test_reshared_key_exports_and_reimports(raw, reshared):
    """Our own shares leave in tss-lib's shape and come back unchanged."""
    _, members, outs = reshared
    for p in members:
        share = outs[p].share
        out = tsslib.export_share(share)
        assert list(out) == list(raw[0])
        assert {k: type(v) for k, v in out["PaillierSK"].items()} == {k: int for k in raw[0]["PaillierSK"]}
        back = tsslib.import_share(json.dumps(out), party_names=members, threshold=1)
        assert (back.me, back.parties, back.threshold, back.x, back.public_key) == (
            share.me, share.parties, share.threshold, share.x, share.public_key)
        assert dict(back.share_ids) == dict(share.share_ids)
        assert dict(back.public_shares) == dict(share.public_shares)
        assert back.aux.paillier.N == share.aux.paillier.N
        assert back.aux.ped.public == share.aux.ped.public
        assert {k: (v.N, v.ped) for k, v in back.aux.public.items()} == {
            k: (v.N, v.ped) for k, v in share.aux.public.items()}
        assert back.fingerprint() == share.fingerprint()


def test_import_with_explicit_names_and_threshold(texts):
    names = ["alice", "bob", "carol", "dave", "erin"]
    s = tsslib.import_share(texts[3], party_names=names, threshold=2)
    assert s.parties == tuple(names) and s.me in names
    with pytest.raises(tsslib.TssLibFormatError, match="threshold 2, not 1"):
        tsslib.import_share(texts[3], threshold=1)
    # any names in any order (node IDs rarely sort in Ks order): mapped by Ks index
    shuffled = tsslib.import_share(texts[3], party_names=["e", "b", "a", "d", "c"])
    assert shuffled.parties == ("a", "b", "c", "d", "e") and shuffled.me == "d"
    assert shuffled.share_ids["e"] == s.share_ids["alice"] and shuffled.public_key == s.public_key
    assert json.loads(tsslib.dumps(shuffled))["Ks"] == json.loads(texts[3])["Ks"]  # export keeps Ks order
    with pytest.raises(tsslib.TssLibFormatError, match="party names"):
        tsslib.import_share(texts[3], party_names=["a", "a", "c", "d", "e"])
    with pytest.raises(tsslib.TssLibFormatError, match="party names"):
        tsslib.import_share(texts[3], party_names=names[:4])
