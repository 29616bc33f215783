"""The project's network schema, and turning node/edge tables into a graph and back.

Schema
------
Nodes (``nodes.csv``, one row per place; graph node key = ``node_id``):

``node_id``              lowercase id, ``[a-z0-9_]``
``name``                 display name (``"Ségou"``)
``kind``                 ``port | border | depot | demand | town | junction``
``country``              ISO3 code(s)
``lon``, ``lat``         WGS84 degrees
``supply_m3_day``        fuel per day available for Mali (ports, land supply points)
``capacity_m3_day``      throughput limit where the node limits it (or ``capacity_trucks_day``
                         in the file, times the ``tanker_m3`` assumption); empty = unlimited
``demand_m3_day``        daily demand (depots and demand nodes)
``stock_m3``             stock or storage where known
``cost_per_m3``          cost of passing the node (border fees, loading), in the currency
                         of the assumptions

Edges (``edges.csv``, one row per road segment; the graph holds two arcs, ``edge_id`` for
``u -> v`` and ``edge_id + "_rev"`` for ``v -> u``, unless ``oneway`` is true):

``edge_id``, ``u``, ``v``, ``length_km``, ``travel_time_h``, ``ref``, ``highway``,
``surface``, ``lanes``, ``countries``, ``corridors`` (``;``-separated names),
``capacity_m3_day`` (optional in the file: derived from the road capacity table by
``highway`` and ``surface`` when absent), ``geometry`` (optional WKT LineString; default
the straight line between the end nodes), ``osm_way_ids`` (optional).

Every arc in the graph carries ``edge_id`` (its own id), ``road_id`` (the file row's id),
and the attributes above; ``corridors`` is a tuple of names. Graph-level attributes hold the
scalar assumptions the LPs use (``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``,
``currency``) and the data attribution.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import LineString

from supplynet.errors import DataError, closest

if TYPE_CHECKING:
    from supplynet.network import Network

__all__ = [
    "EDGE_COLUMNS",
    "GRAPH_ASSUMPTIONS",
    "ID_PATTERN",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "NUMERIC_NODE_COLUMNS",
    "OSM_ATTRIBUTION",
    "REVERSE_SUFFIX",
    "add_edges",
    "add_nodes",
    "finite_nonneg",
    "iter_node_rows",
    "resolve_graph_assumptions",
    "roads_table",
]

NODE_KINDS = ("port", "border", "depot", "demand", "town", "junction")
REVERSE_SUFFIX = "_rev"
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
NODE_COLUMNS = (
    "name",
    "kind",
    "country",
    "lon",
    "lat",
    "supply_m3_day",
    "capacity_m3_day",
    "demand_m3_day",
    "stock_m3",
    "cost_per_m3",
)
EDGE_COLUMNS = (
    "u",
    "v",
    "road_id",
    "length_km",
    "travel_time_h",
    "capacity_m3_day",
    "ref",
    "highway",
    "surface",
    "lanes",
    "countries",
    "corridors",
)
NUMERIC_NODE_COLUMNS = (
    "supply_m3_day",
    "capacity_m3_day",
    "demand_m3_day",
    "stock_m3",
    "cost_per_m3",
)
GRAPH_ASSUMPTIONS = ("tanker_m3", "cost_per_m3_km", "unmet_penalty_per_m3", "currency")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:]+$")


def resolve_graph_assumptions(
    overrides: Mapping[str, Any] | None = None, *, source: str = "", strict_keys: bool = False
) -> dict[str, Any]:
    """The scalar assumptions a network graph carries, checked.

    ``overrides`` replace the embedded ``assumptions.csv`` values of
    :data:`GRAPH_ASSUMPTIONS` (``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``,
    ``currency``). With ``strict_keys`` any other key is an error.

    Raises
    ------
    DataError
        A value that is not a finite number, a tanker size or penalty that is not
        positive, a negative cost, or (``strict_keys``) an unknown key; naming ``source``.

    Examples
    --------
    >>> resolve_graph_assumptions({"tanker_m3": 36})["tanker_m3"]
    36.0
    """
    from supplynet.assumptions import load_assumptions

    where = source or "assumptions"
    merged: dict[str, Any] = dict(overrides or {})
    if strict_keys:
        for key in merged:
            if key not in GRAPH_ASSUMPTIONS:
                raise DataError(
                    f"{where}: assumption {key!r} cannot be set here; "
                    f"{closest(key, GRAPH_ASSUMPTIONS)}"
                )
    if any(k not in merged for k in GRAPH_ASSUMPTIONS):
        base = load_assumptions()
        merged = {**{k: base.get_text(k) for k in GRAPH_ASSUMPTIONS}, **merged}
    out: dict[str, Any] = {
        k: (str(v) if k == "currency" else _number(v, f"{where}: {k}")) for k, v in merged.items()
    }
    for k in ("tanker_m3", "unmet_penalty_per_m3"):
        if not out[k] > 0:
            raise DataError(f"{where}: {k} must be > 0, got {out[k]}")
    if out["cost_per_m3_km"] < 0:
        raise DataError(f"{where}: cost_per_m3_km must be >= 0, got {out['cost_per_m3_km']}")
    return out


def finite_nonneg(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _records(df: pd.DataFrame, id_col: str, where: str) -> list[dict[str, Any]]:
    if df.empty:
        return []
    if id_col not in df.columns and df.index.name == id_col:
        df = df.reset_index()
    if id_col not in df.columns:
        raise DataError(f"{where}missing column {id_col!r}")
    df = df.astype(object).where(pd.notna(df), None)
    return [{str(k): v for k, v in rec.items()} for rec in df.to_dict("records")]


def _number(value: Any, what: str) -> float | None:
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise DataError(f"{what}: {value!r} is not a finite number")
    return number


def add_nodes(G: nx.MultiDiGraph, nodes: pd.DataFrame, tanker_m3: float, where: str) -> None:
    for row in _records(nodes, "node_id", where):
        nid = str(row["node_id"]).strip()
        if nid in G:
            raise DataError(f"{where}nodes: duplicate node_id {nid!r}")
        attrs: dict[str, Any] = {
            "name": str(row.get("name") or nid),
            "kind": row.get("kind"),
            "country": row.get("country") or "",
            "lon": _number(row.get("lon"), f"{where}node {nid!r} lon"),
            "lat": _number(row.get("lat"), f"{where}node {nid!r} lat"),
        }
        for col in NUMERIC_NODE_COLUMNS:
            value = _number(row.get(col), f"{where}node {nid!r} {col}")
            if value is not None:
                attrs[col] = value
        trucks = _number(row.get("capacity_trucks_day"), f"{where}node {nid!r} capacity_trucks_day")
        if "capacity_m3_day" not in attrs and trucks is not None:
            attrs["capacity_m3_day"] = trucks * tanker_m3
            attrs["capacity_trucks_day"] = trucks
        if attrs["lon"] is None or attrs["lat"] is None:
            raise DataError(f"{where}node {nid!r}: lon/lat missing")
        G.add_node(nid, **attrs)


def _edge_geometry(G: nx.MultiDiGraph, u: str, v: str, text: Any, what: str) -> LineString:
    if not _blank(text):
        try:
            geom = shapely_wkt.loads(str(text))
        except ShapelyError:
            raise DataError(f"{what}: geometry is not valid WKT") from None
        if not isinstance(geom, LineString):
            raise DataError(f"{what}: geometry must be a LineString, got {geom.geom_type}")
        return geom
    return LineString(
        [(G.nodes[u]["lon"], G.nodes[u]["lat"]), (G.nodes[v]["lon"], G.nodes[v]["lat"])]
    )


def _split(text: Any) -> tuple[str, ...]:
    if _blank(text):
        return ()
    return tuple(part.strip() for part in str(text).split(";") if part.strip())


def add_edges(G: nx.MultiDiGraph, edges: pd.DataFrame, capacity_table: Any, where: str) -> None:
    seen: set[str] = set()
    for row in _records(edges, "edge_id", where):
        eid = str(row["edge_id"]).strip()
        what = f"{where}edge {eid!r}"
        if eid in seen or eid + REVERSE_SUFFIX in seen:
            raise DataError(
                f"{what}: duplicate edge_id (or it clashes with the reverse arc "
                f"of another edge, which is named edge_id + {REVERSE_SUFFIX!r})"
            )
        seen.update((eid, eid + REVERSE_SUFFIX))
        u, v = str(row.get("u")), str(row.get("v"))
        for end in (u, v):
            if end not in G:
                raise DataError(f"{what}: unknown node {end!r}; {closest(end, map(str, G))}")
        length = _number(row.get("length_km"), f"{what} length_km")
        if length is None:
            raise DataError(f"{what}: length_km is missing")
        highway = str(row.get("highway") or "")
        surface = str(row.get("surface") or "paved")
        capacity = _number(row.get("capacity_m3_day"), f"{what} capacity_m3_day")
        time_h = _number(row.get("travel_time_h"), f"{what} travel_time_h")
        if capacity is None or time_h is None:
            if capacity_table is None:
                from supplynet.capacity import load_capacity_table

                capacity_table = load_capacity_table(tanker_m3=G.graph["tanker_m3"])
            road = capacity_table.lookup(
                highway,
                surface,
                smoothness=None if _blank(row.get("smoothness")) else row["smoothness"],
                tracktype=None if _blank(row.get("tracktype")) else row["tracktype"],
                what=what,
            )
            capacity = road.capacity_m3_day if capacity is None else capacity
            time_h = length / road.speed_kmh if time_h is None else time_h
        attrs: dict[str, Any] = {
            "road_id": eid,
            "length_km": length,
            "travel_time_h": time_h,
            "capacity_m3_day": capacity,
            "ref": "" if _blank(row.get("ref")) else str(row["ref"]),
            "highway": highway,
            "surface": surface,
            "lanes": _number(row.get("lanes"), f"{what} lanes"),
            "countries": "" if _blank(row.get("countries")) else str(row["countries"]),
            "corridors": _split(row.get("corridors")),
            "geometry": _edge_geometry(G, u, v, row.get("geometry"), what),
        }
        if not _blank(row.get("osm_way_ids")):
            attrs["osm_way_ids"] = str(row["osm_way_ids"])
        toll = _number(row.get("toll_per_m3"), f"{what} toll_per_m3")
        if toll is not None:
            attrs["toll_per_m3"] = toll
        G.add_edge(u, v, key=eid, edge_id=eid, direction="fwd", **attrs)
        if str(row.get("oneway", "")).strip().lower() not in ("true", "1", "yes"):
            rev = eid + REVERSE_SUFFIX
            rev_attrs = {**attrs, "geometry": LineString(attrs["geometry"].coords[::-1])}
            G.add_edge(v, u, key=rev, edge_id=rev, direction="rev", **rev_attrs)


def roads_table(net: Network) -> pd.DataFrame:
    """One row per road segment (forward arcs), for saving in the project's schema."""
    rows = []
    road_ids = {d["road_id"] for _, _, d in net.graph.edges(data=True)}
    arcs_of: dict[str, list[tuple[Any, Any, dict[str, Any]]]] = {r: [] for r in road_ids}
    for u, v, d in net.graph.edges(data=True):
        arcs_of[d["road_id"]].append((u, v, d))
    for road_id in sorted(road_ids):
        arcs = sorted(arcs_of[road_id], key=lambda a: a[2].get("direction") != "fwd")
        u, v, d = arcs[0]
        row = {c: d.get(c) for c in EDGE_COLUMNS if c not in ("u", "v", "road_id")}
        row.update(
            edge_id=road_id,
            u=u,
            v=v,
            corridors=";".join(d.get("corridors", ())),
            oneway=len(arcs) == 1,
            geometry=d["geometry"].wkt,
            osm_way_ids=d.get("osm_way_ids", ""),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def iter_node_rows(net: Network) -> Iterable[dict[str, Any]]:
    """Node rows in the project's schema (capacity in m3/day), for saving."""
    for n, d in net.graph.nodes(data=True):
        yield {"node_id": n, **{c: d.get(c) for c in NODE_COLUMNS}}
