"""End to end on a real 4-validator localnet: 4 abci-mpc-node processes (CometBFT + the MPC
reactor) and 4 `abci-mpc start` processes, on loopback. Requests go through the `abci-mpc tx`
CLI; signatures are checked with libsecp256k1 and ecrecover, outside the code under test.

The tests share one localnet and run in file order (the fault test stops and restarts a
validator last). About a minute on 2 cores.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time

import pytest
from e2ekit import cli, logs, verify_independently

from abci_mpc.chain.rpc import NodeUnavailable, RPCError
from abci_mpc.ethtx import Eip1559Tx, address_of, ecrecover
from abci_mpc.localnet import Localnet, abci_mpc_command

pytestmark = pytest.mark.slow


def eth_digest(nonce: int) -> bytes:
    return Eip1559Tx(chain_id=11155111, nonce=nonce, max_priority_fee_per_gas=10**9, max_fee_per_gas=3 * 10**10,
                     gas_limit=21000, to=bytes.fromhex("11" * 20), value=10**15).signing_hash()


def query(net: Localnet, path: str, node: int = 0) -> dict:
    res = net.validators[node].rpc(5).abci_query(path)
    assert res.code == 0, f"{path}: {res.log}"
    return res.json()


def assert_same_app_hash(net: Localnet, nodes: list[int]) -> None:
    """Each node's own app hash at its last height equals the hash the others committed there."""
    for i in nodes:
        info = net.validators[i].rpc(5).call("abci_info")["response"]
        height = int(info["last_block_height"])
        own = base64.b64decode(info["last_block_app_hash"]).hex()
        for j in nodes:
            if j == i:
                continue
            deadline = time.monotonic() + 20
            while True:  # the peer's block height+1 carries the app hash after block height
                try:
                    theirs = net.app_hash_at(j, height)
                    break
                except (NodeUnavailable, RPCError, KeyError):
                    assert time.monotonic() < deadline, f"node{j} has no block {height + 1}"
                    time.sleep(0.2)
            assert theirs == own, f"node{i} app hash at {height} differs from node{j}'s"


def test_localnet_is_up(net):
    rows = net.status()
    assert [r["validator"] for r in rows] == ["node0", "node1", "node2", "node3"]
    assert all(r["node_pid"] and r["app_pid"] and r["height"] >= 2 and r["peers"] == 3 for r in rows), rows
    assert_same_app_hash(net, [0, 1, 2, 3])
    out = subprocess.run([*abci_mpc_command(), "localnet", "status", "--dir", str(net.dir)],
                         capture_output=True, text=True, check=True).stdout
    assert all(f"node{i}" in out for i in range(4))


def test_keygen_sign_reshare_sign_delete(net):
    ids = net.node_ids
    key = cli(net, "tx", "keygen", "k1", "--threshold", "2", "--parties", ",".join(ids))["key"]
    assert (key["status"], key["threshold"], key["parties"]) == ("READY", 2, ids)
    pubkey = key["pubkey"]
    assert address_of(bytes.fromhex(pubkey)) == key["eth_address"]

    digest = eth_digest(0)
    sig = cli(net, "tx", "sign", "k1", "s1", digest.hex())["signature"]
    verify_independently(pubkey, digest, sig)
    assert ecrecover(digest, int(sig["r"], 16), int(sig["s"], 16), sig["v"]) == key["eth_address"]
    for i in range(4):  # every validator's app committed the same signature
        onchain = query(net, "/signature/k1/s1", node=i)
        assert (onchain["status"], onchain["r"], onchain["s"]) == ("DONE", sig["r"], sig["s"])

    after = cli(net, "tx", "reshare", "k1", "--threshold", "1", "--parties", ",".join(ids[1:]))["key"]
    assert (after["pubkey"], after["threshold"], after["parties"]) == (pubkey, 1, ids[1:])

    digest2 = eth_digest(1)
    sig2 = cli(net, "tx", "sign", "k1", "s2", digest2.hex())["signature"]
    verify_independently(pubkey, digest2, sig2)
    assert query(net, "/signature/k1/s2")["submitted_by"] in ids[1:]

    deleted = cli(net, "tx", "delete", "k1")
    assert deleted["status"] == "DONE" and deleted["key"]["status"] == "DELETED"
    session = query(net, f"/session/{deleted['session_id']}")
    assert sorted(r["party"] for r in session["reports"]) == sorted(ids[1:])  # every holder acknowledged

    refused = subprocess.run([*abci_mpc_command(), "tx", "sign", "k1", "s3", digest.hex(), "--key",
                              str(net.requester_key), "--node", net.validators[0].rpc_url],
                             capture_output=True, text=True)
    assert refused.returncode == 1 and "KEY_DELETED" in refused.stderr
    assert_same_app_hash(net, [0, 1, 2, 3])


def test_bench_chain_on_the_running_localnet(net):
    res = subprocess.run([*abci_mpc_command(), "bench", "chain", "--dir", str(net.dir), "--requests", "3", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    sign = report["sign"]
    assert report["validators"] == 4 and report["keygen_s"] > 0 and report["keygen_blocks"] >= 1
    assert sign["requests"] == 3 and 0 < sign["latency_p50_s"] <= sign["latency_p99_s"] <= sign["latency_max_s"]
    assert 1 <= sign["blocks_p50"] <= sign["blocks_max"]
    assert net.running()  # a localnet it did not start is left running


def test_signing_survives_a_stopped_validator_and_it_catches_up(net):
    ids = net.node_ids
    key = cli(net, "tx", "keygen", "k2", "--threshold", "2", "--parties", ",".join(ids))["key"]

    # Stop the worst one: the smallest node ID leads signing and runs the presignature pool.
    down = ids.index(min(ids))
    up = (down + 1) % 4
    net.stop([down], progress=lambda _m: None)
    assert net.validators[down].pid("node") is None and net.validators[down].pid("app") is None
    digest = eth_digest(2)
    sig = cli(net, "tx", "sign", "k2", "s1", digest.hex(), node=up)["signature"]
    verify_independently(key["pubkey"], digest, sig)
    assert query(net, "/signature/k2/s1", node=up)["submitted_by"] != ids[down]
    height_while_down = net.validators[up].rpc().latest_height()

    net.start([down], progress=lambda _m: None)
    net.wait_ready(60, which=[down], progress=lambda _m: None)
    assert net.validators[down].rpc().latest_height() >= height_while_down
    assert query(net, "/signature/k2/s1", node=down)["r"] == sig["r"]  # replayed to the same state
    assert_same_app_hash(net, [0, 1, 2, 3])

    # The restarted party takes part again: a keygen needs every one of the four.
    k3 = cli(net, "tx", "keygen", "k3", "--threshold", "1", "--parties", ",".join(ids), node=up, timeout=240)
    assert k3["key"]["status"] == "READY", logs(net)
