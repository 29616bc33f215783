"""``supplynet backtest | sensitivity``: tables, formats, files written whole, exit codes.

Short horizons (the crisis' first 45 or 10 days) keep them fast; a bad record fails
before any solve."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_cli import run_cli

import supplynet as sn

CRISIS = "examples/scenarios/crisis_2025.toml"


@pytest.fixture(scope="module")
def fresh() -> sn.BacktestResult:
    obs = sn.load_observed().within("2025-09-01", "2025-10-15")
    return sn.backtest(sn.load_network(), CRISIS, obs, days=45)


def test_backtest_table(capsys, monkeypatch) -> None:
    code, out, err = run_cli(capsys, monkeypatch, "backtest", CRISIS, "--days", "45")
    assert code == 0, err
    for text in (
        "Back-test of crisis_2025: 45 days from 2025-09-01",
        "bamako: by month (m3)",
        "Mali: by month (m3)",
        "Where the shortfall fell",
        "calibration",
        "regions (every other demand node)",
    ):
        assert text in out, text
    assert "report rows that end after 2025-10-15 left out" in err


def test_backtest_json_is_the_api_result(capsys, monkeypatch, fresh) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, "backtest", CRISIS, "--days", "45", "--place", "bamako", "-f", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["bamako"]
    months = doc["bamako"]["month"]
    assert [m["period"] for m in months] == ["2025-09-01", "2025-10-01"]
    simulated = [m["simulated_m3"] for m in months]
    assert simulated == pytest.approx(fresh.monthly["simulated_m3"].tolist(), abs=1e-3)
    assert doc["bamako"]["summary"]["month_calibration_periods"] == 1


def test_backtest_writes_every_output_whole(capsys, monkeypatch, tmp_path: Path, fresh) -> None:
    folder, csv_file, json_file = tmp_path / "out", tmp_path / "t.csv", tmp_path / "r.json"
    code, _, err = run_cli(
        capsys,
        monkeypatch,
        "backtest",
        CRISIS,
        "--days",
        "45",
        "--freq",
        "week",
        "--out",
        str(folder),
        "--csv",
        str(csv_file),
        "--json",
        str(json_file),
    )
    assert code == 0, err
    names = sorted(p.name for p in folder.iterdir())
    assert "bamako_monthly.csv" in names and "mali_summary.json" in names
    assert len(names) == 12
    table = pd.read_csv(csv_file)
    assert set(table["place"]) == {"bamako", "Mali"}
    weeks = table[table["place"] == "bamako"]["simulated_m3"].to_numpy()
    assert np.allclose(weeks, fresh.weekly["simulated_m3"].to_numpy(), atol=1e-3)
    assert set(json.loads(json_file.read_text())) == {"bamako", "Mali"}
    assert not list(tmp_path.glob(".*.tmp*"))  # no temporary file left


def _broken(tmp_path: Path, column: str, row: int, value: str | None) -> Path:
    folder = tmp_path / "observed"
    shutil.copytree("data/observed", folder)
    path = folder / "arrivals.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if value is None:
        frame = frame.drop(columns=column)
    else:
        frame.loc[row - 1, column] = value
        if column == "date":
            frame.loc[row - 1, "date_end"] = ""
    frame.to_csv(path, index=False)
    return folder


@pytest.mark.parametrize(
    ("column", "row", "value", "expected"),
    [
        ("basis", 0, None, "arrivals.csv: missing column(s) 'basis'"),
        ("date", 2, "27/10/2025", "arrivals.csv: row 2 (line 3), column 'date': '27/10/2025' is"),
        ("tankers_low", 3, "-20", "arrivals.csv: row 3 (line 4), column 'tankers_low': '-20'"),
        (
            "date",
            12,
            "2026-03-02",
            "arrivals.csv: row 12 (line 13), column 'date': 2026-03-02 is after the horizon",
        ),
    ],
    ids=["missing column", "unparsable date", "negative count", "outside the horizon"],
)
def test_backtest_bad_record_exits_2_before_solving(
    capsys, monkeypatch, tmp_path: Path, column: str, row: int, value: str | None, expected: str
) -> None:
    from supplynet.analysis import simulate as simulate_module

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved before checking the record")

    monkeypatch.setattr(simulate_module, "solve_timeline_lp", no_solve)
    folder = _broken(tmp_path, column, row, value)
    out_dir = tmp_path / "out"
    code, out, err = run_cli(
        capsys, monkeypatch, "backtest", CRISIS, "--observed", str(folder), "--out", str(out_dir)
    )
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert expected in err and str(folder) in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()


@pytest.mark.parametrize("option", ["--csv", "--json"])
def test_backtest_unwritable_file_exits_2_before_solving(
    capsys, monkeypatch, tmp_path: Path, option: str
) -> None:
    from supplynet.analysis import simulate as simulate_module

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved before checking the outputs")

    monkeypatch.setattr(simulate_module, "solve_timeline_lp", no_solve)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out_dir = tmp_path / "out"
    bad = blocker / "bt.csv"  # under a file: nothing can be written there
    code, out, err = run_cli(
        capsys, monkeypatch, "backtest", CRISIS, "--out", str(out_dir), option, str(bad)
    )
    assert code == 2 and err.count("\n") == 1, err
    assert f"error: {bad}: {blocker} is not a folder" in err
    assert not out_dir.exists() and out == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["examples/scenarios/baseline.toml"], "needs a dated scenario: give it a start_date"),
        ([CRISIS, "--days", "0"], "--days 0: the horizon must be 1 to 3,650 days"),
        ([CRISIS, "--freq", "weak"], "--freq 'weak': allowed: week, month; did you mean 'week'"),
        ([CRISIS, "--freq", "year"], "--freq 'year': allowed: week, month\n"),
        ([CRISIS, "--place", "bamak"], "unknown node 'bamak'; did you mean 'bamako'"),
        ([CRISIS, "--cutoff", "15 Nov"], "--cutoff '15 Nov': not a date (YYYY-MM-DD)"),
    ],
)
def test_backtest_bad_options_exit_2(capsys, monkeypatch, args: list[str], expected: str) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "backtest", *args)
    assert code == 2
    assert expected in err and err.count("\n") == 1, err


def test_backtest_of_a_shorter_dated_scenario_uses_the_record_within_it(
    capsys, monkeypatch
) -> None:
    """The embedded record spans the whole crisis: a dated what-if over fewer days is
    compared on the rows within its horizon, and a note says how many were left out."""
    six_weeks = "examples/scenarios/six_week_cut.toml"  # from 2025-09-15, 90 days
    args = ["--days", "60", "--place", "bamako", "-f", "json"]
    code, out, err = run_cli(capsys, monkeypatch, "backtest", six_weeks, *args)
    assert code == 0, err
    obs = sn.load_observed()
    within = obs.within("2025-09-15", "2025-12-13")
    assert (
        f"{obs.n_rows - within.n_rows} of the embedded record's {obs.n_rows} report rows "
        "lie outside six_week_cut's 90 days (2025-09-15 to 2025-12-13)"
    ) in " ".join(err.split())
    net = sn.load_network()
    api = sn.backtest(net, six_weeks, days=60, place="bamako")
    given = sn.backtest(net, six_weeks, obs.within("2025-09-15", "2025-11-13"), days=60)
    pd.testing.assert_frame_equal(api.monthly, given.monthly)
    assert api.monthly["reports"].sum() > 0  # some reports fall within the 60 days
    months = json.loads(out)["bamako"]["month"]
    assert [m["reports"] for m in months] == api.monthly["reports"].tolist()
    assert [m["simulated_m3"] for m in months] == pytest.approx(
        api.monthly["simulated_m3"].tolist(), abs=1e-3
    )


def test_backtest_not_optimal_exits_3(capsys, monkeypatch) -> None:
    from supplynet.analysis import simulate as simulate_module
    from supplynet.solvers import ArraySolution, Status

    def never(lp, solver=None, **kw):
        nan = np.full(lp.num_cols, np.nan), np.full(lp.num_rows, np.nan)
        return ArraySolution(Status.NOT_SOLVED, "HiGHS", 0.0, None, *nan)

    monkeypatch.setattr(simulate_module, "solve_timeline_lp", never)
    code, out, err = run_cli(capsys, monkeypatch, "backtest", CRISIS, "--days", "5")
    assert code == 3
    assert "not optimal" in err and "not_solved" in out


# ---------------------------------------------------------------------- sensitivity
def test_sensitivity_table_and_json(capsys, monkeypatch, tmp_path: Path) -> None:
    args = ["sensitivity", CRISIS, "--days", "10", "--parameter", "demand_power"]
    code, out, err = run_cli(capsys, monkeypatch, *args, "--parameter", "tanker_m3")
    assert code == 0, err
    assert "Sensitivity of crisis_2025 at bamako over 10 days" in out
    assert "demand_power" in out and "tanker_m3" in out
    json_file = tmp_path / "s.json"
    code, out, err = run_cli(capsys, monkeypatch, *args, "-f", "json", "--json", str(json_file))
    assert code == 0, err
    doc = json.loads(out)
    assert json.loads(json_file.read_text()) == doc
    api = sn.sensitivity(sn.load_network(), CRISIS, parameters=["demand_power"], days=10)
    row = doc["sensitivity"][0]
    assert row["parameter"] == "demand_power"
    for key in ("worst_month_m3_day_low", "worst_month_m3_day_high"):
        assert row[key] == pytest.approx(float(api.table.loc["demand_power", key]), abs=1e-3)


def test_sensitivity_out_folder(capsys, monkeypatch, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    code, _, err = run_cli(
        capsys,
        monkeypatch,
        "sensitivity",
        CRISIS,
        "--days",
        "5",
        "--parameter",
        "initial_stocks",
        "--out",
        str(folder),
    )
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == [
        "runs.csv",
        "sensitivity.csv",
        "summary.json",
    ]
    assert len(pd.read_csv(folder / "runs.csv")) == 3  # base, low, high


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--parameter", "tanker_size"],
            "unknown parameter 'tanker_size'; did you mean 'tanker_m3'",
        ),
        (["--step", "0"], "step = 0"),
        (["--workers", "0"], "--workers 0"),
        (["--focus", "nowhere"], "nowhere"),
        (["--top", "-1"], "'--top': Input should be greater than or equal to 0"),
    ],
)
def test_sensitivity_bad_options_exit_2(
    capsys, monkeypatch, args: list[str], expected: str
) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "sensitivity", CRISIS, "--days", "3", *args)
    assert code == 2
    assert expected in err and err.count("\n") == 1, err
