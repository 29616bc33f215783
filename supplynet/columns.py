"""Column types that survive text files: the kinds of the extra node and arc columns.

A CSV cell is text, so a network's tables record the kind of each column that is not
part of the schema: ``float``, ``int``, ``bool``, ``str`` or ``json`` (lists, mappings,
mixed values). :func:`encode_column` turns values into a float, nullable integer or text
column and names its kind; :func:`decode_columns` gives a table read from a file its
values back. An empty cell means "unset", so an extra text attribute ``""`` reads back
unset.

Examples
--------
>>> import pandas as pd
>>> kind, column = encode_column("checked", [True, None, False])
>>> kind, column
('bool', ['true', None, 'false'])
>>> decode_columns(pd.DataFrame({"checked": column}), {"checked": kind}, "t")["checked"].tolist()
[True, None, False]
"""

from __future__ import annotations

import json
import logging
import numbers
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from supplynet.errors import DataError
from supplynet.schema import REVERSE_SUFFIX, is_blank
from supplynet.text_tables import TextTable

if TYPE_CHECKING:
    import pandas as pd

#: a table read from a file: a DataFrame or a TextTable
Table = TypeVar("Table", "pd.DataFrame", TextTable)

__all__ = ["KINDS", "decode_columns", "encode_column", "floats", "jsonable", "kind_of"]

logger = logging.getLogger(__name__)

KINDS = ("float", "int", "bool", "str", "json")


def jsonable(key: str, value: Any) -> Any:
    """``value`` if JSON can hold it, else its text (with a warning naming ``key``)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        logger.warning("Graph attribute %r (%s) is saved as text", key, type(value).__name__)
        return str(value)
    return value


def floats(values: Iterable[Any]) -> pd.Series:
    """A float64 column, NaN where a value is blank."""
    import pandas as pd

    return pd.Series([np.nan if is_blank(v) else float(v) for v in values], dtype="float64")


def kind_of(values: list[Any]) -> str:
    """The kind of a column of Python values (blank values aside)."""
    present = [v for v in values if not is_blank(v)]
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return "bool"
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in present):
        return "int" if present else "str"
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present):
        return "float"
    if all(isinstance(v, str) for v in present):
        return "str"
    return "json"


def encode_column(col: str, values: list[Any], kind: str | None = None) -> tuple[str, Any]:
    """An extra column's kind and its values as a float, nullable int or text column."""
    import pandas as pd

    kind = kind or kind_of(values)
    if kind == "float":
        return kind, floats(values)
    if kind == "int":
        return kind, pd.array([None if is_blank(v) else int(v) for v in values], dtype="Int64")
    if kind == "bool":
        return kind, [None if is_blank(v) else ("true" if v else "false") for v in values]
    if kind == "json":
        out = []
        for v in values:
            try:
                out.append(None if is_blank(v) else json.dumps(v))
            except (TypeError, ValueError):
                logger.warning("Attribute %r (%s) is saved as text", col, type(v).__name__)
                out.append(json.dumps(str(v)))
        return kind, out
    return kind, [None if is_blank(v) else str(v) for v in values]


def decode_columns(table: Table, kinds: Mapping[str, str], what: str) -> Table:
    """Give the extra columns of a table read from a file their recorded kinds back.

    ``table`` is a DataFrame or a :class:`~supplynet.text_tables.TextTable` (the result
    is of the same type).

    Raises
    ------
    DataError
        An unknown kind, or a cell that does not read as its kind, naming ``what``.
    """
    for col, kind in kinds.items():
        if kind not in KINDS:
            raise DataError(f"{what}: column {col!r} has unknown type {kind!r}; one of {KINDS}")
    decoded = {
        name: kind
        for col, kind in kinds.items()
        for name in (col, col + REVERSE_SUFFIX)
        if name in table.columns
    }
    if isinstance(table, TextTable):
        rows = [
            {
                k: _decode(v, decoded[k], f"{what}: column {k!r}") if k in decoded else v
                for k, v in row.items()
            }
            for row in table.rows
        ]
        return TextTable(table.columns, rows)
    import pandas as pd

    table = table.copy()
    for name, kind in decoded.items():
        table[name] = pd.Series(
            [_decode(v, kind, f"{what}: column {name!r}") for v in table[name]],
            index=table.index,
            dtype=object,
        )
    return table


def _decode(value: Any, kind: str, what: str) -> Any:
    if is_blank(value):
        return None
    try:
        if kind == "float":
            return float(value)
        if kind == "int":
            if isinstance(value, numbers.Integral):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(str(value))
        if kind == "bool":
            return str(value).strip().lower() in ("true", "1", "yes")
        if kind == "json":
            return json.loads(str(value))
    except (TypeError, ValueError):
        raise DataError(f"{what}: {value!r} is not a valid {kind}") from None
    return str(value)
