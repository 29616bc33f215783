"""Environment settings (not modelling assumptions, which live in ``data/``).

``SUPPLYNET_SOLVER``      default LP solver, ``highs`` (default) or ``cbc``.
``SUPPLYNET_CACHE_DIR``   cache folder for OSM downloads (default ``~/.cache/supplynet``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "default_solver"]


def default_solver() -> str:
    """Return the solver used when none is given (``SUPPLYNET_SOLVER`` or ``"highs"``)."""
    return os.environ.get("SUPPLYNET_SOLVER", "highs").strip().lower() or "highs"


def cache_dir() -> Path:
    """Return the cache folder for downloads (``SUPPLYNET_CACHE_DIR`` or ``~/.cache/supplynet``)."""
    env = os.environ.get("SUPPLYNET_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "supplynet"
