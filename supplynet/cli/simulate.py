"""``supplynet simulate SCENARIO --days N``: the blockade over time, day by day.

Days of cover and first stockout days for Bamako and each regional capital, the shortfall
by demand class and product, the fuel that went through each corridor, and a compact
day-by-day stock table (weekly rows for long horizons), with a progress indicator while the
model is built and solved. Heavy modules are imported when the command runs.
"""

from __future__ import annotations

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
from supplynet.cli.output import console, csv_stream, err_console, fmt, lit, new_table, pct, show
from supplynet.cli.run import NotOptimal

if TYPE_CHECKING:
    import pandas as pd

if TYPE_CHECKING:
    import pandas as pd
    from rich.text import Text

    from supplynet.timeline import SupplyTimeline

__all__ = ["SIMULATE_OUTPUTS", "simulate"]

#: file names ``supplynet simulate --out`` writes
SIMULATE_OUTPUTS = (
    "summary.json",
    "result.json",
    "daily.csv",
    "nodes.csv",
    "corridors.csv",
    "balance.csv",
)
#: longest horizon printed with one row per day (longer: one row per week)
_DAILY_ROWS = 60

_LABELS = {
    "preparing": "Reading the scenario and the demand tables",
    "building": "Building the LP",
    "solving": "Solving",
    "reading": "Reading the solution",
}


def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    days: Annotated[
        int | None,
        typer.Option("--days", "-d", help="Horizon in days (default: the scenario's, else 30)."),
    ] = None,
    network: NetworkOpt = None,
    destination: Annotated[
        str, typer.Option(help="Node whose stock is shown day by day (id or name).")
    ] = "bamako",
    single_product: Annotated[
        bool,
        typer.Option(
            "--single-product",
            help="One product and one demand class (each node's demand_m3_day), not the "
            "demand tables by class and product.",
        ),
    ] = False,
    solver: SolverOpt = SolverName.highs,
    fmt_: FormatOpt = Format.table,
    out: OutOpt = None,
    _verbose: VerboseOpt = False,
) -> None:
    """Simulate a scenario day by day: stocks, arrivals, who is served, and when stocks run out.

    Exit status: 0 when the LP is optimal, 3 when it is not (the outputs say so), 2 on bad
    input.
    """
    from supplynet.analysis.simulate import simulate_supply
    from supplynet.datasets import load_network
    from supplynet.errors import DataError
    from supplynet.io import write_files
    from supplynet.scenario import Scenario

    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"{out}: --out must be a folder, and a file of that name exists")
    sc = Scenario.from_file(scenario)
    net = load_network(network)
    focus = net.node_id(destination)
    timeline = _run_with_progress(
        lambda progress: simulate_supply(
            net,
            sc,
            days,
            single_product=True if single_product else None,
            solver=solver.value,
            progress=progress,
        )
    )
    files = timeline.files(fmt="json" if fmt_ is Format.json else "csv")
    written = ""
    if out is not None:
        write_files(out, files, replaces=SIMULATE_OUTPUTS)
        written = f"wrote {len(files)} file{'s' if len(files) != 1 else ''} to {out}"
        if fmt_ is not Format.table:
            err_console.print(lit(written, "dim"))
    if fmt_ is Format.table:
        _print_tables(sc.description, net.name, timeline, focus)
        if written:
            console.print(lit(written, "dim"))
    elif out is None:
        sys.stdout.write(files["result.json"] if fmt_ is Format.json else csv_stream(files))
    if not timeline.ok:
        raise NotOptimal(f"multi-day LP {timeline.status.value}")


def _run_with_progress(call: Any) -> SupplyTimeline:
    """Run ``call(progress)`` under a rich progress display on stderr (terminals only)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if not err_console.is_terminal:
        result: SupplyTimeline = call(None)
        return result
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        tasks: list[Any] = []

        def progress(stage: str) -> None:
            if tasks:
                bar.update(tasks[-1], completed=1)
            tasks.append(bar.add_task(_LABELS.get(stage, stage), total=1))

        done: SupplyTimeline = call(progress)
    return done


def _day_label(timeline: SupplyTimeline, day: float) -> str:
    if day != day:  # NaN: never
        return "-"
    date = timeline.date_of(int(day))
    return date.isoformat() if date else str(int(day))


def _print_tables(description: str, network: str, timeline: SupplyTimeline, focus: str) -> None:
    head = f"Scenario {timeline.scenario}" + (f": {description}" if description else "")
    console.print(lit(head, "bold"))
    horizon = f"{timeline.days} days"
    if timeline.start_date is not None:
        horizon += f", {timeline.start_date.isoformat()} to {timeline.date_of(timeline.days)}"
    t = timeline.timings
    console.print(
        lit(
            f"{horizon}; products {', '.join(timeline.products)}; allocation "
            f"{timeline.allocation}; network {network}, solver {timeline.solver} "
            f"({t['solve_s']:.1f} s solve, {sum(t.values()):.1f} s in all); road data "
            "© OpenStreetMap contributors (ODbL)",
            "dim",
        )
    )
    for note in timeline.notes:
        console.print(lit("note: ", "yellow") + lit(note))
    if not timeline.ok:
        console.print(lit(f"multi-day LP status {timeline.status.value} (no figures)", "bold red"))
        return
    _print_cover(timeline, focus)
    _print_classes(timeline)
    _print_corridors(timeline)
    _print_stock(timeline, focus)
    s = timeline.summary()
    console.print(
        lit(
            f"fuel balance: demand {fmt(s['demand_m3'])} m3, served {fmt(s['served_m3'])}, "
            f"short {fmt(s['shortfall_m3'])}, lost on the way {fmt(s['lost_m3'])}, in transit "
            f"at the end {fmt(s['in_transit_end_m3'])} (balance residual "
            f"{s['balance_residual_m3']:.2g} m3)"
        )
    )


def _short_day(value: Any) -> str:
    return "-" if value is None or value != value else str(int(value))


def _records(frame: pd.DataFrame | pd.Series) -> dict[Any, dict[str, Any]]:
    """A table's rows as plain dicts keyed by index (for formatting)."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    return cast(dict[Any, dict[str, Any]], frame.to_dict("index"))


def _print_cover(timeline: SupplyTimeline, focus: str) -> None:
    nodes = timeline.nodes
    totals = {
        n: row
        for n, row in _records(nodes.xs(("all", "all"), level=("demand_class", "product"))).items()
        if row["demand_m3"] > 0
    }
    order = sorted(totals, key=lambda n: (n != focus, -float(totals[n]["demand_m3"])))
    start = timeline.start_date
    when = f"; day 1 is {start.isoformat()}" if start else ""
    classes = list(timeline.classes)
    by_class = _records(nodes.xs("all", level="product"))
    table = new_table(
        f"Days of cover and first day short, by demand class{when}",
        [
            ("node", "key"),
            ("days of cover", "num"),
            ("first day short, by class", "text"),
            ("short m3", "num"),
            ("met", "num"),
        ],
        caption="days of cover: days with every class served in full; then the first day "
        "each class goes short (classes never short are not listed)",
    )
    for n in order:
        row = totals[n]
        firsts = []
        for c in classes:
            found = by_class.get((n, c))
            day = found["first_stockout_day"] if found else None
            if day is not None and day == day:
                firsts.append((int(day), c.replace("_", " ")))
        shorts = ", ".join(f"{name} {day}" for day, name in sorted(firsts)) or "never"
        table.add_row(
            lit(row["name"]),
            fmt(float(row["days_of_cover"])),
            lit(shorts),
            fmt(float(row["shortfall_m3"])),
            pct(float(row["met_share"])),
        )
    show(table)
    products = list(timeline.products)
    if len(products) < 2:
        return
    by_product = _records(nodes.xs("all", level="demand_class"))
    table = new_table(
        f"First day short, by product{when}",
        [("node", "key"), *[(p, "num") for p in products]],
    )
    for n in order:
        cells: list[Text | str] = [lit(totals[n]["name"])]
        for p in products:
            found = by_product.get((n, p))
            cells.append(_short_day(found["first_stockout_day"]) if found else "")
        table.add_row(*cells)
    show(table)


def _print_classes(timeline: SupplyTimeline) -> None:
    rows = timeline.nodes.reset_index()
    rows = rows[(rows["demand_class"] != "all") & (rows["product"] != "all")]
    short = _records(
        rows.pivot_table(
            index="demand_class", columns="product", values="shortfall_m3", aggfunc="sum"
        )
    )
    demand = {str(k): float(v) for k, v in rows.groupby("demand_class")["demand_m3"].sum().items()}
    products = [p for p in timeline.products if any(p in r for r in short.values())]
    table = new_table(
        "Shortfall by demand class and product, all nodes (m3 over the horizon)",
        [("class", "id"), *[(p, "num") for p in products], ("total", "num"), ("met", "num")],
    )
    for cls in [c for c in timeline.classes if c in short]:
        values = [short[cls].get(p) for p in products]
        total = sum(float(v) for v in values if v is not None and v == v)
        met = 1 - total / demand[cls] if demand.get(cls, 0.0) > 0 else 1.0
        cells: list[Text | str] = [lit(cls)]
        cells += [fmt(float(v)) if v is not None and v == v else "-" for v in values]
        cells += [fmt(total), pct(met)]
        table.add_row(*cells)
    show(table)


def _print_corridors(timeline: SupplyTimeline) -> None:
    sums = timeline.corridors.groupby(level="corridor")[
        ["dispatch_m3", "arrivals_m3", "lost_m3"]
    ].sum()
    sums = sums[sums["dispatch_m3"] > 1e-6].sort_values("dispatch_m3", ascending=False)
    if not len(sums):
        return
    table = new_table(
        "Corridors (m3)",
        [("corridor", "id"), ("in", "num"), ("out", "num"), ("lost", "num")],
        caption="fuel into, out of and lost on each corridor's own roads over the horizon; "
        "fuel used at towns along it (Kayes on dakar-kayes) is neither in nor out",
    )
    for name, row in _records(sums).items():
        table.add_row(
            lit(name), fmt(row["dispatch_m3"]), fmt(row["arrivals_m3"]), fmt(row["lost_m3"])
        )
    show(table)


def _print_stock(timeline: SupplyTimeline, focus: str) -> None:
    try:
        rows = timeline.daily.xs((focus, "all"), level=("node_id", "demand_class"))
    except KeyError:
        note = f"no day-by-day table: {focus} holds no stock and has no demand in this model"
        console.print(lit(note, "dim"))
        return
    products = list(timeline.products)
    stock = _records(rows["stock_m3"].unstack("product").reindex(columns=products).fillna(0.0))
    by_day = _records(rows[["arrivals_m3", "unmet_m3", "demand_m3"]].groupby(level="day").sum())
    step = 1 if timeline.days <= _DAILY_ROWS else 7
    days = list(range(1, timeline.days + 1, step))
    if days[-1] != timeline.days:
        days.append(timeline.days)
    title = f"{focus}: end-of-day stock, arrivals and unmet demand (m3)"
    title += "" if step == 1 else ", weekly rows (arrivals and unmet: the week up to the day)"
    first = "date" if timeline.start_date else "day"
    columns = [(first, "key"), *([(p, "num") for p in products] if len(products) > 1 else [])]
    columns += [("stock", "num"), ("arrivals", "num"), ("demand", "num"), ("unmet", "num")]
    table = new_table(title, columns)
    previous = 0
    for day in days:
        span = range(previous + 1, day + 1)
        cells: list[Text | str] = [lit(_day_label(timeline, day))]
        if len(products) > 1:
            cells += [fmt(float(stock[day][p])) for p in products]
        cells += [fmt(float(sum(stock[day].values())))]
        for column in ("arrivals_m3", "demand_m3", "unmet_m3"):
            cells.append(fmt(float(sum(by_day[t][column] for t in span))))
        table.add_row(*cells)
        previous = day
    show(table)
