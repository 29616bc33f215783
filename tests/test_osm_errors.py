"""Bad input to the OSM builder: each is a one-line DataError naming the culprit, and a
failed build leaves earlier output intact."""

from __future__ import annotations

import pandas as pd
import pytest
from osm_fixtures import OsmData, toy_corridor, write_osm

from supplynet.errors import DataError
from supplynet.osm import build_network_from_osm


@pytest.fixture(scope="module")
def toy():
    return toy_corridor()


@pytest.fixture(scope="module")
def pbf(tmp_path_factory, toy):
    return write_osm(tmp_path_factory.mktemp("err") / "toy.osm.pbf", toy)


def _build(source, toy, **kw):
    kw.setdefault("facilities", toy.facilities)
    return build_network_from_osm(source, progress=False, **kw)


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("name", ["nowhere.osm.pbf", "nowhere.osm", "nowhere.osm.bz2"])
def test_missing_file(tmp_path, toy, name):
    with pytest.raises(DataError) as exc:
        _build(tmp_path / name, toy)
    assert name in _one_line(exc) and "not found" in str(exc.value)


def test_truncated_pbf(tmp_path, toy):
    whole = write_osm(tmp_path / "whole.osm.pbf", toy).read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    with pytest.raises(DataError) as exc:
        _build(cut, toy)
    assert "cut.osm.pbf" in _one_line(exc)


def test_garbage_pbf(tmp_path, toy):
    bad = tmp_path / "garbage.osm.pbf"
    bad.write_bytes(b"this is not a pbf file at all" * 10)
    with pytest.raises(DataError) as exc:
        _build(bad, toy)
    assert "garbage.osm.pbf" in _one_line(exc)


@pytest.mark.parametrize("ext", ["osm", "osm.bz2"])
def test_truncated_xml(tmp_path, toy, ext):
    whole = write_osm(tmp_path / f"whole.{ext}", toy)
    if ext == "osm":
        text = whole.read_text()
        data = text[: len(text) // 2].encode()
    else:
        raw = whole.read_bytes()
        data = raw[: len(raw) // 2]
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(data)
    with pytest.raises(DataError) as exc:
        _build(cut, toy)
    assert f"cut.{ext}" in _one_line(exc)


def test_no_roads_of_requested_classes(pbf, toy):
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, highway="motorway")
    assert "no roads of classes motorway" in _one_line(exc)


def test_misspelt_road_class(pbf, toy):
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, highway="trunk,primery")
    assert "'primery'" in _one_line(exc) and "'primary'" in str(exc.value)


def test_road_without_capacity_names_the_way(pbf, toy, tmp_path):
    table = tmp_path / "capacity.csv"
    pd.DataFrame(
        [
            ("trunk", "paved", 800, 60),
            ("primary", "paved", 700, 50),
            ("secondary", "paved", 500, 45),
            ("*", "*", 100, 30),
        ],
        columns=["highway", "surface", "tanker_trucks_day", "speed_kmh"],
    ).to_csv(table, index=False)
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, capacity_table=table, highway="trunk,primary,secondary")
    assert "way 102" in _one_line(exc) and "primary" in str(exc.value)
    net = _build(
        pbf, toy, capacity_table=table, highway="trunk,primary,secondary", capacity_fallback=True
    )
    cap = net.edges.set_index(["u", "v"]).loc[("osm_5", "border_x"), "capacity_m3_day"]
    assert cap == pytest.approx(100 * 45)


def test_facility_too_far_from_roads(pbf, toy):
    fac = pd.concat(
        [
            toy.facilities,
            pd.DataFrame(
                [
                    {
                        "node_id": "lonely_depot",
                        "name": "Lonely",
                        "kind": "depot",
                        "lon": -8.2,
                        "lat": 12.09,
                    }
                ]
            ),
        ]
    )
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, facilities=fac)
    text = _one_line(exc)
    assert "'lonely_depot'" in text and "km from the nearest road" in text
    assert "7.0 km" in text and "tolerance 5 km" in text


def test_disconnected_port(tmp_path, toy):
    data = toy_corridor()
    data.nodes.update({90: (-8.3, 12.15), 91: (-8.2, 12.15)})
    data.ways.append((300, [90, 91], {"highway": "trunk"}))
    path = write_osm(tmp_path / "islands.osm.pbf", data)
    fac = pd.concat(
        [
            data.facilities,
            pd.DataFrame(
                [
                    {
                        "node_id": "port_island",
                        "name": "Island port",
                        "kind": "port",
                        "lon": -8.3,
                        "lat": 12.15,
                        "supply_m3_day": 500.0,
                    }
                ]
            ),
        ]
    )
    with pytest.raises(DataError) as exc:
        _build(path, toy, facilities=fac)
    text = _one_line(exc)
    assert "'port_island'" in text and "cannot reach the destination 'bamako'" in text


def test_empty_region(pbf, toy):
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, bbox="-8.0,12.5,-8.0,12.6")
    assert "bbox" in _one_line(exc) and "empty" in str(exc.value)
    with pytest.raises(DataError, match="four numbers"):
        _build(pbf, toy, bbox="1,2,3")


def test_region_without_the_destination(pbf, toy):
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, bbox="-8.6,11.9,-8.2,12.1")
    assert "destination 'bamako' lies outside" in _one_line(exc)


def test_unknown_destination(pbf, toy):
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, destination="bamakko")
    assert "'bamakko'" in _one_line(exc) and "'bamako'" in str(exc.value)


def test_bad_facility_table(pbf, toy, tmp_path):
    csv = tmp_path / "fac.csv"
    toy.facilities.drop(columns=["lat"]).to_csv(csv, index=False)
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, facilities=csv)
    assert "fac.csv" in _one_line(exc) and "lat" in str(exc.value)
    with pytest.raises(DataError, match="facility table not found"):
        _build(pbf, toy, facilities=tmp_path / "none.csv")


def test_boundaries_without_iso3_column(pbf, toy):
    import geopandas as gpd
    from shapely.geometry import box

    gdf = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(-9, 11, -7, 13)], crs="EPSG:4326")
    with pytest.raises(DataError, match="ISO3 column"):
        _build(pbf, toy, boundaries=gdf)


def test_file_with_only_non_roads(tmp_path, toy):
    data = OsmData({1: (0.0, 0.0), 2: (0.1, 0.0)}, [(1, [1, 2], {"waterway": "river"})])
    path = write_osm(tmp_path / "rivers.osm.pbf", data)
    with pytest.raises(DataError) as exc:
        _build(path, toy)
    assert "rivers.osm.pbf" in _one_line(exc) and "no roads" in str(exc.value)


@pytest.mark.parametrize("suffix", ["", ".gpkg"])
def test_failed_build_leaves_earlier_output_intact(pbf, toy, tmp_path, suffix):
    out = tmp_path / f"net{suffix}"
    _build(pbf, toy, out=out)
    before = {p.name: p.read_bytes() for p in ([out] if suffix else out.iterdir())}
    fac = pd.concat(
        [
            toy.facilities,
            pd.DataFrame(
                [
                    {
                        "node_id": "lonely_depot",
                        "name": "Lonely",
                        "kind": "depot",
                        "lon": -8.2,
                        "lat": 12.09,
                    }
                ]
            ),
        ]
    )
    with pytest.raises(DataError):
        _build(pbf, toy, facilities=fac, out=out)
    with pytest.raises(DataError):
        _build(tmp_path / "missing.osm.pbf", toy, out=out)
    after = {p.name: p.read_bytes() for p in ([out] if suffix else out.iterdir())}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary leftovers


def test_facility_prefers_the_destination_component(tmp_path):
    """A stray road fragment nearer to the port than the main road does not capture it."""
    from osm_fixtures import TOY_ANSWER_M3_DAY

    import supplynet as sn

    data = toy_corridor()
    data.nodes.update({95: (-8.46, 12.012), 96: (-8.46, 12.03)})
    data.ways.append((301, [95, 96], {"highway": "trunk"}))
    path = write_osm(tmp_path / "fragment.osm.pbf", data)
    net = _build(path, data)
    assert "osm_95" not in net.graph and "osm_96" not in net.graph
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_every_far_facility_is_named_in_one_line(pbf, toy):
    fac = pd.concat(
        [
            toy.facilities,
            pd.DataFrame(
                [
                    {"node_id": "far_a", "name": "A", "kind": "depot", "lon": -8.2, "lat": 12.09},
                    {"node_id": "far_b", "name": "B", "kind": "demand", "lon": -8.4, "lat": 12.08},
                ]
            ),
        ]
    )
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, facilities=fac)
    text = _one_line(exc)
    assert "'far_a' (A) is 7.0 km" in text and "'far_b' (B)" in text


def test_way_nodes_missing_from_the_extract_are_skipped(tmp_path, toy, caplog):
    data = toy_corridor()
    data.ways.append((302, [12, 999_999], {"highway": "trunk"}))  # node 999999 not in file
    path = write_osm(tmp_path / "clipped.osm.pbf", data)
    with caplog.at_level("INFO", logger="supplynet.osm"):
        net = _build(path, toy)
    assert net.graph.number_of_edges() == 7
    assert any("no location" in r.getMessage() for r in caplog.records)


def test_destination_next_to_a_fragment_stays_on_the_main_network(tmp_path):
    from osm_fixtures import TOY_ANSWER_M3_DAY

    import supplynet as sn

    data = toy_corridor()
    # a short trunk fragment right beside Bamako, nearer to it than road node 12
    data.nodes.update({97: (-7.895, 12.002), 98: (-7.895, 12.02)})
    data.ways.append((303, [97, 98], {"highway": "trunk"}))
    net = _build(write_osm(tmp_path / "frag2.osm.pbf", data), data)
    assert "osm_98" not in net.graph
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_missing_way_node_splits_the_way_instead_of_bridging_it(tmp_path, caplog):
    """Node 20 of the one-way secondary 5-20-21-12 is missing from a clipped extract: the
    road is cut there, leaving the stub 21 -> 12, never a straight 5 -> 21 shortcut."""
    import supplynet as sn

    data = toy_corridor()
    del data.nodes[20]
    path = write_osm(tmp_path / "gap.osm.pbf", data)
    with caplog.at_level("INFO", logger="supplynet.osm"):
        net = _build(path, data)
    G = net.graph
    assert not G.has_edge("osm_5", "bamako") and not G.has_edge("osm_5", "osm_21")
    assert G.has_edge("osm_21", "bamako") and not G.has_edge("bamako", "osm_21")
    (stub,) = G.get_edge_data("osm_21", "bamako").values()
    assert stub["geometry"].coords[0] == pytest.approx(data.nodes[21])
    assert len(stub["geometry"].coords) == 2
    # only the road through Border X (10,000 m3/day) is left
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(10_000.0)
    assert any("cut there" in r.getMessage() for r in caplog.records)


def test_way_builder_splits_at_every_missing_node():
    import numpy as np

    from supplynet.osm.roads import WayBuilder

    builder = WayBuilder()
    builder.add(7, [1, 2, 3, 4, 5, 6, 7], {"highway": "trunk", "lanes": "4"})
    builder.add(8, [5, 9], {"highway": "primary"})
    ids = np.array([1, 2, 4, 5, 7, 9])  # 3 and 6 missing
    data = builder.finish(ids, ids * 0.01, ids * 0.0, source="clipped")
    parts = [
        data.node_ids[data.refs[data.way_offsets[w] : data.way_offsets[w + 1]]].tolist()
        for w in range(data.n_ways)
    ]
    assert parts == [[1, 2], [4, 5], [5, 9]]  # [7] alone is dropped
    assert data.way_ids.tolist() == [7, 7, 8]
    assert data.highway.tolist() == ["trunk", "trunk", "primary"]
    assert data.lanes[:2].tolist() == [4.0, 4.0]


def test_duplicate_node_ids_in_a_pbf_do_not_hide_later_nodes(tmp_path):
    """A node written twice (merged extracts) used to fill the location buffer early, so
    the last wanted nodes were never read."""
    import osmium
    from osm_fixtures import TOY_ANSWER_M3_DAY

    import supplynet as sn
    from supplynet.osm.pbf import read_pbf
    from supplynet.osm.roads import DEFAULT_HIGHWAYS

    data = toy_corridor()
    path = tmp_path / "dupes.osm.pbf"
    writer = osmium.SimpleWriter(str(path))
    try:
        for nid in [1, *sorted(data.nodes)]:  # node 1 twice, first at its own place
            writer.add_node(
                osmium.osm.mutable.Node(id=nid, location=data.nodes[nid], tags={}, version=1)
            )
        for wid, refs, tags in data.ways:
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags, version=1))
    finally:
        writer.close()
    roads = read_pbf(path, DEFAULT_HIGHWAYS)
    assert roads.node_ids.tolist() == [*range(1, 13), 20, 21]
    assert roads.n_ways == 5 and len(roads.refs) == 5 + 3 + 3 + 4 + 4
    net = _build(path, data)
    assert net.graph.number_of_edges() == 7
    assert sn.max_throughput(net).delivered_m3_day == pytest.approx(TOY_ANSWER_M3_DAY)


def test_empty_capacity_table_file_is_named(pbf, toy, tmp_path):
    from supplynet.capacity import load_capacity_table

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError) as exc:
        load_capacity_table(empty)
    assert "empty.csv" in _one_line(exc) and "tanker_trucks_day" in str(exc.value)
    with pytest.raises(DataError, match=r"empty\.csv"):
        _build(pbf, toy, capacity_table=empty)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("many", 30.0), "not numbers"),
        ((100.0, 0.0), "speed_kmh > 0"),
        ((-5.0, 40.0), "tanker_trucks_day must be >= 0"),
        ((100.0,), "two numbers"),
    ],
    ids=["non-numeric", "zero-speed", "negative-trucks", "one-number"],
)
def test_bad_capacity_override_row_is_named_at_load_time(pbf, toy, row, message):
    from supplynet.capacity import load_capacity_table

    with pytest.raises(DataError) as exc:
        load_capacity_table({("primary", "unpaved"): row})
    text = _one_line(exc)
    assert "('primary', 'unpaved')" in text and message in text
    with pytest.raises(DataError, match=r"\('primary', 'unpaved'\)"):
        _build(pbf, toy, capacity_table={("primary", "unpaved"): row})


def test_capacity_override_keys_are_normalised():
    from supplynet.capacity import load_capacity_table

    table = load_capacity_table({(" Primary", "gravel"): (100.0, 30.0)}, tanker_m3=10.0)
    assert table.lookup("primary", "laterite").capacity_m3_day == pytest.approx(1000.0)
    with pytest.raises(DataError, match="tanker_m3 must be positive"):
        table.with_overrides(tanker_m3=0.0)


def test_boundaries_file_without_geometry_is_named(pbf, toy, tmp_path):
    csv = tmp_path / "some.csv"
    csv.write_text("iso3,name\nMLI,Mali\n")
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, boundaries=csv)
    text = _one_line(exc)
    assert "some.csv" in text and "expected country polygons" in text
    with pytest.raises(DataError, match="expected country polygons"):
        _build(pbf, toy, boundaries=pd.DataFrame({"iso3": ["MLI"]}))


def test_polygon_file_without_geometry_is_named(pbf, toy, tmp_path):
    csv = tmp_path / "some.csv"
    csv.write_text("name,value\nregion,1\n")
    with pytest.raises(DataError) as exc:
        _build(pbf, toy, polygon=csv)
    text = _one_line(exc)
    assert "some.csv" in text and "expected a region polygon" in text


def test_osm_xml_with_a_missing_way_node_names_the_node(tmp_path):
    data = toy_corridor()
    del data.nodes[20]
    path = write_osm(tmp_path / "gap.osm", data)
    with pytest.raises(DataError) as err:
        _build(path, data)
    text = _one_line(err)
    assert "gap.osm: some ways reference nodes that are not in the file" in text
    assert ".osm.pbf" in text
