"""`abci-mpc query`: read committed chain state through the node's RPC (ABCI Query)."""

from __future__ import annotations

import json

import click

from ..chain import codes
from ..chain.rpc import DEFAULT_NODE, NodeRPC, NodeUnavailable, RPCError
from .main import UserError, cli

node_option = click.option(
    "--node", default=DEFAULT_NODE, show_default=True, envvar="ABCI_MPC_NODE",
    help="The node's RPC URL.",
)
output_option = click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Output format.",
)


def connect(node: str, timeout: float = 10.0) -> NodeRPC:
    try:
        return NodeRPC(node, timeout)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def rpc_call(fn, *args, **kwargs):
    """Runs an RPC call, turning node trouble into one-line user errors."""
    try:
        return fn(*args, **kwargs)
    except NodeUnavailable as exc:
        raise UserError(f"{exc} (is the node running? see --node)") from None
    except RPCError as exc:
        raise UserError(f"node error: {exc}") from None


def fetch(rpc: NodeRPC, path: str):
    """The JSON value at a query path; a non-zero code is a user error."""
    res = rpc_call(rpc.abci_query, path)
    if res.code != codes.OK:
        raise UserError(res.log or f"query {path} failed with code {res.code}")
    try:
        return res.json()
    except ValueError:
        raise UserError(f"query {path}: the node's app did not return JSON (is it abci-mpc?)") from None


def emit(value, output: str) -> None:
    if output == "json":
        click.echo(json.dumps(value))
    else:
        click.echo("\n".join(text_lines(value)))


def text_lines(value, indent: str = "") -> list[str]:
    """Readable `field: value` lines; nested objects and lists of objects are indented."""
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], (dict, list))):
                lines.append(f"{indent}{k}:")
                lines += text_lines(v, indent + "  ")
            else:
                lines.append(f"{indent}{k}: {_scalar(v)}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (dict, list)):
                lines.append(f"{indent}- [{i}]")
                lines += text_lines(v, indent + "    ")
            else:
                lines.append(f"{indent}- {_scalar(v)}")
    else:
        lines.append(f"{indent}{_scalar(value)}")
    return lines


def _scalar(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(_scalar(x) for x in v) or "-"
    return str(v)


@cli.group("query")
def query() -> None:
    """Query keys, signatures and sessions on the chain."""


@query.command("key")
@click.argument("key_id")
@node_option
@output_option
def query_key(key_id: str, node: str, output: str) -> None:
    """Show a key: status, committee, public key, Ethereum address."""
    emit(fetch(connect(node), f"/key/{key_id}"), output)


@query.command("keys")
@click.option("--after", default=None, help="Start after this key id (paging).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000))
@node_option
@output_option
def query_keys(after: str | None, limit: int, node: str, output: str) -> None:
    """List keys in key id order."""
    path = f"/keys?limit={limit}" + (f"&after={after}" if after else "")
    page = fetch(connect(node), path)
    if output == "json":
        emit(page, output)
        return
    keys = page["keys"]
    if not keys:
        click.echo("no keys")
    for k in keys:
        click.echo(f"{k['key_id']}  {k['status']}  t={k['threshold']} n={len(k['parties'])}  "
                   f"{k['eth_address'] or '-'}")
    if page["next"]:
        click.echo(f"(more: --after {page['next']})")


@query.command("signature")
@click.argument("key_id")
@click.argument("sign_id")
@node_option
@output_option
def query_signature(key_id: str, sign_id: str, node: str, output: str) -> None:
    """Show a signature request and, once committed, r, s and v."""
    emit(fetch(connect(node), f"/signature/{key_id}/{sign_id}"), output)


@query.command("session")
@click.argument("session_id")
@node_option
@output_option
def query_session(session_id: str, node: str, output: str) -> None:
    """Show a session (32 hex characters): request, reports, outcome."""
    emit(fetch(connect(node), f"/session/{session_id}"), output)


@query.command("blame")
@click.argument("session_id")
@node_option
@output_option
def query_blame(session_id: str, node: str, output: str) -> None:
    """Show why a session failed: failure reports, missing parties, conflicting keys."""
    emit(fetch(connect(node), f"/blame/{session_id}"), output)


@query.command("parties")
@node_option
@output_option
def query_parties(node: str, output: str) -> None:
    """List the chain's MPC parties (from genesis)."""
    emit(fetch(connect(node), "/parties"), output)
