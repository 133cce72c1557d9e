"""Migrating a tss-lib network: each engine imports its party's tss-lib share locally, a
keygen request for that key id then registers it with no new work (every party already holds
it READY and reports the imported public key), and the key signs under ECDSAPub. A request
with another threshold is refused. The party ids are node-ID-like names whose sorted order
is not the files' Ks order."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from abci_mpc.engine.api import KeygenDone, KeygenRequest, SessionFailed
from abci_mpc.engine.flows.keygen import import_key_session_id
from abci_mpc.store import KeyStore, Origin
from abci_mpc.tss import tsslib
from abci_mpc.tss.serialize import key_share_to_bytes
from enginehelpers import MemCluster, digest, sid, verify

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "tss-lib" / "ecdsa"
IN_KS_ORDER = ["n4", "n2", "n0", "n3", "n1"]  # party of Ks[0], Ks[1], ...: not sorted


def test_imported_tsslib_key_is_registered_by_keygen_and_signs(tmp_path, pool):
    files = sorted(FIXTURES.glob("keygen_data_*.json"))
    expected = json.loads(files[0].read_text())["ECDSAPub"]["Coords"]

    async def main():
        c = MemCluster(tmp_path, pool, names=sorted(IN_KS_ORDER))
        for f in files:
            share = tsslib.import_share(f.read_text(), party_names=IN_KS_ORDER)
            c.stores[share.me] = store = KeyStore.create(c.paths[share.me], c.secrets[share.me])
            rec = store.begin_keygen("metis", share.threshold, share.parties, "import", origin=Origin.IMPORT,
                                     key_session_id=import_key_session_id("metis", share))
            store.mark_ready("metis", rec.key_session_id, share.public_key.to_bytes(), key_share_to_bytes(share))
        await c.start()
        try:
            s = sid()
            c.engines["n0"].submit(KeygenRequest(s, "req-wrong", "metis", 1, tuple(c.names)))
            res = await c.wait_session(s, c.names, 60)
            assert all(isinstance(r, SessionFailed) for r in res.values()), res

            pub = await c.keygen("metis", 2)
            results = c.of(next(r.session_id for r in c.results["n0"] if isinstance(r, KeygenDone)))
            assert all(isinstance(r, KeygenDone) and r.existing for r in results.values()), results
            x, y = expected
            assert pub == bytes([2 + (y & 1)]) + x.to_bytes(32, "big")

            d = digest()
            _, sigs = await c.sign("metis", d, via="n3", signers=3)
            assert len(sigs) == 3 and all(verify(pub, d, r) for r in sigs.values())
        finally:
            await c.close()
    asyncio.run(main())
