"""In-process engines on the in-memory network, for tests/engine."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from collections import defaultdict

from abci_mpc.engine import Engine, EngineConfig, LocalIdentity
from abci_mpc.engine.api import KeygenRequest, SignDone, SignRequest
from abci_mpc.engine.memory import MemoryNetwork
from abci_mpc.store import KeyStore, StoreSecret
from abci_mpc.tss import ecdsa
from abci_mpc.tss.curve import Point

NAMES = ("p0", "p1", "p2", "p3")


def sid() -> bytes:
    return secrets.token_bytes(16)


def digest(msg: bytes = b"") -> bytes:
    return hashlib.sha256(msg or secrets.token_bytes(16)).digest()


def verify(pubkey: bytes, dig: bytes, r: SignDone) -> bool:
    return ecdsa.verify(Point.from_bytes(pubkey), dig, ecdsa.Signature(r.r, r.s, r.v))


class MemCluster:
    """Engines p0..pn-1 in this event loop, joined by a MemoryNetwork, sharing one CryptoPool."""

    def __init__(self, tmp_path, pool, names=NAMES, *, aux=None, tap=None, **cfg):
        self.names = tuple(names)
        self.net = MemoryNetwork(tap=tap)
        self.pool = pool
        self.ids = {p: LocalIdentity.generate(p) for p in self.names}
        self.directory = {p: i.public() for p, i in self.ids.items()}
        self.results: dict[str, list] = defaultdict(list)
        self._by_session: dict[bytes, dict[str, object]] = defaultdict(dict)
        self.engines: dict[str, Engine] = {}
        self.stores: dict[str, KeyStore] = {}
        self.secrets = {p: StoreSecret.from_key(os.urandom(32)) for p in self.names}
        self.paths = {p: tmp_path / p for p in self.names}
        self.transports = {p: self.net.endpoint(p) for p in self.names}
        self.aux = aux
        base = dict(accept_peer_requests=True, presig_target=0, paillier_stash=0, ready_grace=0.3,
                    leader_failover=2.0)
        base.update(cfg)
        self.cfg = base

    def config(self, **over) -> EngineConfig:
        c = dict(self.cfg)
        c.update(over)
        deadlines = c.pop("deadlines", None)
        cfg = EngineConfig(**c)
        if deadlines:
            cfg.deadlines.update(deadlines)
        return cfg

    async def start(self, *parties, **over) -> None:
        for p in parties or self.names:
            if p not in self.stores:
                self.stores[p] = (KeyStore.open if self.paths[p].exists() else KeyStore.create)(
                    self.paths[p], self.secrets[p])
            e = Engine(self.ids[p], self.directory, self.transports[p], self.stores[p], self.config(**over),
                       pool=self.pool, on_result=lambda r, p=p: self._on_result(p, r))
            if self.aux is not None and p in self.aux:
                e.aux.add(self.aux[p])
            await e.start()
            self.engines[p] = e

    async def stop(self, party: str, *, close_store: bool = False) -> None:
        """As if the engine's process stopped: cut off, then closed."""
        self.net.disconnect(party)
        e = self.engines.pop(party)
        await e.close()
        if close_store:
            self.stores.pop(party).close()

    async def close(self) -> None:
        for p in list(self.engines):
            await self.engines.pop(p).close()
        for s in self.stores.values():
            s.close()

    def _on_result(self, party: str, result) -> None:
        self.results[party].append(result)
        self._by_session[result.session_id][party] = result

    def of(self, session: bytes) -> dict[str, object]:
        """Each party's (last) result for `session`."""
        return dict(self._by_session.get(session, {}))

    async def wait(self, pred, timeout: float = 60.0, what: str = "condition") -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not pred():
            if loop.time() > end:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    async def wait_session(self, session: bytes, parties, timeout: float = 60.0) -> dict[str, object]:
        parties = set(parties)
        await self.wait(lambda: parties <= set(self.of(session)), timeout, f"results from {sorted(parties)}")
        return self.of(session)

    async def keygen(self, key_id: str, threshold: int, parties=None, via: str | None = None, timeout=120.0) -> bytes:
        parties = tuple(parties or self.names)
        s = sid()
        self.engines[via or parties[0]].submit(KeygenRequest(s, "req-" + key_id, key_id, threshold, parties))
        res = await self.wait_session(s, parties, timeout)
        pubs = {type(r).__name__ + ":" + getattr(r, "pubkey", b"").hex() for r in res.values()}
        assert len(pubs) == 1 and next(iter(pubs)).startswith("KeygenDone"), res
        return next(iter(res.values())).pubkey

    async def sign(self, key_id: str, dig: bytes, via: str, signers: int, timeout=60.0, **kw):
        s = sid()
        self.engines[via].submit(SignRequest(s, "req", key_id, "sign-" + s.hex()[:8], dig, **kw))
        await self.wait(lambda: len(self.of(s)) >= signers, timeout, "signatures")
        return s, self.of(s)
