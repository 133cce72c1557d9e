"""In-process runner: drives n parties' sessions by handing envelopes between them.

Used by the tests, the benchmark and the README's library example. It is a plain loop
over a queue — no threads, no sockets — so a whole protocol run is deterministic apart
from the parties' randomness (and the delivery order, when `shuffle` is given).

    parties = LocalParties(["alice", "bob", "carol"])
    shares = parties.keygen(threshold=1)
    presigs = parties.presign(shares, ["alice", "carol"])
    sig = parties.sign(shares, presigs, digest)
"""

from __future__ import annotations

import random
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from concurrent.futures import Executor

from . import aux, keygen, presign, refresh, reshare, sign
from .blame import Blame
from .errors import ProtocolAbort, Rejected, SessionClosed
from .identity import Ed25519Signer
from .paillier import PaillierSecretKey
from .rounds import SessionInfo, Step
from .session import Outgoing, Session
from .shares import KeyShare, Presignature

# interceptor(sender, recipient, data) -> data to deliver, or None to drop it
Interceptor = Callable[[str, str, bytes], bytes | None]


@dataclass
class PartyStats:
    cpu_s: float = 0.0
    bytes_sent: int = 0
    messages_sent: int = 0


@dataclass
class RunResult:
    results: dict[str, object] = field(default_factory=dict)
    blames: dict[str, Blame] = field(default_factory=dict)
    rejected: int = 0
    stats: dict[str, PartyStats] = field(default_factory=dict)

    def unwrap(self) -> dict:
        if self.blames:
            raise ProtocolAbort(next(iter(self.blames.values())))
        return self.results


def run(starts: Mapping[str, tuple[Session, Callable[[], Step]]], *, shuffle: random.Random | None = None,
        interceptor: Interceptor | None = None, clock: Callable[[], float] | None = None) -> RunResult:
    """Start every session (the callable computes its first round), then deliver until quiet.
    `clock` (e.g. time.process_time, passed by the benchmark) charges CPU time to each party."""
    out = RunResult()
    sessions = {p: s for p, (s, _) in starts.items()}
    queue: deque[tuple[str, str, bytes]] = deque()

    def post(sender: str, msgs: Iterable[Outgoing]) -> None:
        st = out.stats[sender]
        for m in msgs:
            targets = [m.to] if m.to else [p for p in sessions[sender].info.parties if p != sender]
            st.messages_sent += 1
            st.bytes_sent += len(m.data) * len(targets)
            for t in targets:
                queue.append((sender, t, m.data))

    def timed(party: str, fn):
        if clock is None:
            return fn()
        t0 = clock()
        try:
            return fn()
        finally:
            out.stats[party].cpu_s += clock() - t0

    for p, (s, first) in starts.items():
        out.stats[p] = PartyStats()
        post(p, timed(p, lambda s=s, first=first: s.start(first())))
    while queue:
        if shuffle is not None:
            i = shuffle.randrange(len(queue))
            queue.rotate(-i)
        sender, to, data = queue.popleft()
        if to not in sessions or to in out.blames:
            continue
        if interceptor is not None:
            data = interceptor(sender, to, data)
            if data is None:
                continue
        try:
            post(to, timed(to, lambda: sessions[to].receive(data)))
        except (Rejected, SessionClosed):
            out.rejected += 1
        except ProtocolAbort as exc:
            out.blames[to] = exc.blame
            post(to, exc.outgoing)
    for p, s in sessions.items():
        if s.result is not None:
            out.results[p] = s.result
    return out


class LocalParties:
    """n parties with fresh identity keys, living in one process."""

    def __init__(self, names: Iterable[str], *, paillier_bits: int = 2048, executor: Executor | None = None,
                 clock: Callable[[], float] | None = None):
        self.names = tuple(sorted(names))
        self.signers = {p: Ed25519Signer.generate() for p in self.names}
        self.identities = {p: s.public_key for p, s in self.signers.items()}
        self.paillier_bits = paillier_bits
        self.executor = executor
        self.clock = clock
        self.last: RunResult | None = None

    def session(self, protocol: str, members, me: str, binding: bytes = b"", session_id: bytes | None = None) -> Session:
        info = SessionInfo(protocol, session_id or self._sid, tuple(sorted(members)), me, binding)
        return Session(info, self.signers[me], self.identities)

    def _run(self, protocol: str, members, binding: bytes, begin, **kw) -> dict:
        self._sid = secrets.token_bytes(16)
        starts = {}
        for p in sorted(members):
            s = self.session(protocol, members, p, binding)
            starts[p] = (s, lambda s=s, p=p: begin(s.info, p))
        self.sessions = {p: s for p, (s, _) in starts.items()}
        kw.setdefault("clock", self.clock)
        self.last = run(starts, **kw)
        return self.last.unwrap()

    def aux(self, members=None, paillier: Mapping[str, PaillierSecretKey] | None = None, **kw) -> dict:
        members = tuple(sorted(members or self.names))
        if paillier is None:
            paillier = {p: PaillierSecretKey.generate(self.paillier_bits, self.executor) for p in members}
        return self._run(aux.PROTOCOL, members, b"", lambda info, p: aux.begin(info, paillier[p]), **kw)

    def keygen(self, threshold: int, members=None, *, with_aux: bool = True, **kw) -> dict[str, KeyShare]:
        members = tuple(sorted(members or self.names))
        shares = self._run(keygen.PROTOCOL, members, keygen.binding(threshold),
                           lambda info, p: keygen.begin(info, threshold), **kw)
        if with_aux:
            auxes = self.aux(members)
            shares = {p: s.with_aux(auxes[p]) for p, s in shares.items()}
        return shares

    def presign(self, shares: Mapping[str, KeyShare], signers, **kw) -> dict[str, Presignature]:
        any_share = next(iter(shares.values()))
        b = presign.binding(any_share)
        return self._run(presign.PROTOCOL, signers, b, lambda info, p: presign.begin(info, shares[p], self.signers[p], self.identities), **kw)

    def sign(self, shares: Mapping[str, KeyShare], presigs: Mapping[str, Presignature], digest: bytes, **kw):
        ps = next(iter(presigs.values()))
        b = sign.binding(ps.id, ps.key_fingerprint, ps.R, digest)
        results = self._run(sign.PROTOCOL, ps.signers, b,
                            lambda info, p: sign.begin(info, shares[p], presigs[p], digest, self.identities), **kw)
        sigs = set(results.values())
        assert len(sigs) == 1, "signers disagree on the signature"
        return sigs.pop()

    def _paillier(self, members) -> dict[str, PaillierSecretKey]:
        return {p: PaillierSecretKey.generate(self.paillier_bits, self.executor) for p in members}

    def reshare(self, shares: Mapping[str, KeyShare], dealers, new_parties, new_threshold: int,
                paillier: Mapping[str, PaillierSecretKey] | None = None, **kw) -> dict[str, "reshare.Output"]:
        """Old shares are keyed by party; dealers must hold one. Returns every participant's Output."""
        any_share = next(iter(shares.values()))
        old = reshare.OldKey.of(any_share)
        members = tuple(sorted(set(dealers) | set(new_parties)))
        paillier = paillier if paillier is not None else self._paillier(new_parties)
        b = reshare.binding(old, dealers, new_parties, new_threshold)
        return self._run(reshare.PROTOCOL, members, b, lambda info, p: reshare.begin(
            info, shares.get(p), old, dealers, new_parties, new_threshold, paillier.get(p)), **kw)

    def refresh(self, shares: Mapping[str, KeyShare], paillier: Mapping[str, PaillierSecretKey] | None = None,
                **kw) -> dict[str, KeyShare]:
        members = tuple(sorted(shares))
        paillier = paillier if paillier is not None else self._paillier(members)
        b = refresh.binding(next(iter(shares.values())))
        out = self._run(refresh.PROTOCOL, members, b,
                        lambda info, p: refresh.begin(info, shares[p], paillier[p]), **kw)
        return {p: o.share for p, o in out.items()}
