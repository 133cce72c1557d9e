"""Structured logs: one line per record, as key=value text (logfmt) or JSON.

    logs.setup("info", "text")       # once, at process start (abci-mpc start)
    with logs.fields(session=sid.hex(), key=key_id):
        log.info("...")              # this line, and every line of tasks started here, carry both

Context fields live in a contextvar, so they follow asyncio tasks: a task created inside
`fields(...)` (or after `set_fields(...)` in the task itself) tags every line it logs,
whatever module logs it. Records from other threads carry only their own fields.

Secrets never reach these lines because no code logs them; this module does not try to
guess what a secret looks like. Field names and formats: docs/observability.md.

This module sits beside the layers, not in one: any layer may import it, and it imports
nothing from abci_mpc.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
from collections.abc import Iterator, Mapping
from typing import TextIO

__all__ = ["FORMATS", "ContextFilter", "JsonFormatter", "KeyValueFormatter", "fields", "set_fields", "setup"]

FORMATS = ("text", "json")
_EMPTY: Mapping[str, str] = {}
_FIELDS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("abci_mpc_log_fields", default=_EMPTY)
# Attributes every LogRecord has; anything else on a record came from `extra=` or our filter.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}
_HANDLER_NAME = "abci-mpc"
_PLAIN = re.compile(r"[\x21\x23-\x3c\x3e-\x5b\x5d-\x7e]+")  # printable ASCII except space, quote, = and backslash


@contextlib.contextmanager
def fields(**values: object) -> Iterator[None]:
    """Tag every record logged in this block (and in tasks it starts) with `values`."""
    token = _FIELDS.set({**_FIELDS.get(), **{k: str(v) for k, v in values.items()}})
    try:
        yield
    finally:
        _FIELDS.reset(token)


def set_fields(**values: object) -> None:
    """Tag the rest of the current context. Use it at the top of a task's coroutine: an
    asyncio task runs in its own copy of the context, so the fields end with the task."""
    _FIELDS.set({**_FIELDS.get(), **{k: str(v) for k, v in values.items()}})


def current_fields() -> Mapping[str, str]:
    return dict(_FIELDS.get())


class ContextFilter(logging.Filter):
    """Copies the context fields onto each record (explicit `extra=` values win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for k, v in _FIELDS.get().items():
            if k not in record.__dict__:
                setattr(record, k, v)
        return True


def _base(record: logging.LogRecord) -> dict[str, object]:
    out: dict[str, object] = {
        "ts": _timestamp(record.created),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    for k, v in record.__dict__.items():
        if k not in _STANDARD and not k.startswith("_"):
            out[k] = v
    return out


def _timestamp(created: float) -> str:
    ms = int(created * 1000) % 1000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{ms:03d}Z"


class _Formatter(logging.Formatter):
    def fields(self, record: logging.LogRecord) -> dict:
        out = _base(record)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = record.stack_info
        return out


class KeyValueFormatter(_Formatter):
    """`ts=... level=info logger=abci_mpc.engine.engine msg="..." session=... key=...`, one line."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_kv_value(v)}" for k, v in self.fields(record).items())


class JsonFormatter(_Formatter):
    """One JSON object per line, with the same fields as the text format."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(self.fields(record), default=str)


def _kv_value(v: object) -> str:
    s = v if isinstance(v, str) else str(v)
    if s and _PLAIN.fullmatch(s):
        return s
    # json.dumps quotes and escapes \, ", control and non-ASCII characters, so a value (an
    # exception text, a peer-supplied string) can never break the line or forge a field.
    return json.dumps(s)


def setup(level: str | int = "info", fmt: str = "text", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record of the process, at `level` and above, to `stream` (stderr) as
    `fmt` ("text": key=value, "json": JSON lines). Calling it again replaces the handler."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if isinstance(level, str):
        numeric = logging.getLevelName(level.upper())
        if not isinstance(numeric, int):
            raise ValueError(f"unknown log level {level!r} (debug, info, warning, error)")
        level = numeric
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(KeyValueFormatter() if fmt == "text" else JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
