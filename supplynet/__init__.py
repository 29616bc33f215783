"""supplynet: how much fuel reaches Bamako over West Africa's road corridors.

The public API::

    import supplynet as sn
    net = sn.load_network()
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    res = sn.max_throughput(net, sc, destination="Bamako")
    res = sn.least_cost_supply(net, sc)

Road data © OpenStreetMap contributors (ODbL).
"""

from supplynet.assumptions import Assumptions, load_assumptions
from supplynet.capacity import CapacityTable, load_capacity_table
from supplynet.datasets import load_network
from supplynet.errors import (
    DataError,
    InfeasibleError,
    ScenarioError,
    SolverError,
    SupplynetError,
)
from supplynet.network import Network
from supplynet.optimize import least_cost_supply, max_throughput
from supplynet.results import Result, SupplyResult, ThroughputResult
from supplynet.scenario import Area, Scenario
from supplynet.solvers import Status

__version__ = "0.1.0"

__all__ = [
    "Area",
    "Assumptions",
    "CapacityTable",
    "DataError",
    "InfeasibleError",
    "Network",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolverError",
    "Status",
    "SupplyResult",
    "SupplynetError",
    "ThroughputResult",
    "__version__",
    "build_network_from_osm",
    "least_cost_supply",
    "load_assumptions",
    "load_capacity_table",
    "load_network",
    "max_throughput",
]


def __getattr__(name: str) -> object:
    # The OSM builder imports osmnx/osmium; load it only when asked for.
    if name == "build_network_from_osm":
        from supplynet.osm import build_network_from_osm

        return build_network_from_osm
    raise AttributeError(f"module 'supplynet' has no attribute {name!r}")
