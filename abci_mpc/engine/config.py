"""Engine settings. Every duration is in seconds."""

from __future__ import annotations

from dataclasses import dataclass, field


def _deadlines() -> dict[str, float]:
    return {"keygen": 180.0, "sign": 60.0, "reshare": 240.0, "refresh": 240.0, "delete": 30.0}


@dataclass
class EngineConfig:
    # Standalone mode: run requests that a peer's Prepare frame carries. Off in chain
    # mode, where every node takes requests from consensus only.
    accept_peer_requests: bool = False
    # Default deadline per request kind (a request's own `timeout` wins).
    deadlines: dict[str, float] = field(default_factory=_deadlines)
    # Crypto worker processes, when the engine makes its own pool.
    workers: int = 2
    worker_nice: int = 5
    paillier_bits: int = 2048
    # Paillier keys kept ready in the background, so an aux-info run starts at once.
    paillier_stash: int = 1
    # Presignature pool: presignatures kept per key for its default signer set; how many
    # pool sessions may run at once per key, and their deadline.
    presig_target: int = 4
    presig_concurrency: int = 1
    presig_deadline: float = 180.0
    presig_advertise: int = 256  # at most this many ids in a Ready
    # Signing: the leader waits this long for more Ready answers once t+1 are in (so the
    # default signer set, which owns the presignatures, gets a chance); a leader of rank k
    # acts only when no Start came `k * leader_failover` after its own Ready.
    ready_grace: float = 0.5
    leader_failover: float = 3.0
    # Frames for sessions this node does not know yet (its request has not arrived).
    limbo_ttl: float = 30.0
    limbo_max_frames: int = 4096
    limbo_max_per_session: int = 256
    # Envelopes buffered per session before its tss run starts.
    max_early_envelopes: int = 256
    max_frame_bytes: int = 8 << 20
    max_sessions: int = 10_000
    # Finished session ids remembered, so late frames are dropped instead of parked in limbo.
    finished_memory: int = 20_000
    share_cache: int = 256
    # At start, move every object alive so far (modules, descriptors, ...) out of the
    # garbage collector's reach (gc.freeze): full collections then scan only live session
    # state, which keeps their pauses on the event loop short. Process-wide, hence optional.
    gc_freeze: bool = True

    def deadline(self, kind: str, requested: float | None) -> float:
        if requested is not None and requested > 0:
            return float(requested)
        return float(self.deadlines[kind])
