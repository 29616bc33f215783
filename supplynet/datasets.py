"""The embedded default data: the West Africa fuel corridor network and its assumption tables.

The CSV files live in the project's top-level ``data/`` folder; wheels carry them as
``supplynet/_data`` so a plain (non-editable) install finds them too.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from supplynet.errors import DataError

if TYPE_CHECKING:
    from supplynet.network import Network

__all__ = ["data_path", "load_network"]

logger = logging.getLogger(__name__)

_DATA_FILES = (
    "nodes.csv",
    "edges.csv",
    "assumptions.csv",
    "road_capacity.csv",
    "road_condition.csv",
    "SOURCES.md",
    # the multi-day model's tables (supplynet.demand)
    *("products.csv", "demand_classes.csv", "demand.csv", "depots.csv"),
    *("supply_mix.csv", "timeline.csv"),
)


def _data_dir() -> Path:
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
        ``SOURCES.md``.

    Examples
    --------
    >>> data_path("nodes.csv").name
    'nodes.csv'
    """
    if name not in _DATA_FILES:
        raise DataError(f"no embedded data file {name!r}; available: {', '.join(_DATA_FILES)}")
    return _data_dir() / name


def load_network(path: str | Path | None = None) -> Network:
    """Load a network: the embedded default, or one saved at ``path``.

    Parameters
    ----------
    path : str or Path, optional
        A folder holding ``nodes.csv`` and ``edges.csv`` (the project's schema), or a
        GeoPackage written by :meth:`Network.save`. ``None`` loads the embedded default
        West Africa fuel corridor network.

    Returns
    -------
    Network

    Examples
    --------
    >>> net = load_network()
    >>> "bamako" in net.graph
    True
    """
    from supplynet.network import Network

    if path is None:
        return Network.from_csv(_data_dir(), name="west-africa-fuel-corridors")
    return Network.load(path)
