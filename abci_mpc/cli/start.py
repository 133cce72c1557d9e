"""`abci-mpc start`: run the application process (ABCI server, MPC engine, bridge, results).

SIGTERM or SIGINT stops it cleanly: ABCI closes first, running sessions end, stores close.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import click

from .. import config, logs, metrics
from ..chain.abci import AddressError
from ..chain.node import AppNode, NodeError
from ..chain.state import StateError
from ..home import HomeError, open_node
from .main import UserError, cli

log = logging.getLogger("abci_mpc.start")

home_option = click.option(
    "--home", type=click.Path(file_okay=False, path_type=Path), default=config.DEFAULT_HOME,
    show_default=True, envvar="ABCI_MPC_HOME", help="The application home (config.toml, keys, data).")


def setting_options(fn):
    """One --section.name flag per config.toml setting (the flag wins over env and file)."""
    for s in reversed(config.SETTINGS):
        fn = click.option(s.flag, f"set__{s.section}__{s.name}", default=None, metavar=s.type.__name__.upper(),
                          help=f"{s.help} [{s.env}]")(fn)
    return fn


def flags_of(kwargs: dict) -> dict[str, str]:
    """{"engine.workers": "1"} from the set__section__name keyword arguments given."""
    out = {}
    for k in [k for k in kwargs if k.startswith("set__")]:
        value = kwargs.pop(k)
        if value is not None:
            _, section, name = k.split("__")
            out[f"{section}.{name}"] = value
    return out


@cli.command("start")
@home_option
@setting_options
def start(home: Path, **kwargs) -> None:
    """Run the abci-mpc application for this validator's node."""
    try:
        cfg = config.load(home, os.environ, flags_of(kwargs))
    except config.ConfigError as exc:
        raise UserError(str(exc)) from None
    logs.setup(cfg.log.level, cfg.log.format)
    server = None
    if cfg.metrics.listen:
        try:
            server = metrics.serve(cfg.metrics.listen)
        except OSError as exc:
            raise UserError(f"metrics.listen {cfg.metrics.listen}: {exc.strerror or exc}") from None
        log.info("metrics at %s", server.url)
    try:
        settings = open_node(cfg)
    except HomeError as exc:
        raise UserError(str(exc)) from None
    try:
        asyncio.run(_run(AppNode(settings), cfg.home))
    except NodeError as exc:
        log.error("%s", exc)
        raise UserError(str(exc)) from None
    except StateError as exc:
        raise UserError(f"state.dir: {exc}") from None
    except (AddressError, OSError) as exc:
        raise UserError(f"abci.listen {cfg.abci.listen}: {getattr(exc, 'strerror', None) or exc}") from None
    finally:
        if server is not None:
            server.close()


async def _run(node: AppNode, home: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("starting: home=%s party=%s abci=%s bridge=%s rpc=%s", home, node.me,
             node.settings.abci_listen, node.settings.bridge_url, node.settings.rpc_url)
    await node.run(stop)
