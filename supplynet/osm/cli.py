"""``supplynet network build``: build a network from OpenStreetMap and save it.

Registered by the main CLI as ``network_app.command("build")(build_command)``. Bad input
raises :class:`~supplynet.errors.DataError`; the main CLI prints its one line and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from supplynet.osm.defaults import DEFAULT_HIGHWAYS

__all__ = ["build_command"]


def build_command(
    source: Annotated[
        str,
        typer.Argument(
            help="A .osm.pbf, .osm or .osm.bz2 file, or the word 'overpass' to download."
        ),
    ],
    out: Annotated[
        Path,
        typer.Argument(
            help="Output: a folder (CSV schema) or a .gpkg file; written only on success."
        ),
    ],
    *,
    bbox: Annotated[
        str | None,
        typer.Option(
            help="Region W,S,E,N in degrees: the area downloaded, or for a file the area that "
            "clips its roads; facilities outside it are left out (listed on stderr).",
            metavar="W,S,E,N",
        ),
    ] = None,
    polygon: Annotated[
        Path | None,
        typer.Option(help="Region polygon file (GeoJSON or WKT); used like --bbox."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option(
            help="Region as a country name (repeatable; geocoded by osmnx); used like --bbox."
        ),
    ] = None,
    corridor_buffer_km: Annotated[
        float, typer.Option(help="With 'overpass' and no region: buffer around the default routes.")
    ] = 20.0,
    highway: Annotated[
        str,
        typer.Option(
            help="Road classes to keep, comma-separated.",
            show_default="motorway to secondary, with their links",
        ),
    ] = ",".join(DEFAULT_HIGHWAYS),
    facilities: Annotated[
        Path | None,
        typer.Option(
            help="Facility CSV (node_id, name, kind, lon, lat, ...); default the embedded one."
        ),
    ] = None,
    capacity_table: Annotated[
        Path | None,
        typer.Option(help="Road capacity CSV (highway, surface, tanker_trucks_day, speed_kmh)."),
    ] = None,
    capacity_fallback: Annotated[
        bool,
        typer.Option(
            "--capacity-fallback", help="Use the table's '*' row for road classes it lacks."
        ),
    ] = False,
    tanker_m3: Annotated[float | None, typer.Option(help="Tanker size in m3.")] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(help="Country polygons with an ISO3 column, to detect border crossings."),
    ] = None,
    tolerance_km: Annotated[
        float, typer.Option(help="Largest facility-to-road distance in km.")
    ] = 5.0,
    destination: Annotated[str, typer.Option(help="Destination facility id.")] = "bamako",
    name: Annotated[str | None, typer.Option(help="Network name.")] = None,
    cache: Annotated[bool, typer.Option(help="Use the osmnx download cache.")] = True,
    progress: Annotated[bool, typer.Option(help="Show progress on a terminal.")] = True,
    corridors: Annotated[
        bool,
        typer.Option(help="Name the default network's corridors on the built roads."),
    ] = True,
) -> None:
    """Build a fuel supply network from OpenStreetMap roads and save it to OUT.

    A region (--bbox, --polygon, --country) clips a file's roads and leaves out the
    facilities outside it, naming them on stderr; the destination must be inside. Without
    a region every facility must lie within --tolerance-km of a road.
    """
    from rich.console import Console
    from rich.text import Text

    from supplynet.osm.build import build_network_from_osm

    net = build_network_from_osm(
        source,
        bbox=bbox,
        polygon=polygon,
        countries=country or None,
        corridor_buffer_km=corridor_buffer_km,
        highway=highway,
        facilities=facilities,
        capacity_table=capacity_table,
        capacity_fallback=capacity_fallback,
        assumptions={"tanker_m3": tanker_m3} if tanker_m3 is not None else None,
        boundaries=boundaries,
        tolerance_km=tolerance_km,
        destination=destination,
        name=name,
        out=out,
        use_cache=cache,
        progress=progress,
        corridors=corridors,
    )
    s = net.summary()
    facilities_n = sum(s[f"{k}s"] for k in ("port", "border", "depot", "demand"))
    # the network name and path are the user's text: printed literally
    Console(highlight=False).print(
        Text("Built ", style="bold green")
        + Text(
            f"{s['name']}: {s['nodes']:,} nodes, {s['arcs']:,} arcs, "
            f"{s['road_km']:,.0f} km of road, {facilities_n} facilities -> {out}"
        )
    )
