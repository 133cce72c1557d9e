"""Length-delimited frames as CometBFT's ``protoio`` package writes them (sans-I/O).

Each frame is an unsigned LEB128 varint holding the payload length, then the
payload. CometBFT's reader (``libs/protoio/reader.go``) uses Go's
``binary.ReadUvarint``: at most 10 length bytes, no overflow past 64 bits, and a
length below 2**63. We enforce the same rules plus our own size cap, and report
each violation as a distinct :class:`FrameError` so a bad peer can be logged
and dropped without guessing what went wrong.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "FrameDecoder",
    "FrameError",
    "MalformedLength",
    "OversizeFrame",
    "TruncatedFrame",
    "encode_frame",
    "encode_uvarint",
]

# Large enough for a FinalizeBlock carrying a full default-sized block
# (consensus block.max_bytes defaults to 21 MiB) plus per-tx results.
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024

_MAX_VARINT_BYTES = 10  # ceil(64 / 7), Go's binary.MaxVarintLen64
_MAX_LENGTH = (1 << 63) - 1  # Go rejects lengths that do not fit an int


class FrameError(Exception):
    """The byte stream is not a sequence of valid frames; the connection is unusable."""


class MalformedLength(FrameError):
    """The length prefix is not a valid unsigned varint."""


class OversizeFrame(FrameError):
    """The announced payload length exceeds the configured maximum."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"frame of {length} bytes exceeds the {limit}-byte limit")
        self.length = length
        self.limit = limit


class TruncatedFrame(FrameError):
    """The stream ended in the middle of a frame."""


def encode_uvarint(value: int) -> bytes:
    if not 0 <= value <= _MAX_LENGTH:
        raise ValueError(f"varint value out of range: {value}")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_frame(payload: bytes) -> bytes:
    return encode_uvarint(len(payload)) + payload


class FrameDecoder:
    """Incremental decoder: :meth:`feed` bytes as they arrive, get whole payloads back.

    After a :class:`FrameError` the decoder is poisoned (every later call
    raises it again), because there is no way to find the next frame boundary.
    """

    def __init__(self, max_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if max_size < 0:
            raise ValueError("max_size must be non-negative")
        self._max_size = max_size
        self._buf = bytearray()
        self._need: int | None = None  # payload length once the prefix is parsed
        self._error: FrameError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as part of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        if self._error is not None:
            raise self._error
        self._buf += data
        frames: list[bytes] = []
        try:
            while True:
                if self._need is None:
                    self._need = self._parse_length()
                    if self._need is None:
                        break
                if len(self._buf) < self._need:
                    break
                frames.append(bytes(self._buf[: self._need]))
                del self._buf[: self._need]
                self._need = None
        except FrameError as exc:
            self._error = exc
            self._buf.clear()
            raise
        return frames

    def close(self) -> None:
        """Declares end of stream; raises :class:`TruncatedFrame` if a frame was cut short."""
        if self._error is not None:
            raise self._error
        if self._buf or self._need is not None:
            want = "length prefix" if self._need is None else f"{self._need}-byte payload"
            self._error = TruncatedFrame(
                f"stream ended with {len(self._buf)} bytes of an incomplete {want}"
            )
            raise self._error

    def _parse_length(self) -> int | None:
        """Consumes a complete length prefix, or returns None if more bytes are needed."""
        value = 0
        for i, byte in enumerate(self._buf):
            if i == _MAX_VARINT_BYTES:
                break
            if i == _MAX_VARINT_BYTES - 1 and byte > 1:
                raise MalformedLength("length prefix overflows 64 bits")
            value |= (byte & 0x7F) << (7 * i)
            if byte < 0x80:
                del self._buf[: i + 1]
                if value > _MAX_LENGTH:
                    raise MalformedLength(f"length prefix {value} out of range")
                if value > self._max_size:
                    raise OversizeFrame(value, self._max_size)
                return value
        if len(self._buf) >= _MAX_VARINT_BYTES:
            raise MalformedLength(f"length prefix longer than {_MAX_VARINT_BYTES} bytes")
        return None
