"""The optional tile base map under the report's maps (opt-in: ``tiles=True``, ``--tiles``).

The maps are drawn offline in longitude/latitude (:mod:`supplynet.report.maps`). With
tiles, the page also places web-map tiles (OpenStreetMap's by default) under each map's
drawing, which is then drawn with a transparent background and see-through country
fills: a browser that is online shows the tiles, one that is offline shows the map as it
is without them. Without the option the page asks for nothing (its Content-Security-
Policy forbids it); with it, the policy allows images from the tile server only.

No script: each tile is an ``<img>`` placed at build time, with its edges at the
longitudes and latitudes of the tile (Web Mercator, the slippy-map scheme), so it lines
up with the lon/lat drawing; within one tile the latitude scale is taken as linear,
which at zoom 6 in West Africa is off by under 0.02° (about half a pixel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from supplynet.errors import DataError

__all__ = [
    "OSM_ATTRIBUTION",
    "OSM_TILES",
    "Tile",
    "TileLayer",
    "lat_of_tile_row",
    "lon_of_tile_column",
    "tile_layer",
    "tile_source",
]

#: OpenStreetMap's standard tiles (https://operations.osmfoundation.org/policies/tiles/)
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: the credit OpenStreetMap's tiles require
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: the map's width the tiles are chosen for (CSS px: the map's widest, 58rem)
_TARGET_PX = 928


@dataclass(frozen=True)
class Tile:
    """One tile: its address and its box, in % of the map's axes box (from the top
    left)."""

    z: int
    x: int
    y: int
    src: str
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class TileLayer:
    """The tiles under one map: the axes box in % of the drawing, and the tiles in it."""

    url: str
    attribution: str
    zoom: int
    left: float
    top: float
    width: float
    height: float
    tiles: tuple[Tile, ...]

    @property
    def origin(self) -> str:
        """``scheme://host`` of the tile server (what the page's policy allows)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def tile_source(tiles: bool | str | None) -> str | None:
    """The URL template asked for: ``True`` OpenStreetMap's, a string as given.

    Raises
    ------
    DataError
        A template that is not ``https://`` with ``{z}``, ``{x}`` and ``{y}``.

    Examples
    --------
    >>> tile_source(True), tile_source(False)
    ('https://tile.openstreetmap.org/{z}/{x}/{y}.png', None)
    """
    if tiles is None or tiles is False:
        return None
    if tiles is True:
        return OSM_TILES
    url = str(tiles)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or not all(f"{{{k}}}" in url for k in "zxy"):
        raise DataError(
            f"tiles = {url!r}: give an https:// URL template with {{z}}, {{x}} and {{y}} "
            f"(e.g. {OSM_TILES})"
        )
    return url


def lon_of_tile_column(x: float, z: int) -> float:
    """Longitude of the west edge of tile column ``x`` at zoom ``z``.

    >>> lon_of_tile_column(0, 3), lon_of_tile_column(4, 3)
    (-180.0, 0.0)
    """
    return x / 2**z * 360.0 - 180.0


def lat_of_tile_row(y: float, z: int) -> float:
    """Latitude of the north edge of tile row ``y`` at zoom ``z`` (Web Mercator).

    >>> round(lat_of_tile_row(0, 0), 4), lat_of_tile_row(1, 1)
    (85.0511, 0.0)
    """
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / 2**z))))


def _column(lon: float, z: int) -> float:
    return (lon + 180.0) / 360.0 * 2**z


def _row(lat: float, z: int) -> float:
    phi = math.radians(lat)
    return (1 - math.asinh(math.tan(phi)) / math.pi) / 2 * 2**z


def tile_layer(
    ax: Any,
    *,
    url: str = OSM_TILES,
    attribution: str = OSM_ATTRIBUTION,
    zoom: int | None = None,
) -> TileLayer:
    """The tiles under a drawn map's axes (call after the figure was rendered, so its
    layout is final).

    Parameters
    ----------
    ax : matplotlib Axes
        The map's axes, in longitude/latitude.
    url : str
        Tile URL template.
    zoom : int, optional
        Default: the lowest zoom whose tiles are at least as fine as the map at its
        widest on the page.
    """
    west, east = ax.get_xlim()
    south, north = ax.get_ylim()
    box = ax.get_position(original=False)
    if zoom is None:
        zoom = 0
        while (east - west) / 360 * 256 * 2**zoom < _TARGET_PX * box.width and zoom < 12:
            zoom += 1
    first_x, last_x = int(_column(west, zoom)), int(_column(east, zoom))
    first_y, last_y = int(_row(north, zoom)), int(_row(south, zoom))
    tiles = []
    for x in range(max(first_x, 0), min(last_x, 2**zoom - 1) + 1):
        for y in range(max(first_y, 0), min(last_y, 2**zoom - 1) + 1):
            lon0, lon1 = lon_of_tile_column(x, zoom), lon_of_tile_column(x + 1, zoom)
            lat0, lat1 = lat_of_tile_row(y, zoom), lat_of_tile_row(y + 1, zoom)
            tiles.append(
                Tile(
                    z=zoom,
                    x=x,
                    y=y,
                    src=url.format(z=zoom, x=x, y=y),
                    left=100 * (lon0 - west) / (east - west),
                    top=100 * (north - lat0) / (north - south),
                    width=100 * (lon1 - lon0) / (east - west),
                    height=100 * (lat0 - lat1) / (north - south),
                )
            )
    return TileLayer(
        url=url,
        attribution=attribution,
        zoom=zoom,
        left=100 * box.x0,
        top=100 * (1 - box.y1),
        width=100 * box.width,
        height=100 * box.height,
        tiles=tuple(tiles),
    )
