"""`abci-mpc bench memory`: resident memory of an engine holding many keys with full
presignature pools.

Keys are real (4-party keygen in-process, one shared aux-info run, as a committee's keys
are); the presignatures are copies of one real presignature record (same size), because
making thousands of real ones costs CPU-hours and the engine only indexes them until a
signature takes one. The engine then starts on that store exactly as a node does, and the
share cache is filled to its bound, as on a busy node.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import resource
import secrets
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click

from ..engine.api import LocalIdentity
from ..engine.config import EngineConfig
from ..engine.engine import Engine
from ..engine.memory import MemoryNetwork
from ..store import KeyStore, StoreSecret
from ..tss.runner import LocalParties
from ..tss.serialize import key_share_to_bytes, presignature_to_bytes
from .bench import bench
from .main import UserError


def _rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children() -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()]
    except OSError:
        return []


@bench.command("memory")
@click.option("--keys", "n_keys", type=int, default=1000, show_default=True)
@click.option("--presigs", "per_key", type=int, default=4, show_default=True, help="Presignatures per key.")
@click.option("--json", "as_json", is_flag=True)
def memory(n_keys, per_key, as_json):
    """RSS of an engine holding KEYS keys with full presignature pools."""
    if n_keys < 1 or per_key < 0:
        raise UserError("--keys must be >= 1 and --presigs >= 0")
    t0 = time.perf_counter()
    names = [f"p{i}" for i in range(4)]
    parties = LocalParties(names)
    aux = parties.aux(names)
    with tempfile.TemporaryDirectory(prefix="abci-mpc-membench-") as tmp:
        secret_bytes = secrets.token_bytes(32)
        store = KeyStore.create(Path(tmp) / "store", StoreSecret.from_key(secret_bytes))
        template = None
        for i in range(n_keys):
            share = parties.keygen(2, names, with_aux=False)["p0"].with_aux(aux["p0"])
            rec = store.begin_keygen(f"key-{i:05d}", 2, names, f"bench-{i}")
            store.mark_ready(rec.key_id, rec.key_session_id, share.public_key.to_bytes(), key_share_to_bytes(share))
            if template is None:
                full = {p: s.with_aux(aux[p]) for p, s in parties.keygen(2, names, with_aux=False).items()}
                template = presignature_to_bytes(parties.presign(full, names[:3])["p0"])
            store.add_presignatures(rec.key_id, rec.key_session_id,
                                    [(secrets.token_bytes(16), template) for _ in range(per_key)])
        setup_s = time.perf_counter() - t0
        store.close()
        store_bytes = sum(f.stat().st_size for f in (Path(tmp) / "store").rglob("*") if f.is_file())
        # Measure in a fresh process that only opens the store and starts the engine, as a
        # node does: the setup above (thousands of keygens) would inflate this one's RSS.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
            report = ex.submit(_measure_fresh, str(Path(tmp) / "store"), secret_bytes, names, n_keys,
                               per_key).result()
    report.update(keys=n_keys, presignatures_per_key=per_key, presignature_bytes=len(template),
                  store_mb=round(store_bytes / 2**20, 1), setup_s=round(setup_s, 1))
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))
        return
    click.echo(f"{n_keys} keys, {per_key} presignatures each ({len(template)} B), store {report['store_mb']} MB")
    click.echo(f"app process RSS after start        {report['rss_mb_after_start']:7.1f} MB")
    click.echo(f"app process RSS, share cache full  {report['rss_mb_share_cache_full']:7.1f} MB "
               f"({report['shares_cached']} shares)")
    click.echo(f"app process peak RSS               {report['peak_rss_mb']:7.1f} MB")
    click.echo(f"crypto worker RSS each             {report['worker_rss_mb']} MB")


def _measure_fresh(path: str, secret_bytes: bytes, names, n_keys: int, per_key: int) -> dict:
    with KeyStore.open(path, StoreSecret.from_key(secret_bytes)) as store:
        return asyncio.run(_measure(store, names, n_keys, per_key))


async def _measure(store, names, n_keys, per_key) -> dict:
    me = LocalIdentity.generate("p0")
    others = {p: LocalIdentity.generate(p).public() for p in names[1:]}
    directory = {"p0": me.public(), **others}
    net = MemoryNetwork()
    config = EngineConfig(workers=1, presig_target=per_key, paillier_stash=0)
    engine = Engine(me, directory, net.endpoint("p0"), store, config)
    await engine.start()
    try:
        await asyncio.sleep(0.5)
        pooled = sum(engine.presignature_pool_size(f"key-{i:05d}") for i in range(n_keys))
        after_start = _rss_mb()
        cached = 0
        for rec in store.list_keys()[: config.share_cache]:
            await engine.share(rec)
            cached += 1
        workers = [round(_rss_mb(pid), 1) for pid in _children()]
        return {"rss_mb_after_start": round(after_start, 1), "rss_mb_share_cache_full": round(_rss_mb(), 1),
                "peak_rss_mb": round(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _rss_mb()), 1),
                "shares_cached": cached, "presignatures_indexed": pooled, "worker_rss_mb": workers}
    finally:
        await engine.close()
