"""Building networks from OSM files (.osm.pbf, .osm, .osm.bz2) on a toy corridor with
hand-computed answers; facilities, border crossings, capacities, save/load, CLI."""

from __future__ import annotations

import logging

import networkx as nx
import pandas as pd
import pytest
from osm_fixtures import (
    TANKER_M3,
    TOY_ANSWER_M3_DAY,
    path_km,
    toy_boundaries,
    toy_corridor,
    write_osm,
)

import supplynet as sn
from supplynet.errors import DataError
from supplynet.osm import build_network_from_osm

FORMATS = ["osm.pbf", "osm", "osm.bz2"]


@pytest.fixture(scope="module")
def toy():
    return toy_corridor()


@pytest.fixture(scope="module")
def toy_files(tmp_path_factory, toy):
    folder = tmp_path_factory.mktemp("osm")
    return {ext: write_osm(folder / f"toy.{ext}", toy) for ext in FORMATS}


@pytest.fixture(scope="module")
def toy_nets(toy_files, toy):
    return {
        ext: build_network_from_osm(path, facilities=toy.facilities, progress=False)
        for ext, path in toy_files.items()
    }


@pytest.mark.parametrize("ext", FORMATS)
def test_toy_topology_after_contraction(toy_nets, ext):
    G = toy_nets[ext].graph
    assert sorted(G.nodes) == ["bamako", "border_x", "osm_5", "port_a"]
    assert G.number_of_edges() == 7  # three two-way roads and one one-way road
    assert G.has_edge("osm_5", "bamako") and not G.has_edge("bamako", "osm_5")
    assert G.nodes["port_a"]["kind"] == "port"
    assert G.nodes["port_a"]["supply_m3_day"] == 1_000_000.0
    assert G.nodes["border_x"]["capacity_m3_day"] == 10_000.0
    assert G.nodes["osm_5"]["kind"] == "junction"
    assert G.graph["attribution"] == "© OpenStreetMap contributors (ODbL)"


@pytest.mark.parametrize("ext", FORMATS)
def test_toy_lengths_capacities_and_ways(toy_nets, toy, ext):
    net = toy_nets[ext]
    edges = net.edges
    by_ends = {(r.u, r.v): r for r in edges.itertuples()}
    j_b = by_ends[("osm_5", "border_x")]
    assert j_b.length_km == pytest.approx(path_km(toy, [5, 6, 7, 8, 9]))
    assert j_b.capacity_m3_day == pytest.approx(360 * TANKER_M3)  # primary unpaved bottleneck
    assert j_b.highway == "primary" and j_b.surface == "unpaved"
    assert j_b.travel_time_h == pytest.approx(
        path_km(toy, [5, 6, 7]) / 60 + path_km(toy, [7, 8, 9]) / 33
    )
    b_d = by_ends[("border_x", "bamako")]
    assert b_d.capacity_m3_day == pytest.approx(816 * TANKER_M3 * 4 / 2)  # lanes=4
    assert b_d.length_km == pytest.approx(path_km(toy, [9, 10, 11, 12]))
    oneway = by_ends[("osm_5", "bamako")]
    assert oneway.capacity_m3_day == pytest.approx(576 * TANKER_M3)
    data = net.edge_data(edges.index[(edges.u == "osm_5") & (edges.v == "border_x")][0])
    assert data["osm_way_ids"] == "101;102"
    assert data["geometry"].coords[0] == pytest.approx(toy.nodes[5])
    assert data["geometry"].coords[-1] == pytest.approx(toy.nodes[9])
    assert len(data["geometry"].coords) == 5


@pytest.mark.parametrize("ext", FORMATS)
def test_toy_max_throughput_equals_hand_answer(toy_nets, ext):
    res = sn.max_throughput(toy_nets[ext], destination="bamako")
    assert res.status.value == "optimal"
    assert res.delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_scenario_code_accepts_built_network(toy_nets):
    net = toy_nets["osm.pbf"]
    sc = sn.Scenario(name="closed border", blocked_nodes=["border_x"])
    res = sn.max_throughput(net, sc, destination="bamako")
    assert res.delivered_m3_day == pytest.approx(576 * TANKER_M3)
    assert sn.least_cost_supply(net).status.value == "optimal"


def test_facilities_outside_region_dropped_with_info(toy_files, toy, caplog):
    with caplog.at_level(logging.INFO, logger="supplynet.osm"):
        net = build_network_from_osm(
            toy_files["osm.pbf"], facilities=toy.facilities, progress=False
        )
    assert "faraway" not in net.graph and "some_town" not in net.graph
    assert any("faraway" in r.getMessage() and "Dropped" in r.getMessage() for r in caplog.records)


def test_one_info_line_per_stage(toy_files, toy, caplog):
    with caplog.at_level(logging.INFO, logger="supplynet.osm"):
        build_network_from_osm(toy_files["osm.pbf"], facilities=toy.facilities, progress=False)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for stage in (
        "Read toy.osm.pbf: 5 ways",
        "Snapped 3 facilities",
        "Contracted",
        "Built network 'osm-toy': 4 nodes, 7 arcs",
    ):
        assert stage in text


def test_wider_road_filter_keeps_more_junctions(toy_files, toy):
    net = build_network_from_osm(
        toy_files["osm.pbf"],
        facilities=toy.facilities,
        highway="trunk,primary,secondary,tertiary",
        progress=False,
    )
    assert net.graph.number_of_nodes() == 6  # + node 11 (junction) and 41 (dead end)
    assert net.graph.number_of_edges() == 11


def test_capacity_table_override_dict(toy_files, toy):
    net = build_network_from_osm(
        toy_files["osm.pbf"],
        facilities=toy.facilities,
        capacity_table={("primary", "unpaved"): (100.0, 30.0)},
        assumptions={"tanker_m3": 30.0},
        progress=False,
    )
    cap = net.edges.set_index(["u", "v"]).loc[("osm_5", "border_x"), "capacity_m3_day"]
    assert cap == pytest.approx(100 * 30.0)
    assert net.graph.graph["tanker_m3"] == 30.0


def test_two_facilities_on_one_road_node_use_a_connector(toy_files, toy):
    fac = pd.concat(
        [
            toy.facilities,
            pd.DataFrame(
                [
                    {
                        "node_id": "depot_b",
                        "name": "Depot B",
                        "kind": "depot",
                        "lon": -7.9 + 0.008,
                        "lat": 12.0,
                        "demand_m3_day": 10.0,
                    }
                ]
            ),
        ]
    )
    net = build_network_from_osm(toy_files["osm.pbf"], facilities=fac, progress=False)
    G = net.graph
    assert G.has_edge("depot_b", "bamako") and G.has_edge("bamako", "depot_b")
    data = G.edges["depot_b", "bamako", "conn_depot_b"]
    assert data["length_km"] == 0 and data["highway"] == "connector"
    assert data["capacity_m3_day"] == pytest.approx(816 * TANKER_M3 * 2)


def test_border_crossings_from_boundaries(toy_files, toy):
    net = build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, boundaries=toy_boundaries(), progress=False
    )
    G = net.graph
    detected = sorted(n for n, d in G.nodes(data=True) if n.startswith("border_osm_"))
    assert detected == ["border_osm_20", "border_osm_8"]
    assert G.nodes["border_osm_8"]["kind"] == "border"
    assert G.nodes["border_osm_8"]["country"] == "AAA/MLI"
    assert G.nodes["osm_5"]["country"] == "AAA"
    # a border post of the table within the tolerance stands for the detected crossing
    net6 = build_network_from_osm(
        toy_files["osm.pbf"],
        facilities=toy.facilities,
        boundaries=toy_boundaries(),
        tolerance_km=6,
        progress=False,
    )
    assert "border_osm_8" not in net6.graph and "border_osm_20" in net6.graph
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_border_crossings_from_boundaries_file(toy_files, toy, tmp_path):
    path = tmp_path / "countries.geojson"
    toy_boundaries().to_file(path, driver="GeoJSON")
    net = build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, boundaries=path, progress=False
    )
    assert "border_osm_8" in net.graph


def test_facilities_from_csv(toy_files, toy, tmp_path):
    csv = tmp_path / "facilities.csv"
    fac = toy.facilities.drop(columns=["capacity_m3_day"]).assign(
        capacity_trucks_day=[None, 10_000 / TANKER_M3, None, None, None]
    )
    fac.to_csv(csv, index=False)
    net = build_network_from_osm(toy_files["osm.pbf"], facilities=csv, progress=False)
    assert net.graph.nodes["border_x"]["capacity_m3_day"] == pytest.approx(10_000)


@pytest.mark.parametrize("suffix", ["", ".gpkg"])
def test_save_and_load_roundtrip(toy_files, toy, tmp_path, suffix):
    out = tmp_path / f"built{suffix}"
    net = build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, out=out, progress=False
    )
    back = sn.load_network(out)
    assert sorted(back.graph.nodes) == sorted(net.graph.nodes)
    assert sorted(back.edge_ids) == sorted(net.edge_ids)
    assert back.edges.loc["osm_5_9", "length_km"] == pytest.approx(
        net.edges.loc["osm_5_9", "length_km"]
    )
    assert sn.max_throughput(back).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)
    if not suffix:
        assert (out / "edges.csv").is_file()
        edges = pd.read_csv(out / "edges.csv", dtype=str)
        assert edges.set_index("edge_id").loc["osm_5_9", "osm_way_ids"] == "101;102"


def test_default_facility_table_needs_destination_in_region(toy_files):
    # the toy lies between the embedded facilities; Bamako (-8.0, 12.64) is outside it
    with pytest.raises(DataError, match="destination 'bamako' lies outside"):
        build_network_from_osm(toy_files["osm.pbf"], progress=False)


def test_progress_display_runs_when_asked(toy_files, toy, monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    net = build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, out=None, progress=True
    )
    assert net.graph.number_of_nodes() == 4


def test_cli_build_command(toy_files, toy, tmp_path, capsys):
    import typer
    from typer.testing import CliRunner

    from supplynet.osm.cli import build_command

    csv = tmp_path / "facilities.csv"
    toy.facilities.to_csv(csv, index=False)
    app = typer.Typer()
    app.command("build")(build_command)
    app.command("noop")(lambda: None)
    out = tmp_path / "net.gpkg"
    result = CliRunner().invoke(
        app,
        ["build", str(toy_files["osm.pbf"]), str(out), "--facilities", str(csv), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert "Built" in result.output and "4 nodes" in result.output
    assert out.is_file()
    bad = CliRunner().invoke(
        app, ["build", str(tmp_path / "missing.osm.pbf"), str(out), "--facilities", str(csv)]
    )
    assert isinstance(bad.exception, DataError)
    assert "missing.osm.pbf" in str(bad.exception)


def test_source_kind_rejects_unknown_suffix(tmp_path):
    with pytest.raises(DataError, match=r"roads\.shp"):
        build_network_from_osm(tmp_path / "roads.shp")


@pytest.mark.parametrize("ext", FORMATS)
def test_reversed_oneway_way(tmp_path, ext):
    """``oneway=-1`` on a way drawn against the traffic gives the same one-way road."""
    data = toy_corridor()
    data.ways = [
        (104, [12, 21, 20, 5], {"highway": "secondary", "oneway": "-1"}) if w[0] == 104 else w
        for w in data.ways
    ]
    net = build_network_from_osm(
        write_osm(tmp_path / f"rev.{ext}", data), facilities=data.facilities, progress=False
    )
    G = net.graph
    assert G.has_edge("osm_5", "bamako") and not G.has_edge("bamako", "osm_5")
    geom = next(
        d["geometry"] for _, _, d in G.out_edges("osm_5", data=True) if d["highway"] == "secondary"
    )
    assert geom.coords[0] == pytest.approx(data.nodes[5])
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_corridors_are_named_on_built_roads(toy_files, toy):
    routes = {"toy-corridor": ["port_a", "border_x", "bamako"], "elsewhere": ["x", "y"]}
    net = sn.build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, progress=False, corridors=routes
    )
    assert list(net.corridors) == ["toy-corridor"]
    arcs, posts = net.corridor_elements(["toy-corridor"])
    assert posts == ["border_x"]
    # the route follows the shortest road, both directions named
    assert len(arcs) == len(net.corridors["toy-corridor"]) and len(arcs) % 2 == 0
    G = net.graph
    km = nx.shortest_path_length(G, "port_a", "bamako", weight="length_km")
    fwd = [e for e in arcs if G.edges[(*net.edge_endpoints(e), e)]["direction"] == "fwd"]
    assert sum(net.edge_data(e)["length_km"] for e in fwd) == pytest.approx(km)
    blocked = sn.max_throughput(net, sn.Scenario(name="b", blocked_corridors=["toy-corridor"]))
    assert blocked.delivered_m3_day < sn.max_throughput(net).delivered_m3_day


def test_default_corridor_routes_follow_the_curated_network():
    from supplynet.osm.corridors import default_corridor_routes

    routes = default_corridor_routes()
    assert routes["dakar-kayes"] == ["dakar", "kidira_diboli", "kayes", "bamako"]
    assert routes["conakry-kouremale"] == ["conakry", "kouremale", "bamako"]
    assert {"abidjan-sikasso", "nouakchott-nioro", "dakar-kita"} <= set(routes)
