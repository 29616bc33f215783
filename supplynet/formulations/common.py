"""Shared pieces of the formulations: arc incidence, capacities, variable names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pulp

from supplynet.errors import DataError

__all__ = [
    "Incidence",
    "define_node_capacity",
    "flow_variables",
    "incidence",
    "lp_name",
    "net_inflow",
    "node_throughput",
    "supply_variables",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def lp_name(prefix: str, ident: object) -> str:
    """LP-safe variable/constraint name ``prefix_ident`` (unsafe characters become ``_``)."""
    return f"{prefix}_{_UNSAFE.sub('_', str(ident))}"


@dataclass(frozen=True)
class Incidence:
    """Arc ids into and out of each node."""

    into: dict[Any, list[str]]
    out_of: dict[Any, list[str]]


def incidence(G: nx.MultiDiGraph) -> Incidence:
    """Return the arc ids entering and leaving each node of ``G``."""
    into: dict[Any, list[str]] = {n: [] for n in G}
    out_of: dict[Any, list[str]] = {n: [] for n in G}
    for u, v, key in G.edges(keys=True):
        out_of[u].append(key)
        into[v].append(key)
    return Incidence(into, out_of)


def flow_variables(problem: pulp.LpProblem, G: nx.MultiDiGraph) -> dict[str, pulp.LpVariable]:
    """One flow variable ``0 <= x_e <= capacity_m3_day`` per arc, named ``flow_<edge_id>``.

    A missing or negative capacity is an error naming the edge (never treated as infinite).
    """
    flow: dict[str, pulp.LpVariable] = {}
    for u, v, key, data in G.edges(keys=True, data=True):
        cap = data.get("capacity_m3_day")
        if cap is None or not cap >= 0:
            raise DataError(f"edge {key!r} ({u}->{v}) has no valid capacity_m3_day ({cap!r})")
        flow[key] = problem.add_variable(lp_name("flow", key), lowBound=0, upBound=float(cap))
    return flow


def node_throughput(
    node: Any,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
) -> pulp.LpAffineExpression:
    """Throughput of a node: all flow entering it plus the supply injected there."""
    expr = pulp.lpSum(flow[e] for e in inc.into[node])
    if node in supply:
        expr += supply[node]
    return expr


def supply_variables(problem: pulp.LpProblem, G: nx.MultiDiGraph) -> dict[Any, pulp.LpVariable]:
    """One variable ``0 <= s_v <= supply_m3_day`` per node that supplies fuel."""
    return {
        n: problem.add_variable(lp_name("supply", n), lowBound=0, upBound=float(d["supply_m3_day"]))
        for n, d in G.nodes(data=True)
        if d.get("supply_m3_day")
    }


def net_inflow(
    node: Any,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
) -> pulp.LpAffineExpression:
    """Flow in minus flow out of a node, plus the supply injected there."""
    return node_throughput(node, inc, flow, supply) - pulp.lpSum(flow[e] for e in inc.out_of[node])


def define_node_capacity(
    problem: pulp.LpProblem,
    G: nx.MultiDiGraph,
    inc: Incidence,
    flow: dict[str, pulp.LpVariable],
    supply: dict[Any, pulp.LpVariable],
) -> list[str]:
    """``throughput(v) <= capacity_m3_day(v)`` for every node with a limit (``nodecap_<id>``)."""
    names = []
    for n, d in G.nodes(data=True):
        cap = d.get("capacity_m3_day")
        if cap is None:
            continue
        names.append(lp_name("nodecap", n))
        problem += (node_throughput(n, inc, flow, supply) <= float(cap), names[-1])
    return names
