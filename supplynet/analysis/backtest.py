"""``backtest``: simulated arrivals next to the reported ones, per week and per month.

The multi-day model (:func:`supplynet.simulate_supply`) is run on a dated scenario (one
with a ``start_date``), and what it lands at a place each day is set against what the
observed record (:func:`supplynet.load_observed`) reports for that place, turned into a
reported range per period by the rules of :mod:`~supplynet.analysis.backtest_reports`.

Places: a node (``"bamako"``: fuel arriving at the Sénou depot, by road and from the
pipeline on the first days) or a country (``"Mali"``: fuel entering it through its
border posts, for reports that name no place).

Honest calibration: the reports up to ``cutoff`` (15 Nov 2025 for the crisis scenario) may
have been used to set the scenario's figures; the periods after it are held out, and the
result keeps the two parts apart (``part``). Where the shortfall fell (Bamako against the
regions) is read from the same run.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from supplynet.analysis.backtest_reports import (
    FREQUENCIES,
    OPEN_RATE_DAYS,
    PARTS,
    daily_reported,
    period_table,
)
from supplynet.analysis.simulate import DEFAULT_DAYS, simulate_supply
from supplynet.analysis.timeline_tables import SolutionTables
from supplynet.errors import DataError, ScenarioError, shown
from supplynet.io import write_files
from supplynet.network import Network
from supplynet.observed import Observed, load_observed
from supplynet.results import rounded, summary_json
from supplynet.scenario import Scenario
from supplynet.timeline import ALL, SupplyTimeline

__all__ = ["COUNTRIES", "CUTOFF", "BacktestResult", "backtest", "fit_to_horizon"]

logger = logging.getLogger(__name__)

#: the last day whose reports the crisis scenario's figures may have been set from
CUTOFF = dt.date(2025, 11, 15)
#: places that are countries: name -> ISO code of the network's ``country`` column
COUNTRIES = {"mali": "MLI"}


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Result of :func:`backtest`: simulated against reported arrivals at one place.

    Attributes
    ----------
    scenario : str
        The scenario's name.
    place : str
        The node id, or the country (``"Mali"``), compared.
    cutoff : date or None
        The last day of the calibration part.
    timeline : SupplyTimeline
        The multi-day run the figures come from.
    weekly, monthly : DataFrame
        Indexed by ``period`` (its first day; Monday weeks, calendar months, split at the
        cutoff): ``period_end``, ``days``, ``part`` (``calibration`` or ``held-out``),
        ``simulated_m3`` (over ``compared_days``), ``reported_low_m3``,
        ``reported_high_m3``, ``reported_days``,
        ``reports``, ``within_range``, ``error_m3``, ``error_share``
        (:func:`~supplynet.analysis.backtest_reports.period_table`).
    daily : DataFrame
        By date: ``simulated_m3`` and the reported range of each day.
    shortfall : DataFrame
        Where the shortfall fell: indexed by (``part``, ``node_id``) with ``all`` for the
        whole horizon, Bamako, ``regions`` (every other demand node together) and each
        region: ``name``, ``demand_m3``, ``issued_m3``, ``shortfall_m3``, ``met_share``,
        and ``<class>_met_share`` for each demand class (a class compared across places:
        the regions' demand is mostly mining and industry, Bamako's power and road fuel).

    Examples
    --------
    >>> import supplynet as sn
    >>> obs = sn.load_observed().within("2025-09-01", "2025-10-15")  # a shorter horizon
    >>> bt = sn.backtest(sn.load_network(), "examples/scenarios/crisis_2025.toml", obs, days=45)
    >>> bt.table[["part", "reports"]].astype(str).values.tolist()
    [['calibration', '0'], ['calibration', '1']]
    >>> float(bt.table.loc["2025-10-01", "reported_low_m3"]) / 45  # ~300 tankers on 7 Oct
    300.0
    """

    scenario: str
    place: str
    cutoff: dt.date | None
    timeline: SupplyTimeline = field(repr=False)
    weekly: pd.DataFrame = field(repr=False)
    monthly: pd.DataFrame = field(repr=False)
    daily: pd.DataFrame = field(repr=False)
    shortfall: pd.DataFrame = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The monthly table (what the report's back-test section shows)."""
        return self.monthly

    def periods(self, freq: str = "month") -> pd.DataFrame:
        """The ``weekly`` or ``monthly`` table."""
        if freq not in FREQUENCIES:
            raise DataError(f"freq = {freq!r}: allowed: {', '.join(FREQUENCIES)}")
        return self.weekly if freq == "week" else self.monthly

    @property
    def errors(self) -> pd.DataFrame:
        """The error of each part, by (``freq``, ``part``), over the periods with reports.

        ``periods`` (with a report), ``within_range`` (how many), ``mean_abs_error_share``
        (the mean of ``|error_share|``: 0 when every period is within its reported
        range), ``simulated_m3``, ``reported_low_m3``, ``reported_high_m3`` (sums over
        those periods) and ``total_error_share`` (the sums compared the same way).
        """
        rows = []
        for freq in FREQUENCIES:
            table = self.periods(freq)
            for part in PARTS:
                sub = table[(table["part"] == part) & (table["reports"] > 0)]
                sim = float(sub["simulated_m3"].sum())
                low = float(sub["reported_low_m3"].sum())
                high = float(sub["reported_high_m3"].sum())
                if len(sub):
                    error = sim - min(max(sim, low), high)
                    mid = (low + high) / 2 if math.isfinite(high) else low
                    total_share = error / mid if mid > 0 else math.nan
                    mean_abs = float(sub["error_share"].abs().mean())
                else:
                    total_share = mean_abs = math.nan
                rows.append(
                    {
                        "freq": freq,
                        "part": part,
                        "periods": len(sub),
                        "within_range": int(sub["within_range"].sum()),
                        "mean_abs_error_share": mean_abs,
                        "simulated_m3": sim,
                        "reported_low_m3": low,
                        "reported_high_m3": high,
                        "total_error_share": total_share,
                    }
                )
        return pd.DataFrame(rows).set_index(["freq", "part"])

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values: the errors of each part and where the
        shortfall fell."""
        errors = self.errors
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "place": self.place,
            "cutoff": None if self.cutoff is None else self.cutoff.isoformat(),
            "start_date": _iso(self.timeline.start_date),
            "days": self.timeline.days,
            "status": self.timeline.status.value,
            "open_rate_days": OPEN_RATE_DAYS,
        }
        for index, row in errors.iterrows():
            freq, part = cast(tuple[str, str], index)
            key = f"{freq}_{part.replace('-', '_')}"
            out[f"{key}_periods"] = int(row["periods"])
            out[f"{key}_within_range"] = int(row["within_range"])
            out[f"{key}_mean_abs_error_share"] = _plain(row["mean_abs_error_share"])
        fell = self.shortfall
        for part in ("all", *PARTS):
            for group in ("bamako", "regions"):
                if (part, group) in fell.index:
                    share = fell.loc[(part, group), "met_share"]
                    out[f"{group}_met_share_{part.replace('-', '_')}"] = _plain(share)
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The named tables to write out."""
        return {
            "monthly": self.monthly,
            "weekly": self.weekly,
            "errors": self.errors,
            "shortfall": self.shortfall,
            "daily": self.daily,
        }

    def files(self, *, prefix: str = "") -> dict[str, str]:
        """``summary.json`` and one CSV per table, as ``{file name: text}``."""
        out = {f"{prefix}summary.json": summary_json(self.summary())}
        for name, df in self.tables().items():
            out[f"{prefix}{name}.csv"] = rounded(df).to_csv(date_format="%Y-%m-%d")
        return out

    def write(self, folder: str | Path, *, prefix: str = "") -> list[Path]:
        """Write the files into ``folder``: all of them whole, or none."""
        return write_files(Path(folder), self.files(prefix=prefix))


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _plain(value: Any) -> float | None:
    number = float(value)
    return None if not math.isfinite(number) else round(number, 4)


def _as_date(value: str | dt.date | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataError(f"{what} = {shown(value)}: not a date (YYYY-MM-DD)") from None


def _place_rows(observed: Observed, net: Network, place: str) -> tuple[str, pd.DataFrame]:
    """The label of ``place`` and the arrival rows that report it."""
    arrivals = observed.arrivals
    if place.strip().lower() in COUNTRIES:
        label = place.strip().title()
        named = arrivals["place"].str.strip().str.lower() == place.strip().lower()
        return label, arrivals[named.fillna(False) & arrivals["node_id"].isna()]
    node = net.node_id(place)
    return node, arrivals[arrivals["node_id"] == node]


def _node_arrivals(timeline: SupplyTimeline, node: str) -> pd.Series:
    daily = timeline.daily
    rows = daily.xs((node, ALL), level=("node_id", "demand_class"))
    by_day = rows["arrivals_m3"].groupby(level="day").sum()
    return by_day.reindex(range(1, timeline.days + 1), fill_value=0.0)


def _country_entries(timeline: SupplyTimeline, iso: str) -> pd.Series:
    """Fuel arriving at the country's border posts from abroad, by day (m3)."""
    tables = timeline.source
    if not isinstance(tables, SolutionTables):
        raise DataError("back-test: the timeline carries no flows by road (not solved?)")
    d = tables.d
    nodes = tables.inputs.network.nodes
    country = nodes["country"].fillna("").astype(str)
    kind = nodes["kind"].fillna("").astype(str)

    def inside(node: str) -> bool:
        return iso in country[node].split("/")

    arcs = [
        e
        for e, (u, v) in enumerate(zip(d.arc_tail, d.arc_head, strict=True))
        if kind[d.node_ids[v]] == "border" and inside(d.node_ids[v]) and not inside(d.node_ids[u])
    ]
    by_day = tables.arc_arrivals[:, arcs, :].sum(axis=(1, 2))
    return pd.Series(by_day, index=range(1, timeline.days + 1))


def _shortfall_table(timeline: SupplyTimeline, focus: str, cutoff: dt.date | None) -> pd.DataFrame:
    """Demand, issued and shortfall by node and part, with Bamako and regions totals, and
    the met share of each demand class (the same class compared across places)."""
    daily = timeline.daily
    classes = daily[daily.index.get_level_values("demand_class") != ALL]
    by_class = classes.groupby(level=["day", "node_id", "demand_class"])[
        ["demand_m3", "issued_m3"]
    ].sum()
    names = timeline.nodes.reset_index().drop_duplicates("node_id").set_index("node_id")["name"]
    days = by_class.index.get_level_values("day")
    windows: dict[str, Any] = {"all": np.ones(len(by_class), dtype=bool)}
    if cutoff is not None and timeline.start_date is not None:
        cut_day = (cutoff - timeline.start_date).days + 1
        windows[PARTS[0]] = np.asarray(days <= cut_day)
        windows[PARTS[1]] = np.asarray(days > cut_day)
    frames = []
    for part, mask in windows.items():
        sums = by_class[mask].groupby(level=["node_id", "demand_class"]).sum()
        if not len(sums):
            continue
        nodes = sums.index.get_level_values("node_id")
        group = pd.Series(np.where(nodes == focus, focus, "regions"), index=sums.index)
        grouped = sums.groupby(
            [group.to_numpy(), sums.index.get_level_values("demand_class")]
        ).sum()
        grouped.index.names = ["node_id", "demand_class"]
        if focus not in grouped.index.get_level_values("node_id"):
            continue
        both = pd.concat([grouped, sums.drop(index=focus, level="node_id", errors="ignore")])
        totals = both.groupby(level="node_id", sort=False).sum()
        table = totals.copy()
        table.insert(0, "name", [str(names.get(n, n)) for n in table.index])
        table.loc["regions", "name"] = "regions (every other demand node)"
        table["shortfall_m3"] = table["demand_m3"] - table["issued_m3"]
        table["met_share"] = _share(table["issued_m3"], table["demand_m3"])
        shares = _share(both["issued_m3"], both["demand_m3"]).unstack("demand_class")
        for cls in timeline.classes:
            if cls in shares.columns:
                table[f"{cls}_met_share"] = shares[cls].reindex(table.index)
        table.index = pd.MultiIndex.from_product([[part], table.index], names=["part", "node_id"])
        frames.append(table)
    return pd.concat(frames)


def fit_to_horizon(
    obs: Observed, start: dt.date, end: dt.date, *, embedded: bool, scenario: str = ""
) -> Observed:
    """The record a back-test over ``start``..``end`` compares with.

    The embedded record spans the whole 2025-26 crisis: a shorter run compares the rows
    within its horizon, and the others are left out (logged). A record the user gave is
    meant for this run: a row outside the horizon is an error naming it.

    Raises
    ------
    DataError
        A row of a given record outside the horizon (file, row, column and date).

    Examples
    --------
    >>> import datetime as dt, supplynet as sn
    >>> obs = sn.load_observed()
    >>> short = fit_to_horizon(obs, dt.date(2025, 9, 1), dt.date(2025, 10, 31), embedded=True)
    >>> short.n_rows < obs.n_rows
    True
    """
    if not embedded:
        obs.check_horizon(start, end)
        return obs
    kept = obs.within(start, end)
    if kept.n_rows < obs.n_rows:
        logger.info(
            "Back-test %s: %d of the embedded record's %d rows lie outside %s..%s, left out",
            scenario,
            obs.n_rows - kept.n_rows,
            obs.n_rows,
            start,
            end,
        )
    return kept


def _share(issued: pd.Series, demand: pd.Series) -> pd.Series:
    return (issued / demand.where(demand > 0)).where(demand > 0, 1.0)


def backtest(
    net: Network,
    scenario: Scenario | str | Path,
    observed: Observed | str | Path | None = None,
    *,
    place: str = "bamako",
    cutoff: str | dt.date | None = CUTOFF,
    days: int | None = None,
    timeline: SupplyTimeline | None = None,
    solver: str | None = None,
) -> BacktestResult:
    """Run a dated scenario and set the arrivals it simulates against the reported ones.

    Parameters
    ----------
    net : Network
        The network.
    scenario : Scenario or path
        A multi-day scenario with a ``start_date`` (``examples/scenarios/crisis_2025.toml``).
    observed : Observed or path, optional
        The dated record. Default: the embedded one (``data/observed/``, the whole
        2025-26 crisis), cut to the run's horizon (the rows outside it are left out, and
        logged). A record given must lie within the horizon: a row outside it is an
        error naming the row.
    place : str
        A node id or name (default Bamako), or ``"Mali"`` (fuel entering the country).
    cutoff : date or str, optional
        The last day of the calibration part (default 15 Nov 2025); ``None``: no split.
    days : int, optional
        The horizon (default the scenario's ``days``); a shorter one leaves out the
        operations that start after it (:meth:`Scenario.truncated`).
    timeline : SupplyTimeline, optional
        A run of this scenario already solved (skips the solve; back-tests of several
        places share one run).
    solver : str, optional
        ``highs`` (default) or ``cbc``.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ScenarioError
        A scenario without a ``start_date``.
    DataError
        A bad observed record (file, row and column), a row outside the horizon, an
        unknown place, a timeline that is not optimal.
    """
    sc = Scenario.coerce(scenario)
    if sc.start_date is None:
        where = f"{sc.source}: " if sc.source else ""
        raise ScenarioError(
            f"{where}the back-test needs a dated scenario: give it a start_date (day 1)"
        )
    cut = _as_date(cutoff, "cutoff")
    obs = observed if isinstance(observed, Observed) else load_observed(observed)
    embedded = observed is None
    if timeline is None:
        horizon = days if days is not None else sc.days or DEFAULT_DAYS
        # a bad record fails before the solve, not after it
        end = sc.start_date + dt.timedelta(days=horizon - 1)
        obs = fit_to_horizon(obs, sc.start_date, end, embedded=embedded, scenario=sc.name)
        run = sc if days is None else sc.truncated(days)
        timeline = simulate_supply(net, run, days, solver=solver)
    if not timeline.ok:
        raise DataError(
            f"back-test of {sc.name!r}: the multi-day LP is {timeline.status.value}; "
            "nothing to compare"
        )
    start = timeline.start_date or sc.start_date
    end = start + dt.timedelta(days=timeline.days - 1)
    obs = fit_to_horizon(obs, start, end, embedded=embedded, scenario=sc.name)
    label, rows = _place_rows(obs, net, place)
    if place.strip().lower() in COUNTRIES:
        simulated = _country_entries(timeline, COUNTRIES[place.strip().lower()])
    else:
        simulated = _node_arrivals(timeline, label)
    dates = pd.date_range(pd.Timestamp(start), periods=timeline.days, freq="D", name="date")
    sim = pd.Series(simulated.to_numpy(dtype=float), index=dates)
    tanker_m3 = float(net.graph.graph["tanker_m3"])
    reported = daily_reported(rows, start, timeline.days, tanker_m3)
    daily = reported.drop(columns="day")
    daily.insert(0, "simulated_m3", sim)
    weekly = period_table(sim, reported, "week", cut)
    monthly = period_table(sim, reported, "month", cut)
    focus = net.node_id("bamako") if "bamako" in net.graph else str(next(iter(net.graph)))
    result = BacktestResult(
        scenario=sc.name,
        place=label,
        cutoff=cut,
        timeline=timeline,
        weekly=weekly,
        monthly=monthly,
        daily=daily,
        shortfall=_shortfall_table(timeline, focus, cut),
    )
    logger.info(
        "Back-test %s at %s: %d report rows, %d of %d months with a report",
        sc.name,
        label,
        len(rows),
        int((monthly["reports"] > 0).sum()),
        len(monthly),
    )
    return result
