"""Work that runs in worker processes (a local pool or Dask): evaluators built once each.

A :class:`Payload` carries what a worker needs to build its evaluators (the network with
the scenario applied, the destination, the measures and the elements); it is sent once
per worker (scattered, with Dask). The work functions below are module-level, so they
pickle, and they build each payload's evaluators once per worker thread (an engine is not
shared between threads) and reuse them for every chunk.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from supplynet import solvers
from supplynet.analysis.measures import Change, Evaluator, TimelineSetup, build_evaluator
from supplynet.formulations.elements import Element
from supplynet.network import Network

__all__ = [
    "Payload",
    "cases_from_draws",
    "evaluators_for",
    "run_cases",
    "run_draws",
    "run_sets",
    "share_evaluators",
]

#: evaluations remembered per evaluator (identical samples are common with block attacks)
MEMO_SIZE = 100_000


@dataclass(frozen=True)
class Payload:
    """Everything a worker needs to build the evaluators of one run.

    ``timeline`` is what a multi-day measure builds its LP from (the network before the
    scenario, the scenario, the horizon).
    """

    net: Network
    target: str
    measures: tuple[str, ...]
    elements: dict[str, Element]
    timeline: TimelineSetup | None = None
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


_local = threading.local()


def evaluators_for(payload: Payload) -> dict[str, Evaluator]:
    """The payload's evaluators in this thread, built on first use."""
    cache: dict[str, dict[str, Evaluator]] = getattr(_local, "cache", None) or {}
    _local.cache = cache
    if payload.token not in cache:
        cache.clear()  # one run at a time per thread: drop the previous run's engines
        # a fresh process sizes HiGHS's thread pool: one thread per worker
        threads = 1 if solvers.size_thread_pool(1) else None
        cache[payload.token] = {
            m: build_evaluator(
                m,
                payload.net,
                payload.target,
                payload.elements,
                threads=threads,
                timeline=payload.timeline,
            )
            for m in payload.measures
        }
        _local.memo = {}
    return cache[payload.token]


def share_evaluators(payload: Payload, evaluators: dict[str, Evaluator]) -> None:
    """Use ``evaluators`` (already built, in this thread) for ``payload``'s work here.

    A run evaluated in this process then builds its engines once, not twice (a
    multi-day LP takes a second or more to build and solve cold).
    """
    _local.cache = {payload.token: dict(evaluators)}
    _local.memo = {}


def run_sets(
    payload: Payload, measure: str, sets: Sequence[tuple[str, ...]], usage: bool
) -> list[tuple[dict[str, float], np.ndarray | None]]:
    """Criticality: the figures (and usage) of each set of cut elements."""
    ev = evaluators_for(payload)[measure]
    out: list[tuple[dict[str, float], np.ndarray | None]] = []
    for s in sets:
        changes = [Change(e) for e in s]
        out.append(ev.evaluate_with_usage(changes) if usage else (ev.evaluate(changes), None))
    return out


def run_cases(payload: Payload, cases: Sequence[Sequence[Change]]) -> dict[str, np.ndarray]:
    """Monte Carlo and grids: per measure, an array (cases x figures).

    A case whose changed elements all carry nothing in the baseline has the baseline's
    figures (the baseline solution stays feasible and optimal); a case seen before is
    not solved again.
    """
    evaluators = evaluators_for(payload)
    memo: dict[tuple[str, tuple[Change, ...]], dict[str, float]] = _local.memo
    out: dict[str, np.ndarray] = {}
    for name, ev in evaluators.items():
        idle = ~ev.baseline_usage()
        position = {e: i for i, e in enumerate(ev.ids)}
        values = np.empty((len(cases), len(ev.figures)))
        for row, case in enumerate(cases):
            changes = tuple(c for c in case if c.changes_something)
            if all(idle[position[c.element]] for c in changes):
                figures = ev.baseline()
            else:
                key = (name, tuple(sorted(changes, key=lambda c: c.element)))
                figures = memo.get(key)  # type: ignore[assignment]
                if figures is None:
                    figures = ev.evaluate(list(changes))
                    if len(memo) < MEMO_SIZE:
                        memo[key] = figures
            values[row] = [figures[f] for f in ev.figures]
        out[name] = values
    return out


def cases_from_draws(
    targets: Sequence[str], losses: Sequence[bool], hit: np.ndarray, factor: np.ndarray
) -> list[list[Change]]:
    """Monte Carlo samples as changes: per row, the attacks that hit and their factors.

    ``hit`` is (samples, attacks), or (samples, attacks, days) for the multi-day model:
    an attack then acts on the days it hits (1-based ``periods``).
    """
    out = []
    by_day = hit.ndim == 3
    for row in range(hit.shape[0]):
        case = []
        hits = hit[row].any(axis=1) if by_day else hit[row]
        for j in map(int, np.flatnonzero(hits)):
            value = float(factor[row, j])
            periods = tuple(int(t) + 1 for t in np.flatnonzero(hit[row, j])) if by_day else None
            if losses[j]:
                case.append(Change(targets[j], factor=1.0, arrival=value, periods=periods))
            else:
                case.append(Change(targets[j], factor=value, periods=periods))
        out.append(case)
    return out


def run_draws(
    payload: Payload,
    targets: Sequence[str],
    losses: Sequence[bool],
    hit: np.ndarray,
    factor: np.ndarray,
) -> dict[str, np.ndarray]:
    """Monte Carlo: :func:`run_cases` on samples given as draw arrays (cheap to send)."""
    return run_cases(payload, cases_from_draws(targets, losses, hit, factor))
