"""``sensitivity``: how Bamako's worst month and first stockout move with each ⚠ figure.

One at a time, each assumption of a multi-day scenario that has no source (⚠) is moved
down and up by ``step`` (±50% by default) and the scenario re-run; the result ranks the
assumptions by how far they move Bamako's worst-month delivery, then its first stockout.

The assumptions (:data:`PARAMETERS`):

``tanker_m3``         the tanker size (convoys are counted in tankers; 45 m3 [16])
``convoy_cadence``    every convoy rule's ``every_days`` (rounded to whole days, >= 1)
``convoy_size``       every convoy rule's ``max_tankers`` (rounded, >= 1)
``loss_rates``        every ``loss_rate`` of the events (at most 1)
``initial_stocks``    every depot's initial stock (the scenario's ``stock_m3``, else the
                      security stock of ``depots.csv``; at most the depot's capacity)
``demand_<class>``    the demand of one class (a rationing factor on every day)

Each run is a whole multi-day solve. A shorter horizon (``days``, with the operations that
start after it left out: :meth:`Scenario.truncated`) and worker processes (``workers``)
keep it tractable; every run is independent, so the results do not depend on the number
of workers.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.analysis.executors import make_executor
from supplynet.analysis.simulate import DEFAULT_DAYS, simulate_supply
from supplynet.demand import DemandTables, load_demand_tables, network_demand_tables
from supplynet.errors import DataError, ScenarioError, closest, shown
from supplynet.io import write_files
from supplynet.network import Network
from supplynet.results import rounded, summary_json
from supplynet.scenario import Rationing, Scenario
from supplynet.timeline import ALL, SupplyTimeline

__all__ = [
    "PARAMETERS",
    "SensitivityResult",
    "bamako_measures",
    "priority_classes",
    "sensitivity",
]

logger = logging.getLogger(__name__)

#: the assumptions moved one at a time (``demand_<class>`` for every demand class)
PARAMETERS = ("tanker_m3", "convoy_cadence", "convoy_size", "loss_rates", "initial_stocks")
#: demand classes whose shortage counts as a priority stockout (weight of public transport
#: and above)
PRIORITY_WEIGHT = 3.0
#: the figures measured on each run, and the columns of the result
MEASURES = (
    "worst_month_m3_day",
    "worst_month_met_share",
    "first_short_day",
    "first_priority_short_day",
)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """Result of :func:`sensitivity`.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    focus : str
        The node measured (Bamako).
    days : int
        The horizon of every run.
    step : float
        The relative move (0.5: each assumption at 50% and 150%).
    base : dict
        The measures of the scenario as it is (:func:`bamako_measures`).
    table : DataFrame
        Indexed by ``parameter`` and ranked (``rank`` 1 moves the worst month most):
        ``low_value``, ``base_value``, ``high_value`` (the assumption as run), then for
        the low and the high run ``worst_month_m3_day_low/high`` (the focus's lowest
        monthly delivery, m3/day), ``first_short_day_low/high`` (first day any class
        goes short), ``first_priority_short_day_low/high`` (first day a class of weight
        >= 3 goes short; NaN: never), ``worst_month_swing_m3_day`` (the largest move of
        the worst month from the base, either way) and ``first_short_swing_days``.
    runs : DataFrame
        One row per run: ``parameter``, ``direction``, ``value``, the measures and the
        solve time.
    """

    scenario: str
    focus: str
    days: int
    step: float
    base: dict[str, float]
    table: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)

    def top(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` assumptions that move the worst month most."""
        return self.table.head(n)

    def summary(self) -> dict[str, Any]:
        """The base figures and the ranking, as plain values."""
        return {
            "scenario": self.scenario,
            "focus": self.focus,
            "days": self.days,
            "step": self.step,
            **{f"base_{k}": _plain(v) for k, v in self.base.items()},
            "ranking": [str(p) for p in self.table.index],
        }

    def files(self) -> dict[str, str]:
        """``summary.json``, ``sensitivity.csv`` (the ranked table) and ``runs.csv``."""
        return {
            "summary.json": summary_json(self.summary()),
            "sensitivity.csv": rounded(self.table).to_csv(),
            "runs.csv": rounded(self.runs).to_csv(index=False),
        }

    def write(self, folder: str | Path) -> list[Path]:
        """Write :meth:`files` into ``folder``: all of them whole, or none."""
        return write_files(Path(folder), self.files())


def _plain(value: Any) -> float | None:
    number = float(value)
    return None if not math.isfinite(number) else round(number, 4)


def bamako_measures(
    timeline: SupplyTimeline, focus: str = "bamako", priority: Sequence[str] | None = None
) -> dict[str, float]:
    """The focus node's worst month and first stockout days in one run.

    ``worst_month_m3_day``: the lowest of its calendar months' mean daily delivery (fuel
    issued to its demand; months the horizon cuts count by their days), and that month's
    ``worst_month_met_share``; ``first_short_day`` (any class) and
    ``first_priority_short_day`` (the classes in ``priority``; default those of weight
    >= 3 in the embedded tables) as in :class:`SensitivityResult` (NaN: never short).

    Examples
    --------
    >>> import supplynet as sn
    >>> tl = sn.simulate_supply(sn.load_network(), None, 10)
    >>> m = bamako_measures(tl)
    >>> round(m["worst_month_met_share"], 6), m["first_short_day"]
    (1.0, nan)
    """
    timeline.raise_for_status()
    daily = timeline.daily
    rows = daily.xs(focus, level="node_id")
    classes = rows[rows.index.get_level_values("demand_class") != ALL]
    by_day = classes.groupby(level="day")[["demand_m3", "issued_m3", "unmet_m3"]].sum()
    if timeline.start_date is not None:
        dates = pd.Timestamp(timeline.start_date) + pd.to_timedelta(by_day.index - 1, unit="D")
        month = dates.to_period("M")
    else:
        month = pd.Index((by_day.index - 1) // 30)
    monthly = by_day.groupby(np.asarray(month)).agg(["sum", "count"])
    issued = monthly[("issued_m3", "sum")].to_numpy(dtype=float)
    mean = issued / monthly[("issued_m3", "count")].to_numpy(dtype=float)
    worst = int(np.argmin(mean))  # the first of equal months
    demand = float(monthly[("demand_m3", "sum")].to_numpy(dtype=float)[worst])
    met = float(issued[worst]) / demand if demand > 0 else 1.0
    first_days = timeline.node(focus)["first_stockout_day"]
    first = _number(first_days.at[(ALL, ALL)])
    if priority is None:
        priority = priority_classes(load_demand_tables())
    firsts = [_number(first_days.at[(c, ALL)]) for c in priority if (c, ALL) in first_days.index]
    firsts = [f for f in firsts if not math.isnan(f)]
    return {
        "worst_month_m3_day": float(mean[worst]),
        "worst_month_met_share": met,
        "first_short_day": first,
        "first_priority_short_day": min(firsts) if firsts else math.nan,
    }


def _number(value: Any) -> float:
    return float(value)


def priority_classes(tables: DemandTables) -> list[str]:
    """The demand classes of weight >= :data:`PRIORITY_WEIGHT` (public transport and up)."""
    weights = tables.classes["priority_weight"]
    return [str(c) for c, w in weights.items() if float(w) >= PRIORITY_WEIGHT]


# ----------------------------------------------------------------------- the variants
def _scale_int(value: int, factor: float) -> int:
    return max(1, math.floor(value * factor + 0.5))


def _initial_levels(net: Network, sc: Scenario, tables: DemandTables) -> dict[str, float]:
    """Each depot's initial stock in the scenario as given (m3)."""
    daily = tables.demand.groupby("node_id")["demand_m3_day"].sum()
    out: dict[str, float] = {}
    for node, row in tables.depots.iterrows():
        if str(node) not in net.graph:
            continue
        cap = float(row["capacity_m3"])
        out[str(node)] = min(float(row["initial_days"]) * float(daily.get(node, 0.0)), cap)
    for name, value in sc.stock_m3.items():
        out[net.node_id(name)] = float(value)
    return out


def _variant(
    net: Network, sc: Scenario, tables: DemandTables, parameter: str, factor: float
) -> tuple[Network, Scenario, float]:
    """The network and scenario with ``parameter`` scaled by ``factor``, and its value."""
    if parameter == "tanker_m3":
        G = net.graph.copy()
        G.graph = dict(net.graph.graph)
        G.graph["tanker_m3"] = float(net.graph.graph["tanker_m3"]) * factor
        return net.with_graph(G), sc, float(G.graph["tanker_m3"])
    if parameter == "convoy_cadence":
        convoys = [
            cv.model_copy(update={"every_days": _scale_int(cv.every_days, factor)})
            if cv.every_days is not None
            else cv
            for cv in sc.convoys
        ]
        days = [cv.every_days for cv in convoys if cv.every_days is not None]
        return net, sc.model_copy(update={"convoys": convoys}), float(np.mean(days))
    if parameter == "convoy_size":
        convoys = [
            cv.model_copy(update={"max_tankers": _scale_int(cv.max_tankers, factor)})
            for cv in sc.convoys
        ]
        sizes = [cv.max_tankers for cv in convoys]
        return net, sc.model_copy(update={"convoys": convoys}), float(np.mean(sizes))
    if parameter == "loss_rates":
        events = [
            ev.model_copy(
                update={"loss_rate": {k: min(1.0, v * factor) for k, v in ev.loss_rate.items()}}
            )
            for ev in sc.events
        ]
        rates = [v for ev in events for v in ev.loss_rate.values()]
        return net, sc.model_copy(update={"events": events}), float(np.mean(rates))
    if parameter == "initial_stocks":
        levels = _initial_levels(net, sc, tables)
        caps = tables.depots["capacity_m3"].to_dict()
        stock = {n: min(v * factor, float(caps.get(n, math.inf))) for n, v in levels.items()}
        return net, sc.model_copy(update={"stock_m3": stock}), float(sum(stock.values()))
    if parameter.startswith("demand_"):
        cls = parameter.removeprefix("demand_")
        rule = Rationing.model_validate({"class": cls, "factor": factor})
        total = float(
            tables.demand.loc[tables.demand["demand_class"] == cls, "demand_m3_day"].sum()
        )
        return (
            net,
            sc.model_copy(update={"rationing": [*sc.rationing, rule]}),
            total * factor,
        )
    raise ScenarioError(f"unknown sensitivity parameter {shown(parameter)}")


def _base_value(net: Network, sc: Scenario, tables: DemandTables, parameter: str) -> float:
    return _variant(net, sc, tables, parameter, 1.0)[2]


def _run_one(
    payload: tuple[Any, ...], parameter: str, direction: str, factor: float
) -> dict[str, Any]:
    """One run (a module-level function, so that worker processes can call it)."""
    net, sc, tables, days, focus, solver, parallel = payload
    start = time.perf_counter()
    if parameter == "base":
        variant_net, variant, value = net, sc, math.nan
    else:
        variant_net, variant, value = _variant(net, sc, tables, parameter, factor)
    timeline = simulate_supply(
        variant_net, variant, days, tables=tables, solver=solver, parallel=parallel
    )
    return {
        "parameter": parameter,
        "direction": direction,
        "factor": factor,
        "value": value,
        **bamako_measures(timeline, focus, priority_classes(tables)),
        "solve_s": time.perf_counter() - start,
    }


def _parameters(tables: DemandTables, sc: Scenario, wanted: Sequence[str] | None) -> list[str]:
    known = [*PARAMETERS, *(f"demand_{c}" for c in tables.classes.index)]
    if wanted is None:
        chosen = list(known)
        if not sc.convoys:
            chosen = [p for p in chosen if not p.startswith("convoy_")]
        if not any(ev.loss_rate for ev in sc.events):
            chosen.remove("loss_rates")
        return chosen
    for name in wanted:
        if name not in known:
            raise ScenarioError(
                f"parameters: unknown parameter {shown(name)}; {closest(name, known)}"
            )
    return list(dict.fromkeys(wanted))


def sensitivity(
    net: Network,
    scenario: Scenario | str | Path,
    *,
    parameters: Sequence[str] | None = None,
    step: float = 0.5,
    days: int | None = None,
    focus: str = "bamako",
    tables: DemandTables | None = None,
    workers: int = 1,
    solver: str | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Move each ⚠ assumption by ±``step``, one at a time, and rank what moves Bamako.

    Parameters
    ----------
    net : Network
        The network.
    scenario : Scenario or path
        A multi-day scenario (``examples/scenarios/crisis_2025.toml``).
    parameters : sequence of str, optional
        Which assumptions (default: every one of :data:`PARAMETERS` the scenario uses and
        ``demand_<class>`` for each class).
    step : float
        The relative move, between 0 and 1 (0.5: at 50% and 150%).
    days : int, optional
        A shorter horizon than the scenario's (the operations that start after it are
        left out).
    focus : str
        The node measured (default Bamako).
    workers : int
        Worker processes (each run is one solve; 1 runs them here).
    progress : callable, optional
        Called with (runs done, runs in all, label) after each run.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    ScenarioError
        An unknown parameter (with the closest names), a step outside (0, 1].
    DataError
        A run that is not optimal.

    Examples
    --------
    >>> import supplynet as sn
    >>> res = sn.sensitivity(sn.load_network(), "examples/scenarios/crisis_2025.toml",
    ...                      parameters=["initial_stocks"], days=14)
    >>> res.table.index.tolist(), res.table["rank"].tolist()
    (['initial_stocks'], [1])
    >>> high = res.table.loc["initial_stocks", "worst_month_m3_day_high"]
    >>> bool(high >= res.base["worst_month_m3_day"])
    True
    """
    if not isinstance(step, int | float) or isinstance(step, bool) or not 0 < step <= 1:
        raise ScenarioError(f"step = {shown(step)}: must be a number above 0 and at most 1")
    sc = Scenario.coerce(scenario)
    horizon = days if days is not None else sc.days or DEFAULT_DAYS
    run = sc if days is None else sc.truncated(days)
    tables = tables or network_demand_tables(net)
    target = net.node_id(focus)
    chosen = _parameters(tables, run, parameters)
    jobs: list[tuple[Any, ...]] = [("base", "base", 1.0)]
    for name in chosen:
        jobs += [(name, "low", 1.0 - step), (name, "high", 1.0 + step)]
    # runs side by side in worker processes keep to one core each
    parallel = None if workers <= 1 else False
    payload = (net, run, tables, horizon, target, solver, parallel)
    executor = make_executor(workers)
    labels = [f"{p} {d}" for p, d, _ in jobs]

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total, labels[min(done, total) - 1])

    started = time.perf_counter()
    try:
        rows = executor.map(_run_one, payload, jobs, report)
    finally:
        executor.close()
    runs = pd.DataFrame(rows)
    base = runs[runs["parameter"] == "base"].iloc[0]
    base_measures = {m: float(base[m]) for m in MEASURES}
    table_rows = []
    for name in chosen:
        low = runs[(runs["parameter"] == name) & (runs["direction"] == "low")].iloc[0]
        high = runs[(runs["parameter"] == name) & (runs["direction"] == "high")].iloc[0]
        row: dict[str, Any] = {
            "parameter": name,
            "low_value": float(low["value"]),
            "base_value": _base_value(net, run, tables, name),
            "high_value": float(high["value"]),
        }
        for m in ("worst_month_m3_day", "first_short_day", "first_priority_short_day"):
            row[f"{m}_low"] = float(low[m])
            row[f"{m}_high"] = float(high[m])
        row["worst_month_swing_m3_day"] = max(
            abs(float(low["worst_month_m3_day"]) - base_measures["worst_month_m3_day"]),
            abs(float(high["worst_month_m3_day"]) - base_measures["worst_month_m3_day"]),
        )
        row["first_short_swing_days"] = np.nanmax(
            [
                abs(float(low["first_short_day"]) - base_measures["first_short_day"]),
                abs(float(high["first_short_day"]) - base_measures["first_short_day"]),
                0.0,
            ]
        )
        table_rows.append(row)
    if not table_rows:
        raise DataError("sensitivity: no parameter to move")
    table = pd.DataFrame(table_rows).set_index("parameter")
    table = table.sort_values(
        ["worst_month_swing_m3_day", "first_short_swing_days"], ascending=False, kind="stable"
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    logger.info(
        "Sensitivity of %s: %d runs over %d days in %.1f s",
        sc.name,
        len(jobs),
        horizon,
        time.perf_counter() - started,
    )
    return SensitivityResult(
        scenario=sc.name,
        focus=target,
        days=horizon,
        step=float(step),
        base=base_measures,
        table=table,
        runs=runs,
    )
