"""The validated base of the scenario models: one-line errors that name the full key.

Every scenario model (:class:`~supplynet.scenario.Scenario`, its areas, timed events,
convoys, escorts and rationing rules) derives from :class:`Validated`, so building one in
Python raises the same one-line :class:`~supplynet.errors.ScenarioError` as reading it
from a file. :func:`describe_validation` turns pydantic's error into that line: file,
key (``events.0.end_day``), value and, for an unknown key, the closest valid keys of the
model it was found in.
"""

from __future__ import annotations

import datetime as dt
import typing
from contextvars import ContextVar
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from supplynet.errors import ScenarioError, closest, shown

__all__ = ["DateValue", "Lat", "Lon", "Validated", "describe_validation", "model_at"]

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]


def _iso_date(value: Any) -> Any:
    """A calendar date: a ``date`` (TOML ``2025-10-01``) or an ISO string, nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError("give a date without a time (2025-10-01)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date: write it as 2025-10-01") from None
    raise ValueError("not a date: write it as 2025-10-01")


#: a calendar date, refused unless it is a date or an ISO ``YYYY-MM-DD`` string
DateValue = Annotated[dt.date, BeforeValidator(_iso_date)]

#: how many scenario models are being validated, one inside another
_DEPTH: ContextVar[int] = ContextVar("supplynet_scenario_depth", default=0)


class Validated(BaseModel):
    """A model whose construction errors are one-line :class:`ScenarioError` s.

    Only the outermost model turns pydantic's error into a :class:`ScenarioError`; a
    model validated inside another (an Area in a Scenario) passes the error up, so the
    message names the full key (``areas.0.radius_km``).
    """

    #: every model by class name, to find the one an unknown key was given to
    registry: ClassVar[dict[str, type[Validated]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Validated.registry[cls.__name__] = cls

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

    @classmethod
    def validate_nested(cls, data: Any) -> Any:
        """``model_validate`` that reports errors as a nested model does (for from_dict)."""
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            return cls.model_validate(data)
        finally:
            _DEPTH.reset(token)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (``list[Area] | None`` -> ``[Area]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model that owns the last key of an error location (``("events", 0, "x")``)."""
    model = root
    for part in loc[:-1]:
        if not isinstance(part, str):
            continue
        fields = model.model_fields
        info = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            break
        nested = _models_in(info.annotation)
        if nested:
            model = nested[0]
    return model


def _keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


_EXTRA = ("extra_forbid", "extra_forbidden")


def _cut(text: str, limit: int = 60) -> str:
    """A key for an error message: quoted if it is not plain, cut if it is long."""
    if not text.isprintable() or any(ch.isspace() for ch in text) or not text:
        return shown(text, limit)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def describe_validation(exc: ValidationError, source: str, data: Any) -> str:
    """One line from a pydantic error: file, key, bad value (cut), allowed keys."""
    where = f"{source}: " if source else ""
    errors = exc.errors()
    # an unknown key explains the rest (a misspelt key also leaves a required one missing)
    first = next((e for e in errors if e["type"] in _EXTRA), errors[0])
    loc = ".".join(_cut(str(p)) for p in first["loc"])
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if first["type"] in _EXTRA:
        bad = str(first["loc"][-1])
        root = Validated.registry.get(exc.title, Validated)
        owner = model_at(root, tuple(first["loc"]))
        inside = ".".join(_cut(str(p)) for p in first["loc"][:-1])
        at = f"{inside}: " if inside else ""
        return f"{where}{at}unknown key {shown(bad)}; {closest(bad, _keys(owner))}{more}"
    value = first.get("input")
    echo = "" if isinstance(value, dict | list) or value is data else f" = {shown(value)}"
    msg = str(first["msg"]).removeprefix("Value error, ")
    if not loc or isinstance(value, dict):
        return f"{where}{(loc + ': ') if loc else ''}{msg}{more}"
    return f"{where}{loc}{echo}: {msg}{more}"
