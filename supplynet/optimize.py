"""The public analyses: build the LP, solve it, read the solution into a typed Result."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from supplynet.bottlenecks import saturated_cut
from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.common import Incidence
from supplynet.formulations.maxflow import fix_delivery_minimise_km
from supplynet.network import Network, node_corridors
from supplynet.results import SupplyResult, ThroughputResult
from supplynet.scenario import Scenario
from supplynet.solvers import SolveInfo, Status, solve

__all__ = ["least_cost_supply", "max_throughput"]

logger = logging.getLogger(__name__)

_EDGE_COLUMNS = ["u", "v", "road_id", "corridors", "capacity_m3_day", "flow_m3_day", "utilisation"]
_DELIVERED_COLUMNS = [
    "node_id",
    "name",
    "demand_m3_day",
    "delivered_m3_day",
    "shortfall_m3_day",
    "met_share",
    "stock_m3",
    "stock_days_at_shortfall",
]
_NODE_COLUMNS = [
    "name",
    "kind",
    "throughput_m3_day",
    "capacity_m3_day",
    "supply_m3_day",
    "supply_limit_m3_day",
]


def max_throughput(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    destination: str = "bamako",
    *,
    solver: str | None = None,
    time_limit_s: float | None = None,
    shortest_routes: bool = True,
) -> ThroughputResult:
    """Maximum fuel per day that reaches ``destination`` from every supply point.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Blockages and capacity changes to apply first (a :class:`Scenario` or the path of
        a TOML file); ``None`` is the baseline.
    destination : str
        Node id or name (``"Bamako"``). A destination that is itself a supply point
        receives what reaches it *from elsewhere*: its own supply is not counted (a note
        says so).
    solver : {"highs", "cbc"}, optional
        LP solver; default HiGHS in-process.
    time_limit_s : float, optional
        Solver time limit.
    shortest_routes : bool
        Re-solve once with the delivery fixed at its maximum to route it over the fewest
        m3-km (clean, realistic edge flows). ``False`` keeps the first solution, which is
        faster and has the same ``delivered_m3_day`` and bottlenecks.

    Returns
    -------
    ThroughputResult
        ``delivered_m3_day``, ``edge_flows``, ``bottlenecks`` (the saturated min cut),
        ``corridor_flows``; a non-optimal status carries NaN figures.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> res = sn.max_throughput(net, destination="Bamako")
    >>> res.status.value, res.delivered_m3_day > 1000
    ('optimal', True)
    """
    scenario = Scenario.coerce(scenario)
    applied = scenario.apply(net)
    target = applied.node_id(destination)
    G = applied.graph
    own_supply = float(G.nodes[target].get("supply_m3_day") or 0.0)
    if own_supply:
        G.nodes[target]["supply_m3_day"] = 0.0  # a fresh copy made by apply()
    lp = build_max_throughput(G, target)
    info = solve(lp.problem, solver, time_limit_s=time_limit_s)
    base = _result_fields(scenario, info, G) | {"destination": target}
    if info.status is not Status.OPTIMAL:
        return ThroughputResult(
            edge_flows=pd.DataFrame(columns=_EDGE_COLUMNS),
            node_flows=pd.DataFrame(columns=_NODE_COLUMNS),
            **base,
        )
    delivered = _value(lp.delivered)
    flows = {e: _value(x) for e, x in lp.flow.items()}
    supply_used = {n: _value(s) for n, s in lp.supply.items()}
    if shortest_routes and delivered > 0:
        fix_delivery_minimise_km(lp, G, delivered)
        second = solve(lp.problem, solver, time_limit_s=time_limit_s)
        base["solve_time_s"] += second.solve_time_s
        if second.status is Status.OPTIMAL:
            flows = {e: _value(x) for e, x in lp.flow.items()}
            supply_used = {n: _value(s) for n, s in lp.supply.items()}
        else:  # keep the first (equally maximal) flow
            logger.warning(
                "routing pass ended %s; reporting the first maximum flow", second.status.value
            )
    flows = cancel_opposing_flows(G, flows)
    node_flows = _node_flows(G, lp.incidence, flows, supply_used)
    border_flows = _border_flows(applied, flows, node_flows, target)
    changes = _scenario_changes(G, flows, node_flows)
    result = ThroughputResult(
        edge_flows=_edge_flows(G, flows),
        node_flows=node_flows,
        delivered_m3_day=delivered,
        bottlenecks=saturated_cut(G, flows, supply_used),
        border_flows=border_flows,
        corridor_flows=_corridor_flows(applied, flows, node_flows),
        scenario_changes=changes,
        notes=_throughput_notes(G, target, node_flows, border_flows, changes, own_supply),
        **base,
    )
    logger.info("max_throughput %s -> %s: %.1f m3/day", scenario.name, target, delivered)
    return result


def least_cost_supply(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    *,
    solver: str | None = None,
    penalty_per_m3: float | None = None,
    time_limit_s: float | None = None,
) -> SupplyResult:
    """Meet every node's daily demand at least cost; report shortfall where it cannot.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Blockages, capacity and demand changes (a :class:`Scenario` or the path of a TOML
        file); ``None`` is the baseline.
    solver : {"highs", "cbc"}, optional
        LP solver.
    penalty_per_m3 : float, optional
        Cost of unmet demand per m3; default the ``unmet_penalty_per_m3`` assumption.

    Returns
    -------
    SupplyResult
        ``delivered`` (by demand node), ``shortfall``, ``cost`` (transport and border
        cost per day, penalty excluded).

    Examples
    --------
    >>> import supplynet as sn
    >>> res = sn.least_cost_supply(sn.load_network())
    >>> res.status.value
    'optimal'
    """
    scenario = Scenario.coerce(scenario)
    applied = scenario.apply(net)
    G = applied.graph
    lp = build_least_cost_supply(G, penalty_per_m3=penalty_per_m3)
    info = solve(lp.problem, solver, time_limit_s=time_limit_s)
    base = _result_fields(scenario, info, G)
    if info.status is not Status.OPTIMAL:
        return SupplyResult(
            edge_flows=pd.DataFrame(columns=_EDGE_COLUMNS),
            node_flows=pd.DataFrame(columns=_NODE_COLUMNS),
            **base,
        )
    flows = {e: _value(x) for e, x in lp.flow.items()}
    supply_used = {n: _value(s) for n, s in lp.supply.items()}
    unmet = {n: _value(u) for n, u in lp.unmet.items()}
    rows = []
    for n, u in unmet.items():
        demand = float(G.nodes[n]["demand_m3_day"])
        stock = G.nodes[n].get("stock_m3")
        rows.append(
            {
                "node_id": n,
                "name": G.nodes[n].get("name", n),
                "demand_m3_day": demand,
                "delivered_m3_day": demand - u,
                "shortfall_m3_day": u,
                "met_share": (demand - u) / demand if demand else 1.0,
                "stock_m3": stock,
                "stock_days_at_shortfall": _days(stock, u),
            }
        )
    delivered = pd.DataFrame(rows, columns=_DELIVERED_COLUMNS).set_index("node_id")
    penalty_cost = lp.penalty_per_m3 * sum(unmet.values())
    return SupplyResult(
        edge_flows=_edge_flows(G, flows),
        node_flows=_node_flows(G, lp.incidence, flows, supply_used),
        delivered=delivered,
        shortfall=delivered["shortfall_m3_day"].rename("shortfall_m3_day"),
        cost=float(_value(lp.transport_cost)),
        penalty_cost=float(penalty_cost),
        **base,
    )


def _result_fields(scenario: Scenario, info: SolveInfo, G: nx.MultiDiGraph) -> dict[str, Any]:
    return {
        "status": info.status,
        "scenario": scenario.name,
        "solver": info.solver,
        "solve_time_s": info.solve_time_s,
        "assumptions": dict(G.graph),
    }


def _days(stock_m3: float | None, shortfall_m3_day: float) -> float:
    """Days a stock covers a daily shortfall (inf with no shortfall, NaN with no stock)."""
    if stock_m3 is None:
        return math.nan
    return math.inf if shortfall_m3_day <= 0 else float(stock_m3) / shortfall_m3_day


def _value(x: Any) -> float:
    value = x.value() if hasattr(x, "value") else x
    return 0.0 if value is None or abs(value) < 1e-9 else float(value)


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


def _edge_flows(G: nx.MultiDiGraph, flows: dict[str, float]) -> pd.DataFrame:
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
    return pd.DataFrame(rows, columns=["edge_id", *_EDGE_COLUMNS]).set_index("edge_id")


def _node_flows(
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
    return pd.DataFrame(rows, columns=["node_id", *_NODE_COLUMNS]).set_index("node_id")


_CHANGE_COLUMNS = ["element", "type", "before_m3_day", "after_m3_day", "flow_m3_day", "binds"]


def _scenario_changes(
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


def _throughput_notes(
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


def _border_flows(
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


def _corridor_flows(
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
