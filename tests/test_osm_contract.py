"""Contraction invariants: shortest-path distances and max-flow values between kept nodes
are the same before and after contraction (seeded random road graphs, cross-checked with
networkx), and chains never cross a change of direction."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from osm_fixtures import random_osm

from supplynet.osm.contract import contract_segments, split_ways
from supplynet.osm.roads import WayBuilder

SEEDS = range(24)


def _road_data(osm):
    builder = WayBuilder()
    for wid, refs, tags in osm.ways:
        builder.add(wid, refs, tags)
    ids = np.array(sorted(osm.nodes), dtype=np.int64)
    lon = np.array([osm.nodes[i][0] for i in ids])
    lat = np.array([osm.nodes[i][1] for i in ids])
    return builder.finish(ids, lon, lat, source="random")


def _way_capacity(data, seed):
    rng = np.random.default_rng(seed + 1000)
    return rng.integers(1, 20, data.n_ways).astype(float)


def _raw_digraph(data, capacity):
    """One arc per consecutive node pair (both ways unless one-way); parallel arcs merged:
    capacities summed (for max flow), the shortest length kept (for distances)."""
    D = nx.DiGraph()
    for w in range(data.n_ways):
        refs = data.refs[data.way_offsets[w] : data.way_offsets[w + 1]]
        for a, b in itertools.pairwise(refs.tolist()):
            if a == b:
                continue
            km = float(np.hypot(data.lon[a] - data.lon[b], data.lat[a] - data.lat[b]))
            for s, t in [(a, b)] + ([] if data.oneway[w] else [(b, a)]):
                _add(D, s, t, km, capacity[w])
    return D


def _add(D, s, t, km, cap):
    if D.has_edge(s, t):
        D[s][t]["capacity"] += cap
        D[s][t]["length"] = min(D[s][t]["length"], km)
    else:
        D.add_edge(s, t, capacity=cap, length=km)


def _contracted_digraph(data, pieces, chains, capacity):
    # planar lengths so that the reference and the contracted sums use the same metric
    piece_len = []
    for p in range(len(pieces)):
        refs = data.refs[pieces.start[p] : pieces.end[p] + 1]
        piece_len.append(
            sum(
                float(np.hypot(data.lon[a] - data.lon[b], data.lat[a] - data.lat[b]))
                for a, b in itertools.pairwise(refs.tolist())
            )
        )
    D = nx.DiGraph()
    for c in range(len(chains)):
        members = chains.member_segment[chains.member_chain == c]
        km = sum(piece_len[m] for m in members)
        cap = min(capacity[pieces.way[m]] for m in members)
        oneway = bool(data.oneway[pieces.way[members[0]]])
        u, v = int(chains.u[c]), int(chains.v[c])
        for s, t in [(u, v)] + ([] if oneway else [(v, u)]):
            _add(D, s, t, km, cap)
    return D


def _contract(seed):
    osm = random_osm(seed)
    data = _road_data(osm)
    rng = np.random.default_rng(seed)
    protected = np.zeros(data.n_nodes, dtype=bool)
    protected[rng.choice(data.n_nodes, size=3, replace=False)] = True
    pieces = split_ways(data, protected)
    chains = contract_segments(pieces.u, pieces.v, data.oneway[pieces.way], protected)
    capacity = _way_capacity(data, seed)
    before = _raw_digraph(data, capacity)
    after = _contracted_digraph(data, pieces, chains, capacity)
    kept = set(after) | {int(n) for n in np.flatnonzero(protected) if n in before}
    return data, pieces, chains, before, after, kept, protected


@pytest.mark.parametrize("seed", SEEDS)
def test_contraction_preserves_shortest_paths(seed):
    _, _, _, before, after, kept, _ = _contract(seed)
    assert len(after) < len(before)
    for s in kept:
        d_before = (
            nx.single_source_dijkstra_path_length(before, s, weight="length") if s in before else {}
        )
        d_after = (
            nx.single_source_dijkstra_path_length(after, s, weight="length")
            if s in after
            else {s: 0.0}
        )
        for t in kept:
            assert (t in d_before) == (t in d_after), (s, t)
            if t in d_before:
                assert d_after[t] == pytest.approx(d_before[t], abs=1e-9), (s, t)


@pytest.mark.parametrize("seed", SEEDS)
def test_contraction_preserves_max_flow(seed):
    _, _, _, before, after, kept, _ = _contract(seed)
    rng = np.random.default_rng(seed)
    nodes = sorted(n for n in kept if n in after)
    pairs = [tuple(rng.choice(nodes, size=2, replace=False)) for _ in range(6)]
    for s, t in pairs:
        expected = nx.maximum_flow_value(before, int(s), int(t))
        assert nx.maximum_flow_value(after, int(s), int(t)) == pytest.approx(expected), (s, t)


@pytest.mark.parametrize("seed", SEEDS[:8])
def test_kept_nodes_are_junctions_ends_or_protected(seed):
    _, _, chains, before, _, kept, protected = _contract(seed)
    ends = set(chains.u.tolist()) | set(chains.v.tolist())
    assert {int(n) for n in np.flatnonzero(protected)} & set(before) <= kept
    # every hidden node had exactly two neighbours in the raw graph
    hidden = set(before) - ends - {int(n) for n in np.flatnonzero(protected)}
    undirected = before.to_undirected()
    for n in hidden:
        assert undirected.degree(n) <= 2


def test_chain_merges_lengths_and_respects_oneway_change():
    # 0 -> 1 -> 2 one-way, then 2 - 3 - 4 two-way: node 2 is a change of direction
    u = np.array([0, 1, 2, 3])
    v = np.array([1, 2, 3, 4])
    oneway = np.array([True, True, False, False])
    chains = contract_segments(u, v, oneway, np.zeros(5, dtype=bool))
    ends = sorted(zip(chains.u.tolist(), chains.v.tolist(), strict=True))
    assert ends == [(0, 2), (2, 4)]


def test_oneway_chain_against_its_direction_is_not_merged():
    # 0 -> 1 <- 2: node 1 has two entering one-way segments, keep it
    chains = contract_segments(
        np.array([0, 2]), np.array([1, 1]), np.array([True, True]), np.zeros(3, dtype=bool)
    )
    assert len(chains) == 2


def test_oneway_chain_is_oriented_in_travel_direction():
    # segments listed out of order: 2 -> 3, 0 -> 1, 1 -> 2
    chains = contract_segments(
        np.array([2, 0, 1]),
        np.array([3, 1, 2]),
        np.array([True, True, True]),
        np.zeros(4, dtype=bool),
    )
    assert (int(chains.u[0]), int(chains.v[0])) == (0, 3)
    assert chains.member_segment.tolist() == [1, 2, 0]
    assert chains.member_forward.all()


def test_two_way_chain_runs_the_way_its_lowest_key_member_is_drawn():
    # 0 -> 1 (key 20) and 2 -> 1 (key 10), two-way: drawn towards each other at node 1
    for order in ([0, 1], [1, 0]):
        u, v, key = np.array([0, 2])[order], np.array([1, 1])[order], np.array([20, 10])[order]
        chains = contract_segments(u, v, np.zeros(2, dtype=bool), np.zeros(3, dtype=bool), key=key)
        assert (int(chains.u[0]), int(chains.v[0])) == (2, 0)  # along key 10's drawing
        walked = dict(
            zip(key[chains.member_segment].tolist(), chains.member_forward.tolist(), strict=True)
        )
        assert walked == {10: True, 20: False}


@pytest.mark.parametrize("seed", range(12))
def test_chains_do_not_depend_on_the_order_of_the_segments(seed):
    """With the way ids as keys, shuffling the segments gives the same chains: same ends,
    same members walked the same way (what makes edge ids independent of the reader)."""
    data = _road_data(random_osm(seed))
    protected = np.zeros(data.n_nodes, dtype=bool)
    pieces = split_ways(data, protected)
    oneway, key = data.oneway[pieces.way], data.way_ids[pieces.way]

    def chains_of(order):
        c = contract_segments(
            pieces.u[order], pieces.v[order], oneway[order], protected, key=key[order]
        )
        members: dict[int, list[tuple[int, bool]]] = {}
        for chain, seg, fwd in zip(
            c.member_chain.tolist(),
            c.member_segment.tolist(),
            c.member_forward.tolist(),
            strict=True,
        ):
            members.setdefault(chain, []).append((int(order[seg]), fwd))
        return sorted((int(c.u[i]), int(c.v[i]), tuple(members[i])) for i in range(len(c)))

    rng = np.random.default_rng(seed)
    reference = chains_of(np.arange(len(pieces)))
    for _ in range(3):
        assert chains_of(rng.permutation(len(pieces))) == reference


def test_ring_without_kept_node_and_loops_are_dropped():
    # ring 0-1-2-0 alone; and a loop 3-4-5-3 hanging from junction 3 (3 also links to 6, 7)
    u = np.array([0, 1, 2, 3, 4, 5, 3, 3])
    v = np.array([1, 2, 0, 4, 5, 3, 6, 7])
    chains = contract_segments(u, v, np.zeros(8, dtype=bool), np.zeros(8, dtype=bool))
    ends = sorted(zip(chains.u.tolist(), chains.v.tolist(), strict=True))
    assert ends == [(3, 6), (3, 7)]


def test_protected_node_is_kept():
    chains = contract_segments(
        np.array([0, 1]), np.array([1, 2]), np.array([False, False]), np.array([False, True, False])
    )
    assert len(chains) == 2


# ------------------------------------------------------------- through the real assemble
E2E_SEEDS = range(32)


def _with_lanes(osm, seed):
    """Random ``lanes`` / ``lanes:forward`` / ``lanes:backward`` on some ways."""
    rng = np.random.default_rng(seed + 5000)
    ways = []
    for wid, refs, tags in osm.ways:
        tags = dict(tags)
        r = rng.random()
        if r < 0.3:
            tags["lanes"] = str(int(rng.integers(1, 5)))
        elif r < 0.45:
            tags["lanes"] = "3"
            tags["lanes:forward" if rng.random() < 0.5 else "lanes:backward"] = "2"
        ways.append((wid, refs, tags))
    osm.ways = ways
    return osm


def _assembled(seed):
    from supplynet.capacity import load_capacity_table
    from supplynet.osm.assemble import Attachments, assemble_graph, way_capacities

    data = _road_data(_with_lanes(random_osm(seed), seed))
    rng = np.random.default_rng(seed)
    used = np.unique(data.refs)
    facilities = rng.choice(used, size=3, replace=False).tolist()
    att = Attachments(
        takeover={int(n): f"fac_{k}" for k, n in enumerate(facilities)},
        facility_attrs={
            f"fac_{k}": {"name": f"F{k}", "kind": "depot", "country": ""} for k in range(3)
        },
    )
    protected = np.zeros(data.n_nodes, dtype=bool)
    protected[facilities] = True
    capacity, speed, surface = way_capacities(data, load_capacity_table(tanker_m3=45.0))
    pieces = split_ways(data, protected)
    chains = contract_segments(pieces.u, pieces.v, data.oneway[pieces.way], protected)
    G = assemble_graph(
        data,
        pieces,
        chains,
        way_capacity=capacity,
        way_speed=speed,
        way_surface=surface,
        attachments=att,
        country=None,
        graph_attrs={},
    )
    return data, capacity, att, G


def _name(data, att, n):
    return att.takeover.get(n) or f"osm_{int(data.node_ids[n])}"


def _raw_segments(data, capacity):
    """(name u, name v) -> list of (way id, capacity, km) for every directed segment."""
    from osm_fixtures import haversine_km as ref_km

    seg: dict[tuple[int, int], list[tuple[int, float, float]]] = {}
    for w in range(data.n_ways):
        refs = data.refs[data.way_offsets[w] : data.way_offsets[w + 1]].tolist()
        for a, b in itertools.pairwise(refs):
            km = ref_km((data.lon[a], data.lat[a]), (data.lon[b], data.lat[b]))
            wid = int(data.way_ids[w])
            seg.setdefault((a, b), []).append((wid, float(capacity[w, 0]), km))
            if not data.oneway[w]:
                seg.setdefault((b, a), []).append((wid, float(capacity[w, 1]), km))
    return seg


@pytest.mark.parametrize("seed", E2E_SEEDS)
def test_assembled_roads_match_their_osm_segments(seed):
    """Each assembled road: geometry from its tail node to its head node, length the sum
    of its segments, capacity the minimum of its segments' in its direction."""
    from osm_fixtures import haversine_km as ref_km

    data, capacity, att, G = _assembled(seed)
    segments = _raw_segments(data, capacity)
    at = {(float(data.lon[n]), float(data.lat[n])): n for n in np.unique(data.refs).tolist()}
    assert G.number_of_edges() > 0
    for u, v, d in G.edges(data=True):
        coords = list(d["geometry"].coords)
        assert coords[0] == pytest.approx((G.nodes[u]["lon"], G.nodes[u]["lat"]))
        assert coords[-1] == pytest.approx((G.nodes[v]["lon"], G.nodes[v]["lat"]))
        assert d["length_km"] == pytest.approx(
            sum(ref_km(a, b) for a, b in itertools.pairwise(coords)), rel=1e-9
        )
        nodes = [at[c] for c in coords]
        assert _name(data, att, nodes[0]) == u and _name(data, att, nodes[-1]) == v
        options = [segments[(a, b)] for a, b in itertools.pairwise(nodes)]
        way_ids = {int(w) for w in d["osm_way_ids"].split(";")}
        if all(len(o) == 1 for o in options):  # no parallel duplicate segment
            assert d["capacity_m3_day"] == pytest.approx(min(o[0][1] for o in options))
            assert way_ids == {o[0][0] for o in options}
        else:
            assert d["capacity_m3_day"] <= min(max(c for _, c, _ in o) for o in options) + 1e-9


@pytest.mark.parametrize("seed", E2E_SEEDS)
def test_assembled_graph_keeps_distances_and_max_flow(seed):
    """Shortest distances and max-flow values between kept nodes of the assembled graph
    equal those of the raw OSM segments (networkx on both)."""
    data, capacity, att, G = _assembled(seed)
    raw = nx.DiGraph()
    for (a, b), options in _raw_segments(data, capacity).items():
        raw.add_edge(
            _name(data, att, a),
            _name(data, att, b),
            length=min(km for *_, km in options),
            capacity=sum(c for _, c, _ in options),
        )
    after = nx.DiGraph()
    for u, v, d in G.edges(data=True):
        if after.has_edge(u, v):
            after[u][v]["capacity"] += d["capacity_m3_day"]
            after[u][v]["length"] = min(after[u][v]["length"], d["length_km"])
        else:
            after.add_edge(u, v, capacity=d["capacity_m3_day"], length=d["length_km"])
    kept = sorted(n for n in G if n in raw)
    assert set(G) - set(kept) <= set(att.takeover.values())  # only isolated facilities
    for s in kept:
        d_raw = nx.single_source_dijkstra_path_length(raw, s, weight="length")
        d_after = (
            nx.single_source_dijkstra_path_length(after, s, weight="length")
            if s in after
            else {s: 0.0}
        )
        for t in kept:
            assert (t in d_raw) == (t in d_after), (s, t)
            if t in d_raw:
                assert d_after[t] == pytest.approx(d_raw[t], rel=1e-9, abs=1e-9), (s, t)
    rng = np.random.default_rng(seed)
    flow_nodes = sorted(n for n in kept if n in after)
    for _ in range(6):
        s, t = (str(x) for x in rng.choice(flow_nodes, size=2, replace=False))
        expected = nx.maximum_flow_value(raw, s, t)
        assert nx.maximum_flow_value(after, s, t) == pytest.approx(expected), (s, t)
