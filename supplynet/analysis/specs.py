"""Spec files of the Monte Carlo and sweep runs: TOML, validated, one-line errors.

A Monte Carlo spec lists attacks; each hits a target (an element id: a corridor, road,
arc, border post, port or depot; or an ``area``) with a probability, and a severity::

    name = "jnim-2025"
    destination = "Bamako"
    scenario = "blockade_2025.toml"   # optional, relative to this file
    measures = ["max_flow"]           # and/or "least_cost"
    threshold_share = 0.5             # report P(delivered < 50% of the baseline)
    samples = 2000
    seed = 1

    [[attacks]]
    target = "dakar-kayes"
    probability = 0.3
    severity = "block"                # block | factor | loss

    [[attacks]]
    target = "abidjan-sikasso"
    probability = 0.4
    severity = "factor"               # capacity multiplier, drawn per sample
    value = { distribution = "uniform", low = 0.2, high = 0.8 }

    [[attacks]]
    area = { center = [-11.43, 14.45], radius_km = 100 }
    probability = 0.1
    severity = "loss"                 # share of the fuel sent that is lost
    value = 0.25

With ``days = N`` (or ``measures = ["days_of_cover"]``, whose horizon is then the
scenario's ``days``, else 30) the run uses the multi-day model: each attack's
``probability`` is *per day*, an attack that hits lasts ``duration_days`` (default 1),
it may only hit within ``start_day``..``end_day`` (default the whole horizon), and its
severity is drawn once per sample and applies on every day it hits; the figures are the
destination's days of cover, shortfall and fuel served over the horizon
(:mod:`~supplynet.analysis.timeline_measure`), with ``threshold_days`` reporting
P(days of cover < threshold)::

    days = 60
    threshold_days = 30

    [[attacks]]
    target = "dakar-kayes"
    probability = 0.05                # per day
    duration_days = 7                 # each attack closes it for a week
    start_day = 10

Distributions: a number (constant), ``uniform`` (``low``, ``high``), ``triangular``
(``low``, ``mode``, ``high``), ``beta`` (``a``, ``b``, scaled to ``low``..``high``,
default 0..1). A sweep spec has ``kind = "grid" | "criticality" | "montecarlo"`` and a
table of that name (see :mod:`supplynet.analysis.sweep`). Numbers are checked against
:mod:`supplynet.analysis.ranges`; element names against the network when the run starts.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from supplynet.analysis.ranges import (
    RANGES,
    Days,
    K,
    LimitM3Day,
    Probability,
    Samples,
    Seed,
    SeverityFactor,
    Shape,
    ThresholdDays,
    ThresholdShare,
)
from supplynet.errors import ScenarioError, closest, shown
from supplynet.scenario import Area

__all__ = [
    "Attack",
    "CriticalitySpec",
    "Distribution",
    "GridAxis",
    "MonteCarloSpec",
    "SweepSpec",
    "check_override",
    "describe_spec_error",
    "read_toml",
]

Text = Annotated[str, Field(min_length=1, max_length=200, strict=True)]
Unit = Annotated[float, Field(ge=0.0, le=1_000.0, allow_inf_nan=False, strict=True)]
Measure = Literal["max_flow", "least_cost", "days_of_cover"]
#: the measures of the multi-day model (the others are steady-state: one day)
MULTI_DAY_MEASURES = ("days_of_cover",)


def _default_measures(data: Any) -> Any:
    """``measures`` left out: ``days_of_cover`` with ``days``, else ``max_flow``."""
    if isinstance(data, dict) and "measures" not in data:
        multi = data.get("days") is not None
        return {**data, "measures": ["days_of_cover" if multi else "max_flow"]}
    return data


def _one_model(measures: list[str], days: int | None) -> None:
    """Steady-state and multi-day measures do not mix; ``days`` needs a multi-day one."""
    multi = [m for m in measures if m in MULTI_DAY_MEASURES]
    steady = [m for m in measures if m not in MULTI_DAY_MEASURES]
    if multi and steady:
        raise ValueError(
            f"measures: {', '.join(steady)} (steady state, one day) and {', '.join(multi)} "
            "(multi-day) cannot be mixed in one run"
        )
    if days is not None and not multi:
        raise ValueError(
            f"days = {days} is the horizon of the multi-day model; its measure is "
            "'days_of_cover' (measures = ['days_of_cover'])"
        )


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Spec):
    """A stated distribution of a severity: uniform, triangular, beta or constant."""

    distribution: Literal["constant", "uniform", "triangular", "beta"]
    value: Unit | None = None
    low: Unit | None = None
    high: Unit | None = None
    mode: Unit | None = None
    a: Shape | None = None
    b: Shape | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        need = {
            "constant": ("value",),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "beta": ("a", "b"),
        }[self.distribution]
        missing = [p for p in need if getattr(self, p) is None]
        if missing:
            raise ValueError(f"a {self.distribution} distribution needs {', '.join(missing)}")
        low = self.low if self.low is not None else 0.0
        high = self.high if self.high is not None else 1.0
        if self.distribution != "constant" and not low <= high:
            raise ValueError(f"low {low:g} is above high {high:g}")
        if self.mode is not None and not low <= self.mode <= high:
            raise ValueError(f"mode {self.mode:g} is not between low and high")
        return self

    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value it can draw."""
        if self.distribution == "constant":
            assert self.value is not None
            return self.value, self.value
        return (self.low or 0.0), (1.0 if self.high is None else self.high)

    def quantile(self, u: Any) -> Any:
        """Inverse CDF at ``u`` (arrays welcome): how a uniform draw becomes a value."""
        import numpy as np

        u = np.asarray(u, dtype=float)
        low, high = self.bounds()
        if self.distribution == "constant":
            return np.full_like(u, low)
        if self.distribution == "uniform":
            return low + (high - low) * u
        if self.distribution == "triangular":
            assert self.mode is not None
            c = (self.mode - low) / (high - low) if high > low else 0.5
            left = low + np.sqrt(u * (high - low) * (self.mode - low))
            right = high - np.sqrt((1 - u) * (high - low) * (high - self.mode))
            return np.where(u < c, left, right)
        from scipy.stats import beta

        return low + (high - low) * beta.ppf(u, self.a, self.b)


class Attack(_Spec):
    """One attack: a target (element id or area), its probability and severity."""

    name: Text | None = None
    target: Text | None = None
    area: Area | None = None
    probability: Probability
    severity: Literal["block", "factor", "loss"] = "block"
    value: Annotated[float, Field(allow_inf_nan=False, strict=True)] | Distribution | None = None
    #: multi-day model: the attack may hit only on these days (1-based, inclusive)
    start_day: Days | None = None
    end_day: Days | None = None
    #: multi-day model: days an attack lasts from the day it hits
    duration_days: Days = 1

    @model_validator(mode="after")
    def _shape(self) -> Attack:
        if (self.target is None) == (self.area is None):
            raise ValueError("give exactly one of target (an element id) or area")
        first, last = self.start_day, self.end_day
        if first is not None and last is not None and first > last:
            raise ValueError(f"start_day {first} is after end_day {last}")
        if self.severity == "block":
            if self.value is not None:
                raise ValueError("a block has no value (it cuts); use severity = 'factor'")
            return self
        if self.value is None:
            raise ValueError(f"a {self.severity} attack needs a value (a number or distribution)")
        kind = "severity_factor" if self.severity == "factor" else "loss_rate"
        low, high, _, _ = RANGES[kind]
        lo, hi = (
            (self.value, self.value) if isinstance(self.value, int | float) else self.value.bounds()
        )
        if not (low <= lo and hi <= high):
            raise ValueError(
                f"value: a {self.severity} must lie between {low:g} and {high:g}, "
                f"got {lo:g}..{hi:g}"
            )
        return self

    def label(self, index: int) -> str:
        """The attack's name in tables."""
        if self.name:
            return self.name
        return self.target if self.target is not None else f"area {index}"

    def draw(self, u: Any) -> Any:
        """The capacity or arrival factor for uniform draws ``u``."""
        import numpy as np

        if self.severity == "block":
            return np.zeros_like(np.asarray(u, dtype=float))
        if isinstance(self.value, int | float):
            values = np.full_like(np.asarray(u, dtype=float), float(self.value))
        else:
            assert self.value is not None
            values = self.value.quantile(u)
        return 1.0 - values if self.severity == "loss" else values

    @property
    def timed(self) -> bool:
        """Does the attack use a key of the multi-day model (a window, a duration)?"""
        return self.start_day is not None or self.end_day is not None or self.duration_days != 1


class MonteCarloSpec(_Spec):
    """A Monte Carlo run: attacks with probabilities and severities (see the module)."""

    name: Text = "montecarlo"
    description: Annotated[str, Field(max_length=5_000, strict=True)] = ""
    destination: Text = "bamako"
    scenario: Text | None = None
    measures: list[Measure] = Field(
        default_factory=lambda: ["max_flow"],  # type: ignore[arg-type]
        min_length=1,
    )
    threshold_share: ThresholdShare = 0.5
    samples: Samples = 1_000
    seed: Seed = 0
    #: the multi-day horizon (attack probabilities are then per day)
    days: Days | None = None
    #: multi-day: report P(days of cover < threshold_days)
    threshold_days: ThresholdDays | None = None
    #: multi-day: one product (each node's demand_m3_day) instead of the demand tables
    single_product: StrictBool | None = None
    attacks: list[Attack] = Field(min_length=1, max_length=10_000)

    _base: str = ""

    _defaults = model_validator(mode="before")(_default_measures)

    @model_validator(mode="after")
    def _model(self) -> MonteCarloSpec:
        _one_model(list(self.measures), self.days)
        if not self.multi_day:
            timed = [i for i, a in enumerate(self.attacks) if a.timed]
            if timed:
                raise ValueError(
                    f"attacks.{timed[0]}: start_day, end_day and duration_days need the "
                    "multi-day model (days = N)"
                )
            if self.threshold_days is not None or self.single_product is not None:
                raise ValueError(
                    "threshold_days and single_product need the multi-day model (days = N)"
                )
        return self

    @property
    def multi_day(self) -> bool:
        """Does the run use the multi-day model?"""
        return any(m in MULTI_DAY_MEASURES for m in self.measures)

    @classmethod
    def from_file(cls, path: str | Path) -> MonteCarloSpec:
        """Read and validate a TOML spec (paths inside are relative to its folder)."""
        data, source = read_toml(path)
        return cls.from_dict(data, source=source)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "") -> MonteCarloSpec:
        try:
            spec = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(describe_spec_error(exc, source, cls)) from None
        if source:
            spec._base = str(Path(source).parent)
        return spec

    def scenario_path(self) -> Path | None:
        """The base scenario file, resolved against the spec's folder."""
        if self.scenario is None:
            return None
        path = Path(self.scenario)
        return path if path.is_absolute() or not self._base else Path(self._base) / path


class GridAxis(_Spec):
    """One axis of a grid: an element's capacity factors or limits."""

    factor: list[SeverityFactor] | None = Field(None, min_length=1, max_length=10_000)
    limit_m3_day: list[LimitM3Day] | None = Field(None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _one(self) -> GridAxis:
        if (self.factor is None) == (self.limit_m3_day is None):
            raise ValueError("give exactly one of factor = [...] or limit_m3_day = [...]")
        return self

    @property
    def values(self) -> list[float]:
        return list(self.factor if self.factor is not None else self.limit_m3_day or [])


class CriticalitySpec(_Spec):
    """``[criticality]`` of a sweep."""

    k: K = 1
    kinds: list[Literal["road", "arc", "node", "corridor"]] = Field(
        default_factory=lambda: ["road", "node", "corridor"],  # type: ignore[arg-type]
        min_length=1,
    )


class SweepSpec(_Spec):
    """A sweep: a grid of changes, a criticality run or a Monte Carlo run."""

    kind: Literal["grid", "criticality", "montecarlo"]
    name: Text = "sweep"
    destination: Text = "bamako"
    scenario: Text | None = None
    measures: list[Measure] = Field(
        default_factory=lambda: ["max_flow"],  # type: ignore[arg-type]
        min_length=1,
    )
    #: grid and criticality: the multi-day horizon (measure days_of_cover)
    days: Days | None = None
    single_product: StrictBool | None = None
    grid: dict[Text, GridAxis] | None = None
    criticality: CriticalitySpec | None = None
    montecarlo: MonteCarloSpec | None = None

    _base: str = ""

    _defaults = model_validator(mode="before")(_default_measures)

    @model_validator(mode="after")
    def _table_of_kind(self) -> SweepSpec:
        if self.kind != "montecarlo":
            _one_model(list(self.measures), self.days)
        elif self.days is not None:
            raise ValueError("a Monte Carlo sweep gives days in its [montecarlo] table")
        table = getattr(self, self.kind)
        if table is None and self.kind != "criticality":
            raise ValueError(f"kind = {self.kind!r} needs a [{self.kind}] table")
        if self.kind == "grid" and self.grid is not None:
            if not self.grid:
                raise ValueError("[grid] has no axis")
            points = math.prod(len(axis.values) for axis in self.grid.values())
            high = RANGES["grid_points"][1]
            if points > high:
                raise ValueError(f"the grid has {points:,} points; at most {high:,.0f}")
        return self

    @classmethod
    def from_file(cls, path: str | Path) -> SweepSpec:
        """Read and validate a TOML sweep spec."""
        data, source = read_toml(path)
        try:
            spec = cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(describe_spec_error(exc, source, cls)) from None
        spec._base = str(Path(source).parent)
        if spec.montecarlo is not None:
            spec.montecarlo._base = str(Path(source).parent)
        return spec

    def scenario_path(self) -> Path | None:
        if self.scenario is None:
            return None
        path = Path(self.scenario)
        return path if path.is_absolute() or not self._base else Path(self._base) / path


def read_toml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file; a missing, unreadable or empty file is a one-line error."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: spec file not found") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder, not a spec file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: not valid TOML: {shown(str(exc), 200)}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not data:
        raise ScenarioError(f"{path}: the spec file is empty")
    return data, str(path)


def check_override(model: type[BaseModel], name: str, value: Any) -> None:
    """Check a value that overrides a spec's key (an argument, a CLI option) on its own,
    so an error names the argument and not the spec file.

    Raises
    ------
    ScenarioError
        ``name = value: why``.

    Examples
    --------
    >>> check_override(MonteCarloSpec, "seed", 7)
    >>> check_override(MonteCarloSpec, "seed", -1)
    Traceback (most recent call last):
    ...
    supplynet.errors.ScenarioError: seed = -1: Input should be greater than or equal to 0
    """
    field = model.model_fields[name]
    kind: Any = field.annotation
    if field.metadata:
        kind = Annotated[(kind, *field.metadata)]
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise ScenarioError(f"{name} = {shown(value)}: {msg}") from None


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model class that holds the last key of ``loc`` (for unknown-key errors)."""
    current: type[BaseModel] = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            break
        annotation = str(field.annotation)
        for candidate in (Attack, Distribution, GridAxis, CriticalitySpec, MonteCarloSpec, Area):
            if candidate.__name__ in annotation:
                current = candidate
                break
    return current


def describe_spec_error(exc: ValidationError, source: str, model: type[BaseModel]) -> str:
    """One line from a pydantic error: file, key, bad value, the allowed keys."""
    where = f"{source}: " if source else ""
    errors = _union_errors(exc.errors())
    # a misspelt key also makes a required one missing: name the misspelling first
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(first["loc"])
    path = ".".join(str(p) for p in loc if not str(p).startswith(("function-", "tagged-")))
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    if first["type"] == "extra_forbidden":
        bad = str(loc[-1])
        allowed = _model_at(model, loc).model_fields
        return f"{where}unknown key {shown(bad)}; {closest(bad, allowed)}{more}"
    value = first.get("input")
    echo = "" if isinstance(value, dict | list) else f" = {shown(value)}"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "literal_error" and isinstance(value, str):
        expected = str(first.get("ctx", {}).get("expected", ""))
        hint = closest(value, re.findall(r"'([^']*)'", expected))
        msg += f"; {hint}" if hint.startswith("did you mean") else ""
    return f"{where}{path + echo + ': ' if path else ''}{msg}{more}"


#: pydantic's error types for a value that is not of a plain type
_SCALAR_TYPES = {"float_type", "float_parsing", "finite_number", "int_type", "bool_type"}


def _union_errors(errors: list[Any]) -> list[Any]:
    """The errors that matter for a value of a union (a number or a table): pydantic
    reports each member's, so a table with a bad entry would also read "should be a
    valid number". A table keeps the table member's errors; a value that is neither
    keeps one error, at the union's key, saying both."""
    tables = {tuple(e["loc"][:-1]) for e in errors if e["type"] == "model_type"}
    out = []
    for e in errors:
        loc = tuple(e["loc"])
        scalar = e["type"] in _SCALAR_TYPES and len(loc) > 1
        if scalar and isinstance(e.get("input"), dict):
            continue  # a table given: the table member's errors say what is wrong
        if e["type"] == "model_type" and any(
            o["type"] in _SCALAR_TYPES and tuple(o["loc"][:-1]) == loc[:-1] for o in errors
        ):
            continue  # neither a number nor a table: said once, by the number's error
        if scalar and loc[:-1] in tables:
            wrong_type = e["type"].endswith("_type")  # not a number at all (else: inf, nan)
            msg = "should be a number or a table (a distribution)" if wrong_type else e["msg"]
            e = {**e, "loc": loc[:-1], "msg": msg}
        out.append(e)
    return out or errors
