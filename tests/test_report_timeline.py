"""The multi-day and back-test sections, read from test doubles of the documented shape
(``supplynet.report.timelines``): hand-made tables whose arithmetic a reader can check,
so these tests check that the report shows such results faithfully (the report of real
back-tests is tested in ``test_report_backtest.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import supplynet as sn
from supplynet.report import timelines
from tests.report_helpers import BacktestDouble, TimelineDouble, read_page

BLOCKADE = "examples/scenarios/blockade_2025.toml"


def test_reading_the_timeline_tables() -> None:
    tl = TimelineDouble("x", days=8)
    stock = timelines.depot_stock(tl, ["bamako"])
    assert list(stock.columns) == ["diesel", "gasoline"]
    assert stock.loc[1, "diesel"] == 900.0 and stock.loc[3, "gasoline"] == 1800.0 - 240.0
    assert timelines.depot_stock(tl, ["kayes"]) is None  # no such depot in the table
    arrivals = timelines.corridor_series(tl)
    assert arrivals.loc[3, "abidjan-sikasso"] == 90.0 and arrivals.loc[1].sum() == 0.0
    short = timelines.class_shortfall(tl)
    classes = tl.daily.drop(index="all", level="demand_class")
    expected = classes.groupby(level="demand_class")["unmet_m3"].sum()
    assert short.sum().to_dict() == pytest.approx(expected.to_dict())
    cover = timelines.node_cover(tl, "bamako")
    assert cover == {
        "days_of_cover": 5.0,
        "first_stockout_day": 6.0,
        "shortfall_m3": float(expected.sum()),
    }
    assert timelines.total_shortfall(tl) == pytest.approx(float(expected.sum()))
    assert (
        timelines.node_cover(tl, "kayes")["days_of_cover"]
        != timelines.node_cover(tl, "kayes")["days_of_cover"]
    )  # NaN: not in the table


def test_timeline_without_total_rows_adds_up_classes() -> None:
    """A table without ``demand_class = "all"`` rows: classes are summed, the stock read
    once per day, node and product."""
    tl = TimelineDouble("x", days=4)
    daily = tl.daily.drop(index="all", level="demand_class").copy()
    daily["stock_m3"] = 500.0

    class NoTotals:
        scenario = "x"
        corridors = tl.corridors
        nodes = tl.nodes

    NoTotals.daily = daily  # type: ignore[attr-defined]
    stock = timelines.depot_stock(NoTotals, ["bamako"])
    assert (stock == 500.0).all().all()
    assert timelines.class_shortfall(NoTotals).sum().sum() == pytest.approx(daily["unmet_m3"].sum())


def test_bad_timeline_shape_names_the_table() -> None:
    class Bad:
        scenario = "x"
        daily = pd.DataFrame({"stock_m3": [1.0]}, index=pd.Index([1], name="day"))
        nodes = pd.DataFrame()
        corridors = pd.DataFrame()

    with pytest.raises(sn.DataError, match="timeline table 'daily': index level 'node_id'"):
        timelines.depot_stock(Bad, ["bamako"])
    with pytest.raises(sn.DataError, match="simulated_m3"):
        timelines.backtest_table(pd.DataFrame({"period": [1]}))


@pytest.fixture(scope="module")
def with_timelines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("timeline")
    doubles = {
        "baseline": TimelineDouble("baseline", days=10, stock_drop_m3_day=40.0),
        "blockade_2025": TimelineDouble("blockade_2025", days=10, start_date=dt.date(2025, 9, 3)),
    }
    report = sn.build_report(
        [BLOCKADE, *doubles.values()],
        out / "r.html",
        backtest=BacktestDouble(),
        assets=out / "assets",
        markdown=out / "r.md",
    )
    return {"report": report, "page": read_page(report.path), "doubles": doubles, "out": out}


def test_timeline_sections_show_the_timeline(with_timelines: dict[str, Any]) -> None:
    report, page, doubles = (with_timelines[k] for k in ("report", "page", "doubles"))
    assert report.sections == ["summary", "map", "flows", "timeline", "backtest", "assumptions"]
    for key in (
        "chart_depot_stock",
        "chart_corridor_arrivals",
        "chart_class_shortfall",
        "chart_backtest_1",
    ):
        assert key in page.figures
    data = page.data["sections"]["timeline"]
    for name, tl in doubles.items():
        stock = timelines.depot_stock(tl, ["bamako"])
        assert data["depot_stock"][name]["diesel"] == {
            str(k): v for k, v in stock["diesel"].items()
        }
        arrivals = tl.corridors["arrivals_m3"].groupby(level="corridor").sum()
        for corridor, total in arrivals.items():
            cell = [
                c
                for c in page.cells
                if c["table"] == "corridor_totals"
                and c["row"] == name
                and c["key"] == "arrivals_m3"
                and float(c["value"]) == total
            ]
            assert cell, (name, corridor)
        classes = tl.daily.drop(index="all", level="demand_class")
        expected = classes.groupby(level="demand_class")["unmet_m3"].sum()
        assert data["class_shortfall"][name] == pytest.approx(expected.to_dict())


def test_summary_has_days_of_cover_and_first_stockout(with_timelines: dict[str, Any]) -> None:
    page, doubles = with_timelines["page"], with_timelines["doubles"]
    rows = {r["scenario"]: r for r in page.data["sections"]["summary"]["scenarios"]}
    for name, tl in doubles.items():
        cover = timelines.node_cover(tl, "bamako")
        assert rows[name]["days_of_cover"] == cover["days_of_cover"]
        assert rows[name]["first_stockout_day"] == cover["first_stockout_day"]
        assert rows[name]["horizon_shortfall_m3"] == pytest.approx(timelines.total_shortfall(tl))
        cell = page.cell("summary", name, "first_stockout_day")
        assert cell["text"] == "6"
    md = (with_timelines["out"] / "r.md").read_text(encoding="utf-8")
    assert "## Day by day" in md and "## Back-test against reported arrivals" in md


def test_backtest_section(with_timelines: dict[str, Any]) -> None:
    page = with_timelines["page"]
    table = BacktestDouble().table
    data = page.data["sections"]["backtest"]["blockade_2025"]
    inside = (table["simulated_m3"] >= table["reported_low_m3"]) & (
        table["simulated_m3"] <= table["reported_high_m3"]
    )
    assert data["periods"] == 5 and data["within_range"] == int(inside.sum()) == 3
    assert data["simulated_m3"] == table["simulated_m3"].sum()
    for period, row in table.iterrows():
        cell = page.cell("backtest_1", str(period), "simulated_m3")
        assert float(cell["value"]) == row["simulated_m3"]


def test_days_runs_simulate_supply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``days`` runs the multi-day model once per scenario; a scenario whose run fails is
    a warning, its steady-state figures stand."""
    calls: list[tuple[str, int]] = []

    def simulate_supply(
        net: sn.Network, scenario: sn.Scenario, *, days: int, parallel: bool | None = None
    ) -> TimelineDouble:
        calls.append((scenario.name, days))
        if scenario.name == "sanctions_2022":
            raise sn.ScenarioError("multi-day input missing for this test")
        return TimelineDouble(scenario.name, days=days)

    monkeypatch.setattr(sn.report.build, "simulate_supply", simulate_supply)
    report = sn.build_report(
        [BLOCKADE, "examples/scenarios/sanctions_2022.toml"], tmp_path / "r.html", days=12
    )
    assert calls == [("baseline", 12), ("blockade_2025", 12), ("sanctions_2022", 12)]
    assert "timeline" in report.sections and report.failed == {}
    page = read_page(report.path)
    assert any("multi-day run of 'sanctions_2022' failed" in w for w in page.warnings)
    assert set(page.data["sections"]["timeline"]["depot_stock"]) == {"baseline", "blockade_2025"}


def test_multi_day_runs_side_by_side_match_one_after_another(monkeypatch) -> None:
    from supplynet.analysis.simulate import simulate_supply
    from supplynet.report import runs as runs_module

    net = sn.load_network()
    items = ["examples/scenarios/blockade_2025.toml", "examples/scenarios/kayes_region_closed.toml"]
    seen: list[str] = []

    def progress(done: int, total: int, label: str) -> None:
        seen.append(label)

    parallel: list[object] = []

    def recording(*args, **kwargs):
        parallel.append(kwargs.get("parallel"))
        return simulate_supply(*args, **kwargs)

    monkeypatch.setattr(runs_module.os, "cpu_count", lambda: 2)
    threaded = runs_module.collect_runs(items, net, simulate=recording, days=4)
    assert parallel == [False, False, False]  # side by side: one core each
    monkeypatch.setattr(runs_module, "SIMULATE_THREADS", 1)
    serial = runs_module.collect_runs(
        items, net, simulate=simulate_supply, days=4, progress=progress
    )
    assert [r.name for r in threaded] == [r.name for r in serial]
    for a, b in zip(threaded, serial, strict=True):
        assert a.timeline.ok and b.timeline.ok
        assert a.timeline.objective == pytest.approx(b.timeline.objective, rel=1e-9)
    assert sum("4-day run of" in s for s in seen) == 3  # the reference run and the two


def test_steady_work_runs_while_the_multi_day_runs_solve(monkeypatch) -> None:
    """Criticality and the caller's ``meanwhile`` run in the calling thread while the
    multi-day runs are still solving: a run that waits for ``meanwhile`` finishes."""
    import threading

    from supplynet.report import runs as runs_module

    net = sn.load_network()
    started, went_on = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def slow_simulate(net, scenario, *, days, parallel=None):
        started.set()
        # returns at once when meanwhile ran first; after 20 s (a failure) otherwise
        seen.setdefault("went_on_first", went_on.wait(20))
        return TimelineDouble(scenario.name, days=days)

    def meanwhile(runs) -> None:
        seen["solving"] = started.wait(20)
        seen["criticality"] = all(r.criticality is not None for r in runs)
        seen["timelines"] = [r.timeline for r in runs]
        went_on.set()

    monkeypatch.setattr(runs_module.os, "cpu_count", lambda: 2)
    runs = runs_module.collect_runs(
        [BLOCKADE],
        net,
        simulate=slow_simulate,
        days=3,
        with_criticality=True,
        meanwhile=meanwhile,
    )
    assert seen["solving"] and seen["went_on_first"] and seen["criticality"]
    assert all(t is None for t in seen["timelines"])  # none was ready when it ran
    assert all(r.timeline is not None and r.worst_cuts for r in runs)


def test_meanwhile_runs_once_without_multi_day_runs() -> None:
    from supplynet.report import runs as runs_module

    calls: list[list[str]] = []
    runs = runs_module.collect_runs(
        [BLOCKADE], sn.load_network(), meanwhile=lambda rs: calls.append([r.name for r in rs])
    )
    assert calls == [[r.name for r in runs]] == [["baseline", "blockade_2025"]]


def test_early_drawn_figure_is_redrawn_when_its_key_changes() -> None:
    """A figure drawn while the runs solved is drawn again if :func:`_unique_keys`
    renamed it afterwards (its key salts the SVG's ids)."""
    from supplynet.report import build as build_module
    from supplynet.report.blocks import Figure
    from supplynet.report.figures import new_figure, render_svg

    fig = new_figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    block = Figure(key="map_x", title="t", figure=fig, alt="a line")
    drawn = {id(fig): ("map_x", "<svg>drawn early</svg>")}
    assert build_module._drawn_svg(block, drawn) == "<svg>drawn early</svg>"
    renamed = Figure(key="map_x_2", title="t", figure=fig, alt="a line")
    assert build_module._drawn_svg(renamed, drawn) == render_svg(fig, "map_x_2")


def test_multi_day_tables_are_built_beside_the_other_runs(monkeypatch) -> None:
    """Each multi-day result's tables are built in its worker, as soon as it is solved."""
    import threading

    from supplynet.report import runs as runs_module
    from supplynet.timeline import SupplyTimeline

    built_in: list[tuple[str, str]] = []
    table = SupplyTimeline._table

    def watched(self, name: str):
        built_in.append((name, threading.current_thread().name))
        return table(self, name)

    monkeypatch.setattr(SupplyTimeline, "_table", watched)
    monkeypatch.setattr(runs_module.os, "cpu_count", lambda: 2)
    runs = runs_module.collect_runs(
        [BLOCKADE], sn.load_network(), simulate=sn.simulate_supply, days=3
    )
    for run in runs:
        assert all(t in vars(run.timeline) for t in runs_module.TIMELINE_TABLES)
    assert {name for name, _ in built_in} == set(runs_module.TIMELINE_TABLES)
    assert len(built_in) == 2 * len(runs_module.TIMELINE_TABLES)  # each once per run
    assert all(thread.startswith("supplynet-simulate") for _, thread in built_in)


def test_stacked_areas_leave_out_series_that_are_zero_on_every_day() -> None:
    from supplynet.report.figures import chart_series_by_scenario, render_svg

    days = pd.RangeIndex(1, 6, name="day")
    flowing = pd.DataFrame({"dakar": [1.0, 2, 0, 0, 1], "abidjan": 0.0, "lome": [0, 0, 0, 3.0, 0]})
    nothing = pd.DataFrame({"dakar": 0.0, "abidjan": np.nan}, index=days)
    fig = chart_series_by_scenario(
        {"a": flowing.set_index(days), "b": nothing}, ylabel="m3/day", kind="area"
    )
    top, bottom = fig.axes[:2]
    assert len(top.collections) == 2  # dakar and lome; abidjan is zero throughout
    assert not bottom.collections and [t.get_text() for t in bottom.texts] == ["none"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["dakar", "lome"]
    assert "none" in render_svg(fig, "k")
    # lines keep every series: a stock at zero all along is a figure worth showing
    lines = chart_series_by_scenario({"a": flowing.set_index(days)}, ylabel="m3")
    assert len(lines.axes[0].lines) == 3
