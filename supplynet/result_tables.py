"""Tables of a flow solution: arcs, nodes, border posts, corridors, scenario changes, notes.

The LPs are solved and read as arrays; these functions turn a solution (flows by arc id,
supply used by node id) into the tables the results show, as rows
(:class:`~supplynet.records.Records`, made into pandas DataFrames when a result's table is
read: printing a result and its notes needs no pandas). They are called lazily,
the first time a result's table is asked for (:class:`ThroughputTables`,
:class:`SupplyTables`), because building them costs more than solving the LP: an analysis
that asks for one figure per scenario never pays for them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import networkx as nx

from supplynet.bottlenecks import saturated_cut_records
from supplynet.formulations.common import Incidence
from supplynet.network import Network, node_corridors
from supplynet.records import Records

if TYPE_CHECKING:
    pass

__all__ = [
    "DELIVERED_COLUMNS",
    "EDGE_COLUMNS",
    "NODE_COLUMNS",
    "SupplyTables",
    "ThroughputTables",
    "border_flows_table",
    "cancel_opposing_flows",
    "corridor_flows_table",
    "edge_flows_table",
    "node_flows_table",
    "scenario_changes_table",
    "stock_days",
    "throughput_notes",
]

EDGE_COLUMNS = ["u", "v", "road_id", "corridors", "capacity_m3_day", "flow_m3_day", "utilisation"]
DELIVERED_COLUMNS = [
    "node_id",
    "name",
    "demand_m3_day",
    "delivered_m3_day",
    "shortfall_m3_day",
    "met_share",
    "stock_m3",
    "stock_days_at_shortfall",
]
NODE_COLUMNS = [
    "name",
    "kind",
    "throughput_m3_day",
    "capacity_m3_day",
    "supply_m3_day",
    "supply_limit_m3_day",
]


class ThroughputTables:
    """The tables of a max-throughput solution, each built once, when first asked for.

    Every table is built as :class:`~supplynet.records.Records` (:meth:`records`); the
    DataFrames the result shows are made from them when read.

    Parameters
    ----------
    net : Network
        The network the LP was solved on (scenario applied).
    target : node id
        The destination.
    flows, supply_used : dict
        Flow by arc id (opposing flows cancelled) and supply used by node id.
    incidence : Incidence
        Arcs into and out of each node.
    own_supply : float
        The destination's own supply, not counted (for the notes).
    """

    def __init__(
        self,
        net: Network,
        target: Any,
        flows: dict[str, float],
        supply_used: dict[Any, float],
        incidence: Incidence,
        own_supply: float,
    ) -> None:
        self.net, self.target = net, target
        self.flows, self.supply_used = flows, supply_used
        self.incidence, self.own_supply = incidence, own_supply
        self._cache: dict[str, Any] = {}

    def _once(self, name: str, build: Any) -> Any:
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    def records(self, name: str) -> Records:
        """One table's rows (``edge_flows``, ``node_flows``, ``bottlenecks``,
        ``border_flows``, ``corridor_flows``, ``scenario_changes``)."""
        key = f"records:{name}"
        if key in self._cache:
            cached: Records = self._cache[key]
            return cached
        G = self.net.graph
        build = {
            "edge_flows": lambda: edge_flows_table(G, self.flows),
            "node_flows": lambda: node_flows_table(G, self.incidence, self.flows, self.supply_used),
            "bottlenecks": lambda: saturated_cut_records(G, self.flows, self.supply_used),
            "border_flows": lambda: border_flows_table(
                self.net, self.flows, self.records("node_flows"), self.target
            ),
            "corridor_flows": lambda: corridor_flows_table(
                self.net, self.flows, self.records("node_flows")
            ),
            "scenario_changes": lambda: scenario_changes_table(
                G, self.flows, self.records("node_flows")
            ),
        }[name]
        records: Records = self._once(key, build)
        return records

    def notes(self) -> tuple[str, ...]:
        return self._once(
            "notes",
            lambda: throughput_notes(
                self.net.graph,
                self.target,
                self.records("node_flows"),
                self.records("border_flows"),
                self.records("scenario_changes"),
                self.own_supply,
            ),
        )

    def builders(self) -> dict[str, Any]:
        """Table name -> a function that builds it (for :class:`~supplynet.results.LazyTables`)."""

        def frame(name: str) -> Any:
            return lambda: self.records(name).frame()

        names = (
            "edge_flows",
            "node_flows",
            "bottlenecks",
            "border_flows",
            "corridor_flows",
            "scenario_changes",
        )
        return {**{name: frame(name) for name in names}, "notes": self.notes}


class SupplyTables:
    """The tables of a least-cost solution, each built once, when first asked for (as
    :class:`~supplynet.records.Records`, DataFrames made from them when read)."""

    def __init__(
        self,
        G: nx.MultiDiGraph,
        flows: dict[str, float],
        supply_used: dict[Any, float],
        unmet: dict[Any, float],
        incidence: Incidence,
    ) -> None:
        self.G, self.flows, self.supply_used, self.unmet = G, flows, supply_used, unmet
        self.incidence = incidence
        self._cache: dict[str, Records] = {}

    def records(self, name: str) -> Records:
        """One table's rows (``edge_flows``, ``node_flows``, ``delivered``)."""
        if name not in self._cache:
            if name == "edge_flows":
                self._cache[name] = edge_flows_table(self.G, self.flows)
            elif name == "node_flows":
                self._cache[name] = node_flows_table(
                    self.G, self.incidence, self.flows, self.supply_used
                )
            elif name == "delivered":
                self._cache[name] = self._delivered()
            else:
                raise KeyError(name)
        return self._cache[name]

    def _delivered(self) -> Records:
        rows = []
        for n, u in self.unmet.items():
            demand = float(self.G.nodes[n]["demand_m3_day"])
            stock = self.G.nodes[n].get("stock_m3")
            rows.append(
                {
                    "node_id": n,
                    "name": self.G.nodes[n].get("name", n),
                    "demand_m3_day": demand,
                    "delivered_m3_day": demand - u,
                    "shortfall_m3_day": u,
                    "met_share": (demand - u) / demand if demand else 1.0,
                    "stock_m3": stock,
                    "stock_days_at_shortfall": stock_days(stock, u),
                }
            )
        return Records(tuple(DELIVERED_COLUMNS), rows, index="node_id")

    def builders(self) -> dict[str, Any]:
        def frame(name: str) -> Any:
            return lambda: self.records(name).frame()

        def shortfall() -> Any:
            delivered = self.records("delivered").frame()
            return delivered["shortfall_m3_day"].rename("shortfall_m3_day")

        names = ("edge_flows", "node_flows", "delivered")
        return {**{name: frame(name) for name in names}, "shortfall": shortfall}


def stock_days(stock_m3: float | None, shortfall_m3_day: float) -> float:
    """Days a stock covers a daily shortfall (inf with no shortfall, NaN with no stock)."""
    if stock_m3 is None:
        return math.nan
    return math.inf if shortfall_m3_day <= 0 else float(stock_m3) / shortfall_m3_day


def cancel_opposing_flows(G: nx.MultiDiGraph, flows: dict[str, float]) -> dict[str, float]:
    """Net out flow carried both ways on one road (arcs ``e`` and ``e_rev``).

    The result is still a feasible flow of the same value: capacities and node throughputs
    only go down, and conservation is kept.
    """
    by_road: dict[str, list[str]] = {}
    for _, _, key, d in G.edges(keys=True, data=True):
        by_road.setdefault(d.get("road_id", key), []).append(key)
    out = dict(flows)
    for keys in by_road.values():
        if len(keys) == 2:
            a, b = keys
            common = min(out.get(a, 0.0), out.get(b, 0.0))
            out[a] = out.get(a, 0.0) - common
            out[b] = out.get(b, 0.0) - common
    return out


def edge_flows_table(G: nx.MultiDiGraph, flows: dict[str, float]) -> Records:
    rows = []
    for u, v, key, d in G.edges(keys=True, data=True):
        cap = float(d["capacity_m3_day"])
        flow = flows.get(key, 0.0)
        rows.append(
            {
                "edge_id": key,
                "u": u,
                "v": v,
                "road_id": d.get("road_id", key),
                "corridors": ";".join(d.get("corridors", ())),
                "capacity_m3_day": cap,
                "flow_m3_day": flow,
                "utilisation": flow / cap if cap > 0 else math.nan,
            }
        )
    return Records(("edge_id", *EDGE_COLUMNS), rows, index="edge_id")


def node_flows_table(
    G: nx.MultiDiGraph, inc: Incidence, flows: dict[str, float], supply_used: dict[Any, float]
) -> Records:
    rows = []
    for n, d in G.nodes(data=True):
        through = supply_used.get(n, 0.0) + sum(flows[e] for e in inc.into[n])
        rows.append(
            {
                "node_id": n,
                "name": d.get("name", n),
                "kind": d.get("kind"),
                "throughput_m3_day": through,
                "capacity_m3_day": d.get("capacity_m3_day"),
                "supply_m3_day": supply_used.get(n, 0.0),
                "supply_limit_m3_day": d.get("supply_m3_day"),
            }
        )
    return Records(("node_id", *NODE_COLUMNS), rows, index="node_id")


_CHANGE_COLUMNS = ["element", "type", "before_m3_day", "after_m3_day", "flow_m3_day", "binds"]


def scenario_changes_table(
    G: nx.MultiDiGraph, flows: dict[str, float], node_flows: Records
) -> Records:
    """The scenario's capacity changes with the flow each element carries in this result."""
    nodes = node_flows.keyed()
    rows = []
    for change in G.graph.get("scenario_changes", []):
        element, kind = change["element"], change["type"]
        if kind == "edge":
            flow = flows.get(element, 0.0)
        elif kind == "supply":
            flow = float(nodes[element]["supply_m3_day"])
        else:
            flow = float(nodes[element]["throughput_m3_day"])
        after = change["after_m3_day"]
        rows.append(
            {
                **change,
                "flow_m3_day": flow,
                "binds": bool(after > 0 and flow >= after - 1e-6 * max(1.0, after)),
            }
        )
    return Records(tuple(_CHANGE_COLUMNS), rows)


def throughput_notes(
    G: nx.MultiDiGraph,
    target: Any,
    node_flows: Records,
    border_flows: Records,
    changes: Records,
    own_supply: float,
) -> tuple[str, ...]:
    """Plain-language warnings about what a result does and does not show."""
    notes = []
    if own_supply:
        notes.append(
            f"the destination {target!r} is itself a supply point ({own_supply:,.0f} m3/day); "
            "its own supply is not counted: the figure is what reaches it from elsewhere"
        )
    if G.nodes[target].get("capacity_m3_day") == 0:
        notes.append(f"the destination {target!r} itself is closed by this scenario")
    reduced = [r for r in changes if 0 < r["after_m3_day"] < r["before_m3_day"]]
    idle = [r for r in reduced if not r["binds"]]
    if idle:
        elements = list(dict.fromkeys(str(r["element"]) for r in idle))
        notes.append(
            f"{len(idle)} of {len(reduced)} reduced capacities do not bind "
            f"({', '.join(elements[:4])}{', ...' if len(elements) > 4 else ''}): they stay "
            "above the flow they carry, because roads and border posts have spare capacity; "
            "to make a corridor pass less, use capacity_limits_m3_day or scale the supplies"
        )
    home = G.nodes[target].get("country")
    foreign = [
        n
        for n, d in G.nodes(data=True)
        if d.get("supply_m3_day") and home and d.get("country") not in ("", None, home)
    ]
    nodes = node_flows.keyed()
    from_abroad = float(sum(nodes[n]["supply_m3_day"] for n in foreign))
    crossed = float(
        sum(max(e, 0.0) for e in border_flows.column("entry_m3_day") if not math.isnan(e))
    )
    if foreign and crossed < from_abroad - 1e-6 * max(1.0, from_abroad):
        notes.append(
            f"{from_abroad - crossed:,.0f} m3/day from abroad reaches {target!r} without "
            "passing a border post (roads bypass the posts; a network built from "
            "OpenStreetMap with --boundaries gets a node on every crossing)"
        )
    return tuple(notes)


def border_flows_table(
    net: Network, flows: dict[str, float], node_flows: Records, target: Any
) -> Records:
    """Flow through each border post, and the net entry into the destination's country.

    ``flow_m3_day`` is the post's throughput. ``entry_m3_day`` is the flow from the post
    into the destination's country minus the flow leaving that country through it (NaN
    when the destination has no country code or the post does not border it), so fuel
    that crosses several posts on its way is counted once, where it enters.
    """
    G = net.graph
    home = str(G.nodes[target].get("country") or "")
    columns = [
        "name",
        "corridors",
        "flow_m3_day",
        "entry_m3_day",
        "capacity_m3_day",
        "utilisation",
    ]
    nodes = node_flows.keyed()
    rows = []
    for n, d in G.nodes(data=True):
        if d.get("kind") != "border":
            continue
        flow = float(nodes[n]["throughput_m3_day"])
        cap = d.get("capacity_m3_day")
        entry = math.nan
        if home:
            inside_out = [
                flows.get(k, 0.0)
                for _, v, k in G.out_edges(n, keys=True)
                if G.nodes[v].get("country") == home
            ]
            inside_in = [
                flows.get(k, 0.0)
                for u, _, k in G.in_edges(n, keys=True)
                if G.nodes[u].get("country") == home
            ]
            if inside_out or inside_in:
                entry = sum(inside_out) - sum(inside_in)
        rows.append(
            {
                "node_id": n,
                "name": d.get("name", n),
                "corridors": ";".join(sorted(node_corridors(net, n))),
                "flow_m3_day": flow,
                "entry_m3_day": entry,
                "capacity_m3_day": cap,
                "utilisation": flow / cap if cap else math.nan,
            }
        )
    return Records(("node_id", *columns), rows, index="node_id")


def corridor_flows_table(net: Network, flows: dict[str, float], node_flows: Records) -> Records:
    """Per corridor: its border posts' flow (posts may be shared) and its own roads' flow."""
    G = net.graph
    nodes = node_flows.keyed()
    rows = []
    for corridor, edge_ids in net.corridors.items():
        posts = sorted(
            {
                n
                for e in edge_ids
                for n in net.edge_endpoints(e)
                if G.nodes[n].get("kind") == "border"
            }
        )
        shared = sorted({c for n in posts for c in node_corridors(net, n)} - {corridor})
        own_arcs, _ = net.corridor_elements([corridor])
        rows.append(
            {
                "corridor": corridor,
                "border_posts": ";".join(posts),
                "border_flow_m3_day": float(sum(nodes[n]["throughput_m3_day"] for n in posts))
                if posts
                else math.nan,
                "posts_shared_with": ";".join(shared),
                "own_road_flow_m3_day": max(
                    (flows.get(e, 0.0) for e in own_arcs), default=math.nan
                ),
            }
        )
    columns = [
        "corridor",
        "border_posts",
        "border_flow_m3_day",
        "posts_shared_with",
        "own_road_flow_m3_day",
    ]
    return Records(tuple(columns), rows, index="corridor")
