"""CSV files as text tables, read with the standard library (no pandas on the way).

The data layer reads every table as text (numbers are parsed by the schema, so ids and
codes such as ``"007"`` stay as written). :func:`read_text_csv` does that with Python's
:mod:`csv` module into a :class:`TextTable`, so that loading a network (and with it
``supplynet run``) does not pay for importing pandas; the tables read the way
``pandas.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)`` reads them
(tested): blank lines skipped, a UTF-8 byte-order mark dropped, a repeated column name
``x`` read as ``x.1``, a short row padded with empty cells.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = pathlib.Path(tmp) / "t.csv"
...     _ = path.write_text("node_id,kind\\n007,port\\n\\nb,\\n", encoding="utf-8")
...     table = read_text_csv(path)
>>> table.columns, table.rows
(('node_id', 'kind'), [{'node_id': '007', 'kind': 'port'}, {'node_id': 'b', 'kind': ''}])
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from supplynet.errors import DataError

__all__ = ["EmptyCsvError", "TextTable", "read_text_csv"]


@dataclass(frozen=True)
class TextTable:
    """A table of text cells: its column names and one ``{column: text}`` per row.

    Attributes
    ----------
    columns : tuple of str
        The header, in file order.
    rows : list of dict
        Every row, each with every column (``""`` for an empty cell).
    """

    columns: tuple[str, ...]
    rows: list[dict[str, str]]

    @property
    def empty(self) -> bool:
        """True without rows (as ``DataFrame.empty``)."""
        return not self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, str]]:
        return iter(self.rows)


class EmptyCsvError(DataError):
    """A CSV file without even a header line."""


def _unique(header: list[str]) -> tuple[str, ...]:
    """Repeated names made unique the way pandas does: ``x``, ``x.1``, ``x.2`` ..."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            candidate = f"{name}.{seen[name]}"
            while candidate in seen:
                seen[name] += 1
                candidate = f"{name}.{seen[name]}"
            name = candidate
        seen.setdefault(name, 0)
        out.append(name)
    return tuple(out)


def read_text_csv(path: str | Path, what: str = "CSV") -> TextTable:
    """Read a CSV file into a :class:`TextTable` of text cells.

    ``what`` names the table in error messages (``"cannot read <what>: ..."``).

    Raises
    ------
    FileNotFoundError
        No such file (the callers name what the file was for).
    EmptyCsvError
        An empty file (a :class:`DataError`).
    DataError
        A file that is not CSV text (a row with more cells than the header, not UTF-8),
        naming the file and line.
    """
    path = Path(path)
    lines: list[tuple[int, list[str]]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            lines = [(reader.line_num, row) for row in reader if row]
    except FileNotFoundError:
        raise
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read {what}: {exc}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not lines:
        raise EmptyCsvError(f"{path}: cannot read {what}: No columns to parse from file")
    columns = _unique(lines[0][1])
    width = len(columns)
    rows = []
    for number, cells in lines[1:]:
        if len(cells) > width:
            raise DataError(
                f"{path}: cannot read {what}: Error tokenizing data. Expected {width} fields "
                f"in line {number}, saw {len(cells)}"
            )
        cells = cells + [""] * (width - len(cells))
        rows.append(dict(zip(columns, cells, strict=True)))
    return TextTable(columns, rows)
