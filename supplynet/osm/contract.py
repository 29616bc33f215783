"""Contraction of a road graph to a corridor graph: merge chains of degree-2 nodes.

Two steps, both on arrays:

1. :func:`split_ways` cuts every OSM way into *pieces* at its split nodes: way ends,
   nodes shared by several ways (or visited twice by one), and protected nodes
   (facilities, border crossings). The shape nodes inside a piece never become graph
   nodes, so this step alone removes most of the nodes of a real extract.
2. :func:`contract_segments` merges chains of pieces through nodes of degree 2 (two
   piece ends meet there, e.g. where a road is split into two OSM ways because a tag
   changes), keeping junctions, dead ends and protected nodes.

A node is merged away only if it is not protected, exactly two segment ends meet there
and both segments have the same direction type: both two-way, or both one-way with one
entering and one leaving the node. So a chain never crosses a change of direction.
A merged road has the summed length and travel time, the minimum capacity of its
segments, and the segments in travel order (for its geometry and OSM way ids). Chains that
close on themselves (loops from a kept node back to it, or rings with no kept node) are
dropped: they carry no flow between kept nodes and shorten no path between them.

Both steps preserve shortest-path distances and maximum-flow values between kept nodes
(the test-suite checks this against networkx on seeded random road graphs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from supplynet.osm.roads import RoadData, haversine_km

__all__ = ["Chains", "Pieces", "contract_segments", "split_ways"]

logger = logging.getLogger(__name__)


@dataclass
class Pieces:
    """Way pieces between split nodes.

    Attributes
    ----------
    start, end : ndarray of int64
        Positions in ``RoadData.refs`` of the piece's first and last node.
    way : ndarray of int64
        Index of the way the piece belongs to.
    u, v : ndarray of int64
        Node positions (into ``RoadData.node_ids``) of the piece's ends, in travel order.
    length_km : ndarray of float64
        Great-circle length along the piece's nodes.
    """

    start: np.ndarray
    end: np.ndarray
    way: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length_km: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class Chains:
    """Merged roads: each a chain of segments between two kept nodes.

    Attributes
    ----------
    u, v : ndarray of int64
        Kept end nodes (travel direction for one-way chains).
    member_chain, member_segment : ndarray of int64
        For each member, its chain and its segment index; members are in travel order.
    member_forward : ndarray of bool
        False when the segment is walked from its ``v`` to its ``u``.
    """

    u: np.ndarray
    v: np.ndarray
    member_chain: np.ndarray
    member_segment: np.ndarray
    member_forward: np.ndarray

    def __len__(self) -> int:
        return len(self.u)


def split_ways(data: RoadData, protected: np.ndarray | None = None) -> Pieces:
    """Cut ways into pieces at way ends, shared nodes and ``protected`` nodes.

    Parameters
    ----------
    data : RoadData
        The ways.
    protected : ndarray of bool, optional
        Per node (position in ``data.node_ids``): never hide this node inside a piece.

    Returns
    -------
    Pieces
        Self-loop pieces (a closed way with no other split node) are dropped.
    """
    refs, offsets = data.refs, data.way_offsets
    n_refs = len(refs)
    split = np.bincount(refs, minlength=data.n_nodes) > 1
    if protected is not None:
        split |= protected
    at_split = split[refs]
    at_split[offsets[:-1]] = True
    at_split[offsets[1:] - 1] = True
    positions = np.flatnonzero(at_split)
    way_of_pos = np.searchsorted(offsets, positions, side="right") - 1
    same_way = way_of_pos[1:] == way_of_pos[:-1]
    start, end, way = positions[:-1][same_way], positions[1:][same_way], way_of_pos[:-1][same_way]
    seg = np.zeros(n_refs, dtype=np.float64)
    if n_refs > 1:
        seg[1:] = haversine_km(
            data.lon[refs[:-1]], data.lat[refs[:-1]], data.lon[refs[1:]], data.lat[refs[1:]]
        )
        seg[offsets[:-1]] = 0.0  # no segment between the last node of a way and the next way
    cum = np.cumsum(seg)
    u, v = refs[start], refs[end]
    keep = u != v
    return Pieces(
        start[keep], end[keep], way[keep], u[keep], v[keep], (cum[end] - cum[start])[keep]
    )


def _incidence(u: np.ndarray, v: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists of segment ends per node: ``ends[ptr[n]:ptr[n+1]]`` (end code 2*seg+is_v)."""
    nodes = np.concatenate([u, v])
    codes = np.concatenate([2 * np.arange(len(u)), 2 * np.arange(len(v)) + 1])
    order = np.argsort(nodes, kind="stable")
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(nodes, minlength=n_nodes), out=ptr[1:])
    return ptr, codes[order]


def _mergeable(
    oneway: np.ndarray, ptr: np.ndarray, ends: np.ndarray, protected: np.ndarray
) -> np.ndarray:
    """Per node: may it be hidden inside a chain?"""
    degree = np.diff(ptr)
    candidates = np.flatnonzero((degree == 2) & ~protected)
    first, second = ends[ptr[candidates]], ends[ptr[candidates] + 1]
    s1, s2 = first // 2, second // 2
    same_type = oneway[s1] == oneway[s2]
    # one-way: exactly one segment enters (its v end is here) and one leaves
    through = (first % 2) != (second % 2)
    ok = (s1 != s2) & same_type & (~oneway[s1] | through)
    mergeable = np.zeros(len(degree), dtype=bool)
    mergeable[candidates[ok]] = True
    return mergeable


def contract_segments(
    u: np.ndarray,
    v: np.ndarray,
    oneway: np.ndarray,
    protected: np.ndarray,
    *,
    key: np.ndarray | None = None,
) -> Chains:
    """Merge chains of segments through unprotected degree-2 nodes.

    Parameters
    ----------
    u, v : ndarray of int
        Segment ends (node numbers ``0 .. len(protected) - 1``); for one-way segments,
        the travel direction.
    oneway : ndarray of bool
        One-way segments.
    protected : ndarray of bool
        Per node: keep it even with degree 2.
    key : ndarray of int, optional
        Per segment, the OSM way id it comes from. A two-way chain then runs in the
        drawing direction of its member with the smallest key (the first such member
        along the chain), whatever the order of the segments: the ``.osm.pbf`` reader
        (one segment per way piece) and the osmnx readers (one per node pair) give the
        same chains the same orientation. Without it, a two-way chain runs in the
        direction of its first segment.

    Returns
    -------
    Chains
        One chain per merged road, its members in travel order; loops dropped.

    Examples
    --------
    >>> import numpy as np
    >>> c = contract_segments(np.array([0, 1]), np.array([1, 2]), np.array([False, False]),
    ...                       np.zeros(3, dtype=bool))
    >>> len(c), sorted([int(c.u[0]), int(c.v[0])])
    (1, [0, 2])
    """
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    oneway = np.asarray(oneway, dtype=bool)
    n_seg = len(u)
    ptr, ends = _incidence(u, v, len(protected))
    mergeable = _mergeable(oneway, ptr, ends, np.asarray(protected, dtype=bool))
    other_end = _other_end_table(ptr, ends, mergeable)
    visited = np.zeros(n_seg, dtype=bool)
    chain_u: list[int] = []
    chain_v: list[int] = []
    m_chain: list[int] = []
    m_seg: list[int] = []
    m_fwd: list[bool] = []
    u_list, v_list, mergeable_list = u.tolist(), v.tolist(), mergeable.tolist()
    for s in range(n_seg):
        if visited[s]:
            continue
        visited[s] = True
        if not mergeable_list[u_list[s]] and not mergeable_list[v_list[s]]:
            members, start, stop = [(s, True)], u_list[s], v_list[s]
        else:
            members, start, stop = _walk(s, u_list, v_list, mergeable_list, other_end, visited)
        if start == stop:
            continue  # a loop: no use between kept nodes
        if oneway[s]:
            members, start, stop = _orient(members, start, stop)
        elif key is not None and len(members) > 1:
            members, start, stop = _orient_by_key(members, start, stop, key)
        cid = len(chain_u)
        chain_u.append(start)
        chain_v.append(stop)
        for seg, fwd in members:
            m_chain.append(cid)
            m_seg.append(seg)
            m_fwd.append(fwd)
    return Chains(
        np.asarray(chain_u, dtype=np.int64),
        np.asarray(chain_v, dtype=np.int64),
        np.asarray(m_chain, dtype=np.int64),
        np.asarray(m_seg, dtype=np.int64),
        np.asarray(m_fwd, dtype=bool),
    )


def _other_end_table(ptr: np.ndarray, ends: np.ndarray, mergeable: np.ndarray) -> dict[int, int]:
    """For mergeable nodes: end code -> the other end code meeting at the same node."""
    nodes = np.flatnonzero(mergeable)
    a, b = ends[ptr[nodes]], ends[ptr[nodes] + 1]
    table = dict(zip(a.tolist(), b.tolist(), strict=True))
    table.update(zip(b.tolist(), a.tolist(), strict=True))
    return table


def _walk(
    s: int,
    u: list[int],
    v: list[int],
    mergeable: list[bool],
    other_end: dict[int, int],
    visited: np.ndarray,
) -> tuple[list[tuple[int, bool]], int, int]:
    """Extend segment ``s`` both ways through mergeable nodes; return members and ends."""
    forward: list[tuple[int, bool]] = [(s, True)]
    node, code = v[s], 2 * s + 1  # leave s at its v end
    closed = False
    while mergeable[node]:
        nxt = other_end[code]
        seg, at_v = nxt // 2, nxt % 2
        if seg == s:
            closed = True  # a ring of mergeable nodes
            break
        visited[seg] = True
        forward.append((seg, not at_v))  # entering at its u end = walked forwards
        node = u[seg] if at_v else v[seg]
        code = 2 * seg + (0 if at_v else 1)
    if closed:
        return forward, node, node
    backward: list[tuple[int, bool]] = []
    start, code = u[s], 2 * s
    while mergeable[start]:
        nxt = other_end[code]
        seg, at_v = nxt // 2, nxt % 2
        visited[seg] = True
        backward.append((seg, bool(at_v)))  # we arrive at its v end: walked forwards
        start = u[seg] if at_v else v[seg]
        code = 2 * seg + (0 if at_v else 1)
    return backward[::-1] + forward, start, node


def _orient_by_key(
    members: list[tuple[int, bool]], start: int, stop: int, key: np.ndarray
) -> tuple[list[tuple[int, bool]], int, int]:
    """Turn a two-way chain so that its smallest-key member is walked forwards.

    The members of one way follow each other along a chain, all walked the same way
    (a chain enters or leaves a way only at the way's split nodes, where it could not
    pass on to the way's next piece), so any member of that key decides.
    """
    lowest = int(np.argmin(key[[seg for seg, _ in members]]))
    if members[lowest][1]:
        return members, start, stop
    return [(seg, not fwd) for seg, fwd in members[::-1]], stop, start


def _orient(
    members: list[tuple[int, bool]], start: int, stop: int
) -> tuple[list[tuple[int, bool]], int, int]:
    """Turn a one-way chain so that its segments are walked in their travel direction."""
    if members[0][1]:
        return members, start, stop
    return [(seg, not fwd) for seg, fwd in members[::-1]], stop, start
