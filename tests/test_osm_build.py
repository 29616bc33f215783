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
    tagged_corridor,
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
    # max(entering: way 103 (2 lanes each way) + one-way way 104, leaving: way 103)
    entering = 816 * TANKER_M3 * 2 + 576 * TANKER_M3
    assert data["capacity_m3_day"] == pytest.approx(entering)
    assert G.edges["bamako", "depot_b", "conn_depot_b_rev"]["capacity_m3_day"] == pytest.approx(
        entering
    )


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
        capacity_trucks_day=[None, 10_000 / TANKER_M3, None, None]
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
    # the toy lies between the embedded facilities; Bamako (-8.0, 12.64) is off its roads
    with pytest.raises(DataError, match="destination 'bamako' lies outside"):
        build_network_from_osm(toy_files["osm.pbf"], bbox="-8.6,11.8,-7.8,12.2", progress=False)
    with pytest.raises(DataError) as exc:  # no region: nothing is left out
        build_network_from_osm(toy_files["osm.pbf"], progress=False)
    assert "'dakar' (Dakar) is" in str(exc.value) and "more)" in str(exc.value)
    assert "give a region (bbox or polygon) that leaves it out" in str(exc.value)


def test_progress_display_runs_when_asked(toy_files, toy, monkeypatch):
    import io

    import rich.console

    shown = io.StringIO()
    real_console = rich.console.Console
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    monkeypatch.setattr(
        rich.console,
        "Console",
        lambda **kw: real_console(file=shown, force_terminal=True, width=120),
    )
    net = build_network_from_osm(
        toy_files["osm.pbf"], facilities=toy.facilities, out=None, progress=True
    )
    assert net.graph.number_of_nodes() == 4
    text = shown.getvalue()
    assert "Reading toy.osm.pbf" in text
    assert "Snapping facilities" in text


def test_no_progress_display_when_not_asked(toy_files, toy, monkeypatch):
    import rich.console

    def no_console(**kw):
        raise AssertionError("a progress display was started")

    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    monkeypatch.setattr(rich.console, "Console", no_console)
    build_network_from_osm(toy_files["osm.pbf"], facilities=toy.facilities, progress=False)


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
    named = CliRunner().invoke(
        app,
        [
            "build",
            str(toy_files["osm.pbf"]),
            str(tmp_path / "named"),
            "--facilities",
            str(csv),
            "--no-progress",
            "--name",
            "toy [/bold] [closed]",
        ],
    )
    assert named.exit_code == 0, named.output
    assert "toy [/bold] [closed]: 4 nodes" in named.output  # the user's name, literally
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


def _depot(node_id: str, lon: float, lat: float = 12.0) -> pd.DataFrame:
    return pd.DataFrame(
        [{"node_id": node_id, "name": node_id, "kind": "depot", "lon": lon, "lat": lat}]
    )


def test_connector_carries_what_reaches_a_node_of_oneway_roads(tmp_path):
    """Bamako behind a connector on a road node that one-way roads only enter."""
    data = toy_corridor()
    data.ways = [
        (wid, refs, {**tags, "oneway": "yes"} if wid == 103 else tags)
        for wid, refs, tags in data.ways
    ]
    # a depot nearer to road node 12 than Bamako takes the node: Bamako gets a connector
    fac = pd.concat([data.facilities, _depot("depot_near", -7.9 + 0.001)])
    net = build_network_from_osm(
        write_osm(tmp_path / "oneway.osm.pbf", data), facilities=fac, progress=False
    )
    G = net.graph
    assert G.has_edge("depot_near", "bamako") and G.has_edge("bamako", "depot_near")
    assert not any(G.has_edge(n, "bamako") for n in ("osm_5", "border_x"))
    conn = G.edges["depot_near", "bamako", "conn_bamako_rev"]
    # entering: one-way way 103 with 4 lanes one way + one-way way 104; leaving: nothing
    assert conn["capacity_m3_day"] == pytest.approx(816 * TANKER_M3 * 4 + 576 * TANKER_M3)
    assert sn.max_throughput(net, destination="bamako").delivered_m3_day == pytest.approx(
        TOY_ANSWER_M3_DAY
    )


@pytest.fixture(scope="module")
def tagged_nets(tmp_path_factory):
    data = tagged_corridor()
    folder = tmp_path_factory.mktemp("tagged")
    return {
        ext: build_network_from_osm(
            write_osm(folder / f"tagged.{ext}", data), facilities=data.facilities, progress=False
        )
        for ext in FORMATS
    }


def _arcs(net: sn.Network) -> list[tuple]:
    return sorted(
        (u, v, d["highway"], round(d["capacity_m3_day"], 6), round(d["length_km"], 9))
        for u, v, d in net.graph.edges(data=True)
    )


@pytest.mark.parametrize("ext", FORMATS)
def test_tagged_corridor_reads_as_osm_says(tagged_nets, ext):
    G = tagged_nets[ext].graph
    assert sorted(G.nodes) == ["bamako", "border_x", "osm_5", "port_a"]
    # junction=circular: one-way; roundabout with oneway=no: two-way
    assert G.has_edge("osm_5", "bamako") and not G.has_edge("bamako", "osm_5")
    assert G.has_edge("osm_5", "border_x") and G.has_edge("border_x", "osm_5")
    # "Trunk " and " trunk" are trunk roads
    assert {d["highway"] for _, _, d in G.edges("port_a", data=True)} == {"trunk"}
    # lanes=3, lanes:forward=2: two lanes towards Bamako, one back
    (to_bamako,) = G.get_edge_data("border_x", "bamako").values()
    (back,) = G.get_edge_data("bamako", "border_x").values()
    assert to_bamako["capacity_m3_day"] == pytest.approx(816 * TANKER_M3 * 2)
    assert back["capacity_m3_day"] == pytest.approx(816 * TANKER_M3)
    res = sn.max_throughput(tagged_nets[ext], destination="bamako")
    assert res.delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


@pytest.mark.parametrize("ext", ["osm", "osm.bz2"])
def test_pbf_and_xml_sources_agree_on_the_same_data(tagged_nets, ext):
    assert _arcs(tagged_nets[ext]) == _arcs(tagged_nets["osm.pbf"])


@pytest.mark.parametrize("ext", FORMATS)
@pytest.mark.parametrize(
    ("way", "expected_lanes"),
    [
        ((104, [5, 20, 21, 12], {"highway": "secondary", "oneway": "yes", "lanes": "2"}), 2),
        ((104, [5, 20, 21, 12], {"highway": "secondary", "oneway": "yes"}), 1),
        (
            (
                104,
                [12, 21, 20, 5],
                {"highway": "secondary", "oneway": "-1", "lanes": "3", "lanes:backward": "2"},
            ),
            2,
        ),
    ],
    ids=["oneway-2-lanes", "oneway-untagged", "reversed-lanes-backward"],
)
def test_oneway_lanes_all_go_one_way(tmp_path, ext, way, expected_lanes):
    data = toy_corridor()
    data.ways = [way if w[0] == 104 else w for w in data.ways]
    net = build_network_from_osm(
        write_osm(tmp_path / f"lanes.{ext}", data), facilities=data.facilities, progress=False
    )
    (arc,) = net.graph.get_edge_data("osm_5", "bamako").values()
    assert arc["capacity_m3_day"] == pytest.approx(576 * TANKER_M3 * expected_lanes)
    assert not net.graph.has_edge("bamako", "osm_5")


def test_border_post_does_not_hide_a_parallel_crossing(tmp_path):
    """A second road crossing the border about 4 km from Border X, reachable from it only
    by a long detour, keeps its own border node; Border X still stands for the crossing
    on its own road."""
    data = toy_corridor()
    lon = [-8.5 + 0.05 * i for i in (8.4, 8.6)]
    data.nodes.update({60: (lon[0], 12.02), 61: (lon[1], 12.02)})
    data.ways.append((106, [5, 60, 61, 12], {"highway": "trunk"}))
    path = write_osm(tmp_path / "parallel.osm.pbf", data)
    net = build_network_from_osm(
        path,
        facilities=data.facilities,
        boundaries=toy_boundaries(),
        tolerance_km=6,
        progress=False,
    )
    G = net.graph
    assert "border_osm_8" not in G  # the crossing on Border X's road, 5.4 km away
    assert "border_osm_60" in G and G.nodes["border_osm_60"]["kind"] == "border"
    assert G.nodes["border_osm_60"]["country"] == "AAA/MLI"
    # the parallel road (816 * 45 = 36,720) bypasses Border X's 10,000 limit
    closed = sn.Scenario(name="closed", blocked_nodes=["border_x"])
    assert sn.max_throughput(net, closed).delivered_m3_day == pytest.approx(
        min(36_720.0, 576 * TANKER_M3 + 816 * TANKER_M3)
    )


@pytest.mark.parametrize("ext", FORMATS)
def test_condition_tags_scale_capacity_and_speed(tmp_path, ext):
    import dataclasses

    base = toy_corridor()
    ways = [
        (wid, refs, {**tags, "smoothness": "bad", "tracktype": "grade3"})
        if wid == 103
        else (wid, refs, tags)
        for wid, refs, tags in base.ways
    ]
    data = dataclasses.replace(base, ways=ways)
    path = write_osm(tmp_path / f"cond.{ext}", data)
    net = build_network_from_osm(path, facilities=data.facilities, progress=False)
    table = sn.load_capacity_table(tanker_m3=TANKER_M3)
    cap_f, speed_f = table.condition_factors(smoothness="bad", tracktype="grade3")
    assert (cap_f, speed_f) == pytest.approx((0.7 * 0.6, 0.6 * 0.7))
    edges = net.edges
    b_d = edges[(edges.u == "border_x") & (edges.v == "bamako")].iloc[0]
    assert b_d.capacity_m3_day == pytest.approx(816 * TANKER_M3 * 4 / 2 * cap_f)
    assert b_d.travel_time_h == pytest.approx(path_km(data, [9, 10, 11, 12]) / (60 * speed_f))
