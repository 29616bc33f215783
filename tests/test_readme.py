"""The README's Python example runs as written, and its figures match a fresh run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import supplynet as sn

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(
    r"^\| (\w+)[^|]*\| ([\d,]+) \| ([\d.]+) \| (\d+)% \| ([\d,]+)[^|]*\|$", re.MULTILINE
)


def _results_table() -> dict[str, tuple[str, ...]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Results on the embedded network", 1)[1].split("\n## ", 1)[0]
    return {m[0]: m[1:] for m in ROW.findall(section)}


def test_python_example_runs() -> None:
    """Blocks fenced ```python run here; ```py blocks need files a reader brings."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_results_table_lists_every_example_scenario() -> None:
    """Every steady-state example (the multi-day ones have their own table)."""
    names = {
        p.stem
        for p in Path("examples/scenarios").glob("*.toml")
        if not sn.Scenario.from_file(p).steady_state_ignores()
    }
    assert set(_results_table()) == names


@pytest.mark.parametrize("scenario", sorted(_results_table()))
def test_results_table_matches_a_fresh_run(scenario: str) -> None:
    delivered, tankers, share, shortfall = _results_table()[scenario]
    net = sn.load_network()
    sc = sn.Scenario.from_file(f"examples/scenarios/{scenario}.toml")
    flow = sn.max_throughput(net, sc)
    base = sn.max_throughput(net).delivered_m3_day
    supply = sn.least_cost_supply(net, sc)
    assert f"{flow.delivered_m3_day:,.0f}" == delivered
    assert f"{flow.delivered_m3_day / net.graph.graph['tanker_m3']:.1f}" == tankers
    assert f"{100 * flow.delivered_m3_day / base:.0f}" == share
    assert f"{supply.total_shortfall_m3_day:,.0f}" == shortfall


def test_baseline_by_use_table_matches_a_fresh_run() -> None:
    """The README's normal-times baseline by class and product is the example's output."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_by_use", "examples/baseline_by_use.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = module.baseline_table(30)
    assert table.loc["total", "all"] == pytest.approx(8877, abs=0.5)
    assert table["served"].min() == pytest.approx(1.0, abs=1e-6)  # the open network serves all
    assert module.markdown(table) in README.read_text(encoding="utf-8")


def test_data_table_counts_match_the_embedded_network() -> None:
    """The README's data table says how many places, roads and arcs the network has."""
    text = README.read_text(encoding="utf-8")
    places = re.search(
        r"\| `nodes\.csv` \| (\d+) places: (\d+) ports, (\d+) border posts, "
        r"(\d+) depots, (\d+) demand nodes",
        text,
    )
    roads = re.search(r"\| `edges\.csv` \| (\d+) road segments \((\d+) arcs", text)
    assert places and roads
    net = sn.load_network()
    kinds = net.nodes["kind"].value_counts()
    assert [int(v) for v in places.groups()] == [
        len(net.nodes),
        kinds["port"],
        kinds["border"],
        kinds["depot"],
        kinds["demand"],
    ]
    assert [int(v) for v in roads.groups()] == [
        net.edges["road_id"].nunique(),
        len(net.edges),
    ]
