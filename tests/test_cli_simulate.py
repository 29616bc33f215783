"""``supplynet simulate``: tables, formats, files written whole, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_cli import run_cli

from supplynet.cli import run as run_module

CUT = "examples/scenarios/six_week_cut.toml"


def test_simulate_table(capsys, monkeypatch) -> None:
    code, out, err = run_cli(capsys, monkeypatch, "simulate", CUT, "--days", "20")
    assert code == 0, err
    for text in (
        "Days of cover and first day short, by demand class; day 1 is 2025-09-15",
        "First day short, by product",
        "Shortfall by demand class and product",
        "Corridors (m3)",
        "bamako: end-of-day stock",
        "Bamako (Sénou)",
        "Tombouctou",
        "fuel balance",
        "OpenStreetMap",
    ):
        assert text in out, text
    assert "Running HiGHS" not in out  # the solver's banner stays out of the output


def test_simulate_says_why_a_destination_has_no_day_by_day_table(capsys, monkeypatch) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, "simulate", CUT, "--days", "3", "--destination", "kati"
    )
    assert code == 0, err
    assert "end-of-day stock" not in out
    assert "no day-by-day table: kati holds no stock and has no demand" in " ".join(out.split())


def test_simulate_weekly_rows_for_long_horizons(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "simulate", CUT, "--days", "70", "--single-product")
    assert code == 0
    assert (
        "weekly rows" in out
        and "2025-09-22" in out
        and "2025-09-16" not in out.split("weekly rows")[1]
    )


def test_simulate_json_and_csv(capsys, monkeypatch, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "simulate", CUT, "--days", "8", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["summary"]["scenario"] == "six_week_cut" and doc["summary"]["days"] == 8
    assert doc["summary"]["end_date"] == "2025-09-22"
    assert {"daily", "nodes", "corridors", "balance"} <= set(doc)
    code, out, _ = run_cli(capsys, monkeypatch, "simulate", CUT, "--days", "8", "--format", "csv")
    assert code == 0 and "# daily\nday,node_id,demand_class,product,date," in out
    folder = tmp_path / "out"
    code, _, err = run_cli(
        capsys, monkeypatch, "simulate", CUT, "--days", "8", "--format", "csv", "--out", str(folder)
    )
    assert code == 0 and "wrote 5 files" in err
    nodes = pd.read_csv(folder / "nodes.csv")
    assert {"node_id", "demand_class", "product", "days_of_cover", "first_stockout_day"} <= set(
        nodes.columns
    )
    # a json run into the same folder replaces the csv outputs
    code, _, _ = run_cli(
        capsys,
        monkeypatch,
        "simulate",
        CUT,
        "--days",
        "8",
        "--format",
        "json",
        "--out",
        str(folder),
    )
    assert code == 0 and sorted(p.name for p in folder.iterdir()) == ["result.json"]


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["examples/scenarios/nope.toml"], "nope.toml: scenario file not found"),
        ([CUT, "--days", "0"], "days = 0: must be a whole number from 1 to 3,650"),
        ([CUT, "--days", "20", "--destination", "Bamakko"], "unknown node 'Bamakko'"),
        ([CUT, "--days", "ten"], "Invalid value for '--days'"),
    ],
)
def test_simulate_bad_input_exits_2(capsys, monkeypatch, args: list[str], pattern: str) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "simulate", *args)
    assert code == 2
    assert pattern in err and "Traceback" not in err and err.count("\n") == 1


def test_simulate_bad_scenario_key_exits_2(capsys, monkeypatch, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rationing]]\nclass = "esential"\nfactor = 0.5\n', encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "simulate", str(bad), "--days", "5")
    assert code == 2
    assert (
        "bad.toml: rationing.0.class: unknown demand class 'esential'; did you mean 'essential'"
        in err
    )


def test_simulate_not_optimal_exits_3_after_writing(capsys, monkeypatch, tmp_path: Path) -> None:
    from supplynet.analysis import simulate as simulate_module
    from supplynet.solvers import ArraySolution, Status

    def never(lp, solver=None, **kw):
        import numpy as np

        return ArraySolution(
            Status.NOT_SOLVED,
            "HiGHS",
            0.0,
            None,
            np.full(lp.num_cols, np.nan),
            np.full(lp.num_rows, np.nan),
        )

    monkeypatch.setattr(simulate_module, "solve_timeline_lp", never)
    folder = tmp_path / "out"
    code, out, err = run_cli(
        capsys, monkeypatch, "simulate", CUT, "--days", "3", "--out", str(folder)
    )
    assert code == 3
    assert "not optimal" in err and "status not_solved" in out
    assert json.loads((folder / "summary.json").read_text())["status"] == "not_solved"


def test_run_notes_the_multi_day_keys_it_ignores(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "run", CUT)
    assert code == 0
    assert (
        "the steady state ignores this scenario's multi-day keys (days, start_date, events)" in out
    )
    assert run_module.RUN_OUTPUTS  # unchanged outputs of run


def test_progress_indicator_on_a_terminal(monkeypatch) -> None:
    import io

    from rich.console import Console

    from supplynet.cli import simulate as simulate_cli

    buffer = io.StringIO()
    monkeypatch.setattr(
        simulate_cli, "err_console", Console(file=buffer, force_terminal=True, width=100)
    )

    def call(progress):
        for stage in ("preparing", "building", "solving", "reading"):
            progress(stage)
        return "done"

    assert simulate_cli._run_with_progress(call) == "done"
    text = buffer.getvalue()
    assert "Reading the scenario and the demand tables" in text and "Solving" in text


def test_simulate_json_dates_and_days_read_as_in_the_csv(capsys, monkeypatch, tmp_path) -> None:
    """JSON carries dates as ``YYYY-MM-DD`` and day numbers as integers, as the CSV does."""
    args = ["simulate", "examples/scenarios/six_week_cut.toml", "--days", "12"]
    code, out, err = run_cli(capsys, monkeypatch, *args, "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    code, _, err = run_cli(capsys, monkeypatch, *args, "--out", str(tmp_path / "csv"))
    assert code == 0, err
    daily = pd.read_csv(tmp_path / "csv" / "daily.csv", dtype={"date": str})
    assert [r["date"] for r in doc["daily"]] == daily["date"].tolist()
    assert doc["daily"][0]["date"] == "2025-09-15"
    nodes = pd.read_csv(tmp_path / "csv" / "nodes.csv")
    days = [r["first_stockout_day"] for r in doc["nodes"]]
    assert all(d is None or type(d) is int for d in days) and any(days)
    assert days == [None if pd.isna(d) else int(d) for d in nodes["first_stockout_day"]]
