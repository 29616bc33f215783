"""The multi-day measure: days of cover and shortfall at the destination over the horizon.

:class:`DaysOfCoverEvaluator` holds the multi-day LP of a scenario
(:func:`~supplynet.analysis.simulate.build_timeline_lp`) on a
:func:`~supplynet.analysis.timeline_solve.timeline_engine`, with every element mapped by
day (:func:`~supplynet.analysis.timeline_elements.map_timeline_elements`), and answers
"and with this road cut on days 5 to 20?" by a warm re-solve, never a rebuild. Its
figures, read straight from the solution as :class:`~supplynet.timeline.SupplyTimeline`
reads them for the destination's ``("all", "all")`` row of ``nodes``:

========================  ==================================================================
``days_of_cover``         days every class and product was served in full before the first
                          shortage (the horizon if none)
``first_stockout_day``    the first day some demand went unmet (NaN if none)
``shortfall_m3``          demand unmet at the destination over the horizon
``served_m3``             fuel issued to the destination's demand over the horizon
``arrivals_m3``           fuel arriving at the destination over the horizon
``national_shortfall_m3`` demand unmet at every node over the horizon
========================  ==================================================================

Every question is solved from the baseline's optimal basis (``history_free``), so the
answers do not depend on which questions a worker solved before: the same Monte Carlo
seed gives the same numbers on any number of workers.

Examples
--------
>>> import supplynet as sn
>>> from supplynet.analysis.evaluator import Change, TimelineSetup
>>> net = sn.load_network()
>>> setup = TimelineSetup(net, sn.Scenario(name="base"), days=10, single_product=True)
>>> ev = DaysOfCoverEvaluator.from_network(net, "bamako", timeline=setup)
>>> base = ev.baseline()
>>> cut = ev.evaluate([Change("abidjan", periods=tuple(range(1, 11)))])
>>> cut["shortfall_m3"] >= base["shortfall_m3"]
True
"""

from __future__ import annotations

import logging
import math

import numpy as np

from supplynet.analysis.evaluator import Evaluator, TimelineSetup, element_catalogue
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.analysis.timeline_elements import map_timeline_elements
from supplynet.analysis.timeline_inputs import TimelineInputs
from supplynet.analysis.timeline_solve import timeline_engine
from supplynet.analysis.timeline_tables import first_shortage
from supplynet.engine import Engine
from supplynet.errors import DataError
from supplynet.formulations.elements import Element
from supplynet.formulations.multiperiod import MultiPeriodLayout, arrival_days
from supplynet.network import Network

__all__ = ["DaysOfCoverEvaluator"]

logger = logging.getLogger(__name__)


class DaysOfCoverEvaluator(Evaluator):
    """Days of cover, first stockout and shortfall at the destination (multi-day LP)."""

    name = "days_of_cover"
    figures = (
        "days_of_cover",
        "first_stockout_day",
        "shortfall_m3",
        "served_m3",
        "arrivals_m3",
        "national_shortfall_m3",
    )
    history_free = True
    chunk_size = 8
    multi_day = True

    def __init__(
        self,
        net: Network,
        target: str,
        engine: Engine,
        elements: dict[str, Element],
        inputs: TimelineInputs,
    ) -> None:
        super().__init__(net, target, engine, elements)
        layout = engine.lp.meta["layout"]
        assert isinstance(layout, MultiPeriodLayout)
        self.layout = layout
        self.inputs = inputs
        d = layout.data
        self.days = d.days
        node = d.node_ids.index(target)
        self._rows = np.flatnonzero(d.demand_node == node)
        if not len(self._rows):
            raise DataError(
                f"destination {target!r} has no demand in the multi-day model: its days "
                "of cover are undefined (choose a node with demand)"
            )
        self._into = np.flatnonzero(d.arc_head == node)
        d1, s1, d2, s2 = arrival_days(d.arc_lead_days, d.arc_survival)
        inside = (s1 * (d1 < d.days) + s2 * (d2 < d.days))[:, self._into]
        self._arriving_share = inside  # (N, arcs into the destination)

    @classmethod
    def from_network(
        cls,
        applied: Network,
        target: str,
        elements: dict[str, Element] | None = None,
        *,
        threads: int | None = None,
        timeline: TimelineSetup | None = None,
    ) -> DaysOfCoverEvaluator:
        """Build the multi-day LP of ``timeline`` and its engine once.

        ``applied`` is the network with the scenario applied (element ids are checked
        against it); the LP is built from ``timeline.net`` and ``timeline.scenario``.

        Raises
        ------
        DataError
            Without a ``timeline`` (the measure needs a horizon), or for a destination
            without demand.
        """
        if timeline is None:
            raise DataError(
                "the days_of_cover measure needs a horizon: give days = N (the multi-day model)"
            )
        lp, inputs = build_timeline_lp(
            timeline.net,
            timeline.scenario,
            timeline.days,
            single_product=timeline.single_product,
            tables=timeline.tables,
            lead_times=timeline.lead_times,
        )
        catalogue = element_catalogue(applied, target, elements)
        emap = map_timeline_elements(inputs, lp, catalogue)
        # held routes speed up the baseline solve; the cuts then re-solve the whole LP warm
        engine = timeline_engine(lp, emap, threads=threads, hold_after_first=False)
        return cls(inputs.network, target, engine, catalogue, inputs)

    def read(self, x: np.ndarray | None, objective: float) -> dict[str, float]:  # noqa: ARG002
        assert x is not None
        d = self.layout.data
        unmet = np.clip(self.layout.unmet_m3(x), 0.0, d.demand_m3)
        mine = unmet[:, self._rows].sum(axis=1)
        demand = d.demand_m3[:, self._rows].sum(axis=1)
        first = float(first_shortage(mine[:, None], demand[:, None])[0])
        dispatch = np.clip(self.layout.block(x, "dispatch"), 0.0, None)
        arrivals = float((dispatch[:, self._into, :].sum(axis=2) * self._arriving_share).sum())
        short = float(mine.sum())
        return {
            "days_of_cover": float(d.days if math.isnan(first) else first - 1),
            "first_stockout_day": first,
            "shortfall_m3": short,
            "served_m3": float(demand.sum()) - short,
            "arrivals_m3": arrivals,
            "national_shortfall_m3": float(unmet.sum()),
        }
