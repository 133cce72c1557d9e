"""`abci-mpc bench --import-tsslib DIR --signers 0,1,2 --json`, run as a real process: it
skips aux/keygen, signs with the imported shares under the fixtures' ECDSAPub, and prints
the same JSON shape as the core bench."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tsslib_helpers import check_against_fixture

from abci_mpc.tss.ecdsa import Signature

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "tss-lib" / "ecdsa"


def abci_mpc(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("abci-mpc")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from abci_mpc.cli.main import main; main()"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def _sig(d: dict) -> Signature:
    return Signature(int(d["r"], 16), int(d["s"], 16), d["v"])


@pytest.fixture(scope="module")
def core_report() -> dict:
    proc = abci_mpc("bench", "--t", "1", "--n", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_bench_imports_tsslib_shares(raw, core_report):
    proc = abci_mpc("bench", "--import-tsslib", str(FIXTURES), "--signers", "0,1,2", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == set(core_report)
    assert set(report["stages"]) == set(core_report["stages"])
    for stage in ("presign", "sign"):
        assert set(report["stages"][stage]) == set(core_report["stages"][stage])
    assert report["stages"]["aux"] == report["stages"]["keygen"] == {"skipped": "imported from tss-lib"}
    assert (report["t"], report["n"]) == (2, 5)
    assert report["signers"] == ["party-00", "party-01", "party-02"]
    assert report["paillier_bits"] == 2048
    x, y = raw[0]["ECDSAPub"]["Coords"]
    assert report["pubkey"] == (bytes([2 + (y & 1)]) + x.to_bytes(32, "big")).hex()
    check_against_fixture(raw[0], bytes.fromhex(report["message_hash"]), _sig(report["signature"]))


def test_bench_import_other_signers(raw):
    proc = abci_mpc("bench", "--import-tsslib", str(FIXTURES), "--signers", "1,3,4", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["signers"] == ["party-01", "party-03", "party-04"]
    check_against_fixture(raw[0], bytes.fromhex(report["message_hash"]), _sig(report["signature"]))


def test_bench_import_reports_a_corrupt_file_by_name_and_field(tmp_path):
    for f in FIXTURES.glob("keygen_data_*.json"):
        shutil.copy(f, tmp_path / f.name)
    bad = tmp_path / "keygen_data_3.json"
    d = json.loads(bad.read_text())
    d["Xi"] += 1
    bad.write_text(json.dumps(d))
    proc = abci_mpc("bench", "--import-tsslib", str(tmp_path), "--signers", "0,1,2", "--json", timeout=60)
    assert proc.returncode != 0 and not proc.stdout
    assert "keygen_data_3.json" in proc.stderr and "Xi" in proc.stderr
    assert "Traceback" not in proc.stderr and str(d["Xi"]) not in proc.stderr, "a secret share reached the output"


def test_bench_import_errors_are_one_line(tmp_path):
    proc = abci_mpc("bench", "--import-tsslib", str(tmp_path), "--json", timeout=60)
    assert proc.returncode != 0 and "no keygen_data_*.json" in proc.stderr
    for f in FIXTURES.glob("keygen_data_*.json"):
        shutil.copy(f, tmp_path / f.name)
    proc = abci_mpc("bench", "--import-tsslib", str(tmp_path), "--signers", "0,1", "--json", timeout=60)
    assert proc.returncode != 0 and "t+1 = 3" in proc.stderr and "Traceback" not in proc.stderr


def test_bench_import_names_a_file_with_another_view_of_the_key(tmp_path):
    for f in FIXTURES.glob("keygen_data_*.json"):
        shutil.copy(f, tmp_path / f.name)
    odd = tmp_path / "keygen_data_0.json"
    d = json.loads(odd.read_text())
    d["PaillierPKs"][3]["N"] += 2
    odd.write_text(json.dumps(d))
    proc = abci_mpc("bench", "--import-tsslib", str(tmp_path), "--signers", "0,1,2", "--json", timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "keygen_data_0.json" in proc.stderr, proc.stderr
