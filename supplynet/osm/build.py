"""Build a supplynet :class:`~supplynet.Network` from OpenStreetMap roads.

Stages (one INFO log line each, with counts; a rich progress display on a terminal):

1. **read** the highway ways of the requested classes: Overpass through osmnx (cached),
   a ``.osm``/``.osm.bz2`` file (osmnx), or a ``.osm.pbf`` file (streamed by pyosmium);
   a region given with a file clips its roads as osmnx clips an Overpass download;
2. **facilities**: leave out those outside the region the user gave (a bbox, polygon or
   countries; one WARNING line lists them), snap all others to their nearest road node
   (an error beyond ``tolerance_km``: without a region of the user's, no facility is ever
   left out), preferring nodes of the main road component (the largest one within the
   tolerance of the destination) so that a facility next to a stray road fragment still
   joins the network, and detect border crossings when country boundaries are given;
3. **contract** chains of degree-2 road nodes (:mod:`supplynet.osm.contract`), keeping
   junctions, dead ends, facilities and border crossings;
4. **assemble** the graph with capacities from the road capacity table
   (:mod:`supplynet.osm.assemble`), keep the road components that hold a facility, and
   check that every supply point reaches the destination;
5. **save** (optional), atomically: a failed build never touches earlier output.

Facilities take over their snapped road node: the node is renamed to the facility id and
carries the facility's attributes at the road node's position. When two facilities snap
to the same road node, the second is joined to the first by a zero-length two-way
connector road (``highway = "connector"``) whose capacity, both ways, is the larger of
the road capacity entering and leaving the shared node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from supplynet.capacity import CapacityTable, load_capacity_table
from supplynet.errors import DataError, closest
from supplynet.io import check_output_path
from supplynet.network import Network
from supplynet.osm.assemble import Attachments, assemble_graph, way_capacities
from supplynet.osm.contract import contract_segments, split_ways
from supplynet.osm.facilities import (
    add_border_crossings,
    attach_facilities,
    detect_border_crossings,
    load_facilities,
    main_component,
    node_countries,
    read_boundaries,
    select_in_region,
    snap_facilities,
)
from supplynet.osm.progress import Stages
from supplynet.osm.roads import RoadData, parse_highways
from supplynet.schema import OSM_ATTRIBUTION, resolve_graph_assumptions

__all__ = ["build_network_from_osm", "source_kind"]

logger = logging.getLogger(__name__)

_PBF = (".osm.pbf", ".pbf")
_XML = (".osm", ".osm.bz2", ".xml", ".osm.xml")


def source_kind(source: str | Path) -> str:
    """Classify a source as ``"overpass"``, ``"pbf"`` or ``"xml"``.

    Examples
    --------
    >>> source_kind("mali.osm.pbf"), source_kind("town.osm.bz2"), source_kind("overpass")
    ('pbf', 'xml', 'overpass')
    """
    text = str(source)
    if text.strip().lower() == "overpass":
        return "overpass"
    lower = text.lower()
    if lower.endswith(_PBF):
        return "pbf"
    if lower.endswith(_XML):
        return "xml"
    raise DataError(
        f"source {text!r}: expected a .osm.pbf, .osm, .osm.bz2 file or the word 'overpass'"
    )


def _capacity_table(capacity_table: Any, tanker_m3: float) -> CapacityTable:
    if isinstance(capacity_table, CapacityTable):
        return capacity_table
    return load_capacity_table(capacity_table, tanker_m3=tanker_m3)


def _check_classes(highways: Sequence[str], table: CapacityTable, fallback: bool) -> None:
    known = {h for h, _ in table.rows if h != "*"}
    for h in highways:
        if h not in known and not fallback:
            raise DataError(
                f"highway class {h!r} in the road filter has no row in the road "
                f"capacity table; {closest(h, known)}"
            )


def _read(
    kind: str,
    source: str | Path,
    highways: Sequence[str],
    region: BaseGeometry | None,
    what: str,
    use_cache: bool,
    advance: Callable[[int], None] | None,
) -> RoadData:
    if kind == "pbf":
        from supplynet.osm.pbf import read_pbf

        return read_pbf(source, highways, region=region, on_progress=advance)
    if kind == "xml":
        from supplynet.osm.xml import read_xml

        return read_xml(source, highways, region=region)
    from supplynet.osm.overpass import download_roads

    assert region is not None
    return download_roads(region, highways, what=what, use_cache=use_cache)


def _keep_facility_components(G: nx.MultiDiGraph, facilities: set[str]) -> nx.MultiDiGraph:
    keep: set[Any] = set()
    dropped = 0
    for comp in nx.weakly_connected_components(G):
        if comp & facilities:
            keep |= comp
        else:
            dropped += len(comp)
    if dropped:
        logger.info("Dropped %d road nodes in components without any facility", dropped)
        G = G.subgraph(keep).copy()
    return G


def _check_connected(G: nx.MultiDiGraph, destination: str) -> None:
    reach = nx.ancestors(G, destination) | {destination}
    stranded = [n for n, d in G.nodes(data=True) if d.get("supply_m3_day") and n not in reach]
    if stranded:
        names = ", ".join(repr(n) for n in stranded[:5])
        more = f" (+{len(stranded) - 5} more)" if len(stranded) > 5 else ""
        raise DataError(
            f"supply point {names}{more} cannot reach the destination "
            f"{destination!r} over the roads of the requested classes; the "
            "network is disconnected (widen the region or the road classes)"
        )


def build_network_from_osm(
    source: str | Path = "overpass",
    *,
    bbox: str | Sequence[float] | None = None,
    polygon: str | Path | BaseGeometry | None = None,
    countries: Sequence[str] | None = None,
    corridor_buffer_km: float = 20.0,
    highway: str | Sequence[str] | None = None,
    facilities: str | Path | pd.DataFrame | None = None,
    capacity_table: str
    | Path
    | Mapping[tuple[str, str], tuple[float, float]]
    | CapacityTable
    | None = None,
    capacity_fallback: bool = False,
    assumptions: Mapping[str, Any] | None = None,
    boundaries: Any = None,
    tolerance_km: float = 5.0,
    destination: str = "bamako",
    name: str | None = None,
    out: str | Path | None = None,
    use_cache: bool = True,
    progress: bool = True,
    corridors: Mapping[str, Sequence[str]] | bool = True,
) -> Network:
    """Build a fuel supply network from OpenStreetMap roads.

    Parameters
    ----------
    source : str or Path
        ``"overpass"`` (download through osmnx), or a ``.osm.pbf``, ``.osm``,
        ``.osm.bz2`` file.
    bbox : str or sequence of 4 floats, optional
        Region ``W,S,E,N`` in degrees: the area downloaded from Overpass, or the area a
        file's roads are clipped to (as osmnx clips a download: roads leaving the region
        end one segment past its edge). Facilities outside the region are left out, with
        a WARNING log line naming them.
    polygon : path or shapely geometry, optional
        Region polygon (GeoJSON/vector file or WKT file); as ``bbox``.
    countries : sequence of str, optional
        Region as country names (geocoded by osmnx; needs network access); as ``bbox``.
    corridor_buffer_km : float
        With ``overpass`` and no region: buffer around the default network's routes.
    highway : str or sequence of str, optional
        Road classes to keep (``"motorway,trunk"``); default motorway to secondary and
        their links.
    facilities : path or DataFrame, optional
        Facility table (``node_id, name, kind, lon, lat`` ...); default the embedded
        network's ports, border posts, depots and demand nodes. Only a region given with
        ``bbox``, ``polygon`` or ``countries`` leaves facilities out (one WARNING line);
        every other facility must lie within ``tolerance_km`` of a road, else the build
        fails naming it. The destination must be inside the region.
    capacity_table : path, mapping or CapacityTable, optional
        Road capacity table (default ``data/road_capacity.csv``); a mapping overrides rows.
    capacity_fallback : bool
        Use the table's ``*`` row for road classes it lacks instead of raising.
    assumptions : mapping, optional
        Overrides of ``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``,
        ``currency``.
    boundaries : path or GeoDataFrame, optional
        Country polygons with an ISO3 column: road nodes get their country, and where a
        road crosses a boundary its last node before it becomes a ``border`` node
        ``border_osm_<id>`` (no throughput limit), unless a border post of the facility
        table lies within ``tolerance_km`` of that crossing along the roads and stands
        for it. Without
        boundaries, the border posts are those of the facility table.
    tolerance_km : float
        Largest distance from a facility to its road node.
    destination : str
        Facility id of the destination (must be in the facility table and region).
    name : str, optional
        Network name.
    out : path, optional
        Save the network there (CSV folder or ``.gpkg``), atomically.
    use_cache : bool
        Use osmnx's response cache (``supplynet.settings.cache_dir() / "osmnx"``).
    progress : bool
        Show a progress display (only on a terminal).
    corridors : bool or mapping
        Name corridors on the built roads (:mod:`supplynet.osm.corridors`): ``True`` takes
        the embedded network's corridors as ordered facility lists, a mapping
        ``{name: [facility ids]}`` gives your own, ``False`` names none.

    Returns
    -------
    Network
        Road nodes ``osm_<id>`` (kind ``junction``), facility nodes under their ids,
        roads ``osm_<u>_<v>`` (and ``..._rev``) with ``osm_way_ids`` and geometry.

    Raises
    ------
    DataError
        Bad input, naming the culprit: missing/truncated file, empty region, no roads,
        a facility too far from the roads (and not left out by a region), a supply point
        that cannot reach the destination.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.build_network_from_osm("corridor.osm.pbf")  # doctest: +SKIP
    >>> sn.max_throughput(net).delivered_m3_day  # doctest: +SKIP
    """
    kind = source_kind(source)
    highways = parse_highways(highway)
    graph_attrs = resolve_graph_assumptions(assumptions, source="OSM build", strict_keys=True)
    table = _capacity_table(capacity_table, graph_attrs["tanker_m3"])
    _check_classes(highways, table, capacity_fallback)
    if not tolerance_km > 0:
        raise DataError(f"tolerance_km must be positive, got {tolerance_km}")
    fac = load_facilities(facilities, tanker_m3=graph_attrs["tanker_m3"])
    if out is not None:
        check_output_path(Path(out))
    region: BaseGeometry | None = None
    what = Path(source).name if kind != "overpass" else "overpass"
    user_region = bool(bbox) or polygon is not None or bool(countries)
    if kind == "overpass" or user_region:
        from supplynet.osm.overpass import resolve_region

        region, what = resolve_region(
            bbox=bbox, polygon=polygon, countries=countries, corridor_buffer_km=corridor_buffer_km
        )
    with Stages(progress) as stages:
        with stages.stage(f"Reading {what}") as advance:
            data = _read(kind, source, highways, region, what, use_cache, advance)
        if data.n_ways == 0:
            raise DataError(f"{what}: no roads of classes {','.join(highways)}")
        with stages.stage("Snapping facilities, contracting, assembling"):
            net_G = _build_graph(
                data,
                fac,
                region if user_region else None,
                what,
                table,
                graph_attrs,
                highways=highways,
                fallback=capacity_fallback,
                boundaries=boundaries,
                tolerance_km=tolerance_km,
                destination=destination,
            )
        if corridors is not False:
            from supplynet.osm.corridors import default_corridor_routes, tag_corridors

            routes = default_corridor_routes() if corridors is True else corridors
            tag_corridors(net_G, routes)
        net_G.graph["name"] = name or _default_name(kind, source)
        net = Network.from_graph(net_G, name=net_G.graph["name"])
        logger.info(
            "Built network %r: %d nodes, %d arcs (%d facilities)",
            net.name,
            net.graph.number_of_nodes(),
            net.graph.number_of_edges(),
            sum(1 for _, d in net.graph.nodes(data=True) if d["kind"] != "junction"),
        )
        if out is not None:
            with stages.stage(f"Saving {out}"):
                net.save(out)
    return net


def _default_name(kind: str, source: str | Path) -> str:
    if kind == "overpass":
        return "osm-overpass"
    stem = Path(source).name.split(".")[0]
    return f"osm-{stem}"


def _build_graph(
    data: RoadData,
    fac: pd.DataFrame,
    region: BaseGeometry | None,
    what: str,
    table: CapacityTable,
    graph_attrs: dict[str, Any],
    *,
    highways: Sequence[str],
    fallback: bool,
    boundaries: Any,
    tolerance_km: float,
    destination: str,
) -> nx.MultiDiGraph:
    """``region``: the user's region (facilities outside it are left out), or None."""
    kept = select_in_region(fac, region, destination, what)
    dropped = [str(n) for n in fac.index.difference(kept.index)]
    supply = pd.to_numeric(kept.get("supply_m3_day", pd.Series(dtype=float)), errors="coerce")
    if not (supply.fillna(0) > 0).any():
        shown = ", ".join(dropped[:8]) + (" ..." if len(dropped) > 8 else "")
        where = f"lies in the {what}" if region is not None else "is in the facility table"
        raise DataError(
            f"no supply point (a facility with supply_m3_day) {where}"
            + (f"; left out as outside it: {shown}" if dropped else "")
            + "; widen the region or give a facility table with supply inside it"
        )
    fac = kept
    att = _snap(data, fac, tolerance_km, destination)
    country = _border_crossings(data, att, fac, boundaries, tolerance_km)
    protected = np.zeros(data.n_nodes, dtype=bool)
    protected[list(att.takeover)] = True
    capacity, speed, surface = way_capacities(data, table, fallback=fallback)
    pieces = split_ways(data, protected)
    chains = contract_segments(
        pieces.u, pieces.v, data.oneway[pieces.way], protected, key=data.way_ids[pieces.way]
    )
    logger.info(
        "Contracted %d road nodes (%d way pieces) to %d roads between kept nodes",
        int((np.bincount(data.refs, minlength=data.n_nodes) > 0).sum()),
        len(pieces),
        len(chains),
    )
    G = assemble_graph(
        data,
        pieces,
        chains,
        way_capacity=capacity,
        way_speed=speed,
        way_surface=surface,
        attachments=att,
        country=country,
        graph_attrs={
            **graph_attrs,
            "highway_classes": ",".join(highways),
            "attribution": OSM_ATTRIBUTION,
        },
    )
    G = _keep_facility_components(G, set(att.facility_attrs))
    if G.number_of_edges() == 0:
        raise DataError(f"{what}: no roads of classes {','.join(highways)} connect the facilities")
    _check_connected(G, destination)
    return G


def _snap(data: RoadData, fac: pd.DataFrame, tolerance_km: float, destination: str) -> Attachments:
    """Snap every facility, preferring the road component of the destination."""
    road_nodes = np.flatnonzero(np.bincount(data.refs, minlength=data.n_nodes) > 0)
    i = fac.index.get_loc(destination)
    lon, lat = float(fac["lon"].to_numpy()[i]), float(fac["lat"].to_numpy()[i])
    main = main_component(data, lon, lat, tolerance_km, road_nodes)
    nearest, dist = snap_facilities(fac, data, tolerance_km, road_nodes, preferred=main)
    att = attach_facilities(fac, nearest, dist)
    logger.info(
        "Snapped %d facilities to road nodes (farthest %.2f km; %d share a node)",
        len(fac),
        float(dist.max()) if len(dist) else 0.0,
        len(att.connectors),
    )
    return att


def _border_crossings(
    data: RoadData, att: Attachments, fac: pd.DataFrame, boundaries: Any, tolerance_km: float
) -> np.ndarray | None:
    """With boundaries: node countries, and new border nodes where roads cross them."""
    if boundaries is None:
        return None
    country = node_countries(data, read_boundaries(boundaries))
    crossings = detect_border_crossings(data, country)
    added = add_border_crossings(att, data, crossings, fac, tolerance_km)
    logger.info(
        "Found %d border crossings on the roads; %d new border nodes (the others are "
        "border posts of the facility table)",
        len(crossings),
        len(added),
    )
    return country
