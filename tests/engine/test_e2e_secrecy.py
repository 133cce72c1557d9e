"""Direct tss payloads (VSS shares, MtA values, partial signatures) are sealed end to end:
whoever relays or watches the frames — here a tap on every frame between every pair —
never sees one in clear."""

import asyncio

from abci_mpc.engine import context
from abci_mpc.engine.engine_pb2 import Frame
from abci_mpc.tss.session import parse_envelope
from enginehelpers import MemCluster, digest


def test_no_direct_payload_crosses_the_wire_in_clear(tmp_path, pool, aux4, monkeypatch):
    wire: list[bytes] = []
    sealed_plaintexts: list[bytes] = []
    real_seal = context.seal

    def recording_seal(key, plaintext, ad):
        sealed_plaintexts.append(plaintext)
        return real_seal(key, plaintext, ad)

    monkeypatch.setattr(context, "seal", recording_seal)

    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4, tap=lambda s, r, data: wire.append(data))
        await c.start()
        try:
            await c.keygen("k", 1)
            await c.sign("k", digest(), via="p2", signers=2)  # presign + sign: MtA and partials
        finally:
            await c.close()

    asyncio.run(main())
    direct = [parse_envelope(p) for p in sealed_plaintexts]
    protocols = {e.protocol for e in direct}
    assert {"keygen", "presign"} <= protocols  # keygen's round-3 shares, presigning's MtA
    assert all(e.recipient for e in direct)
    blob = b"\x00".join(wire)
    for env in direct:
        assert len(env.payload) >= 32
        assert env.payload not in blob, f"{env.protocol} round {env.round} payload seen in clear"
    # and no frame on the wire carries a direct envelope unsealed
    for data in wire:
        f = Frame.FromString(data)
        if f.WhichOneof("kind") == "tss" and f.tss.WhichOneof("body") == "envelope":
            assert parse_envelope(f.tss.envelope).recipient == ""
