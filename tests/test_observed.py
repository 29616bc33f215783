"""The observed record (data/observed/): contents, types, sources and one-line errors."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import supplynet as sn
from supplynet.datasets import data_path
from supplynet.observed import OBSERVED_TABLES

HORIZON = {"start": "2025-09-01", "end": "2026-02-28"}  # the crisis scenario's


@pytest.fixture(scope="module")
def obs() -> sn.Observed:
    return sn.load_observed(**HORIZON)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the embedded record to break."""
    out = tmp_path / "observed"
    shutil.copytree(data_path("observed/arrivals.csv").parent, out)
    return out


def _edit(path: Path, row: int, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


# ----------------------------------------------------------------- contents
def test_embedded_record_loads_typed(obs: sn.Observed) -> None:
    assert set(obs.tables()) == set(OBSERVED_TABLES)
    for name, df in obs.tables().items():
        assert list(df.columns) == [c.name for c in OBSERVED_TABLES[name]], name
        assert str(df["date"].dtype) == "datetime64[ns]", name
        assert str(df["date_end"].dtype) == "datetime64[ns]", name
        assert df["source"].notna().all(), name
        assert df.index.name == "row" and df.index[0] == 1
    assert str(obs.arrivals["convoy"].dtype) == "boolean"
    for col in ("tankers_low", "tankers_high", "volume_m3"):
        assert obs.arrivals[col].dtype == "float64"
    assert obs.attacks["destroyed_low"].dtype == "float64"


def test_embedded_record_covers_the_reports_of_facts(obs: sn.Observed) -> None:
    arrivals = obs.arrivals.set_index("date")
    bamako = obs.arrivals[obs.arrivals["node_id"] == "bamako"]
    # ~300 tankers on 7 Oct; 250 tankers / 12 million L on 22 Nov; 875 in the week of 12 Jan
    assert arrivals.loc["2025-10-07", "tankers_low"] == 300
    nov22 = bamako[bamako["date"] == "2025-11-22"]
    assert sorted(nov22["tankers_low"]) == [82, 250] and nov22["volume_m3"].max() == 12000
    # the government's weekly figures are read as fuel entering Mali (no place is named)
    mali = obs.arrivals[obs.arrivals["place"] == "Mali"]
    assert len(mali) == 4 and mali["node_id"].isna().all()
    week = mali[mali["date"] == "2026-01-12"].iloc[0]
    assert week["tankers_low"] == 875 and week["volume_m3"] == 40350
    assert week["date_end"] == pd.Timestamp("2026-01-18")
    # the Niger convoys went north through Labbezanga
    assert {"gao", "labbezanga"} <= set(obs.arrivals["node_id"].dropna())
    kinds = set(obs.measures["kind"])
    assert {"border_ban", "escort", "rationing", "school_closure", "blockade"} <= kinds
    attacks = obs.attacks[obs.attacks["kind"] == "attack"]
    assert attacks["date"].min() == pd.Timestamp("2025-09-13")
    assert pd.Timestamp("2026-01-29") in set(attacks["date"])
    assert attacks.loc[attacks["date"] == "2026-01-29", "dead"].iloc[0] == 7


def test_conflicting_reports_are_separate_rows_of_one_event(obs: sn.Observed) -> None:
    kaniera = obs.attacks[obs.attacks["event"] == "att-2025-09-14"]
    assert len(kaniera) == 3
    assert kaniera["destroyed_low"].nunique() == 3  # RFI >=20, truckers ~40, JNIM 80
    assert kaniera["source"].nunique() >= 2
    oct30 = obs.arrivals[obs.arrivals["event"] == "arr-2025-10-30"]
    assert set(oct30["claimant"]) == {"government", "local sources (Fides)"}
    summary = obs.summary()
    assert summary.loc["attacks", "events"] < summary.loc["attacks", "rows"]
    assert summary.loc["arrivals", "first_date"] == pd.Timestamp("2025-10-07")


def test_ranges_and_ids_are_consistent(obs: sn.Observed, net: sn.Network) -> None:
    a = obs.arrivals
    both = a[a["tankers_high"].notna()]
    assert (both["tankers_low"] <= both["tankers_high"]).all()
    assert (a["tankers_low"].notna() | a["volume_m3"].notna()).all()
    ends = pd.concat([df["date_end"].dropna() for df in obs.tables().values()])
    assert ends.max() <= pd.Timestamp(HORIZON["end"])
    obs.check_network(net)


def test_every_source_is_numbered_in_sources_md(obs: sn.Observed) -> None:
    listed = set(
        map(
            int,
            re.findall(
                r"^(\d+)\. ", data_path("SOURCES.md").read_text().split("## Sources")[-1], re.M
            ),
        )
    )
    for name, df in obs.tables().items():
        for row, text in df["source"].items():
            numbers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
            assert numbers and numbers <= listed, (name, row, text)


def test_a_folder_of_yours_loads(folder: Path) -> None:
    mine = sn.load_observed(folder)
    assert mine.folder == folder
    assert len(mine.arrivals) == len(sn.load_observed().arrivals)


def test_optional_columns_may_be_left_out(folder: Path) -> None:
    path = folder / "measures.csv"
    pd.read_csv(path, dtype=str).drop(columns=["note", "node_id"]).to_csv(path, index=False)
    measures = sn.load_observed(folder).measures
    assert measures["note"].isna().all() and "node_id" in measures.columns


# ----------------------------------------------------------------- bad input
def _one_line(exc: pytest.ExceptionInfo[sn.DataError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "needle"),
    [
        (
            "arrivals",
            3,
            "date",
            "2025-13-01",
            "row 3 (line 4), column 'date': '2025-13-01' is not a date",
        ),
        (
            "arrivals",
            2,
            "date",
            "27 Oct 2025",
            "column 'date': '27 Oct 2025' is not a date (YYYY-MM-DD)",
        ),
        (
            "arrivals",
            4,
            "tankers_low",
            "-5",
            "row 4 (line 5), column 'tankers_low': '-5' must be a finite number >= 0",
        ),
        ("attacks", 5, "destroyed_low", "many", "column 'destroyed_low': 'many' is not a number"),
        ("attacks", 2, "dead", "nan", "column 'dead': 'nan' must be a finite number >= 0"),
        (
            "arrivals",
            1,
            "basis",
            "per_month",
            "column 'basis': 'per_month' is not one of total, per_day, per_week",
        ),
        (
            "arrivals",
            1,
            "convoy",
            "maybe",
            "column 'convoy': 'maybe' is not one of yes, no or blank",
        ),
        ("measures", 3, "kind", "border ban", "did you mean 'border_ban'"),
        (
            "measures",
            7,
            "source",
            "",
            "row 7 (line 8), column 'source': is empty; every row needs one",
        ),
        (
            "arrivals",
            9,
            "date_end",
            "2026-01-01",
            "column 'date_end': 2026-01-01 is before date 2026-01-12",
        ),
        (
            "attacks",
            2,
            "destroyed_high",
            "10",
            "column 'destroyed_high': 10 is below destroyed_low 20",
        ),
    ],
)
def test_bad_cells_are_named(folder, table, row, column, value, needle) -> None:
    _edit(folder / f"{table}.csv", row, column, value)
    with pytest.raises(sn.DataError) as exc:
        sn.load_observed(folder)
    message = _one_line(exc)
    assert message.startswith(str(folder / f"{table}.csv")), message
    assert needle in message, message


def test_a_row_without_count_or_volume_is_refused(folder: Path) -> None:
    path = folder / "arrivals.csv"
    _edit(path, 2, "tankers_low", "")
    _edit(path, 2, "tankers_high", "")
    with pytest.raises(sn.DataError, match=r"row 2 .*'tankers_low': empty, and so is volume_m3"):
        sn.load_observed(folder)


def test_missing_and_unknown_columns_are_named(folder: Path) -> None:
    path = folder / "attacks.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.drop(columns=["dead"]).to_csv(path, index=False)
    with pytest.raises(sn.DataError) as exc:
        sn.load_observed(folder)
    assert "attacks.csv: missing column(s) 'dead'" in _one_line(exc)
    df.rename(columns={"edge_id": "edgeid"}).to_csv(path, index=False)
    with pytest.raises(sn.DataError) as exc:
        sn.load_observed(folder)
    assert "unknown column 'edgeid'; did you mean 'edge_id'" in _one_line(exc)


@pytest.mark.parametrize(
    ("horizon", "needle"),
    [
        (
            {"start": "2025-10-01"},
            "attacks.csv: row 1 (line 2), column 'date': 2025-09-13 is before the horizon's "
            "start 2025-10-01",
        ),
        (
            {"end": "2026-02-10"},
            "arrivals.csv: row 11 (line 12), column 'date_end': 2026-02-15 is after the "
            "horizon's end 2026-02-10",
        ),
    ],
)
def test_a_date_outside_the_horizon_is_named(horizon, needle) -> None:
    with pytest.raises(sn.DataError) as exc:
        sn.load_observed(**horizon)
    assert needle in _one_line(exc)


def test_bad_horizon_and_paths_are_named(tmp_path: Path) -> None:
    with pytest.raises(sn.DataError, match="start '1 Sep' is not a date"):
        sn.load_observed(start="1 Sep")
    with pytest.raises(sn.DataError, match="end 2025-01-01 is before start 2025-09-01"):
        sn.load_observed(start="2025-09-01", end="2025-01-01")
    with pytest.raises(sn.DataError, match="not a folder"):
        sn.load_observed(tmp_path / "nope")
    with pytest.raises(sn.DataError, match=r"arrivals\.csv: file not found"):
        sn.load_observed(tmp_path)
    (tmp_path / "arrivals.csv").write_text("")
    with pytest.raises(sn.DataError, match="empty file"):
        sn.load_observed(tmp_path)


def test_unknown_network_ids_are_named(folder: Path, net: sn.Network) -> None:
    _edit(folder / "attacks.csv", 5, "edge_id", "kadiana_kolondiebaa")
    with pytest.raises(sn.DataError) as exc:
        sn.load_observed(folder).check_network(net)
    message = _one_line(exc)
    assert "attacks.csv: row 5, column 'edge_id': 'kadiana_kolondiebaa'" in message
    assert "did you mean 'kadiana_kolondieba'" in message


def test_sources_md_table_matches_the_record(obs: sn.Observed) -> None:
    text = data_path("SOURCES.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)\.csv` \| (\d+) \| (\d+) \|", text, re.M)
    summary = obs.summary()
    assert {name for name, _, _ in rows} == set(OBSERVED_TABLES)
    for name, n_rows, n_events in rows:
        assert (int(n_rows), int(n_events)) == tuple(summary.loc[name, ["rows", "events"]]), name
