"""Scenarios: blockages, capacity factors, areas and demand changes, validated.

A :class:`Scenario` is a pydantic model read from TOML (:meth:`Scenario.from_file`) or
built in Python. :meth:`Scenario.apply` returns a **new** :class:`~supplynet.Network`;
the input network is never modified. Every name (corridor, edge, node) is checked against
the network, and an unknown one raises a one-line :class:`ScenarioError` naming the file,
the key, the bad value and the closest valid names.

Semantics
---------
``blocked_corridors``   the corridors' own elements get capacity 0 (see below)
``blocked_edges``       arc ids (``e`` or ``e_rev``) or road ids (both directions)
``blocked_nodes``       node ids or names: supply 0 and throughput 0 (a border post closed,
                        a port shut)
``capacity_factors``    ``{name: factor}``; name is a corridor, edge/road id or node. An edge
                        factor multiplies its ``capacity_m3_day``; a node factor multiplies
                        its supply and throughput limit (a factor other than 0 on a node
                        that has neither is an error: there is nothing to scale)
``capacity_limits_m3_day``  ``{name: m3/day}``; caps a corridor's own elements, an edge, or
                        a node's throughput at an absolute figure (escorted convoys only,
                        say); the lower of the limit and the scaled capacity applies
``areas``               a circle (``center = [lon, lat]``, ``radius_km``) or a polygon
                        (``polygon = [[lon, lat], ...]`` or ``wkt``) with a ``factor``
                        (0 blocks) applied to the arcs crossing it and to the supply and
                        limits of the nodes inside it (factor 0 closes every node inside);
                        an area that touches nothing is an error (swapped lon/lat)
``demand``              ``{node: m3/day}`` replaces a node's demand
``demand_factor``       multiplies every demand (after ``demand``)
``stock_m3``            ``{node: m3}`` replaces a node's stock (for the days it covers)
``assumptions``         overrides ``cost_per_m3_km`` or ``unmet_penalty_per_m3``

Corridors share trunk roads (Dakar–Tambacounda serves both Dakar corridors, Kati–Bamako
three). An operation on corridors acts on their **own elements**: the roads and border
posts that no other corridor uses, counting the corridors named together in the same key
as one (:meth:`Network.corridor_elements`). Blocking ``dakar-kita`` closes the
Tambacounda–Kédougou–Moussala–Kita road and the Moussala post and leaves Dakar's fuel the
Kidira route; blocking both Dakar corridors also closes Dakar–Tambacounda. A corridor with
no element of its own is an error naming the corridors it shares with.

Road capacities are far above fuel flows (the calibration puts the binding limits at
port loading and border posts, see ``data/SOURCES.md``), so a factor on a road alone
rarely changes the answer; to model "this corridor passes at most N tankers a day" use
``capacity_limits_m3_day`` on the corridor or its border post.

Factors combine by multiplication: an arc on a corridor at 0.5 inside an area at 0.5
keeps a quarter of its capacity.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from pyproj import Geod
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from supplynet.errors import DataError, ScenarioError, closest
from supplynet.network import Network, node_corridors

__all__ = ["Area", "Scenario"]

logger = logging.getLogger(__name__)

_GEOD = Geod(ellps="WGS84")

#: a finite number >= 0 (booleans and strings are refused, integers accepted)
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]
_OVERRIDABLE = ("cost_per_m3_km", "unmet_penalty_per_m3")


class Area(BaseModel):
    """A region where capacities are scaled: a circle (point and radius) or a polygon."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "area"
    center: tuple[Lon, Lat] | None = Field(None, description="[lon, lat] in degrees")
    radius_km: float | None = Field(None, gt=0, le=5000, allow_inf_nan=False)
    polygon: list[tuple[Lon, Lat]] | None = Field(None, min_length=3)
    wkt: str | None = None
    factor: NonNegative = Field(0.0, description="capacity multiplier; 0 blocks")

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
        if self.polygon is not None and not Polygon(self.polygon).is_valid:
            raise ValueError("polygon is not valid (self-intersecting or degenerate ring)")
        if self.wkt is not None:
            try:
                geom = shapely_wkt.loads(self.wkt)
            except ShapelyError:
                raise ValueError("wkt is not valid WKT") from None
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"wkt must be a Polygon or MultiPolygon, got {geom.geom_type}")
            if not geom.is_valid:
                raise ValueError("wkt polygon is not valid (self-intersecting or degenerate)")
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
    >>> sc = sn.Scenario(name="no-kidira", blocked_corridors=["dakar-kayes"])
    >>> cut = sc.apply(net)
    >>> cut is net
    False
    >>> float(cut.edges.loc["kidira_diboli_kayes", "capacity_m3_day"])
    0.0
    >>> float(cut.edges.loc["dakar_fatick", "capacity_m3_day"]) > 0  # shared with dakar-kita
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "scenario"
    description: str = ""
    blocked_corridors: list[str] = Field(default_factory=list)
    blocked_edges: list[str] = Field(default_factory=list)
    blocked_nodes: list[str] = Field(default_factory=list)
    capacity_factors: dict[str, NonNegative] = Field(default_factory=dict)
    capacity_limits_m3_day: dict[str, NonNegative] = Field(default_factory=dict)
    areas: list[Area] = Field(default_factory=list)
    demand: dict[str, NonNegative] = Field(default_factory=dict)
    demand_factor: NonNegative = 1.0
    stock_m3: dict[str, NonNegative] = Field(default_factory=dict)
    assumptions: dict[str, NonNegative] = Field(default_factory=dict)

    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _check_values(self) -> Scenario:
        for key in self.assumptions:
            if key not in _OVERRIDABLE:
                raise ValueError(
                    f"assumptions: {key!r} cannot be overridden; allowed: {', '.join(_OVERRIDABLE)}"
                )
        if self.assumptions.get("unmet_penalty_per_m3", 1.0) <= 0:
            raise ValueError("assumptions: unmet_penalty_per_m3 must be > 0")
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
            If a corridor, edge or node name is not in the network, a corridor has no
            element of its own, a factor targets a node with nothing to scale, or an area
            touches nothing.
        """
        changes = _Changes()
        self._collect_blocks(net, changes)
        self._collect_table(net, changes, self.capacity_factors, "capacity_factors")
        self._collect_table(net, changes, self.capacity_limits_m3_day, "capacity_limits_m3_day")
        for i, area in enumerate(self.areas):
            self._collect_area(net, changes, area, i)

        G = net.graph.copy()
        G.graph = dict(net.graph.graph)
        G.graph.update(self.assumptions)
        G.graph["scenario"] = self.name
        changes.write_into(G, net)
        for name, value in self.demand.items():
            G.nodes[self._node(net, name, "demand")]["demand_m3_day"] = float(value)
        if self.demand_factor != 1.0:
            for _, d in G.nodes(data=True):
                if d.get("demand_m3_day"):
                    d["demand_m3_day"] *= self.demand_factor
        for name, value in self.stock_m3.items():
            G.nodes[self._node(net, name, "stock_m3")]["stock_m3"] = float(value)
        G.graph["scenario_changes"] = changes.record(G, net)
        return net.with_graph(G)

    def _collect_blocks(self, net: Network, changes: _Changes) -> None:
        if self.blocked_corridors:
            arcs, posts = self._corridor_elements(net, self.blocked_corridors, "blocked_corridors")
            for eid in arcs:
                changes.scale_edge(eid, 0.0)
            for nid in posts:
                changes.scale_node(nid, 0.0)
        for name in self.blocked_edges:
            for eid in self._edge_ids(net, name, "blocked_edges"):
                changes.scale_edge(eid, 0.0)
        for name in self.blocked_nodes:
            changes.scale_node(self._node(net, name, "blocked_nodes"), 0.0)

    def _collect_table(
        self, net: Network, changes: _Changes, table: dict[str, float], key: str
    ) -> None:
        """Factors (``capacity_factors``) or limits (``capacity_limits_m3_day``)."""
        is_factor = key == "capacity_factors"
        on_edge = changes.scale_edge if is_factor else changes.limit_edge
        on_node = changes.scale_node if is_factor else changes.limit_node
        corridors = {name: value for name, value in table.items() if name in net.corridors}
        if corridors:
            arcs, posts = self._corridor_elements(net, list(corridors), key)
            for eid in arcs:
                # a road shared by several named corridors takes the most restrictive value
                on_edge(eid, min(corridors[c] for c in net.edge_data(eid)["corridors"]))
            for nid in posts:
                on_node(nid, min(corridors[c] for c in node_corridors(net, nid)))
        for name, value in table.items():
            if name in corridors:
                continue
            kind, ids = self._resolve_any(net, name, key)
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
                    raise self._error(
                        f"{key}: node {ident!r} has no supply or throughput limit to scale; "
                        "give it a limit in capacity_limits_m3_day, or block it"
                    )
                on_node(ident, value)

    def _collect_area(self, net: Network, changes: _Changes, area: Area, index: int) -> None:
        edges, nodes = _inside(net, area.geometry())
        if not edges and not nodes:
            raise self._error(
                f"areas.{index} ({area.name!r}): touches no node or road of the network "
                "(coordinates are [lon, lat], in that order)"
            )
        logger.info(
            "Area %r: %d arcs, %d nodes at factor %s",
            area.name,
            len(edges),
            len(nodes),
            area.factor,
        )
        for eid in edges:
            changes.scale_edge(eid, area.factor)
        for nid in nodes:
            data = net.graph.nodes[nid]
            # a node without supply or limit has nothing to scale; its roads are scaled
            if (
                area.factor == 0
                or data.get("supply_m3_day") is not None
                or data.get("capacity_m3_day") is not None
            ):
                changes.scale_node(nid, area.factor)

    # ------------------------------------------------------------------ name look-ups
    def _error(self, message: str) -> ScenarioError:
        where = f"{self._source}: " if self._source else ""
        return ScenarioError(f"{where}{message}")

    def _fail(self, key: str, value: str, what: str, choices: Iterable[str]) -> ScenarioError:
        return self._error(f"{key}: unknown {what} {value!r}; {closest(value, choices)}")

    def _corridor_elements(
        self, net: Network, names: list[str], key: str
    ) -> tuple[list[str], list[str]]:
        for name in names:
            if name not in net.corridors:
                raise self._fail(key, name, "corridor", net.corridors)
        arcs, posts = net.corridor_elements(names)
        for name in names:
            if not any(name in net.edge_data(e)["corridors"] for e in arcs):
                sharing = sorted(
                    {c for e in net.corridors[name] for c in net.edge_data(e)["corridors"]} - {name}
                )
                raise self._error(
                    f"{key}: corridor {name!r} has no road of its own (every segment is "
                    f"shared with {', '.join(map(repr, sharing))}); name those corridors "
                    "too, or act on its border post or roads"
                )
        return arcs, posts

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


class _Changes:
    """Capacity changes collected from a scenario, applied in one pass.

    Factors multiply (a road on a corridor at 0.5 inside an area at 0.5 keeps a quarter);
    limits cap the scaled capacity (the lowest limit wins).
    """

    def __init__(self) -> None:
        self.edge_factor: dict[str, float] = {}
        self.node_factor: dict[str, float] = {}
        self.edge_limit: dict[str, float] = {}
        self.node_limit: dict[str, float] = {}

    def scale_edge(self, eid: str, factor: float) -> None:
        self.edge_factor[eid] = self.edge_factor.get(eid, 1.0) * factor

    def scale_node(self, nid: str, factor: float) -> None:
        self.node_factor[nid] = self.node_factor.get(nid, 1.0) * factor

    def limit_edge(self, eid: str, limit: float) -> None:
        self.edge_limit[eid] = min(limit, self.edge_limit.get(eid, math.inf))

    def limit_node(self, nid: str, limit: float) -> None:
        self.node_limit[nid] = min(limit, self.node_limit.get(nid, math.inf))

    def write_into(self, G: nx.MultiDiGraph, net: Network) -> None:
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
        for nid in sorted(self.node_factor.keys() | self.node_limit):
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
