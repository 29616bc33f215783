"""sn.backtest: its figures are sums of a fresh multi-day run, its parts split at the cutoff,
where the shortfall fell adds up, and a bad observed record is a one-line error.

A 30-day November scenario with a small record of its own keeps it fast (one solve per
module); the shipped record is back-tested in ``test_backtest_calibration.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import supplynet as sn
from supplynet.analysis.backtest_reports import PARTS
from supplynet.errors import DataError, ScenarioError

START = dt.date(2025, 11, 1)
DAYS = 30
CUTOFF = dt.date(2025, 11, 15)
HEADERS = {
    name: Path(f"data/observed/{name}.csv").read_text(encoding="utf-8").splitlines()[0]
    for name in ("arrivals", "attacks", "measures")
}
# date,date_end,place,node_id,tankers_low,tankers_high,volume_m3,basis,product,convoy,
# origin,reported,claimant,event,source,note
ARRIVALS = [
    "2025-11-04,,Bamako,bamako,40,40,,total,,yes,,40 tankers,,a1,test,a convoy",
    "2025-11-12,,Bamako,bamako,20,90,,per_day,,,,dozens a day,,a2,test,a rate until the next",
    "2025-11-22,,Bamako,bamako,82,82,,total,,yes,,82 tankers,,a3,test,",
    "2025-11-22,,Bamako,bamako,250,250,12000,total,,yes,,250 tankers,,a3,test,the same event",
    "2025-11-17,2025-11-23,Mali,,300,300,,total,,,,300 tankers,,m1,test,entering Mali",
]


def write_record(folder: Path, arrivals: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        rows = arrivals if name == "arrivals" else []
        (folder / f"{name}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def november() -> sn.Scenario:
    """Dakar's corridors cut for ten days, a convoy on the Abidjan route: arrivals vary."""
    return sn.Scenario.model_validate(
        {
            "name": "november",
            "start_date": START,
            "days": DAYS,
            "events": [
                {"start_day": 3, "end_day": 12, "blocked_corridors": ["dakar-kayes", "dakar-kita"]}
            ],
            "convoys": [
                {
                    "corridor": "abidjan-sikasso",
                    "every_days": 7,
                    "max_tankers": 60,
                    "transit_days": 6,
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def net() -> sn.Network:
    return sn.load_network()


@pytest.fixture(scope="module")
def case(net: sn.Network, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = write_record(tmp_path_factory.mktemp("observed"), ARRIVALS)
    sc = november()
    fresh = sn.simulate_supply(net, sc)
    bt = sn.backtest(net, sc, folder)
    return {"folder": folder, "sc": sc, "fresh": fresh, "bt": bt}


def fresh_bamako_arrivals(tl: sn.SupplyTimeline) -> pd.Series:
    """Arrivals at Bamako by date, summed over the products of a fresh run."""
    daily = tl.daily.reset_index()
    rows = daily[
        (daily["node_id"] == "bamako")
        & (daily["demand_class"] == "all")
        & (daily["product"] != "all")
    ]
    by_day = rows.groupby("day")["arrivals_m3"].sum().reindex(range(1, tl.days + 1))
    by_day.index = pd.date_range(pd.Timestamp(START), periods=tl.days, freq="D")
    return by_day.fillna(0.0)


def test_daily_figures_are_a_fresh_run(case: dict[str, Any]) -> None:
    bt, fresh = case["bt"], case["fresh"]
    assert bt.timeline.objective == pytest.approx(fresh.objective, rel=1e-9)
    expected = fresh_bamako_arrivals(fresh)
    assert np.allclose(bt.daily["simulated_m3"].to_numpy(), expected.to_numpy(), atol=1e-6)
    assert expected.sum() > 0 and expected.std() > 0  # the figure varies: a real check


@pytest.mark.parametrize("freq", ["week", "month"])
def test_period_figures_are_sums_of_the_fresh_run(case: dict[str, Any], freq: str) -> None:
    bt = case["bt"]
    daily = fresh_bamako_arrivals(case["fresh"])
    table = bt.periods(freq)
    partial = 0
    for period, row in table.iterrows():
        days = daily.loc[period : row["period_end"]]
        covered = bt.daily.loc[period : row["period_end"]]
        if row["compared_days"] == row["days"]:
            assert row["simulated_m3"] == pytest.approx(days.sum(), abs=1e-6)
        else:  # rates only: compared on the days they cover
            partial += 1
            on = covered.index[covered["reported"]]
            assert row["compared_days"] == len(on)
            assert row["simulated_m3"] == pytest.approx(daily.loc[on].sum(), abs=1e-6)
        assert row["days"] == len(days)
    # the periods tile the horizon, in order, without gaps or overlaps
    starts, ends = table.index, table["period_end"]
    assert starts[0] == pd.Timestamp(START) and ends.iloc[-1] == daily.index[-1]
    assert all((starts[1:] - ends.iloc[:-1].to_numpy()) == pd.Timedelta(days=1))
    assert table["days"].sum() == DAYS
    assert partial == (1 if freq == "week" else 0)  # 12-15 Nov: a rate covers 4 of 6 days


def test_parts_split_at_the_cutoff(case: dict[str, Any]) -> None:
    for freq in ("week", "month"):
        table = case["bt"].periods(freq)
        cut = pd.Timestamp(CUTOFF)
        calibration = table["part"] == PARTS[0]
        assert (table.loc[calibration, "period_end"] <= cut).all()
        assert (table.index[~calibration] > cut).all()
        assert calibration.any() and (~calibration).any()
    monthly = case["bt"].monthly
    assert [d.isoformat() for d in monthly.index.date] == ["2025-11-01", "2025-11-16"]


def test_no_cutoff_is_one_part(net: sn.Network, case: dict[str, Any]) -> None:
    bt = sn.backtest(net, case["sc"], case["folder"], cutoff=None, timeline=case["bt"].timeline)
    assert set(bt.monthly["part"]) == {PARTS[0]} and len(bt.monthly) == 1
    assert set(bt.shortfall.index.get_level_values("part")) == {"all"}


def test_errors_follow_the_reported_range(case: dict[str, Any]) -> None:
    bt = case["bt"]
    for freq in ("week", "month"):
        table = bt.periods(freq)
        has = table["reports"] > 0
        assert table.loc[~has, "error_m3"].isna().all()
        # a period without a report has no verdict, not "outside the range"
        assert str(table["within_range"].dtype) == "boolean"
        assert table.loc[~has, "within_range"].isna().all()
        assert table.loc[has, "within_range"].notna().all()
        for _, row in table[has].iterrows():
            sim, low, high = row["simulated_m3"], row["reported_low_m3"], row["reported_high_m3"]
            assert row["error_m3"] == pytest.approx(sim - min(max(sim, low), high), abs=1e-6)
            assert row["within_range"] == (low - 1e-9 <= sim <= high + 1e-9)
        errors = bt.errors.loc[freq]
        for part in PARTS:
            sub = table[has & (table["part"] == part)]
            assert errors.loc[part, "periods"] == len(sub)
            assert errors.loc[part, "within_range"] == int(sub["within_range"].sum())
            if len(sub):
                expected = float(sub["error_share"].abs().mean())
                assert errors.loc[part, "mean_abs_error_share"] == pytest.approx(expected)


def test_conflicting_reports_of_one_event_are_a_range(case: dict[str, Any]) -> None:
    day = case["bt"].daily.loc["2025-11-22"]  # 82 tankers, or 250 (12,000 m3): one event
    assert day["reported_low_m3"] == pytest.approx(82 * 45)
    assert day["reported_high_m3"] == pytest.approx(12000)


def test_where_the_shortfall_fell_adds_up(case: dict[str, Any]) -> None:
    bt, fresh = case["bt"], case["fresh"]
    fell = bt.shortfall
    nodes = fresh.nodes.reset_index()
    totals = nodes[(nodes["demand_class"] == "all") & (nodes["product"] == "all")]
    totals = totals.set_index("node_id")
    assert fell.loc[("all", "bamako"), "demand_m3"] == pytest.approx(
        totals.loc["bamako", "demand_m3"]
    )
    regions = totals.drop(index="bamako")
    for column in ("demand_m3", "issued_m3", "shortfall_m3"):
        assert fell.loc[("all", "regions"), column] == pytest.approx(regions[column].sum())
        parts = sum(fell.loc[(p, "regions"), column] for p in PARTS)
        assert parts == pytest.approx(fell.loc[("all", "regions"), column])
        each = fell.loc["all"].drop(index=["bamako", "regions"])[column].sum()
        assert each == pytest.approx(fell.loc[("all", "regions"), column])
    row = fell.loc[("all", "bamako")]
    assert row["met_share"] == pytest.approx(row["issued_m3"] / row["demand_m3"])
    assert fell.loc[("all", "regions"), "shortfall_m3"] > 0  # the cut leaves someone short


def test_mali_is_the_fuel_entering_its_border_posts(net: sn.Network, case: dict[str, Any]) -> None:
    bt = sn.backtest(net, case["sc"], case["folder"], place="Mali", timeline=case["bt"].timeline)
    assert bt.place == "Mali"
    reported = bt.daily.loc["2025-11-17":"2025-11-23", "reported_low_m3"]
    assert reported.sum() == pytest.approx(300 * 45)  # a total spread over its days
    # no fuel enters Mali at a post that the scenario closes: blocking every corridor
    # into the country leaves only what is already inside (the pipeline credit)
    posts = [str(n) for n, k in net.nodes["kind"].items() if k == "border"]
    closed = sn.Scenario(name="closed", start_date=START, days=10, blocked_nodes=posts)
    shut = sn.backtest(net, closed, write_record(case["folder"] / "empty", []), place="Mali")
    assert shut.daily["simulated_m3"].abs().max() == pytest.approx(0.0, abs=1e-6)
    assert bt.daily["simulated_m3"].sum() > 0


def test_files_are_written_whole(case: dict[str, Any], tmp_path: Path) -> None:
    paths = case["bt"].write(tmp_path)
    names = sorted(p.name for p in paths)
    assert names == [
        "daily.csv",
        "errors.csv",
        "monthly.csv",
        "shortfall.csv",
        "summary.json",
        "weekly.csv",
    ]
    summary = case["bt"].summary()
    assert summary["cutoff"] == "2025-11-15" and summary["days"] == DAYS


# --------------------------------------------------------------------------- bad input
def test_an_undated_scenario_is_refused(net: sn.Network) -> None:
    with pytest.raises(ScenarioError, match="start_date"):
        sn.backtest(net, sn.Scenario(name="undated", days=10))


def _broken(tmp_path: Path, edit: Any) -> Path:
    folder = tmp_path / "observed"
    shutil.copytree("data/observed", folder)
    path = folder / "arrivals.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False)
    return folder


BAD = {
    "missing column": (lambda f: f.pop("basis"), None, "'basis'"),
    "unparsable date": (lambda f: f.__setitem__("date", ["2025-13-40", *f["date"][1:]]), 1, "date"),
    "negative count": (
        lambda f: f.__setitem__(
            "tankers_low", [*f["tankers_low"][:2], "-5", *f["tankers_low"][3:]]
        ),
        3,
        "tankers_low",
    ),
}


@pytest.mark.parametrize("what", sorted(BAD))
def test_a_bad_record_names_file_row_and_column(net: sn.Network, tmp_path: Path, what: str) -> None:
    edit, row, column = BAD[what]
    folder = _broken(tmp_path, edit)
    with pytest.raises(DataError) as info:
        sn.backtest(net, "examples/scenarios/crisis_2025.toml", folder, days=10)
    message = str(info.value)
    assert "\n" not in message and "arrivals.csv" in message
    assert column in message
    if row is not None:
        assert f"row {row} " in message


def test_a_row_outside_the_horizon_fails_before_the_solve(
    net: sn.Network, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import supplynet.analysis.backtest as backtest_module

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("solved before checking the record")

    monkeypatch.setattr(backtest_module, "simulate_supply", no_solve)
    folder = write_record(
        tmp_path / "obs", [*ARRIVALS, "2025-12-15,,Bamako,bamako,5,5,,total,,,,,,x,test,"]
    )
    with pytest.raises(DataError) as info:
        sn.backtest(net, november(), folder)
    message = str(info.value)
    assert "\n" not in message
    assert "arrivals.csv: row 6 (line 7), column 'date': 2025-12-15 is after" in message
