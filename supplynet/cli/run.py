"""``supplynet run SCENARIO``: the steady-state answer for one scenario.

Fuel reaching the destination (max flow) against the baseline, supply used, entries by
border post, corridor flows, the bottleneck cut, and the least-cost supply of every demand
node. Heavy modules are imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    show,
)

if TYPE_CHECKING:
    from supplynet.results import SupplyResult, ThroughputResult
    from supplynet.scenario import Scenario

__all__ = ["RUN_OUTPUTS", "NotOptimal", "run"]

#: file names ``supplynet run --out`` writes (glob patterns)
RUN_OUTPUTS = ("summary.json", "result.json", "throughput_*.csv", "supply_*.csv")


class NotOptimal(Exception):  # noqa: N818 - a signal to the CLI, not an error
    """Raised after the output is written when some result is not optimal (exit 3).

    ``what`` heads the warning line (``warning: not optimal: ...``); empty for a message
    that says it all (a report's failed scenarios).
    """

    def __init__(self, message: str, what: str = "not optimal") -> None:
        super().__init__(message)
        self.what = what


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    network: NetworkOpt = None,
    destination: Annotated[str, typer.Option(help="Destination node (id or name).")] = "bamako",
    solver: SolverOpt = SolverName.highs,
    fmt_: FormatOpt = Format.table,
    out: OutOpt = None,
    _verbose: VerboseOpt = False,
) -> None:
    """Run a scenario: fuel reaching the destination, corridor flows, bottlenecks, shortfalls.

    Exit status: 0 when every LP is optimal, 3 when one is not (the outputs say which),
    2 on bad input.
    """
    from supplynet.datasets import load_network
    from supplynet.errors import DataError
    from supplynet.io import write_files
    from supplynet.optimize import least_cost_supply, max_throughput
    from supplynet.scenario import Scenario

    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"{out}: --out must be a folder, and a file of that name exists")
    sc = Scenario.from_file(scenario)
    net = load_network(network)
    baseline = max_throughput(net, None, destination, solver=solver.value)
    flow = max_throughput(net, sc, destination, solver=solver.value)
    supply = least_cost_supply(net, sc, solver=solver.value)
    summary: dict[str, Any] = {
        "scenario": sc.name,
        "description": sc.description,
        "network": net.name,
        "status": "optimal" if flow.ok and supply.ok else "not optimal",
        "destination_country": str(net.graph.nodes[flow.destination].get("country") or ""),
        "baseline_delivered_m3_day": baseline.delivered_m3_day,
        "throughput": flow.summary(),
        "least_cost_supply": supply.summary(),
    }
    if baseline.ok and baseline.delivered_m3_day > 0 and flow.ok:
        summary["share_of_baseline"] = flow.delivered_m3_day / baseline.delivered_m3_day
    ignored = sc.steady_state_ignores()
    if ignored:
        summary["notes"] = [
            f"the steady state ignores this scenario's multi-day keys ({', '.join(ignored)}); "
            "supplynet simulate runs them day by day"
        ]
    # rendered only where they go somewhere: a table on the terminal needs no CSV
    files = _render_files(summary, flow, supply, fmt_) if out or fmt_ is not Format.table else {}
    written = ""
    if out is not None:
        # outputs of an earlier run in another format would mix with these: replace them
        write_files(out, files, replaces=RUN_OUTPUTS)
        written = f"wrote {len(files)} file{'s' if len(files) != 1 else ''} to {out}"
        if fmt_ is not Format.table:
            err_console.print(lit(written, "dim"))
    if fmt_ is Format.table:
        _print_tables(sc, summary, flow, supply)
        if written:
            console.print(lit(written, "dim"))
    elif out is None:
        sys.stdout.write(files["result.json"] if fmt_ is Format.json else csv_stream(files))
    if not (flow.ok and supply.ok):
        raise NotOptimal(
            f"max throughput {flow.status.value}, least-cost supply {supply.status.value}"
        )


def _render_files(
    summary: dict[str, Any], flow: ThroughputResult, supply: SupplyResult, fmt_: Format
) -> dict[str, str]:
    if fmt_ is Format.json:
        doc = {"summary": jsonable(summary)}
        doc["throughput"] = json.loads(flow.to_json())
        doc["least_cost_supply"] = json.loads(supply.to_json())
        return {"result.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"}
    files = {"summary.json": json.dumps(jsonable(summary), indent=2, ensure_ascii=False)}
    files.update(flow.files(prefix="throughput_"))
    files.update(supply.files(prefix="supply_"))
    files.pop("throughput_summary.json")
    files.pop("supply_summary.json")
    return files


def _status_line(what: str, status: str) -> None:
    console.print(lit(f"{what}: LP status {status} (no figures)", "bold red"))


def _print_tables(
    sc: Scenario, summary: dict[str, Any], flow: ThroughputResult, supply: SupplyResult
) -> None:
    head_line = f"Scenario {sc.name}" + (f": {sc.description}" if sc.description else "")
    console.print(lit(head_line, "bold"))
    for note in summary.get("notes", []):
        console.print(lit("note: ", "yellow") + lit(note))
    console.print(
        lit(
            f"network {summary['network']}, solver {flow.solver}; "
            "road data © OpenStreetMap contributors (ODbL)",
            "dim",
        )
    )
    if flow.ok:
        _print_throughput(summary, flow)
    else:
        _status_line("max throughput", flow.status.value)
    if supply.ok:
        _print_supply(supply)
    else:
        _status_line("least-cost supply", supply.status.value)


def _print_throughput(summary: dict[str, Any], flow: ThroughputResult) -> None:
    nodes = flow.records("node_flows")  # rows, not DataFrames: no pandas to import
    dest_name = str(nodes.keyed()[flow.destination]["name"])
    head = new_table(
        f"Most fuel the corridors can bring to {dest_name}",
        [(c, "num") for c in ("delivered m3/day", "tankers/day", "baseline m3/day", "share")],
        caption="max flow from every source; fuel the regions use on the way is not deducted "
        "(see the least-cost table below for a split)",
    )
    share = summary.get("share_of_baseline")
    head.add_row(
        fmt(flow.delivered_m3_day),
        fmt(flow.summary()["delivered_tankers_day"], 1),
        fmt(summary["baseline_delivered_m3_day"]),
        "-" if share is None else pct(share),
    )
    show(head)
    for note in flow.notes:
        console.print(lit("note: ", "yellow") + lit(note))

    sources = new_table(
        "Supply used by source",
        [("source", "key"), ("kind", "text"), ("used m3/day", "num"), ("available m3/day", "num")],
    )
    for row in nodes:
        if _missing(row["supply_limit_m3_day"]):
            continue
        sources.add_row(
            lit(row["name"]),
            lit(row["kind"]),
            fmt(row["supply_m3_day"]),
            fmt(row["supply_limit_m3_day"]),
        )
    show(sources)

    code = str(summary.get("destination_country") or "")
    country = _COUNTRIES.get(code, code)
    entry = new_table(
        f"Entry into {country} by border post" if country else "Border posts",
        [
            ("border post", "key"),
            ("corridors", "id"),
            ("through m3/day", "num"),
            ("entry m3/day", "num"),
            ("capacity m3/day", "num"),
            ("used", "num"),
        ],
    )
    borders = flow.records("border_flows")
    for row in borders:
        used = row["utilisation"]
        entry.add_row(
            lit(row["name"]),
            lit(row["corridors"].replace(";", ", ")),
            fmt(row["flow_m3_day"]),
            fmt(row["entry_m3_day"]),
            fmt(row["capacity_m3_day"]),
            pct(used),
        )
    total = math.fsum(e for e in borders.column("entry_m3_day") if not _missing(e))
    entry.add_row("total entry", "", "", fmt(total), "", "", style="bold")
    show(entry)

    corridors = new_table(
        "Corridor flows",
        [
            ("corridor", "id"),
            ("border posts", "id"),
            ("border flow m3/day", "num"),
            ("own roads m3/day", "num"),
        ],
    )
    for row in flow.records("corridor_flows"):
        name = row["corridor"]
        posts = row["border_posts"].replace(";", ", ") or "-"
        if row["posts_shared_with"]:
            posts += " (shared)"
        corridors.add_row(
            lit(name), lit(posts), fmt(row["border_flow_m3_day"]), fmt(row["own_road_flow_m3_day"])
        )
    show(corridors)
    console.print(
        lit(
            "border flow: through the corridor's posts (a shared post serves several "
            "corridors); own roads: the largest flow on a road no other corridor uses",
            "dim",
        )
    )

    cut = new_table(
        "Bottlenecks (saturated minimum cut)",
        [
            ("element", "id"),
            ("type", "text"),
            ("name", "text"),
            ("capacity m3/day", "num"),
            ("flow m3/day", "num"),
        ],
    )
    for row in flow.records("bottlenecks"):
        cut.add_row(
            lit(row["element"]),
            lit(row["type"]),
            lit(row["name"]),
            fmt(row["capacity_m3_day"]),
            fmt(row["flow_m3_day"]),
        )
    show(cut)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


#: ISO3 codes of the countries in the embedded network, for table titles
_COUNTRIES = {
    "MLI": "Mali",
    "SEN": "Senegal",
    "CIV": "Côte d'Ivoire",
    "GIN": "Guinea",
    "MRT": "Mauritania",
    "BFA": "Burkina Faso",
    "NER": "Niger",
    "GHA": "Ghana",
    "TGO": "Togo",
    "BEN": "Benin",
}


def _print_supply(supply: SupplyResult) -> None:
    demand = new_table(
        "Least-cost supply of demand nodes",
        [
            ("node", "key"),
            ("demand m3/day", "num"),
            ("delivered m3/day", "num"),
            ("shortfall m3/day", "num"),
            ("met", "num"),
            ("stock days at shortfall", "num"),
        ],
    )
    for row in supply.records("delivered"):
        met = row["met_share"]
        demand.add_row(
            lit(row["name"]),
            fmt(row["demand_m3_day"]),
            fmt(row["delivered_m3_day"]),
            fmt(row["shortfall_m3_day"]),
            pct(met),
            fmt(row["stock_days_at_shortfall"], 1),
        )
    show(demand)
    s = supply.summary()
    console.print(
        lit(
            f"total shortfall {fmt(s['shortfall_m3_day'])} m3/day of "
            f"{fmt(s['demand_m3_day'])}; transport cost {fmt(s['cost_per_day'])} "
            f"{s['currency']}/day"
        )
    )
