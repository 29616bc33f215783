"""Criticality with the multi-day model: every row equals a fresh simulate_supply with the
element cut on every day; skipping idle elements is exact."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import random_network
from test_cli import run_cli

import supplynet as sn
from supplynet.analysis.interdiction import _cut_scenario
from supplynet.formulations.elements import network_elements

SIX_WEEKS = Path("examples/scenarios/six_week_cut.toml")


def _destination(net: sn.Network) -> str:
    """The node with the largest demand (days of cover need demand)."""
    demand = net.nodes["demand_m3_day"].fillna(0.0)
    return str(demand.idxmax())


def _stocked(seed: int) -> tuple[sn.Network, str]:
    """A seeded random network whose destination holds two days of its demand: its days
    of cover start above zero, and cuts can take them away."""
    net = random_network(seed, demand=True)
    target = _destination(net)
    G = net.graph.copy()
    G.nodes[target]["stock_m3"] = 2.0 * float(G.nodes[target]["demand_m3_day"])
    return net.with_graph(G), target


def _fresh_figures(
    net: sn.Network, base: dict, members: list[str], target: str, days: int, **kw
) -> dict[str, float]:
    catalogue = network_elements(net, ("road", "arc", "node", "corridor"))
    cut = _cut_scenario(catalogue, members)
    data = dict(base)
    data["blocked_edges"] = [*data.get("blocked_edges", []), *cut.blocked_edges]
    data["blocked_nodes"] = [*data.get("blocked_nodes", []), *cut.blocked_nodes]
    tl = sn.simulate_supply(net, sn.Scenario.from_dict(data), days, **kw)
    row = tl.node(target).loc[("all", "all")]
    return {
        "days_of_cover": float(row["days_of_cover"]),
        "first_stockout_day": float(row["first_stockout_day"]),
        "shortfall_m3": float(row["shortfall_m3"]),
        "objective": float(tl.objective or math.nan),
    }


def _check_rows(res: sn.CriticalityResult, fresh: dict[str, dict[str, float]]) -> None:
    for element, want in fresh.items():
        row = res.table.loc[element]
        assert row["days_of_cover"] == want["days_of_cover"], element
        assert row["shortfall_m3"] == pytest.approx(want["shortfall_m3"], abs=1e-4), element
        first = row["first_stockout_day"]
        assert (math.isnan(first) and math.isnan(want["first_stockout_day"])) or (
            first == want["first_stockout_day"]
        ), element


@pytest.mark.parametrize("seed", [5, 7, 9, 11])
def test_every_element_of_small_networks_equals_fresh_runs(seed: int) -> None:
    net, target = _stocked(seed)
    days = 5
    res = sn.criticality(
        net, destination=target, days=days, measures=["days_of_cover"], single_product=True
    )
    assert res.days == days and res.measures == ("days_of_cover",)
    base = {"name": "b"}
    fresh = {
        str(e): _fresh_figures(net, base, [str(e)], target, days, single_product=True)
        for e in res.table.index
    }
    _check_rows(res, fresh)
    assert res.solved["days_of_cover"] + res.skipped["days_of_cover"] == res.elements
    # an element proved idle really changes nothing
    for element in res.table.index[~res.table["solved"]]:
        assert res.table.loc[element, "days_of_cover_change"] == 0
        assert res.table.loc[element, "shortfall_increase_m3"] == 0
    lost, more = -res.table["days_of_cover_change"], res.table["shortfall_increase_m3"]
    keys = list(zip(lost, more, strict=True))
    assert keys == sorted(keys, reverse=True)  # most days lost first, then more shortfall
    changed = (res.table["days_of_cover_change"] != 0) & res.table["solved"]
    assert changed.any()  # some cut takes days of cover away


@pytest.mark.parametrize("seed", [3, 9])
def test_pairs_and_skipping_on_small_networks(seed: int) -> None:
    net, target = _stocked(seed)
    kw = {"destination": target, "days": 4, "measures": ["days_of_cover"], "single_product": True}
    fast = sn.criticality(net, k=2, **kw)
    full = sn.criticality(net, k=2, skip_idle=False, **kw)
    cols = ["days_of_cover", "shortfall_m3"]
    assert fast.table[cols].sort_index().equals(full.table[cols].sort_index())
    assert fast.skipped["days_of_cover"] > 0 and full.skipped["days_of_cover"] == 0
    pair = str(fast.table.index[0])
    want = _fresh_figures(net, {"name": "b"}, pair.split(" + "), target, 4, single_product=True)
    assert fast.table.loc[pair, "shortfall_m3"] == pytest.approx(want["shortfall_m3"], abs=1e-4)


def test_a_sample_on_the_default_network_with_the_six_week_stocks(net) -> None:
    days = 16
    # the six-week scenario's stocks without its cut: Bamako holds all 16 days, and a
    # single cut can take days away (during the cut itself some class is short from day
    # 1, and no cut can shorten a cover of 0 days)
    base = tomllib.loads(SIX_WEEKS.read_text(encoding="utf-8"))
    base.pop("events")
    six_weeks = sn.Scenario.from_dict(base)
    res = sn.criticality(net, six_weeks, days=days, measures=["days_of_cover"])
    assert res.table["days_of_cover_change"].min() < 0
    assert {"days_of_cover", "days_of_cover_change", "first_stockout_day", "shortfall_m3"} <= set(
        res.table.columns
    )
    assert res.skipped["days_of_cover"] > 0
    table = res.table
    sample = [*table.index[:2], *table.index[table["solved"]][12:14]]
    sample += list(table.index[~table["solved"]][:2])  # proved idle: checked too
    fresh = {str(e): _fresh_figures(net, base, [str(e)], "bamako", days) for e in sample}
    _check_rows(res, fresh)
    sc = sn.simulate_supply(net, six_weeks, days)
    cover = sc.node("bamako").loc[("all", "all"), "days_of_cover"]
    assert res.baseline["days_of_cover"] == cover
    assert sn.criticality(net, days=3, elements=["conakry"]).measures == (
        "days_of_cover",
        "max_flow",
        "least_cost",
    )


def test_bad_input_is_one_line(net) -> None:
    with pytest.raises(sn.DataError, match="days = 5 is the horizon of the multi-day measure"):
        sn.criticality(net, days=5, measures=["max_flow"])
    with pytest.raises(sn.ScenarioError, match="days = 0: must be a whole number from 1"):
        sn.criticality(net, days=0, elements=["conakry"])
    with pytest.raises(sn.DataError, match="'kidira_diboli' has no demand in the multi-day"):
        sn.criticality(net, destination="kidira_diboli", days=3, measures=["days_of_cover"])


def test_cli_criticality_with_days(capsys, monkeypatch, tmp_path) -> None:
    import json

    args = ("criticality", "--days", "6", "--single-product", "--kinds", "node")
    code, out, _ = run_cli(capsys, monkeypatch, *args, "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["summary"]["days"] == 6 and doc["summary"]["measures"][0] == "days_of_cover"
    assert {"days_of_cover", "first_stockout_day", "shortfall_m3"} <= set(doc["criticality"][0])
    code, out, _ = run_cli(capsys, monkeypatch, *args, "--top", "3")
    assert code == 0 and "over 6 days" in out and "days of" in out
    code, _, err = run_cli(capsys, monkeypatch, "criticality", "--days", "0")
    assert code == 2 and "days = 0" in err and len(err.strip().splitlines()) == 1
    steady = ("--measure", "max_flow")
    code, _, err = run_cli(capsys, monkeypatch, "criticality", "--days", "5", *steady)
    assert code == 2 and "add 'days_of_cover'" in err


def test_summary_json_is_valid_json_with_null_for_never(net) -> None:
    import json

    from supplynet.results import rounded, summary_json

    res = sn.criticality(net, None, days=5, elements=["kati_bamako", "bougouni_bamako"])
    text = res.files()["summary.json"]
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    assert "NaN" not in text and "Infinity" not in text
    assert doc == json.loads(summary_json(res.summary()))
    frame = rounded(
        pd.DataFrame(
            {"cover_ratio": [1.5, float("inf"), float("nan")], "days_of_cover": [3.0, 4, 5]}
        )
    )
    lines = frame.to_csv(index=False).splitlines()
    assert lines == ["cover_ratio,days_of_cover", "1.5,3", ",4", ",5"]
