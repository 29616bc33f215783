"""The README's Python example runs as written, and its figures match a fresh run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import supplynet as sn

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_example_runs() -> None:
    """Blocks fenced ```python run here; ```py blocks need files a reader brings."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


@pytest.mark.parametrize(
    ("scenario", "delivered"),
    [("baseline", "3,600"), ("blockade_2025", "2,364"), ("sanctions_2022", "624")],
)
def test_results_table_matches_a_fresh_run(scenario: str, delivered: str) -> None:
    net = sn.load_network()
    sc = sn.Scenario.from_file(f"examples/scenarios/{scenario}.toml")
    value = sn.max_throughput(net, sc).delivered_m3_day
    assert f"{value:,.0f}" == delivered
    assert re.search(rf"\| {scenario}[^|]*\| {re.escape(delivered)} \|", README.read_text())
