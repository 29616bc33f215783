"""Operations naming several corridors at once, and flows that never run both ways."""

from __future__ import annotations

import pytest
from conftest import random_network

import supplynet as sn

DAKAR = ("dakar-kayes", "dakar-kita")


def _shared_arcs(net: sn.Network) -> list[str]:
    return [
        e
        for e in net.edge_ids
        if set(net.edge_data(e)["corridors"]) == set(DAKAR)  # Dakar–Tambacounda trunk
    ]


def test_a_limit_naming_two_corridors_caps_their_shared_arcs_at_the_stated_value(net) -> None:
    shared = _shared_arcs(net)
    assert shared, "the Dakar corridors share the Dakar–Tambacounda road"
    sc = sn.Scenario(name="x", capacity_limits_m3_day={"dakar-kayes": 500, "dakar-kita": 300})
    out = sc.apply(net)
    for e in shared:
        assert out.edges.loc[e, "capacity_m3_day"] == 300  # the most restrictive value
    own_kayes, _ = net.corridor_elements(["dakar-kayes"])
    own_kita, _ = net.corridor_elements(["dakar-kita"])
    assert all(out.edges.loc[e, "capacity_m3_day"] == 500 for e in own_kayes)
    assert all(out.edges.loc[e, "capacity_m3_day"] == 300 for e in own_kita)
    assert out.nodes.loc["kidira_diboli", "capacity_m3_day"] == 500
    assert out.nodes.loc["moussala", "capacity_m3_day"] == 300


def test_a_factor_naming_two_corridors_scales_shared_arcs_once(net) -> None:
    shared = _shared_arcs(net)
    sc = sn.Scenario(name="x", capacity_factors={"dakar-kayes": 0.5, "dakar-kita": 0.5})
    out = sc.apply(net)
    for e in shared:
        before = net.edges.loc[e, "capacity_m3_day"]
        assert out.edges.loc[e, "capacity_m3_day"] == pytest.approx(0.5 * before)  # not 0.25
    mixed = sn.Scenario(name="y", capacity_factors={"dakar-kayes": 0.5, "dakar-kita": 0.2})
    out = mixed.apply(net)
    for e in shared:
        before = net.edges.loc[e, "capacity_m3_day"]
        assert out.edges.loc[e, "capacity_m3_day"] == pytest.approx(0.2 * before)


def _both_ways(res: sn.ThroughputResult) -> list[str]:
    flows = res.edge_flows
    busy = flows[flows["flow_m3_day"] > 1e-9]
    counts = busy.groupby("road_id").size()
    return list(counts[counts > 1].index)


@pytest.mark.parametrize("shortest_routes", [True, False])
def test_no_road_carries_flow_both_ways(net, shortest_routes: bool) -> None:
    for sc in (None, sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")):
        res = sn.max_throughput(net, sc, shortest_routes=shortest_routes)
        assert _both_ways(res) == []
    for seed in range(40):
        res = sn.max_throughput(random_network(seed), destination="n0", shortest_routes=False)
        assert _both_ways(res) == [], seed
