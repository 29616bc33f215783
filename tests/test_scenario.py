"""Scenarios: TOML validation with errors that name the culprit, and apply() semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

import supplynet as sn

EXAMPLES = sorted(Path("examples/scenarios").glob("*.toml"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sc.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_and_apply(net: sn.Network, path: Path) -> None:
    sc = sn.Scenario.from_file(path)
    assert sc.name == path.stem
    assert sc.apply(net) is not net


def test_required_examples_exist() -> None:
    assert {p.stem for p in EXAMPLES} >= {"baseline", "blockade_2025", "sanctions_2022"}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            'blocked_corridor = ["dakar-kayes"]',
            r"sc\.toml: unknown key 'blocked_corridor'; did you mean 'blocked_corridors'",
        ),
        (
            "capacity_factors = { dakar-kayes = -1 }",
            r"sc\.toml: capacity_factors\.dakar-kayes = -1: Input should be greater than",
        ),
        (
            "capacity_factors = { dakar-kayes = true }",
            r"capacity_factors\.dakar-kayes = True: Input should be a valid number",
        ),
        ("demand_factor = inf", r"demand_factor = inf: Input should be a finite number"),
        ("[[areas]]\ncenter = [0, 0]\nradius_km = inf", r"areas\.0\.radius_km = inf"),
        (
            "[[areas]]\npolygon = [[500, 0], [1, 1], [0, 1]]",
            r"areas\.0\.polygon\.0\.0 = 500: Input should be less than or equal to 180",
        ),
        ("[[areas]]\npolygon = [[0, 0], [1, 1], [1, 0], [0, 1]]", r"polygon is not valid"),
        ("assumptions = { cost_per_m3_km = -5 }", r"assumptions\.cost_per_m3_km = -5"),
        ("assumptions = { unmet_penalty_per_m3 = 0 }", r"unmet_penalty_per_m3 must be > 0"),
        ("blocked_nodes = 3", r"sc\.toml: blocked_nodes = 3: Input should be a valid list"),
        ("name = [", r"sc\.toml: not valid TOML"),
        ("[[areas]]\nradius_km = 10", r"sc\.toml: areas\.0: a circle needs both center"),
        (
            "[[areas]]\ncenter = [0, 0]\nradius_km = 5\nfactr = 0",
            r"unknown key 'factr'; did you mean 'factor'",
        ),
        ("[[areas]]\nwkt = 'POINT (0 0)'", r"wkt must be a Polygon"),
        ("assumptions = { tanker_m3 = 30 }", r"'tanker_m3' cannot be overridden"),
    ],
)
def test_file_errors_are_one_line_and_name_the_culprit(
    tmp_path: Path, text: str, pattern: str
) -> None:
    with pytest.raises(sn.ScenarioError, match=pattern) as err:
        sn.Scenario.from_file(_write(tmp_path, text))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            'blocked_corridors = ["dakar-kays"]',
            r"sc\.toml: blocked_corridors: unknown corridor 'dakar-kays'; "
            r"did you mean 'dakar-kayes'",
        ),
        (
            'blocked_edges = ["kayes_diemaa"]',
            r"blocked_edges: unknown edge 'kayes_diemaa'; did you mean 'kayes_diema'",
        ),
        ('blocked_nodes = ["Kidira"]', r"blocked_nodes: unknown node 'Kidira'; did you mean"),
        (
            "capacity_factors = { abidjan-sikaso = 0.5 }",
            r"capacity_factors: unknown corridor, edge or node 'abidjan-sikaso'; "
            r"did you mean 'abidjan-sikasso'",
        ),
        ("demand = { Bamakko = 10 }", r"demand: unknown node 'Bamakko'"),
    ],
)
def test_unknown_names_give_closest_matches(
    net: sn.Network, tmp_path: Path, text: str, pattern: str
) -> None:
    sc = sn.Scenario.from_file(_write(tmp_path, text))
    with pytest.raises(sn.ScenarioError, match=pattern):
        sc.apply(net)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(sn.ScenarioError, match=r"nope\.toml: scenario file not found"):
        sn.Scenario.from_file(tmp_path / "nope.toml")


def test_apply_never_mutates(net: sn.Network) -> None:
    caps = net.edges["capacity_m3_day"].copy()
    supply = net.nodes["supply_m3_day"].copy()
    sc = sn.Scenario(
        name="x", blocked_nodes=["dakar"], capacity_factors={"abidjan": 0.5}, demand_factor=2
    )
    out = sc.apply(net)
    assert out.nodes.loc["dakar", "supply_m3_day"] == 0
    assert out.nodes.loc["abidjan", "supply_m3_day"] == pytest.approx(0.5 * supply["abidjan"])
    assert net.edges["capacity_m3_day"].equals(caps)
    assert net.nodes["supply_m3_day"].equals(supply)


def test_factors_multiply_and_limits_cap(net: sn.Network) -> None:
    base = net.edges.loc["kayes_diema", "capacity_m3_day"]
    sc = sn.Scenario(
        name="x",
        capacity_factors={"dakar-kayes": 0.5, "kayes_diema": 0.5},
        capacity_limits_m3_day={"kidira_diboli_kayes": 100, "gogui": 50, "kati": 70},
    )
    out = sc.apply(net)
    assert out.edges.loc["kayes_diema", "capacity_m3_day"] == pytest.approx(0.25 * base)
    assert out.edges.loc["kayes_diema_rev", "capacity_m3_day"] == pytest.approx(0.25 * base)
    assert out.edges.loc["kidira_diboli_kayes_rev", "capacity_m3_day"] == 100
    assert out.nodes.loc["gogui", "capacity_m3_day"] == 50
    assert out.nodes.loc["kati", "capacity_m3_day"] == 70


def test_node_factor_on_an_unlimited_node_is_an_error(net: sn.Network) -> None:
    assert pd_isna(net.nodes.loc["kati", "capacity_m3_day"])
    with pytest.raises(sn.ScenarioError, match="node 'kati' has no supply or throughput limit"):
        sn.Scenario(name="x", capacity_factors={"kati": 0.1}).apply(net)
    out = sn.Scenario(name="x", capacity_factors={"kati": 0.0}).apply(net)
    assert out.nodes.loc["kati", "capacity_m3_day"] == 0


def test_blocking_a_corridor_acts_on_its_own_roads_only(net: sn.Network) -> None:
    out = sn.Scenario(name="k", blocked_corridors=["dakar-kayes"]).apply(net)
    caps = out.edges["capacity_m3_day"]
    for own in ("tambacounda_kidira_diboli", "kidira_diboli_kayes", "kayes_diema"):
        assert caps[own] == 0 and caps[own + "_rev"] == 0
    for shared in ("dakar_fatick", "kaolack_tambacounda", "diema_didieni", "kati_bamako"):
        assert caps[shared] == net.edges.loc[shared, "capacity_m3_day"]
    assert out.nodes.loc["kidira_diboli", "capacity_m3_day"] == 0
    assert (
        out.nodes.loc["moussala", "capacity_m3_day"] == net.nodes.loc["moussala", "capacity_m3_day"]
    )


def test_blocking_one_corridor_leaves_the_others_flowing(net: sn.Network) -> None:
    base = sn.max_throughput(net)
    res = sn.max_throughput(net, sn.Scenario(name="s", blocked_corridors=["dakar-kita"]))
    # Dakar's fuel all goes through Kidira instead; nothing else changes
    assert res.delivered_m3_day == pytest.approx(base.delivered_m3_day)
    assert res.node_flows.loc["moussala", "throughput_m3_day"] == 0
    assert res.node_flows.loc["kidira_diboli", "throughput_m3_day"] == pytest.approx(
        net.nodes.loc["dakar", "supply_m3_day"]
    )
    both = sn.Scenario(name="sn", blocked_corridors=["dakar-kita", "dakar-kayes"])
    res = sn.max_throughput(net, both)
    assert res.node_flows.loc["dakar", "supply_m3_day"] == 0
    assert res.node_flows.loc["gogui", "throughput_m3_day"] == pytest.approx(
        net.nodes.loc["nouakchott", "supply_m3_day"]
    )  # Nouakchott's road via Diéma stays open


def test_corridor_limit_caps_its_border_post(net: sn.Network) -> None:
    out = sn.Scenario(name="l", capacity_limits_m3_day={"dakar-kayes": 300}).apply(net)
    assert out.nodes.loc["kidira_diboli", "capacity_m3_day"] == 300
    assert (
        out.edges.loc["kati_bamako", "capacity_m3_day"]
        == net.edges.loc["kati_bamako", "capacity_m3_day"]
    )
    base = sn.max_throughput(net).delivered_m3_day
    dakar = net.nodes.loc["dakar", "supply_m3_day"]
    # Dakar's fuel has two posts: what Kidira's 300 and Moussala cannot pass is lost
    for moussala in (None, 500.0):
        limits = {"dakar-kayes": 300.0, **({"moussala": moussala} if moussala else {})}
        res = sn.max_throughput(net, sn.Scenario(name="l", capacity_limits_m3_day=limits))
        south = moussala or net.nodes.loc["moussala", "capacity_m3_day"]
        expected = max(0.0, dakar - 300 - south)
        assert base - res.delivered_m3_day == pytest.approx(expected)
    assert expected > 0


def test_corridor_without_roads_of_its_own_is_an_error(net: sn.Network) -> None:
    with pytest.raises(sn.ScenarioError, match="'ouagadougou-sikasso' has no road of its own"):
        sn.Scenario(name="o", blocked_corridors=["ouagadougou-sikasso"]).apply(net)


def test_area_touching_nothing_is_an_error(net: sn.Network) -> None:
    # lat/lon swapped: a point in the ocean
    sc = sn.Scenario(name="swap", areas=[sn.Area(center=(14.45, -11.43), radius_km=50)])
    with pytest.raises(sn.ScenarioError, match=r"touches no node or road.*\[lon, lat\]"):
        sc.apply(net)


def pd_isna(value: object) -> bool:
    return value is None or value != value


def test_circle_area_blocks_roads_and_nodes_inside(net: sn.Network) -> None:
    kayes = net.nodes.loc["kayes"]
    sc = sn.Scenario(
        name="a", areas=[sn.Area(center=(kayes["lon"], kayes["lat"]), radius_km=20, factor=0.0)]
    )
    out = sc.apply(net)
    touching = [e for e in net.edges.index if "kayes" in net.edge_endpoints(e)]
    assert (out.edges.loc[touching, "capacity_m3_day"] == 0).all()
    assert out.nodes.loc["kayes", "capacity_m3_day"] == 0
    far = out.edges.loc["abidjan_yamoussoukro", "capacity_m3_day"]
    assert far == net.edges.loc["abidjan_yamoussoukro", "capacity_m3_day"]


def test_circle_radius_is_geodesic(net: sn.Network) -> None:
    # Kati lies ~14 km from Bamako's centre (-8.0027, 12.6392, the reference's node 81):
    # inside a 20 km circle, outside a 10 km one
    center = (-8.0027, 12.6392)
    for radius, inside in ((20, True), (10, False)):
        out = sn.Scenario(
            name="r", areas=[sn.Area(center=center, radius_km=radius, factor=0.0)]
        ).apply(net)
        limited = not pd_isna(out.nodes.loc["kati", "capacity_m3_day"])
        assert limited == inside, radius


def test_polygon_area(net: sn.Network) -> None:
    # a box around Côte d'Ivoire's ports only
    box = [(-5.0, 5.0), (-3.0, 5.0), (-3.0, 6.0), (-5.0, 6.0)]
    out = sn.Scenario(name="p", areas=[sn.Area(polygon=box, factor=0.0)]).apply(net)
    assert out.nodes.loc["abidjan", "supply_m3_day"] == 0
    res = sn.max_throughput(net, sn.Scenario(name="p", areas=[sn.Area(polygon=box, factor=0.0)]))
    assert res.node_flows.loc["abidjan", "throughput_m3_day"] == 0


def test_assumption_override_changes_cost(net: sn.Network) -> None:
    base = sn.least_cost_supply(net)
    cheap = sn.least_cost_supply(net, sn.Scenario(name="c", assumptions={"cost_per_m3_km": 20}))
    assert cheap.cost < base.cost


def test_stock_override_and_saved_name(net: sn.Network, tmp_path: Path) -> None:
    out = sn.Scenario(name="s", stock_m3={"Bamako": 500}).apply(net)
    assert out.nodes.loc["bamako", "stock_m3"] == 500
    with pytest.raises(sn.ScenarioError, match="stock_m3: unknown node 'Bamakko'"):
        sn.Scenario(name="s", stock_m3={"Bamakko": 1}).apply(net)
    net.save(tmp_path / "folder")
    assert sn.load_network(tmp_path / "folder").name == net.name
