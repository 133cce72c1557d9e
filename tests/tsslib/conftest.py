"""The real tss-lib v2 fixtures (../shared/fixtures/tss-lib/ecdsa/, five parties, t = 2),
read through a path relative to the repository root: CI clones the repo next to shared/."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # tsslib_helpers

from abci_mpc.tss import tsslib  # noqa: E402
from abci_mpc.tss.runner import LocalParties  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "tss-lib" / "ecdsa"
FILES = [FIXTURES / f"keygen_data_{i}.json" for i in range(5)]


@pytest.fixture(scope="session")
def texts() -> list[str]:
    missing = [f for f in FILES if not f.is_file()]
    assert not missing, f"tss-lib fixtures not found: {missing} (is shared/ cloned next to the repository?)"
    return [f.read_text() for f in FILES]


@pytest.fixture(scope="session")
def raw(texts) -> list[dict]:
    return [json.loads(t) for t in texts]


@pytest.fixture(scope="session")
def imported(texts) -> dict:
    """party name -> KeyShare, with tsslib's default names (party-00 .. party-04)."""
    shares = [tsslib.import_share(t) for t in texts]
    return {s.me: s for s in shares}


@pytest.fixture(scope="session")
def lp(imported) -> LocalParties:
    return LocalParties([*imported, "party-05", "party-06"])
