"""Areas of a scenario: a circle or polygon where capacities are scaled or tankers lost.

An :class:`Area` scales the capacity of the roads crossing it and of the nodes inside it
(``factor``; 0 blocks), and in the multi-day model it can also lose a share of the fuel
driven into it (``loss_rate``: tankers burned or looted). The element look-up is
:meth:`supplynet.scenario.apply.Resolver.area`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from supplynet.scenario.base import Lat, Lon, Validated
from supplynet.scenario.ranges import Factor, LossRate, Name, RadiusKm

__all__ = ["Area"]


class Area(Validated):
    """A region where capacities are scaled: a circle (point and radius) or a polygon.

    ``factor`` multiplies the capacity of the roads crossing the area and of the nodes
    inside it (default 0: closed). ``loss_rate`` is the share of the fuel that tankers
    driving into the area lose there (multi-day model only); an area that gives a
    ``loss_rate`` and no ``factor`` keeps its capacity (factor 1).

    Examples
    --------
    >>> Area(center=(-11.43, 14.45), radius_km=150).geometry().geom_type
    'Polygon'
    >>> Area(center=(-11.43, 14.45), radius_km="150")
    Traceback (most recent call last):
    ...
    supplynet.errors.ScenarioError: radius_km = '150': Input should be a valid number
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = "area"
    center: tuple[Lon, Lat] | None = Field(None, description="[lon, lat] in degrees")
    radius_km: RadiusKm | None = None
    polygon: list[tuple[Lon, Lat]] | None = Field(None, min_length=3, max_length=100_000)
    wkt: Annotated[str, Field(max_length=10_000_000)] | None = None
    factor: Factor = Field(0.0, description="capacity multiplier; 0 blocks")
    loss_rate: LossRate = Field(0.0, description="share of the fuel driven into it that is lost")

    @model_validator(mode="before")
    @classmethod
    def _loss_keeps_capacity(cls, data: Any) -> Any:
        if isinstance(data, dict) and "loss_rate" in data and "factor" not in data:
            return {**data, "factor": 1.0}
        return data

    @model_validator(mode="after")
    def _one_shape(self) -> Area:
        shapes = [
            self.center is not None or self.radius_km is not None,
            self.polygon is not None,
            self.wkt is not None,
        ]
        if sum(shapes) != 1:
            raise ValueError("give exactly one of center+radius_km, polygon or wkt")
        if shapes[0] and (self.center is None or self.radius_km is None):
            raise ValueError("a circle needs both center = [lon, lat] and radius_km")
        if self.polygon is not None and not Polygon(self.polygon).is_valid:
            raise ValueError("polygon is not valid (self-intersecting or degenerate ring)")
        if self.wkt is not None:
            try:
                geom = shapely_wkt.loads(self.wkt)
            except (ShapelyError, ValueError, TypeError):
                raise ValueError("wkt is not valid WKT") from None
            if geom.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"wkt must be a Polygon or MultiPolygon, got {geom.geom_type}")
            if not geom.is_valid:
                raise ValueError("wkt polygon is not valid (self-intersecting or degenerate)")
            bounds = geom.bounds
            if not (
                all(math.isfinite(b) for b in bounds)
                and -180 <= bounds[0] <= bounds[2] <= 180
                and -90 <= bounds[1] <= bounds[3] <= 90
            ):
                raise ValueError("wkt polygon must lie within lon -180..180, lat -90..90")
        return self

    def geometry(self) -> BaseGeometry:
        """The area as a shapely geometry in lon/lat (a circle is a 128-gon, geodesic)."""
        if self.center is not None and self.radius_km is not None:
            from pyproj import Geod  # only circles need it (start-up time)

            lon, lat = self.center
            azimuths = [i * 360 / 128 for i in range(128)]
            lons, lats, _ = Geod(ellps="WGS84").fwd(
                [lon] * 128, [lat] * 128, azimuths, [self.radius_km * 1000] * 128
            )
            return Polygon(zip(lons, lats, strict=True))
        if self.polygon is not None:
            return Polygon(self.polygon)
        return shapely_wkt.loads(str(self.wkt))
