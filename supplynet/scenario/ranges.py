"""The sane range of every number and text a scenario may hold, as one table.

A scenario value outside its range is refused with the usual one-line
:class:`~supplynet.errors.ScenarioError` naming the file, the key and the value. The
ranges are wide (a planner's what-if, not today's figures), and they keep every figure
far inside what an LP solver handles: an LP with a bound of 1e308 or a demand of 1e20 is
not a question about fuel, and solvers answer it with overflow or nonsense.

Every number is strict: ``radius_km = "100"`` (a string) and ``factor = true`` are
refused alike; integers are accepted where a number is expected, and days, tanker and
convoy counts must be whole numbers.

==========================  ========================  ==================================
kind                        range                     used by
==========================  ========================  ==================================
factor                      0 .. 1,000                ``capacity_factors``, area ``factor``
limit_m3_day                0 .. 1,000,000            ``capacity_limits_m3_day``
demand_m3_day               0 .. 1,000,000            ``demand``
supply_m3_day               0 .. 1,000,000            ``supply_m3_day``
demand_factor               0 .. 100                  ``demand_factor``
stock_m3                    0 .. 100,000,000          ``stock_m3``
radius_km                   > 0 .. 5,000              area ``radius_km``
cost_per_m3_km              0 .. 1,000,000            ``assumptions.cost_per_m3_km``
unmet_penalty_per_m3        > 0 .. 1,000,000,000      ``assumptions.unmet_penalty_per_m3``
day                         1 .. 3,650                days of the multi-day model (``days``,
                                                      ``start_day``, ``end_day``, convoy ``days``)
every_days                  1 .. 365                  convoy ``every_days``, escort ``period_days``
loss_rate                   0 .. 1                    ``loss_rate``, area ``loss_rate``
delay_days                  0 .. 365                  ``delay_days``, convoy ``transit_days``
tankers                     1 .. 10,000               convoy ``max_tankers``, escort
                                                      ``tankers_per_convoy``
convoys                     1 .. 1,000                escort ``convoys`` (per period)
driving_hours_per_day       > 0 .. 24                 ``assumptions.driving_hours_per_day``
truck_time_factor           0 .. 10                   ``assumptions.truck_time_factor``
border_delay_days           0 .. 60                   ``assumptions.border_delay_days``
queue_tankers               0 .. 100,000              ``assumptions.queue_tankers``
share                       0 .. 1                    ``assumptions.pipeline_share``
node_weight                 > 0 .. 100                ``node_weights``
name                        1 .. 200 characters       ``name``, area ``name``
description                 0 .. 5,000 characters     ``description``
==========================  ========================  ==================================

For scale: Mali uses a few thousand m3 of fuel a day, national storage is ~54,000 m3,
and the unmet-demand penalty is 2,000,000 XOF/m3 (data/assumptions.csv).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_DAYS",
    "RANGES",
    "Convoys",
    "CostPerM3Km",
    "Day",
    "DelayDays",
    "DemandFactor",
    "DemandM3Day",
    "Description",
    "EveryDays",
    "Factor",
    "LimitM3Day",
    "LossRate",
    "Name",
    "NodeWeight",
    "PenaltyPerM3",
    "RadiusKm",
    "StockM3",
    "SupplyM3Day",
    "Tankers",
    "ranges_table",
]

#: kind -> (lowest, highest, lowest is excluded, unit)
RANGES: dict[str, tuple[float, float, bool, str]] = {
    "factor": (0.0, 1_000.0, False, "-"),
    "limit_m3_day": (0.0, 1_000_000.0, False, "m3/day"),
    "demand_m3_day": (0.0, 1_000_000.0, False, "m3/day"),
    "supply_m3_day": (0.0, 1_000_000.0, False, "m3/day"),
    "demand_factor": (0.0, 100.0, False, "-"),
    "stock_m3": (0.0, 100_000_000.0, False, "m3"),
    "radius_km": (0.0, 5_000.0, True, "km"),
    "cost_per_m3_km": (0.0, 1_000_000.0, False, "XOF/(m3*km)"),
    "unmet_penalty_per_m3": (0.0, 1_000_000_000.0, True, "XOF/m3"),
    "day": (1.0, 3_650.0, False, "day"),
    "every_days": (1.0, 365.0, False, "days"),
    "loss_rate": (0.0, 1.0, False, "-"),
    "delay_days": (0.0, 365.0, False, "days"),
    "tankers": (1.0, 10_000.0, False, "tankers"),
    "convoys": (1.0, 1_000.0, False, "convoys"),
    "driving_hours_per_day": (0.0, 24.0, True, "h/day"),
    "truck_time_factor": (0.0, 10.0, False, "-"),
    "border_delay_days": (0.0, 60.0, False, "days"),
    "queue_tankers": (0.0, 100_000.0, False, "tankers"),
    "share": (0.0, 1.0, False, "-"),
    "node_weight": (0.0, 100.0, True, "-"),
}

#: the longest horizon of the multi-day model, in days (ten years)
MAX_DAYS = 3_650

NAME_CHARS = 200
DESCRIPTION_CHARS = 5_000


def _number(kind: str) -> Any:
    low, high, open_low, _ = RANGES[kind]
    if open_low:
        return Field(gt=low, le=high, allow_inf_nan=False, strict=True)
    return Field(ge=low, le=high, allow_inf_nan=False, strict=True)


Factor = Annotated[float, _number("factor")]
LimitM3Day = Annotated[float, _number("limit_m3_day")]
DemandM3Day = Annotated[float, _number("demand_m3_day")]
SupplyM3Day = Annotated[float, _number("supply_m3_day")]
DemandFactor = Annotated[float, _number("demand_factor")]
StockM3 = Annotated[float, _number("stock_m3")]
RadiusKm = Annotated[float, _number("radius_km")]
CostPerM3Km = Annotated[float, _number("cost_per_m3_km")]
PenaltyPerM3 = Annotated[float, _number("unmet_penalty_per_m3")]
LossRate = Annotated[float, _number("loss_rate")]
NodeWeight = Annotated[float, _number("node_weight")]
DelayDays = Annotated[float, _number("delay_days")]


def _whole(kind: str) -> Any:
    low, high, _, _ = RANGES[kind]
    return Field(ge=int(low), le=int(high), strict=True)


Day = Annotated[int, _whole("day")]
EveryDays = Annotated[int, _whole("every_days")]
Tankers = Annotated[int, _whole("tankers")]
Convoys = Annotated[int, _whole("convoys")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_CHARS, strict=True)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_CHARS, strict=True)]


def ranges_table() -> pd.DataFrame:
    """The ranges as a table (for documentation and the README).

    Examples
    --------
    >>> float(ranges_table().loc["factor", "highest"])
    1000.0
    """
    import pandas as pd

    rows = [
        {"kind": k, "lowest": lo, "highest": hi, "lowest_excluded": ex, "unit": unit}
        for k, (lo, hi, ex, unit) in RANGES.items()
    ]
    return pd.DataFrame(rows).set_index("kind")
