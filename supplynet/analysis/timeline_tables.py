"""Reading a multi-day solution: the arrays by day, then the tables of a SupplyTimeline.

:class:`SolutionTables` turns the LP's column values into flows by day (dispatch,
arrivals, losses, stocks, queues, served and unmet demand) once, vectorised, and builds the
pandas tables of :class:`~supplynet.timeline.SupplyTimeline` when they are first asked for.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from supplynet.analysis.timeline_inputs import TimelineInputs
from supplynet.formulations.multiperiod import MultiPeriodLayout, arrival_days, scatter_add
from supplynet.timeline import ALL

__all__ = ["SolutionTables", "first_shortage"]

logger = logging.getLogger(__name__)

#: unmet demand below this share of the day's demand (or 1e-6 m3) counts as served
_TOLERANCE = 1e-6

_DAILY_COLUMNS = [
    "demand_m3",
    "issued_m3",
    "unmet_m3",
    "arrivals_m3",
    "stock_m3",
    "waiting_m3",
]
_NODE_COLUMNS = [
    "name",
    "demand_m3",
    "issued_m3",
    "shortfall_m3",
    "met_share",
    "first_stockout_day",
    "days_of_cover",
    "initial_stock_m3",
    "final_stock_m3",
    "min_stock_m3",
]
_CORRIDOR_COLUMNS = ["dispatch_m3", "arrivals_m3", "lost_m3"]
_BALANCE_COLUMNS = [
    "initial_stock_m3",
    "initial_transit_m3",
    "supply_m3",
    "final_stock_m3",
    "waiting_m3",
    "in_transit_m3",
    "served_m3",
    "lost_m3",
    "residual_m3",
]


def first_shortage(unmet: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """The first day (1-based) each column has unmet demand, NaN if never; (N, k) -> (k,).

    Examples
    --------
    >>> first_shortage(np.array([[0.0, 0.0], [2.0, 0.0]]), np.ones((2, 2)) * 5).tolist()
    [2.0, nan]
    """
    short = unmet > _TOLERANCE * np.maximum(demand, 1.0)
    any_short = short.any(axis=0)
    first = np.argmax(short, axis=0).astype(float) + 1
    first[~any_short] = np.nan
    return first


class SolutionTables:
    """The flows of one solved multi-day LP, and the timeline's tables built from them.

    Parameters
    ----------
    inputs : TimelineInputs
        What the LP was built from.
    layout : MultiPeriodLayout
        Where its columns sit.
    x : ndarray or None
        Column values; ``None`` when the LP was not solved to optimality (empty tables).
    """

    def __init__(self, inputs: TimelineInputs, layout: MultiPeriodLayout, x: np.ndarray | None):
        self.inputs = inputs
        self.d = d = layout.data
        self.solved = x is not None
        if x is None:
            return
        N, E, P = d.days, len(d.arc_ids), len(d.products)
        V = len(d.node_ids)
        self.dispatch = np.clip(layout.block(x, "dispatch"), 0.0, None)
        self.supply = np.clip(layout.block(x, "supply"), 0.0, None)
        self.hold = np.clip(layout.block(x, "hold"), 0.0, None)
        self.unmet = np.clip(layout.unmet_m3(x), 0.0, d.lp_demand_m3)
        self.served = d.demand_m3 - self.unmet
        # fuel in transit on day 1 arriving at the demand nodes (the normal pipeline)
        self.pipeline = np.zeros((N, V, P))
        if d.pipeline_m3 is not None:
            scatter_add(
                self.pipeline, (slice(None), d.demand_node, d.demand_product), d.pipeline_m3
            )
        arrivals = np.zeros((N, E, P))
        transit = np.zeros(P)
        for day, share in _parts(d.arc_lead_days, d.arc_survival):
            moved = self.dispatch * share[:, :, None]
            inside = day < N
            t, e = np.nonzero(inside)
            scatter_add(arrivals, (day[t, e], e), moved[t, e])
            transit += moved[~inside].sum(axis=0)
        self.arc_arrivals = arrivals
        self.in_transit_end = transit
        self.lost = self.dispatch * (1.0 - d.arc_survival)[:, :, None]
        node_in = self.pipeline.copy()
        scatter_add(node_in, (slice(None), d.arc_head), arrivals)
        self.node_arrivals = node_in
        logger.info("Read the solution: %d days, %d arcs, %d products", N, E, P)

    # ------------------------------------------------------------------ helpers
    def _days(self) -> np.ndarray:
        return np.arange(1, self.d.days + 1)

    def _with_dates(self, df: pd.DataFrame, level: str = "day") -> pd.DataFrame:
        start = self.inputs.start_date
        if start is None or not len(df):
            return df
        days = df.index.get_level_values(level).to_numpy()
        df.insert(0, "date", pd.Timestamp(start) + pd.to_timedelta(days - 1, unit="D"))
        return df

    def _report_nodes(self) -> np.ndarray:
        """Nodes with demand or a depot or a queue, in network order."""
        d = self.d
        keep = np.zeros(len(d.node_ids), dtype=bool)
        keep[d.demand_node] = True
        keep[d.hold_node] = True
        return np.flatnonzero(keep)

    # ------------------------------------------------------------------ tables
    def daily(self) -> pd.DataFrame:
        d = self.d
        names = ["day", "node_id", "demand_class", "product"]
        if not self.solved:
            return pd.DataFrame(
                columns=_DAILY_COLUMNS, index=pd.MultiIndex.from_tuples([], names=names)
            )
        N, R = d.days, len(d.demand_node)
        node_ids = np.array(d.node_ids, dtype=object)
        classes = np.array(d.classes, dtype=object)
        products = np.array(d.products, dtype=object)
        days = np.repeat(self._days(), R)
        by_class = pd.DataFrame(
            {
                "day": days,
                "node_id": np.tile(node_ids[d.demand_node], N),
                "demand_class": np.tile(classes[d.demand_class], N),
                "product": np.tile(products[d.demand_product], N),
                "demand_m3": d.demand_m3.ravel(),
                "issued_m3": self.served.ravel(),
                "unmet_m3": self.unmet.ravel(),
            }
        )
        nodes = self._report_nodes()
        P = len(d.products)
        demand = np.zeros((N, len(d.node_ids), P))
        unmet = np.zeros_like(demand)
        scatter_add(demand, (slice(None), d.demand_node, d.demand_product), d.demand_m3)
        scatter_add(unmet, (slice(None), d.demand_node, d.demand_product), self.unmet)
        stock = np.full_like(demand, np.nan)
        waiting = np.full_like(demand, np.nan)
        depots = d.hold_is_depot
        stock[:, d.hold_node[depots], :] = self.hold[:, depots, :]
        waiting[:, d.hold_node[~depots], :] = self.hold[:, ~depots, :]
        k = len(nodes)
        totals = pd.DataFrame(
            {
                "day": np.repeat(self._days(), k * P),
                "node_id": np.tile(np.repeat(node_ids[nodes], P), N),
                "demand_class": ALL,
                "product": np.tile(products, N * k),
                "demand_m3": demand[:, nodes, :].ravel(),
                "issued_m3": (demand - unmet)[:, nodes, :].ravel(),
                "unmet_m3": unmet[:, nodes, :].ravel(),
                "arrivals_m3": self.node_arrivals[:, nodes, :].ravel(),
                "stock_m3": stock[:, nodes, :].ravel(),
                "waiting_m3": waiting[:, nodes, :].ravel(),
            }
        )
        frame = pd.concat([by_class, totals], ignore_index=True)
        frame = frame.sort_values(names, kind="stable").set_index(names)[_DAILY_COLUMNS]
        return self._with_dates(frame)

    def nodes(self) -> pd.DataFrame:
        d = self.d
        names = ["node_id", "demand_class", "product"]
        if not self.solved or not len(d.demand_node):
            return pd.DataFrame(
                columns=_NODE_COLUMNS, index=pd.MultiIndex.from_tuples([], names=names)
            )
        node_ids = np.array(d.node_ids, dtype=object)
        rows = pd.DataFrame(
            {
                "node_id": node_ids[d.demand_node],
                "demand_class": np.array(d.classes, dtype=object)[d.demand_class],
                "product": np.array(d.products, dtype=object)[d.demand_product],
            }
        )
        groups: list[tuple[pd.DataFrame, np.ndarray, np.ndarray]] = []
        for by in (
            ["node_id", "demand_class", "product"],
            ["node_id", "demand_class"],
            ["node_id", "product"],
            ["node_id"],
        ):
            codes, keys = _group(rows, by)
            demand = np.zeros((d.days, len(keys)))
            unmet = np.zeros_like(demand)
            scatter_add(demand, (slice(None), codes), d.demand_m3)
            scatter_add(unmet, (slice(None), codes), self.unmet)
            for level in names:
                if level not in keys:
                    keys[level] = ALL
            groups.append((keys[names], demand, unmet))
        parts = []
        for keys, demand, unmet in groups:
            first = first_shortage(unmet, demand)
            total, short = demand.sum(axis=0), unmet.sum(axis=0)
            part = keys.copy()
            part["demand_m3"] = total
            part["issued_m3"] = total - short
            part["shortfall_m3"] = short
            part["met_share"] = np.where(
                total > 0, (total - short) / np.where(total > 0, total, 1), 1.0
            )
            part["first_stockout_day"] = first
            part["days_of_cover"] = np.where(np.isnan(first), d.days, first - 1)
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True)
        frame.insert(
            1, "name", [self.inputs.node_names[d.node_ids.index(n)] for n in frame["node_id"]]
        )
        frame = self._add_stock(frame)
        frame = frame.sort_values(names, kind="stable").set_index(names)
        if self.inputs.start_date is not None:
            first = frame["first_stockout_day"].to_numpy()
            frame.insert(
                list(frame.columns).index("first_stockout_day") + 1,
                "first_stockout_date",
                pd.Timestamp(self.inputs.start_date) + pd.to_timedelta(first - 1, unit="D"),
            )
        return frame[[c for c in frame.columns if c in _NODE_COLUMNS or c == "first_stockout_date"]]

    def _add_stock(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Initial, final and lowest depot stock on the class-"all" rows."""
        d = self.d
        depots = np.flatnonzero(d.hold_is_depot)
        stock = self.hold[:, depots, :]  # (N, D, P)
        with_all = np.concatenate([stock, stock.sum(axis=2, keepdims=True)], axis=2)
        initial = d.hold_initial_m3[depots]
        initial = np.concatenate([initial, initial.sum(axis=1, keepdims=True)], axis=1)
        products = [*d.products, ALL]
        rows = pd.DataFrame(
            {
                "node_id": np.repeat([d.node_ids[d.hold_node[j]] for j in depots], len(products)),
                "demand_class": ALL,
                "product": np.tile(products, len(depots)),
                "initial_stock_m3": initial.ravel(),
                "final_stock_m3": with_all[-1].ravel(),
                "min_stock_m3": with_all.min(axis=0).ravel(),
            }
        )
        return frame.merge(rows, on=["node_id", "demand_class", "product"], how="left")

    def corridors(self) -> pd.DataFrame:
        names = ["corridor", "day"]
        if not self.solved:
            return pd.DataFrame(
                columns=_CORRIDOR_COLUMNS, index=pd.MultiIndex.from_tuples([], names=names)
            )
        index = self.inputs.arc_index
        frames = []
        moved = self.dispatch.sum(axis=2)
        arrived = self.arc_arrivals.sum(axis=2)
        lost = self.lost.sum(axis=2)
        for name, section in self.inputs.corridors.items():
            entries = [index[e] for e in section.entries]
            exits = [index[e] for e in section.exits]
            arcs = [index[e] for e in section.arcs]
            frames.append(
                pd.DataFrame(
                    {
                        "corridor": name,
                        "day": self._days(),
                        "dispatch_m3": moved[:, entries].sum(axis=1),
                        "arrivals_m3": arrived[:, exits].sum(axis=1),
                        "lost_m3": lost[:, arcs].sum(axis=1),
                    }
                )
            )
        if not frames:  # a network without corridors (one built without them)
            frame = pd.DataFrame(
                {"corridor": pd.Series([], dtype=object), "day": pd.Series([], dtype=int)}
                | {c: pd.Series([], dtype=float) for c in _CORRIDOR_COLUMNS}
            )
        else:
            frame = pd.concat(frames, ignore_index=True)
        return self._with_dates(frame.set_index(names))

    def balance(self) -> pd.DataFrame:
        d = self.d
        if not self.solved:
            return pd.DataFrame(columns=_BALANCE_COLUMNS, index=pd.Index([], name="product"))
        depots = d.hold_is_depot
        served = np.zeros(len(d.products))
        np.add.at(served, d.demand_product, self.served.sum(axis=0))
        frame = pd.DataFrame(
            {
                "initial_stock_m3": d.hold_initial_m3.sum(axis=0),
                "initial_transit_m3": self.pipeline.sum(axis=(0, 1)),
                "supply_m3": self.supply.sum(axis=(0, 1)),
                "final_stock_m3": self.hold[-1, depots, :].sum(axis=0),
                "waiting_m3": self.hold[-1, ~depots, :].sum(axis=0),
                "in_transit_m3": self.in_transit_end,
                "served_m3": served,
                "lost_m3": self.lost.sum(axis=(0, 1)),
            },
            index=pd.Index(list(d.products), name="product"),
        )
        frame.loc[ALL] = frame.sum(axis=0)
        frame["residual_m3"] = (
            frame["initial_stock_m3"]
            + frame["initial_transit_m3"]
            + frame["supply_m3"]
            - frame[["final_stock_m3", "waiting_m3", "in_transit_m3", "served_m3", "lost_m3"]].sum(
                axis=1
            )
        )
        return frame


def _parts(lead: np.ndarray, survival: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    d1, s1, d2, s2 = arrival_days(lead, survival)
    return [(d1, s1), (d2, s2)]


def _group(rows: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes of each row, and the groups' keys (first-seen order)."""
    keys = rows[by].drop_duplicates().reset_index(drop=True)
    lookup = {tuple(k): i for i, k in enumerate(keys.itertuples(index=False, name=None))}
    codes = np.array(
        [lookup[tuple(k)] for k in rows[by].itertuples(index=False, name=None)], dtype=np.int64
    )
    return codes, keys
