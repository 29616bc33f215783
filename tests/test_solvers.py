"""Solver choice, status mapping, and results that carry a non-optimal status."""

from __future__ import annotations

import math
import os

import pulp
import pytest

import supplynet as sn
from supplynet.engine import Engine, EngineSolution
from supplynet.solvers import Status, make_solver, solve


def _problem(kind: str) -> pulp.LpProblem:
    prob = pulp.LpProblem(kind, pulp.LpMaximize)
    x = prob.add_variable("x", lowBound=0)
    prob += x
    if kind == "infeasible":
        prob += (x >= 5, "low")
        prob += (x <= 1, "high")
    elif kind == "optimal":
        prob += (x <= 3, "high")
    return prob


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("optimal", Status.OPTIMAL),
        ("infeasible", Status.INFEASIBLE),
        ("unbounded", Status.UNBOUNDED),
    ],
)
def test_status_mapping(solver: str, kind: str, status: Status) -> None:
    info = solve(_problem(kind), solver)
    if solver == "cbc" and kind == "unbounded":
        # CBC reports some unbounded LPs as infeasible (dual infeasible); either way,
        # the status is not "optimal" and no number is returned
        assert info.status in (Status.UNBOUNDED, Status.INFEASIBLE, Status.UNDEFINED)
    else:
        assert info.status is status
    assert (info.objective is not None) == (status is Status.OPTIMAL)
    if status is Status.OPTIMAL:
        assert info.objective == pytest.approx(3.0)


def test_unknown_solver_is_a_clear_error() -> None:
    with pytest.raises(sn.SolverError, match="unknown solver 'gurobi'; allowed: highs, cbc"):
        make_solver("gurobi")


def test_missing_solver_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(pulp.HiGHS, "available", lambda self: False)
    with pytest.raises(sn.SolverError, match="solver 'highs' is not available: install highspy"):
        make_solver("highs")


def test_default_solver_from_environment(monkeypatch) -> None:
    monkeypatch.setenv("SUPPLYNET_SOLVER", "cbc")
    assert "CBC" in make_solver().name


def test_highs_banner_does_not_reach_stdout(capfd) -> None:
    solve(_problem("optimal"), "highs")
    out, _ = capfd.readouterr()
    assert "HiGHS" not in out


def test_non_optimal_status_is_carried_not_a_number(net, monkeypatch) -> None:
    def infeasible(self):
        self._serial += 1
        return EngineSolution(Status.INFEASIBLE, math.nan, 0.0, self, self._serial)

    monkeypatch.setattr(Engine, "solve", infeasible)
    res = sn.max_throughput(net)
    assert res.status is Status.INFEASIBLE and not res.ok
    assert math.isnan(res.delivered_m3_day) and res.edge_flows.empty
    with pytest.raises(sn.InfeasibleError, match="status infeasible"):
        res.raise_for_status()
    sup = sn.least_cost_supply(net)
    assert sup.status is Status.INFEASIBLE and math.isnan(sup.cost)
    assert sup.summary()["shortfall_m3_day"] != sup.summary()["shortfall_m3_day"]  # NaN


def test_result_files_are_written_whole(net, tmp_path, monkeypatch) -> None:
    res = sn.max_throughput(net)
    paths = res.write(tmp_path / "r")
    assert {p.name for p in paths} == {
        "summary.json",
        "edge_flows.csv",
        "node_flows.csv",
        "bottlenecks.csv",
        "border_flows.csv",
        "corridor_flows.csv",
        "scenario_changes.csv",
    }
    (tmp_path / "r" / "mine.txt").write_text("not ours")
    before = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()}
    other = sn.max_throughput(net, sn.Scenario(name="x", blocked_nodes=["kidira_diboli"]))
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src, dst, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # fail in the middle of moving the new files in
            raise OSError("disk full")
        return real_replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(sn.DataError, match="disk full"):
        other.write(tmp_path / "r")
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()} == before
    other.write(tmp_path / "r")
    summary = (tmp_path / "r" / "summary.json").read_text()
    assert '"scenario": "x"' in summary
    assert (tmp_path / "r" / "mine.txt").read_text() == "not ours"


def test_quiet_stdout_is_safe_across_threads(tmp_path, monkeypatch) -> None:
    """Two solves in threads, the first out before the second: stdout comes back."""
    import sys
    import threading
    import time

    from supplynet.solvers import _quiet_stdout

    path = tmp_path / "out.txt"
    with path.open("w") as out:
        monkeypatch.setattr(sys, "stdout", out)
        inside = threading.Barrier(2)

        def quiet(seconds: float) -> None:
            with _quiet_stdout():
                inside.wait()
                time.sleep(seconds)

        threads = [threading.Thread(target=quiet, args=(s,)) for s in (0.02, 0.2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out.write("still here\n")
        out.flush()
    assert path.read_text() == "still here\n"
