"""Honest runs: keygen, presign and sign for several (t, n) and signer sets, with every
signature checked by code that is not ours (libsecp256k1 through coincurve, and OpenSSL)."""

from __future__ import annotations

import dataclasses
import random
import secrets
import zlib

import pytest
from coincurve import PrivateKey

from abci_mpc.tss import ecdsa, presign
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.ecdsa import Signature, eth_address, recover
from abci_mpc.tss.keccak import keccak256
from abci_mpc.tss.vss import interpolate

from tsshelpers import check_signature, names, presign_run, sign_run

def case(t, n, signers, *marks):
    return pytest.param(t, n, signers, marks=marks, id=f"t{t}-n{n}-" + "+".join(signers))


CASES = [
    case(1, 2, ("p1", "p2")),
    case(1, 3, ("p1", "p2")),
    case(1, 3, ("p2", "p3")),
    case(1, 3, ("p1", "p3")),
    case(1, 3, ("p1", "p2", "p3")),
    case(2, 5, ("p1", "p2", "p3")),
    case(2, 5, ("p1", "p3", "p5")),
    case(2, 5, ("p2", "p3", "p4", "p5")),
    case(2, 5, names(5)),
    # n = 7: aux-info among 7 (42 Pi-fac proofs) and 20-42 MtA pairs per presign
    case(4, 7, ("p1", "p2", "p4", "p6", "p7"), pytest.mark.slow),
    case(4, 7, names(7), pytest.mark.slow),
]


def zero_prefixed_digest() -> bytes:
    """tss-lib #284: a digest whose leading bytes are zero must not lose them."""
    return b"\x00\x00" + secrets.token_bytes(30)


def presign_and_sign(world, t, n, signers, digest, seed=None):
    shares = world.keys(t, n)
    lp = world.parties(n)
    shuffle = random.Random(seed) if seed is not None else None
    res = presign_run(lp, shares, signers).go(shuffle=shuffle)
    presigs = res.unwrap()
    assert set(presigs) == set(signers)
    assert len({ps.R for ps in presigs.values()}) == 1, "signers disagree on R"
    assert len({ps.id for ps in presigs.values()}) == 1
    res = sign_run(lp, shares, presigs, digest).go(shuffle=shuffle)
    sigs = res.unwrap()
    assert set(sigs) == set(signers)
    assert len(set(sigs.values())) == 1, "signers disagree on the signature"
    return shares, next(iter(sigs.values())), next(iter(presigs.values()))


@pytest.mark.parametrize("t, n, signers", CASES)
def test_sign(world, t, n, signers):
    digest = zero_prefixed_digest()
    shares, sig, ps = presign_and_sign(world, t, n, signers, digest, seed=zlib.crc32(repr((t, n, signers)).encode()))
    pk = next(iter(shares.values())).public_key
    check_signature(pk.to_bytes(), digest, sig)
    assert ecdsa.verify(pk, digest, sig)
    assert sig.r == ps.R.x() % q
    assert eth_address(recover(digest, sig)) == eth_address(pk)


@pytest.mark.parametrize("t, n", [(1, 2), (1, 3), (2, 5), pytest.param(4, 7, marks=pytest.mark.slow)])
def test_keygen_shares_are_consistent(world, t, n):
    shares = world.keys(t, n)
    assert set(shares) == set(names(n))
    first = shares["p1"]
    for p, s in shares.items():
        assert s.me == p and s.threshold == t and s.parties == names(n)
        assert s.public_key == first.public_key and not s.public_key.is_identity
        assert s.public_shares == first.public_shares and s.share_ids == first.share_ids
        assert Point.base_mul(s.x) == s.public_shares[p]
        assert s.fingerprint() == first.fingerprint()
    # any t+1 shares interpolate to the secret key; t shares determine nothing we can check
    rng = random.Random(n)
    for _ in range(3):
        subset = rng.sample(sorted(shares), t + 1)
        x = interpolate({shares[p].share_ids[p]: shares[p].x for p in subset})
        assert Point.base_mul(x) == first.public_key


@pytest.mark.parametrize("digest", [
    pytest.param(bytes(32), id="zero"),
    pytest.param(b"\x00" * 31 + b"\x01", id="one"),
    pytest.param(b"\xff" * 32, id="above-q"),  # m >= q: reduced, as ECDSA prescribes
    pytest.param(q.to_bytes(32, "big"), id="q"),  # m = q, i.e. 0 mod q
    pytest.param(None, id="zero-prefixed"),
])
def test_sign_edge_digests(world, digest):
    digest = digest if digest is not None else zero_prefixed_digest()
    shares, sig, _ = presign_and_sign(world, 1, 2, ("p1", "p2"), digest)
    pk = shares["p1"].public_key
    check_signature(pk.to_bytes(), digest, sig)


def test_presign_needs_t_plus_1_signers(world):
    shares = world.keys(2, 5)
    with pytest.raises(ValueError, match="at least 3 signers"):
        presign_run(world.parties(5), shares, ("p1", "p2")).go()


def test_presign_rejects_missing_aux_and_wrong_binding(world):
    shares = world.keys(1, 3)
    lp = world.parties(3)
    info = lp.session(presign.PROTOCOL, ("p1", "p2"), "p1", presign.binding(shares["p1"]), session_id=b"s").info
    with pytest.raises(ValueError, match="aux"):
        presign.begin(info, dataclasses.replace(shares["p1"], aux=None), lp.signers["p1"], lp.identities)
    bad_info = lp.session(presign.PROTOCOL, ("p1", "p2"), "p1", b"other", session_id=b"s").info
    with pytest.raises(ValueError, match="binding"):
        presign.begin(bad_info, shares["p1"], lp.signers["p1"], lp.identities)


def test_sign_rejects_presignature_of_another_key(world):
    lp = world.parties(3)
    presigs = presign_run(lp, world.keys(1, 3), ("p1", "p2")).go().unwrap()
    other_epoch = world.keys(2, 3)  # same parties, another key
    with pytest.raises(ValueError, match="another key epoch"):
        sign_run(lp, other_epoch, presigs, zero_prefixed_digest()).go()


def test_signature_encodings():
    k = PrivateKey()
    digest = secrets.token_bytes(32)
    rsv = k.sign_recoverable(digest, hasher=None)
    sig = Signature(int.from_bytes(rsv[:32], "big"), int.from_bytes(rsv[32:64], "big"), rsv[64])
    if sig.s > q // 2:  # libsecp256k1 already signs low-S; keep the test honest if it did not
        sig = Signature(sig.r, q - sig.s, sig.v ^ 1)
    pub = k.public_key.format()
    check_signature(pub, digest, sig)
    assert sig.to_bytes() == rsv[:64] + bytes([sig.v])
    point = Point.from_bytes(pub)
    assert ecdsa.verify(point, digest, sig)
    assert not ecdsa.verify(point, digest, Signature(sig.r, q - sig.s, sig.v))  # high S
    assert not ecdsa.verify(point, digest, Signature(sig.r, sig.s, sig.v ^ 1))
    assert not ecdsa.verify(point, digest, Signature(sig.r, sig.s, 27 + sig.v))
    assert sig.to_json() == {"r": f"{sig.r:064x}", "s": f"{sig.s:064x}", "v": sig.v}


def test_from_nonce_point_normalizes_to_low_s():
    R = Point.base_mul(secrets.randbelow(q - 1) + 1)
    for s in (1, q // 2, q // 2 + 1, q - 1):
        sig = ecdsa.from_nonce_point(R, s)
        assert sig.s <= q // 2 and sig.s in (s, q - s)
        # flipping s flips the parity bit
        assert sig.v == (R.y_is_odd() ^ (sig.s != s))


# -- Ethereum ------------------------------------------------------------------------------
def test_eth_address_known_vector():
    # private key 1: the generator's address, a widely published vector (checksummed, EIP-55)
    assert eth_address(Point.G) == "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def test_keccak256_known_vectors():
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"


def test_keccak_permutation_matches_sha3():
    """SHA3-256 is Keccak-f[1600] with 0x06 padding: rebuilding it from our permutation and
    comparing with hashlib checks the permutation and absorption across block boundaries
    (the known vectors above pin the 0x01 padding)."""
    import hashlib

    from abci_mpc.tss import keccak as K

    def sha3_256(data: bytes) -> bytes:
        rate = 136
        msg = bytearray(data) + b"\x06"
        msg += bytes(-len(msg) % rate)
        msg[-1] |= 0x80
        a = [[0] * 5 for _ in range(5)]
        for off in range(0, len(msg), rate):
            block = msg[off: off + rate]
            for i in range(rate // 8):
                a[i % 5][i // 5] ^= int.from_bytes(block[8 * i: 8 * i + 8], "little")
            K._f1600(a)
        return b"".join(a[i % 5][i // 5].to_bytes(8, "little") for i in range(4))

    for n in (0, 1, 135, 136, 137, 271, 272, 300):
        data = bytes(range(256))[: n] if n <= 256 else bytes(i % 251 for i in range(n))
        assert sha3_256(data) == hashlib.sha3_256(data).digest(), n
