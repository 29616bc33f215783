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
only.

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

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import highspy
import numpy as np

from supplynet.errors import DataError, SolverError, closest
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.elements import ElementMap
from supplynet.solvers import Status, _quiet_stdout, highs_model, highs_status

__all__ = ["ElementMap", "Engine", "EngineSolution"]

logger = logging.getLogger(__name__)

_EMPTY = np.zeros(0, dtype=np.int32)


@dataclass
class EngineSolution:
    """One solve of an :class:`Engine`: status, objective, values read on demand.

    ``x`` and ``row_activity`` are read from HiGHS the first time they are asked for, and
    only valid until the engine is solved again (read them before the next change).
    """

    status: Status
    objective: float
    solve_time_s: float
    _engine: Engine = field(repr=False)
    _serial: int = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.status is Status.OPTIMAL

    @cached_property
    def x(self) -> np.ndarray:
        """Column values (NaN unless optimal)."""
        return self._engine._values(self._serial)[0]

    @cached_property
    def row_activity(self) -> np.ndarray:
        """Row values ``A x`` (NaN unless optimal)."""
        return self._engine._values(self._serial)[1]

    def value(self, column: str) -> float:
        """The value of one column, by name."""
        return float(self.x[self._engine.lp.col_index[column]])


class _Bounds:
    """Bounds of one axis (columns or rows): base, factors, caps and overrides."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray) -> None:
        self.base_lo, self.base_up = lower.astype(float), upper.astype(float)
        n = len(lower)
        self.factor = np.ones(n)
        self.cap = np.full(n, np.inf)
        self.lo_override = np.full(n, np.nan)
        self.up_override = np.full(n, np.nan)
        self.pending: list[np.ndarray] = []  # changed since the last push
        self.touched: list[np.ndarray] = []  # changed since the last reset

    def mark(self, idx: np.ndarray) -> None:
        if len(idx):
            self.pending.append(idx)
            self.touched.append(idx)

    def effective(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return self._effective(idx)

    def _effective(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = self.factor[idx]
        lo, up = self.base_lo[idx], self.base_up[idx]
        lo = np.where(np.isfinite(lo), lo * f, lo)
        # finite bounds scale; an open upper bound scaled by 0 closes (a node without limit)
        up = np.where(np.isfinite(up), up * f, np.where(f == 0, 0.0, up))
        lo = np.where(np.isnan(self.lo_override[idx]), lo, self.lo_override[idx])
        up = np.where(np.isnan(self.up_override[idx]), up, self.up_override[idx])
        up = np.minimum(up, self.cap[idx])
        return np.minimum(lo, up), up

    def take_pending(self) -> np.ndarray:
        if not self.pending:
            return _EMPTY
        # HiGHS refuses a bound change that names an index twice: unique indices
        if len(self.pending) == 1 and len(self.pending[0]) == 1:
            idx = self.pending[0].astype(np.int32)
        else:
            idx = np.unique(np.concatenate(self.pending)).astype(np.int32)
        self.pending.clear()
        return idx

    def reset(self) -> None:
        if self.touched:
            idx = np.unique(np.concatenate(self.touched))
            self.factor[idx] = 1.0
            self.cap[idx] = np.inf
            self.lo_override[idx] = np.nan
            self.up_override[idx] = np.nan
            self.pending.append(idx)
            self.touched.clear()


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
        Limit per solve.

    See the module docstring for an example.
    """

    def __init__(
        self,
        lp: LinearProgram,
        elements: ElementMap,
        *,
        threads: int | None = None,
        time_limit_s: float | None = None,
    ) -> None:
        self.lp = lp
        self.elements = elements
        self.h: highspy.Highs = highs_model(lp, threads=threads, time_limit_s=time_limit_s)
        self._cols = _Bounds(lp.col_lower, lp.col_upper)
        self._rows = _Bounds(lp.row_lower, lp.row_upper)
        self._base_cost = lp.c.copy()
        self._cost = self._base_cost
        self._cost_changed = False
        self._sense = lp.sense
        self._coeffs: dict[tuple[int, int], float] = {}
        self._serial = 0
        self._values_cache: tuple[int, np.ndarray, np.ndarray] | None = None
        self._first = True
        #: number of solves so far
        self.solves = 0
        logger.info(
            "Engine for %s: %d columns, %d rows, %d elements",
            lp.name,
            lp.num_cols,
            lp.num_rows,
            len(elements),
        )

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

        The positive coefficients of an element's ``flow_`` columns (the flow arriving at
        the head node, in its balance and throughput rows) are scaled; what leaves the
        tail node is unchanged, so ``1 - factor`` of the fuel sent is lost on the way.
        """
        A = self._csc
        for element, factor in factors.items():
            if not 0 <= factor <= 1:
                raise DataError(f"element {element!r}: arrival factor {factor!r} not in [0, 1]")
            cols, _ = self.elements.indices(element, periods)
            flows = [j for j in cols if self.lp.col_names[j].startswith("flow_")]
            if not flows:
                raise DataError(
                    f"element {element!r} carries no flow column: a loss rate applies to "
                    "roads, arcs and corridors"
                )
            for j in flows:
                start, end = A.indptr[j], A.indptr[j + 1]
                for i, v in zip(A.indices[start:end], A.data[start:end], strict=True):
                    if v > 0:
                        key = (int(i), int(j))
                        self._coeffs[key] = self._coeffs.get(key, float(v)) * factor
                        self.h.changeCoeff(key[0], key[1], self._coeffs[key])

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

    def reset(self, *, basis: bool = False) -> None:
        """Put back the LP as built; ``basis=True`` also forgets HiGHS's basis (cold start).

        Bounds are pushed to HiGHS at the next :meth:`solve`; costs, sense and
        coefficients at once.
        """
        self._cols.reset()
        self._rows.reset()
        if self._cost_changed or self._cost is not self._base_cost:
            self._cost = self._base_cost
            self._push_costs()
        if self._sense != self.lp.sense:
            self.set_sense(self.lp.sense)
        for i, j in self._coeffs:
            self.h.changeCoeff(i, j, float(self._csc[i, j]))
        self._coeffs.clear()
        if basis:
            self.h.clearSolver()

    # ------------------------------------------------------------------ solving
    def solve(self) -> EngineSolution:
        """Push the changes and re-solve (warm); values are read only if asked for."""
        self._flush()
        if self._cost_changed:
            self._push_costs()
        start = time.perf_counter()
        if self._first:  # HiGHS prints its banner on the first run, log or not
            with _quiet_stdout():
                self.h.run()
            self._first = False
        else:
            self.h.run()
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

    def _column(self, name: str) -> int:
        j = self.lp.col_index.get(name)
        if j is None:
            raise DataError(f"unknown column {name!r}; {closest(name, self.lp.col_index)}")
        return j

    def _values(self, serial: int) -> tuple[np.ndarray, np.ndarray]:
        if serial != self._serial:
            raise SolverError("solution values read after the engine was solved again")
        cached = self._values_cache
        if cached is None or cached[0] != serial:
            if highs_status(self.h) is Status.OPTIMAL:
                sol = self.h.getSolution()
                x = np.asarray(sol.col_value, dtype=float)
                rows = np.asarray(sol.row_value, dtype=float)
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
            lo, up = self._cols.effective(cols)
            self.h.changeColsBounds(len(cols), cols, lo, up)
        rows = self._rows.take_pending()
        if len(rows):
            lo, up = self._rows.effective(rows)
            self.h.changeRowsBounds(len(rows), rows, lo, up)  # type: ignore[attr-defined]
