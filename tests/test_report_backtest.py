"""The back-test in the report: its numbers are the BacktestResult's, the dated scenarios
are back-tested on their own multi-day run, the others get a note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import supplynet as sn
from supplynet.report.backtests import period_rows
from tests.cli_helpers import run_cli
from tests.report_helpers import read_page

CRISIS = "examples/scenarios/crisis_2025.toml"
BLOCKADE = "examples/scenarios/blockade_2025.toml"
#: a short horizon with reports on both sides of the cutoff (the 7 Oct arrivals after it)
DAYS, START, END, CUTOFF = 45, "2025-09-01", "2025-10-15", "2025-10-05"


@pytest.fixture(scope="module")
def given(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A back-test computed apart and handed to the report."""
    net = sn.load_network()
    obs = sn.load_observed().within(START, END)
    bt = sn.backtest(net, CRISIS, obs, days=DAYS, cutoff=CUTOFF)
    out = tmp_path_factory.mktemp("backtest")
    report = sn.build_report(
        [BLOCKADE], out / "r.html", network=net, backtest=bt, assets=out / "assets"
    )
    return {"bt": bt, "report": report, "page": read_page(report.path), "out": out}


def test_backtest_tables_equal_the_result(given: dict[str, Any]) -> None:
    bt, page = given["bt"], given["page"]
    assert "backtest" in given["report"].sections
    data = page.data["sections"]["backtest"]["crisis_2025"]
    assert data["cutoff"] == CUTOFF and data["summary"] == sn.report.blocks.plain(bt.summary())
    for freq, table in (("week", bt.weekly), ("month", bt.monthly)):
        records = data[freq]
        assert [r["period"] for r in records] == [p.date().isoformat() for p in table.index]
        # calibration and held-out parts are marked as the result has them, both present
        assert [r["part"] for r in records] == list(table["part"])
        assert set(table["part"]) == {"calibration", "held-out"}
        for record, (period, row) in zip(records, table.iterrows(), strict=True):
            for column in ("simulated_m3", "reported_low_m3", "reported_high_m3", "error_share"):
                expected = row[column]
                if pd.isna(expected):
                    assert record[column] is None
                else:
                    assert record[column] == pytest.approx(expected, abs=1e-9)
                cell = page.cell(f"backtest_crisis_2025_{freq}", period.date().isoformat(), column)
                assert (cell["value"] == "") == pd.isna(expected)
                if not pd.isna(expected):
                    assert float(cell["value"]) == pytest.approx(expected, abs=1e-9)
    errors = bt.errors
    for (freq, part), row in errors.iterrows():
        cell = page.cell("backtest_crisis_2025_errors", f"{freq}/{part}", "within_range")
        assert int(cell["value"]) == int(row["within_range"])
        cell = page.cell("backtest_crisis_2025_errors", f"{freq}/{part}", "simulated_m3")
        assert float(cell["value"]) == pytest.approx(row["simulated_m3"])


def test_where_the_shortfall_fell_equals_the_result(given: dict[str, Any]) -> None:
    bt, page = given["bt"], given["page"]
    fell = bt.shortfall
    for part in ("all", "calibration", "held-out"):
        for node in ("bamako", "regions"):
            row = fell.loc[(part, node)]
            for column in ("shortfall_m3", "met_share"):
                cell = page.cell("backtest_crisis_2025_shortfall", f"{part}/{node}", column)
                assert float(cell["value"]) == pytest.approx(row[column])
    # every demand node over the run, in the CSV and the page
    nodes = pd.read_csv(given["out"] / "assets" / "backtest_crisis_2025_nodes.csv")
    expected = fell.loc["all"].drop(index="regions")
    assert sorted(nodes["node_id"]) == sorted(expected.index)
    assert nodes.set_index("node_id")["shortfall_m3"].to_dict() == pytest.approx(
        expected["shortfall_m3"].to_dict()
    )
    assert "chart_backtest_crisis_2025" in page.figures


def test_period_rows_are_iso_dates(given: dict[str, Any]) -> None:
    flat = period_rows(given["bt"].monthly)
    assert list(flat["period"]) == ["2025-09-01", "2025-10-01", "2025-10-06"]
    assert list(flat["period_end"]) == ["2025-09-30", "2025-10-05", "2025-10-15"]


def test_backtest_true_runs_the_dated_scenarios_on_their_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``backtest=True`` back-tests the crisis scenario on the report's own multi-day run
    (no second solve), the record cut to the horizon (noted), and notes the others."""
    real = sn.report.runs.backtest
    seen: list[Any] = []

    def spy(net: sn.Network, scenario: Any, observed: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["timeline"])
        return real(net, scenario, observed, **kwargs)

    monkeypatch.setattr(sn.report.runs, "backtest", spy)
    report = sn.build_report([CRISIS, BLOCKADE], tmp_path / "r.html", days=DAYS, backtest=True)
    assert report.sections == ["summary", "map", "flows", "timeline", "backtest", "assumptions"]
    assert len(seen) == 1 and seen[0] is not None and seen[0].days == DAYS  # the run's own
    page = read_page(report.path)
    fresh = sn.backtest(sn.load_network(), CRISIS, sn.load_observed().within(START, END), days=DAYS)
    data = page.data["sections"]["backtest"]["crisis_2025"]
    assert [r["simulated_m3"] for r in data["week"]] == pytest.approx(
        list(fresh.weekly["simulated_m3"]), rel=1e-6
    )
    text = report.path.read_text(encoding="utf-8")
    assert "Not back-tested (no start_date, so no dates to compare): baseline, blockade_2025." in (
        text
    )
    assert "lie outside the 45-day run (2025-09-01 to 2025-10-15) and are left out" in text
    # the summary's multi-day figures and the back-test come from the same run
    rows = {r["scenario"]: r for r in page.data["sections"]["summary"]["scenarios"]}
    assert rows["crisis_2025"]["first_stockout_day"] is not None


def test_backtest_of_undated_scenarios_is_a_note(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    code, _stdout, stderr = run_cli(
        capsys, monkeypatch, "report", BLOCKADE, "--out", str(out), "--backtest"
    )
    assert code == 0, stderr
    page = read_page(out)
    assert "backtest" in page.sections and page.data["sections"]["backtest"] == {}
    text = out.read_text(encoding="utf-8")
    assert "Not back-tested (no start_date, so no dates to compare): baseline, blockade_2025." in (
        text
    )
    assert not [k for k in page.figures if k.startswith("chart_backtest")]


def test_failed_backtest_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise sn.DataError("arrivals.csv: row 3, column 'date': not a date")

    monkeypatch.setattr(sn.report.runs, "backtest", broken)
    report = sn.build_report([CRISIS], tmp_path / "r.html", days=10, backtest=True)
    page = read_page(report.path)
    assert any("back-test of 'crisis_2025' failed: arrivals.csv: row 3" in w for w in page.warnings)
    assert report.failed == {}
