"""The scenario model: a validated what-if, read from TOML or built in Python.

:class:`Scenario` and :class:`Area` are pydantic models. Every value is checked on
construction against :mod:`supplynet.scenario.ranges`, and a bad one raises a one-line
:class:`~supplynet.errors.ScenarioError` (file, key, value, the allowed values), whether it
comes from a file (:meth:`Scenario.from_file`) or from Python (``Scenario(...)``).
:meth:`Scenario.apply` returns a new network (:mod:`supplynet.scenario.apply`).
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from supplynet.errors import ScenarioError, shown
from supplynet.network import Network
from supplynet.scenario.apply import apply_scenario
from supplynet.scenario.area import Area
from supplynet.scenario.base import DateValue, Validated, describe_validation
from supplynet.scenario.ranges import (
    NAME_CHARS,
    RANGES,
    Day,
    DemandFactor,
    DemandM3Day,
    Description,
    Factor,
    LimitM3Day,
    Name,
    NodeWeight,
    StockM3,
    SupplyM3Day,
)
from supplynet.scenario.timeline import (
    Allocation,
    Convoy,
    Escorts,
    Event,
    Rationing,
    Window,
    day_of,
)

__all__ = ["STEADY_STATE_IGNORES", "Area", "Scenario", "describe_validation"]

logger = logging.getLogger(__name__)

#: assumptions a scenario may override, each with its range kind
_OVERRIDABLE = {
    "cost_per_m3_km": "cost_per_m3_km",
    "unmet_penalty_per_m3": "unmet_penalty_per_m3",
    # multi-day model (data/timeline.csv)
    "driving_hours_per_day": "driving_hours_per_day",
    "truck_time_factor": "truck_time_factor",
    "border_delay_days": "border_delay_days",
    "queue_tankers": "queue_tankers",
    "pipeline_share": "share",
}
#: assumptions only the multi-day model uses
_TIMELINE_ASSUMPTIONS = (
    "driving_hours_per_day",
    "truck_time_factor",
    "border_delay_days",
    "queue_tankers",
    "pipeline_share",
)
#: keys only the multi-day model reads (the steady-state analyses ignore them)
STEADY_STATE_IGNORES = (
    "days",
    "start_date",
    "allocation",
    "events",
    "convoys",
    "escorts",
    "rationing",
    "node_weights",
)


def _day_or_keep(value: Any, start: Any) -> int:
    """A day number or date as a day number (0 when it cannot be read: kept)."""
    try:
        return day_of(value, start)
    except ValueError:
        return 0


class Scenario(Validated):
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
    supply_m3_day: dict[str, SupplyM3Day] = Field(default_factory=dict)
    areas: list[Area] = Field(default_factory=list)
    demand: dict[str, DemandM3Day] = Field(default_factory=dict)
    demand_factor: DemandFactor = 1.0
    stock_m3: dict[str, StockM3] = Field(default_factory=dict)
    assumptions: dict[str, Annotated[float, Field(allow_inf_nan=False, strict=True)]] = Field(
        default_factory=dict
    )
    # ---- multi-day model (supplynet.scenario.timeline); the steady state ignores these
    days: Day | None = Field(None, description="default horizon of simulate_supply")
    start_date: DateValue | None = Field(None, description="the date of day 1")
    allocation: Allocation = "priority"
    events: list[Event] = Field(default_factory=list)
    convoys: list[Convoy] = Field(default_factory=list)
    escorts: Escorts | None = None
    rationing: list[Rationing] = Field(default_factory=list)
    node_weights: dict[str, NodeWeight] = Field(
        default_factory=dict, description="node -> multiplier of its classes' priority weights"
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

    def truncated(self, days: int) -> Scenario:
        """This scenario over its first ``days`` days: timed operations that start later
        are left out (they would never happen), and convoy days beyond the horizon too.

        A shorter run of a long scenario (a sensitivity over a few weeks, a quick look)
        would otherwise be refused, since an operation that starts beyond the horizon is
        an error.

        Examples
        --------
        >>> sc = Scenario.from_file("examples/scenarios/crisis_2025.toml")
        >>> short = sc.truncated(45)
        >>> short.days, len(short.events) < len(sc.events), short.rationing
        (45, True, [])
        """

        def starts_by(op: Window) -> bool:
            first = op.start_date or op.start_day or 1
            try:
                return day_of(first, self.start_date) <= days
            except ValueError:
                return True  # left for the model to report

        convoys = []
        for cv in self.convoys:
            if not starts_by(cv):
                continue
            if cv.days is not None:
                kept = [d for d in cv.days if _day_or_keep(d, self.start_date) <= days]
                if not kept:
                    continue
                cv = cv.model_copy(update={"days": kept})
            elif cv.first_day is not None and _day_or_keep(cv.first_day, self.start_date) > days:
                continue
            convoys.append(cv)
        escorts = self.escorts if self.escorts is not None and starts_by(self.escorts) else None
        copy = self.model_copy(
            update={
                "days": days,
                "events": [ev for ev in self.events if starts_by(ev)],
                "convoys": convoys,
                "escorts": escorts,
                "rationing": [rule for rule in self.rationing if starts_by(rule)],
            }
        )
        copy._source = self._source
        return copy

    def steady_state_ignores(self) -> list[str]:
        """The multi-day keys this scenario sets, which the steady-state analyses ignore.

        Examples
        --------
        >>> Scenario(name="x", convoys=[Convoy(corridor="dakar-kayes", every_days=10,
        ...     max_tankers=100)]).steady_state_ignores()
        ['convoys']
        """
        ignored = [k for k in STEADY_STATE_IGNORES if k in self.model_fields_set]
        ignored = [k for k in ignored if not (k == "allocation" and self.allocation == "priority")]
        ignored += [f"assumptions.{k}" for k in _TIMELINE_ASSUMPTIONS if k in self.assumptions]
        ignored += [
            f"areas.{i}.loss_rate" for i, area in enumerate(self.areas) if area.loss_rate > 0
        ]
        return ignored

    @property
    def changes_nothing(self) -> bool:
        """True if the scenario leaves the network, demand and stocks as they are.

        Only its name, description, horizon (``days``) and ``start_date`` may be set: it
        is the baseline under another name.

        Examples
        --------
        >>> Scenario(name="x", days=90).changes_nothing
        True
        >>> Scenario(name="x", demand_factor=0.9).changes_nothing
        False
        """
        label_keys = {"name", "description", "days", "start_date"}
        plain = Scenario(name=self.name)
        return self.model_dump(exclude=label_keys) == plain.model_dump(exclude=label_keys)

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
        try:
            scenario = cls.validate_nested(data)
        except ValidationError as exc:
            raise ScenarioError(describe_validation(exc, source, data)) from None
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
