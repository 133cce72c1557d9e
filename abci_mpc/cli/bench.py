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
@click.option("--reshare-to", "reshare_to", default=None, metavar="T2,N2",
              help="Also reshare to a committee of N2 parties with threshold T2, then sign with it.")
@click.option("--import-tsslib", "tsslib_dir", default=None, type=click.Path(file_okay=False),
              help="Skip aux/keygen: import tss-lib keygen_data_*.json files from DIR.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def bench(ctx, t, n, signers, paillier_bits, reshare_to, tsslib_dir, as_json):
    """Benchmark aux-info, keygen, presign and sign in-process (CGGMP21, secp256k1)."""
    if ctx.invoked_subcommand is not None:
        return
    bits = int(paillier_bits)
    new_committee = _parse_reshare(reshare_to) if reshare_to else None
    if tsslib_dir is not None:
        shares = _import_dir(tsslib_dir)
        names = sorted(shares)
        t = shares[names[0]].threshold
        report = run_core_bench(names, t, _parse_signers(signers or str(t + 1), names, t), bits,
                                imported=shares, reshare_to=new_committee)
    else:
        if not 1 <= t < n:
            raise UserError(f"threshold must satisfy 1 <= t < n (got t={t}, n={n})")
        names = [f"p{i}" for i in range(n)]
        report = run_core_bench(names, t, _parse_signers(signers or str(t + 1), names, t), bits,
                                reshare_to=new_committee)
    emit(report, as_json)


def _parse_reshare(value: str) -> tuple[int, int]:
    try:
        t2, n2 = (int(v) for v in value.split(","))
    except ValueError:
        raise UserError(f"--reshare-to must be T2,N2 (two integers), got {value!r}") from None
    if not 1 <= t2 < n2:
        raise UserError(f"--reshare-to needs 1 <= T2 < N2 (got {t2},{n2})")
    return t2, n2


def _import_dir(path: str) -> dict:
    from pathlib import Path

    from ..tss import tsslib
    files = sorted(Path(path).glob("keygen_data_*.json"))
    if not files:
        raise UserError(f"no keygen_data_*.json files in {path}")
    shares = {}
    for f in files:
        try:
            share = tsslib.import_share(f.read_text())
        except tsslib.TssLibFormatError as exc:
            raise UserError(f"{f.name}: {exc}") from None
        shares[share.me] = share
    if len(shares) != len(files):
        raise UserError(f"{path}: two files hold the same party's share")
    # One file cannot check its copy of the peers' public data; the files must agree.
    views: dict[bytes, list[str]] = {}
    for f, share in zip(files, shares.values()):
        views.setdefault(share.fingerprint(), []).append(f.name)
    if len(views) > 1:
        odd = min(views.values(), key=len)
        raise UserError(f"{', '.join(odd)}: public key data differs from the other files "
                        "(public shares, Paillier or ring-Pedersen parameters)")
    return shares


def run_core_bench(names, t, signer_names, bits, imported=None, reshare_to=None) -> dict:
    baseline = modexp_2048_seconds()
    all_names = list(names)
    if reshare_to is not None:
        all_names += [f"p{i}" for i in range(len(names), reshare_to[1])]
    parties = LocalParties(all_names, paillier_bits=bits, clock=time.process_time)
    stages = {}
    if imported is not None:
        shares = imported
        bits = shares[names[0]].aux.paillier.N.bit_length()
        stages["aux"] = stages["keygen"] = {"skipped": "imported from tss-lib"}
    else:
        paillier, prime_cpu, prime_wall = _paillier_parallel(names, bits)
        auxes, wall = _timed(lambda: parties.aux(names, paillier))
        stages["aux"] = _stage(parties.last, wall + prime_wall, prime_cpu)
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
    report = {
        "t": t, "n": len(names), "signers": signer_names, "paillier_bits": bits,
        "pubkey": pk.to_bytes().hex(), "eth_address": ecdsa.eth_address(pk),
        "message_hash": digest.hex(), "signature": sig.to_json(),
        "modexp_2048_s": round(baseline, 9),
        "stages": stages,
    }
    if reshare_to is not None:
        report.update(_reshare_stage(parties, shares, names, t, all_names, reshare_to, bits, stages))
    report["modexp_equivalents_cpu_max"] = {k: round(v["cpu_s_max"] / baseline, 1)
                                            for k, v in stages.items() if "cpu_s_max" in v}
    return report


def _paillier_parallel(names, bits):
    """Each party's two safe primes, generated in parallel; charged to that party."""
    workers = max(1, min(len(names) * 2, os.cpu_count() or 1))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        futures = {p: pool.submit(_paillier_timed, bits) for p in names}
        paillier, cpu = {}, {}
        for p, f in futures.items():
            paillier[p], cpu[p] = f.result()
    return paillier, cpu, time.perf_counter() - t0


def _reshare_stage(parties, shares, names, t, all_names, reshare_to, bits, stages) -> dict:
    """Dealers: the first t+1 old parties. New committee: p0..p{N2-1} (overlapping the old
    one, growing or shrinking it). Then the new committee signs."""
    t2, n2 = reshare_to
    dealers, members = names[: t + 1], all_names[:n2]
    paillier, prime_cpu, prime_wall = _paillier_parallel(members, bits)
    outs, wall = _timed(lambda: parties.reshare({p: shares[p] for p in dealers}, dealers, members, t2, paillier))
    stages["reshare"] = _stage(parties.last, wall + prime_wall, prime_cpu)
    new = {p: o.share for p, o in outs.items() if o.share is not None}
    signers = members[: t2 + 1]
    digest = hashlib.sha256(b"abci-mpc bench after reshare " + secrets.token_bytes(16)).digest()
    sig = parties.sign(new, parties.presign(new, signers), digest)
    pk_after = new[members[0]].public_key
    if not ecdsa.verify(pk_after, digest, sig):
        raise RuntimeError("the new committee produced an invalid signature")
    return {"pubkey_after": pk_after.to_bytes().hex(),
            "reshare": {"t": t2, "n": n2, "dealers": dealers, "members": members, "signers": signers,
                        "message_hash": digest.hex(), "signature": sig.to_json()}}


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
        if "skipped" in st:
            click.echo(f"{name:<10}{'skipped: ' + st['skipped']:>40}")
            continue
        b = max(st["bytes_sent_per_party"].values())
        click.echo(f"{name:<10}{st['wall_s']:>10.3f}{st['cpu_s_max']:>18.4f}"
                   f"{report['modexp_equivalents_cpu_max'][name]:>12}{b:>14}")
    click.echo(f"pubkey       {report['pubkey']}")
    click.echo(f"address      {report['eth_address']}")
    sig = report["signature"]
    click.echo(f"signature    r={sig['r']}\n             s={sig['s']} v={sig['v']}  (verified)")
    if "pubkey_after" in report:
        rs = report["reshare"]
        same = "unchanged" if report["pubkey_after"] == report["pubkey"] else "CHANGED"
        click.echo(f"reshared     to t={rs['t']}, n={rs['n']} ({', '.join(rs['members'])}); public key {same}")
        click.echo(f"new sig      r={rs['signature']['r']} (verified, signers {', '.join(rs['signers'])})")
