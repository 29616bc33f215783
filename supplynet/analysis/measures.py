"""Measures: what an analysis asks of the network after each cut, each on its own engine.

A *measure* turns a set of changes (elements cut, scaled or losing fuel on the way) into a
few figures. Every analysis (criticality, Monte Carlo, sweeps) talks to measures through
the :class:`Evaluator` interface only, so a new model plugs in by adding one class:

============  ==============================================  ==============================
name          figures                                         model
============  ==============================================  ==============================
max_flow      ``remaining_m3_day``: most fuel per day that    max-throughput LP
              reaches the destination
least_cost    ``shortfall_m3_day`` (national unmet demand),   least-cost supply LP
              ``destination_shortfall_m3_day``
============  ==============================================  ==============================

The multi-day model (a time-expanded LP) adds a measure the same way: an evaluator whose
engine holds that LP, whose :class:`~supplynet.engine.ElementMap` gives the day of each
column (so :class:`Change` ``periods`` act on some days only), and whose figures are, for
example, the destination's days of cover.

An evaluator also says which elements a solution *uses* (moves fuel through): a change to
an element that carries nothing in an optimal solution leaves that solution feasible and
optimal, so its figures are known without solving. Criticality and Monte Carlo skip those
solves.

Examples
--------
>>> import supplynet as sn
>>> ev = MaxFlowEvaluator.build(sn.load_network(), None, "Bamako")
>>> ev.baseline()["remaining_m3_day"]
8411.0
>>> ev.evaluate([Change("dakar")])["remaining_m3_day"] < 8411
True
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import numpy as np

from supplynet.engine import Engine
from supplynet.errors import DataError, closest
from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.common import lp_name
from supplynet.formulations.elements import (
    ELEMENT_KINDS,
    Element,
    map_network_elements,
    network_elements,
)
from supplynet.network import Network
from supplynet.scenario import Scenario
from supplynet.solvers import Status

__all__ = [
    "MEASURES",
    "Change",
    "Evaluator",
    "LeastCostEvaluator",
    "MaxFlowEvaluator",
    "apply_changes",
    "build_evaluator",
    "check_measures",
]

logger = logging.getLogger(__name__)

#: figures are rounded to this many decimals (1e-6 m3/day, well inside solver
#: tolerances), so the same question gives the same number whatever the basis it
#: was solved from (warm or cold, one worker or many)
FIGURE_DECIMALS = 6


@dataclass(frozen=True)
class Change:
    """One change to one element.

    Attributes
    ----------
    element : str
        Element id (road, arc, node or corridor; see
        :mod:`supplynet.formulations.elements`).
    factor : float
        Capacity multiplier: 0 cuts, 0.5 halves.
    arrival : float
        Share of the fuel sent along the element that arrives (``1 - loss rate``).
    limit_m3_day : float, optional
        A cap on the element's capacity (escorted convoys only, say).
    periods : tuple of int, optional
        Days the change applies to (multi-day models); ``None``: all.
    """

    element: str
    factor: float = 0.0
    arrival: float = 1.0
    limit_m3_day: float | None = None
    periods: tuple[int, ...] | None = None

    @property
    def changes_something(self) -> bool:
        return self.factor != 1.0 or self.arrival != 1.0 or self.limit_m3_day is not None


def apply_changes(engine: Engine, changes: Sequence[Change]) -> None:
    """Push ``changes`` into ``engine`` (until its next reset)."""
    for change in changes:
        if change.factor != 1.0:
            engine.scale({change.element: change.factor}, periods=change.periods)
        if change.arrival != 1.0:
            engine.scale_arrivals({change.element: change.arrival}, periods=change.periods)
        if change.limit_m3_day is not None:
            engine.limit({change.element: change.limit_m3_day}, periods=change.periods)


class Evaluator(ABC):
    """A measure on its own engine: changes in, figures out.

    Subclasses set :attr:`name` and :attr:`figures`, build their LP in :meth:`build` and
    read their figures in :meth:`read`.
    """

    #: the measure's name (``max_flow``)
    name: ClassVar[str]
    #: the figures :meth:`evaluate` returns, in order
    figures: ClassVar[tuple[str, ...]]

    def __init__(
        self,
        net: Network,
        target: str,
        engine: Engine,
        elements: dict[str, Element],
    ) -> None:
        self.net = net
        self.target = target
        self.engine = engine
        self.elements = elements
        self.ids = engine.elements.ids
        self._baseline: tuple[dict[str, float], np.ndarray] | None = None

    @classmethod
    def build(
        cls,
        net: Network,
        scenario: Scenario | str | Path | None,
        destination: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
    ) -> Evaluator:
        """Apply the scenario, build the LP and its engine once."""
        applied = Scenario.coerce(scenario).apply(net)
        return cls.from_network(applied, applied.node_id(destination), elements, threads=threads)

    @classmethod
    @abstractmethod
    def from_network(
        cls,
        applied: Network,
        target: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
    ) -> Evaluator:
        """Build the LP and its engine on a network the scenario is already applied to."""

    @abstractmethod
    def read(self, x: np.ndarray | None, objective: float) -> dict[str, float]:
        """The figures of an optimal solution (``x`` given when :attr:`needs_x`)."""

    #: does :meth:`read` need the column values (or only the objective)?
    needs_x: ClassVar[bool] = True

    def baseline(self) -> dict[str, float]:
        """The figures with nothing changed."""
        return self._baseline_solution()[0]

    def baseline_usage(self) -> np.ndarray:
        """Per element (:attr:`ids` order): does the baseline solution use it?"""
        return self._baseline_solution()[1]

    def _baseline_solution(self) -> tuple[dict[str, float], np.ndarray]:
        if self._baseline is None:
            figures, used = self.evaluate_with_usage([])
            self._baseline = (figures, used)
        return self._baseline

    def evaluate(self, changes: Sequence[Change]) -> dict[str, float]:
        """The figures after ``changes`` (the engine is reset afterwards)."""
        return self._solve(changes, usage=False)[0]

    def evaluate_with_usage(self, changes: Sequence[Change]) -> tuple[dict[str, float], np.ndarray]:
        """The figures and, per element, whether the solution found uses it."""
        figures, used = self._solve(changes, usage=True)
        assert used is not None
        return figures, used

    def _solve(
        self, changes: Sequence[Change], *, usage: bool
    ) -> tuple[dict[str, float], np.ndarray | None]:
        engine = self.engine
        apply_changes(engine, changes)
        solution = engine.solve()
        used = None
        if solution.ok:
            x = solution.x if (self.needs_x or usage) else None
            figures = {
                k: round(v, FIGURE_DECIMALS) for k, v in self.read(x, solution.objective).items()
            }
            if usage:
                used = engine.elements.used(solution.x, solution.row_activity)
        else:
            logger.warning("%s: LP %s after %s", self.name, solution.status.value, changes)
            figures = dict.fromkeys(self.figures, math.nan)
            if usage:
                used = np.ones(len(self.ids), dtype=bool)
        engine.reset()
        return figures, used

    @property
    def status_ok(self) -> bool:
        return self._baseline is not None and not any(
            math.isnan(v) for v in self._baseline[0].values()
        )


def _element_catalogue(
    net: Network, target: str, elements: dict[str, Element] | None
) -> dict[str, Element]:
    if elements is None:
        elements = network_elements(net, ELEMENT_KINDS)
    return {k: e for k, e in elements.items() if e.nodes != (target,)}


class MaxFlowEvaluator(Evaluator):
    """Most fuel per day reaching the destination (the max-throughput LP, one pass)."""

    name = "max_flow"
    figures = ("remaining_m3_day",)
    needs_x = False

    @classmethod
    def from_network(
        cls,
        applied: Network,
        target: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
    ) -> MaxFlowEvaluator:
        lp = LinearProgram.from_pulp(build_max_throughput(applied.graph, target).problem)
        own = lp.col_index.get(lp_name("supply", target))
        if own is not None:  # what reaches the destination from elsewhere (max_throughput)
            lp.col_upper[own] = 0.0
        catalogue = _element_catalogue(applied, target, elements)
        engine = Engine(lp, map_network_elements(applied, lp, catalogue), threads=threads)
        return cls(applied, target, engine, catalogue)

    def read(self, x: np.ndarray | None, objective: float) -> dict[str, float]:  # noqa: ARG002
        return {"remaining_m3_day": max(0.0, objective)}

    def _solve(
        self, changes: Sequence[Change], *, usage: bool
    ) -> tuple[dict[str, float], np.ndarray | None]:
        """As :meth:`Evaluator._solve`; usage is read from the shortest routing.

        Any maximum flow proves an element idle; the one over the fewest m3-km uses the
        fewest roads (no detours or cycles), so the most later solves are skipped.
        """
        if not usage:
            return super()._solve(changes, usage=False)
        engine = self.engine
        apply_changes(engine, changes)
        first = engine.solve()
        if not first.ok:
            engine.reset()
            return dict.fromkeys(self.figures, math.nan), np.ones(len(self.ids), dtype=bool)
        figures = {"remaining_m3_day": round(max(0.0, first.objective), FIGURE_DECIMALS)}
        engine.set_costs(self._km)
        engine.set_sense("min")
        engine.set_col_bounds("delivered", lower=max(0.0, first.objective * (1 - 1e-9)))
        routed = engine.solve()
        solution = routed if routed.ok else None
        if solution is None:  # the first maximum flow proves as much
            used = np.ones(len(self.ids), dtype=bool)
        else:
            used = engine.elements.used(solution.x, solution.row_activity)
        engine.reset()
        return figures, used

    @cached_property
    def _km(self) -> np.ndarray:
        lp, G = self.engine.lp, self.net.graph
        km = np.zeros(lp.num_cols)
        for u, v, key in G.edges(keys=True):
            km[lp.col_index[lp_name("flow", key)]] = float(G.edges[u, v, key]["length_km"])
        return km


class LeastCostEvaluator(Evaluator):
    """Unmet demand at least cost: national and at the destination."""

    name = "least_cost"
    figures = ("shortfall_m3_day", "destination_shortfall_m3_day")

    def __init__(
        self, net: Network, target: str, engine: Engine, elements: dict[str, Element]
    ) -> None:
        super().__init__(net, target, engine, elements)
        lp = engine.lp
        self._unmet = np.array([j for j, n in enumerate(lp.col_names) if n.startswith("unmet_")])
        self._unmet_target = lp.col_index.get(lp_name("unmet", target))

    @classmethod
    def from_network(
        cls,
        applied: Network,
        target: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
    ) -> LeastCostEvaluator:
        lp = LinearProgram.from_pulp(build_least_cost_supply(applied.graph).problem)
        catalogue = _element_catalogue(applied, target, elements)
        engine = Engine(lp, map_network_elements(applied, lp, catalogue), threads=threads)
        return cls(applied, target, engine, catalogue)

    def read(self, x: np.ndarray | None, objective: float) -> dict[str, float]:  # noqa: ARG002
        assert x is not None
        total = float(x[self._unmet].sum()) if len(self._unmet) else 0.0
        at_target = float(x[self._unmet_target]) if self._unmet_target is not None else 0.0
        return {
            "shortfall_m3_day": max(0.0, total),
            "destination_shortfall_m3_day": max(0.0, at_target),
        }


#: measure name -> evaluator class
MEASURES: dict[str, type[Evaluator]] = {
    MaxFlowEvaluator.name: MaxFlowEvaluator,
    LeastCostEvaluator.name: LeastCostEvaluator,
}


def check_measures(measures: Iterable[str]) -> tuple[str, ...]:
    """The measure names, checked (one-line error with the closest name)."""
    names = tuple(measures)
    if not names:
        raise DataError(f"no measure given; allowed: {', '.join(MEASURES)}")
    for name in names:
        if name not in MEASURES:
            raise DataError(f"unknown measure {name!r}; {closest(name, MEASURES)}")
    return names


def build_evaluator(
    name: str,
    applied: Network,
    target: str,
    elements: dict[str, Element] | None = None,
    *,
    threads: int | None = None,
) -> Evaluator:
    """The evaluator of measure ``name`` (see :data:`MEASURES`) on a network the
    scenario is already applied to, its baseline checked."""
    check_measures([name])
    evaluator = MEASURES[name].from_network(applied, target, elements, threads=threads)
    if any(math.isnan(v) for v in evaluator.baseline().values()):
        raise DataError(
            f"measure {name!r}: the baseline LP is not optimal "
            f"({Status.INFEASIBLE.value} or not solved); nothing to compare cuts with"
        )
    return evaluator
