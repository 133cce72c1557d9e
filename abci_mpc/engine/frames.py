"""Frame codec: bytes from a peer -> a checked `Frame`, and requests <-> protobuf."""

from __future__ import annotations

from google.protobuf.message import DecodeError

from . import api
from .engine_pb2 import Frame, Request

VERSION = 1
MAX_SESSION_ID = 64


class FrameError(Exception):
    """A frame from a peer is malformed. Safe to log: it names no secret."""


def encode(session: bytes, **kind) -> bytes:
    return Frame(version=VERSION, session=session, **kind).SerializeToString(deterministic=True)


def decode(data: bytes, max_bytes: int) -> Frame:
    if len(data) > max_bytes:
        raise FrameError(f"frame of {len(data)} bytes exceeds {max_bytes}")
    frame = Frame()
    try:
        frame.ParseFromString(data)
    except (DecodeError, ValueError):
        raise FrameError("undecodable frame") from None
    if frame.version != VERSION:
        raise FrameError(f"unsupported frame version {frame.version}")
    if not 1 <= len(frame.session) <= MAX_SESSION_ID:
        raise FrameError("session id must be 1..64 bytes")
    if frame.WhichOneof("kind") is None:
        raise FrameError("frame has no kind")
    return frame


def _timeout(t: float) -> float | None:
    return t if t > 0 else None


def request_to_pb(req: api.Request) -> Request:
    t = req.timeout or 0.0
    if isinstance(req, api.KeygenRequest):
        return Request(keygen=dict(request_id=req.request_id, key_id=req.key_id, threshold=req.threshold,
                                   parties=list(req.parties), timeout=t))
    if isinstance(req, api.SignRequest):
        return Request(sign=dict(request_id=req.request_id, key_id=req.key_id, sign_id=req.sign_id,
                                 digest=req.digest, timeout=t))
    if isinstance(req, api.ReshareRequest):
        return Request(reshare=dict(request_id=req.request_id, key_id=req.key_id, new_threshold=req.new_threshold,
                                    new_parties=list(req.new_parties), timeout=t))
    if isinstance(req, api.RefreshRequest):
        return Request(refresh=dict(request_id=req.request_id, key_id=req.key_id, timeout=t))
    if isinstance(req, api.DeleteRequest):
        return Request(delete=dict(request_id=req.request_id, key_id=req.key_id))
    raise TypeError(f"not a request: {type(req).__name__}")


def request_from_pb(session: bytes, msg: Request) -> api.Request:
    kind = msg.WhichOneof("kind")
    if kind == "keygen":
        m = msg.keygen
        return api.KeygenRequest(session, m.request_id, m.key_id, m.threshold, tuple(m.parties), _timeout(m.timeout))
    if kind == "sign":
        m = msg.sign
        return api.SignRequest(session, m.request_id, m.key_id, m.sign_id, m.digest, _timeout(m.timeout))
    if kind == "reshare":
        m = msg.reshare
        return api.ReshareRequest(session, m.request_id, m.key_id, m.new_threshold, tuple(m.new_parties),
                                  _timeout(m.timeout))
    if kind == "refresh":
        m = msg.refresh
        return api.RefreshRequest(session, m.request_id, m.key_id, _timeout(m.timeout))
    if kind == "delete":
        m = msg.delete
        return api.DeleteRequest(session, m.request_id, m.key_id)
    raise FrameError("request has no kind")
