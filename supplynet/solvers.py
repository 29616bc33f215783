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
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pulp

from supplynet.errors import SolverError
from supplynet.settings import default_solver

__all__ = ["SOLVERS", "SolveInfo", "Status", "make_solver", "solve", "solver_label"]

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
    """Silence C-level stdout (HiGHS prints a banner even with logging off)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with Path(os.devnull).open("w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


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
