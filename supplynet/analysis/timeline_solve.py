"""Solving the multi-day LP fast: held routes, lazy road rows, a hold-free first pass.

The multi-day LP is one LP; this module only chooses how HiGHS gets to its optimum.

0. **Dispatch off the near-cheapest routes is held back until it pays**
   (:mod:`~supplynet.analysis.timeline_pricing`): each product starts with the dispatch
   columns of its cheapest routes, and the duals bring back any other column whose
   reduced cost is below zero, until none is (exact column generation). Measured on
   2026-12-02, 180 days, all products: the unchanged network 6.0-6.4 s against 27 s for
   the whole LP, the six-week cut 5.9-6.5 s against 25-33 s.
1. **Road capacity rows are added when needed.** With several products, each road's
   ``arccap`` row caps their sum; roads rarely bind (their capacities are far above fuel
   flows), so the rows start out of the model and a violated one is added (and the model
   re-solved, warm) until none is violated. Rows of arcs whose capacity is below what one
   day's supply could send (convoy days, closures) are in from the start.
2. **Holding fuel is allowed in a second pass.** Stocks and queues link each day to the
   next; from a cold start the dual simplex spends much of its time settling those links.
   A first pass solves the model without any holding (stocks and queues at zero, no
   initial stock, so days are linked only by travel: a much easier LP, and always
   feasible since unmet demand absorbs any shortage); then the stocks, queues and initial
   stocks are put back and the solver continues from that basis.
3. **Pricing** (:data:`DUAL_EDGE_WEIGHTS`): HiGHS's own choice; neither Devex nor
   steepest edge is faster on every scenario.
4. **The first pass only where the scenario changes most days**
   (:data:`PASSES_MIN_CHANGED_SHARE`, :func:`uses_passes`): it pays when the network is
   cut or limited on most days, and costs time when it stays as built on most days.
5. **HiGHS's parallel dual simplex on large models** (:data:`PARALLEL_MIN_COLUMNS`,
   :func:`uses_parallel`): its "SIP" variant (``simplex_strategy = 2``, ``parallel =
   "on"``) takes the same pivots as the serial dual simplex, so the same iterations and
   the same solution (tested), and shares each iteration's pricing among the cores.
   Only for a solve that runs alone: solves already running side by side in threads (a
   report's scenarios) keep to one core each.

All of it runs on the re-solve :class:`~supplynet.engine.Engine` (:func:`timeline_engine`):
the held columns are its lazy columns, the road rows its lazy rows and the hold-free pass
its first pass, so an analysis that changes capacities by element and day (criticality,
Monte Carlo) re-solves the same model warm, and :func:`simulate_supply` is one solve of
such an engine. The result is the optimum of the full LP (the same objective as one cold
solve of the whole LP, tested); CBC solves the full LP in one go through PuLP.
"""

from __future__ import annotations

import logging
import os
import time

import numpy as np

from supplynet.analysis.timeline_pricing import price_held_columns, route_columns
from supplynet.engine import Engine
from supplynet.errors import ScenarioError
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.elements import ElementMap
from supplynet.formulations.multiperiod import MultiPeriodLayout, balance_start, safe_name
from supplynet.scenario import Scenario
from supplynet.settings import default_solver
from supplynet.solvers import ArraySolution, Status, solve_arrays

__all__ = [
    "DUAL_EDGE_WEIGHTS",
    "PARALLEL_MIN_COLUMNS",
    "PASSES_MIN_CHANGED_SHARE",
    "solve_timeline_lp",
    "timeline_engine",
    "uses_parallel",
    "uses_passes",
]

#: HiGHS's dual simplex pricing for the multi-day LP: -1, HiGHS's own choice (steepest
#: edge, switching to Devex when that looks cheaper). Devex alone (1) was measured too:
#: 2.2x faster on the 180-day six-week cut (20.8 s against 45.1 s) but 2.4x slower on the
#: 181-day crisis scenario (29.5 s against 12.1 s) and 1.9x slower on the 180-day
#: blockade (11.6 s against 6.2 s), so the default stays
DUAL_EDGE_WEIGHTS = -1

#: :func:`~supplynet.analysis.simulate.simulate_supply` uses the hold-free first pass only
#: for a scenario whose changes hold on at least this share of the horizon (its untimed
#: keys count as every day, its ``events`` on their days; stocks, weights, assumptions
#: and labels are not changes of the days: ``_NOT_DAILY``). Measured on 2026-12-02, 180
#: days, all products, with the held routes, first pass against none: blockade_2025 2.9 s
#: against 10.4 s, sanctions_2022 2.6 against 6.4 s, kayes_region_closed 1.6 against 5.1 s,
#: humanitarian_priority 4.9 against 12.6 s, escorted_convoys 1.7 against 2.9 s; the
#: other way round where the network stays as built on most days: the unchanged network
#: 47 s against 7.1 s, six_week_cut (42 of 180 days cut) 25 s against 7.7 s. Between
#: shares of 0.3 and 0.5 the share does not tell the two apart (2026-12-03, best of two,
#: first pass against none): six_week_cut at 90 days (share 0.47) 2.5 against 1.6 s and
#: at 120 days (0.35) 7.5 against 2.8 s, so none is right; humanitarian_priority (diesel
#: at 30% for 56 days) at 120 days (0.47) 2.3 against 4.6 s and at 180 days (0.31) 3.8
#: against 13.1 s, so the pass would be right: a rule on the kind of change (closures
#: against scarce supply) would need more cases than these two to be trusted
PASSES_MIN_CHANGED_SHARE = 0.5

#: :func:`uses_parallel`: HiGHS's parallel dual simplex (step 5) for a multi-day LP of at
#: least this many columns (all products: about 86 days), on two cores or more. Measured
#: on 2026-12-03 (2 cores), best of two, serial against parallel: 90 days (73,316
#: columns) baseline 2.65 against 2.25 s, blockade_2025 1.79 against 1.50 s,
#: six_week_cut 1.55 against 1.38 s; 120 days 4.38/3.30, 2.64/2.35, 2.87/2.74 s;
#: 180 days (:func:`simulate_supply`, two runs each) baseline 8.8-10.6 against 8.0-8.2 s,
#: six_week_cut 8.6-9.3 against 7.6-7.7 s, humanitarian_priority 16.1-17.5 against
#: 14.0-14.1 s. From 20 to 60 days (16,000-49,000 columns) the two are within noise
#: (0.86-1.19x), so smaller models stay serial
PARALLEL_MIN_COLUMNS = 70_000

#: Scenario keys that do not change the network by day (labels, initial state, weights,
#: and the model's assumptions: lead times, costs, the penalty). Measured on 2026-12-04,
#: 180 days, first pass against none: six_week_cut with ``truck_time_factor = 1.2`` 23.6
#: against 7.4 s (with the assumption counted as a change on every day, the pass was
#: chosen); the unchanged network with it 6.7 against 6.7 s, with ``unmet_penalty_per_m3
#: = 5e6`` 10.2 against 8.4 s. ``demand_factor`` stays a change (the unchanged network
#: at 0.9: 2.5 against 5.9 s), and so does ``allocation``: pro-rata on the unchanged
#: network and on six_week_cut the pass costs time (12.8 against 9.7 s, 11.2 against
#: 7.9 s), but humanitarian_pro_rata, the example it would change, gains at 150 and 365
#: days (4.1 against 5.2 s, 35 against 41 s) and loses at 180 (10.3 against 9.3 s)
_NOT_DAILY = {
    "name",
    "description",
    "days",
    "start_date",
    "events",
    "stock_m3",
    "node_weights",
    "assumptions",
}
#: Timed scenario keys, counted as changes on the days of each one's window (a rationing
#: rule, a convoy schedule), as ``events`` are. Measured on 2026-12-04, 180 days, first
#: pass against none: six_week_cut with the general market rationed to half from day 20
#: to 60 9.7 against 5.9 s (counted as every day, the pass was chosen); rationed on
#: every day 4.7 against 4.5 s, and the unchanged network so rationed 2.7 against 4.5 s
_ON_THEIR_DAYS = ("events", "rationing", "convoys")

logger = logging.getLogger(__name__)


def uses_passes(scenario: Scenario, days: int | None = None) -> bool:
    """Whether a scenario's multi-day LP is solved with the hold-free first pass
    (:data:`PASSES_MIN_CHANGED_SHARE`).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    days : int, optional
        The horizon (default the scenario's ``days``, else 30).

    Examples
    --------
    >>> from supplynet.scenario import Scenario
    >>> uses_passes(Scenario(name="baseline")), uses_passes(Scenario(name="x", demand_factor=0.9))
    (False, True)
    >>> cut = {"start_day": 1, "end_day": 42, "blocked_corridors": ["dakar-kayes"]}
    >>> six_weeks = Scenario(name="cut", events=[cut])
    >>> uses_passes(six_weeks, 60), uses_passes(six_weeks, 180)
    (True, False)
    >>> uses_passes(Scenario(name="slow trucks", assumptions={"truck_time_factor": 1.2}))
    False
    """
    if scenario.changes_nothing:
        return False
    untimed = _NOT_DAILY | set(_ON_THEIR_DAYS)
    plain = Scenario(name=scenario.name).model_dump(exclude=untimed)
    if scenario.model_dump(exclude=untimed) != plain:
        return True  # an untimed change holds every day
    horizon = days or scenario.days or 30
    changed = np.zeros(horizon, dtype=bool)
    start = scenario.start_date
    for key in _ON_THEIR_DAYS:
        for i, operation in enumerate(getattr(scenario, key)):
            try:
                first, last = operation.window(f"{key}.{i}", horizon, start)
            except ScenarioError:
                continue  # the inputs report it; one beyond the horizon changes nothing
            changed[first : last + 1] = True
    return bool(changed.mean() >= PASSES_MIN_CHANGED_SHARE)


def uses_parallel(lp: LinearProgram) -> bool:
    """Whether a multi-day LP that is solved alone uses HiGHS's parallel dual simplex
    (step 5 of the module docstring, :data:`PARALLEL_MIN_COLUMNS`).

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.analysis.simulate import build_timeline_lp
    >>> lp, _ = build_timeline_lp(sn.load_network(), None, 5)
    >>> uses_parallel(lp)
    False
    """
    return lp.num_cols >= PARALLEL_MIN_COLUMNS and (os.cpu_count() or 1) >= 2


def timeline_engine(
    lp: LinearProgram,
    elements: ElementMap | None = None,
    *,
    threads: int | None = None,
    time_limit_s: float | None = None,
    first_pass: bool = True,
    held_routes: bool = True,
    hold_after_first: bool = True,
    parallel: bool = False,
) -> Engine:
    """An :class:`~supplynet.engine.Engine` on a multi-day LP, with the passes above.

    Parameters
    ----------
    lp : LinearProgram
        Built by :func:`~supplynet.formulations.multiperiod.build_multiperiod` (its
        :class:`MultiPeriodLayout` in ``meta["layout"]``).
    elements : ElementMap, optional
        Element id -> columns and rows by day
        (:func:`~supplynet.analysis.timeline_elements.map_timeline_elements`); default
        none (a single solve).
    threads, time_limit_s : optional
        As for :class:`~supplynet.engine.Engine`.
    first_pass : bool
        Solve without holding first (step 2 of the module docstring).
    held_routes : bool
        Hold the dispatch off near-cheapest routes at zero until priced (step 0,
        :mod:`~supplynet.analysis.timeline_pricing`).
    hold_after_first : bool
        ``False`` brings every held column back after the first optimal solve (for an
        analysis that re-solves warm after many changes).
    parallel : bool
        HiGHS's parallel dual simplex (step 5): the same solution, sooner on a large
        model when nothing else is solving.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.analysis.simulate import build_timeline_lp
    >>> lp, _ = build_timeline_lp(sn.load_network(), None, 5, single_product=True)
    >>> engine = timeline_engine(lp)
    >>> engine.solve().status.value
    'optimal'
    """
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    lazy = np.array([n.startswith("arccap_") for n in lp.row_names], dtype=bool)
    lazy &= ~_needed_from_start(lp, layout)
    engine = Engine(
        lp,
        elements if elements is not None else ElementMap(cols={}, rows={}, kinds={}),
        threads=threads,
        time_limit_s=time_limit_s,
        lazy_rows=lazy,
        first_pass=_hold_free_pass if first_pass else None,
        lazy_cols=route_columns(layout) if held_routes else None,
        pricer=price_held_columns if held_routes else None,
        hold_after_first=hold_after_first,
    )
    engine.h.setOptionValue("simplex_dual_edge_weight_strategy", DUAL_EDGE_WEIGHTS)
    if parallel:
        engine.h.setOptionValue("parallel", "on")
        engine.h.setOptionValue("simplex_strategy", 2)  # SIP: the serial pivots, shared work
    return engine


def solve_timeline_lp(
    lp: LinearProgram,
    solver: str | None = None,
    *,
    time_limit_s: float | None = None,
    two_pass: bool = True,
    held_routes: bool = True,
    parallel: bool = False,
) -> ArraySolution:
    """Solve a multi-day LP built by :func:`~supplynet.formulations.multiperiod.build_multiperiod`.

    Parameters
    ----------
    lp : LinearProgram
        The LP, with its :class:`MultiPeriodLayout` in ``meta["layout"]``.
    solver : {"highs", "cbc"}, optional
        HiGHS (default) uses the passes of the module docstring, on a
        :func:`timeline_engine`; CBC solves the whole LP.
    time_limit_s : float, optional
        Limit on the solver's time (per HiGHS run).
    two_pass : bool
        Solve without holding first (step 2).
    held_routes : bool
        Hold back the dispatch off near-cheapest routes until priced (step 0). With
        ``two_pass=False`` too, the whole LP is solved cold in one HiGHS run (for
        comparison).
    parallel : bool
        HiGHS's parallel dual simplex (step 5; :func:`uses_parallel` says when it pays).

    Returns
    -------
    ArraySolution
        Values of all of ``lp``'s columns and rows.
    """
    key = (solver or default_solver()).strip().lower()
    if key != "highs" or not (two_pass or held_routes):
        return solve_arrays(lp, key, time_limit_s=time_limit_s)
    start = time.perf_counter()
    engine = timeline_engine(
        lp,
        time_limit_s=time_limit_s,
        first_pass=two_pass,
        held_routes=held_routes,
        parallel=parallel,
    )
    solution = engine.solve()
    elapsed = time.perf_counter() - start
    status = solution.status
    if status is Status.OPTIMAL:
        x, activity = solution.x, solution.row_activity
        objective: float | None = solution.objective
    else:
        x, objective = np.full(lp.num_cols, np.nan), None
        activity = np.full(lp.num_rows, np.nan)
    logger.info(
        "Solved %s with HiGHS: %s in %.3f s (%d columns, %d brought back in %d pricing "
        "rounds, %d still held; %d of %d rows, %d road rows added)",
        lp.name,
        status.value,
        elapsed,
        lp.num_cols,
        engine.cols_released,
        engine.pricing_rounds,
        len(engine.held_columns()),
        engine.rows_in_model,
        lp.num_rows,
        engine.rows_added,
    )
    return ArraySolution(status, "HiGHS", elapsed, objective, x, activity)


def _hold_free_pass(engine: Engine) -> None:
    """Solve without holding (no stocks, no queues, no initial stock); the engine then
    solves the full model from that basis.

    Always feasible (unmet demand absorbs everything). Bounds are the engine's current
    ones (with any change already made), shifted: hold columns at zero, the day-1 balance
    rows of holding nodes without their initial stock, the keep rows from zero.
    """
    lp = engine.lp
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    hold_cols = np.arange(layout.hold.start, layout.hold.stop, dtype=np.int32)
    if not len(hold_cols):
        return
    d = layout.data
    P = len(d.products)
    # day-1 balance rows of the holding nodes carry "- initial stock" on their right side
    day1 = balance_start(lp) + (d.hold_node[:, None] * P + np.arange(P)[None, :]).ravel()
    initial = d.hold_initial_m3.ravel()
    keep = np.array(
        [i for i, n in enumerate(lp.row_names) if n.startswith("keep_")], dtype=np.int64
    )
    lo, up = engine.effective_row_bounds(day1)
    _, keep_up = engine.effective_row_bounds(keep)
    zeros = np.zeros(len(hold_cols))
    status = engine.run_with(
        cols=hold_cols,
        col_bounds=(zeros, zeros),
        rows=np.concatenate([day1, keep]),
        row_bounds=(
            np.concatenate([lo + initial, np.zeros(len(keep))]),
            np.concatenate([up + initial, keep_up]),
        ),
    )
    logger.info("Multi-day first pass (no holding): %s", status.value)


def _needed_from_start(lp: LinearProgram, layout: MultiPeriodLayout) -> np.ndarray:
    """Road rows that may bind: capacity below one day's supply plus the largest store."""
    d = layout.data
    if not d.supply_m3.size and not d.hold_capacity_m3.size:
        return np.zeros(lp.num_rows, dtype=bool)
    daily = d.supply_m3.sum(axis=(1, 2))
    store = float(d.hold_capacity_m3.max(initial=0.0))
    tight = d.arc_capacity_m3 < (daily[:, None] + store)
    out = np.zeros(lp.num_rows, dtype=bool)
    names = lp.row_index
    E = len(d.arc_ids)
    first = names.get(f"arccap_{safe_name(d.arc_ids[0])}_d1") if E else None
    if first is None:
        return out
    out[first : first + d.days * E] = tight.ravel()
    return out
