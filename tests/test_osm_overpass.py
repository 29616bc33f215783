"""Overpass through osmnx, replayed from recorded responses in osmnx's cache folder.

The HTTP layer (requests and DNS) is made to fail, so a test that reached the network
would fail: every answer comes from a JSON file the test wrote where osmnx 2.1 looks.
"""

from __future__ import annotations

import socket

import pytest
import requests
from osm_fixtures import (
    FARAWAY,
    TOY_ANSWER_M3_DAY,
    overpass_json,
    record_overpass,
    toy_corridor,
    with_facility,
)
from shapely.geometry import box

import supplynet as sn
from supplynet.errors import DataError
from supplynet.osm import build_network_from_osm
from supplynet.osm.overpass import corridor_region, highway_filter, parse_bbox
from supplynet.osm.roads import DEFAULT_HIGHWAYS

BBOX = "-8.6,11.8,-7.8,12.2"


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network: any HTTP request or DNS lookup fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError("the test tried to reach the network")

    monkeypatch.setattr(requests, "post", refuse)
    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    monkeypatch.setenv("SUPPLYNET_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "osmnx"


@pytest.fixture(scope="module")
def toy():
    return toy_corridor()


def _record(region, toy, cache, classes=DEFAULT_HIGHWAYS, response=None):
    response = overpass_json(toy, classes) if response is None else response
    return record_overpass(region, highway_filter(classes), response, cache)


def test_replayed_bbox_build(offline, toy, caplog):
    files = _record(parse_bbox(BBOX), toy, offline)
    assert files and all(f.is_file() for f in files)
    fac = with_facility(toy.facilities, **FARAWAY)
    with caplog.at_level("WARNING", logger="supplynet"):
        net = build_network_from_osm("overpass", bbox=BBOX, facilities=fac, progress=False)
    assert sorted(net.graph.nodes) == ["bamako", "border_x", "osm_5", "port_a"]
    assert net.graph.number_of_edges() == 7
    assert "faraway" not in net.graph
    (left_out,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert left_out.getMessage() == (
        f"Left out 1 facility outside the bbox {BBOX}: faraway (Far away depot)"
    )
    res = sn.max_throughput(net, destination="bamako")
    assert res.delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_replayed_polygon_file_build(offline, toy, tmp_path):
    poly = box(-8.6, 11.8, -7.8, 12.2).buffer(0.01)
    wkt_file = tmp_path / "region.wkt"
    wkt_file.write_text(poly.wkt)
    _record(poly, toy, offline)
    net = build_network_from_osm(
        "overpass",
        polygon=wkt_file,
        facilities=toy.facilities,
        progress=False,
        out=tmp_path / "net.gpkg",
    )
    assert sn.load_network(tmp_path / "net.gpkg").graph.number_of_edges() == 7
    import geopandas as gpd

    geojson = tmp_path / "region.geojson"
    gpd.GeoDataFrame(geometry=[poly], crs="EPSG:4326").to_file(geojson, driver="GeoJSON")
    net2 = build_network_from_osm(
        "overpass", polygon=geojson, facilities=toy.facilities, progress=False
    )
    assert sorted(net2.edge_ids) == sorted(net.edge_ids)


def test_replayed_country_region(offline, toy, monkeypatch):
    import geopandas as gpd
    import osmnx as ox

    country = box(-8.6, 11.8, -7.8, 12.2)
    monkeypatch.setattr(
        ox,
        "geocode_to_gdf",
        lambda name: gpd.GeoDataFrame({"name": [name]}, geometry=[country], crs="EPSG:4326"),
    )
    _record(country, toy, offline)
    net = build_network_from_osm(
        "overpass", countries=["Toyland"], facilities=toy.facilities, progress=False
    )
    assert net.graph.number_of_edges() == 7


def test_replayed_custom_road_classes(offline, toy):
    classes = ("trunk", "primary", "secondary", "tertiary")
    _record(parse_bbox(BBOX), toy, offline, classes=classes)
    net = build_network_from_osm(
        "overpass", bbox=BBOX, highway=",".join(classes), facilities=toy.facilities, progress=False
    )
    assert net.graph.number_of_nodes() == 6


def test_uncached_download_fails_cleanly_without_output(offline, toy, tmp_path):
    out = tmp_path / "net"
    with pytest.raises(AssertionError, match="reach the network"):
        build_network_from_osm(
            "overpass", bbox=BBOX, facilities=toy.facilities, progress=False, out=out
        )
    assert not out.exists()


def test_failed_download_is_a_data_error(monkeypatch, toy, tmp_path):
    def broken(*args, **kwargs):
        raise requests.ConnectionError("network unreachable")

    import osmnx as ox

    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)  # no 60 s pause
    monkeypatch.setattr(requests, "post", broken)
    monkeypatch.setattr(requests, "get", broken)
    monkeypatch.setattr(socket, "gethostbyname", lambda host: "127.0.0.1")
    monkeypatch.setenv("SUPPLYNET_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError) as exc:
        build_network_from_osm("overpass", bbox=BBOX, facilities=toy.facilities, progress=False)
    assert "Overpass download failed" in str(exc.value) and "bbox" in str(exc.value)


def test_empty_response_is_no_roads(offline, toy):
    _record(parse_bbox(BBOX), toy, offline, response={"elements": []})
    with pytest.raises(DataError) as exc:
        build_network_from_osm("overpass", bbox=BBOX, facilities=toy.facilities, progress=False)
    assert "no roads of classes" in str(exc.value) and BBOX in str(exc.value)


def test_one_region_only(toy):
    with pytest.raises(DataError, match="give one region"):
        build_network_from_osm(
            "overpass", bbox=BBOX, countries=["Mali"], facilities=toy.facilities, progress=False
        )


def test_corridor_region_covers_the_facilities():
    region = corridor_region(20.0)
    net = sn.load_network()
    from shapely.geometry import Point

    for n, d in net.graph.nodes(data=True):
        assert region.contains(Point(d["lon"], d["lat"])), n
    assert not region.contains(Point(-3.0, 22.0))  # the Sahara north of the routes


def _default_network_as_osm():
    """An Overpass answer whose trunk roads follow the default network's edges."""
    import numpy as np
    from osm_fixtures import OsmData

    net = sn.load_network()
    nodes: dict[int, tuple[float, float]] = {}
    ids: dict[str, int] = {}
    for i, (n, d) in enumerate(net.graph.nodes(data=True), start=1):
        ids[n] = i
        nodes[i] = (d["lon"], d["lat"])
    ways = []
    next_id = 10_000
    for w, (u, v, d) in enumerate(net.graph.edges(data=True)):
        if d["direction"] != "fwd":
            continue
        refs = [ids[u]]
        for t in np.linspace(0, 1, 6)[1:-1]:  # shape nodes along the straight line
            nodes[next_id] = (
                nodes[ids[u]][0] * (1 - t) + nodes[ids[v]][0] * t,
                nodes[ids[u]][1] * (1 - t) + nodes[ids[v]][1] * t,
            )
            refs.append(next_id)
            next_id += 1
        refs.append(ids[v])
        ways.append((100_000 + w, refs, {"highway": "trunk", "surface": "asphalt"}))
    return net, OsmData(nodes, ways)


@pytest.mark.filterwarnings("ignore:This area is .* times your configured Overpass")
def test_replayed_default_corridor_region_end_to_end(offline):
    """Default region, default facilities: the OSM build of roads laid on the default
    network's edges has the max throughput of that network with trunk capacities."""
    net, osm = _default_network_as_osm()
    region = corridor_region(20.0)
    files = _record(region, osm, offline)
    assert len(files) > 1  # osmnx splits the corridor into several queries
    built = build_network_from_osm("overpass", progress=False)
    kinds = {d["kind"] for _, d in built.graph.nodes(data=True)}
    assert {"port", "border", "depot", "demand", "junction"} >= kinds >= {"port", "border"}
    G = net.graph.copy()
    for u, v, d in list(G.edges(data=True)):
        d["capacity_m3_day"] = 816 * G.graph["tanker_m3"]
        rev = d["edge_id"] + sn.network.REVERSE_SUFFIX
        if d["direction"] == "fwd" and not G.has_edge(v, u, key=rev):
            G.add_edge(v, u, key=rev, **{**d, "edge_id": rev, "direction": "rev"})  # laid two-way
    expected = sn.max_throughput(net.with_graph(G)).delivered_m3_day
    assert sn.max_throughput(built).delivered_m3_day == pytest.approx(expected)


def test_failed_download_keeps_earlier_output(offline, toy, tmp_path):
    out = tmp_path / "net.gpkg"
    _record(parse_bbox(BBOX), toy, offline)
    sn.build_network_from_osm(
        "overpass", bbox=BBOX, facilities=toy.facilities, out=out, progress=False
    )
    before = out.read_bytes()
    with pytest.raises(AssertionError, match="reach the network"):  # not cached: no request
        sn.build_network_from_osm(
            "overpass",
            bbox="-8.7,11.8,-7.8,12.2",
            facilities=toy.facilities,
            out=out,
            progress=False,
        )
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["net.gpkg"]


@pytest.mark.filterwarnings("ignore:This area is .* times your configured Overpass")
def test_example_scenarios_run_on_an_osm_network(offline):
    """The project's scenario files name facility nodes and areas: they apply unchanged."""
    from pathlib import Path

    _, osm = _default_network_as_osm()
    _record(corridor_region(20.0), osm, offline)
    built = build_network_from_osm("overpass", progress=False)
    folder = Path(__file__).resolve().parent.parent / "examples" / "scenarios"
    files = sorted(folder.glob("*.toml"))
    assert files
    baseline = sn.max_throughput(built).delivered_m3_day
    for path in files:
        res = sn.max_throughput(built, sn.Scenario.from_file(path))
        assert res.status.value == "optimal", path.name
        assert res.delivered_m3_day <= baseline + 1e-6, path.name


def test_unknown_country_is_named(offline, toy, monkeypatch):
    import osmnx as ox

    def nothing(name):
        raise ox._errors.InsufficientResponseError(f"Nominatim could not geocode query {name!r}")

    monkeypatch.setattr(ox, "geocode_to_gdf", nothing)
    with pytest.raises(DataError) as exc:
        build_network_from_osm(
            "overpass", countries=["Atlantis"], facilities=toy.facilities, progress=False
        )
    assert "country 'Atlantis'" in str(exc.value)


def test_replayed_overpass_agrees_with_pbf_on_the_same_data(offline, tmp_path):
    """Tags the sources used to read differently (highway case and spaces, roundabout with
    oneway=no, junction=circular, lanes:forward) give the same network from Overpass as
    from .osm.pbf."""
    from osm_fixtures import tagged_corridor, write_osm

    data = tagged_corridor()
    _record(parse_bbox(BBOX), data, offline)
    replayed = build_network_from_osm(
        "overpass", bbox=BBOX, facilities=data.facilities, progress=False
    )
    from_pbf = build_network_from_osm(
        write_osm(tmp_path / "tagged.osm.pbf", data), facilities=data.facilities, progress=False
    )

    def arcs(net):
        return sorted(
            (u, v, d["highway"], round(d["capacity_m3_day"], 6), round(d["length_km"], 9))
            for u, v, d in net.graph.edges(data=True)
        )

    assert arcs(replayed) == arcs(from_pbf)
    assert replayed.graph.has_edge("osm_5", "bamako")
    assert not replayed.graph.has_edge("bamako", "osm_5")


def test_highway_filter_matches_any_case_and_spaces():
    assert highway_filter(["trunk"]) == '["highway"~"^ *(trunk) *$",i]'
