"""Reading multi-day results and back-tests for the report: the interface they must have.

The report reads a multi-day result (``supplynet.simulate_supply``'s ``SupplyTimeline``)
through these tables only:

``daily``      indexed by ``(day, node_id, demand_class, product)`` (the level ``node`` is
               accepted for ``node_id``): ``stock_m3``, ``arrivals_m3``, ``issued_m3``,
               ``unmet_m3`` and optionally ``date``. Rows whose ``demand_class`` is
               ``"all"`` carry a node's totals and its stock; without such rows the
               classes are added up and the stock is read once per (day, node, product).
``nodes``      indexed by ``node_id`` (optionally with ``demand_class`` and ``product``
               levels, ``"all"`` for totals): ``days_of_cover``, ``first_stockout_day``,
               ``shortfall_m3``.
``corridors``  indexed by ``(corridor, day)``: ``dispatch_m3``, ``arrivals_m3``,
               ``lost_m3``.
``balance``    optional: a small table (one row per product) shown as it is.

A back-test (simulated against reported arrivals) is a DataFrame, or an object whose
``table`` is one, indexed by ``period`` (the first day of a week or month, a date or
text) with columns ``simulated_m3``, ``reported_low_m3`` and ``reported_high_m3``
(optionally ``place`` and ``scenario``); an object may also carry a ``scenario`` name
and a ``summary()`` of plain figures.

Missing tables or columns make the section that needs them drop out; a table of the
wrong shape is a :class:`~supplynet.errors.DataError` naming the table and what is
missing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from supplynet.errors import DataError

__all__ = [
    "ALL",
    "backtest_table",
    "class_shortfall",
    "corridor_series",
    "day_axis",
    "depot_stock",
    "node_cover",
    "total_shortfall",
]

#: the label of total rows (all classes, all products)
ALL = "all"
_LEVELS = {"node_id": ("node_id", "node"), "demand_class": ("demand_class", "class")}


def _level(df: pd.DataFrame, name: str, table: str, *, required: bool = True) -> str | None:
    for candidate in _LEVELS.get(name, (name,)):
        if candidate in df.index.names:
            return candidate
    if required:
        raise DataError(
            f"timeline table {table!r}: index level {name!r} missing "
            f"(index levels: {', '.join(map(str, df.index.names))})"
        )
    return None


def _need(df: pd.DataFrame, table: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"timeline table {table!r}: column(s) {', '.join(missing)} missing")


def _table(timeline: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(timeline, name, None)
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return None
    return frame


def _flat_daily(timeline: Any) -> pd.DataFrame | None:
    """``daily`` as columns ``day, node, cls, product`` + figures, one row per class."""
    daily = _table(timeline, "daily")
    if daily is None:
        return None
    day = _level(daily, "day", "daily")
    node = _level(daily, "node_id", "daily")
    cls = _level(daily, "demand_class", "daily", required=False)
    product = _level(daily, "product", "daily", required=False)
    flat = daily.reset_index()
    flat = flat.rename(columns={day: "day", node: "node"})
    flat["cls"] = flat[cls] if cls else ALL
    flat["product"] = flat[product] if product else "fuel"
    return flat


def day_axis(timeline: Any) -> dict[Any, Any]:
    """Day number -> date where ``daily`` has a ``date`` column (else day -> day)."""
    flat = _flat_daily(timeline)
    if flat is None:
        return {}
    if "date" in flat.columns:
        pairs = flat[["day", "date"]].drop_duplicates("day")
        return {d: pd.Timestamp(t) for d, t in zip(pairs["day"], pairs["date"], strict=True)}
    return {d: d for d in flat["day"].drop_duplicates()}


def depot_stock(timeline: Any, depots: list[str]) -> pd.DataFrame | None:
    """End-of-day stock at the given depots, summed, by day (rows) and product (columns).

    Returns ``None`` without a ``stock_m3`` column or without a depot in the table.
    """
    flat = _flat_daily(timeline)
    if flat is None or "stock_m3" not in flat.columns:
        return None
    rows = flat[flat["node"].isin(depots)]
    if rows.empty:
        return None
    products = rows[rows["product"] != ALL] if (rows["product"] != ALL).any() else rows
    if (products["cls"] == ALL).any():
        per_node = products[products["cls"] == ALL]
    else:  # the stock is the node's: read it once per day, node and product
        per_node = products.dropna(subset=["stock_m3"]).drop_duplicates(["day", "node", "product"])
    table = per_node.pivot_table(
        index="day", columns="product", values="stock_m3", aggfunc="sum", sort=True
    )
    table.columns.name = "product"
    return table


def corridor_series(timeline: Any, column: str = "arrivals_m3") -> pd.DataFrame | None:
    """One figure of ``corridors`` by day (rows) and corridor (columns)."""
    corridors = _table(timeline, "corridors")
    if corridors is None:
        return None
    _need(corridors, "corridors", (column,))
    corridor = _level(corridors, "corridor", "corridors")
    day = _level(corridors, "day", "corridors")
    flat = corridors.reset_index()
    table = flat.pivot_table(
        index=day, columns=corridor, values=column, aggfunc="sum", sort=True
    ).fillna(0.0)
    table.index.name, table.columns.name = "day", "corridor"
    return table


def class_shortfall(timeline: Any) -> pd.DataFrame | None:
    """Unmet demand by day (rows) and demand class (columns), all nodes and products."""
    flat = _flat_daily(timeline)
    if flat is None or "unmet_m3" not in flat.columns:
        return None
    rows = flat[flat["product"] != ALL] if (flat["product"] != ALL).any() else flat
    classes = rows[rows["cls"] != ALL] if (rows["cls"] != ALL).any() else rows
    table = classes.pivot_table(
        index="day", columns="cls", values="unmet_m3", aggfunc="sum", sort=True
    ).fillna(0.0)
    table.columns.name = "demand_class"
    return table


def _node_totals(timeline: Any) -> pd.DataFrame | None:
    nodes = _table(timeline, "nodes")
    if nodes is None:
        return None
    node = _level(nodes, "node_id", "nodes")
    flat = nodes.reset_index().rename(columns={node: "node"})
    for level in ("demand_class", "product"):
        name = _level(nodes, level, "nodes", required=False)
        if name and (flat[name] == ALL).any():
            flat = flat[flat[name] == ALL]
    return flat.drop_duplicates("node").set_index("node")


def node_cover(timeline: Any, node: str) -> dict[str, float]:
    """``days_of_cover``, ``first_stockout_day`` and ``shortfall_m3`` of one node (its
    totals row), NaN for what the table does not give."""
    totals = _node_totals(timeline)
    keys = ("days_of_cover", "first_stockout_day", "shortfall_m3")
    if totals is None or node not in totals.index:
        return dict.fromkeys(keys, math.nan)
    row: dict[Any, Any] = totals.loc[node].to_dict()
    return {k: float(row[k]) if pd.notna(row.get(k)) else math.nan for k in keys}


def total_shortfall(timeline: Any) -> float:
    """Unmet demand over the horizon, all nodes (NaN without a ``nodes`` table)."""
    totals = _node_totals(timeline)
    if totals is None or "shortfall_m3" not in totals.columns:
        return math.nan
    return float(totals["shortfall_m3"].fillna(0.0).sum())


def backtest_table(backtest: Any) -> pd.DataFrame:
    """The back-test as a table with ``period`` as a column (see the module docstring).

    Raises
    ------
    DataError
        Without the columns the section needs.
    """
    table = backtest if isinstance(backtest, pd.DataFrame) else getattr(backtest, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise DataError(
            f"back-test: expected a DataFrame or an object with a .table DataFrame, "
            f"got {type(backtest).__name__}"
        )
    _need(table, "back-test", ("simulated_m3", "reported_low_m3", "reported_high_m3"))
    flat = table.reset_index()
    if "period" not in flat.columns:
        raise DataError("back-test: the table needs a 'period' index or column")
    return flat
