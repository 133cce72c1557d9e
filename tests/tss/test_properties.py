"""Property tests (hypothesis) for the codecs, Paillier and CRT, VSS and Lagrange, the
Fiat-Shamir transcript, and envelope parsing of untrusted bytes."""

from __future__ import annotations

import gmpy2
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from abci_mpc.tss.codec import Bits, DecodeError, PointSpec, Residue, ScalarSpec, Signed, Unit, byte_len
from abci_mpc.tss.crt import CRT
from abci_mpc.tss.curve import Point, q
from abci_mpc.tss.errors import ProtocolAbort, Rejected
from abci_mpc.tss.paillier import PaillierError
from abci_mpc.tss.session import Status, parse_envelope
from abci_mpc.tss.transcript import ProofContext, Transcript, encode_int
from abci_mpc.tss.vss import Polynomial, VSSError, commitment_eval, interpolate, lagrange, verify_share

from tsshelpers import keygen_run

SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FAST = settings(max_examples=300, deadline=None)

scalars = st.integers(1, q - 1)


# -- codec ----------------------------------------------------------------------------------
@FAST
@given(st.integers(1, 1 << 3000), st.data())
def test_signed_round_trip_and_range(bound, data):
    spec = Signed(bound)
    x = data.draw(st.integers(-bound, bound))
    enc = spec.encode(x)
    assert len(enc) == byte_len(bound) + 1
    assert spec.decode(enc, "x") == x
    over = data.draw(st.integers(bound + 1, (1 << (8 * spec.width)) - 1)) if bound + 1 < 1 << (8 * spec.width) else None
    if over is not None:
        for sign in (b"\x00", b"\x01"):
            with pytest.raises(DecodeError, match="x: out of range"):
                spec.decode(sign + over.to_bytes(spec.width, "big"), "x")
    with pytest.raises(ValueError):
        spec.encode(bound + 1)


@FAST
@given(st.integers(3, 1 << 2100).map(lambda m: m | 1), st.data())
def test_unit_round_trip(m, data):
    spec = Unit(m)
    x = data.draw(st.integers(1, m - 1))
    assume(gmpy2.gcd(x, m) == 1)
    assert spec.decode(spec.encode(x), "u") == x
    for bad in (0, m):
        if bad < 1 << (8 * spec.width):
            with pytest.raises(DecodeError, match="u: not a unit"):
                spec.decode(bad.to_bytes(spec.width, "big"), "u")


@FAST
@given(st.integers(2, 1 << 2100), st.data())
def test_residue_round_trip(m, data):
    spec = Residue(m)
    x = data.draw(st.integers(0, m - 1))
    assert spec.decode(spec.encode(x), "r") == x
    with pytest.raises(DecodeError):
        spec.decode(m.to_bytes(spec.width, "big"), "r")
    with pytest.raises(DecodeError):
        spec.decode(spec.encode(x) + b"\x00", "r")


@FAST
@given(st.integers(1, 200).flatmap(lambda n: st.lists(st.integers(0, 1), min_size=n, max_size=n)))
def test_bits_round_trip(bits):
    spec = Bits(len(bits))
    enc = spec.encode(bits)
    assert len(enc) == (len(bits) + 7) // 8
    assert spec.decode(enc, "b") == bits
    if len(bits) % 8:
        padded = (int.from_bytes(enc, "little") | (1 << len(bits))).to_bytes(len(enc), "little")
        with pytest.raises(DecodeError, match="padding"):
            spec.decode(padded, "b")


@FAST
@given(st.integers(0, q - 1))
def test_scalar_and_point_round_trip(k):
    assert ScalarSpec().decode(ScalarSpec().encode(k), "k") == k
    P = Point.base_mul(k)
    if k == 0:
        with pytest.raises(DecodeError):
            PointSpec().decode(P.to_bytes(), "P")
        assert PointSpec(allow_identity=True).decode(P.to_bytes(), "P") == Point.IDENTITY
    else:
        assert PointSpec().decode(P.to_bytes(), "P") == P


@FAST
@given(st.binary(max_size=40))
def test_point_and_scalar_decode_only_raise_decode_error(raw):
    for spec in (PointSpec(), PointSpec(allow_identity=True), ScalarSpec()):
        try:
            spec.decode(raw, "x")
        except DecodeError:
            pass


# -- curve ----------------------------------------------------------------------------------
@FAST
@given(st.integers(0, q - 1), st.integers(0, q - 1))
def test_point_group_law(a, b):
    A, B = Point.base_mul(a), Point.base_mul(b)
    assert A + B == Point.base_mul(a + b)
    assert A - B == Point.base_mul(a - b)
    assert A * b == Point.base_mul(a * b)
    assert A + (-A) == Point.IDENTITY and (A - A).is_identity


# -- Paillier and CRT -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sk(pool):
    return pool[0]


def test_paillier_properties(sk):
    N = int(sk.N)
    half = N // 2
    plaintexts = st.integers(-half + 1, half)

    @SLOW
    @given(plaintexts, plaintexts, st.integers(-(1 << 300), 1 << 300))
    @example(half, 0, 1)
    @example(-half + 1, 0, -1)
    @example(0, 0, 0)
    def check(a, b, k):
        ca, ra = sk.public.encrypt(a)
        cb, _ = sk.public.encrypt(b)
        assert sk.decrypt(ca) == a
        assert sk.randomness(ca) == ra
        assert sk.encrypt_with(a, ra) == ca  # owner (CRT) and public paths agree
        s = a + b
        s = s - N if s > half else s + N if s <= -half else s
        assert sk.decrypt(sk.public.add(ca, cb)) == s
        prod = (a * k) % N
        prod = prod - N if prod > half else prod
        assert sk.decrypt(sk.public.mul(ca, k)) == prod
        assert sk.mul(ca, k) == sk.public.mul(ca, k)

    check()


def test_paillier_rejects_non_ciphertexts(sk):
    for c in (0, sk.N2, sk.N2 + 1, sk.p, sk.N * 5):
        with pytest.raises(PaillierError):
            sk.decrypt(c)


def test_crt_pow_equals_powmod(sk):
    p, q_ = sk.p, sk.q
    crt, crt2 = CRT(p, q_), CRT(p, q_, square=True)
    N, N2 = int(sk.N), int(sk.N2)

    @SLOW
    @given(st.integers(2, N2 - 1), st.integers(-(1 << 4200), 1 << 4200))
    @example(2, 0)
    @example(3, -1)
    def check(base, e):
        assume(gmpy2.gcd(base, N) == 1)
        assert crt2.pow(base, e) == gmpy2.powmod(base, e, N2)
        assert crt.pow(base, e) == gmpy2.powmod(base, e, N)
        assert crt.combine(base % p, base % q_) == base % N

    check()


# -- VSS and Lagrange -------------------------------------------------------------------------
@FAST
@given(st.integers(1, 8).flatmap(lambda t: st.tuples(st.just(t), st.integers(t + 1, t + 6))), st.integers(0, q - 1),
       st.randoms(use_true_random=False))
def test_any_t_plus_1_shares_reconstruct(tn, secret, rnd):
    t, n = tn
    f = Polynomial.random(t, secret)
    ids = rnd.sample(range(1, 10**6), n)
    shares = {x: f(x) for x in ids}
    F = f.commitments()
    for x, s in shares.items():
        assert verify_share(F, x, s)
        assert not verify_share(F, x, (s + 1) % q)
        assert commitment_eval(F, x) == Point.base_mul(s)
    subset = rnd.sample(ids, t + 1)
    assert interpolate({x: shares[x] for x in subset}) == secret % q
    more = rnd.sample(ids, rnd.randint(t + 1, n))
    assert interpolate({x: shares[x] for x in more}) == secret % q


@FAST
@given(st.lists(st.integers(1, q - 1), min_size=1, max_size=12, unique=True), st.integers(0, q - 1))
def test_lagrange_coefficients(xs, at):
    coeffs = [lagrange(xs, x) for x in xs]
    assert sum(coeffs) % q == 1  # interpolating the constant polynomial 1
    # interpolation reproduces any polynomial of degree < len(xs), at any point
    f = Polynomial(tuple((7 * i + 3) % q for i in range(len(xs))))
    assert interpolate({x: f(x) for x in xs}, at) == f(at)
    assert sum(lagrange(xs, x, at) * f(x) for x in xs) % q == f(at)


def test_lagrange_rejects_bad_sets():
    with pytest.raises(VSSError):
        lagrange([1, 1, 2], 1)
    with pytest.raises(VSSError):
        lagrange([0, 1], 1)
    with pytest.raises(VSSError):
        lagrange([1, q + 1], 1)  # equal modulo q
    with pytest.raises(VSSError):
        lagrange([1, 2], 3)


# -- transcript -------------------------------------------------------------------------------
def _digest(label, items) -> bytes:
    t = Transcript(label)
    for kind, name, value in items:
        getattr(t, kind)(name, value)
    return t.digest(32)


item = st.one_of(
    st.tuples(st.just("bytes"), st.text(max_size=4), st.binary(max_size=6)),
    st.tuples(st.just("str"), st.text(max_size=4), st.text(max_size=6)),
    st.tuples(st.just("int"), st.text(max_size=4), st.integers(-(1 << 70), 1 << 70)),
    st.tuples(st.just("ints"), st.text(max_size=4), st.lists(st.integers(-300, 300), max_size=3)),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(item, max_size=4), st.lists(item, max_size=4))
def test_transcript_encoding_is_injective(a, b):
    """Different item sequences never share a challenge (a collision here would mean the
    encoding, not SHAKE256, is ambiguous)."""
    da, db = _digest("L", a), _digest("L", b)
    assert (da == db) == (_normal(a) == _normal(b))


def _normal(items):
    return [(k, n, tuple(v) if isinstance(v, list) else v) for k, n, v in items]


@FAST
@given(st.text(max_size=8), st.text(min_size=1, max_size=8), st.text(max_size=8), st.sampled_from(["str", "bytes"]))
def test_transcript_splits(a, b, c, kind):
    """The TSSHOCK alpha-shuffle class: moving characters across a name/value boundary, or
    between two adjacent values, changes the challenge."""
    val = (lambda x: x.encode()) if kind == "bytes" else (lambda x: x)
    assert _digest("L", [(kind, a + b, val(c))]) != _digest("L", [(kind, a, val(b + c))])
    assert _digest("L", [(kind, "n", val(a + b)), (kind, "m", val(c))]) != \
        _digest("L", [(kind, "n", val(a)), (kind, "m", val(b + c))])


def test_transcript_known_ambiguities_are_distinct():
    pairs = [
        ([("str", "ab", "c")], [("str", "a", "bc")]),
        ([("bytes", "x", b"ab"), ("bytes", "y", b"c")], [("bytes", "x", b"a"), ("bytes", "y", b"bc")]),
        ([("bytes", "x", b"a$b")], [("bytes", "x", b"a"), ("bytes", "", b"b")]),
        ([("int", "x", 1)], [("int", "x", -1)]),
        ([("int", "x", 0)], [("bytes", "x", b"\x00")]),
        ([("ints", "x", [1, 2])], [("ints", "x", [1]), ("ints", "", [2])]),
        ([("ints", "x", [258])], [("ints", "x", [1, 2])]),
        ([("str", "x", "")], [("bytes", "x", b"")]),
    ]
    for a, b in pairs:
        assert _digest("L", a) != _digest("L", b), (a, b)
    assert _digest("L", []) != _digest("L2", [])


def test_transcript_is_spent_after_a_challenge():
    t = Transcript("x").int("a", 1)
    t.challenge_scalar()
    with pytest.raises(RuntimeError):
        t.int("b", 2)
    with pytest.raises(RuntimeError):
        t.challenge_scalar()


def test_transcript_binds_output_length():
    assert Transcript("x").digest(32) != Transcript("x").digest(64)[:32]


@FAST
@given(st.integers(-(1 << 600), 1 << 600), st.integers(-(1 << 600), 1 << 600))
def test_encode_int_is_injective(a, b):
    assert (encode_int(a) == encode_int(b)) == (a == b)


@FAST
@given(st.integers(1, 1 << 300))
def test_challenge_ranges(bound):
    e = Transcript("x").int("b", bound).challenge_pm(bound)
    assert -bound <= e <= bound
    assert 0 <= Transcript("x").int("b", bound).challenge_scalar() < q
    bits = Transcript("x").int("b", bound).challenge_bits(80)
    assert len(bits) == 80 and set(bits) <= {0, 1}
    rs = Transcript("x").int("b", bound).challenge_residues(bound + 1, 3)
    assert len(rs) == 3 and all(0 <= r <= bound for r in rs)


def test_proof_context_verifier_none_differs_from_empty():
    base = ProofContext("p", b"s", 1, "a")
    assert base.transcript("x").digest() != base.to("").transcript("x").digest()
    assert base.to("b").transcript("x").digest() != base.to("c").transcript("x").digest()


# -- envelopes from the network -------------------------------------------------------------------
@FAST
@given(st.binary(max_size=2000))
def test_parse_envelope_raises_only_rejected(raw):
    try:
        parse_envelope(raw)
    except Rejected:
        pass


@pytest.fixture(scope="module")
def keygen_inbox(world):
    """p1's session in round 1 and p2's genuine round-1 envelope for it."""
    lp = world.parties(3)

    def make():
        r = keygen_run(lp, 1)
        outs = {p: r.sessions[p].start(r.begins[p]()) for p in ("p1", "p2")}
        return r.sessions["p1"], outs["p2"][0].data

    return make


garble = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.just(0)),
)


def _garble(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for op, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if op == "flip":
            b[i] ^= val
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b.insert(i, val)
        else:
            del b[i]
    return bytes(b)


def test_session_receive_of_garbled_envelopes(keygen_inbox):
    """Garbled copies of a genuine envelope (or random bytes) fed to a live session are
    rejected, or, if the garbling left every signed field intact, accepted as the genuine
    message; nothing else, and never an accusation."""

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(garble, min_size=1, max_size=4), st.booleans(), st.binary(max_size=300))
    def check(ops, use_random, raw):
        session, genuine = keygen_inbox()
        data = raw if use_random else _garble(genuine, ops)
        try:
            session.receive(data)
        except Rejected:
            assert session.status is Status.RUNNING and session.blame is None
            return
        except ProtocolAbort as exc:  # pragma: no cover - would be a bug
            raise AssertionError(f"garbled bytes led to an accusation: {exc}") from None
        assert parse_envelope(data).payload == parse_envelope(genuine).payload
        assert session.waiting_for() == {"p3"}

    check()
