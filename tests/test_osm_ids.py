"""Edge ids do not depend on the reader: the same extract as ``.osm.pbf`` and as ``.osm``
(osmnx) gives every road the same id, ends, orientation and OSM ways, so a scenario written
for one build runs on the other."""

from __future__ import annotations

import numpy as np
import pytest
from osm_fixtures import TOY_ANSWER_M3_DAY, random_osm, toy_corridor, write_osm

import supplynet as sn
from supplynet.osm import build_network_from_osm

CLASSES = ("trunk", "primary", "secondary", "primary_link")


def _opposed_corridor():
    """The toy with the two ways of the road J(5) -> border_x(9) drawn towards each other
    (101: 9 -> 7, 102: 5 -> 7), the lower way id on the border side: the .osm.pbf reader
    meets way 101 first, osmnx meets node 5 first."""
    data = toy_corridor()
    redrawn = {
        101: ([9, 8, 7], {"highway": "primary", "surface": "laterite", "ref": "N1"}),
        102: ([5, 6, 7], {"highway": "trunk", "ref": "N1"}),
    }
    data.ways = [(w, *redrawn.get(w, (refs, tags))) for w, refs, tags in data.ways]
    return data


@pytest.fixture(scope="module")
def opposed_nets(tmp_path_factory):
    data = _opposed_corridor()
    folder = tmp_path_factory.mktemp("opposed")
    return {
        ext: build_network_from_osm(
            write_osm(folder / f"opposed.{ext}", data), facilities=data.facilities, progress=False
        )
        for ext in ("osm.pbf", "osm")
    }


def _roads(net: sn.Network) -> dict[str, tuple]:
    return {
        d["edge_id"]: (u, v, d["osm_way_ids"], round(d["length_km"], 9), d["capacity_m3_day"])
        for u, v, d in net.graph.edges(data=True)
    }


def test_a_two_way_road_gets_one_id_from_both_readers(opposed_nets):
    pbf, xml = (_roads(opposed_nets[ext]) for ext in ("osm.pbf", "osm"))
    assert pbf == xml
    # the road runs in the drawing direction of its lowest-id way (101: border -> J)
    assert pbf["osm_9_5"][:3] == ("border_x", "osm_5", "101;102")
    assert pbf["osm_9_5_rev"][:3] == ("osm_5", "border_x", "101;102")


def test_a_scenario_written_for_one_build_runs_on_the_other(opposed_nets):
    for road in ("osm_9_5", "osm_9_5_rev"):
        sc = sn.Scenario(name="cut", blocked_edges=[road])
        results = {
            ext: sn.max_throughput(net, sc, destination="bamako").delivered_m3_day
            for ext, net in opposed_nets.items()
        }
        assert results["osm.pbf"] == pytest.approx(results["osm"])
    both = sn.Scenario(name="cut both ways", blocked_edges=["osm_9_5", "osm_9_5_rev"])
    for net in opposed_nets.values():
        assert sn.max_throughput(net, both).delivered_m3_day == pytest.approx(576 * 45.0)
        assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def _facilities(osm, seed):
    """A destination on a random road node, a supply point that reaches it, and a depot."""
    import itertools

    import networkx as nx
    import pandas as pd

    from supplynet.osm.roads import is_oneway

    raw = nx.DiGraph()
    for _, refs, tags in osm.highway_ways(CLASSES):
        oneway, backwards = is_oneway(tags)
        refs = list(refs)[::-1] if backwards else list(refs)
        for a, b in itertools.pairwise(refs):
            raw.add_edge(a, b)
            if not oneway:
                raw.add_edge(b, a)
    rng = np.random.default_rng(seed)
    nodes = sorted(raw)
    while True:
        dest = int(rng.choice(nodes))
        sources = sorted(nx.ancestors(raw, dest))
        if sources:
            break
    port, depot = int(rng.choice(sources)), int(rng.choice(nodes))
    rows = [
        ("dest", "depot", dest, {"demand_m3_day": 100.0}),
        ("port", "port", port, {"supply_m3_day": 1000.0}),
        ("depot", "depot", depot, {}),
    ]
    if depot in (dest, port):
        rows.pop()
    return pd.DataFrame(
        [
            {
                "node_id": fid,
                "name": fid,
                "kind": kind,
                "lon": osm.nodes[n][0],
                "lat": osm.nodes[n][1],
                **extra,
            }
            for fid, kind, n, extra in rows
        ]
    )


@pytest.mark.parametrize("seed", range(12))
def test_random_extracts_get_the_same_road_ids_from_both_readers(tmp_path, seed):
    """Seeded random extracts (junctions, one-way and reversed ways, closed ways, shape
    nodes) built from both files: identical roads, id by id."""
    osm = random_osm(seed)
    fac = _facilities(osm, seed)
    nets = [
        build_network_from_osm(
            write_osm(tmp_path / f"r.{ext}", osm),
            facilities=fac,
            destination="dest",
            highway=",".join(CLASSES),
            corridors=False,
            progress=False,
        )
        for ext in ("osm.pbf", "osm")
    ]
    from_pbf, from_xml = (_roads(net) for net in nets)
    assert from_pbf == from_xml
    assert len(from_pbf) > 4
