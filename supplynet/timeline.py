"""The result of the multi-day model: :class:`SupplyTimeline`, a typed value with tables.

A timeline whose status is not ``optimal`` has empty tables; call
:meth:`SupplyTimeline.raise_for_status` to turn that into an exception. The tables are
built when first asked for (they are cached), from the solution the analysis read.

Tables (names to script against)
--------------------------------
``daily``      indexed by ``(day, node_id, demand_class, product)``: ``demand_m3``,
               ``issued_m3``, ``unmet_m3`` for each class; the rows with ``demand_class =
               "all"`` also carry the node's ``arrivals_m3``, ``stock_m3`` (depots, end of
               day) and ``waiting_m3`` (loaded tankers queued there); ``date`` when the
               scenario has a ``start_date``
``nodes``      indexed by ``(node_id, demand_class, product)`` (``"all"`` rows for the
               node's totals): ``demand_m3``, ``issued_m3``, ``shortfall_m3``,
               ``met_share``, ``first_stockout_day`` (the first day some demand went unmet,
               NaN if none), ``days_of_cover`` (days fully served before it)
``corridors``  indexed by ``(corridor, day)`` for the corridors with roads of their own:
               ``dispatch_m3`` (fuel dispatched into them), ``arrivals_m3`` (fuel arriving
               at their far ends; fuel used at towns along them is in neither),
               ``lost_m3`` (lost on them, by day of dispatch)
``balance``    indexed by product (and ``"all"``): ``initial_stock_m3 + supply_m3 =
               final_stock_m3 + waiting_m3 + in_transit_m3 + served_m3 + lost_m3``, and the
               ``residual_m3`` of that equation (zero up to solver tolerance)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, cast

import pandas as pd

from supplynet.errors import InfeasibleError
from supplynet.io import write_files
from supplynet.results import json_ready, plain_figures, table_files
from supplynet.solvers import Status

__all__ = ["ALL", "SupplyTimeline", "TimelineTables"]

#: the label of total rows (all classes, all products)
ALL = "all"


class TimelineTables(Protocol):
    """What builds a timeline's tables from its solution (see the module docstring)."""

    def daily(self) -> pd.DataFrame: ...

    def nodes(self) -> pd.DataFrame: ...

    def corridors(self) -> pd.DataFrame: ...

    def balance(self) -> pd.DataFrame: ...


@dataclass(frozen=True, eq=False)
class SupplyTimeline:
    """Result of :func:`supplynet.simulate_supply`: fuel by day, node, class and product.

    Attributes
    ----------
    status : Status
        ``optimal``, ``infeasible``, ``not_solved`` ...
    scenario : str
        The scenario's name.
    days : int
        The horizon.
    start_date : datetime.date or None
        The date of day 1, when the scenario has one (the tables then carry dates).
    products, classes : tuple of str
        The products and demand classes of the run (``("fuel",)`` and ``("demand",)`` for
        a network without product data).
    allocation : str
        ``priority`` or ``pro-rata``.
    solver : str
        The solver used.
    timings : dict
        Seconds spent preparing the inputs, building the LP, solving it and reading the
        solution (``prepare_s``, ``build_s``, ``solve_s``, ``read_s``).
    size : dict
        ``columns``, ``rows`` and ``nonzeros`` of the LP.
    notes : tuple of str
        Plain-language warnings (demand above supply, ignored keys, large convoys).
    """

    status: Status
    scenario: str
    days: int
    start_date: dt.date | None
    products: tuple[str, ...]
    classes: tuple[str, ...]
    allocation: str
    solver: str
    objective: float | None
    timings: dict[str, float]
    size: dict[str, int]
    notes: tuple[str, ...] = ()
    source: TimelineTables | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the LP was solved to optimality."""
        return self.status is Status.OPTIMAL

    def raise_for_status(self) -> None:
        """Raise :class:`InfeasibleError` unless the status is optimal."""
        if not self.ok:
            raise InfeasibleError(f"scenario {self.scenario!r}: LP status {self.status.value}")

    def date_of(self, day: int) -> dt.date | None:
        """The date of a day number (``None`` without a ``start_date``)."""
        if self.start_date is None:
            return None
        return self.start_date + dt.timedelta(days=int(day) - 1)

    # ------------------------------------------------------------------ tables
    def _table(self, name: str) -> pd.DataFrame:
        if self.source is None:
            return pd.DataFrame()
        frame: pd.DataFrame = getattr(self.source, name)()
        return frame

    @cached_property
    def daily(self) -> pd.DataFrame:
        """By (day, node, demand class, product): demand, issued, unmet, arrivals, stock."""
        return self._table("daily")

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """By (node, demand class, product): shortfall, first stockout day, days of cover."""
        return self._table("nodes")

    @cached_property
    def corridors(self) -> pd.DataFrame:
        """By (corridor, day): dispatch, arrivals and losses on its own roads."""
        return self._table("corridors")

    @cached_property
    def balance(self) -> pd.DataFrame:
        """The fuel balance by product: in = out, and its residual."""
        return self._table("balance")

    def node(self, node_id: str) -> pd.DataFrame:
        """The ``nodes`` rows of one node, indexed by (demand class, product)."""
        frame = self.nodes.xs(node_id, level="node_id")
        assert isinstance(frame, pd.DataFrame)
        return frame

    # ------------------------------------------------------------------ output
    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values (for JSON and tables)."""
        out: dict[str, Any] = {
            "status": self.status.value,
            "scenario": self.scenario,
            "days": self.days,
            "start_date": None if self.start_date is None else self.start_date.isoformat(),
            "end_date": None if self.start_date is None else str(self.date_of(self.days)),
            "products": list(self.products),
            "classes": list(self.classes),
            "allocation": self.allocation,
            "solver": self.solver,
            **{k: round(v, 4) for k, v in self.timings.items()},
            **self.size,
            "notes": list(self.notes),
        }
        if self.ok and len(self.balance):
            total = {str(c): float(cast(float, v)) for c, v in self.balance.loc[ALL].items()}
            nodes = self.nodes
            totals = (nodes.index.get_level_values("demand_class") == ALL) & (
                nodes.index.get_level_values("product") == ALL
            )
            demand = float(nodes.loc[totals, "demand_m3"].sum()) if len(nodes) else 0.0
            short = demand - total["served_m3"]
            if abs(short) <= 1e-9 * max(1.0, demand):  # not "-0" from rounding
                short = 0.0
            out.update(
                demand_m3=demand,
                served_m3=total["served_m3"],
                shortfall_m3=short,
                lost_m3=total["lost_m3"],
                in_transit_end_m3=total["in_transit_m3"],
                balance_residual_m3=float(self.balance["residual_m3"].abs().max()),
            )
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """The named tables to write out."""
        return {
            "daily": self.daily,
            "nodes": self.nodes,
            "corridors": self.corridors,
            "balance": self.balance,
        }

    def to_json(self) -> str:
        """The summary and all tables as one JSON document."""
        doc: dict[str, Any] = {"summary": plain_figures(self.summary())}
        for name, df in self.tables().items():
            table = json_ready(df.reset_index() if any(df.index.names) else df)
            doc[name] = json.loads(
                table.to_json(orient="records", force_ascii=False, date_format="iso")
            )
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def files(self, *, fmt: str = "csv", prefix: str = "") -> dict[str, str]:
        """The result as ``{file name: text}``: ``summary.json`` and one CSV per table, or
        one ``result.json`` (``fmt="json"``)."""
        if fmt == "json":
            return {f"{prefix}result.json": self.to_json()}
        return table_files(self.summary(), self.tables(), prefix)

    def write(self, folder: str | Path, *, fmt: str = "csv") -> list[Path]:
        """Write the result into ``folder``: all files whole, or none (see :meth:`files`)."""
        return write_files(Path(folder), self.files(fmt=fmt))
