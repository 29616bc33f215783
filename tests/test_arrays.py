"""Array-form LPs: PuLP -> arrays -> HiGHS or CBC gives the same optimum as PuLP itself."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import random_network

from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.arrays import LinearProgram
from supplynet.solvers import Status, solve, solve_arrays


@pytest.mark.parametrize("seed", range(12))
def test_array_form_solves_to_the_pulp_optimum(seed: int) -> None:
    net = random_network(seed, demand=True)
    for build in (
        lambda G: build_max_throughput(G, "n0").problem,
        lambda G: build_least_cost_supply(G).problem,
    ):
        reference = build(net.graph)
        info = solve(reference)
        lp = LinearProgram.from_pulp(build(net.graph))
        for solver in ("highs", "cbc"):
            sol = solve_arrays(lp, solver)
            assert sol.status is info.status is Status.OPTIMAL
            assert sol.objective == pytest.approx(info.objective, rel=1e-7, abs=1e-6)
            # the solution is feasible for the arrays
            assert np.all(sol.x >= lp.col_lower - 1e-6) and np.all(sol.x <= lp.col_upper + 1e-6)
            act = lp.A @ sol.x
            assert np.all(act >= lp.row_lower - 1e-6) and np.all(act <= lp.row_upper + 1e-6)


def test_round_trip_through_pulp_keeps_names_and_numbers(net) -> None:
    lp = LinearProgram.from_pulp(build_least_cost_supply(net.graph).problem)
    back = LinearProgram.from_pulp(lp.to_pulp())
    assert back.col_names == lp.col_names
    assert back.sense == lp.sense and back.offset == lp.offset
    order = [back.row_index[name] for name in lp.row_names]
    assert (back.A.tocsr()[order] != lp.A.tocsr()).nnz == 0
    assert np.array_equal(back.row_lower[order], lp.row_lower)


def test_infeasible_is_a_status() -> None:
    import pulp

    p = pulp.LpProblem("bad", pulp.LpMinimize)
    x = p.add_variable("x", lowBound=0, upBound=1)
    p += x
    p += (x >= 2, "too_much")
    sol = solve_arrays(LinearProgram.from_pulp(p))
    assert sol.status is Status.INFEASIBLE and sol.objective is None
    assert np.isnan(sol.x).all()
