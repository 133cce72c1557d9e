"""ABCI listen addresses in CometBFT's ``proxy_app`` syntax: ``tcp://host:port`` or ``unix://path``."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AddressError", "ListenAddress"]


class AddressError(ValueError):
    """The address string cannot be listened on."""


@dataclass(frozen=True)
class ListenAddress:
    scheme: str  # "tcp" or "unix"
    host: str = ""
    port: int = 0
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        """Parses ``tcp://host:port``, ``unix://path``, or a bare ``host:port`` (tcp, like CometBFT)."""
        scheme, sep, rest = text.partition("://")
        if not sep:
            scheme, rest = "tcp", text
        if scheme == "unix":
            if not rest:
                raise AddressError(f"{text!r}: unix address needs a socket path")
            return cls("unix", path=rest)
        if scheme != "tcp":
            raise AddressError(f"{text!r}: scheme must be tcp:// or unix://")
        host, colon, port_text = rest.rpartition(":")
        if not colon or not port_text.isdigit():
            raise AddressError(f"{text!r}: tcp address needs host:port")
        port = int(port_text)
        if port > 65535:
            raise AddressError(f"{text!r}: port {port} out of range")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]  # bracketed IPv6 literal
        return cls("tcp", host=host or "0.0.0.0", port=port)

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{host}:{self.port}"
