"""Maximum fuel throughput to one destination (a max-flow LP with node capacities)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import pulp

from supplynet.formulations.common import (
    Incidence,
    define_node_capacity,
    flow_variables,
    incidence,
    lp_name,
    net_inflow,
    supply_variables,
)

__all__ = ["MaxThroughputLP", "build_max_throughput", "fix_delivery_minimise_km"]


@dataclass
class MaxThroughputLP:
    """The max-throughput problem and its variables keyed by edge/node id."""

    problem: pulp.LpProblem
    destination: Any
    flow: dict[str, pulp.LpVariable]
    supply: dict[Any, pulp.LpVariable]
    delivered: pulp.LpVariable
    node_capacity: list[str]
    incidence: Incidence


def build_max_throughput(G: nx.MultiDiGraph, destination: Any) -> MaxThroughputLP:
    """Build the LP that maximises fuel per day reaching ``destination`` from all sources.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A network graph (:class:`supplynet.Network.graph`), scenario already applied.
    destination : node id
        The node whose net inflow is maximised.

    Notes
    -----
    With arc flows :math:`x_e`, supplies :math:`s_v` at nodes with ``supply_m3_day``
    :math:`S_v`, arc capacities :math:`c_e`, node throughput limits :math:`C_v` and the
    delivery :math:`d` at destination :math:`t`:

    .. math::

        \\max\\ d \\quad \\text{s.t.}

        \\sum_{e \\in in(v)} x_e - \\sum_{e \\in out(v)} x_e + s_v = 0
            \\quad \\forall v \\ne t \\qquad \\text{(conservation)}

        \\sum_{e \\in in(t)} x_e - \\sum_{e \\in out(t)} x_e + s_t = d
            \\qquad \\text{(delivery)}

        \\sum_{e \\in in(v)} x_e + s_v \\le C_v \\quad \\forall v \\text{ with a capacity}

        0 \\le x_e \\le c_e, \\qquad 0 \\le s_v \\le S_v

    Variables are named ``flow_<edge_id>``, ``supply_<node_id>`` and ``delivered``;
    constraints ``balance_<node_id>`` and ``nodecap_<node_id>``.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.solvers import solve
    >>> lp = build_max_throughput(sn.load_network().graph, "bamako")
    >>> solve(lp.problem).status.value
    'optimal'
    """
    problem = pulp.LpProblem("max_throughput", pulp.LpMaximize)
    flow = flow_variables(problem, G)
    supply = supply_variables(problem, G)
    delivered = problem.add_variable("delivered", lowBound=0)
    problem += delivered
    inc = incidence(G)
    _define_conservation(problem, G, inc, flow, supply, delivered, destination)
    node_capacity = define_node_capacity(problem, G, inc, flow, supply)
    return MaxThroughputLP(problem, destination, flow, supply, delivered, node_capacity, inc)


def _define_conservation(
    problem: pulp.LpProblem,
    G: nx.MultiDiGraph,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
    delivered: pulp.LpVariable,
    destination: Any,
) -> None:
    for n in G:
        rhs = delivered if n == destination else 0
        problem += (net_inflow(n, inc, flow, supply) == rhs, lp_name("balance", n))


def fix_delivery_minimise_km(
    lp: MaxThroughputLP, G: nx.MultiDiGraph, delivered_m3_day: float, *, rel_tol: float = 1e-12
) -> None:
    """Second phase: keep the maximum delivery, route it over the fewest m3-km.

    A maximum flow is rarely unique: the solver may send fuel round cycles or over long
    detours that carry the same total. This turns ``lp`` into

    .. math::

        \\min \\sum_e \\ell_e x_e \\quad \\text{s.t. the constraints above and }
        d \\ge d^* (1 - \\epsilon)

    so the reported edge flows are the shortest routing of the maximum throughput
    :math:`d^*`. The bottleneck cut is the same for every maximum flow.
    """
    problem = lp.problem
    problem.sense = pulp.LpMinimize
    problem.setObjective(
        pulp.lpSum(
            float(G.edges[u, v, k]["length_km"]) * lp.flow[k] for u, v, k in G.edges(keys=True)
        )
    )
    floor = max(0.0, delivered_m3_day * (1 - rel_tol))
    problem += (lp.delivered >= floor, "keep_max_delivery")
