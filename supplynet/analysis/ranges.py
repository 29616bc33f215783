"""The sane range of every number a Monte Carlo or sweep spec may hold, as one table.

A value outside its range is refused with a one-line
:class:`~supplynet.errors.ScenarioError` naming the file, the key and the value, in the
style of :mod:`supplynet.scenario.ranges`. Every number is strict: a string where a number
belongs is an error, and so is ``true``.

==================  ======================  ============================================
kind                range                   used by
==================  ======================  ============================================
probability         0 .. 1                  ``attacks.probability``
severity_factor     0 .. 1,000              ``attacks.value`` of a ``factor`` attack
loss_rate           0 .. 1                  ``attacks.value`` of a ``loss`` attack
shape               > 0 .. 1,000            beta ``a``, ``b``
samples             1 .. 10,000,000         ``samples``
seed                0 .. 2**63 - 1          ``seed``
workers             1 .. 1,024              ``workers``
threshold_share     0 .. 1                  ``threshold_share``
grid_points         1 .. 1,000,000          the number of points of a ``[grid]``
k                   1 .. 3                  ``criticality.k``
limit_m3_day        0 .. 1,000,000          ``limit_m3_day`` values of a grid axis
days                1 .. 3,650              ``days`` (the multi-day horizon), attack
                                            ``start_day``, ``end_day``, ``duration_days``
threshold_days      0 .. 3,650              ``threshold_days`` (days of cover)
==================  ======================  ============================================
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from pydantic import Field

from supplynet.scenario.ranges import MAX_DAYS

__all__ = [
    "RANGES",
    "Days",
    "LimitM3Day",
    "LossRate",
    "Probability",
    "Samples",
    "Seed",
    "SeverityFactor",
    "Shape",
    "ThresholdDays",
    "ThresholdShare",
    "Workers",
    "ranges_table",
]

#: kind -> (lowest, highest, lowest is excluded, unit)
RANGES: dict[str, tuple[float, float, bool, str]] = {
    "probability": (0.0, 1.0, False, "-"),
    "severity_factor": (0.0, 1_000.0, False, "-"),
    "loss_rate": (0.0, 1.0, False, "-"),
    "shape": (0.0, 1_000.0, True, "-"),
    "samples": (1, 10_000_000, False, "samples"),
    "seed": (0, 2**63 - 1, False, "-"),
    "workers": (1, 1_024, False, "processes"),
    "threshold_share": (0.0, 1.0, False, "-"),
    "grid_points": (1, 1_000_000, False, "points"),
    "k": (1, 3, False, "elements"),
    "limit_m3_day": (0.0, 1_000_000.0, False, "m3/day"),
    "days": (1, MAX_DAYS, False, "days"),
    "threshold_days": (0.0, float(MAX_DAYS), False, "days"),
}


def _number(kind: str, *, integer: bool = False) -> Any:
    low, high, open_low, _ = RANGES[kind]
    if integer:
        return Field(ge=int(low), le=int(high), strict=True)
    if open_low:
        return Field(gt=low, le=high, allow_inf_nan=False, strict=True)
    return Field(ge=low, le=high, allow_inf_nan=False, strict=True)


Probability = Annotated[float, _number("probability")]
SeverityFactor = Annotated[float, _number("severity_factor")]
LossRate = Annotated[float, _number("loss_rate")]
Shape = Annotated[float, _number("shape")]
Samples = Annotated[int, _number("samples", integer=True)]
Seed = Annotated[int, _number("seed", integer=True)]
Workers = Annotated[int, _number("workers", integer=True)]
ThresholdShare = Annotated[float, _number("threshold_share")]
K = Annotated[int, _number("k", integer=True)]
LimitM3Day = Annotated[float, _number("limit_m3_day")]
Days = Annotated[int, _number("days", integer=True)]
ThresholdDays = Annotated[float, _number("threshold_days")]


def ranges_table() -> pd.DataFrame:
    """The ranges as a table.

    Examples
    --------
    >>> float(ranges_table().loc["probability", "highest"])
    1.0
    """
    rows = [
        {"kind": k, "lowest": lo, "highest": hi, "lowest_excluded": ex, "unit": unit}
        for k, (lo, hi, ex, unit) in RANGES.items()
    ]
    return pd.DataFrame(rows).set_index("kind")
