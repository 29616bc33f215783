""" "What was assumed": everything needed to trace a report back and build it again.

The report's date and command, the network's name, size, build metadata and a
fingerprint of its tables, each scenario's file and SHA-256 and its settings, the
assumption table with sources, the solver and the versions of the software, and the data
sources and their credits.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from typing import Any

import pandas as pd

from supplynet.assumptions import load_assumptions
from supplynet.network import Network
from supplynet.report.blocks import Column, Facts, Paragraph, Section, Table, plain
from supplynet.report.context import ReportContext
from supplynet.report.maps import load_countries
from supplynet.schema import GRAPH_ASSUMPTIONS

__all__ = [
    "MODELLING_ASSUMPTIONS",
    "SOFTWARE",
    "assumptions_section",
    "network_fingerprint",
    "software_versions",
]

#: packages whose versions a report records (distribution name -> shown as)
SOFTWARE = {
    "supplynet": "supplynet",
    "highspy": "highspy (HiGHS)",
    "pulp": "PuLP",
    "networkx": "networkx",
    "pandas": "pandas",
    "numpy": "NumPy",
    "scipy": "SciPy",
    "shapely": "Shapely",
    "matplotlib": "Matplotlib",
    "jinja2": "Jinja2",
}

#: how the steady-state and multi-day figures are made, in a reader's words
MODELLING_ASSUMPTIONS = (
    "One commodity (road fuel, m3), steady state per day; each road is two arcs, one per "
    "direction, with its own capacity.",
    "Road capacity = tanker trucks/day for the road class and surface × tanker size; "
    "border posts and depots = tankers/day × tanker size; port supply = fuel loaded per "
    "day for Mali (data/SOURCES.md). A missing capacity is an error, never infinite.",
    "Fuel reaching the destination is a maximum flow from every source, routed over the "
    "fewest m3-km once the maximum is fixed; fuel the regions use on the way is not "
    "deducted.",
    "The shortfall is that of a least-cost plan that serves every demand node it can "
    "(transport and border cost, unmet demand at a penalty).",
    "Scenario factors multiply capacities and limits cap them; an operation on a corridor "
    "acts on its own roads and border posts, those no other corridor uses.",
    "Blockade figures follow from the escorted throughput the scenarios assume (no figure "
    "is published): change the limits and the figures change with them.",
)


def network_fingerprint(net: Network) -> str:
    """SHA-256 of the network's node and arc tables (as CSV): two reports show the same
    fingerprint only for the same network.

    Examples
    --------
    >>> import supplynet as sn
    >>> len(network_fingerprint(sn.load_network()))
    64
    """
    digest = hashlib.sha256()
    digest.update(net.nodes.to_csv().encode())
    digest.update(net.edges.to_csv().encode())
    return digest.hexdigest()


def software_versions() -> dict[str, str]:
    """Python and the installed versions of :data:`SOFTWARE`."""
    out = {"Python": platform.python_version()}
    for dist, label in SOFTWARE.items():
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[label] = "not installed"
    return out


def _area_text(area: Any) -> str:
    if area.center is not None:
        lon, lat = area.center
        shape_text = f"{area.radius_km:g} km around ({lon:g}, {lat:g})"
    else:
        shape_text = "polygon"
    return f"{area.name} ({shape_text}, factor {area.factor:g})"


def _scenario_settings(run: Any) -> str:
    """The scenario's non-default keys, ``key: value`` each, ``; ``-separated."""
    if run.scenario is None:
        return "–"
    values = run.scenario.model_dump(
        exclude_defaults=True, exclude={"name", "description", "areas"}
    )
    parts = []
    for key, value in values.items():
        if isinstance(value, dict):
            shown = ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in value.items()
            )
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(f"{key}: {shown}")
    if run.scenario.areas:
        parts.append("areas: " + ", ".join(_area_text(a) for a in run.scenario.areas))
    return "; ".join(parts) or "none (the network unchanged)"


def _assumption_rows(net: Network) -> pd.DataFrame:
    embedded = load_assumptions()
    rows = []
    for key in GRAPH_ASSUMPTIONS:
        value = net.graph.graph.get(key)
        if value is None:
            continue
        known = embedded.values.get(key)
        same = known is not None and (
            str(known).strip() == str(value) or _same_number(known, value)
        )
        rows.append(
            {
                "key": key,
                "value": value,
                "unit": embedded.units.get(key, ""),
                "source": embedded.sources.get(key, "") if same else "saved with the network",
            }
        )
    return pd.DataFrame(rows, columns=["key", "value", "unit", "source"])


def _same_number(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _solvers(ctx: ReportContext) -> str:
    used = sorted(
        {res.solver for r in ctx.runs for res in (r.flow, r.supply) if res is not None}
        | {str(getattr(r.timeline, "solver", "")) for r in ctx.runs if r.timeline is not None}
        - {""}
    )
    return ", ".join(used) or "–"


def assumptions_section(ctx: ReportContext) -> Section:
    """Everything a reader needs to trace the report and build it again."""
    net = ctx.net
    summary = net.summary()
    versions = software_versions()
    metadata_items = {
        k: v
        for k, v in net.graph.graph.items()
        if k not in (*GRAPH_ASSUMPTIONS, "name", "attribution", "scenario_changes")
    }
    fingerprint = network_fingerprint(net)
    facts = [
        ("built", ctx.created.strftime("%Y-%m-%d %H:%M UTC")),
        ("command", ctx.command or "–"),
        (
            "network",
            f"{net.name} ({summary['nodes']} nodes, {summary['arcs']} arcs, "
            f"{summary['roads']} roads, {summary['corridors']} corridors, "
            f"{summary['road_km']:,.0f} road km)",
        ),
        ("network fingerprint", f"sha256 {fingerprint}"),
        ("destination", f"{ctx.destination_name} ({ctx.destination})"),
        (
            "solver",
            f"{_solvers(ctx)}; HiGHS {versions['highspy (HiGHS)']}, PuLP {versions['PuLP']}",
        ),
    ]
    for key, value in metadata_items.items():
        text = str(value)
        facts.append((f"network {key}", text if len(text) <= 300 else text[:299] + "…"))
    if ctx.days:
        facts.append(("multi-day horizon", f"{ctx.days} days"))
    scenarios = pd.DataFrame(
        [
            {
                "scenario": r.name,
                "description": r.description,
                "file": r.source or "–",
                "sha256": r.sha256 or "–",
                "hashed": r.hashed,
                "settings": _scenario_settings(r),
                "status": "failed: " + r.error if r.failed else "solved",
            }
            for r in ctx.runs
        ]
    )
    countries = load_countries()
    blocks: list[Any] = [
        Facts(facts),
        Table(
            key="scenarios",
            title="Scenarios",
            frame=scenarios,
            columns=[
                Column("scenario", "scenario", "text"),
                Column("file", "file", "id"),
                Column("sha256", "SHA-256", "id"),
                Column("settings", "what it changes", "text"),
                Column("status", "status", "text"),
            ],
            row_key="scenario",
        ),
        Table(
            key="assumptions",
            title="Assumptions of the network",
            frame=_assumption_rows(net),
            columns=[
                Column("key", "assumption", "id"),
                Column("value", "value", "text"),
                Column("unit", "unit", "text"),
                Column("source", "source", "text"),
            ],
            caption="sources are numbered in data/SOURCES.md, shipped with supplynet",
            row_key="key",
        ),
        Paragraph("How the figures are made:"),
        Facts([(f"{i}.", text) for i, text in enumerate(MODELLING_ASSUMPTIONS, 1)]),
        Table(
            key="software",
            title="Software",
            frame=pd.DataFrame({"package": list(versions), "version": list(versions.values())}),
            columns=[Column("package", "package", "text"), Column("version", "version", "text")],
        ),
        Paragraph(
            "Data sources: road network and distances from OpenStreetMap-derived data "
            f"({summary['attribution']}); fuel supply, border capacity and demand figures "
            "from the public reporting cited in data/SOURCES.md (shipped with supplynet, "
            "with the calibration arithmetic and the list of ⚠ assumptions); country "
            f"outlines: {countries.attribution}."
            + (
                " Reported arrivals: the dated record in data/observed/ (one sourced row per "
                "report)."
                if ctx.backtest is not None
                else ""
            )
        ),
    ]
    data = {
        "created": ctx.created.isoformat(),
        "command": ctx.command,
        "network": {"name": net.name, "fingerprint": fingerprint, **plain(metadata_items)},
        "scenarios": plain(scenarios.to_dict("records")),
        "versions": versions,
    }
    return Section("assumptions", "What was assumed", blocks, data=data)
