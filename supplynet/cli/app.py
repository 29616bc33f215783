"""The ``supplynet`` command: the Typer app, its commands, and how it exits.

Exit status (for scripts):

====  ==============================================================================
0     done; every LP optimal
2     bad input: a file, key, value, option or network that cannot be used (one line
      on stderr naming it; no output file is left half-written)
3     done, but a result is not optimal (infeasible, not solved, time limit): the
      outputs say which, in every format
4     internal error (a bug: please report it; ``SUPPLYNET_DEBUG=1`` shows the traceback)
130   interrupted (Ctrl-C)
====  ==============================================================================
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer

from supplynet.cli.calibrate import backtest_command, sensitivity_command
from supplynet.cli.network import corridors, network_info
from supplynet.cli.options import VerboseOpt, configure_logging
from supplynet.cli.report import report_command
from supplynet.cli.run import NotOptimal, run
from supplynet.cli.simulate import simulate
from supplynet.cli.vulnerability import (
    criticality_command,
    interdict_command,
    montecarlo_command,
    sweep_command,
)
from supplynet.osm.cli import build_command

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_NOT_OPTIMAL",
    "EXIT_OK",
    "app",
    "entry",
    "main",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_NOT_OPTIMAL = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="markdown",  # docstring lines join into paragraphs (not hard breaks)
    pretty_exceptions_enable=False,
    help="Fuel supply to Bamako over West African road corridors.",
)
network_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode="markdown", help="Inspect or build networks."
)
app.add_typer(network_app, name="network")


def _show_version(value: bool) -> None:
    if value:
        from supplynet.version import __version__

        typer.echo(f"supplynet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: VerboseOpt = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    configure_logging(verbose)


@network_app.callback()
def _network(_verbose: VerboseOpt = False) -> None:
    """Inspect or build networks."""


app.command()(run)
app.command()(simulate)
app.command()(corridors)
app.command("criticality")(criticality_command)
app.command("interdict")(interdict_command)
app.command("montecarlo")(montecarlo_command)
app.command("sweep")(sweep_command)
app.command("report")(report_command)
app.command("backtest")(backtest_command)
app.command("sensitivity")(sensitivity_command)
network_app.command("info")(network_info)
network_app.command("build")(build_command)


def _message(exc: BaseException) -> str:
    from supplynet.errors import shown

    text = " ".join(str(exc).split())
    return text if len(text) <= 500 else shown(text, 500)


def main() -> None:
    """Run the app; bad input -> one line on stderr and exit status 2 (see the codes)."""
    from supplynet.errors import SupplynetError

    try:
        code = app(standalone_mode=False)
    except SupplynetError as exc:
        _fail(_message(exc), EXIT_BAD_INPUT)
    except NotOptimal as exc:
        sys.stderr.write(f"warning: {exc.what}: {exc}\n" if exc.what else f"warning: {exc}\n")
        sys.exit(EXIT_NOT_OPTIMAL)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
    except typer.Abort:
        _fail("aborted", EXIT_INTERRUPTED)
    except OSError as exc:  # unwritable --out, disk full, permission denied
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}", EXIT_BAD_INPUT)
    except Exception as exc:
        # typer/click usage errors (bad option value, missing argument) carry these
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message = " ".join(exc.format_message().split())
            if not message:  # no command given: the help was printed, nothing to add
                sys.exit(int(exc.exit_code))
            _fail(message, int(exc.exit_code))
        if hasattr(exc, "exit_code") and type(exc).__name__ == "Exit":
            sys.exit(int(exc.exit_code))
        if os.environ.get("SUPPLYNET_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {_message(exc)}); this is a bug in "
            "supplynet: please report it (SUPPLYNET_DEBUG=1 shows the traceback)",
            EXIT_INTERNAL,
        )
    if isinstance(code, int) and code:
        sys.exit(code)


def entry() -> None:
    """The ``supplynet`` console script: :func:`main` with Unix pipe manners."""
    if hasattr(signal, "SIGPIPE"):
        # output piped into `head` and the like: end quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.exit(code)
