"""`abci-mpc tx`: sign and broadcast key lifecycle requests; optionally wait for the outcome.

The requester key is an Ed25519 private key in a PEM file (``tx new-requester-key``);
its public key must be listed in the genesis ``app_state.requesters``.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..chain import codes, tx_pb2, txs
from ..tss.identity import Ed25519Signer
from .main import UserError, cli, write_private_file
from .query import connect, emit, fetch, node_option, output_option, rpc_call

DEFAULT_TIMEOUT = 120.0


# --- requester key files --------------------------------------------------------


def write_requester_key(path: Path, force: bool = False) -> Ed25519Signer:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private_file(path, pem, force)
    return Ed25519Signer(key)


def load_requester_key(path: Path) -> Ed25519Signer:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read requester key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise UserError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return Ed25519Signer(key)


# --- the group ----------------------------------------------------------------------


@cli.group("tx")
def tx() -> None:
    """Submit key lifecycle requests (keygen, sign, reshare, refresh, delete)."""


@tx.command("new-requester-key")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PEM private key (mode 0600).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@output_option
def new_requester_key(out: Path, force: bool, output: str) -> None:
    """Create a requester key; put its public key in genesis app_state.requesters."""
    signer = write_requester_key(out, force)
    emit({"key_file": str(out), "public_key": signer.public_key.hex()}, output)


def _request_options(fn):
    for option in reversed([
        click.option("--key", "key_file", required=True, envvar="ABCI_MPC_REQUESTER_KEY",
                     type=click.Path(dir_okay=False, path_type=Path), help="Requester key (PEM)."),
        click.option("--chain-id", default=None, help="Chain id (default: asked from the node)."),
        node_option,
        click.option("--wait", is_flag=True, help="Wait until the outcome is committed, showing progress."),
        click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.FloatRange(min=1),
                     help="Seconds --wait waits."),
        output_option,
    ]):
        fn = option(fn)
    return fn


def _parties(value: str) -> list[str]:
    parties = [p.strip() for p in value.split(",") if p.strip()]
    if not parties:
        raise UserError("--parties needs a comma-separated list of node IDs")
    return parties


@tx.command("keygen")
@click.argument("key_id")
@click.option("--threshold", "-t", required=True, type=click.IntRange(min=1), help="t: any t+1 parties sign.")
@click.option("--parties", required=True, help="Comma-separated node IDs of the MPC parties.")
@_request_options
def keygen(key_id, threshold, parties, **opts) -> None:
    """Generate a new threshold key KEY_ID."""
    _run(tx_pb2.KeyGenRequest(key_id=key_id, threshold=threshold, parties=_parties(parties)), **opts)


@tx.command("sign")
@click.argument("key_id")
@click.argument("sign_id")
@click.argument("digest_hex")
@_request_options
def sign(key_id, sign_id, digest_hex, **opts) -> None:
    """Sign the 32-byte DIGEST_HEX with KEY_ID; SIGN_ID names the request."""
    try:
        digest = bytes.fromhex(digest_hex.removeprefix("0x"))
    except ValueError:
        raise UserError("DIGEST_HEX must be hex") from None
    if len(digest) != 32:
        raise UserError(f"DIGEST_HEX must be 32 bytes (64 hex characters), got {len(digest)} bytes")
    _run(tx_pb2.SignRequest(key_id=key_id, sign_id=sign_id, digest=digest), **opts)


@tx.command("reshare")
@click.argument("key_id")
@click.option("--threshold", "-t", required=True, type=click.IntRange(min=1), help="The new t.")
@click.option("--parties", required=True, help="Comma-separated node IDs of the new committee.")
@_request_options
def reshare(key_id, threshold, parties, **opts) -> None:
    """Move KEY_ID to a new committee and/or threshold; the public key stays."""
    _run(tx_pb2.ReshareRequest(key_id=key_id, new_threshold=threshold, new_parties=_parties(parties)), **opts)


@tx.command("refresh")
@click.argument("key_id")
@_request_options
def refresh(key_id, **opts) -> None:
    """Refresh KEY_ID's shares (same committee, same public key)."""
    _run(tx_pb2.RefreshRequest(key_id=key_id), **opts)


@tx.command("delete")
@click.argument("key_id")
@_request_options
def delete(key_id, **opts) -> None:
    """Delete KEY_ID: committed at once, then each party erases its share and acknowledges."""
    _run(tx_pb2.DeleteRequest(key_id=key_id), **opts)


# --- submit and wait ------------------------------------------------------------------


def _run(payload, *, key_file: Path, chain_id: str | None, node: str, wait: bool, timeout: float,
         output: str) -> None:
    signer = load_requester_key(key_file)
    rpc = connect(node)
    if chain_id is None:
        chain_id = rpc_call(rpc.chain_id)
    try:
        raw = txs.build(signer, chain_id, payload)
    except txs.TxError as exc:
        raise UserError(str(exc)) from None
    session_id = txs.decode(raw).session_id.hex()
    sent = rpc_call(rpc.broadcast_tx_sync, raw)
    if not sent.ok:
        raise UserError(f"rejected: {codes.NAMES.get(sent.code, sent.code)} (code {sent.code}): {sent.log}")
    out = {"tx_hash": sent.hash, "session_id": session_id}
    if wait:
        out.update(_wait(rpc, payload, sent.hash, session_id, timeout))
    emit(out, output)
    if out.get("status") == "FAILED":
        raise UserError(f"session {session_id} failed: {out.get('error')}; see: abci-mpc query blame {session_id}")


class _Progress:
    """Status lines on stderr, each printed once when it changes."""

    def __init__(self) -> None:
        self.last = None

    def __call__(self, message: str) -> None:
        if message != self.last:
            self.last = message
            click.echo(message, err=True)


def _wait(rpc, payload, tx_hash: str, session_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    _progress = _Progress()
    _progress("waiting for the tx to be committed…")
    try:
        committed = rpc_call(rpc.wait_tx, tx_hash, timeout=timeout)
    except TimeoutError:
        raise UserError(f"tx {tx_hash} not committed within {timeout:g}s") from None
    height = int(committed["height"])
    result = committed["tx_result"]
    if int(result.get("code", 0)) != 0:
        code = int(result["code"])
        raise UserError(f"tx failed in block {height}: {codes.NAMES.get(code, code)} (code {code}): {result.get('log', '')}")
    _progress(f"committed at height {height}")
    while True:
        session = fetch(rpc, f"/session/{session_id}")
        if session["status"] != "ACTIVE":
            break
        done = len({r["party"] for r in session["reports"]} & set(session["required"]))
        _progress(f"waiting for parties: {done}/{len(session['required'])} reported, "
                  f"{len(session['failures'])} failed (deadline height {session['deadline_height']})")
        if time.monotonic() >= deadline:
            raise UserError(f"session {session_id} still running after {timeout:g}s; "
                            f"check later: abci-mpc query session {session_id}")
        time.sleep(0.5)
    out = {"height": height, "status": session["status"], "error": session["error"]}
    if session["status"] == "DONE":
        if isinstance(payload, tx_pb2.SignRequest):
            sig = fetch(rpc, f"/signature/{payload.key_id}/{payload.sign_id}")
            out["signature"] = {k: sig[k] for k in ("r", "s", "v", "signature", "digest", "pubkey")}
        else:
            key = fetch(rpc, f"/key/{payload.key_id}")
            out["key"] = {k: key[k] for k in ("key_id", "status", "threshold", "parties", "pubkey", "eth_address")}
    _progress(f"session {session['status']}")
    return out
