"""Road capacity assumptions: tanker trucks per day and truck speed by road class.

The road capacity assumptions serve the curated network and the OpenStreetMap builder:
``data/road_capacity.csv`` (columns ``highway, surface, tanker_trucks_day, speed_kmh,
source, note``) gives the figures for a road in good condition, per direction, and
``data/road_condition.csv`` (``tag, value, capacity_factor, speed_factor``) scales them
by the OSM condition tags ``smoothness`` and ``tracktype``. The tanker size is the
``tanker_m3`` assumption (``data/assumptions.csv``), the one figure node capacities use
too. The capacity of a road in m3/day per direction is::

    capacity_m3_day = tanker_trucks_day(highway, surface) * tanker_m3
                      * capacity_factor(smoothness) * capacity_factor(tracktype)

(the OSM builder then applies the lane rule of :mod:`supplynet.osm.assemble`).

A row with ``highway = "*"`` and ``surface = "*"`` is the fallback. It is used only when
the caller asks for it (``fallback=True``); otherwise a class missing from the table is an
error naming the road, never a silent default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from supplynet.assumptions import load_assumptions
from supplynet.errors import DataError, closest
from supplynet.paths import data_path
from supplynet.text_tables import EmptyCsvError, read_text_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CapacityTable", "RoadCapacity", "load_capacity_table", "normalise_surface"]

_PAVED = {"paved", "asphalt", "concrete", "chipseal", "paving_stones", "sett", "concrete:plates"}
_UNPAVED = {
    "unpaved",
    "gravel",
    "dirt",
    "earth",
    "ground",
    "sand",
    "compacted",
    "fine_gravel",
    "laterite",
    "mud",
    "grass",
}


def normalise_surface(surface: object) -> str:
    """Map an OSM ``surface`` tag to ``paved`` or ``unpaved``.

    A missing tag counts as paved (main roads are tagged when unpaved); an unknown value
    counts as unpaved, the conservative choice.

    Examples
    --------
    >>> normalise_surface("asphalt"), normalise_surface("laterite"), normalise_surface(None)
    ('paved', 'unpaved', 'paved')
    """
    if surface is None or (isinstance(surface, float) and math.isnan(surface)) or surface == "":
        return "paved"
    value = str(surface).split(";")[0].strip().lower()
    return "paved" if value in _PAVED else "unpaved"


@dataclass(frozen=True)
class RoadCapacity:
    """Capacity figures for one road class and surface."""

    tanker_trucks_day: float
    speed_kmh: float
    capacity_m3_day: float


@dataclass(frozen=True)
class CapacityTable:
    """Tanker trucks per day and speed by ``(highway, surface)``, plus the tanker size.

    Examples
    --------
    >>> table = load_capacity_table()
    >>> table.lookup("trunk", "paved").capacity_m3_day > 0
    True
    """

    rows: Mapping[tuple[str, str], tuple[float, float]]
    tanker_m3: float
    conditions: Mapping[tuple[str, str], tuple[float, float]] = field(default_factory=dict)

    def condition_factors(
        self, smoothness: object = None, tracktype: object = None
    ) -> tuple[float, float]:
        """Capacity and speed multipliers for OSM ``smoothness`` and ``tracktype`` tags.

        Values not in the condition table (or missing) multiply by 1.

        Examples
        --------
        >>> load_capacity_table().condition_factors(smoothness="bad")
        (0.7, 0.6)
        """
        capacity_f, speed_f = 1.0, 1.0
        for tag, value in (("smoothness", smoothness), ("tracktype", tracktype)):
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            c, v = self.conditions.get((tag, str(value).strip().lower()), (1.0, 1.0))
            capacity_f, speed_f = capacity_f * c, speed_f * v
        return capacity_f, speed_f

    def lookup(
        self,
        highway: str,
        surface: str = "paved",
        *,
        smoothness: object = None,
        tracktype: object = None,
        what: str = "",
        fallback: bool = False,
    ) -> RoadCapacity:
        """Return the capacity of a road of class ``highway`` and ``surface``.

        Parameters
        ----------
        highway, surface : str
            OSM highway class and surface (``paved``/``unpaved`` or a raw OSM tag).
        smoothness, tracktype : str, optional
            OSM condition tags; they scale capacity and speed by the condition table.
        what : str, optional
            The road being looked up (edge or way id), named in the error message.
        fallback : bool, optional
            Use the ``*`` row when the class is unknown.
        """
        key = (str(highway).strip().lower(), normalise_surface(surface))
        if key not in self.rows and fallback:
            key = ("*", "*")
        if key not in self.rows:
            classes = {h for h, _ in self.rows if h != "*"}
            culprit = f"{what}: " if what else ""
            raise DataError(
                f"{culprit}no road capacity for highway={highway!r} surface={key[1]!r}; "
                f"{closest(key[0], classes)} (or allow the table's fallback row)"
            )
        trucks, speed = self.rows[key]
        capacity_f, speed_f = self.condition_factors(smoothness, tracktype)
        trucks, speed = trucks * capacity_f, speed * speed_f
        return RoadCapacity(trucks, speed, trucks * self.tanker_m3)

    def with_overrides(
        self,
        rows: Mapping[tuple[str, str], tuple[float, float]] | None = None,
        *,
        tanker_m3: float | None = None,
    ) -> CapacityTable:
        """Return a copy with some ``(highway, surface) -> (trucks/day, km/h)`` rows replaced.

        Keys are normalised as the table's are (class lowercased, surface to
        ``paved``/``unpaved``).

        Raises
        ------
        DataError
            A row that is not ``(highway, surface) -> (trucks/day, km/h)`` with
            trucks/day >= 0 and km/h > 0, naming it; a tanker size that is not positive.
        """
        checked = {}
        for key, value in (rows or {}).items():
            norm_key, figures = _check_override(key, value)
            checked[norm_key] = figures
        if tanker_m3 is not None:
            tanker_m3 = _positive_tanker(tanker_m3)
        return CapacityTable(
            {**self.rows, **checked},
            self.tanker_m3 if tanker_m3 is None else tanker_m3,
            self.conditions,
        )

    @property
    def table(self) -> pd.DataFrame:
        """The table as a DataFrame with a ``capacity_m3_day`` column."""
        import pandas as pd

        df = pd.DataFrame(
            [(h, s, t, v) for (h, s), (t, v) in self.rows.items()],
            columns=["highway", "surface", "tanker_trucks_day", "speed_kmh"],
        )
        df["capacity_m3_day"] = df["tanker_trucks_day"] * self.tanker_m3
        return df


def _row_key(highway: object, surface: object) -> tuple[str, str]:
    key_surface = "*" if str(surface).strip() == "*" else normalise_surface(surface)
    return str(highway).strip().lower(), key_surface


def _check_override(key: object, value: object) -> tuple[tuple[str, str], tuple[float, float]]:
    """Validate one override row ``(highway, surface) -> (trucks/day, km/h)``."""
    if not (isinstance(key, tuple) and len(key) == 2):
        raise DataError(
            f"capacity override {key!r}: the key must be a (highway, surface) pair, "
            "e.g. ('primary', 'unpaved')"
        )
    what = f"capacity override {key!r}"
    if isinstance(value, str | bytes) or not (isinstance(value, tuple | list) and len(value) == 2):
        raise DataError(
            f"{what}: expected (tanker_trucks_day, speed_kmh), two numbers; got {value!r}"
        )
    try:
        trucks, speed = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        raise DataError(
            f"{what}: tanker_trucks_day/speed_kmh {value[0]!r}/{value[1]!r} are not numbers"
        ) from None
    if not (math.isfinite(trucks) and math.isfinite(speed) and trucks >= 0 and speed > 0):
        raise DataError(
            f"{what}: tanker_trucks_day must be >= 0 and speed_kmh > 0, got {trucks:g}, {speed:g}"
        )
    return _row_key(*key), (trucks, speed)


def _positive_tanker(tanker_m3: object) -> float:
    try:
        value = float(tanker_m3)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataError(f"tanker_m3 must be a positive number, got {tanker_m3!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise DataError(f"tanker_m3 must be positive, got {tanker_m3}")
    return value


def load_capacity_table(
    path: str | Path | Mapping[tuple[str, str], tuple[float, float]] | None = None,
    *,
    tanker_m3: float | None = None,
    conditions: str | Path | None = None,
) -> CapacityTable:
    """Load the road capacity table (default: the embedded ``data/road_capacity.csv``).

    Parameters
    ----------
    path : path or mapping, optional
        A CSV with columns ``highway, surface, tanker_trucks_day, speed_kmh`` or a dict
        ``{(highway, surface): (tanker_trucks_day, speed_kmh)}`` that overrides rows of the
        embedded table.
    tanker_m3 : float, optional
        Tanker size; default the ``tanker_m3`` assumption.
    conditions : path, optional
        Road condition table (``smoothness``/``tracktype`` factors); default the
        embedded ``data/road_condition.csv``.

    Raises
    ------
    DataError
        A missing, empty or unreadable file, a missing column, or a row (of the file or
        the mapping) whose figures are not numbers with trucks/day >= 0 and km/h > 0,
        naming the file and line or the ``(highway, surface)`` key.
    """
    if tanker_m3 is None:
        tanker_m3 = load_assumptions()["tanker_m3"]
    tanker_m3 = _positive_tanker(tanker_m3)
    if isinstance(path, Mapping):
        return load_capacity_table(None, tanker_m3=tanker_m3, conditions=conditions).with_overrides(
            path
        )
    csv = Path(path) if path is not None else data_path("road_capacity.csv")
    try:
        table = read_text_csv(csv, "road capacity table")
    except FileNotFoundError:
        raise DataError(f"{csv}: road capacity table not found") from None
    except EmptyCsvError:
        raise DataError(
            f"{csv}: road capacity table is empty; expected a CSV with columns "
            "highway, surface, tanker_trucks_day, speed_kmh"
        ) from None
    need = {"highway", "surface", "tanker_trucks_day", "speed_kmh"}
    if missing := need - set(table.columns):
        raise DataError(f"{csv}: missing column(s) {', '.join(sorted(missing))}")
    rows: dict[tuple[str, str], tuple[float, float]] = {}
    records = (
        (r["highway"], r["surface"], r["tanker_trucks_day"], r["speed_kmh"]) for r in table.rows
    )
    for line, (highway, surface, trucks_text, speed_text) in enumerate(records, start=2):
        try:
            trucks, speed = float(trucks_text), float(speed_text)
        except (TypeError, ValueError):
            raise DataError(
                f"{csv}:{line}: tanker_trucks_day/speed_kmh "
                f"{trucks_text!r}/{speed_text!r} are not numbers"
            ) from None
        if not (math.isfinite(trucks) and math.isfinite(speed) and trucks >= 0 and speed > 0):
            raise DataError(
                f"{csv}:{line}: tanker_trucks_day must be >= 0 and speed_kmh > 0, "
                f"got {trucks}, {speed}"
            )
        rows[_row_key(highway, surface)] = (trucks, speed)
    return CapacityTable(rows, float(tanker_m3), load_condition_table(conditions))


def load_condition_table(
    path: str | Path | None = None,
) -> dict[tuple[str, str], tuple[float, float]]:
    """Read the road condition table: ``(tag, value) -> (capacity factor, speed factor)``.

    The default is the embedded ``data/road_condition.csv`` (columns ``tag, value,
    capacity_factor, speed_factor, source, note``) for the OSM ``smoothness`` and
    ``tracktype`` tags.
    """
    csv = Path(path) if path is not None else data_path("road_condition.csv")
    try:
        table = read_text_csv(csv, "road condition table")
    except FileNotFoundError:
        raise DataError(f"{csv}: road condition table not found") from None
    need = {"tag", "value", "capacity_factor", "speed_factor"}
    if missing := need - set(table.columns):
        raise DataError(f"{csv}: missing column(s) {', '.join(sorted(missing))}")
    out: dict[tuple[str, str], tuple[float, float]] = {}
    records = ((r["tag"], r["value"], r["capacity_factor"], r["speed_factor"]) for r in table.rows)
    for line, (tag, value, cap_text, speed_text) in enumerate(records, start=2):
        try:
            cap_f, speed_f = float(cap_text), float(speed_text)
        except ValueError:
            raise DataError(
                f"{csv}:{line}: factors {cap_text!r}/{speed_text!r} are not numbers"
            ) from None
        if not (0 <= cap_f <= 10 and 0 < speed_f <= 10):
            raise DataError(
                f"{csv}:{line}: capacity_factor must be >= 0 and speed_factor > 0, "
                f"got {cap_f}, {speed_f}"
            )
        out[(str(tag).strip().lower(), str(value).strip().lower())] = (cap_f, speed_f)
    return out
