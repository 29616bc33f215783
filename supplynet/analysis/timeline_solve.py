"""Solving the multi-day LP fast: hold-free first pass, warm second pass, lazy road rows.

The multi-day LP is one LP; this module only chooses how HiGHS gets to its optimum.

1. **Road capacity rows are added when needed.** With several products, each road's
   ``arccap`` row caps their sum; roads rarely bind (their capacities are far above fuel
   flows), so the rows start out of the model and a violated one is added (and the model
   re-solved, warm) until none is violated. Rows of arcs whose capacity is below what one
   day's supply could send (convoy days, closures) are in from the start.
2. **Holding fuel is allowed in a second pass.** Stocks and queues link each day to the
   next; from a cold start the dual simplex spends most of its time settling those links.
   A first pass solves the model without any holding (stocks and queues at zero, no
   initial stock, so days are linked only by travel: a much easier LP, and always
   feasible since unmet demand absorbs any shortage); then the stocks, queues and initial
   stocks are put back and the solver continues from that basis.

The result is the optimum of the full LP (the same objective as one cold solve, tested);
CBC solves the full LP in one go through PuLP.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.multiperiod import MultiPeriodLayout, safe_name
from supplynet.settings import default_solver
from supplynet.solvers import (
    ArraySolution,
    Status,
    _quiet_stdout,
    highs_model,
    highs_status,
    solve_arrays,
)

__all__ = ["solve_timeline_lp"]

logger = logging.getLogger(__name__)

#: rounds of adding violated road rows before giving up (each round is a warm re-solve)
_MAX_ROUNDS = 20
_TOL = 1e-6


def solve_timeline_lp(
    lp: LinearProgram,
    solver: str | None = None,
    *,
    time_limit_s: float | None = None,
    two_pass: bool = True,
) -> ArraySolution:
    """Solve a multi-day LP built by :func:`~supplynet.formulations.multiperiod.build_multiperiod`.

    Parameters
    ----------
    lp : LinearProgram
        The LP, with its :class:`MultiPeriodLayout` in ``meta["layout"]``.
    solver : {"highs", "cbc"}, optional
        HiGHS (default) uses the passes of the module docstring; CBC solves the whole LP.
    time_limit_s : float, optional
        Limit on the solver's time (all passes together).
    two_pass : bool
        ``False`` solves the whole LP cold in one HiGHS run (for comparison).

    Returns
    -------
    ArraySolution
        Values of all of ``lp``'s columns and rows.
    """
    key = (solver or default_solver()).strip().lower()
    if key != "highs" or not two_pass:
        return solve_arrays(lp, key, time_limit_s=time_limit_s)
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    lazy = np.array([n.startswith("arccap_") for n in lp.row_names], dtype=bool)
    lazy &= ~_needed_from_start(lp, layout)
    kept = np.flatnonzero(~lazy)
    model = _rows(lp, kept)
    start = time.perf_counter()
    with _quiet_stdout():  # HiGHS prints its banner when a model is made
        h = highs_model(model, time_limit_s=time_limit_s)
    hold_cols = np.arange(layout.hold.start, layout.hold.stop, dtype=np.int32)
    with _quiet_stdout():
        if len(hold_cols):
            _first_pass(h, lp, model, kept, layout, hold_cols)
        h.run()
        added = 0
        for _ in range(_MAX_ROUNDS):
            if highs_status(h) is not Status.OPTIMAL:
                break
            x = np.asarray(h.getSolution().col_value)
            rows = np.flatnonzero(lazy)
            activity = lp.A[rows] @ x
            violated = rows[
                activity > lp.row_upper[rows] + _TOL * np.maximum(1.0, lp.row_upper[rows])
            ]
            if not len(violated):
                break
            _add_rows(h, lp, violated)
            lazy[violated] = False
            added += len(violated)
            h.run()
    elapsed = time.perf_counter() - start
    status = highs_status(h)
    if status is Status.OPTIMAL:
        x = np.asarray(h.getSolution().col_value, dtype=float)
        objective: float | None = float(h.getInfo().objective_function_value)
        activity = lp.A @ x
    else:
        x, objective = np.full(lp.num_cols, np.nan), None
        activity = np.full(lp.num_rows, np.nan)
    logger.info(
        "Solved %s with HiGHS: %s in %.3f s (%d columns, %d of %d rows, %d road rows added)",
        lp.name,
        status.value,
        elapsed,
        lp.num_cols,
        len(kept) + added,
        lp.num_rows,
        added,
    )
    return ArraySolution(status, "HiGHS", elapsed, objective, x, activity)


def _first_pass(
    h: Any,
    lp: LinearProgram,
    model: LinearProgram,
    kept: np.ndarray,
    layout: MultiPeriodLayout,
    hold_cols: np.ndarray,
) -> None:
    """Solve without holding (no stocks, no queues, no initial stock), then put it back.

    Always feasible (unmet demand absorbs everything); the solver then continues from that
    basis on the full model.
    """
    d = layout.data
    P = len(d.products)
    # day-1 balance rows of the holding nodes carry "- initial stock" on their right side
    names = lp.row_index
    first = names[f"balance_{safe_name(d.node_ids[0])}_{safe_name(d.products[0])}_d1"]
    full_rows = first + (d.hold_node[:, None] * P + np.arange(P)[None, :]).ravel()
    rows = np.searchsorted(kept, full_rows).astype(np.int32)
    initial = d.hold_initial_m3.ravel()
    keep_rows = np.array(
        [i for i, n in enumerate(model.row_names) if n.startswith("keep_")], dtype=np.int32
    )
    zeros = np.zeros(len(hold_cols))
    h.changeColsBounds(len(hold_cols), hold_cols, zeros, zeros)
    h.changeRowsBounds(
        len(rows), rows, model.row_lower[rows] + initial, model.row_upper[rows] + initial
    )
    if len(keep_rows):
        h.changeRowsBounds(
            len(keep_rows), keep_rows, np.zeros(len(keep_rows)), model.row_upper[keep_rows]
        )
    h.run()
    logger.info("Multi-day first pass (no holding): %s", highs_status(h).value)
    h.changeColsBounds(len(hold_cols), hold_cols, lp.col_lower[hold_cols], lp.col_upper[hold_cols])
    h.changeRowsBounds(len(rows), rows, model.row_lower[rows], model.row_upper[rows])
    if len(keep_rows):
        h.changeRowsBounds(
            len(keep_rows), keep_rows, model.row_lower[keep_rows], model.row_upper[keep_rows]
        )


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


def _rows(lp: LinearProgram, rows: np.ndarray) -> LinearProgram:
    return LinearProgram(
        name=lp.name,
        sense=lp.sense,
        c=lp.c,
        A=sp.csr_matrix(lp.A[rows]),
        row_lower=lp.row_lower[rows],
        row_upper=lp.row_upper[rows],
        col_lower=lp.col_lower,
        col_upper=lp.col_upper,
        col_names=lp.col_names,
        row_names=[lp.row_names[i] for i in rows],
        integrality=lp.integrality,
        offset=lp.offset,
    )


def _add_rows(h: object, lp: LinearProgram, rows: np.ndarray) -> None:
    block = sp.csr_matrix(lp.A[rows])
    h.addRows(  # type: ignore[attr-defined]
        len(rows),
        lp.row_lower[rows],
        lp.row_upper[rows],
        block.nnz,
        block.indptr[:-1].astype(np.int32),
        block.indices.astype(np.int32),
        block.data.astype(float),
    )
