"""`abci-mpc keys`: inspect and manage this node's local key store directly (node stopped).

The store is found through the app home (`--home`: config.toml's `[store] path` and
`secret_file`, or their ABCI_MPC_STORE_* variables) or given with `--store` and
`--secret-file`. The kind of secret (key or passphrase file) is the one the store records.
LevelDB admits one process at a time, so these commands run while `abci-mpc start` is
stopped; a running node's keys are visible on chain with `abci-mpc query key`. No command
prints a secret share.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import click

from .. import config
from ..engine.flows.keygen import import_key_session_id
from ..store import (
    Existing,
    KeyRecord,
    KeyStore,
    Origin,
    SecretFileError,
    Status,
    StoreError,
    StoreFormatError,
    StoreLockedError,
    StoreNotFoundError,
    StoreSecret,
    Tombstone,
    WrongSecretError,
    check_key_id,
)
from ..engine.keyfile import IdentityFileError, read_identity
from ..store import records_pb2
from ..tss import ecdsa, serialize, tsslib
from ..tss.curve import Point
from ..tss.errors import TssError
from . import keyexport
from .main import UserError, cli, write_private_file
from .query import output_option, text_lines

def _store_options(fn):
    for option in reversed([
        click.option("--home", default=str(config.DEFAULT_HOME), show_default=True, envvar="ABCI_MPC_HOME",
                     help="App home; its config.toml names the key store and secret file."),
        click.option("--store", "store_dir", default=None,
                     help="Key store directory (instead of config.toml's [store] path)."),
        click.option("--secret-file", default=None,
                     help="The store's key or passphrase file (instead of [store] secret_file)."),
        output_option,
    ]):
        fn = option(fn)
    return fn


@cli.group()
def keys() -> None:
    """This node's key shares, from the local store (while the node is stopped)."""


# -- finding and opening the store ------------------------------------------------------------
def locate(home: str, store_dir: str | None, secret_file: str | None) -> tuple[Path, Path]:
    """(store directory, secret file): flags (relative to the working directory) first, then
    the home's config with its ABCI_MPC_* overrides (relative to the home)."""
    flags = (store_dir, secret_file)
    if None not in flags:
        return Path(store_dir).expanduser(), Path(secret_file).expanduser()
    try:
        cfg = config.load(home, os.environ)
    except config.ConfigError as exc:
        missing = " and ".join(f"--{n}" for n, v in zip(("store", "secret-file"), flags) if v is None)
        raise UserError(f"{exc} (or give {missing})") from None
    return (Path(store_dir).expanduser() if store_dir is not None else cfg.path(cfg.store.path),
            Path(secret_file).expanduser() if secret_file is not None else cfg.path(cfg.store.secret_file))


def _secret(store: Path, secret_file: Path) -> StoreSecret:
    # The store's meta file records which kind of secret made it; read that kind.
    meta = records_pb2.StoreMeta()
    try:
        meta.ParseFromString((store / "store.meta").read_bytes())
    except Exception:  # noqa: BLE001 - a missing or damaged meta file is reported by KeyStore.open
        pass
    if meta.secret_kind == records_pb2.SECRET_KIND_PASSPHRASE:
        return StoreSecret.from_passphrase_file(secret_file)
    return StoreSecret.from_key_file(secret_file)


def open_store(home: str, store_dir: str | None, secret_file: str | None) -> KeyStore:
    """The store, or a one-line UserError saying what is wrong and what to do."""
    store, secret_path = locate(home, store_dir, secret_file)
    try:
        return KeyStore.open(store, _secret(store, secret_path))
    except StoreNotFoundError:
        raise UserError(f"no key store at {store} (check [store] path in config.toml, or --store)") from None
    except StoreLockedError:
        raise UserError(f"key store {store} is in use, probably by the running node: stop `abci-mpc start` "
                        "first (a running node's keys are on chain: `abci-mpc query key`)") from None
    except WrongSecretError as exc:
        raise UserError(f"{exc} (check [store] secret_file in config.toml, or --secret-file)") from None
    except SecretFileError as exc:
        raise UserError(str(exc)) from None
    except StoreFormatError as exc:
        raise UserError(f"key store {store} is damaged: {exc}") from None
    except StoreError as exc:
        raise UserError(f"key store {store}: {exc}") from None


def _store_call(fn, *args):
    try:
        return fn(*args)
    except StoreError as exc:
        raise UserError(str(exc)) from None


def _key_id(value: str) -> str:
    try:
        return check_key_id(value)
    except StoreError as exc:
        raise UserError(str(exc)) from None


# -- views (never the share) -----------------------------------------------------------------
def _time(ms: int) -> str:
    if not ms:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}Z"


def _eth(pubkey: bytes) -> str:
    try:
        return ecdsa.eth_address(Point.from_bytes(pubkey)) if pubkey else ""
    except Exception:  # noqa: BLE001 - a damaged pubkey shows as no address
        return ""


def record_view(rec: KeyRecord) -> dict:
    view = {
        "key_id": rec.key_id, "status": rec.status.name, "key_session_id": rec.key_session_id.hex(),
        "threshold": rec.threshold, "signers_needed": rec.threshold + 1, "parties": list(rec.parties),
        "pubkey": rec.pubkey.hex(), "eth_address": _eth(rec.pubkey), "origin": rec.origin.name,
        "created": _time(rec.created_ms), "updated": _time(rec.updated_ms), "request_id": rec.request_id,
    }
    if rec.error:
        view["error"] = rec.error
    return view


def tombstone_view(t: Tombstone) -> dict:
    return {"key_id": t.key_id, "status": "DELETED", "pubkey": t.pubkey.hex(), "eth_address": _eth(t.pubkey),
            "deleted": _time(t.deleted_ms), "request_id": t.request_id}


def emit(value, output: str, text: list[str] | None = None) -> None:
    if output == "json":
        click.echo(json.dumps(value))
    else:
        click.echo("\n".join(text if text is not None else text_lines(value)))


# -- commands ---------------------------------------------------------------------------------
@keys.command("list")
@_store_options
def list_keys(home, store_dir, secret_file, output) -> None:
    """Every key in the local store: live ones (latest run) and deleted ones (tombstones)."""
    with open_store(home, store_dir, secret_file) as store:
        live = [record_view(r) for r in _store_call(store.list_keys)]
        dead = [tombstone_view(t) for t in _store_call(store.tombstones)]
    rows = sorted(live + dead, key=lambda v: v["key_id"])
    table = [("KEY ID", "STATUS", "T/N", "ORIGIN", "ETH ADDRESS", "UPDATED")]
    for v in rows:
        tn = f"{v['threshold']}/{len(v['parties'])}" if "threshold" in v else "-"
        table.append((v["key_id"], v["status"], tn, v.get("origin", "-"), v["eth_address"] or "-",
                      v.get("updated") or v.get("deleted", "")))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table] if rows else ["no keys"]
    emit({"keys": rows}, output, lines)


@keys.command()
@click.argument("key_id")
@_store_options
def show(key_id, home, store_dir, secret_file, output) -> None:
    """One key: its current state, this node's party, presignatures, and every run."""
    key_id = _key_id(key_id)
    with open_store(home, store_dir, secret_file) as store:
        tomb = _store_call(store.tombstone, key_id)
        if tomb is not None:
            emit(tombstone_view(tomb), output)
            return
        recs = _store_call(store.records, key_id)
        if not recs:
            raise UserError(f"no key {key_id!r} in this store (see: abci-mpc keys list)")
        ready = next((r for r in recs if r.status is Status.READY), None)
        view = record_view(ready or recs[-1])
        if ready is not None:
            view["party"] = _share(ready).me
            view["presignatures"] = len(_store_call(store.presignature_ids, key_id, ready.key_session_id))
        view["runs"] = [{k: v for k, v in record_view(r).items() if k in _RUN_FIELDS} for r in recs]
    emit(view, output)


_RUN_FIELDS = ("key_session_id", "status", "origin", "threshold", "parties", "created", "updated", "request_id",
               "error")


def _share(rec: KeyRecord):
    try:
        return serialize.key_share_from_bytes(rec.data)
    except TssError as exc:
        raise UserError(f"key {rec.key_id!r}: the stored share does not decode: {exc}") from None


def _export_secret(passphrase_file, key_file, *, confirm: bool) -> StoreSecret:
    try:
        if passphrase_file and key_file:
            raise UserError("give either --passphrase-file or --key-file, not both")
        if passphrase_file:
            return StoreSecret.from_passphrase_file(passphrase_file)
        if key_file:
            return StoreSecret.from_key_file(key_file)
        if not sys.stdin.isatty():
            raise UserError("no passphrase: give --passphrase-file FILE (or --key-file FILE), "
                            "or run in a terminal to be asked")
        text = click.prompt("Passphrase for the export file", hide_input=True,
                            confirmation_prompt=confirm, err=True)
        return StoreSecret.from_passphrase(text)
    except SecretFileError as exc:
        raise UserError(str(exc)) from None


_secret_options = [
    click.option("--passphrase-file", type=click.Path(dir_okay=False), default=None,
                 help="File holding the passphrase (mode 0600, at least 12 bytes); else you are asked."),
    click.option("--key-file", type=click.Path(dir_okay=False), default=None,
                 help="Use a 32-byte key file (64 hex digits) instead of a passphrase."),
]


def _with(options):
    def wrap(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn
    return wrap


@keys.command()
@click.argument("key_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (created with mode 0600).")
@click.option("--format", "fmt", type=click.Choice(keyexport.FORMATS), default="tsslib", show_default=True,
              help="tsslib: tss-lib v2 LocalPartySaveData JSON; native: this project's share record.")
@click.option("--unencrypted", is_flag=True, help="Write the share in clear. Anyone who reads the file holds it.")
@_with(_secret_options)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_store_options
def export(key_id, out, fmt, unencrypted, passphrase_file, key_file, force, home, store_dir, secret_file,
           output) -> None:
    """Write this node's share of a READY key to a file, encrypted unless --unencrypted."""
    key_id = _key_id(key_id)
    if unencrypted and (passphrase_file or key_file):
        raise UserError("--unencrypted writes no encryption; drop --passphrase-file/--key-file")
    with open_store(home, store_dir, secret_file) as store:
        if _store_call(store.tombstone, key_id) is not None:
            raise UserError(f"key {key_id!r} was deleted; nothing to export")
        rec = _store_call(store.latest_ready, key_id)
        if rec is None:
            raise UserError(f"no READY share of key {key_id!r} in this store (see: abci-mpc keys show {key_id})")
        share = _share(rec)
    if fmt == "tsslib":
        if share.aux is None:
            raise UserError(f"key {key_id!r} has no aux info stored with its share; use --format native")
        payload = tsslib.dumps(share).encode()
    else:
        payload = serialize.key_share_to_bytes(share)
    item = keyexport.Exported(key_id, fmt, rec.pubkey, share.me, share.threshold, share.parties, payload)
    if not unencrypted:
        payload = keyexport.seal(item, _export_secret(passphrase_file, key_file, confirm=True))
    write_private_file(out, payload, force)
    view = {"key_id": key_id, "file": str(out), "format": fmt, "encrypted": not unencrypted, "party": share.me,
            "pubkey": rec.pubkey.hex(), "eth_address": _eth(rec.pubkey)}
    if unencrypted:
        click.echo(f"warning: {out} holds the share in clear; store it as you would the key itself", err=True)
    emit(view, output)


@keys.command("import-tsslib")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key-id", required=True, help="Key id to store the share under.")
@click.option("--party-ids", default=None,
              help="Comma-separated party ids (the CometBFT node IDs), one per share index, in the file's Ks "
                   "order. Default: party-00, party-01, ...")
@click.option("--any-party", is_flag=True,
              help="Import even if the share's party is not this node's (as named by the home's identity).")
@_with(_secret_options)
@_store_options
def import_tsslib(file, key_id, party_ids, any_party, passphrase_file, key_file, home, store_dir, secret_file,
                  output) -> None:
    """Import a tss-lib v2 save file (keygen_data_*.json) or a `keys export` file as a READY key."""
    key_id = _key_id(key_id)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {file}: {exc.strerror}") from None
    names = [p.strip() for p in party_ids.split(",")] if party_ids else None
    share = _parse_import(file, data, names, passphrase_file, key_file)
    if not any_party:
        _check_own_party(home, store_dir, secret_file, share.me)
    pubkey = share.public_key.to_bytes()
    request_id = "import:" + hashlib.sha256(data).hexdigest()[:32]
    with open_store(home, store_dir, secret_file) as store:
        ksid = import_key_session_id(key_id, share)  # identical on every importing node
        begun = _store_call(lambda: store.begin_keygen(key_id, share.threshold, share.parties, request_id,
                                                       key_session_id=ksid, origin=Origin.IMPORT))
        if isinstance(begun, Existing):
            same = "the same" if begun.record.pubkey == pubkey else "another"
            raise UserError(f"key {key_id!r} is already READY here with {same} public key; not importing")
        try:
            rec = store.mark_ready(key_id, begun.key_session_id, pubkey, serialize.key_share_to_bytes(share))
        except StoreError as exc:
            store.mark_error(key_id, begun.key_session_id, f"import failed: {exc}")
            raise UserError(f"import failed: {exc}") from None
        view = record_view(rec)
    view["party"] = share.me
    emit(view, output)


def _check_own_party(home: str, store_dir, secret_file, party: str) -> None:
    """A share for another party would never sign here: refuse it when the home names this node."""
    if store_dir is not None and secret_file is not None:
        return  # no home in use: nothing says who this node is
    try:
        cfg = config.load(home, os.environ)
        me = read_identity(cfg.path(cfg.identity.file)).party
    except (config.ConfigError, IdentityFileError):
        return  # open_store reports a broken home; a home without an identity names nobody
    if party != me:
        raise UserError(f"this share is party {party}'s, but this node is {me}: give --party-ids with the "
                        "parties' node IDs in the file's Ks order (or --any-party)")


def _parse_import(file: Path, data: bytes, names, passphrase_file, key_file):
    fmt = "tsslib"
    try:
        if keyexport.is_export(data):
            head = keyexport.header(data)
            if names and head.format == "native":
                raise UserError("--party-ids does not apply to a native export (it names its parties)")
            item = keyexport.open_export(data, _export_secret(passphrase_file, key_file, confirm=False))
            fmt, data = item.format, item.payload
            names = names or list(item.parties)  # tss-lib JSON has no party names; the export kept them
        elif passphrase_file or key_file:
            raise UserError(f"{file} is not encrypted; drop --passphrase-file/--key-file")
        if fmt == "native":
            return serialize.key_share_from_bytes(data)
        return tsslib.import_share(data, names)
    except keyexport.ExportFileError as exc:
        raise UserError(f"{file}: {exc}") from None
    except TssError as exc:
        raise UserError(f"{file}: {exc}") from None
    except UnicodeDecodeError:
        raise UserError(f"{file}: not a tss-lib JSON file or an abci-mpc key export") from None


@keys.command("delete-local")
@click.argument("key_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_store_options
def delete_local(key_id, yes, home, store_dir, secret_file, output) -> None:
    """Erase this node's share of a key, leaving a tombstone (the key id is never reused here).

    Local only: the chain and the other parties still hold the key. For a chain-wide delete
    use `abci-mpc tx delete`."""
    key_id = _key_id(key_id)
    with open_store(home, store_dir, secret_file) as store:
        tomb = _store_call(store.tombstone, key_id)
        if tomb is None:
            recs = _store_call(store.records, key_id)
            if not recs:
                raise UserError(f"no key {key_id!r} in this store (see: abci-mpc keys list)")
            if not yes:
                latest = recs[-1]
                if not sys.stdin.isatty():
                    raise UserError("refusing to delete without confirmation: pass --yes")
                click.echo(f"key {key_id}: {latest.status.name}, {latest.threshold + 1} of {len(latest.parties)} "
                           f"parties sign, pubkey {latest.pubkey.hex() or '-'}", err=True)
                click.confirm("Erase this node's share for good?", abort=True, err=True)
            tomb = _store_call(store.delete, key_id, "cli:delete-local")
        emit(tombstone_view(tomb), output)


__all__ = ["keys", "locate", "open_store", "record_view", "tombstone_view"]
