"""Worst-case interdiction: the MILP equals brute-force enumeration; the defender is exact."""

from __future__ import annotations

import itertools
import math

import pytest
from conftest import random_network

import supplynet as sn
from supplynet.analysis.interdiction import brute_force_interdiction
from supplynet.analysis.measures import Change, MaxFlowEvaluator
from supplynet.formulations.elements import network_elements


@pytest.mark.parametrize("budget", [1, 2])
def test_default_network_matches_brute_force(net, budget: int) -> None:
    kinds = ("road", "node", "corridor") if budget == 1 else ("road", "node")
    res = sn.interdict(net, budget=budget, kinds=kinds)
    best, _, tried = brute_force_interdiction(net, budget=budget, kinds=kinds)
    assert res.remaining_m3_day == pytest.approx(best, abs=1e-5)
    assert tried == math.comb(len(network_elements(net, kinds)) - 1, budget)  # bamako excluded
    assert len(res.cut) <= budget
    # the reported cut really leaves that much (a fresh max flow), and its min cut adds up
    assert res.min_cut["capacity_m3_day"].sum() == pytest.approx(res.remaining_m3_day, abs=1e-4)


def _small_seeds(count: int, most: int) -> list[int]:
    """Seeds of random networks with at most ``most`` elements (brute force stays quick)."""
    seeds, seed = [], 0
    while len(seeds) < count:
        if len(network_elements(random_network(seed))) <= most:
            seeds.append(seed)
        seed += 1
    return seeds


SMALL = _small_seeds(12, 22)


@pytest.mark.parametrize("seed", SMALL)
@pytest.mark.parametrize("budget", [1, 2, 3])
def test_random_networks_match_brute_force(seed: int, budget: int) -> None:
    net = random_network(seed)
    n = len(network_elements(net)) - (1 if "n0" in network_elements(net) else 0)
    if budget > n:
        with pytest.raises(sn.DataError, match="larger than the"):
            sn.interdict(net, destination="n0", budget=budget)
        return
    res = sn.interdict(net, destination="n0", budget=budget)
    best, _, _ = brute_force_interdiction(net, destination="n0", budget=budget)
    assert res.remaining_m3_day == pytest.approx(best, abs=1e-5)


def _defended_brute_force(net: sn.Network, budget: int, protect: int) -> float:
    catalogue = network_elements(net)
    catalogue.pop("n0", None)
    ev = MaxFlowEvaluator.from_network(net, "n0", catalogue)
    ids = sorted(catalogue)
    best = -1.0
    for guard in itertools.combinations(ids, protect):
        rest = [e for e in ids if e not in guard]
        worst = min(
            ev.evaluate([Change(e) for e in cut])["remaining_m3_day"]
            for cut in itertools.combinations(rest, min(budget, len(rest)))
        )
        best = max(best, worst)
    return best


@pytest.mark.parametrize("seed", SMALL[::3])
def test_defender_matches_brute_force(seed: int) -> None:
    net = random_network(seed)
    for budget, protect in ((1, 1), (2, 1)):
        res = sn.interdict(net, destination="n0", budget=budget, protect=protect)
        assert res.remaining_m3_day == pytest.approx(
            _defended_brute_force(net, budget, protect), abs=1e-5
        )
        assert res.remaining_m3_day >= res.undefended_remaining_m3_day - 1e-9
        assert not set(res.cut) & set(res.protected)


def test_defended_default_network(net) -> None:
    res = sn.interdict(net, budget=2, protect=1, kinds=("road", "node"))
    assert res.remaining_m3_day > res.undefended_remaining_m3_day
    best, _, _ = brute_force_interdiction(
        net, budget=2, protected=res.protected, kinds=("road", "node")
    )
    assert res.remaining_m3_day == pytest.approx(best, abs=1e-5)


@pytest.mark.parametrize("seed", [4, 8])
def test_costs_match_brute_force(seed: int) -> None:
    net = random_network(seed)
    catalogue = network_elements(net)
    catalogue.pop("n0", None)
    costs = {"corridor": 2.0}
    res = sn.interdict(net, destination="n0", budget=2, costs=costs)
    ev = MaxFlowEvaluator.from_network(net, "n0", catalogue)
    cost = {e: 2.0 if el.kind == "corridor" else 1.0 for e, el in catalogue.items()}
    best = min(
        ev.evaluate([Change(e) for e in combo])["remaining_m3_day"]
        for r in (1, 2)
        for combo in itertools.combinations(sorted(catalogue), r)
        if sum(cost[e] for e in combo) <= 2
    )
    assert res.remaining_m3_day == pytest.approx(best, abs=1e-5)
    assert sum(res.cut_table["cost"]) <= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": 500}, r"budget 500 is larger than the \d+ cuttable elements"),
        ({"budget": -1}, "budget = -1: must be a number >= 0"),
        ({"budget": 1, "protect": -1}, "protect = -1"),
        (
            {"budget": 1, "costs": {"raod": 2}},
            "unknown element or kind 'raod'; did you mean 'road'",
        ),
        ({"budget": 1, "costs": {"road": 0}}, "must be a number > 0"),
        ({"budget": 1, "protected": ["kidira"]}, "protected: unknown element 'kidira'"),
    ],
)
def test_bad_input_is_one_line(net, kwargs, message) -> None:
    with pytest.raises(sn.DataError, match=message):
        sn.interdict(net, **kwargs)
