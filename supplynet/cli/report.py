"""``supplynet report SCENARIO ...``: one self-contained HTML report to forward.

Heavy modules (pandas, the solvers, matplotlib, Jinja2) are imported when the command
runs, not when the CLI starts.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer

from supplynet.cli.options import NetworkOpt, SolverName, SolverOpt, VerboseOpt
from supplynet.cli.output import console, err_console, lit, progress_bar
from supplynet.cli.run import NotOptimal

__all__ = ["report_command"]


def report_command(
    scenarios: Annotated[
        list[Path], typer.Argument(help="Scenario TOML files (the baseline is added).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    days: Annotated[
        int | None, typer.Option(help="Also run the multi-day model over N days.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of the report.")] = None,
    criticality: Annotated[
        bool,
        typer.Option("--criticality", help="Rank single cuts and find the worst cuts (1-3)."),
    ] = False,
    backtest: Annotated[
        bool,
        typer.Option(
            "--backtest",
            help="Back-test the dated scenarios (with a start_date) against the reported arrivals.",
        ),
    ] = False,
    tiles: Annotated[
        bool,
        typer.Option(
            "--tiles",
            help="Put an OpenStreetMap tile base map under the maps, shown when the page "
            "is opened online (default: the page loads nothing).",
        ),
    ] = False,
    assets: Annotated[
        Path | None,
        typer.Option(help="Folder for the tables as CSV and the figures as PNG and SVG."),
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the report as Markdown to this file.")
    ] = None,
    network: NetworkOpt = None,
    destination: Annotated[str, typer.Option(help="Destination node (id or name).")] = "bamako",
    solver: SolverOpt = SolverName.highs,
    _verbose: VerboseOpt = False,
) -> None:
    """Write one self-contained HTML report: the scenarios against the baseline, a map,
    charts, criticality, the back-test and what was assumed; it opens offline and on a
    phone.

    Exit status: 0 when every scenario was solved, 3 when one failed (the report shows
    it as failed, with its reason), 2 on bad input (nothing is written).
    """
    from supplynet.report.build import build_report, check_days

    check_days(days)  # a clear error before anything is solved
    with progress_bar("solving scenarios") as progress:
        report = build_report(
            scenarios,
            out,
            network=network,
            destination=destination,
            title=title,
            days=days,
            criticality=criticality,
            backtest=backtest,
            tiles=tiles,
            assets=assets,
            markdown=markdown,
            solver=solver.value,
            progress=progress,
            command=shlex.join(["supplynet", *sys.argv[1:]]),
        )
    for name, reason in report.failed.items():
        err_console.print(lit(f"warning: scenario {name!r} failed: {reason}", "yellow"))
    solved = len(report.scenarios) - len(report.failed)
    console.print(
        lit(
            f"wrote {report.path} ({report.size_bytes / 1e6:.2f} MB; {solved} of "
            f"{len(report.scenarios)} scenarios solved, sections: {', '.join(report.sections)}) "
            f"in {report.build_time_s:.1f} s"
        )
    )
    if report.markdown is not None:
        console.print(lit(f"wrote {report.markdown}", "dim"))
    if report.assets:
        console.print(lit(f"wrote {len(report.assets)} files to {assets}", "dim"))
    if report.failed:
        raise NotOptimal(
            f"{len(report.failed)} of {len(report.scenarios)} scenario(s) failed "
            f"({', '.join(report.failed)}); the report shows each as failed, with its reason",
            what="",
        )
