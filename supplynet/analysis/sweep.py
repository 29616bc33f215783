"""Sweeps: a grid of changes, a criticality run or a Monte Carlo run, on many workers.

A sweep spec (TOML, :class:`~supplynet.analysis.specs.SweepSpec`) names its ``kind``::

    kind = "grid"
    name = "escorts"
    scenario = "blockade_2025.toml"     # optional, relative to this file
    measures = ["max_flow", "least_cost"]
    [grid]                              # every combination of the axes' values
    kidira_diboli = { limit_m3_day = [0, 300, 600, 900] }
    conakry = { factor = [1.0, 1.5, 2.0] }

    kind = "criticality"                # k = 1..3 and kinds, as sn.criticality
    [criticality]
    k = 2

    kind = "montecarlo"                 # the keys of a Monte Carlo spec
    [montecarlo]
    samples = 10000
    days = 60                           # optional: the multi-day model, attacks per day
    [[montecarlo.attacks]]
    target = "dakar-kayes"
    probability = 0.3

A grid or criticality sweep with ``days = N`` (top level) measures ``days_of_cover`` on
the multi-day model (each change on every day of the horizon).

Each grid point is one engine re-solve (no model is rebuilt). The work is cut into
chunks and run in this process, on a local process pool (``workers``), or on a Dask
cluster (``scheduler``); the result is one table, written as Parquet and CSV with a
``summary.json``, all whole or none (:meth:`SweepResult.write`).
"""

from __future__ import annotations

import io
import itertools
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.analysis.criticality import (
    CriticalityResult,
    candidate_elements,
    criticality,
    resolve_measures,
    timeline_setup,
)
from supplynet.analysis.executors import Executor, InProcess, make_executor
from supplynet.analysis.measures import MEASURES, Change, build_evaluator
from supplynet.analysis.montecarlo import monte_carlo
from supplynet.analysis.specs import CriticalitySpec, SweepSpec
from supplynet.analysis.workers import Payload, run_cases, run_sets, share_evaluators
from supplynet.errors import DataError, ScenarioError, closest, shown
from supplynet.formulations.elements import ELEMENT_KINDS, network_elements
from supplynet.network import Network
from supplynet.results import rounded, summary_json
from supplynet.scenario import Scenario

__all__ = ["SWEEP_OUTPUTS", "SweepResult", "SweepSpec", "run_sweep", "write_outputs"]

logger = logging.getLogger(__name__)

#: the files a sweep writes (grid points and sets go to workers in chunks of each
#: measure's ``chunk_size``: 256 steady-state, 8 multi-day)
SWEEP_OUTPUTS = ("results.parquet", "results.csv", "summary.json")


@dataclass(frozen=True)
class SweepResult:
    """Result of :func:`run_sweep`: one table and a summary.

    Attributes
    ----------
    kind : str
        ``grid``, ``criticality`` or ``montecarlo``.
    table : DataFrame
        Grid: one row per point (a column per axis, then the figures). Criticality: the
        criticality table. Monte Carlo: one row per sample.
    summary : dict
        Headline figures (baseline, counts, stats, workers, time).
    """

    kind: str
    name: str
    table: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(default_factory=dict)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``results.parquet``, ``results.csv`` and ``summary.json``: all or none."""
        table = rounded(self.table)
        return write_outputs(
            Path(folder),
            {
                "results.parquet": _parquet(table),
                "results.csv": table.to_csv().encode(),
                "summary.json": summary_json(self.summary).encode(),
            },
        )


def _parquet(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, engine="pyarrow")
    return buffer.getvalue()


def write_outputs(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write files into ``folder``: all of them whole, or none (earlier ones kept).

    Every file is written in full to a staging folder first; earlier files of the same
    names are set aside, the new ones moved in, and if a move fails the new files are
    taken out and the earlier ones put back.
    """
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder}: output path exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".supplynet-staging-", dir=folder))
    backup = staging / ".previous"
    backup.mkdir()
    set_aside: list[str] = []
    moved: list[str] = []
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        try:
            for name in files:
                if (folder / name).exists():
                    (folder / name).replace(backup / name)
                    set_aside.append(name)
            for name in files:
                (staging / name).replace(folder / name)
                moved.append(name)
        except BaseException:
            for name in moved:
                (folder / name).unlink(missing_ok=True)
            for name in set_aside:
                (backup / name).replace(folder / name)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


def run_sweep(
    spec: SweepSpec | str | Path,
    net: Network | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run a sweep spec on this process, a local pool or a Dask cluster.

    Parameters
    ----------
    spec : SweepSpec or path
        The sweep (see the module docstring).
    net : Network, optional
        Default: the embedded network.
    workers : int
        Local worker processes (1: this process).
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``).
    executor : Executor, optional
        Run on this executor instead.
    progress : callable, optional
        Called with (chunks done, chunks in all).

    Raises
    ------
    ScenarioError
        A spec that does not validate or names an unknown element.
    ClusterError
        An unreachable scheduler, or workers lost beyond recovery.

    Examples
    --------
    >>> import supplynet as sn
    >>> spec = sn.SweepSpec(kind="grid", grid={"abidjan": {"factor": [0.5, 1.0]}})
    >>> res = sn.run_sweep(spec)
    >>> res.table["remaining_m3_day"].tolist()
    [5989.05, 8411.0]
    """
    start = time.perf_counter()
    source = ""
    if isinstance(spec, str | Path):
        source = str(spec)
        spec = SweepSpec.from_file(spec)
    if net is None:
        from supplynet.datasets import load_network

        net = load_network()
    if not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers = {workers!r}: must be a whole number >= 1")
    own = executor is None
    runner = executor if executor is not None else make_executor(workers, scheduler)
    try:
        if spec.kind == "grid":
            table, summary = _grid(spec, net, runner, source, progress)
        elif spec.kind == "criticality":
            table, summary = _criticality(spec, net, runner, progress)
        else:
            assert spec.montecarlo is not None
            mc = monte_carlo(net, spec.montecarlo, executor=runner, progress=progress)
            table, summary = mc.samples, mc.summary()
    finally:
        if own:
            runner.close()
    summary = {
        "kind": spec.kind,
        "name": spec.name,
        **summary,
        "rows": len(table),
        "workers": runner.workers,
        "executor": runner.label,
        "time_s": round(time.perf_counter() - start, 4),
    }
    logger.info(
        "Sweep %s (%s): %d rows in %.3f s", spec.name, spec.kind, len(table), summary["time_s"]
    )
    return SweepResult(spec.kind, spec.name, table, summary)


def _grid(
    spec: SweepSpec,
    net: Network,
    runner: Executor,
    source: str,
    progress: Callable[[int, int], None] | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    assert spec.grid is not None
    sc = Scenario.coerce(spec.scenario_path())
    applied = sc.apply(net)
    target = applied.node_id(spec.destination)
    where = f"{source}: " if source else ""
    ids = list(spec.grid)
    try:
        catalogue = candidate_elements(applied, target, (), ids)
    except DataError as exc:
        bad = next(i for i in ids if i not in _all_ids(applied))
        raise ScenarioError(
            f"{where}grid: unknown element {shown(bad)}; {closest(bad, _all_ids(applied))}"
        ) from exc
    axes = [
        (ident, "factor" if spec.grid[ident].factor is not None else "limit_m3_day")
        for ident in ids
    ]
    values = [spec.grid[ident].values for ident in ids]
    points = list(itertools.product(*values))
    cases = [
        [
            Change(ident, factor=v)
            if kind == "factor"
            else Change(ident, factor=1.0, limit_m3_day=v)
            for (ident, kind), v in zip(axes, point, strict=True)
        ]
        for point in points
    ]
    measures = resolve_measures(spec.measures, spec.days)
    setup = timeline_setup(net, sc, measures, spec.days, spec.single_product)
    # the baselines, checked here (one line if not optimal)
    evaluators = {
        m: build_evaluator(m, applied, target, catalogue, timeline=setup) for m in measures
    }
    payload = Payload(applied, target, measures, catalogue, setup)
    if isinstance(runner, InProcess):
        share_evaluators(payload, evaluators)
    size = min(MEASURES[m].chunk_size for m in measures)
    chunks = [(cases[i : i + size],) for i in range(0, len(cases), size)]
    parts = runner.map(run_cases, payload, chunks, progress)
    columns: dict[str, Any] = {
        f"{ident}.{kind}": [p[j] for p in points] for j, (ident, kind) in enumerate(axes)
    }
    for m in measures:
        block = np.concatenate([part[m] for part in parts])
        for col, fig in enumerate(MEASURES[m].figures):
            columns[fig] = block[:, col]
    table = pd.DataFrame(columns)
    table.index.name = "point"
    return table, {"scenario": sc.name, "destination": target, "points": len(points)}


def _all_ids(net: Network) -> list[str]:
    return list(network_elements(net, ELEMENT_KINDS))


def _criticality(
    spec: SweepSpec,
    net: Network,
    runner: Executor,
    progress: Callable[[int, int], None] | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    options = spec.criticality or CriticalitySpec()
    sc = Scenario.coerce(spec.scenario_path())
    applied = sc.apply(net)
    target = applied.node_id(spec.destination)
    catalogue = candidate_elements(applied, target, options.kinds)
    measures = resolve_measures(spec.measures, spec.days)
    setup = timeline_setup(net, sc, measures, spec.days, spec.single_product)
    payload = Payload(applied, target, measures, catalogue, setup)

    def on_workers(
        measure: str, sets: Sequence[tuple[str, ...]], usage: bool
    ) -> list[tuple[dict[str, float], np.ndarray | None]]:
        size = MEASURES[measure].chunk_size
        chunks = [(measure, list(sets[i : i + size]), usage) for i in range(0, len(sets), size)]
        parts = runner.map(run_sets, payload, chunks)
        return [item for part in parts for item in part]

    res: CriticalityResult = criticality(
        net,
        sc,
        spec.destination,
        k=options.k,
        kinds=options.kinds,
        measures=measures,
        days=setup.days if setup is not None else None,
        single_product=spec.single_product,
        runner=None if isinstance(runner, InProcess) else on_workers,
        progress=progress,
    )
    return res.table, res.summary()
