"""A small blocking JSON-RPC client for the node's RPC (CometBFT v0.38), stdlib only.

    rpc = NodeRPC("http://127.0.0.1:26657")
    res = rpc.broadcast_tx_sync(raw)        # CheckTx's code and log
    rpc.wait_tx(res.hash, timeout=30)       # the committed tx, or TimeoutError
    rpc.abci_query("/key/k1").json()

Blocking by design: call it from a thread (the ResultSubmitter does), never
from the ABCI event loop.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_NODE = "http://127.0.0.1:26657"


class RPCError(Exception):
    """The node answered with a JSON-RPC error (e.g. "mempool is full")."""

    def __init__(self, message: str, data: str = "", code: int = 0) -> None:
        super().__init__(f"{message}: {data}" if data else message)
        self.message, self.data, self.code = message, data, code


class NodeUnavailable(Exception):
    """No usable answer from the node: connection refused, timeout, or not a JSON-RPC reply."""


@dataclass(frozen=True)
class BroadcastResult:
    code: int
    log: str
    codespace: str
    hash: str  # upper-case hex, as CometBFT prints it

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class QueryResult:
    code: int
    log: str
    codespace: str
    value: bytes
    height: int

    def json(self):
        return json.loads(self.value)


class NodeRPC:
    def __init__(self, url: str = DEFAULT_NODE, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"node URL must look like http://host:port, got {url!r}")
        try:
            parts.port  # noqa: B018 (raises on a bad port)
        except ValueError:
            raise ValueError(f"node URL has a bad port: {url!r}") from None
        self.url, self.timeout = url.rstrip("/"), timeout
        self._id = 0

    def call(self, method: str, **params):
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()  # CometBFT answers JSON-RPC errors with HTTP 500 and a JSON body
        except (OSError, ValueError) as exc:
            raise NodeUnavailable(f"cannot reach node at {self.url}: {exc}") from None
        try:
            reply = json.loads(raw)
        except ValueError:
            raise NodeUnavailable(f"{self.url} did not answer with JSON-RPC") from None
        if not isinstance(reply, dict):
            raise NodeUnavailable(f"{self.url} did not answer with JSON-RPC")
        if reply.get("error"):
            err = reply["error"]
            raise RPCError(str(err.get("message", "error")), str(err.get("data", "")), int(err.get("code", 0)))
        if "result" not in reply:
            raise NodeUnavailable(f"{self.url} did not answer with JSON-RPC")
        return reply["result"]

    def status(self) -> dict:
        return self.call("status")

    def chain_id(self) -> str:
        return self.status()["node_info"]["network"]

    def latest_height(self) -> int:
        return int(self.status()["sync_info"]["latest_block_height"])

    def broadcast_tx_sync(self, tx: bytes) -> BroadcastResult:
        r = self.call("broadcast_tx_sync", tx=base64.b64encode(tx).decode())
        return BroadcastResult(int(r.get("code", 0)), r.get("log", ""), r.get("codespace", ""), r.get("hash", ""))

    def abci_query(self, path: str, data: bytes = b"") -> QueryResult:
        r = self.call("abci_query", path=path, data=data.hex())["response"]
        return QueryResult(
            int(r.get("code", 0)), r.get("log", ""), r.get("codespace", ""),
            base64.b64decode(r.get("value") or ""), int(r.get("height", 0)),
        )

    def tx(self, tx_hash: str | bytes) -> dict | None:
        """The committed tx (with ``height`` and ``tx_result``), or None if not (yet) indexed."""
        raw = bytes.fromhex(tx_hash) if isinstance(tx_hash, str) else tx_hash
        try:
            return self.call("tx", hash=base64.b64encode(raw).decode(), prove=False)
        except RPCError as exc:
            if "not found" in exc.data:
                return None
            raise

    def wait_tx(
        self, tx_hash: str | bytes, timeout: float = 60.0, poll: float = 0.25,
        progress: Callable[[float], None] | None = None,
    ) -> dict:
        """Polls until the tx is committed; ``progress(elapsed)`` is called on every poll."""
        start = time.monotonic()
        while True:
            found = self.tx(tx_hash)
            if found is not None:
                return found
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                raise TimeoutError(f"tx not committed within {timeout:g}s")
            if progress is not None:
                progress(elapsed)
            time.sleep(poll)
