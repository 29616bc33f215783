"""The multi-day model on cases worked out by hand: stockouts, losses, convoys, escorts,
priorities, lead times; and the invariants every result must pass."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from multiday_fixtures import (
    EXACT_DAYS,
    assert_invariants,
    chain_network,
    timeline_arrays,
    write_tables,
)

import supplynet as sn

TANKER = 40.0  # tanker_m3 of the test assumptions


def _sc(**kw: object) -> sn.Scenario:
    kw.setdefault("assumptions", EXACT_DAYS)
    return sn.Scenario.from_dict({"name": "t", **kw})


def test_one_corridor_stockout_day_and_total_shortfall() -> None:
    """Port 20 m3/day, 1 + 2 days to a depot holding 100 m3 that needs 50 m3/day.

    Days 1-2 come from the stock, day 3 has nothing (the first tankers arrive on day 4),
    from day 4 on 20 of 50 arrive: first stockout day 3, shortfall 50 + 7 x 30 = 260.
    """
    net = chain_network(
        [("p", "a", 24.0, "c"), ("a", "b", 48.0, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 20},
            "b": {"kind": "depot", "demand_m3_day": 50, "stock_m3": 100},
        },
    )
    sc = _sc()
    tl = sn.simulate_supply(net, sc, 10)
    assert_invariants(tl, timeline_arrays(net, sc, 10))
    row = tl.nodes.loc[("b", "demand", "fuel")]
    assert row["first_stockout_day"] == 3
    assert row["days_of_cover"] == 2
    assert row["shortfall_m3"] == pytest.approx(260.0, abs=1e-6)
    unmet = tl.daily.xs(("b", "demand", "fuel"), level=("node_id", "demand_class", "product"))
    assert unmet["unmet_m3"].to_numpy() == pytest.approx([0, 0, 50] + [30] * 7, abs=1e-6)
    arrivals = tl.daily.xs(("b", "all", "fuel"), level=("node_id", "demand_class", "product"))
    assert arrivals["arrivals_m3"].to_numpy() == pytest.approx([0, 0, 0] + [20] * 7, abs=1e-6)


def test_losses_arrive_as_one_minus_loss_of_the_dispatch() -> None:
    net = chain_network(
        [("p", "a", 24.0, "x"), ("a", "b", 48.0, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 20},
            "b": {"kind": "demand", "demand_m3_day": 1000},
        },
    )
    sc = _sc(events=[{"loss_rate": {"c": 0.2}}])
    tl = sn.simulate_supply(net, sc, 12)
    assert_invariants(tl, timeline_arrays(net, sc, 12))
    corridor = tl.corridors.xs("c", level="corridor")
    dispatch, arrivals, lost = (
        corridor[c].to_numpy() for c in ("dispatch_m3", "arrivals_m3", "lost_m3")
    )
    # dispatched on day t (A -> B) arrives on day t + 2, 80% of it
    assert arrivals[2:] == pytest.approx(0.8 * dispatch[:-2], abs=1e-6)
    assert arrivals[:2] == pytest.approx([0.0, 0.0])
    assert lost == pytest.approx(0.2 * dispatch, abs=1e-6)
    assert dispatch[1:10] == pytest.approx([20.0] * 9)  # fuel reaches A from day 2
    balance = tl.balance.loc["fuel"]
    assert balance["lost_m3"] == pytest.approx(0.2 * 20 * 9)
    assert abs(balance["residual_m3"]) < 1e-6


def test_tankers_wait_out_a_dangerous_week_when_they_can() -> None:
    """With perfect foresight the LP holds tankers at the port rather than lose 20% on a
    road that is safe again in a few days (a known property of the model, documented)."""
    net = chain_network(
        [("p", "a", 24.0, "x"), ("a", "b", 48.0, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 20},
            "b": {"kind": "demand", "demand_m3_day": 1000},
        },
    )
    tl = sn.simulate_supply(net, _sc(events=[{"end_day": 4, "loss_rate": {"c": 0.2}}]), 12)
    assert tl.balance.loc["fuel", "lost_m3"] == pytest.approx(0.0, abs=1e-6)
    waiting = tl.daily.xs(("p", "all", "fuel"), level=("node_id", "demand_class", "product"))
    assert waiting["waiting_m3"].max() > 0


def test_convoy_every_d_days_delivers_k_tankers_on_the_right_days() -> None:
    """Convoys of 3 tankers every 5 days from day 4 on A -> B (2 days normally), taking 4."""
    net = chain_network(
        [("p", "a", 24.0, "x"), ("a", "b", 48.0, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 50},
            "b": {"kind": "demand", "demand_m3_day": 10_000},
        },
    )
    sc = _sc(
        convoys=[
            {"corridor": "c", "every_days": 5, "first_day": 4, "max_tankers": 3, "transit_days": 4}
        ]
    )
    tl = sn.simulate_supply(net, sc, 20)
    assert_invariants(tl, timeline_arrays(net, sc, 20))
    corridor = tl.corridors.xs("c", level="corridor")
    dispatched = corridor["dispatch_m3"]
    convoy_days = [4, 9, 14, 19]
    for day in range(1, 21):
        expected = 3 * TANKER if day in (4, 9, 14) else 0.0  # day 19's would arrive after day 20
        assert dispatched.loc[day] == pytest.approx(expected, abs=1e-6), day
    arrived = corridor["arrivals_m3"]
    for day in range(1, 21):
        expected = 3 * TANKER if day - 4 in convoy_days else 0.0
        assert arrived.loc[day] == pytest.approx(expected, abs=1e-6), day
    # tankers wait at A (the convoy's assembly point) for the next convoy
    waiting = tl.daily.xs(("a", "all", "fuel"), level=("node_id", "demand_class", "product"))
    assert waiting["waiting_m3"].max() > 0


def test_shared_escort_limit_binds_across_two_corridors() -> None:
    net = chain_network(
        [
            ("p1", "a1", 24.0, "x1"),
            ("a1", "b", 24.0, "c1"),
            ("p2", "a2", 24.0, "x2"),
            ("a2", "b", 24.0, "c2"),
        ],
        {
            "p1": {"kind": "port", "supply_m3_day": 400},
            "p2": {"kind": "port", "supply_m3_day": 400},
            "b": {"kind": "demand", "demand_m3_day": 10_000},
        },
    )
    convoys = [
        {"corridor": c, "every_days": 1, "max_tankers": 10, "transit_days": 1} for c in ("c1", "c2")
    ]
    free = sn.simulate_supply(net, _sc(convoys=convoys), 12)
    shared = _sc(
        convoys=convoys, escorts={"convoys": 1, "period_days": 2, "tankers_per_convoy": 10}
    )
    tl = sn.simulate_supply(net, shared, 12)
    assert_invariants(tl, timeline_arrays(net, shared, 12))
    both = tl.corridors["dispatch_m3"].unstack("corridor")[["c1", "c2"]].sum(axis=1)
    windows = both.rolling(2).sum().dropna()
    assert (windows <= 10 * TANKER + 1e-6).all()
    assert windows.max() == pytest.approx(10 * TANKER)  # the pool binds
    free_both = free.corridors["dispatch_m3"].unstack("corridor")[["c1", "c2"]].sum(axis=1)
    assert free_both.sum() > both.sum() + 1000  # each corridor alone could pass far more
    # the pool is shared: the two corridors together never exceed one escort's convoy
    assert (both <= 10 * TANKER + 1e-6).all()


def _priority_case(tmp_path: Path, allocation: str) -> sn.SupplyTimeline:
    """A depot-less node with three classes of 10 m3/day each, two products, a road of 15."""
    net = chain_network(
        [("p", "b", 24.0, "c")],
        {"p": {"kind": "port", "supply_m3_day": 100}, "b": {"kind": "demand", "demand_m3_day": 30}},
        capacity_m3_day=15.0,
    )
    tables = write_tables(
        tmp_path / "tables",
        [
            ("b", "essential", "diesel", 10),
            ("b", "power", "diesel", 10),
            ("b", "market", "gasoline", 10),
        ],
        classes={"essential": 6, "power": 5, "market": 2},
        products=("gasoline", "diesel"),
    )
    sc = _sc(allocation=allocation)
    return sn.simulate_supply(net, sc, 6, single_product=False, tables=tables)


def test_priority_order_is_respected_when_supply_is_short(tmp_path: Path) -> None:
    tl = _priority_case(tmp_path, "priority")
    days = tl.daily.xs("b", level="node_id")
    late = days[days.index.get_level_values("day") >= 2]  # day 1: nothing has arrived
    issued = late["issued_m3"].groupby(level="demand_class").mean()
    # the road carries 15 m3/day of both products together: essential, then power
    assert issued["essential"] == pytest.approx(10.0)
    assert issued["power"] == pytest.approx(5.0)
    assert issued["market"] == pytest.approx(0.0, abs=1e-6)


def test_pro_rata_shares_are_equal(tmp_path: Path) -> None:
    tl = _priority_case(tmp_path, "pro-rata")
    days = tl.daily.xs("b", level="node_id")
    classes = days[days.index.get_level_values("demand_class") != "all"]
    share = (
        (classes["issued_m3"] / classes["demand_m3"]).droplevel("product").unstack("demand_class")
    )
    # every class of a product at a node gets the same share of its demand each day
    assert np.allclose(share["essential"], share["power"])
    # the road's 15 m3/day go to diesel (its users weigh more than gasoline's): 15 of 20
    assert share.loc[2:, "essential"].to_numpy() == pytest.approx(0.75, abs=1e-6)
    assert share.loc[2:, "market"].to_numpy() == pytest.approx(0.0, abs=1e-6)
    assert tl.allocation == "pro-rata"


def test_arrivals_only_after_lead_times_rounded_and_split() -> None:
    """A pulse: supply on day 1 only, over 0.4 + 0.4 + 0.4 days. Rounded: whole days that
    keep the route's 1.2 days (round 1); split: the mean exactly 1.2 days, nothing before
    the sum of the whole parts (0 days) and nothing after the sum rounded up per arc (3)."""
    net = chain_network(
        [("p", "a", 9.6, "c"), ("a", "b", 9.6, "c"), ("b", "d", 9.6, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 100},
            "d": {"kind": "demand", "demand_m3_day": 1000},
        },
    )
    pulse = _sc(events=[{"start_day": 2, "capacity_factors": {"p": 0.0}}])
    rounded = sn.simulate_supply(net, pulse, 8)
    arrivals = rounded.daily.xs(("d", "all", "fuel"), level=("node_id", "demand_class", "product"))[
        "arrivals_m3"
    ]
    assert arrivals.to_numpy() == pytest.approx([0, 100, 0, 0, 0, 0, 0, 0], abs=1e-6)
    split = sn.simulate_supply(net, pulse, 8, lead_times="split")
    arrivals = split.daily.xs(("d", "all", "fuel"), level=("node_id", "demand_class", "product"))[
        "arrivals_m3"
    ]
    assert arrivals.sum() == pytest.approx(100.0)
    mean_lead = float((arrivals.to_numpy() * np.arange(8)).sum() / 100.0)
    assert mean_lead == pytest.approx(1.2, abs=1e-6)
    assert arrivals.iloc[4:].sum() == pytest.approx(0.0, abs=1e-9)


def test_rounded_routes_keep_their_time(net: sn.Network) -> None:
    """On the default network: every arc's whole lead is its lead rounded down or up; along
    the earliest route from the supply points to any node the whole days add up to the
    exact time rounded; every supply point's fastest route to Bamako is within a day."""
    import networkx as nx

    from supplynet.analysis.timeline_events import earliest_arrival_days

    whole = timeline_arrays(net, sn.Scenario(name="b"), 2, single_product=True).data
    exact = timeline_arrays(
        net, sn.Scenario(name="b"), 2, single_product=True, lead_times="split"
    ).data
    w, e = whole.arc_lead_days[0], exact.arc_lead_days[0]
    assert (w >= np.floor(e) - 1e-9).all() and (w <= np.ceil(e) + 1e-9).all()
    tau = earliest_arrival_days(
        e, whole.arc_tail, whole.arc_head, list(whole.source_node), len(whole.node_ids)
    )
    tight = np.abs(tau[whole.arc_tail] + e - tau[whole.arc_head]) < 1e-6
    # on the earliest-arrival tree, whole leads telescope to round(tau)
    assert np.allclose(
        w[tight],
        np.floor(tau[whole.arc_head] + 0.5)[tight] - np.floor(tau[whole.arc_tail] + 0.5)[tight],
    )
    G = nx.DiGraph()
    for i, (u, v) in enumerate(zip(whole.arc_tail, whole.arc_head, strict=True)):
        G.add_edge(int(u), int(v), whole=float(w[i]), exact=float(e[i]))
    bamako = whole.node_ids.index("bamako")
    errors = []
    for s in whole.source_node:
        if not nx.has_path(G, int(s), bamako):
            continue  # Niger's supply for the north cannot reach Bamako
        path = nx.shortest_path(G, int(s), bamako, weight="exact")
        hops = list(itertools.pairwise(path))
        errors.append(sum(G[a][b]["whole"] - G[a][b]["exact"] for a, b in hops))
    assert max(abs(x) for x in errors) <= 1.0
    assert abs(float(np.mean(errors))) <= 0.5


def test_dates_when_the_scenario_has_a_start_date() -> None:
    net = chain_network(
        [("p", "b", 24.0, "c")],
        {
            "p": {"kind": "port", "supply_m3_day": 5},
            "b": {"kind": "depot", "demand_m3_day": 10, "stock_m3": 10},
        },
    )
    sc = _sc(start_date="2025-10-01", events=[{"start_date": "2025-10-03", "blocked_nodes": ["p"]}])
    tl = sn.simulate_supply(net, sc, 5)
    assert str(tl.daily["date"].iloc[0].date()) == "2025-10-01"
    row = tl.nodes.loc[("b", "all", "all")]
    assert str(row["first_stockout_date"].date()) == "2025-10-02"
    assert tl.summary()["end_date"] == "2025-10-05"
    assert tl.balance.loc["fuel", "supply_m3"] == pytest.approx(10.0)  # days 1 and 2 only


def test_timed_closure_means_what_the_untimed_key_means(net: sn.Network) -> None:
    """A corridor closed by an event on every day gives the same LP as the untimed key."""
    untimed = sn.Scenario(
        name="u", blocked_corridors=["dakar-kayes"], capacity_factors={"conakry": 0.5}
    )
    timed = sn.Scenario.from_dict(
        {
            "name": "t",
            "events": [
                {"blocked_corridors": ["dakar-kayes"], "capacity_factors": {"conakry": 0.5}}
            ],
        }
    )
    a = timeline_arrays(net, untimed, 4).data
    b = timeline_arrays(net, timed, 4).data
    assert np.array_equal(a.arc_capacity_m3, b.arc_capacity_m3)
    assert np.array_equal(a.supply_m3, b.supply_m3)
    assert np.array_equal(a.node_limit_m3, b.node_limit_m3)


def test_progress_reports_every_stage_in_order() -> None:
    from supplynet.analysis.simulate import STAGES

    net = chain_network(
        [("p", "b", 24.0, "c")],
        {"p": {"kind": "port", "supply_m3_day": 5}, "b": {"kind": "demand", "demand_m3_day": 10}},
    )
    seen: list[str] = []
    tl = sn.simulate_supply(net, _sc(), 3, progress=seen.append)
    assert tuple(seen) == STAGES and tl.ok
    assert set(tl.timings) == {"prepare_s", "build_s", "solve_s", "read_s"}


@pytest.mark.parametrize("case", ["no supply", "no demand", "one day pro rata"])
def test_edge_cases_solve_and_write(tmp_path: Path, case: str) -> None:
    if case == "no supply":
        net = chain_network(
            [("p", "b", 24.0, "c")], {"b": {"kind": "depot", "demand_m3_day": 10, "stock_m3": 15}}
        )
        tl = sn.simulate_supply(net, _sc(), 3)
        assert tl.nodes.loc[("b", "all", "all"), "shortfall_m3"] == pytest.approx(15.0)
        assert tl.nodes.loc[("b", "all", "all"), "first_stockout_day"] == 2
    elif case == "no demand":
        net = chain_network([("p", "b", 24.0, "c")], {"p": {"kind": "port", "supply_m3_day": 5}})
        tl = sn.simulate_supply(net, _sc(), 3)
        assert len(tl.nodes) == 0 and tl.summary()["demand_m3"] == 0.0
    else:
        net = chain_network(
            [("p", "b", 0.0, "c")],
            {
                "p": {"kind": "port", "supply_m3_day": 5},
                "b": {"kind": "demand", "demand_m3_day": 10},
            },
        )
        tl = sn.simulate_supply(net, _sc(allocation="pro-rata"), 1)
        assert tl.nodes.loc[("b", "all", "all"), "shortfall_m3"] == pytest.approx(5.0)
    assert tl.ok
    written = tl.write(tmp_path / "out")
    assert sorted(p.name for p in written) == [
        "balance.csv",
        "corridors.csv",
        "daily.csv",
        "nodes.csv",
        "summary.json",
    ]
