"""The Niamey–Bamako convoy as a scenario option (examples/scenarios/niger_convoy.toml):
82 tankers loaded at Niamey on 1 Nov 2025, 21 days to Bamako [22]."""

from __future__ import annotations

import pytest

import supplynet as sn

PATH = "examples/scenarios/niger_convoy.toml"
CONVOY_M3 = 82 * 45.0


@pytest.fixture(scope="module")
def runs() -> tuple[sn.SupplyTimeline, sn.SupplyTimeline]:
    net = sn.load_network()
    sc = sn.Scenario.from_file(PATH)
    without = sc.model_copy(update={"events": sc.events[:1], "convoys": []})
    return sn.simulate_supply(net, sc), sn.simulate_supply(net, without)


def test_the_scenario_uses_the_bamako_route_of_niger() -> None:
    sc = sn.Scenario.from_file(PATH)
    loaded = [ev for ev in sc.events if ev.supply_m3_day]
    assert [ev.supply_m3_day for ev in loaded] == [{"niamey_bamako": CONVOY_M3}]
    (convoy,) = sc.convoys
    assert (convoy.corridor, convoy.max_tankers, convoy.escorted) == (
        "niamey-ouagadougou",
        82,
        False,
    )
    assert "convoys" in sc.steady_state_ignores()  # a multi-day scenario


def test_the_whole_convoy_leaves_on_day_1_and_none_is_lost(runs) -> None:
    with_convoy, _ = runs
    corridor = with_convoy.corridors.loc["niamey-ouagadougou"]
    moving = corridor[corridor["dispatch_m3"] > 1e-6]
    assert moving.index.tolist() == [1]
    assert moving["dispatch_m3"].sum() == pytest.approx(CONVOY_M3)
    arrived = corridor[corridor["arrivals_m3"] > 1e-6]
    assert arrived["arrivals_m3"].sum() == pytest.approx(CONVOY_M3)
    # 17.6 days on the corridor's own roads, then ~3.4 days on to Bamako: 21 in all [22]
    assert arrived.index.tolist() == [18]


def test_the_convoy_adds_its_load_to_what_mali_is_served(runs) -> None:
    with_convoy, without = runs
    total = ("all", "all")
    nodes_with = with_convoy.nodes.xs(total, level=("demand_class", "product"))
    nodes_without = without.nodes.xs(total, level=("demand_class", "product"))
    extra = nodes_with["issued_m3"] - nodes_without["issued_m3"]
    assert extra.sum() == pytest.approx(CONVOY_M3, rel=1e-6)  # the south is short: all used
    assert 0 < extra["bamako"] <= CONVOY_M3 + 1e-6
    assert (extra > -1e-6).all()  # nobody gets less
