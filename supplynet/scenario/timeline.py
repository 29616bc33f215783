"""The multi-day keys of a scenario: timed events, convoys, shared escorts, rationing.

These models are read with the rest of a :class:`~supplynet.scenario.Scenario` and used by
:func:`supplynet.simulate_supply`; the steady-state analyses ignore them (and say so).

Days are numbered 1..N (``--days N``). When the scenario has a ``start_date``, day 1 is
that date, and every ``start_day``/``end_day`` may be given as ``start_date``/``end_date``
instead (and convoy ``days`` as dates). A window without a start begins on day 1; one
without an end lasts to the horizon. An end that runs past the horizon is cut at it; a
start (or a listed convoy day) beyond the horizon is an error, since the operation would
never happen.

:class:`Event`
    a timed operation: any of the untimed capacity keys (``blocked_corridors``,
    ``blocked_edges``, ``blocked_nodes``, ``capacity_factors``,
    ``capacity_limits_m3_day``, ``supply_m3_day``, ``areas``), meaning exactly what they
    mean untimed, on the days of its window (an event's ``supply_m3_day`` replaces the
    untimed one, a later event's an earlier one's); and ``loss_rate`` (share of the fuel
    dispatched onto a corridor, road or node that never arrives), ``delay_days`` (extra
    days on the way), ``supply_factors`` (``{product: factor}`` at every supply point).
:class:`Convoy`
    a corridor that passes only in convoys of up to ``max_tankers`` tankers, every
    ``every_days`` days (from ``first_day``, default the window's start) or on the listed
    ``days``, within its window (before and after it the corridor is open as usual),
    taking ``transit_days`` over the corridor's own roads; an ``escorted`` convoy draws
    on the shared :class:`Escorts`.
:class:`Escorts`
    one pool of escorts for all escorted convoys: at most ``convoys`` convoys of
    ``tankers_per_convoy`` tankers in any ``period_days`` consecutive days, across all
    corridors.
:class:`Rationing`
    scales one demand class (``class = "all"``: every class), optionally of one product
    and at some nodes, on the days of its window.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from supplynet.errors import ScenarioError
from supplynet.scenario.area import Area
from supplynet.scenario.base import DateValue, Validated
from supplynet.scenario.ranges import (
    Convoys,
    Day,
    DelayDays,
    DemandFactor,
    EveryDays,
    Factor,
    LimitM3Day,
    LossRate,
    Name,
    SupplyM3Day,
    Tankers,
)

__all__ = [
    "ALLOCATIONS",
    "ALL_CLASSES",
    "Allocation",
    "Convoy",
    "Escorts",
    "Event",
    "Rationing",
    "Window",
    "day_of",
]

#: allocation rules: ``priority`` (the LP's weighted optimum), ``pro-rata`` (equal shares)
ALLOCATIONS = ("priority", "pro-rata")
Allocation = Literal["priority", "pro-rata"]
#: the rationing class that stands for every demand class
ALL_CLASSES = "all"

_CONFIG = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def day_of(value: int | dt.date, start_date: dt.date | None) -> int:
    """The day number (1-based) of a day number or a date, given day 1's date.

    Raises
    ------
    ValueError
        A date when there is no ``start_date``, or a date before it.

    Examples
    --------
    >>> day_of(dt.date(2025, 10, 3), dt.date(2025, 10, 1))
    3
    >>> day_of(7, None)
    7
    """
    if isinstance(value, dt.date):
        if start_date is None:
            raise ValueError(f"{value.isoformat()} is a date, but the scenario has no start_date")
        day = (value - start_date).days + 1
        if day < 1:
            raise ValueError(
                f"{value.isoformat()} is before the scenario's start_date {start_date.isoformat()}"
            )
        return day
    return int(value)


class Window(Validated):
    """Fields every timed operation has: the first and last day it applies (inclusive)."""

    model_config = _CONFIG

    start_day: Day | None = None
    end_day: Day | None = None
    start_date: DateValue | None = None
    end_date: DateValue | None = None

    @model_validator(mode="after")
    def _one_start_one_end(self) -> Window:
        if self.start_day is not None and self.start_date is not None:
            raise ValueError("give start_day or start_date, not both")
        if self.end_day is not None and self.end_date is not None:
            raise ValueError("give end_day or end_date, not both")
        if (
            self.start_day is not None
            and self.end_day is not None
            and self.end_day < self.start_day
        ):
            raise ValueError(f"end_day = {self.end_day} is before start_day = {self.start_day}")
        if (
            self.start_date is not None
            and self.end_date is not None
            and self.end_date < self.start_date
        ):
            raise ValueError(
                f"end_date = {self.end_date.isoformat()} is before start_date = "
                f"{self.start_date.isoformat()}"
            )
        return self

    def window(self, key: str, horizon: int, start_date: dt.date | None) -> tuple[int, int]:
        """The days it applies, 0-based and inclusive, cut at the horizon.

        Raises
        ------
        ScenarioError
            A date without a scenario ``start_date``, a start beyond the horizon, or an
            end before the start once dates are turned into days; naming ``key``.
        """
        try:
            first = day_of(self.start_date or self.start_day or 1, start_date)
            last_given = self.end_date or self.end_day
            last = horizon if last_given is None else day_of(last_given, start_date)
        except ValueError as exc:
            raise ScenarioError(f"{key}: {exc}") from None
        start_key = "start_date" if self.start_date else "start_day"
        if first > horizon:
            raise ScenarioError(
                f"{key}.{start_key} = {self.start_date or self.start_day}: day {first} is "
                f"beyond the horizon of {horizon} days"
            )
        if last < first:
            raise ScenarioError(f"{key}: ends (day {last}) before it starts (day {first})")
        return first - 1, min(last, horizon) - 1


class Event(Window):
    """A timed operation: capacity keys, losses, delays or supply factors over a window.

    Examples
    --------
    >>> Event(start_day=1, end_day=42, blocked_corridors=["dakar-kayes"]).end_day
    42
    >>> Event(start_day=10, end_day=3, blocked_nodes=["kouremale"])
    Traceback (most recent call last):
    ...
    supplynet.errors.ScenarioError: end_day = 3 is before start_day = 10
    """

    name: Name = "event"
    blocked_corridors: list[str] = Field(default_factory=list)
    blocked_edges: list[str] = Field(default_factory=list)
    blocked_nodes: list[str] = Field(default_factory=list)
    capacity_factors: dict[str, Factor] = Field(default_factory=dict)
    capacity_limits_m3_day: dict[str, LimitM3Day] = Field(default_factory=dict)
    supply_m3_day: dict[str, SupplyM3Day] = Field(default_factory=dict)
    areas: list[Area] = Field(default_factory=list)
    loss_rate: dict[str, LossRate] = Field(default_factory=dict)
    delay_days: dict[str, DelayDays] = Field(default_factory=dict)
    supply_factors: dict[str, Factor] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _does_something(self) -> Event:
        keys = (
            "blocked_corridors",
            "blocked_edges",
            "blocked_nodes",
            "capacity_factors",
            "capacity_limits_m3_day",
            "supply_m3_day",
            "areas",
            "loss_rate",
            "delay_days",
            "supply_factors",
        )
        if not any(getattr(self, k) for k in keys):
            raise ValueError(f"the event changes nothing; give at least one of {', '.join(keys)}")
        return self


class Convoy(Window):
    """A corridor that passes only in convoys, on some days, of a limited size.

    Examples
    --------
    >>> Convoy(corridor="dakar-kayes", every_days=10, max_tankers=150).transit_days is None
    True
    >>> Convoy(corridor="dakar-kayes", every_days=10, max_tankers=0)
    Traceback (most recent call last):
    ...
    supplynet.errors.ScenarioError: max_tankers = 0: Input should be greater than or equal to 1
    """

    corridor: Name
    every_days: EveryDays | None = None
    first_day: Day | DateValue | None = None
    days: list[Day | DateValue] | None = Field(None, min_length=1, max_length=3_650)
    max_tankers: Tankers
    transit_days: DelayDays | None = None
    escorted: StrictBool = True

    @model_validator(mode="after")
    def _one_schedule(self) -> Convoy:
        if (self.every_days is None) == (self.days is None):
            raise ValueError("give exactly one of every_days or days (the convoy days)")
        if self.first_day is not None and self.every_days is None:
            raise ValueError("first_day goes with every_days (listed days are given in days)")
        return self

    def convoy_days(self, key: str, horizon: int, start_date: dt.date | None) -> list[int]:
        """The convoy days, 0-based, within the window and the horizon.

        Raises
        ------
        ScenarioError
            A listed day beyond the horizon or outside the window, naming ``key``.
        """
        first, last = self.window(key, horizon, start_date)
        if self.every_days is not None:
            start = first
            if self.first_day is not None:
                try:
                    start = day_of(self.first_day, start_date) - 1
                except ValueError as exc:
                    raise ScenarioError(f"{key}.first_day: {exc}") from None
                if not first <= start <= last:
                    raise ScenarioError(
                        f"{key}.first_day = {self.first_day}: day {start + 1} is outside the "
                        f"convoy's window (days {first + 1}..{last + 1}) or the horizon"
                    )
            return list(range(start, last + 1, self.every_days))
        out = []
        for i, value in enumerate(self.days or []):
            try:
                day = day_of(value, start_date)
            except ValueError as exc:
                raise ScenarioError(f"{key}.days.{i}: {exc}") from None
            if day > horizon:
                raise ScenarioError(
                    f"{key}.days.{i} = {value}: day {day} is beyond the horizon of {horizon} days"
                )
            if not first <= day - 1 <= last:
                raise ScenarioError(
                    f"{key}.days.{i} = {value}: day {day} is outside the convoy's window "
                    f"(days {first + 1}..{last + 1})"
                )
            out.append(day - 1)
        return sorted(set(out))


class Escorts(Window):
    """The escorts every escorted convoy shares: convoys per period, tankers per convoy.

    Examples
    --------
    >>> Escorts(convoys=2, tankers_per_convoy=150).period_days
    7
    """

    convoys: Convoys
    period_days: EveryDays = 7
    tankers_per_convoy: Tankers


class Rationing(Window):
    """A demand class scaled on some days (``class = "all"``: every class).

    Examples
    --------
    >>> Rationing.model_validate({"class": "general_market", "factor": 0.33}).demand_class
    'general_market'
    """

    demand_class: Name = Field(alias="class")
    product: Name | None = None
    nodes: list[str] = Field(default_factory=list)
    factor: DemandFactor
