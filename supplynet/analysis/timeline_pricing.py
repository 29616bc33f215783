"""Dispatch held back from the multi-day LP until its price says it pays: exact column generation.

With several products the multi-day LP carries a dispatch column for every arc, product
and day, but an optimal plan sends each product only along routes close to its cheapest
ones: jet fuel to Bamako never goes by way of Gao. :func:`route_columns` picks, for each
product and day, the dispatch columns on a *near-cheapest route*: arc :math:`e = (u, v)`
is kept for product :math:`p` when, for some origin :math:`o` of :math:`p` (a source that
supplies it, a holding node with an initial stock of it) and some sink :math:`s` (a node
that demands it, a depot that must end with its initial stock),

.. math::

    d(o, u) + k_e + d(v, s) \\le (1 + \\text{slack})\\, d(o, s),

with :math:`d` the cheapest transport cost over the arcs open on some day (capacity above
zero) and ``slack`` = :data:`ROUTE_SLACK` (0: the cheapest routes). Every other dispatch
column, and the stock columns of a node a product cannot reach, starts at zero (the
engine's ``lazy_cols``).

:func:`price_held_columns` proves the result optimal for the **whole** LP, or says which
held columns to bring back. With the LP's duals :math:`y` (HiGHS's row duals, zero for
rows not in the model), a held column at zero can stay there when its reduced cost
:math:`c_j - A_j^\\top y \\ge 0`. A balance row whose every column is held has no dual
from the solver; its dual is set to the least value that prices every held column
*leaving* it at zero or more: the value of one m3 there, the best of sending it on or
keeping it, less the cost,

.. math::

    y_r = \\max_{j:\\, A_{rj} < 0} \\frac{\\sum_{i \\ne r} A_{ij} y_i - c_j}{-A_{rj}},

computed day by day backwards (a dispatch or a stock leaving day :math:`t` arrives on day
:math:`t` or later; same-day arrivals are iterated to their fixed point). The least values
are the ones that leave the columns *arriving* there the most room, so when one of those
still prices below zero no dual can save it, and it is brought back. When no held column
prices below zero, the solution and these duals satisfy every optimality condition of the
whole LP: the optimum is the whole LP's, and the same objective as a solve of the whole
LP (tested on seeded random networks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.multiperiod import MultiPeriodLayout, balance_start

if TYPE_CHECKING:
    from supplynet.engine import Engine

__all__ = ["ROUTE_SLACK", "WHOLE_HORIZON_AFTER", "price_held_columns", "route_columns"]

#: How far above the cheapest route a route may cost and still start in the model: 0,
#: the cheapest routes only (pricing brings back the rest). Measured on 2026-12-02, 180
#: days, all products, interleaved runs, 0 against 5%: six_week_cut 5.9-6.5 s against
#: 9.2 s, the unchanged network 6.0-6.4 against 8.1-9.6 s, crisis_2025 (181 days) 7.3
#: against 8.0 s, sanctions_2022 1.8 against 1.9 s, kayes_region_closed 1.2 against
#: 1.3 s, escorted_convoys 1.5 against 1.8 s; blockade_2025 the other way, 4.4 against
#: 3.3 s. The whole LP takes 25-33 s on the six-week cut
ROUTE_SLACK = 0.0

#: Relative tolerance on a reduced cost (of the sum of the magnitudes it is made of)
PRICE_TOL = 1e-7

#: From this pricing round on, a dispatch column brought back brings back its arc and
#: product on every day. Where nothing flows (a road closed downstream for months) the
#: solver's duals are left open, and the columns that look profitable with them come
#: back one day a round: measured on crisis_2025 (181 days), a chain of 120 rounds of
#: 12 columns each, against 5 rounds in all this way
WHOLE_HORIZON_AFTER = 3

_FLOOR = -1e30  # the dual of a row nothing can leave (fuel there is worth nothing)


def route_columns(layout: MultiPeriodLayout, slack: float = ROUTE_SLACK) -> np.ndarray:
    """The columns that start held at zero: dispatch off every near-cheapest route.

    Parameters
    ----------
    layout : MultiPeriodLayout
        Of the LP (``lp.meta["layout"]``).
    slack : float
        A route within ``1 + slack`` of the cheapest cost between an origin and a sink
        keeps its arcs (see the module docstring).

    Returns
    -------
    ndarray of bool
        One entry per LP column: ``True`` where the column starts held at zero (dispatch
        columns, and the stock columns of a node and product no kept dispatch reaches).

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.analysis.simulate import build_timeline_lp
    >>> lp, _ = build_timeline_lp(sn.load_network(), None, 3)
    >>> held = route_columns(lp.meta["layout"])
    >>> held.shape == (lp.num_cols,), bool(held.any()), bool(held.all())
    (True, True, False)
    """
    d = layout.data
    N, E, P, V = d.days, len(d.arc_ids), len(d.products), len(d.node_ids)
    total = layout.keep.stop
    held = np.zeros(total, dtype=bool)
    if not E:
        return held
    origins, sinks = _origins_and_sinks(layout)
    open_arcs = (d.arc_capacity_m3 > 0) & (d.arc_survival > 0)
    patterns = np.unique(open_arcs, axis=0)
    kept = np.zeros((len(patterns), E, P), dtype=bool)
    cost = d.arc_cost_per_m3
    for k, pattern in enumerate(patterns):
        dist = _cheapest(V, d.arc_tail[pattern], d.arc_head[pattern], cost[pattern])
        for p in range(P):
            kept[k, :, p] = pattern & _near_cheapest(
                dist, d.arc_tail, d.arc_head, cost, origins[p], sinks[p], slack
            )
    # a route kept on some day is kept on every day it is open: fuel may start on its
    # first legs a day the rest is closed (a convoy day ahead), or wait at a depot on it
    kept_any = np.asarray(kept.any(axis=0))  # (E, P)
    keep_dispatch = open_arcs[:, :, None] & kept_any[None]  # (N, E, P)
    held[layout.dispatch] = ~keep_dispatch.ravel()
    if len(d.hold_node):
        reached = np.zeros((V, P), dtype=bool)  # some kept dispatch arrives there
        np.logical_or.at(reached, d.arc_head, keep_dispatch.any(axis=0))
        reached[d.hold_node] |= d.hold_initial_m3 > 0
        reached[d.source_node] |= d.supply_m3.max(axis=0) > 0
        off = ~reached[d.hold_node]  # (H, P)
        held[layout.hold] = np.broadcast_to(off[None], (N, *off.shape)).ravel()
    return held


def _origins_and_sinks(layout: MultiPeriodLayout) -> tuple[list[np.ndarray], list[np.ndarray]]:
    d = layout.data
    P = len(d.products)
    supplies = d.supply_m3.max(axis=0) > 0  # (S, P)
    initial = d.hold_initial_m3 > 0  # (H, P)
    demanded = d.lp_demand_m3.max(axis=0) > 0 if d.days else np.zeros(len(d.demand_node), bool)
    origins, sinks = [], []
    for p in range(P):
        o = np.concatenate([d.source_node[supplies[:, p]], d.hold_node[initial[:, p]]])
        s = np.concatenate(
            [
                d.demand_node[(d.demand_product == p) & demanded],
                d.hold_node[d.hold_is_depot & initial[:, p]],
            ]
        )
        origins.append(np.unique(o).astype(np.int64))
        sinks.append(np.unique(s).astype(np.int64))
    return origins, sinks


def _cheapest(V: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Cheapest cost between every pair of nodes over the given arcs (inf: no route)."""
    graph = sp.csr_matrix((V, V))
    if len(tail):
        # parallel arcs: the cheaper counts (csr_matrix would add them up)
        order = np.lexsort((cost, head, tail))
        t, h, c = tail[order], head[order], cost[order]
        first = np.ones(len(t), dtype=bool)
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
        graph = sp.csr_matrix((c[first], (t[first], h[first])), shape=(V, V))
    return np.asarray(dijkstra(graph, directed=True))


def _near_cheapest(
    dist: np.ndarray,
    tail: np.ndarray,
    head: np.ndarray,
    cost: np.ndarray,
    origins: np.ndarray,
    sinks: np.ndarray,
    slack: float,
) -> np.ndarray:
    """Arcs on a route within ``1 + slack`` of the cheapest from an origin to a sink."""
    if not len(origins) or not len(sinks):
        return np.zeros(len(tail), dtype=bool)
    best = dist[np.ix_(origins, sinks)]  # (O, T)
    useful = np.isfinite(best) & (best > 0)
    limit = np.where(useful, (1.0 + slack) * best, -np.inf)
    to_tail = dist[origins][:, tail]  # (O, E)
    from_head = dist[head][:, sinks]  # (E, T)
    via = to_tail.T[:, :, None] + cost[:, None, None] + from_head[:, None, :]  # (E, O, T)
    with np.errstate(invalid="ignore"):
        return np.asarray((via <= limit[None] * (1.0 + 1e-12)).any(axis=(1, 2)))


def price_held_columns(engine: Engine) -> np.ndarray:
    """Held columns whose reduced cost is below zero at the engine's current optimum.

    Parameters
    ----------
    engine : Engine
        Solved to optimality, with ``lazy_cols`` from :func:`route_columns` and the
        multi-day LP's :class:`MultiPeriodLayout` in ``engine.lp.meta["layout"]``.

    Returns
    -------
    ndarray of int
        Columns to bring back into the model (empty: the optimum is the whole LP's).
    """
    lp = engine.lp
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    A = engine.current_matrix()
    c = engine.current_costs()
    y = engine.row_duals()
    held = engine.held_columns()
    lo, up = engine.effective_col_bounds(held)
    movable = held[up > lo]  # a held column fixed at zero anyway never enters
    if not len(movable):
        return movable
    is_held = np.zeros(lp.num_cols, dtype=bool)
    is_held[movable] = True
    fixed = np.zeros(lp.num_cols, dtype=bool)
    fixed[held[up <= lo]] = True
    y, best = _fill_empty_rows(lp, layout, A, c, y, is_held, fixed)
    entries = A[:, movable]
    reduced = c[movable] - entries.T @ y
    scale = np.abs(c[movable]) + abs(entries).T @ np.abs(y)
    priced = movable[reduced < -PRICE_TOL * np.maximum(scale, 1.0)]
    cols = _with_whole_stock_chains(layout, _with_onward_routes(A, priced, best, is_held), is_held)
    if engine.pricing_rounds >= WHOLE_HORIZON_AFTER:
        cols = _with_whole_horizon(layout, cols, is_held)
    return cols


def _with_whole_horizon(
    layout: MultiPeriodLayout, cols: np.ndarray, is_held: np.ndarray
) -> np.ndarray:
    """The columns, and with a dispatch column every day's dispatch of that arc and
    product (:data:`WHOLE_HORIZON_AFTER`)."""
    d = layout.data
    return _whole_series(layout.dispatch, len(d.arc_ids) * len(d.products), d.days, cols, is_held)


def _with_whole_stock_chains(
    layout: MultiPeriodLayout, cols: np.ndarray, is_held: np.ndarray
) -> np.ndarray:
    """The columns, and with a stock column every day's stock of that node and product:
    a stock held back on one day is held back on the days before (its dual there is left
    open by the solver), and bringing those back one day a round takes a round a day."""
    d = layout.data
    return _whole_series(layout.hold, len(d.hold_node) * len(d.products), d.days, cols, is_held)


def _whole_series(
    block: slice, width: int, days: int, cols: np.ndarray, is_held: np.ndarray
) -> np.ndarray:
    """``cols`` and, for those in a (day, element x product) block, the held columns of
    the same element and product on every day."""
    mine = cols[(cols >= block.start) & (cols < block.stop)]
    if not len(mine):
        return cols
    pairs = np.unique((mine - block.start) % width)
    series = block.start + (np.arange(days)[:, None] * width + pairs[None, :]).ravel()
    series = series[is_held[series]]
    return np.union1d(cols, series).astype(np.int64)


def _with_onward_routes(
    A: sp.csc_matrix, priced: np.ndarray, best: np.ndarray, is_held: np.ndarray
) -> np.ndarray:
    """The priced columns, and for each one arriving where nothing is in the model yet the
    columns that set that row's dual (the best way on), hop after hop: the whole route
    comes back in one round rather than one arc a round."""
    out = set(priced.tolist())
    stack = list(out)
    indptr, indices, data = A.indptr, A.indices, A.data
    while stack:
        j = stack.pop()
        for k in range(indptr[j], indptr[j + 1]):
            if data[k] <= 0:
                continue
            nxt = int(best[indices[k]])
            if nxt >= 0 and is_held[nxt] and nxt not in out:
                out.add(nxt)
                stack.append(nxt)
    return np.array(sorted(out), dtype=np.int64)


def _fill_empty_rows(
    lp: LinearProgram,
    layout: MultiPeriodLayout,
    A: sp.csc_matrix,
    c: np.ndarray,
    y: np.ndarray,
    is_held: np.ndarray,
    fixed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``y`` with the least duals (module docstring) on balance rows whose every column
    is held or fixed at zero, and for each such row the held column that sets it (-1
    elsewhere)."""
    d = layout.data
    N, V, P = d.days, len(d.node_ids), len(d.products)
    n_balance = N * V * P
    balance0 = balance_start(lp)
    rows = A[balance0 : balance0 + n_balance].tocsr()
    active = ~(is_held | fixed)
    live_entries = abs(rows) @ active.astype(float)  # columns in the model, per row
    # an equality row with nothing in the model: x = 0 satisfies it only at rhs 0
    empty = (live_entries == 0) & (np.diff(rows.indptr) > 0)
    best = np.full(len(y), -1, dtype=np.int64)
    if not empty.any():
        return y, best
    y = y.copy()
    empty_rows = balance0 + np.flatnonzero(empty)
    y[empty_rows] = _FLOOR
    # the held columns leaving an empty row: one entry < 0 there (dispatch, stock)
    leaving = A[empty_rows].tocoo()
    neg = (leaving.data < 0) & is_held[leaving.col]
    r_rows = empty_rows[leaving.row[neg]]
    r_cols = leaving.col[neg]
    r_coef = leaving.data[neg]
    day = (r_rows - balance0) // (V * P)
    order = np.argsort(-day, kind="stable")
    r_rows, r_cols, r_coef, day = r_rows[order], r_cols[order], r_coef[order], day[order]
    bounds = np.searchsorted(-day, np.arange(-(N - 1), 1), side="left")
    bounds = np.append(bounds, len(day))
    for k in range(N):
        lo_i, hi_i = bounds[k], bounds[k + 1]
        if lo_i == hi_i:
            continue
        j, r, a = r_cols[lo_i:hi_i], r_rows[lo_i:hi_i], r_coef[lo_i:hi_i]
        block = A[:, j].T.tocsr()  # (cols of this day) x rows
        uniq, pos = np.unique(r, return_inverse=True)
        for _ in range(V + 1):  # same-day arrivals: to the fixed point
            others = block @ y - a * y[r]
            value = (others - c[j]) / (-a)
            new = np.full(len(uniq), _FLOOR)
            np.maximum.at(new, pos, value)
            new = np.maximum(new, _FLOOR)
            if np.array_equal(new, y[uniq]):
                break
            y[uniq] = new
        top = np.lexsort((-value, pos))  # by row, the best value first
        first = np.ones(len(top), dtype=bool)
        first[1:] = pos[top][1:] != pos[top][:-1]
        best[uniq[pos[top][first]]] = j[top][first]
    return y, best
