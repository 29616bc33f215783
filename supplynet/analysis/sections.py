"""Sections of road: where fuel enters and leaves a set of arcs (a corridor, an area).

A loss rate on a corridor or an area is "the share of the fuel that never arrives"; a
convoy rule restricts when fuel may *enter* a corridor. Both act on the arcs by which
fuel enters the set: an arc ``u -> v`` of the set is an **entry** if no other arc of the
set (other than its own reverse) ends at ``u``, and an **exit** if no other arc of the set
starts at ``v``. Fuel that drives through the section crosses exactly one entry arc, so a
loss applied there is applied once, however many arcs the section has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from supplynet.network import Network

__all__ = ["Section", "build_section", "chain_lead_days"]


@dataclass(frozen=True)
class Section:
    """A set of arcs and its entry and exit arcs (arc ids)."""

    arcs: tuple[str, ...]
    entries: tuple[str, ...]
    exits: tuple[str, ...]


def _reverse(net: Network, arcs: Iterable[str]) -> dict[str, str | None]:
    """Each arc's reverse (same road, opposite direction) among ``arcs``, or None."""
    arcs = list(arcs)
    by_ends = {net.edge_endpoints(e): e for e in arcs}
    out: dict[str, str | None] = {}
    for e in arcs:
        u, v = net.edge_endpoints(e)
        rev = by_ends.get((v, u))
        road = net.edge_data(e).get("road_id", e)
        out[e] = rev if rev is not None and net.edge_data(rev).get("road_id", rev) == road else None
    return out


def build_section(net: Network, arcs: Iterable[str]) -> Section:
    """The entry and exit arcs of a set of arcs.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> own, _ = net.corridor_elements(["dakar-kayes"])
    >>> s = build_section(net, own)
    >>> sorted(s.entries)
    ['kayes_diema_rev', 'tambacounda_kidira_diboli']
    """
    arcs = tuple(dict.fromkeys(arcs))
    rev = _reverse(net, arcs)
    heads: dict[object, list[str]] = {}
    tails: dict[object, list[str]] = {}
    for e in arcs:
        u, v = net.edge_endpoints(e)
        tails.setdefault(u, []).append(e)
        heads.setdefault(v, []).append(e)
    entries, exits = [], []
    for e in arcs:
        u, v = net.edge_endpoints(e)
        if not [f for f in heads.get(u, []) if f not in (e, rev[e])]:
            entries.append(e)
        if not [f for f in tails.get(v, []) if f not in (e, rev[e])]:
            exits.append(e)
    return Section(arcs, tuple(entries), tuple(exits))


def chain_lead_days(net: Network, section: Section, lead: Mapping[str, float]) -> dict[str, float]:
    """For each entry arc, the lead time of the longest run of section arcs it starts.

    That is the time fuel entering there takes to drive the section's own roads (a
    corridor is a chain of roads, so there is one run per direction).
    """
    rev = _reverse(net, section.arcs)
    starting: dict[object, list[str]] = {}
    for e in section.arcs:
        starting.setdefault(net.edge_endpoints(e)[0], []).append(e)

    def longest(e: str, seen: frozenset[str]) -> float:
        v = net.edge_endpoints(e)[1]
        onward = [
            f for f in starting.get(v, []) if f != rev[e] and f not in seen and rev[f] not in seen
        ]
        rest = max((longest(f, seen | {f}) for f in onward), default=0.0)
        return lead[e] + rest

    return {e: longest(e, frozenset({e})) for e in section.entries}
