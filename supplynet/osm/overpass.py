"""Regions and the Overpass download through osmnx (with osmnx's response cache).

A region is a bounding box, a polygon (GeoJSON or WKT file, or a shapely geometry),
country names (geocoded by osmnx/Nominatim), or by default the *corridor region*: the
routes of the embedded default network (ports and border posts to Bamako) buffered by
``corridor_buffer_km``.

Downloads go through ``osmnx.graph_from_polygon`` with a ``highway`` filter and osmnx's
cache switched on, in ``supplynet.settings.cache_dir() / "osmnx"``: a repeated build
reads the saved responses and makes no request.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError
from supplynet.osm.facilities import has_geometry
from supplynet.osm.roads import RoadData, road_data_from_graph
from supplynet.osm.xml import useful_way_tags

__all__ = [
    "corridor_region",
    "download_roads",
    "highway_filter",
    "osmnx_settings",
    "read_polygon",
    "resolve_region",
]

logger = logging.getLogger(__name__)

#: Largest area of one Overpass query (m2): 50,000 km2, 20x osmnx's default.
MAX_QUERY_AREA_M2 = 50_000 * 1_000_000
#: Azimuthal equidistant projection centred on Bamako, for buffers in metres.
_AEQD = "+proj=aeqd +lat_0=12.64 +lon_0=-8.0 +datum=WGS84 +units=m +no_defs"


def highway_filter(highways: Sequence[str]) -> str:
    """The Overpass way filter osmnx is given for ``highways``.

    Case-insensitive and allowing surrounding spaces, so that Overpass returns the ways
    the file readers keep (they strip and lowercase ``highway``).

    Examples
    --------
    >>> highway_filter(["trunk", "primary"])
    '["highway"~"^ *(trunk|primary) *$",i]'
    """
    return '["highway"~"^ *(' + "|".join(highways) + ') *$",i]'


def parse_bbox(bbox: str | Sequence[float]) -> Polygon:
    """Turn ``W,S,E,N`` (degrees, a string or four numbers) into a polygon.

    Examples
    --------
    >>> parse_bbox("-8.1,12.5,-7.9,12.7").bounds
    (-8.1, 12.5, -7.9, 12.7)
    """
    parts = bbox.split(",") if isinstance(bbox, str) else list(bbox)
    try:
        west, south, east, north = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise DataError(f"bbox {bbox!r}: expected four numbers W,S,E,N in degrees") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise DataError(
            f"bbox {bbox!r}: need W < E and S < N within WGS84 degrees "
            "(order W,S,E,N); the region is empty"
        )
    return box(west, south, east, north)


def read_polygon(path: str | Path) -> BaseGeometry:
    """Read a region polygon from a GeoJSON (or any OGR vector file) or a WKT text file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: region polygon file not found")
    if path.suffix.lower() in (".wkt", ".txt"):
        try:
            return shapely_wkt.loads(path.read_text(encoding="utf-8"))
        except (ShapelyError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: not a WKT geometry ({exc})") from None
    import geopandas as gpd
    import pyogrio

    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataError(f"{path}: cannot read region polygon ({exc})") from None
    if not has_geometry(gdf):
        raise DataError(
            f"{path}: no geometries in the file; expected a region polygon as a vector "
            "file (GeoJSON, GeoPackage, shapefile) or a WKT text file (.wkt)"
        )
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    return gdf.geometry.union_all()


def corridor_region(buffer_km: float = 20.0) -> BaseGeometry:
    """The default region: the embedded network's routes buffered by ``buffer_km``."""
    import geopandas as gpd

    from supplynet.datasets import load_network

    if not buffer_km > 0:
        raise DataError(f"corridor_buffer_km must be positive, got {buffer_km}")
    net = load_network()
    lines = [d["geometry"] for _, _, d in net.graph.edges(data=True) if d.get("direction") == "fwd"]
    series = gpd.GeoSeries(lines, crs="EPSG:4326").to_crs(_AEQD)
    buffered = series.buffer(buffer_km * 1000.0, quad_segs=4).union_all()
    return gpd.GeoSeries([buffered], crs=_AEQD).to_crs("EPSG:4326").iloc[0]


def _geocode_countries(countries: Sequence[str]) -> BaseGeometry:
    import osmnx as ox
    import requests

    shapes = []
    for name in countries:
        try:
            with osmnx_settings():  # Nominatim answers are cached like Overpass ones
                gdf = ox.geocode_to_gdf(name)
        except (ox._errors.InsufficientResponseError, TypeError, ValueError) as exc:
            raise DataError(f"country {name!r}: cannot geocode it to a polygon ({exc})") from None
        except (requests.RequestException, ox._errors.ResponseStatusCodeError) as exc:
            raise DataError(
                f"country {name!r}: geocoding failed ({type(exc).__name__}: {exc})"
            ) from None
        shapes.append(gdf.geometry.union_all())
    from shapely import union_all

    return union_all(shapes)


def resolve_region(
    *,
    bbox: str | Sequence[float] | None = None,
    polygon: str | Path | BaseGeometry | None = None,
    countries: Sequence[str] | None = None,
    corridor_buffer_km: float = 20.0,
) -> tuple[BaseGeometry, str]:
    """Return the region polygon and a description; at most one of the options.

    With none given, the corridor region (:func:`corridor_region`).
    """
    given = [
        name
        for name, value in (("bbox", bbox), ("polygon", polygon), ("countries", countries))
        if value
    ]
    if len(given) > 1:
        raise DataError(f"give one region, not {' and '.join(given)}")
    if bbox:
        region, what = parse_bbox(bbox), f"bbox {bbox}"
    elif polygon is not None and not isinstance(polygon, BaseGeometry):
        region, what = read_polygon(polygon), f"polygon {polygon}"
    elif polygon is not None:
        region, what = polygon, "polygon"
    elif countries:
        region, what = _geocode_countries(countries), f"countries {', '.join(countries)}"
    else:
        region = corridor_region(corridor_buffer_km)
        what = f"corridor region ({corridor_buffer_km:g} km around the default routes)"
    if not isinstance(region, Polygon | MultiPolygon):
        region = region.buffer(0) if region.area > 0 else region
    if region.is_empty or region.area <= 0 or not isinstance(region, Polygon | MultiPolygon):
        raise DataError(f"region {what}: empty (no area)")
    if not region.is_valid:
        region = region.buffer(0)
    return region, what


@contextlib.contextmanager
def osmnx_settings(cache_folder: Path | None = None, *, use_cache: bool = True) -> Iterator[None]:
    """osmnx settings for supplynet's downloads, for the ``with`` block.

    The HTTP cache on (in ``cache_folder``, default ``settings.cache_dir() / "osmnx"``),
    and a query area of :data:`MAX_QUERY_AREA_M2`: a highway-filtered query returns far
    less than osmnx's all-roads default is sized for, so the corridor region needs tens
    of requests instead of a thousand.
    """
    import osmnx as ox

    from supplynet import settings

    folder = cache_folder if cache_folder is not None else settings.cache_dir() / "osmnx"
    names = ("use_cache", "cache_folder", "max_query_area_size")
    saved: dict[str, Any] = {k: getattr(ox.settings, k) for k in names}
    ox.settings.use_cache = use_cache
    ox.settings.cache_folder = str(folder)
    ox.settings.max_query_area_size = MAX_QUERY_AREA_M2
    try:
        yield
    finally:
        for k, v in saved.items():
            setattr(ox.settings, k, v)


def download_roads(
    region: BaseGeometry,
    highways: Sequence[str],
    *,
    what: str = "region",
    use_cache: bool = True,
    cache_folder: Path | None = None,
) -> RoadData:
    """Download the ways of classes ``highways`` inside ``region`` from Overpass (osmnx).

    Raises
    ------
    DataError
        The download failed, or the region holds no road of those classes.
    """
    import osmnx as ox
    import requests

    try:
        with osmnx_settings(cache_folder, use_cache=use_cache), useful_way_tags():
            G = ox.graph_from_polygon(
                region,
                custom_filter=highway_filter(highways),
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
            )
    except ox._errors.InsufficientResponseError:
        raise DataError(
            f"{what}: no roads of classes {','.join(highways)} found (Overpass returned nothing)"
        ) from None
    except (requests.RequestException, ox._errors.ResponseStatusCodeError, OSError) as exc:
        raise DataError(f"{what}: Overpass download failed ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:  # e.g. "Found no graph nodes within the requested polygon"
        raise DataError(f"{what}: no roads of classes {','.join(highways)} ({exc})") from None
    data = road_data_from_graph(G, highways, source=f"Overpass {what}")
    logger.info("Downloaded %s: %d road segments on %d nodes", what, data.n_ways, data.n_nodes)
    return data
