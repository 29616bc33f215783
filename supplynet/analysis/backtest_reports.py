"""From reports of arrivals to a reported range per day and per period.

The observed record (:func:`supplynet.load_observed`) holds one row per report; a back-test
needs, for each week or month, the range of arrivals the reports document. The rules,
applied to the rows of one place (``data/SOURCES.md``, "How reports become a reported
range"):

1. **A row's figure.** Its ``volume_m3`` when given (low = high), else its tanker counts
   times the tanker size: ``tankers_low`` and ``tankers_high`` (a row with no high, "more
   than N", has no upper bound).
2. **A row's days.** ``date`` to ``date_end``; a rate (``per_day``, ``per_week``) without
   ``date_end`` holds until the day before the next report of the place, for at most
   :data:`OPEN_RATE_DAYS` days ("dozens a day from 10 Nov" until the convoy of 22 Nov). A
   ``total`` is spread evenly over its days; a ``per_day`` rate applies to each of them, a
   ``per_week`` rate as a seventh a day.
3. **Conflicting reports of one event** (rows sharing an ``event`` id) are alternative
   readings: on each day the event's low is the lowest of its rows and its high the
   highest (the 29-30 Oct 2025 arrivals: "several dozen" against "1,000").
4. **Different events add up**, except rates: rates describe the level of all arrivals
   while they hold, so two rate events on the same days are alternative readings of it
   (lowest low, highest high), and a day under a rate takes the larger of the rate and the
   totals reported that day.
5. **A period's range** is the sum of its days' ranges; a day no report covers adds
   nothing, and ``reported_days`` says how many days of the period a report covers.
6. **What it is compared with.** A report of one day (a convoy's arrival) stands for the
   arrivals the record documents in its period, so a period holding one is compared
   whole; a period with reports of several days only (rates, weekly figures) is compared
   on the days they cover (``compared_days``). The record is a set of reports, not a
   census: a period's range is what was reported for it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import numpy as np
import pandas as pd

from supplynet.errors import DataError

__all__ = [
    "FREQUENCIES",
    "OPEN_RATE_DAYS",
    "PARTS",
    "daily_reported",
    "period_table",
    "periods",
]

#: the most days a rate without ``date_end`` holds (``"dozens a day from 10 Nov"``)
OPEN_RATE_DAYS = 14
#: the periods of a back-test
FREQUENCIES = ("week", "month")
#: calibration (up to the cutoff) and held-out (after it) parts
PARTS = ("calibration", "held-out")
Frequency = Literal["week", "month"]


def _row_figures(row: pd.Series, tanker_m3: float) -> tuple[float, float]:
    volume = float(row["volume_m3"])
    if not math.isnan(volume):
        return volume, volume
    low = float(row["tankers_low"]) * tanker_m3
    high = float(row["tankers_high"])
    return low, math.inf if math.isnan(high) else high * tanker_m3


def daily_reported(
    arrivals: pd.DataFrame,
    start: dt.date,
    days: int,
    tanker_m3: float,
    *,
    open_rate_days: int = OPEN_RATE_DAYS,
) -> pd.DataFrame:
    """The reported arrivals of one place by day of the horizon (rules in the module).

    Parameters
    ----------
    arrivals : DataFrame
        Rows of :attr:`supplynet.Observed.arrivals` for one place.
    start : date
        Day 1 of the horizon.
    days : int
        The horizon.
    tanker_m3 : float
        Tanker size, for reports that give tankers only.

    Returns
    -------
    DataFrame
        Indexed by ``date``: ``day`` (1-based), ``reported_low_m3``, ``reported_high_m3``
        (``inf`` where a report has no upper bound), ``reported`` (a report covers the
        day), ``single`` (a report of that one day covers it), ``reports`` (how many rows
        cover it); ``attrs["spans"]`` lists each row's first and last day within the
        horizon.

    Examples
    --------
    >>> import supplynet as sn
    >>> obs = sn.load_observed()
    >>> bamako = obs.arrivals[obs.arrivals["node_id"] == "bamako"]
    >>> t = daily_reported(bamako, dt.date(2025, 9, 1), 181, 45.0)
    >>> float(t.loc["2025-10-07", "reported_low_m3"]) / 45  # ~300 tankers on 7 Oct
    300.0
    >>> t.loc["2025-10-29", ["reported_low_m3", "reported_high_m3"]].tolist()  # 20-90 or 1,000
    [450.0, 22500.0]
    """
    dates = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    first_day = dates[0]
    totals_low = np.zeros(days)
    totals_high = np.zeros(days)
    rate_low = np.full(days, np.nan)
    rate_high = np.full(days, np.nan)
    reports = np.zeros(days, dtype=int)
    spans: list[tuple[object, pd.Timestamp, pd.Timestamp]] = []
    single = np.zeros(days, dtype=bool)
    report_dates = sorted(pd.Timestamp(d) for d in arrivals["date"].unique())
    events: dict[str, list[tuple[object, pd.Series]]] = {}
    for row_id, row in arrivals.iterrows():
        key = str(row["event"]) if pd.notna(row["event"]) else f"row-{row_id}"
        events.setdefault(key, []).append((row_id, row))
    for rows in events.values():
        rate = rows[0][1]["basis"] != "total"
        lows = np.full((len(rows), days), np.inf)
        highs = np.full((len(rows), days), -np.inf)
        for i, (row_id, row) in enumerate(rows):
            low, high = _row_figures(row, tanker_m3)
            begin = pd.Timestamp(row["date"])
            end = row["date_end"]
            if pd.isna(end) and rate:  # until the next report, at most open_rate_days
                later = [d for d in report_dates if d > begin]
                end = begin + pd.Timedelta(days=open_rate_days - 1)
                if later:
                    end = min(end, later[0] - pd.Timedelta(days=1))
            elif pd.isna(end):
                end = begin
            a = (begin - first_day).days
            b = (pd.Timestamp(end) - first_day).days
            if b < 0 or a >= days:
                continue
            if row["basis"] == "total":
                low, high = low / (b - a + 1), high / (b - a + 1)
            elif row["basis"] == "per_week":
                low, high = low / 7.0, high / 7.0
            lo, hi = max(a, 0), min(b, days - 1)
            lows[i, lo : hi + 1] = low
            highs[i, lo : hi + 1] = high
            reports[lo : hi + 1] += 1
            if a == b:
                single[lo] = True
            spans.append((row_id, dates[lo], dates[hi]))
        covered = np.isfinite(lows).any(axis=0)
        # alternative readings: the lowest and the highest of the rows covering the day
        ev_low = np.where(covered, lows.min(axis=0), 0.0)
        ev_high = np.where(covered, highs.max(axis=0), 0.0)
        if rate:
            rate_low = np.where(covered, np.fmin(rate_low, ev_low), rate_low)
            rate_high = np.where(covered, np.fmax(rate_high, ev_high), rate_high)
        else:
            totals_low += ev_low
            totals_high += ev_high
    under_rate = ~np.isnan(rate_low)
    low_m3 = np.where(under_rate, np.fmax(np.nan_to_num(rate_low), totals_low), totals_low)
    high_m3 = np.where(under_rate, np.fmax(np.nan_to_num(rate_high), totals_high), totals_high)
    table = pd.DataFrame(
        {
            "day": np.arange(1, days + 1),
            "reported_low_m3": low_m3,
            "reported_high_m3": high_m3,
            "reported": reports > 0,
            "single": single,
            "reports": reports,
        },
        index=pd.DatetimeIndex(dates, name="date"),
    )
    table.attrs["spans"] = spans
    return table


def periods(
    start: dt.date, days: int, freq: Frequency, cutoff: dt.date | None
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The periods of a horizon: Monday weeks or calendar months, split at the cutoff.

    A period that holds both the cutoff and the day after it is split there, so that
    every period is all calibration or all held-out.

    Examples
    --------
    >>> p = periods(dt.date(2025, 11, 1), 30, "month", dt.date(2025, 11, 15))
    >>> [(a.date().isoformat(), b.date().isoformat()) for a, b in p]
    [('2025-11-01', '2025-11-15'), ('2025-11-16', '2025-11-30')]
    """
    if freq not in FREQUENCIES:
        raise DataError(f"back-test periods: {freq!r} is not one of {', '.join(FREQUENCIES)}")
    dates = pd.date_range(pd.Timestamp(start), periods=days, freq="D")
    rule = "W-SUN" if freq == "week" else "M"
    keys = dates.to_period(rule)
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    cut = pd.Timestamp(cutoff) if cutoff is not None else None
    for key in keys.unique():
        inside = dates[keys == key]
        a, b = inside[0], inside[-1]
        if cut is not None and a <= cut < b:
            out += [(a, cut), (cut + pd.Timedelta(days=1), b)]
        else:
            out.append((a, b))
    return out


def period_table(
    simulated: pd.Series,
    reported: pd.DataFrame,
    freq: Frequency,
    cutoff: dt.date | None,
) -> pd.DataFrame:
    """Simulated against reported arrivals per period, with the error where reported.

    Parameters
    ----------
    simulated : Series
        Simulated arrivals (m3) by date, one value per day of the horizon.
    reported : DataFrame
        :func:`daily_reported` over the same days.
    freq : {"week", "month"}
    cutoff : date or None
        The last day of the calibration part.

    Returns
    -------
    DataFrame
        Indexed by ``period`` (its first day): ``period_end``, ``days``, ``part``,
        ``simulated_m3`` (over ``compared_days``: the whole period, or the days its
        reports cover when they all span several days), ``reported_low_m3``,
        ``reported_high_m3`` (NaN for a period without a report; ``inf`` without an upper
        bound), ``reported_days`` (days a report covers), ``reports`` (report rows that
        touch the period), ``within_range`` (``pd.NA`` without a report), ``error_m3``
        (simulated less the nearest end of the reported range: 0 inside it, NaN without a
        report) and ``error_share``
        (``error_m3`` over the middle of the range).
    """
    start = simulated.index[0].date()
    spans = reported.attrs.get("spans", [])
    rows = []
    for a, b in periods(start, len(simulated), freq, cutoff):
        rep = reported.loc[a:b]
        has = bool(rep["reported"].any())
        window = rep.index if not has or rep["single"].any() else rep.index[rep["reported"]]
        sim = float(simulated.loc[window].sum())
        low = float(rep["reported_low_m3"].sum()) if has else math.nan
        high = float(rep["reported_high_m3"].sum()) if has else math.nan
        if has:
            error = sim - min(max(sim, low), high)
            mid = (low + high) / 2 if math.isfinite(high) else low
            share = error / mid if mid > 0 else math.nan
        else:
            error = share = math.nan
        rows.append(
            {
                "period": a,
                "period_end": b,
                "days": (b - a).days + 1,
                "part": PARTS[0] if cutoff is None or b <= pd.Timestamp(cutoff) else PARTS[1],
                "simulated_m3": sim,
                "compared_days": len(window),
                "reported_low_m3": low,
                "reported_high_m3": high,
                "reported_days": int(rep["reported"].sum()),
                "reports": sum(1 for _, first, last in spans if first <= b and last >= a),
                "within_range": bool(error == 0) if has else pd.NA,  # no report: no verdict
                "error_m3": error,
                "error_share": share,
            }
        )
    frame = pd.DataFrame(rows).set_index("period")
    return frame.astype({"within_range": "boolean"})
