"""Command line: ``supplynet run``, ``supplynet network info|build``, ``supplynet corridors``.

Bad input prints one line to stderr and exits with status 2 (no traceback). Output
files are written whole or not at all.
"""

from __future__ import annotations

import json
import logging
import math
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from supplynet.datasets import load_network
from supplynet.errors import DataError, SupplynetError
from supplynet.io import write_files
from supplynet.network import Network
from supplynet.optimize import least_cost_supply, max_throughput
from supplynet.osm.cli import build_command
from supplynet.results import SupplyResult, ThroughputResult
from supplynet.scenario import Scenario

__all__ = ["app", "entry", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Fuel supply to Bamako over West African road corridors.",
)
network_app = typer.Typer(no_args_is_help=True, help="Inspect or build networks.")
app.add_typer(network_app, name="network")

console = Console()


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class SolverName(StrEnum):
    highs = "highs"
    cbc = "cbc"


NetworkOpt = Annotated[
    Path | None,
    typer.Option("--network", "-n", help="Network folder or .gpkg (default: embedded)."),
]


def _network(path: Path | None) -> Network:
    return load_network(path)


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="INFO logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # -v shows supplynet's own stage lines, not every library's
    logging.getLogger("supplynet").setLevel(logging.INFO if verbose else logging.WARNING)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    network: NetworkOpt = None,
    destination: Annotated[str, typer.Option(help="Destination node (id or name).")] = "bamako",
    solver: Annotated[SolverName, typer.Option(help="LP solver.")] = SolverName.highs,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    out: Annotated[Path | None, typer.Option(help="Write result files to this folder.")] = None,
) -> None:
    """Run a scenario: fuel reaching the destination, corridor flows, bottlenecks, shortfalls."""
    if out is not None and out.exists() and not out.is_dir():
        raise DataError(f"{out}: --out must be a folder, and a file of that name exists")
    sc = Scenario.from_file(scenario)
    net = _network(network)
    baseline = max_throughput(net, None, destination, solver=solver.value)
    flow = max_throughput(net, sc, destination, solver=solver.value)
    supply = least_cost_supply(net, sc, solver=solver.value)
    summary = {
        "scenario": sc.name,
        "description": sc.description,
        "network": net.name,
        "baseline_delivered_m3_day": baseline.delivered_m3_day,
        "throughput": flow.summary(),
        "least_cost_supply": supply.summary(),
    }
    if not math.isnan(baseline.delivered_m3_day) and baseline.delivered_m3_day > 0:
        summary["share_of_baseline"] = flow.delivered_m3_day / baseline.delivered_m3_day
    files = _render_files(summary, flow, supply, fmt)
    if out is not None:
        # outputs of an earlier run in another format would mix with these: replace them
        write_files(out, files, replaces=_RUN_OUTPUTS)
        written = f"wrote {len(files)} file{'s' if len(files) != 1 else ''} to {out}"
        if fmt is not Format.table:
            Console(stderr=True).print(written, style="dim")
    if fmt is Format.table:
        _print_tables(sc, summary, flow, supply)
        if out is not None:
            console.print(f"[dim]{written}[/dim]")
    elif out is None:
        sys.stdout.write(files["result.json"] if fmt is Format.json else _csv_stream(files))


#: file names ``supplynet run --out`` writes (glob patterns)
_RUN_OUTPUTS = ("summary.json", "result.json", "throughput_*.csv", "supply_*.csv")


def _render_files(
    summary: dict[str, Any], flow: ThroughputResult, supply: SupplyResult, fmt: Format
) -> dict[str, str]:
    if fmt is Format.json:
        doc = {"summary": _jsonable(summary)}
        doc["throughput"] = json.loads(flow.to_json())
        doc["least_cost_supply"] = json.loads(supply.to_json())
        return {"result.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n"}
    files = {"summary.json": json.dumps(_jsonable(summary), indent=2, ensure_ascii=False)}
    files.update(flow.files(prefix="throughput_"))
    files.update(supply.files(prefix="supply_"))
    files.pop("throughput_summary.json")
    files.pop("supply_summary.json")
    return files


def _csv_stream(files: dict[str, str]) -> str:
    summary = _flatten(json.loads(files["summary.json"]))
    lines = ["key,value", *(f"{k},{_csv_cell(v)}" for k, v in summary.items())]
    parts = ["# summary\n" + "\n".join(lines) + "\n"]
    for name, text in files.items():
        if name.endswith(".csv"):
            parts.append(f"# {name.removesuffix('.csv')}\n{text}")
    return "\n".join(parts)


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _csv_cell(value: Any) -> str:
    text = (
        "; ".join(map(str, value))
        if isinstance(value, list)
        else ""
        if value is None
        else str(value)
    )
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}"
    return str(value)


def _print_tables(
    sc: Scenario, summary: dict[str, Any], flow: ThroughputResult, supply: SupplyResult
) -> None:
    console.print(f"[bold]Scenario[/bold] {sc.name}: {sc.description}".rstrip(": "))
    console.print(
        f"[dim]network {summary['network']}, solver {flow.solver}; "
        "road data © OpenStreetMap contributors (ODbL)[/dim]"
    )
    if not flow.ok:
        console.print(f"[red]max throughput LP status: {flow.status.value}[/red]")
        return
    dest_name = str(flow.node_flows.loc[flow.destination, "name"])
    head = Table(
        title=f"Most fuel the corridors can bring to {dest_name}",
        caption="max flow from every source; fuel the regions use on the way is not deducted "
        "(see the least-cost table below for a split)",
    )
    for col in ("delivered m3/day", "tankers/day", "baseline m3/day", "share of baseline"):
        head.add_column(col, justify="right")
    share = summary.get("share_of_baseline")
    head.add_row(
        _fmt(flow.delivered_m3_day),
        _fmt(flow.summary()["delivered_tankers_day"], 1),
        _fmt(summary["baseline_delivered_m3_day"]),
        "-" if share is None else f"{share:.0%}",
    )
    console.print(head)
    for note in flow.notes:
        console.print(f"[yellow]note:[/yellow] {note}")

    sources = Table(title="Supply used by source")
    for col in ("source", "kind", "used m3/day", "available m3/day"):
        sources.add_column(col, justify="right" if "m3" in col else "left")
    nodes = flow.node_flows
    for _, row in nodes[nodes["supply_limit_m3_day"].notna()].iterrows():
        sources.add_row(
            row["name"], row["kind"], _fmt(row["supply_m3_day"]), _fmt(row["supply_limit_m3_day"])
        )
    console.print(sources)

    entry = Table(title="Entry into Mali by border post")
    for col in ("border post", "corridors", "flow m3/day", "capacity m3/day", "used"):
        entry.add_column(
            col, justify="right" if col in ("flow m3/day", "capacity m3/day", "used") else "left"
        )
    for _, row in flow.border_flows.iterrows():
        used = row["utilisation"]
        entry.add_row(
            row["name"],
            row["corridors"].replace(";", ", "),
            _fmt(row["flow_m3_day"]),
            _fmt(row["capacity_m3_day"]),
            "-" if used != used else f"{used:.0%}",
        )
    entry.add_row(
        "total", "", _fmt(float(flow.border_flows["flow_m3_day"].sum())), "", "", style="bold"
    )
    console.print(entry)

    corridors = Table(title="Corridor flows")
    for col in ("corridor", "border posts", "border flow m3/day", "own roads m3/day"):
        corridors.add_column(col, justify="right" if "m3" in col else "left")
    for name, row in flow.corridor_flows.iterrows():
        posts = row["border_posts"].replace(";", ", ") or "-"
        if row["posts_shared_with"]:
            posts += " (shared)"
        corridors.add_row(
            str(name), posts, _fmt(row["border_flow_m3_day"]), _fmt(row["own_road_flow_m3_day"])
        )
    console.print(corridors)
    console.print(
        "[dim]border flow: through the corridor's posts (a shared post serves "
        "several corridors); own roads: the largest flow on a road no other "
        "corridor uses[/dim]"
    )

    cut = Table(title="Bottlenecks (saturated minimum cut)")
    for col in ("element", "type", "name", "capacity m3/day", "flow m3/day"):
        cut.add_column(col, justify="right" if "m3" in col else "left")
    for element, row in flow.bottlenecks.iterrows():
        cut.add_row(
            str(element),
            row["type"],
            row["name"],
            _fmt(row["capacity_m3_day"]),
            _fmt(row["flow_m3_day"]),
        )
    console.print(cut)

    if supply.ok:
        demand = Table(title="Least-cost supply of demand nodes")
        for col in (
            "node",
            "demand m3/day",
            "delivered m3/day",
            "shortfall m3/day",
            "met",
            "stock days at shortfall",
        ):
            demand.add_column(col, justify="left" if col == "node" else "right")
        for _, row in supply.delivered.iterrows():
            demand.add_row(
                row["name"],
                _fmt(row["demand_m3_day"]),
                _fmt(row["delivered_m3_day"]),
                _fmt(row["shortfall_m3_day"]),
                f"{row['met_share']:.0%}",
                _fmt(row["stock_days_at_shortfall"], 1),
            )
        console.print(demand)
        s = supply.summary()
        console.print(
            f"total shortfall {_fmt(s['shortfall_m3_day'])} m3/day of "
            f"{_fmt(s['demand_m3_day'])}; transport cost {_fmt(s['cost_per_day'])} "
            f"{s['currency']}/day"
        )


@network_app.command("info")
def network_info(network: NetworkOpt = None) -> None:
    """Sizes, totals and assumptions of a network."""
    net = _network(network)
    table = Table(title=f"Network {net.name}")
    table.add_column("item")
    table.add_column("value", justify="right")
    for key, value in net.summary().items():
        table.add_row(key, _fmt(value, 1 if isinstance(value, float) else 0))
    console.print(table)


@app.command()
def corridors(network: NetworkOpt = None) -> None:
    """List corridors with their length, border posts and road refs."""
    net = _network(network)
    edges = net.edges
    table = Table(title="Corridors")
    for col in ("corridor", "road km", "segments", "border posts", "roads"):
        table.add_column(col, justify="right" if col in ("road km", "segments") else "left")
    kinds = net.nodes["kind"]
    for name, ids in net.corridors.items():
        fwd = edges.loc[ids].drop_duplicates("road_id")
        borders = sorted({n for n in pd.concat([fwd["u"], fwd["v"]]) if kinds[n] == "border"})
        refs = ", ".join(sorted({r for r in fwd["ref"] if r}))
        table.add_row(
            name,
            _fmt(float(fwd["length_km"].sum())),
            str(len(fwd)),
            ", ".join(borders) or "-",
            refs,
        )
    console.print(table)


network_app.command("build")(build_command)


def main() -> None:
    """Run the app; bad input -> one line on stderr, exit status 2."""
    try:
        code = app(standalone_mode=False)
    except SupplynetError as exc:
        _fail(str(exc), 2)
    except typer.Abort:
        _fail("aborted", 1)
    except OSError as exc:  # unwritable --out, disk full, permission denied
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}", 2)
    except Exception as exc:
        # typer/click usage errors (bad option value, missing argument) carry these
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            _fail(exc.format_message().replace("\n", " "), int(exc.exit_code))
        if hasattr(exc, "exit_code") and type(exc).__name__ == "Exit":
            sys.exit(int(exc.exit_code))
        raise
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
