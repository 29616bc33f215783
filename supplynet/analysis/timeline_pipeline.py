"""Fuel on the roads on day 1: the days each demand node is served by the normal pipeline.

A multi-day run starts with depots holding their initial stock, but in normal times the
roads also carry fuel: what the ports loaded in the days before day 1 is still on its
way. Without it, every node would go short for the days fuel dispatched on day 1 takes
to reach it, and the stocks it spent then could never be made up (the supplies are
calibrated to the demand, ``data/SOURCES.md``).

:func:`pipeline_days` finds, for each demand node, the mean whole-day lead time of the
fuel that serves it in normal times: the least-cost steady-state routing of the network
unchanged (:func:`supplynet.least_cost_supply`), each node's inflow weighted by the flow
on its arcs,

.. math::

    \\bar\\tau_v = \\frac{\\sum_{e = (u, v)} f_e (\\bar\\tau_u + L_e)}{\\sum_{e = (u, v)} f_e},
    \\qquad \\bar\\tau_s = 0 \\text{ at supply points},

rounded to whole days (:math:`L_e` the arc's whole-day lead). For its first
:math:`T_v = \\mathrm{round}(\\bar\\tau_v)` days a node's demand is then served by fuel
already in transit (a share ``pipeline_share`` of it, ``data/timeline.csv``; 0 turns it
off), after which fuel dispatched on day 1 from the supply points arrives. The credit is
each demand row's normal-times demand (the share the steady state serves), and never more
than its demand in the run on those days (rationed demand included), so it cannot make a
run infeasible.
"""

from __future__ import annotations

import logging

import networkx as nx
import numpy as np

from supplynet.network import Network
from supplynet.optimize import least_cost_supply

__all__ = ["pipeline_days"]

logger = logging.getLogger(__name__)


def pipeline_days(
    net: Network, arc_ids: tuple[str, ...], whole_lead_days: np.ndarray
) -> dict[str, tuple[int, float]]:
    """Whole days each demand node is served by the fuel in transit on day 1.

    Parameters
    ----------
    net : Network
        The network unchanged (normal times: no scenario).
    arc_ids : tuple of str
        Arc ids, in the order of ``whole_lead_days``.
    whole_lead_days : ndarray, (E,)
        Each arc's lead time in whole days in normal times.

    Returns
    -------
    dict
        Node id -> (days, the share of its demand the steady state serves), for the
        demand nodes that receive fuel by road in the steady state.

    Examples
    --------
    >>> import supplynet as sn
    >>> from supplynet.analysis.timeline_events import lead_days, round_lead_days
    >>> from supplynet.demand import load_demand_tables
    >>> net = sn.load_network()
    >>> arcs = tuple(str(k) for _, _, k in net.graph.edges(keys=True))
    >>> lead = lead_days(net, arcs, load_demand_tables().settings)
    >>> pos = {n: i for i, n in enumerate(net.graph.nodes)}
    >>> tail = np.array([pos[u] for u, _, _ in net.graph.edges(keys=True)])
    >>> head = np.array([pos[v] for _, v, _ in net.graph.edges(keys=True)])
    >>> sources = [pos[n] for n, s in net.nodes["supply_m3_day"].items() if s > 0]
    >>> whole = round_lead_days(lead[None, :], lead, tail, head, sources, len(pos))[0]
    >>> days = pipeline_days(net, arcs, whole)
    >>> days["bamako"], days["gao"]
    ((5, 1.0), (2, 1.0))
    """
    steady = least_cost_supply(net)
    flows = steady.edge_flows
    delivered = steady.delivered
    lead = dict(zip(arc_ids, whole_lead_days.tolist(), strict=True))
    used = flows[flows["flow_m3_day"] > 1e-9]
    G = nx.DiGraph()
    for eid, row in used.iterrows():
        u, v = str(row["u"]), str(row["v"])
        flow, days = float(row["flow_m3_day"]), float(lead[str(eid)])
        if G.has_edge(u, v):  # parallel arcs: one edge, their flow-weighted lead
            d = G.edges[u, v]
            total = d["flow"] + flow
            d["days"] = (d["days"] * d["flow"] + days * flow) / total
            d["flow"] = total
        else:
            G.add_edge(u, v, flow=flow, days=days)
    try:
        order = list(nx.topological_sort(G))
    except nx.NetworkXUnfeasible:  # a cycle of flow (degenerate): no pipeline credit
        logger.info("Pipeline: the steady-state flow has a cycle; no fuel in transit on day 1")
        return {}
    mean: dict[str, float] = {}
    for v in order:
        inflow = [(mean.get(u, 0.0) + d["days"], d["flow"]) for u, _, d in G.in_edges(v, data=True)]
        total = sum(f for _, f in inflow)
        mean[v] = sum(t * f for t, f in inflow) / total if total > 0 else 0.0
    out: dict[str, tuple[int, float]] = {}
    for v, t in mean.items():
        if v not in delivered.index:
            continue
        demand = float(delivered.loc[v, "demand_m3_day"])
        if demand > 0:
            served = 1.0 - float(delivered.loc[v, "shortfall_m3_day"]) / demand
            out[str(v)] = (int(np.floor(t + 0.5)), min(1.0, max(0.0, served)))
    logger.info("Pipeline: %d demand nodes served by fuel in transit on day 1", len(out))
    return out
