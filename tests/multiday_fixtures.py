"""Small networks and demand tables for the multi-day tests, made by the tests themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from conftest import ASSUMPTIONS

import supplynet as sn
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.demand import DEMAND_FILES, load_demand_tables

TOL = 1e-5

#: lead time = travel_time_h / 24 days: a 48 h edge is 2 days; the roads empty on day 1
EXACT_DAYS = {
    "driving_hours_per_day": 24.0,
    "truck_time_factor": 1.0,
    "border_delay_days": 0.0,
    "pipeline_share": 0.0,
}
ZERO_LEAD = {"truck_time_factor": 0.0, "border_delay_days": 0.0, "pipeline_share": 0.0}


def chain_network(
    hops: list[tuple[str, str, float, str]],
    nodes: dict[str, dict[str, Any]],
    *,
    capacity_m3_day: float = 10_000.0,
) -> sn.Network:
    """A network of one-way roads ``(u, v, travel_time_h, corridor)`` and node attributes."""
    names = {n for u, v, _, _ in hops for n in (u, v)}
    rows = []
    for i, n in enumerate(sorted(names)):
        row = {"node_id": n, "name": n.upper(), "kind": "town", "lon": -8.0 + i * 0.1, "lat": 12.0}
        row.update(nodes.get(n, {}))
        rows.append(row)
    edges = [
        {
            "edge_id": f"{u}_{v}",
            "u": u,
            "v": v,
            "length_km": 100.0,
            "travel_time_h": hours,
            "capacity_m3_day": capacity_m3_day,
            "highway": "primary",
            "surface": "paved",
            "corridors": corridor,
            "oneway": True,
        }
        for u, v, hours, corridor in hops
    ]
    return sn.Network.from_tables(
        pd.DataFrame(rows), pd.DataFrame(edges), name="chain", assumptions=ASSUMPTIONS
    )


def write_tables(
    folder: Path,
    demand: list[tuple[str, str, str, float]],
    *,
    classes: dict[str, float] | None = None,
    products: tuple[str, ...] = ("fuel",),
    depots: dict[str, tuple[float, float]] | None = None,
    mix: list[tuple[str, str, float]] | None = None,
    settings: dict[str, float] | None = None,
) -> sn.DemandTables:
    """Write the six demand tables into ``folder`` and load them."""
    folder.mkdir(parents=True, exist_ok=True)
    classes = classes or {"demand": 1.0}
    pd.DataFrame({"product": list(products), "name": list(products)}).to_csv(
        folder / "products.csv", index=False
    )
    pd.DataFrame(
        {
            "demand_class": list(classes),
            "name": list(classes),
            "priority_weight": list(classes.values()),
        }
    ).to_csv(folder / "demand_classes.csv", index=False)
    pd.DataFrame(demand, columns=["node_id", "demand_class", "product", "demand_m3_day"]).to_csv(
        folder / "demand.csv", index=False
    )
    pd.DataFrame(
        [(n, cap, days) for n, (cap, days) in (depots or {}).items()],
        columns=["node_id", "capacity_m3", "initial_days"],
    ).to_csv(folder / "depots.csv", index=False)
    pd.DataFrame(mix or [], columns=["node_id", "product", "share"]).to_csv(
        folder / "supply_mix.csv", index=False
    )
    values = dict(load_demand_tables().settings)
    values.update(settings or {})
    pd.DataFrame({"key": list(values), "value": list(values.values())}).to_csv(
        folder / "timeline.csv", index=False
    )
    assert sorted(p.name for p in folder.iterdir()) == sorted(DEMAND_FILES)
    return load_demand_tables(folder)


def timeline_arrays(net: sn.Network, sc: sn.Scenario, days: int, **kw: Any) -> Any:
    """The prepared inputs (capacities, leads) of a run, for checking a result against."""
    _, inputs = build_timeline_lp(net, sc, days, **kw)
    return inputs


def assert_invariants(tl: sn.SupplyTimeline, inputs: Any) -> None:
    """Checks every timeline must pass: balance, bounds, served + unmet = demand."""
    assert tl.ok, tl.status
    assert (tl.balance["residual_m3"].abs() < 1e-4 * max(1.0, tl.balance["supply_m3"].max())).all()
    d = inputs.data
    daily = tl.daily
    classes = daily[daily.index.get_level_values("demand_class") != "all"]
    assert (classes["unmet_m3"] >= -TOL).all()
    assert np.allclose(classes["issued_m3"] + classes["unmet_m3"], classes["demand_m3"], atol=1e-6)
    totals = daily[daily.index.get_level_values("demand_class") == "all"]
    for j, node in enumerate(d.hold_node):
        nid = d.node_ids[node]
        column = "stock_m3" if d.hold_is_depot[j] else "waiting_m3"
        held = totals.xs(nid, level="node_id")[column].groupby(level="day").sum()
        assert (held >= -TOL).all()
        assert (held <= d.hold_capacity_m3[j] + 1e-6 * max(1.0, d.hold_capacity_m3[j])).all(), nid
    nodes = tl.nodes
    assert (nodes["shortfall_m3"] >= -TOL).all()
    assert (nodes["shortfall_m3"] <= nodes["demand_m3"] + TOL).all()
