"""least_cost_supply: cross-checked against networkx network simplex, shortfall, invariants."""

from __future__ import annotations

import networkx as nx
import pytest
from conftest import REGIONAL_CAPITALS, TOL, assert_valid_flow, random_network, split_graph

import supplynet as sn


def _demands(G: nx.MultiDiGraph) -> dict[str, float]:
    return {n: d["demand_m3_day"] for n, d in G.nodes(data=True) if d.get("demand_m3_day")}


def _max_servable(G: nx.MultiDiGraph) -> float:
    """Most demand any flow can serve: max flow from the sources to a super sink."""
    H = split_graph(G)
    for n, dem in _demands(G).items():
        H.add_edge((n, "out"), "T", capacity=dem)
    if "S" not in H or "T" not in H:
        return 0.0
    return float(nx.maximum_flow_value(H, "S", "T"))


def _simplex_cost(G: nx.MultiDiGraph) -> float:
    """Independent reference: min-cost flow by network simplex on the node-split graph.

    Demand is consumed at ``(v, 'out')`` so that it pays the node's cost, as in the LP.
    """
    H = split_graph(G, with_costs=True)
    total = sum(_demands(G).values())
    for node in H:
        H.nodes[node]["demand"] = 0
    for n, dem in _demands(G).items():
        H.nodes[(n, "out")]["demand"] = dem
    H.nodes["S"]["demand"] = -total
    cost, _ = nx.network_simplex(H)
    return float(cost)


def _feasible_seeds(count: int) -> list[int]:
    seeds, seed = [], 0
    while len(seeds) < count:
        G = random_network(seed, demand=True).graph
        if _max_servable(G) >= sum(_demands(G).values()) - 1e-9:
            seeds.append(seed)
        seed += 1
    return seeds


FEASIBLE = _feasible_seeds(60)


@pytest.mark.parametrize("seed", FEASIBLE)
def test_cost_equals_network_simplex_on_feasible_instances(seed: int) -> None:
    net = random_network(seed, demand=True)
    res = sn.least_cost_supply(net)
    assert res.ok
    assert res.total_shortfall_m3_day == pytest.approx(0.0, abs=1e-6)
    assert res.cost == pytest.approx(_simplex_cost(net.graph), rel=1e-7, abs=1e-6)
    rhs = dict(_demands(net.graph).items())
    assert_valid_flow(net.graph, res.edge_flows, res.node_flows, rhs=rhs)


@pytest.mark.parametrize("seed", range(80))
def test_shortfall_is_demand_minus_max_servable(seed: int) -> None:
    net = random_network(seed, demand=True)
    res = sn.least_cost_supply(net)
    G = net.graph
    total = sum(_demands(G).values())
    assert res.total_shortfall_m3_day == pytest.approx(total - _max_servable(G), abs=1e-5)
    delivered = res.delivered
    rhs = {n: delivered.loc[n, "delivered_m3_day"] for n in delivered.index}
    assert_valid_flow(G, res.edge_flows, res.node_flows, rhs=rhs)
    assert (delivered["shortfall_m3_day"] >= -TOL).all()
    assert (delivered["shortfall_m3_day"] <= delivered["demand_m3_day"] + TOL).all()


def test_default_baseline_meets_demand(net: sn.Network) -> None:
    res = sn.least_cost_supply(net)
    assert res.ok and res.total_shortfall_m3_day == pytest.approx(0, abs=1e-6)
    assert res.cost > 0
    assert set(res.delivered.index) >= {"bamako", *REGIONAL_CAPITALS}


def test_blockade_shortfall_matches_networkx_on_the_default_network(net: sn.Network) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    res = sn.least_cost_supply(net, sc)
    G = sc.apply(net).graph
    demand = sum(_demands(G).values())
    # independent: the most demand any flow can serve, from networkx max flow
    assert res.total_shortfall_m3_day == pytest.approx(demand - _max_servable(G), abs=1e-4)
    assert res.total_shortfall_m3_day > 0
    penalty = sn.load_assumptions()["unmet_penalty_per_m3"]
    assert res.penalty_cost == pytest.approx(penalty * res.total_shortfall_m3_day)
    row = res.delivered.loc["bamako"]
    # the scenario sets Bamako's stock (exhausted in Oct 2025): no days covered
    assert sc.stock_m3["bamako"] == 0 == G.nodes["bamako"]["stock_m3"]
    assert row["stock_days_at_shortfall"] == 0
    days = sn.least_cost_supply(net, sn.Scenario(**{**sc.model_dump(), "stock_m3": {}}))
    bamako = days.delivered.loc["bamako"]
    assert bamako["stock_days_at_shortfall"] == pytest.approx(
        net.nodes.loc["bamako", "stock_m3"] / bamako["shortfall_m3_day"]
    )
    rhs = {n: res.delivered.loc[n, "delivered_m3_day"] for n in res.delivered.index}
    assert_valid_flow(G, res.edge_flows, res.node_flows, rhs=rhs)


def test_cbc_and_highs_agree(net: sn.Network) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    a = sn.least_cost_supply(net, sc, solver="highs")
    b = sn.least_cost_supply(net, sc, solver="cbc")
    assert a.cost + a.penalty_cost == pytest.approx(b.cost + b.penalty_cost, rel=1e-7)


def test_demand_changes(net: sn.Network) -> None:
    sc = sn.Scenario(name="d", demand={"Bamako": 100.0}, demand_factor=0.5)
    res = sn.least_cost_supply(net, sc)
    assert res.delivered.loc["bamako", "demand_m3_day"] == pytest.approx(50.0)
    assert res.delivered.loc["kayes", "demand_m3_day"] == pytest.approx(
        0.5 * net.nodes.loc["kayes", "demand_m3_day"]
    )


def test_penalty_must_be_positive(net: sn.Network) -> None:
    with pytest.raises(sn.DataError, match="unmet_penalty_per_m3"):
        sn.least_cost_supply(net, penalty_per_m3=0)
