"""The multi-day model against the steady-state LPs: one day with no lead times is the
least-cost supply; ample stock serves all demand; a long steady state delivers the maximum
flow every day. And the fast solve path against a cold solve and CBC."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_network
from multiday_fixtures import ZERO_LEAD, assert_invariants, timeline_arrays

import supplynet as sn
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.analysis.timeline_events import earliest_arrival_days
from supplynet.analysis.timeline_solve import solve_timeline_lp


def _no_stock(net: sn.Network) -> dict[str, float]:
    inputs = timeline_arrays(net, sn.Scenario(name="x"), 1, single_product=True)
    d = inputs.data
    return {
        d.node_ids[n]: 0.0 for n, depot in zip(d.hold_node, d.hold_is_depot, strict=True) if depot
    }


@pytest.mark.parametrize("seed", [*range(6), "default"])
def test_one_day_without_lead_times_is_least_cost_supply(net: sn.Network, seed: object) -> None:
    network = net if seed == "default" else random_network(int(seed), demand=True)
    sc = sn.Scenario.from_dict(
        {"name": "n1", "assumptions": ZERO_LEAD, "stock_m3": _no_stock(network)}
    )
    tl = sn.simulate_supply(network, sc, 1, single_product=True)
    ref = sn.least_cost_supply(network, sc)
    assert tl.ok and ref.ok
    short = tl.nodes.xs(("demand", "fuel"), level=("demand_class", "product"))["shortfall_m3"]
    expected = ref.shortfall.reindex(short.index).fillna(0.0)
    assert short.to_numpy() == pytest.approx(expected.to_numpy(), abs=1e-5)
    # the same objective: transport and border cost plus the unmet penalty
    assert tl.objective == pytest.approx(ref.cost + ref.penalty_cost, rel=1e-7, abs=1e-4)


def test_ample_stock_and_no_attacks_leave_no_demand_unmet(net: sn.Network) -> None:
    single = timeline_arrays(net, sn.Scenario(name="x"), 1, single_product=True).data
    full = {
        single.node_ids[n]: float(cap)
        for n, cap, depot in zip(
            single.hold_node, single.hold_capacity_m3, single.hold_is_depot, strict=True
        )
        if depot
    }
    empty_roads = {"pipeline_share": 0.0}  # no fuel in transit on day 1: stocks alone
    sc = sn.Scenario(name="ample", stock_m3=full, assumptions=empty_roads)
    tl = sn.simulate_supply(net, sc, 10, single_product=True)
    inputs = timeline_arrays(net, sc, 10, single_product=True)
    assert_invariants(tl, inputs)
    # a full depot is ample where it covers the days until the first delivery can arrive;
    # in the far north (Gao, Ménaka, Kidal: small depots, days from Niger) it is not
    d = inputs.data
    first = earliest_arrival_days(
        d.arc_lead_days[0], d.arc_tail, d.arc_head, list(d.source_node), len(d.node_ids)
    )
    first_day = dict(zip(d.node_ids, np.ceil(first - 1e-9), strict=True))
    demand = net.nodes["demand_m3_day"].dropna()
    covered = {n for n, q in demand.items() if q and full.get(n, 0.0) >= q * (first_day[n] + 1)}
    assert {"bamako", "segou", "mopti"} <= covered
    short = tl.nodes.xs(("all", "all"), level=("demand_class", "product"))["shortfall_m3"]
    assert short.reindex(sorted(covered)).max() == pytest.approx(0.0, abs=1e-6)
    assert set(short[short > 1e-6].index) <= set(demand.index) - covered
    # all products and classes, on a demand scale the stocks cover
    sc = sn.Scenario.from_dict(
        {
            "name": "ample",
            "stock_m3": full,
            "assumptions": empty_roads,
            "rationing": [{"class": "all", "factor": 0.1}],
        }
    )
    tl = sn.simulate_supply(net, sc, 8)
    assert_invariants(tl, timeline_arrays(net, sc, 8))
    assert tl.nodes["shortfall_m3"].max() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("seed", ["default", 3, 8])
def test_long_steady_state_delivers_the_max_flow_each_day(net: sn.Network, seed: object) -> None:
    network = net if seed == "default" else random_network(int(seed), n_nodes=12)
    target = "bamako" if seed == "default" else "n0"
    demand = {n: 0.0 for n, d in network.graph.nodes(data=True) if d.get("demand_m3_day")}
    demand[target] = 1e5
    sc = sn.Scenario(
        name="steady",
        demand=demand,
        stock_m3=_no_stock(network),
        assumptions={"pipeline_share": 0.0},  # empty roads on day 1
    )
    days = 40
    tl = sn.simulate_supply(network, sc, days, single_product=True)
    rows = tl.daily.xs((target, "all", "fuel"), level=("node_id", "demand_class", "product"))
    served = rows["issued_m3"].to_numpy()
    steady = served[15:30]
    flow = sn.max_throughput(
        network, sn.Scenario(name="steady", demand=demand), target
    ).delivered_m3_day
    assert steady == pytest.approx(np.full(len(steady), flow), rel=1e-6, abs=1e-5)
    assert served.sum() <= days * flow + 1e-4


@pytest.mark.parametrize(
    "scenario",
    ["six_week_cut", "escorted_convoys", "humanitarian_pro_rata"],
)
def test_fast_solve_equals_a_cold_solve(net: sn.Network, scenario: str) -> None:
    sc = sn.Scenario.from_file(f"examples/scenarios/{scenario}.toml")
    lp, _ = build_timeline_lp(net, sc, 16)
    fast = solve_timeline_lp(lp)
    cold = solve_timeline_lp(lp, two_pass=False)
    assert fast.status is cold.status is sn.Status.OPTIMAL
    assert fast.objective == pytest.approx(cold.objective, rel=1e-8)
    act = lp.A @ fast.x  # the fast path's lazy road rows hold in the full LP
    assert np.all(act <= lp.row_upper + 1e-6 * np.maximum(1, np.abs(lp.row_upper)))
    assert np.all(act >= lp.row_lower - 1e-6 * np.maximum(1, np.abs(lp.row_lower)))


def test_cbc_gives_the_same_optimum(net: sn.Network) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/escorted_convoys.toml")
    highs = sn.simulate_supply(net, sc, 5, single_product=True)
    cbc = sn.simulate_supply(net, sc, 5, single_product=True, solver="cbc")
    assert cbc.solver == "CBC" and cbc.ok
    assert cbc.objective == pytest.approx(highs.objective, rel=1e-6)
    assert cbc.nodes["shortfall_m3"].sum() == pytest.approx(
        highs.nodes["shortfall_m3"].sum(), rel=1e-5, abs=1e-4
    )


@pytest.mark.parametrize(
    "path",
    sorted(__import__("pathlib").Path("examples/scenarios").glob("*.toml")),
    ids=lambda p: p.stem,
)
def test_every_example_passes_the_invariants(net: sn.Network, path: object) -> None:
    sc = sn.Scenario.from_file(path)  # type: ignore[arg-type]
    tl = sn.simulate_supply(net, sc, 14)
    assert_invariants(tl, timeline_arrays(net, sc, 14))
