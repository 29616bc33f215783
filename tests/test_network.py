"""The embedded network and the Network schema: contents, validation, save/load."""

from __future__ import annotations

import os
import re

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import ASSUMPTIONS, REGIONAL_CAPITALS

import supplynet as sn

# Fastest road routes from Bamako in the reference network (Krantz 2024, OSRM on
# OpenStreetMap; ../shared/reference/africa-road-network/README.md), km.
REFERENCE_KM = {
    "dakar": 1281,
    "abidjan": 1207,
    "conakry": 998,
    "tema": 1614,
    "lome": 1770,
    "cotonou": 2002,
    "nouakchott": 1444,
}


def test_default_network_has_the_required_places(net: sn.Network) -> None:
    nodes = net.nodes
    ports = set(nodes.index[nodes["kind"] == "port"])
    assert ports >= set(REFERENCE_KM)
    borders = set(nodes.index[nodes["kind"] == "border"])
    assert borders >= {
        "kidira_diboli",
        "kouremale",
        "zegoua_pogo",
        "heremakono_koloko",
        "koury_faramana",
        "gogui",
    }
    assert nodes.loc["bamako", "kind"] == "depot"
    for town in REGIONAL_CAPITALS:
        assert nodes.loc[town, "demand_m3_day"] > 0, town
    assert (nodes.loc[list(ports), "supply_m3_day"] > 0).all()
    assert (nodes.loc[list(borders), "capacity_m3_day"] > 0).all()


def test_every_edge_has_the_schema(net: sn.Network) -> None:
    edges = net.edges
    assert edges.index.is_unique
    for col in ("length_km", "travel_time_h", "capacity_m3_day"):
        assert (edges[col] > 0).all(), col
    assert (edges["ref"] != "").all()
    assert set(edges["highway"]) <= {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "track",
    }
    assert (edges["corridors"] != "").all()
    assert (edges["countries"] != "").all()
    # capacity follows the one table: tanker trucks/day by class x tanker size
    table = sn.load_capacity_table()
    for _, row in edges.iterrows():
        assert row["capacity_m3_day"] == pytest.approx(
            table.lookup(row["highway"], row["surface"]).capacity_m3_day
        )


@pytest.mark.parametrize("port", sorted(REFERENCE_KM))
def test_port_distances_agree_with_reference_within_10_percent(net: sn.Network, port: str) -> None:
    km = nx.shortest_path_length(net.graph, port, "bamako", weight="length_km")
    assert km == pytest.approx(REFERENCE_KM[port], rel=0.10)


def test_dakar_via_kidira_matches_reference(net: sn.Network) -> None:
    G = sn.Scenario(name="no-south", blocked_corridors=["dakar-kita"]).apply(net).graph
    H = nx.subgraph_view(G, filter_edge=lambda u, v, k: G.edges[u, v, k]["capacity_m3_day"] > 0)
    path = nx.shortest_path(H, "dakar", "bamako", weight="length_km")
    assert "kidira_diboli" in path and "moussala" not in path
    km = nx.path_weight(H, path, weight="length_km")
    assert km == pytest.approx(1386, rel=0.10)


def test_corridors_and_lookup(net: sn.Network) -> None:
    assert {"dakar-kayes", "abidjan-sikasso", "conakry-kouremale", "nouakchott-nioro"} <= set(
        net.corridors
    )
    assert net.node_id("Zégoua/Pogo") == "zegoua_pogo"
    assert net.node_id("KAYES") == "kayes"
    with pytest.raises(sn.DataError, match="did you mean"):
        net.node_id("Kaies")
    assert net.edge_endpoints("kayes_diema") == ("kayes", "diema")
    assert net.edge_endpoints("kayes_diema_rev") == ("diema", "kayes")


def test_summary_and_attribution(net: sn.Network) -> None:
    s = net.summary()
    assert s["ports"] >= 7 and s["borders"] >= 6
    assert s["arcs"] == net.graph.number_of_edges()
    assert "OpenStreetMap" in s["attribution"]


def _tiny(**edge_overrides: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame(
        [
            {"node_id": "a", "name": "A", "kind": "port", "lon": 0, "lat": 0, "supply_m3_day": 10},
            {"node_id": "b", "name": "B", "kind": "depot", "lon": 1, "lat": 0},
        ]
    )
    edge = {
        "edge_id": "ab",
        "u": "a",
        "v": "b",
        "length_km": 100,
        "highway": "trunk",
        "surface": "paved",
        "corridors": "x",
    }
    edge.update(edge_overrides)
    return nodes, pd.DataFrame([edge])


def test_capacity_from_table_and_missing_class_named() -> None:
    nodes, edges = _tiny()
    net = sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)
    expected = sn.load_capacity_table(tanker_m3=40).lookup("trunk", "paved")
    assert net.edges.loc["ab", "capacity_m3_day"] == pytest.approx(expected.capacity_m3_day)
    assert net.edges.loc["ab", "travel_time_h"] == pytest.approx(100 / expected.speed_kmh)
    nodes, edges = _tiny(highway="runway")
    with pytest.raises(sn.DataError, match=r"edge 'ab'.*highway='runway'"):
        sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS, source="my.csv")


def test_validation_names_every_culprit() -> None:
    nodes, edges = _tiny(capacity_m3_day=-5)
    nodes.loc[1, "kind"] = "harbour"
    with pytest.raises(sn.DataError) as err:
        sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)
    msg = str(err.value)
    assert msg.startswith("network") and "3 problem(s)" in msg
    assert "'harbour'" in msg and "edge 'ab'" in msg and "\n" not in msg
    nodes, edges = _tiny(v="nowhere")
    with pytest.raises(sn.DataError, match="unknown node 'nowhere'"):
        sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)


def test_missing_files_are_named(tmp_path) -> None:
    with pytest.raises(sn.DataError, match=r"nodes\.csv: file not found"):
        sn.load_network(tmp_path)
    with pytest.raises(sn.DataError, match="not a network folder"):
        sn.load_network(tmp_path / "nope.txt")


@pytest.mark.parametrize("suffix", ["", ".gpkg"])
def test_save_load_roundtrip(net: sn.Network, tmp_path, suffix: str) -> None:
    path = tmp_path / f"saved{suffix}"
    net.save(path)
    back = sn.load_network(path)
    assert back.nodes.index.equals(net.nodes.index)
    pd.testing.assert_frame_equal(
        back.edges.sort_index()[["u", "v", "length_km", "capacity_m3_day"]],
        net.edges.sort_index()[["u", "v", "length_km", "capacity_m3_day"]],
    )
    assert back.nodes["capacity_m3_day"].fillna(-1).equals(net.nodes["capacity_m3_day"].fillna(-1))
    assert back.corridors == net.corridors
    assert sn.max_throughput(back).delivered_m3_day == pytest.approx(
        sn.max_throughput(net).delivered_m3_day
    )


def test_failed_save_leaves_earlier_output_intact(net: sn.Network, tmp_path, monkeypatch) -> None:
    path = tmp_path / "out"
    net.save(path)
    before = {p.name: p.read_bytes() for p in path.iterdir()}

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(sn.DataError, match=f"^{re.escape(str(path))}: .*No space left") as err:
        sn.Scenario(name="x", blocked_corridors=["dakar-kayes"]).apply(net).save(path)
    monkeypatch.undo()
    assert "\n" not in str(err.value)
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("table", "drop", "needle"),
    [
        (
            "nodes",
            ["kind"],
            "nodes.csv: missing required column 'kind'; a node table needs node_id, kind, lon, lat",
        ),
        ("nodes", ["lon", "lat"], "nodes.csv: missing required columns 'lon', 'lat'"),
        ("edges", ["u"], "edges.csv: missing required column 'u'; an edge table needs"),
        (
            "edges",
            ["highway", "travel_time_h"],
            "edges.csv: missing column 'highway', needed to derive travel_time_h",
        ),
    ],
)
def test_a_missing_required_column_is_named_once(tmp_path, table, drop, needle) -> None:
    from supplynet.paths import data_path

    folder = tmp_path / "net"
    folder.mkdir()
    for name in ("nodes.csv", "edges.csv", "assumptions.csv"):
        (folder / name).write_bytes(data_path(name).read_bytes())
    df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    if table == "edges":
        df["capacity_m3_day"] = "1000"
    df.drop(columns=drop).to_csv(folder / f"{table}.csv", index=False)
    with pytest.raises(sn.DataError) as err:
        sn.load_network(folder)
    msg = str(err.value)
    assert needle in msg and "problem(s)" not in msg and "\n" not in msg
    assert msg.startswith(str(folder / f"{table}.csv"))


def test_a_missing_column_in_tables_is_named() -> None:
    nodes, edges = _tiny()
    with pytest.raises(sn.DataError, match=r"^my\.csv: nodes: missing required column 'lat'"):
        sn.Network.from_tables(nodes.drop(columns="lat"), edges, source="my.csv")
    with pytest.raises(sn.DataError, match=r"^edges: missing required column 'length_km'"):
        sn.Network.from_tables(nodes, edges.drop(columns="length_km"), assumptions=ASSUMPTIONS)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"length_km": float("inf")}, "edge 'ab' length_km: inf is not a finite number"),
        ({"travel_time_h": -1}, "travel_time_h = -1.0 must be a finite number >= 0"),
        ({"capacity_m3_day": "lots"}, "edge 'ab' capacity_m3_day: 'lots' is not a number"),
    ],
)
def test_non_finite_or_bad_numbers_are_named(overrides, needle) -> None:
    nodes, edges = _tiny(**overrides)
    with pytest.raises(sn.DataError, match=re.escape(needle)):
        sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)


def test_duplicate_edge_ids_are_refused() -> None:
    nodes, edges = _tiny()
    twice = pd.concat([edges, edges], ignore_index=True)
    with pytest.raises(sn.DataError, match="edge 'ab': duplicate edge_id"):
        sn.Network.from_tables(nodes, twice, assumptions=ASSUMPTIONS)


def test_toll_is_loaded_and_costed() -> None:
    nodes, edges = _tiny(capacity_m3_day=100, toll_per_m3=7)
    nodes.loc[1, "demand_m3_day"] = 10
    net = sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)
    res = sn.least_cost_supply(net)
    # 10 m3 over 100 km at 1 per m3-km, plus a toll of 7 per m3
    assert res.cost == pytest.approx(10 * (100 + 7))


@pytest.mark.parametrize(
    ("rows", "needle"),
    [
        ("tanker_m3,40\n", "missing key(s) cost_per_m3_km, unmet_penalty_per_m3, currency"),
        (
            "tanker_m3,abc\ncost_per_m3_km,1\nunmet_penalty_per_m3,9\ncurrency,XOF\n",
            "tanker_m3: 'abc' is not a number",
        ),
        (
            "tanker_m3,40\ncost_per_m3_km,-1\nunmet_penalty_per_m3,9\ncurrency,XOF\n",
            "cost_per_m3_km must be >= 0",
        ),
    ],
)
def test_network_folder_assumptions_are_checked(net: sn.Network, tmp_path, rows, needle) -> None:
    net.save(tmp_path / "n")
    (tmp_path / "n" / "assumptions.csv").write_text("key,value\n" + rows)
    with pytest.raises(sn.DataError, match=re.escape(needle)):
        sn.load_network(tmp_path / "n")


def test_saved_folder_is_readable_by_others(net: sn.Network, tmp_path) -> None:
    path = net.save(tmp_path / "shared")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o777 & ~umask


def test_border_flows_count_each_m3_once(net: sn.Network) -> None:
    res = sn.max_throughput(net)
    # every m3 reaching Bamako comes from abroad and crosses exactly one border post
    assert res.border_flows["flow_m3_day"].sum() == pytest.approx(res.delivered_m3_day)
    cf = res.corridor_flows
    assert cf.loc["ouagadougou-sikasso", "posts_shared_with"]
    assert np.isnan(cf.loc["ouagadougou-sikasso", "own_road_flow_m3_day"])
    assert cf.loc["dakar-kayes", "own_road_flow_m3_day"] == pytest.approx(
        res.border_flows.loc["kidira_diboli", "flow_m3_day"]
    )


def test_condition_tags_on_curated_edges() -> None:
    nodes, edges = _tiny(smoothness="very_bad")
    net = sn.Network.from_tables(nodes, edges, assumptions=ASSUMPTIONS)
    table = sn.load_capacity_table(tanker_m3=40)
    good = table.lookup("trunk", "paved")
    assert net.edges.loc["ab", "capacity_m3_day"] == pytest.approx(0.5 * good.capacity_m3_day)
    assert net.edges.loc["ab", "travel_time_h"] == pytest.approx(100 / (0.4 * good.speed_kmh))


def test_condition_table_errors_are_named(tmp_path) -> None:
    from supplynet.capacity import load_condition_table

    bad = tmp_path / "cond.csv"
    bad.write_text("tag,value,capacity_factor,speed_factor\nsmoothness,bad,x,1\n")
    with pytest.raises(sn.DataError, match=r"cond\.csv:2: factors 'x'/'1' are not numbers"):
        load_condition_table(bad)
    bad.write_text("tag,value,capacity_factor\n")
    with pytest.raises(sn.DataError, match="missing column"):
        load_condition_table(bad)
