"""A plain (non-editable) wheel install carries the embedded data."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_install_loads_the_embedded_network(tmp_path: Path) -> None:
    dist, site = tmp_path / "dist", tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("supplynet-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for data in (
        "nodes.csv",
        "edges.csv",
        "assumptions.csv",
        "road_capacity.csv",
        "road_condition.csv",
        "SOURCES.md",
        "observed/arrivals.csv",
        "observed/attacks.csv",
        "observed/measures.csv",
        "countries.geojson",
    ):
        assert f"supplynet/_data/{data}" in names
    assert "supplynet/py.typed" in names
    for template in ("report.html.j2", "report.css"):
        assert f"supplynet/report/templates/{template}" in names
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import supplynet as sn\n"
        "from supplynet.datasets import data_path\n"
        "path = str(data_path('nodes.csv'))\n"
        f"assert path.startswith({str(site)!r}) and '_data' in path, path\n"
        "net = sn.load_network()\n"
        "obs = sn.load_observed(start='2025-09-01', end='2026-02-28')\n"
        f"assert str(obs.folder).startswith({str(site)!r}), obs.folder\n"
        "obs.check_network(net)\n"
        "from supplynet.report.maps import load_countries\n"
        "import supplynet.report.maps as maps\n"
        f"assert maps.__file__.startswith({str(site)!r}), maps.__file__\n"
        "rep = sn.build_report([], 'report.html')\n"
        "assert rep.sections[:2] == ['summary', 'map'], rep.sections\n"
        "assert len(load_countries().shapes) > 10\n"
        "print(len(net.nodes), round(sn.max_throughput(net).delivered_m3_day), len(obs.arrivals))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    nodes, delivered, arrivals = map(int, proc.stdout.split())
    assert nodes >= 40 and delivered > 0 and arrivals > 0
