"""Demand by class and product, depot stocks, supply mix and lead-time inputs: the tables.

The multi-day model (:func:`supplynet.simulate_supply`) reads six documented tables, each
with its source (``data/SOURCES.md``, "Multi-day model"):

``products.csv``        ``product, name``: the fuels a tanker carries, one per tanker
``demand_classes.csv``  ``demand_class, name, priority_weight``: who uses the fuel, and how
                        much an unmet m3 weighs (times ``unmet_penalty_per_m3``)
``demand.csv``          ``node_id, demand_class, product, demand_m3_day``: Bamako's and
                        each regional capital's demand, built from the national figures
``depots.csv``          ``node_id, capacity_m3, initial_days``: depot storage and the
                        initial stock in days of the node's demand
``supply_mix.csv``      ``node_id, product, share``: what a supply point loads; the rows of
                        ``node_id = *`` give the mix of every supply point without rows of
                        its own (without them, such a point loads the national demand mix)
``timeline.csv``        ``key, value``: driving hours, truck speed factor, border delay,
                        queue and convoy sizes, and the model's tie-breaking settings

:func:`load_demand_tables` reads the embedded ones or a folder of your own with the same
file names; a bad table raises a one-line :class:`~supplynet.errors.DataError` naming the
file, the row and the column.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import cast

import pandas as pd

from supplynet.datasets import data_path
from supplynet.errors import DataError, closest
from supplynet.network import Network
from supplynet.paths import data_dir

__all__ = [
    "DEFAULT_MIX",
    "DEMAND_FILES",
    "TIMELINE_KEYS",
    "DemandTables",
    "load_demand_tables",
]

logger = logging.getLogger(__name__)

#: the tables' file names, as :func:`load_demand_tables` reads them from a folder
DEMAND_FILES = (
    "products.csv",
    "demand_classes.csv",
    "demand.csv",
    "depots.csv",
    "supply_mix.csv",
    "timeline.csv",
)
#: ``node_id`` of the supply_mix.csv rows that hold the default mix
DEFAULT_MIX = "*"
#: timeline.csv keys, and whether a value must be > 0 (True) or >= 0 (False)
TIMELINE_KEYS = {
    "driving_hours_per_day": True,
    "truck_time_factor": False,
    "border_delay_days": False,
    "queue_tankers": False,
    "convoy_max_tankers": True,
    "escorted_trip_days": False,
    "keep_stock_share": False,
    "early_service_share": False,
    "queue_cost_share": False,
    "pipeline_share": False,
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, eq=False)
class DemandTables:
    """The multi-day model's tables, validated.

    Attributes
    ----------
    products : DataFrame
        Indexed by product id: ``name``.
    classes : DataFrame
        Indexed by demand class id: ``name``, ``priority_weight``.
    demand : DataFrame
        ``node_id, demand_class, product, demand_m3_day`` (one row per combination).
    depots : DataFrame
        Indexed by node id: ``capacity_m3``, ``initial_days``.
    supply_mix : DataFrame
        ``node_id, product, share``: what each supply point loads; ``node_id = "*"`` is
        the default of every supply point without rows of its own (else the national
        demand mix).
    settings : dict
        ``timeline.csv``: key -> value.

    Examples
    --------
    >>> t = load_demand_tables()
    >>> list(t.products.index)
    ['gasoline', 'diesel', 'hfo', 'jet']
    >>> round(float(t.demand["demand_m3_day"].sum()))
    8877
    >>> t.supply_shares("niamey_bamako")
    {'gasoline': 0.0, 'diesel': 1.0, 'hfo': 0.0, 'jet': 0.0}
    >>> round(t.supply_shares("dakar")["hfo"], 4)  # the "*" rows: the south's demand mix
    0.2286
    """

    products: pd.DataFrame
    classes: pd.DataFrame
    demand: pd.DataFrame
    depots: pd.DataFrame
    supply_mix: pd.DataFrame
    settings: dict[str, float] = field(default_factory=dict)
    source: str = "embedded"

    @cached_property
    def national_mix(self) -> pd.Series:
        """Each product's share of all demand (what a supply point loads by default)."""
        by_product = self.demand.groupby("product")["demand_m3_day"].sum()
        by_product = by_product.reindex(self.products.index, fill_value=0.0)
        total = float(by_product.sum())
        if total <= 0:
            return pd.Series(1.0 / len(by_product), index=by_product.index)
        return by_product / total

    def supply_shares(self, node_id: str) -> dict[str, float]:
        """The share of each product in what ``node_id`` loads: its own rows of
        ``supply_mix.csv``, else the ``*`` rows, else the national demand mix."""
        rows = self.supply_mix[self.supply_mix["node_id"] == node_id]
        if not len(rows):
            rows = self.supply_mix[self.supply_mix["node_id"] == DEFAULT_MIX]
        if len(rows):
            shares = {str(p): float(v) for p, v in zip(rows["product"], rows["share"], strict=True)}
            return {p: shares.get(p, 0.0) for p in self.products.index}
        return {str(p): float(v) for p, v in self.national_mix.items()}

    def class_weight(self, demand_class: str) -> float:
        """The priority weight of a demand class."""
        return float(cast(float, self.classes.at[demand_class, "priority_weight"]))

    def nodes(self) -> list[str]:
        """The nodes with demand in the table, in table order."""
        return list(dict.fromkeys(self.demand["node_id"]))


def _read(folder: Path | None, name: str, columns: tuple[str, ...]) -> tuple[pd.DataFrame, str]:
    path = data_path(name) if folder is None else folder / name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise DataError(
            f"{path}: file not found (a demand folder needs {', '.join(DEMAND_FILES)})"
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read CSV: {exc}") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}")
    return df, str(path)


def _number(where: str, row: int, column: str, text: str, *, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        need = "a number > 0" if positive else "a finite number >= 0"
        raise DataError(f"{where}: row {row + 2}, column {column}: {text!r} is not {need}")
    return value


def _ids(where: str, df: pd.DataFrame, column: str) -> list[str]:
    ids = [str(v).strip() for v in df[column]]
    for i, ident in enumerate(ids):
        if not _ID.match(ident):
            raise DataError(
                f"{where}: row {i + 2}, column {column}: {ident!r} is not an id "
                "(lowercase letters, digits and _)"
            )
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise DataError(f"{where}: row {i + 2}, column {column}: duplicate {ident!r}")
        seen.add(ident)
    return ids


def _known(where: str, row: int, column: str, value: str, choices: list[str]) -> str:
    if value not in choices:
        raise DataError(
            f"{where}: row {row + 2}, column {column}: unknown {column.replace('_', ' ')} "
            f"{value!r}; {closest(value, choices)}"
        )
    return value


def network_demand_tables(net: Network) -> DemandTables:
    """The multi-day tables that go with a network: those of the folder it was read from
    when that folder holds any of them (then it must hold all of :data:`DEMAND_FILES`),
    else the embedded ones.

    A copy of ``data/`` with its ``demand.csv`` edited runs the multi-day model on the
    edited demand; a network built from OpenStreetMap, with no such file, on the embedded
    tables (and as one product where they name nodes it lacks).

    Examples
    --------
    >>> import supplynet as sn
    >>> network_demand_tables(sn.load_network()).source
    'embedded'
    """
    folder = net.folder
    own = (
        folder is not None
        and folder.resolve() != data_dir().resolve()
        and any((folder / name).exists() for name in DEMAND_FILES)
    )
    return load_demand_tables(folder if own else None)


def load_demand_tables(folder: str | Path | None = None) -> DemandTables:
    """Read and check the multi-day tables: the embedded ones, or those in ``folder``.

    Raises
    ------
    DataError
        A missing file or column, a bad number, an unknown class or product, a duplicate
        row, supply shares that do not add up to 1, an unknown or missing timeline key;
        one line naming the file, the row and the column.
    """
    base = None if folder is None else Path(folder)
    products, where = _read(base, "products.csv", ("product", "name"))
    product_ids = _ids(where, products, "product")
    if not product_ids:
        raise DataError(f"{where}: no product")
    products = pd.DataFrame(
        {"name": list(products["name"])}, index=pd.Index(product_ids, name="product")
    )

    classes, where = _read(base, "demand_classes.csv", ("demand_class", "name", "priority_weight"))
    class_ids = _ids(where, classes, "demand_class")
    weights = [
        _number(where, i, "priority_weight", v, positive=True)
        for i, v in enumerate(classes["priority_weight"])
    ]
    classes = pd.DataFrame(
        {"name": list(classes["name"]), "priority_weight": weights},
        index=pd.Index(class_ids, name="demand_class"),
    )

    demand, where = _read(
        base, "demand.csv", ("node_id", "demand_class", "product", "demand_m3_day")
    )
    rows = []
    seen: set[tuple[str, str, str]] = set()
    for i, r in enumerate(demand.itertuples(index=False)):
        node = str(r.node_id).strip()
        if not node:
            raise DataError(f"{where}: row {i + 2}, column node_id: empty")
        key = (
            node,
            _known(where, i, "demand_class", str(r.demand_class).strip(), class_ids),
            _known(where, i, "product", str(r.product).strip(), product_ids),
        )
        if key in seen:
            raise DataError(f"{where}: row {i + 2}: duplicate row for {', '.join(key)}")
        seen.add(key)
        rows.append((*key, _number(where, i, "demand_m3_day", str(r.demand_m3_day))))
    demand = pd.DataFrame(rows, columns=["node_id", "demand_class", "product", "demand_m3_day"])

    depots, where = _read(base, "depots.csv", ("node_id", "capacity_m3", "initial_days"))
    depot_ids = _ids(where, depots, "node_id")
    depots = pd.DataFrame(
        {
            "capacity_m3": [
                _number(where, i, "capacity_m3", v) for i, v in enumerate(depots["capacity_m3"])
            ],
            "initial_days": [
                _number(where, i, "initial_days", v) for i, v in enumerate(depots["initial_days"])
            ],
        },
        index=pd.Index(depot_ids, name="node_id"),
    )

    mix, where = _read(base, "supply_mix.csv", ("node_id", "product", "share"))
    mix_rows = [
        (
            str(r.node_id).strip(),
            _known(where, i, "product", str(r.product).strip(), product_ids),
            _number(where, i, "share", str(r.share)),
        )
        for i, r in enumerate(mix.itertuples(index=False))
    ]
    mix = pd.DataFrame(mix_rows, columns=["node_id", "product", "share"])
    for mix_node, share in mix.groupby("node_id")["share"].sum().to_dict().items():
        if abs(share - 1.0) > 1e-6:
            raise DataError(f"{where}: the shares of {mix_node!r} add up to {share:g}, not 1")

    timeline, where = _read(base, "timeline.csv", ("key", "value"))
    settings: dict[str, float] = {}
    for i, (raw, value) in enumerate(zip(timeline["key"], timeline["value"], strict=True)):
        name = str(raw).strip()
        if name not in TIMELINE_KEYS:
            raise DataError(
                f"{where}: row {i + 2}: unknown key {name!r}; {closest(name, TIMELINE_KEYS)}"
            )
        settings[name] = _number(where, i, "value", str(value), positive=TIMELINE_KEYS[name])
        if name.endswith("_share") and settings[name] > 1:
            raise DataError(f"{where}: row {i + 2}, column value: {name} = {value!r} is above 1")
    missing = [k for k in TIMELINE_KEYS if k not in settings]
    if missing:
        raise DataError(f"{where}: missing key(s) {', '.join(missing)}")
    tables = DemandTables(
        products, classes, demand, depots, mix, settings, "embedded" if base is None else str(base)
    )
    logger.info(
        "Loaded demand tables: %d products, %d classes, %d demand rows (%.0f m3/day), %d depots",
        len(products),
        len(classes),
        len(demand),
        float(demand["demand_m3_day"].sum()),
        len(depots),
    )
    return tables
