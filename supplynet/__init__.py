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
    from supplynet.analysis.backtest import BacktestResult, backtest
    from supplynet.analysis.criticality import CriticalityResult, criticality
    from supplynet.analysis.interdiction import InterdictionResult, interdict
    from supplynet.analysis.montecarlo import MonteCarloResult, MonteCarloSpec, monte_carlo
    from supplynet.analysis.sensitivity import SensitivityResult, sensitivity
    from supplynet.analysis.simulate import simulate_supply
    from supplynet.analysis.sweep import SweepResult, SweepSpec, run_sweep
    from supplynet.assumptions import Assumptions, load_assumptions
    from supplynet.capacity import CapacityTable, load_capacity_table
    from supplynet.datasets import load_network
    from supplynet.demand import DemandTables, load_demand_tables
    from supplynet.engine import Engine
    from supplynet.errors import (
        DataError,
        InfeasibleError,
        ScenarioError,
        SolverError,
        SupplynetError,
    )
    from supplynet.network import Network
    from supplynet.observed import Observed, load_observed
    from supplynet.optimize import least_cost_supply, max_throughput
    from supplynet.osm import build_network_from_osm
    from supplynet.report import Report, build_report
    from supplynet.results import Result, SupplyResult, ThroughputResult
    from supplynet.scenario import Area, Scenario
    from supplynet.solvers import Status
    from supplynet.timeline import SupplyTimeline

from supplynet.version import __version__

#: public name -> the module that defines it
_WHERE = {
    "BacktestResult": "supplynet.analysis.backtest",
    "backtest": "supplynet.analysis.backtest",
    "CriticalityResult": "supplynet.analysis.criticality",
    "criticality": "supplynet.analysis.criticality",
    "InterdictionResult": "supplynet.analysis.interdiction",
    "interdict": "supplynet.analysis.interdiction",
    "MonteCarloResult": "supplynet.analysis.montecarlo",
    "MonteCarloSpec": "supplynet.analysis.montecarlo",
    "monte_carlo": "supplynet.analysis.montecarlo",
    "SensitivityResult": "supplynet.analysis.sensitivity",
    "sensitivity": "supplynet.analysis.sensitivity",
    "SweepResult": "supplynet.analysis.sweep",
    "SweepSpec": "supplynet.analysis.sweep",
    "run_sweep": "supplynet.analysis.sweep",
    "Engine": "supplynet.engine",
    "Assumptions": "supplynet.assumptions",
    "load_assumptions": "supplynet.assumptions",
    "CapacityTable": "supplynet.capacity",
    "load_capacity_table": "supplynet.capacity",
    "load_network": "supplynet.datasets",
    "DemandTables": "supplynet.demand",
    "load_demand_tables": "supplynet.demand",
    "simulate_supply": "supplynet.analysis.simulate",
    "SupplyTimeline": "supplynet.timeline",
    "DataError": "supplynet.errors",
    "InfeasibleError": "supplynet.errors",
    "ScenarioError": "supplynet.errors",
    "SolverError": "supplynet.errors",
    "SupplynetError": "supplynet.errors",
    "Network": "supplynet.network",
    "Observed": "supplynet.observed",
    "load_observed": "supplynet.observed",
    "least_cost_supply": "supplynet.optimize",
    "max_throughput": "supplynet.optimize",
    "build_network_from_osm": "supplynet.osm",
    "Report": "supplynet.report",
    "build_report": "supplynet.report",
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
    "BacktestResult",
    "CapacityTable",
    "CriticalityResult",
    "DataError",
    "DemandTables",
    "Engine",
    "InfeasibleError",
    "InterdictionResult",
    "MonteCarloResult",
    "MonteCarloSpec",
    "Network",
    "Observed",
    "Report",
    "Result",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "SolverError",
    "Status",
    "SupplyResult",
    "SupplyTimeline",
    "SupplynetError",
    "SweepResult",
    "SweepSpec",
    "ThroughputResult",
    "__version__",
    "backtest",
    "build_network_from_osm",
    "build_report",
    "criticality",
    "interdict",
    "least_cost_supply",
    "load_assumptions",
    "load_capacity_table",
    "load_demand_tables",
    "load_network",
    "load_observed",
    "max_throughput",
    "monte_carlo",
    "run_sweep",
    "sensitivity",
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
