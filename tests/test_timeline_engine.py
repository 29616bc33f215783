"""The multi-day LP on the re-solve engine: every warm answer equals a fresh simulate_supply.

A change by element and day on the engine (a cut, a capacity factor, a limit, a loss rate
on some days) must give what a fresh build of the same scenario with a timed event gives:
the same optimum, and the same figures at the destination. simulate_supply itself now
solves on the engine; its results must equal a cold solve of the whole LP.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import random_network
from multiday_fixtures import EXACT_DAYS, chain_network, write_tables

import supplynet as sn
from supplynet.analysis.evaluator import Change, TimelineSetup, apply_changes
from supplynet.analysis.interdiction import _cut_scenario
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.analysis.timeline_elements import map_timeline_elements
from supplynet.analysis.timeline_measure import DaysOfCoverEvaluator
from supplynet.analysis.timeline_solve import solve_timeline_lp, timeline_engine
from supplynet.analysis.timeline_tables import SolutionTables
from supplynet.formulations.elements import network_elements
from supplynet.solvers import Status

KINDS = ("road", "node", "corridor")


def _event(catalogue: dict, change: Change, days: int) -> list[dict[str, Any]]:
    """The scenario events that mean the same as ``change`` (one per run of days)."""
    element = catalogue[change.element]
    if change.factor == 0:
        cut = _cut_scenario(catalogue, [change.element])
        keys: dict[str, Any] = {
            "blocked_edges": cut.blocked_edges,
            "blocked_nodes": cut.blocked_nodes,
        }
    elif change.arrival != 1:
        keys = {"loss_rate": {change.element: round(1 - change.arrival, 12)}}
    elif change.limit_m3_day is not None:
        keys = {"capacity_limits_m3_day": {change.element: change.limit_m3_day}}
    else:
        keys = {"capacity_factors": {change.element: change.factor}}
    assert element.kind in ("road", "node", "corridor")
    periods = sorted(change.periods or range(1, days + 1))
    runs: list[list[int]] = []
    for t in periods:
        if runs and t == runs[-1][-1] + 1:
            runs[-1].append(t)
        else:
            runs.append([t])
    return [dict(keys, start_day=r[0], end_day=r[-1]) for r in runs]


def _random_change(rng: random.Random, catalogue: dict, net: sn.Network, days: int) -> Change:
    ident = rng.choice(sorted(catalogue))
    element = catalogue[ident]
    start = rng.randint(1, days)
    periods = tuple(range(start, rng.randint(start, days) + 1))
    if rng.random() < 0.3:  # scattered days
        periods = tuple(sorted(rng.sample(range(1, days + 1), k=rng.randint(1, days))))
    G = net.graph
    scalable = element.arcs or any(
        G.nodes[n].get("supply_m3_day") is not None or G.nodes[n].get("capacity_m3_day") is not None
        for n in element.nodes
    )
    kind = rng.choice(["cut", "cut", "factor", "loss", "limit"])
    if kind == "loss" and element.arcs:
        return Change(ident, factor=1.0, arrival=round(rng.uniform(0.2, 0.9), 2), periods=periods)
    if kind == "limit" and element.arcs:
        return Change(ident, factor=1.0, limit_m3_day=float(rng.randint(0, 40)), periods=periods)
    if kind == "factor" and scalable:
        return Change(ident, factor=round(rng.uniform(0.1, 1.5), 2), periods=periods)
    return Change(ident, factor=0.0, periods=periods)


def _fresh(net: sn.Network, base: dict, changes: list[Change], catalogue: dict, days: int, **kw):
    events = list(base.get("events", []))
    for change in changes:
        events += _event(catalogue, change, days)
    sc = sn.Scenario.from_dict({**base, "name": "fresh", "events": events})
    return sn.simulate_supply(net, sc, days, **kw)


@pytest.mark.parametrize("seed", range(12))
def test_engine_answers_equal_fresh_builds_on_random_networks(seed: int) -> None:
    net = random_network(seed, demand=True)
    days = 6
    base = {"name": "base", "assumptions": {"border_delay_days": 0.0}}
    lp, inputs = build_timeline_lp(net, sn.Scenario.from_dict(base), days, single_product=True)
    catalogue = network_elements(inputs.network, KINDS)
    engine = timeline_engine(lp, map_timeline_elements(inputs, lp, catalogue))
    first = engine.solve()
    assert first.objective == pytest.approx(
        _fresh(net, base, [], catalogue, days, single_product=True).objective, rel=1e-9
    )
    rng = random.Random(seed)
    for _ in range(4):  # several cases on one engine, warm, reset in between
        changes = [_random_change(rng, catalogue, net, days) for _ in range(rng.randint(1, 3))]
        apply_changes(engine, changes)
        got = engine.solve()
        fresh = _fresh(net, base, changes, catalogue, days, single_product=True)
        assert got.status is Status.OPTIMAL and fresh.ok
        assert got.objective == pytest.approx(fresh.objective, rel=1e-7, abs=1e-6), changes
        engine.reset()
    assert engine.solve().objective == pytest.approx(first.objective, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_engine_answers_equal_fresh_builds_on_the_default_network(net, seed: int) -> None:
    """All products and classes, a scenario with its own events, and lazy road rows."""
    days = 7
    base = {
        "name": "base",
        "stock_m3": {"bamako": 8000},
        "events": [{"start_day": 2, "end_day": 4, "blocked_corridors": ["dakar-kita"]}],
        "rationing": [{"class": "all", "factor": 0.35}],
    }
    sc = sn.Scenario.from_dict(base)
    lp, inputs = build_timeline_lp(net, sc, days)
    catalogue = network_elements(inputs.network, KINDS)
    catalogue.pop("bamako")
    engine = timeline_engine(lp, map_timeline_elements(inputs, lp, catalogue))
    engine.solve()
    rng = random.Random(100 + seed)
    cases = [[_random_change(rng, catalogue, net, days)] for _ in range(3)]
    # a road at 1% of its capacity: its shared road row (all products) binds
    cases.append([Change("kati_bamako", factor=0.01, periods=(2, 3, 4, 5))])
    # a loss at a border post: on the roads into it (a scenario's loss_rate on a node)
    cases.append([Change("zegoua_pogo", factor=1.0, arrival=0.6, periods=(1, 2, 3))])
    for changes in cases:
        apply_changes(engine, changes)
        got = engine.solve()
        fresh = _fresh(net, base, changes, catalogue, days)
        assert got.objective == pytest.approx(fresh.objective, rel=1e-7), changes
        tables = SolutionTables(inputs, lp.meta["layout"], got.x)
        mine = tables.nodes().loc[("bamako", "all", "all")]
        theirs = fresh.node("bamako").loc[("all", "all")]
        assert mine["shortfall_m3"] == pytest.approx(theirs["shortfall_m3"], abs=1e-4)
        assert mine["days_of_cover"] == theirs["days_of_cover"]
        engine.reset()


def test_lazy_road_rows_go_in_when_a_change_makes_them_bind(tmp_path) -> None:
    """Two products on roads far above their flows: the road rows start out of the model;
    a road cut to a thousandth makes its row bind, and the engine adds it."""
    net = chain_network(
        [("port", "mid", 24.0, "c"), ("mid", "town", 24.0, "c")],
        {"port": {"kind": "port", "supply_m3_day": 100.0}},
        capacity_m3_day=1e6,
    )
    tables = write_tables(
        tmp_path / "tables",
        [("town", "demand", "a", 40.0), ("town", "demand", "b", 40.0)],
        products=("a", "b"),
        mix=[("port", "a", 0.5), ("port", "b", 0.5)],
        settings=EXACT_DAYS,
    )
    days = 6
    lp, inputs = build_timeline_lp(net, None, days, single_product=False, tables=tables)
    catalogue = network_elements(inputs.network, KINDS)
    engine = timeline_engine(lp, map_timeline_elements(inputs, lp, catalogue))
    assert engine.rows_in_model < lp.num_rows  # the road rows wait outside
    engine.solve()
    change = Change("mid_town", factor=5e-5, periods=(2, 3, 4))  # 50 m3/day, 80 wanted
    apply_changes(engine, [change])
    got = engine.solve()
    fresh = _fresh(net, {"name": "b"}, [change], catalogue, days, tables=tables)
    assert engine.rows_added > 0
    assert got.objective == pytest.approx(fresh.objective, rel=1e-9)
    x = got.x
    activity = lp.A @ x  # every row of the full LP holds
    assert np.all(activity <= lp.row_upper + 1e-6 * np.maximum(1, np.abs(lp.row_upper)))
    engine.reset()
    assert engine.solve().objective == pytest.approx(
        sn.simulate_supply(net, None, days, tables=tables).objective, rel=1e-9
    )


def test_simulate_supply_equals_a_cold_solve_of_the_whole_lp(net) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/escorted_convoys.toml")
    tl = sn.simulate_supply(net, sc, 12)
    lp, inputs = build_timeline_lp(net, sc, 12)
    cold = solve_timeline_lp(lp, two_pass=False)  # one HiGHS run, not the engine
    assert tl.ok and cold.status is Status.OPTIMAL
    assert tl.objective == pytest.approx(cold.objective, rel=1e-8)
    reference = SolutionTables(inputs, lp.meta["layout"], cold.x)
    ours = tl.nodes.xs("all", level="demand_class")
    theirs = reference.nodes().xs("all", level="demand_class")
    assert ours["shortfall_m3"].sum() == pytest.approx(theirs["shortfall_m3"].sum(), rel=1e-6)
    assert abs(float(tl.balance.loc["all", "residual_m3"])) < 1e-3
    assert tl.size == {"columns": lp.num_cols, "rows": lp.num_rows, "nonzeros": int(lp.A.nnz)}


def _spy_on_solves(monkeypatch) -> list[dict[str, Any]]:
    """The options of every ``solve_timeline_lp`` call ``simulate_supply`` makes."""
    from supplynet.analysis import simulate as simulate_module

    seen: list[dict[str, Any]] = []
    real = simulate_module.solve_timeline_lp

    def spy(lp, solver=None, **kw):
        seen.append(kw)
        return real(lp, solver, **kw)

    monkeypatch.setattr(simulate_module, "solve_timeline_lp", spy)
    return seen


@pytest.mark.parametrize(
    ("scenario", "two_pass"),
    [(None, False), ("baseline", False), ("blockade_2025", True), ("humanitarian_priority", True)],
)
def test_simulate_supply_solves_an_unchanged_network_cold(
    net, monkeypatch, scenario: str | None, two_pass: bool
) -> None:
    seen = _spy_on_solves(monkeypatch)
    path = None if scenario is None else f"examples/scenarios/{scenario}.toml"
    tl = sn.simulate_supply(net, path, 6)
    assert tl.ok and [kw["two_pass"] for kw in seen] == [two_pass]
    lp, _ = build_timeline_lp(net, path, 6)  # either way: the optimum of the whole LP
    other = solve_timeline_lp(lp, two_pass=not two_pass)
    assert tl.objective == pytest.approx(other.objective, rel=1e-8)


def test_assumptions_are_not_changes_of_the_days() -> None:
    """An assumption (slower trucks, another penalty) holds every day but cuts nothing:
    it does not make a scenario look changed on every day, so a six-week cut over 180
    days keeps its choice (measured: the first pass there took 23.6 s against 7.4 s)."""
    from supplynet.analysis.timeline_solve import uses_passes

    six_weeks = sn.Scenario.from_file("examples/scenarios/six_week_cut.toml")
    slower = six_weeks.model_copy(update={"assumptions": {"truck_time_factor": 1.2}})
    assert uses_passes(six_weeks, 180) is uses_passes(slower, 180) is False
    assert uses_passes(six_weeks, 60) is uses_passes(slower, 60) is True
    penalty = sn.Scenario(name="p", assumptions={"unmet_penalty_per_m3": 5e6})
    assert not uses_passes(penalty, 180)
    assert uses_passes(sn.Scenario(name="d", demand_factor=0.9), 180)  # demand stays one


def test_timed_rationing_and_convoys_count_on_their_days() -> None:
    """A rationing rule or a convoy schedule changes the days of its window only, as an
    event does (measured: six_week_cut with the market rationed from day 20 to 60, over
    180 days, 9.7 s with the first pass against 5.9 s without)."""
    from supplynet.analysis.timeline_solve import uses_passes
    from supplynet.scenario.timeline import Convoy, Rationing

    some_days = {"class": "general_market", "factor": 0.5, "start_day": 20, "end_day": 60}
    every_day = {"class": "general_market", "factor": 0.5}
    rationed = sn.Scenario(name="r", rationing=[Rationing.model_validate(some_days)])
    assert not uses_passes(rationed, 180) and uses_passes(rationed, 70)
    assert uses_passes(sn.Scenario(name="r", rationing=[Rationing.model_validate(every_day)]))
    convoy = {"corridor": "dakar-kayes", "every_days": 10, "max_tankers": 100}
    late = Convoy.model_validate({**convoy, "start_day": 150})
    assert not uses_passes(sn.Scenario(name="c", convoys=[late]), 180)
    assert uses_passes(sn.Scenario(name="c", convoys=[Convoy.model_validate(convoy)]), 180)


@pytest.mark.parametrize(("scenario", "days"), [("blockade_2025", 25), ("escorted_convoys", 30)])
def test_parallel_simplex_takes_the_serial_pivots(net, scenario: str, days: int) -> None:
    """HiGHS's parallel dual simplex (SIP) reaches the very same solution, not another
    optimum of the same value: every table is equal."""
    path = f"examples/scenarios/{scenario}.toml"
    serial = sn.simulate_supply(net, path, days, parallel=False)
    parallel = sn.simulate_supply(net, path, days, parallel=True)
    assert serial.ok and parallel.ok
    assert parallel.objective == serial.objective
    for table in ("daily", "nodes", "corridors", "balance"):
        pd.testing.assert_frame_equal(getattr(parallel, table), getattr(serial, table))


def test_parallel_simplex_only_on_large_models(net, monkeypatch) -> None:
    from supplynet.analysis import timeline_solve

    small, _ = build_timeline_lp(net, None, 5)
    assert small.num_cols < timeline_solve.PARALLEL_MIN_COLUMNS
    assert not timeline_solve.uses_parallel(small)
    monkeypatch.setattr(timeline_solve, "PARALLEL_MIN_COLUMNS", small.num_cols)
    monkeypatch.setattr(timeline_solve.os, "cpu_count", lambda: 2)
    assert timeline_solve.uses_parallel(small)
    monkeypatch.setattr(timeline_solve.os, "cpu_count", lambda: 1)
    assert not timeline_solve.uses_parallel(small)  # one core: nothing to share
    seen = _spy_on_solves(monkeypatch)
    monkeypatch.setattr(timeline_solve.os, "cpu_count", lambda: 2)
    sn.simulate_supply(net, None, 5)
    sn.simulate_supply(net, None, 5, parallel=False)
    assert [kw["parallel"] for kw in seen] == [True, False]


def test_changes_nothing_is_only_labels() -> None:
    assert sn.Scenario(name="x", description="d", days=9, start_date="2025-10-01").changes_nothing
    assert not sn.Scenario(name="x", blocked_corridors=["dakar-kayes"]).changes_nothing
    assert not sn.Scenario(name="x", allocation="pro-rata").changes_nothing
    assert not sn.Scenario.from_file("examples/scenarios/six_week_cut.toml").changes_nothing


def test_history_free_answers_do_not_depend_on_the_order(net) -> None:
    setup = TimelineSetup(net, sn.Scenario(name="b", stock_m3={"bamako": 9000}), 8)
    first = DaysOfCoverEvaluator.from_network(net, "bamako", timeline=setup)
    second = DaysOfCoverEvaluator.from_network(net, "bamako", timeline=setup)
    a = [Change("abidjan", periods=(2, 3, 4))]
    b = [Change("kati_bamako", factor=0.01, periods=(3, 4, 5, 6))]
    first.evaluate(a)
    # b after a, and b alone: the same figures (NaN where neither has a stockout day)
    assert _same(first.evaluate(b), second.evaluate(b))
    assert _same(first.evaluate(a), second.evaluate(a))


def _same(one: dict[str, float], other: dict[str, float]) -> bool:
    """Equal figures, NaN equal to NaN."""
    return one.keys() == other.keys() and all(
        (np.isnan(v) and np.isnan(other[k])) or v == other[k] for k, v in one.items()
    )


def test_periods_outside_the_horizon_are_one_line_errors(net) -> None:
    lp, inputs = build_timeline_lp(net, None, 5, single_product=True)
    emap = map_timeline_elements(inputs, lp, network_elements(inputs.network, KINDS))
    engine = timeline_engine(lp, emap)
    with pytest.raises(sn.DataError, match=r"day 6 is outside the horizon \(days 1\.\.5\)"):
        engine.cut(["kayes_diema"], periods=[4, 6])
    with pytest.raises(sn.DataError, match="unknown element 'kayes_diem'"):
        engine.cut(["kayes_diem"], periods=[1])
    with pytest.raises(sn.DataError, match=r"arrival factor 1\.5 not in \[0, 1\]"):
        engine.scale_arrivals({"kayes_diema": 1.5}, periods=[2])
    with pytest.raises(sn.SolverError, match="before the first solve"):
        engine.checkpoint()


def test_a_node_closed_by_arrival_day(net) -> None:
    """A node without a throughput row closes to what would *arrive* on its days."""
    lp, inputs = build_timeline_lp(net, None, 8, single_product=True)
    emap = map_timeline_elements(inputs, lp, network_elements(inputs.network, KINDS))
    cols, _ = emap.indices("yamoussoukro", periods=[5], closing=True)
    d = lp.meta["layout"].data
    E = len(d.arc_ids)
    lead = d.arc_lead_days
    for j in cols.tolist():
        t, e = divmod(j - lp.meta["layout"].dispatch.start, E)
        assert d.node_ids[d.arc_head[e]] == "yamoussoukro"
        assert t + int(np.floor(lead[t, e] + 1e-9)) + 1 == 5  # dispatched t, arrives day 5
