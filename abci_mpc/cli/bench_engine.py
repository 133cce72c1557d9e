"""`abci-mpc bench engine`: N engines as separate processes on loopback TCP, signing in bulk.

One keygen (with aux info), then two bursts of --sessions signature requests submitted at
once: "warm", with the presignature pool filled beforehand (one online round each), and
"cold", with the pool empty (presign + sign each). Reports signatures per second, latency
(request to the first signer's verified signature) p50/p99, completed and failed counts, and
each engine process's peak RSS. Exits non-zero if any signature failed.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time

import click

from ..engine.api import KeygenRequest, SignRequest
from ..engine.cluster import ProcCluster
from ..engine.presigpool import default_signers
from ..tss import ecdsa
from ..tss.curve import Point
from .bench import bench
from .main import UserError


def _pct(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return 0.0
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


async def _burst(c: ProcCluster, pubkey: bytes, count: int, signers: int, timeout: float) -> dict:
    names = c.parties
    jobs = []
    t0 = time.perf_counter()
    for i in range(count):
        sid, digest = secrets.token_bytes(16), secrets.token_bytes(32)
        c.submit(names[i % len(names)], SignRequest(sid, f"bench-{i}", "bench", f"s{i}", digest, timeout=timeout))
        jobs.append((sid, digest, time.perf_counter()))
    latencies, failed = [], 0
    last = t0
    for sid, digest, sent in jobs:
        try:
            res = await c.wait_results(sid, signers, timeout + 30)
        except TimeoutError:
            failed += 1
            continue
        ok = [r for _, r in res if r.kind == "sign"]
        sig_ok = ok and all(ecdsa.verify(Point.from_bytes(pubkey), digest, ecdsa.Signature(
            int.from_bytes(r.r, "big"), int.from_bytes(r.s, "big"), r.v)) for r in ok)
        if len(ok) < signers or not sig_ok:
            failed += 1
            continue
        first = c.first_result_time(sid)
        latencies.append(first - sent)
        last = max(last, c.last_result_time(sid))
    wall = last - t0
    lat = sorted(latencies)
    return {"signatures": count, "completed": len(latencies), "failed": failed, "wall_s": round(wall, 3),
            "signatures_per_s": round(len(latencies) / wall, 3) if wall > 0 else 0.0,
            "latency_p50_s": round(_pct(lat, 0.50), 3), "latency_p99_s": round(_pct(lat, 0.99), 3)}


async def run_engine_bench(parties: int, threshold: int, sessions: int, cold: int, workers: int,
                           timeout: float) -> dict:
    names = [f"p{i}" for i in range(parties)]
    with tempfile.TemporaryDirectory(prefix="abci-mpc-bench-") as root:
        c = ProcCluster(root, names, workers=workers, presig_target=0, paillier_stash=0)
        try:
            t0 = time.perf_counter()
            await c.start_all()
            startup = time.perf_counter() - t0

            t0 = time.perf_counter()
            sid = secrets.token_bytes(16)
            c.submit(names[0], KeygenRequest(sid, "bench-keygen", "bench", threshold, tuple(names), timeout=timeout))
            res = await c.wait_results(sid, parties, timeout + 30)
            if any(r.kind != "keygen" for _, r in res):
                raise UserError(f"keygen failed: {[r.reason for _, r in res if r.kind != 'keygen']}")
            keygen_s = time.perf_counter() - t0
            pubkey = res[0][1].pubkey

            # Warm: fill the pool of the default signer set, stop refilling, then sign.
            default = default_signers(names, threshold)
            t0 = time.perf_counter()
            c.set_presig_target(sessions)
            while True:
                counts = [(await c.nodes[p].status()).keys[0].presignatures for p in default]
                if min(counts) >= sessions:
                    break
                if time.perf_counter() - t0 > timeout * max(1, sessions):
                    raise UserError("the presignature pool did not fill")
                await asyncio.sleep(0.5)
            c.set_presig_target(0)
            fill_s = time.perf_counter() - t0
            warm = await _burst(c, pubkey, sessions, threshold + 1, timeout)
            cold_report = await _burst(c, pubkey, cold, threshold + 1, timeout) if cold else None

            engines = {}
            for p in names:
                st = await c.nodes[p].status()
                engines[p] = {"peak_rss_mb": round(st.rss_kb / 1024, 1),
                              "workers_peak_rss_mb": round(st.workers_rss_kb / 1024, 1),
                              "max_loop_lag_ms": round(st.max_loop_lag * 1e3, 2),
                              "max_loop_busy_ms": round(st.max_loop_busy * 1e3, 2)}
        finally:
            await c.close()
    runs = [warm] + ([cold_report] if cold_report else [])
    return {
        "parties": parties, "threshold": threshold, "workers_per_engine": workers, "transport": "loopback TCP",
        "startup_s": round(startup, 3), "keygen_s": round(keygen_s, 3),
        "presignature_pool_fill_s": round(fill_s, 3),
        "presignatures_per_s_filling": round(sessions / fill_s, 3) if fill_s > 0 else 0.0,
        "warm": warm, "cold": cold_report,
        "completed": sum(r["completed"] for r in runs), "failed": sum(r["failed"] for r in runs),
        "engines": engines,
    }


@bench.command("engine")
@click.option("--parties", type=int, default=4, show_default=True, help="Engine processes (parties).")
@click.option("--threshold", type=int, default=2, show_default=True, help="Any t+1 parties sign.")
@click.option("--sessions", type=int, default=100, show_default=True, help="Signatures per burst.")
@click.option("--cold-sessions", type=int, default=None,
              help="Signatures in the cold burst (presign + sign each). Default: --sessions; 0 skips it.")
@click.option("--workers", type=int, default=1, show_default=True, help="Crypto worker processes per engine.")
@click.option("--timeout", type=float, default=900.0, show_default=True, help="Deadline of each session, seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_engine(parties, threshold, sessions, cold_sessions, workers, timeout, as_json):
    """Sign in bulk with N engine processes on loopback TCP, presignature pool warm and cold."""
    if not 2 <= parties <= 16:
        raise UserError("--parties must be 2..16")
    if not 1 <= threshold < parties:
        raise UserError(f"--threshold must satisfy 1 <= t < parties (got t={threshold})")
    if not 1 <= sessions <= 10_000 or workers < 1:
        raise UserError("--sessions must be 1..10000 and --workers at least 1")
    cold = sessions if cold_sessions is None else cold_sessions
    if cold < 0:
        raise UserError("--cold-sessions must not be negative")
    report = asyncio.run(run_engine_bench(parties, threshold, sessions, cold, workers, timeout))
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))
    else:
        click.echo(f"{parties} engine processes (t={threshold}), loopback TCP, {workers} crypto worker(s) each")
        click.echo(f"keygen {report['keygen_s']:.2f} s; pool fill {report['presignature_pool_fill_s']:.2f} s "
                   f"({report['presignatures_per_s_filling']:.2f} presignatures/s)")
        click.echo(f"{'burst':<6}{'sigs':>6}{'ok':>6}{'failed':>8}{'sig/s':>9}{'p50 s':>9}{'p99 s':>9}")
        for name in ("warm", "cold"):
            r = report[name]
            if r:
                click.echo(f"{name:<6}{r['signatures']:>6}{r['completed']:>6}{r['failed']:>8}"
                           f"{r['signatures_per_s']:>9.2f}{r['latency_p50_s']:>9.3f}{r['latency_p99_s']:>9.3f}")
        for p, e in report["engines"].items():
            click.echo(f"{p}: peak RSS {e['peak_rss_mb']} MB (workers {e['workers_peak_rss_mb']} MB), "
                       f"max loop lag {e['max_loop_lag_ms']} ms (loop thread busy {e['max_loop_busy_ms']} ms)")
    if report["failed"]:
        raise SystemExit(1)
