"""Network files: the CSV folder and the GeoPackage, read and written as tables.

This module moves :class:`~supplynet.tables.NetworkTables` between memory and files and
knows nothing of :class:`~supplynet.network.Network`, which stands above it:
``Network.save`` turns itself into tables and hands them here, ``Network.load`` builds
itself from the tables read here.

A saved network
---------------
CSV folder (all files written together, or none: :func:`~supplynet.atomic.write_files`):

``nodes.csv``, ``edges.csv``   the tables of :mod:`supplynet.schema` (per-direction
                               values in ``<column>_rev`` columns)
``assumptions.csv``            ``key, value, unit, source``: the graph assumptions and
                               the network's name
``network.json``               ``{"supplynet_network": 2, "name": ..., "graph": {...},
                               "columns": {...}}``: the other graph attributes (name,
                               attribution, what a builder recorded: highway classes,
                               source ...) and the types of extra columns
``ATTRIBUTION.txt``            the data attribution

GeoPackage (written to a temporary file and renamed into place): layers ``nodes``
(points), ``edges`` (lines), ``assumptions`` and ``network`` (one row, column ``json``:
the document of ``network.json``). Numeric columns are numeric (Real) fields, also when
every value is empty.

Folders without ``network.json`` or ``assumptions.csv`` (hand-made ones, or saved by
earlier versions) read too: the embedded assumptions fill the gaps.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplynet.assumptions import load_assumptions
from supplynet.atomic import atomic_file, check_output_path, write_files
from supplynet.columns import decode_columns
from supplynet.errors import DataError
from supplynet.schema import GRAPH_ASSUMPTIONS, check_columns
from supplynet.tables import NetworkTables
from supplynet.text_tables import TextTable, read_text_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMAT_VERSION",
    "atomic_file",
    "check_output_path",
    "read_csv_folder",
    "read_geopackage",
    "write_csv_folder",
    "write_files",
    "write_geopackage",
]

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
_DOC_KEY = "supplynet_network"


def _document(tables: NetworkTables) -> str:
    doc = {
        _DOC_KEY: FORMAT_VERSION,
        "name": tables.name,
        "graph": tables.graph,
        "columns": tables.kinds,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _read_document(text: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DataError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(_DOC_KEY), int):
        raise DataError(f"{what}: not a supplynet network document (no {_DOC_KEY!r} key)")
    if doc[_DOC_KEY] > FORMAT_VERSION:
        raise DataError(
            f"{what}: written by a newer supplynet (format {doc[_DOC_KEY]}, this one reads "
            f"up to {FORMAT_VERSION}); upgrade supplynet"
        )
    for key, kind in (("graph", dict), ("columns", dict)):
        if not isinstance(doc.get(key, {}), kind):
            raise DataError(f"{what}: {key!r} must be a JSON object")
    return doc


def _assumption_rows(tables: NetworkTables) -> pd.DataFrame:
    import pandas as pd

    values = tables.assumptions or {}
    rows = [
        {"key": k, "value": str(values[k]), "unit": "", "source": "saved with the network"}
        for k in GRAPH_ASSUMPTIONS
        if k in values
    ]
    rows.append({"key": "name", "value": tables.name or "", "unit": "", "source": "network name"})
    return pd.DataFrame(rows, columns=["key", "value", "unit", "source"])


def _frame(table: pd.DataFrame | TextTable) -> pd.DataFrame:
    """A table read from a folder (text cells) as a DataFrame, for writing it again."""
    if isinstance(table, TextTable):
        import pandas as pd

        return pd.DataFrame(table.rows, columns=list(table.columns))
    return table


def _csv(table: pd.DataFrame) -> str:
    text: str = table.to_csv(index=False, lineterminator="\n")
    return text


def _wkt(geom: Any) -> str | None:
    """WKT of a LineString with every coordinate as Python writes it, so it reads back
    exactly (GEOS's writer rounds to a number of decimal places)."""
    if geom is None or isinstance(geom, str):
        return geom
    if geom.is_empty:
        return f"{geom.geom_type.upper()} EMPTY"
    points = ", ".join(" ".join(repr(float(c)) for c in point) for point in geom.coords)
    return f"{geom.geom_type.upper()}{' Z' if geom.has_z else ''} ({points})"


def write_csv_folder(tables: NetworkTables, path: Path) -> None:
    """Write a network's tables as a CSV folder (see the module docstring).

    Only the network's five files are replaced, all together or none; any other file in
    the folder is left alone.
    """
    path = Path(path)
    check_output_path(path)
    edges = _frame(tables.edges).copy()
    edges["geometry"] = [_wkt(g) for g in edges["geometry"]]
    attribution = str(tables.graph.get("attribution", ""))
    write_files(
        path,
        {
            "nodes.csv": _csv(_frame(tables.nodes)),
            "edges.csv": _csv(edges),
            "assumptions.csv": _csv(_assumption_rows(tables)),
            "network.json": _document(tables) + "\n",
            "ATTRIBUTION.txt": f"{attribution}\n",
        },
    )
    logger.info("Saved network %r to %s", tables.name, path)


def read_csv_folder(folder: Path) -> NetworkTables:
    """Read a network folder: ``nodes.csv`` and ``edges.csv``, and if present
    ``assumptions.csv`` and ``network.json``.

    Every cell is read as text (numbers are parsed by the schema), so ids and codes such
    as ``"007"`` stay as written; the standard library reads them
    (:func:`~supplynet.text_tables.read_text_csv`), so loading a network does not import
    pandas.
    """
    folder = Path(folder)
    found: dict[str, TextTable] = {}
    for stem in ("nodes", "edges"):
        path = folder / f"{stem}.csv"
        try:
            found[stem] = read_text_csv(path)
        except FileNotFoundError:
            raise DataError(
                f"{path}: file not found (a network folder needs nodes.csv and edges.csv)"
            ) from None
        check_columns(found[stem], stem[:-1], str(path))
    assumptions = None
    name = None
    if (folder / "assumptions.csv").is_file():
        table = load_assumptions(folder / "assumptions.csv")
        missing = [k for k in GRAPH_ASSUMPTIONS if k not in table.values]
        if missing:
            raise DataError(f"{folder / 'assumptions.csv'}: missing key(s) {', '.join(missing)}")
        assumptions = {k: table.values[k] for k in GRAPH_ASSUMPTIONS}
        name = str(table.values.get("name", "")) or None
    else:
        logger.info("%s has no assumptions.csv: using the embedded assumptions", folder)
    doc: dict[str, Any] = {}
    meta = folder / "network.json"
    if meta.is_file():
        try:
            text = meta.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{meta}: cannot read: {exc}") from None
        doc = _read_document(text, str(meta))
    kinds = doc.get("columns", {})
    return NetworkTables(
        nodes=decode_columns(found["nodes"], kinds.get("nodes", {}), str(folder / "nodes.csv")),
        edges=decode_columns(found["edges"], kinds.get("edges", {}), str(folder / "edges.csv")),
        name=doc.get("name") or name,
        assumptions=assumptions,
        graph=dict(doc.get("graph", {})),
        kinds=kinds,
    )


def write_geopackage(tables: NetworkTables, path: Path) -> None:
    """Write layers ``nodes`` (points), ``edges`` (lines), ``assumptions`` and ``network``."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    path = Path(path)
    node_table, edge_table = _frame(tables.nodes), _frame(tables.edges)
    nodes = gpd.GeoDataFrame(
        node_table,
        geometry=gpd.points_from_xy(node_table["lon"], node_table["lat"]),
        crs="EPSG:4326",
    )
    edges = gpd.GeoDataFrame(
        edge_table.drop(columns="geometry"),
        geometry=list(edge_table["geometry"]),
        crs="EPSG:4326",
    )
    doc = pd.DataFrame({"json": [_document(tables)]})
    with atomic_file(path) as tmp:
        try:
            pyogrio.write_dataframe(nodes, tmp, layer="nodes", driver="GPKG")
            pyogrio.write_dataframe(edges, tmp, layer="edges", driver="GPKG")
            pyogrio.write_dataframe(_assumption_rows(tables), tmp, layer="assumptions")
            pyogrio.write_dataframe(doc, tmp, layer="network", driver="GPKG")
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise DataError(f"{path}: cannot write the GeoPackage: {exc}") from None
    logger.info("Saved network %r to %s", tables.name, path)


def read_geopackage(path: Path) -> NetworkTables:
    """Read a GeoPackage written by :func:`write_geopackage` (or by earlier versions)."""
    import pandas as pd
    import pyogrio

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        layers = {name for name, _ in pyogrio.list_layers(path)}
        if missing := {"nodes", "edges"} - layers:
            raise DataError(f"{path}: missing layer(s) {', '.join(sorted(missing))}")
        nodes = pyogrio.read_dataframe(path, layer="nodes", read_geometry=False)
        edges = pyogrio.read_dataframe(path, layer="edges")
        meta = (
            pyogrio.read_dataframe(path, layer="assumptions", read_geometry=False)
            if "assumptions" in layers
            else pd.DataFrame(columns=["key", "value"])
        )
        doc_rows = (
            pyogrio.read_dataframe(path, layer="network", read_geometry=False)
            if "network" in layers
            else pd.DataFrame(columns=["json"])
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataError(f"{path}: not a readable GeoPackage ({exc})") from None
    check_columns(nodes, "node", f"{path}: layer nodes")
    check_columns(edges, "edge", f"{path}: layer edges")
    values = dict(zip(meta["key"], meta["value"], strict=True))
    name = values.pop("name", None)
    values.pop("attribution", None)  # written by earlier versions
    doc = (
        _read_document(doc_rows["json"].iloc[0], f"{path}: layer network") if len(doc_rows) else {}
    )
    kinds = doc.get("columns", {})
    edges = pd.DataFrame(edges).rename(columns={edges.geometry.name: "geometry"})
    return NetworkTables(
        nodes=decode_columns(pd.DataFrame(nodes), kinds.get("nodes", {}), f"{path}: nodes"),
        edges=decode_columns(edges, kinds.get("edges", {}), f"{path}: edges"),
        name=doc.get("name") or name or path.stem,
        assumptions={k: v for k, v in values.items() if k in GRAPH_ASSUMPTIONS} or None,
        graph=dict(doc.get("graph", {})),
        kinds=kinds,
    )
