"""Worst-case interdiction of the max flow: the attacker's MILP, in min-cut form.

An attacker with a budget cuts elements (roads, border posts, ports, depots, corridors'
own sections, each with a cost) to minimise the fuel that reaches the destination. By
max-flow/min-cut duality the fuel that still gets through, once the cut is made, is the
capacity of the smallest cut of what is left, and an element the attacker removes can be
crossed by that cut for free (Wood 1993, *Deterministic network interdiction*).

Notes
-----
On the node-split graph of the max-throughput LP (a super source :math:`S` with an arc
:math:`S \\to v_{in}` of capacity :math:`S_v` per supply point, an arc
:math:`v_{in} \\to v_{out}` of capacity :math:`C_v` per node (open if it has no limit),
an arc :math:`u_{out} \\to v_{in}` of capacity :math:`c_e` per road arc, and the sink
:math:`T = t_{out}`), with arc set :math:`\\mathcal{A}`, elements :math:`E`, element
:math:`k` covering arcs :math:`\\mathcal{A}_k`, costs :math:`r_k` and budget :math:`R`:

.. math::

    \\min_{\\pi, \\beta, z} \\sum_{a \\in \\mathcal{A}} u_a \\beta_a \\quad \\text{s.t.}

    \\pi_j - \\pi_i - \\beta_a - \\sum_{k: a \\in \\mathcal{A}_k} z_k \\le 0
        \\quad \\forall a = (i, j) \\in \\mathcal{A}

    \\sum_k r_k z_k \\le R, \\qquad \\pi_S = 0, \\quad \\pi_T = 1

    0 \\le \\pi \\le 1, \\quad 0 \\le \\beta_a \\le 1 \\;(\\beta_a = 0 \\text{ if } u_a = \\infty),
    \\quad z_k \\in \\{0, 1\\}

:math:`\\pi_v = 1` marks the sink side of the cut; an arc from the source side to the sink
side is either paid for (:math:`\\beta_a = 1`, its capacity counts) or cut
(:math:`z_k = 1`). For a fixed :math:`z` what remains is the min-cut LP, whose optimum is
the max flow after the attack, so only :math:`z` needs to be integer. An element
protected by the defender has :math:`z_k \\le 0`. Columns are named ``pi_<split node>``,
``beta_<arc>``, ``cut_<element>``; rows ``arc_<arc>`` and ``budget``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from supplynet.errors import DataError
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.common import lp_name
from supplynet.formulations.elements import Element, ElementMap
from supplynet.network import Network

__all__ = ["InterdictionMILP", "build_interdiction"]


@dataclass(frozen=True)
class InterdictionMILP:
    """The attacker's MILP, its element map (element -> its ``cut_`` column) and arcs."""

    lp: LinearProgram
    elements: ElementMap
    cut_column: dict[str, int]


def build_interdiction(
    net: Network,
    target: str,
    elements: Mapping[str, Element],
    costs: Mapping[str, float],
    budget: float,
) -> InterdictionMILP:
    """Build the interdiction MILP of ``net`` towards ``target`` (see the Notes).

    Parameters
    ----------
    net : Network
        Scenario already applied.
    target : str
        Destination node id (its own supply is not counted).
    elements : mapping
        The elements the attacker may cut.
    costs : mapping
        Cost of cutting each element (> 0).
    budget : float
        The attacker's budget.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.formulations.elements import network_elements
    >>> from supplynet.solvers import solve_arrays
    >>> net = sn.load_network()
    >>> els = network_elements(net)
    >>> milp = build_interdiction(net, "bamako", els, dict.fromkeys(els, 1.0), 0)
    >>> round(solve_arrays(milp.lp).objective)
    8411
    """
    G = net.graph
    split: dict[object, int] = {"S": 0}
    pi_names = ["pi_S"]
    for n in G:
        for side in ("in", "out"):
            split[(side, n)] = len(split)
            pi_names.append(lp_name(f"pi_{side}", n))
    # arcs: (tail split index, head split index, capacity, name, touching elements)
    arcs: list[tuple[int, int, float, str]] = []
    arc_of_supply: dict[str, int] = {}
    arc_of_node: dict[str, int] = {}
    arc_of_edge: dict[str, int] = {}
    for n, d in G.nodes(data=True):
        supply = d.get("supply_m3_day")
        if supply and n != target:
            arc_of_supply[str(n)] = len(arcs)
            arcs.append((0, split[("in", n)], float(supply), lp_name("supply", n)))
        cap = d.get("capacity_m3_day")
        arc_of_node[str(n)] = len(arcs)
        arcs.append(
            (
                split[("in", n)],
                split[("out", n)],
                math.inf if cap is None else float(cap),
                lp_name("node", n),
            )
        )
    for u, v, key, d in G.edges(keys=True, data=True):
        arc_of_edge[key] = len(arcs)
        arcs.append(
            (split[("out", u)], split[("in", v)], float(d["capacity_m3_day"]), lp_name("edge", key))
        )
    ids = list(elements)
    n_pi, n_arc, n_el = len(split), len(arcs), len(ids)
    # columns: pi (n_pi), beta (n_arc), cut (n_el)
    beta0, cut0 = n_pi, n_pi + n_arc
    rows_i: list[int] = []
    cols_j: list[int] = []
    vals: list[float] = []
    for a, (i, j, _, _) in enumerate(arcs):
        rows_i += [a, a, a]
        cols_j += [j, i, beta0 + a]
        vals += [1.0, -1.0, -1.0]
    for k, ident in enumerate(ids):
        element = elements[ident]
        covered = [arc_of_edge[e] for e in element.arcs]
        for n in element.nodes:
            covered.append(arc_of_node[n])
            if n in arc_of_supply:
                covered.append(arc_of_supply[n])
        for a in sorted(set(covered)):
            rows_i.append(a)
            cols_j.append(cut0 + k)
            vals.append(-1.0)
        cost = float(costs[ident])
        rows_i.append(n_arc)
        cols_j.append(cut0 + k)
        vals.append(cost)
    n_cols = n_pi + n_arc + n_el
    A = sp.csr_matrix((vals, (rows_i, cols_j)), shape=(n_arc + 1, n_cols))
    A.sum_duplicates()
    capacity = np.array([u for _, _, u, _ in arcs])
    finite = np.isfinite(capacity)
    c = np.concatenate([np.zeros(n_pi), np.where(finite, capacity, 0.0), np.zeros(n_el)])
    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate([np.ones(n_pi), np.where(finite, 1.0, 0.0), np.ones(n_el)])
    sink = split[("out", target)]
    col_lower[sink] = col_upper[sink] = 1.0
    col_upper[0] = 0.0  # pi_S
    if budget < 0:
        raise DataError(f"budget {budget!r} must be >= 0")
    integrality = np.zeros(n_cols, dtype=bool)
    integrality[cut0:] = True
    lp = LinearProgram(
        name="interdiction",
        sense="min",
        c=c,
        A=A,
        row_lower=np.full(n_arc + 1, -np.inf),
        row_upper=np.concatenate([np.zeros(n_arc), [float(budget)]]),
        col_lower=col_lower,
        col_upper=col_upper,
        col_names=[
            *pi_names,
            *(lp_name("beta", name) for *_, name in arcs),
            *(lp_name("cut", ident) for ident in ids),
        ],
        row_names=[*(lp_name("arc", name) for *_, name in arcs), "budget"],
        integrality=integrality,
    )
    cut_column = {ident: cut0 + k for k, ident in enumerate(ids)}
    emap = ElementMap(
        cols={ident: np.array([j], dtype=np.int32) for ident, j in cut_column.items()},
        rows={},
        kinds={ident: elements[ident].kind for ident in ids},
        flow_cols={ident: np.array([j], dtype=np.int32) for ident, j in cut_column.items()},
    )
    return InterdictionMILP(lp, emap, cut_column)
