"""The report: its numbers equal the results they come from, it is self-contained, bad
input is reported, the files are written whole or not at all."""

from __future__ import annotations

import errno
import json
import math
import pathlib
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import supplynet as sn
from supplynet.report.blocks import format_value
from supplynet.solvers import Status
from tests.report_helpers import read_page

EXAMPLES = sorted(Path("examples/scenarios").glob("*.toml"))
SCENARIOS = [p.stem for p in EXAMPLES]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One report of the four example scenarios with criticality, assets and Markdown."""
    out = tmp_path_factory.mktemp("report")
    report = sn.build_report(
        EXAMPLES,
        out / "report.html",
        criticality=True,
        assets=out / "assets",
        markdown=out / "report.md",
    )
    return {"report": report, "page": read_page(report.path), "out": out}


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    """Independent solves of the same scenarios, to compare the report with."""
    net = sn.load_network()
    out: dict[str, Any] = {"net": net}
    for path in EXAMPLES:
        sc = sn.Scenario.from_file(path)
        out[sc.name] = (sn.max_throughput(net, sc), sn.least_cost_supply(net, sc))
    return out


def _number(text: str) -> float:
    return float(text) if text else math.nan


def test_sections_and_scenarios(examples: dict[str, Any]) -> None:
    report = examples["report"]
    assert report.scenarios == SCENARIOS  # baseline.toml changes nothing: it is the reference
    assert report.failed == {}
    assert report.sections == ["summary", "map", "flows", "criticality", "assumptions"]
    page = examples["page"]
    assert page.sections == report.sections
    # the multi-day and back-test sections are left out, not faked
    assert "timeline" not in page.sections and "backtest" not in page.sections
    assert {k for k, region in page.figures.items() if region == "map"} == {
        f"map_{s}" for s in SCENARIOS
    }


def test_summary_figures_equal_fresh_results(examples: dict[str, Any], fresh: dict[str, Any]):
    page, net = examples["page"], fresh["net"]
    data = {row["scenario"]: row for row in page.data["sections"]["summary"]["scenarios"]}
    base_flow, _ = fresh["baseline"]
    for name in SCENARIOS:
        flow, supply = fresh[name]
        row = data[name]
        assert row["delivered_m3_day"] == pytest.approx(flow.delivered_m3_day, abs=1e-9)
        assert row["delivered_tankers_day"] == pytest.approx(
            flow.delivered_m3_day / net.graph.graph["tanker_m3"]
        )
        assert row["share_of_baseline"] == pytest.approx(
            flow.delivered_m3_day / base_flow.delivered_m3_day
        )
        assert row["shortfall_m3_day"] == pytest.approx(supply.total_shortfall_m3_day, abs=1e-9)
        assert row["demand_m3_day"] == pytest.approx(supply.delivered["demand_m3_day"].sum())
        bamako = supply.delivered.loc["bamako"]
        assert row["destination_shortfall_m3_day"] == pytest.approx(bamako["shortfall_m3_day"])
        assert row["bottlenecks"] == list(flow.bottlenecks.index)
        # the DOM: the exact figure in data-value, the formatted one as the cell's text
        for key, value, decimals in (
            ("delivered_m3_day", flow.delivered_m3_day, 0),
            ("shortfall_m3_day", supply.total_shortfall_m3_day, 0),
            ("delivered_tankers_day", row["delivered_tankers_day"], 1),
        ):
            cell = page.cell("summary", name, key)
            assert _number(cell["value"]) == pytest.approx(value, abs=1e-9)
            assert cell["text"] == format_value(value, decimals=decimals)
    # the figures the README quotes are in the page as a reader sees them
    blockade = _blockade_m3_day()
    cell = page.cell("summary", "blockade_2025", "delivered_m3_day")
    assert cell["text"] == format_value(blockade, decimals=0)
    assert page.cell("summary", "sanctions_2022", "share_of_baseline")["text"] == "7%"


def test_map_marks_what_each_scenario_changes(examples: dict[str, Any], fresh: dict[str, Any]):
    maps = examples["page"].data["sections"]["map"]["maps"]
    assert maps["baseline"] == {
        "blocked_roads": [],
        "limited_roads": [],
        "closed_nodes": [],
        "limited_nodes": [],
        "areas": 0,
    }
    blockade = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    assert maps["blockade_2025"]["limited_nodes"] == sorted(blockade.capacity_limits_m3_day)
    sanctions = sn.Scenario.from_file("examples/scenarios/sanctions_2022.toml")
    assert maps["sanctions_2022"]["closed_nodes"] == sorted(sanctions.blocked_nodes)
    kayes_flow, _ = fresh["kayes_region_closed"]
    closed_arcs = kayes_flow.scenario_changes.query("type == 'edge' and after_m3_day == 0")
    roads = {fresh["net"].edges.loc[e, "road_id"] for e in closed_arcs["element"]}
    assert set(maps["kayes_region_closed"]["blocked_roads"]) == roads
    assert maps["kayes_region_closed"]["areas"] == 1
    # the flow scale is the largest road flow of any scenario
    top = max(
        fresh[s][0].edge_flows.groupby("road_id")["flow_m3_day"].sum().max() for s in SCENARIOS
    )
    assert examples["page"].data["sections"]["map"]["flow_scale_m3_day"] == pytest.approx(top)


def test_flows_section_equals_results(examples: dict[str, Any], fresh: dict[str, Any]) -> None:
    page = examples["page"]
    for name in SCENARIOS:
        flow, supply = fresh[name]
        for post, value in flow.border_flows["flow_m3_day"].items():
            cells = [c for c in page.cells if c["table"] == "border_posts" and c["row"] == post]
            if cells:
                (cell,) = [c for c in cells if c["key"] == f"border:{name}"]
                assert _number(cell["value"]) == pytest.approx(value)
        shortfall = page.data["sections"]["flows"]["shortfall_by_node"][name]
        assert shortfall == pytest.approx(supply.delivered["shortfall_m3_day"].to_dict())


def test_criticality_and_worst_cuts_equal_fresh_analyses(
    examples: dict[str, Any], fresh: dict[str, Any]
) -> None:
    page, net = examples["page"], fresh["net"]
    data = page.data["sections"]["criticality"]
    sc = sn.Scenario.from_file("examples/scenarios/blockade_2025.toml")
    crit = sn.criticality(net, sc)
    top = crit.table.head(10)
    assert [r["element"] for r in data["ranking"]["blockade_2025"]] == list(top.index)
    for element, row in top.iterrows():
        cell = page.cell("criticality_blockade_2025", element, "loss_m3_day")
        assert _number(cell["value"]) == pytest.approx(row["loss_m3_day"])
    cuts = [c for c in data["worst_cuts"] if c["scenario"] == "blockade_2025"]
    assert [c["budget"] for c in cuts] == [1, 2, 3]
    for c in cuts:
        worst = sn.interdict(net, sc, budget=c["budget"])
        assert c["remaining_m3_day"] == pytest.approx(worst.remaining_m3_day)
        assert c["cut"] == " + ".join(worst.cut)
    # the CSV asset has every element, the page the first ten
    csv = pd.read_csv(examples["out"] / "assets" / "criticality_blockade_2025.csv")
    assert len(csv) == len(crit.table)


def test_what_was_assumed(examples: dict[str, Any]) -> None:
    import hashlib

    data = examples["page"].data["sections"]["assumptions"]
    for row in data["scenarios"]:
        path = Path(row["file"])
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    net = sn.load_network()
    assert data["network"]["name"] == net.name
    assert data["network"]["fingerprint"] == sn.report.provenance.network_fingerprint(net)
    assert data["versions"]["supplynet"] == sn.__version__
    assert data["versions"]["highspy (HiGHS)"]
    text = examples["report"].path.read_text(encoding="utf-8")
    for needle in (
        "OpenStreetMap contributors",
        "Natural Earth",
        "data/SOURCES.md",
        "tanker_m3",
        "capacity_limits_m3_day: kidira_diboli=600",
    ):
        assert needle in text


def test_page_is_self_contained(examples: dict[str, Any]) -> None:
    page = examples["page"]
    for tag, attribute, value in page.links:
        assert value.startswith(("#", "data:")), (tag, attribute, value)
    text = examples["report"].path.read_text(encoding="utf-8")
    assert "@import" not in text and "@font-face" not in text
    assert "url(" not in text.replace("url(#", "")  # SVG references to its own ids only
    csp = [m for m in page.meta if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert any(m.get("name") == "viewport" for m in page.meta)
    report = examples["report"]
    assert report.size_bytes == len(text.encode("utf-8")) < 5_000_000


def test_assets_are_the_tables_and_figures(examples: dict[str, Any], fresh: dict[str, Any]):
    folder = examples["out"] / "assets"
    manifest = json.loads((folder / "report_assets.json").read_text())["files"]
    assert sorted(p.name for p in examples["report"].assets) == manifest
    for key in examples["page"].figures:
        assert (folder / f"{key}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        root = ET.fromstring((folder / f"{key}.svg").read_bytes())
        assert root.tag.endswith("svg")
    summary = pd.read_csv(folder / "summary.csv").set_index("scenario")
    for name in SCENARIOS:
        flow, supply = fresh[name]
        assert summary.loc[name, "delivered_m3_day"] == pytest.approx(flow.delivered_m3_day)
        assert summary.loc[name, "shortfall_m3_day"] == pytest.approx(
            supply.total_shortfall_m3_day, abs=1e-4
        )
    data = json.loads((folder / "report_data.json").read_text())
    assert data == examples["page"].data


def test_markdown_variant(examples: dict[str, Any]) -> None:
    md = (examples["out"] / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Fuel supply to Bamako")
    for section in ("## Summary", "## Network map", "## What matters most", "## What was assumed"):
        assert section in md
    row = next(line for line in md.splitlines() if line.startswith("| blockade_2025 | optimal"))
    blockade = _blockade_m3_day()
    share = blockade / sn.max_throughput(sn.load_network()).delivered_m3_day
    assert f"| {format_value(blockade, decimals=0)} |" in row
    assert f"| {format_value(share, 'pct')} |" in row
    links = [line.split("](", 1)[1].rstrip(")") for line in md.splitlines() if "](" in line]
    assert links and all((examples["out"] / link).is_file() for link in links)


def test_failed_scenarios_are_reported_with_their_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_corridor = tmp_path / "typo.toml"
    bad_corridor.write_text('name = "typo"\nblocked_corridors = ["dakar-kays"]\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [unclosed\n")
    infeasible = sn.Scenario(name="infeasible", demand_factor=2.0)
    real = sn.report.runs.least_cost_supply

    def least_cost(net: sn.Network, scenario: Any, **kwargs: Any) -> sn.SupplyResult:
        result = real(net, scenario, **kwargs)
        if scenario.name == "infeasible":  # a solver that gives up on this one
            return sn.SupplyResult(
                status=Status.INFEASIBLE,
                scenario=scenario.name,
                solver=result.solver,
                solve_time_s=0.0,
            )
        return result

    monkeypatch.setattr(sn.report.runs, "least_cost_supply", least_cost)
    report = sn.build_report(
        ["examples/scenarios/blockade_2025.toml", bad_corridor, broken, infeasible],
        tmp_path / "r.html",
    )
    assert set(report.failed) == {"typo", "broken", "infeasible"}
    assert "did you mean 'dakar-kayes'" in report.failed["typo"]
    assert "not valid TOML" in report.failed["broken"]
    assert report.failed["infeasible"] == "least-cost LP status infeasible"
    page = read_page(report.path)
    for name, reason in report.failed.items():
        assert any(name in w and reason in w for w in page.warnings), name
    rows = {r["scenario"]: r for r in page.data["sections"]["summary"]["scenarios"]}
    assert rows["typo"]["status"] == "failed" and rows["typo"]["delivered_m3_day"] is None
    assert rows["blockade_2025"]["delivered_m3_day"] == pytest.approx(_blockade_m3_day())
    assert "map_blockade_2025" in page.figures and "map_typo" not in page.figures


def test_results_given_are_reported_without_solving_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = sn.load_network()
    sc = sn.Scenario(name="no-dakar", blocked_nodes=["dakar"])
    flow, supply = sn.max_throughput(net, sc), sn.least_cost_supply(net, sc)
    calls: list[str] = []
    real = sn.report.runs.max_throughput
    monkeypatch.setattr(
        sn.report.runs,
        "max_throughput",
        lambda n, s, *a, **k: calls.append(s.name) or real(n, s, *a, **k),
    )
    report = sn.build_report([flow, supply], tmp_path / "r.html", network=net)
    assert calls == ["baseline"]  # the reference run only
    rows = {r["scenario"]: r for r in report.data["sections"]["summary"]["scenarios"]}
    assert rows["no-dakar"]["delivered_m3_day"] == flow.delivered_m3_day
    assert rows["no-dakar"]["shortfall_m3_day"] == supply.total_shortfall_m3_day
    assert "criticality" not in report.sections


def test_unwritable_path_is_a_one_line_error_before_any_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sn.report.runs,
        "max_throughput",
        lambda *a, **k: pytest.fail("solved before checking the path"),
    )
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for bad, arg in (
        (a_file / "report.html", "path"),
        (tmp_path, "path"),
        (a_file / "r.md", "markdown"),
        (a_file, "assets"),
    ):
        kwargs = {} if arg == "path" else {arg: bad}
        target = bad if arg == "path" else tmp_path / "ok.html"
        with pytest.raises(sn.DataError) as err:
            sn.build_report(EXAMPLES[:1], target, **kwargs)
        message = str(err.value)
        assert "\n" not in message and str(bad) in message
    assert not (tmp_path / "ok.html").exists()


def test_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    first = sn.build_report(EXAMPLES[1:2], target)
    before = target.read_bytes()
    real = pathlib.Path.write_text

    def disk_full(self: Path, text: str, *args: Any, **kwargs: Any) -> int:
        if self.suffix == ".html" or self.name.endswith(".tmp.html"):
            real(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", disk_full)
    with pytest.raises(sn.DataError, match="No space left on device") as err:
        sn.build_report(EXAMPLES, target, title="second")
    assert str(target) in str(err.value) and "\n" not in str(err.value)
    assert target.read_bytes() == before  # the earlier report is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no half file
    assert first.size_bytes == len(before)


def test_days_out_of_range_is_a_clear_error_before_any_solve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sn.report.runs, "max_throughput", lambda *a, **k: pytest.fail("solved before the check")
    )
    for bad in (0, -3, sn.report.build.MAX_DAYS + 1, True, 1.5):
        with pytest.raises(sn.DataError, match="whole number of days from 1 to 3,650") as err:
            sn.build_report(EXAMPLES, tmp_path / "r.html", days=bad)
        assert "\n" not in str(err.value)
    assert not (tmp_path / "r.html").exists()


def test_unknown_item_and_destination(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="not dict"):
        sn.build_report([{"name": "x"}], tmp_path / "r.html")
    with pytest.raises(sn.DataError, match="unknown node 'Bamakko'; did you mean"):
        sn.build_report(EXAMPLES[:1], tmp_path / "r.html", destination="Bamakko")


def test_names_from_files_are_escaped(tmp_path: Path) -> None:
    sc = sn.Scenario(
        name="<script>x</script>", description='"quoted" & <b>bold</b>', blocked_nodes=["conakry"]
    )
    report = sn.build_report([sc], tmp_path / "r.html")
    text = report.path.read_text(encoding="utf-8")
    assert "<script>x</script>" not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    assert read_page(report.path).data["sections"]["summary"]["scenarios"][1]["scenario"] == (
        "<script>x</script>"
    )


def test_scenarios_whose_names_make_the_same_file_name(tmp_path: Path) -> None:
    a = sn.Scenario(name="no-dakar", blocked_nodes=["dakar"])
    b = sn.Scenario(name="no_dakar", blocked_nodes=["dakar"], demand_factor=0.5)
    report = sn.build_report([a, b], tmp_path / "r.html", assets=tmp_path / "assets")
    page = read_page(report.path)
    assert {"map_no_dakar", "map_no_dakar_2"} <= set(page.figures)
    assert (tmp_path / "assets" / "map_no_dakar_2.svg").is_file()
    assert (tmp_path / "assets" / "changes_no_dakar_2.csv").is_file()


def _blockade_m3_day() -> float:
    """Fuel reaching Bamako under the blockade example, from a fresh run."""
    net = sn.load_network()
    return float(sn.max_throughput(net, "examples/scenarios/blockade_2025.toml").delivered_m3_day)


def test_multi_day_keys_left_out_of_the_steady_state_are_said(tmp_path: Path) -> None:
    crisis = "examples/scenarios/crisis_2025.toml"
    ignored = sn.Scenario.from_file(crisis).steady_state_ignores()
    assert ignored
    sn.build_report(
        [crisis, "examples/scenarios/blockade_2025.toml"],
        tmp_path / "r.html",
        markdown=tmp_path / "r.md",
    )
    text = (tmp_path / "r.md").read_text(encoding="utf-8")
    expected = f"Scenario 'crisis_2025': its multi-day keys ({', '.join(ignored)}) are not"
    assert expected in text and "build the report with --days N" in text
    assert "Scenario 'blockade_2025': its multi-day keys" not in text  # it has none
    import html

    assert expected in html.unescape((tmp_path / "r.html").read_text(encoding="utf-8"))
