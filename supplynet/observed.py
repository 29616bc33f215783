"""The dated record of the 2025–26 blockade: tanker arrivals, attacks, closures and measures.

Three tables in ``data/observed/`` (or a folder of yours with the same files), one sourced
row per report; conflicting reports of one event are kept as separate rows that share an
``event`` id:

``arrivals.csv``   tankers or volume reaching a place (Bamako, Gao, Labbezanga): ``date``,
                   ``date_end``, ``place``, ``node_id``, ``tankers_low``, ``tankers_high``,
                   ``volume_m3``, ``basis`` (``total`` over the dates, or a rate
                   ``per_day`` / ``per_week``), ``product``, ``convoy`` (yes/no/blank),
                   ``origin``, ``reported`` (the figure as the source gives it), ``claimant``,
                   ``event``, ``source``, ``note``
``attacks.csv``    ``kind`` (``attack`` at a place, or a cumulative ``tally``), ``place``,
                   ``node_id``, ``edge_id``, ``corridor``, ``road``, the size of the convoy
                   hit (``convoy_tankers_low/high``), tankers destroyed
                   (``destroyed_low/high``), ``dead``, and the common columns
``measures.csv``   closures and policy measures and reported states of supply: ``kind``
                   (one of :data:`MEASURE_KINDS`), ``country``, ``place``, ``node_id``,
                   ``corridor``, ``description``, ``source``, ``note``

Dates are ISO ``YYYY-MM-DD``; ``date_end`` (inclusive) is given for a period or a date
known only roughly ("early October" is 1–10 Oct). A single reported figure fills both
``_low`` and ``_high``; "more than 100" fills ``_low`` only; "dozens" is a range the row's
note explains. Node, edge and corridor ids are those of the default network
(:meth:`Observed.check_network` checks them against any network).

Bad input is a one-line :class:`~supplynet.errors.DataError` naming the file, the row and
the column: a missing or unknown column, an unparsable date, a negative or non-numeric
count, a row without a source, or (with ``start``/``end``) a date outside the horizon.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from supplynet.errors import DataError, closest
from supplynet.paths import data_path

if TYPE_CHECKING:
    from supplynet.network import Network

__all__ = [
    "ATTACK_KINDS",
    "BASES",
    "MEASURE_KINDS",
    "OBSERVED_TABLES",
    "Observed",
    "load_observed",
]

logger = logging.getLogger(__name__)

#: ``basis`` of an arrival row: a total over its dates, or a rate during them
BASES = ("total", "per_day", "per_week")
#: ``kind`` of an attack row
ATTACK_KINDS = ("attack", "tally")
#: ``kind`` of a measures row: measures taken, and reported states of supply
MEASURE_KINDS = (
    "blockade",
    "border_ban",
    "escort",
    "rationing",
    "school_closure",
    "price_cap",
    "advisory",
    "transit_accord",
    "crackdown",
    "pledge",
    "stations_dry",
    "stock_exhausted",
    "power_cuts",
    "regions_short",
    "supply_status",
    "route_in_use",
)
_FLAGS = {"yes": True, "no": False, "": None}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # date | number | text | choice | flag
    required: bool = False  # the file must have the column
    filled: bool = False  # every row must give a value
    choices: tuple[str, ...] = ()


_COMMON_HEAD = (
    _Column("date", "date", required=True, filled=True),
    _Column("date_end", "date"),
)
_COMMON_TAIL = (
    _Column("reported", "text"),
    _Column("claimant", "text"),
    _Column("event", "text"),
    _Column("source", "text", required=True, filled=True),
    _Column("note", "text"),
)

#: table name -> its columns, in order
OBSERVED_TABLES: dict[str, tuple[_Column, ...]] = {
    "arrivals": (
        *_COMMON_HEAD,
        _Column("place", "text", required=True, filled=True),
        _Column("node_id", "text"),
        _Column("tankers_low", "number", required=True),
        _Column("tankers_high", "number", required=True),
        _Column("volume_m3", "number", required=True),
        _Column("basis", "choice", required=True, filled=True, choices=BASES),
        _Column("product", "text"),
        _Column("convoy", "flag", required=True, choices=("yes", "no")),
        _Column("origin", "text"),
        *_COMMON_TAIL,
    ),
    "attacks": (
        *_COMMON_HEAD,
        _Column("kind", "choice", required=True, filled=True, choices=ATTACK_KINDS),
        _Column("place", "text", required=True, filled=True),
        _Column("node_id", "text"),
        _Column("edge_id", "text"),
        _Column("corridor", "text"),
        _Column("road", "text"),
        _Column("convoy_tankers_low", "number"),
        _Column("convoy_tankers_high", "number"),
        _Column("destroyed_low", "number", required=True),
        _Column("destroyed_high", "number", required=True),
        _Column("dead", "number", required=True),
        *_COMMON_TAIL,
    ),
    "measures": (
        *_COMMON_HEAD,
        _Column("kind", "choice", required=True, filled=True, choices=MEASURE_KINDS),
        _Column("country", "text"),
        _Column("place", "text", required=True, filled=True),
        _Column("node_id", "text"),
        _Column("corridor", "text"),
        _Column("description", "text", required=True, filled=True),
        _Column("source", "text", required=True, filled=True),
        _Column("note", "text"),
    ),
}
#: (low, high) column pairs whose low must not exceed high
_RANGES = {
    "arrivals": (("tankers_low", "tankers_high"),),
    "attacks": (("convoy_tankers_low", "convoy_tankers_high"), ("destroyed_low", "destroyed_high")),
    "measures": (),
}


@dataclass(frozen=True)
class Observed:
    """The dated record: three tables of reports, one row each, with typed columns.

    Attributes
    ----------
    arrivals, attacks, measures : DataFrame
        Indexed by ``row`` (the 1-based data row of the file). ``date`` and ``date_end``
        are ``datetime64``, counts and volumes ``float64`` (NaN where not reported),
        ``convoy`` is a nullable boolean, text columns are strings (``<NA>`` if blank).
    folder : Path
        The folder the tables were read from.

    Examples
    --------
    >>> import supplynet as sn
    >>> obs = sn.load_observed(start="2025-09-01", end="2026-02-28")
    >>> str(obs.arrivals["date"].dtype), str(obs.arrivals["convoy"].dtype)
    ('datetime64[ns]', 'boolean')
    >>> first = obs.attacks.sort_values("date").iloc[0]
    >>> first["date"].date().isoformat(), first["road"]
    ('2025-09-13', 'RN3')
    """

    arrivals: pd.DataFrame
    attacks: pd.DataFrame
    measures: pd.DataFrame
    folder: Path

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by name (``arrivals``, ``attacks``, ``measures``)."""
        return {"arrivals": self.arrivals, "attacks": self.attacks, "measures": self.measures}

    def summary(self) -> pd.DataFrame:
        """Rows, events and date range of each table.

        Examples
        --------
        >>> import supplynet as sn
        >>> s = sn.load_observed().summary()
        >>> list(s.columns)
        ['rows', 'events', 'first_date', 'last_date']
        """
        rows = []
        for name, df in self.tables().items():
            ends = df["date_end"].fillna(df["date"])
            own = pd.Series("row-" + df.index.astype(str), index=df.index, dtype="string")
            rows.append(
                {
                    "table": name,
                    "rows": len(df),
                    "events": int(df["event"].fillna(own).nunique()) if "event" in df else len(df),
                    "first_date": df["date"].min(),
                    "last_date": ends.max(),
                }
            )
        return pd.DataFrame(rows).set_index("table")

    def within(self, start: str | date | None, end: str | date | None) -> Observed:
        """The rows that lie within ``start``..``end`` (inclusive), as a new record.

        Rows keep their ``row`` numbers (the file's), so errors still name the file's row.

        Examples
        --------
        >>> import supplynet as sn
        >>> len(sn.load_observed().within("2025-09-01", "2025-10-31").arrivals)  # Oct: 5 reports
        5
        """
        lo, hi = _as_date(start, "start"), _as_date(end, "end")
        parts: dict[str, pd.DataFrame] = {}
        for name, df in self.tables().items():
            ends = df["date_end"].fillna(df["date"])
            keep = pd.Series(True, index=df.index)
            if lo is not None:
                keep &= df["date"] >= lo
            if hi is not None:
                keep &= ends <= hi
            parts[name] = df[keep]
        return Observed(folder=self.folder, **parts)

    @property
    def n_rows(self) -> int:
        """Rows in all three tables.

        Examples
        --------
        >>> import supplynet as sn
        >>> obs = sn.load_observed()
        >>> obs.n_rows == sum(len(t) for t in obs.tables().values())
        True
        """
        return sum(len(t) for t in self.tables().values())

    def check_horizon(self, start: str | date | None, end: str | date | None) -> None:
        """Check that every row lies within ``start``..``end`` (inclusive).

        Raises
        ------
        DataError
            Naming the file, row and column of the first row outside, and the horizon.

        Examples
        --------
        >>> import supplynet as sn
        >>> sn.load_observed().check_horizon("2025-09-01", "2026-02-28")
        >>> sn.load_observed().check_horizon("2025-09-01", "2025-12-31")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        supplynet.errors.DataError: .../arrivals.csv: row 9 (line 10), column 'date_end': ...
        """
        lo, hi = _as_date(start, "start"), _as_date(end, "end")
        for name, df in self.tables().items():
            _check_horizon(self.folder / f"{name}.csv", df, lo, hi)

    def check_network(self, net: Network) -> None:
        """Check that every ``node_id``, ``edge_id`` and ``corridor`` exists in ``net``.

        Raises
        ------
        DataError
            Naming the file, row and column of the first unknown id and the closest ids.

        Examples
        --------
        >>> import supplynet as sn
        >>> sn.load_observed().check_network(sn.load_network())
        """
        known = {
            "node_id": set(map(str, net.graph.nodes)),
            "edge_id": set(net.edges["road_id"].astype(str)) | set(map(str, net.edges.index)),
            "corridor": set(net.corridors),
        }
        for name, df in self.tables().items():
            for column, ids in known.items():
                if column not in df.columns:
                    continue
                for row, value in df[column].dropna().items():
                    if str(value) not in ids:
                        raise DataError(
                            f"{self.folder / (name + '.csv')}: row {row}, column {column!r}: "
                            f"{value!r} is not in network {net.name!r}; {closest(str(value), ids)}"
                        )


def _as_date(value: str | date | None, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return pd.Timestamp(value).normalize()
    text = str(value).strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return pd.Timestamp(date.fromisoformat(text))
    except ValueError:
        raise DataError(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


class _Reader:
    """Reads and checks one table, naming file, row and column in every error."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self.columns = OBSERVED_TABLES[name]

    def error(self, row: int, column: str, message: str) -> DataError:
        return DataError(f"{self.path}: row {row} (line {row + 1}), column {column!r}: {message}")

    def read(self) -> pd.DataFrame:
        try:
            raw = pd.read_csv(self.path, dtype=str, keep_default_na=False, na_filter=False)
        except FileNotFoundError:
            raise DataError(
                f"{self.path}: file not found (an observed folder holds "
                f"{', '.join(t + '.csv' for t in OBSERVED_TABLES)})"
            ) from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: empty file (no header row)") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"{self.path}: cannot read CSV: {first}") from None
        raw.columns = [str(c).strip() for c in raw.columns]
        self._check_header(list(raw.columns))
        return self._typed(raw.apply(lambda col: col.str.strip()))

    def _check_header(self, header: list[str]) -> None:
        names = [c.name for c in self.columns]
        if dupes := sorted({c for c in header if header.count(c) > 1}):
            raise DataError(f"{self.path}: column {dupes[0]!r} appears twice")
        for column in header:
            if column not in names:
                raise DataError(f"{self.path}: unknown column {column!r}; {closest(column, names)}")
        needed = [c.name for c in self.columns if c.required]
        if missing := [c for c in needed if c not in header]:
            raise DataError(
                f"{self.path}: missing column(s) {', '.join(map(repr, missing))} "
                f"(the {self.name} table needs {', '.join(needed)})"
            )

    def _typed(self, raw: pd.DataFrame) -> pd.DataFrame:
        out: dict[str, Any] = {}
        for col in self.columns:
            texts = raw[col.name].tolist() if col.name in raw.columns else [""] * len(raw)
            values = [self._cell(i + 1, col, text) for i, text in enumerate(texts)]
            if col.kind == "date":
                out[col.name] = pd.Series(values, dtype="datetime64[ns]")
            elif col.kind == "number":
                out[col.name] = pd.Series(values, dtype="float64")
            elif col.kind == "flag":
                out[col.name] = pd.Series(values, dtype="boolean")
            else:
                out[col.name] = pd.Series(values, dtype="string")
        df = pd.DataFrame(out)
        df.index = pd.RangeIndex(1, len(df) + 1, name="row")
        self._check_rows(df)
        return df

    def _cell(self, row: int, col: _Column, text: str) -> Any:
        if text == "":
            if col.filled:
                raise self.error(row, col.name, "is empty; every row needs one")
            return math.nan if col.kind == "number" else None
        if col.kind == "date":
            if not _ISO_DATE.match(text):
                raise self.error(row, col.name, f"{text!r} is not a date (YYYY-MM-DD)")
            try:
                return pd.Timestamp(date.fromisoformat(text))
            except ValueError:
                raise self.error(row, col.name, f"{text!r} is not a date (YYYY-MM-DD)") from None
        if col.kind == "number":
            try:
                number = float(text)
            except ValueError:
                raise self.error(row, col.name, f"{text!r} is not a number") from None
            if not math.isfinite(number) or number < 0:
                raise self.error(row, col.name, f"{text!r} must be a finite number >= 0")
            return number
        if col.kind in ("choice", "flag") and text not in col.choices:
            allowed = ", ".join(col.choices) + (" or blank" if col.kind == "flag" else "")
            hint = closest(text, col.choices)
            raise self.error(row, col.name, f"{text!r} is not one of {allowed}; {hint}")
        if col.kind == "flag":
            return _FLAGS[text]
        return text

    def _check_rows(self, df: pd.DataFrame) -> None:
        for row, end, start in zip(df.index, df["date_end"], df["date"], strict=True):
            if pd.notna(end) and end < start:
                raise self.error(row, "date_end", f"{end.date()} is before date {start.date()}")
        for low, high in _RANGES[self.name]:
            for row, a, b in zip(df.index, df[low], df[high], strict=True):
                if a > b:  # NaN compares False
                    raise self.error(row, high, f"{b:g} is below {low} {a:g}")
        if self.name == "arrivals":
            for row, tankers, volume in zip(
                df.index, df["tankers_low"], df["volume_m3"], strict=True
            ):
                if math.isnan(tankers) and math.isnan(volume):
                    raise self.error(row, "tankers_low", "empty, and so is volume_m3: give either")


def _check_horizon(
    path: Path, df: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> None:
    ends = df["date_end"].fillna(df["date"])
    for row, first, last in zip(df.index, df["date"], ends, strict=True):
        if start is not None and first < start:
            raise DataError(
                f"{path}: row {row} (line {row + 1}), column 'date': {first.date()} is before "
                f"the horizon's start {start.date()}"
            )
        if end is not None and last > end:
            column = "date" if last == first else "date_end"
            raise DataError(
                f"{path}: row {row} (line {row + 1}), column {column!r}: {last.date()} is after "
                f"the horizon's end {end.date()}"
            )


def load_observed(
    path: str | Path | None = None,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
) -> Observed:
    """Load the dated record of reported arrivals, attacks and measures.

    Parameters
    ----------
    path : str or Path, optional
        A folder holding ``arrivals.csv``, ``attacks.csv`` and ``measures.csv``; ``None``
        loads the embedded record of the 2025–26 blockade (``data/observed/``).
    start, end : str or date, optional
        A horizon (``YYYY-MM-DD``, inclusive): a row dated outside it is an error. Give
        the horizon of the scenario the record is compared with.

    Returns
    -------
    Observed

    Raises
    ------
    DataError
        One line naming the file, row and column (see the module docstring).

    Examples
    --------
    >>> import supplynet as sn
    >>> obs = sn.load_observed()
    >>> int(obs.arrivals.loc[obs.arrivals["node_id"] == "bamako", "tankers_low"].max())
    1000
    >>> sn.load_observed(start="2025-10-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    supplynet.errors.DataError: .../attacks.csv: row 1 (line 2), column 'date': 2025-09-13 is ...
    """
    folder = Path(path) if path is not None else data_path("observed/arrivals.csv").parent
    if path is not None and not folder.is_dir():
        raise DataError(
            f"{folder}: not a folder (an observed folder holds "
            f"{', '.join(t + '.csv' for t in OBSERVED_TABLES)})"
        )
    lo = _as_date(start, "start")
    hi = _as_date(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise DataError(f"end {hi.date()} is before start {lo.date()}")
    tables = {}
    for name in OBSERVED_TABLES:
        file = folder / f"{name}.csv"
        df = _Reader(file, name).read()
        _check_horizon(file, df, lo, hi)
        tables[name] = df
    obs = Observed(folder=folder, **tables)
    logger.info(
        "Loaded the observed record from %s: %d arrivals, %d attacks, %d measures",
        folder,
        len(obs.arrivals),
        len(obs.attacks),
        len(obs.measures),
    )
    return obs
