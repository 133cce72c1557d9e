"""Engine layer: MPC sessions over a Transport, a crypto process pool, the presignature pool.

Public API: `Engine`, `EngineConfig`, the request/result types and identities in `api`,
the `Transport` interface and its in-memory (`memory`) and loopback TCP (`tcp`)
implementations. Life cycle and frames: docs/engine.md.
"""

from .api import (BlameRecord, DeleteAcked, DeleteRequest, KeygenDone, KeygenRequest, LocalIdentity,
                  PartyIdentity, RefreshDone, RefreshRequest, Request, ReshareDone, ReshareRequest, Result,
                  SessionFailed, SignDone, SignRequest)
from .config import EngineConfig
from .engine import Engine
from .pool import CryptoPool
from .transport import Transport

__all__ = [
    "BlameRecord", "CryptoPool", "DeleteAcked", "DeleteRequest", "Engine", "EngineConfig", "KeygenDone",
    "KeygenRequest", "LocalIdentity", "PartyIdentity", "RefreshDone", "RefreshRequest", "Request",
    "ReshareDone", "ReshareRequest", "Result", "SessionFailed", "SignDone", "SignRequest", "Transport",
]
