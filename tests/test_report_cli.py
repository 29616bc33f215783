"""``supplynet report``: exit codes, one-line errors, the files it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import supplynet as sn
from tests.cli_helpers import run_cli
from tests.report_helpers import read_page

BLOCKADE = "examples/scenarios/blockade_2025.toml"


def test_report_command_writes_the_page_markdown_and_assets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, md, assets = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "assets"
    code, stdout, stderr = run_cli(
        capsys,
        monkeypatch,
        "report",
        BLOCKADE,
        "examples/scenarios/sanctions_2022.toml",
        "--out",
        str(out),
        "--markdown",
        str(md),
        "--assets",
        str(assets),
        "--title",
        "Briefing 12 Nov",
    )
    assert code == 0, stderr
    assert f"wrote {out}" in stdout and "3 of 3 scenarios solved" in " ".join(stdout.split())
    page = read_page(out)
    assert page.data["title"] == "Briefing 12 Nov"
    command = page.data["sections"]["assumptions"]["command"]
    assert command.startswith("supplynet report examples/scenarios/blockade_2025.toml")
    assert md.read_text(encoding="utf-8").startswith("# Briefing 12 Nov")
    assert (assets / "summary.csv").is_file() and (assets / "map_blockade_2025.png").is_file()


def test_failed_scenario_exits_3_and_the_report_is_written(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text('name = "typo"\nblocked_nodes = ["kidira"]\n')
    out = tmp_path / "r.html"
    code, _, stderr = run_cli(capsys, monkeypatch, "report", BLOCKADE, str(typo), "--out", str(out))
    assert code == 3
    assert "warning: scenario 'typo' failed:" in stderr and "unknown" in stderr
    assert "Traceback" not in stderr
    rows = read_page(out).data["sections"]["summary"]["scenarios"]
    assert [r["status"] for r in rows] == ["optimal", "optimal", "failed"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "{file}/r.html"], "is not a folder"),
        (["--out", "{tmp}"], "is a folder; the report needs a file name"),
        (["--out", "{tmp}/r.html", "--assets", "{file}"], "--assets must be a folder"),
        (["--out", "{tmp}/r.html", "--days", "0"], "whole number of days from 1"),
        (["--out", "{tmp}/r.html", "--destination", "Bamakko"], "did you mean"),
        (["--out", "{tmp}/r.html", "--solver", "glpk"], "glpk"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    filled = [a.format(file=a_file, tmp=tmp_path) for a in args]
    code, _, stderr = run_cli(capsys, monkeypatch, "report", BLOCKADE, *filled)
    assert code == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: ") and expected in stderr
    assert not (tmp_path / "r.html").exists()


def test_no_scenario_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, stderr = run_cli(capsys, monkeypatch, "report", "--out", str(tmp_path / "r.html"))
    assert code == 2 and "SCENARIOS" in stderr.upper()


def test_report_data_is_valid_json_for_scripts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    code, _, _ = run_cli(capsys, monkeypatch, "report", BLOCKADE, "--out", str(out))
    assert code == 0
    text = out.read_text(encoding="utf-8")
    start = text.index('id="supplynet-data">') + len('id="supplynet-data">')
    doc = json.loads(text[start : text.index("</script>", start)])
    assert doc["sections"]["summary"]["scenarios"][1]["delivered_m3_day"] == round(
        sn.max_throughput(sn.load_network(), BLOCKADE).delivered_m3_day, 4
    )


def test_failed_scenario_warning_counts_the_failed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.toml"
    args = ["report", BLOCKADE, str(missing), "--out", str(tmp_path / "r.html")]
    code, _, stderr = run_cli(capsys, monkeypatch, *args)
    assert code == 3
    assert f"warning: scenario 'missing' failed: {missing}: scenario file not found" in " ".join(
        stderr.split()
    )
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("warning: 1 of 3 scenario(s) failed (missing)"), stderr
    assert "not optimal" not in stderr
