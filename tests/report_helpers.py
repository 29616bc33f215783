"""Helpers for the report tests: reading a report page, and test doubles of the results
the report reads (the multi-day timeline, a back-test table).

The doubles are hand-made tables of the documented shape (``supplynet.report.timelines``)
with figures a reader can check, used only to test that the report reads and shows such
tables faithfully; they are not model results and are never shipped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplynet.solvers import Status


class ReportPage(HTMLParser):
    """The parts of a report page the tests read: cells with ``data-key``, the embedded
    JSON, every ``src``/``href`` attribute, section ids, figure ids, warnings."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[dict[str, str]] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.sections: list[str] = []
        self.figures: dict[str, str] = {}  # key -> region
        self.warnings: list[str] = []
        self.meta: list[dict[str, str]] = []
        self._table = ""
        self._row = ""
        self._cell: dict[str, str] | None = None
        self._in_warning = False
        self._json: list[str] | None = None
        self.json_text = ""
        self._warning_text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for name, value in a.items():
            if name in ("src", "href", "xlink:href", "srcset", "poster", "data"):
                self.links.append((tag, name, value))
        if tag == "meta":
            self.meta.append(a)
        if tag == "section" and "id" in a:
            self.sections.append(a["id"])
        if "data-figure" in a:
            self.figures[a["data-figure"]] = a.get("data-region", "")
        if tag == "table":
            self._table = a.get("data-table", "")
        if tag == "tr":
            self._row = a.get("data-row", "")
        if tag == "td" and "data-key" in a:
            self._cell = {
                "table": self._table,
                "row": self._row,
                "key": a["data-key"],
                "value": a.get("data-value", ""),
                "text": "",
            }
        if tag == "p" and "warning" in a.get("class", ""):
            self._in_warning = True
            self._warning_text = []
        if tag == "script" and a.get("id") == "supplynet-data":
            self._json = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None
        if tag == "p" and self._in_warning:
            self.warnings.append("".join(self._warning_text))
            self._in_warning = False
        if tag == "script" and self._json is not None:
            self.json_text = "".join(self._json)
            self._json = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_warning:
            self._warning_text.append(data)
        if self._json is not None:
            self._json.append(data)

    @property
    def data(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.json_text)
        return doc

    def cell(self, table: str, row: str, key: str) -> dict[str, str]:
        found = [c for c in self.cells if (c["table"], c["row"], c["key"]) == (table, row, key)]
        assert len(found) == 1, (table, row, key, len(found))
        return found[0]


def read_page(path: Path) -> ReportPage:
    return ReportPage(Path(path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- test doubles
@dataclass(eq=False)
class TimelineDouble:
    """A TEST DOUBLE with the documented shape of ``SupplyTimeline``: hand-made
    tables for two depots-and-demand nodes, two products, two demand classes and two
    corridors, with arithmetic a reader can check. Not a model result."""

    scenario: str
    days: int = 10
    start_date: dt.date | None = None
    solver: str = "HiGHS"
    status: Status = Status.OPTIMAL
    nodes_ids: tuple[str, ...] = ("bamako", "segou")
    products: tuple[str, ...] = ("diesel", "gasoline")
    classes: tuple[str, ...] = ("essential", "general")
    stock_start_m3: float = 900.0
    stock_drop_m3_day: float = 120.0
    balance: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        return self.status is Status.OPTIMAL

    def _stock(self, day: int, product_index: int) -> float:
        start = self.stock_start_m3 * (1 + product_index)
        return max(0.0, start - self.stock_drop_m3_day * (day - 1))

    @property
    def daily(self) -> pd.DataFrame:
        rows = []
        for day in range(1, self.days + 1):
            for n_i, node in enumerate(self.nodes_ids):
                for p_i, product in enumerate(self.products):
                    issued = {c: 10.0 * (n_i + 1) + p_i + c_i for c_i, c in enumerate(self.classes)}
                    unmet = {
                        c: (0.0 if day < 6 else 5.0 * (c_i + 1) * (p_i + 1)) * (n_i == 0)
                        for c_i, c in enumerate(self.classes)
                    }
                    for c in self.classes:
                        rows.append(
                            {
                                "day": day,
                                "node_id": node,
                                "demand_class": c,
                                "product": product,
                                "issued_m3": issued[c],
                                "unmet_m3": unmet[c],
                            }
                        )
                    rows.append(
                        {
                            "day": day,
                            "node_id": node,
                            "demand_class": "all",
                            "product": product,
                            "issued_m3": sum(issued.values()),
                            "unmet_m3": sum(unmet.values()),
                            "arrivals_m3": 30.0 * (p_i + 1),
                            "stock_m3": self._stock(day, p_i) / (n_i + 1),
                        }
                    )
        frame = pd.DataFrame(rows)
        if self.start_date is not None:
            frame["date"] = [self.start_date + dt.timedelta(days=d - 1) for d in frame["day"]]
        return frame.set_index(["day", "node_id", "demand_class", "product"])

    @property
    def nodes(self) -> pd.DataFrame:
        daily = self.daily.xs("all", level="demand_class")
        rows = []
        for node in self.nodes_ids:
            unmet = daily.xs(node, level="node_id")["unmet_m3"].groupby(level="day").sum()
            short = unmet[unmet > 0]
            first = float(short.index.min()) if len(short) else np.nan
            rows.append(
                {
                    "node_id": node,
                    "demand_class": "all",
                    "product": "all",
                    "shortfall_m3": float(unmet.sum()),
                    "first_stockout_day": first,
                    "days_of_cover": (first - 1) if len(short) else float(self.days),
                }
            )
        return pd.DataFrame(rows).set_index(["node_id", "demand_class", "product"])

    @property
    def corridors(self) -> pd.DataFrame:
        rows = [
            {
                "corridor": corridor,
                "day": day,
                "dispatch_m3": 100.0 + 10 * c_i,
                "arrivals_m3": (90.0 + 10 * c_i) if day > 2 else 0.0,
                "lost_m3": 10.0 if c_i == 0 else 0.0,
            }
            for c_i, corridor in enumerate(("abidjan-sikasso", "dakar-kayes"))
            for day in range(1, self.days + 1)
        ]
        return pd.DataFrame(rows).set_index(["corridor", "day"])


@dataclass(eq=False)
class BacktestDouble:
    """A TEST DOUBLE of a back-test given as a table: simulated against reported arrivals
    per week, with hand-made figures. Not a model result."""

    scenario: str = "blockade_2025"

    @property
    def table(self) -> pd.DataFrame:
        periods = pd.date_range("2025-10-06", periods=5, freq="W-MON", name="period")
        return pd.DataFrame(
            {
                "place": "Bamako",
                "simulated_m3": [6000.0, 7000.0, 9000.0, 8000.0, 12000.0],
                "reported_low_m3": [5400.0, 7200.0, 8100.0, 6300.0, 9000.0],
                "reported_high_m3": [9000.0, 10800.0, 11700.0, 9900.0, 11250.0],
            },
            index=periods,
        )

    def summary(self) -> dict[str, Any]:
        return {"periods": 5, "basis": "test double"}
