"""sn.sensitivity: each row equals fresh runs with the assumption moved by hand, and the
ranking follows the swings. A short horizon (the crisis' first 21 days) keeps it fast."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pandas as pd
import pytest

import supplynet as sn
from supplynet.analysis.sensitivity import bamako_measures
from supplynet.demand import load_demand_tables
from supplynet.errors import ScenarioError
from supplynet.scenario import Rationing

CRISIS = "examples/scenarios/crisis_2025.toml"
DAYS = 21
PARAMETERS = ["initial_stocks", "demand_power", "convoy_size"]


@pytest.fixture(scope="module")
def net() -> sn.Network:
    return sn.load_network()


@pytest.fixture(scope="module")
def result(net: sn.Network) -> sn.SensitivityResult:
    return sn.sensitivity(net, CRISIS, parameters=PARAMETERS, days=DAYS)


def _measures(net: sn.Network, sc: sn.Scenario) -> dict[str, float]:
    return bamako_measures(sn.simulate_supply(net, sc, DAYS))


def _by_hand(sc: sn.Scenario, parameter: str, factor: float) -> sn.Scenario:
    """The scenario with one assumption moved, built here from the data tables."""
    tables = load_demand_tables()
    if parameter == "initial_stocks":
        demand = tables.demand.groupby("node_id")["demand_m3_day"].sum()
        # the stock as given (the security stock, at most the depot's capacity), moved,
        # and again at most the capacity
        cap = tables.depots["capacity_m3"]
        given = {
            n: min(float(r["initial_days"]) * demand[n], cap[n])
            for n, r in tables.depots.iterrows()
        }
        stock = {str(n): min(v * factor, cap[n]) for n, v in given.items()}
        return sc.model_copy(update={"stock_m3": stock})
    if parameter == "demand_power":
        rule = Rationing.model_validate({"class": "power", "factor": factor})
        return sc.model_copy(update={"rationing": [*sc.rationing, rule]})
    if parameter == "convoy_size":
        convoys = [
            cv.model_copy(update={"max_tankers": max(1, round(cv.max_tankers * factor))})
            for cv in sc.convoys
        ]
        return sc.model_copy(update={"convoys": convoys})
    raise AssertionError(parameter)


def test_base_is_the_scenario_as_it_is(net: sn.Network, result: sn.SensitivityResult) -> None:
    sc = sn.Scenario.from_file(CRISIS).truncated(DAYS)
    fresh = _measures(net, sc)
    for key, value in fresh.items():
        assert result.base[key] == pytest.approx(value, nan_ok=True)
    assert result.days == DAYS and result.focus == "bamako"


# one convoy run is enough to keep the suite fast
@pytest.mark.parametrize(
    ("parameter", "direction"),
    [(p, d) for p in PARAMETERS for d in ("low", "high") if (p, d) != ("convoy_size", "low")],
)
def test_each_row_equals_a_fresh_run_moved_by_hand(
    net: sn.Network, result: sn.SensitivityResult, parameter: str, direction: str
) -> None:
    sc = sn.Scenario.from_file(CRISIS).truncated(DAYS)
    factor = 0.5 if direction == "low" else 1.5
    fresh = _measures(net, _by_hand(sc, parameter, factor))
    row = result.table.loc[parameter]
    assert row[f"worst_month_m3_day_{direction}"] == pytest.approx(fresh["worst_month_m3_day"])
    assert row[f"first_short_day_{direction}"] == pytest.approx(
        fresh["first_short_day"], nan_ok=True
    )
    assert row[f"first_priority_short_day_{direction}"] == pytest.approx(
        fresh["first_priority_short_day"], nan_ok=True
    )


def test_measures_are_the_focus_node_figures(net: sn.Network) -> None:
    sc = sn.Scenario.from_file(CRISIS).truncated(DAYS)
    tl = sn.simulate_supply(net, sc, DAYS)
    m = bamako_measures(tl)
    total = tl.node("bamako").loc[("all", "all")]
    # 1-21 Sep 2025: one calendar month, so the worst month is the mean over the run
    assert m["worst_month_m3_day"] == pytest.approx(float(total["issued_m3"]) / DAYS)
    assert m["worst_month_met_share"] == pytest.approx(float(total["met_share"]))
    assert m["first_short_day"] == pytest.approx(float(total["first_stockout_day"]), nan_ok=True)


def test_values_as_run_and_the_ranking(result: sn.SensitivityResult) -> None:
    table = result.table
    assert sorted(table.index) == sorted(PARAMETERS)
    assert table["rank"].tolist() == list(range(1, len(PARAMETERS) + 1))
    swings = table["worst_month_swing_m3_day"].to_numpy()
    assert all(a >= b for a, b in itertools.pairwise(swings))
    power = table.loc["demand_power"]
    assert power["low_value"] == pytest.approx(0.5 * power["base_value"])
    assert power["high_value"] == pytest.approx(1.5 * power["base_value"])
    assert power["base_value"] == pytest.approx(1755.0)  # EDM: 21 HFO + 18 diesel tankers
    for name in PARAMETERS:
        row = table.loc[name]
        base = result.base["worst_month_m3_day"]
        expected = max(
            abs(row["worst_month_m3_day_low"] - base), abs(row["worst_month_m3_day_high"] - base)
        )
        assert row["worst_month_swing_m3_day"] == pytest.approx(expected)
    runs: pd.DataFrame = result.runs
    assert len(runs) == 1 + 2 * len(PARAMETERS)
    assert (runs["solve_s"] > 0).all()


def test_more_stock_never_delivers_less(result: sn.SensitivityResult) -> None:
    row = result.table.loc["initial_stocks"]
    assert row["worst_month_m3_day_low"] <= result.base["worst_month_m3_day"] + 1e-6
    assert row["worst_month_m3_day_high"] >= result.base["worst_month_m3_day"] - 1e-6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"parameters": ["initial_stock"]}, "unknown parameter 'initial_stock'.*initial_stocks"),
        ({"step": 0}, "step = 0"),
        ({"step": 1.5}, "step = 1.5"),
    ],
)
def test_bad_options_are_one_line_errors(
    net: sn.Network, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ScenarioError, match=match) as info:
        sn.sensitivity(net, CRISIS, days=5, **kwargs)
    assert "\n" not in str(info.value)


def test_summary_is_plain(result: sn.SensitivityResult) -> None:
    summary = result.summary()
    assert summary["ranking"] == list(result.table.index)
    assert all(
        v is None or (isinstance(v, float) and math.isfinite(v))
        for k, v in summary.items()
        if k.startswith("base_")
    )
