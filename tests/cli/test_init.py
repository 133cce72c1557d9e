"""`abci-mpc init` as a process: the home it writes, the genesis entry it prints, and its errors."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import tomllib

import pytest

from abci_mpc.engine.keyfile import read_identity
from abci_mpc.localnet import NODE_BIN, abci_mpc_command, build_node
from abci_mpc.store import KeyStore, StoreSecret


def run(*args, env=None):
    return subprocess.run([*abci_mpc_command(), *map(str, args)], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def node_home(tmp_path_factory):
    build_node(progress=lambda _m: None)
    home = tmp_path_factory.mktemp("cmt")
    subprocess.run([NODE_BIN, "init", "--home", home], check=True, capture_output=True)
    node_id = subprocess.run([NODE_BIN, "show-node-id", "--home", home], check=True, capture_output=True,
                             text=True).stdout.strip()
    validator = json.loads(subprocess.run([NODE_BIN, "show-validator", "--home", home], check=True,
                                          capture_output=True, text=True).stdout)
    return home, node_id, validator


def mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_init_writes_a_home_and_prints_the_genesis_entry(tmp_path, node_home):
    cmt, node_id, validator = node_home
    home = tmp_path / "app"
    res = run("init", "--home", home, "--node-home", cmt, "--engine.workers", "3", "-o", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    party = out["party"]
    assert party["node_id"] == node_id
    assert bytes.fromhex(party["validator_pubkey"]) == base64.b64decode(validator["value"])
    identity = read_identity(home / "config" / "identity.key")
    public = identity.public()
    assert (party["sign_key"], party["enc_key"]) == (public.sign_key.hex(), public.enc_key.hex())
    assert identity.party == node_id

    cfg = tomllib.loads((home / "config.toml").read_text())
    assert cfg["engine"]["workers"] == 3
    assert cfg["node"]["bridge"] == f"unix://{cmt}/data/mpc-bridge.sock"
    assert cfg["store"]["secret_kind"] == "key"
    for p in (home, home / "config", home / "data"):
        assert mode(p) == 0o700, p
    for p in (home / "config.toml", home / "config" / "identity.key", home / "config" / "store.key"):
        assert mode(p) == 0o600, p
    KeyStore.open(home / "data" / "keystore", StoreSecret.from_key_file(home / "config" / "store.key")).close()

    # Nothing secret is printed: not the identity's private keys, not the store key.
    secrets_hex = [identity.signer.seed().hex(), (home / "config" / "store.key").read_text().strip()]
    for s in secrets_hex:
        assert s not in res.stdout + res.stderr


def test_init_refuses_an_existing_home(tmp_path, node_home):
    cmt, _, _ = node_home
    assert run("init", "--home", tmp_path / "a", "--node-home", cmt).returncode == 0
    res = run("init", "--home", tmp_path / "a", "--node-home", cmt)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "already initialised" in res.stderr and "Traceback" not in res.stderr


def test_init_with_a_passphrase_file(tmp_path):
    pw = tmp_path / "pass"
    pw.write_text("correct horse battery staple\n")
    pw.chmod(0o600)
    res = run("init", "--home", tmp_path / "a", "--node-id", "ab" * 20, "--passphrase-file", pw)
    assert res.returncode == 0, res.stderr
    cfg = tomllib.loads((tmp_path / "a" / "config.toml").read_text())
    assert (cfg["store"]["secret_kind"], cfg["store"]["secret_file"]) == ("passphrase", str(pw))
    assert not (tmp_path / "a" / "config" / "store.key").exists()
    KeyStore.open(tmp_path / "a" / "data" / "keystore", StoreSecret.from_passphrase_file(pw)).close()
    assert "correct horse" not in res.stdout + res.stderr


@pytest.mark.parametrize("args, words", [
    (["--node-id", "XYZ"], ["node ID 'XYZ'", "40 lower-case hex"]),
    (["--node-home", "/nonexistent/cmt"], ["node_key.json not found", "--node-id"]),
    (["--node-id", "ab" * 20, "--engine.workers", "two"], ["flag --engine.workers", "integer"]),
    (["--node-id", "ab" * 20, "--abci.listen", "udp://x"], ["flag --abci.listen"]),
    (["--node-id", "ab" * 20, "--passphrase-file", "/nonexistent/pw"], ["/nonexistent/pw"]),
])
def test_init_errors_are_one_line(tmp_path, args, words):
    res = run("init", "--home", tmp_path / "h", *args)
    assert res.returncode != 0
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr, res.stderr
    for w in words:
        assert w in res.stderr, res.stderr


def test_short_passphrase_is_refused(tmp_path):
    pw = tmp_path / "pass"
    pw.write_text("short\n")
    pw.chmod(0o600)
    res = run("init", "--home", tmp_path / "h", "--node-id", "ab" * 20, "--passphrase-file", pw)
    assert res.returncode == 1 and "shorter than" in res.stderr and "short\n" not in res.stderr.split(":")[-1]
