"""Monte Carlo attacks: the distribution of the fuel that gets through.

Each attack of a :class:`~supplynet.analysis.specs.MonteCarloSpec` hits its target
(a corridor, road, arc, border post, port, depot, or every road and facility in an area)
with its probability, independently of the others, and with a severity: a block (the
target is cut), a capacity factor, or a loss rate (a share of the fuel sent is lost on the
way), drawn per sample from the stated distribution. Each sample is one steady-state
question for the engine; the result is the distribution of each measure: mean, p5, p50,
p95, and the probability that the destination gets less than ``threshold_share`` of its
baseline.

Every random number is drawn up front from one seeded generator, in sample order, and the
samples are then evaluated in chunks, on one process or many: the same seed gives the same
numbers whatever the number of workers.

With the multi-day model (``days = N``, the ``days_of_cover`` measure), each attack's
probability is per day: for every sample, attack and day the generator says whether the
attack starts that day (within its ``start_day``..``end_day``); it then lasts
``duration_days``, and its severity, drawn once per sample, applies on each day it holds.
The attack days become the days (``periods``) of the element's change, evaluated on the
multi-day LP's engine (a warm re-solve from the baseline's basis, never a rebuild). The
result is the distribution of the destination's days of cover, shortfall and fuel served
and received over the horizon, the probability that it runs short within the horizon
(``prob_stockout``), that its days of cover fall below ``threshold_days``, and that it is
served less than ``threshold_share`` of its baseline.

Examples
--------
>>> import supplynet as sn
>>> spec = sn.MonteCarloSpec(attacks=[
...     {"target": "dakar-kayes", "probability": 0.5},
...     {"target": "abidjan-sikasso", "probability": 0.5, "severity": "factor", "value": 0.5},
... ])
>>> res = sn.monte_carlo(sn.load_network(), spec, samples=200, seed=1)
>>> float(res.stats.loc["remaining_m3_day", "p95"]) <= res.baseline["remaining_m3_day"]
True
>>> daily = sn.monte_carlo(sn.load_network(), {"days": 8, "single_product": True, "attacks": [
...     {"target": "abidjan", "probability": 0.2, "duration_days": 3}]}, samples=6, seed=1)
>>> 0 <= daily.prob_stockout <= 1, "days_of_cover" in daily.stats.index
(True, True)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.analysis.evaluator import TimelineSetup
from supplynet.analysis.executors import Executor, InProcess, make_executor
from supplynet.analysis.measures import MEASURES, build_evaluator
from supplynet.analysis.simulate import DEFAULT_DAYS
from supplynet.analysis.specs import (
    MULTI_DAY_MEASURES,
    MonteCarloSpec,
    check_override,
    read_toml,
)
from supplynet.analysis.workers import Payload, run_draws, share_evaluators
from supplynet.errors import ScenarioError, closest, shown
from supplynet.formulations.elements import ELEMENT_KINDS, Element, network_elements
from supplynet.network import Network
from supplynet.results import rounded, summary_json
from supplynet.scenario import Scenario
from supplynet.scenario.apply import elements_inside

__all__ = [
    "MonteCarloResult",
    "MonteCarloSpec",
    "draw_attack_days",
    "monte_carlo",
    "resolve_attacks",
]

logger = logging.getLogger(__name__)

#: samples per chunk sent to a worker (steady state; multi-day: the measure's chunk_size)
CHUNK_SAMPLES = 500


@dataclass(frozen=True)
class MonteCarloResult:
    """Result of :func:`monte_carlo`.

    Attributes
    ----------
    name : str
        The spec's name.
    destination : str
        Node id of the destination.
    samples : DataFrame
        One row per sample (index ``sample``): ``attacks`` (how many hit), one column per
        attack with the factor applied (capacity factor, or share arriving for a loss;
        1 when it did not hit), with the multi-day model ``attack_days:<attack>`` (days
        it held), and the figures of each measure.
    stats : DataFrame
        Per figure: ``mean, std, p5, p50, p95, min, max`` (multi-day: every figure but
        ``first_stockout_day``, which is NaN when the destination never goes short).
    baseline : dict
        The figures with no attack.
    threshold_m3_day : float
        Steady state: ``threshold_share`` times the baseline delivery (max flow), m3/day
        (NaN with the multi-day model).
    threshold_m3 : float
        Multi-day: ``threshold_share`` times the fuel served at the destination over the
        horizon, m3 (NaN in the steady state).
    prob_below_threshold : float
        Share of samples below the threshold (NaN without a measure of delivery).
    seed, workers : int
        The seed, and how many workers evaluated the samples.
    time_s : float
        Wall time.
    days : int, optional
        The multi-day horizon (``None``: steady state).
    prob_stockout : float
        Multi-day: share of samples in which the destination goes short within the
        horizon (days of cover below the horizon).
    threshold_days, prob_below_days : float, optional
        Multi-day: share of samples whose days of cover are below ``threshold_days``.
    notes : tuple of str
        What the run changed or assumed (``--days`` on a steady-state spec).
    """

    name: str
    destination: str
    scenario: str
    seed: int
    workers: int
    measures: tuple[str, ...]
    baseline: dict[str, float]
    samples: pd.DataFrame = field(repr=False)
    stats: pd.DataFrame = field(repr=False)
    threshold_share: float = 0.5
    threshold_m3_day: float = float("nan")
    threshold_m3: float = float("nan")
    prob_below_threshold: float = float("nan")
    time_s: float = 0.0
    days: int | None = None
    prob_stockout: float = float("nan")
    threshold_days: float | None = None
    prob_below_days: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def samples_per_s(self) -> float:
        """Samples evaluated per second of wall time."""
        return len(self.samples) / self.time_s if self.time_s > 0 else float("nan")

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values."""
        return {
            "name": self.name,
            "destination": self.destination,
            "scenario": self.scenario,
            "samples": len(self.samples),
            "seed": self.seed,
            "workers": self.workers,
            "baseline": self.baseline,
            "threshold_share": self.threshold_share,
            "threshold_m3_day": self.threshold_m3_day,
            "threshold_m3": self.threshold_m3,
            "prob_below_threshold": self.prob_below_threshold,
            "days": self.days,
            "prob_stockout": self.prob_stockout,
            "threshold_days": self.threshold_days,
            "prob_below_days": self.prob_below_days,
            "notes": list(self.notes),
            "stats": {
                fig: {k: float(v) for k, v in row.items()} for fig, row in self.stats.iterrows()
            },
            "time_s": round(self.time_s, 4),
        }

    def files(self) -> dict[str, str]:
        """``summary.json``, ``stats.csv`` and ``samples.csv``."""
        return {
            "summary.json": summary_json(self.summary()),
            "stats.csv": rounded(self.stats).to_csv(),
            "samples.csv": rounded(self.samples).to_csv(),
        }


def resolve_attacks(
    spec: MonteCarloSpec, net: Network, source: str = ""
) -> tuple[list[str], dict[str, Element]]:
    """The element id each attack acts on, and the catalogue of those elements.

    Raises
    ------
    ScenarioError
        For an unknown target (closest names), an area touching nothing, or a loss rate
        on a target with no road.
    """
    where = f"{source}: " if source else ""
    everything = network_elements(net, ELEMENT_KINDS)
    targets: list[str] = []
    catalogue: dict[str, Element] = {}
    for i, attack in enumerate(spec.attacks):
        key = f"attacks.{i}"
        if attack.target is not None:
            ident = attack.target
            if ident not in everything:
                raise ScenarioError(
                    f"{where}{key}.target: unknown element {shown(ident)}; "
                    f"{closest(ident, everything)}"
                )
            element = everything[ident]
        else:
            assert attack.area is not None
            arcs, nodes = elements_inside(net, attack.area.geometry())
            if not arcs and not nodes:
                raise ScenarioError(
                    f"{where}{key}.area: touches no node or road of the network "
                    "(coordinates are [lon, lat], in that order)"
                )
            ident = f"area:{i}"
            inside = tuple(n for n in nodes if n in everything)
            element = Element(ident, "area", attack.label(i), "", "", tuple(arcs), inside)
        if attack.severity == "loss" and not element.arcs:
            raise ScenarioError(
                f"{where}{key}: a loss rate needs roads to lose fuel on; {ident!r} is a "
                "node (use severity = 'factor' or 'block')"
            )
        targets.append(ident)
        catalogue[ident] = element
    return targets, catalogue


def _draw(spec: MonteCarloSpec, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per sample and attack: did it hit, and the factor (capacity or arrival) applied."""
    rng = np.random.default_rng(seed)
    n = len(spec.attacks)
    hit = rng.random((samples, n)) < np.array([a.probability for a in spec.attacks])
    u = rng.random((samples, n))
    factor = np.ones((samples, n))
    for j, attack in enumerate(spec.attacks):
        factor[:, j] = np.where(hit[:, j], attack.draw(u[:, j]), 1.0)
    return hit, factor


def draw_attack_days(
    spec: MonteCarloSpec, samples: int, seed: int, days: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample, attack and day: does the attack hold; and per sample and attack, the
    factor applied on those days.

    For every sample, attack and day, one uniform number says whether the attack starts
    that day (probability per day, within its window); an attack holds for
    ``duration_days`` from each start (cut at the horizon). Then one uniform number per
    sample and attack gives its severity. Draws come from one generator in that order,
    whatever the workers.

    Returns
    -------
    hit : ndarray of bool, (samples, attacks, days)
    factor : ndarray, (samples, attacks)
    """
    rng = np.random.default_rng(seed)
    n = len(spec.attacks)
    p = np.array([a.probability for a in spec.attacks])
    starts = rng.random((samples, n, days)) < p[None, :, None]
    allowed = np.zeros((n, days), dtype=bool)
    for j, attack in enumerate(spec.attacks):
        first = (attack.start_day or 1) - 1
        last = attack.end_day or days
        allowed[j, first:last] = True
    starts &= allowed[None, :, :]
    hit = np.zeros_like(starts)
    for j, attack in enumerate(spec.attacks):  # held on t if it started in t-d+1..t
        counts = np.cumsum(starts[:, j, :], axis=1)
        d = attack.duration_days
        before = np.concatenate([np.zeros((samples, d), dtype=counts.dtype), counts], axis=1)
        hit[:, j, :] = (counts - before[:, :days]) > 0
    u = rng.random((samples, n))
    factor = np.ones((samples, n))
    any_hit = np.asarray(hit.any(axis=2))
    for j, attack in enumerate(spec.attacks):
        factor[:, j] = np.where(any_hit[:, j], attack.draw(u[:, j]), 1.0)
    return hit, factor


def _within(spec: MonteCarloSpec, days: int, notes: list[str]) -> MonteCarloSpec:
    """The spec over days 1..``days`` (``--days``): attacks that start later left out,
    windows that end later cut to it, each said in ``notes``, as a shorter ``--days``
    does to a scenario's operations."""
    kept, left = [], []
    for i, attack in enumerate(spec.attacks):
        if attack.start_day is not None and attack.start_day > days:
            left.append(f"attacks.{i} (start_day {attack.start_day})")
            continue
        if attack.end_day is not None and attack.end_day > days:
            attack = attack.model_copy(update={"end_day": days})
        kept.append(attack)
    if left and not kept:
        raise ScenarioError(
            f"days = {days}: every attack starts after the horizon ({', '.join(left)})"
        )
    if left:
        notes.append(f"days = {days}: {', '.join(left)} left out: it starts after the horizon")
    return spec.model_copy(update={"attacks": kept})


def _check_windows(spec: MonteCarloSpec, days: int, source: str) -> None:
    where = f"{source}: " if source else ""
    for i, attack in enumerate(spec.attacks):
        for key in ("start_day", "end_day"):
            value = getattr(attack, key)
            if value is not None and value > days:
                raise ScenarioError(
                    f"{where}attacks.{i}.{key} = {value}: beyond the horizon (days 1..{days})"
                )


def monte_carlo(
    net: Network,
    spec: MonteCarloSpec | str | Path | dict[str, Any],
    *,
    samples: int | None = None,
    seed: int | None = None,
    days: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarloResult:
    """Sample attacks from ``spec`` and return the distribution of fuel delivered.

    Parameters
    ----------
    net : Network
        The network (not modified).
    spec : MonteCarloSpec, path or dict
        The attacks (see :mod:`supplynet.analysis.specs`).
    samples, seed : int, optional
        Override the spec's ``samples`` and ``seed``.
    days : int, optional
        Override the spec's ``days``: run on the multi-day model over ``days`` days
        (a steady-state spec is then measured with ``days_of_cover``, and a note says so).
    workers : int
        Local worker processes (1: this process).
    scheduler : str, optional
        A Dask scheduler address to run on instead.
    executor : Executor, optional
        An executor to run on (the sweeps pass theirs).
    progress : callable, optional
        Called with (chunks done, chunks in all).

    Raises
    ------
    ScenarioError
        For a spec that does not validate, an unknown target, ``samples`` < 1, a day
        outside the horizon.
    """
    start = time.perf_counter()
    source, base = "", ""
    if isinstance(spec, str | Path):
        data, source = read_toml(spec)
    elif isinstance(spec, dict):
        data = dict(spec)
    else:
        data, base = spec.model_dump(exclude_none=True), spec._base
    notes: list[str] = []
    for key, value in (("samples", samples), ("seed", seed), ("days", days)):
        if value is not None:  # an override's error names it, not the spec file
            check_override(MonteCarloSpec, key, value)
            data[key] = value
    if days is not None:
        given = data.get("measures")
        if isinstance(given, list) and given and not set(given) & set(MULTI_DAY_MEASURES):
            data["measures"] = list(MULTI_DAY_MEASURES)
            notes.append(
                f"days = {days}: measured with the multi-day model (days_of_cover) "
                f"instead of {', '.join(map(str, given))}; attack probabilities are per day"
            )
    spec = MonteCarloSpec.from_dict(data, source=source)
    if base:
        spec._base = base
    if not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers = {workers!r}: must be a whole number >= 1")
    scenario = Scenario.coerce(spec.scenario_path())
    applied = scenario.apply(net)
    target = applied.node_id(spec.destination)
    if days is not None and spec.multi_day:  # a shorter --days: later attacks never happen
        spec = _within(spec, days, notes)
    targets, catalogue = resolve_attacks(spec, applied, source)
    measures: tuple[str, ...] = tuple(dict.fromkeys(spec.measures))
    setup = None
    horizon = None
    if spec.multi_day:
        horizon = spec.days if spec.days is not None else scenario.days or DEFAULT_DAYS
        if spec.threshold_days is not None and spec.threshold_days > horizon:
            notes.append(
                f"threshold_days = {spec.threshold_days:g} is beyond the {horizon}-day horizon: "
                "days of cover cannot reach it, so every sample counts as below it"
            )
        _check_windows(spec, horizon, source)
        setup = TimelineSetup(net, scenario, horizon, single_product=spec.single_product)
        hit, factor = draw_attack_days(spec, spec.samples, spec.seed, horizon)
        chunk = min(MEASURES[m].chunk_size for m in measures)
    else:
        hit, factor = _draw(spec, spec.samples, spec.seed)
        chunk = CHUNK_SAMPLES
    losses = [a.severity == "loss" for a in spec.attacks]
    payload = Payload(applied, target, measures, catalogue, setup)
    evaluators = {
        m: build_evaluator(m, applied, target, catalogue, timeline=setup) for m in measures
    }
    baseline = {k: v for ev in evaluators.values() for k, v in ev.baseline().items()}
    own = executor is None
    runner = executor if executor is not None else make_executor(workers, scheduler)
    if isinstance(runner, InProcess):
        share_evaluators(payload, evaluators)
    chunks = [
        (targets, losses, hit[i : i + chunk], factor[i : i + chunk])
        for i in range(0, spec.samples, chunk)
    ]
    try:
        parts = runner.map(run_draws, payload, chunks, progress)
    finally:
        if own:
            runner.close()
    held = hit.any(axis=2) if hit.ndim == 3 else hit
    columns: dict[str, Any] = {"attacks": held.sum(axis=1)}
    for j, attack in enumerate(spec.attacks):
        columns[f"attack:{attack.label(j)}"] = factor[:, j]
        if hit.ndim == 3:
            columns[f"attack_days:{attack.label(j)}"] = hit[:, j, :].sum(axis=1)
    for m in measures:
        values = np.concatenate([part[m] for part in parts])
        for col, fig in enumerate(MEASURES[m].figures):
            columns[fig] = values[:, col]
    table = pd.DataFrame(columns)
    table.index.name = "sample"
    figures = [f for m in measures for f in MEASURES[m].figures if f not in _NOT_IN_STATS]
    stats = pd.DataFrame(
        {
            "mean": table[figures].mean(),
            "std": table[figures].std(ddof=1) if len(table) > 1 else np.nan,
            "p5": table[figures].quantile(0.05),
            "p50": table[figures].quantile(0.5),
            "p95": table[figures].quantile(0.95),
            "min": table[figures].min(),
            "max": table[figures].max(),
        }
    )
    stats.index.name = "figure"
    threshold = prob = float("nan")
    delivery = "remaining_m3_day" if "remaining_m3_day" in table else "served_m3"
    if delivery in table:
        threshold = spec.threshold_share * baseline[delivery]
        prob = float((table[delivery] < threshold - 1e-9).mean())
    prob_stockout = prob_days = float("nan")
    if horizon is not None and "days_of_cover" in table:
        prob_stockout = float((table["days_of_cover"] < horizon).mean())
        if spec.threshold_days is not None:
            prob_days = float((table["days_of_cover"] < spec.threshold_days).mean())
    result = MonteCarloResult(
        name=spec.name,
        destination=target,
        scenario=scenario.name,
        seed=spec.seed,
        workers=runner.workers,
        measures=measures,
        baseline=baseline,
        samples=table,
        stats=stats,
        threshold_share=spec.threshold_share,
        threshold_m3_day=threshold if horizon is None else float("nan"),
        threshold_m3=threshold if horizon is not None else float("nan"),
        prob_below_threshold=prob,
        time_s=time.perf_counter() - start,
        days=horizon,
        prob_stockout=prob_stockout,
        threshold_days=spec.threshold_days,
        prob_below_days=prob_days,
        notes=tuple(notes),
    )
    logger.info(
        "Monte Carlo %s: %d samples on %d worker(s) in %.3f s (%.0f samples/s)",
        spec.name,
        spec.samples,
        runner.workers,
        result.time_s,
        result.samples_per_s,
    )
    return result


#: figures left out of the statistics (NaN when the event never happens)
_NOT_IN_STATS = ("first_stockout_day",)
