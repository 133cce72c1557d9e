"""The application's config.toml: schema, reading, writing, overrides.

Every setting is `[section] name` in `<home>/config.toml`. Its value comes from, highest first:

    1. the flag        --section.name VALUE           e.g. --engine.workers 1
    2. the environment ABCI_MPC_<SECTION>_<NAME>       e.g. ABCI_MPC_ENGINE_WORKERS=1
    3. config.toml     [section] name = VALUE
    4. the default below

Relative paths are relative to the home directory. A bad value is a ConfigError whose
message names where it came from (the file and the setting, the variable or the flag).

    cfg = load(home, env=os.environ, flags={"engine.workers": "1"})
    cfg.engine.workers, cfg.path(cfg.store.path)
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import metrics
from .chain.abci import AddressError, ListenAddress
from .chain.bridge import BridgeClient
from .chain.rpc import NodeRPC
from .store.files import write_private

CONFIG_FILE = "config.toml"
ENV_PREFIX = "ABCI_MPC_"
DEFAULT_HOME = Path("~/.abci-mpc")
DEFAULT_NODE_HOME = Path("~/.cometbft")  # abci-mpc-node's default --home, as CometBFT's


class ConfigError(ValueError):
    """A config file, variable or flag with a bad value; the message names which."""


def _s(default, help: str, choices: tuple = (), minimum: float | None = None, path: bool = False, check=None):
    return field(default=default,
                 metadata={"help": help, "choices": choices, "min": minimum, "path": path, "check": check})


def _listen(v: str) -> None:
    ListenAddress.parse(v)


def _bridge(v: str) -> None:
    BridgeClient(v)  # only validates: it connects on start()


def _rpc(v: str) -> None:
    NodeRPC(v)


def _host_port(v: str) -> None:
    if v:
        metrics.parse_address(v)


def default_bridge(node_home: Path = DEFAULT_NODE_HOME) -> str:
    """The shim's own default: unix://$CMTHOME/data/mpc-bridge.sock."""
    return "unix://" + str(node_home.expanduser().absolute() / "data" / "mpc-bridge.sock")


@dataclass
class Abci:
    listen: str = _s("tcp://127.0.0.1:26658", "ABCI listen address (the node's proxy_app): tcp://HOST:PORT or unix:///PATH",
                     check=_listen)


@dataclass
class Node:
    bridge: str = _s(default_bridge(), "the node's MPC bridge (abci-mpc-node start --mpc.bridge)", check=_bridge)
    rpc: str = _s("http://127.0.0.1:26657", "the node's RPC; result transactions go to its broadcast_tx_sync",
                  check=_rpc)


@dataclass
class Store:
    path: str = _s("data/keystore", "key store directory (encrypted key shares and presignatures)", path=True)
    secret_file: str = _s("config/store.key", "the key store's secret: a 32-byte key file or a passphrase file",
                          path=True)
    secret_kind: str = _s("key", "what secret_file holds", choices=("key", "passphrase"))


@dataclass
class Identity:
    file: str = _s("config/identity.key", "this party's MPC identity (Ed25519 signing + X25519 encryption keys)",
                   path=True)


@dataclass
class State:
    dir: str = _s("data/app-state", "the chain application's state (LevelDB, app hash)", path=True)


@dataclass
class Engine:
    workers: int = _s(2, "crypto worker processes", minimum=1)
    presig_target: int = _s(4, "presignatures kept ready per key", minimum=0)
    presig_concurrency: int = _s(1, "presignature runs at once per key", minimum=1)
    paillier_stash: int = _s(1, "Paillier keys generated ahead of time", minimum=0)
    keygen_timeout: float = _s(180.0, "seconds a keygen may take on this node", minimum=1)
    sign_timeout: float = _s(60.0, "seconds a signature may take", minimum=1)
    reshare_timeout: float = _s(240.0, "seconds a reshare may take", minimum=1)
    refresh_timeout: float = _s(240.0, "seconds a refresh may take", minimum=1)
    delete_timeout: float = _s(30.0, "seconds a delete may take", minimum=1)
    ready_grace: float = _s(0.5, "signing: how long the leader waits for more parties once t+1 are ready",
                            minimum=0)
    leader_failover: float = _s(3.0, "signing: seconds before the next party leads if the leader is silent",
                                minimum=0.1)


@dataclass
class Metrics:
    listen: str = _s("", "Prometheus /metrics address HOST:PORT; empty: off", check=_host_port)


@dataclass
class Log:
    level: str = _s("info", "log level", choices=("debug", "info", "warning", "error"))
    format: str = _s("text", "log line format", choices=("text", "json"))


SECTIONS = {"abci": Abci, "node": Node, "store": Store, "identity": Identity, "state": State,
            "engine": Engine, "metrics": Metrics, "log": Log}


@dataclass(frozen=True)
class Setting:
    section: str
    name: str
    type: type
    default: Any
    help: str
    choices: tuple
    minimum: float | None
    is_path: bool
    check: Any = None  # raises ValueError for a bad value

    @property
    def key(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def env(self) -> str:
        return f"{ENV_PREFIX}{self.section}_{self.name}".upper()

    @property
    def flag(self) -> str:
        return f"--{self.key}"


def _settings() -> tuple[Setting, ...]:
    out = []
    for section, cls in SECTIONS.items():
        hints = {"str": str, "int": int, "float": float}
        for f in dataclasses.fields(cls):
            m = f.metadata
            out.append(Setting(section, f.name, hints[f.type], f.default, m["help"], m["choices"], m["min"],
                               m["path"], m["check"]))
    return tuple(out)


SETTINGS = _settings()
BY_KEY = {s.key: s for s in SETTINGS}


@dataclass
class Config:
    home: Path
    abci: Abci = field(default_factory=Abci)
    node: Node = field(default_factory=Node)
    store: Store = field(default_factory=Store)
    identity: Identity = field(default_factory=Identity)
    state: State = field(default_factory=State)
    engine: Engine = field(default_factory=Engine)
    metrics: Metrics = field(default_factory=Metrics)
    log: Log = field(default_factory=Log)

    def get(self, key: str) -> Any:
        section, name = key.split(".")
        return getattr(getattr(self, section), name)

    def set(self, key: str, value: Any) -> None:
        section, name = key.split(".")
        setattr(getattr(self, section), name, value)

    def path(self, value: str) -> Path:
        """A path setting's value, made absolute against the home directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.home / p

    def values(self) -> dict[str, Any]:
        return {s.key: self.get(s.key) for s in SETTINGS}


# --- reading ----------------------------------------------------------------------------


def load(home: str | os.PathLike, env: dict[str, str] | None = None,
         flags: dict[str, Any] | None = None) -> Config:
    """Reads <home>/config.toml, then applies env (ABCI_MPC_*) and flags ({"engine.workers": "1"})."""
    home = Path(home).expanduser().absolute()
    path = home / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path} not found: create the home with `abci-mpc init --home {home}`") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    cfg = Config(home)
    for section, table in doc.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(SECTIONS)})")
        for name, value in table.items():
            setting = BY_KEY.get(f"{section}.{name}")
            if setting is None:
                raise ConfigError(f"{path}: unknown setting {name!r} in [{section}]")
            cfg.set(setting.key, _checked(setting, value, f"{path}: [{section}] {name}"))
    apply_overrides(cfg, env if env is not None else os.environ, flags or {})
    return cfg


def apply_overrides(cfg: Config, env: dict[str, str], flags: dict[str, Any]) -> None:
    for s in SETTINGS:
        if s.env in env:
            cfg.set(s.key, _checked(s, _parse(s, env[s.env], f"environment variable {s.env}"),
                                    f"environment variable {s.env}"))
    for key, value in flags.items():
        s = BY_KEY.get(key)
        if s is None:
            raise ConfigError(f"unknown setting {key!r}")
        if value is not None:
            where = f"flag {s.flag}"
            cfg.set(key, _checked(s, _parse(s, value, where) if isinstance(value, str) else value, where))


def _parse(s: Setting, text: str, where: str) -> Any:
    if s.type is str:
        return text
    try:
        return s.type(text.strip())
    except ValueError:
        kind = "an integer" if s.type is int else "a number"
        raise ConfigError(f"{where}: {s.key} must be {kind}, got {text!r}") from None


def _checked(s: Setting, value: Any, where: str) -> Any:
    if s.type is float and type(value) is int:
        value = float(value)
    if type(value) is not s.type:
        kind = {str: "a string", int: "an integer", float: "a number"}[s.type]
        raise ConfigError(f"{where} must be {kind}, got {value!r}")
    if s.choices and value not in s.choices:
        raise ConfigError(f"{where} must be one of {', '.join(s.choices)}, got {value!r}")
    if s.minimum is not None and value < s.minimum:
        raise ConfigError(f"{where} must be at least {s.minimum:g}, got {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigError(f"{where} must be a finite number")
    if s.check is not None:
        try:
            s.check(value)
        except (AddressError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return value


# --- writing ----------------------------------------------------------------------------


def render(cfg: Config) -> str:
    """config.toml text: every setting, each with its help and its environment variable."""
    lines = [
        "# abci-mpc application config.",
        "# Each setting can be overridden by the flag --<section>.<name> of `abci-mpc start`",
        "# or by the environment variable ABCI_MPC_<SECTION>_<NAME> (flag > env > this file).",
        "# Relative paths are relative to this file's directory.",
    ]
    section = None
    for s in SETTINGS:
        if s.section != section:
            section = s.section
            lines += ["", f"[{section}]"]
        extra = f" ({' | '.join(s.choices)})" if s.choices else ""
        lines.append(f"# {s.help}{extra}; env {s.env}")
        lines.append(f"{s.name} = {_toml_value(cfg.get(s.key))}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, str):
        return '"' + "".join(_toml_char(c) for c in v) + '"'
    return repr(v)


def _toml_char(c: str) -> str:
    """A character inside a TOML basic string: quote, backslash and control characters escaped."""
    if c in '"\\':
        return "\\" + c
    if ord(c) < 0x20 or ord(c) == 0x7F:
        return f"\\u{ord(c):04x}"
    return c


def write(cfg: Config) -> Path:
    """Writes <home>/config.toml (mode 0600: it names the secret files); refuses to overwrite."""
    path = cfg.home / CONFIG_FILE
    write_private(path, render(cfg).encode())
    return path
