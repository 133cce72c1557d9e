"""The demo: a 4-validator localnet signs a real Ethereum transaction with a 3-of-4 key.

    python -m abci_mpc.demo [--dir DIR] [--keep] [--base-port N]    (./scripts/demo runs this)
    python -m abci_mpc.demo --in-process                            (no chain: three parties in one process)

Every step is the `abci-mpc` CLI a user would type, run as a process against the localnet:
keygen (t=2, n=4), sign the keccak hash of an EIP-1559 transaction and check ecrecover,
reshare to validators 1-3 with t=1, sign again, delete. A readable summary goes to stderr
as it runs; the last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import subprocess
import sys
import time
from pathlib import Path

from coincurve import PublicKey

from .ethtx import Eip1559Tx, address_of, ecrecover
from .localnet import ROOT, Localnet, LocalnetError, abci_mpc_command
from .tss import ecdsa
from .tss.keccak import keccak256
from .tss.runner import LocalParties

RECIPIENT = bytes.fromhex("70997970c51812dc3a010c7d01b50e0d17dc79c8")
SEPOLIA = 11155111


class DemoError(Exception):
    pass


def say(msg: str = "") -> None:
    print(msg, file=sys.stderr, flush=True)


def cli(net: Localnet, *args: str) -> dict:
    """Runs `abci-mpc tx ... --wait -o json` against validator 0 and returns its JSON."""
    shown = " ".join(a if len(a) <= 24 else a[:12] + "…" for a in args)
    say(f"  $ abci-mpc {shown} --wait")
    cmd = [*abci_mpc_command(), *args, "--key", str(net.requester_key), "--node", net.validators[0].rpc_url,
           "--wait", "--timeout", "600", "-o", "json"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise DemoError(f"`abci-mpc {' '.join(args[:2])}` failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout)


def eth_tx(nonce: int) -> Eip1559Tx:
    return Eip1559Tx(chain_id=SEPOLIA, nonce=nonce, max_priority_fee_per_gas=1_500_000_000,
                     max_fee_per_gas=30_000_000_000, gas_limit=21_000, to=RECIPIENT, value=10**16)


def sign_tx(net: Localnet, key_id: str, sign_id: str, tx: Eip1559Tx, address: str) -> dict:
    digest = tx.signing_hash()
    t0 = time.monotonic()
    out = cli(net, "tx", "sign", key_id, sign_id, digest.hex())
    elapsed = time.monotonic() - t0
    sig = out["signature"]
    r, s, v = int(sig["r"], 16), int(sig["s"], 16), int(sig["v"])
    recovered = ecrecover(digest, r, s, v)
    if recovered != address:
        raise DemoError(f"ecrecover gives {recovered}, not the key's address {address}")
    raw = tx.signed(v, r, s)
    say(f"    signed in {elapsed:.1f}s at height {out['height']}; ecrecover -> {recovered} (matches)")
    say(f"    raw tx {raw.hex()[:40]}… ({len(raw)} bytes), tx hash 0x{keccak256(raw).hex()}")
    return {"digest": digest.hex(), "signature": {"r": sig["r"], "s": sig["s"], "v": v},
            "raw_tx": "0x" + raw.hex(), "seconds": round(elapsed, 2)}


def run(net: Localnet) -> dict:
    ids = net.node_ids
    key_id = f"demo-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"
    say(f"\n1. keygen {key_id}: t=2, n=4 (any 3 of the 4 validators sign)")
    t0 = time.monotonic()
    key = cli(net, "tx", "keygen", key_id, "--threshold", "2", "--parties", ",".join(ids))["key"]
    keygen_s = time.monotonic() - t0
    pubkey, address = key["pubkey"], key["eth_address"]
    if address_of(bytes.fromhex(pubkey)) != address:
        raise DemoError("the chain's eth_address does not match the public key")
    say(f"    READY in {keygen_s:.1f}s: pubkey {pubkey}\n    Ethereum address {address}")

    say("\n2. sign an EIP-1559 transfer of 0.01 ETH on Sepolia (keccak256 of the type-2 payload)")
    first = sign_tx(net, key_id, "eth-tx-0", eth_tx(0), address)

    say("\n3. reshare to validators 1, 2, 3 with t=1 (any 2 of 3 sign); validator 0 erases its share")
    t0 = time.monotonic()
    after = cli(net, "tx", "reshare", key_id, "--threshold", "1", "--parties", ",".join(ids[1:]))["key"]
    reshare_s = time.monotonic() - t0
    if after["pubkey"] != pubkey:
        raise DemoError(f"the public key changed in the reshare: {after['pubkey']}")
    say(f"    done in {reshare_s:.1f}s: same public key, committee {len(after['parties'])}, threshold {after['threshold']}")

    say("\n4. sign the next transaction with the new committee")
    second = sign_tx(net, key_id, "eth-tx-1", eth_tx(1), address)

    say("\n5. delete the key: committed first, then every holder erases its share and acknowledges")
    deleted = cli(net, "tx", "delete", key_id)["key"]
    say(f"    key status {deleted['status']}")

    say("\nSummary")
    say(f"  key {key_id}: 3-of-4 keygen {keygen_s:.1f}s, signed {first['seconds']}s, "
        f"reshared to 2-of-3 in {reshare_s:.1f}s, signed {second['seconds']}s, deleted")
    say(f"  address {address}; both signatures recover to it")
    return {"key_id": key_id, "pubkey": pubkey, "eth_address": address, "digest": first["digest"],
            "signature": first["signature"], "pubkey_after_reshare": after["pubkey"],
            "signed_tx": first["raw_tx"], "digest_after_reshare": second["digest"],
            "signature_after_reshare": second["signature"]}


def localnet_demo(args) -> int:
    dir_ = Path(args.dir).absolute()
    was_running = (dir_ / "localnet.json").exists() and Localnet.load(dir_).running()
    say("abci-mpc demo: CGGMP21 threshold ECDSA on a 4-validator CometBFT localnet\n")
    try:
        net = Localnet.up(dir_, 4, base_port=args.base_port, progress=say)
        result = run(net)
    except (DemoError, LocalnetError) as exc:
        say(f"error: {exc}")
        say(f"logs: {dir_}/node*/{{node,app}}.log")
        return 1
    finally:
        if not args.keep and not was_running and (dir_ / "localnet.json").exists():
            say("\n==> stopping the localnet (--keep leaves it up)")
            Localnet.load(dir_).down(progress=lambda _m: None)
    if args.keep or was_running:
        say(f"\nthe localnet is still up: abci-mpc localnet status --dir {dir_}; stop: abci-mpc localnet down --dir {dir_}")
    print(json.dumps(result))
    return 0


def in_process() -> int:
    """Three parties in one process: keygen (t=1), presign, sign, verify. No chain."""
    names = ["alice", "bob", "carol"]
    print("abci-mpc in-process demo: CGGMP21 threshold ECDSA, t=1 (any 2 of 3 sign)\n")
    t0 = time.perf_counter()
    parties = LocalParties(names)
    shares = parties.keygen(threshold=1)
    pk = shares["alice"].public_key
    print(f"1. keygen + aux-info     {time.perf_counter() - t0:6.2f} s   public key {pk.to_bytes().hex()}")
    print(f"                                  Ethereum address {ecdsa.eth_address(pk)}")
    t0 = time.perf_counter()
    presigs = parties.presign(shares, ["alice", "carol"])
    print(f"2. presign (alice,carol) {time.perf_counter() - t0:6.2f} s   3 rounds, offline")
    digest = hashlib.sha256(b"abci-mpc demo transaction").digest()
    t0 = time.perf_counter()
    sig = parties.sign(shares, presigs, digest)
    print(f"3. sign                  {(time.perf_counter() - t0) * 1e3:6.1f} ms  1 round")
    recovered = PublicKey.from_signature_and_message(sig.to_bytes(), digest, hasher=None)
    ok = ecdsa.verify(pk, digest, sig) and recovered.format() == pk.to_bytes()
    print(f"4. verify                {'OK' if ok else 'FAILED'}       libsecp256k1 verify + ecrecover\n")
    print(json.dumps({"pubkey": pk.to_bytes().hex(), "eth_address": ecdsa.eth_address(pk),
                      "digest": digest.hex(), "signature": sig.to_json()}))
    return 0 if ok else 1


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="demo", description=__doc__.split("\n")[0])
    p.add_argument("--dir", default=str(ROOT / "localnet"), help="localnet directory (default: ./localnet)")
    p.add_argument("--keep", action="store_true", help="leave the localnet running afterwards")
    p.add_argument("--base-port", type=int, default=26656, help="validator i uses base+10i.. (default 26656)")
    p.add_argument("--in-process", action="store_true", help="the old demo: three parties in one process, no chain")
    args = p.parse_args(argv)
    sys.exit(in_process() if args.in_process else localnet_demo(args))


if __name__ == "__main__":
    main()
