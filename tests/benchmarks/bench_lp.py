"""Benchmark: LP solve times on the default network and on larger random networks.

Not part of ``pytest``. Measures, side by side in one run, the wall time of
``max_throughput`` (scenario applied, LP built, solved, read back) with HiGHS (one pass
and with the shortest-routing pass) and CBC, ``least_cost_supply``, and the independent
networkx maximum flow on the same node-split graph, and prints the ratios.

    python tests/benchmarks/bench_lp.py [--repeat 20] [--sizes 200,2000]

Every network is timed ``--repeat`` times (medians are printed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers

from conftest import nx_max_throughput, random_network

import supplynet as sn


def _time(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _row(label: str, net: sn.Network, dest: str, repeat: int) -> dict[str, float | str]:
    sc = sn.Scenario(name="bench")
    return {
        "network": label,
        "nodes": net.graph.number_of_nodes(),
        "arcs": net.graph.number_of_edges(),
        "highs_1pass_ms": _time(
            lambda: sn.max_throughput(net, sc, dest, shortest_routes=False), repeat
        ),
        "highs_2pass_ms": _time(lambda: sn.max_throughput(net, sc, dest), repeat),
        "cbc_1pass_ms": _time(
            lambda: sn.max_throughput(net, sc, dest, solver="cbc", shortest_routes=False), repeat
        ),
        "least_cost_ms": _time(lambda: sn.least_cost_supply(net, sc), repeat),
        "networkx_ms": _time(lambda: nx_max_throughput(net.graph, dest), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sizes", default="200,2000", help="random network sizes (nodes)")
    args = parser.parse_args()
    rows = [_row("default", sn.load_network(), "bamako", args.repeat)]
    for size in (int(s) for s in args.sizes.split(",") if s):
        net = random_network(7, n_nodes=size, sparse=True)
        rows.append(_row(f"random-{size}", net, "n0", args.repeat))
    cols = list(rows[0])
    print(" | ".join(f"{c:>15}" for c in cols))
    for r in rows:
        print(
            " | ".join(
                f"{r[c]:>15.1f}" if isinstance(r[c], float) else f"{r[c]!s:>15}" for c in cols
            )
        )
    print(f"\nmedians of {args.repeat} runs each; ratios (LP time / networkx max-flow time):")
    for r in rows:
        print(
            f"  {r['network']:>12}: HiGHS 1 pass {r['highs_1pass_ms'] / r['networkx_ms']:.1f}x,"
            f" 2 passes {r['highs_2pass_ms'] / r['networkx_ms']:.1f}x,"
            f" CBC {r['cbc_1pass_ms'] / r['networkx_ms']:.1f}x"
        )


if __name__ == "__main__":
    main()
