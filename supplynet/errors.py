"""Exceptions raised by supplynet.

Every error carries a one-line message that names the culprit (file, key, value) and,
where there is one, the way out (the allowed values or the closest valid name). The CLI
prints that line and exits with status 2.

Hierarchy::

    SupplynetError
    ├── DataError       bad or missing network / assumption data, unreadable files
    ├── ScenarioError   a scenario that does not validate against the network
    ├── SolverError     a missing or failing LP solver
    │   └── ClusterError  an unreachable scheduler, workers lost mid-run
    └── InfeasibleError raised only on request; results normally carry the status
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable

__all__ = [
    "ECHO_CHARS",
    "ClusterError",
    "DataError",
    "InfeasibleError",
    "ScenarioError",
    "SolverError",
    "SupplynetError",
    "closest",
    "shown",
]

#: longest echo of a user's value in an error message (longer values are cut)
ECHO_CHARS = 80


class SupplynetError(Exception):
    """Base class of all supplynet errors."""


class DataError(SupplynetError, ValueError):
    """Network, assumption or OSM input that cannot be used as given."""


class ScenarioError(SupplynetError, ValueError):
    """A scenario file or object that does not validate."""


class SolverError(SupplynetError, RuntimeError):
    """The requested LP solver is missing or failed to run."""


class InfeasibleError(SupplynetError, RuntimeError):
    """An LP has no feasible solution (raised only by ``Result.raise_for_status``)."""


def shown(value: object, limit: int = ECHO_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters, for echoing user input in messages.

    Examples
    --------
    >>> shown("Kayes")
    "'Kayes'"
    >>> shown("x" * 1000, limit=20)
    "'xxxxxxxxxxxxxxxxxx… (1,002 characters)"
    >>> import datetime as dt
    >>> shown(dt.datetime(2025, 10, 1, 10, 30))  # as TOML writes it
    '2025-10-01T10:30:00'
    """
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"


def closest(value: str, choices: Iterable[str], *, n: int = 3) -> str:
    """Describe the closest valid names to ``value`` for an error message.

    Parameters
    ----------
    value : str
        The name the user gave.
    choices : iterable of str
        The valid names.
    n : int, optional
        How many close matches to show.

    Returns
    -------
    str
        ``"did you mean 'a', 'b'?"`` or, with no close match, a short list of valid names.

    Examples
    --------
    >>> closest("dakar-kays", ["dakar-kayes", "dakar-kita"])
    "did you mean 'dakar-kayes', 'dakar-kita'?"
    """
    pool = sorted(set(map(str, choices)))
    lowered = {c.lower(): c for c in pool}
    # a name far longer than every choice matches none; cut it so matching stays fast
    longest = max((len(c) for c in pool), default=0)
    probe = str(value).lower()[: 2 * longest + 8]
    matches = difflib.get_close_matches(probe, list(lowered), n=n, cutoff=0.5)
    if matches:
        return "did you mean " + ", ".join(shown(lowered[m]) for m in matches) + "?"
    listed = ", ".join(shown(c) for c in pool[:8])
    more = f" (+{len(pool) - 8} more)" if len(pool) > 8 else ""
    return f"valid names: {listed}{more}"


class ClusterError(SolverError):
    """The compute backend of a run (a local process pool, a Dask cluster) failed or is
    unreachable; the message names the address, and nothing was written."""
