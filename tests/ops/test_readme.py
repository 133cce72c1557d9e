"""The README's commands and flags exist in the CLI (`--help` is the source of truth), its two
opening commands exist, and its sections come in the order the operators' issue asks for."""

from __future__ import annotations

import re
from pathlib import Path

import click

from abci_mpc.cli.main import _register, cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTIONS = ["Architecture", "Quick start", "CLI reference", "Configuration", "Security model",
            "Performance", "Troubleshooting", "Compared with"]


def _cut(command: str) -> str:
    """A shell line up to its first pipe, subshell, comment or redirection (pipes inside
    [..] are alternatives, not pipes)."""
    out, depth = [], 0
    for i, c in enumerate(command):
        depth += c == "["
        depth -= c == "]"
        if depth == 0 and (c in "#;>" or (c == "|" and command[i - 1] != "\\") or command.startswith("$(", i)):
            break
        out.append(c)
    return "".join(out)


def _invocations() -> list[list[str]]:
    """Every `abci-mpc ...` command: inline code spans, and command lines in code blocks."""
    found = [span for span in re.findall(r"`abci-mpc ([^`]+)`", README)]
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            m = re.search(r"(?:^|\s)(?:\.venv/bin/)?abci-mpc ([^$]*)", line)
            if m:
                found.append(_cut(m.group(1)))
    return [w.replace("\\|", "|").split() for w in found if w.strip()]


def _command(words: list[str]):
    _register()
    cmd, path = cli, []
    for w in words:
        if isinstance(cmd, click.Group) and w in cmd.commands:
            cmd = cmd.commands[w]
            path.append(w)
        elif isinstance(cmd, click.Group) and "|" in w and all(x in cmd.commands for x in w.split("|")):
            return [(cmd.commands[x], path + [x]) for x in w.split("|")]
        else:
            break
    return [(cmd, path)]


def _options(cmd) -> set[str]:
    opts = set()
    for p in cmd.params:
        opts.update(o.split("=")[0] for o in p.opts + p.secondary_opts)
    return opts


def test_readme_opens_with_the_two_commands():
    head = README.split("## ")[0]
    assert "./scripts/demo" in head and "./scripts/test" in head
    root = Path(__file__).resolve().parents[2]
    assert (root / "scripts" / "demo").exists() and (root / "scripts" / "test").exists()


def test_sections_in_order():
    heads = [h for h in re.findall(r"^## (.+)$", README, re.M)]
    positions = [next(i for i, h in enumerate(heads) if h.startswith(s)) for s in SECTIONS]
    assert positions == sorted(positions), heads


def test_every_documented_command_and_flag_exists():
    invocations = _invocations()
    assert len(invocations) > 25
    problems = []
    for words in invocations:
        for cmd, path in _command(words):
            if not path:
                problems.append(f"unknown command: abci-mpc {' '.join(words[:3])}")
                continue
            flags = {w.split("=")[0].strip("[]`'\"") for w in words[len(path):] if w.lstrip("[`").startswith("-")}
            flags = {f.lstrip("[`") for f in flags} - {"-h"}
            known = _options(cmd) | {"--help"}
            if isinstance(cmd, click.Group):  # options documented for the group's subcommands
                for sub in cmd.commands.values():
                    known |= _options(sub)
            missing = sorted(f for f in flags if f.split("|")[0] not in known and not f.startswith("--<"))
            if missing:
                problems.append(f"abci-mpc {' '.join(path)}: no option {missing}")
    assert not problems, problems


def test_library_example_runs():
    """The README's Python block is run as written: keygen, presign, sign, verify."""
    (block,) = re.findall(r"```python\n(.*?)```", README, re.S)
    exec(compile(block, "README.md", "exec"), {})
