"""Corridor names for a network built from OpenStreetMap.

A corridor of the curated network is a chain of roads through named places. On a built
network it becomes the shortest road route (by ``length_km``) through the same
facilities, in the same order: ``dakar-kayes`` is Dakar → Kidira/Diboli → Kayes → Bamako.
Every arc on those routes (and its reverse) gets the corridor's name, so scenarios that
block or limit corridors run unchanged on a built network.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import networkx as nx

from supplynet.osm.facilities import FACILITY_KINDS
from supplynet.schema import REVERSE_SUFFIX

if TYPE_CHECKING:
    from supplynet.network import Network

__all__ = ["corridor_routes", "default_corridor_routes", "tag_corridors"]

logger = logging.getLogger(__name__)


def corridor_routes(reference: Network) -> dict[str, list[str]]:
    """Each corridor of ``reference`` as the ordered facilities along it.

    A corridor must be a simple chain of roads; one that branches is skipped (logged).

    Examples
    --------
    >>> import supplynet as sn
    >>> corridor_routes(sn.load_network())["dakar-kayes"]
    ['dakar', 'kidira_diboli', 'kayes', 'bamako']
    """
    G = reference.graph
    routes: dict[str, list[str]] = {}
    for name, arc_ids in reference.corridors.items():
        chain = nx.Graph()
        for eid in arc_ids:
            chain.add_edge(*reference.edge_endpoints(eid))
        ends = [n for n, degree in chain.degree() if degree == 1]
        if len(ends) != 2 or not nx.is_connected(chain) or max(d for _, d in chain.degree()) > 2:
            logger.debug("Corridor %r is not a simple chain of roads: skipped", name)
            continue
        start, end = sorted(ends, key=lambda n: (G.nodes[n].get("kind") != "port", str(n)))
        path = nx.shortest_path(chain, start, end)
        stops = [str(n) for n in path if G.nodes[n].get("kind") in FACILITY_KINDS]
        if len(stops) >= 2:
            routes[name] = stops
        else:
            logger.debug("Corridor %r passes fewer than two facilities: skipped", name)
    return routes


def default_corridor_routes() -> dict[str, list[str]]:
    """The embedded network's corridors as ordered facility ids."""
    from supplynet.datasets import load_network

    return corridor_routes(load_network())


def tag_corridors(G: nx.MultiDiGraph, routes: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Name the arcs on each corridor's route; return the number of roads per corridor.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A built network graph; arcs get (or extend) their ``corridors`` tuple in place.
    routes : mapping
        Corridor name -> ordered facility ids. Facilities missing from ``G`` are left
        out; a corridor with fewer than two of them, or whose stops are not connected,
        is skipped with an INFO log line.
    """
    tagged: dict[str, int] = {}
    for name, stops in routes.items():
        present = [s for s in stops if s in G]
        if len(present) < 2:
            logger.debug("Corridor %r: fewer than two of its places are in the network", name)
            continue
        roads: set[str] = set()
        for a, b in pairwise(present):
            try:
                path = nx.shortest_path(G, a, b, weight="length_km")
            except nx.NetworkXNoPath:
                logger.debug("Corridor %r: no road from %s to %s", name, a, b)
                continue
            for u, v in pairwise(path):
                parallel = G[u][v]  # key -> arc data
                key = min(parallel, key=lambda k: float(parallel[k]["length_km"]))
                roads.add(parallel[key].get("road_id", key))
        for _, _, d in G.edges(data=True):
            if d.get(
                "road_id", d["edge_id"].removesuffix(REVERSE_SUFFIX)
            ) in roads and name not in d.get("corridors", ()):
                d["corridors"] = (*d.get("corridors", ()), name)
        tagged[name] = len(roads)
    logger.info("Tagged %d corridors on %d roads", len(tagged), sum(tagged.values()))
    return tagged
