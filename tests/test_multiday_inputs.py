"""Bad multi-day input gets a one-line error naming file, key and value; the demand
tables are checked and add up to the sourced national figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import supplynet as sn
from supplynet.demand import DEMAND_FILES, load_demand_tables
from supplynet.scenario.base import describe_validation  # noqa: F401 - public for reuse


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sc.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[stock_m3]\nbamako = -5", r"sc\.toml: stock_m3\.bamako = -5: Input should be greater"),
        (
            "[[events]]\nloss_rate = { dakar-kayes = 1.5 }",
            r"sc\.toml: events\.0\.loss_rate\.dakar-kayes = 1\.5: "
            r"Input should be less than or equal to 1",
        ),
        (
            '[[events]]\nstart_day = 10\nend_day = 3\nblocked_nodes = ["kouremale"]',
            r"sc\.toml: events\.0: end_day = 3 is before start_day = 10",
        ),
        (
            '[[convoys]]\ncorridor = "dakar-kayes"\nevery_days = 10\nmax_tankers = 0',
            r"sc\.toml: convoys\.0\.max_tankers = 0: Input should be greater than or equal to 1",
        ),
        (
            '[[convoys]]\ncorridor = "dakar-kayes"\nmax_tankers = 5',
            r"convoys\.0: give exactly one of every_days or days",
        ),
        (
            '[[events]]\nblocked_nodez = ["x"]',
            r"events\.0: unknown key 'blocked_nodez'; did you mean 'blocked_nodes'",
        ),
        (
            '[[rationing]]\nclass = "power"\nfactr = 0.5',
            r"rationing\.0: unknown key 'factr'; did you mean 'factor'",
        ),
        ("[[events]]\nstart_day = 3", r"events\.0: the event changes nothing"),
        ('allocation = "fair"', r"allocation = 'fair': Input should be 'priority' or 'pro-rata'"),
        ("start_date = 2025-10-01T08:00:00", r"start_date = .*give a date without a time"),
        ("days = 0", r"days = 0: Input should be greater than or equal to 1"),
        (
            "[[events]]\nstart_day = 2.5\nblocked_nodes = ['dakar']",
            r"events\.0\.start_day = 2\.5: Input should be a valid integer",
        ),
        (
            "[escorts]\nconvoys = 1\ntankers_per_convoy = 10\nperiod_days = 0",
            r"escorts\.period_days = 0",
        ),
        (
            "[assumptions]\ndriving_hours_per_day = 30",
            r"assumptions\.driving_hours_per_day = 30(\.0)?: must be between 0 and 24",
        ),
    ],
)
def test_file_errors_are_one_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(sn.ScenarioError, match=pattern) as err:
        sn.Scenario.from_file(_write(tmp_path, text))
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("text", "days", "pattern"),
    [
        (
            "[[events]]\nstart_day = 50\nblocked_nodes = ['dakar']",
            30,
            r"sc\.toml: events\.0\.start_day = 50: day 50 is beyond the horizon of 30 days",
        ),
        (
            '[[rationing]]\nclass = "esential"\nfactor = 0.5',
            5,
            r"sc\.toml: rationing\.0\.class: unknown demand class 'esential'; "
            r"did you mean 'essential'",
        ),
        (
            '[[rationing]]\nclass = "power"\nproduct = "disel"\nfactor = 0.5',
            5,
            r"rationing\.0\.product: unknown product 'disel'; did you mean 'diesel'",
        ),
        (
            "[[events]]\nsupply_factors = { diesl = 0.5 }",
            5,
            r"sc\.toml: events\.0\.supply_factors: unknown product 'diesl'; did you mean 'diesel'",
        ),
        (
            '[[events]]\nblocked_corridors = ["dakar-kays"]',
            5,
            r"sc\.toml: events\.0\.blocked_corridors: unknown corridor 'dakar-kays'; "
            r"did you mean 'dakar-kayes'",
        ),
        (
            "[[events]]\nloss_rate = { kayes_diemaa = 0.1 }",
            5,
            r"events\.0\.loss_rate: unknown corridor, edge or node 'kayes_diemaa'",
        ),
        (
            '[[convoys]]\ncorridor = "dakar-kaye"\nevery_days = 3\nmax_tankers = 5',
            5,
            r"sc\.toml: convoys\.0\.corridor: unknown corridor 'dakar-kaye'; "
            r"did you mean 'dakar-kayes'",
        ),
        (
            '[[convoys]]\ncorridor = "dakar-kayes"\ndays = [2, 40]\nmax_tankers = 5',
            30,
            r"convoys\.0\.days\.1 = 40: day 40 is beyond the horizon of 30 days",
        ),
        (
            "[[events]]\nstart_date = 2025-10-01\nblocked_nodes = ['dakar']",
            5,
            r"sc\.toml: events\.0: 2025-10-01 is a date, but the scenario has no start_date",
        ),
        (
            "start_date = 2025-10-05\n[[events]]\nstart_date = 2025-10-01\n"
            "blocked_nodes = ['dakar']",
            5,
            r"events\.0: 2025-10-01 is before the scenario's start_date 2025-10-05",
        ),
        (
            "[stock_m3]\nbamako = 60000",
            5,
            r"sc\.toml: stock_m3\.bamako = 60000: above the depot's capacity of [0-9,]+ m3",
        ),
        (
            '[[convoys]]\ncorridor = "dakar-kayes"\nevery_days = 5\nmax_tankers = 5\n'
            '[[convoys]]\ncorridor = "dakar-kayes"\nevery_days = 3\nmax_tankers = 5\nstart_day = 2',
            10,
            r"convoys\.1: overlaps convoys\.0 on corridor 'dakar-kayes'",
        ),
    ],
)
def test_errors_found_against_the_network_and_horizon(
    net: sn.Network, tmp_path: Path, text: str, days: int, pattern: str
) -> None:
    sc = sn.Scenario.from_file(_write(tmp_path, text))
    with pytest.raises(sn.ScenarioError, match=pattern) as err:
        sn.simulate_supply(net, sc, days)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("days", [0, -3, 4000, 2.5, True])
def test_bad_horizon(net: sn.Network, days: object) -> None:
    with pytest.raises(
        sn.ScenarioError, match=r"days = .*: must be a whole number from 1 to 3,650"
    ):
        sn.simulate_supply(net, None, days)  # type: ignore[arg-type]


def test_python_models_raise_the_same_one_line_errors() -> None:
    from supplynet.scenario.timeline import Convoy, Event, Rationing

    with pytest.raises(sn.ScenarioError, match=r"loss_rate\.x = -0\.1"):
        Event(loss_rate={"x": -0.1})
    with pytest.raises(sn.ScenarioError, match="max_tankers"):
        Convoy(corridor="dakar-kayes", every_days=3, max_tankers=0)
    with pytest.raises(sn.ScenarioError, match="factor"):
        Rationing(**{"class": "power", "factor": -1})


def test_time_keys_are_listed_for_the_steady_state(net: sn.Network) -> None:
    sc = sn.Scenario.from_file("examples/scenarios/escorted_convoys.toml")
    ignored = sc.steady_state_ignores()
    assert {"events", "convoys", "escorts", "start_date"} <= set(ignored)
    # the steady state still runs, on the untimed keys only
    assert sn.max_throughput(net, sc).delivered_m3_day == pytest.approx(
        sn.max_throughput(net).delivered_m3_day
    )
    area = sn.Scenario(
        name="a", areas=[sn.Area(center=(-11.43, 14.45), radius_km=50, loss_rate=0.2)]
    )
    assert area.areas[0].factor == 1.0  # a loss area keeps its capacity
    assert area.steady_state_ignores() == ["areas.0.loss_rate"]


# ---------------------------------------------------------------------- the tables


def test_demand_tables_add_up_to_the_national_figures() -> None:
    """data/SOURCES.md, 'Multi-day model': 6,000 tankers a month [50], EDM's 21 HFO and 18
    diesel tankers a day [51], road fuel ~3 million L/day excluding power [49]."""
    t = load_demand_tables()
    d = t.demand
    by = d.groupby(["demand_class", "product"])["demand_m3_day"].sum()
    assert d["demand_m3_day"].sum() == pytest.approx(6000 * 12 / 365 * 45, abs=1.0)
    assert by[("power", "hfo")] == pytest.approx(21 * 45)
    assert by[("power", "diesel")] == pytest.approx(18 * 45, abs=0.5)
    road = by[["general_market", "public_transport"]].sum() + 40.0  # humanitarian vehicles
    assert road - by[("general_market", "jet")] == pytest.approx(3000.0, abs=1.0)
    assert set(d["product"]) == {"gasoline", "diesel", "hfo", "jet"}
    assert list(t.classes.sort_values("priority_weight", ascending=False).index) == [
        "essential",
        "power",
        "humanitarian",
        "public_transport",
        "general_market",
        "industry",
    ]


def test_tables_cover_bamako_and_every_regional_capital(net: sn.Network) -> None:
    from conftest import REGIONAL_CAPITALS

    t = load_demand_tables()
    nodes = set(t.demand["node_id"])
    assert {"bamako", *REGIONAL_CAPITALS} <= nodes
    assert nodes <= set(net.graph)
    assert set(t.depots.index) <= set(net.graph)
    assert t.depots["capacity_m3"].sum() == pytest.approx(53_853, abs=6)  # national storage [1]
    sources = Path("data/SOURCES.md").read_text(encoding="utf-8")
    for name in DEMAND_FILES:
        assert f"`{name}`" in sources, name


@pytest.mark.parametrize(
    ("file", "change", "pattern"),
    [
        (
            "demand.csv",
            lambda df: df.assign(demand_m3_day="-3"),
            r"demand\.csv: row 2, column demand_m3_day: '-3' is not",
        ),
        (
            "demand.csv",
            lambda df: df.assign(product="disel"),
            r"row 2, column product: unknown product 'disel'; did you mean 'diesel'",
        ),
        (
            "demand_classes.csv",
            lambda df: df.assign(priority_weight="0"),
            r"row 2, column priority_weight: '0' is not a number > 0",
        ),
        ("demand.csv", lambda df: pd.concat([df, df.head(1)]), r"duplicate row for bamako"),
        (
            "supply_mix.csv",
            lambda df: df.assign(share="0.5"),
            r"the shares of '\*' add up to 2, not 1",
        ),
        (
            "timeline.csv",
            lambda df: df.drop(columns="value"),
            r"timeline\.csv: missing column\(s\) value",
        ),
        (
            "timeline.csv",
            lambda df: df.head(3),
            r"timeline\.csv: missing key\(s\) queue_tankers, convoy_max_tankers",
        ),
        (
            "depots.csv",
            lambda df: df.assign(capacity_m3="lots"),
            r"depots\.csv: row 2, column capacity_m3: 'lots'",
        ),
    ],
)
def test_bad_tables_name_file_row_and_column(
    tmp_path: Path, file: str, change: object, pattern: str
) -> None:
    from supplynet.datasets import data_path

    for name in DEMAND_FILES:
        df = pd.read_csv(data_path(name), dtype=str, keep_default_na=False)
        if name == file:
            df = change(df)  # type: ignore[operator]
        df.to_csv(tmp_path / name, index=False)
    with pytest.raises(sn.DataError, match=pattern) as err:
        load_demand_tables(tmp_path)
    assert "\n" not in str(err.value)


def test_missing_table_file(tmp_path: Path) -> None:
    with pytest.raises(sn.DataError, match=r"products\.csv: file not found"):
        load_demand_tables(tmp_path)


def test_a_network_folder_brings_its_own_demand_tables(tmp_path: Path, net: sn.Network) -> None:
    import shutil

    from supplynet.demand import network_demand_tables

    folder = tmp_path / "copy"
    shutil.copytree(sn.load_network().folder, folder)
    demand = pd.read_csv(folder / "demand.csv", dtype=str, keep_default_na=False)
    bamako = demand["node_id"] == "bamako"
    demand.loc[bamako, "demand_m3_day"] = [
        str(2 * float(v)) for v in demand.loc[bamako, "demand_m3_day"]
    ]
    demand.to_csv(folder / "demand.csv", index=False)
    copy = sn.load_network(folder)
    assert copy.folder == folder
    assert network_demand_tables(copy).source == str(folder)
    assert network_demand_tables(net).source == "embedded"
    # a scenario's network keeps its folder, and so its tables
    cut = sn.Scenario(name="cut", blocked_edges=["kati_bamako"])
    assert cut.apply(copy).folder == folder
    from supplynet.analysis.simulate import build_timeline_lp

    ours, embedded = build_timeline_lp(copy, None, 3)[1], build_timeline_lp(net, None, 3)[1]
    ratio = ours.data.demand_m3.sum() / embedded.data.demand_m3.sum()
    bamako_share = float(
        load_demand_tables().demand.query("node_id == 'bamako'")["demand_m3_day"].sum()
    ) / float(load_demand_tables().demand["demand_m3_day"].sum())
    assert ratio == pytest.approx(1 + bamako_share, rel=1e-9)
    # a folder with some of the tables but not all: the missing file is named
    (folder / "depots.csv").unlink()
    with pytest.raises(sn.DataError, match=r"depots\.csv: file not found"):
        sn.simulate_supply(sn.load_network(folder), None, 3)
    # a folder with none of them (a network built from OpenStreetMap): the embedded ones
    for name in DEMAND_FILES:
        (folder / name).unlink(missing_ok=True)
    assert network_demand_tables(sn.load_network(folder)).source == "embedded"


def test_a_note_when_the_tables_demand_is_not_the_networks(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(sn.load_network().folder, folder)
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    at = nodes["node_id"] == "bamako"
    nodes.loc[at, "demand_m3_day"] = str(2 * float(nodes.loc[at, "demand_m3_day"].iloc[0]))
    nodes.to_csv(folder / "nodes.csv", index=False)
    assert not sn.simulate_supply(sn.load_network(), None, 2).notes
    notes = sn.simulate_supply(sn.load_network(folder), None, 2).notes
    assert len(notes) == 1 and "bamako: 4,231 against 8,461" in notes[0]
    assert f"{folder}/demand.csv" in notes[0]


def test_a_network_without_corridors_has_an_empty_corridor_table() -> None:
    G = sn.load_network().graph.copy()
    for _, _, data in G.edges(data=True):
        data.pop("corridors", None)
    plain = sn.Network.from_graph(G, name="no corridors")
    assert not plain.corridors
    timeline = sn.simulate_supply(plain, None, 3)
    assert timeline.status is sn.Status.OPTIMAL
    assert timeline.corridors.empty
    assert list(timeline.corridors.columns) == ["dispatch_m3", "arrivals_m3", "lost_m3"]
    assert timeline.corridors.index.names == ["corridor", "day"]
