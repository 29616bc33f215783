"""The interface of every measure: :class:`Change` in, figures out, on its own engine.

A *measure* turns a set of changes (elements cut, scaled or losing fuel on the way, on
some days or all) into a few figures. Every analysis (criticality, Monte Carlo, sweeps)
talks to measures through :class:`Evaluator` only, so a new model plugs in by adding one
subclass (the steady-state measures are in :mod:`~supplynet.analysis.measures`, the
multi-day one in :mod:`~supplynet.analysis.timeline_measure`).

An evaluator also says which elements a solution *uses* (moves fuel through): a change to
an element that carries nothing in an optimal solution leaves that solution feasible and
optimal, so its figures are known without solving. Criticality and Monte Carlo skip those
solves.
"""

from __future__ import annotations

import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from supplynet.engine import Engine
from supplynet.formulations.elements import ELEMENT_KINDS, Element, network_elements
from supplynet.network import Network
from supplynet.scenario import Scenario

if TYPE_CHECKING:
    from supplynet.demand import DemandTables

__all__ = [
    "FIGURE_DECIMALS",
    "Change",
    "Evaluator",
    "TimelineSetup",
    "apply_changes",
    "element_catalogue",
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
        Days (1-based) the change applies to (multi-day models); ``None``: all.
    """

    element: str
    factor: float = 0.0
    arrival: float = 1.0
    limit_m3_day: float | None = None
    periods: tuple[int, ...] | None = None

    @property
    def changes_something(self) -> bool:
        if self.periods is not None and not self.periods:
            return False  # on no day
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


@dataclass(frozen=True, eq=False)
class TimelineSetup:
    """What a multi-day measure builds its LP from (the steady-state measures ignore it).

    Attributes
    ----------
    net : Network
        The network *before* the scenario (the multi-day model resolves the scenario's
        timed keys on it).
    scenario : Scenario
        The scenario, with its events, convoys, escorts and rationing.
    days : int
        The horizon.
    single_product : bool, optional
        As for :func:`~supplynet.analysis.simulate.simulate_supply`.
    tables : DemandTables, optional
        Default: the embedded tables.
    lead_times : str
        ``"rounded"`` or ``"split"``.
    """

    net: Network
    scenario: Scenario
    days: int
    single_product: bool | None = None
    tables: DemandTables | None = None
    lead_times: str = "rounded"


class Evaluator(ABC):
    """A measure on its own engine: changes in, figures out.

    Subclasses set :attr:`name` and :attr:`figures`, build their LP in
    :meth:`from_network` and read their figures in :meth:`read`.
    """

    #: the measure's name (``max_flow``)
    name: ClassVar[str]
    #: the figures :meth:`evaluate` returns, in order
    figures: ClassVar[tuple[str, ...]]
    #: does :meth:`read` need the column values (or only the objective)?
    needs_x: ClassVar[bool] = True
    #: solve every question from the baseline's basis (:meth:`Engine.checkpoint`), so
    #: that answers do not depend on what was solved before
    history_free: ClassVar[bool] = False
    #: sets or samples per chunk of work sent to a worker
    chunk_size: ClassVar[int] = 256
    #: does the measure need a :class:`TimelineSetup`?
    multi_day: ClassVar[bool] = False

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
        self._baseline_ok = False
        self._last_ok = False

    @classmethod
    def build(
        cls,
        net: Network,
        scenario: Scenario | str | Path | None,
        destination: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
        timeline: TimelineSetup | None = None,
    ) -> Evaluator:
        """Apply the scenario, build the LP and its engine once."""
        applied = Scenario.coerce(scenario).apply(net)
        return cls.from_network(
            applied, applied.node_id(destination), elements, threads=threads, timeline=timeline
        )

    @classmethod
    @abstractmethod
    def from_network(
        cls,
        applied: Network,
        target: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
        timeline: TimelineSetup | None = None,
    ) -> Evaluator:
        """Build the LP and its engine on a network the scenario is already applied to."""

    @abstractmethod
    def read(self, x: np.ndarray | None, objective: float) -> dict[str, float]:
        """The figures of an optimal solution (``x`` given when :attr:`needs_x`)."""

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
            self._baseline_ok = self._last_ok
            if self.history_free and self._baseline_ok:
                self.engine.checkpoint()
        return self._baseline

    def evaluate(self, changes: Sequence[Change]) -> dict[str, float]:
        """The figures after ``changes`` (the engine is reset afterwards)."""
        return self._solve(changes, usage=False)[0]

    def evaluate_with_usage(self, changes: Sequence[Change]) -> tuple[dict[str, float], np.ndarray]:
        """The figures and, per element, whether the solution found uses it."""
        figures, used = self._solve(changes, usage=True)
        assert used is not None
        return figures, used

    def _reset(self) -> None:
        self.engine.reset(to_checkpoint=self.history_free)

    def _solve(
        self, changes: Sequence[Change], *, usage: bool
    ) -> tuple[dict[str, float], np.ndarray | None]:
        engine = self.engine
        apply_changes(engine, changes)
        solution = engine.solve()
        self._last_ok = solution.ok
        used = None
        if solution.ok:
            x = solution.x if (self.needs_x or usage) else None
            figures = {
                k: v if math.isnan(v) else round(v, FIGURE_DECIMALS)
                for k, v in self.read(x, solution.objective).items()
            }
            if usage:
                used = engine.elements.used(solution.x, solution.row_activity)
        else:
            logger.warning("%s: LP %s after %s", self.name, solution.status.value, changes)
            figures = dict.fromkeys(self.figures, math.nan)
            if usage:
                used = np.ones(len(self.ids), dtype=bool)
        self._reset()
        return figures, used

    @property
    def status_ok(self) -> bool:
        """Was the baseline solved to optimality?"""
        self._baseline_solution()
        return self._baseline_ok


def element_catalogue(
    net: Network, target: str, elements: dict[str, Element] | None
) -> dict[str, Element]:
    """``elements`` (default: every element of ``net``) without the destination itself."""
    if elements is None:
        elements = network_elements(net, ELEMENT_KINDS)
    return {k: e for k, e in elements.items() if e.nodes != (target,)}
