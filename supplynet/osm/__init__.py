"""OpenStreetMap ingest: Overpass (osmnx), ``.osm`` XML and ``.osm.pbf`` to a Network.

The public entry is :func:`build_network_from_osm`; ``supplynet network build`` calls it.
Modules, one per stage: :mod:`~supplynet.osm.overpass` (regions, cached download),
:mod:`~supplynet.osm.xml`, :mod:`~supplynet.osm.pbf` (readers into
:class:`~supplynet.osm.roads.RoadData`), :mod:`~supplynet.osm.facilities` (snapping, border
crossings), :mod:`~supplynet.osm.contract` (degree-2 chain contraction),
:mod:`~supplynet.osm.assemble` (capacities, graph), :mod:`~supplynet.osm.build` (stages).
The package loads its stages only when :func:`build_network_from_osm` is first used, so the
CLI can register ``network build`` without importing them.

Road data © OpenStreetMap contributors (ODbL).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplynet.osm.build import build_network_from_osm

__all__ = ["build_network_from_osm"]


def __getattr__(name: str) -> Any:
    if name == "build_network_from_osm":
        from supplynet.osm.build import build_network_from_osm

        return build_network_from_osm
    raise AttributeError(f"module 'supplynet.osm' has no attribute {name!r}")
