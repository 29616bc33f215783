"""The ``.osm.pbf`` reader: memory does not depend on how the OSM ids are spread, and its
two reading plans (sorted file: two passes with a bounded location store; any other file:
one pass) read the same roads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from osm_fixtures import OsmData, random_osm, toy_corridor, write_osm

from supplynet.osm import pbf as pbf_reader
from supplynet.osm.pbf import is_sorted_file, read_pbf
from supplynet.osm.roads import RoadData

CLASSES = ("trunk", "primary", "secondary", "primary_link")
MAX_NODE_ID = 13_000_000_000  # real node ids reach about 1.3e10
MAX_WAY_ID = 1_400_000_000  # and way ids about 1.4e9


def spread_ids(osm: OsmData, seed: int) -> tuple[OsmData, dict[int, int]]:
    """``osm`` with node ids spread over 1..1.3e10 and way ids over 1..1.4e9, in the same
    order (so a file written in id order stays sorted)."""
    rng = np.random.default_rng(seed)
    old_nodes = sorted(osm.nodes)
    new_nodes = np.sort(rng.choice(MAX_NODE_ID, size=len(old_nodes), replace=False) + 1)
    node_map = dict(zip(old_nodes, new_nodes.tolist(), strict=True))
    old_ways = sorted(w for w, _, _ in osm.ways)
    new_ways = np.sort(rng.choice(MAX_WAY_ID, size=len(old_ways), replace=False) + 1)
    way_map = dict(zip(old_ways, new_ways.tolist(), strict=True))
    nodes = {node_map[n]: xy for n, xy in osm.nodes.items()}
    ways = [(way_map[w], [node_map[r] for r in refs], tags) for w, refs, tags in osm.ways]
    return OsmData(nodes, ways), node_map


def long_spread_road(n_nodes: int, seed: int) -> OsmData:
    """One trunk road of ``n_nodes`` nodes in ways of 20, ids spread over the real ranges."""
    lon = np.linspace(-8.5, -6.5, n_nodes)
    nodes = {i + 1: (float(x), 12.0) for i, x in enumerate(lon)}
    ways = [
        (w + 1, list(range(start, min(start + 20, n_nodes) + 1)), {"highway": "trunk"})
        for w, start in enumerate(range(1, n_nodes, 19))
    ]
    spread, _ = spread_ids(OsmData(nodes, ways), seed)
    return spread


def _arrays(data: RoadData) -> dict[str, list]:
    return {
        name: getattr(data, name).tolist()
        for name in ("node_ids", "lon", "lat", "way_ids", "way_offsets", "refs", "oneway")
    }


def test_memory_does_not_grow_with_the_id_range(tmp_path):
    """5,000 road nodes with ids spread like a real extract's: pyosmium's IdFilter bitmap
    took about 1.5 GB for them; the reader must stay within tens of MB, for both plans."""
    data = long_spread_road(5_000, seed=3)
    sorted_pbf = write_osm(tmp_path / "spread_sorted.osm.pbf", data)
    unsorted_pbf = write_osm(tmp_path / "spread.osm.pbf", data, sorted_header=False)
    assert is_sorted_file(sorted_pbf) and not is_sorted_file(unsorted_pbf)
    script = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from supplynet.osm.pbf import read_pbf

        def peak_mib():
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

        before = peak_mib()
        paths = ({str(sorted_pbf)!r}, {str(unsorted_pbf)!r})
        nodes = [read_pbf(p, ["trunk"]).n_nodes for p in paths]
        print(json.dumps({{"growth_mib": peak_mib() - before, "nodes": nodes}}))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["nodes"] == [5_000, 5_000]
    assert out["growth_mib"] < 100, out


@pytest.mark.parametrize("seed", range(6))
def test_both_reading_plans_read_the_same_roads(tmp_path, monkeypatch, seed):
    """Random extracts with spread ids and tagged nodes (where the sorted plan empties its
    store: with a zero budget, at every one), a way node missing from the file, written
    with and without the sorted header: the same RoadData."""
    osm, _ = spread_ids(random_osm(seed), seed)
    rng = np.random.default_rng(seed)
    ids = sorted(osm.nodes)
    tagged = rng.choice(ids, size=len(ids) // 5, replace=False).tolist()
    node_tags = {n: {"highway": "traffic_signals"} for n in tagged}
    wid, refs, tags = osm.ways[0]
    osm.ways[0] = (wid, [*refs, MAX_NODE_ID + 7], tags)  # a node not in the file
    monkeypatch.setattr(pbf_reader, "STORE_BUDGET_BYTES", 0)
    sorted_pbf = write_osm(tmp_path / "s.osm.pbf", osm, node_tags=node_tags)
    unsorted_pbf = write_osm(tmp_path / "u.osm.pbf", osm, node_tags=node_tags, sorted_header=False)
    a, b = read_pbf(sorted_pbf, CLASSES), read_pbf(unsorted_pbf, CLASSES)
    assert _arrays(a) == _arrays(b)
    used = {r for _, refs, _ in osm.highway_ways(CLASSES) for r in refs if r in osm.nodes}
    assert a.node_ids.tolist() == sorted(used)
    assert a.lon.tolist() == [pytest.approx(osm.nodes[n][0], abs=1e-7) for n in sorted(used)]


def test_the_sorted_plan_keeps_the_store_within_its_budget(tmp_path, monkeypatch, caplog):
    """The store is emptied at tagged nodes once past the budget: never much above it."""
    data = long_spread_road(3_000, seed=5)
    tags = {n: {"highway": "crossing"} for n in sorted(data.nodes)[::50]}
    path = write_osm(tmp_path / "budget.osm.pbf", data, node_tags=tags)
    monkeypatch.setattr(pbf_reader, "STORE_BUDGET_BYTES", 200 * 16)  # 200 nodes
    with caplog.at_level("INFO", logger="supplynet.osm.pbf"):
        assert read_pbf(path, ["trunk"]).n_nodes == 3_000
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Read")]
    batches, largest = re.search(
        r"(\d+) batch\(es\), location store at most ([\d.]+) MiB", line
    ).groups()
    assert int(batches) >= 3_000 // 250
    assert float(largest) <= (200 + 50) * 16 / 2**20 + 0.05


def test_negative_ids_in_a_sorted_file_are_read(tmp_path):
    """Editor files carry negative ids, which the location store cannot hold: the reader
    falls back to the one-pass plan."""
    toy = toy_corridor()
    negated = OsmData(
        {-n: xy for n, xy in toy.nodes.items()},
        [(w, [-r for r in refs], tags) for w, refs, tags in toy.ways],
    )
    data = read_pbf(write_osm(tmp_path / "neg.osm.pbf", negated), ["trunk", "primary"])
    assert sorted(data.node_ids.tolist()) == sorted(-n for n in range(1, 13))
    assert data.n_ways == 4


def test_a_node_twice_in_a_sorted_file_keeps_its_first_location(tmp_path):
    import osmium

    toy = toy_corridor()
    path = tmp_path / "twice.osm.pbf"
    header = osmium.io.Header()
    header.set("sorting", "Type_then_ID")
    writer = osmium.SimpleWriter(str(path), 4 * 2**20, header)
    node = osmium.osm.mutable.Node
    try:
        for nid in sorted(toy.nodes):
            writer.add_node(node(id=nid, location=toy.nodes[nid], version=1))
            if nid == 3:  # a second copy, elsewhere (merged extracts)
                writer.add_node(node(id=3, location=(0.0, 0.0), version=2))
        for wid, refs, tags in toy.ways:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()
    data = read_pbf(path, ["trunk"])
    i = data.node_ids.tolist().index(3)
    assert (data.lon[i], data.lat[i]) == pytest.approx(toy.nodes[3])
