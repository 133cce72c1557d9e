import asyncio
import os

import pytest

from abci_mpc.engine import CryptoPool
from abci_mpc.tss.runner import LocalParties

from enginehelpers import NAMES


@pytest.fixture(scope="session")
def pool():
    """One crypto pool shared by the in-process engine tests here."""
    p = CryptoPool(int(os.environ.get("ENGINE_TEST_WORKERS", "2")))
    asyncio.run(p.start())
    yield p
    asyncio.run(p.close())


@pytest.fixture(scope="session")
def aux4():
    """Aux info for NAMES made once, so keygens here skip the aux-info run."""
    return LocalParties(NAMES).aux()
