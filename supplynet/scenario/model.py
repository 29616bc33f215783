"""The scenario model: a validated what-if, read from TOML or built in Python.

:class:`Scenario` and :class:`Area` are pydantic models. Every value is checked on
construction against :mod:`supplynet.scenario.ranges`, and a bad one raises a one-line
:class:`~supplynet.errors.ScenarioError` (file, key, value, the allowed values), whether it
comes from a file (:meth:`Scenario.from_file`) or from Python (``Scenario(...)``).
:meth:`Scenario.apply` returns a new network (:mod:`supplynet.scenario.apply`).
"""

from __future__ import annotations

import logging
import math
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator
from shapely import wkt as shapely_wkt
from shapely.errors import ShapelyError
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from supplynet.errors import ScenarioError, closest, shown
from supplynet.network import Network
from supplynet.scenario.apply import apply_scenario
from supplynet.scenario.ranges import (
    NAME_CHARS,
    RANGES,
    DemandFactor,
    DemandM3Day,
    Description,
    Factor,
    LimitM3Day,
    Name,
    RadiusKm,
    StockM3,
)

__all__ = ["Area", "Scenario", "describe_validation"]

logger = logging.getLogger(__name__)

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]
#: assumptions a scenario may override, each with its range kind
_OVERRIDABLE = {"cost_per_m3_km": "cost_per_m3_km", "unmet_penalty_per_m3": "unmet_penalty_per_m3"}


#: how many scenario models are being validated, one inside another
_DEPTH: ContextVar[int] = ContextVar("supplynet_scenario_depth", default=0)


class _Validated(BaseModel):
    """A model whose construction errors are one-line :class:`ScenarioError` s.

    Only the outermost model turns pydantic's error into a :class:`ScenarioError`; a
    model validated inside another (an Area in a Scenario) passes the error up, so the
    message names the full key (``areas.0.radius_km``).
    """

    def __init__(self, **data: Any) -> None:
        depth = _DEPTH.get()
        token = _DEPTH.set(depth + 1)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            if depth:
                raise
            raise ScenarioError(describe_validation(exc, "", data)) from None
        finally:
            _DEPTH.reset(token)


class Area(_Validated):
    """A region where capacities are scaled: a circle (point and radius) or a polygon.

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


class Scenario(_Validated):
    """A what-if: what is blocked or reduced, and demand changes.

    Build one in Python or read it from TOML (:meth:`from_file`); a bad value raises a
    one-line :class:`~supplynet.errors.ScenarioError` either way. The keys and their
    meaning are listed in :mod:`supplynet.scenario`, the numeric ranges in
    :mod:`supplynet.scenario.ranges`.

    Examples
    --------
    >>> import supplynet as sn
    >>> net = sn.load_network()
    >>> sc = sn.Scenario(name="no-kidira", blocked_corridors=["dakar-kayes"])
    >>> cut = sc.apply(net)
    >>> cut is net
    False
    >>> float(cut.edges.loc["kidira_diboli_kayes", "capacity_m3_day"])
    0.0
    >>> float(cut.edges.loc["dakar_fatick", "capacity_m3_day"]) > 0  # shared with dakar-kita
    True
    >>> sn.Scenario(name="x", demand_factor=1e20)
    Traceback (most recent call last):
    ...
    supplynet.errors.ScenarioError: demand_factor = 1e+20: Input should be less than or equal to 100
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = "scenario"
    description: Description = ""
    blocked_corridors: list[str] = Field(default_factory=list)
    blocked_edges: list[str] = Field(default_factory=list)
    blocked_nodes: list[str] = Field(default_factory=list)
    capacity_factors: dict[str, Factor] = Field(default_factory=dict)
    capacity_limits_m3_day: dict[str, LimitM3Day] = Field(default_factory=dict)
    areas: list[Area] = Field(default_factory=list)
    demand: dict[str, DemandM3Day] = Field(default_factory=dict)
    demand_factor: DemandFactor = 1.0
    stock_m3: dict[str, StockM3] = Field(default_factory=dict)
    assumptions: dict[str, Annotated[float, Field(allow_inf_nan=False, strict=True)]] = Field(
        default_factory=dict
    )

    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _check_assumptions(self) -> Scenario:
        for key, value in self.assumptions.items():
            if key not in _OVERRIDABLE:
                raise ValueError(
                    f"assumptions: {shown(key)} cannot be overridden; "
                    f"allowed: {', '.join(_OVERRIDABLE)}"
                )
            low, high, open_low, unit = RANGES[_OVERRIDABLE[key]]
            if open_low and value <= low:
                raise ValueError(f"assumptions.{key} = {value!r}: {key} must be > {low:g}")
            if not low <= value <= high:
                raise ValueError(
                    f"assumptions.{key} = {value!r}: must be between {low:,g} and {high:,g} {unit}"
                )
        return self

    @property
    def source(self) -> str:
        """The file this scenario was read from (``""`` if built in Python)."""
        return self._source

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        """Read and validate a TOML scenario file.

        A file without a ``name`` is named after the file. An empty file (no key at all)
        is refused: write ``name = "baseline"`` for a scenario that changes nothing.

        Raises
        ------
        ScenarioError
            One line naming the file, the key and the problem.
        """
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ScenarioError(f"{path}: scenario file not found") from None
        except IsADirectoryError:
            raise ScenarioError(f"{path}: is a folder, not a scenario file") from None
        except PermissionError:
            raise ScenarioError(f"{path}: permission denied") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{path}: not valid TOML: {shown(str(exc), 200)}") from None
        except OSError as exc:
            raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if not data:
            raise ScenarioError(
                f"{path}: the scenario file is empty; give at least a name "
                '(name = "baseline" runs the network unchanged)'
            )
        data.setdefault("name", path.stem[:NAME_CHARS] or "scenario")
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "") -> Scenario:
        """Validate a scenario given as a dict (as parsed from TOML or JSON)."""
        if not isinstance(data, dict):
            where = f"{source}: " if source else ""
            raise ScenarioError(f"{where}a scenario is a table of keys, got {type(data).__name__}")
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            scenario = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(describe_validation(exc, source, data)) from None
        finally:
            _DEPTH.reset(token)
        scenario._source = source
        return scenario

    @classmethod
    def coerce(cls, value: Scenario | str | Path | None) -> Scenario:
        """A Scenario from a Scenario, a TOML path, or ``None`` (the baseline).

        Raises
        ------
        TypeError
            For anything else, naming what was given.

        Examples
        --------
        >>> Scenario.coerce(None).name
        'baseline'
        >>> Scenario.coerce("examples/scenarios/blockade_2025.toml").name
        'blockade_2025'
        """
        if value is None:
            return cls(name="baseline")
        if isinstance(value, Scenario):
            return value
        if isinstance(value, str | Path):
            return cls.from_file(value)
        raise TypeError(
            f"scenario must be a supplynet.Scenario, a path to a TOML file or None, "
            f"not {type(value).__name__}"
        )

    # ------------------------------------------------------------------ applying
    def apply(self, net: Network) -> Network:
        """Return a new Network with this scenario applied (``net`` is unchanged).

        Raises
        ------
        ScenarioError
            If a corridor, edge or node name is not in the network, a corridor has no
            element of its own, a factor targets a node with nothing to scale, or an area
            touches nothing.
        """
        if not isinstance(net, Network):
            raise TypeError(f"net must be a supplynet.Network, not {type(net).__name__}")
        return apply_scenario(self, net, source=self._source)


def _cut(text: str, limit: int = 60) -> str:
    """A key for an error message: quoted if it is not plain, cut if it is long."""
    if not text.isprintable() or any(ch.isspace() for ch in text) or not text:
        return shown(text, limit)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def describe_validation(exc: ValidationError, source: str, data: Any) -> str:
    """One line from a pydantic error: file, key, bad value (cut), allowed keys."""
    where = f"{source}: " if source else ""
    first = exc.errors()[0]
    loc = ".".join(_cut(str(p)) for p in first["loc"])
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if first["type"] == "extra_forbid" or first["type"] == "extra_forbidden":
        bad = str(first["loc"][-1])
        allowed = (Area if "areas" in first["loc"] else Scenario).model_fields
        return f"{where}unknown key {shown(bad)}; {closest(bad, allowed)}{more}"
    value = first.get("input")
    echo = "" if isinstance(value, dict | list) or value is data else f" = {shown(value)}"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if not loc or isinstance(value, dict):
        return f"{where}{(loc + ': ') if loc else ''}{msg}{more}"
    return f"{where}{loc}{echo}: {msg}{more}"
