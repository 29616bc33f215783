"""Least-cost supply of every demand node, with unmet demand at a stated penalty."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import pulp

from supplynet.errors import DataError
from supplynet.formulations.common import (
    Incidence,
    define_node_capacity,
    flow_variables,
    incidence,
    lp_name,
    net_inflow,
    node_throughput,
    supply_variables,
)

__all__ = ["LeastCostLP", "arc_cost_per_m3", "build_least_cost_supply"]


@dataclass
class LeastCostLP:
    """The least-cost supply problem and its variables keyed by edge/node id."""

    problem: pulp.LpProblem
    flow: dict[str, pulp.LpVariable]
    supply: dict[Any, pulp.LpVariable]
    unmet: dict[Any, pulp.LpVariable]
    transport_cost: pulp.LpAffineExpression
    penalty_per_m3: float
    incidence: Incidence


def arc_cost_per_m3(G: nx.MultiDiGraph, data: dict[str, Any]) -> float:
    """Cost of moving one m3 along an arc: ``cost_per_m3_km * length_km`` (+ ``toll_per_m3``)."""
    return float(G.graph["cost_per_m3_km"]) * float(data["length_km"]) + float(
        data.get("toll_per_m3") or 0.0
    )


def build_least_cost_supply(
    G: nx.MultiDiGraph, *, penalty_per_m3: float | None = None
) -> LeastCostLP:
    """Build the LP that meets each node's ``demand_m3_day`` at least cost.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        Network graph with ``cost_per_m3_km`` (and ``unmet_penalty_per_m3``) in ``G.graph``.
    penalty_per_m3 : float, optional
        Cost of each m3/day of unmet demand; default ``G.graph["unmet_penalty_per_m3"]``.

    Notes
    -----
    With arc flows :math:`x_e` costing :math:`k_e` per m3 (cost per m3-km times length),
    node costs :math:`h_v` per m3 passing node :math:`v` (border fees, port loading),
    supplies :math:`s_v \\le S_v`, demands :math:`D_v`, unmet demand :math:`u_v` and penalty
    :math:`P`:

    .. math::

        \\min \\sum_e k_e x_e + \\sum_v h_v \\Big(\\sum_{e \\in in(v)} x_e + s_v\\Big)
              + P \\sum_v u_v

        \\sum_{e \\in in(v)} x_e - \\sum_{e \\in out(v)} x_e + s_v = D_v - u_v
            \\quad \\forall v \\qquad \\text{(conservation)}

        \\sum_{e \\in in(v)} x_e + s_v \\le C_v, \\quad 0 \\le x_e \\le c_e,
        \\quad 0 \\le s_v \\le S_v, \\quad 0 \\le u_v \\le D_v

    The problem is always feasible (unmet demand absorbs any shortage). Variables are
    named ``flow_<edge_id>``, ``supply_<node_id>``, ``unmet_<node_id>``.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.solvers import solve
    >>> lp = build_least_cost_supply(sn.load_network().graph)
    >>> solve(lp.problem).status.value
    'optimal'
    """
    if penalty_per_m3 is None:
        penalty_per_m3 = float(G.graph.get("unmet_penalty_per_m3", float("nan")))
    if not penalty_per_m3 > 0:
        raise DataError(f"unmet_penalty_per_m3 must be a positive number, got {penalty_per_m3}")
    if "cost_per_m3_km" not in G.graph:
        raise DataError("network has no cost_per_m3_km assumption")
    problem = pulp.LpProblem("least_cost_supply", pulp.LpMinimize)
    flow = flow_variables(problem, G)
    supply = supply_variables(problem, G)
    unmet = {
        n: problem.add_variable(lp_name("unmet", n), lowBound=0, upBound=float(d["demand_m3_day"]))
        for n, d in G.nodes(data=True)
        if d.get("demand_m3_day")
    }
    inc = incidence(G)
    transport = _define_transport_cost(G, inc, flow, supply)
    problem += transport + penalty_per_m3 * pulp.lpSum(unmet.values())
    _define_demand_balance(problem, G, inc, flow, supply, unmet)
    define_node_capacity(problem, G, inc, flow, supply)
    return LeastCostLP(problem, flow, supply, unmet, transport, penalty_per_m3, inc)


def _define_transport_cost(
    G: nx.MultiDiGraph,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
) -> pulp.LpAffineExpression:
    terms = [arc_cost_per_m3(G, d) * flow[k] for _, _, k, d in G.edges(keys=True, data=True)]
    for n, d in G.nodes(data=True):
        if d.get("cost_per_m3"):
            terms.append(float(d["cost_per_m3"]) * node_throughput(n, inc, flow, supply))
    return pulp.lpSum(terms)


def _define_demand_balance(
    problem: pulp.LpProblem,
    G: nx.MultiDiGraph,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
    unmet: dict[Any, pulp.LpVariable],
) -> None:
    for n, d in G.nodes(data=True):
        demand = float(d.get("demand_m3_day") or 0.0)
        rhs = demand - unmet[n] if n in unmet else demand
        problem += (net_inflow(n, inc, flow, supply) == rhs, lp_name("balance", n))
