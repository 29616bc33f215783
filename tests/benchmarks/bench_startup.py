"""Benchmark: start-up and whole-process times of the command line.

Not part of ``pytest``. Each command runs in a fresh process ``--repeat`` times and the
median wall time is printed against its target (issue 10: ``supplynet --help`` <= 0.3 s,
``supplynet run examples/scenarios/blockade_2025.toml`` <= 1.0 s on a 2-core machine),
followed by the largest cumulative entries of ``python -X importtime`` for each.

Reference lines put the targets in context: the interpreter alone, a process that only
imports the libraries ``run`` computes with (numpy, networkx, highspy, PuLP, pydantic,
shapely, typer, rich), which no change to this project can make faster, and pandas alone
(``run`` prints its tables from rows and never imports it; other commands do). The project's
own modules are byte-compiled first (``compileall``), as a regular ``pip install`` does:
an editable install under ``PYTHONDONTWRITEBYTECODE=1`` (this machine's default) would
otherwise recompile every module on every run.

    python tests/benchmarks/bench_startup.py [--repeat 7] [--top 12]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCKADE = str(ROOT / "examples" / "scenarios" / "blockade_2025.toml")

#: label -> (arguments after ``python -m``/``-c``, target in seconds or None)
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "python -c pass (interpreter floor)": (["-c", "pass"], None),
    "import supplynet": (["-c", "import supplynet"], None),
    "import run's libraries only (floor of run)": (
        [
            "-c",
            "import numpy, networkx, highspy, pulp, pydantic, shapely, typer, rich.console, "
            "rich.table",
        ],
        None,
    ),
    "import pandas alone (run does not)": (["-c", "import pandas"], None),
    "supplynet --help": (["-m", "supplynet", "--help"], 0.3),
    "supplynet run blockade_2025.toml": (["-m", "supplynet", "run", BLOCKADE], 1.0),
    "supplynet run -f json blockade_2025.toml": (
        ["-m", "supplynet", "run", BLOCKADE, "-f", "json"],
        1.0,
    ),
}


def _wall(args: list[str], repeat: int) -> float:
    env = {**os.environ, "COLUMNS": "100"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _importtime(args: list[str], top: int) -> list[tuple[int, str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(3)) <= 3:  # top-level imports and their direct children
            rows.append((int(m.group(2)), m.group(3) + m.group(4)))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "supplynet", quiet=1)
    print(f"median wall time of {args.repeat} fresh processes ({sys.executable})\n")
    print(f"{'command':<44} {'median s':>9} {'target s':>9}  verdict")
    for label, (cmd, target) in COMMANDS.items():
        wall = _wall(cmd, args.repeat)
        verdict = "" if target is None else ("ok" if wall <= target else "OVER")
        shown = "-" if target is None else f"{target:.2f}"
        print(f"{label:<44} {wall:>9.3f} {shown:>9}  {verdict}")
    for label in ("supplynet --help", "supplynet run blockade_2025.toml"):
        print(f"\npython -X importtime, {label}: largest cumulative imports (ms)")
        for micros, name in _importtime(COMMANDS[label][0], args.top):
            print(f"  {micros / 1000:8.1f}  {name}")


if __name__ == "__main__":
    main()
