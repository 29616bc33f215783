"""The state an :class:`~supplynet.engine.Engine` keeps: bounds with changes, solutions.

:class:`Bounds` holds one axis (columns or rows) of an LP as built, and the factors, caps
and overrides an analysis put on it since the last reset, and says which entries changed
since HiGHS last saw them; :class:`EngineSolution` is one solve, its values read on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from supplynet.formulations.arrays import LinearProgram
from supplynet.solvers import Status

__all__ = ["Bounds", "EngineSolution", "SolvedModel", "row_subset"]

_EMPTY = np.zeros(0, dtype=np.int32)


class SolvedModel(Protocol):
    """What a solution reads its values from (an :class:`~supplynet.engine.Engine`)."""

    @property
    def lp(self) -> LinearProgram: ...

    def _values(self, serial: int) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass
class EngineSolution:
    """One solve of an :class:`Engine`: status, objective, values read on demand.

    ``x`` and ``row_activity`` are read from HiGHS the first time they are asked for, and
    only valid until the engine is solved again (read them before the next change).
    """

    status: Status
    objective: float
    solve_time_s: float
    _engine: SolvedModel = field(repr=False)
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


class Bounds:
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


def row_subset(lp: LinearProgram, rows: np.ndarray) -> LinearProgram:
    """The LP with only ``rows`` (same columns): the model handed to HiGHS at first."""
    return LinearProgram(
        name=lp.name,
        sense=lp.sense,
        c=lp.c,
        A=lp.A.tocsr()[rows],
        row_lower=lp.row_lower[rows],
        row_upper=lp.row_upper[rows],
        col_lower=lp.col_lower,
        col_upper=lp.col_upper,
        col_names=lp.col_names,
        row_names=[lp.row_names[i] for i in rows],
        integrality=lp.integrality,
        offset=lp.offset,
    )
