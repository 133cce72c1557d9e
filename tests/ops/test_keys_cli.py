"""`abci-mpc keys ...` as real processes on a real key store (LevelDB), with the real
tss-lib v2 fixtures as shares: list, show, export (encrypted and plain, both formats),
import-tsslib (plain files and our own exports), delete-local, and the one-line errors for
a wrong secret, a store held by a running node, and a missing store. No output ever holds
a secret share. About 25 s (each command is a fresh Python process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from abci_mpc.cli import keyexport
from abci_mpc.store import KeyStore, Origin, StoreSecret, generate_key_file
from abci_mpc.tss import ecdsa, serialize, tsslib
from abci_mpc.tss.curve import Point

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "tss-lib" / "ecdsa"
NODE_IDS = sorted(f"{i:x}" * 40 for i in range(1, 6))  # five fake CometBFT node IDs, sorted
PASSPHRASE = "correct horse battery staple\n"


def _fixture_secrets() -> set[str]:
    out = set()
    for i in range(5):
        f = FIXTURES / f"keygen_data_{i}.json"
        if f.is_file():
            d = json.loads(f.read_text())
            for n in (d["Xi"], d["PaillierSK"]["P"], d["PaillierSK"]["Q"], d["P"], d["Q"], d["Alpha"]):
                out |= {str(n), format(n, "x")}
    return out


SECRETS = _fixture_secrets()


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs the CLI as a process; whatever it printed must hold no secret of the fixtures."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ABCI_MPC_")}
    out = subprocess.run([sys.executable, "-c", "from abci_mpc.cli.main import main; main()", *args],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                         env={**clean, **(env or {})})
    printed = (out.stdout + out.stderr).lower()
    assert not [x for x in SECRETS if x in printed], f"{args}: a secret share value reached the output"
    return out


def ok(*args: str) -> subprocess.CompletedProcess:
    out = cli(*args)
    assert out.returncode == 0, f"{args}: {out.stderr}"
    return out


def ok_json(*args: str):
    return json.loads(ok(*args, "--output", "json").stdout)


def fails(*args: str, match: str) -> str:
    out = cli(*args)
    assert out.returncode != 0, f"{args} succeeded: {out.stdout}"
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert match in lines[0], lines[0]
    return lines[0]


def private_file(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def raw():
    files = [FIXTURES / f"keygen_data_{i}.json" for i in range(5)]
    assert all(f.is_file() for f in files), f"tss-lib fixtures not found under {FIXTURES}"
    return [json.loads(f.read_text()) for f in files]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A home with config.toml, a key file and a store holding keys in every state."""
    h = tmp_path_factory.mktemp("home")
    generate_key_file(h / "store.key")
    (h / "config.toml").write_text('[store]\npath = "data/keystore"\nsecret_file = "store.key"\n')
    KeyStore.create(h / "data" / "keystore", StoreSecret.from_key_file(h / "store.key")).close()
    return h


def H(home: Path) -> tuple[str, str]:
    return ("--home", str(home))


@pytest.fixture(scope="module")
def populated(home, raw):
    """imp (imported, READY, 2 presignatures), pend (PENDING), err (ERROR), left (RETIRED),
    gone (deleted). Returns the imported share's public key."""
    f1 = FIXTURES / "keygen_data_1.json"
    view = ok_json("keys", "import-tsslib", str(f1), "--key-id", "imp", "--party-ids", ",".join(NODE_IDS), *H(home))
    with KeyStore.open(home / "data" / "keystore", StoreSecret.from_key_file(home / "store.key")) as st:
        ksid = bytes.fromhex(view["key_session_id"])
        st.add_presignatures("imp", ksid, [(b"p1", b"presig one"), (b"p2", b"presig two")])
        st.begin_keygen("pend", 1, ["a", "b"], "req-pend")
        rec = st.begin_keygen("err", 1, ["a", "b"], "req-err")
        st.mark_error("err", rec.key_session_id, "deadline passed; waiting for: b")
        share = tsslib.import_share(f1.read_text(), NODE_IDS)
        rec = st.begin_keygen("left", share.threshold, share.parties, "req-left", origin=Origin.IMPORT)
        st.mark_ready("left", rec.key_session_id, view_pub(view), serialize.key_share_to_bytes(share))
        nxt = st.begin_successor("left", 1, ["x", "y"], "req-reshare", origin=Origin.RESHARE)
        st.mark_left("left", nxt.key_session_id, view_pub(view))
        rec = st.begin_keygen("gone", share.threshold, share.parties, "req-gone", origin=Origin.IMPORT)
        st.mark_ready("gone", rec.key_session_id, view_pub(view), serialize.key_share_to_bytes(share))
        st.delete("gone", "req-delete")
    return view_pub(view)


def view_pub(view) -> bytes:
    return bytes.fromhex(view["pubkey"])


def test_import_names_the_party_and_the_key(home, raw, populated):
    pub = Point.from_bytes(populated)
    uncompressed = pub.uncompressed()
    ecdsa_pub = raw[1]["ECDSAPub"]["Coords"]
    assert int.from_bytes(uncompressed[1:33], "big") == ecdsa_pub[0]
    assert int.from_bytes(uncompressed[33:], "big") == ecdsa_pub[1]
    show = ok_json("keys", "show", "imp", *H(home))
    assert show["status"] == "READY" and show["origin"] == "IMPORT"
    assert show["party"] == NODE_IDS[raw[1]["Ks"].index(raw[1]["ShareID"])]
    assert show["threshold"] == 2 and show["signers_needed"] == 3 and show["parties"] == NODE_IDS
    assert show["eth_address"] == ecdsa.eth_address(pub)
    assert show["presignatures"] == 2
    assert len(show["key_session_id"]) == 32 and show["created"].endswith("Z") and show["updated"]
    assert [r["status"] for r in show["runs"]] == ["READY"]


def test_list_shows_every_state_and_tombstones(home, populated):
    listed = {k["key_id"]: k for k in ok_json("keys", "list", *H(home))["keys"]}
    assert {k: v["status"] for k, v in listed.items()} == {
        "err": "ERROR", "gone": "DELETED", "imp": "READY", "left": "RETIRED", "pend": "PENDING"}
    assert listed["err"]["error"] == "deadline passed; waiting for: b"
    assert listed["gone"]["pubkey"] == populated.hex() and listed["gone"]["deleted"].endswith("Z")
    assert listed["left"]["parties"] == ["x", "y"]  # the run that replaced this node's share
    text = ok("keys", "list", *H(home)).stdout.splitlines()
    assert text[0].split() == ["KEY", "ID", "STATUS", "T/N", "ORIGIN", "ETH", "ADDRESS", "UPDATED"]
    rows = {line.split()[0]: line.split() for line in text[1:]}
    assert rows["imp"][1:4] == ["READY", "2/5", "IMPORT"] and rows["gone"][1] == "DELETED"
    assert rows["imp"][4] == listed["imp"]["eth_address"]


def test_show_history_and_deleted_keys(home, populated):
    left = ok_json("keys", "show", "left", *H(home))
    assert [(r["status"], r["origin"]) for r in left["runs"]] == [("RETIRED", "IMPORT"), ("RETIRED", "RESHARE")]
    assert "party" not in left and "presignatures" not in left  # no share here any more
    gone = ok_json("keys", "show", "gone", *H(home))
    assert gone["status"] == "DELETED" and gone["request_id"] == "req-delete"
    text = ok("keys", "show", "imp", *H(home)).stdout
    assert "status: READY" in text and "presignatures: 2" in text
    fails("keys", "show", "nope", *H(home), match="no key 'nope' in this store")
    fails("keys", "show", "bad/id", *H(home), match="invalid key id")


def test_encrypted_export_round_trips_into_another_store(home, raw, populated, tmp_path):
    pp = private_file(tmp_path / "pp", PASSPHRASE)
    out = tmp_path / "imp.export"
    view = ok_json("keys", "export", "imp", "--out", str(out), "--passphrase-file", str(pp), *H(home))
    assert view["encrypted"] is True and view["format"] == "tsslib" and view["pubkey"] == populated.hex()
    data = out.read_bytes()
    assert data.startswith(b"abci-mpc key export v1\n") and (out.stat().st_mode & 0o777) == 0o600
    head = keyexport.header(data)
    assert (head.key_id, head.party, head.threshold) == ("imp", view["party"], 2)
    xi = raw[1]["Xi"]
    assert str(xi).encode() not in data and format(xi, "x").encode() not in data
    fails("keys", "export", "imp", "--out", str(out), "--passphrase-file", str(pp), *H(home),
          match="exists; use --force")

    other = tmp_path / "other"
    other.mkdir()
    generate_key_file(other / "k")
    KeyStore.create(other / "st", StoreSecret.from_key_file(other / "k")).close()
    flags = ("--store", str(other / "st"), "--secret-file", str(other / "k"))
    bad = private_file(tmp_path / "bad", "not the passphrase at all\n")
    fails("keys", "import-tsslib", str(out), "--key-id", "moved", "--passphrase-file", str(bad), *flags,
          match="does not open this file")
    tampered = tmp_path / "tampered"
    tampered.write_bytes(data.replace(b"imp", b"imq", 1))  # the key id in the clear header
    fails("keys", "import-tsslib", str(tampered), "--key-id", "moved", "--passphrase-file", str(pp), *flags,
          match="does not open this file")
    moved = ok_json("keys", "import-tsslib", str(out), "--key-id", "moved", "--passphrase-file", str(pp), *flags)
    assert moved["pubkey"] == populated.hex() and moved["party"] == view["party"] and moved["parties"] == NODE_IDS
    assert ok_json("keys", "list", *flags)["keys"][0]["key_id"] == "moved"


def test_plain_exports_reproduce_the_tsslib_file_and_the_native_share(home, raw, populated, tmp_path):
    plain = tmp_path / "plain.json"
    res = cli("keys", "export", "imp", "--out", str(plain), "--unencrypted", *H(home))
    assert res.returncode == 0 and "in clear" in res.stderr
    assert json.loads(plain.read_text()) == raw[1]
    assert (plain.stat().st_mode & 0o777) == 0o600
    native = tmp_path / "share.bin"
    ok("keys", "export", "imp", "--out", str(native), "--unencrypted", "--format", "native", *H(home))
    share = serialize.key_share_from_bytes(native.read_bytes())
    assert share.public_key.to_bytes() == populated and share.parties == tuple(NODE_IDS)
    key = tmp_path / "export.key"
    generate_key_file(key)
    enc = tmp_path / "share.enc"
    ok("keys", "export", "imp", "--out", str(enc), "--format", "native", "--key-file", str(key), *H(home))
    fails("keys", "import-tsslib", str(enc), "--key-id", "n2", "--key-file", str(key), "--party-ids", "a,b",
          *H(home), match="--party-ids does not apply")
    back = ok_json("keys", "import-tsslib", str(enc), "--key-id", "n2", "--key-file", str(key), *H(home))
    assert back["pubkey"] == populated.hex() and back["origin"] == "IMPORT"


def test_export_and_import_refusals(home, populated, tmp_path):
    out = str(tmp_path / "x")
    fails("keys", "export", "imp", "--out", out, *H(home), match="no passphrase: give --passphrase-file")
    fails("keys", "export", "pend", "--out", out, "--unencrypted", *H(home), match="no READY share of key 'pend'")
    fails("keys", "export", "gone", "--out", out, "--unencrypted", *H(home), match="was deleted")
    fails("keys", "export", "imp", "--out", out, "--unencrypted", "--passphrase-file", out, *H(home),
          match="--unencrypted writes no encryption")
    assert not Path(out).exists()
    f1 = str(FIXTURES / "keygen_data_1.json")
    fails("keys", "import-tsslib", f1, "--key-id", "imp", *H(home), match="already READY here with the same")
    fails("keys", "import-tsslib", f1, "--key-id", "gone", *H(home), match="was deleted; key ids are never reused")
    fails("keys", "import-tsslib", f1, "--key-id", "x", "--party-ids", "a,a,c,d,e", *H(home), match="distinct")
    junk = tmp_path / "junk.json"
    junk.write_text('{"Xi": 1.5}')
    fails("keys", "import-tsslib", str(junk), "--key-id", "x", *H(home), match="junk.json")
    fails("keys", "import-tsslib", str(tmp_path / "missing"), "--key-id", "x", *H(home), match="cannot read")
    fails("keys", "import-tsslib", f1, *H(home), match="Missing option '--key-id'")


def test_delete_local_asks_then_leaves_a_tombstone(home, populated, tmp_path):
    ok("keys", "import-tsslib", str(FIXTURES / "keygen_data_2.json"), "--key-id", "del", *H(home))
    fails("keys", "delete-local", "del", *H(home), match="refusing to delete without confirmation: pass --yes")
    assert ok_json("keys", "show", "del", *H(home))["status"] == "READY"
    tomb = ok_json("keys", "delete-local", "del", "--yes", *H(home))
    assert tomb["status"] == "DELETED" and tomb["request_id"] == "cli:delete-local"
    assert ok_json("keys", "show", "del", *H(home))["status"] == "DELETED"
    again = ok_json("keys", "delete-local", "del", "--yes", *H(home))
    assert again == tomb  # idempotent: the first tombstone
    fails("keys", "delete-local", "never-was", "--yes", *H(home), match="no key 'never-was'")
    fails("keys", "show", "never-was", *H(home), match="no key 'never-was'")  # no tombstone was written


def test_store_errors_are_one_line_with_a_hint(home, populated, tmp_path):
    wrong = tmp_path / "wrong.key"
    generate_key_file(wrong)
    fails("keys", "list", *H(home), "--secret-file", str(wrong), match="does not open this store (check [store]")
    with KeyStore.open(home / "data" / "keystore", StoreSecret.from_key_file(home / "store.key")):
        fails("keys", "list", *H(home), match="is in use, probably by the running node: stop `abci-mpc start`")
    fails("keys", "list", *H(home), "--store", str(tmp_path / "nostore"), match="no key store at")
    fails("keys", "list", "--home", str(tmp_path / "nohome"), match="create the home with `abci-mpc init --home")
    loose = tmp_path / "loose.key"
    loose.write_text((home / "store.key").read_text())
    loose.chmod(0o644)
    fails("keys", "list", *H(home), "--secret-file", str(loose), match="chmod 600")
    bad_conf = tmp_path / "badconf"
    bad_conf.mkdir()
    (bad_conf / "config.toml").write_text("[store\n")
    fails("keys", "list", "--home", str(bad_conf), match="not valid TOML")
    (bad_conf / "config.toml").write_text("[store]\nsecrets = 'x'\n")
    fails("keys", "list", "--home", str(bad_conf), match="unknown setting 'secrets' in [store]")
    (bad_conf / "config.toml").write_text("[store]\npath = 'x'\n")  # the default secret file is absent
    fails("keys", "list", "--home", str(bad_conf), match="does not exist")
    # the store is intact after all of that
    assert ok_json("keys", "show", "imp", *H(home))["status"] == "READY"
    out = cli("--debug", "keys", "list", *H(home), "--secret-file", str(wrong))
    assert out.returncode == 1 and "Traceback" in out.stderr and "does not open this store" in out.stderr


def test_passphrase_store_found_through_env_and_flags(tmp_path):
    pp = private_file(tmp_path / "pass", PASSPHRASE)
    KeyStore.create(tmp_path / "st", StoreSecret.from_passphrase_file(pp), scrypt_log2_n=15).close()
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "config.toml").write_text("[log]\nlevel = 'info'\n")
    out = cli("keys", "list", "--output", "json", env={
        "ABCI_MPC_HOME": str(tmp_path / "home"),
        "ABCI_MPC_STORE_PATH": str(tmp_path / "st"), "ABCI_MPC_STORE_SECRET_FILE": str(pp)})
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"keys": []}
    assert ok("keys", "list", "--store", str(tmp_path / "st"), "--secret-file", str(pp)).stdout.strip() == "no keys"


def test_import_refuses_a_share_of_another_party(raw, tmp_path):
    from abci_mpc.engine.api import LocalIdentity
    from abci_mpc.engine.keyfile import write_identity

    h = tmp_path / "home"
    (h / "config").mkdir(parents=True)
    generate_key_file(h / "config" / "store.key")
    KeyStore.create(h / "data" / "keystore", StoreSecret.from_key_file(h / "config" / "store.key")).close()
    (h / "config.toml").write_text("")  # every default: config/store.key, data/keystore, config/identity.key
    mine = raw[2]["Ks"].index(raw[2]["ShareID"])
    write_identity(h / "config" / "identity.key", LocalIdentity.generate(NODE_IDS[mine]))
    ids = ",".join(NODE_IDS)
    f1, f2 = str(FIXTURES / "keygen_data_1.json"), str(FIXTURES / "keygen_data_2.json")
    other = NODE_IDS[raw[1]["Ks"].index(raw[1]["ShareID"])]
    fails("keys", "import-tsslib", f1, "--key-id", "k", "--party-ids", ids, *H(h),
          match=f"this share is party {other}'s, but this node is {NODE_IDS[mine]}")
    fails("keys", "import-tsslib", f2, "--key-id", "k", *H(h), match="this share is party party-0")  # default names
    assert ok_json("keys", "import-tsslib", f2, "--key-id", "k", "--party-ids", ids, *H(h))["party"] == NODE_IDS[mine]
    assert ok_json("keys", "import-tsslib", f1, "--key-id", "k1", "--party-ids", ids, "--any-party",
                   *H(h))["party"] == other
