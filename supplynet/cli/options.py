"""Options shared by the commands: network, solver, output format, verbosity.

Only light imports here: ``supplynet --help`` must not load pandas, networkx or the solvers.
"""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "Format",
    "FormatOpt",
    "NetworkOpt",
    "OutOpt",
    "SolverName",
    "SolverOpt",
    "VerboseOpt",
    "configure_logging",
]


class Format(StrEnum):
    """Output formats of the commands that print results."""

    table = "table"
    csv = "csv"
    json = "json"


class SolverName(StrEnum):
    """LP solvers."""

    highs = "highs"
    cbc = "cbc"


def configure_logging(verbose: bool = False) -> None:
    """WARNING for everyone; INFO for supplynet's own stage lines with ``verbose``."""
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("supplynet").setLevel(logging.INFO if verbose else logging.WARNING)


def _verbose(value: bool) -> bool:
    if value:
        configure_logging(True)
    return value


NetworkOpt = Annotated[
    Path | None,
    typer.Option("--network", "-n", help="Network folder or .gpkg (default: embedded)."),
]
SolverOpt = Annotated[SolverName, typer.Option(help="LP solver.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutOpt = Annotated[
    Path | None,
    typer.Option(help="Write the result files to this folder (all of them, or none)."),
]
#: ``-v`` is accepted before and after the subcommand
VerboseOpt = Annotated[
    bool,
    typer.Option("--verbose", "-v", help="INFO logging (one line per stage).", callback=_verbose),
]
