"""An LP (or MILP) in array form: the common currency of formulations and solvers.

A :class:`LinearProgram` holds

.. math::

    \\min / \\max \\; c^\\top x + c_0 \\quad \\text{s.t.} \\quad
    r^{lo} \\le A x \\le r^{up}, \\qquad x^{lo} \\le x \\le x^{up}

with ``A`` a ``scipy.sparse`` CSR matrix, every column and row named (``flow_<edge_id>``,
``balance_<node_id>``, with the day where there is one), and optional integrality. It can
be made from a PuLP problem (:meth:`LinearProgram.from_pulp`), built directly from arrays
by a vectorised formulation (large multi-day models), turned back into PuLP for CBC
(:meth:`LinearProgram.to_pulp`), and handed to an in-process HiGHS model once and
re-solved many times (:mod:`supplynet.solvers`).

Examples
--------
>>> import supplynet as sn
>>> from supplynet.formulations import build_max_throughput
>>> lp = LinearProgram.from_pulp(build_max_throughput(sn.load_network().graph, "bamako").problem)
>>> lp.sense, lp.num_cols > 100, "flow_kayes_diema" in lp.col_index
('max', True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pulp

from supplynet.errors import DataError

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["CompressedRows", "LinearProgram", "csc_arrays"]


@dataclass(frozen=True, eq=False)
class CompressedRows:
    """A sparse matrix in CSR arrays, built with numpy alone.

    The small steady-state LPs are converted from PuLP and handed to HiGHS without
    importing scipy (a tenth of a second of start-up); :meth:`tocsr` / :meth:`tocsc` give
    scipy matrices when an analysis needs them. ``A @ x`` multiplies by a vector.

    Examples
    --------
    >>> m = CompressedRows.from_coo([0, 1, 1], [0, 0, 2], [1.0, 2.0, 3.0], (2, 3))
    >>> m @ np.array([1.0, 1.0, 1.0])
    array([1., 5.])
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_coo(cls, rows: Any, cols: Any, vals: Any, shape: tuple[int, int]) -> CompressedRows:
        """From (row, column, value) triples; duplicates are summed."""
        r = np.asarray(rows, dtype=np.int64)
        c = np.asarray(cols, dtype=np.int64)
        v = np.asarray(vals, dtype=float)
        if len(r):
            key = r * max(shape[1], 1) + c
            order = np.argsort(key, kind="stable")
            key, r, c, v = key[order], r[order], c[order], v[order]
            first = np.r_[True, key[1:] != key[:-1]]
            v = np.add.reduceat(v, np.flatnonzero(first))
            r, c = r[first], c[first]
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, r + 1, 1)
        return cls(np.cumsum(indptr), c, v, shape)

    @property
    def nnz(self) -> int:
        return len(self.data)

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        row_of = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        return np.bincount(row_of, weights=self.data * x[self.indices], minlength=self.shape[0])

    def tocsr(self) -> sp.csr_matrix:
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def tocsc(self) -> sp.csc_matrix:
        return self.tocsr().tocsc()


def csc_arrays(A: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise ``(start, index, value)`` arrays of a matrix, for HiGHS.

    ``A`` is a :class:`CompressedRows` (converted with numpy) or a scipy sparse matrix.
    """
    if isinstance(A, CompressedRows):
        n_cols = A.shape[1]
        row_of = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        order = np.argsort(A.indices, kind="stable")
        start = np.zeros(n_cols + 1, dtype=np.int64)
        np.add.at(start, A.indices + 1, 1)
        return np.cumsum(start), row_of[order], A.data[order]
    csc = A.tocsc()
    return csc.indptr, csc.indices, csc.data


Sense = Literal["min", "max"]


@dataclass(frozen=True, eq=False)
class LinearProgram:
    """A linear program in array form, with named columns and rows.

    Attributes
    ----------
    name : str
        A label (``"max_throughput"``).
    sense : {"min", "max"}
        Direction of the objective.
    c : ndarray
        Objective coefficient of each column.
    A : CompressedRows or scipy.sparse matrix
        Constraint matrix, one row per constraint (``A @ x``, ``A.tocsr()``,
        ``A.tocsc()`` work on both).
    row_lower, row_upper : ndarray
        Row bounds (``-inf``/``inf`` where open; equal for an equation).
    col_lower, col_upper : ndarray
        Column bounds.
    col_names, row_names : list of str
        Names, in order; :attr:`col_index` and :attr:`row_index` look them up.
    integrality : ndarray of bool, optional
        True for integer columns (a MILP).
    offset : float
        Constant added to the objective.
    """

    name: str
    sense: Sense
    c: np.ndarray
    A: Any
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    col_names: list[str]
    row_names: list[str]
    integrality: np.ndarray | None = None
    offset: float = 0.0
    meta: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        n, m = len(self.c), len(self.row_lower)
        if self.A.shape != (m, n):
            raise DataError(f"LP {self.name!r}: A is {self.A.shape}, expected ({m}, {n})")
        for what, arr, size in (
            ("row_upper", self.row_upper, m),
            ("col_lower", self.col_lower, n),
            ("col_upper", self.col_upper, n),
            ("col_names", self.col_names, n),
            ("row_names", self.row_names, m),
        ):
            if len(arr) != size:
                raise DataError(f"LP {self.name!r}: {what} has {len(arr)} entries, expected {size}")

    @property
    def num_cols(self) -> int:
        return len(self.c)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    @cached_property
    def col_index(self) -> dict[str, int]:
        """Column name -> position."""
        return {name: i for i, name in enumerate(self.col_names)}

    @cached_property
    def row_index(self) -> dict[str, int]:
        """Row name -> position."""
        return {name: i for i, name in enumerate(self.row_names)}

    def objective_value(self, x: np.ndarray) -> float:
        """:math:`c^\\top x + c_0` at a solution ``x``."""
        return float(self.c @ x) + self.offset

    # ------------------------------------------------------------------ PuLP
    @classmethod
    def from_pulp(cls, problem: pulp.LpProblem) -> LinearProgram:
        """The array form of a PuLP problem (variables and constraints keep their names)."""
        variables = problem.variables()
        col_of = {v.name: i for i, v in enumerate(variables)}
        n = len(variables)
        c = np.zeros(n)
        offset = 0.0
        if problem.objective is not None:
            for v, coef in problem.objective.items():
                c[col_of[v.name]] += coef
            offset = float(problem.objective.constant or 0.0)
        rows, cols, vals = [], [], []
        lower, upper, names = [], [], []
        for i, con in enumerate(problem.constraints()):
            cname = str(con.name)
            for v, coef in con.items():
                rows.append(i)
                cols.append(col_of[v.name])
                vals.append(coef)
            rhs = -float(con.constant or 0.0)
            if con.sense == pulp.LpConstraintEQ:
                lower.append(rhs)
                upper.append(rhs)
            elif con.sense == pulp.LpConstraintLE:
                lower.append(-np.inf)
                upper.append(rhs)
            else:
                lower.append(rhs)
                upper.append(np.inf)
            names.append(cname)
        m = len(names)
        A = CompressedRows.from_coo(rows, cols, vals, (m, n))
        col_lower = np.array([-np.inf if v.lowBound is None else v.lowBound for v in variables])
        col_upper = np.array([np.inf if v.upBound is None else v.upBound for v in variables])
        integrality = np.array([v.cat == pulp.LpInteger for v in variables], dtype=bool)
        return cls(
            name=problem.name,
            sense="max" if problem.sense == pulp.LpMaximize else "min",
            c=c,
            A=A,
            row_lower=np.array(lower, dtype=float),
            row_upper=np.array(upper, dtype=float),
            col_lower=col_lower.astype(float),
            col_upper=col_upper.astype(float),
            col_names=[v.name for v in variables],
            row_names=names,
            integrality=integrality if integrality.any() else None,
            offset=offset,
        )

    def to_pulp(self) -> pulp.LpProblem:
        """The same model as a PuLP problem (for CBC or an LP file), names kept."""
        problem = pulp.LpProblem(
            self.name, pulp.LpMaximize if self.sense == "max" else pulp.LpMinimize
        )
        ints = self.integrality if self.integrality is not None else np.zeros(self.num_cols, bool)
        xs = [
            problem.add_variable(
                name,
                lowBound=None if np.isneginf(lo) else float(lo),
                upBound=None if np.isposinf(hi) else float(hi),
                cat=pulp.LpInteger if is_int else pulp.LpContinuous,
            )
            for name, lo, hi, is_int in zip(
                self.col_names, self.col_lower, self.col_upper, ints, strict=True
            )
        ]
        problem += pulp.LpAffineExpression(
            [(xs[j], float(v)) for j, v in enumerate(self.c) if v], constant=self.offset
        )
        A = self.A.tocsr()
        for i, name in enumerate(self.row_names):
            start, end = A.indptr[i], A.indptr[i + 1]
            expr = pulp.LpAffineExpression(
                [
                    (xs[j], float(v))
                    for j, v in zip(A.indices[start:end], A.data[start:end], strict=True)
                ]
            )
            lo, hi = self.row_lower[i], self.row_upper[i]
            if lo == hi:
                problem += (expr == float(lo), name)
            else:
                if np.isfinite(hi):
                    problem += (expr <= float(hi), name if np.isneginf(lo) else f"{name}_up")
                if np.isfinite(lo):
                    problem += (expr >= float(lo), name if np.isposinf(hi) else f"{name}_lo")
        return problem
