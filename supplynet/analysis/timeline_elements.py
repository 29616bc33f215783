"""Elements on the multi-day LP: the columns and rows of each road, post and corridor, by day.

:func:`map_timeline_elements` gives the :class:`~supplynet.formulations.elements.ElementMap`
of a multi-day LP (:func:`~supplynet.formulations.multiperiod.build_multiperiod`), so the
re-solve :class:`~supplynet.engine.Engine` changes it by element id and day exactly as a
scenario (or a timed event) would change a fresh build:

==========  ==========================================================================
element     columns and rows, on day t
==========  ==========================================================================
road, arc   the ``dispatch_<arc>_<product>_d<t>`` columns of its arcs (their upper
            bound is the road's capacity) and, with several products, the
            ``arccap_<arc>_d<t>`` rows (the capacity all products share)
node        its ``supply_<node>_<product>_d<t>`` columns and ``nodecap_<node>_d<t>`` row;
            a node without a throughput row is closed through the dispatch into it
            that would *arrive* on day t (as a fresh build closes it: arrivals = 0)
corridor    its own roads and border posts, as above
area        the arcs crossing it and the nodes inside it, as above
==========  ==========================================================================

A loss rate (:meth:`~supplynet.engine.Engine.scale_arrivals`) acts as a scenario's
``loss_rate``: once, on the arcs by which fuel enters a corridor's own roads or an area
(on both arcs of a road; on the arcs into a node), on the day the fuel is dispatched.
The map is built from the layout's index arithmetic, without parsing column names.

Examples
--------
>>> import supplynet as sn
>>> from supplynet.analysis.simulate import build_timeline_lp
>>> from supplynet.formulations.elements import network_elements
>>> net = sn.load_network()
>>> lp, inputs = build_timeline_lp(net, None, 3)
>>> emap = map_timeline_elements(inputs, lp, network_elements(inputs.network))
>>> cols, rows = emap.indices("kayes_diema", periods=[2])
>>> sorted({lp.col_names[j].rsplit("_", 1)[1] for j in cols}), len(rows)
(['d2'], 2)
"""

from __future__ import annotations

import logging

import numpy as np

from supplynet.analysis.sections import build_section
from supplynet.analysis.timeline_inputs import TimelineInputs
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.elements import Element, ElementMap
from supplynet.formulations.multiperiod import (
    MultiPeriodLayout,
    arrival_days,
    balance_start,
    safe_name,
)

__all__ = ["map_timeline_elements"]

logger = logging.getLogger(__name__)

_EMPTY = np.zeros(0, dtype=np.int32)


class _Blocks:
    """Index arithmetic of the multi-day LP's columns and rows."""

    def __init__(self, lp: LinearProgram, layout: MultiPeriodLayout) -> None:
        d = self.d = layout.data
        self.layout = layout
        self.N, self.E, self.P = d.days, len(d.arc_ids), len(d.products)
        self.V, self.S, self.C = len(d.node_ids), len(d.source_node), len(d.limit_node)
        names = lp.row_index
        self.balance0 = balance_start(lp)
        self.arccap0 = names.get(f"arccap_{safe_name(d.arc_ids[0])}_d1") if self.E else None
        self.nodecap0 = (
            names.get(f"nodecap_{safe_name(d.node_ids[d.limit_node[0]])}_d1") if self.C else None
        )
        self.t = np.arange(self.N)
        self.p = np.arange(self.P)
        self.source_of = {int(v): s for s, v in enumerate(d.source_node)}
        self.limit_of = {int(v): c for c, v in enumerate(d.limit_node)}
        self.day_early, self.share_early, self.day_late, self.share_late = arrival_days(
            d.arc_lead_days, d.arc_survival
        )

    def dispatch(self, arcs: np.ndarray) -> np.ndarray:
        """Dispatch columns of ``arcs`` on every day and product, (N, k, P)."""
        t, e, p = self.t[:, None, None], arcs[None, :, None], self.p[None, None, :]
        return self.layout.dispatch.start + (t * self.E + e) * self.P + p

    def arccap(self, arcs: np.ndarray) -> np.ndarray:
        if self.arccap0 is None or not len(arcs):
            return _EMPTY
        return (self.arccap0 + self.t[:, None] * self.E + arcs[None, :]).ravel()

    def supply(self, node: int) -> np.ndarray:
        s = self.source_of.get(node)
        if s is None:
            return _EMPTY
        return (self.layout.supply.start + (self.t[:, None] * self.S + s) * self.P + self.p).ravel()

    def nodecap(self, node: int) -> np.ndarray:
        c = self.limit_of.get(node)
        if c is None or self.nodecap0 is None:
            return _EMPTY
        return self.nodecap0 + self.t * self.C + c

    def closing(self, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dispatch columns into a node with no throughput row, and the day each arrives.

        A column appears once per day part of its fuel arrives within the horizon (two
        with split lead times); fuel due after the horizon reaches no balance row.
        """
        cols, days = [], []
        if not len(arcs):
            return _EMPTY, _EMPTY
        block = self.dispatch(arcs)  # (N, k, P)
        for day, share in (
            (self.day_early[:, arcs], self.share_early[:, arcs]),
            (self.day_late[:, arcs], self.share_late[:, arcs]),
        ):
            ok = (day < self.N) & (share > 0)  # (N, k)
            cols.append(block[ok].ravel())
            days.append(np.repeat(day[ok] + 1, self.P))
        return np.concatenate(cols).astype(np.int32), np.concatenate(days).astype(np.int64)


def _periods(lp: LinearProgram, b: _Blocks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day (1-based; -1 for none) of each column and row, and the arrival-row mask."""
    layout, N = b.layout, b.N
    col_period = np.full(lp.num_cols, -1, dtype=np.int64)
    for part in (layout.dispatch, layout.supply, layout.hold, layout.unmet):
        size = part.stop - part.start
        if size:
            col_period[part] = np.repeat(np.arange(1, N + 1), size // N)
    row_period = np.full(lp.num_rows, -1, dtype=np.int64)
    arrival_rows = np.zeros(lp.num_rows, dtype=bool)
    blocks = [(b.balance0, b.V * b.P, True), (b.nodecap0, b.C, True), (b.arccap0, b.E, False)]
    for first, width, arriving in blocks:
        if first is None or not width:
            continue
        rows = slice(first, first + N * width)
        row_period[rows] = np.repeat(np.arange(1, N + 1), width)
        arrival_rows[rows] = arriving
    return col_period, row_period, arrival_rows


def map_timeline_elements(
    inputs: TimelineInputs, lp: LinearProgram, elements: dict[str, Element]
) -> ElementMap:
    """The :class:`ElementMap` of ``elements`` on the multi-day LP built from ``inputs``.

    Parameters
    ----------
    inputs : TimelineInputs
        What ``lp`` was built from (its network has the scenario applied).
    lp : LinearProgram
        The multi-day LP, its layout in ``meta["layout"]``.
    elements : dict
        Element id -> :class:`Element` (roads, arcs, nodes, corridors; areas as elements
        of kind ``area`` with the arcs crossing them and the nodes inside).

    Raises
    ------
    DataError
        An element naming an arc or node the LP does not have.
    """
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    b = _Blocks(lp, layout)
    d = b.d
    net = inputs.network
    arc_pos = inputs.arc_index
    node_pos = {n: i for i, n in enumerate(d.node_ids)}
    into = {i: np.flatnonzero(d.arc_head == i) for i in range(b.V)}
    cols: dict[str, np.ndarray] = {}
    rows: dict[str, np.ndarray] = {}
    closure: dict[str, np.ndarray] = {}
    closure_period: dict[str, np.ndarray] = {}
    flow_cols: dict[str, np.ndarray] = {}
    arrival_cols: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for key, element in elements.items():
        arcs = np.array([arc_pos[a] for a in element.arcs], dtype=np.int64)
        c = [b.dispatch(arcs).ravel()]
        r = [b.arccap(arcs)]
        used = [c[0]]
        shut, shut_days = [], []
        entering: list[np.ndarray] = []
        for n in element.nodes:
            i = node_pos[n]
            supply, cap = b.supply(i), b.nodecap(i)
            c.append(supply)
            r.append(cap)
            used += [supply, b.dispatch(into[i]).ravel()]
            if not len(cap):  # no throughput row: close the dispatch that would arrive
                j, day = b.closing(into[i])
                shut.append(j)
                shut_days.append(day)
            entering.append(into[i])
        if element.kind in ("corridor", "area") and element.arcs:
            entry = build_section(net, element.arcs).entries
            entering = [np.array([arc_pos[a] for a in entry], dtype=np.int64)]
        elif element.arcs:
            entering = [arcs]
        cols[key] = np.unique(np.concatenate(c)).astype(np.int32)
        rows[key] = np.unique(np.concatenate(r)).astype(np.int32)
        flow_cols[key] = np.unique(np.concatenate(used)).astype(np.int32)
        if shut:
            closure[key] = np.concatenate(shut)
            closure_period[key] = np.concatenate(shut_days)
        arriving = np.concatenate(entering) if entering else np.zeros(0, dtype=np.int64)
        if len(arriving):
            arrival_cols[key] = np.unique(b.dispatch(np.unique(arriving)).ravel()).astype(np.int32)
        kinds[key] = element.kind
    col_period, row_period, arrival_rows = _periods(lp, b)
    logger.info("Mapped %d elements onto the %d-day LP", len(kinds), b.N)
    return ElementMap(
        cols=cols,
        rows=rows,
        kinds=kinds,
        closure_cols=closure,
        flow_cols=flow_cols,
        col_period=col_period,
        row_period=row_period,
        closure_period=closure_period,
        arrival_cols=arrival_cols,
        arrival_rows=arrival_rows,
    )
