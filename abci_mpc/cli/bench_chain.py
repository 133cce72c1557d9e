"""`abci-mpc bench chain`: latency of the whole system on a localnet.

Keygen: from broadcasting the KeyGenRequest to the key being READY in committed state.
Signing: from broadcasting a SignRequest to the signature being committed (visible to an
ABCI query), one request at a time, each with a warm presignature pool: before each request
the bench waits until the key's pool coordinator (the party with the smallest node ID, which
runs the pool for the default signer set) holds a presignature, read from its app's /metrics. Blocks-to-commit is the signature's height minus the height
that committed its request.
"""

from __future__ import annotations

import re
import secrets
import time
import urllib.request
from pathlib import Path

import click

from ..chain import tx_pb2, txs
from ..chain.rpc import NodeRPC, NodeUnavailable, RPCError
from ..localnet import Localnet, LocalnetError, Validator
from .bench import bench
from .main import UserError
from .query import emit
from .tx import load_requester_key

POLL = 0.02


def _progress(msg: str) -> None:
    click.echo(msg, err=True)


def _pool_size(v: Validator, key_id: str) -> int | None:
    """abci_mpc_presignatures{key=...} from the app's /metrics; None if unreachable."""
    try:
        with urllib.request.urlopen(v.metrics_url, timeout=2) as resp:
            text = resp.read().decode()
    except OSError:
        return None
    m = re.search(r'^abci_mpc_presignatures\{key="' + re.escape(key_id) + r'"\} (\S+)$', text, re.M)
    return int(float(m.group(1))) if m else 0


def _await(fn, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise UserError(f"bench: {what} not done within {timeout:g}s")
        time.sleep(POLL)


def _query(rpc: NodeRPC, path: str):
    res = rpc.abci_query(path)
    return res.json() if res.code == 0 else None


def _send(rpc: NodeRPC, signer, chain_id: str, payload) -> float:
    t0 = time.monotonic()
    res = rpc.broadcast_tx_sync(txs.build(signer, chain_id, payload))
    if not res.ok:
        raise UserError(f"bench: request rejected: {res.log}")
    return t0


def _pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, -(-len(s) * p // 100) - 1))]


def run_bench(net: Localnet, requests: int, threshold: int, timeout: float) -> dict:
    v0 = net.validators[0]
    rpc = NodeRPC(v0.rpc_url, timeout=10)
    signer = load_requester_key(net.requester_key)
    key_id = f"bench-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    start_height, start_time = rpc.latest_height(), time.monotonic()

    _progress(f"keygen {key_id}: t={threshold}, n={len(net.validators)}")
    t0 = _send(rpc, signer, net.chain_id, tx_pb2.KeyGenRequest(key_id=key_id, threshold=threshold,
                                                                parties=net.node_ids))
    key = _await(lambda: (k := _query(rpc, f"/key/{key_id}")) and k["status"] != "PENDING" and k or None,
                 timeout, "keygen")
    keygen_s = time.monotonic() - t0
    if key["status"] != "READY":
        raise UserError(f"bench: keygen ended {key['status']}: {key.get('error')}")
    session = _query(rpc, f"/session/{key['keygen_session']}")
    _progress(f"  READY in {keygen_s:.2f}s ({key['updated_height'] - session['start_height']} blocks)")

    coordinator = min(net.validators, key=lambda v: v.node_id)
    latencies, blocks, waited = [], [], 0.0
    for i in range(requests):
        w0 = time.monotonic()
        _await(lambda: (n := _pool_size(coordinator, key_id)) is None or n > 0 or None, timeout, "presignature pool")
        waited += time.monotonic() - w0
        digest = secrets.token_bytes(32)
        sign_id = f"s{i}"
        t0 = _send(rpc, signer, net.chain_id, tx_pb2.SignRequest(key_id=key_id, sign_id=sign_id, digest=digest))
        sig = _await(lambda: (s := _query(rpc, f"/signature/{key_id}/{sign_id}")) and s["status"] != "PENDING"
                     and s or None, timeout, f"signature {sign_id}")
        latencies.append(time.monotonic() - t0)
        if sig["status"] != "DONE":
            raise UserError(f"bench: signature {sign_id} {sig['status']}")
        blocks.append(sig["height"] - sig["request_height"])
        if (i + 1) % 10 == 0 or i + 1 == requests:
            _progress(f"  {i + 1}/{requests} signatures, p50 so far {_pct(latencies, 50):.3f}s")
    end_height, end_time = rpc.latest_height(), time.monotonic()
    return {
        "validators": len(net.validators), "threshold": threshold, "key_id": key_id,
        "block_time_s": round((end_time - start_time) / max(1, end_height - start_height), 3),
        "keygen_s": round(keygen_s, 3),
        "keygen_blocks": key["updated_height"] - session["start_height"],
        "sign": {
            "requests": requests,
            "latency_p50_s": round(_pct(latencies, 50), 3), "latency_p99_s": round(_pct(latencies, 99), 3),
            "latency_mean_s": round(sum(latencies) / len(latencies), 3), "latency_max_s": round(max(latencies), 3),
            "blocks_p50": _pct(blocks, 50), "blocks_max": max(blocks),
            "within_3_blocks": sum(b <= 3 for b in blocks) / len(blocks),
            "pool_wait_total_s": round(waited, 2),
        },
    }


def _down(dir_: Path) -> None:
    """Stops what a (possibly half-done) `up` started."""
    try:
        Localnet.load(dir_).down(progress=lambda _m: None)
    except LocalnetError:
        pass


@bench.command("chain")
@click.option("--dir", "dir_", type=click.Path(file_okay=False, path_type=Path), default=Path("localnet"),
              show_default=True, help="The localnet to use; one is started there if none runs.")
@click.option("--requests", type=click.IntRange(1, 10_000), default=50, show_default=True,
              help="Signature requests, one at a time.")
@click.option("--threshold", type=click.IntRange(min=1), default=2, show_default=True, help="Any t+1 parties sign.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds any one step may take.")
@click.option("--base-port", type=int, default=26656, show_default=True, help="For a localnet the bench starts.")
@click.option("--keep", is_flag=True, help="Leave a localnet the bench started running.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_chain(dir_, requests, threshold, timeout, base_port, keep, as_json) -> None:
    """Keygen and signing latency, broadcast to commit, on a running or self-started localnet."""
    started = False
    try:
        if (dir_ / "localnet.json").exists() and Localnet.load(dir_).running():
            net = Localnet.load(dir_)
        else:
            started = True
            net = Localnet.up(dir_, 4, base_port=base_port, progress=_progress, presig_target=8)
        if not 1 <= threshold < len(net.validators):
            raise UserError(f"--threshold must be 1..{len(net.validators) - 1}")
        report = run_bench(net, requests, threshold, timeout)
    except LocalnetError as exc:
        raise UserError(str(exc)) from None
    except (NodeUnavailable, RPCError) as exc:
        raise UserError(f"bench: {exc}") from None
    finally:
        if started and not keep:
            _down(dir_)
    if as_json:
        emit(report, "json")
    else:
        s = report["sign"]
        click.echo(f"keygen: {report['keygen_s']} s ({report['keygen_blocks']} blocks); "
                   f"block time {report['block_time_s']} s\n"
                   f"sign, broadcast to committed, {s['requests']} requests (warm pool): p50 {s['latency_p50_s']} s, "
                   f"p99 {s['latency_p99_s']} s, max {s['latency_max_s']} s; blocks p50 {s['blocks_p50']}, "
                   f"max {s['blocks_max']}; within 3 blocks: {s['within_3_blocks']:.0%}")
