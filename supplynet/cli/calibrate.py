"""``supplynet backtest | sensitivity``: how well a dated scenario reproduces what was seen,
and which ⚠ assumptions move its answer most.

``backtest`` runs the multi-day model once and sets the arrivals it simulates against the
observed record (``data/observed/`` or ``--observed DIR``) at each place (Bamako, and the
fuel entering Mali), per month (``--freq week`` for weeks), keeping the calibration part
(up to ``--cutoff``) and the held-out part apart. ``sensitivity`` moves each ⚠ assumption
by ±``--step`` and ranks them. Heavy modules are imported when a command runs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from supplynet.cli.options import (
    Format,
    FormatOpt,
    NetworkOpt,
    OutOpt,
    SolverName,
    SolverOpt,
    VerboseOpt,
)
from supplynet.cli.output import (
    console,
    csv_stream,
    err_console,
    fmt,
    jsonable,
    lit,
    new_table,
    pct,
    progress_bar,
    show,
)
from supplynet.cli.run import NotOptimal

if TYPE_CHECKING:
    import pandas as pd

if TYPE_CHECKING:
    import pandas as pd

    from supplynet.analysis.backtest import BacktestResult
    from supplynet.analysis.sensitivity import SensitivityResult

__all__ = ["backtest_command", "sensitivity_command"]

ScenarioArg = Annotated[Path, typer.Argument(help="A dated multi-day scenario (TOML).")]
DaysOpt = Annotated[
    int | None,
    typer.Option(
        "--days",
        "-d",
        help="A shorter horizon than the scenario's (operations that start later are left out).",
        show_default=False,
    ),
]
CsvOpt = Annotated[
    Path | None,
    typer.Option(
        "--csv", help="Also write the main table to this CSV file (whole, or not at all)."
    ),
]
JsonOpt = Annotated[
    Path | None,
    typer.Option(
        "--json", help="Also write the whole result to this JSON file (whole, or not at all)."
    ),
]


def _check_days(days: int | None) -> None:
    from supplynet.errors import ScenarioError

    if days is not None and not 1 <= days <= 3_650:
        raise ScenarioError(f"--days {days}: the horizon must be 1 to 3,650 days")


#: a period's within-range verdict as shown; ``pd.NA`` (no report) is not in it: "-"
_VERDICT = {True: "yes", False: "no"}


def _check_outputs(out: Path | None, *files: Path | None) -> None:
    """Fail before any solve if an output cannot be written where asked."""
    from supplynet.atomic import check_writable
    from supplynet.errors import DataError

    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"{out}: --out must be a folder, and a file of that name exists")
    for path in files:
        if path is not None:
            check_writable(path)
    if out is not None:
        check_writable(out, folder=True)


def _write_file(path: Path, text: str) -> None:
    """Write one file whole (a temporary file renamed into place) or not at all."""
    from supplynet.atomic import atomic_file

    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    err_console.print(lit(f"wrote {path}", "dim"))


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    table = df.reset_index()
    for column in table.columns:
        if str(table[column].dtype).startswith("datetime"):
            table[column] = table[column].dt.strftime("%Y-%m-%d")
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]


def _emit(
    files: dict[str, str],
    doc: dict[str, Any],
    fmt_: Format,
    out: Path | None,
    csv_file: Path | None,
    csv_text: str,
    json_file: Path | None,
) -> bool:
    """Write the outputs asked for; print CSV or JSON. True if printed."""
    from supplynet.io import write_files

    text = json.dumps(jsonable(doc), indent=2, ensure_ascii=False) + "\n"
    if out is not None:
        write_files(out, files)
        err_console.print(lit(f"wrote {len(files)} files to {out}", "dim"))
    if csv_file is not None:
        _write_file(csv_file, csv_text)
    if json_file is not None:
        _write_file(json_file, text)
    if fmt_ is Format.json:
        sys.stdout.write(text)
        return True
    if fmt_ is Format.csv:
        sys.stdout.write(csv_stream(files) if "summary.json" in files else csv_text)
        return True
    return False


# ------------------------------------------------------------------------- backtest
def _share(value: float) -> str:
    return "-" if value != value else f"{value:+.0%}"


def _range(low: float, high: float) -> str:
    if low != low:
        return "-"
    return f"{fmt(low)}–{fmt(high)}" if high != low else fmt(low)


def _print_backtest(results: list[BacktestResult], freq: str) -> None:

    first = results[0]
    tl = first.timeline
    console.print(
        lit(
            f"Back-test of {first.scenario}: {tl.days} days from {tl.start_date}, "
            f"calibration up to {first.cutoff or 'the end'}, held out after it; "
            f"simulated against reported arrivals (m3)",
            "bold",
        )
    )
    for res in results:
        table = new_table(
            f"{res.place}: by {freq} (m3)",
            [
                ("from", "key"),
                ("days", "num"),
                ("part", "text"),
                ("simulated", "num"),
                ("reported", "num"),
                ("error", "num"),
                ("in range", "text"),
            ],
        )
        for period, row in res.periods(freq).iterrows():
            has = row["reports"] > 0
            table.add_row(
                lit(cast("pd.Timestamp", period).date().isoformat()),
                fmt(int(row["days"])),
                lit(row["part"]),
                fmt(float(row["simulated_m3"])),
                _range(float(row["reported_low_m3"]), float(row["reported_high_m3"])),
                _share(float(row["error_share"])),
                lit(_VERDICT.get(row["within_range"], "-") if has else "-"),
            )
        show(table)
        errors = res.errors.loc[freq]
        parts = []
        for part, row in errors.iterrows():
            if int(row["periods"]):
                parts.append(
                    f"{part}: {int(row['within_range'])} of {int(row['periods'])} periods within "
                    f"the reported range, mean |error| {row['mean_abs_error_share']:.1%}, "
                    f"total {_share(float(row['total_error_share']))}"
                )
            else:
                parts.append(f"{part}: no period with a report")
        console.print(lit(f"{res.place}: " + "; ".join(parts)))
    fell = first.shortfall
    table = new_table(
        "Where the shortfall fell",
        [
            ("part", "text"),
            ("where", "text"),
            ("demand m3", "num"),
            ("short m3", "num"),
            ("met", "num"),
        ],
    )
    focus = fell.index.get_level_values("node_id")[0]  # each part starts with the focus
    for index, row in fell.iterrows():
        part, node = cast(tuple[str, str], index)
        if node not in (focus, "regions"):
            continue
        table.add_row(
            lit(part),
            lit(row["name"]),
            fmt(float(row["demand_m3"])),
            fmt(float(row["shortfall_m3"])),
            pct(float(row["met_share"])),
        )
    show(table)


def backtest_command(
    scenario: ScenarioArg,
    observed: Annotated[
        Path | None,
        typer.Option(
            help="Folder with arrivals.csv, attacks.csv, measures.csv (default: embedded)."
        ),
    ] = None,
    days: DaysOpt = None,
    place: Annotated[
        list[str] | None,
        typer.Option(help="Node id or name, or Mali (repeat; default: bamako and Mali)."),
    ] = None,
    cutoff: Annotated[
        str, typer.Option(help="Last day of the calibration part (YYYY-MM-DD, or none).")
    ] = "2025-11-15",
    freq: Annotated[str, typer.Option(help="Periods shown: month or week.")] = "month",
    network: NetworkOpt = None,
    solver: SolverOpt = SolverName.highs,
    fmt_: FormatOpt = Format.table,
    out: OutOpt = None,
    csv_file: CsvOpt = None,
    json_file: JsonOpt = None,
    _verbose: VerboseOpt = False,
) -> None:
    """Simulated against reported arrivals, per month or week, calibration and held-out parts.

    The embedded record spans the whole 2025-26 crisis: a dated scenario with a shorter
    horizon is compared on the rows within it (a note says how many were left out). A
    record given with --observed must lie within the horizon.

    Exit status: 0 when the LP is optimal, 3 when it is not, 2 on bad input (a bad observed
    record: one line naming its file, row and column).
    """
    import pandas as pd

    from supplynet.analysis.backtest import FREQUENCIES, backtest, fit_to_horizon
    from supplynet.analysis.simulate import DEFAULT_DAYS, simulate_supply
    from supplynet.datasets import load_network
    from supplynet.errors import DataError, ScenarioError, closest
    from supplynet.observed import load_observed
    from supplynet.results import rounded
    from supplynet.scenario import Scenario

    if freq not in FREQUENCIES:
        hint = closest(freq, FREQUENCIES)
        raise DataError(
            f"--freq {freq!r}: allowed: {', '.join(FREQUENCIES)}"
            + (f"; {hint}" if hint.startswith("did you mean") else "")
        )
    _check_days(days)
    _check_outputs(out, csv_file, json_file)
    sc = Scenario.from_file(scenario)
    if sc.start_date is None:
        raise ScenarioError(
            f"{scenario}: the back-test needs a dated scenario: give it a start_date"
        )
    cut: dt.date | None = None
    if cutoff.strip().lower() not in ("", "none"):
        try:
            cut = dt.date.fromisoformat(cutoff.strip())
        except ValueError:
            raise DataError(f"--cutoff {cutoff!r}: not a date (YYYY-MM-DD), or none") from None
    net = load_network(network)
    places = place or ["bamako", "Mali"]
    for name in places:  # unknown places fail before the solve
        if name.strip().lower() != "mali":
            net.node_id(name)
    obs = load_observed(observed)
    # a record given must lie within the scenario's horizon (checked before the solve);
    # the embedded one (the whole crisis) is cut to it; a shorter --days leaves out the
    # rows that end after it; both say so
    full = sc.days or DEFAULT_DAYS
    full_end = sc.start_date + dt.timedelta(days=full - 1)
    fitted = fit_to_horizon(obs, sc.start_date, full_end, embedded=observed is None)
    if fitted.n_rows < obs.n_rows:
        note = (
            f"note: {obs.n_rows - fitted.n_rows} of the embedded record's {obs.n_rows} "
            f"report rows lie outside {sc.name}'s {full} days ({sc.start_date} to "
            f"{full_end}) and are left out"
        )
        err_console.print(lit(note, "dim"))
    obs = fitted
    if days is not None and days < full:
        end = sc.start_date + dt.timedelta(days=days - 1)
        shorter = obs.within(sc.start_date, end)
        left = obs.n_rows - shorter.n_rows
        if left:
            note = f"note: --days {days}: {left} report rows that end after {end} left out"
            err_console.print(lit(note, "dim"))
        obs = shorter
    run = sc if days is None else sc.truncated(days)
    timeline = simulate_supply(net, run, days, solver=solver.value)
    if not timeline.ok:
        console.print(lit(f"multi-day LP {timeline.status.value}: nothing to compare", "bold"))
        raise NotOptimal(f"multi-day LP {timeline.status.value}")
    results = [backtest(net, sc, obs, place=p, cutoff=cut, timeline=timeline) for p in places]
    files: dict[str, str] = {}
    for res in results:
        files.update(res.files(prefix=f"{res.place.lower()}_"))
    doc = {
        res.place: {
            "summary": res.summary(),
            "errors": _rows(res.errors),
            freq: _rows(res.periods(freq)),
            "shortfall": _rows(res.shortfall),
        }
        for res in results
    }
    tables = []
    for res in results:
        frame = res.periods(freq).copy()
        frame.insert(0, "place", res.place)
        tables.append(frame)
    csv_text = rounded(pd.concat(tables)).to_csv(date_format="%Y-%m-%d")
    if _emit(files, doc, fmt_, out, csv_file, csv_text, json_file):
        return
    _print_backtest(results, freq)


# ---------------------------------------------------------------------- sensitivity
_PARAMETER_LABELS = {
    "tanker_m3": "tanker size (m3)",
    "convoy_cadence": "convoy cadence (days)",
    "convoy_size": "convoy size (tankers)",
    "loss_rates": "loss rates (mean)",
    "initial_stocks": "initial stocks (m3)",
}


def _print_sensitivity(res: SensitivityResult, top: int) -> None:
    base = res.base
    first = base["first_short_day"]
    console.print(
        lit(
            f"Sensitivity of {res.scenario} at {res.focus} over {res.days} days, each ⚠ "
            f"assumption at {1 - res.step:.0%} and {1 + res.step:.0%}: worst month "
            f"{fmt(base['worst_month_m3_day'])} m3/day ({base['worst_month_met_share']:.0%} of "
            f"demand), first short day {fmt(first)}",
            "bold",
        )
    )
    shown = res.table if top <= 0 else res.table.head(top)
    low, high = f"{1 - res.step:.0%}", f"{1 + res.step:.0%}"
    table = new_table(
        f"Ranked by the move of the worst month, m3/day ({len(shown)} of {len(res.table)})",
        [
            ("rank", "num"),
            ("assumption", "id"),
            ("as given", "num"),
            (f"worst month at {low}", "num"),
            (f"at {high}", "num"),
            ("swing", "num"),
            (f"first short at {low}", "num"),
            (f"at {high}", "num"),
        ],
        caption="; ".join(f"{k}: {v}" for k, v in _PARAMETER_LABELS.items() if k in shown.index)
        + (
            "; demand_<class>: m3/day"
            if any(str(n).startswith("demand_") for n in shown.index)
            else ""
        ),
    )
    for name, row in shown.iterrows():
        digits = 3 if name == "loss_rates" else 0
        table.add_row(
            fmt(int(row["rank"])),
            lit(name),
            fmt(float(row["base_value"]), digits),
            fmt(float(row["worst_month_m3_day_low"])),
            fmt(float(row["worst_month_m3_day_high"])),
            fmt(float(row["worst_month_swing_m3_day"])),
            fmt(float(row["first_short_day_low"])),
            fmt(float(row["first_short_day_high"])),
        )
    show(table)


def sensitivity_command(
    scenario: Annotated[Path, typer.Argument(help="A multi-day scenario (TOML).")],
    parameter: Annotated[
        list[str] | None,
        typer.Option(
            help="An assumption to move (repeat; default: every ⚠ one the scenario uses)."
        ),
    ] = None,
    step: Annotated[float, typer.Option(help="Relative move, above 0 and at most 1.")] = 0.5,
    days: DaysOpt = None,
    focus: Annotated[str, typer.Option(help="Node measured (id or name).")] = "bamako",
    workers: Annotated[int, typer.Option(help="Local worker processes (1: this process).")] = 1,
    top: Annotated[int, typer.Option(min=0, help="Rows shown in the table (0: all).")] = 0,
    network: NetworkOpt = None,
    solver: SolverOpt = SolverName.highs,
    fmt_: FormatOpt = Format.table,
    out: OutOpt = None,
    csv_file: CsvOpt = None,
    json_file: JsonOpt = None,
    _verbose: VerboseOpt = False,
) -> None:
    """Move each ⚠ assumption by ±step, one at a time, and rank what moves the focus node.

    Exit status: 0 when every run is optimal, 3 when one is not, 2 on bad input.
    """
    from supplynet.analysis.sensitivity import sensitivity
    from supplynet.datasets import load_network
    from supplynet.errors import InfeasibleError, ScenarioError
    from supplynet.results import rounded
    from supplynet.scenario import Scenario

    _check_days(days)
    _check_outputs(out, csv_file, json_file)
    if workers < 1:
        raise ScenarioError(f"--workers {workers}: give at least 1")
    sc = Scenario.from_file(scenario)
    net = load_network(network)
    try:
        with progress_bar("sensitivity") as update:
            res = sensitivity(
                net,
                sc,
                parameters=parameter or None,
                step=step,
                days=days,
                focus=focus,
                workers=workers,
                solver=solver.value,
                progress=lambda done, total, _label: update(done, total),
            )
    except InfeasibleError as exc:
        raise NotOptimal(str(exc)) from None
    doc = {"summary": res.summary(), "sensitivity": _rows(res.table), "runs": _rows(res.runs)}
    if _emit(res.files(), doc, fmt_, out, csv_file, rounded(res.table).to_csv(), json_file):
        return
    _print_sensitivity(res, top)
