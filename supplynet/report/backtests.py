"""The back-test section: simulated against reported arrivals, per week and per month.

Two kinds of input. A :class:`~supplynet.BacktestResult` (:func:`supplynet.backtest`: run
by :func:`~supplynet.report.build_report` with ``backtest=True`` for each dated scenario,
or given) shows its weekly and monthly tables with the calibration and held-out parts
apart, the error of each part, and where the shortfall fell (Bamako against the regions).
Any other back-test (a DataFrame, or an object with a ``table``, of the shape listed in
:mod:`supplynet.report.timelines`) shows its one table. A scenario without a
``start_date`` cannot be back-tested: it gets a one-line note, and a back-test that fails
a warning with its reason, while the others are shown.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from supplynet.analysis.backtest import BacktestResult
from supplynet.analysis.backtest_reports import FREQUENCIES, PARTS
from supplynet.report.blocks import Column, Facts, Figure, Paragraph, Section, Table, plain
from supplynet.report.context import ReportContext
from supplynet.report.figures import chart_backtest, chart_backtest_periods
from supplynet.report.sections import slug
from supplynet.report.timelines import backtest_table

__all__ = ["backtest_section", "period_rows"]

_INTRO = (
    "Arrivals the multi-day model simulates, set against those reported in the press and "
    "by officials (data/observed/arrivals.csv). A report's range is its volume, or its "
    "tanker count times the tanker size; conflicting reports of one event give the lowest "
    'and the highest reading (data/SOURCES.md, "How reports become a reported range"). '
    "Reports up to the cutoff may have been used to set the scenario's figures "
    "(calibration); the periods after it are held out, a check the scenario was not "
    "fitted to. A period without a report is drawn, not compared."
)
_PERIOD_COLUMNS = [
    Column("period", "from", "text"),
    Column("period_end", "to", "text"),
    Column("part", "part", "text"),
    Column("simulated_m3", "simulated, m3"),
    Column("reported_low_m3", "reported low, m3"),
    Column("reported_high_m3", "reported high, m3"),
    Column("compared_days", "days compared"),
    Column("reports", "reports"),
    Column("within_range", "within", "text"),
    Column("error_share", "error", "pct"),
]
_PERIOD_KEYS = {
    c: c
    for c in (
        "simulated_m3",
        "reported_low_m3",
        "reported_high_m3",
        "compared_days",
        "reports",
        "error_m3",
        "error_share",
    )
}


def period_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A back-test's period table with ``period`` and ``period_end`` as ISO dates, the
    form the page shows and embeds."""
    flat = table.reset_index()
    for column in ("period", "period_end"):
        flat[column] = [pd.Timestamp(v).date().isoformat() for v in flat[column]]
    return flat


def _share(value: Any) -> str:
    number = float(value)
    return f"{100 * number:.0f}%" if number == number else "–"


def _facts(bt: BacktestResult) -> list[tuple[str, str]]:
    tl = bt.timeline
    start = tl.start_date
    end = start + dt.timedelta(days=tl.days - 1) if start is not None else None
    items = [
        (
            "run",
            f"{bt.scenario}: {start} to {end}, {tl.days} days; compared at "
            f"{'Bamako' if bt.place == 'bamako' else bt.place}; "
            + (f"cutoff {bt.cutoff}" if bt.cutoff is not None else "no cutoff"),
        )
    ]
    errors = bt.errors
    for part in PARTS:
        bits = []
        for freq in FREQUENCIES:
            row: Any = errors.loc[(freq, part)]
            if int(row["periods"]):
                bits.append(
                    f"{int(row['within_range'])} of {int(row['periods'])} {freq}s with a report "
                    f"within the reported range (mean |error| "
                    f"{_share(row['mean_abs_error_share'])})"
                )
        items.append((part, "; ".join(bits) or "no period with a report"))
    fell = bt.shortfall
    focus = str(fell.index.get_level_values("node_id")[0])  # Bamako: the first row
    names: dict[Any, str] = {k: str(v) for k, v in fell["name"].items()}
    bits = []
    for part in ("all", *PARTS):
        if (part, focus) in fell.index and (part, "regions") in fell.index:
            bits.append(
                f"{'whole run' if part == 'all' else part}: "
                f"{names[(part, focus)]} met "
                f"{_share(fell.loc[(part, focus), 'met_share'])} of its demand, the regions "
                f"{_share(fell.loc[(part, 'regions'), 'met_share'])}"
            )
    if bits:
        items.append(("where the shortfall fell", "; ".join(bits)))
    return items


def _result_blocks(bt: BacktestResult, key: str) -> tuple[list[Any], dict[str, Any]]:
    name = bt.scenario
    place = "Bamako" if bt.place == "bamako" else str(bt.place)
    blocks: list[Any] = [Facts(_facts(bt))]
    blocks.append(
        Figure(
            key=f"chart_{key}",
            title=f"{name}: arrivals at {place}, simulated and reported, m3/day",
            figure=chart_backtest_periods(
                {"week": bt.weekly, "month": bt.monthly}, cutoff=bt.cutoff, place=place
            ),
            alt=f"Charts of the simulated arrivals at {place} against the reported range, by "
            f"week and by month, the held-out periods after {bt.cutoff} shaded",
            caption="m3/day over the days each period is compared on (the whole period, or "
            "the days its reports cover when they all span several days)",
        )
    )
    data: dict[str, Any] = {
        "scenario": name,
        "place": bt.place,
        "cutoff": None if bt.cutoff is None else bt.cutoff.isoformat(),
        "summary": plain(bt.summary()),
    }
    for freq, table in (("month", bt.monthly), ("week", bt.weekly)):
        flat = period_rows(table)
        with_report = int((flat["reports"] > 0).sum())
        within = int(flat["within_range"].sum())
        blocks.append(
            Table(
                key=f"{key}_{freq}",
                title=f"{name}: simulated and reported arrivals at {place} by {freq}, m3",
                frame=flat,
                columns=_PERIOD_COLUMNS,
                caption=f"{within} of {with_report} {freq}s with a report within the "
                "reported range; error: simulated less the nearest end of the range, over "
                "its middle",
                data_keys=_PERIOD_KEYS,
                row_key="period",
            )
        )
        data[freq] = plain(flat.to_dict(orient="records"))
    errors = bt.errors.reset_index()
    errors.insert(
        0, "row", [f"{f}/{p}" for f, p in zip(errors["freq"], errors["part"], strict=True)]
    )
    blocks.append(
        Table(
            key=f"{key}_errors",
            title=f"{name}: error of each part (periods with a report)",
            frame=errors,
            columns=[
                Column("freq", "by", "text"),
                Column("part", "part", "text"),
                Column("periods", "periods"),
                Column("within_range", "within"),
                Column("mean_abs_error_share", "mean |error|", "pct"),
                Column("simulated_m3", "simulated, m3"),
                Column("reported_low_m3", "reported low, m3"),
                Column("reported_high_m3", "reported high, m3"),
                Column("total_error_share", "error of the sums", "pct"),
            ],
            data_keys={
                c: c
                for c in (
                    "periods",
                    "within_range",
                    "mean_abs_error_share",
                    "simulated_m3",
                    "total_error_share",
                )
            },
            row_key="row",
        )
    )
    data["errors"] = plain(errors.to_dict(orient="records"))
    fell = bt.shortfall.reset_index()
    fell.insert(0, "row", [f"{p}/{n}" for p, n in zip(fell["part"], fell["node_id"], strict=True)])
    classes = [c for c in fell.columns if c.endswith("_met_share") and c != "met_share"]
    fell_columns = [
        Column("part", "part", "text"),
        Column("name", "where", "text"),
        Column("demand_m3", "demand, m3"),
        Column("issued_m3", "served, m3"),
        Column("shortfall_m3", "shortfall, m3"),
        Column("met_share", "met", "pct"),
    ] + [Column(c, c.removesuffix("_met_share").replace("_", " "), "pct") for c in classes]
    fell_keys = {c: c for c in ("demand_m3", "issued_m3", "shortfall_m3", "met_share")}
    groups = fell[fell["node_id"].isin([fell["node_id"].iloc[0], "regions"])]
    blocks.append(
        Table(
            key=f"{key}_shortfall",
            title=f"{name}: where the shortfall fell, Bamako against the regions",
            frame=groups,
            columns=fell_columns,
            caption="met: the share of the demand served; by demand class, the same class "
            "compared across places",
            data_keys=fell_keys,
            row_key="row",
        )
    )
    regions = fell[(fell["part"] == "all") & (fell["node_id"] != "regions")].sort_values(
        "shortfall_m3", ascending=False
    )
    blocks.append(
        Table(
            key=f"{key}_nodes",
            title=f"{name}: shortfall by demand node over the run",
            frame=regions,
            columns=fell_columns[1:],
            data_keys=fell_keys,
            row_key="row",
        )
    )
    data["shortfall"] = plain(fell.to_dict(orient="records"))
    return blocks, data


def _table_blocks(item: Any, i: int) -> tuple[str, list[Any], dict[str, Any]]:
    """A back-test given as a table (or an object with one): its periods as they are."""
    flat = backtest_table(item)
    name = str(
        getattr(item, "scenario", "")
        or (flat["scenario"].iloc[0] if "scenario" in flat else f"back-test {i + 1}")
    )
    low, high = flat["reported_low_m3"], flat["reported_high_m3"]
    inside = (flat["simulated_m3"] >= low) & (flat["simulated_m3"] <= high)
    flat = flat.assign(within_range=inside, reported_mid_m3=(low + high) / 2)
    key = f"backtest_{i + 1}"
    summary = getattr(item, "summary", None)
    facts = summary() if callable(summary) else {}
    columns = [Column("period", "period", "text")]
    if "place" in flat:
        columns.append(Column("place", "place", "text"))
    columns += [
        Column("simulated_m3", "simulated, m3"),
        Column("reported_low_m3", "reported low, m3"),
        Column("reported_high_m3", "reported high, m3"),
        Column("within_range", "within", "text"),
    ]
    blocks: list[Any] = [
        Figure(
            key=f"chart_{key}",
            title=f"Simulated and reported arrivals: {name}",
            figure=chart_backtest(flat),
            alt=f"Chart of simulated arrivals against the reported range per period, {name}",
        ),
        Table(
            key=key,
            title=f"Back-test: {name}",
            frame=flat,
            columns=columns,
            caption=f"{int(inside.sum())} of {len(flat)} periods within the reported range",
            data_keys={c: c for c in ("simulated_m3", "reported_low_m3", "reported_high_m3")},
            row_key="period",
        ),
    ]
    data = {
        "periods": len(flat),
        "within_range": int(inside.sum()),
        "simulated_m3": float(flat["simulated_m3"].sum()),
        "reported_mid_m3": float(flat["reported_mid_m3"].sum()),
        "summary": plain(facts),
    }
    return name, blocks, data


def backtest_section(ctx: ReportContext) -> Section | None:
    """The back-tests run for the dated scenarios and those given, with notes for the
    scenarios that could not be back-tested."""
    given = ctx.backtest
    items = [] if given is None else list(given) if isinstance(given, list | tuple) else [given]
    computed = [r for r in ctx.solved if r.backtest is not None]
    if not items and not ctx.backtest_requested:
        return None
    blocks: list[Any] = [Paragraph(_INTRO)]
    data: dict[str, Any] = {}
    undated = [r.name for r in ctx.solved if r.backtest_note.startswith("no start_date")]
    if undated:
        blocks.append(
            Paragraph(
                f"Not back-tested (no start_date, so no dates to compare): {', '.join(undated)}.",
                style="note",
            )
        )
    for run in ctx.solved:
        if run.backtest_error:
            blocks.append(
                Paragraph(
                    f"The back-test of {run.name!r} failed: {run.backtest_error}", style="warning"
                )
            )
        elif run.backtest is not None and run.backtest_note:
            blocks.append(Paragraph(f"{run.name}: {run.backtest_note}.", style="note"))
    results = [r.backtest for r in computed] + [b for b in items if isinstance(b, BacktestResult)]
    for bt in results:
        assert bt is not None
        more, facts = _result_blocks(bt, f"backtest_{slug(bt.scenario)}")
        blocks += more
        data[bt.scenario] = facts
    others = [b for b in items if not isinstance(b, BacktestResult)]
    for i, item in enumerate(others):
        name, more, facts = _table_blocks(item, i)
        blocks += more
        data[name] = facts
    if not results and not others:
        blocks.append(Paragraph("No scenario of this report could be back-tested.", style="note"))
    return Section("backtest", "Back-test against reported arrivals", blocks, data=plain(data))
