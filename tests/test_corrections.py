"""The corrected embedded network (issue 11): each correction holds, with its source."""

from __future__ import annotations

import csv
import itertools
import math
import re
from pathlib import Path

import networkx as nx
import pytest

import supplynet as sn
from supplynet.datasets import data_path

TOL = 1e-6
DATA = Path(__file__).resolve().parents[1] / "data"


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (km) between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _lonlat(net: sn.Network, node: str) -> tuple[float, float]:
    row = net.nodes.loc[node]
    return float(row["lon"]), float(row["lat"])


def _open(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The arcs that carry fuel (capacity > 0)."""
    return nx.subgraph_view(G, filter_edge=lambda u, v, k: G.edges[u, v, k]["capacity_m3_day"] > 0)


def _rows(name: str) -> dict[str, dict[str, str]]:
    with data_path(name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        key = reader.fieldnames[0] if reader.fieldnames else ""
        return {row[key]: row for row in reader}


# ----------------------------------------------------------------- Tengréla crossing
def test_tengrela_crossing_is_an_abidjan_corridor_with_the_reported_distances(
    net: sn.Network,
) -> None:
    assert net.nodes.loc["tengrela_nigouni", "kind"] == "border"
    arcs, posts = net.corridor_elements(["abidjan-tengrela"])
    assert posts == ["tengrela_nigouni"]
    assert {"boundiali_tengrela_nigouni", "kadiana_kolondieba"} <= set(arcs)
    G = net.graph
    # the sign at the post: Bamako 337 km; Tengréla-Kolondiéba 90 km [57]
    # the roads end at the Sénou depot, 14 km across the city from the centre the sign means
    to_depot = nx.shortest_path_length(G, "tengrela_nigouni", "bamako", weight="length_km")
    assert to_depot - 14 == pytest.approx(337, abs=0.5)
    path = nx.shortest_path(G, "tengrela_nigouni", "kolondieba", weight="length_km")
    assert path == ["tengrela_nigouni", "kadiana", "kolondieba"]
    assert nx.path_weight(G, path, "length_km") == pytest.approx(90, abs=0.05)
    # the Abidjan corridors all start on the Autoroute du Nord
    for corridor in ("abidjan-sikasso", "abidjan-bougouni", "abidjan-tengrela"):
        assert "abidjan_yamoussoukro" in net.corridors[corridor]


def test_blocking_the_tengrela_corridor_reroutes_abidjan_by_zegoua(net: sn.Network) -> None:
    sc = sn.Scenario(name="no-tengrela", blocked_corridors=["abidjan-tengrela"])
    H = _open(sc.apply(net).graph)
    path = nx.shortest_path(H, "abidjan", "bamako", weight="length_km")
    assert "zegoua_pogo" in path and "tengrela_nigouni" not in path
    # and the delivery does not change: the port's loading binds, not the crossing
    assert sn.max_throughput(net, sc).delivered_m3_day == pytest.approx(
        sn.max_throughput(net).delivered_m3_day
    )


def test_kolondieba_is_in_mali_not_dr_congo(net: sn.Network) -> None:
    assert _km(_lonlat(net, "kolondieba"), _lonlat(net, "bougouni")) < 100
    assert net.nodes.loc["kolondieba", "country"] == "MLI"


# ----------------------------------------------------------------- Niger's fuel
def test_niger_supply_reaches_the_north_but_not_bamako(net: sn.Network) -> None:
    G = _open(net.graph)
    assert not nx.has_path(G, "niamey", "bamako")
    for town in ("gao", "menaka", "kidal"):
        assert nx.has_path(G, "niamey", town), town
        path = nx.shortest_path(G, "niamey", town, weight="length_km")
        assert "labbezanga" in path, town
    # Douentza-Gao carries fuel towards Gao only: the south can still serve the north
    assert net.graph.has_edge("douentza", "gao", key="douentza_gao")
    assert not net.graph.has_edge("gao", "douentza")
    closed = sn.Scenario(name="no-niger", blocked_nodes=["labbezanga"])
    assert sn.max_throughput(net, closed, destination="gao").delivered_m3_day > 0


def test_north_demand_is_served_by_niger_in_the_baseline(net: sn.Network) -> None:
    res = sn.least_cost_supply(net)
    assert res.total_shortfall_m3_day == pytest.approx(0, abs=1e-6)
    flows = res.node_flows
    north = net.nodes.loc[["gao", "menaka", "kidal"], "demand_m3_day"].sum()
    assert flows.loc["labbezanga", "throughput_m3_day"] == pytest.approx(north, abs=1e-4)


def test_niamey_bamako_route_is_available_when_given_a_supply(net: sn.Network) -> None:
    """The Nov 2025 convoy route: Niamey through Burkina Faso to Bamako (~1,400 km [22])."""
    assert net.nodes.loc["niamey_bamako", "supply_m3_day"] == 0
    km = nx.shortest_path_length(net.graph, "niamey_bamako", "bamako", weight="length_km")
    assert km == pytest.approx(1400, rel=0.10)
    convoy = sn.load_assumptions()["niger_convoy_nov2025_m3_day"]
    assert convoy == pytest.approx(82 * 45 / 21, abs=0.05)
    G = net.graph.copy()
    G.nodes["niamey_bamako"]["supply_m3_day"] = convoy
    with_convoy = sn.max_throughput(sn.Network.from_graph(G)).delivered_m3_day
    assert with_convoy - sn.max_throughput(net).delivered_m3_day == pytest.approx(convoy)


def test_niger_contracts_are_dated() -> None:
    nodes = _rows("nodes.csv")
    assert "31 Dec 2025" in nodes["niamey"]["note"]
    assert "expired" in nodes["niamey_bamako"]["note"]
    a = _rows("assumptions.csv")
    assert "expired" in a["niger_edm_2024_m3_day"]["note"]


# ----------------------------------------------------------------- places and roads
def test_senou_depot_is_by_the_airport_se_of_the_centre(net: sn.Network) -> None:
    centre = (-8.0027, 12.6392)  # the reference's node 81, Bamako's centre
    depot = _lonlat(net, "bamako")
    assert 8 <= _km(depot, centre) <= 13
    assert depot[0] > centre[0] and depot[1] < centre[1]  # south-east
    # the four roads into Bamako each reach the depot (no single urban link all fuel
    # would have to pass: the city has several routes to its depots)
    assert {u for u, _ in net.graph.in_edges("bamako")} == {
        "kati",
        "kouremale",
        "bougouni",
        "segou",
    }


def test_tema_is_at_tema_not_accra(net: sn.Network) -> None:
    harbour = (0.012, 5.635)
    assert _km(_lonlat(net, "tema"), harbour) < 10
    assert _km(_lonlat(net, "tema"), _lonlat(net, "accra")) > 15
    path = nx.shortest_path(net.graph, "tema", "kumasi", weight="length_km")
    assert path == ["tema", "accra", "kumasi"]


def test_road_refs_kayes_diema_rn1_diema_nioro_rn3(net: sn.Network) -> None:
    assert net.edges.loc["kayes_diema", "ref"] == "RN1"
    assert net.edges.loc["diema_nioro", "ref"] == "RN3"


def test_lome_ouagadougou_crosses_at_cinkasse_without_ghana(net: sn.Network) -> None:
    G = net.graph
    path = nx.shortest_path(G, "lome", "ouagadougou", weight="length_km")
    assert "dapaong" in path
    for u, v in itertools.pairwise(path):
        key = min(G[u][v], key=lambda k: G.edges[u, v, k]["length_km"])
        assert "GHA" not in G.edges[u, v, key]["countries"], (u, v)
    # Lomé-Ouagadougou 975 km [24]
    assert nx.path_weight(G, path, "length_km") == pytest.approx(975, abs=1)
    geom = G.edges["dapaong", "koupela", "dapaong_koupela"]["geometry"]
    cinkasse = (0.025, 11.105)
    assert min(_km(p, cinkasse) for p in geom.coords) < 5
    assert G.edges["dapaong", "koupela", "dapaong_koupela"]["countries"] == "TGO;BFA"


def test_conakry_depot_explosion_is_noted() -> None:
    assert "18 Dec 2023" in _rows("nodes.csv")["conakry"]["note"]


# ----------------------------------------------------------------- figures and sources
def test_every_population_derived_demand_is_marked() -> None:
    for nid, row in _rows("nodes.csv").items():
        if row["demand_m3_day"]:
            assert "population share" in row["note"], nid
            assert "derived ⚠" in row["source"], nid
            assert row["note"].rstrip().endswith("⚠"), nid


def test_black_market_price_cites_afp_via_ivoirematin() -> None:
    row = _rows("assumptions.csv")["unmet_penalty_per_m3"]
    assert row["source"].startswith("FACTS[68]")
    assert "2,000 FCFA" in row["note"] and "[68]" in row["note"]
    assert float(row["value"]) == 2000 * 1000  # XOF per m3


#: posts and depots whose capacity rests on a reported count (FACTS): Kidira/Diboli 440
#: vehicles/day [19], Heremakono/Koloko 200/day [20], Labbezanga >100 tankers in three
#: days [54], the Sénou depot ~300 tankers on 7 Oct 2025 [33]
COUNTED = {
    "kidira_diboli": "[19]",
    "heremakono_koloko": "[20]",
    "labbezanga": "[54]",
    "bamako": "[33]",
}


def test_only_port_loading_binds_the_baseline(net: sn.Network) -> None:
    """The baseline's bottleneck is the ports' loading (sourced), and roads never bind."""
    res = sn.max_throughput(net)
    assert set(res.bottlenecks["type"]) == {"supply"}
    flows = res.edge_flows
    assert (flows["flow_m3_day"] < flows["capacity_m3_day"] - TOL).all()
    assert sn.least_cost_supply(net).total_shortfall_m3_day == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_no_unsourced_capacity_drives_the_baseline(net: sn.Network, factor: float) -> None:
    """A capacity without a reported count behind it (⚠) may be saturated by the routing of
    the maximum (Moussala, Tengréla: the shortest routes), but halving or doubling it
    changes neither the baseline delivery nor the least-cost shortfall."""
    rows = _rows("nodes.csv")
    base = sn.max_throughput(net).delivered_m3_day
    limited = list(net.nodes.index[net.nodes["capacity_m3_day"].notna()])
    assert set(COUNTED) <= set(limited)
    for node, ref in COUNTED.items():
        assert ref in rows[node]["note"] or ref.strip("[]") in rows[node]["source"], node
    unsourced = [n for n in limited if n not in COUNTED]
    assert {"moussala", "zegoua_pogo", "tengrela_nigouni", "kouremale"} <= set(unsourced)
    for node in unsourced:
        assert "⚠" in rows[node]["note"] or "⚠" in rows[node]["source"], node
        sc = sn.Scenario(name=f"{node}-x{factor}", capacity_factors={node: factor})
        assert sn.max_throughput(net, sc).delivered_m3_day == pytest.approx(base), node
        assert sn.least_cost_supply(net, sc).total_shortfall_m3_day == pytest.approx(
            0.0, abs=1e-6
        ), node


def test_sources_distance_table_matches_a_fresh_run(net: sn.Network) -> None:
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| ([\d,]+) \| ([+-][\d.]+)% \|", text, re.M)
    table = {port: (int(a.replace(",", "")), int(b.replace(",", ""))) for port, a, b, _ in rows}
    assert set(table) >= {"dakar", "abidjan", "conakry", "tema", "lome", "cotonou", "nouakchott"}
    for port, (curated, _) in table.items():
        km = nx.shortest_path_length(net.graph, port, "bamako", weight="length_km")
        assert round(km) == curated, port


def test_every_cited_source_is_listed() -> None:
    """Every [n] in the data files appears in the numbered list of SOURCES.md."""
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    listed = set(map(int, re.findall(r"^(\d+)\. ", text.split("## Sources")[-1], re.M)))
    cited: set[int] = set()
    for path in [*DATA.glob("*.csv"), *(DATA / "observed").glob("*.csv")]:
        for group in re.findall(r"\[([\d\]\[]+)\]", path.read_text(encoding="utf-8")):
            cited.update(int(n) for n in re.findall(r"\d+", group))
    assert cited <= listed, sorted(cited - listed)
