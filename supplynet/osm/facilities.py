"""Facilities (ports, border posts, depots, demand nodes) on the OSM road graph.

* :func:`load_facilities` reads the facility table: by default the embedded network's
  nodes of kind ``port | border | depot | demand``, or the user's CSV / DataFrame with
  ``node_id, name, kind, lon, lat`` and optional ``country, supply_m3_day,
  capacity_m3_day`` (or ``capacity_trucks_day``, times the tanker size), ``demand_m3_day,
  stock_m3, cost_per_m3``.
* :func:`select_in_region` leaves out the facilities outside the user's region with a
  WARNING log line naming them; the destination must stay.
* :func:`snap_facilities` finds each facility's nearest road node; farther than the
  tolerance is an error naming the facility and the distance.
* :func:`detect_border_crossings` finds where a road crosses a country boundary, given
  country polygons with an ISO3 column.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from shapely import contains_xy, intersects_xy, prepare
from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError, closest
from supplynet.osm.assemble import Attachments
from supplynet.osm.roads import RoadData, haversine_km

__all__ = [
    "FACILITY_KINDS",
    "add_border_crossings",
    "attach_facilities",
    "component_labels",
    "detect_border_crossings",
    "has_geometry",
    "load_facilities",
    "main_component",
    "node_countries",
    "select_in_region",
    "snap_facilities",
]

logger = logging.getLogger(__name__)

FACILITY_KINDS = ("port", "border", "depot", "demand")
NUMERIC = ("supply_m3_day", "capacity_m3_day", "demand_m3_day", "stock_m3", "cost_per_m3")
_SHOWN = 20  # facilities named in one log line
_ISO3_COLUMNS = ("iso3", "ISO3", "ISO_A3", "iso_a3", "ADM0_A3", "adm0_a3", "GID_0", "shapeGroup")


def load_facilities(
    facilities: str | Path | pd.DataFrame | None, *, tanker_m3: float
) -> pd.DataFrame:
    """Read the facility table and return it indexed by ``node_id``.

    Rows of other kinds (towns, junctions) are ignored. Capacities given in trucks/day
    are converted to m3/day with ``tanker_m3``.
    """
    if facilities is None:
        from supplynet.datasets import data_path

        facilities = data_path("nodes.csv")
    where = "facility table"
    if isinstance(facilities, pd.DataFrame):
        df = facilities.copy()
    else:
        path = Path(facilities)
        where = str(path)
        try:
            df = pd.read_csv(path, dtype={"node_id": str, "kind": str, "country": str})
        except FileNotFoundError:
            raise DataError(f"{path}: facility table not found") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: cannot read facility table: {exc}") from None
    if "node_id" not in df.columns and df.index.name == "node_id":
        df = df.reset_index()
    missing = {"node_id", "kind", "lon", "lat"} - set(df.columns)
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(sorted(missing))}")
    df["node_id"] = df["node_id"].astype(str).str.strip()
    if dupes := sorted(set(df["node_id"][df["node_id"].duplicated()])):
        raise DataError(f"{where}: duplicate node_id {dupes[0]!r}")
    df["kind"] = df["kind"].astype(str).str.strip().str.lower()
    df = df[df["kind"].isin(FACILITY_KINDS)].copy()
    for col in ("lon", "lat", *NUMERIC, "capacity_trucks_day"):
        if col in df.columns:
            values = pd.to_numeric(df[col], errors="coerce")
            bad = values.isna() & df[col].notna() & (df[col].astype(str).str.strip() != "")
            if bad.any():
                fid = df.loc[bad, "node_id"].iloc[0]
                raise DataError(
                    f"{where}: facility {fid!r}: {col} {df.loc[bad, col].iloc[0]!r} is not a number"
                )
            df[col] = values
        else:
            df[col] = np.nan
    if "capacity_trucks_day" in df.columns:
        trucks = df["capacity_trucks_day"] * tanker_m3
        df["capacity_m3_day"] = df["capacity_m3_day"].fillna(trucks)
    bad_xy = (
        df["lon"].isna()
        | df["lat"].isna()
        | ~df["lon"].between(-180, 180)
        | ~df["lat"].between(-90, 90)
    )
    if bad_xy.any():
        raise DataError(
            f"{where}: facility {df.loc[bad_xy, 'node_id'].iloc[0]!r} has no valid lon/lat"
        )
    for col in ("name", "country"):
        df[col] = df[col].fillna("").astype(str) if col in df.columns else ""
    df["name"] = df["name"].where(df["name"] != "", df["node_id"])
    return df.set_index("node_id")


def select_in_region(
    fac: pd.DataFrame, region: BaseGeometry | None, destination: str, what: str
) -> pd.DataFrame:
    """Keep the facilities inside ``region``; the destination must be among them.

    ``region`` is the user's own (a bbox, polygon or countries); the facilities outside
    it are left out with one WARNING line naming them. Without one (None), all are kept:
    a facility off the roads is then the snapping error, never dropped silently.
    """
    if destination not in fac.index:
        raise DataError(
            f"destination {destination!r} is not in the facility table; "
            f"{closest(destination, fac.index)}"
        )
    if region is None:
        return fac
    prepare(region)
    inside = intersects_xy(region, fac["lon"].to_numpy(), fac["lat"].to_numpy())
    if not inside[fac.index.get_loc(destination)]:
        raise DataError(
            f"destination {destination!r} lies outside the {what}; choose a region that contains it"
        )
    left_out = [f"{fid} ({name})" for fid, name in fac.loc[~inside, "name"].items()]
    if left_out:
        shown = ", ".join(left_out[:_SHOWN]) + (
            f" (+{len(left_out) - _SHOWN} more)" if len(left_out) > _SHOWN else ""
        )
        logger.warning(
            "Left out %d %s outside the %s: %s",
            len(left_out),
            "facility" if len(left_out) == 1 else "facilities",
            what,
            shown,
        )
    return fac[inside]


def _nearest(lon: float, lat: float, data: RoadData, candidates: np.ndarray) -> tuple[int, float]:
    """Nearest candidate node (position) to a point, and its distance in km."""
    clon, clat = data.lon[candidates], data.lat[candidates]
    # equirectangular distance picks the candidate, haversine gives the figure
    dx = (clon - lon) * np.cos(np.radians(lat))
    j = int(np.argmin(dx * dx + (clat - lat) ** 2))
    d = haversine_km(np.array([lon]), np.array([lat]), clon[j : j + 1], clat[j : j + 1])
    return int(candidates[j]), float(d[0])


def snap_facilities(
    fac: pd.DataFrame,
    data: RoadData,
    tolerance_km: float,
    road_nodes: np.ndarray,
    preferred: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest road node (position in ``data.node_ids``) of each facility, and distance.

    Parameters
    ----------
    road_nodes : ndarray of int64
        Positions of the nodes that lie on a kept road (the candidates).
    preferred : ndarray of int64, optional
        Candidates to use when one lies within the tolerance (the road component of the
        destination), so that a facility next to a stray road fragment still joins the
        main network; otherwise the nearest of ``road_nodes``.

    Raises
    ------
    DataError
        A facility farther than ``tolerance_km`` from every road, naming it.
    """
    if len(road_nodes) == 0:
        raise DataError(f"{data.source}: no road nodes to attach facilities to")
    nearest = np.empty(len(fac), dtype=np.int64)
    dist = np.empty(len(fac), dtype=np.float64)
    too_far: list[str] = []
    for i, (fid, row) in enumerate(fac.iterrows()):
        lon, lat = float(row["lon"]), float(row["lat"])
        if preferred is not None and len(preferred):
            n, d = _nearest(lon, lat, data, preferred)
            if d <= tolerance_km:
                nearest[i], dist[i] = n, d
                continue
        n, d = _nearest(lon, lat, data, road_nodes)
        if d > tolerance_km:
            too_far.append(f"{fid!r} ({row['name']}) is {d:.1f} km")
        nearest[i], dist[i] = n, d
    if too_far:
        more = f" (+{len(too_far) - 5} more)" if len(too_far) > 5 else ""
        raise DataError(
            f"facility {'; '.join(too_far[:5])}{more} from the nearest road of the requested "
            f"classes (tolerance {tolerance_km:g} km); widen the road classes, raise the "
            "tolerance, or give a region (bbox or polygon) that leaves it out"
        )
    return nearest, dist


def component_labels(data: RoadData) -> np.ndarray:
    """Per node: the number of its road component (ignoring directions), -1 off the roads."""
    import networkx as nx

    from supplynet.osm.contract import split_ways

    pieces = split_ways(data)
    H = nx.Graph()
    H.add_edges_from(zip(pieces.u.tolist(), pieces.v.tolist(), strict=True))
    label = np.full(data.n_nodes, -1, dtype=np.int64)
    for k, comp in enumerate(nx.connected_components(H)):
        label[np.fromiter(comp, dtype=np.int64)] = k
    # all nodes of a way share the component of its first node (a piece end)
    way_label = label[data.refs[data.way_offsets[:-1]]]
    label[data.refs] = np.repeat(way_label, np.diff(data.way_offsets))
    return label


def main_component(
    data: RoadData, lon: float, lat: float, tolerance_km: float, road_nodes: np.ndarray
) -> np.ndarray:
    """Nodes of the largest road component within ``tolerance_km`` of a point.

    Used for the destination: the network is the road component it stands on, and a
    stray fragment nearer to it does not capture it.
    """
    label = component_labels(data)
    d = haversine_km(
        data.lon[road_nodes],
        data.lat[road_nodes],
        np.full(len(road_nodes), lon),
        np.full(len(road_nodes), lat),
    )
    near = road_nodes[d <= tolerance_km]
    near = near[label[near] >= 0]
    if len(near) == 0:
        return np.empty(0, dtype=np.int64)
    sizes = np.bincount(label[label >= 0])
    best = int(label[near][np.argmax(sizes[label[near]])])
    return np.flatnonzero(label == best)


def _iso3_column(gdf: Any) -> str:
    for col in _ISO3_COLUMNS:
        if col in gdf.columns:
            return col
    raise DataError(
        f"country boundaries need an ISO3 column (one of "
        f"{', '.join(_ISO3_COLUMNS[:4])}); found {', '.join(map(str, gdf.columns))}"
    )


def has_geometry(frame: Any) -> bool:
    """Is ``frame`` a GeoDataFrame with an active geometry column?"""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return False
    try:
        frame.geometry  # noqa: B018
    except AttributeError:
        return False
    return True


def read_boundaries(boundaries: Any) -> list[tuple[str, BaseGeometry]]:
    """Country polygons from a GeoDataFrame or a vector file, as ``(iso3, geometry)``."""
    import geopandas as gpd
    import pyogrio

    if isinstance(boundaries, str | Path):
        path = Path(boundaries)
        if not path.is_file():
            raise DataError(f"{path}: boundaries file not found")
        try:
            boundaries = gpd.read_file(path, engine="pyogrio")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise DataError(f"{path}: cannot read boundaries ({exc})") from None
        where = str(path)
    else:
        where = "boundaries"
    if not has_geometry(boundaries):
        raise DataError(
            f"{where}: no geometries; expected country polygons with an ISO3 column as a "
            "GeoDataFrame or a vector file (GeoJSON, GeoPackage, shapefile)"
        )
    if boundaries.crs is not None and not boundaries.crs.equals("EPSG:4326"):
        boundaries = boundaries.to_crs("EPSG:4326")
    col = _iso3_column(boundaries)
    return [
        (str(iso), geom)
        for iso, geom in zip(boundaries[col], boundaries.geometry, strict=True)
        if geom is not None
    ]


def node_countries(data: RoadData, countries: list[tuple[str, BaseGeometry]]) -> np.ndarray:
    """ISO3 code of the country each node lies in (``""`` outside all polygons)."""
    out = np.full(data.n_nodes, "", dtype=object)
    for iso, geom in countries:
        west, south, east, north = geom.bounds
        cand = np.flatnonzero(
            (data.lon >= west) & (data.lon <= east) & (data.lat >= south) & (data.lat <= north)
        )
        if len(cand) == 0:
            continue
        prepare(geom)
        inside = contains_xy(geom, data.lon[cand], data.lat[cand])
        out[cand[inside]] = iso
    return out


def detect_border_crossings(data: RoadData, country: np.ndarray) -> list[tuple[int, str]]:
    """Road nodes where a way passes into another country, with ``"A/B"`` labels.

    The crossing node is the last node before the boundary along the way; Mali (``MLI``)
    is written last (``"SEN/MLI"``), otherwise the countries are in travel order.
    """
    refs, offsets = data.refs, data.way_offsets
    if len(refs) < 2:
        return []
    a, b = refs[:-1], refs[1:]
    same_way = np.ones(len(a), dtype=bool)
    same_way[offsets[1:-1] - 1] = False
    ca, cb = country[a], country[b]
    hits = np.flatnonzero(same_way & (ca != cb) & (ca != "") & (cb != ""))
    found: dict[int, str] = {}
    for i in hits.tolist():
        pair = [str(ca[i]), str(cb[i])]
        if pair[0] == "MLI":
            pair.reverse()
        found.setdefault(int(a[i]), "/".join(pair))
    return sorted(found.items())


def _facility_attrs(fac: pd.DataFrame) -> dict[str, dict[str, Any]]:
    out = {}
    for fid, row in fac.iterrows():
        attrs: dict[str, Any] = {
            "name": str(row["name"]),
            "kind": str(row["kind"]),
            "country": str(row["country"]),
        }
        for col in NUMERIC:
            if pd.notna(row[col]):
                attrs[col] = float(row[col])
        out[str(fid)] = attrs
    return out


def attach_facilities(fac: pd.DataFrame, nearest: np.ndarray, dist: np.ndarray) -> Attachments:
    """Facilities take over their snapped road node, the nearest first; a facility whose
    node is already taken is joined by a connector."""
    att = Attachments(facility_attrs=_facility_attrs(fac))
    for i in np.argsort(dist, kind="stable").tolist():  # the nearest facility takes the node
        fid, n = str(fac.index[i]), int(nearest[i])
        if n in att.takeover:
            att.connectors.append((fid, n))
        else:
            att.takeover[n] = fid
    return att


def _road_distances(
    data: RoadData, sources: list[int], cutoff_km: float
) -> dict[int, dict[int, float]]:
    """Shortest distances along the roads (either direction) from each source node.

    Only nodes within ``cutoff_km`` of a source, in a straight line, can be within
    ``cutoff_km`` of it along the roads, so only the way segments between such nodes
    are searched.
    """
    import networkx as nx

    if not sources or len(data.refs) < 2:
        return {s: {s: 0.0} for s in sources}
    near = np.zeros(data.n_nodes, dtype=bool)
    for s in sources:
        d = haversine_km(
            data.lon,
            data.lat,
            np.full(data.n_nodes, data.lon[s]),
            np.full(data.n_nodes, data.lat[s]),
        )
        near |= d <= cutoff_km
    a, b = data.refs[:-1], data.refs[1:]
    same_way = np.ones(len(a), dtype=bool)
    same_way[data.way_offsets[1:-1] - 1] = False
    keep = same_way & near[a] & near[b] & (a != b)
    a, b = a[keep], b[keep]
    km = haversine_km(data.lon[a], data.lat[a], data.lon[b], data.lat[b])
    H = nx.Graph()
    H.add_nodes_from(sources)
    H.add_weighted_edges_from(zip(a.tolist(), b.tolist(), km.tolist(), strict=True))
    return {
        s: nx.single_source_dijkstra_path_length(H, s, cutoff=cutoff_km, weight="weight")
        for s in sources
    }


def add_border_crossings(
    att: Attachments,
    data: RoadData,
    crossings: list[tuple[int, str]],
    fac: pd.DataFrame,
    tolerance_km: float,
) -> list[int]:
    """Make detected crossings border nodes, unless a border post of the table stands for it.

    A border post of the facility table stands for a detected crossing when the road node
    the post snapped to is within ``tolerance_km`` of the crossing node *along the roads*
    (either direction): the post is on that road, near that crossing. A post near a
    parallel road, or near another crossing of a road it only reaches by a detour longer
    than the tolerance, does not hide that crossing.
    """
    border_ids = set(fac.index[fac["kind"] == "border"].astype(str))
    posts = sorted(
        {n for n, fid in att.takeover.items() if fid in border_ids}
        | {n for fid, n in att.connectors if fid in border_ids}
    )
    covered: set[int] = set()
    if posts and crossings:
        for reach in _road_distances(data, posts, tolerance_km).values():
            covered.update(reach)
    added = []
    for n, pair in crossings:
        if n in covered or n in att.takeover:
            continue
        fid = f"border_osm_{int(data.node_ids[n])}".replace("-", "m")
        att.takeover[n] = fid
        att.facility_attrs[fid] = {
            "name": f"Border crossing {pair}",
            "kind": "border",
            "country": pair,
        }
        added.append(n)
    return added
