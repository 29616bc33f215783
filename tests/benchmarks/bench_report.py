"""Benchmark: build time and size of a report of the four example scenarios.

Not part of ``pytest``. Measures, side by side in one run, against the targets of issue 9
(a report of the four example scenarios with a 180-day horizon and criticality under
10 s and under 5 MB); the scenarios are those the README names (baseline,
blockade_2025, sanctions_2022, kayes_region_closed):

(a) ``supplynet report S1 S2 S3 S4 --out R --criticality --days N`` in a fresh process
    (start-up, imports, solves, figures, the page): the wall time a user waits;
(b) the same with ``--assets DIR --markdown FILE`` (every figure also as PNG);
(c) ``sn.build_report(..., criticality=True, days=N)`` in this process, after the
    imports, with the time of its parts (from its INFO log lines);
(d) the floor: the analyses the report shows, without the report (max throughput and
    least cost of each scenario, the N-day ``simulate_supply`` run, N-1 criticality and
    the worst cuts of 1-3 elements under each), in this process, with the multi-day
    runs timed apart.

    python tests/benchmarks/bench_report.py [--days 180] [--repeat 1] [--no-cli]

Medians of ``--repeat`` runs, the modes interleaved. ``--days 0`` measures the
steady-state report.
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
NAMES = ("baseline", "blockade_2025", "sanctions_2022", "kayes_region_closed")
SCENARIOS = [ROOT / "examples" / "scenarios" / f"{name}.toml" for name in NAMES]
TARGET_S, TARGET_MB = 10.0, 5.0


def _cli(out: Path, extra: list[str]) -> float:
    exe = shutil.which("supplynet") or "supplynet"
    start = time.perf_counter()
    done = subprocess.run(
        [exe, "report", *map(str, SCENARIOS), "--out", str(out), "--criticality", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"supplynet report failed (exit {done.returncode}): {done.stderr}")
    return time.perf_counter() - start


def _floor(days: int) -> tuple[float, dict[str, float]]:
    """The analyses alone: total time, and the multi-day run of each scenario."""
    start = time.perf_counter()
    net = sn.load_network()
    multi_day: dict[str, float] = {}
    for path in SCENARIOS:
        sc = sn.Scenario.from_file(path)
        sn.max_throughput(net, sc)
        sn.least_cost_supply(net, sc)
        if days:
            t = time.perf_counter()
            sn.simulate_supply(net, sc, days)
            multi_day[sc.name] = time.perf_counter() - t
        sn.criticality(net, sc)
        for budget in (1, 2, 3):
            sn.interdict(net, sc, budget=budget)
    return time.perf_counter() - start, multi_day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--days", type=int, default=180, help="horizon (0: steady state)")
    parser.add_argument("--no-cli", action="store_true", help="skip (a) and (b)")
    args = parser.parse_args()
    days = ["--days", str(args.days)] if args.days else []
    sn.build_report(SCENARIOS[:1], Path(tempfile.mkdtemp()) / "warm.html")  # imports, caches
    times: dict[str, list[float]] = {"a": [], "b": [], "c": [], "d": []}
    multi_day: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    figures = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(args.repeat):
            if not args.no_cli:
                times["a"].append(_cli(folder / "a.html", days))
                extra = ["--assets", str(folder / f"assets{i}"), "--markdown", str(folder / "b.md")]
                times["b"].append(_cli(folder / "b.html", [*days, *extra]))
            report = sn.build_report(
                SCENARIOS, folder / "c.html", criticality=True, days=args.days or None
            )
            times["c"].append(report.build_time_s)
            floor, runs = _floor(args.days)
            times["d"].append(floor)
            for name, t in runs.items():
                multi_day.setdefault(name, []).append(t)
        sizes["c"] = report.size_bytes
        if not args.no_cli:
            sizes["a"] = (folder / "a.html").stat().st_size
            sizes["b"] = sum(p.stat().st_size for p in (folder / "assets0").iterdir())
            figures = len([p for p in (folder / "assets0").iterdir() if p.suffix == ".svg"])
    med = {k: statistics.median(v) for k, v in times.items() if v}
    horizon = f"{args.days}-day horizon" if args.days else "steady state only"
    print(f"Report of {', '.join(NAMES)} with criticality, {horizon};")
    print(f"medians of {args.repeat} run(s); sections {report.sections}")
    if figures:
        print(f"{figures} figures")
    print(f"{'run':<58} {'time':>8} {'size':>10} {'vs 10 s':>8}")
    rows = [
        ("(a) supplynet report ... --criticality (fresh process)", "a", sizes.get("a")),
        ("(b) the same with --assets and --markdown", "b", sizes.get("b")),
        ("(c) sn.build_report in this process (after imports)", "c", sizes["c"]),
        ("(d) floor: the analyses alone, no report", "d", None),
    ]
    for label, key, size in rows:
        if key not in med:
            continue
        shown = f"{size / 1e6:.2f} MB" if size is not None else ""
        print(f"{label:<58} {med[key]:>7.2f}s {shown:>10} {med[key] / TARGET_S:>7.2f}x")
    for name, values in multi_day.items():
        print(
            f"    of (d): simulate_supply {name}, {args.days} days: "
            f"{statistics.median(values):.2f} s"
        )
    page = sizes.get("a", sizes["c"])
    print(
        f"page size {page / 1e6:.2f} MB = {page / 1e6 / TARGET_MB:.2f}x the "
        f"{TARGET_MB:.0f} MB target"
    )
    print(f"report over its analyses: (c)/(d) = {med['c'] / med['d']:.2f}x")
    if "a" in med:
        print(f"process start-up and imports: (a)-(c) = {med['a'] - med['c']:.2f} s")


if __name__ == "__main__":
    main()
