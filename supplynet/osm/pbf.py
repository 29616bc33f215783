"""Streaming ``.osm.pbf`` reader (pyosmium) that keeps only the wanted highway ways.

Memory grows with the roads kept, not with the file nor with how its ids are spread (real
extracts carry node ids up to about 1.3e10 and way ids near 1.4e9; pyosmium's ``IdFilter``
keeps a bitmap over the id range in 4 MiB chunks, about 1.5 GB for 5,000 spread ids, so it
is not used). Node locations are looked up in C++ (libosmium's sparse location store, 16 bytes a
node); Python sees only the highway ways and a few tagged nodes. Two reading plans:

* **a file sorted by type and id** (its header says ``Sort.Type_then_ID``: Geofabrik
  extracts, planet files and every file osmium writes): two passes.

  1. ways only (node blocks are not decoded), filtered in C++ to ways with a ``highway``
     tag, kept when the tag, stripped and lowercased like the other sources do
     (:func:`~supplynet.osm.roads.normalise_highway`), is a wanted class; their node ids
     go to a sorted int64 array (8 bytes a kept node);
  2. nodes only, streamed through the location store. At a tagged node (the only nodes
     handed to Python) once the store holds more than :data:`STORE_BUDGET_BYTES`, the
     kept ids up to that node are looked up and the store is emptied; the file being
     sorted, no later node can be one of them. Peak memory: the kept roads plus the
     budget.

* **any other file** (unsorted, hand-made, XML): one pass; the store keeps every node of
  the file (16 bytes each), libosmium sorts it when the first way arrives and gives each
  way's nodes their locations.

The store holds positive ids only: a file with negative (editor) ids has its nodes looked
at one by one in Python instead (such files are small).

A node id found twice keeps its first location in a sorted file, the smaller coordinates
(libosmium's store order) otherwise. pyosmium also reads ``.osm`` and ``.osm.bz2`` XML
this way (used by the benchmark; the library reads XML with osmnx).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import osmium.filter
from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError
from supplynet.osm.roads import WAY_TAGS, RoadData, WayBuilder, normalise_highway

__all__ = ["STORE_BUDGET_BYTES", "is_sorted_file", "read_pbf"]

logger = logging.getLogger(__name__)

#: Largest node location store (bytes) held while streaming a sorted file: about two
#: million nodes; the store is emptied into the kept nodes once it grows past this.
STORE_BUDGET_BYTES = 32 * 2**20
_STORE = "sparse_mem_array"
_REPORT_EVERY = 20_000

Progress = Callable[[int], None] | None


def is_sorted_file(path: str | Path) -> bool:
    """Does the file's header say it is sorted by type, then id?"""
    return bool(osmium.FileProcessor(str(path)).header.get("sorting") == "Type_then_ID")


def _highway_ways(processor: Iterable[Any], highways: Sequence[str]) -> Iterator[Any]:
    """The ways of ``processor`` whose normalised ``highway`` tag is a wanted class."""
    wanted = set(highways)
    verdict: dict[str | None, bool] = {}  # raw highway value -> kept (few distinct values)
    for way in processor:
        raw = way.tags.get("highway")
        keep = verdict.get(raw)
        if keep is None:
            keep = verdict[raw] = normalise_highway(raw) in wanted
        if keep:
            yield way


def _add_way(builder: WayBuilder, way: Any, refs: list[int]) -> None:
    tags = way.tags
    builder.add(way.id, refs, {k: tags.get(k) for k in WAY_TAGS})


def _report(on_progress: Progress, count: int, final: bool = False) -> None:
    if on_progress is None:
        return
    if final:
        on_progress(count % _REPORT_EVERY)
    elif count % _REPORT_EVERY == 0:
        on_progress(_REPORT_EVERY)


def _read_ways(path: Path, highways: Sequence[str], on_progress: Progress) -> WayBuilder:
    """Pass 1 of a sorted file: the wanted highway ways, without node locations."""
    builder = WayBuilder()
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    count = 0
    for way in _highway_ways(processor, highways):
        _add_way(builder, way, [n.ref for n in way.nodes])
        count += 1
        _report(on_progress, count)
    _report(on_progress, count, final=True)
    return builder


def _locate_sorted(
    path: Path, wanted: np.ndarray, on_progress: Progress
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Pass 2 of a sorted file: locations of the ``wanted`` (sorted, positive) node ids.

    Also returns a note for the log: how often the store was emptied, its largest size.
    """
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE)
        .with_locations(_STORE)
        .with_filter(osmium.filter.EmptyTagFilter())
    )
    store = processor.node_location_storage
    assert store is not None
    lon = np.full(len(wanted), np.nan)
    lat = np.full(len(wanted), np.nan)
    done = 0
    batches, largest = 0, 0

    def look_up(last_id: int) -> None:
        """Locate the wanted ids up to ``last_id`` (all read by now), then empty the store."""
        nonlocal done, batches, largest
        batches += 1
        largest = max(largest, int(store.used_memory()))
        stop = int(np.searchsorted(wanted, last_id, side="right"))
        get = store.get
        for j, node_id in enumerate(wanted[done:stop].tolist(), start=done):
            try:
                location = get(node_id)
            except KeyError:  # not in the file
                continue
            if location.valid():
                lon[j], lat[j] = location.lon, location.lat
        if on_progress is not None:
            on_progress(stop - done)
        done = stop
        store.clear()

    for node in processor:  # tagged nodes only; the others stay in C++
        if store.used_memory() > STORE_BUDGET_BYTES:
            look_up(node.id)
    look_up(int(wanted[-1]) if len(wanted) else 0)
    found = ~np.isnan(lon)
    note = f"{batches} batch(es), location store at most {largest / 2**20:.1f} MiB"
    return wanted[found], lon[found], lat[found], note


def _locate_by_scan(
    path: Path, wanted: np.ndarray, on_progress: Progress
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Locations of the ``wanted`` node ids by looking at every node in Python.

    For files with negative (editor) ids, which libosmium's location store does not
    hold; such files are small.
    """
    keep = set(wanted.tolist())
    ids: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    nodes: Iterable[Any] = osmium.FileProcessor(str(path), osmium.osm.NODE)
    for node in nodes:
        if node.id in keep:
            location = node.location
            if location.valid():
                ids.append(node.id)
                lon.append(location.lon)
                lat.append(location.lat)
    if on_progress is not None:
        on_progress(len(ids))
    return (
        np.asarray(ids, dtype=np.int64),
        np.asarray(lon, dtype=np.float64),
        np.asarray(lat, dtype=np.float64),
    )


def _read_unsorted(
    path: Path, highways: Sequence[str], on_progress: Progress
) -> tuple[WayBuilder, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over any file: every node in the location store, ways located in C++."""
    builder = WayBuilder()
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(_STORE)
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    ids: list[int] = []
    lon: list[float] = []
    lat: list[float] = []
    count = 0
    for way in _highway_ways(processor, highways):
        refs = []
        for n in way.nodes:
            refs.append(n.ref)
            location = n.location
            if location.valid():
                ids.append(n.ref)
                lon.append(location.lon)
                lat.append(location.lat)
        _add_way(builder, way, refs)
        count += 1
        _report(on_progress, count)
    _report(on_progress, count, final=True)
    return (
        builder,
        np.asarray(ids, dtype=np.int64),
        np.asarray(lon, dtype=np.float64),
        np.asarray(lat, dtype=np.float64),
    )


def read_pbf(
    path: str | Path,
    highways: Sequence[str],
    *,
    region: BaseGeometry | None = None,
    on_progress: Progress = None,
) -> RoadData:
    """Read the ways of classes ``highways`` and their nodes from an OSM file.

    Parameters
    ----------
    path : str or Path
        An ``.osm.pbf`` file (also accepts ``.osm``/``.osm.bz2``).
    highways : sequence of str
        Highway classes to keep (``highway=<class>``).
    region : shapely geometry, optional
        Clip the roads to it (lon/lat) as osmnx clips an Overpass download: a road
        leaving it ends one segment past its edge
        (:meth:`~supplynet.osm.roads.WayBuilder.finish`).
    on_progress : callable, optional
        Called with the number of objects read since the last call.

    Returns
    -------
    RoadData

    Raises
    ------
    DataError
        Missing, unreadable or truncated file, naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: OSM file not found")
    try:
        if is_sorted_file(path):
            builder = _read_ways(path, highways, on_progress)
            wanted = builder.wanted_node_ids()
            if len(wanted) == 0 or wanted[0] > 0:
                ids, lon, lat, note = _locate_sorted(path, wanted, on_progress)
                plan = f"sorted file, {note}"
        else:
            builder, ids, lon, lat = _read_unsorted(path, highways, on_progress)
            wanted = builder.wanted_node_ids()
            plan = "unsorted file, one pass"
        if len(wanted) and wanted[0] <= 0:  # editor ids: not in the location store
            ids, lon, lat = _locate_by_scan(path, wanted, on_progress)
            plan = "negative ids, every node scanned"
    except RuntimeError as exc:  # libosmium: truncated or corrupt data
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read OSM data ({first}); is the file complete?") from None
    n_ways = len(builder)
    data = builder.finish(ids, lon, lat, source=str(path), region=region)
    logger.info(
        "Read %s: %d ways of classes %s, %d of their %d nodes located%s (%s)",
        path.name,
        n_ways,
        ",".join(highways),
        data.n_nodes,
        len(wanted),
        " in the region" if region is not None else "",
        plan,
    )
    return data
