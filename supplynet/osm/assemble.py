"""Capacities of OSM ways and the assembly of the contracted graph in supplynet's schema.

Capacity of a way, for each direction of travel::

    capacity_m3_day = tanker_trucks_day(highway, surface) * tanker_m3 * max(lanes_dir, 1)
    speed_kmh       = min(table speed, maxspeed tag)

The table (``data/road_capacity.csv`` or the user's) gives the figure for one direction
of an ordinary two-lane two-way road, that is for one lane; a direction with more lanes
scales it linearly. ``lanes_dir``, the lanes in that direction, is:

* ``lanes:forward`` / ``lanes:backward`` when tagged (relative to the way's drawing
  direction, so swapped for ``oneway=-1``);
* on a one-way road, all its ``lanes`` (``lanes=2`` one-way: twice the table's figure);
* on a two-way road, ``lanes`` minus the other direction's tagged lanes, or else half
  of ``lanes`` (``lanes=4`` two-way: twice the figure each way);
* one lane when nothing is tagged.

A class/surface missing from the table is an error naming the way, unless the table's
fallback row is allowed.

A merged road has the summed length and travel time of its pieces and, in each direction,
the minimum of their capacities in that direction; its ``highway``, ``surface``, ``ref``
and ``lanes`` are those of its bottleneck (lowest-capacity piece in its forward
direction, the longest of them on ties); ``osm_way_ids`` lists every OSM way on it, in
travel order.

A facility whose road node another facility already took is joined to that node (the
*anchor*) by a zero-length two-way connector road. Its capacity, in both directions, is
``max(sum of the capacities of the roads entering the anchor, sum of those leaving it)``:
everything that can reach the anchor, or leave it, by road can pass the connector, so a
facility on a node reached only by one-way roads is not cut off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import shapely

from supplynet.capacity import CapacityTable, normalise_surface
from supplynet.osm.contract import Chains, Pieces
from supplynet.osm.roads import RoadData

__all__ = ["Attachments", "assemble_graph", "lane_factors", "way_capacities"]

logger = logging.getLogger(__name__)


def lane_factors(data: RoadData) -> np.ndarray:
    """Per way: the lanes along (column 0) and against (column 1) its stored order.

    The stored order is the travel direction of a one-way way. Each is at least 1 (the
    table's figure); see the module docstring for the rule.

    Examples
    --------
    >>> from supplynet.osm.roads import WayBuilder
    >>> b = WayBuilder()
    >>> b.add(1, [1, 2], {"highway": "trunk", "lanes": "4"})
    >>> b.add(2, [1, 2], {"highway": "trunk", "lanes": "2", "oneway": "yes"})
    >>> b.add(3, [1, 2], {"highway": "trunk", "lanes": "3", "lanes:forward": "2"})
    >>> b.add(4, [1, 2], {"highway": "trunk"})
    >>> data = b.finish(np.array([1, 2]), np.zeros(2), np.zeros(2), "doc")
    >>> lane_factors(data).tolist()
    [[2.0, 2.0], [2.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    """
    lanes, fwd, bwd = data.lanes, data.lanes_forward, data.lanes_backward
    oneway = data.oneway
    with np.errstate(invalid="ignore"):
        # a two-way road: the tag, else the total minus the other side, else half
        fwd_two = np.where(~np.isnan(fwd), fwd, np.where(~np.isnan(bwd), lanes - bwd, lanes / 2))
        bwd_two = np.where(~np.isnan(bwd), bwd, np.where(~np.isnan(fwd), lanes - fwd, lanes / 2))
        fwd_one = np.where(~np.isnan(fwd), fwd, lanes)
    along = np.where(oneway, fwd_one, fwd_two)
    against = np.where(oneway, 1.0, bwd_two)
    factors = np.column_stack([along, against])
    factors[~(factors >= 1.0)] = 1.0  # NaN (untagged) and fewer than one lane: the figure
    return factors


def way_capacities(
    data: RoadData, table: CapacityTable, *, fallback: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per way: capacity, speed (km/h) and normalised surface.

    The capacity (m3/day) has two columns: along the way's stored order (its travel
    direction when one-way) and against it (unused for one-way ways), with the lane
    rule of the module docstring.
    """
    surface = np.array([normalise_surface(s or None) for s in data.surface.tolist()], dtype=object)
    capacity = np.empty(data.n_ways, dtype=np.float64)
    speed = np.empty(data.n_ways, dtype=np.float64)
    blank = np.full(data.n_ways, "", dtype=object)
    smoothness = blank if data.smoothness is None else data.smoothness
    tracktype = blank if data.tracktype is None else data.tracktype
    keys = np.char.add(data.highway.astype(str), np.char.add("|", surface.astype(str)))
    keys = np.char.add(keys, np.char.add("|", smoothness.astype(str)))
    keys = np.char.add(keys, np.char.add("|", tracktype.astype(str)))
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    for k in range(len(uniq)):
        i = int(first[k])
        road = table.lookup(
            data.highway[i],
            surface[i],
            smoothness=smoothness[i] or None,
            tracktype=tracktype[i] or None,
            fallback=fallback,
            what=f"{data.source}: way {data.way_ids[i]}",
        )
        mask = inverse == k
        capacity[mask] = road.capacity_m3_day
        speed[mask] = road.speed_kmh
    speed = np.fmin(speed, data.maxspeed_kmh)  # fmin ignores NaN
    return capacity[:, None] * lane_factors(data), speed, surface


@dataclass
class Attachments:
    """Which kept road nodes become facility or border nodes.

    Attributes
    ----------
    takeover : dict
        Road node position -> facility id (the facility takes the node's place).
    connectors : list of (facility id, road node position)
        Facilities whose road node was already taken: joined by a zero-length two-way
        connector road (capacity: see the module docstring).
    facility_attrs : dict
        Facility id -> node attributes (name, kind, country, supply ...).
    """

    takeover: dict[int, str] = field(default_factory=dict)
    connectors: list[tuple[str, int]] = field(default_factory=list)
    facility_attrs: dict[str, dict[str, Any]] = field(default_factory=dict)


def osm_label(osm_id: int) -> str:
    """An id-safe label for an OSM id (negative ids from editors become ``m<id>``)."""
    return str(osm_id) if osm_id >= 0 else f"m{-osm_id}"


def _chain_geometries(data: RoadData, pieces: Pieces, chains: Chains) -> np.ndarray:
    """One LineString per chain, its pieces' nodes concatenated in travel order."""
    seg, fwd, cid = chains.member_segment, chains.member_forward, chains.member_chain
    a, b = pieces.start[seg], pieces.end[seg]
    first = np.ones(len(seg), dtype=bool)
    first[1:] = cid[1:] != cid[:-1]
    skip = (~first).astype(np.int64)
    count = b - a + 1 - skip
    member_of = np.repeat(np.arange(len(seg)), count)
    begin = np.repeat(np.cumsum(count) - count, count)
    local = np.arange(int(count.sum())) - begin + skip[member_of]
    pos = np.where(fwd[member_of], a[member_of] + local, b[member_of] - local)
    nodes = data.refs[pos]
    coords = np.column_stack([data.lon[nodes], data.lat[nodes]])
    return shapely.linestrings(coords, indices=cid[member_of])


def _chain_sums(values: np.ndarray, chains: Chains, how: str) -> np.ndarray:
    """Reduce per-member values to per-chain sums or minima (members grouped by chain)."""
    starts = np.flatnonzero(np.r_[True, chains.member_chain[1:] != chains.member_chain[:-1]])
    if how == "sum":
        return np.add.reduceat(values, starts)
    return np.minimum.reduceat(values, starts)


def _bottleneck_member(pieces: Pieces, chains: Chains, capacity: np.ndarray) -> np.ndarray:
    """Per chain: the way index of its lowest-capacity member (the longest on ties).

    ``capacity`` is per member, in the chain's forward direction.
    """
    length = pieces.length_km[chains.member_segment]
    order = np.lexsort((length, -capacity, chains.member_chain))
    last = np.r_[chains.member_chain[order][1:] != chains.member_chain[order][:-1], True]
    return pieces.way[chains.member_segment[order][last]]


def assemble_graph(
    data: RoadData,
    pieces: Pieces,
    chains: Chains,
    *,
    way_capacity: np.ndarray,
    way_speed: np.ndarray,
    way_surface: np.ndarray,
    attachments: Attachments,
    country: np.ndarray | None,
    graph_attrs: dict[str, Any],
) -> nx.MultiDiGraph:
    """Build the supplynet MultiDiGraph from contracted chains and facility attachments.

    ``way_capacity`` is per way, either one figure for both directions or two columns
    (along and against the way's stored order, as :func:`way_capacities` returns).
    """
    G = nx.MultiDiGraph(**graph_attrs)
    if len(chains) == 0:
        return G
    seg = chains.member_segment
    way = pieces.way[seg]
    length = _chain_sums(pieces.length_km[seg], chains, "sum")
    time_h = _chain_sums(pieces.length_km[seg] / way_speed[way], chains, "sum")
    per_dir = np.asarray(way_capacity, dtype=np.float64)
    if per_dir.ndim == 1:
        per_dir = np.column_stack([per_dir, per_dir])
    # a member walked against its piece's order carries the way's "against" figure
    along = np.where(chains.member_forward, per_dir[way, 0], per_dir[way, 1])
    against = np.where(chains.member_forward, per_dir[way, 1], per_dir[way, 0])
    capacity = _chain_sums(along, chains, "min")
    capacity_rev = _chain_sums(against, chains, "min")
    rep = _bottleneck_member(pieces, chains, along)
    oneway = data.oneway[
        pieces.way[
            seg[np.r_[0, np.flatnonzero(chains.member_chain[1:] != chains.member_chain[:-1]) + 1]]
        ]
    ]
    geoms = _chain_geometries(data, pieces, chains)
    starts = np.r_[
        0, np.flatnonzero(chains.member_chain[1:] != chains.member_chain[:-1]) + 1, len(seg)
    ]
    way_ids = data.way_ids[way].tolist()
    _add_nodes(G, data, np.unique(np.r_[chains.u, chains.v]), attachments, country)
    names = {int(n): _node_name(data, int(n), attachments) for n in np.r_[chains.u, chains.v]}
    chain_ways = [
        tuple(dict.fromkeys(way_ids[starts[i] : starts[i + 1]])) for i in range(len(chains))
    ]
    road_ids = _road_ids(data, chains, chain_ways, length)
    edges = []
    for i in range(len(chains)):
        u, v = int(chains.u[i]), int(chains.v[i])
        road_id = road_ids[i]
        r = int(rep[i])
        ends = [country[u], country[v]] if country is not None else []
        attrs = {
            "road_id": road_id,
            "length_km": float(length[i]),
            "travel_time_h": float(time_h[i]),
            "capacity_m3_day": float(capacity[i]),
            "ref": str(data.ref[r]),
            "highway": str(data.highway[r]),
            "surface": str(way_surface[r]),
            "lanes": None if np.isnan(data.lanes[r]) else float(data.lanes[r]),
            "countries": ";".join(dict.fromkeys(c for c in ends if c)),
            "corridors": (),
            "osm_way_ids": ";".join(str(w) for w in chain_ways[i]),
        }
        geom = geoms[i]
        edges.append(
            (
                names[u],
                names[v],
                road_id,
                {**attrs, "edge_id": road_id, "direction": "fwd", "geometry": geom},
            )
        )
        if not oneway[i]:
            rev = road_id + "_rev"
            edges.append(
                (
                    names[v],
                    names[u],
                    rev,
                    {
                        **attrs,
                        "capacity_m3_day": float(capacity_rev[i]),
                        "edge_id": rev,
                        "direction": "rev",
                        "geometry": geom.reverse(),
                    },
                )
            )
    G.add_edges_from(edges)
    _add_connectors(G, data, attachments, country)
    return G


def _road_ids(
    data: RoadData, chains: Chains, chain_ways: list[tuple[int, ...]], length_km: np.ndarray
) -> list[str]:
    """``osm_<u>_<v>`` per chain (OSM node ids of its ends, in its direction).

    Parallel roads between the same two nodes, in the same direction, get ``_2``, ``_3``
    ... in the order of their OSM way ids (the smallest first, then the whole list in
    travel order, then the length), so that the ids do not depend on the reader.
    """
    ends = data.node_ids[np.column_stack([chains.u, chains.v])].tolist()
    ids = [f"osm_{osm_label(a)}_{osm_label(b)}" for a, b in ends]
    groups: dict[str, list[int]] = {}
    for i, rid in enumerate(ids):
        groups.setdefault(rid, []).append(i)
    for base, members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (min(chain_ways[i]), chain_ways[i], float(length_km[i])))
        for k, i in enumerate(members[1:], start=2):
            ids[i] = f"{base}_{k}"
    return ids


def _node_name(data: RoadData, n: int, attachments: Attachments) -> str:
    return attachments.takeover.get(n) or f"osm_{osm_label(int(data.node_ids[n]))}"


def _add_nodes(
    G: nx.MultiDiGraph,
    data: RoadData,
    nodes: np.ndarray,
    attachments: Attachments,
    country: np.ndarray | None,
) -> None:
    for n in nodes.tolist():
        lon, lat = float(data.lon[n]), float(data.lat[n])
        fid = attachments.takeover.get(n)
        if fid is not None:
            G.add_node(fid, **{**attachments.facility_attrs[fid], "lon": lon, "lat": lat})
        else:
            G.add_node(
                _node_name(data, n, attachments),
                name=f"OSM node {data.node_ids[n]}",
                kind="junction",
                country=str(country[n]) if country is not None else "",
                lon=lon,
                lat=lat,
            )
    for n, fid in attachments.takeover.items():
        if fid not in G:  # a facility on a node no kept road reaches: isolated
            G.add_node(
                fid,
                **{
                    **attachments.facility_attrs[fid],
                    "lon": float(data.lon[n]),
                    "lat": float(data.lat[n]),
                },
            )


def _add_connectors(
    G: nx.MultiDiGraph, data: RoadData, attachments: Attachments, country: np.ndarray | None
) -> None:
    """Zero-length two-way roads from facilities sharing a road node with another one.

    Capacity: the larger of the road capacity entering and leaving the anchor node.
    """
    for fid, n in attachments.connectors:
        anchor = _node_name(data, n, attachments)
        if anchor not in G:
            _add_nodes(G, data, np.array([n]), attachments, country)
        lon, lat = float(data.lon[n]), float(data.lat[n])
        G.add_node(fid, **{**attachments.facility_attrs[fid], "lon": lon, "lat": lat})
        entering, leaving = (
            sum(d["capacity_m3_day"] for *_, d in arcs if d.get("highway") != "connector")
            for arcs in (
                G.in_edges(anchor, data=True),
                G.out_edges(anchor, data=True),
            )
        )
        through = max(entering, leaving)
        geom = shapely.linestrings([[lon, lat], [lon, lat]])
        attrs = {
            "road_id": f"conn_{fid}",
            "length_km": 0.0,
            "travel_time_h": 0.0,
            "capacity_m3_day": float(through),
            "ref": "",
            "highway": "connector",
            "surface": "paved",
            "lanes": None,
            "countries": "",
            "corridors": (),
            "osm_way_ids": "",
        }
        G.add_edge(
            fid,
            anchor,
            key=f"conn_{fid}",
            edge_id=f"conn_{fid}",
            direction="fwd",
            geometry=geom,
            **attrs,
        )
        G.add_edge(
            anchor,
            fid,
            key=f"conn_{fid}_rev",
            edge_id=f"conn_{fid}_rev",
            direction="rev",
            geometry=geom,
            **attrs,
        )
