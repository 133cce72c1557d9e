"""The Prometheus endpoint, scraped over real HTTP: after driving four in-memory engines
(keygen, presignature pool, signing, a rejected request, dropped frames), and after moving
payloads between two real abci-mpc-node processes through their bridges.

Metrics are process-wide and other tests in the same run move them too, so every check
compares a scrape taken before with one taken after.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from abci_mpc import metrics
from abci_mpc.chain.bridge import BridgeClient, PeerUp, Received
from abci_mpc.engine.api import SessionFailed, SignRequest

from enginehelpers import MemCluster, digest, sid, verify


@pytest.fixture(scope="module")
def endpoint():
    server = metrics.serve("127.0.0.1:0")
    try:
        yield server
    finally:
        server.close()


def scrape(server) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(server.url, timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = resp.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(m, name, **labels) -> float:
    return m.get((name, tuple(sorted(labels.items()))), 0.0)


def delta(before, after, name, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_engine_metrics_after_keygen_pool_sign_and_failures(tmp_path, pool, aux4, endpoint):
    async def main():
        before = await asyncio.to_thread(scrape, endpoint)
        c = MemCluster(tmp_path, pool, aux=aux4)
        await c.start()
        try:
            pk = await c.keygen("mk", 1)
            for e in c.engines.values():
                e.set_presig_target(2)
            default = ("p0", "p1")
            await c.wait(lambda: all(c.engines[p].presignature_pool_size("mk") == 2 for p in default), 90, "pool")
            for e in c.engines.values():
                e.set_presig_target(0)
            mid = await asyncio.to_thread(scrape, endpoint)
            # The gauge is read at scrape time: every engine here holds its pool's ids.
            held = sum(e.presignature_pool_size("mk") for e in c.engines.values())
            assert held == 4
            assert value(mid, "abci_mpc_presignatures", key="mk") == held

            d = digest()
            s, res = await c.sign("mk", d, via="p2", signers=2)
            assert all(verify(pk, d, r) for r in res.values())
            # The two parties not chosen end their sessions quietly once the signers start.
            for _ in range(300):
                m = await asyncio.to_thread(scrape, endpoint)
                if delta(before, m, "abci_mpc_sessions_skipped_total", protocol="sign") == 2:
                    break
                await asyncio.sleep(0.05)

            # A request refused before it runs: a failure without a session.
            bad = sid()
            c.engines["p0"].submit(SignRequest(bad, "req", "mk", "bad", b"short"))
            assert isinstance(c.of(bad)["p0"], SessionFailed)

            # Garbage from a known party and a frame for an ended session are dropped and counted.
            c.net.inject("p1", "p0", b"\xff not a frame")
            await asyncio.sleep(0.2)
            after = await asyncio.to_thread(scrape, endpoint)
        finally:
            await c.close()
        return before, mid, after

    before, mid, after = asyncio.run(main())

    # keygen: one session on each of the four engines, all succeeded
    assert delta(before, after, "abci_mpc_sessions_started_total", protocol="keygen") == 4
    assert delta(before, after, "abci_mpc_sessions_succeeded_total", protocol="keygen") == 4
    assert delta(before, after, "abci_mpc_session_duration_seconds_count", protocol="keygen", outcome="succeeded") == 4
    assert delta(before, after, "abci_mpc_session_duration_seconds_sum", protocol="keygen", outcome="succeeded") > 0
    # sign: started on all four; the two default signers produced it from the pool, the other
    # two were not chosen (skipped); the invalid request counts as started and failed
    assert delta(before, after, "abci_mpc_sessions_started_total", protocol="sign") == 5
    assert delta(before, after, "abci_mpc_sessions_succeeded_total", protocol="sign") == 2
    assert delta(before, after, "abci_mpc_sessions_skipped_total", protocol="sign") == 2
    assert delta(before, after, "abci_mpc_sessions_failed_total", protocol="sign") == 1
    # presignature pool runs: two per member of the default signer set
    assert delta(before, after, "abci_mpc_sessions_succeeded_total", protocol="presign-pool") >= 4
    assert value(after, "abci_mpc_presignatures", key="mk") == 2  # one was used by each signer
    for proto in ("keygen", "sign"):
        assert value(after, "abci_mpc_sessions_active", protocol=proto) == value(before, "abci_mpc_sessions_active",
                                                                                 protocol=proto)
    # frames: engines sent and received; the injected garbage was dropped as such
    sent = delta(before, after, "abci_mpc_frames_sent_total", layer="engine")
    got = delta(before, after, "abci_mpc_frames_received_total", layer="engine")
    assert sent > 50 and got >= 1
    assert delta(before, after, "abci_mpc_frames_dropped_total", layer="engine", reason="garbage") == 1
    # every bucket series is cumulative and ends at +Inf == count
    inf = value(after, "abci_mpc_session_duration_seconds_bucket", protocol="keygen", outcome="succeeded", le="+Inf")
    assert inf == value(after, "abci_mpc_session_duration_seconds_count", protocol="keygen", outcome="succeeded")


def test_closed_engines_leave_the_presignature_gauge(endpoint):
    # The engines of the test above are closed: their pools are no longer reported.
    m = scrape(endpoint)
    assert value(m, "abci_mpc_presignatures", key="mk") == 0


def test_bad_addresses_are_refused():
    for bad in ("26661", "host:", "1.2.3.4:99999", "unix:///x", "a b:1"):
        with pytest.raises(ValueError, match="metrics address"):
            metrics.serve(bad)
    assert metrics.parse_address(":26661") == ("0.0.0.0", 26661)
    assert metrics.parse_address("tcp://[::1]:9") == ("::1", 9)
    assert metrics.parse_address("http://localhost:26661/") == ("localhost", 26661)


def test_hooks_refuse_unknown_labels_and_clamp_reasons(endpoint):
    with pytest.raises(ValueError):
        metrics.frame_in("p2p")
    with pytest.raises(ValueError):
        metrics.session_ended("sign", "maybe", 0.0)
    before = scrape(endpoint)
    metrics.frame_dropped("engine", "Text From A Peer = bad\n")  # never becomes a label value
    after = scrape(endpoint)
    assert delta(before, after, "abci_mpc_frames_dropped_total", layer="engine", reason="other") == 1


@pytest.mark.slow
def test_bridge_metrics_against_real_nodes(tmp_path, endpoint):
    from nodeutil import Testnet

    net = Testnet.create(tmp_path / "net", validators=2, bridge="mixed")
    net.start()
    try:
        async def main():
            before = await asyncio.to_thread(scrape, endpoint)
            c0 = BridgeClient(net.nodes[0].bridge_url)
            c1 = BridgeClient(net.nodes[1].bridge_url)
            try:
                id0, id1 = await asyncio.gather(c0.wait_connected(20), c1.wait_connected(20))

                async def until(client, want):
                    while not want(await client.next_event()):
                        pass

                await asyncio.wait_for(until(c0, lambda e: e == PeerUp(id1)), 20)
                await asyncio.wait_for(until(c1, lambda e: e == PeerUp(id0)), 20)
                up = await asyncio.to_thread(scrape, endpoint)
                for i in range(3):
                    await c0.send(id1, b"payload %d" % i)
                await asyncio.wait_for(until(c1, lambda e: isinstance(e, Received) and e.payload == b"payload 2"), 20)
                await c0.close()
                closed_send = BridgeClient(net.nodes[0].bridge_url)  # never connected
                try:
                    await closed_send.send(id1, b"x")
                except Exception:  # noqa: BLE001 - BridgeUnavailable, counted as a drop
                    pass
                after = await asyncio.to_thread(scrape, endpoint)
            finally:
                await c0.close()
                await c1.close()
            return before, up, after

        before, up, after = asyncio.run(main())
    finally:
        net.stop()
    assert value(up, "abci_mpc_bridge_connected") == 1
    assert value(up, "abci_mpc_bridge_peers") == 1  # each client sees the other node
    assert delta(before, after, "abci_mpc_frames_sent_total", layer="bridge") == 3
    assert delta(before, after, "abci_mpc_frames_received_total", layer="bridge") >= 3
    assert delta(before, after, "abci_mpc_frames_dropped_total", layer="bridge", reason="not_connected") == 1


def test_port_in_use_is_an_oserror_not_a_hang():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(OSError):
            metrics.serve(f"127.0.0.1:{s.getsockname()[1]}")
