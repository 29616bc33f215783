"""The project's network schema: node and road columns, graph attributes, their checks.

Nodes
-----
``nodes.csv``, one row per place; graph node key = ``node_id``:

``node_id``              lowercase id, ``[a-z0-9_]``
``name``                 display name (``"Ségou"``)
``kind``                 ``port | border | depot | demand | town | junction``
``country``              ISO3 code(s)
``lon``, ``lat``         WGS84 degrees
``supply_m3_day``        fuel per day available for Mali (ports, land supply points)
``capacity_m3_day``      throughput limit where the node limits it (or ``capacity_trucks_day``
                         in the file, times the ``tanker_m3`` assumption); empty = unlimited
``demand_m3_day``        daily demand (depots and demand nodes)
``stock_m3``             stock or storage where known
``cost_per_m3``          cost of passing the node (border fees, loading), in the currency
                         of the assumptions

Required: ``node_id``, ``kind``, ``lon``, ``lat``. Any other column (``source``, ``note``
...) is kept as a node attribute; an empty cell leaves it unset.

Roads and arcs
--------------
``edges.csv``, one row per road. A row describes the arc ``u -> v`` with id ``edge_id``
and, unless ``oneway`` is true, the reverse arc ``v -> u`` with id ``edge_id + "_rev"``
(:data:`REVERSE_SUFFIX`):

``edge_id``, ``u``, ``v``  ids; required, with ``length_km``
``length_km``, ``travel_time_h``, ``capacity_m3_day`` (per direction; ``capacity_m3_day``
and ``travel_time_h`` may be left out: they are then derived from the road capacity table
by ``highway`` and ``surface``, and the ``smoothness``/``tracktype`` columns if present),
``toll_per_m3``, ``ref``, ``highway``, ``surface``, ``lanes``, ``countries``,
``corridors`` (``;``-separated names), ``oneway``, ``osm_way_ids``, ``geometry``
(optional WKT LineString of ``u -> v``; default the straight line; the reverse arc gets it
reversed).

Per-direction values: an optional column ``<column>_rev`` (``capacity_m3_day_rev``,
``travel_time_h_rev``, ``toll_per_m3_rev``, ``lanes_rev`` ..., for any column but the
ids, ``oneway`` and ``geometry``) gives the reverse arc's value; an empty cell means "the
same as forward". So a road with two lanes towards Bamako and one back reads::

    edge_id,u,v,...,capacity_m3_day,capacity_m3_day_rev,...
    seg_bko,segou,bamako,...,73440.0,36720.0,...

Arcs that one row cannot describe (an attribute set in one direction only, a reverse arc
without its forward arc) are written as one-way rows of their own, with the optional
columns ``road_id`` (the road an arc belongs to; default ``edge_id``) and ``direction``
(``fwd`` or ``rev``; default ``fwd``). Any other column is kept as an arc attribute.
Files without ``_rev``, ``road_id`` or ``direction`` columns (such as the embedded
``data/edges.csv``) read as they always did.

Graph
-----
Every arc carries ``edge_id`` (its own id), ``road_id``, ``direction`` and the attributes
above; ``corridors`` is a tuple of names, ``geometry`` a shapely LineString. Graph-level
attributes hold the scalar assumptions the LPs use (:data:`GRAPH_ASSUMPTIONS`:
``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``, ``currency``), the name, the
data attribution and whatever a builder records (the OpenStreetMap builder: highway
classes, source ...). :mod:`supplynet.tables` turns tables into a graph and back.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from supplynet.assumptions import load_assumptions
from supplynet.errors import DataError, closest

if TYPE_CHECKING:
    import pandas as pd

    from supplynet.text_tables import TextTable

__all__ = [
    "ARC_NUMBER_COLUMNS",
    "ARC_TEXT_COLUMNS",
    "EDGE_COLUMNS",
    "GRAPH_ASSUMPTIONS",
    "ID_PATTERN",
    "NODE_COLUMNS",
    "NODE_KINDS",
    "NUMERIC_NODE_COLUMNS",
    "OSM_ATTRIBUTION",
    "REQUIRED_EDGE_COLUMNS",
    "REQUIRED_NODE_COLUMNS",
    "REVERSE_SUFFIX",
    "ROAD_ROW_COLUMNS",
    "check_columns",
    "finite_nonneg",
    "is_blank",
    "parse_number",
    "resolve_graph_assumptions",
]

NODE_KINDS = ("port", "border", "depot", "demand", "town", "junction")
REVERSE_SUFFIX = "_rev"
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
NODE_COLUMNS = (
    "name",
    "kind",
    "country",
    "lon",
    "lat",
    "supply_m3_day",
    "capacity_m3_day",
    "demand_m3_day",
    "stock_m3",
    "cost_per_m3",
)
NUMERIC_NODE_COLUMNS = (
    "supply_m3_day",
    "capacity_m3_day",
    "demand_m3_day",
    "stock_m3",
    "cost_per_m3",
)
#: columns of :attr:`Network.edges`, the arc table
EDGE_COLUMNS = (
    "u",
    "v",
    "road_id",
    "length_km",
    "travel_time_h",
    "capacity_m3_day",
    "toll_per_m3",
    "ref",
    "highway",
    "surface",
    "lanes",
    "countries",
    "corridors",
)
#: numeric arc attributes (``toll_per_m3`` is unset rather than empty when absent)
ARC_NUMBER_COLUMNS = ("length_km", "travel_time_h", "capacity_m3_day", "toll_per_m3", "lanes")
#: text arc attributes (an empty cell reads as ``""``)
ARC_TEXT_COLUMNS = ("ref", "highway", "surface", "countries", "osm_way_ids")
#: columns of a road row that describe the row itself: they have no ``_rev`` form
ROAD_ROW_COLUMNS = ("edge_id", "u", "v", "road_id", "direction", "oneway", "geometry")
REQUIRED_NODE_COLUMNS = ("node_id", "kind", "lon", "lat")
REQUIRED_EDGE_COLUMNS = ("edge_id", "u", "v", "length_km")
GRAPH_ASSUMPTIONS = ("tanker_m3", "cost_per_m3_km", "unmet_penalty_per_m3", "currency")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:]+$")


def resolve_graph_assumptions(
    overrides: Mapping[str, Any] | None = None, *, source: str = "", strict_keys: bool = False
) -> dict[str, Any]:
    """The scalar assumptions a network graph carries, checked.

    ``overrides`` replace the embedded ``assumptions.csv`` values of
    :data:`GRAPH_ASSUMPTIONS` (``tanker_m3``, ``cost_per_m3_km``, ``unmet_penalty_per_m3``,
    ``currency``). With ``strict_keys`` any other key is an error.

    Raises
    ------
    DataError
        A value that is not a finite number, a tanker size or penalty that is not
        positive, a negative cost, or (``strict_keys``) an unknown key; naming ``source``.

    Examples
    --------
    >>> resolve_graph_assumptions({"tanker_m3": 36})["tanker_m3"]
    36.0
    """
    where = source or "assumptions"
    merged: dict[str, Any] = dict(overrides or {})
    if strict_keys:
        for key in merged:
            if key not in GRAPH_ASSUMPTIONS:
                raise DataError(
                    f"{where}: assumption {key!r} cannot be set here; "
                    f"{closest(key, GRAPH_ASSUMPTIONS)}"
                )
    if any(k not in merged for k in GRAPH_ASSUMPTIONS):
        base = load_assumptions()
        merged = {**{k: base.get_text(k) for k in GRAPH_ASSUMPTIONS}, **merged}
    out: dict[str, Any] = {
        k: (str(v) if k == "currency" else parse_number(v, f"{where}: {k}"))
        for k, v in merged.items()
    }
    for k in ("tanker_m3", "unmet_penalty_per_m3"):
        if not out[k] > 0:
            raise DataError(f"{where}: {k} must be > 0, got {out[k]}")
    if out["cost_per_m3_km"] < 0:
        raise DataError(f"{where}: cost_per_m3_km must be >= 0, got {out['cost_per_m3_km']}")
    return out


def check_columns(table: pd.DataFrame | TextTable, kind: str, what: str) -> None:
    """Raise one :class:`DataError` naming the required columns a ``kind`` table lacks.

    ``kind`` is ``"node"`` or ``"edge"``; ``what`` names the table (a file, or
    ``"<source>: nodes"``). An edge table also needs ``highway`` unless it gives both
    ``capacity_m3_day`` and ``travel_time_h``. A table with neither rows nor columns is
    an empty table, not an error.

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"node_id": ["a"], "lon": [0]}), "node", "nodes.csv")
    Traceback (most recent call last):
    ...
    supplynet.errors.DataError: nodes.csv: missing required columns 'kind', 'lat'; a node \
table needs node_id, kind, lon, lat
    """
    if table.empty and len(table.columns) == 0:
        return
    present = {str(c) for c in table.columns}
    index_name = getattr(getattr(table, "index", None), "name", None)  # a DataFrame's
    if index_name is not None:
        present.add(str(index_name))
    required: Sequence[str] = REQUIRED_NODE_COLUMNS if kind == "node" else REQUIRED_EDGE_COLUMNS
    missing = [c for c in required if c not in present]
    if missing:
        label = "column" if len(missing) == 1 else "columns"
        raise DataError(
            f"{what}: missing required {label} {', '.join(map(repr, missing))}; "
            f"{'an' if kind == 'edge' else 'a'} {kind} table needs {', '.join(required)}"
        )
    if kind == "edge" and "highway" not in present:
        lacking = [c for c in ("capacity_m3_day", "travel_time_h") if c not in present]
        if lacking:
            raise DataError(
                f"{what}: missing column 'highway', needed to derive "
                f"{' and '.join(lacking)} from the road capacity table "
                "(or give both capacity_m3_day and travel_time_h)"
            )


def finite_nonneg(value: Any) -> bool:
    """True for a finite number >= 0 (the check every capacity, length and time passes)."""
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0


def is_blank(value: Any) -> bool:
    """True for a missing cell: ``None``, ``""``, NaN or ``pd.NA``."""
    if value is None:
        return True
    pd = sys.modules.get("pandas")  # no pandas loaded: no value can be pd.NA
    if pd is not None and value is pd.NA:
        return True
    if isinstance(value, str):
        return value == ""
    return isinstance(value, float) and math.isnan(value)


def parse_number(value: Any, what: str) -> float | None:
    """A cell as a finite float (``None`` when blank); a :class:`DataError` naming ``what``.

    Examples
    --------
    >>> parse_number("2.5", "lanes"), parse_number("", "lanes")
    (2.5, None)
    """
    if is_blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{what}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise DataError(f"{what}: {number} is not a finite number")
    return number
