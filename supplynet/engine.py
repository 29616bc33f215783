"""The re-solve engine: one LP handed once to HiGHS, re-solved warm after changes by element.

Every vulnerability analysis asks the same LP thousands of questions that differ only in a
few bounds: "and with this road cut?", "and with that border post at half capacity?".
Rebuilding the model for each costs milliseconds; changing a bound in an in-process HiGHS
model and re-solving from the previous basis costs a fraction of one. The :class:`Engine`
does the latter, addressed by **element id** rather than LP column:

* an :class:`ElementMap` (supplied by each formulation, see
  :func:`supplynet.formulations.elements.map_network_elements`) says which columns and rows
  an element's capacity sits in: a road is its two ``flow_`` columns, a border post its
  ``nodecap_`` row, a port its ``supply_`` column, a corridor its own roads and posts;
* :meth:`Engine.scale` multiplies the finite bounds of those columns and rows (factors
  compose by multiplication, as in scenarios: 0 cuts), :meth:`Engine.limit` caps their upper
  bounds, :meth:`Engine.scale_arrivals` multiplies the arriving coefficients of an element's
  flow columns (a loss rate), and :meth:`Engine.set_costs`, :meth:`Engine.set_col_bounds`,
  :meth:`Engine.set_row_bounds` and :meth:`Engine.set_sense` change the rest by name;
* :meth:`Engine.solve` pushes only the bounds that changed since the last solve, re-runs
  HiGHS warm and returns an :class:`EngineSolution` (status, objective, and the column and
  row values as arrays, read only when asked for);
* :meth:`Engine.reset` puts back the LP as built (the basis is kept, so the next solve
  still starts warm; ``reset(basis=True)`` also forgets it).

A multi-period (time-expanded) LP plugs in unchanged: its :class:`ElementMap` also gives the
period of each column and row, and every change takes ``periods=`` to act on some days
only (:func:`supplynet.analysis.timeline_solve.timeline_engine` builds one for the
multi-day model). Two options serve large LPs:

* ``lazy_rows``: rows left out of the HiGHS model until a solution violates them (added,
  and the model re-solved warm, until none is); a change's bounds on a row still out of
  the model count when it is checked;
* ``first_pass``: a function run on the engine before its first (cold) solve, to reach a
  good basis cheaply (:meth:`Engine.run_with` solves once with some bounds replaced);
* ``lazy_cols`` with a ``pricer``: columns held at zero in the HiGHS model until the pricer,
  given the solved engine, names some whose reduced cost says they pay (they are put
  back and the model re-solved warm, until it names none): exact column generation
  (:mod:`supplynet.analysis.timeline_pricing` prices the multi-day LP's dispatch).

:meth:`Engine.checkpoint` remembers the current basis (and the rows in the model);
``reset(to_checkpoint=True)`` goes back to it, so that every later solve starts from the
same place whatever was solved before: answers that do not depend on the order of the
questions (the same Monte Carlo numbers on any number of workers).

Examples
--------
>>> import supplynet as sn
>>> from supplynet.formulations import build_max_throughput
>>> from supplynet.formulations.arrays import LinearProgram
>>> from supplynet.formulations.elements import map_network_elements
>>> net = sn.load_network()
>>> lp = LinearProgram.from_pulp(build_max_throughput(net.graph, "bamako").problem)
>>> engine = Engine(lp, map_network_elements(net, lp))
>>> round(engine.solve().objective)
8411
>>> engine.scale({"moussala": 0.0, "abidjan": 0.5})
>>> round(engine.solve().objective)
5989
>>> engine.reset()
>>> round(engine.solve().objective)
8411
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import highspy
import numpy as np

from supplynet.engine_state import Bounds, EngineSolution, row_subset
from supplynet.errors import DataError, SolverError, closest
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.elements import ElementMap
from supplynet.solvers import Status, highs_model, highs_status, quiet_first_highs_run

__all__ = ["ElementMap", "Engine", "EngineSolution"]

logger = logging.getLogger(__name__)

_EMPTY = np.zeros(0, dtype=np.int32)
#: rounds of adding violated lazy rows before giving up (each is a warm re-solve)
LAZY_ROUNDS = 20
#: relative tolerance of a lazy row's bounds
LAZY_TOL = 1e-6
#: rounds of bringing back held columns before bringing back all of them
PRICING_ROUNDS = 25


class Engine:
    """An LP held by an in-process HiGHS model, changed by element id and re-solved warm.

    Parameters
    ----------
    lp : LinearProgram
        The formulation, built once.
    elements : ElementMap
        Element id -> the columns and rows it touches.
    threads : int, optional
        HiGHS threads. HiGHS keeps one thread pool per process, sized by the first model
        that runs: set this only in a fresh (worker) process.
    time_limit_s : float, optional
        Limit per HiGHS run.
    lazy_rows : ndarray of bool, optional
        Rows left out of the HiGHS model until a solution violates them (then added, with
        their current bounds, and the model re-solved warm).
    first_pass : callable, optional
        Run on the engine before a cold solve (the first, and after
        ``reset(basis=True)``), to reach a good basis cheaply (see :meth:`run_with`).
    lazy_cols : ndarray of bool, optional
        Columns held at zero in the HiGHS model until ``pricer`` brings them back.
    pricer : callable, optional
        ``pricer(engine) -> columns``: after an optimal solve, the held columns to bring
        back (their reduced cost is below zero); none means the optimum is the whole
        LP's. Required with ``lazy_cols``.
    hold_after_first : bool
        ``False``: every held column comes back once the first solve is optimal (the
        held columns speed up that cold solve; warm re-solves after changes, thousands of
        them in an analysis, then need no pricing rounds).

    See the module docstring for an example.
    """

    def __init__(
        self,
        lp: LinearProgram,
        elements: ElementMap,
        *,
        threads: int | None = None,
        time_limit_s: float | None = None,
        lazy_rows: np.ndarray | None = None,
        first_pass: Callable[[Engine], None] | None = None,
        lazy_cols: np.ndarray | None = None,
        pricer: Callable[[Engine], np.ndarray] | None = None,
        hold_after_first: bool = True,
    ) -> None:
        self.lp = lp
        self.elements = elements
        m = lp.num_rows
        lazy = np.zeros(m, dtype=bool) if lazy_rows is None else np.asarray(lazy_rows, bool)
        if lazy.shape != (m,):
            raise DataError(f"lazy_rows has {lazy.shape}, expected ({m},)")
        kept = np.flatnonzero(~lazy)
        #: LP row -> HiGHS row (-1: a lazy row not in the model yet)
        self._hrow = np.full(m, -1, dtype=np.int64)
        self._hrow[kept] = np.arange(len(kept))
        self._lazy = lazy.copy()
        self._n_hrows = len(kept)
        held = (
            np.zeros(lp.num_cols, dtype=bool) if lazy_cols is None else np.asarray(lazy_cols, bool)
        )
        if held.shape != (lp.num_cols,):
            raise DataError(f"lazy_cols has {held.shape}, expected ({lp.num_cols},)")
        if held.any() and pricer is None:
            raise DataError("lazy_cols needs a pricer to bring the columns back")
        held &= ~(lp.col_lower > 0)  # a column that must carry something is in from the start
        #: columns held at zero in the HiGHS model (until the pricer brings them back)
        self._held = held
        self._pricer = pricer
        self._hold_after_first = hold_after_first
        model = lp if not lazy.any() else row_subset(lp, kept)
        if held.any():
            upper = np.where(held, 0.0, model.col_upper)
            model = dataclasses.replace(model, col_upper=upper)
        self.h: highspy.Highs = highs_model(model, threads=threads, time_limit_s=time_limit_s)
        self._cols = Bounds(lp.col_lower, lp.col_upper)
        self._rows = Bounds(lp.row_lower, lp.row_upper)
        self._base_cost = lp.c.copy()
        self._cost = self._base_cost
        self._cost_changed = False
        self._sense = lp.sense
        #: (LP row, column) -> (coefficient as built, coefficient now)
        self._coeffs: dict[tuple[int, int], tuple[float, float]] = {}
        self._serial = 0
        self._values_cache: tuple[int, np.ndarray, np.ndarray] | None = None
        self._cold = True
        self._first_pass = first_pass
        self._checkpoint: tuple[Any, int, np.ndarray, np.ndarray, np.ndarray] | None = None
        #: number of solves so far
        self.solves = 0
        #: lazy rows added to the model so far
        self.rows_added = 0
        #: held columns brought back so far, and the pricing rounds that did it
        self.cols_released = 0
        self.pricing_rounds = 0
        logger.info(
            "Engine for %s: %d columns (%d held at zero until priced), %d rows (%d left out "
            "until violated), %d elements",
            lp.name,
            lp.num_cols,
            int(held.sum()),
            lp.num_rows,
            int(lazy.sum()),
            len(elements),
        )

    @property
    def rows_in_model(self) -> int:
        """Rows HiGHS holds now (all rows but the lazy ones not added yet)."""
        return self._n_hrows

    def held_columns(self) -> np.ndarray:
        """Columns held at zero now (LP positions), waiting for the pricer."""
        return np.flatnonzero(self._held)

    def current_costs(self) -> np.ndarray:
        """The objective coefficients with every change so far."""
        return self._cost

    def current_matrix(self) -> Any:
        """The constraint matrix (scipy CSC, LP rows) with every coefficient change so far."""
        if not self._coeffs:
            return self._csc
        A = self._csc.tolil(copy=True)
        for (i, j), (_, now) in self._coeffs.items():
            A[i, j] = now
        return A.tocsc()

    def row_duals(self) -> np.ndarray:
        """Duals of every LP row at the last optimum (0 for rows not in the model).

        HiGHS's convention: the reduced costs are ``c - A.T @ y``.
        """
        y = np.zeros(self.lp.num_rows)
        duals = np.asarray(self.h.getSolution().row_dual, dtype=float)
        present = self._hrow >= 0
        y[present] = duals[self._hrow[present]]
        return y

    # ------------------------------------------------------------------ changes
    def scale(self, factors: Mapping[str, float], *, periods: Iterable[int] | None = None) -> None:
        """Multiply the capacities (finite bounds) of elements by factors; 0 cuts.

        Factors compose by multiplication with earlier changes, until :meth:`reset`.
        """
        for element, factor in factors.items():
            if not factor >= 0:
                raise DataError(f"element {element!r}: factor {factor!r} must be >= 0")
            cols, rows = self.elements.indices(element, periods, closing=factor == 0)
            self._cols.factor[cols] *= factor
            self._cols.mark(cols)
            self._rows.factor[rows] *= factor
            self._rows.mark(rows)

    def cut(self, elements: Iterable[str], *, periods: Iterable[int] | None = None) -> None:
        """Cut elements (factor 0): an attack closes the road, post or corridor."""
        self.scale(dict.fromkeys(elements, 0.0), periods=periods)

    def limit(
        self, limits_m3_day: Mapping[str, float], *, periods: Iterable[int] | None = None
    ) -> None:
        """Cap the upper bounds of elements' columns and rows (the lowest cap wins)."""
        for element, cap in limits_m3_day.items():
            if not cap >= 0:
                raise DataError(f"element {element!r}: limit {cap!r} must be >= 0")
            cols, rows = self.elements.indices(element, periods)
            if not len(rows) and element in self.elements.closure_cols:
                raise DataError(
                    f"element {element!r} has no throughput limit to cap in {self.lp.name}"
                )
            if not len(cols) and not len(rows):
                raise DataError(f"element {element!r} has no capacity to limit in {self.lp.name}")
            self._cols.cap[cols] = np.minimum(self._cols.cap[cols], cap)
            self._cols.mark(cols)
            self._rows.cap[rows] = np.minimum(self._rows.cap[rows], cap)
            self._rows.mark(rows)

    def scale_arrivals(
        self, factors: Mapping[str, float], *, periods: Iterable[int] | None = None
    ) -> None:
        """Multiply what arrives through elements' flow columns: ``1 - loss rate``.

        The positive coefficients of an element's arrival columns
        (:meth:`ElementMap.arrivals`: the flow arriving at the head node, in its balance
        and throughput rows) are scaled; what leaves the tail node is unchanged, so
        ``1 - factor`` of the fuel sent is lost on the way.
        """
        A = self._csc
        arrival_rows = self.elements.arrival_rows
        for element, factor in factors.items():
            if not 0 <= factor <= 1:
                raise DataError(f"element {element!r}: arrival factor {factor!r} not in [0, 1]")
            cols = self.elements.arrivals(element, periods)
            if not len(self.elements.arrival_cols.get(element, _EMPTY)):
                raise DataError(
                    f"element {element!r} carries no flow column: a loss rate applies to "
                    "roads, arcs and corridors"
                )
            if not len(cols):
                continue
            starts, ends = A.indptr[cols], A.indptr[cols + 1]
            counts = ends - starts
            offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            pos = np.repeat(starts, counts) + offsets
            rows, vals = A.indices[pos], A.data[pos]
            owner = np.repeat(cols, counts)
            keep = vals > 0
            if arrival_rows is not None:
                keep &= arrival_rows[rows]
            rows, vals, owner = rows[keep], vals[keep], owner[keep]
            absent = np.unique(rows[self._lazy[rows]])
            if len(absent):  # a coefficient is changed in the model: its row must be there
                self._add_rows(absent)
            hrows = self._hrow[rows]
            for i, j, v, hi in zip(
                rows.tolist(), owner.tolist(), vals.tolist(), hrows.tolist(), strict=True
            ):
                base, now = self._coeffs.get((i, j), (v, v))
                self._coeffs[(i, j)] = (base, now * factor)
                self.h.changeCoeff(hi, j, now * factor)

    def set_costs(self, costs: Mapping[str, float] | np.ndarray) -> None:
        """Replace objective coefficients: a full vector, or ``{column name: cost}``."""
        if isinstance(costs, np.ndarray):
            if costs.shape != self._cost.shape:
                raise DataError(f"cost vector has {costs.shape}, expected {self._cost.shape}")
            self._cost = costs.astype(float).copy()
        else:
            self._cost = self._cost.copy()
            for name, value in costs.items():
                self._cost[self._column(name)] = float(value)
        self._cost_changed = True

    def set_sense(self, sense: str) -> None:
        """``"min"`` or ``"max"``."""
        if sense not in ("min", "max"):
            raise DataError(f"sense {sense!r}; allowed: min, max")
        self._sense = sense  # type: ignore[assignment]
        if sense != self.lp.sense and self._held.any():
            self._release(self.held_columns())  # the pricer prices the LP as built
        self.h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
        )

    def set_col_bounds(
        self, column: str, lower: float | None = None, upper: float | None = None
    ) -> None:
        """Override one column's bounds by name until :meth:`reset` (``None``: as built)."""
        j = np.array([self._column(column)])
        self._cols.lo_override[j] = np.nan if lower is None else lower
        self._cols.up_override[j] = np.nan if upper is None else upper
        self._cols.mark(j)

    def set_row_bounds(
        self, row: str, lower: float | None = None, upper: float | None = None
    ) -> None:
        """Override one row's bounds by name until :meth:`reset` (a budget, a floor)."""
        i = self.lp.row_index.get(row)
        if i is None:
            raise DataError(f"unknown row {row!r}; {closest(row, self.lp.row_index)}")
        idx = np.array([i])
        self._rows.lo_override[idx] = np.nan if lower is None else lower
        self._rows.up_override[idx] = np.nan if upper is None else upper
        self._rows.mark(idx)

    def reset(self, *, basis: bool = False, to_checkpoint: bool = False) -> None:
        """Put back the LP as built.

        ``basis=True`` also forgets HiGHS's basis (the next solve is cold, with the first
        pass if the engine has one); ``to_checkpoint=True`` goes back to the basis and the
        model rows of :meth:`checkpoint` (if one was taken). Bounds are pushed to HiGHS at
        the next :meth:`solve`; costs, sense and coefficients at once.
        """
        self._cols.reset()
        self._rows.reset()
        if self._cost_changed or self._cost is not self._base_cost:
            self._cost = self._base_cost
            self._push_costs()
        if self._sense != self.lp.sense:
            self.set_sense(self.lp.sense)
        for (i, j), (base, _) in self._coeffs.items():
            self.h.changeCoeff(int(self._hrow[i]), j, base)
        self._coeffs.clear()
        if to_checkpoint and self._checkpoint is not None:
            saved_basis, n_rows, lazy, hrow, held = self._checkpoint
            again = np.flatnonzero(held & ~self._held).astype(np.int32)
            if len(again):  # brought back since: held again, as at the checkpoint
                self._held[again] = True
                zeros = np.zeros(len(again))
                self.h.changeColsBounds(len(again), again, zeros, zeros)
            if self._n_hrows > n_rows:
                extra = np.arange(n_rows, self._n_hrows, dtype=np.int32)
                self.h.deleteRows(len(extra), extra)
                self._n_hrows = n_rows
                self._lazy[:] = lazy
                self._hrow[:] = hrow
            self.h.setBasis(saved_basis)
            self._serial += 1  # the last solution's values are gone
        elif basis:
            self.h.clearSolver()
            self._cold = True
            self._serial += 1

    def checkpoint(self) -> None:
        """Remember the current basis and model rows for ``reset(to_checkpoint=True)``.

        Raises
        ------
        SolverError
            Before the first solve (there is no basis to remember).
        """
        if self._cold:
            raise SolverError("checkpoint before the first solve: there is no basis yet")
        self._checkpoint = (
            self.h.getBasis(),
            self._n_hrows,
            self._lazy.copy(),
            self._hrow.copy(),
            self._held.copy(),
        )

    def effective_col_bounds(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of columns ``idx`` with every change so far (as the next solve sees them)."""
        return self._cols.effective(np.asarray(idx, dtype=np.int64))

    def effective_row_bounds(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of rows ``idx`` (LP positions) with every change so far."""
        return self._rows.effective(np.asarray(idx, dtype=np.int64))

    def run_with(
        self,
        *,
        cols: np.ndarray = _EMPTY,
        col_bounds: tuple[np.ndarray, np.ndarray] | None = None,
        rows: np.ndarray = _EMPTY,
        row_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> Status:
        """Run HiGHS once with these bounds in place of the current ones, then put the
        current ones back; the basis it ends with is where the next :meth:`solve` starts.

        For a first pass on an easier LP (see ``first_pass``); ``rows`` are LP positions,
        and rows not in the model yet are left out.
        """
        self._flush()
        cols = np.asarray(cols, dtype=np.int32)
        rows = np.asarray(rows, dtype=np.int64)
        present = self._hrow[rows] >= 0
        hrows = self._hrow[rows][present].astype(np.int32)
        if len(cols):
            assert col_bounds is not None
            lo, up = col_bounds
            self.h.changeColsBounds(len(cols), cols, np.asarray(lo, float), np.asarray(up, float))
        if len(hrows):
            assert row_bounds is not None
            lo, up = (np.asarray(b, dtype=float)[present] for b in row_bounds)
            self.h.changeRowsBounds(len(hrows), hrows, lo, up)  # type: ignore[attr-defined]
        self.h.run()
        status = highs_status(self.h)
        if len(cols):
            lo, up = self._model_col_bounds(cols)
            self.h.changeColsBounds(len(cols), cols, lo, up)
        if len(hrows):
            lo, up = self._rows.effective(rows[present])
            self.h.changeRowsBounds(len(hrows), hrows, lo, up)  # type: ignore[attr-defined]
        return status

    # ------------------------------------------------------------------ solving
    def solve(self) -> EngineSolution:
        """Push the changes and re-solve (warm); values are read only if asked for.

        A cold solve runs the engine's first pass before; lazy rows a solution violates
        are added and the model re-solved until none is.
        """
        self._flush()
        if self._cost_changed:
            self._push_costs()
        start = time.perf_counter()
        # HiGHS prints its banner on the process's first run, log or not
        with quiet_first_highs_run():
            if self._cold and self._first_pass is not None:
                self._first_pass(self)
            self.h.run()
            self._add_violated_rows()
            self._bring_back_priced_cols()
            if (
                not self._hold_after_first
                and self._held.any()
                and highs_status(self.h) is Status.OPTIMAL
            ):
                self._release(self.held_columns())  # optimal already: a warm check
                self.h.run()
                self._add_violated_rows()
        self._cold = False
        elapsed = time.perf_counter() - start
        self.solves += 1
        self._serial += 1
        status = highs_status(self.h)
        objective = (
            float(self.h.getInfo().objective_function_value)
            if status is Status.OPTIMAL
            else float("nan")
        )
        return EngineSolution(status, objective, elapsed, self, self._serial)

    def solve_with(
        self,
        factors: Mapping[str, float],
        *,
        periods: Iterable[int] | None = None,
    ) -> EngineSolution:
        """Scale, solve and reset in one call (the loop body of the analyses).

        The solution's values stay readable until the next solve.
        """
        self.scale(factors, periods=periods)
        solution = self.solve()
        self.reset()
        return solution

    def solve_many(self, cases: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Objective of each case (``{element: factor}``), resetting in between."""
        return np.array([self.solve_with(case).objective for case in cases])

    # ------------------------------------------------------------------ internals
    @cached_property
    def _csc(self) -> Any:
        return self.lp.A.tocsc()  # a scipy matrix: only loss rates need it

    @cached_property
    def _csr(self) -> Any:
        return self.lp.A.tocsr()  # scipy: lazy rows and row activity

    def _column(self, name: str) -> int:
        j = self.lp.col_index.get(name)
        if j is None:
            raise DataError(f"unknown column {name!r}; {closest(name, self.lp.col_index)}")
        return j

    def _bring_back_priced_cols(self) -> None:
        """Bring back the held columns the pricer names and re-solve, until it names none.

        A model that is not optimal with columns held (infeasible without them, or out of
        rounds) gets every held column back and is solved whole.
        """
        if self._pricer is None:
            return
        for _ in range(PRICING_ROUNDS):
            if not self._held.any():
                return
            if highs_status(self.h) is not Status.OPTIMAL:
                break
            cols = np.asarray(self._pricer(self), dtype=np.int64)
            self.pricing_rounds += 1
            if not len(cols):
                return
            self._release(cols)
            self.h.run()
            logger.debug(
                "%s: pricing round %d brought back %d columns",
                self.lp.name,
                self.pricing_rounds,
                len(cols),
            )
            self._add_violated_rows()
        if self._held.any() and highs_status(self.h) is not Status.NOT_SOLVED:  # not a time limit
            logger.info("%s: every held column brought back", self.lp.name)
            self._release(self.held_columns())
            self.h.run()
            self._add_violated_rows()

    def _release(self, cols: np.ndarray) -> None:
        """Give held columns their bounds back in the HiGHS model."""
        cols = np.asarray(cols, dtype=np.int64)
        cols = cols[self._held[cols]]
        if not len(cols):
            return
        self._held[cols] = False
        idx = cols.astype(np.int32)
        lo, up = self._cols.effective(idx)
        self.h.changeColsBounds(len(idx), idx, lo, up)
        self.cols_released += len(cols)

    def _model_col_bounds(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of columns as HiGHS holds them: the effective ones, held ones at zero."""
        lo, up = self._cols.effective(cols)
        if self._held.any():
            held = self._held[cols]
            must = held & (lo > 0)  # a change made it carry something: no longer held
            if must.any():
                self._held[cols[must]] = False
                held &= ~must
            lo, up = np.where(held, 0.0, lo), np.where(held, 0.0, up)
        return lo, up

    def _add_violated_rows(self) -> None:
        """Add the lazy rows the current solution violates and re-solve, until none is."""
        for _ in range(LAZY_ROUNDS):
            if not self._lazy.any() or highs_status(self.h) is not Status.OPTIMAL:
                return
            x = np.asarray(self.h.getSolution().col_value, dtype=float)
            rows = np.flatnonzero(self._lazy)
            activity = self._csr[rows] @ x
            lo, up = self._rows.effective(rows)
            with np.errstate(invalid="ignore"):
                over = activity > up + LAZY_TOL * np.maximum(1.0, np.abs(up))
                under = activity < lo - LAZY_TOL * np.maximum(1.0, np.abs(lo))
            violated = rows[over | under]
            if not len(violated):
                return
            self._add_rows(violated)
            self.h.run()
        logger.warning("%s: lazy rows still violated after %d rounds", self.lp.name, LAZY_ROUNDS)

    def _add_rows(self, rows: np.ndarray) -> None:
        """Put lazy rows (LP positions) into the HiGHS model, with their current bounds."""
        rows = np.asarray(rows, dtype=np.int64)
        block = self._csr[rows]
        lo, up = self._rows.effective(rows)
        self.h.addRows(
            len(rows),
            lo,
            up,
            block.nnz,
            block.indptr[:-1].astype(np.int32),
            block.indices.astype(np.int32),
            block.data.astype(float),
        )
        self._hrow[rows] = np.arange(self._n_hrows, self._n_hrows + len(rows))
        self._n_hrows += len(rows)
        self._lazy[rows] = False
        self.rows_added += len(rows)

    def _values(self, serial: int) -> tuple[np.ndarray, np.ndarray]:
        if serial != self._serial:
            raise SolverError("solution values read after the engine was solved again or reset")
        cached = self._values_cache
        if cached is None or cached[0] != serial:
            if highs_status(self.h) is Status.OPTIMAL:
                sol = self.h.getSolution()
                x = np.asarray(sol.col_value, dtype=float)
                if self._n_hrows == self.lp.num_rows and not self._lazy.any():
                    rows = np.asarray(sol.row_value, dtype=float)
                    if not np.array_equal(self._hrow, np.arange(self.lp.num_rows)):
                        rows = rows[self._hrow]
                else:  # some rows are not in the model: every row's activity, from x
                    rows = np.asarray(self._csr @ x, dtype=float)
            else:
                x = np.full(self.lp.num_cols, np.nan)
                rows = np.full(self.lp.num_rows, np.nan)
            cached = (serial, x, rows)
            self._values_cache = cached
        return cached[1], cached[2]

    def _push_costs(self) -> None:
        idx = np.arange(self.lp.num_cols, dtype=np.int32)
        self.h.changeColsCost(len(idx), idx, self._cost)
        self._cost_changed = False

    def _flush(self) -> None:
        cols = self._cols.take_pending()
        if len(cols):
            lo, up = self._model_col_bounds(cols)
            self.h.changeColsBounds(len(cols), cols, lo, up)
        rows = self._rows.take_pending()
        if len(rows):
            hrows = self._hrow[rows]
            present = hrows >= 0  # a lazy row's bounds count when it is checked or added
            if present.any():
                lo, up = self._rows.effective(rows[present])
                idx = hrows[present].astype(np.int32)
                self.h.changeRowsBounds(len(idx), idx, lo, up)  # type: ignore[attr-defined]
