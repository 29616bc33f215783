"""Criticality: every row equals a fresh solve with the element cut; skipping is exact."""

from __future__ import annotations

import pytest
from conftest import nx_max_throughput, random_network

import supplynet as sn
from supplynet.analysis.interdiction import _cut_scenario
from supplynet.formulations.elements import network_elements


def _fresh_losses(net: sn.Network, destination: str, res: sn.CriticalityResult) -> None:
    catalogue = network_elements(net, ("road", "arc", "node", "corridor"))
    base = res.baseline["remaining_m3_day"]
    for element, row in res.table.iterrows():
        members = str(element).split(" + ")
        cut = _cut_scenario(catalogue, members)
        applied = cut.apply(net)
        expected = nx_max_throughput(applied.graph, destination)  # networkx, not the LP
        assert row["remaining_m3_day"] == pytest.approx(expected, abs=1e-5), element
        assert row["loss_m3_day"] == pytest.approx(base - expected, abs=1e-5)


def test_n1_on_the_default_network_equals_fresh_solves(net) -> None:
    res = sn.criticality(net, destination="Bamako")
    kinds = res.table["kind"].value_counts()
    assert res.elements == len(res.table) > 90
    assert kinds["road"] == len(net.edges["road_id"].unique())  # every road, both ways
    assert {"road", "node", "corridor"} <= set(kinds.index)
    assert "bamako" not in res.table.index  # the destination itself is not cut
    _fresh_losses(net, "bamako", res)
    # least-cost shortfall against fresh least_cost_supply runs, for the solved rows
    catalogue = network_elements(net)
    for element in res.table.index[:12]:
        fresh = sn.least_cost_supply(net, _cut_scenario(catalogue, [element]))
        row = res.table.loc[element]
        assert row["shortfall_m3_day"] == pytest.approx(fresh.total_shortfall_m3_day, abs=1e-4)
        bamako = fresh.delivered.loc["bamako", "shortfall_m3_day"]
        assert row["destination_shortfall_m3_day"] == pytest.approx(bamako, abs=1e-4)
    assert list(res.table["loss_m3_day"]) == sorted(res.table["loss_m3_day"], reverse=True)
    assert res.skipped["max_flow"] > 0
    assert res.solved["max_flow"] + res.skipped["max_flow"] == res.elements
    # an element skipped as idle really loses nothing
    assert (res.table.loc[~res.table["solved"], "loss_m3_day"] == 0).all()
    assert res.table.index.name == "element"
    assert {"kind", "name", "road_ref", "corridors", "remaining_m3_day"} <= set(res.table.columns)


@pytest.mark.parametrize("seed", [1, 3, 4, 10, 12, 13, 16, 22, 26, 29])  # <= 21 elements
def test_n1_and_n2_on_random_networks_match_networkx(seed: int) -> None:
    net = random_network(seed)
    for k in (1, 2):
        res = sn.criticality(net, destination="n0", k=k, measures=["max_flow"])
        _fresh_losses(net, "n0", res)


@pytest.mark.parametrize("seed", [1, 5, 9])
def test_skipping_changes_no_figure(seed: int) -> None:
    net = random_network(seed, demand=True)
    for k in (1, 2):
        fast = sn.criticality(net, destination="n0", k=k)
        full = sn.criticality(net, destination="n0", k=k, skip_idle=False)
        cols = ["loss_m3_day", "shortfall_m3_day", "destination_shortfall_m3_day"]
        assert fast.table[cols].sort_index().equals(full.table[cols].sort_index())
        assert sum(full.skipped.values()) == 0


def test_n2_on_the_default_network_roads_and_posts(net) -> None:
    res = sn.criticality(net, k=2, kinds=("road", "node"), measures=["max_flow"])
    full = sn.criticality(net, k=2, kinds=("road", "node"), measures=["max_flow"], skip_idle=False)
    n = res.elements
    assert len(res.table) == n * (n - 1) // 2
    assert res.table["loss_m3_day"].sort_index().equals(full.table["loss_m3_day"].sort_index())
    assert res.solved["max_flow"] < full.solved["max_flow"] / 2  # most pairs are proved
    worst = res.table.iloc[0]
    assert worst["loss_m3_day"] >= worst["worst_single_loss_m3_day"]
    assert (res.table["extra_loss_m3_day"] >= -1e-6).all()


def test_criticality_under_a_scenario(net) -> None:
    res = sn.criticality(net, "examples/scenarios/blockade_2025.toml", measures=["max_flow"])
    blockade = sn.max_throughput(net, "examples/scenarios/blockade_2025.toml")
    assert res.baseline["remaining_m3_day"] == pytest.approx(blockade.delivered_m3_day)
    assert res.scenario == "blockade_2025"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k = 0: cut 1, 2 or 3"),
        ({"k": 4}, "k = 4"),
        ({"kinds": ["raod"]}, "unknown element kind 'raod'; did you mean 'road'"),
        ({"measures": ["max_flw"]}, "unknown measure 'max_flw'; did you mean 'max_flow'"),
        ({"measures": []}, "no measure given"),
        ({"elements": ["kayes_diem"]}, "unknown element 'kayes_diem'; did you mean 'kayes_diema'"),
    ],
)
def test_bad_input_is_one_line(net, kwargs, message) -> None:
    with pytest.raises(sn.DataError, match=message):
        sn.criticality(net, **kwargs)
