"""The public analyses: build the LP once, solve it on the engine, read a typed Result.

Both analyses build their formulation (:mod:`supplynet.formulations`), turn it into arrays
and solve it on an in-process HiGHS :class:`~supplynet.engine.Engine` (CBC through PuLP on
request). The headline figures are read from the solution arrays; the result tables are
built the first time they are read (:mod:`supplynet.result_tables`).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from supplynet.engine import ElementMap, Engine
from supplynet.formulations import build_least_cost_supply, build_max_throughput
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.common import lp_name
from supplynet.network import Network
from supplynet.result_tables import (
    DELIVERED_COLUMNS,
    EDGE_COLUMNS,
    NODE_COLUMNS,
    SupplyTables,
    ThroughputTables,
    cancel_opposing_flows,
)
from supplynet.results import LazyTables, SupplyResult, ThroughputResult
from supplynet.scenario import Scenario
from supplynet.settings import default_solver
from supplynet.solvers import SOLVERS, Status, solve_arrays

if TYPE_CHECKING:
    pass

__all__ = ["least_cost_supply", "max_throughput", "open_session"]

logger = logging.getLogger(__name__)

#: relative slack on the maximum delivery kept by the routing pass
_KEEP_REL_TOL = 1e-12


class _Solution(Protocol):
    status: Status
    objective: float
    solve_time_s: float

    @property
    def x(self) -> np.ndarray: ...


@dataclasses.dataclass
class _FixedSolution:
    status: Status
    objective: float
    solve_time_s: float
    x: np.ndarray


class _CbcSession:
    """The engine's solve interface for CBC: the arrays solved through PuLP each time."""

    label = "CBC"

    def __init__(self, lp: LinearProgram, time_limit_s: float | None) -> None:
        self.lp = lp
        self.current = lp
        self.time_limit_s = time_limit_s

    def set_costs(self, c: np.ndarray) -> None:
        self.current = dataclasses.replace(self.current, c=c)

    def set_sense(self, sense: str) -> None:
        self.current = dataclasses.replace(self.current, sense=sense)  # type: ignore[arg-type]

    def set_col_bounds(self, column: str, lower: float | None = None) -> None:
        j = self.lp.col_index[column]
        col_lower = self.current.col_lower.copy()
        col_lower[j] = self.lp.col_lower[j] if lower is None else lower
        self.current = dataclasses.replace(self.current, col_lower=col_lower)

    def solve(self) -> _FixedSolution:
        sol = solve_arrays(self.current, "cbc", time_limit_s=self.time_limit_s)
        objective = sol.objective if sol.objective is not None else float("nan")
        return _FixedSolution(sol.status, objective, sol.solve_time_s, sol.x)


def open_session(
    lp: LinearProgram, solver: str | None = None, *, time_limit_s: float | None = None
) -> Engine | _CbcSession:
    """An engine on ``lp`` for HiGHS (the default), or a CBC stand-in with the same calls.

    Raises
    ------
    SolverError
        For an unknown solver name.
    """
    from supplynet.errors import SolverError
    from supplynet.solvers import make_solver

    key = (solver or default_solver()).strip().lower()
    if key not in SOLVERS:
        raise SolverError(f"unknown solver {solver!r}; allowed: {', '.join(SOLVERS)}")
    make_solver(key)  # a clear error if it is not installed
    if key == "cbc":
        return _CbcSession(lp, time_limit_s)
    empty = ElementMap(cols={}, rows={}, kinds={})
    return Engine(lp, empty, time_limit_s=time_limit_s)


def _label(session: Engine | _CbcSession) -> str:
    return "CBC" if isinstance(session, _CbcSession) else "HiGHS"


def _values(lp: LinearProgram, x: np.ndarray, prefix: str, ids: Any) -> dict[Any, float]:
    index = lp.col_index
    return {i: _clean(x[index[lp_name(prefix, i)]]) for i in ids}


def _clean(value: float) -> float:
    return 0.0 if abs(value) < 1e-9 else float(value)


def max_throughput(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    destination: str = "bamako",
    *,
    solver: str | None = None,
    time_limit_s: float | None = None,
    shortest_routes: bool = True,
) -> ThroughputResult:
    """Maximum fuel per day that reaches ``destination`` from every supply point.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Blockages and capacity changes to apply first (a :class:`Scenario` or the path of
        a TOML file); ``None`` is the baseline.
    destination : str
        Node id or name (``"Bamako"``). A destination that is itself a supply point
        receives what reaches it *from elsewhere*: its own supply is not counted (a note
        says so).
    solver : {"highs", "cbc"}, optional
        LP solver; default HiGHS in-process.
    time_limit_s : float, optional
        Solver time limit.
    shortest_routes : bool
        Re-solve once with the delivery fixed at its maximum to route it over the fewest
        m3-km (clean, realistic edge flows). ``False`` keeps the first solution, which is
        faster and has the same ``delivered_m3_day`` and bottlenecks.

    Returns
    -------
    ThroughputResult
        ``delivered_m3_day``, ``edge_flows``, ``bottlenecks`` (the saturated min cut),
        ``corridor_flows``; a non-optimal status carries NaN figures.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> res = sn.max_throughput(net, destination="Bamako")
    >>> res.status.value, res.delivered_m3_day > 1000
    ('optimal', True)
    """
    scenario = Scenario.coerce(scenario)
    applied = scenario.apply(net)
    target = applied.node_id(destination)
    G = applied.graph
    own_supply = float(G.nodes[target].get("supply_m3_day") or 0.0)
    if own_supply:
        G.nodes[target]["supply_m3_day"] = 0.0  # a fresh copy made by apply()
    formulation = build_max_throughput(G, target)
    lp = LinearProgram.from_pulp(formulation.problem)
    session = open_session(lp, solver, time_limit_s=time_limit_s)
    first = session.solve()
    base = _result_fields(scenario, first.status, _label(session), first.solve_time_s, G)
    base["destination"] = target
    if first.status is not Status.OPTIMAL:
        import pandas as pd

        return ThroughputResult(
            lazy=LazyTables(
                edge_flows=pd.DataFrame(columns=EDGE_COLUMNS),
                node_flows=pd.DataFrame(columns=NODE_COLUMNS),
            ),
            **base,
        )
    x = first.x
    delivered = _clean(x[lp.col_index["delivered"]])
    if shortest_routes and delivered > 0:
        # keep the maximum, route it over the fewest m3-km (see fix_delivery_minimise_km)
        km = np.zeros(lp.num_cols)
        for u, v, k in G.edges(keys=True):
            km[lp.col_index[lp_name("flow", k)]] = float(G.edges[u, v, k]["length_km"])
        session.set_costs(km)
        session.set_sense("min")
        session.set_col_bounds("delivered", lower=max(0.0, delivered * (1 - _KEEP_REL_TOL)))
        second = session.solve()
        base["solve_time_s"] += second.solve_time_s
        if second.status is Status.OPTIMAL:
            x = second.x
        else:  # keep the first (equally maximal) flow
            logger.warning(
                "routing pass ended %s; reporting the first maximum flow", second.status.value
            )
    flows = cancel_opposing_flows(G, _values(lp, x, "flow", formulation.flow))
    supply_used = _values(lp, x, "supply", formulation.supply)
    tables = ThroughputTables(
        applied, target, flows, supply_used, formulation.incidence, own_supply
    )
    result = ThroughputResult(
        delivered_m3_day=delivered,
        lazy=LazyTables(tables.builders(), records=tables.records),
        **base,
    )
    logger.info("max_throughput %s -> %s: %.1f m3/day", scenario.name, target, delivered)
    return result


def least_cost_supply(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    *,
    solver: str | None = None,
    penalty_per_m3: float | None = None,
    time_limit_s: float | None = None,
) -> SupplyResult:
    """Meet every node's daily demand at least cost; report shortfall where it cannot.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        Blockages, capacity and demand changes (a :class:`Scenario` or the path of a TOML
        file); ``None`` is the baseline.
    solver : {"highs", "cbc"}, optional
        LP solver.
    penalty_per_m3 : float, optional
        Cost of unmet demand per m3; default the ``unmet_penalty_per_m3`` assumption.

    Returns
    -------
    SupplyResult
        ``delivered`` (by demand node), ``shortfall``, ``cost`` (transport and border
        cost per day, penalty excluded).

    Examples
    --------
    >>> import supplynet as sn
    >>> res = sn.least_cost_supply(sn.load_network())
    >>> res.status.value
    'optimal'
    """
    scenario = Scenario.coerce(scenario)
    applied = scenario.apply(net)
    G = applied.graph
    formulation = build_least_cost_supply(G, penalty_per_m3=penalty_per_m3)
    lp = LinearProgram.from_pulp(formulation.problem)
    session = open_session(lp, solver, time_limit_s=time_limit_s)
    sol = session.solve()
    base = _result_fields(scenario, sol.status, _label(session), sol.solve_time_s, G)
    if sol.status is not Status.OPTIMAL:
        import pandas as pd

        return SupplyResult(
            lazy=LazyTables(
                edge_flows=pd.DataFrame(columns=EDGE_COLUMNS),
                node_flows=pd.DataFrame(columns=NODE_COLUMNS),
                delivered=pd.DataFrame(columns=DELIVERED_COLUMNS).set_index("node_id"),
                shortfall=pd.Series(dtype=float, name="shortfall_m3_day"),
            ),
            **base,
        )
    x = sol.x
    flows = _values(lp, x, "flow", formulation.flow)
    supply_used = _values(lp, x, "supply", formulation.supply)
    unmet = _values(lp, x, "unmet", formulation.unmet)
    penalty_cost = formulation.penalty_per_m3 * sum(unmet.values())
    objective = lp.objective_value(x)
    tables = SupplyTables(G, flows, supply_used, unmet, formulation.incidence)
    return SupplyResult(
        cost=float(objective - penalty_cost),
        penalty_cost=float(penalty_cost),
        shortfall_total_m3_day=float(sum(unmet.values())),
        lazy=LazyTables(tables.builders(), records=tables.records),
        **base,
    )


def _result_fields(
    scenario: Scenario, status: Status, solver: str, solve_time_s: float, G: Any
) -> dict[str, Any]:
    return {
        "status": status,
        "scenario": scenario.name,
        "solver": solver,
        "solve_time_s": solve_time_s,
        "assumptions": dict(G.graph),
    }
