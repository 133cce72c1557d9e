"""The Dockerfile, checked without a Docker engine: its stages and COPY sources resolve, it
builds the node and installs the app the way ./scripts/ do, its ports and environment match
the node's and the app's defaults; and the entrypoint script, run for real with stand-in
binaries, starts node/app/both and supervises the pair.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from abci_mpc import config, metrics

from nodeutil import build_node

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


# -- a small Dockerfile reader ----------------------------------------------------------------
def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    assert not buf, "the Dockerfile ends inside a continued line"
    return out


class Stage:
    def __init__(self, image: str, name: str | None):
        self.image, self.name = image, name
        self.steps: list[tuple[str, str]] = []
        self.workdir = "/"

    def runs(self) -> list[str]:
        return [a for k, a in self.steps if k == "RUN"]


def parse() -> tuple[list[Stage], dict[str, str]]:
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for key, rest in instructions(DOCKERFILE.read_text()):
        if key == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif key == "FROM":
            m = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest, re.IGNORECASE)
            assert m, rest
            image = re.sub(r"\$\{(\w+)\}", lambda v: args[v.group(1)], m.group(1))
            stages.append(Stage(image, m.group(2)))
        else:
            assert stages, f"{key} before the first FROM"
            stages[-1].steps.append((key, rest))
            if key == "WORKDIR":
                stages[-1].workdir = rest
    return stages, args


STAGES, ARGS = parse()
BY_NAME = {s.name: s for s in STAGES if s.name}


def copies(stage: Stage) -> list[tuple[str | None, list[str], str]]:
    """(from stage or None, sources, destination) of each COPY."""
    out = []
    for key, rest in stage.steps:
        if key != "COPY":
            continue
        words = shlex.split(rest)
        frm = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
        paths = [w for w in words if not w.startswith("--")]
        out.append((frm, paths[:-1], paths[-1]))
    return out


def env_of(stage: Stage) -> dict[str, str]:
    env = {}
    for key, rest in stage.steps:
        if key == "ENV":
            for word in shlex.split(rest):
                k, _, v = word.partition("=")
                env[k] = v
    return env


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    parts = Path(path).parts
    for pat in patterns:
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, pat) or fnmatch.fnmatch(prefix, pat.removeprefix("**/")) \
                    or fnmatch.fnmatch(parts[i - 1], pat.removeprefix("**/")):
                return True
    return False


# -- stages and files -------------------------------------------------------------------------
def test_stages_are_named_and_every_reference_resolves():
    names = [s.name for s in STAGES]
    assert len(STAGES) >= 3 and all(names) and len(set(names)) == len(names), names
    seen = set()
    for stage in STAGES:
        for frm, _, _ in copies(stage):
            if frm is not None:
                assert frm in seen, f"COPY --from={frm} in stage {stage.name} names no earlier stage"
        seen.add(stage.name)
    assert "$" not in "".join(s.image for s in STAGES), "an ARG in FROM has no default"


def test_every_copy_source_exists_and_is_in_the_build_context():
    patterns = dockerignore()
    for stage in STAGES:
        for frm, sources, _ in copies(stage):
            if frm is not None:
                continue
            for src in sources:
                path = ROOT / src
                assert path.exists(), f"COPY {src} (stage {stage.name}): no such file in the repository"
                assert not ignored(src.rstrip("/"), patterns), f"COPY {src}: excluded by .dockerignore"
    # nothing private or bulky slips into the context
    for p in (".git", ".venv", "build", "tests", "abci_mpc/__pycache__", "home/config/store.key"):
        assert ignored(p, patterns), f"{p} is not in .dockerignore"


def landed(stage: Stage, until: str) -> dict[str, str]:
    """{source: absolute path in the image} of the COPYs before the first RUN containing `until`."""
    workdir, out = "/", {}
    for key, rest in stage.steps:
        if key == "WORKDIR":
            workdir = rest
        elif key == "COPY" and "--from=" not in rest:
            *srcs, dest = shlex.split(rest)
            base = os.path.normpath(os.path.join(workdir, dest))
            for src in srcs:
                into_dir = dest.endswith("/") and not src.endswith("/")
                out[src.rstrip("/")] = os.path.join(base, Path(src).name) if into_dir else base
        elif key == "RUN" and until in rest:
            return {"WORKDIR": workdir, **out}
    raise AssertionError(f"stage {stage.name} never runs {until!r}")


def test_copied_files_land_where_the_builds_run():
    node = landed(BY_NAME["node"], "go build")
    assert node["cometbft"] == node["WORKDIR"]  # the build runs inside the copied cometbft/
    assert node["cometbft/go.mod"] == node["WORKDIR"] + "/go.mod"
    app = landed(BY_NAME["app"], "pip install -q .")
    assert app["pyproject.toml"] == app["WORKDIR"] + "/pyproject.toml"
    assert app["abci_mpc"] == app["WORKDIR"] + "/abci_mpc"


# -- the same builds as ./scripts/ --------------------------------------------------------------
def _go_build(cmd: str) -> list[str]:
    words = shlex.split(cmd)
    words = words[words.index("go"):]
    assert words[:2] == ["go", "build"], cmd
    out, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w == "-o":  # where the binary goes differs; everything else must not
            skip = True
            continue
        out.append(w)
    return out


def test_the_node_is_built_as_scripts_build_node_builds_it():
    script = (ROOT / "scripts" / "build-node").read_text()
    m = re.search(r"\(cd \"\$SRC\" && (go build [^)]*)\)", script)
    assert m, "scripts/build-node no longer runs `go build` in cometbft/"
    want = _go_build(m.group(1))
    node = BY_NAME["node"]
    builds = [r for r in node.runs() if "go build" in r]
    assert len(builds) == 1
    assert _go_build(builds[0].split("&&")[-1]) == want
    assert "./cmd/abci-mpc-node" in want
    # the binary the runtime copies is the one built
    out = shlex.split(builds[0])[shlex.split(builds[0]).index("-o") + 1]
    assert any(frm == "node" and srcs == [out] for frm, srcs, _ in copies(STAGES[-1]))
    # the Go image is at least the go.mod's version (and toolchain, if pinned)
    gomod = (ROOT / "cometbft" / "go.mod").read_text()
    need = [tuple(map(int, v.split(".")[:2])) for v in re.findall(r"^(?:go|toolchain go)\s*([\d.]+)", gomod, re.M)]
    have = tuple(map(int, re.match(r"golang:(\d+\.\d+)", node.image).group(1).split(".")))
    assert need and all(have >= n for n in need), (node.image, need)


def test_the_app_is_installed_as_scripts_install_it():
    env_sh = (ROOT / "scripts" / "_env.sh").read_text()
    assert re.search(r'pip install -q --upgrade pip', env_sh)
    m = re.search(r'pip install -q -e "\$ROOT\[test\]"', env_sh)
    assert m, "scripts/_env.sh no longer installs the project with pip install -e $ROOT[test]"
    runs = " && ".join(BY_NAME["app"].runs())
    assert re.search(r"python -m pip install -q --upgrade pip", runs)
    # the same project root, without the editable link and the test extras: a runtime needs neither
    assert re.search(r"python -m pip install -q \.(\s|$)", runs), runs
    assert "[test]" not in runs
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    # a file pyproject names (the readme) is copied with it
    readme = pyproject["project"].get("readme")
    app_sources = {s.rstrip("/") for _, srcs, _ in copies(BY_NAME["app"]) for s in srcs}
    assert readme is None or readme in app_sources
    # the image's Python is one _env.sh accepts and the project requires
    version = re.match(r"python:(\d+)\.(\d+)", ARGS["PYTHON_IMAGE"]).groups()
    assert f"python{version[0]}.{version[1]}" in env_sh
    low = re.match(r">=\s*(\d+)\.(\d+)", pyproject["project"]["requires-python"]).groups()
    assert tuple(map(int, version)) >= tuple(map(int, low))
    # both Python stages use the same image, so the venv's interpreter path exists at runtime
    assert BY_NAME["app"].image == STAGES[-1].image
    assert "abci-mpc" in pyproject["project"]["scripts"]


# -- runtime: entrypoint, ports, environment ----------------------------------------------------
def test_the_entrypoint_exists_is_executable_and_is_the_image_entrypoint():
    assert ENTRYPOINT.is_file() and os.access(ENTRYPOINT, os.X_OK)
    tracked = subprocess.run(["git", "ls-files", "-s", str(ENTRYPOINT.relative_to(ROOT))], cwd=ROOT,
                             capture_output=True, text=True).stdout
    if tracked:
        assert tracked.startswith("100755"), "docker/entrypoint.sh is committed without its executable bit"
    subprocess.run(["bash", "-n", str(ENTRYPOINT)], check=True)
    runtime = STAGES[-1]
    dest = next(d for frm, srcs, d in copies(runtime) if srcs == ["docker/entrypoint.sh"])
    entry = [a for k, a in runtime.steps if k == "ENTRYPOINT"]
    assert entry == [f'["{Path(dest).name}"]'] and Path(dest).parent.as_posix() in env_of(runtime)["PATH"] + \
        ":/usr/local/bin"
    assert [a for k, a in runtime.steps if k == "USER"] == ["abci"]  # not root


@pytest.fixture(scope="module")
def node_defaults(tmp_path_factory) -> dict:
    """The node's own defaults: the config.toml `abci-mpc-node init` writes."""
    binary = build_node()
    home = tmp_path_factory.mktemp("nodehome")
    subprocess.run([str(binary), "init", "--home", str(home)], check=True, capture_output=True,
                   env={k: v for k, v in os.environ.items() if not k.startswith("CMT")})
    return tomllib.loads((home / "config" / "config.toml").read_text())


def _port(addr: str) -> int:
    return int(addr.rsplit(":", 1)[1])


def test_exposed_ports_and_environment_match_the_defaults(node_defaults):
    runtime = STAGES[-1]
    env = env_of(runtime)
    exposed = {int(p.split("/")[0]) for k, a in runtime.steps if k == "EXPOSE" for p in a.split()}
    host, metrics_port = metrics.parse_address(env["ABCI_MPC_METRICS_LISTEN"])
    assert host == "0.0.0.0"
    want = {_port(node_defaults["p2p"]["laddr"]), _port(node_defaults["rpc"]["laddr"]),
            _port(node_defaults["instrumentation"]["prometheus_listen_addr"]), metrics_port}
    assert exposed == want
    # RPC reachable from outside the container, on its default port
    assert _port(env["CMT_RPC_LADDR"]) == _port(node_defaults["rpc"]["laddr"]) and "0.0.0.0" in env["CMT_RPC_LADDR"]
    # `both` needs no wiring: the node dials the app where the app listens by default...
    assert _port(node_defaults["proxy_app"]) == _port(config.Abci().listen)
    # ...and both ends agree on the bridge socket, the node's default place in its home
    default_bridge = "unix://" + env["CMTHOME"] + "/data/mpc-bridge.sock"
    assert env["ABCI_MPC_BRIDGE"] == env["ABCI_MPC_NODE_BRIDGE"] == default_bridge
    # the app reads its home and every ABCI_MPC_* setting the image sets
    known = {s.env for s in config.SETTINGS} | {"ABCI_MPC_HOME", "ABCI_MPC_BRIDGE"}
    assert {k for k in env if k.startswith("ABCI_MPC_")} <= known
    cfg = config.Config(Path(env["ABCI_MPC_HOME"]))
    config.apply_overrides(cfg, {k: v for k, v in env.items() if k.startswith("ABCI_MPC_")}, {})
    assert cfg.metrics.listen == env["ABCI_MPC_METRICS_LISTEN"]
    assert [a for k, a in runtime.steps if k == "VOLUME"] == ['["/data"]']
    assert env["ABCI_MPC_HOME"].startswith("/data/") and env["CMTHOME"].startswith("/data/")


# -- the entrypoint, run with stand-ins for the two binaries ------------------------------------
STUB = """#!{python}
import os, signal, sys, time
name = os.path.basename(sys.argv[0]).replace("-", "_")
log = os.path.join(os.environ["STUB_DIR"], name)
def note(text):
    with open(log, "a") as f:
        f.write(text + "\\n")
note("args " + " ".join(sys.argv[1:]))
def term(*_):
    note("TERM")
    sys.exit(int(os.environ.get("STUB_TERM_CODE", "0")))
signal.signal(signal.SIGTERM, term)
after = os.environ.get("STUB_EXIT_AFTER_" + name)
if after is not None:
    time.sleep(float(after))
    note("exit")
    sys.exit(int(os.environ.get("STUB_EXIT_CODE_" + name, "0")))
while True:
    time.sleep(0.02)
"""


@pytest.fixture
def stubs(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("abci-mpc", "abci-mpc-node"):
        p = bindir / name
        p.write_text(STUB.format(python=sys.executable))
        p.chmod(0o755)
    homes = tmp_path / "data"
    (homes / "node" / "config").mkdir(parents=True)
    (homes / "node" / "config" / "genesis.json").write_text("{}")
    (homes / "app").mkdir()
    (homes / "app" / "config.toml").write_text("")
    env = {"PATH": f"{bindir}:{os.environ['PATH']}", "STUB_DIR": str(tmp_path), "CMTHOME": str(homes / "node"),
           "ABCI_MPC_HOME": str(homes / "app")}

    def start(*args, **extra):
        return subprocess.Popen([str(ENTRYPOINT), *args], env={**env, **extra}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)

    def log(name):
        f = tmp_path / name.replace("-", "_")
        return f.read_text().splitlines() if f.exists() else []

    return start, log, homes


def _finish(proc, timeout=20):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return proc.returncode, err


def _wait_for(pred, timeout=10):
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_node_and_app_modes_exec_with_their_homes(stubs):
    start, log, homes = stubs
    code, _ = _finish(start("node", "--p2p.seeds", "x@y:1", STUB_EXIT_AFTER_abci_mpc_node="0",
                            STUB_EXIT_CODE_abci_mpc_node="3"))
    assert code == 3
    assert log("abci-mpc-node")[0] == f"args start --home {homes / 'node'} --p2p.seeds x@y:1"
    code, _ = _finish(start("app", STUB_EXIT_AFTER_abci_mpc="0"))
    assert code == 0 and log("abci-mpc")[0] == f"args start --home {homes / 'app'}"
    code, _ = _finish(start("abci-mpc", "keys", "list", STUB_EXIT_AFTER_abci_mpc="0"))
    assert code == 0 and log("abci-mpc")[-2] == "args keys list"


def test_both_stops_the_app_when_the_node_dies(stubs):
    start, log, _ = stubs
    code, err = _finish(start("both", STUB_EXIT_AFTER_abci_mpc_node="0.5", STUB_EXIT_CODE_abci_mpc_node="5"))
    assert code == 5 and "the node stopped (exit code 5); stopping the other" in err
    assert log("abci-mpc")[-1] == "TERM" and log("abci-mpc-node")[-1] == "exit"


def test_both_treats_a_clean_exit_of_one_as_a_failure(stubs):
    start, log, _ = stubs
    code, err = _finish(start("both", STUB_EXIT_AFTER_abci_mpc="0.3"))
    assert code == 1 and "the app stopped (exit code 0)" in err
    assert log("abci-mpc-node")[-1] == "TERM"


def test_sigterm_stops_both_cleanly(stubs):
    start, log, _ = stubs
    proc = start()  # `both` is the default
    _wait_for(lambda: log("abci-mpc") and log("abci-mpc-node"))
    proc.send_signal(signal.SIGTERM)
    code, err = _finish(proc)
    assert code == 0, err
    assert log("abci-mpc")[-1] == "TERM" and log("abci-mpc-node")[-1] == "TERM"
    # a process that fails on its way out is reported
    proc = start("both", STUB_TERM_CODE="7")
    _wait_for(lambda: all(sum(ln.startswith("args") for ln in log(n)) == 2 for n in ("abci-mpc", "abci-mpc-node")))
    proc.send_signal(signal.SIGTERM)
    code, _ = _finish(proc)
    assert code == 7


def test_both_refuses_homes_that_were_never_initialised(stubs):
    start, log, homes = stubs
    (homes / "app" / "config.toml").unlink()
    code, err = _finish(start("both"))
    assert code == 2 and "is not initialised" in err and "config.toml" in err
    assert log("abci-mpc") == [] and log("abci-mpc-node") == []
