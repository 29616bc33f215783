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
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from supplynet.analysis.sections import Section, build_section, chain_lead_days
from supplynet.demand import DemandTables
from supplynet.errors import DataError, ScenarioError, closest, shown
from supplynet.formulations.mincost import arc_cost_per_m3
from supplynet.formulations.multiperiod import EscortWindow, MultiPeriodData
from supplynet.network import Network
from supplynet.scenario import Area, Scenario
from supplynet.scenario.apply import CapacityChanges, Resolver, collect_changes
from supplynet.scenario.ranges import MAX_DAYS
from supplynet.scenario.timeline import ALL_CLASSES, Event, Window

__all__ = [
    "LEAD_TIME_RULES",
    "SINGLE_CLASS",
    "SINGLE_PRODUCT",
    "TimelineInputs",
    "earliest_arrival_days",
    "prepare_timeline",
    "round_lead_days",
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


class _Keyed(Resolver):
    """A Resolver whose error messages name the key under a prefix (``events.0.``)."""

    def __init__(self, net: Network, source: str, prefix: str) -> None:
        super().__init__(net, source)
        self.prefix = prefix

    def corridor_elements(self, names: list[str], key: str) -> tuple[list[str], list[str]]:
        return super().corridor_elements(names, self.prefix + key)

    def edge_ids(self, name: str, key: str) -> list[str]:
        return super().edge_ids(name, self.prefix + key)

    def node(self, name: str, key: str) -> str:
        return super().node(name, self.prefix + key)

    def resolve(self, name: str, key: str) -> tuple[str, list[str]]:
        return super().resolve(name, self.prefix + key)

    def area(self, area: Area, index: int, key: str = "areas") -> tuple[list[str], list[str]]:
        return super().area(area, index, self.prefix + key)


def _merge(into: CapacityChanges, other: CapacityChanges) -> None:
    for eid, f in other.edge_factor.items():
        into.scale_edge(eid, f)
    for nid, f in other.node_factor.items():
        into.scale_node(nid, f)
    for eid, limit in other.edge_limit.items():
        into.limit_edge(eid, limit)
    for nid, limit in other.node_limit.items():
        into.limit_node(nid, limit)


def _copy(changes: CapacityChanges) -> CapacityChanges:
    out = CapacityChanges()
    _merge(out, changes)
    return out


def _window(r: Resolver, op: Window, key: str, N: int, start: dt.date | None) -> tuple[int, int]:
    """``op.window(...)`` with the scenario file named first in its errors."""
    try:
        return op.window(key, N, start)
    except ScenarioError as exc:
        raise r.error(str(exc)) from None


def _choose(r: Resolver, key: str, value: str, what: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise r.error(f"{key}: unknown {what} {shown(value)}; {closest(value, choices)}")
    return value


@dataclass
class _Arrays:
    """Mutable arrays by day while the inputs are assembled."""

    arc_capacity: np.ndarray
    arc_lead: np.ndarray
    arc_survival: np.ndarray
    node_supply: np.ndarray
    node_limit: np.ndarray
    supply_factor: np.ndarray  # (N, P)


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
    r = Resolver(net, scenario.source)
    applied = scenario.apply(net)
    G = applied.graph
    notes: list[str] = []
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
    node_ids = tuple(str(n) for n in G.nodes)
    pos = {n: i for i, n in enumerate(node_ids)}
    arc_ids = tuple(str(k) for _, _, k in G.edges(keys=True))
    arc_index = {e: i for i, e in enumerate(arc_ids)}
    N, E = days, len(arc_ids)
    products = (SINGLE_PRODUCT,) if single_product else tuple(tables.products.index)
    P = len(products)

    demand = _demand_rows(r, scenario, G, tables, single_product, pos, products)
    rows_node, rows_class, rows_product, base_demand, classes, weights = demand
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
    arrays = _capacity_by_day(r, net, scenario, N, all_products, arc_ids, node_ids)
    base_lead = _lead_days(net, arc_ids, settings)
    arrays.arc_lead += base_lead[None, :]

    corridors = {name: _corridor_section(net, name) for name in net.corridors}
    own_roads = {n: s for n, s in corridors.items() if net.corridor_elements([n])[0]}
    tanker_m3 = float(G.graph["tanker_m3"])
    queue_m3: dict[str, float] = {}
    escorted_arcs = _apply_convoys(
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
    escorts = _escort_windows(r, scenario, N, escorted_arcs, tanker_m3, notes)
    sources = [n for n in node_ids if (net.graph.nodes[n].get("supply_m3_day") or 0) > 0]
    if lead_times == "rounded":
        tail = np.array([pos[str(u)] for u, _, _ in G.edges(keys=True)], dtype=np.int64)
        head = np.array([pos[str(v)] for _, v, _ in G.edges(keys=True)], dtype=np.int64)
        arrays.arc_lead = round_lead_days(
            arrays.arc_lead, base_lead, tail, head, [pos[n] for n in sources], len(node_ids)
        )
    elif lead_times != "split":
        raise ScenarioError(f"lead_times = {shown(lead_times)}: allowed: rounded, split")

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


def _demand_rows(
    r: Resolver,
    sc: Scenario,
    G: Any,
    tables: DemandTables,
    single: bool,
    pos: dict[str, int],
    products: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]:
    """Demand rows (node, class, product) and their daily demand before rationing."""
    if single:
        nodes = [n for n, d in G.nodes(data=True) if (d.get("demand_m3_day") or 0) > 0]
        return (
            np.array([pos[str(n)] for n in nodes], dtype=np.int64),
            np.zeros(len(nodes), dtype=np.int64),
            np.zeros(len(nodes), dtype=np.int64),
            np.array([float(G.nodes[n]["demand_m3_day"]) for n in nodes]),
            (SINGLE_CLASS,),
            np.ones(1),
        )
    table = tables.demand[tables.demand["demand_m3_day"] > 0].copy()
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
        first, last = _window(r, rule, key, N, sc.start_date)
        wanted = np.ones(len(rows_node), dtype=bool)
        if single and (rule.demand_class != ALL_CLASSES or rule.product is not None):
            notes.append(
                f"{key} (class {rule.demand_class!r}) is ignored: a single-product run has one "
                "demand class and one product"
            )
            continue
        if rule.demand_class != ALL_CLASSES:
            name = _choose(
                r, f"{key}.class", rule.demand_class, "demand class", [*classes, ALL_CLASSES]
            )
            wanted &= rows_class == classes.index(name)
        if rule.product is not None:
            name = _choose(r, f"{key}.product", rule.product, "product", products)
            wanted &= rows_product == products.index(name)
        if rule.nodes:
            nodes = [pos[r.node(n, f"{key}.nodes")] for n in rule.nodes]
            wanted &= np.isin(rows_node, nodes)
        demand_m3[first : last + 1, wanted] *= rule.factor


def round_lead_days(
    lead: np.ndarray,
    base: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    sources: list[int],
    n_nodes: int,
) -> np.ndarray:
    """Whole-day lead times that keep routes from the supply points accurate.

    Each arc ``u -> v`` gets ``round(tau_u + L) - round(tau_u)`` days, where ``tau_u`` is
    the earliest time fuel can reach ``u`` from any supply point (base lead times). Every
    arc's whole lead is ``floor(L)`` or ``ceil(L)``, and along the earliest route from a
    supply point the whole leads add up to ``round(tau)``: within half a day of the exact
    time, however many arcs the route has (rounding each arc alone would add the errors
    up). Fuel keeps moving as whole tankers on whole days, so nothing arrives early by
    spreading.

    Examples
    --------
    >>> lead = np.array([[0.4, 0.4, 0.4]])
    >>> round_lead_days(lead, lead[0], np.array([0, 1, 2]), np.array([1, 2, 3]), [0], 4).tolist()
    [[0.0, 1.0, 0.0]]
    """
    tau = earliest_arrival_days(base, tail, head, sources, n_nodes)
    start = np.floor(tau[tail] + 0.5)
    whole = np.floor(tau[tail][None, :] + lead + 0.5) - start[None, :]
    return np.clip(whole, np.floor(lead), np.ceil(lead))


def earliest_arrival_days(
    lead: np.ndarray, tail: np.ndarray, head: np.ndarray, sources: list[int], n_nodes: int
) -> np.ndarray:
    """Earliest arrival time (days) at each node from any source; 0 where unreachable."""
    if not sources:
        return np.zeros(n_nodes)
    order = np.lexsort((lead, head, tail))
    t, h, w = tail[order], head[order], lead[order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])  # the shortest of parallel arcs
    graph = sp.csr_matrix((w[first] + 1e-12, (t[first], h[first])), shape=(n_nodes, n_nodes))
    tau = dijkstra(graph, directed=True, indices=sources, min_only=True)
    return np.where(np.isfinite(tau), tau, 0.0)


def _lead_days(net: Network, arc_ids: tuple[str, ...], settings: dict[str, float]) -> np.ndarray:
    G = net.graph
    hours = settings["driving_hours_per_day"]
    factor = settings["truck_time_factor"]
    border = settings["border_delay_days"]
    lead = np.empty(len(arc_ids))
    for i, e in enumerate(arc_ids):
        _, v = net.edge_endpoints(e)
        d = net.edge_data(e)
        lead[i] = float(d["travel_time_h"]) * factor / hours
        if G.nodes[v].get("kind") == "border":
            lead[i] += border
    return lead


def _corridor_section(net: Network, name: str) -> Section:
    """A corridor's own roads (all of its roads when it has none of its own)."""
    own, _ = net.corridor_elements([name])
    return build_section(net, own or net.corridors[name])


def _event_targets(r: Resolver, net: Network, name: str, key: str) -> list[str]:
    """The arcs a loss or delay on ``name`` acts on: a corridor's entry arcs, a road's or
    arc's own arcs, or the arcs into a node."""
    if name in net.corridors:
        own, _ = r.corridor_elements([name], key)
        return list(build_section(net, own).entries)
    kind, ids = r.resolve(name, key)
    if kind == "edge":
        return ids
    return [k for _, _, k in net.graph.in_edges(ids[0], keys=True)]


def _capacity_by_day(
    r: Resolver,
    net: Network,
    sc: Scenario,
    N: int,
    products: tuple[str, ...],
    arc_ids: tuple[str, ...],
    node_ids: tuple[str, ...],
) -> _Arrays:
    """Capacities, supplies, losses, delays and supply factors by day, from the events."""
    E, V = len(arc_ids), len(node_ids)
    arc_index = {e: i for i, e in enumerate(arc_ids)}
    base = collect_changes(r, sc)
    windows, changes = [], []
    for i, ev in enumerate(sc.events):
        key = f"events.{i}"
        windows.append(_window(r, ev, key, N, sc.start_date))
        changes.append(collect_changes(_Keyed(net, sc.source, f"{key}."), ev))
    arrays = _Arrays(
        arc_capacity=np.zeros((N, E)),
        arc_lead=np.zeros((N, E)),
        arc_survival=np.ones((N, E)),
        node_supply=np.zeros((N, V)),
        node_limit=np.full((N, V), np.inf),
        supply_factor=np.ones((N, len(products))),
    )
    # days on which the set of active events changes
    cuts = sorted({0, N, *(a for a, _ in windows), *(b + 1 for _, b in windows)} - {N + 1})
    for a, b in itertools.pairwise(cuts):
        if a >= N:
            break
        active = [c for (s, e), c in zip(windows, changes, strict=True) if s <= a <= e]
        merged = _copy(base)
        for c in active:
            _merge(merged, c)
        G = net.graph.copy()
        merged.write_into(G, net)
        for _, _, k, d in G.edges(keys=True, data=True):
            arrays.arc_capacity[a:b, arc_index[str(k)]] = float(d["capacity_m3_day"])
        for j, n in enumerate(node_ids):
            d = G.nodes[n]
            arrays.node_supply[a:b, j] = float(d.get("supply_m3_day") or 0.0)
            if d.get("capacity_m3_day") is not None:
                arrays.node_limit[a:b, j] = float(d["capacity_m3_day"])
    # losses of the untimed areas: every day
    for i, area in enumerate(sc.areas):
        if area.loss_rate > 0:
            crossing, _ = r.area(area, i)
            for e in build_section(net, crossing).entries:
                arrays.arc_survival[:, arc_index[e]] *= 1.0 - area.loss_rate
    for i, ev in enumerate(sc.events):
        _apply_event(r, net, ev, f"events.{i}", windows[i], arrays, arc_index, products)
    return arrays


def _apply_event(
    r: Resolver,
    net: Network,
    ev: Event,
    key: str,
    window: tuple[int, int],
    arrays: _Arrays,
    arc_index: dict[str, int],
    products: tuple[str, ...],
) -> None:
    first, last = window
    days = slice(first, last + 1)
    rk = _Keyed(net, r.source, f"{key}.")
    for name, rate in ev.loss_rate.items():
        for e in _event_targets(rk, net, name, "loss_rate"):
            arrays.arc_survival[days, arc_index[e]] *= 1.0 - rate
    for i, area in enumerate(ev.areas):
        if area.loss_rate > 0:
            crossing, _ = rk.area(area, i)
            for e in build_section(net, crossing).entries:
                arrays.arc_survival[days, arc_index[e]] *= 1.0 - area.loss_rate
    for name, extra in ev.delay_days.items():
        for e in _event_targets(rk, net, name, "delay_days"):
            arrays.arc_lead[days, arc_index[e]] += extra
    for name, factor in ev.supply_factors.items():
        choice = _choose(rk, f"{key}.supply_factors", name, "product", products)
        arrays.supply_factor[days, products.index(choice)] *= factor


def _apply_convoys(
    r: Resolver,
    sc: Scenario,
    N: int,
    arrays: _Arrays,
    corridors: dict[str, Section],
    arc_index: dict[str, int],
    base_lead: np.ndarray,
    net: Network,
    tanker_m3: float,
    settings: dict[str, float],
    queue_m3: dict[str, float],
    notes: list[str],
) -> list[int]:
    """Convoy rules on the corridors' entry arcs; returns the escorted entry arcs."""
    escorted: list[int] = []
    taken: dict[str, list[tuple[int, int, int]]] = {}
    for i, cv in enumerate(sc.convoys):
        key = f"convoys.{i}"
        if cv.corridor not in corridors:
            raise r.unknown(f"{key}.corridor", cv.corridor, "corridor", corridors)
        first, last = _window(r, cv, key, N, sc.start_date)
        for j, a, b in taken.get(cv.corridor, []):
            if a <= last and first <= b:
                raise r.error(
                    f"{key}: overlaps convoys.{j} on corridor {cv.corridor!r} (days "
                    f"{max(a, first) + 1}..{min(b, last) + 1}); give one convoy rule per "
                    "corridor at a time"
                )
        taken.setdefault(cv.corridor, []).append((i, first, last))
        try:
            days = cv.convoy_days(key, N, sc.start_date)
        except ScenarioError as exc:
            raise r.error(str(exc)) from None
        size = cv.max_tankers
        if cv.escorted and sc.escorts is not None:
            size = min(size, sc.escorts.tankers_per_convoy)
        if cv.max_tankers > settings["convoy_max_tankers"]:
            notes.append(
                f"{key}: a convoy of {cv.max_tankers} tankers is larger than any reported "
                f"({settings['convoy_max_tankers']:.0f}, data/timeline.csv)"
            )
        section = corridors[cv.corridor]
        chain = chain_lead_days(net, section, {e: base_lead[arc_index[e]] for e in section.arcs})
        on = np.zeros(N, dtype=bool)
        on[days] = True
        span = np.arange(first, last + 1)
        off = span[~on[span]]
        for e in section.entries:
            j = arc_index[e]
            arrays.arc_capacity[off, j] = 0.0
            arrays.arc_capacity[days, j] = np.minimum(
                arrays.arc_capacity[days, j], size * tanker_m3
            )
            if cv.transit_days is not None:
                if cv.transit_days < chain[e] - 1e-9:
                    notes.append(
                        f"{key}: transit_days = {cv.transit_days:g} is shorter than the normal "
                        f"time over the corridor's own roads from {e} ({chain[e]:.1f} days); "
                        "the normal time applies"
                    )
                arrays.arc_lead[days, j] += max(0.0, cv.transit_days - chain[e])
            tail = str(net.edge_endpoints(e)[0])
            queue_m3[tail] = max(queue_m3.get(tail, 0.0), size * tanker_m3)
            if cv.escorted:
                escorted.append(j)
    return sorted(set(escorted))


def _escort_windows(
    r: Resolver, sc: Scenario, N: int, escorted: list[int], tanker_m3: float, notes: list[str]
) -> tuple[EscortWindow, ...]:
    """One constraint per run of ``period_days`` days of the escorts' window."""
    esc = sc.escorts
    if esc is None:
        return ()
    if not escorted:
        notes.append("escorts are given but no convoy is escorted: they constrain nothing")
        return ()
    first, last = _window(r, esc, "escorts", N, sc.start_date)
    limit = esc.convoys * esc.tankers_per_convoy * tanker_m3
    arcs = np.array(escorted, dtype=np.int64)
    starts = range(first, max(first, last - esc.period_days + 1) + 1)
    return tuple(EscortWindow(s, min(s + esc.period_days - 1, last), arcs, limit) for s in starts)


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
