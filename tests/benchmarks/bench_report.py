"""Benchmark: build time and size of a report of the four example scenarios.

Not part of ``pytest``. Measures, side by side in one run, against the targets of issue 9
(under 10 s, under 5 MB):

(a) ``supplynet report examples/scenarios/*.toml --out R --criticality`` in a fresh
    process (start-up, imports, solves, figures, the page): the wall time a user waits;
(b) the same with ``--assets DIR --markdown FILE`` (every figure also as PNG);
(c) ``sn.build_report(..., criticality=True)`` in this process, after the imports;
(d) the floor: the analyses the report shows, without the report (max throughput and
    least cost of each scenario and the baseline, N-1 criticality and the worst cuts of
    1-3 elements under each), in this process.

With the multi-day model in this version (``supplynet.simulate_supply``), (a) and (c) also
run ``--days 180``; without it the script says so.

    python tests/benchmarks/bench_report.py [--repeat 3]

Medians of ``--repeat`` runs, the modes interleaved.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import supplynet as sn

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "examples" / "scenarios").glob("*.toml"))
TARGET_S, TARGET_MB = 10.0, 5.0


def _cli(out: Path, extra: list[str]) -> float:
    exe = shutil.which("supplynet") or "supplynet"
    start = time.perf_counter()
    subprocess.run(
        [exe, "report", *map(str, SCENARIOS), "--out", str(out), "--criticality", *extra],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def _floor() -> float:
    start = time.perf_counter()
    net = sn.load_network()
    for sc in [None, *SCENARIOS]:
        sn.max_throughput(net, sc)
        sn.least_cost_supply(net, sc)
        sn.criticality(net, sc)
        for budget in (1, 2, 3):
            sn.interdict(net, sc, budget=budget)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    days = ["--days", "180"] if getattr(sn, "simulate_supply", None) else []
    sn.build_report(SCENARIOS[:1], Path(tempfile.mkdtemp()) / "warm.html")  # imports, caches
    times: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.repeat):
            times["a"].append(_cli(folder / "a.html", days))
            times["b"].append(
                _cli(
                    folder / "b.html",
                    [
                        *days,
                        "--assets",
                        str(folder / f"assets{i}"),
                        "--markdown",
                        str(folder / "b.md"),
                    ],
                )
            )
            report = sn.build_report(
                SCENARIOS,
                folder / "c.html",
                criticality=True,
                days=180 if days else None,
            )
            times["c"].append(report.build_time_s)
            times["d"].append(_floor())
        sizes["a"] = (folder / "a.html").stat().st_size
        sizes["b"] = sum(p.stat().st_size for p in (folder / "assets0").iterdir())
        sizes["c"] = report.size_bytes
        figures = len([p for p in (folder / "assets0").iterdir() if p.suffix == ".svg"])
    med = {k: statistics.median(v) for k, v in times.items()}
    horizon = (
        "with --days 180"
        if days
        else (
            "steady state only: this version has no supplynet.simulate_supply, so the 180-day "
            "horizon is not measured"
        )
    )
    print(f"Report of {len(SCENARIOS)} example scenarios with criticality ({horizon});")
    print(f"medians of {args.repeat} runs; {figures} figures, sections {report.sections}")
    print(f"{'run':<58} {'time':>8} {'size':>10} {'vs target':>10}")
    rows = [
        ("(a) supplynet report ... --criticality (fresh process)", "a", sizes["a"]),
        ("(b) the same with --assets and --markdown", "b", sizes["b"]),
        ("(c) sn.build_report in this process (after imports)", "c", sizes["c"]),
        ("(d) floor: the analyses alone, no report", "d", None),
    ]
    for label, key, size in rows:
        shown = f"{size / 1e6:.2f} MB" if size is not None else ""
        print(f"{label:<58} {med[key]:>7.2f}s {shown:>10} {med[key] / TARGET_S:>9.2f}x")
    print(
        f"page size {sizes['a'] / 1e6:.2f} MB = {sizes['a'] / 1e6 / TARGET_MB:.2f}x the "
        f"{TARGET_MB:.0f} MB target (the assets folder: {sizes['b'] / 1e6:.2f} MB)"
    )
    print(
        f"report over its analyses: (c)/(d) = {med['c'] / med['d']:.2f}x; "
        f"process start-up and imports: (a)-(c) = {med['a'] - med['c']:.2f} s"
    )


if __name__ == "__main__":
    main()
