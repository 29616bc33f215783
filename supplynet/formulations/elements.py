"""Elements of a network and the LP columns and rows that hold their capacity.

An *element* is what an attack can close or an escort protect:

==========  ============================================================================
kind        what, and its capacity in the LP
==========  ============================================================================
road        a road segment, both directions (``road_id``): its ``flow_`` columns
arc         one direction of a road (edge id): its ``flow_`` column
node        a border post, port or depot (or any node with a supply or limit): its
            ``supply_`` column and ``nodecap_`` row; a node without a throughput limit
            is closed (factor 0) through the roads into it, and a factor other than 0
            scales its supply only, as in scenarios
corridor    a named corridor's own roads and border posts (the ones no other corridor
            uses, :meth:`~supplynet.Network.corridor_elements`)
==========  ============================================================================

:func:`network_elements` lists them with their names, road refs and corridors;
:func:`map_network_elements` maps them onto the columns and rows of an LP built by
:mod:`~supplynet.formulations.maxflow` or :mod:`~supplynet.formulations.mincost` (or,
through ``period_of``, of a multi-period LP whose names carry the day) for the
:class:`~supplynet.engine.Engine`.

Examples
--------
>>> import supplynet as sn
>>> elements = network_elements(sn.load_network())
>>> elements["kayes_diema"].kind, elements["kayes_diema"].arcs
('road', ('kayes_diema', 'kayes_diema_rev'))
>>> elements["dakar-kayes"].nodes
('kidira_diboli',)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from supplynet.errors import DataError, closest
from supplynet.formulations.arrays import LinearProgram
from supplynet.formulations.common import lp_name
from supplynet.network import Network

__all__ = [
    "ELEMENT_KINDS",
    "NODE_ELEMENT_KINDS",
    "Element",
    "ElementMap",
    "map_network_elements",
    "network_elements",
    "own_corridor_elements",
]

_EMPTY = np.zeros(0, dtype=np.int32)

#: element kinds, in the order they are listed
ELEMENT_KINDS = ("road", "arc", "node", "corridor")
#: node kinds that are elements whether or not they have a supply or limit
NODE_ELEMENT_KINDS = ("border", "port", "depot")


@dataclass(frozen=True, eq=False)
class ElementMap:
    """Which LP columns and rows hold each element's capacity.

    Attributes
    ----------
    cols, rows : dict of str -> ndarray of int
        Element id -> the columns (``flow_``, ``supply_``) and rows (``nodecap_``) whose
        finite bounds are its capacity.
    kinds : dict of str -> str
        Element id -> kind (``road``, ``arc``, ``node``, ``corridor``, ``demand`` ...).
    closure_cols : dict of str -> ndarray of int
        Element id -> columns closed only when the element is cut (factor 0): the roads
        into a node that has no throughput row.
    flow_cols : dict of str -> ndarray of int
        Element id -> the columns that carry its flow (a node: the flows into it and its
        supply), to tell whether an element is used by a solution.
    flow_rows : dict of str -> ndarray of int
        Element id -> rows whose activity is its throughput.
    col_period, row_period : ndarray of int, optional
        The period (day, 1-based; -1 for none) of each column and row of a multi-period
        LP; ``None`` for a steady-state LP (one period).
    closure_period : dict of str -> ndarray of int
        Element id -> the period of each entry of its :attr:`closure_cols` when it is not
        the column's own (a multi-day LP closes a node by the day fuel would *arrive*
        there, not the day it is dispatched; a column may be listed once per arrival day).
    arrival_cols : dict of str -> ndarray of int
        Element id -> the columns whose arrivals a loss rate on it scales (a road's flow
        columns; in the multi-day LP, a corridor's or area's entry arcs).
    arrival_rows : ndarray of bool, optional
        Rows in which a positive coefficient of an arrival column is fuel arriving
        (balance and throughput rows); ``None``: every row.
    """

    cols: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    kinds: dict[str, str]
    closure_cols: dict[str, np.ndarray] = field(default_factory=dict)
    flow_cols: dict[str, np.ndarray] = field(default_factory=dict)
    flow_rows: dict[str, np.ndarray] = field(default_factory=dict)
    col_period: np.ndarray | None = None
    row_period: np.ndarray | None = None
    closure_period: dict[str, np.ndarray] = field(default_factory=dict)
    arrival_cols: dict[str, np.ndarray] = field(default_factory=dict)
    arrival_rows: np.ndarray | None = None

    def __contains__(self, element: object) -> bool:
        return element in self.kinds

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def ids(self) -> list[str]:
        """Every element id, in the map's order."""
        return list(self.kinds)

    def check(self, element: str) -> None:
        """Raise a one-line :class:`DataError` if ``element`` is not in the map."""
        if element not in self.kinds:
            raise DataError(f"unknown element {element!r}; {closest(element, self.kinds)}")

    @cached_property
    def horizon(self) -> int | None:
        """The last period of a multi-period LP (``None`` for a steady-state LP)."""
        if self.col_period is None:
            return None
        return int(max(self.col_period.max(initial=0), 0))

    def _wanted(self, periods: Iterable[int]) -> np.ndarray:
        if self.col_period is None or self.row_period is None:
            raise DataError(
                "periods given for a steady-state model (it has one period); "
                "periods apply to the multi-day model"
            )
        wanted = np.asarray(list(periods), dtype=int)
        horizon = self.horizon or 0
        outside = wanted[(wanted < 1) | (wanted > horizon)]
        if len(outside):
            raise DataError(f"day {int(outside[0])} is outside the horizon (days 1..{horizon})")
        return wanted

    def indices(
        self, element: str, periods: Iterable[int] | None = None, *, closing: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """The columns and rows of ``element`` (in ``periods`` only, if given).

        ``closing=True`` adds the columns closed only by a cut (:attr:`closure_cols`, in
        the periods of :attr:`closure_period` where given).

        Raises
        ------
        DataError
            An unknown element; periods on a steady-state LP; a day outside the horizon.
        """
        self.check(element)
        cols = self.cols.get(element, _EMPTY)
        rows = self.rows.get(element, _EMPTY)
        shut = self.closure_cols.get(element, _EMPTY) if closing else _EMPTY
        if periods is not None:
            wanted = self._wanted(periods)
            assert self.col_period is not None and self.row_period is not None
            cols = cols[np.isin(self.col_period[cols], wanted)]
            rows = rows[np.isin(self.row_period[rows], wanted)]
            when = self.closure_period.get(element) if closing else None
            shut = shut[np.isin(self.col_period[shut] if when is None else when, wanted)]
        if len(shut):
            cols = np.union1d(cols, shut).astype(np.int32)
        return cols, rows

    def arrivals(self, element: str, periods: Iterable[int] | None = None) -> np.ndarray:
        """The columns whose arrivals a loss rate on ``element`` scales (in ``periods``)."""
        self.check(element)
        cols = self.arrival_cols.get(element, _EMPTY)
        if periods is not None:
            wanted = self._wanted(periods)
            assert self.col_period is not None
            cols = cols[np.isin(self.col_period[cols], wanted)]
        return cols

    @cached_property
    def usage_matrices(self) -> tuple[object, object, list[str]]:
        """Sparse (element x column) and (element x row) 0/1 matrices of the flow sets."""
        import scipy.sparse as sp

        ids = self.ids
        n_cols = 1 + max((int(c.max()) for c in self.flow_cols.values() if len(c)), default=0)
        n_rows = 1 + max((int(r.max()) for r in self.flow_rows.values() if len(r)), default=0)

        def matrix(sets: dict[str, np.ndarray], width: int) -> object:
            ri = np.concatenate([np.full(len(sets.get(e, _EMPTY)), i) for i, e in enumerate(ids)])
            ci = np.concatenate([sets.get(e, _EMPTY) for e in ids])
            data = np.ones(len(ci))
            return sp.csr_matrix((data, (ri.astype(int), ci.astype(int))), (len(ids), width))

        return matrix(self.flow_cols, n_cols), matrix(self.flow_rows, n_rows), ids

    def used(self, x: np.ndarray, row_activity: np.ndarray, *, tol: float = 1e-7) -> np.ndarray:
        """Boolean per element (map order): does the solution move fuel through it?"""
        by_col, by_row, _ = self.usage_matrices
        xc = np.abs(np.nan_to_num(x[: by_col.shape[1]])) > tol  # type: ignore[attr-defined]
        xr = np.abs(np.nan_to_num(row_activity[: by_row.shape[1]])) > tol  # type: ignore[attr-defined]
        return np.asarray(((by_col @ xc) + (by_row @ xr)) > 0).ravel()  # type: ignore[operator]


@dataclass(frozen=True)
class Element:
    """One element: its id, kind, label, and the arcs and nodes it consists of."""

    id: str
    kind: str
    name: str
    road_ref: str
    corridors: str
    arcs: tuple[str, ...]
    nodes: tuple[str, ...]


def _node_is_element(d: dict[str, object]) -> bool:
    return (
        d.get("kind") in NODE_ELEMENT_KINDS
        or d.get("supply_m3_day") is not None
        or d.get("capacity_m3_day") is not None
    )


def network_elements(
    net: Network, kinds: Iterable[str] = ("road", "node", "corridor")
) -> dict[str, Element]:
    """Every element of ``net`` of the given kinds, keyed by id.

    Ids are road ids, arc ids, node ids and corridor names; if two elements of different
    kinds would share an id, the later kind's gets a ``kind:`` prefix.

    Raises
    ------
    DataError
        For an unknown kind.
    """
    kinds = tuple(kinds)
    for kind in kinds:
        if kind not in ELEMENT_KINDS:
            raise DataError(f"unknown element kind {kind!r}; {closest(kind, ELEMENT_KINDS)}")
    G = net.graph
    names = {n: str(d.get("name", n)) for n, d in G.nodes(data=True)}
    out: dict[str, Element] = {}

    def add(element: Element) -> None:
        key = element.id if element.id not in out else f"{element.kind}:{element.id}"
        out[key] = Element(key, *list(element.__dict__.values())[1:])

    if "road" in kinds or "arc" in kinds:
        roads: dict[str, list[tuple[str, str, str, dict[str, object]]]] = {}
        for u, v, key, d in G.edges(keys=True, data=True):
            roads.setdefault(str(d.get("road_id", key)), []).append((u, v, key, d))
        for road_id, arcs in roads.items():
            u, v, _, d = arcs[0]
            label = f"{names[u]} – {names[v]}"
            ref = str(d.get("ref") or "")
            corridors = ";".join(d.get("corridors", ()))  # type: ignore[arg-type]
            if "road" in kinds:
                add(Element(road_id, "road", label, ref, corridors, tuple(a[2] for a in arcs), ()))
            if "arc" in kinds:
                for a, b, key, _ in arcs:
                    arc_label = f"{names[a]} -> {names[b]}"
                    add(Element(key, "arc", arc_label, ref, corridors, (key,), ()))
    if "node" in kinds:
        for n, d in G.nodes(data=True):
            if not _node_is_element(d):
                continue
            near: set[str] = set()
            refs: set[str] = set()
            for _, _, e in [*G.in_edges(n, data=True), *G.out_edges(n, data=True)]:
                near.update(e.get("corridors", ()))
                if e.get("ref"):
                    refs.add(str(e["ref"]))
            refs_text, near_text = ";".join(sorted(refs)), ";".join(sorted(near))
            add(Element(str(n), "node", names[n], refs_text, near_text, (), (str(n),)))
    if "corridor" in kinds:
        for corridor, (own_arcs, posts) in own_corridor_elements(net).items():
            if not own_arcs and not posts:
                continue  # every road shared with another corridor: nothing of its own
            refs_of = sorted({str(net.edge_data(e).get("ref") or "") for e in own_arcs} - {""})
            add(
                Element(
                    corridor,
                    "corridor",
                    corridor,
                    ";".join(refs_of),
                    corridor,
                    tuple(sorted(own_arcs)),
                    tuple(posts),
                )
            )
    return out


def own_corridor_elements(net: Network) -> dict[str, tuple[list[str], list[str]]]:
    """Each corridor's own arcs and border posts, in one pass over the network.

    The same as :meth:`Network.corridor_elements` called with each corridor alone: the
    arcs whose only corridor it is, and the border posts whose roads serve it only.
    """
    G = net.graph
    out: dict[str, tuple[list[str], list[str]]] = {c: ([], []) for c in net.corridors}
    for _, _, d in G.edges(data=True):
        corridors = set(d.get("corridors", ()))
        if len(corridors) == 1:
            out[next(iter(corridors))][0].append(d["edge_id"])
    for n, d in G.nodes(data=True):
        if d.get("kind") != "border":
            continue
        touching: set[str] = set()
        for _, _, e in [*G.in_edges(n, data=True), *G.out_edges(n, data=True)]:
            touching.update(e.get("corridors", ()))
        if len(touching) == 1:
            out[next(iter(touching))][1].append(str(n))
    return {c: (arcs, sorted(posts)) for c, (arcs, posts) in out.items()}


def _static(name: str) -> tuple[str, int | None]:
    return name, None


def map_network_elements(
    net: Network,
    lp: LinearProgram,
    elements: dict[str, Element] | None = None,
    *,
    period_of: Callable[[str], tuple[str, int | None]] = _static,
) -> ElementMap:
    """The :class:`~supplynet.engine.ElementMap` of ``elements`` on the LP ``lp``.

    Parameters
    ----------
    net : Network
        The network ``lp`` was built from.
    lp : LinearProgram
        Columns named ``flow_<edge_id>`` and ``supply_<node_id>``, rows
        ``nodecap_<node_id>`` (the names the formulations give).
    elements : dict, optional
        Default :func:`network_elements` of every kind.
    period_of : callable, optional
        Splits a column or row name into its steady-state name and its period, for a
        multi-period LP (``"flow_kayes_diema_d3" -> ("flow_kayes_diema", 3)``); the
        default says every name has no period.
    """
    if elements is None:
        elements = network_elements(net, ELEMENT_KINDS)
    col_groups: dict[str, list[int]] = {}
    col_periods = []
    for j, name in enumerate(lp.col_names):
        base, period = period_of(name)
        col_groups.setdefault(base, []).append(j)
        col_periods.append(-1 if period is None else period)
    row_groups: dict[str, list[int]] = {}
    row_periods = []
    for i, name in enumerate(lp.row_names):
        base, period = period_of(name)
        row_groups.setdefault(base, []).append(i)
        row_periods.append(-1 if period is None else period)
    G = net.graph

    def cols_of(prefix: str, ident: object) -> list[int]:
        return col_groups.get(lp_name(prefix, ident), [])

    cols: dict[str, np.ndarray] = {}
    rows: dict[str, np.ndarray] = {}
    closure: dict[str, np.ndarray] = {}
    flow_cols: dict[str, np.ndarray] = {}
    arrival_cols: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for key, element in elements.items():
        c: list[int] = []
        r: list[int] = []
        shut: list[int] = []
        used: list[int] = []
        for arc in element.arcs:
            c += cols_of("flow", arc)
        used += c
        if c:
            arrival_cols[key] = np.unique(np.asarray(c, dtype=np.int32))
        for n in element.nodes:
            supply = cols_of("supply", n)
            into = [j for _, _, k in G.in_edges(n, keys=True) for j in cols_of("flow", k)]
            cap_rows = row_groups.get(lp_name("nodecap", n), [])
            c += supply
            r += cap_rows
            if not cap_rows:  # no throughput limit: closing it closes the roads into it
                shut += into
            used += supply + into
        cols[key] = np.unique(np.asarray(c, dtype=np.int32))
        rows[key] = np.unique(np.asarray(r, dtype=np.int32))
        if shut:
            closure[key] = np.unique(np.asarray(shut, dtype=np.int32))
        flow_cols[key] = np.unique(np.asarray(used, dtype=np.int32))
        kinds[key] = element.kind
    static = all(p == -1 for p in col_periods) and all(p == -1 for p in row_periods)
    return ElementMap(
        cols=cols,
        rows=rows,
        kinds=kinds,
        closure_cols=closure,
        flow_cols=flow_cols,
        arrival_cols=arrival_cols,
        col_period=None if static else np.asarray(col_periods),
        row_period=None if static else np.asarray(row_periods),
    )
