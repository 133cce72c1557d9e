"""The application home directory: create one (`abci-mpc init`), open it (`abci-mpc start`).

    <home>/config.toml            settings (config.py)
    <home>/config/identity.key    this party's MPC identity: Ed25519 + X25519 private keys (0600)
    <home>/config/store.key       the key store's secret, unless a passphrase file was given (0600)
    <home>/data/keystore/         encrypted key shares and presignatures
    <home>/data/app-state/        the chain application's LevelDB

The MPC identity is separate from the CometBFT node key; the party id it is bound to is
the node's ID, which `init` reads from the node's home (config/node_key.json).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

from . import config
from .chain.node import NodeSettings
from .engine.api import LocalIdentity
from .engine.config import EngineConfig
from .engine.keyfile import IdentityFileError, read_identity, write_identity
from .store import KeyStore, SecretFileError, StoreError, StoreSecret, generate_key_file

NODE_ID = re.compile(r"[0-9a-f]{40}")


class HomeError(ValueError):
    """The home cannot be created or opened; the message names the file or setting."""


def node_identity(node_home: str | os.PathLike) -> tuple[str, str | None]:
    """(node ID, validator Ed25519 public key hex or None) of a CometBFT home.

    The node ID is the first 20 bytes of SHA-256 of the node key's public half; only the
    public halves are used."""
    home = Path(node_home).expanduser()
    key_file = home / "config" / "node_key.json"
    try:
        raw = base64.b64decode(json.loads(key_file.read_text())["priv_key"]["value"], validate=True)
    except FileNotFoundError:
        raise HomeError(f"{key_file} not found: is {home} a CometBFT home (abci-mpc-node init)?") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise HomeError(f"{key_file} is not a CometBFT node key file") from None
    if len(raw) != 64:
        raise HomeError(f"{key_file} does not hold an Ed25519 key")
    node_id = hashlib.sha256(raw[32:]).hexdigest()[:40]
    validator = None
    try:
        pv = json.loads((home / "config" / "priv_validator_key.json").read_text())
        validator = base64.b64decode(pv["pub_key"]["value"]).hex()
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not a validator (or a remote signer): the genesis entry simply has no validator_pubkey
    return node_id, validator


def init_home(home: str | os.PathLike, node_id: str, *, validator_pubkey: str | None = None,
              passphrase_file: str | os.PathLike | None = None, flags: dict | None = None) -> dict:
    """Creates a home; returns this party's genesis entry (public keys only).

    flags ({"engine.workers": 1, ...}) go into config.toml; nothing secret is returned."""
    home = Path(home).expanduser().absolute()
    if not NODE_ID.fullmatch(node_id or ""):
        raise HomeError(f"node ID {node_id!r} must be 40 lower-case hex characters (abci-mpc-node show-node-id)")
    if (home / config.CONFIG_FILE).exists():
        raise HomeError(f"{home} is already initialised ({config.CONFIG_FILE} exists); not overwriting")
    cfg = config.Config(home)
    config.apply_overrides(cfg, {}, flags or {})
    if passphrase_file is not None:
        cfg.store.secret_file = str(Path(passphrase_file).expanduser().absolute())
        cfg.store.secret_kind = "passphrase"
    for d in (home, home / "config", home / "data"):
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    identity_file, store_path = cfg.path(cfg.identity.file), cfg.path(cfg.store.path)
    for p in (identity_file, store_path):
        if p.exists():
            raise HomeError(f"{p} already exists; not overwriting")
    secret_path = cfg.path(cfg.store.secret_file)
    try:
        if cfg.store.secret_kind == "key":
            generate_key_file(secret_path)
        secret = _secret(cfg)
        KeyStore.create(store_path, secret).close()
    except (SecretFileError, StoreError) as exc:
        raise HomeError(str(exc)) from None
    identity = LocalIdentity.generate(node_id)
    write_identity(identity_file, identity)
    config.write(cfg)
    public = identity.public()
    entry = {"node_id": node_id, "sign_key": public.sign_key.hex(), "enc_key": public.enc_key.hex()}
    if validator_pubkey:
        entry["validator_pubkey"] = validator_pubkey
    return entry


def _secret(cfg: config.Config) -> StoreSecret:
    path = cfg.path(cfg.store.secret_file)
    try:
        if cfg.store.secret_kind == "passphrase":
            return StoreSecret.from_passphrase_file(path)
        return StoreSecret.from_key_file(path)
    except SecretFileError as exc:
        raise HomeError(f"store.secret_file: {exc}") from None


def engine_config(cfg: config.Config) -> EngineConfig:
    e = cfg.engine
    ec = EngineConfig(workers=e.workers, presig_target=e.presig_target, presig_concurrency=e.presig_concurrency,
                      paillier_stash=e.paillier_stash, ready_grace=e.ready_grace, leader_failover=e.leader_failover)
    ec.deadlines.update(keygen=e.keygen_timeout, sign=e.sign_timeout, reshare=e.reshare_timeout,
                        refresh=e.refresh_timeout, delete=e.delete_timeout)
    return ec


def read_party_identity(cfg: config.Config) -> LocalIdentity:
    try:
        return read_identity(cfg.path(cfg.identity.file))
    except (IdentityFileError, OSError) as exc:
        raise HomeError(f"identity.file: {exc}") from None


def open_node(cfg: config.Config) -> NodeSettings:
    """Everything `abci-mpc start` needs, opened; a problem is one HomeError naming the setting."""
    identity = read_party_identity(cfg)
    secret = _secret(cfg)
    try:
        store = KeyStore.open(cfg.path(cfg.store.path), secret)
    except StoreError as exc:
        raise HomeError(f"store.path: {exc}") from None
    return NodeSettings(identity=identity, store=store, state_dir=cfg.path(cfg.state.dir),
                        abci_listen=cfg.abci.listen, bridge_url=cfg.node.bridge, rpc_url=cfg.node.rpc,
                        engine=engine_config(cfg))
