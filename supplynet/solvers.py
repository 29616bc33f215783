"""Solving PuLP problems: solver choice (HiGHS in-process by default, CBC), status, timing.

Formulations build a :class:`pulp.LpProblem`; :func:`solve` runs it and returns a
:class:`SolveInfo`. An infeasible or unbounded model is a status, not an exception; only a
missing or crashing solver raises :class:`~supplynet.errors.SolverError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import highspy
import numpy as np
import pulp

from supplynet.errors import SolverError
from supplynet.formulations.arrays import csc_arrays
from supplynet.settings import default_solver

if TYPE_CHECKING:
    from supplynet.formulations.arrays import LinearProgram

__all__ = [
    "SOLVERS",
    "ArraySolution",
    "SolveInfo",
    "Status",
    "highs_model",
    "highs_status",
    "make_solver",
    "read_highs",
    "size_thread_pool",
    "solve",
    "solve_arrays",
    "solver_label",
]

logger = logging.getLogger(__name__)

SOLVERS = ("highs", "cbc")

#: PuLP's solver class names -> the plain names results report
_LABELS = {"HiGHS": "HiGHS", "HiGHS_CMD": "HiGHS", "COIN_CMD": "CBC", "PULP_CBC_CMD": "CBC"}


def solver_label(solver: pulp.LpSolver) -> str:
    """The plain name of a PuLP solver (``"CBC"``, not ``"PULP_CBC_CMD"``).

    Examples
    --------
    >>> solver_label(make_solver("highs"))
    'HiGHS'
    """
    return _LABELS.get(solver.name, solver.name)


class Status(StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NOT_SOLVED = "not_solved"
    UNDEFINED = "undefined"


_PULP_STATUS = {
    pulp.LpStatusOptimal: Status.OPTIMAL,
    pulp.LpStatusInfeasible: Status.INFEASIBLE,
    pulp.LpStatusUnbounded: Status.UNBOUNDED,
    pulp.LpStatusNotSolved: Status.NOT_SOLVED,
    pulp.LpStatusUndefined: Status.UNDEFINED,
}


@dataclass(frozen=True)
class SolveInfo:
    """What a solve returned: status, solver name, wall time and objective value."""

    status: Status
    solver: str
    solve_time_s: float
    objective: float | None


def make_solver(
    name: str | None = None, *, time_limit_s: float | None = None, msg: bool = False
) -> pulp.LpSolver:
    """Return a PuLP solver object for ``"highs"`` (in-process highspy) or ``"cbc"``.

    Raises
    ------
    SolverError
        If the name is unknown or the solver is not installed.

    Examples
    --------
    >>> make_solver("highs").name
    'HiGHS'
    """
    key = (name or default_solver()).strip().lower()
    if key == "highs":
        solver: pulp.LpSolver = pulp.HiGHS(msg=msg, timeLimit=time_limit_s)
        hint = "install highspy (pip install highspy)"
    elif key == "cbc":
        solver = pulp.COIN_CMD(msg=msg, timeLimit=time_limit_s)
        if not solver.available():  # the CBC binary bundled with PuLP < 4
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                solver = pulp.PULP_CBC_CMD(msg=msg, timeLimit=time_limit_s)
        hint = "install a PuLP build that ships CBC, or put cbc on PATH"
    else:
        raise SolverError(f"unknown solver {name!r}; allowed: {', '.join(SOLVERS)}")
    if not solver.available():
        raise SolverError(f"solver {key!r} is not available: {hint}")
    return solver


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner even with logging off).

    Safe across threads: the first thread in redirects the descriptor, the last one out
    puts it back (two solves in threads must not leave stdout pointing at ``/dev/null``).
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    with _QUIET_LOCK:
        if _QUIET["depth"] == 0:
            sys.stdout.flush()
            _QUIET["saved"], _QUIET["fd"] = os.dup(fd), fd
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, fd)
            os.close(devnull)
        _QUIET["depth"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET["depth"] -= 1
            if _QUIET["depth"] == 0:
                sys.stdout.flush()
                os.dup2(_QUIET["saved"], _QUIET["fd"])
                os.close(_QUIET["saved"])


_QUIET_LOCK = threading.Lock()
_QUIET = {"depth": 0, "saved": -1, "fd": -1}
_HIGHS_RAN = [False]


def quiet_first_highs_run() -> contextlib.AbstractContextManager[None]:
    """:func:`_quiet_stdout` around the process's first HiGHS run (its banner), and
    nothing after: a long solve does not hide other threads' output."""
    if _HIGHS_RAN[0]:
        return contextlib.nullcontext()
    _HIGHS_RAN[0] = True
    return _quiet_stdout()


def solve(
    problem: pulp.LpProblem,
    solver: str | None = None,
    *,
    time_limit_s: float | None = None,
    msg: bool = False,
) -> SolveInfo:
    """Solve ``problem`` in place and return its status and timing.

    Parameters
    ----------
    problem : pulp.LpProblem
        A problem built by one of the ``supplynet.formulations`` modules.
    solver : {"highs", "cbc"}, optional
        Default ``SUPPLYNET_SOLVER`` or ``"highs"``.
    time_limit_s : float, optional
        Wall-time limit passed to the solver.
    msg : bool
        Show the solver's log.
    """
    lp_solver = make_solver(solver, time_limit_s=time_limit_s, msg=msg)
    start = time.perf_counter()
    try:
        with contextlib.nullcontext() if msg else _quiet_stdout():
            code = problem.solve(lp_solver)
    except (pulp.PulpSolverError, ArithmeticError, IndexError, ValueError) as exc:
        # the solver interfaces fail this way on numbers they cannot represent
        raise SolverError(
            f"solver {solver_label(lp_solver)} failed on {problem.name!r}: {exc}"
        ) from None
    elapsed = time.perf_counter() - start
    status = _PULP_STATUS.get(code, Status.UNDEFINED)
    objective = pulp.value(problem.objective) if status is Status.OPTIMAL else None
    logger.info(
        "Solved %s with %s: %s in %.3f s (%d variables, %d constraints)",
        problem.name,
        solver_label(lp_solver),
        status.value,
        elapsed,
        problem.numVariables(),
        problem.numConstraints(),
    )
    return SolveInfo(
        status, solver_label(lp_solver), elapsed, None if objective is None else float(objective)
    )


# ---------------------------------------------------------------------- array-form LPs


@dataclass(frozen=True)
class ArraySolution:
    """The solution of a :class:`~supplynet.formulations.arrays.LinearProgram`.

    ``x`` holds the column values and ``row_activity`` the row values ``A x`` (NaN-filled
    unless the status is optimal); ``objective`` includes the LP's offset.
    """

    status: Status
    solver: str
    solve_time_s: float
    objective: float | None
    x: np.ndarray
    row_activity: np.ndarray


_HIGHS_STATUS = {
    "kOptimal": Status.OPTIMAL,
    "kInfeasible": Status.INFEASIBLE,
    "kUnbounded": Status.UNBOUNDED,
    "kUnboundedOrInfeasible": Status.INFEASIBLE,
    "kTimeLimit": Status.NOT_SOLVED,
    "kIterationLimit": Status.NOT_SOLVED,
    "kInterrupt": Status.NOT_SOLVED,
}


_STATUS_OF: dict[object, Status] = {}


def highs_status(h: highspy.Highs) -> Status:
    """The :class:`Status` of a solved ``highspy.Highs`` model."""
    code = h.getModelStatus()
    status = _STATUS_OF.get(code)
    if status is None:
        name = str(code).split(".")[-1]
        status = _STATUS_OF[code] = _HIGHS_STATUS.get(name, Status.UNDEFINED)
    return status


#: HiGHS models built in this process (HiGHS sizes its thread pool at the first one)
MODELS_BUILT = 0
#: the ``threads`` option of the first model of this process (``None``: HiGHS's default)
POOL_THREADS: int | None = None


def size_thread_pool(threads: int) -> bool:
    """Size HiGHS's thread pool for this process, if no model was built yet.

    HiGHS keeps one pool per process, sized by the first model that runs; a later model
    asking for another size fails (its status is "undefined"). A worker process calls this
    first, so that every model it builds afterwards (including those an analysis builds on
    the way, with the default) shares a pool of ``threads``.

    Returns
    -------
    bool
        ``True`` if the pool was sized now, ``False`` if a model was built before.

    Examples
    --------
    >>> size_thread_pool(1) in (True, False)
    True
    """
    global MODELS_BUILT, POOL_THREADS
    if MODELS_BUILT:
        return False
    MODELS_BUILT += 1
    POOL_THREADS = int(threads)
    with _quiet_stdout():
        h = highspy.Highs()
        h.silent()
        h.setOptionValue("threads", int(threads))
        h.addVar(0.0, 1.0)
        h.run()
    return True


def highs_model(
    lp: LinearProgram, *, time_limit_s: float | None = None, threads: int | None = None
) -> highspy.Highs:
    """An in-process HiGHS model holding ``lp``, silent, ready to :meth:`run` and re-run.

    The model keeps its basis between runs, so re-solving after a bound or cost change
    (``changeColBounds``, ``changeColsCost``, ``changeRowBounds``) starts warm. HiGHS
    keeps one thread pool per process, sized by the first model run: ``threads`` is set
    only on the first model of a process or when it matches that one's (otherwise the run
    would fail); :func:`size_thread_pool` sizes the pool before anything else.
    """
    global MODELS_BUILT, POOL_THREADS
    if MODELS_BUILT == 0:
        POOL_THREADS = threads
    elif threads is not None and threads != POOL_THREADS:
        logger.debug("HiGHS's thread pool is already sized; threads=%d left unset", threads)
        threads = None
    MODELS_BUILT += 1
    with _quiet_stdout():  # the banner comes with the first model of a process
        h = highspy.Highs()
        h.silent()
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    model = highspy.HighsLp()
    model.num_col_ = lp.num_cols
    model.num_row_ = lp.num_rows
    model.col_cost_ = np.asarray(lp.c, dtype=float)
    model.col_lower_ = np.asarray(lp.col_lower, dtype=float)
    model.col_upper_ = np.asarray(lp.col_upper, dtype=float)
    model.row_lower_ = np.asarray(lp.row_lower, dtype=float)
    model.row_upper_ = np.asarray(lp.row_upper, dtype=float)
    model.offset_ = float(lp.offset)
    model.sense_ = highspy.ObjSense.kMaximize if lp.sense == "max" else highspy.ObjSense.kMinimize
    start, index, value = csc_arrays(lp.A)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = np.asarray(start, dtype=np.int32)
    model.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    model.a_matrix_.value_ = np.asarray(value, dtype=float)
    model.a_matrix_.num_col_ = lp.num_cols
    model.a_matrix_.num_row_ = lp.num_rows
    if lp.integrality is not None:
        model.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in lp.integrality
        ]
    with _quiet_stdout():
        status = h.passModel(model)
    if status == highspy.HighsStatus.kError:
        raise SolverError(f"HiGHS refused the model {lp.name!r}")
    return h


def read_highs(h: highspy.Highs, lp: LinearProgram, elapsed_s: float) -> ArraySolution:
    """Read the status, values and objective of a solved HiGHS model."""
    status = highs_status(h)
    if status is Status.OPTIMAL:
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        rows = np.asarray(sol.row_value, dtype=float)
        objective: float | None = float(h.getInfo().objective_function_value)
    else:
        x, rows, objective = np.full(lp.num_cols, np.nan), np.full(lp.num_rows, np.nan), None
    return ArraySolution(status, "HiGHS", elapsed_s, objective, x, rows)


def solve_arrays(
    lp: LinearProgram,
    solver: str | None = None,
    *,
    time_limit_s: float | None = None,
    threads: int | None = None,
) -> ArraySolution:
    """Solve an array-form LP once: HiGHS in-process, or CBC through PuLP.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.formulations import build_max_throughput
    >>> from supplynet.formulations.arrays import LinearProgram
    >>> lp = build_max_throughput(sn.load_network().graph, "bamako").problem
    >>> sol = solve_arrays(LinearProgram.from_pulp(lp))
    >>> sol.status.value, round(sol.objective)
    ('optimal', 8411)
    """
    key = (solver or default_solver()).strip().lower()
    if key == "cbc":
        problem = lp.to_pulp()
        info = solve(problem, "cbc", time_limit_s=time_limit_s)
        values = {v.name: v.value() for v in problem.variables()}
        x = np.array([values.get(n) or 0.0 for n in lp.col_names], dtype=float)
        if info.status is not Status.OPTIMAL:
            x = np.full(lp.num_cols, np.nan)
        objective = lp.objective_value(x) if info.status is Status.OPTIMAL else None
        return ArraySolution(info.status, info.solver, info.solve_time_s, objective, x, lp.A @ x)
    if key != "highs":
        raise SolverError(f"unknown solver {solver!r}; allowed: {', '.join(SOLVERS)}")
    h = highs_model(lp, time_limit_s=time_limit_s, threads=threads)
    start = time.perf_counter()
    with quiet_first_highs_run():
        h.run()
    result = read_highs(h, lp, time.perf_counter() - start)
    logger.info(
        "Solved %s with HiGHS: %s in %.3f s (%d columns, %d rows)",
        lp.name,
        result.status.value,
        result.solve_time_s,
        lp.num_cols,
        lp.num_rows,
    )
    return result
