"""Saving and loading keep everything: per-direction arcs, tolls, extra columns with their
types, the graph's attributes; load(save(net)) gives the same tables and the same LP results,
for the CSV folder and the GeoPackage. Old and hand-made files still read."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pyogrio
import pytest
from conftest import ASSUMPTIONS
from osm_fixtures import TANKER_M3, tagged_corridor, write_osm
from shapely.geometry import LineString

import supplynet as sn
from supplynet.osm import build_network_from_osm
from supplynet.paths import data_path
from supplynet.schema import ARC_NUMBER_COLUMNS, NUMERIC_NODE_COLUMNS, OSM_ATTRIBUTION

FORMATS = ["", ".gpkg"]


def _roundtrip(net: sn.Network, tmp_path: Path, suffix: str) -> sn.Network:
    return sn.load_network(net.save(tmp_path / f"saved{suffix}"))


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """An attribute dict with unset (None) values dropped and geometry as coordinates."""
    return {
        k: (list(v.coords) if isinstance(v, LineString) else v)
        for k, v in d.items()
        if v is not None
    }


def assert_same_network(back: sn.Network, net: sn.Network) -> None:
    """Same name, graph attributes, nodes and arcs (attributes, order), tables and LPs."""
    assert back.name == net.name
    assert back.graph.graph == net.graph.graph
    assert [(n, _plain(d)) for n, d in back.graph.nodes(data=True)] == [
        (n, _plain(d)) for n, d in net.graph.nodes(data=True)
    ]
    assert [(u, v, k, _plain(d)) for u, v, k, d in back.graph.edges(keys=True, data=True)] == [
        (u, v, k, _plain(d)) for u, v, k, d in net.graph.edges(keys=True, data=True)
    ]
    pd.testing.assert_frame_equal(back.nodes, net.nodes)
    pd.testing.assert_frame_equal(back.edges, net.edges)


def assert_same_results(back: sn.Network, net: sn.Network, destination: str) -> None:
    for solve in (
        lambda n: sn.max_throughput(n, destination=destination),
        sn.least_cost_supply,
    ):
        a, b = solve(net), solve(back)
        assert a.ok and b.ok
        assert {k: v for k, v in b.summary().items() if k != "solve_time_s"} == {
            k: v for k, v in a.summary().items() if k != "solve_time_s"
        }
        for name, table in a.tables().items():
            pd.testing.assert_frame_equal(b.tables()[name], table, obj=name)


# ---------------------------------------------------------------------- the cases
@pytest.fixture(scope="module")
def tagged_net(tmp_path_factory) -> sn.Network:
    data = tagged_corridor()
    path = write_osm(tmp_path_factory.mktemp("tagged") / "tagged.osm.pbf", data)
    return build_network_from_osm(path, facilities=data.facilities, progress=False)


@pytest.mark.parametrize("suffix", FORMATS)
def test_lanes_forward_and_backward_survive_save_and_load(tagged_net, tmp_path, suffix) -> None:
    # lanes=3, lanes:forward=2: two lanes towards Bamako, one back
    back = _roundtrip(tagged_net, tmp_path, suffix)
    (to_bamako,) = back.graph.get_edge_data("border_x", "bamako").values()
    (away,) = back.graph.get_edge_data("bamako", "border_x").values()
    assert to_bamako["capacity_m3_day"] == pytest.approx(816 * TANKER_M3 * 2)
    assert away["capacity_m3_day"] == pytest.approx(816 * TANKER_M3)
    assert_same_network(back, tagged_net)
    assert back.graph.graph["highway_classes"] == tagged_net.graph.graph["highway_classes"]
    assert_same_results(back, tagged_net, "bamako")


def _tiny_tolled() -> sn.Network:
    nodes = pd.DataFrame(
        [
            {"node_id": "a", "kind": "port", "lon": 0, "lat": 0, "supply_m3_day": 10},
            {"node_id": "b", "kind": "depot", "lon": 1, "lat": 0, "demand_m3_day": 10},
        ]
    )
    edges = pd.DataFrame(
        [
            {
                "edge_id": "ab",
                "u": "a",
                "v": "b",
                "length_km": 1000,
                "capacity_m3_day": 100,
                "travel_time_h": 20,
                "toll_per_m3": 7,
            }
        ]
    )
    return sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)


@pytest.mark.parametrize("suffix", FORMATS)
def test_toll_survives_save_and_load(tmp_path, suffix) -> None:
    net = _tiny_tolled()
    assert sn.least_cost_supply(net).cost == pytest.approx(10 * (1000 + 7))
    back = _roundtrip(net, tmp_path, suffix)
    assert sn.least_cost_supply(back).cost == pytest.approx(10 * (1000 + 7))
    assert back.edges["toll_per_m3"].tolist() == [7.0, 7.0]


def test_geopackage_numeric_columns_stay_numeric_when_empty(tmp_path) -> None:
    nodes, edges = sn.load_network().nodes.reset_index(), sn.load_network().edges
    roads = edges[~edges.index.str.endswith("_rev")].reset_index()
    roads = roads.drop(columns=["lanes"]).assign(oneway=False)  # no lanes anywhere
    net = sn.Network.from_tables(nodes, roads, assumptions=ASSUMPTIONS)
    path = net.save(tmp_path / "net.gpkg")
    node_types = dict(
        zip(*[pyogrio.read_info(path, layer="nodes")[k] for k in ("fields", "dtypes")], strict=True)
    )
    edge_types = dict(
        zip(*[pyogrio.read_info(path, layer="edges")[k] for k in ("fields", "dtypes")], strict=True)
    )
    for col in ("lon", "lat", *NUMERIC_NODE_COLUMNS):
        assert node_types[col] == "float64", col
    for col in ARC_NUMBER_COLUMNS:
        assert edge_types[col] == "float64", col
    assert sn.load_network(path).edges["lanes"].isna().all()


# ---------------------------------------------------------------------- property test
def random_saved_network(seed: int) -> sn.Network:
    """A seeded random network as builders and scenarios make them.

    Two-way roads whose directions differ in capacity, travel time, lanes and toll, a toll
    in one direction only, one-way roads, a reverse arc without its forward arc, parallel
    roads, node costs, stocks and limits, extra node and arc attributes of every kind, and
    graph attributes such as a builder records.
    """
    rng = random.Random(seed)
    G = nx.MultiDiGraph(
        **{**ASSUMPTIONS, "cost_per_m3_km": rng.choice([0.5, 1.0, 2.25])},
        name=f"random-{seed}",
        attribution=OSM_ATTRIBUTION,
        highway_classes="motorway,trunk,primary",
        source=f"extract-{seed}.osm.pbf",
        built_at="2026-03-01T12:00:00+00:00",
        counts={"ways": rng.randint(1, 10**6), "kept": [1, 2, 3]},
    )
    n = rng.randint(4, 10)
    for i in range(n):
        attrs: dict[str, Any] = {
            "name": f"Place {i} ({rng.choice(['é', 'ß', '-'])})",
            "kind": rng.choice(["town", "junction", "border", "demand"]),
            "country": rng.choice(["MLI", "SEN", "CIV;BFA", ""]),
            "lon": rng.uniform(-17, 2),
            "lat": rng.uniform(5, 20),
        }
        if i == 0:
            attrs.update(kind="depot", demand_m3_day=float(rng.randint(5, 50)))
        elif i <= 2:
            attrs.update(kind="port", supply_m3_day=float(rng.randint(20, 90)))
        elif attrs["kind"] == "demand":
            attrs["demand_m3_day"] = rng.uniform(1, 20)
        if rng.random() < 0.4:
            attrs["capacity_m3_day"] = rng.uniform(5, 80)
        if rng.random() < 0.3:
            attrs["capacity_trucks_day"] = attrs.setdefault("capacity_m3_day", 40.0) / 40
        if rng.random() < 0.4:
            attrs["cost_per_m3"] = rng.uniform(0, 30)
        if rng.random() < 0.3:
            attrs["stock_m3"] = rng.uniform(0, 500)
        if rng.random() < 0.5:
            attrs["osm_id"] = rng.randint(10**9, 10**10)
        if rng.random() < 0.5:
            attrs["note"] = rng.choice(["checked 2025", "007", 'a, b; "c"'])
        G.add_node(f"n{i}", **attrs)
    for r in range(rng.randint(n, 3 * n)):
        a, b = rng.sample(range(n), 2)
        u, v = f"n{a}", f"n{b}"
        ends = [(G.nodes[x]["lon"], G.nodes[x]["lat"]) for x in (u, v)]
        middle = [(rng.uniform(-17, 2), rng.uniform(5, 20)) for _ in range(rng.randint(0, 2))]
        geom = LineString([ends[0], *middle, ends[1]])
        rid = f"r{r}"
        fwd: dict[str, Any] = {
            "edge_id": rid,
            "road_id": rid,
            "direction": "fwd",
            "geometry": geom,
            "length_km": rng.uniform(0, 500),
            "travel_time_h": rng.uniform(0, 12),
            "capacity_m3_day": float(rng.randint(0, 60)),
            "ref": rng.choice(["N1", "RN7", "", "0012"]),
            "highway": rng.choice(["trunk", "primary", "track"]),
            "surface": rng.choice(["paved", "unpaved"]),
            "lanes": rng.choice([None, 1.0, 2.0, 3.0]),
            "countries": rng.choice(["MLI", "SEN;MLI", ""]),
            "corridors": tuple(
                rng.sample(["dakar-kayes", "abidjan-sikasso", "c3"], rng.randint(0, 2))
            ),
            "osm_way_ids": rng.choice(["", "101;102", "4000000001"]),
        }
        if rng.random() < 0.3:
            fwd["toll_per_m3"] = rng.uniform(0, 50)
        if rng.random() < 0.3:
            fwd["maxspeed_kmh"] = rng.randint(30, 110)
        if rng.random() < 0.3:
            fwd["checked"] = rng.random() < 0.5
        if rng.random() < 0.2:
            fwd["survey"] = {"by": "wfp", "year": 2025}
        shape = rng.choice(["two-way", "two-way", "one-way", "one-sided toll", "lone reverse"])
        rev = {
            **fwd,
            "edge_id": rid + "_rev",
            "direction": "rev",
            "geometry": geom.reverse(),
            "capacity_m3_day": rng.choice([fwd["capacity_m3_day"], float(rng.randint(0, 60))]),
            "travel_time_h": rng.choice([fwd["travel_time_h"], rng.uniform(0, 12)]),
        }
        if fwd["lanes"] is not None and rng.random() < 0.5:
            rev["lanes"] = fwd["lanes"] + 1
        if "toll_per_m3" in fwd:
            rev["toll_per_m3"] = rng.choice([fwd["toll_per_m3"], rng.uniform(0, 50)])
        if shape == "one-sided toll":
            fwd["toll_per_m3"] = rng.uniform(1, 50)
            rev.pop("toll_per_m3", None)
        if shape != "lone reverse":
            G.add_edge(u, v, key=rid, **fwd)
        if shape != "one-way":
            G.add_edge(v, u, key=rid + "_rev", **rev)
    if seed % 3 == 0:  # edited arc by arc, as a scenario's copy is
        G = G.copy()
    return sn.Network.from_graph(G)


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("seed", range(16))
def test_load_of_save_is_the_same_network(seed, tmp_path, suffix) -> None:
    net = random_saved_network(seed)
    back = _roundtrip(net, tmp_path, suffix)
    assert_same_network(back, net)
    assert_same_results(back, net, "n0")
    # saving what was loaded writes the same files again
    again = _roundtrip(back, tmp_path / "again", suffix)
    assert_same_network(again, net)


def test_random_networks_have_what_the_property_needs() -> None:
    """The generator makes the cases the property is about (so the test can fail)."""
    nets = [random_saved_network(seed) for seed in range(16)]
    arcs = [d for net in nets for _, _, d in net.graph.edges(data=True)]
    by_id = {d["edge_id"]: d for net in nets for _, _, d in net.graph.edges(data=True)}
    asymmetric = [
        d
        for d in arcs
        if d["direction"] == "rev"
        and d["road_id"] in by_id
        and by_id[d["road_id"]]["capacity_m3_day"] != d["capacity_m3_day"]
    ]
    assert len(asymmetric) > 10
    assert sum("toll_per_m3" in d for d in arcs) > 10
    assert any(d["direction"] == "rev" and d["road_id"] not in by_id for d in arcs)
    assert sum(1 for net in nets for _, d in net.graph.nodes(data=True) if d.get("cost_per_m3")) > 5
    for net in nets:
        assert sn.max_throughput(net, destination="n0").ok


# ---------------------------------------------------------------------- the files themselves
def test_saved_folder_reads_as_people_expect(tagged_net, tmp_path) -> None:
    folder = tagged_net.save(tmp_path / "net")
    edges = pd.read_csv(folder / "edges.csv", dtype=str, keep_default_na=False)
    row = edges.set_index("edge_id").loc[
        next(
            d["road_id"]
            for u, v, d in tagged_net.graph.edges(data=True)
            if (u, v) == ("border_x", "bamako")
        )
    ]
    assert float(row["capacity_m3_day"]) == pytest.approx(816 * TANKER_M3 * 2)
    assert float(row["capacity_m3_day_rev"]) == pytest.approx(816 * TANKER_M3)
    # a symmetric road leaves its _rev cells empty: "the same as forward"
    assert (edges["capacity_m3_day_rev"] == "").sum() >= 1
    assert "network.json" in {p.name for p in folder.iterdir()}


def test_embedded_and_earlier_saved_folders_still_load(tmp_path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    for name in ("nodes.csv", "edges.csv", "assumptions.csv"):
        (old / name).write_bytes(data_path(name).read_bytes())
    net = sn.load_network(old)
    default = sn.load_network()
    pd.testing.assert_frame_equal(net.edges, default.edges)
    pd.testing.assert_frame_equal(net.nodes, default.nodes)


def test_geopackage_of_an_earlier_version_still_loads(tmp_path) -> None:
    import geopandas as gpd

    default = sn.load_network()
    nodes = default.nodes.reset_index()
    arcs = default.edges
    roads = arcs[~arcs.index.str.endswith("_rev")].reset_index()
    two_way = {e.removesuffix("_rev") for e in arcs.index if e.endswith("_rev")}
    roads = roads.drop(columns="toll_per_m3").assign(oneway=~roads["edge_id"].isin(two_way))
    geoms = [default.edge_data(e)["geometry"] for e in roads["edge_id"]]
    path = tmp_path / "old.gpkg"
    gpd.GeoDataFrame(
        nodes, geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs=4326
    ).to_file(path, layer="nodes")
    gpd.GeoDataFrame(roads, geometry=geoms, crs=4326).to_file(path, layer="edges")
    meta = pd.DataFrame(
        [{"key": k, "value": str(default.graph.graph[k])} for k in ASSUMPTIONS]
        + [{"key": "name", "value": "old-one"}, {"key": "attribution", "value": OSM_ATTRIBUTION}]
    )
    pyogrio.write_dataframe(meta, path, layer="assumptions")
    net = sn.load_network(path)
    assert net.name == "old-one"
    pd.testing.assert_frame_equal(net.edges.sort_index(), default.edges.sort_index())


def test_hand_written_reverse_columns() -> None:
    nodes = pd.DataFrame(
        {"node_id": ["a", "b"], "kind": ["port", "depot"], "lon": [0, 1], "lat": [0, 0]}
    )
    edges = pd.DataFrame(
        {
            "edge_id": ["ab", "ab2"],
            "u": ["a", "a"],
            "v": ["b", "b"],
            "length_km": [100, 100],
            "highway": ["trunk", "trunk"],
            "capacity_m3_day": [500, 500],
            "capacity_m3_day_rev": [200, None],
            "toll_per_m3_rev": [3, None],
        }
    )
    net = sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)
    cap = net.edges["capacity_m3_day"]
    assert (cap["ab"], cap["ab_rev"], cap["ab2"], cap["ab2_rev"]) == (500, 200, 500, 500)
    toll = net.edges["toll_per_m3"]
    assert pd.isna(toll["ab"]) and toll["ab_rev"] == 3 and pd.isna(toll["ab2_rev"])
    # the travel time of both directions comes from the capacity table
    assert net.edges.loc["ab", "travel_time_h"] == net.edges.loc["ab_rev", "travel_time_h"] > 0
    with pytest.raises(sn.DataError, match=r"column 'u_rev' is not allowed"):
        sn.Network.from_tables(nodes, edges.assign(u_rev="b"), assumptions=ASSUMPTIONS)


def test_a_bad_network_document_is_named(tmp_path) -> None:
    folder = sn.load_network().save(tmp_path / "net")
    (folder / "network.json").write_text("{not json")
    with pytest.raises(sn.DataError, match=r"network\.json: not valid JSON"):
        sn.load_network(folder)
    (folder / "network.json").write_text('{"supplynet_network": 99}')
    with pytest.raises(sn.DataError, match="written by a newer supplynet"):
        sn.load_network(folder)
