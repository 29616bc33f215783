"""The road data every OSM source is read into: nodes and highway ways as numpy arrays.

All three readers (Overpass, ``.osm`` XML, ``.osm.pbf``) produce one :class:`RoadData`:
the OSM nodes used by the kept ways (``node_ids``, ``lon``, ``lat``), and the ways as a
flat array of node positions (``refs``) cut by ``way_offsets`` (the CSR layout), plus one
entry per way for its tags. One-way ways tagged ``oneway=-1`` are reversed while reading,
so a way always runs in its direction of travel when ``oneway`` is true.

Keeping arrays instead of one Python object per node is what keeps memory proportional to
the kept roads (a few dozen bytes per node) on region-scale extracts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from supplynet.errors import DataError

__all__ = [
    "DEFAULT_HIGHWAYS",
    "EARTH_RADIUS_KM",
    "RoadData",
    "WayBuilder",
    "haversine_km",
    "is_oneway",
    "parse_highways",
    "parse_lanes",
    "parse_maxspeed_kmh",
    "road_data_from_graph",
]

logger = logging.getLogger(__name__)

#: Default road filter: motorway to secondary and their links.
DEFAULT_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
)
#: The mean Earth radius osmnx uses for great-circle lengths, in km.
EARTH_RADIUS_KM = 6371.009

_ONEWAY_YES = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def parse_highways(highway: str | Iterable[str] | None) -> tuple[str, ...]:
    """Normalise a road filter (``"motorway,trunk"`` or a list) to a tuple of classes.

    Examples
    --------
    >>> parse_highways("trunk, primary")
    ('trunk', 'primary')
    >>> parse_highways(None)[:2]
    ('motorway', 'trunk')
    """
    if highway is None:
        return DEFAULT_HIGHWAYS
    parts = highway.split(",") if isinstance(highway, str) else list(highway)
    classes = tuple(dict.fromkeys(p.strip().lower() for p in parts if p and p.strip()))
    if not classes:
        raise DataError("the road filter (highway classes) is empty")
    for c in classes:
        if not re.fullmatch(r"[a-z_]+", c):
            raise DataError(f"highway class {c!r} in the road filter is not an OSM class name")
    return classes


def is_oneway(tags: Mapping[str, Any]) -> tuple[bool, bool]:
    """Return ``(oneway, reversed)`` for a way's tags (``oneway=-1`` is reversed).

    Roundabouts are one-way.

    Examples
    --------
    >>> is_oneway({"oneway": "yes"}), is_oneway({"oneway": "-1"}), is_oneway({})
    ((True, False), (True, True), (False, False))
    """
    value = str(tags.get("oneway") or "").strip().lower()
    if value in _ONEWAY_YES:
        return True, False
    if value in _ONEWAY_REVERSE:
        return True, True
    junction = str(tags.get("junction") or "").strip().lower()
    return junction in ("roundabout", "circular"), False


def parse_lanes(value: Any) -> float:
    """Parse an OSM ``lanes`` tag (``"4"``, ``"2;3"``) to a number, NaN when absent or bad.

    Examples
    --------
    >>> parse_lanes("2;3"), parse_lanes(None) != parse_lanes(None)
    (2.0, True)
    """
    if value is None:
        return float("nan")
    match = _NUMBER.search(str(value))
    lanes = float(match.group()) if match else float("nan")
    return lanes if lanes > 0 else float("nan")


def parse_maxspeed_kmh(value: Any) -> float:
    """Parse an OSM ``maxspeed`` tag to km/h (``"50"``, ``"30 mph"``); NaN when unusable."""
    if value is None:
        return float("nan")
    text = str(value).split(";")[0].strip().lower()
    match = _NUMBER.search(text)
    if not match:
        return float("nan")
    speed = float(match.group()) * (1.609344 if "mph" in text else 1.0)
    return speed if speed > 0 else float("nan")


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between arrays of points (degrees).

    Examples
    --------
    >>> float(haversine_km(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))[0])
    111.19508...
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass
class RoadData:
    """Kept OSM nodes and highway ways, as arrays.

    Attributes
    ----------
    node_ids : ndarray of int64
        OSM ids of the nodes used by the ways, sorted.
    lon, lat : ndarray of float64
        Their coordinates (degrees).
    way_ids : ndarray of int64
        OSM way ids.
    way_offsets : ndarray of int64
        Way ``i`` uses ``refs[way_offsets[i]:way_offsets[i + 1]]``.
    refs : ndarray of int64
        Positions into ``node_ids`` of the ways' nodes, in travel order.
    highway, surface, ref : ndarray of str (object)
        Per-way tags (``""`` when absent).
    lanes, maxspeed_kmh : ndarray of float64
        Per-way numbers, NaN when absent.
    oneway : ndarray of bool
        One-way ways (already oriented in the direction of travel).
    source : str
        Where the data came from, for messages.
    """

    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    way_ids: np.ndarray
    way_offsets: np.ndarray
    refs: np.ndarray
    highway: np.ndarray
    surface: np.ndarray
    ref: np.ndarray
    lanes: np.ndarray
    maxspeed_kmh: np.ndarray
    oneway: np.ndarray
    source: str = ""

    @property
    def n_nodes(self) -> int:
        """Number of OSM nodes."""
        return len(self.node_ids)

    @property
    def n_ways(self) -> int:
        """Number of ways."""
        return len(self.way_ids)


class WayBuilder:
    """Collect ways one by one, then resolve their node ids against node coordinates.

    The readers call :meth:`add` for every kept way, then :meth:`finish` with the node
    coordinates they found. Each way's node refs are kept as one int64 numpy array, so a
    kept node costs 8 bytes and no Python object.
    """

    def __init__(self) -> None:
        self._refs: list[np.ndarray] = []
        self.way_ids: list[int] = []
        self.highway: list[str] = []
        self.surface: list[str] = []
        self.ref: list[str] = []
        self.lanes: list[float] = []
        self.maxspeed_kmh: list[float] = []
        self.oneway: list[bool] = []

    def __len__(self) -> int:
        return len(self.way_ids)

    def add(
        self, way_id: int, node_refs: Sequence[int] | np.ndarray, tags: Mapping[str, Any]
    ) -> None:
        """Add one way with its node ids and tags."""
        refs = np.asarray(node_refs, dtype=np.int64)
        if len(refs) > 1:
            keep = np.ones(len(refs), dtype=bool)
            keep[1:] = refs[1:] != refs[:-1]  # drop consecutive duplicates
            refs = refs[keep]
        if len(refs) < 2:
            return
        oneway, backwards = is_oneway(tags)
        self._refs.append(refs[::-1] if backwards else refs)
        self.way_ids.append(int(way_id))
        self.highway.append(str(tags.get("highway") or "").strip().lower())
        self.surface.append(str(tags.get("surface") or ""))
        self.ref.append(str(tags.get("ref") or ""))
        self.lanes.append(parse_lanes(tags.get("lanes")))
        self.maxspeed_kmh.append(parse_maxspeed_kmh(tags.get("maxspeed")))
        self.oneway.append(oneway)

    def wanted_node_ids(self) -> np.ndarray:
        """Sorted unique OSM ids of all nodes referenced by the ways so far."""
        if not self._refs:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(self._refs))

    def finish(
        self, node_ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, source: str
    ) -> RoadData:
        """Resolve node ids to positions; drop refs to nodes without a location."""
        order = np.argsort(node_ids, kind="stable")
        node_ids, lon, lat = node_ids[order], lon[order], lat[order]
        counts = np.array([len(r) for r in self._refs], dtype=np.int64)
        flat = np.concatenate(self._refs) if self._refs else np.empty(0, dtype=np.int64)
        self._refs = []
        pos = np.searchsorted(node_ids, flat)
        pos_clipped = np.minimum(pos, max(len(node_ids) - 1, 0))
        found = (
            (pos < len(node_ids)) & (node_ids[pos_clipped] == flat)
            if len(node_ids)
            else np.zeros(len(flat), dtype=bool)
        )
        missing = int((~found).sum())
        if missing:
            logger.info(
                "%s: %d way node reference(s) have no location in the file; skipped",
                source,
                missing,
            )
        way_of = np.repeat(np.arange(len(counts)), counts)
        pos, way_of = pos[found], way_of[found]
        new_counts = np.bincount(way_of, minlength=len(counts))
        keep_way = new_counts >= 2
        keep_ref = keep_way[way_of]
        pos, way_of = pos[keep_ref], way_of[keep_ref]
        offsets = np.concatenate([[0], np.cumsum(new_counts[keep_way])]).astype(np.int64)
        return RoadData(
            node_ids=node_ids,
            lon=lon,
            lat=lat,
            way_ids=np.asarray(self.way_ids, dtype=np.int64)[keep_way],
            way_offsets=offsets,
            refs=pos.astype(np.int64),
            highway=np.asarray(self.highway, dtype=object)[keep_way],
            surface=np.asarray(self.surface, dtype=object)[keep_way],
            ref=np.asarray(self.ref, dtype=object)[keep_way],
            lanes=np.asarray(self.lanes, dtype=np.float64)[keep_way],
            maxspeed_kmh=np.asarray(self.maxspeed_kmh, dtype=np.float64)[keep_way],
            oneway=np.asarray(self.oneway, dtype=bool)[keep_way],
            source=source,
        )


def _first(value: Any) -> Any:
    """osmnx stores a list when merged edges disagree; take the first value."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def road_data_from_graph(G: nx.MultiDiGraph, highways: Sequence[str], source: str) -> RoadData:
    """Turn an unsimplified osmnx graph into :class:`RoadData`, keeping ``highways`` only.

    Each osmnx edge (one segment between two consecutive way nodes) becomes a two-node
    way; two-way roads appear once (the osmnx edge with ``reversed=False``). Segments of
    other classes are dropped.
    """
    wanted = set(highways)
    builder = WayBuilder()
    for u, v, d in G.edges(data=True):
        highway = str(_first(d.get("highway")) or "").strip().lower()
        if highway not in wanted:
            continue
        oneway = bool(d.get("oneway", False))
        if not oneway and d.get("reversed", False):
            continue  # the twin of a two-way segment already taken
        tags = {
            "highway": highway,
            "surface": _first(d.get("surface")),
            "ref": _first(d.get("ref")),
            "lanes": _first(d.get("lanes")),
            "maxspeed": _first(d.get("maxspeed")),
            "oneway": "yes" if oneway else "no",
        }
        builder.add(int(_first(d.get("osmid", 0)) or 0), [u, v], tags)
    used = builder.wanted_node_ids()
    lon = np.array([float(G.nodes[n]["x"]) for n in used.tolist()], dtype=np.float64)
    lat = np.array([float(G.nodes[n]["y"]) for n in used.tolist()], dtype=np.float64)
    return builder.finish(used, lon, lat, source)
