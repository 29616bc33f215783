"""The re-solve engine: every warm answer equals a fresh build-and-solve."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import random_network

import supplynet as sn
from supplynet.engine import Engine
from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.elements import map_network_elements, network_elements
from supplynet.solvers import Status, solve_arrays


def _engine(net: sn.Network, model: str) -> Engine:
    G = net.graph
    problem = (
        build_max_throughput(G, "n0").problem
        if model == "max"
        else build_least_cost_supply(G).problem
    )
    lp = LinearProgram.from_pulp(problem)
    return Engine(
        lp,
        map_network_elements(net, lp, network_elements(net, ("road", "arc", "node", "corridor"))),
    )


def _fresh(net: sn.Network, sc: sn.Scenario, model: str) -> float:
    if model == "max":
        return sn.max_throughput(net, sc, "n0", shortest_routes=False).delivered_m3_day
    res = sn.least_cost_supply(net, sc)
    return res.cost + res.penalty_cost


def _random_case(rng: random.Random, net: sn.Network) -> tuple[dict, dict, sn.Scenario]:
    """Random factors and limits, as engine changes and as the equivalent scenario."""
    elements = network_elements(net, ("road", "node", "corridor"))
    roads = [e for e, el in elements.items() if el.kind == "road"]
    nodes = [e for e, el in elements.items() if el.kind == "node"]
    corridors = [e for e, el in elements.items() if el.kind == "corridor"]
    factors: dict[str, float] = {}
    limits: dict[str, float] = {}
    blocked_nodes: list[str] = []
    for road in rng.sample(roads, k=min(len(roads), rng.randint(0, 4))):
        factors[road] = rng.choice([0.0, 0.5, round(rng.uniform(0, 2), 2)])
    for node in rng.sample(nodes, k=min(len(nodes), rng.randint(0, 2))):
        d = net.graph.nodes[node]
        if d.get("capacity_m3_day") is None and d.get("supply_m3_day") is None:
            blocked_nodes.append(node)
            factors[node] = 0.0
        else:
            factors[node] = round(rng.uniform(0, 1.5), 2)
    if corridors and rng.random() < 0.5:  # one corridor: its own elements alone
        factors[rng.choice(corridors)] = rng.choice([0.0, 0.3])
    free = [r for r in roads if r not in factors]
    if free and rng.random() < 0.7:
        limits[rng.choice(free)] = float(rng.randint(0, 30))
    capacity_factors = {k: v for k, v in factors.items() if k not in blocked_nodes}
    sc = sn.Scenario(
        name="case",
        capacity_factors=capacity_factors,
        capacity_limits_m3_day=limits,
        blocked_nodes=blocked_nodes,
    )
    return factors, limits, sc


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("model", ["max", "least_cost"])
def test_engine_answers_equal_fresh_solves(seed: int, model: str) -> None:
    net = random_network(seed, demand=model != "max")
    engine = _engine(net, model)
    rng = random.Random(seed)
    base = engine.solve()
    assert base.objective == pytest.approx(_fresh(net, sn.Scenario(name="b"), model), abs=1e-6)
    for _ in range(5):  # several cases on one engine: warm, reset in between
        factors, limits, sc = _random_case(rng, net)
        engine.scale(factors)
        engine.limit(limits)
        got = engine.solve()
        assert got.status is Status.OPTIMAL
        assert got.objective == pytest.approx(_fresh(net, sc, model), rel=1e-7, abs=1e-6)
        engine.reset()
    assert engine.solve().objective == pytest.approx(base.objective, abs=1e-6)


def test_factors_compose_and_reset_restores(net) -> None:
    lp = LinearProgram.from_pulp(build_max_throughput(net.graph, "bamako").problem)
    engine = Engine(lp, map_network_elements(net, lp))
    engine.scale({"abidjan": 0.5})
    engine.scale({"abidjan": 0.5})
    quarter = engine.solve().objective
    fresh = sn.max_throughput(
        net, sn.Scenario(name="q", capacity_factors={"abidjan": 0.25}), shortest_routes=False
    )
    assert quarter == pytest.approx(fresh.delivered_m3_day)
    engine.reset(basis=True)  # cold start gives the same answer
    assert engine.solve().objective == pytest.approx(sn.max_throughput(net).delivered_m3_day)


@pytest.mark.parametrize("seed", range(8))
def test_loss_rate_equals_rebuilt_coefficients(seed: int) -> None:
    net = random_network(seed)
    engine = _engine(net, "max")
    roads = [e for e, k in engine.elements.kinds.items() if k == "road"]
    rng = random.Random(seed)
    chosen = {r: round(rng.uniform(0.2, 1.0), 2) for r in rng.sample(roads, k=min(3, len(roads)))}
    engine.scale_arrivals(chosen)
    got = engine.solve().objective
    lp = engine.lp
    A = lp.A.tocsc().astype(float)
    for road, factor in chosen.items():
        for j in engine.elements.cols[road]:
            column = A.data[A.indptr[j] : A.indptr[j + 1]]
            column[column > 0] *= factor  # what arrives at the head node
    rebuilt = LinearProgram(
        "lossy",
        lp.sense,
        lp.c,
        A.tocsr(),
        lp.row_lower,
        lp.row_upper,
        lp.col_lower,
        lp.col_upper,
        lp.col_names,
        lp.row_names,
    )
    assert got == pytest.approx(solve_arrays(rebuilt).objective, abs=1e-6)
    engine.reset()
    assert engine.solve().objective == pytest.approx(solve_arrays(lp).objective, abs=1e-6)


def test_bad_changes_are_one_line_errors(net) -> None:
    lp = LinearProgram.from_pulp(build_max_throughput(net.graph, "bamako").problem)
    engine = Engine(lp, map_network_elements(net, lp))
    with pytest.raises(
        sn.DataError, match="unknown element 'kayes_diem'; did you mean 'kayes_diema'"
    ):
        engine.cut(["kayes_diem"])
    with pytest.raises(sn.DataError, match="periods given for a steady-state model"):
        engine.cut(["kayes_diema"], periods=[1])
    with pytest.raises(sn.DataError, match="factor -1"):
        engine.scale({"kayes_diema": -1})
    with pytest.raises(sn.DataError, match="a loss rate applies to roads"):
        engine.scale_arrivals({"kidira_diboli": 0.5})


def test_solution_values_are_read_on_demand(net) -> None:
    lp = LinearProgram.from_pulp(build_max_throughput(net.graph, "bamako").problem)
    engine = Engine(lp, map_network_elements(net, lp))
    first = engine.solve()
    flows = first.x.copy()
    assert first.value("delivered") == pytest.approx(sn.max_throughput(net).delivered_m3_day)
    second = engine.solve()
    with pytest.raises(sn.SolverError, match="read after the engine was solved again"):
        _ = first.row_activity
    assert np.allclose(second.x[lp.col_index["delivered"]], flows[lp.col_index["delivered"]])
