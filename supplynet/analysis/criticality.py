"""Criticality (N-1, N-2, N-k): how much fuel is lost when each element, or set, is cut.

For every road (both directions: an attack closes a road), border post, port, depot and
named corridor, :func:`criticality` cuts it alone (``k=1``), or with every other element
(``k=2``), and re-solves each measure (:mod:`supplynet.analysis.measures`) on its engine:
the fuel that still reaches the destination, the least-cost shortfall and, with the
multi-day model (``days=N``), the destination's days of cover and shortfall over the
horizon when the element is cut on every day.

Work that provably changes nothing is skipped. If an optimal solution of a set ``S`` minus
one element ``e`` sends nothing through ``e``, that solution is still feasible, hence still
optimal, once ``e`` is cut too: the figures of ``S`` are those of ``S - {e}``. At ``k=1``
this says an element idle in the baseline costs nothing; at ``k=2`` a pair is solved only
when each element carries fuel once the other is cut. :attr:`CriticalityResult.skipped`
counts the sets decided this way, per measure.

Examples
--------
>>> import supplynet as sn
>>> res = sn.criticality(sn.load_network(), destination="Bamako")
>>> top = res.table.iloc[0]
>>> top.name, top["kind"], float(top["loss_m3_day"])
('abidjan', 'node', 4843.9)
>>> res.skipped["max_flow"] > 0  # idle in the baseline: proved, not solved
True
>>> days = sn.criticality(sn.load_network(), days=10, single_product=True,
...                       measures=["days_of_cover"], elements=["abidjan", "conakry"])
>>> float(days.table.loc["abidjan", "shortfall_increase_m3"]) > 0
True
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.analysis.measures import (
    MEASURES,
    STEADY_MEASURES,
    Change,
    Evaluator,
    TimelineSetup,
    build_evaluator,
    check_measures,
)
from supplynet.analysis.simulate import DEFAULT_DAYS
from supplynet.errors import DataError, closest
from supplynet.formulations.elements import Element, network_elements
from supplynet.network import Network
from supplynet.results import rounded, summary_json
from supplynet.scenario import Scenario

__all__ = [
    "CriticalityResult",
    "SetRunner",
    "criticality",
    "local_runner",
    "resolve_measures",
    "timeline_setup",
]

logger = logging.getLogger(__name__)

#: (measure, element sets, want usage) -> one (figures, usage or None) per set
SetRunner = Callable[
    [str, Sequence[tuple[str, ...]], bool], list[tuple[dict[str, float], np.ndarray | None]]
]
#: (sets done, sets in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CriticalityResult:
    """Result of :func:`criticality`.

    Attributes
    ----------
    destination : str
        Node id of the destination.
    scenario : str
        The scenario cut elements were measured under.
    k : int
        Elements cut together.
    measures : tuple of str
        The measures evaluated.
    baseline : dict
        The figures with nothing cut (``remaining_m3_day``, ``shortfall_m3_day`` ...).
    table : DataFrame
        One row per element (``k=1``) or set, indexed by ``element`` (ids joined by
        ``" + "``), sorted by ``loss_m3_day`` then shortfall increase: ``kind, name,
        road_ref, corridors, loss_m3_day, remaining_m3_day, loss_share`` and, with the
        least-cost measure, ``shortfall_m3_day, shortfall_increase_m3_day,
        destination_shortfall_m3_day``; with the multi-day measure (``days_of_cover``,
        the set cut on every day of the horizon): ``days_of_cover``,
        ``days_of_cover_change`` (negative: fewer days), ``first_stockout_day`` (NaN:
        never short), ``shortfall_m3`` and ``shortfall_increase_m3`` at the destination
        over the horizon (negative when the LP moves shortage to other nodes),
        ``served_m3``, ``national_shortfall_m3``; at ``k >= 2`` also
        ``worst_single_loss_m3_day`` and ``extra_loss_m3_day`` (what the set loses beyond
        its worst member alone); ``solved`` says whether the row needed a solve or was
        proved from a smaller set. Rows are sorted by the first measure's figure (fuel
        lost, shortfall increase, or days of cover lost), then the next measures'.
    elements : int
        Candidate elements.
    solved, skipped : dict
        Per measure, the sets solved and the sets proved without a solve.
    time_s : float
        Wall time.
    days : int, optional
        The multi-day horizon (with the ``days_of_cover`` measure).
    """

    destination: str
    scenario: str
    k: int
    measures: tuple[str, ...]
    baseline: dict[str, float]
    table: pd.DataFrame = field(repr=False)
    elements: int = 0
    solved: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    time_s: float = 0.0
    days: int | None = None

    def top(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` most critical rows."""
        return self.table.head(n)

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values."""
        return {
            "destination": self.destination,
            "scenario": self.scenario,
            "k": self.k,
            "days": self.days,
            "measures": list(self.measures),
            "baseline": self.baseline,
            "elements": self.elements,
            "sets": len(self.table),
            "solved": self.solved,
            "skipped": self.skipped,
            "time_s": round(self.time_s, 4),
        }

    def files(self) -> dict[str, str]:
        """``summary.json`` and ``criticality.csv``."""
        return {
            "summary.json": summary_json(self.summary()),
            "criticality.csv": rounded(self.table).to_csv(),
        }


def local_runner(evaluators: dict[str, Evaluator]) -> SetRunner:
    """Evaluate sets in this process, on the given evaluators."""

    def run(
        measure: str, sets: Sequence[tuple[str, ...]], usage: bool
    ) -> list[tuple[dict[str, float], np.ndarray | None]]:
        ev = evaluators[measure]
        out: list[tuple[dict[str, float], np.ndarray | None]] = []
        for s in sets:
            changes = [Change(e) for e in s]
            if usage:
                out.append(ev.evaluate_with_usage(changes))
            else:
                out.append((ev.evaluate(changes), None))
        return out

    return run


def candidate_elements(
    net: Network, target: str, kinds: Iterable[str], only: Iterable[str] | None = None
) -> dict[str, Element]:
    """The elements to cut: of ``kinds`` (or the ids ``only``), without the destination."""
    catalogue = network_elements(net, kinds)
    catalogue = {k: e for k, e in catalogue.items() if e.nodes != (target,)}
    if only is not None:
        wanted = list(only)
        everything = network_elements(net, ("road", "arc", "node", "corridor"))
        for ident in wanted:
            if ident not in everything:
                raise DataError(f"unknown element {ident!r}; {closest(ident, everything)}")
        catalogue = {k: everything[k] for k in wanted}
    if not catalogue:
        raise DataError("no element to cut (check kinds)")
    return catalogue


def criticality(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    destination: str = "bamako",
    *,
    k: int = 1,
    kinds: Iterable[str] = ("road", "node", "corridor"),
    elements: Iterable[str] | None = None,
    measures: Iterable[str] | None = None,
    days: int | None = None,
    single_product: bool | None = None,
    skip_idle: bool = True,
    progress: Progress | None = None,
    runner: SetRunner | None = None,
) -> CriticalityResult:
    """Loss of fuel to ``destination`` when each element (``k=1``) or set of ``k`` is cut.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Applied first: criticality under the blockade, say.
    destination : str
        Node id or name.
    k : int
        Elements cut together: 1 (N-1), 2 (every pair, N-2), 3.
    kinds : iterable of str
        Element kinds: ``road``, ``arc``, ``node``, ``corridor``.
    elements : iterable of str, optional
        Cut only these element ids (instead of every element of ``kinds``).
    measures : iterable of str, optional
        ``max_flow`` (fuel reaching the destination), ``least_cost`` (shortfall),
        ``days_of_cover`` (the multi-day model over ``days``). Default ``max_flow`` and
        ``least_cost``, after ``days_of_cover`` when ``days`` is given.
    days : int, optional
        Horizon of the multi-day measure; default the scenario's ``days``, else 30.
    single_product : bool, optional
        For the multi-day measure, as in :func:`~supplynet.simulate_supply`.
    skip_idle : bool
        Skip the solves that provably change nothing (see the module docstring).
    progress : callable, optional
        Called with (sets done, sets in all).
    runner : callable, optional
        Evaluates batches of sets (the sweeps pass one that runs on workers).

    Returns
    -------
    CriticalityResult

    Raises
    ------
    DataError
        For ``k`` outside 1..3, an unknown kind, element or measure; ``days`` without the
        ``days_of_cover`` measure.
    ScenarioError
        ``days`` outside 1..3,650.
    """
    start = time.perf_counter()
    if not isinstance(k, int) or not 1 <= k <= 3:
        raise DataError(f"k = {k!r}: cut 1, 2 or 3 elements together")
    names = resolve_measures(measures, days)
    sc = Scenario.coerce(scenario)
    applied = sc.apply(net)
    target = applied.node_id(destination)
    catalogue = candidate_elements(applied, target, kinds, elements)
    ids = list(catalogue)
    if k > len(ids):
        raise DataError(f"k = {k} is larger than the {len(ids)} elements to cut")
    setup = timeline_setup(net, sc, names, days, single_product)
    evaluators = {m: build_evaluator(m, applied, target, catalogue, timeline=setup) for m in names}
    run = runner or local_runner(evaluators)
    position = {e: i for i, e in enumerate(ids)}
    baseline = {m: evaluators[m].baseline() for m in names}
    base_usage = {m: evaluators[m].baseline_usage() for m in names}
    # level results: set (sorted tuple of ids) -> measure -> (figures, usage)
    prev: dict[tuple[str, ...], dict[str, tuple[dict[str, float], np.ndarray | None]]] = {
        (): {m: (baseline[m], base_usage[m]) for m in names}
    }
    levels: list[dict[tuple[str, ...], dict[str, Any]]] = []
    solved = dict.fromkeys(names, 0)
    skipped = dict.fromkeys(names, 0)
    solved_flags: dict[tuple[str, ...], bool] = {}
    total = sum(math.comb(len(ids), j) for j in range(1, k + 1))
    done = 0
    for level in range(1, k + 1):
        sets = list(itertools.combinations(ids, level))
        want_usage = level < k
        current: dict[tuple[str, ...], dict[str, Any]] = {s: {} for s in sets}
        for m in names:
            todo: list[tuple[str, ...]] = []
            for s in sets:
                proof = _proof(s, m, prev, position) if skip_idle else None
                if proof is None:
                    todo.append(s)
                else:
                    current[s][m] = proof
                    skipped[m] += 1
            # a runner cuts its own chunks
            step = evaluators[m].chunk_size if runner is None else max(1, len(todo))
            for chunk_start in range(0, len(todo), step):
                chunk = todo[chunk_start : chunk_start + step]
                for s, outcome in zip(chunk, run(m, chunk, want_usage), strict=True):
                    current[s][m] = outcome
                    solved_flags[s] = True
                if progress is not None:
                    progress(done + (chunk_start + len(chunk)) // len(names), total)
            solved[m] += len(todo)
        done += len(sets)
        if progress is not None:
            progress(done, total)
        levels.append(current)
        prev = current
    table = _table(levels[-1], levels[0], catalogue, baseline, k, solved_flags, names)
    result = CriticalityResult(
        destination=target,
        scenario=sc.name,
        k=k,
        measures=names,
        baseline={key: v for m in names for key, v in baseline[m].items()},
        table=table,
        elements=len(ids),
        solved=solved,
        skipped=skipped,
        time_s=time.perf_counter() - start,
        days=None if setup is None else setup.days,
    )
    logger.info(
        "Criticality k=%d of %d elements for %s: %s solved, %s skipped, %.3f s",
        k,
        len(ids),
        target,
        solved,
        skipped,
        result.time_s,
    )
    return result


def resolve_measures(measures: Iterable[str] | None, days: int | None) -> tuple[str, ...]:
    """The measures to evaluate: checked, the multi-day one first by default with ``days``.

    Raises
    ------
    DataError
        An unknown measure, or ``days`` given while no measure uses a horizon.
    """
    if measures is None:
        default = ("max_flow", "least_cost")
        return ("days_of_cover", *default) if days is not None else default
    names = check_measures(dict.fromkeys(measures))
    if days is not None and all(n in STEADY_MEASURES for n in names):
        raise DataError(
            f"days = {days!r} is the horizon of the multi-day measure; add 'days_of_cover' "
            f"to the measures ({', '.join(names)} are steady-state: one day)"
        )
    return names


def timeline_setup(
    net: Network,
    scenario: Scenario,
    measures: Iterable[str],
    days: int | None,
    single_product: bool | None,
) -> TimelineSetup | None:
    """What the multi-day measures build their LP from (``None`` if no measure needs it).

    The horizon is ``days``, else the scenario's ``days``, else 30 (as in
    :func:`~supplynet.simulate_supply`).
    """
    if not any(MEASURES[m].multi_day for m in measures):
        return None
    horizon = days if days is not None else scenario.days or DEFAULT_DAYS
    return TimelineSetup(net, scenario, horizon, single_product=single_product)


def _proof(
    s: tuple[str, ...],
    measure: str,
    prev: dict[tuple[str, ...], dict[str, tuple[dict[str, float], np.ndarray | None]]],
    position: dict[str, int],
) -> tuple[dict[str, float], np.ndarray | None] | None:
    """The outcome of ``s`` if some smaller set's solution leaves one of its elements idle."""
    for e in s:
        rest = tuple(x for x in s if x != e)
        figures, used = prev[rest][measure]
        if used is not None and not used[position[e]]:
            return figures, used
    return None


#: per measure: the table columns it is ranked by, and whether higher is worse
_RANKING = {
    "max_flow": [("loss_m3_day", True)],
    "least_cost": [("shortfall_increase_m3_day", True)],
    "days_of_cover": [("days_of_cover_change", False), ("shortfall_increase_m3", True)],
}


def _table(
    outcomes: dict[tuple[str, ...], dict[str, Any]],
    singles: dict[tuple[str, ...], dict[str, Any]],
    catalogue: dict[str, Element],
    baseline: dict[str, dict[str, float]],
    k: int,
    solved: dict[tuple[str, ...], bool],
    measures: Sequence[str] = ("max_flow", "least_cost"),
) -> pd.DataFrame:
    rows = []
    base_flow = baseline.get("max_flow", {}).get("remaining_m3_day", math.nan)
    base_short = baseline.get("least_cost", {}).get("shortfall_m3_day", math.nan)
    base_days = baseline.get("days_of_cover", {})
    for s, by_measure in outcomes.items():
        members = [catalogue[e] for e in s]
        row: dict[str, Any] = {
            "element": " + ".join(s),
            "kind": " + ".join(e.kind for e in members),
            "name": " + ".join(e.name for e in members),
            "road_ref": " + ".join(e.road_ref for e in members),
            "corridors": " + ".join(e.corridors for e in members),
        }
        if "max_flow" in by_measure:
            remaining = by_measure["max_flow"][0]["remaining_m3_day"]
            row["loss_m3_day"] = max(0.0, base_flow - remaining)
            row["remaining_m3_day"] = remaining
            row["loss_share"] = row["loss_m3_day"] / base_flow if base_flow > 0 else math.nan
            if k >= 2:
                singles_loss = [
                    base_flow - singles[(e,)]["max_flow"][0]["remaining_m3_day"] for e in s
                ]
                row["worst_single_loss_m3_day"] = max(singles_loss)
                row["extra_loss_m3_day"] = row["loss_m3_day"] - max(singles_loss)
        if "least_cost" in by_measure:
            figures = by_measure["least_cost"][0]
            row["shortfall_m3_day"] = figures["shortfall_m3_day"]
            row["shortfall_increase_m3_day"] = max(0.0, figures["shortfall_m3_day"] - base_short)
            row["destination_shortfall_m3_day"] = figures["destination_shortfall_m3_day"]
        if "days_of_cover" in by_measure:
            figures = by_measure["days_of_cover"][0]
            row["days_of_cover"] = figures["days_of_cover"]
            row["days_of_cover_change"] = figures["days_of_cover"] - base_days["days_of_cover"]
            row["first_stockout_day"] = figures["first_stockout_day"]
            row["shortfall_m3"] = figures["shortfall_m3"]
            row["shortfall_increase_m3"] = figures["shortfall_m3"] - base_days["shortfall_m3"]
            row["served_m3"] = figures["served_m3"]
            row["national_shortfall_m3"] = figures["national_shortfall_m3"]
        row["solved"] = bool(solved.get(s, False))
        rows.append(row)
    df = pd.DataFrame(rows).set_index("element")
    ranking = [key for m in measures for key in _RANKING.get(m, []) if key[0] in df]
    df = df.sort_index()
    if ranking:
        df = df.sort_values(
            [c for c, _ in ranking], ascending=[not worse for _, worse in ranking], kind="stable"
        )
    for col in df.select_dtypes("float").columns:
        df[col] = df[col].round(6)
    return df
