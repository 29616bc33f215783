"""Bottlenecks of a maximum flow: the saturated minimum cut read off the solution.

Given any maximum flow, the nodes reachable from the super source in the residual graph
are the same (the source side of the minimal minimum cut). The elements leaving that set
are saturated, and their capacities add up to the flow value (max-flow/min-cut). The
elements are of three types, following the node-splitting used by the LP:

``supply``   ``S -> v_in``       a source's supply limit (``supply_m3_day``)
``node``     ``v_in -> v_out``   a node's throughput limit (``capacity_m3_day``)
``edge``     ``u_out -> v_in``   an arc's capacity
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import networkx as nx

from supplynet.records import Records

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["saturated_cut", "saturated_cut_records"]

_EPS = 1e-6
_SOURCE = ("__source__",)


def saturated_cut(
    G: nx.MultiDiGraph,
    edge_flow: dict[str, float],
    supply_used: dict[Any, float],
    *,
    tol: float = _EPS,
) -> pd.DataFrame:
    """Return the saturated minimum cut of a maximum flow on ``G`` (a DataFrame of
    :func:`saturated_cut_records`)."""
    return saturated_cut_records(G, edge_flow, supply_used, tol=tol).frame()


def saturated_cut_records(
    G: nx.MultiDiGraph,
    edge_flow: dict[str, float],
    supply_used: dict[Any, float],
    *,
    tol: float = _EPS,
) -> Records:
    """Return the saturated minimum cut of a maximum flow on ``G``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The network graph the flow was solved on.
    edge_flow : dict
        Flow (m3/day) by arc id.
    supply_used : dict
        Supply injected (m3/day) by source node.
    tol : float
        Flows within ``tol`` (relative to the capacity) of a bound count as at the bound.

    Returns
    -------
    Records
        Indexed by ``element`` (arc or node id), largest capacity first; columns ``type,
        name, capacity_m3_day, flow_m3_day, corridors`` (for a node, the corridors of its
        roads). Cut
        elements of capacity 0 (blocked roads and posts) are left out: they carry nothing
        and add nothing to the cut's capacity, which still equals the flow value.
    """
    # residual adjacency on the split graph: (kind, node) pairs; kind "in" or "out"
    residual: dict[Any, list[Any]] = {}

    def arc(a: Any, b: Any, flow: float, cap: float) -> None:
        if flow < cap - tol * max(1.0, cap):
            residual.setdefault(a, []).append(b)
        if flow > tol:
            residual.setdefault(b, []).append(a)

    elements: list[tuple[Any, Any, str, Any, float, float]] = []
    through: dict[Any, float] = {n: supply_used.get(n, 0.0) for n in G}
    for _u, v, key in G.edges(keys=True):
        through[v] += edge_flow.get(key, 0.0)
    for n, d in G.nodes(data=True):
        if d.get("supply_m3_day"):
            cap = float(d["supply_m3_day"])
            arc(_SOURCE, ("in", n), supply_used.get(n, 0.0), cap)
            elements.append((_SOURCE, ("in", n), "supply", n, cap, supply_used.get(n, 0.0)))
        cap = d.get("capacity_m3_day")
        node_cap = float("inf") if cap is None else float(cap)
        arc(("in", n), ("out", n), through[n], node_cap)
        if cap is not None:
            elements.append((("in", n), ("out", n), "node", n, node_cap, through[n]))
        else:
            residual.setdefault(("in", n), []).append(("out", n))
    for u, v, key, d in G.edges(keys=True, data=True):
        cap = float(d["capacity_m3_day"])
        arc(("out", u), ("in", v), edge_flow.get(key, 0.0), cap)
        elements.append((("out", u), ("in", v), "edge", key, cap, edge_flow.get(key, 0.0)))

    seen = {_SOURCE}
    queue = deque([_SOURCE])
    while queue:
        for nxt in residual.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)

    rows: list[dict[str, Any]] = []
    for a, b, kind, ident, cap, flow in elements:
        if a in seen and b not in seen and cap > 0:
            if kind == "edge":
                u, v = a[1], b[1]
                data = G.edges[u, v, ident]
                name = f"{G.nodes[u].get('name', u)} -> {G.nodes[v].get('name', v)}"
                corridors = ";".join(data.get("corridors", ()))
            else:
                name = str(G.nodes[ident].get("name", ident))
                near = {
                    c for _, _, d in G.in_edges(ident, data=True) for c in d.get("corridors", ())
                }
                near |= {
                    c for _, _, d in G.out_edges(ident, data=True) for c in d.get("corridors", ())
                }
                corridors = ";".join(sorted(near))
            rows.append(
                {
                    "element": str(ident),
                    "type": kind,
                    "name": name,
                    "capacity_m3_day": cap,
                    "flow_m3_day": flow,
                    "corridors": corridors,
                }
            )
    columns = ("element", "type", "name", "capacity_m3_day", "flow_m3_day", "corridors")
    rows.sort(key=lambda r: (-r["capacity_m3_day"], r["element"]))
    return Records(columns, rows, index="element")
