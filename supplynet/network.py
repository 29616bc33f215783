"""The Network: a road graph of fuel supply, with node and edge tables and corridors.

The data layer, bottom to top (each module imports only those below it):

* :mod:`supplynet.errors`, :mod:`supplynet.settings`, :mod:`supplynet.paths` (where the
  embedded data lives) and :mod:`supplynet.atomic` (all-or-none output);
* :mod:`supplynet.assumptions`, :mod:`supplynet.capacity`: the assumption tables;
* :mod:`supplynet.schema`: the node and road columns and their checks, and
  :mod:`supplynet.columns`: the types of extra columns through text files;
* :mod:`supplynet.tables`: tables to a graph and back;
* :mod:`supplynet.io`: the file formats, which move tables, never Networks;
* this module: :class:`Network`, whose ``save``/``load`` call down into the two above;
* :mod:`supplynet.datasets`: the embedded default network.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from supplynet.capacity import CapacityTable
from supplynet.errors import DataError, closest
from supplynet.io import read_csv_folder, read_geopackage, write_csv_folder, write_geopackage
from supplynet.schema import (
    EDGE_COLUMNS,
    GRAPH_ASSUMPTIONS,
    ID_PATTERN,
    NODE_COLUMNS,
    NODE_KINDS,
    NUMERIC_NODE_COLUMNS,
    OSM_ATTRIBUTION,
    REVERSE_SUFFIX,
    finite_nonneg,
    resolve_graph_assumptions,
)
from supplynet.tables import NetworkTables, graph_from_tables, tables_from_graph

if TYPE_CHECKING:
    import pandas as pd

    from supplynet.text_tables import TextTable

__all__ = [
    "EDGE_COLUMNS",
    "GRAPH_ASSUMPTIONS",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "OSM_ATTRIBUTION",
    "REVERSE_SUFFIX",
    "Network",
    "node_corridors",
    "resolve_graph_assumptions",
]

logger = logging.getLogger(__name__)


def _fold(text: str) -> str:
    """Lowercase and strip accents, for forgiving name look-ups."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


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
    folder : Path or None
        The folder the network was read from (``None`` for a GeoPackage or a network
        built in memory): its multi-day tables, when it holds them, go with it
        (:func:`supplynet.demand.network_demand_tables`).

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
    folder: Path | None = field(default=None, repr=False)
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
        return Network(G, name=name or self.name, folder=self.folder)

    @classmethod
    def from_tables(
        cls,
        nodes: pd.DataFrame | TextTable,
        edges: pd.DataFrame | TextTable,
        *,
        name: str = "network",
        assumptions: Mapping[str, Any] | None = None,
        capacity_table: CapacityTable | None = None,
        source: str = "",
        metadata: Mapping[str, Any] | None = None,
    ) -> Network:
        """Build a Network from node and edge tables in the project's schema.

        Parameters
        ----------
        nodes : DataFrame or TextTable
            One row per node, with a ``node_id`` column (or index).
        edges : DataFrame or TextTable
            One row per road segment, with an ``edge_id`` column (or index);
            per-direction values in ``<column>_rev`` columns (:mod:`supplynet.schema`).
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
        metadata : mapping, optional
            Other graph attributes (attribution, a builder's records); they may not set
            the assumptions.

        Raises
        ------
        DataError
            A missing required column (named once), a bad value (naming the row and
            column), or the problems :meth:`validate` finds.
        """
        graph_attrs = resolve_graph_assumptions(assumptions, source=source)
        graph_attrs["name"] = name
        graph_attrs["attribution"] = OSM_ATTRIBUTION
        graph_attrs.update(
            {k: v for k, v in (metadata or {}).items() if k not in GRAPH_ASSUMPTIONS}
        )
        G = graph_from_tables(
            nodes, edges, graph_attrs=graph_attrs, capacity_table=capacity_table, source=source
        )
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
    def _from_saved(cls, tables: NetworkTables, source: Path, name: str | None) -> Network:
        metadata = dict(tables.graph)
        if name:
            metadata["name"] = name
        net = cls.from_tables(
            tables.nodes,
            tables.edges,
            name=name or tables.name or (source.stem if source.is_file() else source.name),
            assumptions=tables.assumptions,
            source=str(source),
            metadata=metadata,
        )
        if source.is_dir():
            object.__setattr__(net, "folder", source)
        return net

    @classmethod
    def from_csv(cls, folder: str | Path, *, name: str | None = None) -> Network:
        """Read ``nodes.csv`` and ``edges.csv`` (and ``assumptions.csv``, ``network.json``
        if present) from a folder; see :mod:`supplynet.io`."""
        folder = Path(folder)
        return cls._from_saved(read_csv_folder(folder), folder, name)

    @classmethod
    def load(cls, path: str | Path) -> Network:
        """Load a network saved by :meth:`save` (a CSV folder or a ``.gpkg`` file)."""
        path = Path(path)
        if path.suffix.lower() == ".gpkg":
            return cls._from_saved(read_geopackage(path), path, None)
        if path.is_dir():
            return cls.from_csv(path)
        raise DataError(f"{path}: not a network folder (nodes.csv + edges.csv) or .gpkg file")

    def save(self, path: str | Path) -> Path:
        """Save to a CSV folder or (``.gpkg`` suffix) a GeoPackage, whole or not at all.

        Every node and arc attribute (per direction) and the graph's attributes are
        saved, so :meth:`load` gives back the same network (:mod:`supplynet.io`). The
        files appear all at once, also if the process is killed while writing
        (:mod:`supplynet.atomic`); other files in a folder are left alone.

        Examples
        --------
        >>> import tempfile, supplynet as sn
        >>> net = sn.load_network()
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     back = sn.Network.load(net.save(f"{tmp}/saved"))
        >>> back.edges.equals(net.edges)
        True
        """
        path = Path(path)
        tables = tables_from_graph(self.graph, name=self.name)
        if path.suffix.lower() == ".gpkg":
            write_geopackage(tables, path)
        else:
            write_csv_folder(tables, path)
        return path

    # ------------------------------------------------------------------ views
    @cached_property
    def nodes(self) -> pd.DataFrame:
        """Node table indexed by node id (columns :data:`NODE_COLUMNS`)."""
        import pandas as pd

        rows = [
            {"node_id": n, **{c: d.get(c) for c in NODE_COLUMNS}}
            for n, d in self.graph.nodes(data=True)
        ]
        df = pd.DataFrame(rows, columns=["node_id", *NODE_COLUMNS]).set_index("node_id")
        for col in ("lon", "lat", *NUMERIC_NODE_COLUMNS):
            df[col] = pd.to_numeric(df[col])
        return df

    @cached_property
    def edges(self) -> pd.DataFrame:
        """Arc table indexed by edge id (columns :data:`EDGE_COLUMNS`)."""
        import pandas as pd

        rows = []
        for u, v, d in self.graph.edges(data=True):
            row = {c: d.get(c) for c in EDGE_COLUMNS}
            row.update(edge_id=d["edge_id"], u=u, v=v, corridors=";".join(d.get("corridors", ())))
            rows.append(row)
        return pd.DataFrame(rows, columns=["edge_id", *EDGE_COLUMNS]).set_index("edge_id")

    @cached_property
    def road_arcs(self) -> dict[str, list[str]]:
        """Road id -> its arc ids (one per direction), in the order of :attr:`edges`.

        Examples
        --------
        >>> import supplynet as sn
        >>> sn.load_network().road_arcs["kayes_diema"]
        ['kayes_diema', 'kayes_diema_rev']
        """
        out: dict[str, list[str]] = {}
        for _, _, d in self.graph.edges(data=True):
            out.setdefault(str(d.get("road_id", d["edge_id"])), []).append(d["edge_id"])
        return out

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

    def has_arc(self, edge_id: str) -> bool:
        """Whether ``edge_id`` is an arc id of this network."""
        return edge_id in self._edge_index

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
            if not ID_PATTERN.match(str(n)):
                problems.append(f"node {n!r}: id must match {ID_PATTERN.pattern}")
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
            for col in NUMERIC_NODE_COLUMNS:
                value = d.get(col)
                if value is not None and not finite_nonneg(value):
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
                if not finite_nonneg(value):
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


def node_corridors(net: Network, node: Any) -> set[str]:
    """The corridors of the arcs entering or leaving ``node``."""
    out: set[str] = set()
    for _, _, d in net.graph.in_edges(node, data=True):
        out.update(d.get("corridors", ()))
    for _, _, d in net.graph.out_edges(node, data=True):
        out.update(d.get("corridors", ()))
    return out
