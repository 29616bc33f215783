"""Worst-case interdiction: the cuts that hurt most, and what to escort against them.

:func:`interdict` solves the attacker's problem exactly, as a MILP in min-cut form
(:mod:`supplynet.formulations.interdiction`, HiGHS MIP): with ``budget`` cuts (or a budget
of costs), which roads, posts or corridor sections minimise the fuel reaching the
destination?

The defender protects (escorts) up to ``protect`` elements first, so that they cannot be
cut, to make the attacker's best answer as weak as possible. This is solved exactly by
implicit enumeration over the attacker's MILP (Brown, Carlyle, Salmerón & Wood 2006): if
the attacker's best cut against a protection set does not contain an element the defender
could still protect, protecting more cannot help against that cut, so a better defence
must protect one of the cut's elements; the search branches on those only, at most
``budget ** protect`` attacker MILPs. Each MILP is re-solved on one engine, a protection
being an upper bound of 0 on the element's cut variable.

:func:`brute_force_interdiction` enumerates every cut on the max-flow engine instead: the
independent check the tests and the benchmark compare with.

Examples
--------
>>> import supplynet as sn
>>> net = sn.load_network()
>>> res = sn.interdict(net, budget=2)
>>> res.cut, res.remaining_m3_day
(['bouake_ferkessedougou', 'kati_bamako'], 495.0)
>>> defended = sn.interdict(net, budget=2, protect=1)
>>> defended.protected, defended.cut, defended.remaining_m3_day
(['kati_bamako'], ['bouake_ferkessedougou', 'dakar'], 585.0)
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from supplynet.analysis.criticality import candidate_elements
from supplynet.analysis.measures import Change, MaxFlowEvaluator
from supplynet.engine import Engine
from supplynet.errors import DataError, closest
from supplynet.formulations.elements import Element
from supplynet.formulations.interdiction import build_interdiction
from supplynet.network import Network
from supplynet.optimize import max_throughput
from supplynet.results import rounded, summary_json
from supplynet.scenario import Scenario

__all__ = ["InterdictionResult", "brute_force_interdiction", "interdict", "resolve_costs"]

logger = logging.getLogger(__name__)

_TOL = 1e-6


@dataclass(frozen=True)
class InterdictionResult:
    """Result of :func:`interdict`.

    Attributes
    ----------
    destination : str
        Node id of the destination.
    scenario : str
        The scenario the attack is made under.
    budget : float
        The attacker's budget (number of cuts with unit costs).
    protect : int
        How many elements the defender could protect.
    cut : list of str
        The attacker's best cut against the defence (element ids).
    protected : list of str
        The elements protected (the defender's best choice, plus any given).
    remaining_m3_day : float
        Fuel that still reaches the destination after that cut.
    baseline_m3_day : float
        Fuel reaching it with nothing cut.
    undefended_remaining_m3_day : float
        What the best cut leaves when nothing is protected (the value of the defence is
        the difference).
    undefended_cut : list of str
        That cut.
    cut_table : DataFrame
        The cut elements: ``kind, name, road_ref, corridors, cost``.
    min_cut : DataFrame
        The saturated minimum cut of the flow that remains (as
        :attr:`ThroughputResult.bottlenecks`): what limits the fuel after the attack.
    defences : DataFrame
        Each protection set the search tried, with the attacker's best answer.
    milp_solves : int
        Attacker MILPs solved.
    time_s : float
        Wall time.
    """

    destination: str
    scenario: str
    budget: float
    protect: int
    cut: list[str]
    protected: list[str]
    remaining_m3_day: float
    baseline_m3_day: float
    undefended_remaining_m3_day: float
    undefended_cut: list[str]
    cut_table: pd.DataFrame = field(repr=False)
    min_cut: pd.DataFrame = field(repr=False)
    defences: pd.DataFrame = field(repr=False)
    milp_solves: int = 0
    time_s: float = 0.0

    @property
    def loss_m3_day(self) -> float:
        """Fuel the attack removes."""
        return self.baseline_m3_day - self.remaining_m3_day

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values."""
        return {
            "destination": self.destination,
            "scenario": self.scenario,
            "budget": self.budget,
            "protect": self.protect,
            "baseline_m3_day": self.baseline_m3_day,
            "cut": self.cut,
            "protected": self.protected,
            "remaining_m3_day": self.remaining_m3_day,
            "loss_m3_day": self.loss_m3_day,
            "undefended_cut": self.undefended_cut,
            "undefended_remaining_m3_day": self.undefended_remaining_m3_day,
            "milp_solves": self.milp_solves,
            "time_s": round(self.time_s, 4),
        }

    def files(self) -> dict[str, str]:
        """``summary.json``, ``cut.csv``, ``min_cut.csv`` and ``defences.csv``."""
        return {
            "summary.json": summary_json(self.summary()),
            "cut.csv": rounded(self.cut_table).to_csv(),
            "min_cut.csv": rounded(self.min_cut).to_csv(),
            "defences.csv": rounded(self.defences).to_csv(index=False),
        }


def resolve_costs(
    catalogue: Mapping[str, Element], costs: Mapping[str, float] | None
) -> dict[str, float]:
    """Cost of each element: by element id, else by kind, else 1.

    Raises
    ------
    DataError
        For a key that is neither an element nor a kind, or a cost that is not > 0.
    """
    kinds = {e.kind for e in catalogue.values()}
    out = dict.fromkeys(catalogue, 1.0)
    if not costs:
        return out
    for key, value in costs.items():
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise DataError(f"cost of {key!r} = {value!r}: must be a number > 0")
        if key not in catalogue and key not in kinds:
            raise DataError(
                f"costs: unknown element or kind {key!r}; {closest(key, [*kinds, *catalogue])}"
            )
    for ident, element in catalogue.items():
        if element.kind in costs:
            out[ident] = float(costs[element.kind])
        if ident in costs:
            out[ident] = float(costs[ident])
    return out


def _check_budget(budget: float, costs: dict[str, float], protect: int) -> None:
    if not isinstance(budget, int | float) or not math.isfinite(budget) or budget < 0:
        raise DataError(f"budget = {budget!r}: must be a number >= 0")
    total = sum(costs.values())
    if budget > total + _TOL:
        unit = all(c == 1.0 for c in costs.values())
        what = f"the {len(costs)} cuttable elements" if unit else f"the total cost {total:g}"
        raise DataError(f"budget {budget:g} is larger than {what}; lower it or add kinds")
    if not isinstance(protect, int) or protect < 0:
        raise DataError(f"protect = {protect!r}: must be a whole number >= 0")
    if protect > len(costs):
        raise DataError(f"protect = {protect} is more than the {len(costs)} elements")


class _Attacker:
    """The attacker's MILP on one engine, memoised by protection set."""

    def __init__(self, engine: Engine, ids: list[str]) -> None:
        self.engine = engine
        self.ids = ids
        self.memo: dict[frozenset[str], tuple[float, list[str]]] = {}

    def best_cut(self, protected: frozenset[str]) -> tuple[float, list[str]]:
        if protected not in self.memo:
            sol = self.engine.solve_with(dict.fromkeys(protected, 0.0))
            if not sol.ok:
                raise DataError(f"the interdiction MILP ended {sol.status.value}")
            x = sol.x
            cols = self.engine.elements.cols
            cut = sorted(e for e in self.ids if x[cols[e][0]] > 0.5)
            self.memo[protected] = (max(0.0, round(sol.objective, 6)), cut)
        return self.memo[protected]


def _defend(
    attacker: _Attacker, protected: frozenset[str], left: int
) -> tuple[float, frozenset[str]]:
    value, cut = attacker.best_cut(protected)
    best = (value, protected)
    if left == 0:
        return best
    for element in cut:  # a better defence protects one of these (see the module docstring)
        candidate = _defend(attacker, protected | {element}, left - 1)
        if candidate[0] > best[0] + _TOL:
            best = candidate
    return best


def interdict(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    destination: str = "bamako",
    *,
    budget: float = 1,
    protect: int = 0,
    protected: Iterable[str] = (),
    costs: Mapping[str, float] | None = None,
    kinds: Iterable[str] = ("road", "node", "corridor"),
    elements: Iterable[str] | None = None,
) -> InterdictionResult:
    """The attacker's most harmful cut within ``budget``, against the best defence.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Applied first.
    destination : str
        Node id or name.
    budget : float
        Cuts the attacker can make (with ``costs``: the total cost it can spend).
    protect : int
        Elements the defender protects first, chosen to maximise the worst case.
    protected : iterable of str
        Elements protected in any case (escorted), on top of ``protect``.
    costs : mapping, optional
        Cost of cutting, by element id or by kind (``{"corridor": 3}``); default 1.
    kinds : iterable of str
        Kinds of elements that can be cut.
    elements : iterable of str, optional
        Only these element ids can be cut.

    Returns
    -------
    InterdictionResult

    Raises
    ------
    DataError
        A budget larger than the cuttable elements (or their total cost), a negative
        budget or protection, an unknown element, kind or cost key.
    """
    start = time.perf_counter()
    sc = Scenario.coerce(scenario)
    applied = sc.apply(net)
    target = applied.node_id(destination)
    catalogue = candidate_elements(applied, target, kinds, elements)
    cost_of = resolve_costs(catalogue, costs)
    _check_budget(budget, cost_of, protect)
    fixed = frozenset(protected)
    for ident in fixed:
        if ident not in catalogue:
            raise DataError(f"protected: unknown element {ident!r}; {closest(ident, catalogue)}")
    milp = build_interdiction(applied, target, catalogue, cost_of, float(budget))
    engine = Engine(milp.lp, milp.elements)
    attacker = _Attacker(engine, list(catalogue))
    baseline, _ = attacker.best_cut(frozenset(catalogue))  # everything protected
    undefended, undefended_cut = attacker.best_cut(fixed)
    _, chosen = _defend(attacker, fixed, protect)
    remaining, cut = attacker.best_cut(chosen)
    check = max_throughput(applied, _cut_scenario(catalogue, cut), target, shortest_routes=True)
    if abs(check.delivered_m3_day - remaining) > 1e-4 * max(1.0, remaining):
        logger.warning(
            "interdiction MILP gives %.6f, the max flow after its cut %.6f",
            remaining,
            check.delivered_m3_day,
        )
    rows = [
        {
            "element": e,
            "kind": catalogue[e].kind,
            "name": catalogue[e].name,
            "road_ref": catalogue[e].road_ref,
            "corridors": catalogue[e].corridors,
            "cost": cost_of[e],
        }
        for e in cut
    ]
    cut_table = pd.DataFrame(
        rows, columns=["element", "kind", "name", "road_ref", "corridors", "cost"]
    ).set_index("element")
    defences = pd.DataFrame(
        [
            {
                "protected": ";".join(sorted(p)),
                "cut": ";".join(c),
                "remaining_m3_day": v,
            }
            for p, (v, c) in attacker.memo.items()
            if p != frozenset(catalogue)
        ]
    ).sort_values(["remaining_m3_day", "protected"], ascending=[False, True])
    result = InterdictionResult(
        destination=target,
        scenario=sc.name,
        budget=budget,
        protect=protect,
        cut=cut,
        protected=sorted(chosen),
        remaining_m3_day=remaining,
        baseline_m3_day=baseline,
        undefended_remaining_m3_day=undefended,
        undefended_cut=undefended_cut,
        cut_table=cut_table,
        min_cut=check.bottlenecks,
        defences=defences,
        milp_solves=engine.solves,
        time_s=time.perf_counter() - start,
    )
    logger.info(
        "Interdiction budget %g, protect %d: cut %s leaves %.1f m3/day (%d MILPs, %.3f s)",
        budget,
        protect,
        cut,
        remaining,
        engine.solves,
        result.time_s,
    )
    return result


def _cut_scenario(catalogue: Mapping[str, Element], cut: Iterable[str]) -> Scenario:
    """A scenario blocking exactly the arcs and nodes of the cut elements."""
    arcs = sorted({a for e in cut for a in catalogue[e].arcs})
    nodes = sorted({n for e in cut for n in catalogue[e].nodes})
    return Scenario(name="worst-cut", blocked_edges=arcs, blocked_nodes=nodes)


def brute_force_interdiction(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    destination: str = "bamako",
    *,
    budget: int = 1,
    protected: Iterable[str] = (),
    kinds: Iterable[str] = ("road", "node", "corridor"),
    elements: Iterable[str] | None = None,
) -> tuple[float, list[str], int]:
    """The worst cut of ``budget`` unit-cost elements by trying every one (a check).

    Solves ``C(n, budget)`` max flows on the engine: exponential, for verification.

    Returns
    -------
    (remaining m3/day, the first worst cut found in sorted order, sets tried)
    """
    sc = Scenario.coerce(scenario)
    applied = sc.apply(net)
    target = applied.node_id(destination)
    catalogue = candidate_elements(applied, target, kinds, elements)
    skip = set(protected)
    ids = sorted(e for e in catalogue if e not in skip)
    evaluator = MaxFlowEvaluator.from_network(applied, target, catalogue)
    best, best_cut, tried = math.inf, [], 0
    for combo in itertools.combinations(ids, min(int(budget), len(ids))):
        tried += 1
        value = evaluator.evaluate([Change(e) for e in combo])["remaining_m3_day"]
        if value < best - _TOL:
            best, best_cut = value, list(combo)
    return best, best_cut, tried
