"""The seven CGGMP21 proofs: completeness, soundness against every tampered element, range
checks (in the decoder and, for the soundness-relevant responses, in the verifier), and
binding to the proof context (protocol, session, round, prover, verifier).

Tests iterate over the fields of each Proof dataclass and the specs its decoder uses, so a
field added later is covered without editing this file.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from types import ModuleType

import pytest
from gmpy2 import mpz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abci_mpc.tss import params
from abci_mpc.tss.codec import Bits, DecodeError, Many, PointSpec, Residue, ScalarSpec, Signed, Unit
from abci_mpc.tss.curve import Point, q, random_scalar
from abci_mpc.tss.paillier import random_unit
from abci_mpc.tss.params import ELL, ELL_PRIME, EPS
from abci_mpc.tss.pedersen import RingPedersen, RingPedersenSecret
from abci_mpc.tss.transcript import ProofContext
from abci_mpc.tss.zk import affg, dec, enc, fac, logstar, mod, mul, mulstar, prm, sch
from abci_mpc.tss.zk.base import sample_pm

MODULES = {"sch": sch, "mod": mod, "prm": prm, "fac": fac, "enc": enc, "logstar": logstar, "affg": affg,
           "dec": dec, "mul": mul, "mulstar": mulstar}
CTX = ProofContext("test-protocol", b"\x11" * 32, 2, "alice", "bob")


@dataclass
class Case:
    module: ModuleType
    stmt: object  # public statement: what the decoder and a third party see
    proof: object
    secret_stmt: object | None = None  # the same statement with the verifier's secret ring-Pedersen (CRT)

    @property
    def Proof(self):
        return self.module.Proof

    def verify(self, proof=None, ctx=CTX, stmt=None) -> bool:
        return self.module.verify(ctx, stmt or self.stmt, proof or self.proof)


@pytest.fixture(scope="session")
def ped(pool) -> RingPedersenSecret:
    """The verifier's ring-Pedersen parameters (on the verifier's Paillier modulus)."""
    return RingPedersenSecret.generate(pool[1].p, pool[1].q)


@pytest.fixture(scope="session")
def cases(pool, ped) -> dict[str, Case]:
    prover_sk, verifier_sk = pool[0], pool[1]
    pub = ped.public
    out = {}

    x = random_scalar()
    stmt = sch.Statement(Point.base_mul(x))
    out["sch"] = Case(sch, stmt, sch.prove(CTX, stmt, x))

    out["mod"] = Case(mod, mod.Statement(prover_sk.N), mod.prove(CTX, prover_sk))
    out["prm"] = Case(prm, prm.Statement(pub), prm.prove(CTX, ped))

    stmt = fac.Statement(prover_sk.N, pub)
    out["fac"] = Case(fac, stmt, fac.prove(CTX, stmt, prover_sk.p, prover_sk.q), fac.Statement(prover_sk.N, ped))

    k = sample_pm(1 << ELL)
    K, rho = prover_sk.encrypt(k)
    proof = enc.prove(CTX, enc.Statement(prover_sk, K, pub), k, rho)
    out["enc"] = Case(enc, enc.Statement(prover_sk.public, K, pub), proof, enc.Statement(prover_sk.public, K, ped))

    x = random_scalar()
    C, rho = prover_sk.encrypt(x)
    B = Point.base_mul(random_scalar())  # a base other than g, as presigning's Gamma
    proof = logstar.prove(CTX, logstar.Statement(prover_sk, C, B * x, B, pub), x, rho)
    out["logstar"] = Case(logstar, logstar.Statement(prover_sk.public, C, B * x, B, pub), proof,
                          logstar.Statement(prover_sk.public, C, B * x, B, ped))

    key0, key1 = verifier_sk.public, prover_sk.public
    Cv, _ = key0.encrypt(random_scalar())  # the verifier's K
    x, y = random_scalar(), sample_pm(1 << ELL_PRIME)
    s, r = random_unit(key0.N), random_unit(key1.N)
    D = key0.add(key0.mul(Cv, x), key0.encrypt_with(y, s))
    Y = key1.encrypt_with(y, r)
    X = Point.base_mul(x)
    proof = affg.prove(CTX, affg.Statement(key0, prover_sk, Cv, D, Y, X, pub), x, y, s, r)
    out["affg"] = Case(affg, affg.Statement(key0, key1, Cv, D, Y, X, pub), proof,
                       affg.Statement(verifier_sk, key1, Cv, D, Y, X, ped))

    # Pi-dec opens an MtA sum, far above q: the statement declares its bound
    y_bits = 1400
    y = sample_pm(1 << y_bits)
    C, rho = prover_sk.encrypt(y)
    stmt = dec.Statement(prover_sk.public, C, y % q, y_bits, pub)
    proof = dec.prove(CTX, dec.Statement(prover_sk, C, y % q, y_bits, pub), y, rho)
    out["dec"] = Case(dec, stmt, proof, dec.Statement(prover_sk.public, C, y % q, y_bits, ped))

    x = random_scalar()
    X, rho_x = prover_sk.encrypt(x)
    Yc, _ = prover_sk.encrypt(random_scalar())
    rho = random_unit(prover_sk.N)
    C = (prover_sk.pow(Yc, x) * prover_sk.pow_n(rho)) % prover_sk.N2
    proof = mul.prove(CTX, mul.Statement(prover_sk, X, Yc, C), x, rho, rho_x)
    out["mul"] = Case(mul, mul.Statement(prover_sk.public, X, Yc, C), proof)

    key0 = verifier_sk.public
    Cv, _ = key0.encrypt(random_scalar())
    x, rho = random_scalar(), random_unit(key0.N)
    D = (key0.pow(Cv, x) * key0.pow_n(rho)) % key0.N2
    stmt = mulstar.Statement(key0, Cv, D, Point.base_mul(x), pub)
    out["mulstar"] = Case(mulstar, stmt, mulstar.prove(CTX, stmt, x, rho),
                          mulstar.Statement(key0, Cv, D, Point.base_mul(x), ped))
    return out


def field_names(name: str) -> list[str]:
    return [f.name for f in dataclasses.fields(MODULES[name].Proof)]


ALL_FIELDS = [(name, f) for name in MODULES for f in field_names(name)]
FIELD_IDS = [f"{name}.{f}" for name, f in ALL_FIELDS]


def test_every_zk_module_is_covered():
    import pkgutil

    import abci_mpc.tss.zk as zk

    found = {m.name for m in pkgutil.iter_modules(zk.__path__)} - {"base"}
    missing = sorted(found - set(MODULES))
    assert not missing, f"proof modules without tests here: {missing} (add a Case to the `cases` fixture)"


def test_stat_is_80():
    assert params.STAT == 80


# -- completeness and encoding -------------------------------------------------------------
@pytest.mark.parametrize("name", MODULES)
def test_honest_proof_verifies(cases, name):
    c = cases[name]
    assert c.verify()
    if c.secret_stmt is not None:  # the verifier's CRT path agrees with the public one
        assert c.verify(stmt=c.secret_stmt)


@pytest.mark.parametrize("name", MODULES)
def test_encode_decode_round_trip(cases, name):
    c = cases[name]
    msg = c.proof.encode(c.stmt)
    again = c.Proof.decode(type(msg).FromString(msg.SerializeToString()), c.stmt)
    assert again == c.proof
    assert again.encode(c.stmt).SerializeToString(deterministic=True) == msg.SerializeToString(deterministic=True)
    assert c.verify(again)
    # every field has the exact width its spec declares: proofs of one statement have one size
    specs = c.Proof.specs(c.stmt)
    for f in field_names(name):
        assert len(getattr(msg, f)) == spec_width(specs[f]), f


@pytest.mark.parametrize("name", MODULES)
def test_decode_wrong_message_type(cases, name):
    c = cases[name]
    other = next(m for m in MODULES.values() if m is not c.module).Proof.PB()
    with pytest.raises(DecodeError, match="wrong message type"):
        c.Proof.decode(other, c.stmt)


# -- soundness: every element matters -------------------------------------------------------
def tampered_values(spec, value):
    """In-range alternatives to `value` (so they survive decoding): the verifier must catch them."""
    if isinstance(spec, Many):
        n = len(value)
        for i in sorted({0, n // 2, n - 1}):
            for _, alt in tampered_values(spec.inner, value[i]):
                yield f"[{i}]", value[:i] + [alt] + value[i + 1:]
        return
    if isinstance(spec, Unit):
        yield "", (value * 4) % spec.m
    elif isinstance(spec, Residue):
        yield "", (value + 1) % spec.m
    elif isinstance(spec, Signed):
        yield "", value - 1 if value > -spec.bound else value + 1
    elif isinstance(spec, ScalarSpec):
        yield "", (value + 1) % q
    elif isinstance(spec, PointSpec):
        yield "", value + Point.G
    elif isinstance(spec, Bits):
        raise AssertionError("Bits is only used inside proofs as a list; handled by the caller")
    else:
        raise AssertionError(f"no tampering rule for {type(spec).__name__}: add one")


def tamper_field(c: Case, field: str):
    spec = c.Proof.specs(c.stmt)[field]
    value = getattr(c.proof, field)
    if isinstance(spec, Bits):
        for i in sorted({0, len(value) // 2, len(value) - 1}):
            yield f"[{i}]", value[:i] + [value[i] ^ 1] + value[i + 1:]
        return
    yield from tampered_values(spec, value)


@pytest.mark.parametrize("name, field", ALL_FIELDS, ids=FIELD_IDS)
def test_tampered_element_is_rejected(cases, name, field):
    c = cases[name]
    variants = list(tamper_field(c, field))
    assert variants
    for where, value in variants:
        bad = dataclasses.replace(c.proof, **{field: value})
        assert bad != c.proof
        # still well-formed: it is the verifier, not the decoder, that must catch this
        decoded = c.Proof.decode(bad.encode(c.stmt), c.stmt)
        assert not c.verify(decoded), f"{name}.{field}{where} tampered, yet the proof verifies"
        if c.secret_stmt is not None and where in ("", "[0]"):
            assert not c.verify(decoded, stmt=c.secret_stmt)


def tampered_statements(stmt):
    for f in dataclasses.fields(stmt):
        v = getattr(stmt, f.name)
        if isinstance(v, Point):
            yield f.name, dataclasses.replace(stmt, **{f.name: v + Point.G})
        elif isinstance(v, (int, type(mpz(0)))):
            yield f.name, dataclasses.replace(stmt, **{f.name: v + 2})


@pytest.mark.parametrize("name", MODULES)
def test_proof_is_bound_to_its_statement(cases, name):
    c = cases[name]
    variants = list(tampered_statements(c.stmt))
    assert variants or name == "prm"  # Pi-prm's statement is the parameters themselves
    for field, stmt in variants:
        assert not c.verify(stmt=stmt), f"{name} verifies with a different {field}"
    if name == "prm":
        ped = c.stmt.ped
        other = prm.Statement(RingPedersen(ped.N, ped.t, ped.s))
        assert not c.verify(stmt=other), "Pi-prm verifies with s and t swapped"


CONTEXTS = {
    "ssid": dataclasses.replace(CTX, ssid=b"\x12" + CTX.ssid[1:]),
    "round": dataclasses.replace(CTX, round=CTX.round + 1),
    "prover": dataclasses.replace(CTX, prover="mallory"),
    "verifier": dataclasses.replace(CTX, verifier="carol"),
    "verifier-none": dataclasses.replace(CTX, verifier=None),
    "verifier-empty": dataclasses.replace(CTX, verifier=""),
    "protocol": dataclasses.replace(CTX, protocol="test-protocol2"),
    "swapped-parties": dataclasses.replace(CTX, prover=CTX.verifier, verifier=CTX.prover),
}


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("variant", CONTEXTS)
def test_proof_is_bound_to_its_context(cases, name, variant):
    """Replay in another session, round, protocol, or between other parties fails
    (CVE-2022-47930's class)."""
    assert not cases[name].verify(ctx=CONTEXTS[variant])


# -- ranges: the decoder ------------------------------------------------------------------
def factor_of(pool, m) -> int:
    for sk in pool:
        if m % sk.p == 0:
            return int(sk.p)
    raise AssertionError("modulus not from the pool")


def spec_width(spec) -> int:
    if isinstance(spec, Signed):
        return spec.width + 1
    if isinstance(spec, Many):
        return spec.width * spec.count
    if isinstance(spec, (PointSpec,)):
        return 33
    if isinstance(spec, ScalarSpec):
        return 32
    return spec.width


def bad_encodings(spec, pool):
    """(description, bytes) of the right width but out of range or non-canonical."""
    if isinstance(spec, Unit):
        w = spec.width
        yield "zero", bytes(w)
        yield "the modulus", int(spec.m).to_bytes(w, "big")
        yield "above the modulus", int(spec.m + 1).to_bytes(w, "big")
        yield "shares a factor", factor_of(pool, spec.m).to_bytes(w, "big")
        yield "all ones", b"\xff" * w
    elif isinstance(spec, Residue):
        yield "the modulus", int(spec.m).to_bytes(spec.width, "big")
        yield "all ones", b"\xff" * spec.width
    elif isinstance(spec, Signed):
        w = spec.width
        yield "bound + 1", b"\x00" + int(spec.bound + 1).to_bytes(w, "big")
        yield "-(bound + 1)", b"\x01" + int(spec.bound + 1).to_bytes(w, "big")
        yield "negative zero", b"\x01" + bytes(w)
        yield "sign byte 2", b"\x02" + bytes(w)
        yield "all ones", b"\xff" * (w + 1)
    elif isinstance(spec, ScalarSpec):
        yield "q", q.to_bytes(32, "big")
        yield "all ones", b"\xff" * 32
    elif isinstance(spec, PointSpec):
        yield "identity", bytes(33)
        yield "uncompressed prefix", b"\x04" + Point.G.to_bytes()[1:]
        yield "not on the curve", b"\x02" + (5).to_bytes(32, "big")
        yield "x above p", b"\x02" + b"\xff" * 32
    elif isinstance(spec, Bits):
        if spec.count % 8:
            yield "padding bit", (1 << spec.count).to_bytes(spec.width, "little")
    else:
        raise AssertionError(f"no out-of-range rule for {type(spec).__name__}: add one")


@pytest.mark.parametrize("name, field", ALL_FIELDS, ids=FIELD_IDS)
def test_decode_rejects_out_of_range(cases, pool, name, field):
    c = cases[name]
    spec = c.Proof.specs(c.stmt)[field]
    good = c.proof.encode(c.stmt)
    label = f"{c.Proof.NAME}.{field}"
    if isinstance(spec, Many):
        n, w = spec.count, spec.width
        raw = getattr(good, field)
        for i in (0, n - 1):
            for what, bad in bad_encodings(spec.inner, pool):
                msg = type(good).FromString(good.SerializeToString())
                setattr(msg, field, raw[: i * w] + bad + raw[(i + 1) * w:])
                with pytest.raises(DecodeError) as exc:
                    c.Proof.decode(msg, c.stmt)
                assert f"{label}[{i}]" in str(exc.value), (what, str(exc.value))
        return
    for what, bad in bad_encodings(spec, pool):
        msg = type(good).FromString(good.SerializeToString())
        setattr(msg, field, bad)
        with pytest.raises(DecodeError) as exc:
            c.Proof.decode(msg, c.stmt)
        assert label in str(exc.value), (what, str(exc.value))


@pytest.mark.parametrize("name, field", ALL_FIELDS, ids=FIELD_IDS)
def test_decode_rejects_wrong_length(cases, name, field):
    c = cases[name]
    spec = c.Proof.specs(c.stmt)[field]
    good = c.proof.encode(c.stmt)
    raw = getattr(good, field)
    assert len(raw) == spec_width(spec)
    label = f"{c.Proof.NAME}.{field}"
    variants = {
        "empty": b"",
        "truncated": raw[:-1],
        "leading byte dropped": raw[1:],
        "oversize": raw + b"\x00",
        "zero-padded": b"\x00" + raw,
        "doubled": raw + raw,
        "one byte": raw[:1],
    }
    if isinstance(spec, Many):
        variants["one element short"] = raw[: -spec.width]
        variants["one element extra"] = raw + raw[: spec.width]
    for what, bad in variants.items():
        msg = type(good).FromString(good.SerializeToString())
        setattr(msg, field, bad)
        with pytest.raises(DecodeError) as exc:
            c.Proof.decode(msg, c.stmt)
        assert label in str(exc.value), (what, str(exc.value))


@pytest.mark.parametrize("name", MODULES)
def test_decode_random_bytes_raises_only_decode_error(cases, name):
    c = cases[name]
    widths = {f: spec_width(s) for f, s in c.Proof.specs(c.stmt).items()}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        msg = c.Proof.PB()
        for f, w in widths.items():
            size = data.draw(st.sampled_from([0, 1, w - 1, w, w + 1]))
            # large fields (80 units of 256 bytes) exceed hypothesis' entropy budget: draw a seed
            seed = data.draw(st.integers(0, 2**64))
            setattr(msg, f, random.Random(seed).randbytes(size))
        try:
            proof = c.Proof.decode(msg, c.stmt)
        except DecodeError:
            return
        assert not c.verify(proof)  # random bytes that happen to decode still do not verify

    check()


@pytest.mark.parametrize("name", MODULES)
def test_proof_messages_from_random_bytes(cases, name):
    """The protobuf layer raises its own DecodeError; whatever parses, decode() rejects
    with ours."""
    from google.protobuf.message import DecodeError as PbDecodeError

    c = cases[name]

    @settings(max_examples=60, deadline=None)
    @given(st.binary(max_size=400))
    def check(raw):
        try:
            msg = c.Proof.PB.FromString(raw)
        except PbDecodeError:
            return
        with pytest.raises(DecodeError):
            c.Proof.decode(msg, c.stmt)

    check()


# -- ranges: the verifier ------------------------------------------------------------------
def _prove_unchecked(monkeypatch, module, fn):
    """Run an honest prover with its range self-check disabled, so a witness out of range
    yields a proof whose every algebraic equation holds."""
    with monkeypatch.context() as m:
        m.setattr(module, "in_range", lambda x, bound: True)
        proof = fn()
        return proof


def _verify_without_ranges(monkeypatch, module, stmt, proof) -> bool:
    with monkeypatch.context() as m:
        m.setattr(module, "in_range", lambda x, bound: True)
        return module.verify(CTX, stmt, proof)


def test_enc_verifier_rejects_out_of_range_witness(pool, ped, monkeypatch):
    sk = pool[0]
    k = 1 << (ELL + EPS + 32)  # outside +-2^l: the Alpha-Rays/MtA-overflow class
    K, rho = sk.encrypt(k)
    stmt = enc.Statement(sk.public, K, ped.public)
    proof = _prove_unchecked(monkeypatch, enc, lambda: enc.prove(CTX, stmt, k, rho))
    assert abs(proof.z1) > 1 << (ELL + EPS)
    assert _verify_without_ranges(monkeypatch, enc, stmt, proof), "equations should hold"
    assert not enc.verify(CTX, stmt, proof)
    with pytest.raises(ValueError):
        proof.encode(stmt)  # and it cannot even be put on the wire


def test_logstar_verifier_rejects_out_of_range_witness(pool, ped, monkeypatch):
    sk = pool[0]
    x = 1 << (ELL + EPS + 32)
    C, rho = sk.encrypt(x)
    B = Point.base_mul(random_scalar())
    stmt = logstar.Statement(sk.public, C, B * x, B, ped.public)
    proof = _prove_unchecked(monkeypatch, logstar, lambda: logstar.prove(CTX, stmt, x, rho))
    assert _verify_without_ranges(monkeypatch, logstar, stmt, proof)
    assert not logstar.verify(CTX, stmt, proof)


@pytest.mark.parametrize("which", ["x", "y"])
def test_affg_verifier_rejects_out_of_range_witness(pool, ped, monkeypatch, which):
    key0, key1 = pool[1].public, pool[0]
    Cv, _ = key0.encrypt(random_scalar())
    x, y = random_scalar(), sample_pm(1 << ELL_PRIME)
    if which == "x":
        x = 1 << (ELL + EPS + 32)
    else:
        y = 1 << (ELL_PRIME + EPS + 64)
    s, r = random_unit(key0.N), random_unit(key1.N)
    D = key0.add(key0.mul(Cv, x), key0.encrypt_with(y, s))
    Y = key1.encrypt_with(y, r)
    stmt = affg.Statement(key0, key1.public, Cv, D, Y, Point.base_mul(x), ped.public)
    proof = _prove_unchecked(monkeypatch, affg, lambda: affg.prove(CTX, stmt, x, y, s, r))
    assert _verify_without_ranges(monkeypatch, affg, stmt, proof)
    assert not affg.verify(CTX, stmt, proof)


def test_mulstar_verifier_rejects_out_of_range_witness(pool, ped, monkeypatch):
    key0 = pool[1].public
    Cv, _ = key0.encrypt(random_scalar())
    x, rho = 1 << (ELL + EPS + 32), random_unit(key0.N)
    D = (key0.pow(Cv, x) * key0.pow_n(rho)) % key0.N2
    stmt = mulstar.Statement(key0, Cv, D, Point.base_mul(x), ped.public)
    proof = _prove_unchecked(monkeypatch, mulstar, lambda: mulstar.prove(CTX, stmt, x, rho))
    assert _verify_without_ranges(monkeypatch, mulstar, stmt, proof)
    assert not mulstar.verify(CTX, stmt, proof)


def test_dec_prover_refuses_plaintext_above_declared_bound(pool, ped):
    sk = pool[0]
    y = (1 << 300) + 1
    C, rho = sk.encrypt(y)
    with pytest.raises(ValueError):
        dec.prove(CTX, dec.Statement(sk, C, y % q, 300, ped.public), y, rho)


def test_fac_verifier_rejects_a_small_factor(pool, ped, monkeypatch):
    """BitForge (CVE-2023-33241): a modulus with a small factor must not pass Pi-fac."""
    big = int(pool[2].N) >> 2 | 1  # odd, ~2046 bits
    N0 = 3 * big
    stmt = fac.Statement(N0, ped.public)
    proof = _prove_unchecked(monkeypatch, fac, lambda: fac.prove(CTX, stmt, 3, big))
    assert _verify_without_ranges(monkeypatch, fac, stmt, proof), "equations should hold"
    assert not fac.verify(CTX, stmt, proof)
    assert not fac.verify(CTX, fac.Statement(N0, ped), proof)


def test_mod_rejects_prime_and_even_moduli(cases, pool):
    c = cases["mod"]
    assert not mod.verify(CTX, mod.Statement(pool[0].p), c.proof)
    assert not mod.verify(CTX, mod.Statement(pool[0].N + 1), c.proof)


@pytest.mark.parametrize("name", ["mod", "prm"])
def test_verify_requires_all_repetitions(cases, name):
    """decode() enforces m = 80 elements; verify() must too, for a Proof built in-process."""
    c = cases[name]
    for keep in (0, 1, params.STAT - 1):
        short = dataclasses.replace(c.proof, **{f: getattr(c.proof, f)[:keep] for f in field_names(name)
                                                if isinstance(getattr(c.proof, f), list)})
        assert not c.verify(short), keep
