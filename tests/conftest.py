"""Shared fixtures: the embedded network, seeded random networks, independent references."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pandas as pd
import pytest

import supplynet as sn

TOL = 1e-5

#: Mali's regional capitals the issue requires as demand nodes
REGIONAL_CAPITALS = (
    "kayes",
    "sikasso",
    "segou",
    "mopti",
    "koutiala",
    "kita",
    "nioro",
    "gao",
    "tombouctou",
)

ASSUMPTIONS = {
    "tanker_m3": 40.0,
    "cost_per_m3_km": 1.0,
    "unmet_penalty_per_m3": 1e6,
    "currency": "XOF",
}


@pytest.fixture(scope="session")
def net() -> sn.Network:
    return sn.load_network()


def random_network(
    seed: int, *, n_nodes: int | None = None, demand: bool = False, sparse: bool = False
) -> sn.Network:
    """A seeded random supply network in the project's schema.

    Nodes ``n0..`` (``n0`` is the destination), 1-3 supply nodes, some node capacities,
    one-way and two-way integer-capacity roads with integer lengths, and with
    ``demand=True`` some demand nodes and node costs; ``sparse=True`` gives road-network
    density (about three roads per node) for large ``n_nodes``.
    """
    rng = random.Random(seed)
    n = n_nodes or rng.randint(5, 14)
    p = min(1.0, 3.0 / n) if sparse else rng.uniform(0.15, 0.45)
    nodes = []
    sources = set(rng.sample(range(1, n), k=min(n - 1, rng.randint(1, 3))))
    for i in range(n):
        row: dict[str, Any] = {
            "node_id": f"n{i}",
            "name": f"Node {i}",
            "kind": "town",
            "lon": rng.uniform(-10, 0),
            "lat": rng.uniform(10, 15),
        }
        if i in sources:
            row.update(kind="port", supply_m3_day=rng.randint(5, 60))
        if rng.random() < 0.3:
            row["capacity_m3_day"] = rng.randint(0, 50)
        if demand and i not in sources and rng.random() < 0.5:
            row.update(kind="demand", demand_m3_day=rng.randint(1, 25))
        if demand and rng.random() < 0.3:
            row["cost_per_m3"] = rng.randint(1, 30)
        nodes.append(row)
    edges = []
    for u in range(n):
        for v in range(u + 1, n):
            if rng.random() < p:
                a, b = (u, v) if rng.random() < 0.5 else (v, u)
                edges.append(
                    {
                        "edge_id": f"e{a}_{b}",
                        "u": f"n{a}",
                        "v": f"n{b}",
                        "length_km": rng.randint(1, 100),
                        "capacity_m3_day": rng.randint(0, 40),
                        "highway": "primary",
                        "surface": "paved",
                        "corridors": f"c{rng.randint(0, 2)}",
                        "oneway": rng.random() < 0.5,
                    }
                )
    if demand and not any(r.get("demand_m3_day") for r in nodes):
        nodes[0]["demand_m3_day"] = 10
    return sn.Network.from_tables(
        pd.DataFrame(nodes), pd.DataFrame(edges), name=f"rand{seed}", assumptions=ASSUMPTIONS
    )


def split_graph(G: nx.MultiDiGraph, *, with_costs: bool = False) -> nx.DiGraph:
    """Node-split copy of ``G`` for networkx algorithms: ``(v,'in') -> (v,'out')``.

    Supplies hang off a super source ``'S'``; parallel arcs are merged (capacities added,
    which is exact for flows when their costs are equal).
    """
    H = nx.DiGraph()
    for n, d in G.nodes(data=True):
        attrs: dict[str, Any] = {}
        if d.get("capacity_m3_day") is not None:
            attrs["capacity"] = d["capacity_m3_day"]
        if with_costs:
            attrs["weight"] = int(d.get("cost_per_m3") or 0)
        H.add_edge((n, "in"), (n, "out"), **attrs)
        if d.get("supply_m3_day"):
            H.add_edge("S", (n, "in"), capacity=d["supply_m3_day"], weight=0)
    for u, v, d in G.edges(data=True):
        a, b = (u, "out"), (v, "in")
        if H.has_edge(a, b):
            assert not with_costs or H[a][b]["weight"] == int(d["length_km"])
            H[a][b]["capacity"] += d["capacity_m3_day"]
        else:
            H.add_edge(a, b, capacity=d["capacity_m3_day"], weight=int(d["length_km"]))
    return H


def nx_max_throughput(G: nx.MultiDiGraph, destination: str) -> float:
    """Independent reference: networkx maximum flow with node splitting."""
    H = split_graph(G)
    if "S" not in H:
        return 0.0
    return float(nx.maximum_flow_value(H, "S", (destination, "out")))


def assert_valid_flow(
    G: nx.MultiDiGraph, edge_flows: pd.DataFrame, node_flows: pd.DataFrame, *, rhs: dict[str, float]
) -> None:
    """Capacity, non-negativity, node limits and conservation ``in - out + s = rhs[v]``."""
    flow = edge_flows["flow_m3_day"]
    assert (flow >= -TOL).all()
    assert (flow <= edge_flows["capacity_m3_day"] + TOL).all()
    balance = {n: float(node_flows.loc[n, "supply_m3_day"]) for n in G}
    for eid, row in edge_flows.iterrows():
        balance[row["u"]] -= row["flow_m3_day"]
        balance[row["v"]] += row["flow_m3_day"]
        assert row["capacity_m3_day"] == pytest.approx(
            G.edges[row["u"], row["v"], eid]["capacity_m3_day"]
        )
    for n, d in G.nodes(data=True):
        assert balance[n] == pytest.approx(rhs.get(n, 0.0), abs=1e-4), n
        assert node_flows.loc[n, "supply_m3_day"] <= (d.get("supply_m3_day") or 0) + TOL
        if d.get("capacity_m3_day") is not None:
            assert node_flows.loc[n, "throughput_m3_day"] <= d["capacity_m3_day"] + TOL
