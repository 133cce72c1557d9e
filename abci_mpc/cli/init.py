"""`abci-mpc init`: create an application home and print this party's genesis entry."""

from __future__ import annotations

from pathlib import Path

import click

from .. import config
from ..home import HomeError, init_home, node_identity
from .main import UserError, cli
from .query import emit, output_option
from .start import flags_of, home_option, setting_options


@cli.command("init")
@home_option
@click.option("--node-home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The CometBFT node's home: its node ID (and validator key) bind this MPC identity, "
                   "and its bridge socket is the default node.bridge. [default: ~/.cometbft]")
@click.option("--node-id", default=None, help="The node's ID instead of reading --node-home (abci-mpc-node show-node-id).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Protect the key store with the passphrase in this file (mode 0600) instead of a generated key file.")
@setting_options
@output_option
def init(home: Path, node_home: Path | None, node_id: str | None, passphrase_file: Path | None, output: str,
         **kwargs) -> None:
    """Create HOME: config.toml, the MPC identity, the store secret and an empty key store.

    Prints the party's entry for the genesis app_state.parties (public keys only).
    """
    flags = flags_of(kwargs)
    validator = None
    if node_id is None:
        node_id, validator = _from_node_home(node_home)
    if node_home is not None and "node.bridge" not in flags:
        flags["node.bridge"] = config.default_bridge(node_home)
    try:
        entry = init_home(home, node_id, validator_pubkey=validator, passphrase_file=passphrase_file, flags=flags)
    except (HomeError, config.ConfigError) as exc:
        raise UserError(str(exc)) from None
    home = home.expanduser().absolute()
    emit({"home": str(home), "config": str(home / config.CONFIG_FILE), "party": entry}, output)


def _from_node_home(node_home: Path | None) -> tuple[str, str | None]:
    try:
        return node_identity(node_home or config.DEFAULT_NODE_HOME)
    except HomeError as exc:
        raise UserError(f"{exc}; or pass --node-id") from None
