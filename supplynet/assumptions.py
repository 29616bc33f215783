"""Scalar modelling assumptions (tanker size, costs, penalties), one documented table.

The table is ``data/assumptions.csv`` with columns ``key, value, unit, source, note``;
``data/SOURCES.md`` explains each figure. Users override single values with a dict or
replace the table with their own file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from supplynet.errors import DataError, closest
from supplynet.paths import data_path
from supplynet.text_tables import read_text_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Assumptions", "load_assumptions"]


@dataclass(frozen=True)
class Assumptions:
    """Scalar assumptions keyed by name, with their units and sources.

    Examples
    --------
    >>> a = load_assumptions()
    >>> a["tanker_m3"] > 30
    True
    """

    values: Mapping[str, float | str]
    units: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        value = self.get_text(key)
        try:
            return float(value)
        except ValueError:
            raise DataError(f"assumption {key!r} = {value!r} is not a number") from None

    def get_text(self, key: str) -> str:
        """Return the raw value of ``key`` (for text values such as ``currency``)."""
        if key not in self.values:
            raise DataError(f"assumption {key!r} is not defined; {closest(key, self.values)}")
        return str(self.values[key])

    def with_overrides(self, overrides: Mapping[str, float | str]) -> Assumptions:
        """Return a copy with some values replaced (unknown keys are an error)."""
        for key in overrides:
            if key not in self.values:
                raise DataError(
                    f"cannot override unknown assumption {key!r}; {closest(key, self.values)}"
                )
        return Assumptions({**self.values, **overrides}, self.units, self.sources)

    @property
    def table(self) -> pd.DataFrame:
        """The assumptions as a DataFrame indexed by key."""
        import pandas as pd

        return pd.DataFrame(
            {
                "value": pd.Series(self.values, dtype=object),
                "unit": pd.Series(self.units, dtype=object),
                "source": pd.Series(self.sources, dtype=object),
            }
        ).rename_axis("key")


def load_assumptions(path: str | Path | None = None) -> Assumptions:
    """Read an assumptions table (``key,value,unit,source,note``); default: the embedded one."""
    path = data_path("assumptions.csv") if path is None else Path(path)
    try:
        table = read_text_csv(path, "assumptions table")
    except FileNotFoundError:
        raise DataError(f"{path}: assumptions file not found") from None
    missing = {"key", "value"} - set(table.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    keys = [row["key"] for row in table.rows]
    dupes = [k for i, k in enumerate(keys) if k in keys[:i]]
    if dupes:
        raise DataError(f"{path}: duplicate key(s) {', '.join(dupes)}")
    return Assumptions(
        values={row["key"]: row["value"] for row in table.rows},
        units={row["key"]: row.get("unit", "") for row in table.rows},
        sources={row["key"]: row.get("source", "") for row in table.rows},
    )
