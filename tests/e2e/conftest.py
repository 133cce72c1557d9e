"""A real 4-validator localnet (abci-mpc-node + abci-mpc start, 8 processes on loopback),
shared by the tests of one module."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # e2ekit

from abci_mpc.localnet import Localnet  # noqa: E402
from e2ekit import free_base_port  # noqa: E402


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    d = tmp_path_factory.mktemp("localnet")
    log: list[str] = []
    net = Localnet.up(d / "net", 4, base_port=free_base_port(4), progress=log.append, timeout=120,
                      session_timeout_blocks=600)
    yield net
    net.down(progress=log.append)
    assert not any(v.pid(p) for v in net.validators for p in ("node", "app")), "localnet down left processes"
