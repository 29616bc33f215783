"""max_throughput: cross-checked against networkx maximum flow, invariants, bottleneck cut."""

from __future__ import annotations

import random

import pytest
from conftest import TOL, assert_valid_flow, nx_max_throughput, random_network

import supplynet as sn


def _check_invariants(res: sn.ThroughputResult, G) -> None:
    assert res.ok
    assert_valid_flow(
        G, res.edge_flows, res.node_flows, rhs={res.destination: res.delivered_m3_day}
    )
    cut = res.bottlenecks
    # max-flow / min-cut: the saturated cut's capacity equals the delivery
    assert cut["capacity_m3_day"].sum() == pytest.approx(res.delivered_m3_day, abs=1e-4)
    assert (cut["flow_m3_day"] >= cut["capacity_m3_day"] - 1e-4).all()


@pytest.mark.parametrize("seed", range(120))
def test_lp_equals_networkx_maximum_flow_on_random_graphs(seed: int) -> None:
    net = random_network(seed)
    res = sn.max_throughput(net, destination="n0")
    expected = nx_max_throughput(net.graph, "n0")
    assert res.delivered_m3_day == pytest.approx(expected, abs=1e-5)
    _check_invariants(res, net.graph)


@pytest.mark.parametrize("seed", range(0, 120, 12))
def test_cbc_agrees_with_highs(seed: int) -> None:
    net = random_network(seed)
    highs = sn.max_throughput(net, destination="n0", solver="highs")
    cbc = sn.max_throughput(net, destination="n0", solver="cbc")
    assert cbc.delivered_m3_day == pytest.approx(highs.delivered_m3_day, abs=1e-5)
    # the minimal saturated cut is the same for every maximum flow
    assert set(cbc.bottlenecks.index) == set(highs.bottlenecks.index)
    _check_invariants(cbc, net.graph)


@pytest.mark.parametrize("seed", range(40))
def test_default_network_under_random_blockages(net: sn.Network, seed: int) -> None:
    rng = random.Random(seed)
    roads = sorted(net.edges["road_id"].unique())
    nodes = sorted(net.nodes.index[net.nodes["kind"].isin(["border", "port", "town"])])
    limited = sorted(net.nodes.index[net.nodes["kind"].isin(["border", "port"])])
    own = sorted(c for c in net.corridors if net.corridor_elements([c])[0])
    sc = sn.Scenario(
        name=f"random{seed}",
        blocked_edges=rng.sample(roads, k=rng.randint(0, 8)),
        blocked_nodes=rng.sample(nodes, k=rng.randint(0, 3)),
        capacity_factors={n: round(rng.uniform(0, 1), 2) for n in rng.sample(limited, k=3)},
        capacity_limits_m3_day={rng.choice(own): rng.randint(0, 2000)},
    )
    applied = sc.apply(net)
    res = sn.max_throughput(net, sc, destination="Bamako")
    assert res.delivered_m3_day == pytest.approx(
        nx_max_throughput(applied.graph, "bamako"), abs=1e-4
    )
    _check_invariants(res, applied.graph)
    blocked = applied.edges.index[applied.edges["road_id"].isin(sc.blocked_edges)]
    assert (res.edge_flows.loc[blocked, "flow_m3_day"].abs() <= TOL).all()
    for node in sc.blocked_nodes:
        assert res.node_flows.loc[node, "throughput_m3_day"] <= TOL


def test_baseline_is_calibrated_national_receipt(net: sn.Network) -> None:
    res = sn.max_throughput(net, destination="Bamako")
    a = sn.load_assumptions()
    assert res.delivered_m3_day == pytest.approx(a["baseline_max_flow_m3_day"], rel=1e-6)
    # ~6,000 tankers a month of all products [50]: 197 tankers/day, 8,877 m3/day
    assert 8000 <= res.delivered_m3_day <= 9000
    # calibration: the ports' loading for Mali binds, not the roads or the border posts
    assert set(res.bottlenecks["type"]) == {"supply"}
    # every supply counts except Niger's, which serves the north only
    supply = net.nodes["supply_m3_day"].fillna(0)
    assert res.delivered_m3_day == pytest.approx(supply.sum() - supply["niamey"])
    assert supply["niamey"] == a["niger_north_supply_m3_day"]
    # national demand: the north takes Niger's supply, the rest is what the corridors bring
    demand = net.nodes["demand_m3_day"].fillna(0)
    north = demand[["gao", "menaka", "kidal"]].sum()
    assert demand.sum() == pytest.approx(a["national_demand_m3_day"], abs=0.05)
    assert north == pytest.approx(supply["niamey"], abs=0.05)
    # the coast's loading is the south's demand: the normal-times baseline delivers it
    assert demand.sum() - north == pytest.approx(res.delivered_m3_day, abs=0.05)


def test_blockade_2025_cuts_the_attacked_corridors(net: sn.Network) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    res = sn.max_throughput(net, sc, destination="Bamako")
    base = sn.max_throughput(net, destination="Bamako")
    assert res.delivered_m3_day < base.delivered_m3_day
    limits = sc.capacity_limits_m3_day
    for post, limit in limits.items():
        assert res.node_flows.loc[post, "throughput_m3_day"] <= limit + TOL
    assert set(limits) <= set(res.bottlenecks.index)
    _check_invariants(res, sc.apply(net).graph)


def test_every_port_reaches_bamako(net: sn.Network) -> None:
    ports = net.nodes.index[net.nodes["kind"] == "port"]
    assert set(ports) >= {"dakar", "abidjan", "conakry", "lome", "tema", "cotonou", "nouakchott"}
    for port in ports:
        others = [p for p in net.nodes.index[net.nodes["supply_m3_day"].fillna(0) > 0] if p != port]
        sc = sn.Scenario(name=f"only-{port}", blocked_nodes=others)
        res = sn.max_throughput(net, sc, destination="Bamako")
        assert res.delivered_m3_day > 0, port


def test_blocking_every_corridor_into_mali_delivers_zero(net: sn.Network) -> None:
    into_mali = [
        c
        for c, ids in net.corridors.items()
        if any(net.nodes.loc[n, "kind"] == "border" for e in ids for n in net.edge_endpoints(e))
    ]
    res = sn.max_throughput(
        net, sn.Scenario(name="all", blocked_corridors=into_mali), destination="Bamako"
    )
    assert res.delivered_m3_day == pytest.approx(0.0, abs=TOL)
    borders = net.nodes.index[net.nodes["kind"] == "border"]
    res2 = sn.max_throughput(net, sn.Scenario(name="b", blocked_nodes=list(borders)))
    assert res2.delivered_m3_day == pytest.approx(0.0, abs=TOL)


def test_shortest_routing_keeps_the_maximum_and_removes_detours(net: sn.Network) -> None:
    fast = sn.max_throughput(net, shortest_routes=False)
    clean = sn.max_throughput(net)
    assert clean.delivered_m3_day == pytest.approx(fast.delivered_m3_day)
    km = (clean.edge_flows["flow_m3_day"] * net.edges["length_km"]).sum()
    km_fast = (fast.edge_flows["flow_m3_day"] * net.edges["length_km"]).sum()
    assert km <= km_fast + 1e-3
    assert set(clean.bottlenecks.index) == set(fast.bottlenecks.index)


def test_destination_by_name_or_unknown(net: sn.Network) -> None:
    assert sn.max_throughput(net, destination="ségou").destination == "segou"
    with pytest.raises(sn.DataError, match="did you mean 'bamako'"):
        sn.max_throughput(net, destination="bamakoo")


def test_network_is_not_mutated(net: sn.Network) -> None:
    before = net.edges["capacity_m3_day"].copy()
    sn.max_throughput(net, sn.Scenario.from_file("examples/scenarios/sanctions_2022.toml"))
    assert net.edges["capacity_m3_day"].equals(before)
    assert sn.load_network().edges["capacity_m3_day"].equals(before)


def test_notes_flag_changes_that_do_not_bind(net: sn.Network) -> None:
    res = sn.max_throughput(net, sn.Scenario(name="f", capacity_factors={"dakar-kayes": 0.5}))
    assert res.delivered_m3_day == pytest.approx(sn.max_throughput(net).delivered_m3_day)
    changes = res.scenario_changes
    assert set(changes["element"]) >= {"kidira_diboli", "kayes_diema"}
    assert not changes["binds"].any()
    assert any("do not bind" in note for note in res.notes)
    res = sn.max_throughput(net, sn.Scenario.from_file("examples/scenarios/blockade_2025.toml"))
    assert res.scenario_changes["binds"].all() and res.notes == ()


def test_note_when_the_destination_is_closed(net: sn.Network) -> None:
    res = sn.max_throughput(net, sn.Scenario(name="c", blocked_nodes=["bamako"]))
    assert res.delivered_m3_day == 0
    assert any("destination 'bamako' itself is closed" in note for note in res.notes)


def test_bottlenecks_are_indexed_by_element_with_corridors(net: sn.Network) -> None:
    res = sn.max_throughput(net, sn.Scenario.from_file("examples/scenarios/blockade_2025.toml"))
    assert res.bottlenecks.index.name == "element"
    assert res.bottlenecks.loc["kidira_diboli", "corridors"] == "dakar-kayes"
