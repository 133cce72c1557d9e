"""config.toml: defaults, the override order (flag > env > file > default), and errors that
name where a bad value came from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abci_mpc import config
from abci_mpc.config import SETTINGS, Config, ConfigError, load, render, write


@pytest.fixture
def home(tmp_path):
    write(Config(tmp_path))
    return tmp_path


def test_defaults_round_trip(home):
    assert load(home, env={}).values() == Config(home).values()
    assert (home / "config.toml").stat().st_mode & 0o777 == 0o600


def test_every_setting_has_a_flag_an_env_var_and_help():
    for s in SETTINGS:
        assert s.env == f"ABCI_MPC_{s.section.upper()}_{s.name.upper()}"
        assert s.flag == f"--{s.section}.{s.name}"
        assert s.help
    keys = {s.key for s in SETTINGS}
    assert {"abci.listen", "node.bridge", "node.rpc", "store.path", "store.secret_file", "identity.file",
            "engine.workers", "engine.presig_target", "engine.sign_timeout", "metrics.listen", "log.level",
            "log.format"} <= keys


def test_override_order(home):
    (home / "config.toml").write_text("[engine]\nworkers = 3\npresig_target = 7\nsign_timeout = 5\n")
    cfg = load(home, env={"ABCI_MPC_ENGINE_WORKERS": "4", "ABCI_MPC_ENGINE_PRESIG_TARGET": "8"},
               flags={"engine.workers": "5"})
    assert (cfg.engine.workers, cfg.engine.presig_target, cfg.engine.sign_timeout) == (5, 8, 5.0)
    assert cfg.engine.keygen_timeout == 180.0  # the default
    assert isinstance(cfg.engine.sign_timeout, float)


def test_paths_are_relative_to_home(home):
    cfg = load(home, env={"ABCI_MPC_STORE_PATH": "/abs/store"})
    assert cfg.path(cfg.store.path) == Path("/abs/store")
    assert cfg.path(cfg.state.dir) == home / "data" / "app-state"


@pytest.mark.parametrize("text, words", [
    ("[engine\nworkers = 1\n", ["config.toml", "not valid TOML"]),
    ("[engines]\nworkers = 1\n", ["config.toml", "unknown section [engines]"]),
    ("[engine]\nworker = 1\n", ["config.toml", "unknown setting 'worker' in [engine]"]),
    ('[engine]\nworkers = "two"\n', ["config.toml", "[engine] workers", "integer", "'two'"]),
    ("[engine]\nworkers = 0\n", ["[engine] workers", "at least 1"]),
    ("[engine]\nworkers = true\n", ["[engine] workers", "integer"]),
    ('[log]\nlevel = "loud"\n', ["[log] level", "debug, info, warning, error"]),
    ("[engine]\nsign_timeout = nan\n", ["[engine] sign_timeout"]),
    ('[abci]\nlisten = "udp://x:1"\n', ["[abci] listen", "scheme"]),
    ('[node]\nbridge = "unix://relative.sock"\n', ["[node] bridge"]),
    ('[node]\nrpc = "127.0.0.1:26657"\n', ["[node] rpc", "http://"]),
    ('[metrics]\nlisten = "nowhere"\n', ["[metrics] listen", "HOST:PORT"]),
    ("engine = 1\n", ["unknown section [engine]"]),
])
def test_bad_file_values_name_the_file_and_setting(home, text, words):
    (home / "config.toml").write_text(text)
    with pytest.raises(ConfigError) as e:
        load(home, env={})
    msg = str(e.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, msg


def test_bad_env_and_flag_values_name_their_source(home):
    with pytest.raises(ConfigError, match="environment variable ABCI_MPC_ENGINE_WORKERS.*integer.*'x'"):
        load(home, env={"ABCI_MPC_ENGINE_WORKERS": "x"})
    with pytest.raises(ConfigError, match="flag --log.format must be one of text, json"):
        load(home, env={}, flags={"log.format": "xml"})
    with pytest.raises(ConfigError, match="unknown setting 'log.colour'"):
        load(home, env={}, flags={"log.colour": "x"})


def test_missing_home_says_how_to_create_it(tmp_path):
    with pytest.raises(ConfigError, match="abci-mpc init --home"):
        load(tmp_path / "nothing", env={})


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(text, st.integers(1, 2**40), st.floats(1, 1e9, allow_nan=False))
def test_render_round_trips_any_value(tmp_path_factory, path, workers, timeout):
    cfg = Config(tmp_path_factory.mktemp("h"))
    cfg.store.path, cfg.engine.workers, cfg.engine.sign_timeout = path, workers, timeout
    doc = tomllib.loads(render(cfg))
    assert (doc["store"]["path"], doc["engine"]["workers"], doc["engine"]["sign_timeout"]) == (path, workers, timeout)


def test_operations_doc_lists_every_setting():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    for s in SETTINGS:
        assert f"`[{s.section}] {s.name}`" in doc and f"`{s.env}`" in doc, s.key
