"""Helpers for the end-to-end tests: the CLI as a process, logs, independent signature checks."""

from __future__ import annotations

import json
import random
import subprocess

from coincurve import PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from abci_mpc.localnet import Localnet, _port_free, abci_mpc_command


def free_base_port(validators: int) -> int:
    """A base port whose whole block (10 per validator) is free right now; below Linux's
    ephemeral range (32768+), so outgoing connections do not take one meanwhile."""
    for _ in range(200):
        base = random.randrange(20000, 32768 - 10 * validators, 10)
        if all(_port_free(base + 10 * i + k) for i in range(validators) for k in range(5)):
            return base
    raise RuntimeError("no free port block found")


def cli(net: Localnet, *args: str, node: int = 0, timeout: float = 300) -> dict:
    """`abci-mpc tx ... --wait -o json` as a process against validator `node`."""
    cmd = [*abci_mpc_command(), *args, "--key", str(net.requester_key), "--node", net.validators[node].rpc_url,
           "--wait", "--timeout", str(timeout), "-o", "json"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30)
    assert res.returncode == 0, f"{' '.join(args)} failed:\n{res.stderr}\n{logs(net)}"
    return json.loads(res.stdout)


def logs(net: Localnet, lines: int = 15) -> str:
    out = []
    for v in net.validators:
        for proc in ("app", "node"):
            try:
                tail = v.log_file(proc).read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                tail = []
            out.append(f"--- {v.name} {proc}\n" + "\n".join(tail))
    return "\n".join(out)


def verify_independently(pubkey_hex: str, digest: bytes, sig: dict) -> None:
    """libsecp256k1 verifies (r, s) as DER over the digest, and ecrecover(v) gives the key."""
    r, s, v = int(sig["r"], 16), int(sig["s"], 16), int(sig["v"])
    pub = PublicKey(bytes.fromhex(pubkey_hex))
    assert pub.verify(encode_dss_signature(r, s), digest, hasher=None)
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    assert PublicKey.from_signature_and_message(compact, digest, hasher=None).format() == pub.format()
