"""``simulate_supply``: the blockade over time, day by day.

Prepare the model's arrays from the network and the scenario
(:mod:`~supplynet.analysis.timeline_inputs`), build the LP vectorised
(:mod:`~supplynet.formulations.multiperiod`), solve it in-process with HiGHS or through
PuLP with CBC (:func:`supplynet.solvers.solve_arrays`), and read the solution into a
:class:`~supplynet.timeline.SupplyTimeline` whose tables are built when asked for.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from supplynet.analysis.timeline_inputs import TimelineInputs, prepare_timeline
from supplynet.analysis.timeline_solve import solve_timeline_lp, uses_parallel, uses_passes
from supplynet.analysis.timeline_tables import SolutionTables
from supplynet.demand import DemandTables, network_demand_tables
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.multiperiod import MultiPeriodLayout, build_multiperiod
from supplynet.network import Network
from supplynet.scenario import Scenario
from supplynet.solvers import Status
from supplynet.timeline import SupplyTimeline

__all__ = ["DEFAULT_DAYS", "STAGES", "build_timeline_lp", "simulate_supply"]

logger = logging.getLogger(__name__)

#: the horizon when neither the call nor the scenario gives one
DEFAULT_DAYS = 30
#: the stages :func:`simulate_supply` reports to its ``progress`` callback, in order
STAGES = ("preparing", "building", "solving", "reading")


def build_timeline_lp(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    days: int | None = None,
    *,
    single_product: bool | None = None,
    tables: DemandTables | None = None,
    lead_times: str = "rounded",
) -> tuple[LinearProgram, TimelineInputs]:
    """The multi-day LP of a scenario, unsolved, and the inputs it was built from.

    For re-solving one model many times, or handing it to another solver
    (``lp.to_pulp()`` gives the PuLP problem, with the same column and row names).

    Examples
    --------
    >>> import supplynet as sn
    >>> lp, inputs = build_timeline_lp(sn.load_network(), None, 7)
    >>> "dispatch_kati_bamako_diesel_d1" in lp.col_index, inputs.data.products
    (True, ('gasoline', 'diesel', 'hfo', 'jet'))
    """
    inputs = _prepare(net, scenario, days, single_product, tables, lead_times)
    return build_multiperiod(inputs.data), inputs


def _prepare(
    net: Network,
    scenario: Scenario | str | Path | None,
    days: int | None,
    single_product: bool | None,
    tables: DemandTables | None,
    lead_times: str,
) -> TimelineInputs:
    """The model's inputs over ``days`` (default the scenario's ``days``, else 30)."""
    sc = Scenario.coerce(scenario)
    return prepare_timeline(
        net,
        sc,
        days if days is not None else sc.days or DEFAULT_DAYS,
        tables or network_demand_tables(net),
        single_product=single_product,
        lead_times=lead_times,
    )


def simulate_supply(
    net: Network,
    scenario: Scenario | str | Path | None = None,
    days: int | None = None,
    *,
    single_product: bool | None = None,
    tables: DemandTables | None = None,
    lead_times: str = "rounded",
    solver: str | None = None,
    time_limit_s: float | None = None,
    parallel: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> SupplyTimeline:
    """Simulate fuel supply day by day: dispatch, arrivals, stocks, who is served.

    Parameters
    ----------
    net : Network
        The network (not modified).
    scenario : Scenario or path, optional
        What happens and when (a :class:`Scenario` or a TOML path; ``None`` is the
        baseline): untimed keys hold every day, ``events`` on their days, plus convoys,
        escorts, rationing, ``allocation`` and ``start_date``.
    days : int, optional
        The horizon ``N`` (days 1..N); default the scenario's ``days``, else 30.
    single_product : bool, optional
        ``True``: one product and one demand class, each node's ``demand_m3_day`` (the
        steady-state demand). ``False``: the demand tables by class and product. Default:
        the tables when they cover the network (the embedded one), else one product.
    tables : DemandTables, optional
        Demand, depots, supply mix and lead-time inputs (default: those of the folder the
        network was read from when it holds them, else the embedded tables;
        :func:`supplynet.demand.network_demand_tables`).
    lead_times : {"rounded", "split"}
        How lead times in days become whole days: ``"rounded"`` (whole days per arc,
        chosen so that routes from the supply points keep their time to within half a
        day; :func:`~supplynet.analysis.timeline_inputs.round_lead_days`) or ``"split"``
        (each arc sends a share of its fuel ``floor(L)`` days later and the rest a day
        after, keeping every mean exact but spreading arrivals).
    solver : {"highs", "cbc"}, optional
        HiGHS in-process (default) or CBC through PuLP.
    time_limit_s : float, optional
        Solver time limit; a run that hits it has status ``not_solved``.
    parallel : bool, optional
        HiGHS's parallel dual simplex, which reaches the same solution by the same pivots
        and shares each pivot's work among the cores
        (:mod:`~supplynet.analysis.timeline_solve`, step 5). Default: on for a large model
        (about 86 days and more with all products) on two cores or more
        (:func:`~supplynet.analysis.timeline_solve.uses_parallel`). Pass ``False`` when
        several runs solve side by side in threads, so each keeps to one core.
    progress : callable, optional
        Called with each stage's name (:data:`STAGES`) as it starts.

    Returns
    -------
    SupplyTimeline
        ``daily``, ``nodes``, ``corridors`` and ``balance`` tables; a status that is not
        optimal carries empty tables.

    Raises
    ------
    ScenarioError
        A name, class, product or day the scenario gets wrong (one line, naming the key).

    Examples
    --------
    >>> import supplynet as sn
    >>> tl = sn.simulate_supply(sn.load_network(), "examples/scenarios/baseline.toml", 10)
    >>> tl.status.value, tl.days, tl.products
    ('optimal', 10, ('gasoline', 'diesel', 'hfo', 'jet'))
    >>> abs(float(tl.balance.loc["all", "residual_m3"])) < 1e-3
    True
    """
    scenario = Scenario.coerce(scenario)
    timings: dict[str, float] = {}

    def stage(name: str) -> float:
        if progress is not None:
            progress(name)
        return time.perf_counter()

    start = stage("preparing")
    inputs = _prepare(net, scenario, days, single_product, tables, lead_times)
    horizon = inputs.data.days
    built = stage("building")
    lp = build_multiperiod(inputs.data)
    solving = stage("solving")
    solution = solve_timeline_lp(
        lp,
        solver,
        time_limit_s=time_limit_s,
        two_pass=uses_passes(scenario, horizon),
        parallel=uses_parallel(lp) if parallel is None else parallel,
    )
    reading = stage("reading")
    layout = lp.meta["layout"]
    assert isinstance(layout, MultiPeriodLayout)
    ok = solution.status is Status.OPTIMAL
    tables_ = SolutionTables(inputs, layout, solution.x if ok else None)
    done = time.perf_counter()
    timings = {
        "prepare_s": built - start,
        "build_s": solving - built,
        "solve_s": reading - solving,
        "read_s": done - reading,
    }
    d = inputs.data
    logger.info(
        "simulate_supply %s over %d days: %s (%d columns, %d rows) in %.2f s",
        scenario.name,
        horizon,
        solution.status.value,
        lp.num_cols,
        lp.num_rows,
        done - start,
    )
    return SupplyTimeline(
        status=solution.status,
        scenario=scenario.name,
        days=horizon,
        start_date=inputs.start_date,
        products=d.products,
        classes=d.classes,
        allocation=d.allocation,
        solver=solution.solver,
        objective=solution.objective,
        timings=timings,
        size={"columns": lp.num_cols, "rows": lp.num_rows, "nonzeros": int(lp.A.nnz)},
        notes=inputs.notes,
        source=tables_,
    )
