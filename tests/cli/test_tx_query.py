"""`abci-mpc tx` and `abci-mpc query` as real processes against a real single-validator
node running MPCApp; the parties' engines are stood in for by FakeParties. About 20 s.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from coincurve import PublicKey
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from abci_mpc.chain.rpc import NodeRPC

from chainutil import FakeParties, MPCNode
from nodeutil import free_ports

pytestmark = pytest.mark.slow

DIGEST = "5c" * 32


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from abci_mpc.cli.main import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout)


def ok(*args: str) -> subprocess.CompletedProcess:
    out = cli(*args)
    assert out.returncode == 0, f"{args}: {out.stderr}"
    return out


def fails(*args: str, match: str) -> str:
    out = cli(*args)
    assert out.returncode != 0, f"{args} succeeded: {out.stdout}"
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert match in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    node = MPCNode(tmp_path_factory.mktemp("clinode"), parties=3, timeout=60)
    key_file = tmp_path_factory.mktemp("keys") / "requester.pem"
    seed = node.net.requester.seed()
    key_file.write_bytes(Ed25519PrivateKey.from_private_bytes(seed).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    node.start()
    parties = FakeParties(node)
    try:
        node.wait_for_height(1)
        yield node, str(key_file), parties
    finally:
        parties.close()
        node.stop()


def test_keygen_sign_delete_with_wait(env):
    node, key, parties = env
    common = ["--key", key, "--node", node.rpc_url]
    out = ok("tx", "keygen", "k1", "--threshold", "1", "--parties", ",".join(node.net.ids), *common,
             "--wait", "-o", "json")
    result = json.loads(out.stdout)
    assert result["status"] == "DONE" and result["key"]["status"] == "READY"
    pubkey = result["key"]["pubkey"]
    assert pubkey == parties.keys["k1"].public_key.format().hex()
    assert "committed at height" in out.stderr and "waiting for" in out.stderr  # progress on stderr

    out = ok("tx", "sign", "k1", "s1", "0x" + DIGEST, *common, "--wait", "--output", "json")
    sig = json.loads(out.stdout)["signature"]
    raw = bytes.fromhex(sig["signature"])
    assert PublicKey.from_signature_and_message(raw, bytes.fromhex(DIGEST), hasher=None).format().hex() == pubkey

    # Without --wait: the tx hash and session id, at once.
    out = ok("tx", "sign", "k1", "s2", DIGEST, *common, "-o", "json")
    sent = json.loads(out.stdout)
    assert set(sent) == {"tx_hash", "session_id"}
    NodeRPC(node.rpc_url).wait_tx(sent["tx_hash"], timeout=20)

    # Queries, json and text.
    key_json = json.loads(ok("query", "key", "k1", "--node", node.rpc_url, "-o", "json").stdout)
    assert key_json["status"] == "READY" and key_json["eth_address"] == result["key"]["eth_address"]
    text = ok("query", "key", "k1", "--node", node.rpc_url).stdout
    assert "status: READY" in text and f"pubkey: {pubkey}" in text
    listing = ok("query", "keys", "--node", node.rpc_url).stdout
    assert listing.startswith("k1  READY  t=1 n=3  0x")
    sig_text = ok("query", "signature", "k1", "s1", "--node", node.rpc_url).stdout
    assert f"signature: {sig['signature']}" in sig_text
    session = json.loads(ok("query", "session", sent["session_id"], "--node", node.rpc_url, "-o", "json").stdout)
    assert session["kind"] == "sign" and session["sign_id"] == "s2"
    blame = json.loads(ok("query", "blame", sent["session_id"], "--node", node.rpc_url, "-o", "json").stdout)
    assert blame["failures"] == [] and blame["missing"] == []
    parties_out = json.loads(ok("query", "parties", "--node", node.rpc_url, "-o", "json").stdout)
    assert [p["node_id"] for p in parties_out["parties"]] == node.net.ids

    # Rejections are one line with the code name.
    fails("tx", "sign", "k1", "s1", DIGEST, *common, match="rejected: DUPLICATE_SIGN_ID (code 7)")
    fails("tx", "keygen", "k1", "-t", "1", "--parties", ",".join(node.net.ids), *common,
          match="rejected: DUPLICATE_KEY (code 6)")

    out = ok("tx", "reshare", "k1", "--threshold", "1", "--parties", ",".join(node.net.ids[:2]), *common,
             "--wait", "-o", "json")
    reshared = json.loads(out.stdout)
    assert reshared["status"] == "DONE" and reshared["key"]["parties"] == node.net.ids[:2]
    assert reshared["key"]["pubkey"] == pubkey
    out = ok("tx", "refresh", "k1", *common, "--wait", "-o", "json")
    assert json.loads(out.stdout)["key"]["parties"] == node.net.ids[:2]
    assert json.loads(ok("query", "key", "k1", "--node", node.rpc_url, "-o", "json").stdout)["generation"] == 2

    out = ok("tx", "delete", "k1", *common, "--wait", "-o", "json")
    assert json.loads(out.stdout)["status"] == "DONE"
    assert json.loads(ok("query", "key", "k1", "--node", node.rpc_url, "-o", "json").stdout)["status"] == "DELETED"


def test_failed_session_exits_non_zero_and_points_to_blame(env):
    node, key, parties = env
    parties.answer = False
    try:
        out = cli("tx", "keygen", "k-timeout", "-t", "1", "--parties", ",".join(node.net.ids[:2]),
                  "--key", key, "--node", node.rpc_url, "--wait", "--timeout", "2")
    finally:
        parties.answer = True
    assert out.returncode == 1
    assert "still running after 2s; check later: abci-mpc query session" in out.stderr.strip().splitlines()[-1]


def test_user_errors_are_one_line(env, tmp_path):
    node, key, _ = env
    common = ["--key", key, "--node", node.rpc_url]
    fails("query", "key", "nope", "--node", node.rpc_url, match="no key 'nope'")
    fails("query", "session", "xyz", "--node", node.rpc_url, match="a session id is 32 hex characters")
    fails("tx", "sign", "k1", "s", "zz", *common, match="DIGEST_HEX must be hex")
    fails("tx", "sign", "k1", "s", "00" * 31, *common, match="must be 32 bytes")
    fails("tx", "keygen", "bad/id", "-t", "1", "--parties", ",".join(node.net.ids), *common, match="key_id must be")
    fails("tx", "keygen", "k", "-t", "1", "--parties", " , ", *common, match="--parties needs")
    fails("tx", "refresh", "k1", "--key", str(tmp_path / "missing.pem"), "--node", node.rpc_url,
          match="cannot read requester key")
    (tmp_path / "junk.pem").write_text("junk")
    fails("tx", "refresh", "k1", "--key", str(tmp_path / "junk.pem"), "--node", node.rpc_url,
          match="not an unencrypted PEM private key")
    [dead] = free_ports(1)
    fails("query", "keys", "--node", f"http://127.0.0.1:{dead}", match="cannot reach node")
    fails("tx", "refresh", "k1", "--key", key, "--node", "ftp://x", match="node URL must look like")
    fails("tx", "refresh", "k1", *common, "--chain-id", "wrong", match="rejected: BAD_SIGNATURE (code 2)")


def test_new_requester_key(tmp_path):
    out_file = tmp_path / "req.pem"
    info = json.loads(ok("tx", "new-requester-key", "--out", str(out_file), "-o", "json").stdout)
    assert stat.S_IMODE(os.stat(out_file).st_mode) == 0o600
    key = serialization.load_pem_private_key(out_file.read_bytes(), password=None)
    assert key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex() \
        == info["public_key"]
    assert "PRIVATE" not in json.dumps(info)
    fails("tx", "new-requester-key", "--out", str(out_file), match="exists; use --force")
    ok("tx", "new-requester-key", "--out", str(out_file), "--force")
    assert Path(out_file).read_bytes() != b""
