"""Helpers for the OSM tests: tiny OSM files written with pyosmium, a toy corridor with
hand-computed answers, random road data, and an Overpass replay through osmnx's cache.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd

Way = tuple[int, Sequence[int], Mapping[str, str]]
TANKER_M3 = 45.0


@dataclass
class OsmData:
    """Nodes (id -> (lon, lat)) and ways ((id, refs, tags))."""

    nodes: dict[int, tuple[float, float]]
    ways: list[Way]
    facilities: pd.DataFrame = field(default_factory=pd.DataFrame)

    def highway_ways(self, classes: Iterable[str]) -> list[Way]:
        """Ways whose ``highway`` (stripped, any case) is one of ``classes``: what the
        Overpass filter ``["highway"~"^ *(...) *$",i]`` selects."""
        wanted = set(classes)
        return [w for w in self.ways if str(w[2].get("highway", "")).strip().lower() in wanted]


def write_osm(
    path: Path,
    data: OsmData,
    *,
    sorted_header: bool = True,
    node_tags: Mapping[int, Mapping[str, str]] | None = None,
) -> Path:
    """Write ``data`` as .osm / .osm.bz2 / .osm.pbf (format from the suffix) with pyosmium.

    Nodes, then ways, are written in id order; ``sorted_header`` says so in the header
    (``sorting=Type_then_ID``, the ``Sort.Type_then_ID`` feature of a .pbf), as real
    extracts do. ``node_tags`` gives some nodes tags.
    """
    path = Path(path)
    if path.exists():
        path.unlink()
    header = osmium.io.Header()
    if sorted_header:
        header.set("sorting", "Type_then_ID")
    tags_of = node_tags or {}
    writer = osmium.SimpleWriter(str(path), 4 * 2**20, header)
    try:
        for nid in sorted(data.nodes):
            lon, lat = data.nodes[nid]
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=nid, location=(lon, lat), tags=dict(tags_of.get(nid, {})), version=1
                )
            )
        for wid, refs, tags in sorted(data.ways, key=lambda w: w[0]):
            writer.add_way(
                osmium.osm.mutable.Way(id=wid, nodes=list(refs), tags=dict(tags), version=1)
            )
    finally:
        writer.close()
    return path


# ---------------------------------------------------------------------- the toy corridor
# Along latitude 12 N, west to east:
#
#   port_a(1) -2-3-4- J(5) -6-7-|-8- border_x(9) -10-11- bamako(12)
#                      \--------20------21-------------->/   (secondary, oneway to 12)
#
# way 100: 1..5 trunk paved                 -> 816 trucks/day * 45 = 36,720 m3/day
# way 101: 5,6,7 trunk paved; way 102: 7,8,9 primary unpaved (360 * 45 = 16,200): the
#          join at node 7 is merged away, the road J-border has capacity 16,200
# way 103: 9,10,11,12 trunk paved lanes=4   -> 36,720 * 4/2 = 73,440
# way 104: 5,20,21,12 secondary oneway      -> 576 * 45 = 25,920 (J -> bamako only)
# way 105: 11,40,41 tertiary (dropped by the default filter)
# way 200: building ring, way 201: waterway (never roads)
# border_x has a throughput limit of 10,000 m3/day; port_a supplies 1,000,000.
# Max throughput to bamako = min(36,720, min(16,200, 10,000) + 25,920) = 35,920.

TOY_ANSWER_M3_DAY = 35_920.0
_LAT = 12.0


def _x(i: float) -> float:
    return -8.5 + 0.05 * i


def toy_corridor() -> OsmData:
    """The toy corridor above, with its facility table."""
    nodes = {i: (_x(i), _LAT) for i in range(1, 13)}
    nodes.update(
        {
            20: (_x(7), _LAT + 0.05),
            21: (_x(10), _LAT + 0.05),
            40: (_x(11), _LAT - 0.05),
            41: (_x(11), _LAT - 0.1),
            30: (_x(3), _LAT + 0.2),
            31: (_x(3.1), _LAT + 0.2),
            32: (_x(3.1), _LAT + 0.21),
            50: (_x(1), _LAT - 0.3),
            51: (_x(5), _LAT - 0.3),
        }
    )
    ways: list[Way] = [
        (100, [1, 2, 3, 4, 5], {"highway": "trunk", "surface": "asphalt", "ref": "N1"}),
        (101, [5, 6, 7], {"highway": "trunk", "ref": "N1"}),
        (102, [7, 8, 9], {"highway": "primary", "surface": "laterite", "ref": "N1"}),
        (103, [9, 10, 11, 12], {"highway": "trunk", "lanes": "4", "ref": "RN1"}),
        (104, [5, 20, 21, 12], {"highway": "secondary", "oneway": "yes"}),
        (105, [11, 40, 41], {"highway": "tertiary"}),
        (200, [30, 31, 32, 30], {"building": "yes"}),
        (201, [50, 51], {"waterway": "river"}),
    ]
    facilities = pd.DataFrame(
        [
            {
                "node_id": "port_a",
                "name": "Port A",
                "kind": "port",
                "country": "AAA",
                "lon": _x(1) - 0.01,
                "lat": _LAT + 0.01,
                "supply_m3_day": 1_000_000.0,
            },
            {
                "node_id": "border_x",
                "name": "Border X",
                "kind": "border",
                "country": "AAA/MLI",
                "lon": _x(9),
                "lat": _LAT - 0.005,
                "capacity_m3_day": 10_000.0,
            },
            {
                "node_id": "bamako",
                "name": "Bamako",
                "kind": "depot",
                "country": "MLI",
                "lon": _x(12) + 0.005,
                "lat": _LAT,
                "demand_m3_day": 3000.0,
            },
            {
                "node_id": "some_town",
                "name": "A town",
                "kind": "town",
                "country": "AAA",
                "lon": _x(3),
                "lat": _LAT,
            },
        ]
    )
    return OsmData(nodes, ways, facilities)


def with_facility(fac: pd.DataFrame, **row: Any) -> pd.DataFrame:
    """``fac`` plus one facility row (``node_id``, ``name``, ``kind``, ``lon``, ``lat`` ...)."""
    return pd.concat([fac, pd.DataFrame([row])], ignore_index=True)


#: A depot far from the toy's roads (kept out of the toy table: no region leaves it out).
FARAWAY = {
    "node_id": "faraway",
    "name": "Far away depot",
    "kind": "depot",
    "country": "MLI",
    "lon": 5.0,
    "lat": 20.0,
}


def tagged_corridor() -> OsmData:
    """The toy with tags the sources used to read differently (hand-computed answers).

    * way 100 ``highway="Trunk "`` and way 101 ``" trunk"``: trunk roads once stripped and
      lowercased;
    * way 102 ``junction=roundabout`` + ``oneway=no``: two-way;
    * way 103 ``lanes=3``, ``lanes:forward=2``: towards Bamako 2 lanes (816 * 45 * 2 =
      73,440), back 1 (36,720);
    * way 104 ``junction=circular`` (no oneway tag): one-way J -> Bamako.

    Max throughput to Bamako stays :data:`TOY_ANSWER_M3_DAY`.
    """
    data = toy_corridor()
    retag = {
        100: {"highway": "Trunk ", "surface": "asphalt", "ref": "N1"},
        101: {"highway": " trunk", "ref": "N1"},
        102: {
            "highway": "primary",
            "surface": "laterite",
            "ref": "N1",
            "junction": "roundabout",
            "oneway": "no",
        },
        103: {"highway": "trunk", "lanes": "3", "lanes:forward": "2", "ref": "RN1"},
        104: {"highway": "secondary", "junction": "circular"},
    }
    data.ways = [(wid, refs, retag.get(wid, tags)) for wid, refs, tags in data.ways]
    return data


def toy_boundaries() -> Any:
    """Country polygons for the toy: AAA west of node 8.5's longitude, MLI east of it."""
    import geopandas as gpd
    from shapely.geometry import box

    cut = _x(8.5)
    return gpd.GeoDataFrame(
        {"ISO3": ["AAA", "MLI"]},
        geometry=[box(-10, 10, cut, 14), box(cut, 10, -6, 14)],
        crs="EPSG:4326",
    )


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Reference great-circle distance (independent of the library's)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (*a, *b))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6371.009 * np.arcsin(np.sqrt(h)))


def path_km(data: OsmData, refs: Sequence[int]) -> float:
    return sum(haversine_km(data.nodes[a], data.nodes[b]) for a, b in itertools.pairwise(refs))


# ---------------------------------------------------------------------- random road data
def random_osm(seed: int, *, n_nodes: int = 40, n_ways: int = 25) -> OsmData:
    """Random ways over a pool of nodes: shared nodes make junctions, some ways one-way."""
    rng = np.random.default_rng(seed)
    nodes = {
        i: (float(rng.uniform(-8, -7)), float(rng.uniform(12, 13))) for i in range(1, n_nodes + 1)
    }
    classes = ["trunk", "primary", "secondary", "primary_link"]
    ways: list[Way] = []
    for w in range(n_ways):
        k = int(rng.integers(2, 7))
        refs = [int(x) for x in rng.choice(n_nodes, size=k, replace=False) + 1]
        if rng.random() < 0.15:
            refs.append(refs[0])  # a closed way
        tags = {"highway": str(rng.choice(classes))}
        r = rng.random()
        if r < 0.25:
            tags["oneway"] = "yes"
        elif r < 0.3:
            tags["oneway"] = "-1"
        if rng.random() < 0.3:
            tags["surface"] = "gravel"
        ways.append((1000 + w, refs, tags))
    # chains of shape nodes (degree 2) inserted on some ways
    next_id = n_nodes + 1
    chained: list[Way] = []
    for wid, refs, tags in ways:
        new_refs = [refs[0]]
        for b in refs[1:]:
            a = new_refs[-1]
            for _ in range(int(rng.integers(0, 3))):
                t = rng.random()
                nodes[next_id] = (
                    nodes[a][0] * (1 - t) + nodes[b][0] * t,
                    nodes[a][1] * (1 - t) + nodes[b][1] * t + 0.001,
                )
                new_refs.append(next_id)
                next_id += 1
            new_refs.append(b)
        chained.append((wid, new_refs, tags))
    return OsmData(nodes, chained)


# ---------------------------------------------------------------------- Overpass replay
def overpass_json(data: OsmData, classes: Iterable[str]) -> dict[str, Any]:
    """What Overpass would answer for ways of ``classes`` (``>;`` adds their nodes)."""
    ways = data.highway_ways(classes)
    used = sorted({r for _, refs, _ in ways for r in refs})
    elements: list[dict[str, Any]] = [
        {"type": "node", "id": n, "lat": data.nodes[n][1], "lon": data.nodes[n][0]} for n in used
    ]
    elements += [
        {"type": "way", "id": wid, "nodes": list(refs), "tags": dict(tags)}
        for wid, refs, tags in ways
    ]
    return {
        "version": 0.6,
        "generator": "Overpass API (recorded)",
        "osm3s": {},
        "elements": elements,
    }


def overpass_cache_files(polygon: Any, way_filter: str, cache_folder: Path) -> list[Path]:
    """The cache files osmnx 2.1 reads for ``graph_from_polygon(polygon, custom_filter=...)``.

    Mirrors osmnx: ``graph_from_polygon`` buffers the polygon by 500 m (in UTM) and
    ``_download_overpass_network`` sends one query per sub-polygon; ``_overpass_request``
    keys the cache by the prepared GET URL, and ``_http._resolve_cache_filepath`` names
    the file ``sha1(url).json`` in ``settings.cache_folder``. The query area and other
    settings are those the build uses (:func:`supplynet.osm.overpass.osmnx_settings`).
    """
    import osmnx as ox
    import requests
    from osmnx import _http, _overpass, projection

    from supplynet.osm.overpass import osmnx_settings

    files = []
    with osmnx_settings(cache_folder):  # the settings the build downloads with
        poly_proj, crs_utm = projection.project_geometry(polygon)
        poly_buff, _ = projection.project_geometry(
            poly_proj.buffer(500), crs=crs_utm, to_latlong=True
        )
        settings = _overpass._make_overpass_settings()
        url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
        for coord_str in _overpass._make_overpass_polygon_coord_strs(poly_buff):
            query = f"{settings};(way{way_filter}(poly:{coord_str!r});>;);out;"
            prepared = requests.Request("GET", url, params={"data": query}).prepare().url
            files.append(_http._resolve_cache_filepath(str(prepared)))
    return files


def record_overpass(
    polygon: Any, way_filter: str, response: dict[str, Any], cache_folder: Path
) -> list[Path]:
    """Write ``response`` where osmnx will look for it; return the files written."""
    cache_folder.mkdir(parents=True, exist_ok=True)
    files = overpass_cache_files(polygon, way_filter, cache_folder)
    for f in files:
        f.write_text(json.dumps(response), encoding="utf-8")
    return files
