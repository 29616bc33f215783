"""LP formulations, one module per model. Each ``build_*`` returns the PuLP problem and its
variables keyed by edge/node id; solving and reading results happen elsewhere."""

from supplynet.formulations.maxflow import MaxThroughputLP, build_max_throughput
from supplynet.formulations.mincost import LeastCostLP, build_least_cost_supply

__all__ = ["LeastCostLP", "MaxThroughputLP", "build_least_cost_supply", "build_max_throughput"]
