"""What a report is made of: one :class:`ScenarioRun` per scenario, solved or given.

:func:`collect_runs` takes what the caller passed (scenarios, TOML paths, results of
``max_throughput`` / ``least_cost_supply``, multi-day timelines, criticality and
interdiction results), solves what is missing, and returns the runs in order, the
reference run (the network unchanged) first. A scenario that cannot be read or solved
becomes a failed run carrying its reason, and the others go on.

Each run records where its scenario came from and the SHA-256 of that file (or of the
scenario's JSON when it was built in Python), so a report can be traced and reproduced.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supplynet.analysis.backtest import BacktestResult, backtest, fit_to_horizon
from supplynet.analysis.criticality import CriticalityResult, criticality
from supplynet.analysis.interdiction import InterdictionResult, interdict
from supplynet.errors import SupplynetError
from supplynet.network import Network
from supplynet.observed import load_observed
from supplynet.optimize import least_cost_supply, max_throughput
from supplynet.results import SupplyResult, ThroughputResult
from supplynet.scenario import Scenario

__all__ = [
    "BASELINE",
    "SIMULATE_THREADS",
    "TIMELINE_TABLES",
    "WORST_CUT_BUDGETS",
    "Progress",
    "ScenarioRun",
    "collect_runs",
    "is_timeline",
    "scenario_hash",
]

logger = logging.getLogger(__name__)

#: name of the reference run (the network unchanged)
BASELINE = "baseline"
#: budgets of the worst cuts computed with ``criticality=True``
WORST_CUT_BUDGETS = (1, 2, 3)
#: multi-day runs solved at the same time (threads; at most the machine's cores).
#: Measured 2026-12-02 on 2 cores: blockade_2025 and kayes_region_closed at 180 days,
#: 5.2 s one after the other, 3.2 s side by side, the same optima
SIMULATE_THREADS = 2

#: the tables of a multi-day result the report reads, built as soon as the run is solved
TIMELINE_TABLES = ("daily", "nodes", "corridors", "balance")

#: (steps done, steps in all, what is being done)
Progress = Callable[[int, int, str], None]
#: ``simulate(network, scenario, days=N[, parallel=False])`` -> a SupplyTimeline, as
#: :func:`supplynet.simulate_supply` (runs side by side pass ``parallel=False``)
Simulate = Callable[..., Any]

_NO_CHANGE = Scenario(name=BASELINE).model_dump(exclude={"name", "description"})


def is_timeline(value: Any) -> bool:
    """Whether ``value`` looks like a :class:`SupplyTimeline` (``daily``, ``nodes`` and
    ``corridors`` tables and a ``scenario`` name)."""
    return all(hasattr(value, a) for a in ("daily", "nodes", "corridors", "scenario"))


def scenario_hash(scenario: Scenario, path: Path | None = None) -> tuple[str, str]:
    """``(sha256, what was hashed)``: the file's bytes, or the scenario's JSON.

    Examples
    --------
    >>> digest, what = scenario_hash(Scenario(name="x"))
    >>> len(digest), what
    (64, 'JSON of the scenario (built in Python)')
    """
    source = path or (Path(scenario.source) if scenario.source else None)
    if source is not None:
        try:
            return hashlib.sha256(source.read_bytes()).hexdigest(), f"file {source}"
        except OSError:
            pass
    text = scenario.model_dump_json()
    return hashlib.sha256(text.encode()).hexdigest(), "JSON of the scenario (built in Python)"


@dataclass
class ScenarioRun:
    """One scenario of the report: where it came from, its results, or why it failed.

    Attributes
    ----------
    name : str
        The scenario's name (unique within the report).
    scenario : Scenario or None
        ``None`` when the file could not be read or only results were given.
    source, sha256, hashed : str
        The scenario file (``""`` if built in Python), the SHA-256 and what it covers.
    flow, supply : result or None
        ``max_throughput`` and ``least_cost_supply`` results.
    timeline : SupplyTimeline or None
        The multi-day result, when run or given.
    criticality : CriticalityResult or None
        The N-1 ranking under this scenario.
    worst_cuts : list of InterdictionResult
        The attacker's best cuts under this scenario, by budget.
    error : str
        Why the scenario failed (empty when it did not).
    timeline_error : str
        Why the multi-day run failed (the steady-state figures may still stand).
    backtest : BacktestResult or None
        Simulated against reported arrivals, for a dated scenario (``backtest=True``).
    backtest_note : str
        Why the scenario was not back-tested (no ``start_date``), or what was left out
        of the record to fit the horizon.
    backtest_error : str
        Why its back-test failed.
    reference : bool
        The reference run (the network unchanged), against which the others compare.
    """

    name: str
    scenario: Scenario | None = None
    description: str = ""
    source: str = ""
    sha256: str = ""
    hashed: str = ""
    flow: ThroughputResult | None = None
    supply: SupplyResult | None = None
    timeline: Any = None
    criticality: CriticalityResult | None = None
    worst_cuts: list[InterdictionResult] = field(default_factory=list)
    error: str = ""
    timeline_error: str = ""
    backtest: BacktestResult | None = None
    backtest_note: str = ""
    backtest_error: str = ""
    reference: bool = False

    @property
    def failed(self) -> bool:
        """True when the scenario could not be read or its LPs were not solved."""
        return bool(self.error)

    @property
    def flow_ok(self) -> bool:
        return self.flow is not None and self.flow.ok

    @property
    def supply_ok(self) -> bool:
        return self.supply is not None and self.supply.ok

    @property
    def timeline_ok(self) -> bool:
        ok = getattr(self.timeline, "ok", True)
        return self.timeline is not None and bool(ok) and not self.timeline_error


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _unique(name: str, taken: set[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name} ({i})", i + 1
    taken.add(candidate)
    return candidate


def _is_unchanged(sc: Scenario) -> bool:
    return sc.model_dump(exclude={"name", "description"}) == _NO_CHANGE


def _from_item(item: Any) -> ScenarioRun:
    if isinstance(item, Scenario):
        digest, hashed = scenario_hash(item)
        return ScenarioRun(
            name=item.name,
            scenario=item,
            description=item.description,
            source=item.source,
            sha256=digest,
            hashed=hashed,
        )
    path = Path(item)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    try:
        sc = Scenario.from_file(path)
    except SupplynetError as exc:
        return ScenarioRun(
            name=path.stem or str(path),
            source=str(path),
            sha256=digest,
            hashed=f"file {path}" if digest else "",
            error=_reason(exc),
        )
    return ScenarioRun(
        name=sc.name,
        scenario=sc,
        description=sc.description,
        source=str(path),
        sha256=digest,
        hashed=f"file {path}",
    )


def collect_runs(
    items: Iterable[Any],
    net: Network,
    *,
    destination: str = "bamako",
    solver: str | None = None,
    simulate: Simulate | None = None,
    days: int | None = None,
    with_criticality: bool = False,
    with_backtest: bool = False,
    progress: Progress | None = None,
    meanwhile: Callable[[list[ScenarioRun]], None] | None = None,
) -> list[ScenarioRun]:
    """Turn what the caller passed into solved runs, the reference run first.

    Parameters
    ----------
    items : iterable
        :class:`Scenario` s, TOML paths, :class:`ThroughputResult` /
        :class:`SupplyResult` s, timelines (:func:`is_timeline`),
        :class:`CriticalityResult` s and :class:`InterdictionResult` s. Results are
        matched to scenarios by scenario name; results of a scenario not listed make a
        run of their own.
    net : Network
        The network every scenario is solved on (results given must come from it).
    destination : str
        Node id or name.
    solver : str, optional
        LP solver.
    simulate, days : optional
        ``supplynet.simulate_supply`` and the horizon, to run the multi-day model.
    with_criticality : bool
        Rank single cuts (N-1) and find the worst cuts of 1-3 elements per scenario.
    with_backtest : bool
        Back-test each dated scenario (one with a ``start_date``) against the reported
        arrivals at Bamako (:func:`supplynet.backtest`), on its multi-day run when there
        is one (else over the scenario's own horizon); the others get a note.
    progress : callable, optional
        Called with (steps done, steps in all, label) as the runs are solved.
    meanwhile : callable, optional
        Called with the runs, in this thread, once their steady-state results (and
        criticality) are in and while the multi-day runs still solve: work that needs no
        multi-day result (a report draws its maps) fills the cores those runs leave idle.

    Raises
    ------
    TypeError
        For an item of another type, naming it.
    """
    runs: list[ScenarioRun] = []
    given: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, ThroughputResult | SupplyResult | CriticalityResult):
            key = {ThroughputResult: "flow", SupplyResult: "supply"}.get(type(item), "crit")
            given.setdefault(item.scenario, {})[key] = item
        elif isinstance(item, InterdictionResult):
            given.setdefault(item.scenario, {}).setdefault("cuts", []).append(item)
        elif is_timeline(item):
            given.setdefault(str(item.scenario), {})["timeline"] = item
        elif isinstance(item, Scenario | str | Path):
            runs.append(_from_item(item))
        else:
            raise TypeError(
                "build_report takes scenarios, scenario files and supplynet results, "
                f"not {type(item).__name__}"
            )
    listed = {r.name for r in runs}
    for name in given:
        if name not in listed:
            runs.append(ScenarioRun(name=name, hashed="results given (no scenario file)"))
            listed.add(name)
    reference = next(
        (r for r in runs if r.scenario is not None and _is_unchanged(r.scenario)), None
    )
    if reference is None:
        reference = ScenarioRun(
            name=BASELINE,
            scenario=Scenario(name=BASELINE, description="the network unchanged"),
            description="the network unchanged",
            hashed="the network unchanged (no scenario file)",
        )
        runs.insert(0, reference)
    else:
        runs.remove(reference)
        runs.insert(0, reference)
    reference.reference = True
    taken: set[str] = set()
    for run in runs:
        parts = given.pop(run.name, {})
        run.flow, run.supply = parts.get("flow"), parts.get("supply")
        run.timeline = parts.get("timeline")
        run.criticality = parts.get("crit")
        run.worst_cuts = sorted(parts.get("cuts", []), key=lambda r: r.budget)
        run.name = _unique(run.name, taken)

    steps_each = 1 + (simulate is not None) + with_criticality + with_backtest
    total, done = steps_each * len(runs), 0

    def step(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, label)

    for run in runs:
        _solve(run, net, destination, solver)
        step(f"solved {run.name}")

    def steady_work() -> None:
        if with_criticality:
            for run in runs:
                _vulnerability(run, net, destination)
                step(f"criticality of {run.name}")
        if meanwhile is not None:
            meanwhile(runs)

    # the steady-state criticality (and the caller's work) runs in this thread while the
    # multi-day runs solve (HiGHS works outside Python's lock)
    if simulate is not None:
        _simulate_all(runs, net, simulate, days, step, steady_work)
    else:
        steady_work()
    for run in runs:
        if with_backtest:
            _backtest(run, net, solver)
            step(f"back-test of {run.name}")
    failed = [r.name for r in runs if r.failed]
    logger.info(
        "Report runs: %d scenarios (%d failed%s)",
        len(runs),
        len(failed),
        f": {', '.join(failed)}" if failed else "",
    )
    return runs


def _solve(run: ScenarioRun, net: Network, destination: str, solver: str | None) -> None:
    if run.failed or run.scenario is None:
        if run.flow is None and run.supply is None and not run.error:
            run.error = "no scenario and no results"
        return
    try:
        if run.flow is None:
            run.flow = max_throughput(net, run.scenario, destination, solver=solver)
        if run.supply is None:
            run.supply = least_cost_supply(net, run.scenario, solver=solver)
    except SupplynetError as exc:
        run.error = _reason(exc)
        run.flow = run.supply = None
        return
    bad = [
        f"{what} LP status {res.status.value}"
        for what, res in (("max-throughput", run.flow), ("least-cost", run.supply))
        if not res.ok
    ]
    if bad:
        run.error = "; ".join(bad)


def _simulate_all(
    runs: list[ScenarioRun],
    net: Network,
    simulate: Simulate,
    days: int | None,
    step: Callable[[str], None],
    meanwhile: Callable[[], None] | None = None,
) -> None:
    """The multi-day runs, :data:`SIMULATE_THREADS` at a time (HiGHS solves outside
    Python's lock, so two runs take about the time of the longer one on two cores), with
    ``meanwhile`` called in this thread as they solve."""
    workers = min(SIMULATE_THREADS, os.cpu_count() or 1, len(runs))
    if workers <= 1:
        for run in runs:
            _simulate(run, net, simulate, days)
            step(f"{days}-day run of {run.name}")
        if meanwhile is not None:
            meanwhile()
        return
    # side by side, each run keeps to one core (no parallel simplex within a run)
    one_core = functools.partial(simulate, parallel=False)
    with ThreadPoolExecutor(workers, thread_name_prefix="supplynet-simulate") as pool:
        futures = {pool.submit(_simulate, run, net, one_core, days): run for run in runs}
        if meanwhile is not None:
            meanwhile()
        for future in as_completed(futures):
            future.result()
            step(f"{days}-day run of {futures[future].name}")


def _simulate(run: ScenarioRun, net: Network, simulate: Simulate, days: int | None) -> None:
    if run.failed or run.scenario is None or run.timeline is not None:
        return
    try:
        run.timeline = simulate(net, run.scenario, days=days)
    except SupplynetError as exc:
        run.timeline_error = _reason(exc)
        return
    status = getattr(run.timeline, "status", None)
    if not getattr(run.timeline, "ok", True):
        run.timeline_error = f"multi-day LP status {getattr(status, 'value', status)}"
        return
    # the result's tables are built when first read: build those the report reads here,
    # beside the other runs still solving, rather than after the last one
    for table in TIMELINE_TABLES:
        getattr(run.timeline, table, None)


def _vulnerability(run: ScenarioRun, net: Network, destination: str) -> None:
    if run.failed or run.scenario is None:
        return
    try:
        if run.criticality is None:
            run.criticality = criticality(net, run.scenario, destination)
        if not run.worst_cuts:
            base = run.criticality.baseline.get("remaining_m3_day", 0.0)
            if base > 0:
                run.worst_cuts = [
                    interdict(net, run.scenario, destination, budget=b) for b in WORST_CUT_BUDGETS
                ]
    except SupplynetError as exc:
        logger.warning("criticality of %s failed: %s", run.name, _reason(exc))


def _backtest(run: ScenarioRun, net: Network, solver: str | None) -> None:
    """Back-test a dated run on its multi-day run (or the scenario's own horizon), the
    observed record cut to that horizon (and the cut noted)."""
    sc = run.scenario
    if run.failed or sc is None or run.backtest is not None:
        return
    if sc.start_date is None:
        run.backtest_note = "no start_date: the scenario is not dated, so not back-tested"
        return
    timeline = run.timeline if run.timeline_ok and hasattr(run.timeline, "source") else None
    try:
        horizon = int(timeline.days) if timeline is not None else int(sc.days or 0)
        observed = load_observed()
        if horizon:
            start = sc.start_date
            end = start + dt.timedelta(days=horizon - 1)
            kept = fit_to_horizon(observed, start, end, embedded=True, scenario=sc.name)
            left = observed.n_rows - kept.n_rows
            if left:
                run.backtest_note = (
                    f"{left} row(s) of the observed record (arrivals, attacks, measures) lie "
                    f"outside the {horizon}-day run ({start} to {end}) and are left out"
                )
            observed = kept
        run.backtest = backtest(
            net,
            sc,
            observed,
            days=horizon or None,
            timeline=timeline,
            solver=solver,
        )
    except SupplynetError as exc:
        run.backtest_error = _reason(exc)
