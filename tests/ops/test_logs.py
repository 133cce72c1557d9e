"""Structured logs: the key=value and JSON formats, the session/key context fields, and a
keygen + presign + sign through four in-memory engines logged at DEBUG without a trace of
any secret (shares, Paillier and ring-Pedersen factors, store keys, identity keys)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc import logs
from abci_mpc.engine.api import KeygenRequest, SignRequest
from abci_mpc.tss.serialize import key_share_from_bytes

from enginehelpers import NAMES, MemCluster, digest, sid, verify

_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"]+)')


def parse_kv(line: str) -> dict[str, str]:
    """Inverse of the text format: the whole line must be key=value pairs separated by spaces."""
    out, pos = {}, 0
    for m in _PAIR.finditer(line):
        assert line[pos:m.start()].strip() == "", f"junk between fields in {line!r}"
        v = m.group(2)
        out[m.group(1)] = json.loads(v) if v.startswith('"') else v
        pos = m.end()
    assert line[pos:].strip() == "", f"junk after the fields in {line!r}"
    return out


@pytest.fixture
def captured():
    """Yields (setup(fmt) -> stream); restores the root logger afterwards."""
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    streams = []

    def setup(fmt="text", level="debug"):
        s = io.StringIO()
        logs.setup(level, fmt, s)
        streams.append(s)
        return s

    yield setup
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[1]:
        root.addHandler(h)
    root.setLevel(saved[0])


@given(st.text(), st.text(min_size=1))
def test_text_values_round_trip_and_never_break_the_line(msg, session):
    rec = logging.LogRecord("abci_mpc.x", logging.INFO, __file__, 1, "%s", (msg,), None)
    rec.session = session
    line = logs.KeyValueFormatter().format(rec)
    assert "\n" not in line and "\r" not in line and len(line.splitlines()) == 1
    fields = parse_kv(line)
    assert fields["msg"] == msg and fields["session"] == session and fields["level"] == "info"


@given(st.text())
def test_json_lines_round_trip(msg):
    rec = logging.LogRecord("abci_mpc.x", logging.WARNING, __file__, 1, msg, (), None)
    line = logs.JsonFormatter().format(rec)
    assert len(line.splitlines()) == 1
    assert json.loads(line)["msg"] == msg


def test_fields_follow_tasks_and_end_with_the_block(captured):
    out = captured("text")
    log = logging.getLogger("abci_mpc.test")

    async def session_task(n):
        logs.set_fields(session=f"s{n}", key=f"k{n}")
        await asyncio.sleep(0)
        log.info("in task %d", n)
        await asyncio.create_task(child())  # a child task inherits its parent's fields

    async def child():
        log.info("child")

    async def main():
        await asyncio.gather(session_task(1), session_task(2))
        log.info("outside")
        with logs.fields(session="blk"):
            log.info("in block", extra={"key": "explicit"})
        log.info("after")

    asyncio.run(main())
    lines = [parse_kv(line) for line in out.getvalue().splitlines()]
    by_msg = {}
    for f in lines:
        by_msg.setdefault(f["msg"], []).append(f)
    assert {(f["session"], f["key"]) for f in by_msg["in task 1"] + by_msg["in task 2"]} == {("s1", "k1"), ("s2", "k2")}
    assert {(f["session"], f["key"]) for f in by_msg["child"]} == {("s1", "k1"), ("s2", "k2")}
    assert "session" not in by_msg["outside"][0] and "session" not in by_msg["after"][0]
    assert by_msg["in block"][0]["session"] == "blk" and by_msg["in block"][0]["key"] == "explicit"


def test_json_format_and_exceptions_stay_on_one_line(captured):
    out = captured("json", "info")
    log = logging.getLogger("abci_mpc.test")
    log.debug("below the level")
    with logs.fields(session="ab", key="k"):
        try:
            raise ValueError("bad\nthing")
        except ValueError:
            log.exception("failed")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert rec["level"] == "error" and rec["session"] == "ab" and rec["key"] == "k"
    assert "ValueError: bad\nthing" in rec["exc"] and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["ts"])


def test_setup_refuses_unknown_formats_and_levels_and_replaces_its_handler(captured):
    with pytest.raises(ValueError, match="log format"):
        logs.setup("info", "xml")
    with pytest.raises(ValueError, match="log level"):
        logs.setup("chatty", "text")
    captured("text")
    captured("json")
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "abci-mpc"]
    assert len(ours) == 1


def _secret_strings(c: MemCluster) -> set[str]:
    """Every secret of the cluster, as a log line might spell it."""
    out: set[str] = set()

    def num(n: int) -> None:
        n = int(n)
        h = format(n, "x")
        out.update({h, h.upper(), str(n)})

    def raw(b: bytes) -> None:
        out.update({b.hex(), b.hex().upper()})

    for p in NAMES:
        for rec in c.stores[p].list_keys():
            share = key_share_from_bytes(c.stores[p].latest_ready(rec.key_id).data)
            num(share.x)
            aux = share.aux
            for n in (aux.paillier.p, aux.paillier.q, aux.ped.p, aux.ped.q, aux.ped.lam):
                num(n)
        raw(c.secrets[p]._material)
        ident = c.ids[p]
        raw(ident.signer.seed())
        raw(ident.enc_private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption()))
    return {s for s in out if len(s) >= 16}  # shorter strings could occur by chance


def test_engine_session_lines_carry_session_and_key_and_no_secret(tmp_path, pool, aux4, captured):
    out = captured("text", "debug")

    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            pk = await c.keygen("lk", 1)
            d = digest()
            s, res = await c.sign("lk", d, via="p3", signers=2)
            assert all(verify(pk, d, r) for r in res.values())
            # lines the engine writes about sessions: a duplicate request, an invalid one,
            # a frame for a session that ended, a party not chosen to sign
            c.engines["p0"].submit(KeygenRequest(s, "dup", "lk", 1, NAMES))
            c.engines["p0"].submit(SignRequest(sid(), "req", "lk", "x", b"short"))
            await asyncio.sleep(0.5)
            return s, _secret_strings(c)
        finally:
            await c.close()

    sign_sid, secrets = asyncio.run(main())
    text = out.getvalue()
    lines = text.splitlines()
    assert lines, "nothing was logged"
    session_lines = []
    for line in lines:
        f = parse_kv(line)  # every line is well-formed key=value
        assert {"ts", "level", "logger", "msg"} <= set(f)
        if f["logger"].startswith("abci_mpc.engine") and "session" in f["msg"]:
            session_lines.append(f)
    assert len(session_lines) >= 3, text
    for f in session_lines:
        assert re.fullmatch(r"[0-9a-f]{32,}|-", f.get("session", "")), f
        if "kind=" in f["msg"] or "request" in f["msg"]:  # the session's key is known: it is logged
            assert f.get("key") == "lk", f
    assert any(f.get("session") == sign_sid.hex() and "not chosen" in f["msg"] for f in session_lines)
    assert any("duplicate request" in f["msg"] and f["session"] == sign_sid.hex() for f in session_lines)

    assert len(secrets) > 40
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret value(s) reached the logs"
