"""Benchmark: building from a region-scale OSM extract, .pbf vs .osm vs plain osmnx.

Generates a synthetic West-Africa-like extract that looks like a real one:

* ids spread like a real extract's: node ids over 1..1.3e10 and way ids over 1..1.4e9,
  the new nodes of one way consecutive (as an editor creates them), files in id order
  with the ``Sort.Type_then_ID`` header of Geofabrik extracts;
* real densities: most nodes are not on the kept roads (motorway..secondary hold about
  an eighth of them): buildings, local streets of the classes the filter drops (some
  leaving the main roads between towns), rivers, land-use areas, tagged nodes (towns,
  crossings, traffic signals) and free-standing points of interest;
* ways share nodes at junctions: towns join up to four main roads and their streets,
  main roads are split into several ways with shape nodes.

It writes the extract as ``.osm.pbf`` and ``.osm`` with pyosmium, then times each mode
``--repeat`` times, each run in a fresh subprocess (peak RSS = the child's VmHWM):

(a) ``build_network_from_osm`` from the ``.osm.pbf``;
(b) ``build_network_from_osm`` from the ``.osm`` (osmnx reader);
(c) plain osmnx doing the same work: ``graph_from_xml(simplify=False, retain_all=True)``,
    keeping the edges of the same highway classes as supplynet (``graph_from_xml`` takes
    no road filter, so the others are removed after parsing, with the nodes left
    isolated), then ``simplify_graph``.

It prints the medians (wall time of the build, whole process time, peak RSS), the nodes
and arcs out of each side, and the ratios against osmnx. Targets: (a) at least 3x faster
than (c) with at most a third of its peak memory.

Usage::

    python tests/benchmarks/bench_osm_build.py            # full size (>= 1M nodes), 3 runs
    python tests/benchmarks/bench_osm_build.py --scale 0.02 --repeat 1   # a quick run

Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "_out"
MAX_NODE_ID = 13_000_000_000
MAX_WAY_ID = 1_400_000_000
SPACING_DEG = 0.25
WAYS_PER_LINK = 3
SHAPE_NODES_PER_WAY = 3
STREETS_PER_TOWN = 6
BUILDINGS_PER_TOWN = 28
KEPT = ("motorway", "trunk", "primary", "secondary")
HIGHWAYS = (*KEPT, *(f"{c}_link" for c in KEPT))
CLASSES = ("trunk", "primary", "secondary", "primary", "secondary")
LOCAL = ("tertiary", "residential", "residential", "unclassified", "track", "service")
SURFACES = ("asphalt", "asphalt", "paved", "gravel")


# ---------------------------------------------------------------------- generation
class _Gen:
    """Nodes (by index, in creation batches) and ways (node indices, tags)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.lon: list[np.ndarray] = []
        self.lat: list[np.ndarray] = []
        self.batches: list[int] = []
        self.n = 0
        self.node_tags: dict[int, dict[str, str]] = {}
        self.ways: list[tuple[list[int], dict[str, str]]] = []

    def nodes(self, lon: np.ndarray, lat: np.ndarray) -> list[int]:
        """New nodes, created together (consecutive ids)."""
        idx = list(range(self.n, self.n + len(lon)))
        self.lon.append(np.asarray(lon, dtype=float))
        self.lat.append(np.asarray(lat, dtype=float))
        self.batches.append(len(lon))
        self.n += len(lon)
        return idx

    def way(self, refs: list[int], tags: dict[str, str]) -> None:
        self.ways.append((refs, tags))

    def ids(self) -> tuple[np.ndarray, np.ndarray]:
        """Node ids by index and way ids by position, spread over the real id ranges."""
        rng = self.rng
        sizes = np.array(self.batches, dtype=np.int64)
        order = rng.permutation(len(sizes))  # batch order in id space
        starts = np.sort(rng.integers(0, MAX_NODE_ID - self.n, len(sizes)))
        starts = starts + np.concatenate([[0], np.cumsum(sizes[order])[:-1]]) + 1
        batch_start = np.empty(len(sizes), dtype=np.int64)
        batch_start[order] = starts
        first_index = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        node_ids = np.repeat(batch_start - first_index, sizes) + np.arange(self.n)
        way_ids = np.sort(rng.choice(MAX_WAY_ID, size=len(self.ways), replace=False) + 1)
        return node_ids, rng.permutation(way_ids)


def _wiggle_line(
    g: _Gen, xa: tuple[float, float], xb: tuple[float, float], k: int
) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 1, k + 2)[1:-1]
    wiggle = g.rng.normal(0, 0.01, k)
    return xa[0] + (xb[0] - xa[0]) * t + wiggle, xa[1] + (xb[1] - xa[1]) * t - wiggle


def _road(
    g: _Gen, a: int, b: int, xa: tuple[float, float], xb: tuple[float, float], highway: str
) -> list[int]:
    """A main road a -> b: WAYS_PER_LINK ways with shape nodes; returns its inner nodes."""
    k = WAYS_PER_LINK * (SHAPE_NODES_PER_WAY + 1) - 1
    inner = g.nodes(*_wiggle_line(g, xa, xb, k))
    chain = [a, *inner, b]
    step = SHAPE_NODES_PER_WAY + 1
    for w in range(WAYS_PER_LINK):
        tags = {"highway": highway, "surface": str(g.rng.choice(SURFACES))}
        if g.rng.random() < 0.3:
            tags["ref"] = f"N{int(g.rng.integers(1, 30))}"
        if g.rng.random() < 0.05:
            tags["lanes"] = "4"
        if g.rng.random() < 0.02:
            tags["oneway"] = "yes"
        g.way(chain[w * step : (w + 1) * step + 1], tags)
    for n in inner:
        r = g.rng.random()
        if r < 0.01:
            g.node_tags[n] = {"highway": "crossing"}
        elif r < 0.015:
            g.node_tags[n] = {"highway": "traffic_signals"}
    return inner


def _street(g: _Gen, start: int, x: tuple[float, float]) -> list[tuple[int, float, float]]:
    """A local street (a class the filter drops) from node ``start`` at ``x``."""
    n = 5
    lon = x[0] + np.cumsum(g.rng.normal(0, 0.004, n))
    lat = x[1] + np.cumsum(g.rng.normal(0, 0.004, n))
    new = g.nodes(lon, lat)
    g.way([start, *new], {"highway": str(g.rng.choice(LOCAL))})
    return list(zip(new, lon.tolist(), lat.tolist(), strict=True))


def generate(scale: float, seed: int = 1) -> tuple[_Gen, list[dict[str, object]]]:
    """The synthetic extract and its facility table."""
    g = _Gen(seed)
    rng = g.rng
    side = max(4, round(90 * scale**0.5))
    gx, gy = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    tlon = -12.0 + gx.ravel() * SPACING_DEG + rng.normal(0, 0.04, gx.size)
    tlat = 5.0 + gy.ravel() * SPACING_DEG + rng.normal(0, 0.04, gx.size)
    towns = g.nodes(tlon, tlat)
    xy = {t: (float(tlon[i]), float(tlat[i])) for i, t in enumerate(towns)}
    for t in towns:
        g.node_tags[t] = {"place": "town", "name": f"Town {t}"}
    grid = np.array(towns).reshape(side, side)
    shape_nodes: list[int] = []
    for i in range(side):
        for j in range(side):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side:
                    a, b = int(grid[i, j]), int(grid[i + di, j + dj])
                    shape_nodes += _road(g, a, b, xy[a], xy[b], str(rng.choice(CLASSES)))
    all_lon, all_lat = np.concatenate(g.lon), np.concatenate(g.lat)
    for t in towns:  # local streets from the town centre, some joined to each other
        for _ in range(STREETS_PER_TOWN - 2):
            new = _street(g, t, xy[t])
            if rng.random() < 0.3:  # a side street from this one
                k, x, y = new[int(rng.integers(len(new)))]
                _street(g, k, (x, y))
    for _ in range(len(towns) * 2):  # tracks leaving the main roads between towns
        s = shape_nodes[int(rng.integers(len(shape_nodes)))]
        _street(g, s, (float(all_lon[s]), float(all_lat[s])))
    for _ in range(int(len(towns) * BUILDINGS_PER_TOWN)):
        t = towns[int(rng.integers(len(towns)))]
        cx, cy = xy[t][0] + rng.normal(0, 0.02), xy[t][1] + rng.normal(0, 0.02)
        ids = g.nodes(
            np.array([cx, cx + 1e-4, cx + 1e-4, cx]), np.array([cy, cy, cy + 1e-4, cy + 1e-4])
        )
        g.way([*ids, ids[0]], {"building": "yes"})
    west, south = -12.0, 5.0
    east, north = west + side * SPACING_DEG, south + side * SPACING_DEG
    for _ in range(int(len(towns) * 0.2)):  # rivers
        lon = float(rng.uniform(west, east)) + np.cumsum(rng.normal(0, 0.01, 40))
        lat = float(rng.uniform(south, north)) + np.cumsum(rng.normal(0, 0.01, 40))
        g.way(g.nodes(lon, lat), {"waterway": "river"})
    for _ in range(int(len(towns) * 0.4)):  # land-use areas
        cx, cy = float(rng.uniform(west, east)), float(rng.uniform(south, north))
        angle = np.linspace(0, 2 * np.pi, 20, endpoint=False)
        ids = g.nodes(cx + 0.01 * np.cos(angle), cy + 0.01 * np.sin(angle))
        g.way([*ids, ids[0]], {"landuse": str(rng.choice(["farmland", "forest", "residential"]))})
    n_poi = int(0.015 * g.n)  # free-standing points of interest
    for k in g.nodes(rng.uniform(west, east, n_poi), rng.uniform(south, north, n_poi)):
        g.node_tags[k] = {"amenity": str(rng.choice(["school", "place_of_worship", "fuel"]))}
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


def write(g: _Gen, node_ids: np.ndarray, way_ids: np.ndarray, path: Path) -> None:
    """Write nodes, then ways, in id order, with the sorted header real extracts carry."""
    import osmium

    if path.exists():
        path.unlink()
    lon, lat = np.concatenate(g.lon), np.concatenate(g.lat)
    header = osmium.io.Header()
    header.set("sorting", "Type_then_ID")
    header.set("generator", "supplynet bench_osm_build")
    writer = osmium.SimpleWriter(str(path), 4 * 2**20, header)
    node = osmium.osm.mutable.Node
    tags = g.node_tags
    for i in np.argsort(node_ids).tolist():
        writer.add_node(
            node(
                id=int(node_ids[i]),
                location=(float(lon[i]), float(lat[i])),
                tags=tags.get(i, {}),
                version=1,
            )
        )
    way = osmium.osm.mutable.Way
    for w in np.argsort(way_ids).tolist():
        refs, way_tags = g.ways[w]
        writer.add_way(way(id=int(way_ids[w]), nodes=node_ids[refs].tolist(), tags=way_tags))
    writer.close()


# ---------------------------------------------------------------------- measured runs
def _rss_mb() -> float:
    """Resident memory now (after the imports, before the build)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _osmnx_same_roads(path: str) -> object:
    """osmnx: parse, keep the edges of supplynet's default classes, simplify."""
    import networkx as nx
    import osmnx as ox

    G = ox.graph_from_xml(path, simplify=False, retain_all=True)
    wanted = set(HIGHWAYS)

    def kept(value: object) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(str(v).strip().lower() in wanted for v in values)

    G.remove_edges_from(
        [(u, v, k) for u, v, k, h in G.edges(keys=True, data="highway") if not kept(h)]
    )
    G.remove_nodes_from(list(nx.isolates(G)))
    return ox.simplify_graph(G)


def _child(mode: str, path: str, facilities: str) -> None:
    """Run one measured build in this (fresh) process and print a JSON line.

    The build is timed from after the top-level imports (osmnx, or supplynet, which
    imports osmnx or pyosmium when the build needs them); the peak RSS is the process's.
    """
    import logging

    import pandas as pd

    logging.basicConfig(level=logging.WARNING)
    if mode == "osmnx":
        import osmnx  # noqa: F401

        start_rss = _rss_mb()
        t0 = time.perf_counter()
        G = _osmnx_same_roads(path)
        wall = time.perf_counter() - t0
        result = {"nodes": len(G), "arcs": G.number_of_edges()}  # type: ignore[attr-defined]
    else:
        import supplynet as sn

        fac = pd.read_csv(facilities)
        start_rss = _rss_mb()
        t0 = time.perf_counter()
        net = sn.build_network_from_osm(
            path, facilities=fac, highway=",".join(HIGHWAYS), progress=False
        )
        wall = time.perf_counter() - t0
        result = {"nodes": net.graph.number_of_nodes(), "arcs": net.graph.number_of_edges()}
    peak = _peak_rss_mb()
    line = {"mode": mode, "wall_s": wall, "start_rss_mb": start_rss, "peak_rss_mb": peak}
    print(json.dumps({**line, **result}))


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


def _median_row(runs: list[dict[str, float]]) -> dict[str, float]:
    keys = ("wall_s", "process_s", "start_rss_mb", "peak_rss_mb")
    row = {k: statistics.median(r[k] for r in runs) for k in keys}
    row["wall_min"] = min(r["wall_s"] for r in runs)
    row["wall_max"] = max(r["wall_s"] for r in runs)
    row["nodes"], row["arcs"] = runs[0]["nodes"], runs[0]["arcs"]
    return row


def _files(args: argparse.Namespace, need_xml: bool) -> tuple[Path, Path, Path]:
    OUT.mkdir(exist_ok=True)
    stem = OUT / f"synthetic_{args.scale:g}_seed{args.seed}"
    pbf, osm, fac_csv = (
        Path(f"{stem}.osm.pbf"),
        Path(f"{stem}.osm"),
        Path(f"{stem}_facilities.csv"),
    )
    have = pbf.exists() and fac_csv.exists() and (osm.exists() or not need_xml)
    if not (args.keep and have):
        import pandas as pd

        t0 = time.perf_counter()
        g, fac = generate(args.scale, args.seed)
        node_ids, way_ids = g.ids()
        pd.DataFrame(fac).to_csv(fac_csv, index=False)
        write(g, node_ids, way_ids, pbf)
        if need_xml:
            write(g, node_ids, way_ids, osm)
        on_kept = {r for refs, t in g.ways if t.get("highway") in HIGHWAYS for r in refs}
        on_roads = {r for refs, t in g.ways if "highway" in t for r in refs}
        n_highway = sum(1 for _, t in g.ways if "highway" in t)
        n_kept = sum(1 for _, t in g.ways if t.get("highway") in HIGHWAYS)
        print(
            f"generated in {time.perf_counter() - t0:.0f} s: {g.n:,} nodes "
            f"({len(on_kept) / g.n:.0%} on kept roads, {len(on_roads) / g.n:.0%} on any "
            f"highway, {len(g.node_tags) / g.n:.1%} tagged), {len(g.ways):,} ways "
            f"({n_highway:,} highway, {n_kept:,} of the kept classes); node ids "
            f"{node_ids.min():,}..{node_ids.max():,}, way ids {way_ids.min():,}.."
            f"{way_ids.max():,}"
        )
    return pbf, osm, fac_csv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = >= 1M nodes; 0.02 for a quick run"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode (median)")
    parser.add_argument("--keep", action="store_true", help="reuse generated files if present")
    parser.add_argument(
        "--modes",
        default="a,b,c",
        help="modes to run, comma-separated (a: .osm.pbf, b: .osm, c: osmnx); the "
        "ratios need a and c",
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("MODE", "PATH", "FACILITIES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    chosen = {m.strip() for m in args.modes.split(",")}
    pbf, osm, fac_csv = _files(args, need_xml=bool(chosen & {"b", "c"}))
    sizes = ", ".join(
        f"{f.name} {f.stat().st_size / 2**20:.0f} MiB" for f in (pbf, osm) if f.exists()
    )
    print(f"files: {sizes}; {args.repeat} run(s) per mode, each in a fresh process, interleaved")
    all_modes = {
        "a": ("(a) supplynet .osm.pbf", "pbf", pbf),
        "b": ("(b) supplynet .osm", "xml", osm),
        "c": ("(c) osmnx graph_from_xml+simplify", "osmnx", osm),
    }
    modes = {name: (mode, path) for key, (name, mode, path) in all_modes.items() if key in chosen}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
    for _ in range(args.repeat):
        for name, (mode, path) in modes.items():
            runs[name].append(_measure(mode, path, fac_csv))
    rows = {name: _median_row(r) for name, r in runs.items()}
    print(
        f"\n{'median of ' + str(args.repeat):36} {'build s':>8} {'(min-max)':>13} "
        f"{'process s':>10} {'RSS imported':>13} {'peak RSS MiB':>13} {'nodes':>8} {'arcs':>8}"
    )
    for name, r in rows.items():
        spread = f"({r['wall_min']:.1f}-{r['wall_max']:.1f})"
        print(
            f"{name:36} {r['wall_s']:8.1f} {spread:>13} {r['process_s']:10.1f} "
            f"{r['start_rss_mb']:13.0f} {r['peak_rss_mb']:13.0f} {r['nodes']:8,} {r['arcs']:8,}"
        )
    print()
    c = rows.get("(c) osmnx graph_from_xml+simplify")
    for name in ("(a) supplynet .osm.pbf", "(b) supplynet .osm"):
        r = rows.get(name)
        if r is None or c is None:
            continue
        print(
            f"{name[:3]} against (c) osmnx: {c['wall_s'] / r['wall_s']:.1f}x faster, "
            f"peak memory {r['peak_rss_mb'] / c['peak_rss_mb']:.2f}x osmnx's"
        )
    print("targets for (a): >= 3x faster, <= 0.33 of the memory")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
