"""What every proof shares: sampling in ranges and the protobuf codec driven by field specs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from typing import ClassVar

from ..codec import DecodeError, Spec


def sample_pm(bound: int) -> int:
    """Uniform integer in [-bound, bound]."""
    bound = int(bound)
    return secrets.randbelow(2 * bound + 1) - bound


def in_range(x: int, bound: int) -> bool:
    return -bound <= x <= bound


@dataclass(frozen=True)
class ProofBase:
    """A proof is a frozen dataclass whose field names match its protobuf message's."""

    NAME: ClassVar[str] = ""
    PB: ClassVar[type] = None  # protobuf message class

    @classmethod
    def specs(cls, stmt) -> dict[str, Spec]:
        raise NotImplementedError

    def encode(self, stmt):
        specs = self.specs(stmt)
        msg = self.PB()
        for f in fields(self):
            setattr(msg, f.name, specs[f.name].encode(getattr(self, f.name)))
        return msg

    @classmethod
    def decode(cls, msg, stmt):
        """Decode untrusted bytes against the statement's parameters; DecodeError names the element."""
        if not isinstance(msg, cls.PB):
            raise DecodeError(f"{cls.NAME}: wrong message type")
        specs = cls.specs(stmt)
        values = {f.name: specs[f.name].decode(getattr(msg, f.name), f"{cls.NAME}.{f.name}") for f in fields(cls)}
        return cls(**values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(...)"
