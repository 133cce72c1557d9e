"""Fiat-Shamir transcripts and hash commitments with an injective encoding.

Every absorbed item is (kind, 8-byte length, bytes) and every value is preceded by its
name, so no two different sequences of items share an encoding: the ambiguity that
TSSHOCK's alpha-shuffle exploited in tss-lib (values joined with a '$' separator) cannot
arise. A challenge is squeezed once, from SHAKE256 over the whole transcript, and the
transcript is then spent, so a caller cannot derive two challenges from one state.

A proof's transcript always starts with its ProofContext: protocol, session (ssid), round,
prover and verifier. A proof made for one session, round, sender or recipient therefore
fails everywhere else, which rules out replay (CVE-2022-47930's class).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .curve import Point, q

DOMAIN = "abci-mpc/v1"


def encode_int(value: int) -> bytes:
    """Sign byte + minimal big-endian magnitude: injective over all integers."""
    value = int(value)
    mag = abs(value)
    return (b"\x01" if value < 0 else b"\x00") + mag.to_bytes((mag.bit_length() + 7) // 8, "big")


class Transcript:
    __slots__ = ("_h", "_spent")

    def __init__(self, label: str):
        self._h = hashlib.shake_256()
        self._spent = False
        self._absorb(b"D", DOMAIN.encode())
        self._absorb(b"L", label.encode())

    def _absorb(self, kind: bytes, data: bytes) -> None:
        if self._spent:
            raise RuntimeError("transcript already produced its challenge")
        self._h.update(kind + len(data).to_bytes(8, "big") + data)

    def _name(self, name: str) -> None:
        self._absorb(b"n", name.encode())

    def bytes(self, name: str, data: bytes) -> Transcript:
        self._name(name)
        self._absorb(b"b", bytes(data))
        return self

    def str(self, name: str, value: str) -> Transcript:
        self._name(name)
        self._absorb(b"s", value.encode())
        return self

    def int(self, name: str, value: int) -> Transcript:
        self._name(name)
        self._absorb(b"i", encode_int(value))
        return self

    def ints(self, name: str, values) -> Transcript:
        values = list(values)
        self._name(name)
        self._absorb(b"c", len(values).to_bytes(8, "big"))
        for v in values:
            self._absorb(b"i", encode_int(v))
        return self

    def point(self, name: str, p: Point) -> Transcript:
        self._name(name)
        self._absorb(b"p", p.to_bytes())
        return self

    def points(self, name: str, pts) -> Transcript:
        pts = list(pts)
        self._name(name)
        self._absorb(b"c", len(pts).to_bytes(8, "big"))
        for p in pts:
            self._absorb(b"p", p.to_bytes())
        return self

    # -- squeezing (each spends the transcript) -------------------------------------
    def _stream(self, nbytes: int) -> bytes:
        self._absorb(b"X", nbytes.to_bytes(8, "big"))  # binds the output length too
        self._spent = True
        return self._h.digest(nbytes)

    def digest(self, nbytes: int = 32) -> bytes:
        return self._stream(nbytes)

    def challenge_pm(self, bound: int = q) -> int:
        """Uniform e in [-bound, bound] (statistical distance < 2^-128)."""
        span = 2 * bound + 1
        nbytes = (span.bit_length() + 128 + 7) // 8
        return int.from_bytes(self._stream(nbytes), "big") % span - bound

    def challenge_scalar(self) -> int:
        """Uniform e in Z_q."""
        return int.from_bytes(self._stream(48), "big") % q

    def challenge_residues(self, modulus: int, count: int) -> list[int]:
        """`count` independent uniform elements of Z_modulus."""
        width = (int(modulus).bit_length() + 128 + 7) // 8
        stream = self._stream(width * count)
        return [int.from_bytes(stream[i * width : (i + 1) * width], "big") % int(modulus) for i in range(count)]

    def challenge_bits(self, count: int) -> list[int]:
        stream = int.from_bytes(self._stream((count + 7) // 8), "big")
        return [(stream >> i) & 1 for i in range(count)]


@dataclass(frozen=True)
class ProofContext:
    """Who proves what to whom, where. `verifier=None` means a proof for every party."""

    protocol: str
    ssid: bytes
    round: int
    prover: str
    verifier: str | None = None

    def transcript(self, proof: str) -> Transcript:
        t = Transcript(f"zk/{proof}")
        t.str("protocol", self.protocol).bytes("ssid", self.ssid).int("round", self.round)
        t.str("prover", self.prover)
        t.bytes("verifier", b"\x00" if self.verifier is None else b"\x01" + self.verifier.encode())
        return t

    def to(self, verifier: str | None) -> ProofContext:
        return ProofContext(self.protocol, self.ssid, self.round, self.prover, verifier)


def commit_hash(label: str, build) -> bytes:
    """Hash commitment: V = H(label, fields...), `build` absorbs the fields (incl. randomness u)."""
    t = Transcript(f"commit/{label}")
    build(t)
    return t.digest(32)
