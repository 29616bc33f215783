"""Scenarios: blockages, capacity factors, areas and demand changes, validated.

A :class:`Scenario` is a pydantic model read from TOML (:meth:`Scenario.from_file`) or
built in Python. :meth:`Scenario.apply` returns a **new** :class:`~supplynet.Network`;
the input network is never modified. Every name (corridor, edge, node) is checked against
the network, and an unknown one raises a one-line :class:`ScenarioError` naming the file,
the key, the bad value and the closest valid names.

Semantics
---------
``blocked_corridors``   every arc of the corridor gets capacity 0
``blocked_edges``       arc ids (``e`` or ``e_rev``) or road ids (both directions)
``blocked_nodes``       node ids or names: supply 0 and throughput 0 (a border post closed,
                        a port shut)
``capacity_factors``    ``{name: factor}``; name is a corridor, edge/road id or node. An edge
                        factor multiplies its ``capacity_m3_day``; a node factor multiplies
                        its supply and throughput limit (a node without a limit gets one:
                        ``factor`` times what its incoming roads and supply can bring)
``capacity_limits_m3_day``  ``{name: m3/day}``; caps a corridor's arcs, an edge, or a node's
                        throughput at an absolute figure (escorted convoys only, say);
                        the lower of the limit and the scaled capacity applies
``areas``               a circle (``center = [lon, lat]``, ``radius_km``) or a polygon
                        (``polygon = [[lon, lat], ...]`` or ``wkt``) with a ``factor``
                        (0 blocks) applied to the arcs crossing it and the nodes inside it
``demand``              ``{node: m3/day}`` replaces a node's demand
``demand_factor``       multiplies every demand (after ``demand``)
``assumptions``         overrides ``cost_per_m3_km`` or ``unmet_penalty_per_m3``

Factors combine by multiplication: an arc on a corridor at 0.5 inside an area at 0.5
keeps a quarter of its capacity.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pyproj import Geod
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from supplynet.errors import DataError, ScenarioError, closest
from supplynet.network import Network

__all__ = ["Area", "Scenario"]

logger = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")
_OVERRIDABLE = ("cost_per_m3_km", "unmet_penalty_per_m3")


class Area(BaseModel):
    """A region where capacities are scaled: a circle (point and radius) or a polygon."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "area"
    center: tuple[float, float] | None = Field(None, description="[lon, lat] in degrees")
    radius_km: float | None = Field(None, gt=0)
    polygon: list[tuple[float, float]] | None = Field(None, min_length=3)
    wkt: str | None = None
    factor: float = Field(0.0, ge=0, description="capacity multiplier; 0 blocks")

    @model_validator(mode="after")
    def _one_shape(self) -> Area:
        shapes = [
            self.center is not None or self.radius_km is not None,
            self.polygon is not None,
            self.wkt is not None,
        ]
        if sum(shapes) != 1:
            raise ValueError("give exactly one of center+radius_km, polygon or wkt")
        if shapes[0] and (self.center is None or self.radius_km is None):
            raise ValueError("a circle needs both center = [lon, lat] and radius_km")
        if self.center is not None:
            lon, lat = self.center
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"center {list(self.center)} is not [lon, lat] in degrees")
        if self.wkt is not None:
            try:
                geom = shapely_wkt.loads(self.wkt)
            except ShapelyError:
                raise ValueError("wkt is not valid WKT") from None
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"wkt must be a Polygon or MultiPolygon, got {geom.geom_type}")
        return self

    def geometry(self) -> BaseGeometry:
        """The area as a shapely geometry in lon/lat (a circle is a 128-gon, geodesic)."""
        if self.center is not None and self.radius_km is not None:
            lon, lat = self.center
            azimuths = [i * 360 / 128 for i in range(128)]
            lons, lats, _ = _GEOD.fwd(
                [lon] * 128, [lat] * 128, azimuths, [self.radius_km * 1000] * 128
            )
            return Polygon(zip(lons, lats, strict=True))
        if self.polygon is not None:
            return Polygon(self.polygon)
        return shapely_wkt.loads(str(self.wkt))


class Scenario(BaseModel):
    """A what-if: what is blocked or reduced, and demand changes.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> sc = sn.Scenario(name="no-senegal", blocked_corridors=["dakar-kayes"])
    >>> cut = sc.apply(net)
    >>> cut is net
    False
    >>> float(cut.edges.loc[cut.corridors["dakar-kayes"], "capacity_m3_day"].max())
    0.0
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "scenario"
    description: str = ""
    blocked_corridors: list[str] = Field(default_factory=list)
    blocked_edges: list[str] = Field(default_factory=list)
    blocked_nodes: list[str] = Field(default_factory=list)
    capacity_factors: dict[str, float] = Field(default_factory=dict)
    capacity_limits_m3_day: dict[str, float] = Field(default_factory=dict)
    areas: list[Area] = Field(default_factory=list)
    demand: dict[str, float] = Field(default_factory=dict)
    demand_factor: float = Field(1.0, ge=0)
    assumptions: dict[str, float] = Field(default_factory=dict)

    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _check_values(self) -> Scenario:
        for key, factor in self.capacity_factors.items():
            if not (factor >= 0 and math.isfinite(factor)):
                raise ValueError(f"capacity_factors[{key!r}] = {factor} must be >= 0")
        for key, limit in self.capacity_limits_m3_day.items():
            if not (limit >= 0 and math.isfinite(limit)):
                raise ValueError(f"capacity_limits_m3_day[{key!r}] = {limit} must be >= 0")
        for key, value in self.demand.items():
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"demand[{key!r}] = {value} must be >= 0")
        for key in self.assumptions:
            if key not in _OVERRIDABLE:
                raise ValueError(
                    f"assumptions: {key!r} cannot be overridden; allowed: {', '.join(_OVERRIDABLE)}"
                )
        return self

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read and validate a TOML scenario file.

        Raises
        ------
        ScenarioError
            One line naming the file, the key and the problem.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError(f"{path}: scenario file not found") from None
        except IsADirectoryError:
            raise ScenarioError(f"{path}: is a folder, not a scenario file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
        data.setdefault("name", path.stem)
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "") -> Scenario:
        """Validate a scenario given as a dict (as parsed from TOML or JSON)."""
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(_describe(exc, source, data)) from None
        scenario._source = source
        return scenario

    # ------------------------------------------------------------------ applying
    def apply(self, net: Network) -> Network:
        """Return a new Network with this scenario applied (``net`` is unchanged).

        Raises
        ------
        ScenarioError
            If a corridor, edge or node name is not in the network.
        """
        G = net.graph.copy()
        G.graph = dict(net.graph.graph)
        G.graph.update(self.assumptions)
        G.graph["scenario"] = self.name
        factors_edge: dict[str, float] = {}
        factors_node: dict[str, float] = {}

        def scale_edge(eid: str, f: float) -> None:
            factors_edge[eid] = factors_edge.get(eid, 1.0) * f

        def scale_node(nid: str, f: float) -> None:
            factors_node[nid] = factors_node.get(nid, 1.0) * f

        for corridor in self.blocked_corridors:
            for eid in self._corridor_edges(net, corridor, "blocked_corridors"):
                scale_edge(eid, 0.0)
        for name in self.blocked_edges:
            for eid in self._edge_ids(net, name, "blocked_edges"):
                scale_edge(eid, 0.0)
        for name in self.blocked_nodes:
            scale_node(self._node(net, name, "blocked_nodes"), 0.0)
        for name, factor in self.capacity_factors.items():
            kind, ids = self._resolve_any(net, name, "capacity_factors")
            for ident in ids:
                (scale_edge if kind == "edge" else scale_node)(ident, factor)
        limits_edge: dict[str, float] = {}
        limits_node: dict[str, float] = {}
        for name, limit in self.capacity_limits_m3_day.items():
            kind, ids = self._resolve_any(net, name, "capacity_limits_m3_day")
            target = limits_edge if kind == "edge" else limits_node
            for ident in ids:
                target[ident] = min(limit, target.get(ident, math.inf))
        for area in self.areas:
            edges, nodes = _inside(net, area.geometry())
            logger.info(
                "Area %r: %d arcs, %d nodes at factor %s",
                area.name,
                len(edges),
                len(nodes),
                area.factor,
            )
            for eid in edges:
                scale_edge(eid, area.factor)
            for nid in nodes:
                scale_node(nid, area.factor)

        for eid, f in factors_edge.items():
            u, v = net.edge_endpoints(eid)
            G.edges[u, v, eid]["capacity_m3_day"] *= f
        for nid, f in factors_node.items():
            _scale_node(G, net.graph, nid, f)
        for eid, limit in limits_edge.items():
            u, v = net.edge_endpoints(eid)
            data = G.edges[u, v, eid]
            data["capacity_m3_day"] = min(data["capacity_m3_day"], limit)
        for nid, limit in limits_node.items():
            current = G.nodes[nid].get("capacity_m3_day")
            G.nodes[nid]["capacity_m3_day"] = limit if current is None else min(current, limit)
        for name, value in self.demand.items():
            G.nodes[self._node(net, name, "demand")]["demand_m3_day"] = float(value)
        if self.demand_factor != 1.0:
            for _, d in G.nodes(data=True):
                if d.get("demand_m3_day"):
                    d["demand_m3_day"] *= self.demand_factor
        G.graph["scenario_changes"] = {
            "arcs_changed": len(factors_edge.keys() | limits_edge),
            "nodes_changed": len(factors_node.keys() | limits_node),
        }
        return net.with_graph(G)

    # ------------------------------------------------------------------ name look-ups
    def _fail(self, key: str, value: str, what: str, choices: Iterable[str]) -> ScenarioError:
        where = f"{self._source}: " if self._source else ""
        return ScenarioError(f"{where}{key}: unknown {what} {value!r}; {closest(value, choices)}")

    def _corridor_edges(self, net: Network, name: str, key: str) -> list[str]:
        if name not in net.corridors:
            raise self._fail(key, name, "corridor", net.corridors)
        return net.corridors[name]

    def _edge_ids(self, net: Network, name: str, key: str) -> list[str]:
        arcs = net.edges
        by_road = arcs.index[arcs["road_id"] == name].tolist()
        if by_road:  # a road id names both directions
            return by_road
        if name in arcs.index:
            return [name]
        raise self._fail(key, name, "edge", list(arcs.index))

    def _node(self, net: Network, name: str, key: str) -> str:
        try:
            return net.node_id(name)
        except DataError:
            names = list(net.nodes.index) + list(net.nodes["name"])
            raise self._fail(key, name, "node", names) from None

    def _resolve_any(self, net: Network, name: str, key: str) -> tuple[str, list[str]]:
        if name in net.corridors:
            return "edge", net.corridors[name]
        arcs = net.edges
        if name in arcs.index or (arcs["road_id"] == name).any():
            return "edge", self._edge_ids(net, name, key)
        try:
            return "node", [net.node_id(name)]
        except DataError:
            choices = [*net.corridors, *arcs["road_id"].unique(), *net.nodes.index]
            raise self._fail(key, name, "corridor, edge or node", choices) from None


def _inside(net: Network, area: BaseGeometry) -> tuple[list[str], list[str]]:
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


def _scale_node(G: nx.MultiDiGraph, original: nx.MultiDiGraph, nid: str, factor: float) -> None:
    d = G.nodes[nid]
    if d.get("supply_m3_day") is not None:
        d["supply_m3_day"] *= factor
    if d.get("capacity_m3_day") is not None:
        d["capacity_m3_day"] *= factor
    else:
        reach = sum(a["capacity_m3_day"] for _, _, a in original.in_edges(nid, data=True))
        d["capacity_m3_day"] = factor * (reach + float(d.get("supply_m3_day") or 0.0))


def _describe(exc: ValidationError, source: str, data: dict[str, Any]) -> str:
    """One line from a pydantic error: file, key, bad value, allowed keys."""
    where = f"{source}: " if source else ""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        bad = str(first["loc"][-1])
        allowed = (Area if "areas" in first["loc"] else Scenario).model_fields
        return f"{where}unknown key {bad!r}; {closest(bad, allowed)}"
    value = first.get("input")
    shown = "" if isinstance(value, dict) or value is data else f" = {value!r}"
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    msg = first["msg"].removeprefix("Value error, ")
    if not loc or isinstance(value, dict):
        return f"{where}{(loc + ': ') if loc else ''}{msg}{more}"
    return f"{where}{loc}{shown}: {msg}{more}"
