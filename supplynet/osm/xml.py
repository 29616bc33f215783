"""Reading a local ``.osm`` / ``.osm.bz2`` XML file through osmnx ``graph_from_xml``.

osmnx parses the whole file into Python objects (fine for a town or a small extract);
region-scale extracts are better read from ``.osm.pbf`` (:mod:`supplynet.osm.pbf`).
"""

from __future__ import annotations

import contextlib
import logging
import xml.sax
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.etree import ElementTree

from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError
from supplynet.osm.roads import WAY_TAGS, RoadData, road_data_from_graph

__all__ = ["read_xml", "useful_way_tags"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def useful_way_tags() -> Iterator[None]:
    """osmnx settings for reading roads, for the ``with`` block.

    osmnx keeps the way tags the capacity table and the one-way rules need
    (:data:`supplynet.osm.roads.WAY_TAGS`), and ``all_oneway`` is on: each segment
    appears once with its raw ``oneway`` tag, so that
    :func:`~supplynet.osm.roads.road_data_from_graph` applies the same one-way rules to
    ``.osm`` and Overpass data as to ``.osm.pbf`` (osmnx's own rules differ: it treats
    ``junction=circular`` as two-way and a roundabout as one-way even with ``oneway=no``).
    """
    import osmnx as ox

    saved = list(ox.settings.useful_tags_way)
    saved_oneway = ox.settings.all_oneway
    ox.settings.useful_tags_way = list(dict.fromkeys([*saved, *WAY_TAGS]))
    ox.settings.all_oneway = True
    try:
        yield
    finally:
        ox.settings.useful_tags_way = saved
        ox.settings.all_oneway = saved_oneway


def read_xml(
    path: str | Path, highways: Sequence[str], *, region: BaseGeometry | None = None
) -> RoadData:
    """Read the ways of classes ``highways`` from an OSM XML file (optionally bz2).

    With a ``region``, the roads are clipped to it
    (:meth:`~supplynet.osm.roads.WayBuilder.finish`).

    Raises
    ------
    DataError
        Missing, unreadable or truncated file, naming it.
    """
    import osmnx as ox

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: OSM file not found")
    try:
        with useful_way_tags():
            G = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except xml.sax.SAXParseException as exc:
        raise DataError(
            f"{path}: not valid OSM XML ({exc.getMessage()} at line "
            f"{exc.getLineNumber()}); is the file complete?"
        ) from None
    except ElementTree.ParseError as exc:
        raise DataError(f"{path}: not valid OSM XML ({exc}); is the file complete?") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read OSM XML ({exc})") from None
    except ox._errors.InsufficientResponseError:
        raise DataError(f"{path}: no OSM nodes or ways in the file") from None
    except (KeyError, ValueError) as exc:
        if isinstance(exc, KeyError) or "missing nodes" in str(exc):
            raise DataError(
                f"{path}: some ways reference nodes that are not in the file (a clipped "
                "extract?); complete it (osmium extract --strategy complete_ways) or use "
                "a .osm.pbf, whose reader cuts ways at missing nodes"
            ) from None
        raise DataError(f"{path}: malformed OSM XML ({exc})") from None
    data = road_data_from_graph(G, highways, source=str(path), region=region)
    logger.info(
        "Read %s: %d road segments of classes %s on %d nodes",
        path.name,
        data.n_ways,
        ",".join(highways),
        data.n_nodes,
    )
    return data
