"""100 sessions at once across 4 engines — keygens (reusing aux info) and signatures over a warm
presignature pool — all complete, and the event loop stays responsive throughout."""

import asyncio
import statistics
import time

from abci_mpc.engine.api import KeygenDone, KeygenRequest, SignDone, SignRequest
from enginehelpers import NAMES, MemCluster, digest, sid, verify

KEYGENS, SIGNS = 60, 40


class LagProbe:
    """Sleeps 1 ms in a loop and records how late each wake-up is, and how much CPU the
    event-loop thread itself spent meanwhile (lateness without CPU is the OS, not our code)."""

    def __init__(self):
        self.lags: list[float] = []
        self.busy: list[float] = []

    async def run(self):
        loop = asyncio.get_running_loop()
        while True:
            t, cpu = loop.time(), time.thread_time()
            await asyncio.sleep(0.001)
            self.lags.append(loop.time() - t - 0.001)
            self.busy.append(time.thread_time() - cpu)


def test_100_concurrent_keygens_and_signs_complete_and_the_loop_never_stalls(tmp_path, pool, aux4):
    async def main():
        c = MemCluster(tmp_path, pool, aux=aux4, presig_concurrency=2)
        await c.start()
        try:
            pk = await c.keygen("base", 1)
            for e in c.engines.values():
                e.set_presig_target(SIGNS)
            await c.wait(lambda: all(c.engines[p].presignature_pool_size("base") >= SIGNS for p in ("p0", "p1")),
                         150, "a warm presignature pool")
            for e in c.engines.values():
                e.set_presig_target(0)

            probe = LagProbe()
            probe_task = asyncio.create_task(probe.run())
            keygens = [sid() for _ in range(KEYGENS)]
            signs = [(sid(), digest()) for _ in range(SIGNS)]
            jobs = [("kg", s) for s in keygens] + [("sg", s) for s in signs]
            jobs = [j for pair in zip(jobs[:KEYGENS], jobs[KEYGENS:] + [None] * KEYGENS) for j in pair if j]
            for i, (kind, s) in enumerate(jobs):
                via = NAMES[i % 4]
                if kind == "kg":
                    c.engines[via].submit(KeygenRequest(s, "r", f"key-{i}", 1, NAMES, timeout=120))
                else:
                    c.engines[via].submit(SignRequest(s[0], "r", "base", f"sig-{i}", s[1], timeout=120))
            await c.wait(lambda: all(len(c.of(s)) == 4 for s in keygens)
                         and all(len(c.of(s)) == 2 for s, _ in signs), 150, "100 sessions")
            probe_task.cancel()

            for s in keygens:
                res = c.of(s)
                assert all(isinstance(r, KeygenDone) for r in res.values()), res
                assert len({r.pubkey for r in res.values()}) == 1
            for s, d in signs:
                res = c.of(s)
                assert all(isinstance(r, SignDone) and verify(pk, d, r) for r in res.values()), res
            assert all(e.stats["run_aux"] == 0 for e in c.engines.values())
            lags = sorted(probe.lags)
            p99 = lags[int(len(lags) * 0.99)]
            busy = max(probe.busy)
            print(f"loop lag over {len(lags)} probes: median {statistics.median(lags) * 1e3:.2f} ms, "
                  f"p99 {p99 * 1e3:.2f} ms, max {lags[-1] * 1e3:.2f} ms; loop thread busy at most "
                  f"{busy * 1e3:.2f} ms per probe")
            # The worst probe interval is a CPython full garbage collection over the live state of
            # 400 sessions (4 engines in this one process), not engine code; p99 is what a
            # session sees. Lateness beyond busy time is OS scheduling on a shared 2-core box.
            assert p99 < 0.010 and busy < 0.025 and lags[-1] < 0.100
        finally:
            await c.close()
    asyncio.run(main())
