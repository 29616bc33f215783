"""supplynet: how much fuel reaches Bamako over West Africa's road corridors.

The public API::

    import supplynet as sn
    net = sn.load_network()
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    res = sn.max_throughput(net, sc, destination="Bamako")
    res = sn.least_cost_supply(net, sc)
    tl = sn.simulate_supply(net, "examples/scenarios/six_week_cut.toml", days=90)

The public names are loaded on first use, so ``import supplynet`` (and the CLI's start-up)
does not pay for pandas, networkx or the solvers until they are needed.

Road data © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplynet.analysis import simulate_supply
    from supplynet.assumptions import Assumptions, load_assumptions
    from supplynet.capacity import CapacityTable, load_capacity_table
    from supplynet.datasets import load_network
    from supplynet.demand import DemandTables, load_demand_tables
    from supplynet.errors import (
        DataError,
        InfeasibleError,
        ScenarioError,
        SolverError,
        SupplynetError,
    )
    from supplynet.network import Network
    from supplynet.optimize import least_cost_supply, max_throughput
    from supplynet.osm import build_network_from_osm
    from supplynet.results import Result, SupplyResult, ThroughputResult
    from supplynet.scenario import Area, Scenario
    from supplynet.solvers import Status
    from supplynet.timeline import SupplyTimeline

__version__ = "0.1.0"

#: public name -> the module that defines it
_WHERE = {
    "Assumptions": "supplynet.assumptions",
    "load_assumptions": "supplynet.assumptions",
    "CapacityTable": "supplynet.capacity",
    "load_capacity_table": "supplynet.capacity",
    "load_network": "supplynet.datasets",
    "DemandTables": "supplynet.demand",
    "load_demand_tables": "supplynet.demand",
    "simulate_supply": "supplynet.analysis",
    "SupplyTimeline": "supplynet.timeline",
    "DataError": "supplynet.errors",
    "InfeasibleError": "supplynet.errors",
    "ScenarioError": "supplynet.errors",
    "SolverError": "supplynet.errors",
    "SupplynetError": "supplynet.errors",
    "Network": "supplynet.network",
    "least_cost_supply": "supplynet.optimize",
    "max_throughput": "supplynet.optimize",
    "build_network_from_osm": "supplynet.osm",
    "Result": "supplynet.results",
    "SupplyResult": "supplynet.results",
    "ThroughputResult": "supplynet.results",
    "Area": "supplynet.scenario",
    "Scenario": "supplynet.scenario",
    "Status": "supplynet.solvers",
}

__all__ = [
    "Area",
    "Assumptions",
    "CapacityTable",
    "DataError",
    "DemandTables",
    "InfeasibleError",
    "Network",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "Status",
    "SupplyResult",
    "SupplyTimeline",
    "SupplynetError",
    "ThroughputResult",
    "__version__",
    "build_network_from_osm",
    "least_cost_supply",
    "load_assumptions",
    "load_capacity_table",
    "load_demand_tables",
    "load_network",
    "max_throughput",
    "simulate_supply",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'supplynet' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
