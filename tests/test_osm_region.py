"""Regions and facilities on file sources: a region clips a file's roads (as osmnx clips an
Overpass download), only the user's own region leaves facilities out and says so on
stderr, and without one a facility off the roads is an error, never dropped silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from osm_fixtures import (
    FARAWAY,
    TOY_ANSWER_M3_DAY,
    overpass_json,
    record_overpass,
    toy_corridor,
    with_facility,
    write_osm,
)

import supplynet as sn
from supplynet.errors import DataError
from supplynet.osm import build_network_from_osm
from supplynet.osm.overpass import highway_filter, parse_bbox
from supplynet.osm.roads import DEFAULT_HIGHWAYS

FORMATS = ["osm.pbf", "osm", "osm.bz2"]
#: The toy's roads (latitudes 12.0-12.05) with a margin; the branch north is cut.
BBOX = "-8.6,11.8,-7.8,12.15"
#: A port 13 km north of the toy's trunk road (1 degree of latitude is 111.2 km).
OFF_ROAD_PORT = {
    "node_id": "port_north",
    "name": "Port North",
    "kind": "port",
    "lon": -8.35,
    "lat": 12.0 + 13.0 / 111.195,
    "supply_m3_day": 500.0,
}


def branched_corridor():
    """The toy plus a trunk branch north from node 10: 10 - 60 (12.1) - 61 (12.2) - 62
    (12.3). :data:`BBOX` ends at 12.15: 60 is inside, 61 one segment outside, 62 beyond."""
    data = toy_corridor()
    lon10 = data.nodes[10][0]
    data.nodes.update({60: (lon10, 12.1), 61: (lon10, 12.2), 62: (lon10, 12.3)})
    data.ways.append((106, [10, 60, 61, 62], {"highway": "trunk", "ref": "N9"}))
    return data


@pytest.fixture(scope="module")
def branched_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("branched")
    data = branched_corridor()
    return data, {ext: write_osm(folder / f"branched.{ext}", data) for ext in FORMATS}


@pytest.mark.parametrize("ext", FORMATS)
def test_a_bbox_clips_the_roads_of_a_file(branched_files, ext):
    data, files = branched_files
    whole = build_network_from_osm(files[ext], facilities=data.facilities, progress=False)
    assert "osm_62" in whole.graph and "osm_61" not in whole.graph
    clipped = build_network_from_osm(
        files[ext], facilities=data.facilities, bbox=BBOX, progress=False
    )
    G = clipped.graph
    # node 61 (outside, one segment from node 60 inside) ends the branch; 62 is cut off
    assert "osm_62" not in G and "osm_61" in G
    (branch,) = G.get_edge_data("osm_10", "osm_61").values()
    assert [c[1] for c in branch["geometry"].coords] == [12.0, 12.1, 12.2]
    assert sn.max_throughput(clipped).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_a_polygon_clips_the_roads_of_a_file(branched_files, tmp_path):
    data, files = branched_files
    polygon = tmp_path / "region.wkt"
    polygon.write_text(parse_bbox(BBOX).wkt)
    net = build_network_from_osm(
        files["osm.pbf"], facilities=data.facilities, polygon=polygon, progress=False
    )
    assert "osm_62" not in net.graph and "osm_61" in net.graph


def test_clipping_a_file_matches_the_overpass_download_of_that_region(
    branched_files, tmp_path, monkeypatch
):
    """The same bbox on the same data: the .osm.pbf build and the replayed Overpass build
    (osmnx truncating by edge) give the same roads, under the same ids."""
    data, files = branched_files
    monkeypatch.setenv("SUPPLYNET_CACHE_DIR", str(tmp_path / "cache"))
    record_overpass(
        parse_bbox(BBOX),
        highway_filter(DEFAULT_HIGHWAYS),
        overpass_json(data, DEFAULT_HIGHWAYS),
        tmp_path / "cache" / "osmnx",
    )
    nets = [
        build_network_from_osm(source, facilities=data.facilities, bbox=BBOX, progress=False)
        for source in ("overpass", files["osm.pbf"])
    ]
    arcs = [
        sorted(
            (d["edge_id"], u, v, round(d["length_km"], 9), d["capacity_m3_day"])
            for u, v, d in net.graph.edges(data=True)
        )
        for net in nets
    ]
    assert arcs[0] == arcs[1]  # edge ids included


def test_a_region_without_roads_of_the_file_is_named(branched_files):
    data, files = branched_files
    with pytest.raises(DataError, match=r"^bbox 0,0,1,1: no roads of classes"):
        build_network_from_osm(
            files["osm.pbf"], facilities=data.facilities, bbox="0,0,1,1", progress=False
        )


@pytest.mark.parametrize("ext", ["osm.pbf", "osm"])
def test_a_supply_point_off_the_roads_is_an_error_without_a_region(tmp_path, ext):
    """13 km north of the toy's roads (which end at latitude 12.05): beyond their extent
    widened by the 5 km tolerance, where it used to be dropped with exit 0."""
    data = toy_corridor()
    fac = with_facility(data.facilities, **OFF_ROAD_PORT)
    path = write_osm(tmp_path / f"toy.{ext}", data)
    with pytest.raises(DataError) as exc:
        build_network_from_osm(path, facilities=fac, progress=False)
    text = str(exc.value)
    assert "\n" not in text
    assert "'port_north' (Port North) is 13.0 km from the nearest road" in text


def test_a_facility_inside_the_users_region_but_off_its_roads_is_an_error(branched_files):
    data, files = branched_files
    fac = with_facility(data.facilities, **OFF_ROAD_PORT)
    with pytest.raises(DataError, match=r"'port_north' .* is 13\.0 km"):
        build_network_from_osm(files["osm.pbf"], facilities=fac, bbox=BBOX, progress=False)


def test_the_users_region_leaves_facilities_out_with_a_warning(branched_files, caplog):
    data, files = branched_files
    fac = with_facility(with_facility(data.facilities, **FARAWAY), **OFF_ROAD_PORT)
    region = "-8.6,11.8,-7.8,12.1"  # port_north (12.117) is just outside
    with caplog.at_level("WARNING", logger="supplynet"):
        net = build_network_from_osm(files["osm.pbf"], facilities=fac, bbox=region, progress=False)
    assert "faraway" not in net.graph and "port_north" not in net.graph
    (warning,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert warning.getMessage() == (
        f"Left out 2 facilities outside the bbox {region}: faraway (Far away depot), "
        "port_north (Port North)"
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "supplynet", "network", "build", *args, "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_cli_says_on_stderr_what_a_region_left_out_and_refuses_off_road_facilities(
    tmp_path: Path,
):
    """Without -v: a region's left-out facilities are one WARNING line on stderr (exit 0);
    without a region the off-road port is the one-line error (exit 2), nothing written."""
    data = toy_corridor()
    pbf = str(write_osm(tmp_path / "toy.osm.pbf", data))
    csv = tmp_path / "facilities.csv"
    with_facility(with_facility(data.facilities, **FARAWAY), **OFF_ROAD_PORT).to_csv(
        csv, index=False
    )
    region = "-8.6,11.8,-7.8,12.1"
    ok = _cli(pbf, str(tmp_path / "net"), "--facilities", str(csv), "--bbox", region)
    assert ok.returncode == 0, ok.stderr
    assert [line for line in ok.stderr.splitlines() if "supplynet" in line] == [
        f"WARNING supplynet.osm.facilities: Left out 2 facilities outside the bbox {region}: "
        "faraway (Far away depot), port_north (Port North)"
    ]
    assert (tmp_path / "net" / "edges.csv").is_file()
    bad = _cli(pbf, str(tmp_path / "net2"), "--facilities", str(csv))
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "'faraway'" in bad.stderr and "'port_north' (Port North) is 13.0 km" in bad.stderr
    assert not (tmp_path / "net2").exists()


def test_cli_help_says_a_region_clips_a_file():
    from typer.testing import CliRunner

    from supplynet.cli import app

    result = CliRunner().invoke(app, ["network", "build", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "clips its roads" in text and "facilities outside it are left out" in text
