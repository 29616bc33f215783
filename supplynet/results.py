"""Typed results of the LPs: status, headline figures and pandas tables keyed by id.

A result whose status is not ``optimal`` carries NaN figures and empty tables; call
:meth:`Result.raise_for_status` to turn that into an exception.

The headline figures are read from the solution at once; the tables are built the first
time they are asked for and then kept (:class:`LazyTables`): building them costs more than
solving the LP, and an analysis that wants one figure never pays for them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np

from supplynet.atomic import write_files
from supplynet.errors import InfeasibleError
from supplynet.records import Records
from supplynet.solvers import Status

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OUTPUT_DECIMALS",
    "LazyTables",
    "Result",
    "SupplyResult",
    "ThroughputResult",
    "is_day_count",
    "json_ready",
    "plain_json",
    "rounded",
    "summary_json",
]

#: decimal places of the figures in CSV and JSON outputs (0.1 L for m3); results keep
#: full precision in memory
OUTPUT_DECIMALS = 4


#: name endings of rates per day, which :func:`is_day_count` tells from counts of days
_RATE_ENDINGS = ("m3_day", "tankers_day", "trucks_day", "per_day")


def is_day_count(name: object) -> bool:
    """Whether a column or key counts days or names a day (``first_stockout_day``,
    ``days_of_cover``, ``threshold_days``), not a rate per day (``demand_m3_day``).

    Examples
    --------
    >>> [is_day_count(n) for n in ("first_stockout_day", "days_of_cover", "demand_m3_day")]
    [True, True, False]
    """
    text = str(name)
    if text.endswith(_RATE_ENDINGS):
        return False
    return text in ("day", "days") or text.endswith(("_day", "_days")) or text.startswith("days_")


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as it is written: float columns rounded to :data:`OUTPUT_DECIMALS`,
    infinities empty as NaN is (an unbounded figure, such as the days a stock lasts with
    nothing short, reads as ``null`` in JSON and as an empty cell in CSV), and counts of
    days (:func:`is_day_count`) of whole numbers as integers (``6``, not ``6.0``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"days_of_cover": [5.0, 30.0], "first_stockout_day": [6.0, None],
    ...                    "demand_m3_day": [8877.0, 1 / 3]})
    >>> print(rounded(df).to_csv(index=False), end="")
    days_of_cover,first_stockout_day,demand_m3_day
    5,6,8877.0
    30,,0.3333
    """
    floats = df.select_dtypes("float").columns
    if not len(floats):
        return df
    changes: dict[str, Any] = {}
    for c in floats:
        col = df[c].round(OUTPUT_DECIMALS).replace([np.inf, -np.inf], np.nan)
        if is_day_count(c):
            whole = col.dropna()
            if (whole == whole.round()).all():
                col = col.astype("Int64")
        changes[str(c)] = col
    return df.assign(**changes)


def json_ready(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as JSON should read it, like its CSV (:func:`rounded`: floats rounded, day
    counts as integers, NaN where there is none) and dates without a time of day as
    ``YYYY-MM-DD``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2025-09-15", "2025-09-16"]),
    ...                    "first_stockout_day": [10.0, float("nan")]})
    >>> json_ready(df).to_json(orient="records")
    '[{"date":"2025-09-15","first_stockout_day":10},{"date":"2025-09-16","first_stockout_day":null}]'
    """
    import pandas as pd  # a result with tables has pandas loaded already

    out = rounded(df)
    changes: dict[str, Any] = {}
    for name in out.columns:
        col = out[name]
        if (
            pd.api.types.is_datetime64_any_dtype(col)
            and (col.dropna() == col.dropna().dt.normalize()).all()
        ):
            changes[str(name)] = col.dt.strftime("%Y-%m-%d").astype(object).where(col.notna(), None)
    return out.assign(**changes) if changes else out


def plain_figures(values: Mapping[str, Any]) -> dict[str, Any]:
    """Summary figures for JSON, at any depth: floats rounded to :data:`OUTPUT_DECIMALS`,
    non-finite ones ``None``, whole counts of days (:func:`is_day_count`) integers."""
    return cast(dict[str, Any], plain_json(values))


def summary_json(values: Mapping[str, Any]) -> str:
    """A summary as the text of ``summary.json``: valid JSON (NaN and infinity are
    ``null``, at any depth), floats rounded to :data:`OUTPUT_DECIMALS`.

    Examples
    --------
    >>> print(summary_json({"first_stockout_day": float("nan"), "by": {"x": 1 / 3}}))
    {
      "first_stockout_day": null,
      "by": {
        "x": 0.3333
      }
    }
    """
    return json.dumps(plain_figures(values), indent=2, ensure_ascii=False, allow_nan=False)


def plain_json(value: Any, key: object = "") -> Any:
    """``value`` as plain JSON values, at any depth: floats rounded as :func:`rounded`
    rounds them (numpy's rounding, :data:`OUTPUT_DECIMALS`), NaN and infinity ``None``,
    whole counts of days integers (:func:`is_day_count` of ``key``, or of the keys of a
    mapping), numpy scalars Python ones.

    Examples
    --------
    >>> plain_json({"days_of_cover": 5.0, "share": 2 / 3, "x": [float("inf")]})
    {'days_of_cover': 5, 'share': 0.6667, 'x': [None]}
    """
    if isinstance(value, Mapping):
        return {str(k): plain_json(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v, key) for v in value]
    if isinstance(value, np.ndarray):
        return [plain_json(v, key) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if is_day_count(key) and value.is_integer():
            return int(value)
        return float(np.round(value, OUTPUT_DECIMALS))
    return value


def table_files(
    summary: dict[str, Any], tables: dict[str, pd.DataFrame], prefix: str = ""
) -> dict[str, str]:
    """``summary.json`` and one CSV per table (figures rounded), as ``{file name: text}``:
    the CSV form of every result's :meth:`files`."""
    out = {
        f"{prefix}summary.json": json.dumps(plain_figures(summary), indent=2, ensure_ascii=False)
    }
    for name, df in tables.items():
        out[f"{prefix}{name}.csv"] = rounded(df).to_csv(index=any(df.index.names))
    return out


class LazyTables:
    """A result's tables: given, or built by a function the first time they are read.

    Parameters
    ----------
    builders : mapping, optional
        Table name -> a function of no argument that builds it.
    records : callable, optional
        Table name -> its rows as :class:`~supplynet.records.Records` (``KeyError`` for a
        name it does not build): :meth:`records` asks it first, so rows are read without
        making (or importing) a DataFrame.
    **tables
        Tables given as they are.

    A name with neither is an empty DataFrame (``notes``: an empty tuple).

    Examples
    --------
    >>> import pandas as pd
    >>> lazy = LazyTables({"edge_flows": lambda: pd.DataFrame({"a": [1]})})
    >>> len(lazy.get("edge_flows")), lazy.get("bottlenecks").empty, lazy.get("notes")
    (1, True, ())
    >>> lazy.records("edge_flows").rows
    [{'a': 1}]
    """

    def __init__(
        self,
        builders: Mapping[str, Callable[[], Any]] | None = None,
        *,
        records: Callable[[str], Records] | None = None,
        **tables: Any,
    ) -> None:
        self._builders = dict(builders or {})
        self._records = records
        self._values: dict[str, Any] = dict(tables)

    def get(self, name: str) -> Any:
        if name not in self._values:
            build = self._builders.get(name)
            if build is not None:
                self._values[name] = build()
            elif name == "notes":
                self._values[name] = ()
            else:
                import pandas as pd

                self._values[name] = pd.DataFrame()
        return self._values[name]

    def records(self, name: str) -> Records:
        """A table's rows: from the ``records`` source where it has them, else read off
        the DataFrame."""
        if self._records is not None and name not in self._values:
            try:
                return self._records(name)
            except KeyError:
                pass
        return Records.from_frame(self.get(name))

    def built(self) -> list[str]:
        """The names built or given so far."""
        return list(self._values)


def _lazy(name: str, doc: str) -> Any:
    def read(self: Result) -> Any:
        return self.lazy.get(name)

    return property(read, doc=doc)


@dataclass(frozen=True)
class Result:
    """Fields every LP result has.

    Attributes
    ----------
    status : Status
        ``optimal``, ``infeasible``, ``unbounded``, ``not_solved`` or ``undefined``.
    scenario : str
        The scenario's name.
    solver : str
        The solver that produced it.
    solve_time_s : float
        Solver wall time.
    edge_flows : DataFrame
        Indexed by edge id: ``u, v, road_id, corridors, capacity_m3_day, flow_m3_day,
        utilisation``.
    node_flows : DataFrame
        Indexed by node id: ``name, kind, throughput_m3_day, capacity_m3_day,
        supply_m3_day`` (supply used) and ``supply_limit_m3_day`` (supply available).
    notes : tuple of str
        Plain-language warnings about the result (a scenario change that does not bind,
        fuel that bypasses the border posts, a closed destination).
    """

    status: Status
    scenario: str
    solver: str
    solve_time_s: float
    assumptions: dict[str, Any] = field(default_factory=dict, repr=False)
    lazy: LazyTables = field(default_factory=LazyTables, repr=False, compare=False)

    edge_flows = _lazy("edge_flows", "Arc flows by edge id (built when first read).")
    node_flows = _lazy("node_flows", "Node throughput by node id (built when first read).")
    notes = _lazy("notes", "Plain-language warnings about the result.")

    @property
    def ok(self) -> bool:
        """True when the LP was solved to optimality."""
        return self.status is Status.OPTIMAL

    def records(self, name: str) -> Records:
        """The rows of a table (``"edge_flows"``, ``"node_flows"`` ...) as plain dicts,
        without building its DataFrame.

        Examples
        --------
        >>> import supplynet as sn
        >>> res = sn.max_throughput(sn.load_network())
        >>> row = res.records("node_flows").keyed()["bamako"]
        >>> bool(row["throughput_m3_day"] == res.node_flows.loc["bamako", "throughput_m3_day"])
        True
        """
        return self.lazy.records(name)

    def raise_for_status(self) -> None:
        """Raise :class:`InfeasibleError` unless the status is optimal."""
        if not self.ok:
            raise InfeasibleError(f"scenario {self.scenario!r}: LP status {self.status.value}")

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain Python values (for JSON and tables)."""
        return {
            "status": self.status.value,
            "scenario": self.scenario,
            "solver": self.solver,
            "solve_time_s": round(self.solve_time_s, 4),
            "notes": list(self.notes),
        }

    #: the tables :meth:`tables` writes out, in order
    TABLES: ClassVar[tuple[str, ...]] = ("edge_flows", "node_flows")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Named tables to write out (``edge_flows``, ``node_flows`` ...)."""
        return {name: getattr(self, name) for name in self.TABLES}

    def to_json(self) -> str:
        """The summary and all tables as one JSON document (made from the tables' rows,
        :meth:`records`: floats rounded to :data:`OUTPUT_DECIMALS`, NaN and inf as
        ``null``; no DataFrame is built)."""
        doc: dict[str, Any] = {"summary": plain_figures(self.summary())}
        for name in self.TABLES:
            table = self.records(name)
            doc[name] = [{c: plain_json(row.get(c), c) for c in table.columns} for row in table]
        return json.dumps(doc, indent=2, ensure_ascii=False)

    def files(self, *, fmt: str = "csv", prefix: str = "") -> dict[str, str]:
        """The result rendered as ``{file name: text}``.

        ``fmt="csv"``: ``summary.json`` and one CSV per table; ``fmt="json"``: one
        ``result.json`` with everything.
        """
        if fmt == "json":
            return {f"{prefix}result.json": self.to_json()}
        return table_files(self.summary(), self.tables(), prefix)

    def write(self, folder: str | Path, *, fmt: str = "csv") -> list[Path]:
        """Write the result into ``folder``: all files whole, or none (see :meth:`files`).

        The files appear together, also if the process is killed while writing
        (:func:`supplynet.atomic.write_files`); other files in ``folder`` are left alone.

        Raises
        ------
        DataError
            A folder that cannot be written, naming it.
        """
        return write_files(Path(folder), self.files(fmt=fmt))


@dataclass(frozen=True)
class ThroughputResult(Result):
    """Result of :func:`supplynet.max_throughput`.

    Attributes
    ----------
    destination : str
        Node id that receives the fuel.
    delivered_m3_day : float
        Fuel per day reaching the destination (NaN unless optimal).
    bottlenecks : DataFrame
        The saturated minimum cut: the arcs, node limits and port supplies whose
        capacities add up to ``delivered_m3_day``. Columns ``element, type, name,
        capacity_m3_day, flow_m3_day, corridors``.
    border_flows : DataFrame
        Indexed by border post: ``name, corridors, flow_m3_day, capacity_m3_day,
        utilisation``; each m3 is counted once, so the column sums to what crosses borders.
    corridor_flows : DataFrame
        Indexed by corridor: ``border_posts``, ``border_flow_m3_day`` (flow through them;
        a post may serve several corridors, listed in ``posts_shared_with``) and
        ``own_road_flow_m3_day`` (the largest flow on a road no other corridor uses, NaN
        if it has none).
    scenario_changes : DataFrame
        Every capacity or supply the scenario changed: ``element, type, before_m3_day,
        after_m3_day, flow_m3_day, binds`` (whether the new figure limits this flow).
    """

    destination: str = ""
    delivered_m3_day: float = math.nan

    bottlenecks = _lazy("bottlenecks", "The saturated minimum cut.")
    border_flows = _lazy("border_flows", "Flow and net entry by border post.")
    corridor_flows = _lazy("corridor_flows", "Flow by corridor.")
    scenario_changes = _lazy("scenario_changes", "The scenario's capacity changes.")

    def summary(self) -> dict[str, Any]:
        return {
            **super().summary(),
            "destination": self.destination,
            "delivered_m3_day": self.delivered_m3_day,
            "delivered_tankers_day": self.delivered_m3_day / self.assumptions["tanker_m3"]
            if "tanker_m3" in self.assumptions
            else None,
        }

    TABLES: ClassVar[tuple[str, ...]] = (
        *Result.TABLES,
        "bottlenecks",
        "border_flows",
        "corridor_flows",
        "scenario_changes",
    )


@dataclass(frozen=True)
class SupplyResult(Result):
    """Result of :func:`supplynet.least_cost_supply`.

    Attributes
    ----------
    delivered : DataFrame
        Indexed by demand node: ``name, demand_m3_day, delivered_m3_day, shortfall_m3_day,
        met_share``.
    shortfall : Series
        Unmet demand (m3/day) by demand node.
    cost : float
        Transport and border cost per day of the delivered fuel (penalty excluded), in the
        network's currency.
    penalty_cost : float
        Penalty charged for unmet demand.
    """

    cost: float = math.nan
    penalty_cost: float = math.nan
    shortfall_total_m3_day: float = math.nan

    delivered = _lazy("delivered", "Demand, delivery and shortfall by demand node.")
    shortfall = _lazy("shortfall", "Unmet demand (m3/day) by demand node.")

    @property
    def total_shortfall_m3_day(self) -> float:
        """Sum of unmet demand."""
        return self.shortfall_total_m3_day if self.ok else math.nan

    def summary(self) -> dict[str, Any]:
        delivered = self.records("delivered") if self.ok else None
        return {
            **super().summary(),
            "demand_m3_day": math.fsum(delivered.column("demand_m3_day"))
            if delivered is not None
            else math.nan,
            "delivered_m3_day": math.fsum(delivered.column("delivered_m3_day"))
            if delivered is not None
            else math.nan,
            "shortfall_m3_day": self.total_shortfall_m3_day,
            "cost_per_day": self.cost,
            "currency": self.assumptions.get("currency", ""),
        }

    TABLES: ClassVar[tuple[str, ...]] = (*Result.TABLES, "delivered")
