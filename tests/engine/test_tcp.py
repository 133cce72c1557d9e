"""Loopback TCP transport: authenticated links, encrypted records, reconnection."""

import asyncio
import struct

import pytest

from abci_mpc.engine.api import LocalIdentity
from abci_mpc.engine.link import LinkError, initiate
from abci_mpc.engine.tcp import TcpTransport

NAMES = ("a", "b", "c")


async def _mesh(ids, directory, names=NAMES):
    ts = {p: TcpTransport(ids[p], directory, {}) for p in names}
    for t in ts.values():
        await t.start()
    addrs = {p: ("127.0.0.1", t.port) for p, t in ts.items()}
    for t in ts.values():
        t.connect(addrs)
    for t in ts.values():
        await t.wait_peers(names, 10)
    return ts, addrs


async def _next(t, timeout=5):
    return await asyncio.wait_for(anext(t.incoming()), timeout)


def test_frames_flow_between_authenticated_peers_and_survive_a_restart():
    async def main():
        ids = {p: LocalIdentity.generate(p) for p in NAMES}
        directory = {p: i.public() for p, i in ids.items()}
        ts, addrs = await _mesh(ids, directory)
        try:
            await ts["a"].send("c", b"hello c")
            await ts["c"].send("a", b"hello a")
            assert await _next(ts["c"]) == ("a", b"hello c")
            assert await _next(ts["a"]) == ("c", b"hello a")
            await ts["b"].broadcast(b"all")
            assert await _next(ts["a"]) == ("b", b"all") and await _next(ts["c"]) == ("b", b"all")
            big = bytes(range(256)) * 20000
            await ts["a"].send("b", big)
            assert await _next(ts["b"]) == ("a", big)

            # c restarts on the same port: a (which dials c) reconnects by itself
            await ts["c"].close()
            ts["c"] = TcpTransport(ids["c"], directory, addrs, port=addrs["c"][1])
            await ts["c"].start()
            ts["c"].connect()
            await ts["a"].wait_peers(NAMES, 10)
            await ts["c"].wait_peers(NAMES, 10)
            await ts["a"].send("c", b"again")
            assert await _next(ts["c"]) == ("a", b"again")
        finally:
            for t in ts.values():
                await t.close()
    asyncio.run(main())


def test_impostors_and_tampering_are_refused():
    async def main():
        ids = {p: LocalIdentity.generate(p) for p in NAMES}
        directory = {p: i.public() for p, i in ids.items()}
        ts, addrs = await _mesh(ids, directory)
        try:
            # someone with a fresh key claiming to be "a"
            fake = LocalIdentity.generate("a")
            r, w = await asyncio.open_connection(*addrs["b"])
            with pytest.raises((LinkError, asyncio.IncompleteReadError, ConnectionError)):
                link = await initiate(r, w, fake, directory["b"], 1 << 20)
                await link.send(b"x")
                await link.recv()
            w.close()
            # a dialer must reach the party it expects: "c" answering for "b" is refused
            r, w = await asyncio.open_connection(*addrs["c"])
            with pytest.raises((LinkError, asyncio.IncompleteReadError)):
                await initiate(r, w, ids["a"], directory["b"], 1 << 20)
            w.close()
            # garbage instead of a handshake
            r, w = await asyncio.open_connection(*addrs["b"])
            w.write(struct.pack(">I", 9) + b"notproto!")
            await w.drain()
            assert await r.read() == b""
            w.close()
            await asyncio.sleep(0.1)
            assert ts["b"].stats["handshake_failed"] >= 2 and ts["c"].stats["handshake_failed"] >= 1

            # a flipped bit in a record kills the link; the dialer brings a fresh one up
            link = ts["a"]._links["b"]
            writer = link._writer
            real_write = writer.write
            writer.write = lambda data: real_write(data[:-1] + bytes([data[-1] ^ 1]))
            await ts["a"].send("b", b"tampered")
            writer.write = real_write
            for _ in range(500):
                if ts["a"]._links.get("b") not in (None, link):
                    break
                await asyncio.sleep(0.01)
            assert ts["a"]._links["b"] is not link
            await ts["a"].send("b", b"clean")
            assert await _next(ts["b"]) == ("a", b"clean")  # the tampered record never arrived
        finally:
            for t in ts.values():
                await t.close()
    asyncio.run(main())
