"""Dispatch held back until priced (exact column generation) against the whole multi-day LP.

The engine starts with only the dispatch on near-cheapest routes and brings back what the
duals say pays; every answer must be the whole LP's optimum (same objective, a solution
that holds every row and bound of the whole LP), on seeded random multi-product data with
lead times, losses, limits, stocks and escorts, on the default network's scenarios, and in
a case built so that the cheapest route cannot carry the demand.
"""

from __future__ import annotations

import numpy as np
import pytest

import supplynet as sn
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.analysis.timeline_pricing import price_held_columns, route_columns
from supplynet.analysis.timeline_solve import solve_timeline_lp, timeline_engine
from supplynet.engine import Engine
from supplynet.formulations.elements import ElementMap
from supplynet.formulations.multiperiod import EscortWindow, MultiPeriodData, build_multiperiod
from supplynet.solvers import Status, solve_arrays

NO_ELEMENTS = ElementMap(cols={}, rows={}, kinds={})


def random_data(seed: int, days: int = 7, products: int = 3) -> MultiPeriodData:
    """Seeded random multi-product data: a ring with chords (two-way and one-way arcs),
    closed days, whole and fractional lead times, losses, node limits, depots with stock,
    a queue at a source, two classes, sometimes pro-rata and an escort window."""
    rng = np.random.default_rng(seed)
    V = int(rng.integers(6, 11))
    arcs = {(i, (i + 1) % V) for i in range(V)} | {((i + 1) % V, i) for i in range(V)}
    for _ in range(V):
        u, v = (int(k) for k in rng.choice(V, 2, replace=False))
        arcs.add((u, v))
    tail = np.array([a for a, _ in sorted(arcs)])
    head = np.array([b for _, b in sorted(arcs)])
    E, P, N = len(tail), products, days
    cap = rng.uniform(5, 40, (N, E))
    cap[rng.random((N, E)) < 0.15] = 0.0
    lead = rng.integers(0, 3, (N, E)).astype(float)
    lead[rng.random((N, E)) < 0.2] += 0.5
    survival = np.where(rng.random((N, E)) < 0.2, rng.uniform(0.7, 1.0, (N, E)), 1.0)
    sources = np.array([0, 1])
    supply = rng.uniform(0, 40, (N, len(sources), P))
    supply[:, 1, rng.integers(0, P)] = 0.0  # a source without one product
    limits = np.array([int(rng.integers(2, V))])
    holds = np.array([0, *sorted(rng.choice(np.arange(2, V), 2, replace=False).tolist())])
    is_depot = np.array([False, True, True])
    demand_nodes, demand_classes, demand_products = [], [], []
    for v in range(2, V):
        for p in range(P):
            if rng.random() < 0.4:
                for k in range(2):
                    demand_nodes.append(v)
                    demand_classes.append(k)
                    demand_products.append(p)
    R = len(demand_nodes)
    escorts: tuple[EscortWindow, ...] = ()
    if seed % 3 == 0:
        escorts = (EscortWindow(first=1, last=min(4, N - 1), arcs=np.array([0, 1]), limit_m3=30.0),)
    return MultiPeriodData(
        days=N,
        products=tuple(f"p{p}" for p in range(P)),
        classes=("first", "second"),
        node_ids=tuple(f"n{v}" for v in range(V)),
        arc_ids=tuple(f"a{e}" for e in range(E)),
        arc_tail=tail,
        arc_head=head,
        arc_cost_per_m3=rng.uniform(1, 10, E),
        arc_capacity_m3=cap,
        arc_lead_days=lead,
        arc_survival=survival,
        source_node=sources,
        source_cost_per_m3=rng.uniform(0, 2, len(sources)),
        supply_m3=supply,
        limit_node=limits,
        node_limit_m3=rng.uniform(10, 50, (N, len(limits))),
        hold_node=holds,
        hold_is_depot=is_depot,
        hold_capacity_m3=np.array([60.0, 80.0, 50.0]),
        hold_initial_m3=np.vstack([np.zeros(P), rng.uniform(0, 20, (2, P))]),
        demand_node=np.array(demand_nodes, dtype=int),
        demand_class=np.array(demand_classes, dtype=int),
        demand_product=np.array(demand_products, dtype=int),
        demand_m3=rng.uniform(0, 25, (N, R)),
        class_weight=np.array([3.0, 1.0]),
        penalty_per_m3=1000.0,
        allocation="pro-rata" if seed % 4 == 1 else "priority",
        escorts=escorts,
    )


def _held_engine(lp, slack: float) -> Engine:
    return Engine(
        lp,
        NO_ELEMENTS,
        lazy_cols=route_columns(lp.meta["layout"], slack=slack),
        pricer=price_held_columns,
    )


def _assert_feasible(lp, x: np.ndarray) -> None:
    """Every bound and row of the whole LP holds (capacity, conservation, stocks)."""
    tol = 1e-6
    assert np.all(x >= lp.col_lower - tol) and np.all(x <= lp.col_upper + tol)
    activity = lp.A @ x
    scale = np.maximum(1.0, np.abs(activity))
    assert np.all(activity >= lp.row_lower - tol * scale)
    assert np.all(activity <= lp.row_upper + tol * scale)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("slack", [0.0, 0.05])
def test_held_routes_reach_the_whole_lps_optimum(seed: int, slack: float) -> None:
    lp = build_multiperiod(random_data(seed))
    whole = solve_arrays(lp, "highs")
    engine = _held_engine(lp, slack)
    got = engine.solve()
    assert whole.status is Status.OPTIMAL and got.status is Status.OPTIMAL
    assert got.objective == pytest.approx(whole.objective, rel=1e-8, abs=1e-6)
    _assert_feasible(lp, got.x)
    assert len(engine.held_columns()) > 0  # something stayed out: the test prices for real


def _two_routes(days: int = 5) -> MultiPeriodData:
    """A port, a town and two routes: the cheap one carries 1 m3/day, the other (5x the
    cost) 100. Both products demand 20 m3/day from day 1; each leg takes a day."""
    one = np.ones((days, 4))
    return MultiPeriodData(
        days=days,
        products=("gasoline", "diesel"),
        classes=("all",),
        node_ids=("port", "cheap_mid", "dear_mid", "town"),
        arc_ids=("cheap_in", "cheap_out", "dear_in", "dear_out"),
        arc_tail=np.array([0, 1, 0, 2]),
        arc_head=np.array([1, 3, 2, 3]),
        arc_cost_per_m3=np.array([1.0, 1.0, 5.0, 5.0]),
        arc_capacity_m3=one * np.array([1.0, 100.0, 100.0, 100.0]),
        arc_lead_days=one,
        arc_survival=one,
        source_node=np.array([0]),
        source_cost_per_m3=np.zeros(1),
        supply_m3=100.0 * np.ones((days, 1, 2)),
        limit_node=np.array([], dtype=int),
        node_limit_m3=np.zeros((days, 0)),
        hold_node=np.array([], dtype=int),
        hold_is_depot=np.array([], dtype=bool),
        hold_capacity_m3=np.zeros(0),
        hold_initial_m3=np.zeros((0, 2)),
        demand_node=np.array([3, 3]),
        demand_class=np.array([0, 0]),
        demand_product=np.array([0, 1]),
        demand_m3=20.0 * np.ones((days, 2)),
        class_weight=np.ones(1),
        penalty_per_m3=1000.0,
        early_service_share=0.0,
    )


def test_pricing_brings_back_the_dear_route_the_demand_needs() -> None:
    lp = build_multiperiod(_two_routes())
    layout = lp.meta["layout"]
    held = route_columns(layout)
    dispatch = held[layout.dispatch].reshape(5, 4, 2)
    assert not dispatch[:, :2].any() and dispatch[:, 2:].all()  # the dear route starts out
    engine = _held_engine(lp, 0.05)
    got = engine.solve()
    assert engine.cols_released > 0 and engine.pricing_rounds >= 2
    # by hand: nothing arrives on days 1-2 (two legs of a day), 40 m3/day after: 80 unmet
    unmet = layout.unmet_m3(got.x)
    assert unmet.sum() == pytest.approx(80.0, abs=1e-6)
    assert unmet[2:].sum() == pytest.approx(0.0, abs=1e-6)
    sent = layout.block(got.x, "dispatch")  # (day, arc, product)
    assert sent[:3, 0].sum(axis=1) == pytest.approx(np.ones(3))  # the cheap road is full
    assert sent[:3, 2].sum(axis=1) == pytest.approx(39.0 * np.ones(3))  # the rest goes dear
    assert got.objective == pytest.approx(solve_arrays(lp, "highs").objective, rel=1e-10)


def test_a_held_column_a_change_needs_is_brought_back_and_reset_holds_it_again() -> None:
    lp = build_multiperiod(_two_routes())
    engine = _held_engine(lp, 0.05)
    engine.set_col_bounds("dispatch_cheap_in_gasoline_d1", upper=1.0)
    engine.solve()
    engine.checkpoint()
    held_at_checkpoint = set(engine.held_columns().tolist())
    # forcing a held column to carry fuel takes it out of the held set at once
    engine.set_col_bounds("dispatch_dear_in_diesel_d5", lower=2.0, upper=2.0)
    got = engine.solve()
    assert got.value("dispatch_dear_in_diesel_d5") == pytest.approx(2.0)
    engine.reset(to_checkpoint=True)
    assert set(engine.held_columns().tolist()) == held_at_checkpoint
    again = engine.solve()
    assert again.objective == pytest.approx(solve_arrays(lp, "highs").objective, rel=1e-10)


def test_maximising_brings_every_held_column_back() -> None:
    lp = build_multiperiod(_two_routes())
    engine = _held_engine(lp, 0.05)
    assert len(engine.held_columns())
    engine.set_sense("max")
    assert not len(engine.held_columns())


@pytest.mark.parametrize(
    "scenario",
    [None, "six_week_cut", "blockade_2025", "escorted_convoys", "humanitarian_pro_rata"],
)
def test_default_network_scenarios_match_the_whole_lp(net: sn.Network, scenario) -> None:
    path = None if scenario is None else f"examples/scenarios/{scenario}.toml"
    lp, _ = build_timeline_lp(net, path, 10)
    whole = solve_timeline_lp(lp, two_pass=False, held_routes=False)
    for two_pass in (False, True):
        got = solve_timeline_lp(lp, two_pass=two_pass)
        assert got.status is Status.OPTIMAL
        assert got.objective == pytest.approx(whole.objective, rel=1e-8)
        _assert_feasible(lp, got.x)


def test_timeline_engine_holds_dispatch_off_the_cheap_routes(net: sn.Network) -> None:
    lp, _ = build_timeline_lp(net, None, 4)
    engine = timeline_engine(lp)
    layout = lp.meta["layout"]
    held = engine.held_columns()
    assert len(held) and np.all((held >= layout.dispatch.start) & (held < layout.hold.stop))
    # jet fuel is demanded at Bamako only and Niamey supplies none: no jet leaves Gao
    d = layout.data
    jet = d.products.index("jet")
    e = [i for i in range(len(d.arc_ids)) if d.node_ids[d.arc_tail[i]] == "gao"]
    assert e
    cols = (
        layout.dispatch.start
        + (np.arange(4)[:, None] * len(d.arc_ids) + np.array(e)) * len(d.products)
        + jet
    )
    assert set(cols.ravel().tolist()) <= set(held.tolist())


@pytest.mark.parametrize("seed", range(6))
def test_bringing_back_whole_horizons_keeps_the_optimum(monkeypatch, seed: int) -> None:
    from supplynet.analysis import timeline_pricing

    monkeypatch.setattr(timeline_pricing, "WHOLE_HORIZON_AFTER", 0)  # from the first round
    lp = build_multiperiod(random_data(100 + seed))
    engine = _held_engine(lp, 0.0)
    got = engine.solve()
    whole = solve_arrays(lp, "highs")
    assert got.objective == pytest.approx(whole.objective, rel=1e-8, abs=1e-6)
    _assert_feasible(lp, got.x)
    layout = lp.meta["layout"]
    d = layout.data
    sent = np.zeros(lp.num_cols, dtype=bool)
    sent[
        np.setdiff1d(np.arange(layout.dispatch.start, layout.dispatch.stop), engine.held_columns())
    ] = True
    by_arc = sent[layout.dispatch].reshape(d.days, len(d.arc_ids), len(d.products))
    held_at_start = route_columns(layout, slack=0.0)[layout.dispatch].reshape(by_arc.shape)
    brought = by_arc & held_at_start  # brought back: on every open day of its arc
    open_days = (d.arc_capacity_m3 > 0) & (d.arc_survival > 0)
    for e, p in zip(*np.nonzero(brought.any(axis=0)), strict=True):
        assert (brought[:, e, p] | ~held_at_start[:, e, p] | ~open_days[:, e]).all()


def test_an_analysis_engine_brings_every_column_back_after_its_first_solve(
    net: sn.Network,
) -> None:
    lp, _ = build_timeline_lp(net, "examples/scenarios/six_week_cut.toml", 8)
    engine = timeline_engine(lp, hold_after_first=False)
    assert len(engine.held_columns())
    first = engine.solve()
    assert not len(engine.held_columns())
    whole = solve_timeline_lp(lp, two_pass=False, held_routes=False)
    assert first.objective == pytest.approx(whole.objective, rel=1e-8)
    for day in range(1, 9):  # Dakar loads no diesel: a warm re-solve, no pricing rounds
        engine.set_col_bounds(f"supply_dakar_diesel_d{day}", upper=0.0)
    rounds = engine.pricing_rounds
    cut = engine.solve()
    assert engine.pricing_rounds == rounds and cut.objective >= first.objective
