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

With the multi-day model, the same spec gains a per-day reading (an attack probability
per day, attack days drawn per sample) and a measure of days of cover; see the package
notes in :mod:`supplynet.analysis.measures`.

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
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.analysis.executors import Executor, make_executor
from supplynet.analysis.measures import MEASURES, build_evaluator
from supplynet.analysis.specs import MonteCarloSpec
from supplynet.analysis.workers import Payload, run_draws
from supplynet.errors import ScenarioError, closest, shown
from supplynet.formulations.elements import ELEMENT_KINDS, Element, network_elements
from supplynet.network import Network
from supplynet.results import rounded
from supplynet.scenario import Scenario
from supplynet.scenario.apply import elements_inside

__all__ = ["MonteCarloResult", "MonteCarloSpec", "monte_carlo", "resolve_attacks"]

logger = logging.getLogger(__name__)

#: samples per chunk sent to a worker
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
        1 when it did not hit), and the figures of each measure.
    stats : DataFrame
        Per figure: ``mean, std, p5, p50, p95, min, max``.
    baseline : dict
        The figures with no attack.
    threshold_m3_day : float
        ``threshold_share`` times the baseline delivery.
    prob_below_threshold : float
        Share of samples delivering less than ``threshold_m3_day`` (NaN without the
        ``max_flow`` measure).
    seed, workers : int
        The seed, and how many workers evaluated the samples.
    time_s : float
        Wall time.
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
    prob_below_threshold: float = float("nan")
    time_s: float = 0.0

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
            "prob_below_threshold": self.prob_below_threshold,
            "stats": {
                fig: {k: float(v) for k, v in row.items()} for fig, row in self.stats.iterrows()
            },
            "time_s": round(self.time_s, 4),
        }

    def files(self) -> dict[str, str]:
        """``summary.json``, ``stats.csv`` and ``samples.csv``."""
        return {
            "summary.json": json.dumps(_plain(self.summary()), indent=2, ensure_ascii=False),
            "stats.csv": rounded(self.stats).to_csv(),
            "samples.csv": rounded(self.samples).to_csv(),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, 6)
    return value


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


def monte_carlo(
    net: Network,
    spec: MonteCarloSpec | str | Path | dict[str, Any],
    *,
    samples: int | None = None,
    seed: int | None = None,
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
        For a spec that does not validate, an unknown target, ``samples`` < 1.
    """
    start = time.perf_counter()
    source = ""
    if isinstance(spec, str | Path):
        source = str(spec)
        spec = MonteCarloSpec.from_file(spec)
    elif isinstance(spec, dict):
        spec = MonteCarloSpec.from_dict(spec)
    overrides: dict[str, Any] = {}
    if samples is not None:
        overrides["samples"] = samples
    if seed is not None:
        overrides["seed"] = seed
    if overrides:
        base = spec._base
        spec = MonteCarloSpec.from_dict({**spec.model_dump(exclude_none=True), **overrides})
        spec._base = base
    if not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers = {workers!r}: must be a whole number >= 1")
    scenario = Scenario.coerce(spec.scenario_path())
    applied = scenario.apply(net)
    target = applied.node_id(spec.destination)
    targets, catalogue = resolve_attacks(spec, applied, source)
    measures = tuple(dict.fromkeys(spec.measures))
    hit, factor = _draw(spec, spec.samples, spec.seed)
    losses = [a.severity == "loss" for a in spec.attacks]
    payload = Payload(applied, target, measures, catalogue)
    evaluators = {m: build_evaluator(m, applied, target, catalogue) for m in measures}
    baseline = {k: v for ev in evaluators.values() for k, v in ev.baseline().items()}
    own = executor is None
    runner = executor if executor is not None else make_executor(workers, scheduler)
    chunks = [
        (targets, losses, hit[i : i + CHUNK_SAMPLES], factor[i : i + CHUNK_SAMPLES])
        for i in range(0, spec.samples, CHUNK_SAMPLES)
    ]
    try:
        parts = runner.map(run_draws, payload, chunks, progress)
    finally:
        if own:
            runner.close()
    columns: dict[str, Any] = {"attacks": hit.sum(axis=1)}
    for j, attack in enumerate(spec.attacks):
        columns[f"attack:{attack.label(j)}"] = factor[:, j]
    for m in measures:
        values = np.concatenate([part[m] for part in parts])
        for col, fig in enumerate(MEASURES[m].figures):
            columns[fig] = values[:, col]
    table = pd.DataFrame(columns)
    table.index.name = "sample"
    figures = [f for m in measures for f in MEASURES[m].figures]
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
    if "remaining_m3_day" in table:
        threshold = spec.threshold_share * baseline["remaining_m3_day"]
        prob = float((table["remaining_m3_day"] < threshold - 1e-9).mean())
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
        threshold_m3_day=threshold,
        prob_below_threshold=prob,
        time_s=time.perf_counter() - start,
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
