"""MPCApp behind the real abci-mpc-node (single validator, loopback): CheckTx codes at
the RPC client, results sent by ResultSubmitter over RPC, events, query paths, and a
restart that continues from the app's LevelDB. About 15 s.
"""

from __future__ import annotations

import time

import pytest
from coincurve import PublicKey

from abci_mpc.chain import codes, tx_pb2, txs
from abci_mpc.chain.rpc import NodeRPC, RPCError
from abci_mpc.engine import api as engine

from chainutil import FakeParties, MPCNode, new_ecdsa_key

pytestmark = pytest.mark.slow

DIGEST = bytes.fromhex("aa" * 32)


@pytest.fixture
def node(tmp_path_factory):
    n = MPCNode(tmp_path_factory.mktemp("mpcnode"), parties=3, timeout=40)
    try:
        yield n
    finally:
        n.stop()


def poll(fn, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def query(rpc, path):
    res = rpc.abci_query(path)
    return res.json() if res.code == 0 else None


def events(tx_result, type_):
    return [{a["key"]: a["value"] for a in e["attributes"]} for e in tx_result["events"] if e["type"] == type_]


def test_app_behind_the_node(node):
    net = node.net
    node.start()
    node.wait_for_height(1)
    rpc = NodeRPC(node.rpc_url)
    parties = FakeParties(node)
    try:
        _run(node, net, rpc, parties)
    finally:
        parties.close()


def _run(node, net, rpc, parties):
    # CheckTx codes reach the client with codespace and log.
    rejected = {
        codes.MALFORMED: b"not a tx",
        codes.BAD_SIGNATURE: net.keygen("k1", 1, chain_id="another-chain"),
        codes.UNAUTHORIZED: net.keygen("k1", 1, signer=net.outsider),
        codes.UNKNOWN_KEY: net.sign("nope", "s", DIGEST),
        codes.BAD_DIGEST: net.sign("nope", "s", bytes(20)),
        codes.INVALID_PARTIES: net.keygen("k1", 3),
        codes.UNKNOWN_SESSION: net.result(net.ids[0], tx_pb2.DeleteAck(session_id=bytes(16), key_id="k1")),
    }
    for code, tx in rejected.items():
        res = rpc.broadcast_tx_sync(tx)
        assert (res.code, res.codespace) == (code, "mpc"), (codes.NAMES[code], res.log)
        assert res.log

    # Keygen: committed, handed to this node's engine, answered by every party.
    kg = net.keygen("k1", 1)
    res = rpc.broadcast_tx_sync(kg)
    assert res.ok and res.hash == txs.decode(kg).request_id
    assert rpc.broadcast_tx_sync(net.keygen("k1", 2)).code == codes.DUPLICATE_KEY  # pending in the mempool
    committed = rpc.wait_tx(res.hash, timeout=20)
    assert committed["tx_result"]["code"] == 0
    [ev] = events(committed["tx_result"], "mpc.keygen")
    assert ev["key_id"] == "k1" and ev["status"] == "PENDING"
    sid = txs.decode(kg).session_id
    key = poll(lambda: (k := query(rpc, "/key/k1")) and k["status"] == "READY" and k, what="key READY")
    handed = node.app.handed[0]
    assert handed == engine.KeygenRequest(sid, res.hash, "k1", 1, tuple(net.ids))
    session = query(rpc, f"/session/{sid.hex()}")
    assert session["status"] == "DONE" and sorted(r["party"] for r in session["reports"]) == sorted(net.ids)
    assert key["pubkey"] == parties.keys["k1"].public_key.format().hex()
    assert all(s.accepted == 1 for s in parties.submitters.values())

    assert rpc.broadcast_tx_sync(net.keygen("k1", 1)).code == codes.DUPLICATE_KEY
    with pytest.raises(RPCError, match="already exists in cache"):  # the node's own replay guard
        rpc.broadcast_tx_sync(kg)

    # Sign: the signature committed by a party verifies independently.
    sign = net.sign("k1", "s1", DIGEST)
    res = rpc.broadcast_tx_sync(sign)
    assert res.ok
    assert rpc.broadcast_tx_sync(net.sign("k1", "s1", DIGEST)).code == codes.DUPLICATE_SIGN_ID
    sig = poll(lambda: (s := query(rpc, "/signature/k1/s1")) and s["status"] == "DONE" and s, what="signature")
    raw = bytes.fromhex(sig["signature"])
    assert PublicKey.from_signature_and_message(raw, DIGEST, hasher=None).format().hex() == key["pubkey"]
    # The result tx carried an mpc.signature event.
    found = rpc.call("tx_search", query="mpc.signature.sign_id='s1'", prove=False)
    [hit] = found["txs"]
    [ev] = events(hit["tx_result"], "mpc.signature")
    assert (ev["key_id"], ev["r"], ev["s"], ev["v"]) == ("k1", sig["r"], sig["s"], str(sig["v"]))

    # A late result is refused; the submitter counts it as rejected, not retried.
    late = parties.submitters[net.ids[1]]
    before = late.rejected
    sk = parties.keys["k1"]
    again = sk.sign_recoverable(DIGEST, hasher=None)
    late.submit(engine.SignDone(txs.decode(sign).session_id, "k1", "s1", int.from_bytes(again[:32], "big"),
                                int.from_bytes(again[32:64], "big"), again[64]))
    poll(lambda: late.rejected == before + 1, what="late result rejected")

    # Queries through the node.
    assert rpc.abci_query("/nope").code == codes.QUERY_UNKNOWN_PATH
    assert rpc.abci_query("/key/none").code == codes.QUERY_NOT_FOUND
    assert [k["key_id"] for k in query(rpc, "/keys")["keys"]] == ["k1"]
    assert [p["node_id"] for p in query(rpc, "/parties")["parties"]] == net.ids
    assert query(rpc, f"/blame/{sid.hex()}")["failures"] == []

    # Restart both processes: the app resumes from LevelDB and the chain goes on.
    height = node.app.app.height
    node.stop()
    node.start()
    node.wait_for_height(height + 2)
    assert node.app.app.height >= height + 1
    assert query(rpc, "/key/k1")["status"] == "READY"
    assert node.app.handed == []  # nothing re-executed, nothing handed twice
    assert rpc.broadcast_tx_sync(kg).code == codes.DUPLICATE_TX  # the restarted node's cache is empty
    info = rpc.call("abci_info")["response"]
    assert info["data"] == "abci-mpc" and int(info["last_block_height"]) >= height + 1

    # Delete commits first; acks follow.
    dl = net.delete("k1")
    res = rpc.broadcast_tx_sync(dl)
    assert res.ok
    committed = rpc.wait_tx(res.hash, timeout=20)
    assert query(rpc, "/key/k1")["status"] == "DELETED"
    assert rpc.broadcast_tx_sync(net.sign("k1", "s2", DIGEST)).code == codes.KEY_DELETED
    poll(lambda: query(rpc, f"/session/{txs.decode(dl).session_id.hex()}")["status"] == "DONE", what="delete acks")


def test_submitter_retries_until_the_node_is_up(node):
    """Results queued while the node is down are sent once it is reachable."""
    from abci_mpc.chain.submitter import ResultSubmitter

    net = node.net
    node.start()
    node.wait_for_height(1)
    rpc = NodeRPC(node.rpc_url)
    kg = net.keygen("k1", 1)
    rpc.wait_tx(rpc.broadcast_tx_sync(kg).hash, timeout=20)
    node.stop()
    _, pk = new_ecdsa_key()
    submitters = [ResultSubmitter(p.signer, net.chain_id, NodeRPC(node.rpc_url, timeout=2), backoff=0.2)
                  for p in net.parties]
    try:
        for s in submitters:
            s.start()
            s.submit(engine.KeygenDone(txs.decode(kg).session_id, "k1", pk))
        time.sleep(1.0)  # a few failed attempts while the node is down
        node.start()
        poll(lambda: (k := query(rpc, "/key/k1") if _up(rpc) else None) and k["status"] == "READY",
             timeout=30, what="key READY after the node came back")
        assert all(s.accepted == 1 and s.failed == 0 for s in submitters)
    finally:
        for s in submitters:
            s.close()


def _up(rpc) -> bool:
    try:
        rpc.status()
        return True
    except Exception:
        return False


def test_rpc_errors_are_typed(node):
    node.start()
    node.wait_for_height(1)
    rpc = NodeRPC(node.rpc_url)
    with pytest.raises(RPCError):
        rpc.call("no_such_method")
    assert rpc.tx("00" * 32) is None
    assert rpc.chain_id() == node.net.chain_id
