"""Result tables as plain rows, made into pandas DataFrames only when asked for.

The tables of a flow result are built row by row from the solution; :class:`Records`
keeps those rows, so the command line can print them, and a result can say its notes,
without importing pandas (about a third of ``supplynet run``'s time). A result's
DataFrame (``result.edge_flows`` ...) is :meth:`Records.frame` of the same rows.

Examples
--------
>>> table = Records(("node_id", "name"), [{"node_id": "a", "name": "A"}], index="node_id")
>>> table.keyed()["a"]["name"], list(table.frame().columns)
('A', ['name'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Records"]


@dataclass(frozen=True)
class Records:
    """Rows of a table: every row a ``{column: value}`` dict, in table order.

    Attributes
    ----------
    columns : tuple of str
        All columns, the index column among them.
    rows : list of dict
        The rows.
    index : str, optional
        The column that indexes the table (``None``: a plain range index).
    """

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    index: str | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def keyed(self) -> dict[Any, dict[str, Any]]:
        """Row by index value (the index column must be set)."""
        if self.index is None:
            raise ValueError("a table without an index column has no keys")
        return {row[self.index]: row for row in self.rows}

    def column(self, name: str) -> list[Any]:
        """One column's values, in row order."""
        return [row[name] for row in self.rows]

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Records:
        """The rows of a DataFrame (its named index as the first column)."""
        index = None if df.index.name is None else str(df.index.name)
        flat = df.reset_index() if index is not None else df
        rows = [{str(k): v for k, v in row.items()} for row in flat.to_dict("records")]
        return cls(tuple(str(c) for c in flat.columns), rows, index=index)

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (indexed by :attr:`index` when set)."""
        import pandas as pd

        df = pd.DataFrame(self.rows, columns=list(self.columns))
        return df.set_index(self.index) if self.index else df
