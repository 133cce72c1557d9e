"""`abci-mpc localnet up|down|status`: N validators (node + app each) on loopback."""

from __future__ import annotations

from pathlib import Path

import click

from ..localnet import Localnet, LocalnetError
from .main import UserError, cli
from .query import emit, output_option

dir_option = click.option("--dir", "dir_", type=click.Path(file_okay=False, path_type=Path),
                          default=Path("localnet"), show_default=True, help="The localnet's directory.")
validator_option = click.option("--validator", "-v", "which", type=int, multiple=True,
                                 help="Only this validator (repeatable); default all.")


def _load(dir_: Path) -> Localnet:
    try:
        return Localnet.load(dir_)
    except LocalnetError as exc:
        raise UserError(str(exc)) from None


@cli.group("localnet")
def localnet() -> None:
    """A local testnet: validators on loopback, each an abci-mpc-node and an abci-mpc app."""


@localnet.command("up")
@dir_option
@click.option("--validators", type=click.IntRange(2, 16), default=4, show_default=True)
@click.option("--base-port", type=int, default=26656, show_default=True,
              help="Validator i uses base+10i+{0 p2p, 1 RPC, 2 ABCI, 3 bridge, 4 metrics}.")
@click.option("--block-time", default="400ms", show_default=True, help="CometBFT timeout_commit.")
@click.option("--session-timeout-blocks", type=click.IntRange(1, 1_000_000), default=1000, show_default=True,
              help="Genesis app_state.session_timeout_blocks.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Crypto worker processes per app.")
@click.option("--presig-target", type=click.IntRange(0, 10_000), default=4, show_default=True,
              help="Presignatures each key's pool keeps ready.")
@click.option("--timeout", type=float, default=180.0, show_default=True, help="Seconds to wait for blocks.")
@validator_option
def up(dir_, validators, base_port, block_time, session_timeout_blocks, workers, presig_target, timeout,
       which) -> None:
    """Create (unless DIR has one) and start the localnet; wait until it makes blocks.

    The creation options apply only to a new localnet; an existing one is restarted as it was.
    """
    try:
        net = Localnet.up(dir_, validators, timeout=timeout, base_port=base_port, block_time=block_time,
                          session_timeout_blocks=session_timeout_blocks, workers=workers,
                          presig_target=presig_target) if not which else _start_some(dir_, which, timeout)
    except LocalnetError as exc:
        raise UserError(str(exc)) from None
    v0 = net.validators[0]
    click.echo(f"localnet {net.chain_id} is up in {net.dir}\n"
               f"  parties:   {','.join(net.node_ids)}\n"
               f"  node RPC:  {v0.rpc_url}   (abci-mpc query/tx --node {v0.rpc_url})\n"
               f"  requester: {net.requester_key}   (abci-mpc tx --key {net.requester_key})\n"
               f"  stop it:   abci-mpc localnet down --dir {dir_}")


def _start_some(dir_: Path, which, timeout: float) -> Localnet:
    net = Localnet.load(dir_)
    net.start(which)
    net.wait_ready(timeout, which=which)
    return net


@localnet.command("down")
@dir_option
@validator_option
def down(dir_, which) -> None:
    """Stop the processes this localnet started (by their pid files); the data stays."""
    net = _load(dir_)
    net.stop(which or None)
    click.echo("stopped" if not which else f"stopped validator(s) {', '.join(map(str, which))}")


@localnet.command("status")
@dir_option
@output_option
def status(dir_, output) -> None:
    """Show each validator's processes, height, app hash and peers."""
    rows = _load(dir_).status()
    if output == "json":
        emit(rows, output)
        return
    click.echo(f"{'validator':<10} {'node pid':>8} {'app pid':>8} {'height':>7} {'peers':>5}  app hash")
    for r in rows:
        click.echo(f"{r['validator']:<10} {r['node_pid'] or '-':>8} {r['app_pid'] or '-':>8} "
                   f"{r['height'] if r['height'] is not None else '-':>7} "
                   f"{r['peers'] if r['peers'] is not None else '-':>5}  {r['app_hash'] or '-'}")
