"""localnet down signals only processes it started: a pid file naming someone else's process
(a reused pid, a stale file) is ignored. Plus the CLI's one-line errors. No chain needed."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from abci_mpc.localnet import STATE_FILE, Localnet, Validator, abci_mpc_command


def fake_net(tmp_path) -> Localnet:
    v = Validator(0, tmp_path / "node0", "ab" * 20, 29000)
    (tmp_path / "node0" / "app").mkdir(parents=True)
    (tmp_path / STATE_FILE).write_text(json.dumps({
        "chain_id": "x", "base_port": 29000, "requester_public_key": "",
        "validators": [{"index": 0, "node_id": v.node_id, "dir": "node0", "ports": {}}]}))
    return Localnet(tmp_path, [v], "x")


def test_down_leaves_a_stranger_alone(tmp_path):
    net = fake_net(tmp_path)
    v = net.validators[0]
    # A process that is not ours, even with "--home" in its argv (another home).
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--home", str(tmp_path / "x")])
    try:
        for proc in ("node", "app"):
            v.pid_file(proc).write_text(f"{stranger.pid}\n")
        assert v.pid("node") is None and v.pid("app") is None
        net.stop(progress=lambda _m: None)
        assert stranger.poll() is None, "localnet down signalled a process it did not start"
        assert [r["node_pid"] for r in net.status()] == [None]
    finally:
        stranger.kill()
        stranger.wait()


def test_down_stops_a_process_that_is_ours(tmp_path):
    net = fake_net(tmp_path)
    v = net.validators[0]
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "--home", str(v.app_home)],
                            start_new_session=True)
    try:
        v.pid_file("app").write_text(f"{ours.pid}\n")
        deadline = time.monotonic() + 10  # until the child has exec'd, its argv is still pytest's
        while v.pid("app") != ours.pid and time.monotonic() < deadline:
            time.sleep(0.02)
        assert v.pid("app") == ours.pid
        net.stop(progress=lambda _m: None)
        assert ours.wait(5) is not None and v.pid("app") is None and not v.pid_file("app").exists()
    finally:
        if ours.poll() is None:
            ours.kill()


def run(*args):
    return subprocess.run([*abci_mpc_command(), *map(str, args)], capture_output=True, text=True)


def test_cli_errors_are_one_line(tmp_path):
    res = run("localnet", "down", "--dir", tmp_path / "none")
    assert res.returncode == 1 and "no localnet in" in res.stderr and res.stderr.count("\n") == 1
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    res = run("localnet", "up", "--dir", tmp_path / "full")
    assert res.returncode == 1 and "is not empty" in res.stderr and "Traceback" not in res.stderr
    res = run("localnet", "status", "--dir", tmp_path / "none", "-o", "json")
    assert res.returncode == 1 and "abci-mpc localnet up --dir" in res.stderr
