import asyncio
import os

import pytest

from abci_mpc.engine import CryptoPool
from abci_mpc.tss.runner import LocalParties

from enginehelpers import NAMES


@pytest.fixture(scope="session")
def pool():
    """One crypto pool (2 workers) shared by every in-process test: workers start once."""
    p = CryptoPool(int(os.environ.get("ENGINE_TEST_WORKERS", "2")))
    asyncio.run(p.start())
    yield p
    asyncio.run(p.close())


@pytest.fixture(scope="session")
def aux4():
    """Aux info for the party set NAMES, made once by the tss runner: engines given it skip the
    ~6 s-of-CPU aux-info run in keygen (they reuse aux info for the same party set)."""
    return LocalParties(NAMES).aux()
