"""Reading and writing networks: the project's CSV folder schema and GeoPackage.

Writes are whole or nothing: files are written in full to a temporary name first and
moved into place only when complete, so a failed write leaves any earlier output intact,
and only the files a network consists of are ever replaced.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from supplynet.errors import DataError

if TYPE_CHECKING:
    from supplynet.network import Network

__all__ = [
    "atomic_file",
    "check_output_path",
    "read_geopackage",
    "write_csv_folder",
    "write_files",
    "write_geopackage",
]

logger = logging.getLogger(__name__)

_GRAPH_KEYS = ("tanker_m3", "cost_per_m3_km", "unmet_penalty_per_m3", "currency", "attribution")


def check_output_path(path: Path) -> None:
    """Fail early, naming ``path``, if a network cannot be saved there.

    A ``.gpkg`` path must not be a folder; any other path must not be a file. The parent
    folder is created if needed (an error if that is impossible).
    """
    gpkg = path.suffix.lower() == ".gpkg"
    if gpkg and path.is_dir():
        raise DataError(f"{path}: is a folder; a GeoPackage output needs a file name")
    if not gpkg and path.exists() and not path.is_dir():
        raise DataError(f"{path}: exists and is not a folder (use a .gpkg name for a file)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"{path}: cannot create its folder: {exc.strerror or exc}") from None
    if not os.access(path.parent, os.W_OK):
        raise DataError(f"{path}: folder {path.parent} is not writable")


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only on success.

    Errors while writing are reported against ``path``, not the temporary name.
    """
    check_output_path(path)
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent
        )
    except OSError as exc:
        raise DataError(f"{path}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    tmp.unlink()
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_files(folder: Path, files: dict[str, str], *, replaces: Iterable[str] = ()) -> list[Path]:
    """Write several text files into ``folder``, all of them or none.

    Every file is first written in full to a staging folder inside ``folder``. Then each
    earlier file of the same name, and each earlier file matching one of the glob
    patterns ``replaces`` (outputs of an earlier run that would otherwise mix with
    these), is set aside and the new files moved in; if any move fails, the new files
    are taken out and the earlier ones put back. Other files in ``folder`` are never
    touched.
    """
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{folder}: output path exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".supplynet-staging-", dir=folder))
    backup = staging / ".previous"
    backup.mkdir()
    stale = {p.name for pattern in replaces for p in folder.glob(pattern) if p.is_file()}
    set_aside: list[str] = []
    moved: list[str] = []
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        try:
            for name in sorted(stale | set(files)):
                if (folder / name).exists():
                    (folder / name).replace(backup / name)
                    set_aside.append(name)
            for name in files:
                (staging / name).replace(folder / name)
                moved.append(name)
        except BaseException:
            for name in moved:
                (folder / name).unlink(missing_ok=True)
            for name in set_aside:
                (backup / name).replace(folder / name)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in files]


def _assumption_rows(net: Network) -> pd.DataFrame:
    G = net.graph
    rows = [
        {"key": k, "value": G.graph[k], "unit": "", "source": "saved with the network"}
        for k in _GRAPH_KEYS
        if k in G.graph and k != "attribution"
    ]
    rows.append({"key": "name", "value": net.name, "unit": "", "source": "network name"})
    return pd.DataFrame(rows)


def write_csv_folder(net: Network, path: Path) -> None:
    """Write ``nodes.csv``, ``edges.csv``, ``assumptions.csv`` and ``ATTRIBUTION.txt``.

    Only these four files are replaced (all or none, see :func:`write_files`); any other
    file in the folder is left alone.
    """
    from supplynet.schema import iter_node_rows, roads_table

    check_output_path(path)
    attribution = net.graph.graph.get("attribution", "")
    write_files(
        path,
        {
            "nodes.csv": pd.DataFrame(list(iter_node_rows(net))).to_csv(index=False),
            "edges.csv": roads_table(net).to_csv(index=False),
            "assumptions.csv": _assumption_rows(net).to_csv(index=False),
            "ATTRIBUTION.txt": f"{attribution}\n",
        },
    )
    logger.info("Saved network %r to %s", net.name, path)


def write_geopackage(net: Network, path: Path) -> None:
    """Write layers ``nodes`` (points), ``edges`` (lines) and ``assumptions`` to a .gpkg."""
    import geopandas as gpd
    import pyogrio
    from shapely import wkt

    from supplynet.schema import iter_node_rows, roads_table

    nodes = pd.DataFrame(list(iter_node_rows(net)))
    nodes_gdf = gpd.GeoDataFrame(
        nodes, geometry=gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs="EPSG:4326"
    )
    roads = roads_table(net)
    roads_gdf = gpd.GeoDataFrame(
        roads.drop(columns="geometry"),
        geometry=[wkt.loads(g) for g in roads["geometry"]],
        crs="EPSG:4326",
    )
    meta = _assumption_rows(net)
    meta.loc[len(meta)] = ["attribution", net.graph.graph.get("attribution", ""), "", ""]
    with atomic_file(path) as tmp:
        try:
            nodes_gdf.to_file(tmp, layer="nodes", driver="GPKG", engine="pyogrio")
            roads_gdf.to_file(tmp, layer="edges", driver="GPKG", engine="pyogrio")
            pyogrio.write_dataframe(meta.astype(str), tmp, layer="assumptions", driver="GPKG")
        except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise DataError(f"{path}: cannot write the GeoPackage: {exc}") from None
    logger.info("Saved network %r to %s", net.name, path)


def read_geopackage(path: Path) -> Network:
    """Read a GeoPackage written by :func:`write_geopackage`."""
    import pyogrio

    from supplynet.network import Network

    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
        if missing := {"nodes", "edges"} - layers:
            raise DataError(f"{path}: missing layer(s) {', '.join(sorted(missing))}")
        nodes = pyogrio.read_dataframe(path, layer="nodes")
        edges = pyogrio.read_dataframe(path, layer="edges")
        meta = (
            pyogrio.read_dataframe(path, layer="assumptions", read_geometry=False)
            if "assumptions" in layers
            else pd.DataFrame(columns=["key", "value"])
        )
    except pyogrio.errors.DataSourceError as exc:
        raise DataError(f"{path}: not a readable GeoPackage ({exc})") from None
    values = dict(zip(meta["key"], meta["value"], strict=True))
    name = values.pop("name", path.stem)
    values.pop("attribution", None)
    nodes = pd.DataFrame(nodes.drop(columns="geometry"))
    wkts = edges.geometry.to_wkt()
    edges = pd.DataFrame(edges.drop(columns="geometry"))
    edges["geometry"] = wkts
    return Network.from_tables(nodes, edges, name=name, assumptions=values, source=str(path))
