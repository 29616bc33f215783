"""What every section builder reads: the network, the runs, the destination, the options."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from supplynet.network import Network
from supplynet.report.runs import ScenarioRun

__all__ = ["ReportContext"]


@dataclass
class ReportContext:
    """The inputs of a report, shared by its sections.

    Attributes
    ----------
    net : Network
        The network every run was solved on.
    runs : list of ScenarioRun
        The reference run first.
    destination : str
        Node id of the destination.
    title : str
        The report's title.
    created : datetime
        When the report was built (UTC).
    days : int or None
        The multi-day horizon asked for.
    backtest : object or None
        Back-tests given (:class:`~supplynet.BacktestResult` s or tables, see
        :mod:`supplynet.report.backtests`).
    backtest_requested : bool
        The back-test of the dated scenarios was asked for (``backtest=True``).
    command : str
        How the report was asked for (the command line, or the API call).
    tiles : str or None
        URL template of a tile base map under the maps (``None``: fully offline).
    """

    net: Network
    runs: list[ScenarioRun]
    destination: str
    title: str
    created: dt.datetime
    days: int | None = None
    backtest: Any = None
    backtest_requested: bool = False
    command: str = ""
    tiles: str | None = None

    @property
    def destination_name(self) -> str:
        return str(self.net.graph.nodes[self.destination].get("name", self.destination))

    @property
    def reference(self) -> ScenarioRun:
        return self.runs[0]

    @property
    def solved(self) -> list[ScenarioRun]:
        """The runs that did not fail."""
        return [r for r in self.runs if not r.failed]

    def flow_scale_m3_day(self) -> float:
        """The largest road flow of any run (the widest line on every map)."""
        top = 0.0
        for run in self.solved:
            if run.flow_ok:
                assert run.flow is not None
                flows = run.flow.edge_flows
                by_road = flows.groupby("road_id")["flow_m3_day"].sum()
                top = max(top, float(by_road.max()) if len(by_road) else 0.0)
        return top if top > 0 and math.isfinite(top) else 1.0
