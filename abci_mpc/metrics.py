"""Prometheus metrics of an abci-mpc process, and the HTTP endpoint that serves them.

The engine and the bridge client call the small hook functions below; `serve(address)`
exposes everything on `http://address/metrics`. Names and meanings: docs/observability.md.

Every metric lives in this module's own registry (`REGISTRY`), apart from other libraries'
metrics; a process with several engines (tests) simply reports their sum. Label values are
drawn from small fixed sets (protocol names, drop reasons); key ids appear only on the
presignature gauge, one series per key this node holds.

This module sits beside the layers, not in one: any layer may import it, and it imports
nothing from abci_mpc.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "FAILED",
    "REGISTRY",
    "SKIPPED",
    "SUCCEEDED",
    "MetricsServer",
    "bridge_connected",
    "bridge_peers",
    "frame_dropped",
    "frame_in",
    "frame_out",
    "parse_address",
    "serve",
    "session_ended",
    "session_rejected",
    "session_started",
    "unwatch_presignatures",
    "watch_presignatures",
]

REGISTRY = CollectorRegistry(auto_describe=True)

# Session outcomes. SKIPPED: the session ended quietly because this node had no part to play
# (not a party, or not among the signers chosen); it is neither a success nor a failure.
SUCCEEDED, FAILED, SKIPPED = "succeeded", "failed", "skipped"
OUTCOMES = (SUCCEEDED, FAILED, SKIPPED)
LAYERS = ("engine", "bridge")

# From 10 ms (a warm signature's online round on loopback) to 30 min (keygen with
# safe-prime generation on a loaded machine, or a long deadline).
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)

_started = Counter("abci_mpc_sessions_started", "Sessions started on this node, by protocol.",
                   ["protocol"], registry=REGISTRY)
_succeeded = Counter("abci_mpc_sessions_succeeded", "Sessions that ended with a result, by protocol.",
                     ["protocol"], registry=REGISTRY)
_failed = Counter("abci_mpc_sessions_failed", "Sessions that failed (deadline, abort, blame, refusal), by protocol.",
                  ["protocol"], registry=REGISTRY)
_skipped = Counter("abci_mpc_sessions_skipped",
                   "Sessions this node ended quietly because it had no part in them, by protocol.",
                   ["protocol"], registry=REGISTRY)
_active = Gauge("abci_mpc_sessions_active", "Sessions running now, by protocol.", ["protocol"], registry=REGISTRY)
_duration = Histogram("abci_mpc_session_duration_seconds",
                      "Wall time from a session's start on this node to its outcome, by protocol and outcome.",
                      ["protocol", "outcome"], buckets=DURATION_BUCKETS, registry=REGISTRY)
_frames_in = Counter("abci_mpc_frames_received", "Frames received, by layer (engine, bridge).",
                     ["layer"], registry=REGISTRY)
_frames_out = Counter("abci_mpc_frames_sent", "Frames sent, by layer (engine, bridge).", ["layer"], registry=REGISTRY)
_frames_dropped = Counter("abci_mpc_frames_dropped", "Frames dropped, by layer and reason.",
                          ["layer", "reason"], registry=REGISTRY)
_bridge_peers = Gauge("abci_mpc_bridge_peers", "MPC peers connected through the node's bridge.", registry=REGISTRY)
_bridge_up = Gauge("abci_mpc_bridge_connected", "1 while the bridge to the CometBFT node is connected, else 0.",
                   registry=REGISTRY)

_REASON = re.compile(r"[a-z0-9_]{1,40}")


# -- hooks ------------------------------------------------------------------------------------
def session_started(protocol: str) -> float:
    """Counts a session start; returns the start time to hand back to `session_ended`."""
    _started.labels(protocol).inc()
    _active.labels(protocol).inc()
    return time.monotonic()


def session_ended(protocol: str, outcome: str, started: float) -> None:
    """Counts a session's outcome (SUCCEEDED, FAILED or SKIPPED) and observes its duration."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown session outcome {outcome!r}")
    {SUCCEEDED: _succeeded, FAILED: _failed, SKIPPED: _skipped}[outcome].labels(protocol).inc()
    _active.labels(protocol).dec()
    _duration.labels(protocol, outcome).observe(max(0.0, time.monotonic() - started))


def session_rejected(protocol: str) -> None:
    """A request refused before any session ran (invalid, engine busy): started and failed at once."""
    _started.labels(protocol).inc()
    _failed.labels(protocol).inc()
    _duration.labels(protocol, FAILED).observe(0.0)


def frame_in(layer: str) -> None:
    _frames_in.labels(_layer(layer)).inc()


def frame_out(layer: str, n: int = 1) -> None:
    _frames_out.labels(_layer(layer)).inc(n)


def frame_dropped(layer: str, reason: str, n: int = 1) -> None:
    """`reason` is a short snake_case word from a fixed set (never text from a peer)."""
    if not _REASON.fullmatch(reason):
        reason = "other"
    _frames_dropped.labels(_layer(layer), reason).inc(n)


def bridge_peers(n: int) -> None:
    _bridge_peers.set(n)


def bridge_connected(up: bool) -> None:
    _bridge_up.set(1 if up else 0)


def _layer(layer: str) -> str:
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    return layer


# -- presignature pool sizes, read at scrape time -----------------------------------------------
class _PresigCollector(Collector):
    """abci_mpc_presignatures{key}: summed over every watched source (one per engine)."""

    def __init__(self) -> None:
        self._sources: list[weakref.WeakMethod | Callable[[], Mapping[str, int]]] = []
        self._lock = threading.Lock()

    def watch(self, source: Callable[[], Mapping[str, int]]) -> None:
        ref = weakref.WeakMethod(source) if hasattr(source, "__self__") else source
        with self._lock:
            self._sources.append(ref)

    def unwatch(self, source: Callable[[], Mapping[str, int]]) -> None:
        with self._lock:
            self._sources = [s for s in self._sources if _deref(s) not in (None, source)]

    def describe(self):
        return [GaugeMetricFamily("abci_mpc_presignatures", _PRESIG_HELP, labels=["key"])]

    def collect(self):
        totals: dict[str, int] = {}
        with self._lock:
            sources = [f for f in map(_deref, self._sources) if f is not None]
        for fn in sources:
            try:
                counts = fn()
            except Exception:  # noqa: BLE001 - a scrape must never break the process it watches
                continue
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + int(n)
        family = GaugeMetricFamily("abci_mpc_presignatures", _PRESIG_HELP, labels=["key"])
        for key in sorted(totals):
            family.add_metric([key], totals[key])
        yield family


_PRESIG_HELP = "Presignatures ready in this node's pool, by key id."


def _deref(s):
    return s() if isinstance(s, weakref.WeakMethod) else s


_presigs = _PresigCollector()
REGISTRY.register(_presigs)


def watch_presignatures(source: Callable[[], Mapping[str, int]]) -> None:
    """Report `source()` ({key_id: presignatures held}) as abci_mpc_presignatures at every scrape.

    A bound method is held weakly, so a forgotten engine stops being reported."""
    _presigs.watch(source)


def unwatch_presignatures(source: Callable[[], Mapping[str, int]]) -> None:
    _presigs.unwatch(source)


# -- the endpoint -------------------------------------------------------------------------------
@dataclass
class MetricsServer:
    host: str
    port: int
    _server: object
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def parse_address(address: str) -> tuple[str, int]:
    """'host:port', ':port' (all interfaces), '[::1]:port', optionally with tcp:// or http://."""
    text = re.sub(r"^(tcp|http)://", "", address.strip()).rstrip("/")
    m = re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]*):(\d{1,5})", text)
    if not m or int(m.group(2)) > 65535:
        raise ValueError(f"metrics address {address!r}: want HOST:PORT, e.g. 127.0.0.1:26661 or :26661")
    return m.group(1).strip("[]") or "0.0.0.0", int(m.group(2))


def serve(address: str) -> MetricsServer:
    """Serve /metrics on `address` from a daemon thread; port 0 picks a free port.

    Raises ValueError for a malformed address and OSError if it cannot be bound."""
    host, port = parse_address(address)
    server, thread = start_http_server(port, host, registry=REGISTRY)
    return MetricsServer(host, server.server_port, server, thread)
