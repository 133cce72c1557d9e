"""Key refresh: same committee, threshold and public key; new shares and new aux info; a
new key fingerprint, so presignatures of the old epoch are refused afterwards."""

from __future__ import annotations

import hashlib

import pytest

from abci_mpc.tss import refresh, sign
from abci_mpc.tss.curve import Point
from abci_mpc.tss.ecdsa import SignatureError
from abci_mpc.tss.rounds import SessionInfo

from reshare_helpers import fresh_paillier, secret_of, sign_with

DIGEST = hashlib.sha256(b"refresh test").digest()


@pytest.fixture(scope="module")
def epochs(lp, pool, old_key):
    """(old shares, presignatures made before the refresh, refreshed shares)."""
    before = lp.presign(old_key, ["p1", "p2"])
    new = lp.refresh(old_key, paillier=fresh_paillier(pool, old_key, old_key))
    assert not lp.last.blames
    return old_key, before, new


def test_refresh_keeps_key_and_committee(epochs):
    old, _, new = epochs
    assert set(new) == set(old)
    secret = secret_of(old)
    assert secret_of(new) == secret
    assert secret_of({p: new[p] for p in ("p1", "p3")}) == secret
    for p, s in new.items():
        o = old[p]
        assert s.me == p and s.parties == o.parties and s.threshold == o.threshold
        assert s.public_key == o.public_key
        assert dict(s.share_ids) == dict(o.share_ids)
        assert s.x != o.x, "refresh must change every share"
        assert Point.base_mul(s.x) == s.public_shares[p]
        assert all(s.public_shares[j] != o.public_shares[j] for j in s.parties)
        assert s.aux.parties == o.aux.parties
        # fresh Paillier moduli and ring-Pedersen parameters for every party
        for j in s.parties:
            assert s.aux.public[j].N != o.aux.public[j].N
            assert s.aux.public[j].ped != o.aux.public[j].ped
        assert s.aux.paillier.N == s.aux.public[p].N
        assert s.fingerprint() != o.fingerprint()
    assert len({s.fingerprint() for s in new.values()}) == 1


def test_refreshed_key_signs(lp, epochs):
    _, _, new = epochs
    sign_with(lp, new, ["p2", "p3"], "after refresh")


def test_old_presignature_rejected_after_refresh(lp, epochs):
    old, before, new = epochs
    ps = before["p1"]
    b = sign.binding(ps.id, ps.key_fingerprint, ps.R, DIGEST)
    info = SessionInfo(sign.PROTOCOL, b"s" * 16, ps.signers, "p1", b)
    with pytest.raises(ValueError, match="presignature belongs to another key epoch"):
        sign.begin(info, new["p1"], ps, DIGEST, lp.identities)
    with pytest.raises(ValueError, match="another key epoch"):
        lp.sign(new, before, DIGEST)


def test_old_and_new_epochs_do_not_combine(lp, epochs):
    """Partial signatures from an old-epoch presignature and a new one never combine into
    a valid signature, under either nonce point."""
    old, before, new = epochs
    after = lp.presign(new, ["p1", "p2"])
    partials = [sign.partial(before["p1"], DIGEST), sign.partial(after["p2"], DIGEST)]
    pk = old["p1"].public_key
    for R in (before["p1"].R, after["p1"].R):
        try:
            assert sign.combine(R, partials, pk, DIGEST) is None
        except SignatureError:  # R unusable as a nonce point (negligible): also no signature
            pass
    # and each epoch's own partials do combine (so the test above is not vacuous)
    assert sign.combine(after["p1"].R, [sign.partial(after[p], DIGEST) for p in ("p1", "p2")], pk, DIGEST)


def test_mixed_epoch_shares_cannot_presign(lp, epochs):
    old, _, new = epochs
    with pytest.raises(ValueError, match="binding"):
        lp.presign({"p1": new["p1"], "p2": old["p2"]}, ["p1", "p2"])


def test_refresh_must_cover_the_whole_committee(old_key, pool):
    members = ("p1", "p2")
    info = SessionInfo(refresh.PROTOCOL, b"s" * 16, members, "p1", refresh.binding(old_key["p1"]))
    with pytest.raises(ValueError, match="exactly the key's parties"):
        refresh.begin(info, old_key["p1"], pool[0])


def test_refresh_and_reshare_sessions_are_distinct(old_key):
    """A refresh is a reshare-to-self, but under its own protocol name: its envelopes can
    never be replayed into a reshare of the same parameters (and vice versa)."""
    from abci_mpc.tss import reshare

    share = old_key["p1"]
    old = reshare.OldKey.of(share)
    b = reshare.binding(old, share.parties, share.parties, share.threshold)
    assert refresh.binding(share) == b
    a = SessionInfo(refresh.PROTOCOL, b"s" * 16, share.parties, "p1", b)
    r = SessionInfo(reshare.PROTOCOL, b"s" * 16, share.parties, "p1", b)
    assert a.ssid != r.ssid
