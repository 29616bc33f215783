"""Streaming ``.osm.pbf`` reader (pyosmium) that keeps only the wanted highway ways.

Two passes over the file, neither of which loads the extract:

1. ways only (node blocks are skipped by libosmium), filtered in C++ to ways with a
   ``highway`` tag, then kept when the tag, stripped and lowercased like the other
   sources do (:func:`~supplynet.osm.roads.normalise_highway`), is a wanted class: keep
   each way's node ids and a few tags;
2. nodes only, filtered in C++ by an id set of the nodes those ways use: keep their
   locations in numpy arrays (a node id found twice keeps its first location).

Memory therefore grows with the kept roads (about 30 bytes per kept node and a few
hundred per kept way), not with the size of the file. pyosmium also reads ``.osm`` and
``.osm.bz2`` XML this way (used by the benchmark; the library reads XML with osmnx).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import osmium
import osmium.filter

from supplynet.errors import DataError
from supplynet.osm.roads import WAY_TAGS, RoadData, WayBuilder, normalise_highway

__all__ = ["read_pbf"]

logger = logging.getLogger(__name__)

_REPORT_EVERY = 20_000


def _read_ways(
    path: Path, highways: Sequence[str], on_progress: Callable[[int], None] | None
) -> WayBuilder:
    builder = WayBuilder()
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    wanted = set(highways)
    verdict: dict[str | None, bool] = {}  # raw highway value -> kept (few distinct values)
    count = 0
    add = builder.add
    for way in processor:
        tags = way.tags
        raw = tags.get("highway")
        keep = verdict.get(raw)
        if keep is None:
            keep = verdict[raw] = normalise_highway(raw) in wanted
        if not keep:
            continue
        refs = [n.ref for n in way.nodes]  # type: ignore[union-attr]
        add(way.id, refs, {k: tags.get(k) for k in WAY_TAGS})
        count += 1
        if on_progress is not None and count % _REPORT_EVERY == 0:
            on_progress(_REPORT_EVERY)
    if on_progress is not None:
        on_progress(count % _REPORT_EVERY)
    return builder


def _read_locations(
    path: Path,
    wanted: np.ndarray,
    on_progress: Callable[[int], None] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = np.empty(len(wanted), dtype=np.int64)
    lon = np.empty(len(wanted), dtype=np.float64)
    lat = np.empty(len(wanted), dtype=np.float64)
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.IdFilter(wanted.tolist())
    )
    i = 0
    for node in processor:
        location = node.location  # type: ignore[union-attr]
        if location.valid():
            if i == len(ids):  # a node id found twice: grow (duplicates go in finish)
                grow = max(len(ids) // 2, 1)
                ids = np.concatenate([ids, np.empty(grow, dtype=np.int64)])
                lon = np.concatenate([lon, np.empty(grow, dtype=np.float64)])
                lat = np.concatenate([lat, np.empty(grow, dtype=np.float64)])
            ids[i], lon[i], lat[i] = node.id, location.lon, location.lat
            i += 1
            if on_progress is not None and i % _REPORT_EVERY == 0:
                on_progress(_REPORT_EVERY)
    if on_progress is not None:
        on_progress(i % _REPORT_EVERY)
    return ids[:i], lon[:i], lat[:i]


def read_pbf(
    path: str | Path, highways: Sequence[str], *, on_progress: Callable[[int], None] | None = None
) -> RoadData:
    """Read the ways of classes ``highways`` and their nodes from an OSM file.

    Parameters
    ----------
    path : str or Path
        An ``.osm.pbf`` file (also accepts ``.osm``/``.osm.bz2``).
    highways : sequence of str
        Highway classes to keep (``highway=<class>``).
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
        builder = _read_ways(path, highways, on_progress)
        wanted = builder.wanted_node_ids()
        ids, lon, lat = _read_locations(path, wanted, on_progress)
    except RuntimeError as exc:  # libosmium: truncated or corrupt data
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read OSM data ({first}); is the file complete?") from None
    n_ways = len(builder)
    data = builder.finish(ids, lon, lat, source=str(path))
    logger.info(
        "Read %s: %d ways of classes %s, %d of their %d nodes located",
        path.name,
        n_ways,
        ",".join(highways),
        data.n_nodes,
        len(wanted),
    )
    return data
