"""Timed scenario keys as arrays by day: events, losses, delays, convoys, escorts, lead times.

Every timed operation is resolved with the same :class:`~supplynet.scenario.apply.Resolver`
and :class:`~supplynet.scenario.apply.CapacityChanges` as the untimed keys, so it means
exactly what the same untimed key means: on each run of days with the same active events,
the untimed changes and those of every active event are collected together (factors
multiply, the lowest limit wins) and written into a copy of the network, whose capacities
and supplies are that run's. :func:`round_lead_days` turns lead times into whole days.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from supplynet.analysis.sections import Section, build_section, chain_lead_days
from supplynet.errors import ScenarioError, closest, shown
from supplynet.formulations.multiperiod_data import EscortWindow
from supplynet.network import Network
from supplynet.scenario import Area, Scenario
from supplynet.scenario.apply import CapacityChanges, Resolver, collect_changes
from supplynet.scenario.timeline import Event, Window

__all__ = [
    "DayArrays",
    "KeyedResolver",
    "apply_convoys",
    "capacity_by_day",
    "choose_name",
    "corridor_section",
    "earliest_arrival_days",
    "escort_windows",
    "lead_days",
    "resolve_window",
    "round_lead_days",
]


class KeyedResolver(Resolver):
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


def merge_changes(into: CapacityChanges, other: CapacityChanges) -> None:
    for nid, value in other.supply.items():
        into.set_supply(nid, value)
    for eid, f in other.edge_factor.items():
        into.scale_edge(eid, f)
    for nid, f in other.node_factor.items():
        into.scale_node(nid, f)
    for eid, limit in other.edge_limit.items():
        into.limit_edge(eid, limit)
    for nid, limit in other.node_limit.items():
        into.limit_node(nid, limit)


def copy_changes(changes: CapacityChanges) -> CapacityChanges:
    out = CapacityChanges()
    merge_changes(out, changes)
    return out


def resolve_window(
    r: Resolver, op: Window, key: str, N: int, start: dt.date | None
) -> tuple[int, int]:
    """``op.window(...)`` with the scenario file named first in its errors."""
    try:
        return op.window(key, N, start)
    except ScenarioError as exc:
        raise r.error(str(exc)) from None


def choose_name(r: Resolver, key: str, value: str, what: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if value not in choices:
        raise r.error(f"{key}: unknown {what} {shown(value)}; {closest(value, choices)}")
    return value


@dataclass
class DayArrays:
    """Mutable arrays by day while the inputs are assembled."""

    arc_capacity: np.ndarray
    arc_lead: np.ndarray
    arc_survival: np.ndarray
    node_supply: np.ndarray
    node_limit: np.ndarray
    supply_factor: np.ndarray  # (N, P)


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


def lead_days(net: Network, arc_ids: tuple[str, ...], settings: dict[str, float]) -> np.ndarray:
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


def corridor_section(net: Network, name: str) -> Section:
    """A corridor's own roads (all of its roads when it has none of its own)."""
    own, _ = net.corridor_elements([name])
    return build_section(net, own or net.corridors[name])


def event_targets(r: Resolver, net: Network, name: str, key: str) -> list[str]:
    """The arcs a loss or delay on ``name`` acts on: a corridor's entry arcs, a road's or
    arc's own arcs, or the arcs into a node."""
    if name in net.corridors:
        own, _ = r.corridor_elements([name], key)
        return list(build_section(net, own).entries)
    kind, ids = r.resolve(name, key)
    if kind == "edge":
        return ids
    return [k for _, _, k in net.graph.in_edges(ids[0], keys=True)]


def capacity_by_day(
    r: Resolver,
    net: Network,
    sc: Scenario,
    N: int,
    products: tuple[str, ...],
    arc_ids: tuple[str, ...],
    node_ids: tuple[str, ...],
) -> DayArrays:
    """Capacities, supplies, losses, delays and supply factors by day, from the events."""
    E, V = len(arc_ids), len(node_ids)
    arc_index = {e: i for i, e in enumerate(arc_ids)}
    base = collect_changes(r, sc)
    windows, changes = [], []
    for i, ev in enumerate(sc.events):
        key = f"events.{i}"
        windows.append(resolve_window(r, ev, key, N, sc.start_date))
        changes.append(collect_changes(KeyedResolver(net, sc.source, f"{key}."), ev))
    arrays = DayArrays(
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
        merged = copy_changes(base)
        for c in active:
            merge_changes(merged, c)
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
        apply_event(r, net, ev, f"events.{i}", windows[i], arrays, arc_index, products)
    return arrays


def apply_event(
    r: Resolver,
    net: Network,
    ev: Event,
    key: str,
    window: tuple[int, int],
    arrays: DayArrays,
    arc_index: dict[str, int],
    products: tuple[str, ...],
) -> None:
    first, last = window
    days = slice(first, last + 1)
    rk = KeyedResolver(net, r.source, f"{key}.")
    for name, rate in ev.loss_rate.items():
        for e in event_targets(rk, net, name, "loss_rate"):
            arrays.arc_survival[days, arc_index[e]] *= 1.0 - rate
    for i, area in enumerate(ev.areas):
        if area.loss_rate > 0:
            crossing, _ = rk.area(area, i)
            for e in build_section(net, crossing).entries:
                arrays.arc_survival[days, arc_index[e]] *= 1.0 - area.loss_rate
    for name, extra in ev.delay_days.items():
        for e in event_targets(rk, net, name, "delay_days"):
            arrays.arc_lead[days, arc_index[e]] += extra
    for name, factor in ev.supply_factors.items():
        choice = choose_name(rk, f"{key}.supply_factors", name, "product", products)
        arrays.supply_factor[days, products.index(choice)] *= factor


def apply_convoys(
    r: Resolver,
    sc: Scenario,
    N: int,
    arrays: DayArrays,
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
        first, last = resolve_window(r, cv, key, N, sc.start_date)
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


def escort_windows(
    r: Resolver, sc: Scenario, N: int, escorted: list[int], tanker_m3: float, notes: list[str]
) -> tuple[EscortWindow, ...]:
    """One constraint per run of ``period_days`` days of the escorts' window."""
    esc = sc.escorts
    if esc is None:
        return ()
    if not escorted:
        notes.append("escorts are given but no convoy is escorted: they constrain nothing")
        return ()
    first, last = resolve_window(r, esc, "escorts", N, sc.start_date)
    limit = esc.convoys * esc.tankers_per_convoy * tanker_m3
    arcs = np.array(escorted, dtype=np.int64)
    starts = range(first, max(first, last - esc.period_days + 1) + 1)
    return tuple(EscortWindow(s, min(s + esc.period_days - 1, last), arcs, limit) for s in starts)
