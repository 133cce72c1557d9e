"""Error UX across the whole CLI: every user error is one line on stderr and a non-zero exit
code, never a traceback; `--debug` shows the traceback.

Every command in the tree is tried with a bad option (and every group with an unknown
subcommand), in process; a sample of real failures runs as separate processes.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import click
import pytest

from abci_mpc.cli import main as cli_main


def leaves_and_groups():
    cli_main._register()
    leaves, groups = [], []

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            groups.append(path)
            for name, sub in cmd.commands.items():
                walk(sub, path + [name])
        else:
            leaves.append(path)

    walk(cli_main.cli, [])
    return leaves, groups


LEAVES, GROUPS = leaves_and_groups()


def run_inproc(argv, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli_main.main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_the_tree_has_the_expected_commands():
    paths = {" ".join(p) for p in LEAVES}
    assert {"keys list", "keys show", "keys export", "keys import-tsslib", "keys delete-local",
            "tx sign", "query key"} <= paths


@pytest.mark.parametrize("path", LEAVES, ids=[" ".join(p) for p in LEAVES])
def test_every_command_rejects_a_bad_option_in_one_line(path, capsys):
    code, out, err = run_inproc([*path, "--no-such-option"], capsys)
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("error: No such option") and "--no-such-option" in line
    assert line.endswith(f"(see: abci-mpc {' '.join(path)} --help)")


@pytest.mark.parametrize("path", GROUPS, ids=[" ".join(p) or "abci-mpc" for p in GROUPS])
def test_every_group_rejects_an_unknown_command_in_one_line(path, capsys):
    code, _, err = run_inproc([*path, "no-such-command"], capsys)
    assert code == 2
    assert "No such command 'no-such-command'" in one_line(err)


def test_an_unexpected_exception_is_one_line_and_debug_shows_it(capsys, monkeypatch):
    @click.command("explode")
    def explode():
        raise RuntimeError("first line\nsecond line")

    monkeypatch.setitem(cli_main.cli.commands, "explode", explode)
    code, _, err = run_inproc(["explode"], capsys)
    assert code == 1 and one_line(err) == "error: RuntimeError: first line second line"
    with pytest.raises(RuntimeError, match="first line"):
        cli_main.main(["--debug", "explode"])


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from abci_mpc.cli.main import main; main()", *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(scope="module")
def requester_key(tmp_path_factory):
    path = tmp_path_factory.mktemp("req") / "req.pem"
    out = cli("tx", "new-requester-key", "--out", str(path))
    assert out.returncode == 0, out.stderr
    return str(path)


def failures(tmp_path, key):
    dead = dead_url()
    return [
        (["keys", "show"], "Missing argument 'KEY_ID'"),
        (["keys", "list", "--output", "yaml"], "'yaml' is not one of"),
        (["keys", "list", "--home", str(tmp_path / "none")], "abci-mpc init"),
        (["keys", "export", "k", "--out", "x", "--format", "pem"], "'pem' is not one of"),
        (["query", "keys", "--node", dead], "cannot reach node"),
        (["tx", "sign", "k", "s", "zz", "--key", key, "--node", dead], "DIGEST_HEX must be hex"),
        (["tx", "keygen", "k", "-t", "0", "--parties", "a,b", "--key", key], "Invalid value for '--threshold'"),
        (["tx", "refresh", "k", "--key", str(tmp_path / "missing.pem"), "--node", dead], "missing.pem"),
        (["tx", "refresh", "k", "--key", key, "--node", dead], "cannot reach node"),
    ]


def test_real_failures_are_one_line_and_debug_shows_the_traceback(tmp_path, requester_key):
    for argv, match in failures(tmp_path, requester_key):
        out = cli(*argv)
        assert out.returncode != 0, argv
        line = one_line(out.stderr)
        assert line.startswith("error: ") and match in line, (argv, line)
        debug = cli("--debug", *argv)
        assert debug.returncode == out.returncode, argv
        assert "Traceback (most recent call last)" in debug.stderr, argv
        assert match in debug.stderr.strip().splitlines()[-1], (argv, debug.stderr)
