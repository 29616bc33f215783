"""The embedded default data: the West Africa fuel corridor network and its assumption tables.

The top of the data layer: it builds a :class:`~supplynet.network.Network` from the files
that :mod:`supplynet.paths` finds (``data_path`` is re-exported here).
"""

from __future__ import annotations

import logging
from pathlib import Path

from supplynet.network import Network
from supplynet.paths import data_dir, data_path

__all__ = ["DEFAULT_NETWORK_NAME", "data_path", "load_network"]

logger = logging.getLogger(__name__)

DEFAULT_NETWORK_NAME = "west-africa-fuel-corridors"


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
    if path is None:
        return Network.from_csv(data_dir(), name=DEFAULT_NETWORK_NAME)
    return Network.load(path)
