"""The multi-day LP's inputs and the layout of its columns, as arrays.

:class:`MultiPeriodData` holds everything
:func:`~supplynet.formulations.multiperiod.build_multiperiod` needs, by day, arc, node,
product and demand row; :class:`MultiPeriodLayout` says where each block of columns sits
in the built LP, to read a solution back; :func:`arrival_days` is the one place that
turns lead times into arrival days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from supplynet.errors import DataError

__all__ = [
    "EscortWindow",
    "MultiPeriodData",
    "MultiPeriodLayout",
    "arrival_days",
    "safe_name",
    "scatter_add",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def safe_name(ident: object) -> str:
    """An element id as it appears in LP names (unsafe characters become ``_``)."""
    return _UNSAFE.sub("_", str(ident))


@dataclass(frozen=True)
class EscortWindow:
    """One escort constraint: the escorted arcs' dispatch on days ``first..last`` (0-based,
    inclusive) is at most ``limit_m3``."""

    first: int
    last: int
    arcs: np.ndarray
    limit_m3: float


@dataclass(frozen=True, eq=False)
class MultiPeriodData:
    """The multi-day model's inputs as arrays (``N`` days, ``E`` arcs, ``P`` products).

    Attributes
    ----------
    days : int
        ``N``.
    products, classes, node_ids, arc_ids : tuple of str
        Names, in the order of the arrays' axes.
    arc_tail, arc_head : ndarray of int, (E,)
        Node positions of each arc's ends.
    arc_cost_per_m3 : ndarray, (E,)
        Transport cost of one m3 dispatched, plus the cost of passing the arc's head node.
    arc_capacity_m3 : ndarray, (N, E)
        What may be dispatched on the arc each day, all products together.
    arc_lead_days : ndarray, (N, E)
        Days from dispatch to arrival of fuel dispatched on day t (>= 0, not whole).
    arc_survival : ndarray, (N, E)
        Share of the dispatch that arrives (1 - loss rate).
    source_node : ndarray of int, (S,)
        Nodes that supply fuel; ``source_cost_per_m3`` (S,) the cost of passing them.
    supply_m3 : ndarray, (N, S, P)
        Fuel each source can load each day, by product.
    limit_node : ndarray of int, (C,)
        Nodes with a throughput limit; ``node_limit_m3`` (N, C) the limit each day.
    hold_node : ndarray of int, (H,)
        Nodes that hold fuel from one day to the next: depots (``hold_is_depot``) and
        queues of loaded tankers; ``hold_capacity_m3`` (H,), ``hold_initial_m3`` (H, P).
    demand_node, demand_class, demand_product : ndarray of int, (R,)
        One demand row per (node, class, product); ``demand_m3`` (N, R) by day.
    pipeline_m3 : ndarray, (N, R), optional
        The part of each row's demand served by fuel already in transit on day 1 (the
        normal pipeline, :mod:`supplynet.analysis.timeline_pipeline`); at most
        ``demand_m3``. The LP serves the rest, ``lp_demand_m3``.
    demand_weight : ndarray, (R,), optional
        A priority multiplier of each demand row (a node's weight, ``node_weights``):
        an unmet m3 of row r costs ``demand_weight[r] x class_weight[k] x
        penalty_per_m3``; default 1.
    class_weight : ndarray, (K,)
        Priority weight of each class (unmet m3 costs weight x ``penalty_per_m3``).
    allocation : {"priority", "pro-rata"}
        How a node's short supply is shared among its classes.
    escorts : tuple of EscortWindow
        The shared-escort constraints.
    early_service_share, queue_cost_share, keep_stock_share : float
        Tie-breakers, as shares of ``penalty_per_m3`` (see Notes).
    """

    days: int
    products: tuple[str, ...]
    classes: tuple[str, ...]
    node_ids: tuple[str, ...]
    arc_ids: tuple[str, ...]
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_cost_per_m3: np.ndarray
    arc_capacity_m3: np.ndarray
    arc_lead_days: np.ndarray
    arc_survival: np.ndarray
    source_node: np.ndarray
    source_cost_per_m3: np.ndarray
    supply_m3: np.ndarray
    limit_node: np.ndarray
    node_limit_m3: np.ndarray
    hold_node: np.ndarray
    hold_is_depot: np.ndarray
    hold_capacity_m3: np.ndarray
    hold_initial_m3: np.ndarray
    demand_node: np.ndarray
    demand_class: np.ndarray
    demand_product: np.ndarray
    demand_m3: np.ndarray
    class_weight: np.ndarray
    penalty_per_m3: float
    allocation: Literal["priority", "pro-rata"] = "priority"
    escorts: tuple[EscortWindow, ...] = ()
    early_service_share: float = 0.01
    queue_cost_share: float = 1e-6
    keep_stock_share: float = 0.25
    pipeline_m3: np.ndarray | None = None
    demand_weight: np.ndarray | None = None

    def __post_init__(self) -> None:
        N, E, P = self.days, len(self.arc_ids), len(self.products)
        S, C, H, R = (
            len(self.source_node),
            len(self.limit_node),
            len(self.hold_node),
            len(self.demand_node),
        )
        shapes = {
            "arc_capacity_m3": (self.arc_capacity_m3, (N, E)),
            "arc_lead_days": (self.arc_lead_days, (N, E)),
            "arc_survival": (self.arc_survival, (N, E)),
            "supply_m3": (self.supply_m3, (N, S, P)),
            "node_limit_m3": (self.node_limit_m3, (N, C)),
            "hold_initial_m3": (self.hold_initial_m3, (H, P)),
            "demand_m3": (self.demand_m3, (N, R)),
        }
        if self.pipeline_m3 is not None:
            shapes["pipeline_m3"] = (self.pipeline_m3, (N, R))
        if self.demand_weight is not None:
            shapes["demand_weight"] = (self.demand_weight, (R,))
        for name, (arr, shape) in shapes.items():
            if arr.shape != shape:
                raise DataError(f"multi-day data: {name} is {arr.shape}, expected {shape}")
        if (self.arc_lead_days < 0).any():
            raise DataError("multi-day data: a lead time is negative")
        if self.allocation not in ("priority", "pro-rata"):
            raise DataError(f"multi-day data: unknown allocation {self.allocation!r}")
        if self.pipeline_m3 is not None and (
            (self.pipeline_m3 < 0).any() or (self.pipeline_m3 > self.demand_m3 + 1e-9).any()
        ):
            raise DataError("multi-day data: pipeline_m3 must lie between 0 and demand_m3")
        if self.demand_weight is not None and (self.demand_weight <= 0).any():
            raise DataError("multi-day data: a demand weight is not > 0")

    @property
    def lp_demand_m3(self) -> np.ndarray:
        """The demand the LP serves, (N, R): ``demand_m3`` less the pipeline's part."""
        if self.pipeline_m3 is None:
            return self.demand_m3
        return np.clip(self.demand_m3 - self.pipeline_m3, 0.0, None)

    @property
    def row_weight(self) -> np.ndarray:
        """The priority weight of each demand row, (R,): class weight x demand weight."""
        weight = self.class_weight[self.demand_class]
        return weight if self.demand_weight is None else weight * self.demand_weight

    @property
    def early_service_factor(self) -> np.ndarray:
        """``tau_t``: unmet demand on day t weighs ``1 + share (N-1-t)/(N-1)``, (N,)."""
        N = self.days
        if N == 1:
            return np.ones(1)
        return 1.0 + self.early_service_share * (N - 1 - np.arange(N)) / (N - 1)


def arrival_days(
    lead_days: np.ndarray, survival: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """When fuel dispatched on (t, e) arrives, and how much: the mean-keeping split.

    A lead time of ``L`` days sends ``(1 - f)`` of the surviving dispatch ``floor(L)``
    days later and ``f = L - floor(L)`` one day after that, so the mean lead time is
    exactly ``L`` on every arc and sums exactly along a route.

    Returns
    -------
    day_early, share_early, day_late, share_late : ndarray, each shaped like ``lead_days``
        Arrival day (0-based, may be past the horizon) and the share of the dispatch that
        arrives then (survival included).

    Examples
    --------
    >>> d1, s1, d2, s2 = arrival_days(np.array([[2.25]]), np.array([[0.8]]))
    >>> int(d1[0, 0]), float(s1[0, 0]), int(d2[0, 0]), float(s2[0, 0])
    (2, 0.6000000000000001, 3, 0.2)
    """
    lead = np.round(lead_days, 9)
    whole = np.floor(lead)
    frac = lead - whole
    start = np.arange(lead.shape[0])[:, None]
    day_early = start + whole.astype(np.int64)
    return day_early, survival * (1.0 - frac), day_early + 1, survival * frac


@dataclass(frozen=True, eq=False)
class MultiPeriodLayout:
    """Where each block of columns sits in the LP, for reading a solution back.

    ``dispatch`` (N, E, P), ``supply`` (N, S, P), ``hold`` (N, H, P), ``unmet`` (N, R) or
    ``short`` (N, G) with ``short_group`` (R,) the group of each demand row (pro-rata),
    ``keep`` (D, P) with ``keep_hold`` (D,) the hold positions of the depots.
    """

    data: MultiPeriodData
    dispatch: slice
    supply: slice
    hold: slice
    unmet: slice
    keep: slice
    keep_hold: np.ndarray
    short_group: np.ndarray | None = None

    def block(self, x: np.ndarray, name: str) -> np.ndarray:
        """The values of one block of columns, shaped by its axes."""
        d = self.data
        N, E, P = d.days, len(d.arc_ids), len(d.products)
        shapes = {
            "dispatch": (N, E, P),
            "supply": (N, len(d.source_node), P),
            "hold": (N, len(d.hold_node), P),
            "keep": (len(self.keep_hold), P),
        }
        part = x[getattr(self, name)]
        if name == "unmet":
            groups = 0 if self.short_group is None else int(self.short_group.max(initial=-1)) + 1
            width = len(d.demand_node) if self.short_group is None else groups
            return part.reshape(N, width)
        return part.reshape(shapes[name])

    def unmet_m3(self, x: np.ndarray) -> np.ndarray:
        """Unmet demand by day and demand row, (N, R), for either allocation rule."""
        values = self.block(x, "unmet")
        if self.short_group is None:
            return values
        return values[:, self.short_group] * self.data.lp_demand_m3


def scatter_add(target: np.ndarray, index: tuple[Any, ...], values: Any) -> None:
    """``np.add.at``: add ``values`` at ``index``, repeated indices adding up."""
    np.add.at(target, index, values)
