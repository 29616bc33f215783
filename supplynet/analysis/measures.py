"""Measures: what an analysis asks of the network after each cut, each on its own engine.

A *measure* turns a set of changes (elements cut, scaled or losing fuel on the way) into a
few figures. Every analysis (criticality, Monte Carlo, sweeps) talks to measures through
the :class:`~supplynet.analysis.evaluator.Evaluator` interface only, so a new model plugs
in by adding one class to :data:`MEASURES`:

============  ==============================================  ==============================
name          figures                                         model
============  ==============================================  ==============================
max_flow      ``remaining_m3_day``: most fuel per day that    max-throughput LP
              reaches the destination
least_cost    ``shortfall_m3_day`` (national unmet demand),   least-cost supply LP
              ``destination_shortfall_m3_day``
days_of_cover ``days_of_cover``, ``first_stockout_day``,      multi-day LP over ``days``
              ``shortfall_m3``, ``served_m3``,                (:mod:`~supplynet.analysis.
              ``arrivals_m3`` at the destination and          timeline_measure`)
              ``national_shortfall_m3``, over the horizon
============  ==============================================  ==============================

The multi-day measure's engine holds the time-expanded LP, whose element map gives the day
of each column and row, so :class:`Change` ``periods`` act on some days only.

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
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np

from supplynet.analysis.evaluator import (
    FIGURE_DECIMALS,
    Change,
    Evaluator,
    TimelineSetup,
    apply_changes,
    element_catalogue,
)
from supplynet.analysis.timeline_measure import DaysOfCoverEvaluator
from supplynet.engine import Engine
from supplynet.errors import DataError, closest
from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.common import lp_name
from supplynet.formulations.elements import Element, map_network_elements
from supplynet.network import Network
from supplynet.solvers import Status

__all__ = [
    "MEASURES",
    "STEADY_MEASURES",
    "Change",
    "DaysOfCoverEvaluator",
    "Evaluator",
    "LeastCostEvaluator",
    "MaxFlowEvaluator",
    "TimelineSetup",
    "apply_changes",
    "build_evaluator",
    "check_measures",
]

logger = logging.getLogger(__name__)


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
        timeline: TimelineSetup | None = None,  # noqa: ARG003 (steady state: one day)
    ) -> MaxFlowEvaluator:
        lp = LinearProgram.from_pulp(build_max_throughput(applied.graph, target).problem)
        own = lp.col_index.get(lp_name("supply", target))
        if own is not None:  # what reaches the destination from elsewhere (max_throughput)
            lp.col_upper[own] = 0.0
        catalogue = element_catalogue(applied, target, elements)
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
        self._last_ok = first.ok
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
        timeline: TimelineSetup | None = None,  # noqa: ARG003 (steady state: one day)
    ) -> LeastCostEvaluator:
        lp = LinearProgram.from_pulp(build_least_cost_supply(applied.graph).problem)
        catalogue = element_catalogue(applied, target, elements)
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
    DaysOfCoverEvaluator.name: DaysOfCoverEvaluator,
}
#: the measures of one steady-state day (the others need a horizon)
STEADY_MEASURES = tuple(m for m, ev in MEASURES.items() if not ev.multi_day)


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
    timeline: TimelineSetup | None = None,
) -> Evaluator:
    """The evaluator of measure ``name`` (see :data:`MEASURES`) on a network the
    scenario is already applied to, its baseline checked.

    ``timeline`` is what a multi-day measure (``days_of_cover``) builds its LP from.
    """
    check_measures([name])
    evaluator = MEASURES[name].from_network(
        applied, target, elements, threads=threads, timeline=timeline
    )
    if not evaluator.status_ok:
        raise DataError(
            f"measure {name!r}: the baseline LP is not optimal "
            f"({Status.INFEASIBLE.value} or not solved); nothing to compare cuts with"
        )
    return evaluator
