"""Applying a scenario to a network: name look-ups, capacity changes, a new Network.

:class:`Resolver` turns the names a scenario uses (corridors, roads, arcs, nodes, areas)
into element ids of one network, raising a one-line :class:`ScenarioError` that names the
scenario file, the key and the closest valid names. :class:`CapacityChanges` collects the
factors and limits and writes them into a copy of the graph in one pass.
:func:`apply_scenario` is what :meth:`Scenario.apply` runs; the input network is never
modified.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import networkx as nx
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from supplynet.errors import DataError, ScenarioError, closest, shown
from supplynet.network import Network, node_corridors
from supplynet.scenario.area import Area

__all__ = ["CapacityChanges", "CapacityOperations", "Resolver", "apply_scenario", "elements_inside"]

logger = logging.getLogger(__name__)


class Resolver:
    """Resolve a scenario's names against one network.

    Parameters
    ----------
    net : Network
        The network the names must exist in.
    source : str
        The scenario file (or ``""``), named first in every error.

    Examples
    --------
    >>> import supplynet as sn
    >>> r = Resolver(sn.load_network())
    >>> r.node("Ségou", "demand")
    'segou'
    >>> r.resolve("kayes_diema", "capacity_factors")
    ('edge', ['kayes_diema', 'kayes_diema_rev'])
    """

    def __init__(self, net: Network, source: str = "") -> None:
        self.net = net
        self.source = source

    def error(self, message: str) -> ScenarioError:
        """A :class:`ScenarioError` whose message starts with the scenario file."""
        where = f"{self.source}: " if self.source else ""
        return ScenarioError(f"{where}{message}")

    def unknown(self, key: str, value: str, what: str, choices: Iterable[str]) -> ScenarioError:
        return self.error(f"{key}: unknown {what} {shown(value)}; {closest(value, choices)}")

    def corridor_elements(self, names: list[str], key: str) -> tuple[list[str], list[str]]:
        """The arcs and border posts that only the named corridors use (see the package)."""
        net = self.net
        for name in names:
            if name not in net.corridors:
                raise self.unknown(key, name, "corridor", net.corridors)
        arcs, posts = net.corridor_elements(names)
        for name in names:
            if not any(name in net.edge_data(e)["corridors"] for e in arcs):
                sharing = sorted(
                    {c for e in net.corridors[name] for c in net.edge_data(e)["corridors"]} - {name}
                )
                raise self.error(
                    f"{key}: corridor {name!r} has no road of its own (every segment is "
                    f"shared with {', '.join(map(repr, sharing))}); name those corridors "
                    "too, or act on its border post or roads"
                )
        return arcs, posts

    def edge_ids(self, name: str, key: str) -> list[str]:
        """A road id (both directions) or an arc id."""
        by_road = self.net.road_arcs.get(name)
        if by_road:  # a road id names both directions
            return list(by_road)
        if self.net.has_arc(name):
            return [name]
        raise self.unknown(key, name, "edge", self.net.edge_ids)

    def node(self, name: str, key: str) -> str:
        """A node id or display name."""
        try:
            return self.net.node_id(name)
        except DataError:
            G = self.net.graph
            names = [G.nodes[n].get("name") for n in G]
            raise self.unknown(key, name, "node", [*G, *names]) from None

    def resolve(self, name: str, key: str) -> tuple[str, list[str]]:
        """An edge or node name: ``("edge", arc ids)`` or ``("node", [node id])``."""
        if name in self.net.road_arcs or self.net.has_arc(name):
            return "edge", self.edge_ids(name, key)
        try:
            return "node", [self.net.node_id(name)]
        except DataError:
            choices = [*self.net.corridors, *self.net.road_arcs, *self.net.graph]
            raise self.unknown(key, name, "corridor, edge or node", choices) from None

    def area(self, area: Area, index: int, key: str = "areas") -> tuple[list[str], list[str]]:
        """Arc ids crossing ``area`` and node ids inside it (an error if it touches nothing)."""
        edges, nodes = elements_inside(self.net, area.geometry())
        if not edges and not nodes:
            raise self.error(
                f"{key}.{index} ({shown(area.name)}): touches no node or road of the network "
                "(coordinates are [lon, lat], in that order)"
            )
        return edges, nodes


def elements_inside(net: Network, area: BaseGeometry) -> tuple[list[str], list[str]]:
    """Arc ids whose geometry crosses ``area`` and node ids inside it."""
    prepared = prep(area)
    edges = [
        d["edge_id"] for _, _, d in net.graph.edges(data=True) if prepared.intersects(d["geometry"])
    ]
    nodes = [
        str(n)
        for n, d in net.graph.nodes(data=True)
        if prepared.intersects(Point(d["lon"], d["lat"]))
    ]
    return edges, nodes


class CapacityOperations(Protocol):
    """The capacity keys a scenario (or one of its timed events) holds."""

    @property
    def blocked_corridors(self) -> list[str]: ...
    @property
    def blocked_edges(self) -> list[str]: ...
    @property
    def blocked_nodes(self) -> list[str]: ...
    @property
    def capacity_factors(self) -> Mapping[str, float]: ...
    @property
    def capacity_limits_m3_day(self) -> Mapping[str, float]: ...
    @property
    def areas(self) -> Sequence[Area]: ...
    @property
    def supply_m3_day(self) -> Mapping[str, float]: ...


class ScenarioOperations(CapacityOperations, Protocol):
    """What :func:`apply_scenario` reads of a :class:`~supplynet.scenario.model.Scenario`:
    the capacity keys and the untimed demand, stock and assumption keys."""

    @property
    def name(self) -> str: ...
    @property
    def assumptions(self) -> Mapping[str, float]: ...
    @property
    def demand(self) -> Mapping[str, float]: ...
    @property
    def demand_factor(self) -> float: ...
    @property
    def stock_m3(self) -> Mapping[str, float]: ...


class CapacityChanges:
    """Capacity changes collected from a scenario, applied in one pass.

    Supplies set by ``supply_m3_day`` replace a supply point's supply first; factors then
    multiply (a road on a corridor at 0.5 inside an area at 0.5 keeps a quarter, a port
    given a supply and a factor of 0.5 loads half of it); limits cap the scaled capacity
    (the lowest limit wins).
    """

    def __init__(self) -> None:
        self.edge_factor: dict[str, float] = {}
        self.node_factor: dict[str, float] = {}
        self.edge_limit: dict[str, float] = {}
        self.node_limit: dict[str, float] = {}
        self.supply: dict[str, float] = {}

    def set_supply(self, nid: str, value: float) -> None:
        """Replace a supply point's supply (a later value replaces an earlier one)."""
        self.supply[nid] = value

    def scale_edge(self, eid: str, factor: float) -> None:
        self.edge_factor[eid] = self.edge_factor.get(eid, 1.0) * factor

    def scale_node(self, nid: str, factor: float) -> None:
        self.node_factor[nid] = self.node_factor.get(nid, 1.0) * factor

    def limit_edge(self, eid: str, limit: float) -> None:
        self.edge_limit[eid] = min(limit, self.edge_limit.get(eid, math.inf))

    def limit_node(self, nid: str, limit: float) -> None:
        self.node_limit[nid] = min(limit, self.node_limit.get(nid, math.inf))

    def collect_blocks(self, r: Resolver, sc: CapacityOperations) -> None:
        """``blocked_corridors``, ``blocked_edges`` and ``blocked_nodes``: factor 0."""
        if sc.blocked_corridors:
            arcs, posts = r.corridor_elements(sc.blocked_corridors, "blocked_corridors")
            for eid in arcs:
                self.scale_edge(eid, 0.0)
            for nid in posts:
                self.scale_node(nid, 0.0)
        for name in sc.blocked_edges:
            for eid in r.edge_ids(name, "blocked_edges"):
                self.scale_edge(eid, 0.0)
        for name in sc.blocked_nodes:
            self.scale_node(r.node(name, "blocked_nodes"), 0.0)

    def collect_table(self, r: Resolver, table: Mapping[str, float], key: str) -> None:
        """Factors (``capacity_factors``) or limits (``capacity_limits_m3_day``).

        A corridor's value acts on its own elements; several corridors named in one table
        act together, and an element they share takes the most restrictive value.
        """
        net = r.net
        is_factor = key == "capacity_factors"
        on_edge = self.scale_edge if is_factor else self.limit_edge
        on_node = self.scale_node if is_factor else self.limit_node
        corridors = {name: value for name, value in table.items() if name in net.corridors}
        if corridors:
            arcs, posts = r.corridor_elements(list(corridors), key)
            for eid in arcs:
                on_edge(eid, min(corridors[c] for c in net.edge_data(eid)["corridors"]))
            for nid in posts:
                on_node(nid, min(corridors[c] for c in node_corridors(net, nid)))
        for name, value in table.items():
            if name in corridors:
                continue
            kind, ids = r.resolve(name, key)
            for ident in ids:
                if kind == "edge":
                    on_edge(ident, value)
                    continue
                data = net.graph.nodes[ident]
                if (
                    is_factor
                    and value != 0
                    and data.get("supply_m3_day") is None
                    and data.get("capacity_m3_day") is None
                ):
                    raise r.error(
                        f"{key}: node {ident!r} has no supply or throughput limit to scale; "
                        "give it a limit in capacity_limits_m3_day, or block it"
                    )
                on_node(ident, value)

    def collect_supply(self, r: Resolver, table: Mapping[str, float]) -> None:
        """``supply_m3_day``: ``{supply point: m3/day}``, set before factors apply."""
        for name, value in table.items():
            nid = r.node(name, "supply_m3_day")
            if r.net.graph.nodes[nid].get("supply_m3_day") is None:
                points = [
                    str(n)
                    for n, d in r.net.graph.nodes(data=True)
                    if d.get("supply_m3_day") is not None
                ]
                raise r.error(
                    f"supply_m3_day: node {nid!r} is not a supply point (it has no "
                    f"supply_m3_day in the network); {closest(nid, points)}"
                )
            self.set_supply(nid, float(value))

    def collect_area(self, r: Resolver, area: Area, index: int) -> None:
        """An area's factor on the arcs crossing it and the nodes inside it."""
        edges, nodes = r.area(area, index)
        logger.info(
            "Area %s: %d arcs, %d nodes at factor %s",
            shown(area.name),
            len(edges),
            len(nodes),
            area.factor,
        )
        for eid in edges:
            self.scale_edge(eid, area.factor)
        for nid in nodes:
            data = r.net.graph.nodes[nid]
            # a node without supply or limit has nothing to scale; its roads are scaled
            if (
                area.factor == 0
                or data.get("supply_m3_day") is not None
                or data.get("capacity_m3_day") is not None
            ):
                self.scale_node(nid, area.factor)

    def write_into(self, G: nx.MultiDiGraph, net: Network) -> None:
        """Apply the collected changes to ``G``, a copy of ``net.graph``."""
        for nid, value in self.supply.items():
            G.nodes[nid]["supply_m3_day"] = value
        for eid, factor in self.edge_factor.items():
            u, v = net.edge_endpoints(eid)
            G.edges[u, v, eid]["capacity_m3_day"] *= factor
        for nid, factor in self.node_factor.items():
            d = G.nodes[nid]
            if d.get("supply_m3_day") is not None:
                d["supply_m3_day"] *= factor
            if d.get("capacity_m3_day") is not None:
                d["capacity_m3_day"] *= factor
            elif factor == 0:
                d["capacity_m3_day"] = 0.0  # a blocked node passes nothing
        for eid, limit in self.edge_limit.items():
            u, v = net.edge_endpoints(eid)
            data = G.edges[u, v, eid]
            data["capacity_m3_day"] = min(data["capacity_m3_day"], limit)
        for nid, limit in self.node_limit.items():
            current = G.nodes[nid].get("capacity_m3_day")
            G.nodes[nid]["capacity_m3_day"] = limit if current is None else min(current, limit)

    def record(self, G: nx.MultiDiGraph, net: Network) -> list[dict[str, Any]]:
        """Every capacity or supply the scenario changed: before and after (m3/day)."""
        rows: list[dict[str, Any]] = []
        for eid in sorted(self.edge_factor.keys() | self.edge_limit):
            u, v = net.edge_endpoints(eid)
            before = net.graph.edges[u, v, eid]["capacity_m3_day"]
            after = G.edges[u, v, eid]["capacity_m3_day"]
            rows.append(
                {"element": eid, "type": "edge", "before_m3_day": before, "after_m3_day": after}
            )
        for nid in sorted(self.node_factor.keys() | self.node_limit.keys() | self.supply.keys()):
            old, new = net.graph.nodes[nid], G.nodes[nid]
            for key, kind in (("capacity_m3_day", "node"), ("supply_m3_day", "supply")):
                if new.get(key) is not None and new.get(key) != old.get(key):
                    before = old.get(key)
                    rows.append(
                        {
                            "element": nid,
                            "type": kind,
                            "before_m3_day": math.inf if before is None else before,
                            "after_m3_day": new[key],
                        }
                    )
        return rows


def collect_changes(r: Resolver, sc: CapacityOperations) -> CapacityChanges:
    """Every capacity change of ``sc`` (blocks, factors, limits, areas) on ``r.net``.

    ``sc`` is a :class:`Scenario` or one of its timed events (the same keys, the same
    meaning)."""
    changes = CapacityChanges()
    changes.collect_supply(r, getattr(sc, "supply_m3_day", {}))
    changes.collect_blocks(r, sc)
    changes.collect_table(r, sc.capacity_factors, "capacity_factors")
    changes.collect_table(r, sc.capacity_limits_m3_day, "capacity_limits_m3_day")
    for i, area in enumerate(sc.areas):
        changes.collect_area(r, area, i)
    return changes


def apply_scenario(sc: ScenarioOperations, net: Network, *, source: str = "") -> Network:
    """Return a new Network with ``sc`` applied (``net`` is unchanged).

    Raises
    ------
    ScenarioError
        A corridor, edge or node name not in the network, a corridor with no element of
        its own, a factor on a node with nothing to scale, or an area touching nothing.
    """
    r = Resolver(net, source)
    changes = collect_changes(r, sc)
    G = net.graph.copy()
    G.graph = dict(net.graph.graph)
    G.graph.update(sc.assumptions)
    G.graph["scenario"] = sc.name
    changes.write_into(G, net)
    for name, value in sc.demand.items():
        G.nodes[r.node(name, "demand")]["demand_m3_day"] = float(value)
    if sc.demand_factor != 1.0:
        for _, d in G.nodes(data=True):
            if d.get("demand_m3_day"):
                d["demand_m3_day"] *= sc.demand_factor
    for name, value in sc.stock_m3.items():
        G.nodes[r.node(name, "stock_m3")]["stock_m3"] = float(value)
    G.graph["scenario_changes"] = changes.record(G, net)
    return net.with_graph(G)
