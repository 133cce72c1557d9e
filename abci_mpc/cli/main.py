"""abci-mpc command line: thin click wrappers over the library.

A user error prints one line and exits non-zero; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..store.files import write_private


class UserError(click.ClickException):
    """An error the operator can fix; printed as one line."""


def write_private_file(path, data: bytes, force: bool) -> None:
    """A new 0600 file for a command's --out (overwritten only with --force)."""
    try:
        write_private(path, data, overwrite=force)
    except FileExistsError:
        raise UserError(f"{path} exists; use --force to overwrite it") from None
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="abci-mpc")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Threshold ECDSA (CGGMP21) signing node for CometBFT chains."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register() -> None:
    from . import bench  # noqa: F401  (commands register themselves on import)
    from . import bench_chain  # noqa: F401
    from . import bench_engine  # noqa: F401
    from . import bench_memory  # noqa: F401
    from . import bench_primes  # noqa: F401
    from . import init  # noqa: F401
    from . import keys  # noqa: F401
    from . import localnet  # noqa: F401
    from . import query  # noqa: F401
    from . import start  # noqa: F401
    from . import tx  # noqa: F401


def main(argv=None) -> None:
    _register()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="abci-mpc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # a bad argument: one line, pointing at the help
        if debug:
            traceback.print_exc()
        where = exc.ctx.command_path if exc.ctx is not None else "abci-mpc"
        click.echo(f"error: {_one_line(exc.format_message())} (see: {where} --help)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {_one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # an unexpected failure: one line unless --debug
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {_one_line(str(exc))}", err=True)
        sys.exit(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())
