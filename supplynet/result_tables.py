"""Tables of a flow solution: arcs, nodes, border posts, corridors, scenario changes, notes.

The LPs are solved and read as arrays; these functions turn a solution (flows by arc id,
supply used by node id) into the pandas tables the results show. They are called lazily,
the first time a result's table is asked for (:class:`ThroughputTables`,
:class:`SupplyTables`), because building them costs more than solving the LP: an analysis
that asks for one figure per scenario never pays for them.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

from supplynet.bottlenecks import saturated_cut
from supplynet.formulations.common import Incidence
from supplynet.network import Network, node_corridors

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

    def edge_flows(self) -> pd.DataFrame:
        return self._once("edge_flows", lambda: edge_flows_table(self.net.graph, self.flows))

    def node_flows(self) -> pd.DataFrame:
        return self._once(
            "node_flows",
            lambda: node_flows_table(self.net.graph, self.incidence, self.flows, self.supply_used),
        )

    def bottlenecks(self) -> pd.DataFrame:
        return self._once(
            "bottlenecks", lambda: saturated_cut(self.net.graph, self.flows, self.supply_used)
        )

    def border_flows(self) -> pd.DataFrame:
        return self._once(
            "border_flows",
            lambda: border_flows_table(self.net, self.flows, self.node_flows(), self.target),
        )

    def corridor_flows(self) -> pd.DataFrame:
        return self._once(
            "corridor_flows",
            lambda: corridor_flows_table(self.net, self.flows, self.node_flows()),
        )

    def scenario_changes(self) -> pd.DataFrame:
        return self._once(
            "scenario_changes",
            lambda: scenario_changes_table(self.net.graph, self.flows, self.node_flows()),
        )

    def notes(self) -> tuple[str, ...]:
        return self._once(
            "notes",
            lambda: throughput_notes(
                self.net.graph,
                self.target,
                self.node_flows(),
                self.border_flows(),
                self.scenario_changes(),
                self.own_supply,
            ),
        )

    def builders(self) -> dict[str, Any]:
        """Table name -> the method that builds it (for :class:`~supplynet.results.LazyTables`)."""
        return {
            "edge_flows": self.edge_flows,
            "node_flows": self.node_flows,
            "bottlenecks": self.bottlenecks,
            "border_flows": self.border_flows,
            "corridor_flows": self.corridor_flows,
            "scenario_changes": self.scenario_changes,
            "notes": self.notes,
        }


class SupplyTables:
    """The tables of a least-cost solution, each built once, when first asked for."""

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
        self._cache: dict[str, Any] = {}

    def edge_flows(self) -> pd.DataFrame:
        if "edge_flows" not in self._cache:
            self._cache["edge_flows"] = edge_flows_table(self.G, self.flows)
        return self._cache["edge_flows"]

    def node_flows(self) -> pd.DataFrame:
        if "node_flows" not in self._cache:
            self._cache["node_flows"] = node_flows_table(
                self.G, self.incidence, self.flows, self.supply_used
            )
        return self._cache["node_flows"]

    def delivered(self) -> pd.DataFrame:
        if "delivered" not in self._cache:
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
            table = pd.DataFrame(rows, columns=DELIVERED_COLUMNS).set_index("node_id")
            self._cache["delivered"] = table
        return self._cache["delivered"]

    def shortfall(self) -> pd.Series:
        return self.delivered()["shortfall_m3_day"].rename("shortfall_m3_day")

    def builders(self) -> dict[str, Any]:
        return {
            "edge_flows": self.edge_flows,
            "node_flows": self.node_flows,
            "delivered": self.delivered,
            "shortfall": self.shortfall,
        }


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


def edge_flows_table(G: nx.MultiDiGraph, flows: dict[str, float]) -> pd.DataFrame:
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
    return pd.DataFrame(rows, columns=["edge_id", *EDGE_COLUMNS]).set_index("edge_id")


def node_flows_table(
    G: nx.MultiDiGraph, inc: Incidence, flows: dict[str, float], supply_used: dict[Any, float]
) -> pd.DataFrame:
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
    return pd.DataFrame(rows, columns=["node_id", *NODE_COLUMNS]).set_index("node_id")


_CHANGE_COLUMNS = ["element", "type", "before_m3_day", "after_m3_day", "flow_m3_day", "binds"]


def scenario_changes_table(
    G: nx.MultiDiGraph, flows: dict[str, float], node_flows: pd.DataFrame
) -> pd.DataFrame:
    """The scenario's capacity changes with the flow each element carries in this result."""
    rows = []
    for change in G.graph.get("scenario_changes", []):
        element, kind = change["element"], change["type"]
        if kind == "edge":
            flow = flows.get(element, 0.0)
        elif kind == "supply":
            flow = float(node_flows.loc[element, "supply_m3_day"])
        else:
            flow = float(node_flows.loc[element, "throughput_m3_day"])
        after = change["after_m3_day"]
        rows.append(
            {
                **change,
                "flow_m3_day": flow,
                "binds": bool(after > 0 and flow >= after - 1e-6 * max(1.0, after)),
            }
        )
    return pd.DataFrame(rows, columns=_CHANGE_COLUMNS)


def throughput_notes(
    G: nx.MultiDiGraph,
    target: Any,
    node_flows: pd.DataFrame,
    border_flows: pd.DataFrame,
    changes: pd.DataFrame,
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
    reduced = changes[
        (changes["after_m3_day"] > 0) & (changes["after_m3_day"] < changes["before_m3_day"])
    ]
    idle = reduced[~reduced["binds"]]
    if len(idle):
        shown = ", ".join(idle["element"].astype(str).unique()[:4])
        notes.append(
            f"{len(idle)} of {len(reduced)} reduced capacities do not bind ({shown}"
            f"{', ...' if idle['element'].nunique() > 4 else ''}): they stay above the flow "
            "they carry, because roads and border posts have spare capacity; to make a "
            "corridor pass less, use capacity_limits_m3_day or scale the supplies"
        )
    home = G.nodes[target].get("country")
    foreign = [
        n
        for n, d in G.nodes(data=True)
        if d.get("supply_m3_day") and home and d.get("country") not in ("", None, home)
    ]
    from_abroad = float(node_flows.loc[foreign, "supply_m3_day"].sum()) if foreign else 0.0
    crossed = float(border_flows["entry_m3_day"].fillna(0).clip(lower=0).sum())
    if foreign and crossed < from_abroad - 1e-6 * max(1.0, from_abroad):
        notes.append(
            f"{from_abroad - crossed:,.0f} m3/day from abroad reaches {target!r} without "
            "passing a border post (roads bypass the posts; a network built from "
            "OpenStreetMap with --boundaries gets a node on every crossing)"
        )
    return tuple(notes)


def border_flows_table(
    net: Network, flows: dict[str, float], node_flows: pd.DataFrame, target: Any
) -> pd.DataFrame:
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
    rows = []
    for n, d in G.nodes(data=True):
        if d.get("kind") != "border":
            continue
        flow = float(node_flows.loc[n, "throughput_m3_day"])
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
    return pd.DataFrame(rows, columns=["node_id", *columns]).set_index("node_id")


def corridor_flows_table(
    net: Network, flows: dict[str, float], node_flows: pd.DataFrame
) -> pd.DataFrame:
    """Per corridor: its border posts' flow (posts may be shared) and its own roads' flow."""
    G = net.graph
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
                "border_flow_m3_day": float(node_flows.loc[posts, "throughput_m3_day"].sum())
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
    return pd.DataFrame(rows, columns=columns).set_index("corridor")
