"""The road data every OSM source is read into: nodes and highway ways as numpy arrays.

All three readers (Overpass, ``.osm`` XML, ``.osm.pbf``) produce one :class:`RoadData`:
the OSM nodes used by the kept ways (``node_ids``, ``lon``, ``lat``), and the ways as a
flat array of node positions (``refs``) cut by ``way_offsets`` (the CSR layout), plus one
entry per way for its tags. One-way ways tagged ``oneway=-1`` are reversed while reading,
so a way always runs in its direction of travel when ``oneway`` is true.

Every source reads the same raw tags through the same rules, so the three agree on the
same data:

* ``highway`` is compared after stripping spaces and lowercasing (:func:`normalise_highway`);
* one-way follows OSM (:func:`is_oneway`): ``oneway=yes|true|1`` and ``-1|reverse`` are
  one-way, ``oneway=no|false|0`` is two-way, and otherwise ``junction=roundabout`` or
  ``junction=circular`` imply one-way;
* a way node missing from the data (a clipped extract) splits the way there: the parts on
  either side become separate ways, never joined by a straight shortcut over the gap;
* a region clips the roads the way osmnx clips an Overpass download
  (``truncate_by_edge``): nodes inside it, and outside nodes one segment away from one
  inside, are kept; the other nodes count as missing.

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
from shapely import intersects_xy, prepare
from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError
from supplynet.osm.defaults import DEFAULT_HIGHWAYS

__all__ = [
    "DEFAULT_HIGHWAYS",
    "EARTH_RADIUS_KM",
    "WAY_TAGS",
    "RoadData",
    "WayBuilder",
    "haversine_km",
    "is_oneway",
    "normalise_highway",
    "parse_highways",
    "parse_lanes",
    "parse_maxspeed_kmh",
    "road_data_from_graph",
]

logger = logging.getLogger(__name__)

#: The way tags every reader keeps (and hands to :class:`WayBuilder`).
WAY_TAGS: tuple[str, ...] = (
    "highway",
    "surface",
    "ref",
    "lanes",
    "lanes:forward",
    "lanes:backward",
    "maxspeed",
    "oneway",
    "junction",
    "smoothness",
    "tracktype",
)
#: The mean Earth radius osmnx uses for great-circle lengths, in km.
EARTH_RADIUS_KM = 6371.009

_ONEWAY_YES = {"yes", "true", "1"}
_ONEWAY_REVERSE = {"-1", "reverse"}
_ONEWAY_NO = {"no", "false", "0"}
_IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}
#: ``oneway`` values osmnx reverses a way for (undone in :func:`road_data_from_graph`).
_OSMNX_REVERSED = {"-1", "reverse", "T"}
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


def normalise_highway(value: Any) -> str:
    """The ``highway`` tag as the road filter and capacity table compare it.

    Examples
    --------
    >>> normalise_highway(" Trunk "), normalise_highway(None)
    ('trunk', '')
    """
    return str(value or "").strip().lower()


def is_oneway(tags: Mapping[str, Any]) -> tuple[bool, bool]:
    """Return ``(oneway, reversed)`` for a way's tags (``oneway=-1`` is reversed).

    As in OSM: ``junction=roundabout`` and ``junction=circular`` imply one-way unless
    the way says ``oneway=no``.

    Examples
    --------
    >>> is_oneway({"oneway": "yes"}), is_oneway({"oneway": "-1"}), is_oneway({})
    ((True, False), (True, True), (False, False))
    >>> is_oneway({"junction": "circular"}), is_oneway({"junction": "roundabout", "oneway": "no"})
    ((True, False), (False, False))
    """
    value = str(tags.get("oneway") or "").strip().lower()
    if value in _ONEWAY_YES:
        return True, False
    if value in _ONEWAY_REVERSE:
        return True, True
    if value in _ONEWAY_NO:
        return False, False
    junction = str(tags.get("junction") or "").strip().lower()
    return junction in _IMPLIED_ONEWAY_JUNCTIONS, False


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
    lanes_forward, lanes_backward : ndarray of float64
        Lanes along and against the way's stored order (its travel direction when
        one-way), from ``lanes:forward`` / ``lanes:backward`` (swapped for a way reversed
        by ``oneway=-1``); NaN when absent.
    oneway : ndarray of bool
        One-way ways (already oriented in the direction of travel).
    smoothness, tracktype : ndarray of str (object)
        OSM condition tags (``""`` when absent), scaling capacity and speed through the
        road condition table.
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
    lanes_forward: np.ndarray
    lanes_backward: np.ndarray
    oneway: np.ndarray
    source: str = ""
    smoothness: np.ndarray | None = None
    tracktype: np.ndarray | None = None

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
        self.lanes_forward: list[float] = []
        self.lanes_backward: list[float] = []
        self.oneway: list[bool] = []
        self.smoothness: list[str] = []
        self.tracktype: list[str] = []

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
        forward = parse_lanes(tags.get("lanes:forward"))
        backward = parse_lanes(tags.get("lanes:backward"))
        if backwards:
            forward, backward = backward, forward
        self._refs.append(refs[::-1] if backwards else refs)
        self.way_ids.append(int(way_id))
        self.highway.append(normalise_highway(tags.get("highway")))
        self.surface.append(str(tags.get("surface") or ""))
        self.ref.append(str(tags.get("ref") or ""))
        self.lanes.append(parse_lanes(tags.get("lanes")))
        self.maxspeed_kmh.append(parse_maxspeed_kmh(tags.get("maxspeed")))
        self.lanes_forward.append(forward)
        self.lanes_backward.append(backward)
        self.oneway.append(oneway)
        self.smoothness.append(str(tags.get("smoothness") or "").strip().lower())
        self.tracktype.append(str(tags.get("tracktype") or "").strip().lower())

    def wanted_node_ids(self) -> np.ndarray:
        """Sorted unique OSM ids of all nodes referenced by the ways so far."""
        if not self._refs:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(self._refs))

    def finish(
        self,
        node_ids: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        source: str,
        *,
        region: BaseGeometry | None = None,
    ) -> RoadData:
        """Resolve node ids to positions; split ways where a node has no location.

        A way ``a b X c d`` whose node ``X`` is missing becomes two ways ``a b`` and
        ``c d`` (same id and tags): the gap is not bridged. Parts of fewer than two nodes
        are dropped. A node id given twice keeps its first location.

        With a ``region``, the roads are clipped to it as osmnx clips an Overpass download
        (``truncate_by_edge``): a node outside it is kept only when a way segment joins it
        to a node inside (on the boundary counts as inside); the others count as missing,
        so each road leaving the region ends one segment past its edge.
        """
        order = np.argsort(node_ids, kind="stable")
        node_ids, lon, lat = node_ids[order], lon[order], lat[order]
        if len(node_ids) > 1:
            first = np.r_[True, node_ids[1:] != node_ids[:-1]]
            node_ids, lon, lat = node_ids[first], lon[first], lat[first]
        counts = np.array([len(r) for r in self._refs], dtype=np.int64)
        flat = np.concatenate(self._refs) if self._refs else np.empty(0, dtype=np.int64)
        self._refs = []
        pos = np.searchsorted(node_ids, flat)
        pos_clipped = np.minimum(pos, max(len(node_ids) - 1, 0))
        located = (
            (pos < len(node_ids)) & (node_ids[pos_clipped] == flat)
            if len(node_ids)
            else np.zeros(len(flat), dtype=bool)
        )
        way_of = np.repeat(np.arange(len(counts)), counts)
        found = located
        if region is not None and len(node_ids):
            keep = _clip_mask(region, lon, lat, pos_clipped, located, way_of)
            found = located & keep[pos_clipped]
            new_pos = np.cumsum(keep) - 1
            node_ids, lon, lat = node_ids[keep], lon[keep], lat[keep]
            pos = new_pos[pos_clipped]
        # a new part starts at each way's first node and after each missing node
        new_part = np.ones(len(flat), dtype=bool)
        if len(flat) > 1:
            new_part[1:] = (way_of[1:] != way_of[:-1]) | ~found[:-1]
        part_of = np.cumsum(new_part) - 1
        n_parts = int(part_of[-1]) + 1 if len(flat) else 0
        part_way = way_of[new_part]
        pos, part_of = pos[found], part_of[found]
        part_counts = np.bincount(part_of, minlength=n_parts)
        keep_part = part_counts >= 2
        pos, part_of = pos[keep_part[part_of]], part_of[keep_part[part_of]]
        offsets = np.concatenate([[0], np.cumsum(part_counts[keep_part])]).astype(np.int64)
        kept_way = part_way[keep_part]
        missing = int((~located).sum())
        outside = int((located & ~found).sum())
        if missing or outside:
            split = int(np.count_nonzero(np.bincount(kept_way, minlength=len(counts)) > 1))
            logger.info(
                "%s: %d way node reference(s) have no location in the file and %d lie "
                "outside the region; their ways are cut there (%d way(s) split in parts, "
                "%d of %d ways left)",
                source,
                missing,
                outside,
                split,
                len(np.unique(kept_way)),
                len(counts),
            )

        def per_way(values: list[Any], dtype: Any) -> np.ndarray:
            return np.asarray(values, dtype=dtype)[kept_way]

        return RoadData(
            node_ids=node_ids,
            lon=lon,
            lat=lat,
            way_ids=per_way(self.way_ids, np.int64),
            way_offsets=offsets,
            refs=pos.astype(np.int64),
            highway=per_way(self.highway, object),
            surface=per_way(self.surface, object),
            ref=per_way(self.ref, object),
            lanes=per_way(self.lanes, np.float64),
            maxspeed_kmh=per_way(self.maxspeed_kmh, np.float64),
            lanes_forward=per_way(self.lanes_forward, np.float64),
            lanes_backward=per_way(self.lanes_backward, np.float64),
            oneway=per_way(self.oneway, bool),
            source=source,
            smoothness=per_way(self.smoothness, object),
            tracktype=per_way(self.tracktype, object),
        )


def _clip_mask(
    region: BaseGeometry,
    lon: np.ndarray,
    lat: np.ndarray,
    pos: np.ndarray,
    located: np.ndarray,
    way_of: np.ndarray,
) -> np.ndarray:
    """Per node: inside ``region``, or joined by a way segment to a node inside."""
    prepare(region)
    inside = intersects_xy(region, lon, lat)
    keep = inside.copy()
    if len(pos) > 1:
        seg = located[:-1] & located[1:] & (way_of[:-1] == way_of[1:])
        a, b = pos[:-1][seg], pos[1:][seg]
        keep[a[inside[b]]] = True
        keep[b[inside[a]]] = True
    return keep


def _first(value: Any) -> Any:
    """osmnx stores a list when merged edges disagree; take the first value."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def road_data_from_graph(
    G: nx.MultiDiGraph,
    highways: Sequence[str],
    source: str,
    *,
    region: BaseGeometry | None = None,
) -> RoadData:
    """Turn an unsimplified osmnx graph into :class:`RoadData`, keeping ``highways`` only.

    Each osmnx edge (one segment between two consecutive way nodes) becomes a two-node
    way. The graph should be made with osmnx's ``all_oneway`` setting on (as
    :func:`supplynet.osm.xml.useful_way_tags` does): every segment then appears once with
    the raw ``oneway`` tag, the reversal osmnx applies to ``oneway=-1|reverse|T`` ways is
    undone, and :func:`is_oneway` decides as for ``.osm.pbf``. A graph made with osmnx's
    defaults (boolean ``oneway``, two-way segments twice) is read with osmnx's decision:
    its twin segments (``reversed=True``) are skipped. Segments of other classes are
    dropped. With a ``region``, the roads are clipped to it (:meth:`WayBuilder.finish`).
    """
    wanted = set(highways)
    builder = WayBuilder()
    for u, v, d in G.edges(data=True):
        highway = normalise_highway(_first(d.get("highway")))
        if highway not in wanted:
            continue
        tags = {k: _first(d.get(k)) for k in WAY_TAGS}
        tags["highway"] = highway
        raw = tags["oneway"]
        ends = [u, v]
        if isinstance(raw, bool):  # osmnx decided (all_oneway off)
            if not raw and d.get("reversed", False):
                continue  # the twin of a two-way segment already taken
            tags["oneway"] = "yes" if raw else "no"
        elif raw is not None and str(raw) in _OSMNX_REVERSED:
            ends = [v, u]  # back to the drawn order: is_oneway reverses it
        builder.add(int(_first(d.get("osmid", 0)) or 0), ends, tags)
    used = builder.wanted_node_ids()
    lon = np.array([float(G.nodes[n]["x"]) for n in used.tolist()], dtype=np.float64)
    lat = np.array([float(G.nodes[n]["y"]) for n in used.tolist()], dtype=np.float64)
    return builder.finish(used, lon, lat, source, region=region)
