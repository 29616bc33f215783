"""The Network: a road graph of fuel supply, with node and edge tables and corridors.

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

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import LineString

from supplynet.errors import DataError, closest

__all__ = [
    "EDGE_COLUMNS",
    "GRAPH_ASSUMPTIONS",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "REVERSE_SUFFIX",
    "Network",
    "resolve_graph_assumptions",
]

logger = logging.getLogger(__name__)

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
_NUMERIC_NODE = ("supply_m3_day", "capacity_m3_day", "demand_m3_day", "stock_m3", "cost_per_m3")
GRAPH_ASSUMPTIONS = ("tanker_m3", "cost_per_m3_km", "unmet_penalty_per_m3", "currency")
_ID = re.compile(r"^[A-Za-z0-9_.:]+$")


def _fold(text: str) -> str:
    """Lowercase and strip accents, for forgiving name look-ups."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


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


def _finite_nonneg(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True, eq=False)
class Network:
    """A fuel supply network: a ``networkx.MultiDiGraph`` plus tables and corridors.

    Treat a Network as immutable: scenarios return a new Network (:meth:`with_graph`).
    Build one with :func:`supplynet.load_network`, :meth:`from_tables`, :meth:`from_graph`
    or the OpenStreetMap builder.

    Attributes
    ----------
    graph : networkx.MultiDiGraph
        Nodes keyed by node id, arcs keyed by edge id (see the module docstring).
    name : str
        A label for reports.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> net.nodes.loc["bamako", "kind"]
    'depot'
    >>> sorted(net.nodes["kind"].unique())[:2]
    ['border', 'demand']
    """

    graph: nx.MultiDiGraph
    name: str = "network"
    _edge_index: dict[str, tuple[Any, Any]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        index = {data["edge_id"]: (u, v) for u, v, data in self.graph.edges(data=True)}
        object.__setattr__(self, "_edge_index", index)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph, *, name: str | None = None) -> Network:
        """Wrap a graph that follows the schema, after validating it.

        Raises
        ------
        DataError
            Listing every problem found (missing capacity, unknown kind, bad ids ...).
        """
        net = cls(G, name=name or str(G.graph.get("name", "network")))
        net.validate()
        return net

    def with_graph(self, G: nx.MultiDiGraph, *, name: str | None = None) -> Network:
        """Return a new Network on ``G`` (used by scenarios; ``self`` is unchanged)."""
        return Network(G, name=name or self.name)

    @classmethod
    def from_tables(
        cls,
        nodes: pd.DataFrame,
        edges: pd.DataFrame,
        *,
        name: str = "network",
        assumptions: Mapping[str, Any] | None = None,
        capacity_table: Any = None,
        source: str = "",
    ) -> Network:
        """Build a Network from node and edge tables in the project's schema.

        Parameters
        ----------
        nodes : DataFrame
            One row per node, with a ``node_id`` column (or index).
        edges : DataFrame
            One row per road segment, with an ``edge_id`` column (or index).
        name : str
            Network label.
        assumptions : mapping, optional
            Scalar assumptions (``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``,
            ``currency``); default the embedded ``assumptions.csv``.
        capacity_table : CapacityTable, optional
            Road capacity table for edges without ``capacity_m3_day`` or ``travel_time_h``
            (default: the embedded table, loaded only when needed).
        source : str
            Where the tables come from, named in error messages.
        """
        graph_attrs = resolve_graph_assumptions(assumptions, source=source)
        graph_attrs["name"] = name
        graph_attrs["attribution"] = OSM_ATTRIBUTION
        G = nx.MultiDiGraph(**graph_attrs)
        where = f"{source}: " if source else ""
        _add_nodes(G, nodes, graph_attrs["tanker_m3"], where)
        _add_edges(G, edges, capacity_table, where)
        net = cls.from_graph(G, name=name)
        logger.info(
            "Loaded network %r: %d nodes, %d arcs, %d corridors",
            name,
            G.number_of_nodes(),
            G.number_of_edges(),
            len(net.corridors),
        )
        return net

    @classmethod
    def from_csv(cls, folder: str | Path, *, name: str | None = None) -> Network:
        """Read ``nodes.csv`` and ``edges.csv`` (and ``assumptions.csv`` if present)."""
        from supplynet.assumptions import load_assumptions

        folder = Path(folder)
        tables = {}
        for stem in ("nodes", "edges"):
            path = folder / f"{stem}.csv"
            try:
                tables[stem] = pd.read_csv(
                    path, dtype={"node_id": str, "edge_id": str, "u": str, "v": str, "ref": str}
                )
            except FileNotFoundError:
                raise DataError(
                    f"{path}: file not found (a network folder needs nodes.csv and edges.csv)"
                ) from None
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise DataError(f"{path}: cannot read CSV: {exc}") from None
        assumptions = None
        saved_name = None
        if (folder / "assumptions.csv").is_file():
            a = load_assumptions(folder / "assumptions.csv")
            missing = [k for k in GRAPH_ASSUMPTIONS if k not in a.values]
            if missing:
                raise DataError(
                    f"{folder / 'assumptions.csv'}: missing key(s) {', '.join(missing)}"
                )
            assumptions = {k: a.values[k] for k in GRAPH_ASSUMPTIONS}
            saved_name = str(a.values.get("name", "")) or None
        else:
            logger.info("%s has no assumptions.csv: using the embedded assumptions", folder)
        return cls.from_tables(
            tables["nodes"],
            tables["edges"],
            name=name or saved_name or folder.name,
            assumptions=assumptions,
            source=str(folder),
        )

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Load a network saved by :meth:`save` (a CSV folder or a ``.gpkg`` file)."""
        path = Path(path)
        if path.suffix.lower() == ".gpkg":
            from supplynet.io import read_geopackage

            return read_geopackage(path)
        if path.is_dir():
            return cls.from_csv(path)
        raise DataError(f"{path}: not a network folder (nodes.csv + edges.csv) or .gpkg file")

    def save(self, path: str | Path) -> Path:
        """Save to a CSV folder or (``.gpkg`` suffix) a GeoPackage, whole or not at all.

        The files are written to a temporary sibling first and moved into place only when
        complete, so a failure leaves any earlier output intact.
        """
        from supplynet.io import write_csv_folder, write_geopackage

        path = Path(path)
        if path.suffix.lower() == ".gpkg":
            write_geopackage(self, path)
        else:
            write_csv_folder(self, path)
        return path

    # ------------------------------------------------------------------ views
    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Node table indexed by node id (columns :data:`NODE_COLUMNS`)."""
        rows = [
            {"node_id": n, **{c: d.get(c) for c in NODE_COLUMNS}}
            for n, d in self.graph.nodes(data=True)
        ]
        df = pd.DataFrame(rows, columns=["node_id", *NODE_COLUMNS]).set_index("node_id")
        for col in ("lon", "lat", *_NUMERIC_NODE):
            df[col] = pd.to_numeric(df[col])
        return df

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Arc table indexed by edge id (columns :data:`EDGE_COLUMNS`)."""
        rows = []
        for u, v, d in self.graph.edges(data=True):
            row = {c: d.get(c) for c in EDGE_COLUMNS}
            row.update(edge_id=d["edge_id"], u=u, v=v, corridors=";".join(d.get("corridors", ())))
            rows.append(row)
        return pd.DataFrame(rows, columns=["edge_id", *EDGE_COLUMNS]).set_index("edge_id")

    @cached_property
    def corridors(self) -> dict[str, list[str]]:
        """Corridor name -> the edge ids (both directions) on it."""
        out: dict[str, list[str]] = {}
        for _, _, d in self.graph.edges(data=True):
            for corridor in d.get("corridors", ()):
                out.setdefault(corridor, []).append(d["edge_id"])
        return {k: sorted(v) for k, v in sorted(out.items())}

    def corridor_elements(self, names: Iterable[str]) -> tuple[list[str], list[str]]:
        """The arcs and border posts that belong only to the given corridors.

        Corridors share trunk roads (Dakar–Tambacounda carries both Dakar corridors), so a
        scenario acting on corridors acts on the elements no other corridor uses: the arcs
        whose corridors are all among ``names``, and the border posts whose incident arcs'
        corridors are all among ``names``.

        Returns
        -------
        (arc ids, border node ids)

        Examples
        --------
        >>> import supplynet as sn
        >>> arcs, posts = sn.load_network().corridor_elements(["dakar-kayes"])
        >>> "kayes_diema" in arcs, "dakar_fatick" in arcs, posts
        (True, False, ['kidira_diboli'])
        """
        wanted = set(names)
        arcs = [
            d["edge_id"]
            for _, _, d in self.graph.edges(data=True)
            if d.get("corridors") and set(d["corridors"]) <= wanted
        ]
        posts = []
        for n, d in self.graph.nodes(data=True):
            if d.get("kind") != "border":
                continue
            touching = node_corridors(self, n)
            if touching and touching <= wanted:
                posts.append(str(n))
        return arcs, sorted(posts)

    @property
    def edge_ids(self) -> list[str]:
        """All arc ids."""
        return list(self._edge_index)

    def edge_endpoints(self, edge_id: str) -> tuple[Any, Any]:
        """Return ``(u, v)`` of an arc id (error with the closest ids if unknown)."""
        try:
            return self._edge_index[edge_id]
        except KeyError:
            raise DataError(
                f"unknown edge {edge_id!r}; {closest(edge_id, self._edge_index)}"
            ) from None

    def edge_data(self, edge_id: str) -> dict[str, Any]:
        """Return the attribute dict of an arc (the graph's own dict)."""
        u, v = self.edge_endpoints(edge_id)
        data: dict[str, Any] = self.graph.edges[u, v, edge_id]
        return data

    def node_id(self, name_or_id: str) -> str:
        """Resolve a node id or display name (case- and accent-insensitive) to its id.

        Examples
        --------
        >>> import supplynet as sn
        >>> sn.load_network().node_id("Ségou")
        'segou'
        """
        if name_or_id in self.graph:
            return name_or_id
        folded = _fold(str(name_or_id))
        for n, d in self.graph.nodes(data=True):
            if _fold(str(n)) == folded or _fold(str(d.get("name", ""))) == folded:
                return str(n)
        names = [str(n) for n in self.graph] + [
            str(d.get("name", "")) for _, d in self.graph.nodes(data=True)
        ]
        raise DataError(f"unknown node {name_or_id!r}; {closest(str(name_or_id), names)}")

    def summary(self) -> dict[str, Any]:
        """Counts and totals for ``supplynet network info``."""
        nodes = self.nodes
        return {
            "name": self.name,
            "nodes": len(nodes),
            "arcs": self.graph.number_of_edges(),
            "roads": len(self.edges["road_id"].unique()),
            "corridors": len(self.corridors),
            "road_km": float(self.edges.drop_duplicates("road_id")["length_km"].sum()),
            **{f"{kind}s": int((nodes["kind"] == kind).sum()) for kind in NODE_KINDS},
            "supply_m3_day": float(nodes["supply_m3_day"].fillna(0).sum()),
            "demand_m3_day": float(nodes["demand_m3_day"].fillna(0).sum()),
            "stock_m3": float(nodes["stock_m3"].fillna(0).sum()),
            **{k: self.graph.graph.get(k) for k in GRAPH_ASSUMPTIONS},
            "attribution": self.graph.graph.get("attribution", OSM_ATTRIBUTION),
        }

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Check the schema; raise one :class:`DataError` listing every problem."""
        problems: list[str] = []
        G = self.graph
        for n, d in G.nodes(data=True):
            if not _ID.match(str(n)):
                problems.append(f"node {n!r}: id must match {_ID.pattern}")
            if d.get("kind") not in NODE_KINDS:
                problems.append(
                    f"node {n!r}: kind {d.get('kind')!r} not one of {'|'.join(NODE_KINDS)}"
                )
            lon, lat = d.get("lon"), d.get("lat")
            if not (
                isinstance(lon, int | float)
                and isinstance(lat, int | float)
                and -180 <= lon <= 180
                and -90 <= lat <= 90
            ):
                problems.append(f"node {n!r}: lon/lat {lon!r}/{lat!r} not valid WGS84 degrees")
            for col in _NUMERIC_NODE:
                value = d.get(col)
                if value is not None and not _finite_nonneg(value):
                    problems.append(f"node {n!r}: {col} = {value!r} must be a finite number >= 0")
        seen: set[str] = set()
        for u, v, key, d in G.edges(keys=True, data=True):
            eid = d.get("edge_id")
            if eid != key:
                problems.append(f"edge {key!r}: edge_id attribute {eid!r} differs from its key")
            if eid in seen:
                problems.append(f"edge {eid!r}: duplicate edge id")
            seen.add(str(eid))
            for col in ("capacity_m3_day", "length_km", "travel_time_h"):
                value = d.get(col)
                if not _finite_nonneg(value):
                    problems.append(
                        f"edge {eid!r} ({u}->{v}): {col} = {value!r} must be a finite number >= 0"
                    )
        if problems:
            more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
            raise DataError(
                f"network {self.name!r}: {len(problems)} problem(s): "
                + "; ".join(problems[:5])
                + more
            )


# ---------------------------------------------------------------------- table readers
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


def _add_nodes(G: nx.MultiDiGraph, nodes: pd.DataFrame, tanker_m3: float, where: str) -> None:
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
        for col in _NUMERIC_NODE:
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


def _add_edges(G: nx.MultiDiGraph, edges: pd.DataFrame, capacity_table: Any, where: str) -> None:
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


def node_corridors(net: Network, node: Any) -> set[str]:
    """The corridors of the arcs entering or leaving ``node``."""
    out: set[str] = set()
    for _, _, d in net.graph.in_edges(node, data=True):
        out.update(d.get("corridors", ()))
    for _, _, d in net.graph.out_edges(node, data=True):
        out.update(d.get("corridors", ()))
    return out
