"""The multi-day section: stocks, arrivals by corridor, shortfall by demand class.

It renders only when a run has a multi-day result (``supplynet.simulate_supply``, run
with ``days``, or a timeline passed to :func:`~supplynet.report.build_report`); the tables
it reads, and their shapes, are listed in :mod:`supplynet.report.timelines`. The
back-test has its own module, :mod:`supplynet.report.backtests`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from supplynet.report.blocks import Column, Figure, Paragraph, Section, Table, plain
from supplynet.report.context import ReportContext
from supplynet.report.figures import chart_series_by_scenario
from supplynet.report.sections import slug
from supplynet.report.timelines import (
    class_shortfall,
    corridor_series,
    day_axis,
    depot_stock,
)

__all__ = ["timeline_section"]


def _long(frames: dict[str, pd.DataFrame], column: str, value: str) -> pd.DataFrame:
    """Day-by-column tables of several scenarios as one long table."""
    parts = []
    for name, frame in frames.items():
        stacked = frame.rename_axis(index="day", columns=column).stack()
        long = pd.DataFrame({value: stacked}).reset_index()
        parts.append(long.assign(scenario=name))
    if not parts:
        return pd.DataFrame(columns=["scenario", "day", column, value])
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "day", column, value]]


def timeline_section(ctx: ReportContext) -> Section | None:
    """Depot stock by day and product, arrivals by corridor, shortfall by demand class."""
    runs = [r for r in ctx.solved if r.timeline_ok]
    failed = [r for r in ctx.solved if r.timeline_error]
    if not runs and not failed:
        return None
    horizon = ctx.days or max((int(getattr(r.timeline, "days", 0) or 0) for r in runs), default=0)
    blocks: list[Any] = [
        Paragraph(
            f"The multi-day model: fuel dispatched, in transit and arriving day by day over "
            f"{horizon or 'the'} days, depot stocks drawn down by demand, and the demand that "
            "goes unmet, by demand class."
        )
    ]
    for run in failed:
        blocks.append(
            Paragraph(
                f"The multi-day run of {run.name!r} failed: {run.timeline_error}", style="warning"
            )
        )
    data: dict[str, Any] = {}
    dates = {r.name: day_axis(r.timeline) for r in runs}
    # dates on the x axis only when every run has them (else day numbers for all)
    dated = bool(dates) and all(
        m and all(isinstance(v, pd.Timestamp) for v in m.values()) for m in dates.values()
    )
    depots = [str(n) for n in ctx.net.nodes.index[ctx.net.nodes["kind"] == "depot"]]
    if ctx.destination not in depots:
        depots.append(ctx.destination)
    in_mali = [
        n
        for n in depots
        if ctx.net.graph.nodes[n].get("country")
        == ctx.net.graph.nodes[ctx.destination].get("country")
    ]
    stock = {r.name: s for r in runs if (s := depot_stock(r.timeline, in_mali)) is not None}
    if stock:
        where = ", ".join(str(ctx.net.graph.nodes[n].get("name", n)) for n in in_mali)
        blocks.append(
            Figure(
                key="chart_depot_stock",
                title=f"Depot stock by day ({where}), m3",
                figure=chart_series_by_scenario(
                    stock, ylabel="m3 in stock", dates=dates if dated else None
                ),
                alt=f"Line charts of the end-of-day stock at {where} per product, one panel "
                "per scenario",
            )
        )
        rows = []
        for name, frame in stock.items():
            for product in frame.columns:
                series = frame[product].astype(float)
                rows.append(
                    {
                        "scenario": name,
                        "product": str(product),
                        "first_m3": float(series.iloc[0]),
                        "min_m3": float(series.min()),
                        "min_day": series.idxmin(),
                        "last_m3": float(series.iloc[-1]),
                    }
                )
        blocks.append(
            Table(
                key="depot_stock",
                title="Depot stock: first day, lowest, last day, m3",
                frame=pd.DataFrame(rows),
                columns=[
                    Column("scenario", "scenario", "text"),
                    Column("product", "product", "text"),
                    Column("first_m3", "day 1"),
                    Column("min_m3", "lowest"),
                    Column("min_day", "on day", "text"),
                    Column("last_m3", "last day"),
                ],
                data_keys={"min_m3": "min_m3", "last_m3": "last_m3"},
                row_key="scenario",
            )
        )
        blocks.append(
            Table(
                key="depot_stock_daily",
                title="Depot stock by day",
                frame=_long(stock, "product", "stock_m3"),
                columns=[],
                show=0,
            )
        )
        data["depot_stock"] = {n: plain(f.to_dict()) for n, f in stock.items()}
    arrivals = {r.name: a for r in runs if (a := corridor_series(r.timeline)) is not None}
    if arrivals:
        blocks.append(
            Figure(
                key="chart_corridor_arrivals",
                title="Arrivals by corridor, m3/day",
                figure=chart_series_by_scenario(
                    arrivals, ylabel="m3/day", kind="area", dates=dates if dated else None
                ),
                alt="Stacked area charts of the fuel arriving by corridor each day, one panel "
                "per scenario",
            )
        )
        rows = []
        for run in runs:
            if run.name not in arrivals:
                continue
            sums = {
                c: corridor_series(run.timeline, c)
                for c in ("dispatch_m3", "arrivals_m3", "lost_m3")
                if c in run.timeline.corridors.columns
            }
            for corridor in arrivals[run.name].columns:
                rows.append(
                    {
                        "scenario": run.name,
                        "corridor": str(corridor),
                        **{
                            c: float(t[corridor].sum()) if t is not None else math.nan
                            for c, t in sums.items()
                        },
                    }
                )
        frame = pd.DataFrame(rows)
        blocks.append(
            Table(
                key="corridor_totals",
                title=f"By corridor over {horizon or 'the'} days, m3",
                frame=frame,
                columns=[
                    Column("scenario", "scenario", "text"),
                    Column("corridor", "corridor", "id"),
                ]
                + [
                    Column(c, c.removesuffix("_m3").replace("_", " "))
                    for c in ("dispatch_m3", "arrivals_m3", "lost_m3")
                    if c in frame
                ],
                data_keys={c: c for c in ("dispatch_m3", "arrivals_m3", "lost_m3") if c in frame},
                row_key="scenario",
            )
        )
        blocks.append(
            Table(
                key="corridor_arrivals_daily",
                title="Arrivals by corridor and day",
                frame=_long(arrivals, "corridor", "arrivals_m3"),
                columns=[],
                show=0,
            )
        )
        data["corridor_arrivals"] = {n: plain(f.to_dict()) for n, f in arrivals.items()}
    short = {r.name: s for r in runs if (s := class_shortfall(r.timeline)) is not None}
    if short:
        blocks.append(
            Figure(
                key="chart_class_shortfall",
                title="Unmet demand by demand class, m3/day",
                figure=chart_series_by_scenario(
                    short, ylabel="unmet m3/day", kind="area", dates=dates if dated else None
                ),
                alt="Stacked area charts of the unmet demand each day by demand class, one "
                "panel per scenario",
            )
        )
        rows = [
            {"scenario": name, "demand_class": str(c), "shortfall_m3": float(frame[c].sum())}
            for name, frame in short.items()
            for c in frame.columns
        ]
        blocks.append(
            Table(
                key="class_shortfall",
                title=f"Shortfall by demand class over {horizon or 'the'} days, m3",
                frame=pd.DataFrame(rows),
                columns=[
                    Column("scenario", "scenario", "text"),
                    Column("demand_class", "demand class", "text"),
                    Column("shortfall_m3", "unmet, m3"),
                ],
                data_keys={"shortfall_m3": "shortfall_m3"},
                row_key="scenario",
            )
        )
        data["class_shortfall"] = {n: plain(f.sum().to_dict()) for n, f in short.items()}
    for run in runs:
        balance = getattr(run.timeline, "balance", None)
        if isinstance(balance, pd.DataFrame) and len(balance):
            table = balance.reset_index()
            blocks.append(
                Table(
                    key=f"balance_{slug(run.name)}",
                    title=f"{run.name}: fuel balance over the horizon, m3",
                    frame=table,
                    columns=[
                        Column(
                            str(c),
                            str(c).replace("_m3", "").replace("_", " "),
                            "num" if pd.api.types.is_numeric_dtype(table[c]) else "text",
                        )
                        for c in table.columns
                    ],
                )
            )
    return Section(
        "timeline", f"Day by day ({horizon} days)" if horizon else "Day by day", blocks, data=data
    )
