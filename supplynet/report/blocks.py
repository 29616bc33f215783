"""What a report is made of: sections of paragraphs, fact lists, tables and figures.

The section builders (:mod:`supplynet.report.sections`) return these plain values; the
renderers (:mod:`~supplynet.report.html`, :mod:`~supplynet.report.markdown`,
:mod:`~supplynet.report.assets`) turn them into HTML, Markdown, CSV and image files. A
table keeps its figures at full precision (they go to CSV and to the embedded data) and
says how each column is shown; a figure is a matplotlib ``Figure`` rendered when needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure as MplFigure

__all__ = [
    "Column",
    "Facts",
    "Figure",
    "Paragraph",
    "Section",
    "Table",
    "format_value",
    "plain",
]

Kind = Literal["text", "id", "num", "pct"]


def format_value(value: Any, kind: Kind = "num", decimals: int = 0) -> str:
    """A figure as a reader sees it: thousands separators, ``–`` for missing.

    Examples
    --------
    >>> format_value(2223.0), format_value(0.6971, "pct"), format_value(float("nan"))
    ('2,223', '70%', '–')
    >>> format_value(49.4, decimals=1), format_value(float("inf")), format_value(pd.NA)
    ('49.4', '∞', '–')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if kind in ("num", "pct") and isinstance(value, int | float):
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if kind == "pct":
            return f"{100 * value:,.{decimals}f}%"
        text = f"{value:,.{decimals}f}"
        return "0" if text in ("-0", "-0.0") else text.replace("-", "−")
    return str(value)


def plain(value: Any) -> Any:
    """A value for the embedded JSON: NaN and infinities become ``None``, numpy scalars
    Python numbers, containers are converted item by item."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Column:
    """How one table column is shown: its field, header, kind and decimals."""

    field: str
    label: str
    kind: Kind = "num"
    decimals: int = 0


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (escaped when rendered)."""

    text: str
    kind: str = field(default="paragraph", init=False)
    style: str = ""  # "note" for a muted remark, "warning" for a failure


@dataclass(frozen=True)
class Facts:
    """A list of ``(label, value)`` pairs (a definition list in HTML)."""

    items: Sequence[tuple[str, str]]
    kind: str = field(default="facts", init=False)


@dataclass(frozen=True)
class Table:
    """A table: the frame (full precision, written to CSV) and how to show it.

    Attributes
    ----------
    key : str
        File stem of its CSV asset and key in the embedded data.
    title : str
        Heading.
    frame : DataFrame
        The figures; its columns include every :attr:`Column.field` shown.
    columns : sequence of Column
        The columns shown, in order.
    caption : str
        A line under the table.
    data_keys : mapping
        Column field -> the key written as ``data-key`` on its cells (with
        ``data-value``, the unrounded figure), so scripts and tests read the numbers
        from the page.
    row_key : str
        Column whose value is written as ``data-row`` on each row (a scenario name,
        an element id).
    show : int or None
        Rows shown in the page and the Markdown (the first ones; ``None``: all, ``0``:
        none, the table is then written as a CSV asset only). The CSV has every row.
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: Sequence[Column]
    caption: str = ""
    data_keys: Mapping[str, str] = field(default_factory=dict)
    row_key: str = ""
    show: int | None = None
    kind: str = field(default="table", init=False)

    @property
    def shown(self) -> pd.DataFrame:
        """The rows shown (see :attr:`show`)."""
        return self.frame if self.show is None else self.frame.head(self.show)

    def rows(self) -> list[list[tuple[Column, Any, str]]]:
        """Each shown row as ``(column, raw value, shown text)`` triples."""
        out = []
        for record in self.shown.to_dict(orient="records"):
            out.append(
                [
                    (c, record.get(c.field), format_value(record.get(c.field), c.kind, c.decimals))
                    for c in self.columns
                ]
            )
        return out

    def row_ids(self) -> list[str]:
        """The ``data-row`` value of each row ("" without :attr:`row_key`)."""
        if not self.row_key:
            return [""] * len(self.shown)
        return [str(v) for v in self.shown[self.row_key]]


@dataclass(eq=False)
class Figure:
    """A chart or map: a matplotlib figure, its title, alt text and caption.

    ``region`` names the drawing for tests and styles (``map``, ``chart``).
    """

    key: str
    title: str
    figure: MplFigure
    alt: str
    caption: str = ""
    region: str = "chart"
    kind: str = field(default="figure", init=False)


@dataclass
class Section:
    """One part of the report, rendered only when its input exists.

    Attributes
    ----------
    key : str
        Anchor id (``summary``, ``map``, ``criticality`` ...).
    title : str
        Heading.
    blocks : list
        Paragraphs, fact lists, tables and figures, in reading order.
    data : dict
        The section's figures for the page's embedded JSON (plain values).
    """

    key: str
    title: str
    blocks: list[Paragraph | Facts | Table | Figure] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]
