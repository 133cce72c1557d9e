"""ResultSubmitter: the engine's results, as signed result txs, to the node's own RPC.

    submitter = ResultSubmitter(identity.signer, chain_id, NodeRPC(rpc_url))
    submitter.start()
    async for result in engine.results():
        submitter.submit(result)          # never blocks
    submitter.close()

A worker thread sends each result with ``broadcast_tx_sync``. A transient
failure (node unreachable, mempool full, any RPC error) is retried with a fresh
nonce, so a tx the node cached or evicted is never blocked by its own bytes,
with exponential backoff up to ``max_attempts``. A CheckTx rejection is final:
the chain already has this party's report (DUPLICATE_REPORT), the session is
closed (SESSION_CLOSED), or the result is wrong; it is logged, not retried.
Resending is safe because a party's second report for a session is rejected.
"""

from __future__ import annotations

import logging
import queue
import threading

from ..engine import api as engine
from ..tss.identity import Signer
from . import codes, tx_pb2, txs
from .rpc import NodeRPC, NodeUnavailable, RPCError

log = logging.getLogger(__name__)

_STOP = object()
_QUIET_CODES = {codes.DUPLICATE_REPORT, codes.SESSION_CLOSED}


class ResultSubmitter:
    def __init__(
        self, signer: Signer, chain_id: str, rpc: NodeRPC, *,
        max_attempts: int = 10, backoff: float = 0.5, max_backoff: float = 10.0, max_queued: int = 10_000,
    ) -> None:
        self._signer, self._chain_id, self._rpc = signer, chain_id, rpc
        self._max_attempts, self._backoff, self._max_backoff = max_attempts, backoff, max_backoff
        self._queue: queue.Queue = queue.Queue(max_queued)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="result-submitter", daemon=True)
        # Counters, for tests and metrics.
        self.accepted = self.rejected = self.failed = self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stops after the result being sent; results still queued are dropped."""
        self._stopping.set()
        try:
            self._queue.put_nowait(_STOP)
        except queue.Full:
            pass
        if self._thread.is_alive():
            self._thread.join(timeout)

    def submit(self, result: engine.Result) -> None:
        """Queues a result; thread-safe, never blocks. Raises TypeError for a non-result."""
        payload = to_payload(result)
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            self.dropped += 1
            log.error("result queue full: dropped %s for session %s", type(result).__name__, result.session_id.hex())

    def _run(self) -> None:
        while not self._stopping.is_set():
            payload = self._queue.get()
            if payload is _STOP:
                return
            self._send(payload)

    def _send(self, payload) -> None:
        sid = payload.session_id.hex()
        kind = type(payload).__name__
        delay = self._backoff
        for attempt in range(1, self._max_attempts + 1):
            try:
                res = self._rpc.broadcast_tx_sync(txs.build(self._signer, self._chain_id, payload))
            except (NodeUnavailable, RPCError) as exc:
                log.warning("sending %s for session %s failed (attempt %d/%d): %s",
                            kind, sid, attempt, self._max_attempts, exc)
                if self._stopping.wait(delay):
                    return
                delay = min(delay * 2, self._max_backoff)
                continue
            if res.ok:
                self.accepted += 1
                log.info("sent %s for session %s: tx %s", kind, sid, res.hash)
            else:
                self.rejected += 1
                level = logging.INFO if res.code in _QUIET_CODES else logging.WARNING
                log.log(level, "node rejected %s for session %s: %s (%d) %s",
                        kind, sid, codes.NAMES.get(res.code, "?"), res.code, res.log)
            return
        self.failed += 1
        log.error("gave up sending %s for session %s after %d attempts", kind, sid, self._max_attempts)


def to_payload(result: engine.Result):
    """The result tx payload for an engine result."""
    common = {"session_id": result.session_id, "key_id": result.key_id}
    if isinstance(result, engine.KeygenDone):
        return tx_pb2.KeyGenResult(**common, pubkey=result.pubkey)
    if isinstance(result, engine.SignDone):
        return tx_pb2.SignResult(**common, sign_id=result.sign_id, r=result.r.to_bytes(32, "big"),
                                 s=result.s.to_bytes(32, "big"), v=result.v)
    if isinstance(result, engine.ReshareDone):
        return tx_pb2.ReshareResult(**common, pubkey=result.pubkey if result.member else b"", member=result.member)
    if isinstance(result, engine.RefreshDone):
        return tx_pb2.RefreshResult(**common, pubkey=result.pubkey, member=True)
    if isinstance(result, engine.DeleteAcked):
        return tx_pb2.DeleteAck(**common)
    if isinstance(result, engine.SessionFailed):
        return _failure(result)
    raise TypeError(f"not an engine result: {type(result).__name__}")


def _failure(result: engine.SessionFailed) -> tx_pb2.SessionFailure:
    """Fits the report into the tx bounds: text truncated, evidence dropped past the caps
    (the blame itself is kept; its evidence count tells what was lost)."""
    cut = txs.MAX_TEXT_LEN
    msg = tx_pb2.SessionFailure(session_id=result.session_id, key_id=result.key_id,
                                reason=f"{result.protocol}: {result.reason}"[:cut])
    budget = txs.MAX_TX_BYTES - 16 * 1024  # room for the envelope and protobuf overhead
    for b in result.blames[: txs.MAX_BLAMES]:
        accused, reporter = b.accused[: txs.MAX_ID_LEN], b.reporter[: txs.MAX_ID_LEN]
        reason, detail = b.reason[:cut], b.detail[:cut]
        text = len(accused.encode()) + len(reporter.encode()) + len(reason.encode()) + len(detail.encode()) + 32
        if text > budget:
            break
        budget -= text
        evidence = []
        for e in b.evidence[: txs.MAX_EVIDENCE_ITEMS]:
            if len(e) <= txs.MAX_EVIDENCE_BYTES and len(e) + 8 <= budget:
                evidence.append(e)
                budget -= len(e) + 8
        msg.blames.add(accused=accused, reason=reason, round=min(max(0, b.round), 2**32 - 1),
                       detail=detail, evidence=evidence, reporter=reporter)
    return msg
