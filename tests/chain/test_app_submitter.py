"""ResultSubmitter: engine results become result txs the app accepts; transient
failures are retried with a fresh nonce, rejections are final. The RPC here
feeds the real app's CheckTx; test_app_node.py covers the real node's RPC."""

from __future__ import annotations

import threading
import time

import pytest

from abci_mpc.chain import codes, txs
from abci_mpc.chain.rpc import BroadcastResult, NodeUnavailable, RPCError
from abci_mpc.chain.submitter import ResultSubmitter, to_payload
from abci_mpc.engine import api as engine

from chainutil import AppHarness, TestGenesis, new_ecdsa_key

DIGEST = bytes(range(32))


class AppRPC:
    """broadcast_tx_sync into an AppHarness's CheckTx, after some scripted failures."""

    def __init__(self, chain: AppHarness, failures=()):
        self.chain, self.failures = chain, list(failures)
        self.sent: list[bytes] = []
        self.lock = threading.Lock()

    def broadcast_tx_sync(self, tx: bytes) -> BroadcastResult:
        with self.lock:
            self.sent.append(tx)
            if self.failures:
                raise self.failures.pop(0)
            code, log = self.chain.check(tx)
            return BroadcastResult(code, log, "mpc" if code else "", txs.decode(tx).request_id)


def wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture
def net():
    return TestGenesis.make(parties=3, timeout=20)


@pytest.fixture
def chain(tmp_path, net):
    c = AppHarness(tmp_path / "app", net)
    yield c
    c.app.close()


def submitter(net, rpc, party=0, **kw):
    s = ResultSubmitter(net.parties[party].signer, net.chain_id, rpc, backoff=0.01, **kw)
    s.start()
    return s


def test_engine_results_become_accepted_result_txs(chain, net):
    kg = net.keygen("k1", 1)
    chain.block(kg)
    sid = txs.decode(kg).session_id
    sk, pk = new_ecdsa_key()
    for i, party in enumerate(net.ids):
        code, log = chain.check(txs.build(net.parties[i].signer, net.chain_id,
                                          to_payload(engine.KeygenDone(sid, "k1", pk))))
        assert code == codes.OK, log
    chain.block(*[txs.build(net.parties[i].signer, net.chain_id, to_payload(engine.KeygenDone(sid, "k1", pk)))
                  for i in range(3)])
    assert chain.q("/key/k1")["status"] == "READY"

    sign = net.sign("k1", "s1", DIGEST)
    chain.block(sign)
    raw = sk.sign_recoverable(DIGEST, hasher=None)
    done = engine.SignDone(txs.decode(sign).session_id, "k1", "s1", int.from_bytes(raw[:32], "big"),
                           int.from_bytes(raw[32:64], "big"), raw[64])
    chain.block(txs.build(net.parties[1].signer, net.chain_id, to_payload(done)))
    assert chain.q("/signature/k1/s1")["signature"] == raw.hex()

    rs = net.reshare("k1", 1, net.ids[:2])
    chain.block(rs)
    rsid = txs.decode(rs).session_id
    results = [engine.ReshareDone(rsid, "k1", pk, True), engine.ReshareDone(rsid, "k1", pk, True),
               engine.ReshareDone(rsid, "k1", pk, False)]
    chain.block(*[txs.build(net.parties[i].signer, net.chain_id, to_payload(r)) for i, r in enumerate(results)])
    assert chain.q("/key/k1")["parties"] == net.ids[:2]

    rf = net.refresh("k1")
    chain.block(rf)
    chain.block(*[txs.build(net.parties[i].signer, net.chain_id,
                            to_payload(engine.RefreshDone(txs.decode(rf).session_id, "k1", pk))) for i in range(2)])
    assert chain.q("/key/k1")["generation"] == 2

    dl = net.delete("k1")
    chain.block(dl)
    chain.block(*[txs.build(net.parties[i].signer, net.chain_id,
                            to_payload(engine.DeleteAcked(txs.decode(dl).session_id, "k1"))) for i in range(2)])
    assert chain.q(f"/session/{txs.decode(dl).session_id.hex()}")["status"] == "DONE"


def test_session_failed_is_fitted_into_the_tx_bounds(chain, net):
    kg = net.keygen("k1", 1)
    chain.block(kg)
    sid = txs.decode(kg).session_id
    huge = engine.BlameRecord(accused=net.ids[1] * 10, reason="BAD_PROOF" * 500, round=3, detail="d" * 5000,
                              evidence=tuple(bytes([i]) * 60_000 for i in range(40)) + (bytes(70_000),),
                              reporter=net.ids[2])
    failed = engine.SessionFailed(sid, "k1", "keygen", tuple([huge] * 300), "x" * 5000)
    raw = txs.build(net.parties[0].signer, net.chain_id, to_payload(failed))
    assert len(raw) <= txs.MAX_TX_BYTES
    assert chain.check(raw)[0] == codes.OK
    chain.block(raw)
    [f] = chain.q(f"/blame/{sid.hex()}")["failures"]
    assert f["reason"].startswith("keygen: xxx")
    first = f["blames"][0]
    assert first["reporter"] == net.ids[2] and len(first["accused"]) == txs.MAX_ID_LEN
    assert len(first["detail"]) == len(first["reason"]) == txs.MAX_TEXT_LEN
    # Evidence is kept whole, in order, while the budget lasts; the over-cap item never.
    assert 10 <= first["evidence_items"] <= txs.MAX_EVIDENCE_ITEMS
    assert [bytes.fromhex(e) for e in first["evidence"]] == [bytes([i]) * 60_000 for i in range(first["evidence_items"])]
    assert sum(b["evidence_items"] for b in f["blames"]) == first["evidence_items"]


def test_transient_failures_are_retried_with_a_fresh_nonce(chain, net):
    kg = net.keygen("k1", 1)
    chain.block(kg)
    _, pk = new_ecdsa_key()
    rpc = AppRPC(chain, [NodeUnavailable("down"), RPCError("Internal error", "mempool is full")])
    s = submitter(net, rpc)
    s.submit(engine.KeygenDone(txs.decode(kg).session_id, "k1", pk))
    wait_for(lambda: s.accepted == 1)
    s.close()
    assert len(rpc.sent) == 3 and len(set(rpc.sent)) == 3
    assert len({txs.decode(t).nonce for t in rpc.sent}) == 3
    assert (s.rejected, s.failed) == (0, 0)


def test_rejections_are_final_and_give_up_is_counted(chain, net):
    rpc = AppRPC(chain)
    s = submitter(net, rpc, max_attempts=3)
    s.submit(engine.DeleteAcked(bytes(16), "k1"))  # no such session
    wait_for(lambda: s.rejected == 1)
    assert len(rpc.sent) == 1
    rpc.failures = [NodeUnavailable("down")] * 3
    s.submit(engine.DeleteAcked(bytes(16), "k1"))
    wait_for(lambda: s.failed == 1)
    assert len(rpc.sent) == 4
    s.close()


def test_submit_never_blocks_and_checks_its_argument(chain, net):
    rpc = AppRPC(chain, [NodeUnavailable("down")] * 1000)
    s = ResultSubmitter(net.parties[0].signer, net.chain_id, rpc, backoff=10, max_queued=2)
    s.start()
    with pytest.raises(TypeError):
        s.submit(engine.KeygenRequest(bytes(16), "r", "k", 1, ("a", "b")))
    start = time.monotonic()
    for _ in range(5):
        s.submit(engine.DeleteAcked(bytes(16), "k1"))
    assert time.monotonic() - start < 0.5
    wait_for(lambda: s.dropped >= 2)
    s.close(timeout=2)  # interrupts the 10 s backoff
    assert time.monotonic() - start < 3
