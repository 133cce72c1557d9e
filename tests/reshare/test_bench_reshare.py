"""`abci-mpc bench --reshare-to T2,N2 --json`, run as a real process: the report carries the
reshare stage, the unchanged public key, and a signature by the new committee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from coincurve import PublicKey

from reshare_helpers import _der


def abci_mpc(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("abci-mpc")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from abci_mpc.cli.main import main; main()"]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def verifies(pubkey_hex: str, digest_hex: str, sig: dict) -> bool:
    pk = PublicKey(bytes.fromhex(pubkey_hex))
    r, s, v = int(sig["r"], 16), int(sig["s"], 16), sig["v"]
    digest = bytes.fromhex(digest_hex)
    rsv = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    return (pk.verify(_der(r, s), digest, hasher=None)
            and PublicKey.from_signature_and_message(rsv, digest, hasher=None).format() == pk.format())


def test_bench_reshare_to_a_larger_committee():
    proc = abci_mpc("bench", "--t", "1", "--n", "3", "--reshare-to", "2,4", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["pubkey_after"] == report["pubkey"]
    assert verifies(report["pubkey"], report["message_hash"], report["signature"])
    rs = report["reshare"]
    assert (rs["t"], rs["n"]) == (2, 4)
    assert rs["dealers"] == ["p0", "p1"] and rs["members"] == ["p0", "p1", "p2", "p3"]
    assert len(rs["signers"]) == 3 and set(rs["signers"]) <= set(rs["members"])
    assert rs["message_hash"] != report["message_hash"]
    assert verifies(report["pubkey_after"], rs["message_hash"], rs["signature"])
    stage = report["stages"]["reshare"]
    assert set(stage["cpu_s_per_party"]) == {"p0", "p1", "p2", "p3"}
    assert stage["wall_s"] > 0 and "reshare" in report["modexp_equivalents_cpu_max"]


def test_bench_reshare_to_rejects_bad_arguments():
    for bad in ("2", "2,2", "0,3", "a,b", "3,2"):
        proc = abci_mpc("bench", "--t", "1", "--n", "3", "--reshare-to", bad, "--json", timeout=60)
        assert proc.returncode != 0
        assert "--reshare-to" in proc.stderr and "Traceback" not in proc.stderr
        assert not proc.stdout
