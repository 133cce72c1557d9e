"""`abci-mpc bench primes`: the safe-prime generator alone, one core, one prime at a time.

Safe primes dominate aux-info, refresh and resharing. The search time of one prime is
close to exponentially distributed, so a handful of samples says little: the default
is 40 primes, and the report gives the spread beside the mean.
"""

from __future__ import annotations

import json
import statistics
import time

import click

from ..tss.primes import is_blum_safe_prime, safe_prime
from .bench import bench, modexp_2048_seconds


@bench.command("primes")
@click.option("--count", type=click.IntRange(1, 10_000), default=40, show_default=True,
              help="Safe primes to generate, one after another.")
@click.option("--bits", type=click.Choice(["1024", "1536"]), default="1024", show_default=True,
              help="1024 for N = 2048, 1536 for N = 3072.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_primes(count: int, bits: str, as_json: bool) -> None:
    """Safe-prime generation time on one core: mean, p50, p90, max."""
    baseline = modexp_2048_seconds()
    times = []
    for i in range(count):
        t0 = time.process_time()
        p = safe_prime(int(bits))
        times.append(time.process_time() - t0)
        if not is_blum_safe_prime(p) or p.bit_length() != int(bits):
            raise RuntimeError("the generator returned a number that is not a safe prime of the asked size")
        if not as_json:
            click.echo(f"  {i + 1}/{count} safe primes, mean so far {statistics.fmean(times):.3f}s", err=True)
    times.sort()
    mean = statistics.fmean(times)
    report = {
        "bits": int(bits), "count": count, "cores": 1,
        "mean_s": round(mean, 4), "p50_s": round(times[len(times) // 2], 4),
        "p90_s": round(times[min(len(times) - 1, (len(times) * 9) // 10)], 4), "max_s": round(times[-1], 4),
        "modexp_2048_s": round(baseline, 9), "mean_modexp_equivalents": round(mean / baseline, 1),
    }
    if as_json:
        click.echo(json.dumps(report))
    else:
        click.echo(f"{count} safe primes of {bits} bits on one core: mean {report['mean_s']:.3f}s, "
                   f"p50 {report['p50_s']:.3f}s, p90 {report['p90_s']:.3f}s, max {report['max_s']:.3f}s "
                   f"({report['mean_modexp_equivalents']} modexp-equivalents)")
