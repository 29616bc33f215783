"""Printing results: literal user text, number formats, rounding at the output boundary.

Text that comes from a user's file or a network (scenario names, descriptions, node and
corridor names) is printed literally, never read as rich markup, and the console does no
highlighting (its regexes take time that grows faster than the text). Identifiers that
users copy into scenario files (corridor names, node and edge ids) wrap instead of being
cut at narrow widths.

Figures written as CSV or JSON are rounded to :data:`DECIMALS` decimal places (0.1 L for
m3); the Result objects keep full precision.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

__all__ = [
    "DECIMALS",
    "console",
    "csv_stream",
    "err_console",
    "fmt",
    "jsonable",
    "lit",
    "new_table",
    "pct",
    "show",
]

#: decimal places of figures in CSV and JSON output (:data:`supplynet.results.OUTPUT_DECIMALS`,
#: not imported here so that the command line starts without the result modules)
DECIMALS = 4

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def lit(value: object, style: str = "") -> Text:
    """User or network text as a literal rich Text (``[closed]`` stays ``[closed]``)."""
    return Text("" if value is None else str(value), style=style)


class KindedTable(Table):
    """A rich Table that knows the kind of each column (see :func:`new_table`)."""

    kinds: list[str]


def new_table(title: object, columns: list[tuple[str, str]], *, caption: str = "") -> Table:
    """A table with a literal title; ``columns`` are ``(header, kind)`` pairs.

    ``kind`` is ``"num"`` (right-aligned, never split), ``"id"`` (an identifier: folds,
    never cut), ``"key"`` (what a row is about, a place, a date: wraps between words and
    is never left out) or ``"text"`` (a name or note: wraps between words, and is the first
    to be left out when the table cannot fit the screen otherwise).
    """
    table = KindedTable(title=lit(title), caption=lit(caption) if caption else None)
    table.kinds = [kind for _, kind in columns]
    for header, kind in columns:
        if kind == "num":
            table.add_column(header, justify="right", overflow="fold")
        else:
            table.add_column(header, overflow="fold")
    return table


def _fit_columns(table: Table, room: int) -> None:
    """Leave out ``text`` columns, the rightmost first, while the table's words cannot
    fit in ``room``; the caption says which (``--format csv`` has them all)."""
    kinds = getattr(table, "kinds", None)
    if not kinds:
        return
    dropped: list[str] = []
    while sum(map(_shortest, table.columns, kinds)) + 3 * len(table.columns) + 1 > room:
        texts = [i for i, kind in enumerate(kinds) if kind == "text"]
        if not texts:
            break
        i = texts[-1]
        dropped.insert(0, str(table.columns[i].header))
        del table.columns[i]
        del kinds[i]
    if dropped:
        note = f"left out at this width: {', '.join(dropped)} (--format csv has every column)"
        old = str(table.caption) if table.caption else ""
        table.caption = lit(f"{old}; {note}" if old else note)


def _shortest(column: Column, kind: str = "text") -> int:
    """The narrowest a column can be without splitting a word: its longest word (a
    figure's whole cell, for ``num`` columns), its header's included."""
    texts = [str(cell) for cell in column.cells]
    words = texts if kind == "num" else [w for text in texts for w in text.split()]
    words += str(column.header).split()
    return max([cell_len(w) for w in words] + [1])


def show(table: Table) -> None:
    """Print a table so that no word (an id, a name, a figure) is cut or split.

    When the table is wider than the screen, each column keeps at least the width of its
    longest word and the room left is shared in proportion to what each column would
    like; cells then wrap between words. When even the longest words cannot fit, name
    columns are left out first (the caption says which), then identifiers fold: a figure
    is never split: where the figures alone are wider than the screen, the table is
    printed wider than the screen (the terminal wraps its lines).
    """
    _fit_columns(table, console.width)
    columns = table.columns
    shortest, widest = [], []
    kinds = getattr(table, "kinds", None) or ["text"] * len(columns)
    for column, kind in zip(columns, kinds, strict=True):
        texts = [str(cell) for cell in column.cells]
        shortest.append(_shortest(column, kind))
        widest.append(max([cell_len(t) for t in [*texts, str(column.header)]] + [1]))
    room = console.width - (3 * len(columns) + 1)  # padding and borders
    if sum(shortest) > room:  # even whole words do not fit: figures whole, ids fold
        figures = sum(low for low, kind in zip(shortest, kinds, strict=True) if kind == "num")
        others = [i for i, kind in enumerate(kinds) if kind != "num"]
        share = max(4, (room - figures) // max(1, len(others)))
        # the figures alone wider than the screen: it overflows anyway, so nothing folds
        overflow = figures + 4 * len(others) > room
        for i, (column, kind) in enumerate(zip(columns, kinds, strict=True)):
            whole = kind == "num" or overflow
            # a figure's column is as wide as its widest figure, so figures never wrap;
            # its header may (no_wrap would cut it)
            column.width = shortest[i] if whole else min(shortest[i], share)
        needed = sum(c.width or 0 for c in columns) + 3 * len(columns) + 1
        if needed > console.width:  # rich would cut the figures to fit: print wider
            screen = console.width
            console.width = needed
            try:
                console.print(table)
            finally:
                console.width = screen
            return
    elif sum(widest) > room:
        spare = max(0, room - sum(shortest))
        wants = [w - s for w, s in zip(widest, shortest, strict=True)]
        total = sum(wants) or 1
        for column, low, want in zip(columns, shortest, wants, strict=True):
            column.width = low + spare * want // total
    console.print(table)


def fmt(value: Any, digits: int = 0) -> str:
    """A figure for a table: thousands separators, ``-`` for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | int):
        if isinstance(value, float) and math.isinf(value):
            return "∞" if value > 0 else "-∞"
        return f"{value:,.{digits}f}"
    return str(value)


def pct(share: float) -> str:
    """A share as a whole percent, except that it never reads 100% or 0% when it is not
    (99.6% of demand met is "99.6%", next to the shortfall it leaves); ``-`` for missing.

    Examples
    --------
    >>> pct(0.31), pct(0.996), pct(1.0), pct(0.004), pct(0.0), pct(float("nan"))
    ('31%', '99.6%', '100%', '0.4%', '0%', '-')
    >>> pct(0.99999), pct(0.00001)
    ('99.9%', '0.1%')
    """
    if share != share:
        return "-"
    text = f"{share:.0%}"
    permille = round(share * 1000, 6)  # 0.996 * 1000 is 995.999...
    if text == "100%" and share < 1:
        text = f"{math.floor(permille) / 10:.1f}%"
    elif text == "0%" and share > 0:
        text = f"{math.ceil(permille) / 10:.1f}%"
    return text


def jsonable(value: Any) -> Any:
    """Plain JSON values, as the result files write them
    (:func:`supplynet.results.plain_json`: floats rounded to :data:`DECIMALS`, NaN and
    inf as ``None``, whole counts of days as integers)."""
    from supplynet.results import plain_json  # loaded by the result being printed

    return plain_json(value)


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _csv_cell(value: Any) -> str:
    if isinstance(value, list):
        text = "; ".join(map(str, value))
    elif isinstance(value, float) and not math.isfinite(value):
        text = ""  # as JSON's null and pandas' empty cell
    else:
        text = "" if value is None else str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n\r') else text


def csv_stream(files: dict[str, str]) -> str:
    """``summary.json`` as ``key,value`` rows, then every CSV under a ``# name`` line."""
    summary = _flatten(json.loads(files["summary.json"]))
    lines = ["key,value", *(f"{k},{_csv_cell(v)}" for k, v in summary.items())]
    parts = ["# summary\n" + "\n".join(lines) + "\n"]
    for name, text in files.items():
        if name.endswith(".csv"):
            parts.append(f"# {name.removesuffix('.csv')}\n{text}")
    return "\n".join(parts)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr (none in logs and pipes); yields the callback the
    analyses call: ``update(done, total)``, or ``update(done, total, label)`` to change
    the bar's label as the work moves on."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int, label: str | None = None) -> None:
            if label is None:
                bar.update(task, completed=done, total=total)
            else:
                bar.update(task, completed=done, total=total, description=label)

        yield update
