"""Benchmark: the multi-day model (``simulate_supply``) against its solver floor.

Not part of ``pytest``. Measures, side by side in one run:

(a) ``simulate_supply(net, scenario, days)`` as a user calls it, with the time spent
    preparing the inputs (scenario resolved by day), building the LP from arrays, solving
    it, reading the solution and building the result tables, apart;
(b) the floor: the same LP (identical arrays) handed straight to highspy and solved the
    same way (``solve_timeline_lp``: held routes priced back, lazy road rows, the first
    pass where ``uses_passes`` says, the parallel dual simplex where ``uses_parallel``
    says), and, for comparison, the whole LP as one cold (serial) HiGHS run;
    plus the time PuLP takes to build the same model (``LinearProgram.to_pulp``), the
    interface users see and the path to CBC, for comparison;
(c) how the cost grows: 90, 180 and 365 days on the default network, and a 2,000-node
    random network of road density.

Both sides are measured warm: a 3-day run first pays the process's one-off costs (lazy
imports, HiGHS's first model), which would otherwise fall on the first (a) only.

One product (each node's demand) and all products and classes (the demand tables) are
measured separately. Ratios: (a) / (b), and the growth per day.

    python tests/benchmarks/bench_multiday.py [--days 90,180,365] [--sizes 2000]
        [--big-days 30,90] [--repeat 1] [--no-pulp] [--no-cold]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from conftest import random_network

import supplynet as sn
from supplynet.analysis.simulate import build_timeline_lp
from supplynet.analysis.timeline_solve import solve_timeline_lp, uses_parallel, uses_passes

SCENARIO = "examples/scenarios/six_week_cut.toml"


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _tables(tl: sn.SupplyTimeline) -> None:
    for name in ("daily", "nodes", "corridors", "balance"):
        getattr(tl, name)


def measure(
    label: str,
    net: sn.Network,
    sc: sn.Scenario,
    days: int,
    single: bool,
    repeat: int,
    *,
    pulp: bool,
    cold: bool,
) -> dict[str, Any]:
    def whole() -> sn.SupplyTimeline:
        tl = sn.simulate_supply(net, sc, days, single_product=single)
        start = time.perf_counter()
        _tables(tl)
        tl.timings["tables_s"] = time.perf_counter() - start
        return tl

    total, tl = _median(whole, repeat)
    assert tl.ok, tl.status
    lp, _ = build_timeline_lp(net, sc, days, single_product=single)
    two_pass = uses_passes(sc, days)  # the strategies simulate_supply picks
    parallel = uses_parallel(lp)
    floor, sol = _median(
        lambda: solve_timeline_lp(lp, two_pass=two_pass, parallel=parallel), repeat
    )
    assert sol.status is sn.Status.OPTIMAL
    row: dict[str, Any] = {
        "case": label,
        "products": len(tl.products),
        "days": days,
        "columns": lp.num_cols,
        "rows": lp.num_rows,
        "prepare_s": tl.timings["prepare_s"],
        "build_s": tl.timings["build_s"],
        "solve_s": tl.timings["solve_s"],
        "read_s": tl.timings["read_s"] + tl.timings["tables_s"],
        "a_total_s": total,
        "b_floor_s": floor,
        "ratio_a_b": total / floor,
        "parallel": parallel,
    }
    if cold:
        row["whole_lp_s"], _ = _median(
            lambda: solve_timeline_lp(lp, two_pass=False, held_routes=False), 1
        )
    if pulp:
        row["pulp_build_s"], _ = _median(lp.to_pulp, 1)
    return row


def _print(rows: list[dict[str, Any]]) -> None:
    cols: list[str] = []
    for r in rows:
        cols += [c for c in r if c not in cols]
    print(" | ".join(f"{c:>12}" for c in cols))
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(f"{v:>12.3f}" if isinstance(v, float) else f"{v!s:>12}")
        print(" | ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="90,180,365", help="horizons on the default network")
    parser.add_argument("--sizes", default="2000", help="random network sizes (nodes)")
    parser.add_argument("--big-days", default="30,90", help="horizons on the random networks")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-pulp", action="store_true", help="skip the PuLP build timing")
    parser.add_argument(
        "--no-cold", action="store_true", help="skip the whole LP's cold one-run solve"
    )
    args = parser.parse_args()
    net = sn.load_network()
    sc = sn.Scenario.from_file(SCENARIO)
    # warm-up: the first call of a process pays one-off costs (lazy imports, HiGHS's
    # first model) that (b), measured after it, would not; both sides start warm
    sn.simulate_supply(net, sc, 3)
    rows = []
    for days in (int(d) for d in args.days.split(",") if d):
        for single in (True, False):
            label = "default, 1 product" if single else "default, all"
            cold = not args.no_cold and days <= 180
            rows.append(
                measure(label, net, sc, days, single, args.repeat, pulp=not args.no_pulp, cold=cold)
            )
            _print(rows[-1:]) if len(rows) > 1 else _print(rows)
    for size in (int(s) for s in args.sizes.split(",") if s):
        big = random_network(7, n_nodes=size, sparse=True, demand=True)
        base = sn.Scenario(name="random")
        for days in (int(d) for d in args.big_days.split(",") if d):
            rows.append(
                measure(
                    f"random-{size}, 1 product",
                    big,
                    base,
                    days,
                    True,
                    1,
                    pulp=False,
                    cold=False,
                )
            )
            _print(rows[-1:])
    print("\nall rows:")
    _print(rows)
    print("\nratios: (a) simulate_supply whole call / (b) the same LP straight to highspy")
    for r in rows:
        extra = ""
        if "whole_lp_s" in r:
            extra = f"; the whole LP in one cold run: {r['whole_lp_s'] / r['b_floor_s']:.1f}x (b)"
        print(f"  {r['case']:>24}, {r['days']:>3} days: {r['ratio_a_b']:.2f}x{extra}")
    print("\ngrowth (whole call per day of horizon):")
    for r in rows:
        print(
            f"  {r['case']:>24}, {r['days']:>3} days: "
            f"{1000 * r['a_total_s'] / r['days']:.1f} ms/day"
        )


if __name__ == "__main__":
    main()
