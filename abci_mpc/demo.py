"""In-process demo: three parties generate a 2-of-3 key, presign, sign an Ethereum-style
digest, and the signature is checked by libsecp256k1 and by public-key recovery."""

from __future__ import annotations

import hashlib
import json
import time

from coincurve import PublicKey

from .tss import ecdsa
from .tss.runner import LocalParties


def main() -> None:
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
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
