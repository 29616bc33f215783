"""Generated scenario documents, valid and broken, through the API and the CLI.

Every document must end in a result (exit 0, or 3 for a result that is not optimal) or a
one-line supplynet error (exit 2): never a traceback, never an exception of another type,
within a bounded time. The number of examples is bounded for the default test run;
``SUPPLYNET_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_scenarios.py`` runs a longer search.
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import supplynet as sn
from supplynet import cli
from supplynet.scenario.model import Area, Scenario

EXAMPLES = int(os.environ.get("SUPPLYNET_FUZZ_EXAMPLES", "200"))
SECONDS_PER_DOCUMENT = 10.0

_NET = sn.load_network()
_NAMES = [
    *_NET.corridors,
    *_NET.edges.index[:40],
    *_NET.edges["road_id"].unique()[:40],
    *_NET.nodes.index,
    *_NET.nodes["name"],
]

# ---------------------------------------------------------------- value strategies
markup = st.sampled_from(["[/bold]", "[red]x[/red]", "Kayes [closed]", "[link=x]y", "\\[", "]]"])
texts = st.one_of(
    st.text(max_size=40),
    markup,
    st.sampled_from(_NAMES),
    st.integers(10, 400).map(lambda n: "é[" * n),
    st.just("x" * 20_000),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=5),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 1e308, -1e-308, 5e-324, 1e20, 600, 0.5]),
)
scalars = st.one_of(numbers, texts, st.booleans())
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)
names = st.one_of(st.sampled_from(_NAMES), texts)
lonlat = st.tuples(
    st.one_of(st.floats(-20, 10), numbers), st.one_of(st.floats(0, 25), numbers)
).map(list)


@st.composite
def areas(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(st.sampled_from(["circle", "polygon", "wkt", "broken"]))
    area: dict[str, Any] = {"factor": draw(st.one_of(st.floats(0, 2), numbers))}
    if draw(st.booleans()):
        area["name"] = draw(texts)
    if shape == "circle":
        area["center"] = draw(lonlat)
        area["radius_km"] = draw(st.one_of(st.floats(1, 500), numbers, texts))
    elif shape == "polygon":
        area["polygon"] = draw(st.lists(lonlat, min_size=0, max_size=6))
    elif shape == "wkt":
        area["wkt"] = draw(
            st.one_of(
                st.just("POLYGON ((-12 13, -10 13, -10 15, -12 15, -12 13))"),
                st.just("POLYGON ((0 0, 1e300 0, 0 1e300, 0 0))"),
                texts,
            )
        )
    else:
        area.update(draw(st.dictionaries(st.text(max_size=10), anything, max_size=3)))
    return area


_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "name": texts,
    "description": texts,
    "blocked_corridors": st.one_of(st.lists(names, max_size=3), anything),
    "blocked_edges": st.one_of(st.lists(names, max_size=3), anything),
    "blocked_nodes": st.one_of(st.lists(names, max_size=3), anything),
    "capacity_factors": st.one_of(st.dictionaries(names, numbers, max_size=3), anything),
    "capacity_limits_m3_day": st.one_of(st.dictionaries(names, numbers, max_size=3), anything),
    "areas": st.one_of(st.lists(areas(), max_size=2), anything),
    "demand": st.one_of(st.dictionaries(names, numbers, max_size=3), anything),
    "demand_factor": st.one_of(numbers, texts),
    "stock_m3": st.one_of(st.dictionaries(names, numbers, max_size=3), anything),
    "assumptions": st.one_of(
        st.dictionaries(
            st.sampled_from(["cost_per_m3_km", "unmet_penalty_per_m3", "tanker_m3"]),
            numbers,
            max_size=2,
        ),
        anything,
    ),
}


_VALID: dict[str, st.SearchStrategy[Any]] = {
    "name": st.text(min_size=1, max_size=30),
    "description": st.text(max_size=60),
    "blocked_corridors": st.lists(st.sampled_from(list(_NET.corridors)), max_size=2),
    "blocked_edges": st.lists(st.sampled_from(list(_NET.edges["road_id"].unique())), max_size=2),
    "blocked_nodes": st.lists(st.sampled_from(list(_NET.nodes.index)), max_size=2),
    "capacity_factors": st.dictionaries(
        st.sampled_from([*_NET.corridors, "dakar", "abidjan", "kidira_diboli"]),
        st.floats(0, 10),
        max_size=2,
    ),
    "capacity_limits_m3_day": st.dictionaries(
        st.sampled_from([*_NET.corridors, "zegoua_pogo", "kayes_diema"]),
        st.floats(0, 5_000),
        max_size=2,
    ),
    "areas": st.lists(
        st.fixed_dictionaries(
            {
                "center": st.tuples(st.floats(-12, -5), st.floats(11, 15)).map(list),
                "radius_km": st.floats(30, 300),
                "factor": st.floats(0, 1),
            }
        ),
        max_size=1,
    ),
    "demand": st.dictionaries(st.sampled_from(["kayes", "bamako", "gao"]), st.floats(0, 5_000)),
    "demand_factor": st.floats(0, 3),
    "stock_m3": st.dictionaries(st.sampled_from(["bamako"]), st.floats(0, 50_000)),
    "assumptions": st.dictionaries(
        st.sampled_from(["cost_per_m3_km", "unmet_penalty_per_m3"]), st.floats(1, 1e6)
    ),
}


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A scenario file's text: valid, mixed (valid keys, hostile values) or noise."""
    mode = draw(st.sampled_from(["valid", "valid", "mixed", "mixed", "noise"]))
    if mode == "noise":
        return draw(st.text(max_size=200))
    fields = _VALID if mode == "valid" else _FIELDS
    doc: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=5, unique=True)):
        doc[key] = draw(fields[key])
    if mode == "mixed" and draw(st.integers(0, 4)) == 0:
        doc[draw(st.text(min_size=1, max_size=20))] = draw(anything)
    try:
        return tomli_w.dumps(_tomlable(doc))
    except (TypeError, ValueError):
        return draw(st.text(max_size=200))


def _tomlable(value: Any) -> Any:
    # TOML has no null and keys must be strings; tomli_w refuses the rest, which is fine
    if isinstance(value, dict):
        return {str(k): _tomlable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tomlable(v) for v in value]
    return value


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
    database=None,
)


def _one_line(message: str) -> None:
    assert "\n" not in message.strip(), message[:500]
    assert "Traceback" not in message
    assert len(message) < 2_000, f"{len(message)} characters: {message[:300]}"


@FUZZ
@given(text=documents())
def test_api_ends_in_a_result_or_a_one_line_error(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "doc.toml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        sc = Scenario.from_file(path)
        flow = sn.max_throughput(_NET, sc)
        supply = sn.least_cost_supply(_NET, sc)
    except sn.SupplynetError as exc:
        event(f"error: {type(exc).__name__}")
        _one_line(str(exc))
    else:
        event("result")
        for res in (flow, supply):
            assert isinstance(res.status, sn.Status)
            if res.ok:
                delivered = getattr(res, "delivered_m3_day", 0.0)
                assert math.isfinite(delivered) and delivered >= -1e-6
    assert time.perf_counter() - start < SECONDS_PER_DOCUMENT


@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(text=documents())
def test_cli_exits_0_2_or_3_with_one_line_on_error(
    tmp_path_factory, capsys, monkeypatch, text: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "doc.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["supplynet", "run", str(path), "-f", "json"])
    start = time.perf_counter()
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    assert code in (cli.EXIT_OK, cli.EXIT_BAD_INPUT, cli.EXIT_NOT_OPTIMAL), err[:500]
    if code == cli.EXIT_BAD_INPUT:
        assert err.startswith("error: ")
        _one_line(err)
    assert time.perf_counter() - start < SECONDS_PER_DOCUMENT


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(sorted(_FIELDS)), anything, max_size=4))
def test_python_constructors_raise_only_scenario_errors(fields: dict[str, Any]) -> None:
    for model in (Scenario, Area):
        try:
            model(**fields)
        except sn.ScenarioError as exc:
            _one_line(str(exc))


@pytest.mark.parametrize(
    "text",
    [
        'name = "x"\n[[areas]]\nwkt = "POLYGON ((0 0, 1e300 0, 0 1e300, 0 0))"\n',
        'name = "x"\n[[areas]]\ncenter = [-11.4, 14.4]\nradius_km = 4999.9\nfactor = 1000\n',
        "capacity_factors = { kidira_diboli = 5e-324 }\n",
        "capacity_limits_m3_day = { bamako = 1000000 }\ndemand_factor = 100\n",
    ],
)
def test_edge_cases_found_by_hand(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.toml"
    path.write_text(text, encoding="utf-8")
    try:
        sc = Scenario.from_file(path)
        assert sn.max_throughput(_NET, sc).status is sn.Status.OPTIMAL
        assert sn.least_cost_supply(_NET, sc).status is sn.Status.OPTIMAL
    except sn.SupplynetError as exc:
        _one_line(str(exc))
