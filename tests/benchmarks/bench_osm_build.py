"""Benchmark: building from a region-scale OSM extract, .pbf vs .osm vs plain osmnx.

Generates a synthetic West-Africa-like extract (a jittered grid of towns joined by road
chains made of many short ways with shape nodes, local streets of classes the default
filter drops, buildings and waterways), writes it as ``.osm.pbf`` and ``.osm`` with
pyosmium, then times, each in a fresh subprocess (peak RSS = the child's VmHWM):

(a) ``build_network_from_osm`` from the ``.osm.pbf``;
(b) ``build_network_from_osm`` from the ``.osm`` (osmnx reader);
(c) plain osmnx: ``graph_from_xml(simplify=False, retain_all=True)`` + ``simplify_graph``.

It prints a table and the ratios (c)/(a) for time and memory. Target: (a) at least 3x
faster than (c) with at most a third of its peak memory.

Usage::

    python tests/benchmarks/bench_osm_build.py            # full size (>= 1M nodes)
    python tests/benchmarks/bench_osm_build.py --scale 0.02   # a quick run

Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "_out"
SPACING_DEG = 0.25
WAYS_PER_LINK = 8
SHAPE_NODES_PER_WAY = 5
CLASSES = ("trunk", "primary", "secondary", "primary", "secondary")
SURFACES = ("asphalt", "asphalt", "paved", "gravel")


# ---------------------------------------------------------------------- generation
class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.lon: list[np.ndarray] = []
        self.lat: list[np.ndarray] = []
        self.n = 0
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []

    def nodes(self, lon: np.ndarray, lat: np.ndarray) -> list[int]:
        ids = list(range(self.n + 1, self.n + 1 + len(lon)))
        self.lon.append(lon)
        self.lat.append(lat)
        self.n += len(lon)
        return ids

    def way(self, refs: list[int], tags: dict[str, str]) -> None:
        self.ways.append((len(self.ways) + 1, refs, tags))


def _road(
    g: _Gen, a: int, b: int, xa: tuple[float, float], xb: tuple[float, float], highway: str
) -> None:
    """A road chain a -> b made of WAYS_PER_LINK ways with shape nodes (wiggling)."""
    k = WAYS_PER_LINK * (SHAPE_NODES_PER_WAY + 1) - 1
    t = np.linspace(0, 1, k + 2)[1:-1]
    wiggle = g.rng.normal(0, 0.01, k)
    lon = xa[0] + (xb[0] - xa[0]) * t + wiggle
    lat = xa[1] + (xb[1] - xa[1]) * t - wiggle
    inner = g.nodes(lon, lat)
    chain = [a, *inner, b]
    step = SHAPE_NODES_PER_WAY + 1
    for w in range(WAYS_PER_LINK):
        refs = chain[w * step : (w + 1) * step + 1]
        tags = {"highway": highway, "surface": str(g.rng.choice(SURFACES))}
        if g.rng.random() < 0.3:
            tags["ref"] = f"N{int(g.rng.integers(1, 30))}"
        if g.rng.random() < 0.05:
            tags["lanes"] = "4"
        g.way(refs, tags)


def generate(scale: float, seed: int = 1) -> tuple[_Gen, list[dict[str, object]]]:
    """The synthetic extract and its facility table."""
    g = _Gen(seed)
    side = max(4, round(80 * scale**0.5))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    tlon = -12.0 + gx.ravel() * SPACING_DEG + g.rng.normal(0, 0.04, gx.size)
    tlat = 5.0 + gy.ravel() * SPACING_DEG + g.rng.normal(0, 0.04, gx.size)
    towns = g.nodes(tlon, tlat)
    xy = {t: (float(tlon[i]), float(tlat[i])) for i, t in enumerate(towns)}
    grid = np.array(towns).reshape(side, side)
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side:
                    a, b = int(grid[i, j]), int(grid[i + di, j + dj])
                    _road(g, a, b, xy[a], xy[b], str(g.rng.choice(CLASSES)))
    for t in towns:  # local streets (tertiary/residential: dropped by the default filter)
        for _ in range(5):
            lon = xy[t][0] + np.cumsum(g.rng.normal(0, 0.004, 6))
            lat = xy[t][1] + np.cumsum(g.rng.normal(0, 0.004, 6))
            g.way(
                [t, *g.nodes(lon, lat)],
                {"highway": str(g.rng.choice(["tertiary", "residential", "residential", "track"]))},
            )
    n_buildings = int(60_000 * scale)
    for _ in range(n_buildings):
        t = towns[int(g.rng.integers(len(towns)))]
        cx, cy = xy[t][0] + g.rng.normal(0, 0.02), xy[t][1] + g.rng.normal(0, 0.02)
        ids = g.nodes(
            np.array([cx, cx + 1e-4, cx + 1e-4, cx]), np.array([cy, cy, cy + 1e-4, cy + 1e-4])
        )
        g.way([*ids, ids[0]], {"building": "yes"})
    for _ in range(int(2_000 * scale)):
        lon = float(g.rng.uniform(-12, -12 + side * SPACING_DEG)) + np.cumsum(
            g.rng.normal(0, 0.01, 20)
        )
        lat = float(g.rng.uniform(5, 5 + side * SPACING_DEG)) + np.cumsum(g.rng.normal(0, 0.01, 20))
        g.way(g.nodes(lon, lat), {"waterway": "river"})
    mid, last = side // 2, side - 1
    fac = [
        {
            "node_id": "bamako",
            "name": "Bamako",
            "kind": "depot",
            "town": grid[mid, mid],
            "demand_m3_day": 2700.0,
        }
    ]
    for k, (i, j) in enumerate(((0, 0), (0, last), (last, 0), (last, last))):
        fac.append(
            {
                "node_id": f"port_{k}",
                "name": f"Port {k}",
                "kind": "port",
                "town": grid[i, j],
                "supply_m3_day": 1000.0,
            }
        )
    for k, (i, j) in enumerate(((mid // 2, mid), (mid, mid // 2), (mid + mid // 2, mid))):
        fac.append(
            {
                "node_id": f"border_{k}",
                "name": f"Border {k}",
                "kind": "border",
                "town": grid[i, j],
                "capacity_trucks_day": 100.0,
            }
        )
    for f in fac:
        t = int(f.pop("town"))  # type: ignore[call-overload]
        f["lon"], f["lat"] = xy[t][0] + 0.003, xy[t][1] + 0.003
    return g, fac


def write(g: _Gen, path: Path) -> None:
    import osmium

    if path.exists():
        path.unlink()
    lon, lat = np.concatenate(g.lon), np.concatenate(g.lat)
    writer = osmium.SimpleWriter(str(path))
    node = osmium.osm.mutable.Node
    for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True), start=1):
        writer.add_node(node(id=i, location=(x, y), version=1))
    way = osmium.osm.mutable.Way
    for wid, refs, tags in g.ways:
        writer.add_way(way(id=wid, nodes=refs, tags=tags, version=1))
    writer.close()


# ---------------------------------------------------------------------- measured runs
def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, path: str, facilities: str) -> None:
    """Run one measured build in this (fresh) process and print a JSON line."""
    import logging

    import pandas as pd

    logging.basicConfig(level=logging.WARNING)
    if mode == "osmnx":
        import osmnx as ox

        t0 = time.perf_counter()
        G = ox.graph_from_xml(path, simplify=False, retain_all=True)
        G = ox.simplify_graph(G)
        wall = time.perf_counter() - t0
        result = {"nodes": len(G), "arcs": G.number_of_edges()}
    else:
        import supplynet as sn

        fac = pd.read_csv(facilities)
        t0 = time.perf_counter()
        net = sn.build_network_from_osm(path, facilities=fac, progress=False)
        wall = time.perf_counter() - t0
        result = {"nodes": net.graph.number_of_nodes(), "arcs": net.graph.number_of_edges()}
    print(json.dumps({"mode": mode, "wall_s": wall, "peak_rss_mb": _peak_rss_mb(), **result}))


def _measure(mode: str, path: Path, facilities: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), str(facilities)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"{mode} run failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = >= 1M nodes / >= 100k highway ways; 0.02 for a quick run",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="reuse generated files if present")
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "PATH", "FACILITIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    OUT.mkdir(exist_ok=True)
    stem = OUT / f"synthetic_{args.scale:g}"
    pbf, osm, fac_csv = (
        Path(f"{stem}.osm.pbf"),
        Path(f"{stem}.osm"),
        Path(f"{stem}_facilities.csv"),
    )
    if not (args.keep and pbf.exists() and osm.exists() and fac_csv.exists()):
        t0 = time.perf_counter()
        g, fac = generate(args.scale, args.seed)
        import pandas as pd

        pd.DataFrame(fac).to_csv(fac_csv, index=False)
        write(g, pbf)
        write(g, osm)
        n_highway = sum(1 for _, _, t in g.ways if "highway" in t)
        print(
            f"generated {g.n:,} nodes, {len(g.ways):,} ways ({n_highway:,} highway) in "
            f"{time.perf_counter() - t0:.0f} s"
        )
    print(
        f"files: {pbf.name} {pbf.stat().st_size / 2**20:.0f} MiB, "
        f"{osm.name} {osm.stat().st_size / 2**20:.0f} MiB"
    )
    rows = {
        "(a) supplynet .osm.pbf": _measure("pbf", pbf, fac_csv),
        "(b) supplynet .osm": _measure("xml", osm, fac_csv),
        "(c) osmnx graph_from_xml+simplify": _measure("osmnx", osm, fac_csv),
    }
    print(
        f"\n{'run':36} {'wall s':>8} {'process s':>10} {'peak RSS MiB':>13} "
        f"{'nodes':>9} {'arcs':>9}"
    )
    for name, r in rows.items():
        print(
            f"{name:36} {r['wall_s']:8.1f} {r['process_s']:10.1f} {r['peak_rss_mb']:13.0f} "
            f"{r['nodes']:9,} {r['arcs']:9,}"
        )
    a, c = rows["(a) supplynet .osm.pbf"], rows["(c) osmnx graph_from_xml+simplify"]
    print(f"\n(c)/(a) time:   {c['wall_s'] / a['wall_s']:.1f}x   (target >= 3)")
    print(f"(c)/(a) memory: {c['peak_rss_mb'] / a['peak_rss_mb']:.1f}x   (target >= 3)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
