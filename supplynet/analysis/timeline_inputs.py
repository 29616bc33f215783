"""From a network, a scenario and the demand tables to the multi-day model's arrays.

:func:`prepare_timeline` resolves every name of the scenario against the network (with the
same :class:`~supplynet.scenario.apply.Resolver` and
:class:`~supplynet.scenario.apply.CapacityChanges` the steady state uses, so a timed
operation means exactly what the same untimed key means), turns events, convoys, escorts
and rationing into arrays by day, and returns the
:class:`~supplynet.formulations.multiperiod.MultiPeriodData` the LP is built from, with
what reading the solution needs (corridor sections, dates, notes).

Lead times
----------
An arc's lead time in days is ``travel_time_h x truck_time_factor /
driving_hours_per_day``, plus ``border_delay_days`` on every arc into a border post, plus
the ``delay_days`` of active events; a convoy's ``transit_days`` replaces the time over its
corridor's own roads (the difference is added to the convoy's entry arcs).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from supplynet.analysis.sections import Section
from supplynet.analysis.timeline_events import (
    apply_convoys,
    capacity_by_day,
    choose_name,
    corridor_section,
    escort_windows,
    lead_days,
    resolve_window,
    round_lead_days,
)
from supplynet.analysis.timeline_pipeline import pipeline_days
from supplynet.demand import DemandTables
from supplynet.errors import DataError, ScenarioError, shown
from supplynet.formulations.mincost import arc_cost_per_m3
from supplynet.formulations.multiperiod import MultiPeriodData
from supplynet.network import Network
from supplynet.scenario import Scenario
from supplynet.scenario.apply import Resolver
from supplynet.scenario.ranges import MAX_DAYS
from supplynet.scenario.timeline import ALL_CLASSES

__all__ = [
    "LEAD_TIME_RULES",
    "SINGLE_CLASS",
    "SINGLE_PRODUCT",
    "TimelineInputs",
    "prepare_timeline",
]

#: how fractional lead times become days: whole days along routes, or a mean-keeping split
LEAD_TIME_RULES = ("rounded", "split")

logger = logging.getLogger(__name__)

#: names of the one product and one class of a run without product data
SINGLE_PRODUCT = "fuel"
SINGLE_CLASS = "demand"


@dataclass(frozen=True, eq=False)
class TimelineInputs:
    """The model's arrays and what reading its solution needs."""

    data: MultiPeriodData
    network: Network
    scenario: Scenario
    start_date: dt.date | None
    single_product: bool
    tanker_m3: float
    node_names: tuple[str, ...]
    node_kinds: tuple[str, ...]
    #: corridors with roads of their own (the others have no section to report)
    corridors: dict[str, Section]
    arc_index: dict[str, int]
    notes: tuple[str, ...] = ()
    settings: dict[str, float] = field(default_factory=dict)


def prepare_timeline(
    net: Network,
    scenario: Scenario,
    days: int,
    tables: DemandTables,
    *,
    single_product: bool | None = None,
    lead_times: str = "rounded",
) -> TimelineInputs:
    """Resolve ``scenario`` on ``net`` over ``days`` days and build the model's arrays.

    Raises
    ------
    ScenarioError
        An unknown name, class or product; a day beyond the horizon; a date without a
        ``start_date``; a stock above a depot's capacity; naming the file and key.
    DataError
        ``single_product=False`` on a network the demand tables do not cover.
    """
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise ScenarioError(f"days = {shown(days)}: must be a whole number from 1 to {MAX_DAYS:,}")
    scenario_days = int(scenario.days or 0)
    shortened = days < scenario_days
    if shortened:  # the first `days` days of a longer scenario: later operations never start
        scenario = scenario.truncated(days)
    r = Resolver(net, scenario.source)
    applied = scenario.apply(net)
    G = applied.graph
    notes: list[str] = []
    if shortened:
        notes.append(
            f"the first {days} days of a {scenario_days}-day scenario: operations that start "
            "later are left out"
        )
    settings = dict(tables.settings)
    settings.update({k: float(v) for k, v in scenario.assumptions.items() if k in settings})
    missing = [n for n in tables.nodes() if n not in net.graph]
    if single_product is None:
        single_product = bool(missing)
        if missing:
            notes.append(
                f"the demand tables name {len(missing)} node(s) this network lacks "
                f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}): one product, "
                "one demand class, each node's demand_m3_day"
            )
    elif not single_product and missing:
        raise DataError(
            f"the demand tables ({tables.source}) name node(s) the network lacks: "
            f"{', '.join(missing[:5])}; run with single_product=True (--single-product)"
        )
    if not single_product:
        notes.extend(_demand_mismatch(net, tables))
    node_ids = tuple(str(n) for n in G.nodes)
    pos = {n: i for i, n in enumerate(node_ids)}
    arc_ids = tuple(str(k) for _, _, k in G.edges(keys=True))
    arc_index = {e: i for i, e in enumerate(arc_ids)}
    N, E = days, len(arc_ids)
    products = (SINGLE_PRODUCT,) if single_product else tuple(tables.products.index)
    P = len(products)

    demand = _demand_rows(r, scenario, net, G, tables, single_product, pos, products)
    rows_node, rows_class, rows_product, base_demand, classes, weights, normal = demand
    demand_weight = _node_weights(r, scenario, pos, rows_node)
    demand_m3 = np.broadcast_to(base_demand, (N, len(base_demand))).copy()
    _apply_rationing(
        r,
        scenario,
        N,
        demand_m3,
        rows_node,
        rows_class,
        rows_product,
        classes,
        products,
        pos,
        single_product,
        notes,
    )

    all_products = tuple(tables.products.index)
    arrays = capacity_by_day(r, net, scenario, N, all_products, arc_ids, node_ids)
    base_lead = lead_days(net, arc_ids, settings)
    arrays.arc_lead += base_lead[None, :]

    corridors = {name: corridor_section(net, name) for name in net.corridors}
    own_roads = {n: s for n, s in corridors.items() if net.corridor_elements([n])[0]}
    tanker_m3 = float(G.graph["tanker_m3"])
    queue_m3: dict[str, float] = {}
    escorted_arcs = apply_convoys(
        r,
        scenario,
        N,
        arrays,
        corridors,
        arc_index,
        base_lead,
        net,
        tanker_m3,
        settings,
        queue_m3,
        notes,
    )
    escorts = escort_windows(r, scenario, N, escorted_arcs, tanker_m3, notes)
    # supply points: the network's, whatever the scenario closes (lead times are rounded
    # from them, so a cut changes no arc's lead), and nodes that load fuel on some day (a
    # scenario's supply_m3_day may give one to a node without supply, niamey_bamako)
    sources = [
        n
        for j, n in enumerate(node_ids)
        if (net.graph.nodes[n].get("supply_m3_day") or 0) > 0 or arrays.node_supply[:, j].max() > 0
    ]
    if lead_times == "rounded":
        tail = np.array([pos[str(u)] for u, _, _ in G.edges(keys=True)], dtype=np.int64)
        head = np.array([pos[str(v)] for _, v, _ in G.edges(keys=True)], dtype=np.int64)
        arrays.arc_lead = round_lead_days(
            arrays.arc_lead, base_lead, tail, head, [pos[n] for n in sources], len(node_ids)
        )
    elif lead_times != "split":
        raise ScenarioError(f"lead_times = {shown(lead_times)}: allowed: rounded, split")

    pipeline = _pipeline(
        net,
        arc_ids,
        base_lead,
        node_ids,
        pos,
        rows_node,
        demand_m3,
        normal,
        settings["pipeline_share"],
    )
    source_pos = np.array([pos[n] for n in sources], dtype=np.int64)
    # each source's loads by product (all products), and the supply factors by day
    loads = np.array([[tables.supply_shares(n)[p] for p in all_products] for n in sources]).reshape(
        len(sources), len(all_products)
    )
    scaled = arrays.supply_factor[:, None, :] * loads[None, :, :]  # (N, S, all products)
    # one product: a product's factor scales its share of each source's loads
    shares = scaled.sum(axis=2, keepdims=True) if single_product else scaled
    supply = arrays.node_supply[:, source_pos, None] * shares
    limited = [i for i in range(len(node_ids)) if np.isfinite(arrays.node_limit[:, i]).any()]

    hold_node, hold_is_depot, hold_capacity, hold_initial = _holds(
        r,
        scenario,
        G,
        tables,
        node_ids,
        pos,
        products,
        rows_node,
        rows_product,
        base_demand,
        sources,
        queue_m3,
        tanker_m3,
        settings,
    )

    kinds = tuple(str(G.nodes[n].get("kind") or "") for n in node_ids)
    arc_cost = np.array(
        [
            arc_cost_per_m3(G, d) + float(G.nodes[v].get("cost_per_m3") or 0.0)
            for _, v, d in G.edges(data=True)
        ]
    )
    data = MultiPeriodData(
        days=N,
        products=products,
        classes=classes,
        node_ids=node_ids,
        arc_ids=arc_ids,
        arc_tail=np.array([pos[str(u)] for u, _, _ in G.edges(keys=True)], dtype=np.int64),
        arc_head=np.array([pos[str(v)] for _, v, _ in G.edges(keys=True)], dtype=np.int64),
        arc_cost_per_m3=arc_cost,
        arc_capacity_m3=arrays.arc_capacity,
        arc_lead_days=arrays.arc_lead,
        arc_survival=arrays.arc_survival,
        source_node=source_pos,
        source_cost_per_m3=np.array([float(G.nodes[n].get("cost_per_m3") or 0.0) for n in sources]),
        supply_m3=supply,
        limit_node=np.array(limited, dtype=np.int64),
        node_limit_m3=arrays.node_limit[:, limited],
        hold_node=hold_node,
        hold_is_depot=hold_is_depot,
        hold_capacity_m3=hold_capacity,
        hold_initial_m3=hold_initial,
        demand_node=rows_node,
        demand_class=rows_class,
        demand_product=rows_product,
        demand_m3=demand_m3,
        class_weight=weights,
        penalty_per_m3=float(G.graph["unmet_penalty_per_m3"]),
        allocation=scenario.allocation,
        escorts=escorts,
        early_service_share=settings["early_service_share"],
        queue_cost_share=settings["queue_cost_share"],
        keep_stock_share=settings["keep_stock_share"],
        pipeline_m3=pipeline,
        demand_weight=demand_weight,
    )
    total_demand = float(demand_m3.sum()) / N
    total_supply = float(supply.sum()) / N
    if total_demand > 1.05 * total_supply:
        notes.append(
            f"demand ({total_demand:,.0f} m3/day) is {total_demand / max(total_supply, 1e-9):.1f}x "
            f"what the supply points load ({total_supply:,.0f} m3/day): part of it goes unmet "
            "whatever the corridors do (data/SOURCES.md, 'Multi-day model')"
        )
    logger.info(
        "Prepared %d days: %d arcs, %d products, %d demand rows, %d holding nodes, %d escort rows",
        N,
        E,
        P,
        len(rows_node),
        len(hold_node),
        len(escorts),
    )
    return TimelineInputs(
        data=data,
        network=applied,
        scenario=scenario,
        start_date=scenario.start_date,
        single_product=single_product,
        tanker_m3=tanker_m3,
        node_names=tuple(str(G.nodes[n].get("name") or n) for n in node_ids),
        node_kinds=kinds,
        corridors=own_roads,
        arc_index=arc_index,
        notes=tuple(notes),
        settings=settings,
    )


def _node_weights(
    r: Resolver, sc: Scenario, pos: dict[str, int], rows_node: np.ndarray
) -> np.ndarray | None:
    """``node_weights``: each demand row's priority multiplier (``None`` without any)."""
    if not sc.node_weights:
        return None
    weight = np.ones(len(rows_node))
    for name, value in sc.node_weights.items():
        node = r.node(name, "node_weights")
        mine = rows_node == pos[node]
        if not mine.any():
            raise r.error(
                f"node_weights: node {node!r} has no demand in this run; give weights to "
                "demand nodes (Bamako, the regional capitals)"
            )
        weight[mine] *= float(value)
    return weight


def _pipeline(
    net: Network,
    arc_ids: tuple[str, ...],
    base_lead: np.ndarray,
    node_ids: tuple[str, ...],
    pos: dict[str, int],
    rows_node: np.ndarray,
    demand_m3: np.ndarray,
    normal: np.ndarray,
    share: float,
) -> np.ndarray | None:
    """The part of each demand row served by fuel in transit on day 1, (N, R).

    On a demand node's first ``T_v`` days: ``share`` x its normal-times demand (as far as
    the steady state serves it), at most the run's demand that day
    (:mod:`~supplynet.analysis.timeline_pipeline`); ``None`` when ``share`` is 0.
    """
    if share <= 0 or not len(rows_node):
        return None
    G = net.graph
    tail = np.array([pos[str(u)] for u, _, _ in G.edges(keys=True)], dtype=np.int64)
    head = np.array([pos[str(v)] for _, v, _ in G.edges(keys=True)], dtype=np.int64)
    supply = net.nodes["supply_m3_day"].fillna(0.0)
    sources = [pos[str(n)] for n, value in supply.items() if value > 0]
    if not sources:
        return None
    whole = round_lead_days(base_lead[None, :], base_lead, tail, head, sources, len(node_ids))[0]
    days = pipeline_days(net, arc_ids, whole)
    first = np.array([days.get(node_ids[v], (0, 0.0))[0] for v in rows_node], dtype=np.int64)
    served = np.array([days.get(node_ids[v], (0, 0.0))[1] for v in rows_node])
    covered = np.arange(demand_m3.shape[0])[:, None] < first[None, :]
    credit = np.minimum(demand_m3, share * served * normal[None, :])
    return np.where(covered, credit, 0.0)


def _demand_mismatch(net: Network, tables: DemandTables) -> list[str]:
    """A note when the tables' demand at a node is not the network's ``demand_m3_day``
    there (the steady state reads the network, the multi-day model the tables)."""
    by_node = tables.demand.groupby("node_id")["demand_m3_day"].sum()
    off = []
    for node, data in net.graph.nodes(data=True):
        ours = float(data.get("demand_m3_day") or 0.0)
        theirs = float(by_node.get(str(node), 0.0))
        if abs(ours - theirs) > max(1.0, 0.005 * max(ours, theirs)):
            off.append((str(node), theirs, ours))
    if not off:
        return []
    shown = ", ".join(f"{n}: {t:,.0f} against {o:,.0f}" for n, t, o in off[:3])
    more = f" and {len(off) - 3} more" if len(off) > 3 else ""
    where = (
        "the embedded demand.csv" if tables.source == "embedded" else f"{tables.source}/demand.csv"
    )
    return [
        f"the multi-day demand ({where}) is not the network's "
        f"demand_m3_day at {len(off)} node(s) ({shown}{more} m3/day): this model uses "
        "demand.csv; edit it, or set the scenario's demand key, which both models follow"
    ]


def _demand_rows(
    r: Resolver,
    sc: Scenario,
    net: Network,
    G: Any,
    tables: DemandTables,
    single: bool,
    pos: dict[str, int],
    products: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], np.ndarray, np.ndarray]:
    """Demand rows (node, class, product), their daily demand before rationing, the class
    weights, and each row's normal-times demand (before the scenario)."""
    if single:
        nodes = [n for n, d in G.nodes(data=True) if (d.get("demand_m3_day") or 0) > 0]
        return (
            np.array([pos[str(n)] for n in nodes], dtype=np.int64),
            np.zeros(len(nodes), dtype=np.int64),
            np.zeros(len(nodes), dtype=np.int64),
            np.array([float(G.nodes[n]["demand_m3_day"]) for n in nodes]),
            (SINGLE_CLASS,),
            np.ones(1),
            np.array([float(net.graph.nodes[n].get("demand_m3_day") or 0.0) for n in nodes]),
        )
    table = tables.demand[tables.demand["demand_m3_day"] > 0].copy()
    normal = table["demand_m3_day"].to_numpy(dtype=float).copy()
    for name, total in sc.demand.items():
        node = r.node(name, "demand")
        mine = table["node_id"] == node
        if not mine.any():
            raise r.error(
                f"demand: node {node!r} has no demand by class and product in demand.csv; "
                "add its rows there (or run single-product)"
            )
        table.loc[mine, "demand_m3_day"] *= float(total) / float(
            table.loc[mine, "demand_m3_day"].sum()
        )
    table["demand_m3_day"] *= sc.demand_factor
    classes = tuple(tables.classes.index)
    cls = {k: i for i, k in enumerate(classes)}
    prod = {p: i for i, p in enumerate(products)}
    return (
        np.array([pos[n] for n in table["node_id"]], dtype=np.int64),
        np.array([cls[k] for k in table["demand_class"]], dtype=np.int64),
        np.array([prod[p] for p in table["product"]], dtype=np.int64),
        table["demand_m3_day"].to_numpy(dtype=float),
        classes,
        tables.classes["priority_weight"].to_numpy(dtype=float),
        normal,
    )


def _apply_rationing(
    r: Resolver,
    sc: Scenario,
    N: int,
    demand_m3: np.ndarray,
    rows_node: np.ndarray,
    rows_class: np.ndarray,
    rows_product: np.ndarray,
    classes: tuple[str, ...],
    products: tuple[str, ...],
    pos: dict[str, int],
    single: bool,
    notes: list[str],
) -> None:
    for i, rule in enumerate(sc.rationing):
        key = f"rationing.{i}"
        first, last = resolve_window(r, rule, key, N, sc.start_date)
        wanted = np.ones(len(rows_node), dtype=bool)
        if single and (rule.demand_class != ALL_CLASSES or rule.product is not None):
            notes.append(
                f"{key} (class {rule.demand_class!r}) is ignored: a single-product run has one "
                "demand class and one product"
            )
            continue
        if rule.demand_class != ALL_CLASSES:
            name = choose_name(
                r, f"{key}.class", rule.demand_class, "demand class", [*classes, ALL_CLASSES]
            )
            wanted &= rows_class == classes.index(name)
        if rule.product is not None:
            name = choose_name(r, f"{key}.product", rule.product, "product", products)
            wanted &= rows_product == products.index(name)
        if rule.nodes:
            nodes = [pos[r.node(n, f"{key}.nodes")] for n in rule.nodes]
            wanted &= np.isin(rows_node, nodes)
        demand_m3[first : last + 1, wanted] *= rule.factor


def _holds(
    r: Resolver,
    sc: Scenario,
    G: Any,
    tables: DemandTables,
    node_ids: tuple[str, ...],
    pos: dict[str, int],
    products: tuple[str, ...],
    rows_node: np.ndarray,
    rows_product: np.ndarray,
    base_demand: np.ndarray,
    sources: list[str],
    queue_m3: dict[str, float],
    tanker_m3: float,
    settings: dict[str, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Depots (stock, capacity, initial level by product) and queues of loaded tankers."""
    P = len(products)
    by_node = np.zeros((len(node_ids), P))
    np.add.at(by_node, (rows_node, rows_product), base_demand)
    given = {r.node(name, "stock_m3"): (name, float(v)) for name, v in sc.stock_m3.items()}
    mix = tables.national_mix
    fallback = np.array([1.0] if P == 1 else [float(mix[p]) for p in products])
    nodes, depot, capacity, initial = [], [], [], []
    for n in node_ids:
        i = pos[n]
        daily = float(by_node[i].sum())
        if n in tables.depots.index:
            depot_row = tables.depots.loc[n]
            cap = float(cast(float, depot_row["capacity_m3"]))
            level = min(float(cast(float, depot_row["initial_days"])) * daily, cap)
        elif (G.nodes[n].get("stock_m3") or 0) > 0:
            cap = level = float(G.nodes[n]["stock_m3"])
        else:
            continue
        if n in given:
            name, level = given[n]
            if level > cap + 1e-9:
                raise r.error(
                    f"stock_m3.{name} = {level:g}: above the depot's capacity of {cap:,.0f} m3 "
                    "(depots.csv)"
                )
        shares = by_node[i] / daily if daily > 0 else fallback
        nodes.append(i)
        depot.append(True)
        capacity.append(cap)
        initial.append(level * shares)
    queue_cap = settings["queue_tankers"] * tanker_m3
    for n in dict.fromkeys([*sources, *queue_m3]):
        if pos[n] in nodes:
            continue
        nodes.append(pos[n])
        depot.append(False)
        capacity.append(max(queue_cap, queue_m3.get(n, 0.0)))
        initial.append(np.zeros(P))
    return (
        np.array(nodes, dtype=np.int64),
        np.array(depot, dtype=bool),
        np.array(capacity, dtype=float),
        np.array(initial, dtype=float).reshape(len(nodes), P),
    )
