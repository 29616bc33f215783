"""Where the embedded data files live.

The CSV files live in the project's top-level ``data/`` folder; wheels carry them as
``supplynet/_data`` so a plain (non-editable) install finds them too. This module sits at
the bottom of the data layer (it imports only :mod:`supplynet.errors`), so the assumption
and capacity tables can find their defaults without importing the network.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from supplynet.errors import DataError

__all__ = ["DATA_FILES", "data_dir", "data_path"]

DATA_FILES = (
    "nodes.csv",
    "edges.csv",
    "assumptions.csv",
    "road_capacity.csv",
    "road_condition.csv",
    "SOURCES.md",
    "observed/arrivals.csv",
    "observed/attacks.csv",
    "observed/measures.csv",
    # the multi-day model's tables (supplynet.demand)
    "products.csv",
    "demand_classes.csv",
    "demand.csv",
    "depots.csv",
    "supply_mix.csv",
    "timeline.csv",
    "countries.geojson",
)


def data_dir() -> Path:
    """Return the folder of the embedded data (installed package first, then source tree).

    Examples
    --------
    >>> (data_dir() / "nodes.csv").is_file()
    True
    """
    packaged = Path(str(resources.files("supplynet"))) / "_data"
    if (packaged / "nodes.csv").is_file():
        return packaged
    source_tree = Path(__file__).resolve().parent.parent / "data"
    if (source_tree / "nodes.csv").is_file():
        return source_tree
    raise DataError(f"embedded data not found in {packaged} or {source_tree}; reinstall supplynet")


def data_path(name: str) -> Path:
    """Return the path of one embedded data file.

    Parameters
    ----------
    name : str
        One of ``nodes.csv``, ``edges.csv``, ``assumptions.csv``, ``road_capacity.csv``,
        ``road_condition.csv``, ``SOURCES.md``, ``observed/*.csv``,
        ``countries.geojson`` (country outlines for maps).

    Examples
    --------
    >>> data_path("nodes.csv").name
    'nodes.csv'
    """
    if name not in DATA_FILES:
        raise DataError(f"no embedded data file {name!r}; available: {', '.join(DATA_FILES)}")
    return data_dir() / name
