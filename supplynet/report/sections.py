"""The steady-state sections: summary, map, border entries and shortfall.

Each builder takes the :class:`~supplynet.report.context.ReportContext` and returns a
:class:`~supplynet.report.blocks.Section`, or ``None`` when its input was not computed
(no criticality asked for, every scenario failed): a section is left out, never faked.
Every figure shown is read from a result object, and the same figure goes to the page's
embedded data and to the cell's ``data-value``, so tests compare them with the results.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from supplynet.report.blocks import Column, Facts, Figure, Paragraph, Section, Table, plain
from supplynet.report.context import ReportContext
from supplynet.report.figures import PALETTE, chart_by_category, chart_delivered
from supplynet.report.maps import MapChanges, draw_network_map
from supplynet.report.runs import ScenarioRun
from supplynet.report.timelines import node_cover, total_shortfall

__all__ = [
    "flows_section",
    "map_section",
    "run_figures",
    "slug",
    "summary_section",
]


def slug(text: str) -> str:
    """A scenario name as a file and anchor name (``blockade_2025``, ``no_dakar``)."""
    keep = "".join(c if c.isalnum() else "_" for c in text.lower())
    return "_".join(p for p in keep.split("_") if p) or "scenario"


def _bottleneck_names(run: ScenarioRun, limit: int = 6) -> list[str]:
    if not run.flow_ok:
        return []
    assert run.flow is not None
    cut = run.flow.bottlenecks
    if cut.empty:
        return []
    return [str(n) for n in cut["name"].head(limit)]


def run_figures(run: ScenarioRun, ctx: ReportContext) -> dict[str, Any]:
    """The headline figures of one run, as read from its results (NaN where absent)."""
    nan = math.nan
    figures: dict[str, Any] = {
        "scenario": run.name,
        "status": "failed" if run.failed else "optimal",
        "error": run.error,
        "reference": run.reference,
        "delivered_m3_day": nan,
        "delivered_tankers_day": nan,
        "share_of_baseline": nan,
        "change_m3_day": nan,
        "demand_m3_day": nan,
        "served_m3_day": nan,
        "shortfall_m3_day": nan,
        "destination_demand_m3_day": nan,
        "destination_shortfall_m3_day": nan,
        "destination_stock_m3": nan,
        "destination_stock_days": nan,
        "bottlenecks": [],
    }
    base = ctx.reference
    if run.flow_ok:
        assert run.flow is not None
        delivered = run.flow.delivered_m3_day
        tanker = run.flow.assumptions.get("tanker_m3")
        figures.update(
            delivered_m3_day=delivered,
            delivered_tankers_day=delivered / tanker if tanker else nan,
            bottlenecks=list(run.flow.bottlenecks.index.astype(str)),
        )
        if base.flow_ok:
            assert base.flow is not None
            ref = base.flow.delivered_m3_day
            figures["change_m3_day"] = delivered - ref
            figures["share_of_baseline"] = delivered / ref if ref > 0 else nan
    if run.supply_ok:
        assert run.supply is not None
        table = run.supply.delivered
        figures.update(
            demand_m3_day=float(table["demand_m3_day"].sum()),
            served_m3_day=float(table["delivered_m3_day"].sum()),
            shortfall_m3_day=run.supply.total_shortfall_m3_day,
        )
        if ctx.destination in table.index:
            row = table.loc[ctx.destination]
            figures.update(
                destination_demand_m3_day=float(row["demand_m3_day"]),
                destination_shortfall_m3_day=float(row["shortfall_m3_day"]),
                destination_stock_m3=float(row["stock_m3"]) if pd.notna(row["stock_m3"]) else nan,
                destination_stock_days=float(row["stock_days_at_shortfall"]),
            )
    if run.timeline_ok:
        cover = node_cover(run.timeline, ctx.destination)
        figures.update(
            days_of_cover=cover["days_of_cover"],
            first_stockout_day=cover["first_stockout_day"],
            destination_horizon_shortfall_m3=cover["shortfall_m3"],
            horizon_shortfall_m3=total_shortfall(run.timeline),
        )
    return figures


def _headline(f: dict[str, Any], ctx: ReportContext, days: int | None) -> str:
    if f["status"] == "failed":
        return f"failed: {f['error']}"
    parts = []
    if math.isfinite(f["delivered_m3_day"]):
        text = (
            f"{f['delivered_m3_day']:,.0f} m3/day can reach {ctx.destination_name} "
            f"({f['delivered_tankers_day']:,.1f} tankers/day)"
        )
        if not f["reference"] and math.isfinite(f["share_of_baseline"]):
            text += (
                f", {100 * f['share_of_baseline']:.0f}% of the baseline "
                f"({f['change_m3_day']:+,.0f})"
            )
        parts.append(text)
    if math.isfinite(f["shortfall_m3_day"]):
        parts.append(
            f"least-cost shortfall {f['shortfall_m3_day']:,.0f} of "
            f"{f['demand_m3_day']:,.0f} m3/day national demand"
        )
    if f.get("bottleneck_names"):
        parts.append(f"binding: {f['bottleneck_names']}")
    if days and math.isfinite(f.get("first_stockout_day", math.nan)):
        parts.append(
            f"{ctx.destination_name} first runs short on day {f['first_stockout_day']:.0f} "
            f"of {days}"
        )
    elif days and "days_of_cover" in f:
        parts.append(f"{ctx.destination_name} is served all {days} days")
    return "; ".join(parts) or "no figures"


def summary_section(ctx: ReportContext) -> Section:
    """Per scenario: fuel reaching the destination, shortfall, cover, bottlenecks."""
    figures = [run_figures(r, ctx) for r in ctx.runs]
    for f, run in zip(figures, ctx.runs, strict=True):
        f["bottleneck_names"] = ", ".join(_bottleneck_names(run))
    with_timeline = any("days_of_cover" in f for f in figures)
    dest = ctx.destination_name
    blocks: list[Any] = [
        Paragraph(
            f"{len(ctx.runs) - 1} scenario(s) on the network {ctx.net.name!r}, each against "
            f"the baseline ({ctx.reference.name}: {ctx.reference.description or 'reference'}). "
            f"Fuel reaching {dest} is the most the corridors can bring there per day (a max "
            "flow from every source; fuel the regions use on the way is not deducted); the "
            "shortfall is what the least-cost plan cannot serve across all demand nodes."
        )
    ]
    for f in figures:
        if f["status"] == "failed":
            blocks.append(
                Paragraph(f"Scenario {f['scenario']!r} failed: {f['error']}", style="warning")
            )
    for run in ctx.runs:
        ignored = run.scenario.steady_state_ignores() if run.scenario is not None else []
        if ignored and not run.failed:
            where = (
                "the day-by-day section runs them"
                if run.timeline is not None
                else "build the report with --days N (days=N) to run them day by day"
            )
            blocks.append(
                Paragraph(
                    f"Scenario {run.name!r}: its multi-day keys ({', '.join(ignored)}) are not "
                    "in the steady-state figures (fuel per day, shortfall, bottlenecks, the "
                    f"map, criticality), which apply only its other keys; {where}.",
                    style="warning",
                )
            )
    blocks.append(Facts([(f["scenario"], _headline(f, ctx, ctx.days)) for f in figures]))
    frame = pd.DataFrame(figures)
    columns = [
        Column("scenario", "scenario", "text"),
        Column("status", "status", "text"),
        Column("delivered_m3_day", f"to {dest}, m3/day"),
        Column("delivered_tankers_day", "tankers/day", decimals=1),
        Column("share_of_baseline", "of baseline", "pct"),
        Column("change_m3_day", "change, m3/day"),
        Column("demand_m3_day", "national demand, m3/day"),
        Column("shortfall_m3_day", "shortfall, m3/day"),
        Column("destination_shortfall_m3_day", f"{dest} shortfall, m3/day"),
        Column("destination_stock_days", f"{dest} stock covers, days", decimals=1),
    ]
    if with_timeline:
        columns += [
            Column("days_of_cover", f"{dest} days of cover ({ctx.days}-day run)"),
            Column("first_stockout_day", f"{dest} first stockout day"),
            Column("horizon_shortfall_m3", f"shortfall over {ctx.days} days, m3"),
        ]
    keys = {c.field: c.field for c in columns if c.kind in ("num", "pct")}
    csv = frame.drop(columns=["bottlenecks"]).assign(
        bottlenecks=[";".join(b) for b in frame["bottlenecks"]]
    )
    blocks.append(
        Table(
            key="summary",
            title="Scenarios against the baseline",
            frame=csv,
            columns=columns,
            caption=f"stock covers: {dest}'s stock divided by its least-cost shortfall "
            "(∞ with no shortfall); binding: the saturated minimum cut of the max flow "
            "(the first six; the CSV lists them all)",
            data_keys=keys,
            row_key="scenario",
        )
    )
    ok = [f for f in figures if math.isfinite(f["delivered_m3_day"])]
    if ok:
        references = {}
        national = next((f["demand_m3_day"] for f in figures if f["reference"]), math.nan)
        if math.isfinite(national):
            references["national demand"] = national
        dest_demand = ctx.net.graph.nodes[ctx.destination].get("demand_m3_day")
        if dest_demand:
            references[f"{dest} demand"] = float(dest_demand)
        blocks.append(
            Figure(
                key="chart_delivered",
                title=f"Fuel that can reach {dest}, m3/day",
                figure=chart_delivered(
                    [f["scenario"] for f in ok],
                    [f["delivered_m3_day"] for f in ok],
                    references=references,
                    destination=dest,
                ),
                alt=f"Bar chart of the fuel per day that can reach {dest} in each scenario: "
                + "; ".join(f"{f['scenario']} {f['delivered_m3_day']:,.0f}" for f in ok),
            )
        )
    return Section(
        "summary",
        "Summary",
        blocks,
        data={"scenarios": [plain(f) for f in figures]},
    )


def map_section(ctx: ReportContext) -> Section | None:
    """One map per solved scenario: flows, cuts, areas, facilities, country outlines."""
    runs = [r for r in ctx.solved if r.flow_ok]
    if not runs:
        return None
    scale = ctx.flow_scale_m3_day()
    blocks: list[Any] = [
        Paragraph(
            f"Line width: fuel per day on each road in the max flow to "
            f"{ctx.destination_name}, routed over the fewest m3-km (the same scale on "
            f"every map: the widest line is {scale:,.0f} m3/day). Red: blocked roads and "
            "closed posts or ports; orange: limited by the scenario (escorted convoys, "
            "factors)."
        )
    ]
    data: dict[str, Any] = {"flow_scale_m3_day": scale, "maps": {}}
    for run in runs:
        assert run.flow is not None
        changes_table = run.flow.scenario_changes
        areas = [a.geometry() for a in run.scenario.areas] if run.scenario else []
        changes = MapChanges.from_changes(ctx.net, changes_table, areas)
        flows = run.flow.edge_flows["flow_m3_day"]
        key = f"map_{slug(run.name)}"
        blocks.append(
            Figure(
                key=key,
                title=f"{run.name}: {run.description}" if run.description else run.name,
                figure=draw_network_map(
                    ctx.net,
                    flows,
                    destination=ctx.destination,
                    changes=changes,
                    flow_scale_m3_day=scale,
                    transparent=ctx.tiles is not None,
                ),
                alt=f"Map of the network under {run.name}: {run.flow.delivered_m3_day:,.0f} "
                f"m3/day reach {ctx.destination_name}; "
                f"{len(changes.blocked_roads) + len(changes.closed_nodes)} blocked, "
                f"{len(changes.limited_roads) + len(changes.limited_nodes)} limited",
                region="map",
            )
        )
        if len(changes_table):
            names = ctx.net.nodes["name"]
            shown = changes_table.assign(
                name=[
                    str(names.get(e, e)) if t != "edge" else str(e)
                    for e, t in zip(changes_table["element"], changes_table["type"], strict=True)
                ]
            )
            blocks.append(
                Table(
                    key=f"changes_{slug(run.name)}",
                    title=f"What {run.name} changes",
                    frame=shown,
                    columns=[
                        Column("element", "element", "id"),
                        Column("name", "name", "text"),
                        Column("type", "type", "text"),
                        Column("before_m3_day", "before, m3/day"),
                        Column("after_m3_day", "after, m3/day"),
                        Column("flow_m3_day", "flow, m3/day"),
                        Column("binds", "binds", "text"),
                    ],
                    data_keys={"after_m3_day": "after_m3_day", "flow_m3_day": "flow_m3_day"},
                    row_key="element",
                )
            )
        data["maps"][run.name] = {
            "blocked_roads": sorted(changes.blocked_roads),
            "limited_roads": sorted(changes.limited_roads),
            "closed_nodes": sorted(changes.closed_nodes),
            "limited_nodes": sorted(changes.limited_nodes),
            "areas": len(changes.areas),
        }
    return Section("map", "Network map", blocks, data=plain(data))


def flows_section(ctx: ReportContext) -> Section | None:
    """Entries by border post (max flow) and shortfall by demand node (least cost)."""
    flow_runs = [r for r in ctx.solved if r.flow_ok]
    supply_runs = [r for r in ctx.solved if r.supply_ok]
    if not flow_runs and not supply_runs:
        return None
    blocks: list[Any] = []
    data: dict[str, Any] = {}
    colours = [PALETTE[ctx.runs.index(r) % len(PALETTE)] for r in flow_runs]
    if flow_runs:
        entries = pd.DataFrame(
            {r.name: r.flow.border_flows["flow_m3_day"] for r in flow_runs if r.flow}
        )
        names = flow_runs[0].flow.border_flows["name"] if flow_runs[0].flow else None
        entries = entries[(entries.fillna(0) > 1e-6).any(axis=1)]
        if len(entries):
            labelled = entries.set_axis(
                [str(names.get(i, i)) if names is not None else i for i in entries.index]
            )
            blocks.append(
                Figure(
                    key="chart_border_posts",
                    title="Fuel through each border post, m3/day (max flow)",
                    figure=chart_by_category(labelled, xlabel="m3/day", colours=colours),
                    alt="Grouped bar chart of the fuel through each border post per scenario",
                )
            )
            table = entries.reset_index(names="border_post")
            table.insert(
                1, "name", [str(names.get(i, i)) if names is not None else i for i in entries.index]
            )
            blocks.append(
                Table(
                    key="border_posts",
                    title="Through each border post, m3/day",
                    frame=table,
                    columns=[Column("name", "border post", "text")]
                    + [Column(r.name, r.name) for r in flow_runs],
                    data_keys={r.name: f"border:{r.name}" for r in flow_runs},
                    row_key="border_post",
                )
            )
            data["border_posts"] = plain(entries.to_dict())
    if supply_runs:
        short = pd.DataFrame(
            {r.name: r.supply.delivered["shortfall_m3_day"] for r in supply_runs if r.supply}
        )
        node_names = supply_runs[0].supply.delivered["name"] if supply_runs[0].supply else None
        demand = supply_runs[0].supply.delivered["demand_m3_day"] if supply_runs[0].supply else None
        shown = short[(short.fillna(0) > 1e-6).any(axis=1)]
        data["shortfall_by_node"] = plain(short.to_dict())
        if len(shown):
            labelled = shown.set_axis(
                [str(node_names.get(i, i)) if node_names is not None else i for i in shown.index]
            )
            blocks.append(
                Figure(
                    key="chart_shortfall_by_node",
                    title="Least-cost shortfall by demand node, m3/day",
                    figure=chart_by_category(
                        labelled,
                        xlabel="unmet demand, m3/day",
                        colours=[PALETTE[ctx.runs.index(r) % len(PALETTE)] for r in supply_runs],
                    ),
                    alt="Grouped bar chart of the unmet demand at each demand node per scenario",
                )
            )
            table = shown.reset_index(names="node_id")
            table.insert(1, "name", list(labelled.index))
            if demand is not None:
                table.insert(
                    2, "demand_m3_day", [float(demand.get(i, math.nan)) for i in shown.index]
                )
            blocks.append(
                Table(
                    key="shortfall_by_node",
                    title="Shortfall by demand node, m3/day (least cost)",
                    frame=table,
                    columns=[
                        Column("name", "demand node", "text"),
                        Column("demand_m3_day", "demand (baseline)"),
                    ]
                    + [Column(r.name, r.name) for r in supply_runs],
                    data_keys={r.name: f"shortfall:{r.name}" for r in supply_runs},
                    row_key="node_id",
                )
            )
        else:
            blocks.append(Paragraph("No demand node goes short in any scenario (least cost)."))
    return Section("flows", "Where fuel enters, who goes short", blocks, data=data)
