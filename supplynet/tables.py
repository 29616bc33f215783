"""Node and road tables to a network graph and back, losslessly.

:func:`graph_from_tables` reads tables in the schema of :mod:`supplynet.schema` (the
embedded CSV files, a user's tables, a saved network) into a ``networkx.MultiDiGraph``;
:func:`tables_from_graph` writes a graph back as such tables, so that reading them gives
the same graph: every node and arc attribute, per direction, and the graph's attributes.

Numeric columns hold floats; a :class:`NetworkTables` records the type of every other
(extra) column in ``kinds`` (:mod:`supplynet.columns`), which the file formats store and
apply again on reading.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import LineString

from supplynet.capacity import CapacityTable, load_capacity_table
from supplynet.columns import encode_column, floats, jsonable, kind_of
from supplynet.errors import DataError, closest
from supplynet.schema import (
    ARC_NUMBER_COLUMNS,
    ARC_TEXT_COLUMNS,
    GRAPH_ASSUMPTIONS,
    NODE_COLUMNS,
    NUMERIC_NODE_COLUMNS,
    REVERSE_SUFFIX,
    ROAD_ROW_COLUMNS,
    check_columns,
    is_blank,
    parse_number,
)
from supplynet.text_tables import TextTable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NetworkTables", "graph_from_tables", "tables_from_graph"]

logger = logging.getLogger(__name__)

_NODE_NUMBERS = ("lon", "lat", *NUMERIC_NODE_COLUMNS, "capacity_trucks_day")
_NODE_KNOWN = {"node_id", *NODE_COLUMNS, "capacity_trucks_day"}
_ARC_KNOWN = {*ROAD_ROW_COLUMNS, *ARC_NUMBER_COLUMNS, *ARC_TEXT_COLUMNS, "corridors"}
# arc attributes that are not columns of a road row (the row's own columns carry them)
_ARC_IDS = ("edge_id", "road_id", "direction", "geometry")


@dataclass(frozen=True)
class NetworkTables:
    """A network as files hold it: node rows, road rows and the graph's attributes.

    Attributes
    ----------
    nodes : DataFrame or TextTable
        One row per node, ``node_id`` first (a :class:`~supplynet.text_tables.TextTable`
        when read from a CSV folder).
    edges : DataFrame or TextTable
        One row per road (or per arc where a row cannot describe both), ``edge_id``
        first, ``geometry`` as shapely LineStrings (or WKT text, or empty).
    name : str or None
        The network's name.
    assumptions : dict or None
        Values of :data:`~supplynet.schema.GRAPH_ASSUMPTIONS`; ``None``: the embedded ones.
    graph : dict
        The other graph attributes (name, attribution, a builder's records), JSON values.
    kinds : dict
        ``{"nodes": {column: kind}, "edges": {column: kind}}`` for the extra columns.
    """

    nodes: pd.DataFrame | TextTable
    edges: pd.DataFrame | TextTable
    name: str | None = None
    assumptions: dict[str, Any] | None = None
    graph: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)


# ---------------------------------------------------------------------- tables -> graph
def graph_from_tables(
    nodes: pd.DataFrame | TextTable,
    edges: pd.DataFrame | TextTable,
    *,
    graph_attrs: Mapping[str, Any],
    capacity_table: CapacityTable | None = None,
    source: str = "",
) -> nx.MultiDiGraph:
    """Build the graph of a node table and a road table (schema: :mod:`supplynet.schema`).

    ``graph_attrs`` become the graph's attributes (``tanker_m3`` among them: node
    capacities given in trucks per day and the road capacity table use it).
    ``capacity_table`` fills capacities and travel times a road row leaves empty (default
    the embedded table, loaded only when needed). Errors name ``source``.

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"node_id": ["a", "b"], "kind": ["port", "depot"],
    ...                       "lon": [0, 1], "lat": [0, 0]})
    >>> edges = pd.DataFrame({"edge_id": ["ab"], "u": ["a"], "v": ["b"], "length_km": [90],
    ...                       "capacity_m3_day": [200], "capacity_m3_day_rev": [100],
    ...                       "travel_time_h": [1.5]})
    >>> G = graph_from_tables(nodes, edges, graph_attrs={"tanker_m3": 40.0})
    >>> [(u, v, d["capacity_m3_day"]) for u, v, d in G.edges(data=True)]
    [('a', 'b', 200.0), ('b', 'a', 100.0)]
    """
    where = f"{source}: " if source else ""
    check_columns(nodes, "node", f"{where}nodes")
    check_columns(edges, "edge", f"{where}edges")
    G = nx.MultiDiGraph(**graph_attrs)
    _add_nodes(G, nodes, where)
    _add_edges(G, edges, capacity_table, where)
    return G


def _records(df: pd.DataFrame | TextTable, id_col: str) -> list[dict[str, Any]]:
    if isinstance(df, TextTable):
        return [dict(row) for row in df.rows]
    import pandas as pd

    if df.empty:
        return []
    if id_col not in df.columns and df.index.name == id_col:
        df = df.reset_index()
    df = df.astype(object).where(pd.notna(df), None)
    return [{str(k): v for k, v in rec.items()} for rec in df.to_dict("records")]


def _text(value: Any, default: str = "") -> str:
    return default if is_blank(value) else str(value)


def _extras(row: Mapping[str, Any], known: set[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in known and not is_blank(v)}


def _add_nodes(G: nx.MultiDiGraph, nodes: pd.DataFrame | TextTable, where: str) -> None:
    tanker_m3 = float(G.graph["tanker_m3"])
    for row in _records(nodes, "node_id"):
        nid = str(row["node_id"]).strip()
        if nid in G:
            raise DataError(f"{where}nodes: duplicate node_id {nid!r}")
        numbers_ = {c: parse_number(row.get(c), f"{where}node {nid!r} {c}") for c in _NODE_NUMBERS}
        if numbers_["lon"] is None or numbers_["lat"] is None:
            raise DataError(f"{where}node {nid!r}: lon/lat missing")
        attrs: dict[str, Any] = {
            "name": _text(row.get("name"), nid),
            "kind": None if is_blank(row.get("kind")) else str(row["kind"]),
            "country": _text(row.get("country")),
            "lon": numbers_["lon"],
            "lat": numbers_["lat"],
        }
        for col in NUMERIC_NODE_COLUMNS:
            if numbers_[col] is not None:
                attrs[col] = numbers_[col]
        trucks = numbers_["capacity_trucks_day"]
        if trucks is not None:
            attrs["capacity_trucks_day"] = trucks
            attrs.setdefault("capacity_m3_day", trucks * tanker_m3)
        attrs.update(_extras(row, _NODE_KNOWN))
        G.add_node(nid, **attrs)


def _edge_geometry(G: nx.MultiDiGraph, u: str, v: str, value: Any, what: str) -> LineString:
    if isinstance(value, LineString):
        return value
    if not is_blank(value):
        try:
            geom = shapely_wkt.loads(str(value))
        except ShapelyError:
            raise DataError(f"{what}: geometry is not valid WKT") from None
        if not isinstance(geom, LineString):
            raise DataError(f"{what}: geometry must be a LineString, got {geom.geom_type}")
        return geom
    return LineString(
        [(G.nodes[u]["lon"], G.nodes[u]["lat"]), (G.nodes[v]["lon"], G.nodes[v]["lat"])]
    )


def _split(text: Any) -> tuple[str, ...]:
    if is_blank(text):
        return ()
    return tuple(part.strip() for part in str(text).split(";") if part.strip())


def _truthy(value: Any) -> bool:
    return not is_blank(value) and str(value).strip().lower() in ("true", "1", "1.0", "yes")


class _Capacities:
    """The road capacity table, loaded the first time a row needs it."""

    def __init__(self, table: CapacityTable | None, tanker_m3: float) -> None:
        self._table, self._tanker_m3 = table, tanker_m3

    def lookup(self, row: Mapping[str, Any], what: str) -> tuple[float, float]:
        if self._table is None:
            self._table = load_capacity_table(tanker_m3=self._tanker_m3)
        road = self._table.lookup(
            _text(row.get("highway")),
            _text(row.get("surface"), "paved"),
            smoothness=None if is_blank(row.get("smoothness")) else row["smoothness"],
            tracktype=None if is_blank(row.get("tracktype")) else row["tracktype"],
            what=what,
        )
        return road.capacity_m3_day, road.speed_kmh


def _arc_attrs(row: Mapping[str, Any], capacities: _Capacities, what: str) -> dict[str, Any]:
    """The attributes of one arc from its row (ids and geometry excepted)."""
    nums = {c: parse_number(row.get(c), f"{what} {c}") for c in ARC_NUMBER_COLUMNS}
    length = nums["length_km"]
    if length is None:
        raise DataError(f"{what}: length_km is missing")
    if nums["capacity_m3_day"] is None or nums["travel_time_h"] is None:
        capacity, speed_kmh = capacities.lookup(row, what)
        if nums["capacity_m3_day"] is None:
            nums["capacity_m3_day"] = capacity
        if nums["travel_time_h"] is None:
            nums["travel_time_h"] = length / speed_kmh
    attrs: dict[str, Any] = {
        "length_km": length,
        "travel_time_h": nums["travel_time_h"],
        "capacity_m3_day": nums["capacity_m3_day"],
        "ref": _text(row.get("ref")),
        "highway": _text(row.get("highway")),
        "surface": _text(row.get("surface"), "paved"),
        "lanes": nums["lanes"],
        "countries": _text(row.get("countries")),
        "corridors": _split(row.get("corridors")),
        "osm_way_ids": _text(row.get("osm_way_ids")),
    }
    if nums["toll_per_m3"] is not None:
        attrs["toll_per_m3"] = nums["toll_per_m3"]
    attrs.update(_extras(row, _ARC_KNOWN))
    return attrs


def _reverse_columns(columns: Iterable[str], where: str) -> list[str]:
    """The base names of the ``<column>_rev`` columns; refuse those of the row's own ids."""
    out = []
    for col in columns:
        if col.endswith(REVERSE_SUFFIX):
            base = col.removesuffix(REVERSE_SUFFIX)
            if base in ROAD_ROW_COLUMNS:
                raise DataError(
                    f"{where}edges: column {col!r} is not allowed: {base} describes the row "
                    "(write an arc that differs in it as a one-way row of its own)"
                )
            out.append(base)
    return out


def _add_edges(
    G: nx.MultiDiGraph,
    edges: pd.DataFrame | TextTable,
    capacity_table: CapacityTable | None,
    where: str,
) -> None:
    capacities = _Capacities(capacity_table, float(G.graph["tanker_m3"]))
    rows = _records(edges, "edge_id")
    reverse_of = _reverse_columns(rows[0] if rows else (), where)
    rev_cols = [b + REVERSE_SUFFIX for b in reverse_of]
    seen: set[str] = set()
    for row in rows:
        eid = str(row["edge_id"]).strip()
        what = f"{where}edge {eid!r}"
        oneway = _truthy(row.get("oneway"))
        rid = eid + REVERSE_SUFFIX
        if eid in seen or (not oneway and rid in seen):
            raise DataError(
                f"{what}: duplicate edge_id (or it clashes with the reverse arc "
                f"of another edge, which is named edge_id + {REVERSE_SUFFIX!r})"
            )
        seen.add(eid)
        u, v = str(row.get("u")), str(row.get("v"))
        for end in (u, v):
            if end not in G:
                raise DataError(f"{what}: unknown node {end!r}; {closest(end, map(str, G))}")
        road_id = _text(row.get("road_id"), eid)
        forward = {k: val for k, val in row.items() if k not in rev_cols}
        geom = _edge_geometry(G, u, v, row.get("geometry"), what)
        attrs = _arc_attrs(forward, capacities, what)
        direction = _text(row.get("direction"), "fwd")
        G.add_edge(
            u, v, key=eid, edge_id=eid, road_id=road_id, direction=direction, geometry=geom, **attrs
        )
        if oneway:
            continue
        seen.add(rid)
        backward = dict(forward)
        for base in reverse_of:
            if not is_blank(row[base + REVERSE_SUFFIX]):
                backward[base] = row[base + REVERSE_SUFFIX]
        rev_attrs = _arc_attrs(backward, capacities, f"{where}edge {rid!r}")
        G.add_edge(
            v,
            u,
            key=rid,
            edge_id=rid,
            road_id=road_id,
            direction="rev",
            geometry=LineString(geom.coords[::-1]),
            **rev_attrs,
        )


# ---------------------------------------------------------------------- graph -> tables
def tables_from_graph(G: nx.MultiDiGraph, *, name: str | None = None) -> NetworkTables:
    """The tables that :func:`graph_from_tables` reads back into ``G``.

    Two arcs of a road share one row (reverse values that differ in ``<column>_rev``
    columns) when they are ``road_id`` and ``road_id + "_rev"``, opposite, with reversed
    geometries and the same attributes set; any other arc gets a one-way row of its own.

    Examples
    --------
    >>> import supplynet as sn
    >>> t = tables_from_graph(sn.load_network().graph)
    >>> t.edges.loc[0, ["edge_id", "u", "v", "corridors"]].tolist()
    ['dakar_fatick', 'dakar', 'fatick', 'dakar-kayes;dakar-kita']
    """
    kinds: dict[str, dict[str, str]] = {"nodes": {}, "edges": {}}
    nodes = _node_table(G, kinds["nodes"])
    edges = _road_table(G, kinds["edges"])
    graph = {k: jsonable(k, v) for k, v in G.graph.items() if k not in GRAPH_ASSUMPTIONS}
    return NetworkTables(
        nodes=nodes,
        edges=edges,
        name=name,
        assumptions={k: G.graph[k] for k in GRAPH_ASSUMPTIONS if k in G.graph},
        graph=graph,
        kinds={k: v for k, v in kinds.items() if v},
    )


def _node_table(G: nx.MultiDiGraph, kinds: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    rows = [{"node_id": str(n), **d} for n, d in G.nodes(data=True)]
    known = ["node_id", *NODE_COLUMNS]
    if any("capacity_trucks_day" in r for r in rows):
        known.append("capacity_trucks_day")
    extras = [c for c in dict.fromkeys(k for r in rows for k in r) if c not in _NODE_KNOWN]
    table = pd.DataFrame({c: [r.get(c) for r in rows] for c in known})
    for col in _NODE_NUMBERS:
        if col in table.columns:
            table[col] = floats(table[col])
    for col in extras:
        kinds[col], table[col] = encode_column(col, [r.get(col) for r in rows])
    return table


def _paired(arcs: list[tuple[Any, Any, dict[str, Any]]], road_id: str) -> bool:
    """Whether a road's arcs are one forward and one reverse arc that one row describes."""
    if len(arcs) != 2:
        return False
    (u, v, f), (x, y, r) = arcs
    set_f = {k for k, val in f.items() if val is not None and k not in _ARC_IDS}
    set_r = {k for k, val in r.items() if val is not None and k not in _ARC_IDS}
    return (
        f.get("edge_id") == road_id
        and r.get("edge_id") == road_id + REVERSE_SUFFIX
        and (x, y) == (v, u)
        and f.get("direction", "fwd") == "fwd"
        and r.get("direction") == "rev"
        and set_f == set_r
        and isinstance(f.get("geometry"), LineString)
        and isinstance(r.get("geometry"), LineString)
        and list(r["geometry"].coords) == list(f["geometry"].coords)[::-1]
    )


def _road_rows(G: nx.MultiDiGraph) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """``(forward row, reverse attributes or None)`` per row, in :func:`_row_order`."""
    roads: dict[str, list[tuple[Any, Any, Any, dict[str, Any]]]] = {}
    for u, v, k, d in G.edges(keys=True, data=True):
        roads.setdefault(str(d.get("road_id", d["edge_id"])), []).append((u, v, k, d))
    rows: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    arcs_of_row: list[list[tuple[Any, Any, Any]]] = []
    for road_id, arcs in roads.items():
        arcs.sort(key=lambda a: str(a[3]["edge_id"]) != road_id)
        if _paired([(u, v, d) for u, v, _, d in arcs], road_id):
            (u, v, kf, f), (_, _, kr, r) = arcs
            rows.append(({**f, "u": u, "v": v, "road_id": road_id, "oneway": False}, r))
            arcs_of_row.append([(u, v, kf), (v, u, kr)])
            continue
        for u, v, k, d in arcs:
            rows.append(({**d, "u": u, "v": v, "road_id": road_id, "oneway": True}, None))
            arcs_of_row.append([(u, v, k)])
    return [rows[i] for i in _row_order(G, arcs_of_row)]


def _row_order(G: nx.MultiDiGraph, arcs_of_row: list[list[tuple[Any, Any, Any]]]) -> list[int]:
    """An order of the rows that, read one after the other, rebuilds ``G``'s arc order.

    networkx lists the arcs of a node by neighbour (in the order each neighbour was first
    reached) and then by key (in insertion order). Rows read in an order where, for every
    node, the first arc to each neighbour follows the first arc to the previous neighbour
    and each arc follows the previous one to the same neighbour rebuild that listing, and
    with it the LPs' variable order. Without such an order (a graph edited arc by arc),
    the rest follow in the graph's order.
    """
    row_of = {arc: i for i, arcs in enumerate(arcs_of_row) for arc in arcs}
    after: list[set[int]] = [set() for _ in arcs_of_row]
    for u, nbrs in G.adj.items():
        previous_first = None
        for v, keys in nbrs.items():
            chain = [row_of[(u, v, k)] for k in keys]
            for a, b in itertools.pairwise(chain):
                if a != b:
                    after[a].add(b)
            if previous_first is not None and previous_first != chain[0]:
                after[previous_first].add(chain[0])
            previous_first = chain[0]
    waiting = [0] * len(arcs_of_row)
    for succ in after:
        for b in succ:
            waiting[b] += 1
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for b in after[i]:
            waiting[b] -= 1
            if waiting[b] == 0:
                heapq.heappush(ready, b)
    if len(order) < len(arcs_of_row):
        placed = set(order)
        order += [i for i in range(len(arcs_of_row)) if i not in placed]
    return order


def _road_table(G: nx.MultiDiGraph, kinds: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    pairs = _road_rows(G)
    rows = [row for row, _ in pairs]
    columns: dict[str, Any] = {c: [str(r[c]) for r in rows] for c in ("edge_id", "u", "v")}
    road_ids = [None if r["road_id"] == r["edge_id"] else str(r["road_id"]) for r in rows]
    if any(road_ids):
        columns["road_id"] = road_ids
    directions = [None if r.get("direction") in (None, "fwd") else r["direction"] for r in rows]
    if any(directions):
        columns["direction"] = directions
    extras = [c for c in dict.fromkeys(k for r in rows for k in r) if c not in _ARC_KNOWN]
    extras = [c for c in extras if c not in _ARC_IDS]
    order = [*ARC_NUMBER_COLUMNS[:4], *ARC_TEXT_COLUMNS[:3], "lanes", "countries", "corridors"]
    for col in [*order, "oneway", "osm_way_ids", *extras]:
        values = [r.get(col) for r in rows]
        if col == "oneway":
            columns[col] = pd.Series(values, dtype=bool)
            continue
        reverse = [None if rev is None else rev.get(col) for _, rev in pairs]
        differs = [
            rev is not None and not _same(rv, fv)
            for (_, rev), fv, rv in zip(pairs, values, reverse, strict=True)
        ]
        reverse = [rv if d else None for rv, d in zip(reverse, differs, strict=True)]
        if col in extras:
            kinds[col] = kind_of(values + reverse)
        columns[col] = _column(col, values, kinds)
        if any(differs):
            columns[col + REVERSE_SUFFIX] = _column(col, reverse, kinds)
    columns["geometry"] = [r.get("geometry") for r in rows]
    return pd.DataFrame(columns)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and the like
        return repr(a) == repr(b)


def _column(col: str, values: list[Any], kinds: Mapping[str, str]) -> Any:
    import pandas as pd

    if col in ARC_NUMBER_COLUMNS:
        return floats(values)
    if col == "corridors":
        return [None if v is None else ";".join(v) for v in values]
    if col == "oneway":
        return pd.Series(values, dtype=bool)
    if col in kinds:
        return encode_column(col, values, kinds[col])[1]
    return [None if v is None else str(v) for v in values]
