"""`abci-mpc bench`: aux-info, keygen, presign and sign, in-process, with costs per party.

Every cost is also reported against one 2048-bit modexp with a full-size exponent
measured in the same run, so figures from different machines can be compared.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from concurrent.futures import ProcessPoolExecutor

import click
import gmpy2

from ..tss import ecdsa
from ..tss.paillier import PaillierSecretKey
from ..tss.runner import LocalParties, RunResult
from .main import UserError, cli


def modexp_2048_seconds(reps: int = 50) -> float:
    n = gmpy2.mpz(secrets.randbits(2048)) | (1 << 2047) | 1
    x, e = gmpy2.mpz(secrets.randbits(2047)), gmpy2.mpz(secrets.randbits(2048)) | (1 << 2047)
    t0 = time.process_time()
    for _ in range(reps):
        gmpy2.powmod(x, e, n)
    return (time.process_time() - t0) / reps


def _stage(run: RunResult, wall: float, extra_cpu: dict | None = None) -> dict:
    cpu = {p: s.cpu_s + (extra_cpu or {}).get(p, 0.0) for p, s in run.stats.items()}
    return {
        "wall_s": round(wall, 6),
        "cpu_s_per_party": {p: round(v, 6) for p, v in cpu.items()},
        "cpu_s_max": round(max(cpu.values()), 6),
        "bytes_sent_per_party": {p: s.bytes_sent for p, s in run.stats.items()},
    }


def _timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def _parse_signers(value: str, names: list[str], t: int) -> list[str]:
    """A count ("3") or a comma-separated list of party indices ("0,2,4")."""
    try:
        if "," in value or value.startswith("["):
            idx = [int(v) for v in value.strip("[]").split(",") if v.strip()]
        else:
            idx = list(range(int(value)))
    except ValueError:
        raise UserError(f"--signers must be a count or a list of indices, got {value!r}") from None
    if len(set(idx)) != len(idx) or not all(0 <= i < len(names) for i in idx):
        raise UserError(f"--signers indices must be distinct and within 0..{len(names) - 1}")
    if len(idx) < t + 1:
        raise UserError(f"need at least t+1 = {t + 1} signers, got {len(idx)}")
    return [names[i] for i in idx]


@cli.group(invoke_without_command=True)
@click.option("--t", "t", type=int, default=1, show_default=True, help="Threshold: any t+1 parties sign.")
@click.option("--n", "n", type=int, default=3, show_default=True, help="Number of parties.")
@click.option("--signers", default=None, help="Signer count, or indices like 0,2. Default t+1.")
@click.option("--paillier-bits", type=click.Choice(["2048", "3072"]), default="2048", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def bench(ctx, t, n, signers, paillier_bits, as_json):
    """Benchmark aux-info, keygen, presign and sign in-process (CGGMP21, secp256k1)."""
    if ctx.invoked_subcommand is not None:
        return
    if not 1 <= t < n:
        raise UserError(f"threshold must satisfy 1 <= t < n (got t={t}, n={n})")
    bits = int(paillier_bits)
    names = [f"p{i}" for i in range(n)]
    signer_names = _parse_signers(signers or str(t + 1), names, t)
    report = run_core_bench(names, t, signer_names, bits)
    emit(report, as_json)


def run_core_bench(names, t, signer_names, bits) -> dict:
    baseline = modexp_2048_seconds()
    workers = max(1, min(len(names) * 2, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        parties = LocalParties(names, paillier_bits=bits)
        # Safe primes: each party's two, generated in parallel; charged to that party.
        t0 = time.perf_counter()
        futures = {p: pool.submit(_paillier_timed, bits) for p in names}
        paillier, prime_cpu = {}, {}
        for p, f in futures.items():
            paillier[p], prime_cpu[p] = f.result()
        prime_wall = time.perf_counter() - t0
    auxes, wall = _timed(lambda: parties.aux(names, paillier))
    stages = {"aux": _stage(parties.last, wall + prime_wall, prime_cpu)}
    stages["aux"]["safe_primes_cpu_s_per_party"] = {p: round(v, 6) for p, v in prime_cpu.items()}
    shares, wall = _timed(lambda: parties.keygen(t, names, with_aux=False))
    stages["keygen"] = _stage(parties.last, wall)
    shares = {p: s.with_aux(auxes[p]) for p, s in shares.items()}
    presigs, wall = _timed(lambda: parties.presign(shares, signer_names))
    stages["presign"] = _stage(parties.last, wall)
    digest = hashlib.sha256(b"abci-mpc bench " + secrets.token_bytes(16)).digest()
    sig, wall = _timed(lambda: parties.sign(shares, presigs, digest))
    stages["sign"] = _stage(parties.last, wall)
    pk = shares[names[0]].public_key
    # Combine-and-verify alone, as a third party would do it from the partials.
    t0 = time.process_time()
    assert ecdsa.verify(pk, digest, sig)
    stages["sign"]["verify_cpu_s"] = round(time.process_time() - t0, 6)
    if not ecdsa.verify(pk, digest, sig):
        raise RuntimeError("benchmark produced an invalid signature")
    return {
        "t": t, "n": len(names), "signers": signer_names, "paillier_bits": bits,
        "pubkey": pk.to_bytes().hex(), "eth_address": ecdsa.eth_address(pk),
        "message_hash": digest.hex(), "signature": sig.to_json(),
        "modexp_2048_s": round(baseline, 9),
        "stages": stages,
        "modexp_equivalents_cpu_max": {k: round(v["cpu_s_max"] / baseline, 1) for k, v in stages.items()},
    }


def _paillier_timed(bits: int):
    t0 = time.process_time()
    key = PaillierSecretKey.generate(bits)
    return key, time.process_time() - t0


def emit(report: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))
        return
    click.echo(f"parties      {report['n']} (t={report['t']}), signers {', '.join(report['signers'])}")
    click.echo(f"paillier     {report['paillier_bits']} bits;  one 2048-bit modexp = {report['modexp_2048_s'] * 1e3:.2f} ms")
    click.echo(f"{'stage':<10}{'wall s':>10}{'max cpu s/party':>18}{'modexp-eq':>12}{'bytes/party':>14}")
    for name, st in report["stages"].items():
        b = max(st["bytes_sent_per_party"].values())
        click.echo(f"{name:<10}{st['wall_s']:>10.3f}{st['cpu_s_max']:>18.4f}"
                   f"{report['modexp_equivalents_cpu_max'][name]:>12}{b:>14}")
    click.echo(f"pubkey       {report['pubkey']}")
    click.echo(f"address      {report['eth_address']}")
    sig = report["signature"]
    click.echo(f"signature    r={sig['r']}\n             s={sig['s']} v={sig['v']}  (verified)")
