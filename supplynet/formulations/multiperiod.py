"""The multi-day supply LP: dispatch, lead times, losses, stocks, queues, products, classes.

A time-expanded network over days :math:`t = 0 .. N-1`, built vectorised from numpy
arrays into a :class:`~supplynet.formulations.arrays.LinearProgram` (PuLP stays the way to
CBC and to LP files: :meth:`LinearProgram.to_pulp`). The inputs are one
:class:`~supplynet.formulations.multiperiod_data.MultiPeriodData` (prepared from a
network and a scenario by :mod:`supplynet.analysis.timeline_inputs`);
:func:`build_multiperiod` states the model in its Notes and builds exactly that, in
``_define_*`` steps.

Every column and row is named by element, product and day (1-based in names):
``dispatch_<edge>_<product>_d<t>``, ``supply_<node>_<product>_d<t>``,
``stock_<node>_<product>_d<t>`` (depots), ``queue_<node>_<product>_d<t>`` (fuel waiting
in tankers), ``unmet_<node>_<class>_<product>_d<t>`` (priority) or
``short_<node>_<product>_d<t>`` (pro-rata), ``keep_<node>_<product>``; rows
``balance_<node>_<product>_d<t>``, ``arccap_<edge>_d<t>``, ``holdcap_<node>_d<t>``,
``nodecap_<node>_d<t>``, ``keep_<node>_<product>``, ``escort_d<a>_d<b>``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.multiperiod_data import (
    EscortWindow,
    MultiPeriodData,
    MultiPeriodLayout,
    arrival_days,
    safe_name,
    scatter_add,
)

__all__ = [
    "EscortWindow",
    "MultiPeriodData",
    "MultiPeriodLayout",
    "arrival_days",
    "balance_start",
    "build_multiperiod",
    "safe_name",
    "scatter_add",
]


class _Triplets:
    """COO entries of the constraint matrix, gathered block by block."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        r, c, v = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=float),
        )
        rows, cols, vals = r.ravel(), c.ravel(), v.ravel()
        keep = vals != 0
        self.rows.append(rows[keep])
        self.cols.append(cols[keep])
        self.vals.append(vals[keep])

    def matrix(self, m: int, n: int) -> sp.csr_matrix:
        if not self.rows:
            return sp.csr_matrix((m, n))
        A = sp.coo_matrix(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(m, n),
        ).tocsr()
        A.sum_duplicates()
        return A


class _Builder:
    """Index arithmetic shared by the ``_define_*`` steps."""

    def __init__(self, d: MultiPeriodData) -> None:
        self.d = d
        # first row of each block (-1: the block has no rows)
        self.balance0 = self.arccap0 = self.holdcap0 = self.nodecap0 = -1
        self.N, self.E, self.P = d.days, len(d.arc_ids), len(d.products)
        self.V, self.S = len(d.node_ids), len(d.source_node)
        self.H, self.C, self.R = len(d.hold_node), len(d.limit_node), len(d.demand_node)
        self.t = np.arange(self.N)
        self.p = np.arange(self.P)
        self.A = _Triplets()
        self.c_parts: list[np.ndarray] = []
        self.lo_parts: list[np.ndarray] = []
        self.up_parts: list[np.ndarray] = []
        self.name_parts: list[list[str]] = []
        self.n_cols = 0
        self.row_lo: list[np.ndarray] = []
        self.row_up: list[np.ndarray] = []
        self.row_names: list[list[str]] = []
        self.n_rows = 0
        self.node_limit_pos = np.full(self.V, -1)
        self.node_limit_pos[d.limit_node] = np.arange(self.C)

    def columns(
        self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, names: list[str]
    ) -> slice:
        start = self.n_cols
        self.c_parts.append(np.asarray(cost, dtype=float).ravel())
        self.lo_parts.append(np.asarray(lower, dtype=float).ravel())
        self.up_parts.append(np.asarray(upper, dtype=float).ravel())
        self.name_parts.append(names)
        self.n_cols += len(names)
        return slice(start, self.n_cols)

    def rows(self, lower: np.ndarray, upper: np.ndarray, names: list[str]) -> int:
        start = self.n_rows
        self.row_lo.append(np.asarray(lower, dtype=float).ravel())
        self.row_up.append(np.asarray(upper, dtype=float).ravel())
        self.row_names.append(names)
        self.n_rows += len(names)
        return start

    def balance_row(self, t: np.ndarray, node: np.ndarray, p: np.ndarray) -> np.ndarray:
        return self.balance0 + (t * self.V + node) * self.P + p


def build_multiperiod(d: MultiPeriodData) -> LinearProgram:
    """Build the multi-day supply LP from its array inputs.

    Parameters
    ----------
    d : MultiPeriodData
        Arrays by day, arc, node, product and demand row.

    Returns
    -------
    LinearProgram
        Minimisation; ``meta["layout"]`` is the :class:`MultiPeriodLayout` that reads a
        solution back.

    Notes
    -----
    Days :math:`t = 0..N-1`, products :math:`p`, arcs :math:`e = (u, v)`, nodes :math:`v`,
    demand rows :math:`r = (v, k, p)` of class :math:`k`. Columns: dispatch
    :math:`x_{e,p,t} \\ge 0`, supply :math:`s_{v,p,t} \\le S_{v,p,t}`, fuel held
    :math:`h_{v,p,t}` at depots and queue nodes, unmet demand
    :math:`0 \\le u_{r,t} \\le D_{r,t}`. Fuel dispatched on day :math:`t` over an arc with
    lead time :math:`L = \\lfloor L \\rfloor + f` and survival :math:`\\sigma = 1 - \\lambda`
    arrives as

    .. math::

        a_{e,p,t'} = \\sigma_{e,t} \\big[(1 - f)\\, x_{e,p,t}\\big]_{t' = t + \\lfloor L \\rfloor}
                  + \\sigma_{e,t} \\big[f\\, x_{e,p,t}\\big]_{t' = t + \\lfloor L \\rfloor + 1}

    (the mean lead time is exactly :math:`L`; fuel due after day :math:`N-1` is still in
    transit at the end). Then

    .. math::

        \\min \\sum_{e,p,t} k_e x_{e,p,t} + \\sum_{v,p,t} k_v s_{v,p,t}
            + \\sum_{r,t} P\\, w_{k(r)}\\, \\tau_t\\, u_{r,t}
            + \\epsilon P \\sum_{\\text{queues}} h
            + \\kappa P \\sum_{j,p} q_{j,p}

    subject to, for every node, product and day (**balance**, with
    :math:`h_{v,p,-1}` the initial stock and :math:`h \\equiv 0` where a node holds
    nothing)

    .. math::

        \\sum_{e \\in in(v)} a_{e,p,t} + s_{v,p,t} - \\sum_{e \\in out(v)} x_{e,p,t}
        - h_{v,p,t} + h_{v,p,t-1} = \\sum_{r \\in (v,\\cdot,p)} (D_{r,t} - u_{r,t})

    and the shared capacities

    .. math::

        \\sum_p x_{e,p,t} \\le c_{e,t} \\quad \\text{(arccap)}, \\qquad
        \\sum_p \\Big(\\sum_{e \\in in(v)} a_{e,p,t} + s_{v,p,t}\\Big) \\le C_{v,t}
        \\quad \\text{(nodecap)}, \\qquad
        \\sum_p h_{v,p,t} \\le H_v \\quad \\text{(holdcap)},

        \\sum_{t = a}^{b} \\sum_{e \\in \\text{escorted}} \\sum_p x_{e,p,t} \\le E_{ab}
        \\quad \\text{(escort, one per window)}, \\qquad
        h_{j,p,N-1} + q_{j,p} \\ge h_{j,p,-1} \\quad \\text{(keep, depots)}.

    :math:`k_e` is the transport cost per m3 plus the cost of passing the head node,
    :math:`P` the unmet-demand penalty, :math:`w_k` the class weight, and three small
    tie-breakers settle what the penalties leave open: :math:`\\tau_t = 1 + \\delta
    (N-1-t)/(N-1)` serves earlier demand first within a class (:math:`\\delta` =
    ``early_service_share``), :math:`\\epsilon` (``queue_cost_share``) keeps tankers from
    queueing when it does not help, and :math:`\\kappa`
    (``keep_stock_share``, below every class weight) asks depots to end the horizon no
    lower than they started, for fuel that no demand needs. With ``allocation =
    "pro-rata"`` the unmet demand of every class at a node is the same share of its
    demand: :math:`u_{r,t} = \\rho_{v,p,t} D_{r,t}`, :math:`0 \\le \\rho \\le 1` (columns
    ``short_<node>_<product>_d<t>``).

    With one product these capacity rows become column bounds. The LP is always feasible
    (unmet demand absorbs any shortage).

    Examples
    --------
    >>> import numpy as np
    >>> one = np.ones((2, 1))
    >>> d = MultiPeriodData(
    ...     days=2, products=("fuel",), classes=("demand",), node_ids=("port", "town"),
    ...     arc_ids=("road",), arc_tail=np.array([0]), arc_head=np.array([1]),
    ...     arc_cost_per_m3=np.array([1.0]), arc_capacity_m3=10 * one, arc_lead_days=one,
    ...     arc_survival=one, source_node=np.array([0]), source_cost_per_m3=np.zeros(1),
    ...     supply_m3=5 * np.ones((2, 1, 1)), limit_node=np.array([], int),
    ...     node_limit_m3=np.zeros((2, 0)), hold_node=np.array([], int),
    ...     hold_is_depot=np.array([], bool), hold_capacity_m3=np.zeros(0),
    ...     hold_initial_m3=np.zeros((0, 1)), demand_node=np.array([1]),
    ...     demand_class=np.array([0]), demand_product=np.array([0]),
    ...     demand_m3=4 * one, class_weight=np.ones(1), penalty_per_m3=100.0)
    >>> lp = build_multiperiod(d)
    >>> lp.col_names[:2], lp.num_rows
    (['dispatch_road_fuel_d1', 'dispatch_road_fuel_d2'], 4)
    """
    b = _Builder(d)
    _define_rows(b)
    layout_parts = {
        "dispatch": _define_dispatch(b),
        "supply": _define_supply(b),
        "hold": _define_hold(b),
    }
    unmet, short_group = _define_unmet(b)
    keep, keep_hold = _define_keep(b, layout_parts["hold"])
    _define_escorts(b, layout_parts["dispatch"])
    layout = MultiPeriodLayout(
        data=d,
        dispatch=layout_parts["dispatch"],
        supply=layout_parts["supply"],
        hold=layout_parts["hold"],
        unmet=unmet,
        keep=keep,
        keep_hold=keep_hold,
        short_group=short_group,
    )
    names = [n for part in b.name_parts for n in part]
    rows = [n for part in b.row_names for n in part]
    return LinearProgram(
        name="multi_period_supply",
        sense="min",
        c=np.concatenate(b.c_parts),
        A=b.A.matrix(b.n_rows, b.n_cols),
        row_lower=np.concatenate(b.row_lo),
        row_upper=np.concatenate(b.row_up),
        col_lower=np.concatenate(b.lo_parts),
        col_upper=np.concatenate(b.up_parts),
        col_names=names,
        row_names=rows,
        meta={"layout": layout},
    )


def balance_start(lp: LinearProgram) -> int:
    """Position of the first balance row (day 1, first node, first product) of a multi-day
    LP; the balance rows follow by day, node and product.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.analysis.simulate import build_timeline_lp
    >>> balance_start(build_timeline_lp(sn.load_network(), None, 2)[0])
    0
    """
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    d = layout.data
    return lp.row_index[f"balance_{safe_name(d.node_ids[0])}_{safe_name(d.products[0])}_d1"]


def _day_names(prefix: str, idents: list[str], days: int) -> list[str]:
    return [f"{prefix}_{ident}_d{t}" for t in range(1, days + 1) for ident in idents]


def _define_rows(b: _Builder) -> None:
    """Balance, arc, hold and node capacity rows (their entries come with the columns)."""
    d, N, V, P = b.d, b.N, b.V, b.P
    demand = np.zeros((N, V, P))
    scatter_add(demand, (slice(None), d.demand_node, d.demand_product), d.lp_demand_m3)
    rhs = demand
    if b.H:
        rhs[0, d.hold_node, :] -= d.hold_initial_m3
    nodes = [safe_name(n) for n in d.node_ids]
    prods = [safe_name(p) for p in d.products]
    b.balance0 = b.rows(
        rhs, rhs, _day_names("balance", [f"{n}_{p}" for n in nodes for p in prods], N)
    )
    arcs = [safe_name(a) for a in d.arc_ids]
    b.arccap0 = -1
    b.holdcap0 = -1
    if P > 1:
        b.arccap0 = b.rows(
            np.full(N * b.E, -np.inf), d.arc_capacity_m3, _day_names("arccap", arcs, N)
        )
        if b.H:
            holds = [nodes[i] for i in d.hold_node]
            cap = np.broadcast_to(d.hold_capacity_m3, (N, b.H))
            b.holdcap0 = b.rows(np.full(N * b.H, -np.inf), cap, _day_names("holdcap", holds, N))
    limited = [nodes[i] for i in d.limit_node]
    b.nodecap0 = b.rows(
        np.full(N * b.C, -np.inf), d.node_limit_m3, _day_names("nodecap", limited, N)
    )


def _define_dispatch(b: _Builder) -> slice:
    """``x_{e,p,t}``: out of the tail's balance, into the head's balance on arrival."""
    d, N, E, P = b.d, b.N, b.E, b.P
    arcs = [safe_name(a) for a in d.arc_ids]
    prods = [safe_name(p) for p in d.products]
    cap = np.broadcast_to(d.arc_capacity_m3[:, :, None], (N, E, P))
    cost = np.broadcast_to(d.arc_cost_per_m3[None, :, None], (N, E, P))
    block = b.columns(
        cost,
        np.zeros(N * E * P),
        cap,
        _day_names("dispatch", [f"{a}_{p}" for a in arcs for p in prods], N),
    )
    col = block.start + np.arange(N * E * P).reshape(N, E, P)
    t = np.broadcast_to(b.t[:, None, None], col.shape)
    tail = np.broadcast_to(d.arc_tail[None, :, None], col.shape)
    head = np.broadcast_to(d.arc_head[None, :, None], col.shape)
    p = np.broadcast_to(b.p[None, None, :], col.shape)
    b.A.add(b.balance_row(t, tail, p), col, -1.0)
    if b.arccap0 >= 0:
        e = np.broadcast_to(np.arange(E)[None, :, None], col.shape)
        b.A.add(b.arccap0 + t * E + e, col, 1.0)
    limit = np.broadcast_to(b.node_limit_pos[d.arc_head][None, :, None], col.shape)
    for day, share in zip(*_arrivals(d), strict=True):
        day3 = np.broadcast_to(day[:, :, None], col.shape)
        share3 = np.broadcast_to(share[:, :, None], col.shape)
        ok = (day3 < N) & (share3 > 0)
        b.A.add(b.balance_row(day3[ok], head[ok], p[ok]), col[ok], share3[ok])
        ok &= limit >= 0
        b.A.add(b.nodecap0 + day3[ok] * b.C + limit[ok], col[ok], share3[ok])
    return block


def _arrivals(
    d: MultiPeriodData,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    d1, s1, d2, s2 = arrival_days(d.arc_lead_days, d.arc_survival)
    return (d1, d2), (s1, s2)


def _define_supply(b: _Builder) -> slice:
    """``s_{v,p,t}``: into the source's balance and throughput."""
    d, N, S, P = b.d, b.N, b.S, b.P
    nodes = [safe_name(d.node_ids[i]) for i in d.source_node]
    prods = [safe_name(p) for p in d.products]
    cost = np.broadcast_to(d.source_cost_per_m3[None, :, None], (N, S, P))
    block = b.columns(
        cost,
        np.zeros(N * S * P),
        d.supply_m3,
        _day_names("supply", [f"{n}_{p}" for n in nodes for p in prods], N),
    )
    col = block.start + np.arange(N * S * P).reshape(N, S, P)
    t = np.broadcast_to(b.t[:, None, None], col.shape)
    node = np.broadcast_to(d.source_node[None, :, None], col.shape)
    p = np.broadcast_to(b.p[None, None, :], col.shape)
    b.A.add(b.balance_row(t, node, p), col, 1.0)
    limit = np.broadcast_to(b.node_limit_pos[d.source_node][None, :, None], col.shape)
    ok = limit >= 0
    b.A.add(b.nodecap0 + t[ok] * b.C + limit[ok], col[ok], 1.0)
    return block


def _define_hold(b: _Builder) -> slice:
    """``h_{v,p,t}``: out of day t's balance, into day t+1's; capacity shared by products."""
    d, N, H, P = b.d, b.N, b.H, b.P
    nodes = [safe_name(d.node_ids[i]) for i in d.hold_node]
    prods = [safe_name(p) for p in d.products]
    names = [
        f"{'stock' if d.hold_is_depot[j] else 'queue'}_{nodes[j]}_{p}_d{t}"
        for t in range(1, N + 1)
        for j in range(H)
        for p in prods
    ]
    # fuel waiting in tankers costs a little (so tankers queue only when it helps); a
    # depot's stock costs nothing
    per_hold = np.where(d.hold_is_depot, 0.0, d.queue_cost_share * d.penalty_per_m3)
    cost = np.broadcast_to(per_hold[None, :, None], (N, H, P))
    cap = np.broadcast_to(d.hold_capacity_m3[None, :, None], (N, H, P))
    block = b.columns(cost, np.zeros(N * H * P), cap, names)
    if not H:
        return block
    col = block.start + np.arange(N * H * P).reshape(N, H, P)
    t = np.broadcast_to(b.t[:, None, None], col.shape)
    node = np.broadcast_to(d.hold_node[None, :, None], col.shape)
    p = np.broadcast_to(b.p[None, None, :], col.shape)
    b.A.add(b.balance_row(t, node, p), col, -1.0)
    nxt = t < N - 1
    b.A.add(b.balance_row(t[nxt] + 1, node[nxt], p[nxt]), col[nxt], 1.0)
    if b.holdcap0 >= 0:
        j = np.broadcast_to(np.arange(H)[None, :, None], col.shape)
        b.A.add(b.holdcap0 + t * H + j, col, 1.0)
    return block


def _define_unmet(b: _Builder) -> tuple[slice, np.ndarray | None]:
    """``u_{r,t}`` (priority) or ``rho_{v,p,t}`` (pro-rata), into the node's balance."""
    d, N, R = b.d, b.N, b.R
    nodes = [safe_name(n) for n in d.node_ids]
    prods = [safe_name(p) for p in d.products]
    classes = [safe_name(k) for k in d.classes]
    tau = d.early_service_factor[:, None]
    weight = d.penalty_per_m3 * d.row_weight[None, :]
    demand_m3 = d.lp_demand_m3
    if d.allocation == "priority":
        names = _day_names(
            "unmet",
            [
                f"{nodes[v]}_{classes[k]}_{prods[p]}"
                for v, k, p in zip(d.demand_node, d.demand_class, d.demand_product, strict=True)
            ],
            N,
        )
        block = b.columns(weight * tau * np.ones((N, R)), np.zeros(N * R), demand_m3, names)
        col = block.start + np.arange(N * R).reshape(N, R)
        t = np.broadcast_to(b.t[:, None], col.shape)
        b.A.add(
            b.balance_row(
                t,
                np.broadcast_to(d.demand_node, col.shape),
                np.broadcast_to(d.demand_product, col.shape),
            ),
            col,
            1.0,
        )
        return block, None
    pairs = list(dict.fromkeys(zip(d.demand_node.tolist(), d.demand_product.tolist(), strict=True)))
    group_of = {pair: g for g, pair in enumerate(pairs)}
    group = np.array(
        [
            group_of[(v, p)]
            for v, p in zip(d.demand_node.tolist(), d.demand_product.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    G = len(pairs)
    group_demand = np.zeros((N, G))
    scatter_add(group_demand, (slice(None), group), demand_m3)
    group_cost = np.zeros((N, G))
    scatter_add(group_cost, (slice(None), group), weight * tau * demand_m3)
    names = _day_names("short", [f"{nodes[v]}_{prods[p]}" for v, p in pairs], N)
    block = b.columns(group_cost, np.zeros(N * G), (group_demand > 0).astype(float), names)
    col = block.start + np.arange(N * G).reshape(N, G)
    t = np.broadcast_to(b.t[:, None], col.shape)
    gv = np.broadcast_to(np.array([v for v, _ in pairs], dtype=np.int64), col.shape)
    gp = np.broadcast_to(np.array([p for _, p in pairs], dtype=np.int64), col.shape)
    b.A.add(b.balance_row(t, gv, gp), col, group_demand)
    return block, group


def _define_keep(b: _Builder, hold: slice) -> tuple[slice, np.ndarray]:
    """``q_{j,p}``: a depot's final stock plus q is at least its initial stock."""
    d, N, H, P = b.d, b.N, b.H, b.P
    depots = np.flatnonzero(d.hold_is_depot) if H else np.array([], dtype=np.int64)
    nodes = [safe_name(d.node_ids[d.hold_node[j]]) for j in depots]
    prods = [safe_name(p) for p in d.products]
    names = [f"keep_{n}_{p}" for n in nodes for p in prods]
    init = d.hold_initial_m3[depots] if H else np.zeros((0, P))
    cost = np.full(len(names), d.keep_stock_share * d.penalty_per_m3)
    block = b.columns(cost, np.zeros(len(names)), init, names)
    if not len(names):
        return block, depots
    start = b.rows(init, np.full(init.size, np.inf), names)
    row = start + np.arange(init.size)
    b.A.add(row, block.start + np.arange(init.size), 1.0)
    last = hold.start + ((N - 1) * H + depots[:, None]) * P + b.p[None, :]
    b.A.add(row, last.ravel(), 1.0)
    return block, depots


def _define_escorts(b: _Builder, dispatch: slice) -> None:
    """One row per escort window: the escorted arcs' dispatch over its days, all products."""
    d, E, P = b.d, b.E, b.P
    if not d.escorts:
        return
    names = [f"escort_d{w.first + 1}_d{w.last + 1}" for w in d.escorts]
    limits = np.array([w.limit_m3 for w in d.escorts])
    start = b.rows(np.full(len(names), -np.inf), limits, names)
    for i, w in enumerate(d.escorts):
        t = np.arange(w.first, w.last + 1)
        cols = dispatch.start + (
            (t[:, None, None] * E + w.arcs[None, :, None]) * P + b.p[None, None, :]
        )
        b.A.add(np.full(cols.size, start + i), cols.ravel(), 1.0)
