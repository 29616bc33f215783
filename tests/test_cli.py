"""The command line: outputs, formats, files written whole, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

import supplynet as sn

BLOCKADE = "examples/scenarios/blockade_2025.toml"


def test_run_table(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE)
    assert code == 0
    for text in (
        "Most fuel the corridors can bring to Bamako",
        "Entry into Mali by border post",
        "Supply used by source",
        "Bottlenecks",
        "Kidira/Diboli",
        "Least-cost supply",
        "OpenStreetMap",
    ):
        assert text in out


def test_run_json_is_machine_readable(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(
        capsys, monkeypatch, "run", BLOCKADE, "--format", "json", "--solver", "cbc"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["summary"]["scenario"] == "blockade_2025"
    delivered = doc["throughput"]["summary"]["delivered_m3_day"]
    assert 0 < delivered < doc["summary"]["baseline_delivered_m3_day"]
    assert {row["element"] for row in doc["throughput"]["bottlenecks"]} >= {"kidira_diboli"}


def test_run_csv_to_stdout_and_files(capsys, monkeypatch, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE, "--format", "csv")
    assert code == 0 and "# throughput_edge_flows\nedge_id," in out
    code, _, _ = run_cli(
        capsys, monkeypatch, "run", BLOCKADE, "-f", "csv", "--out", str(tmp_path / "res")
    )
    names = {p.name for p in (tmp_path / "res").iterdir()}
    assert {
        "summary.json",
        "throughput_edge_flows.csv",
        "throughput_bottlenecks.csv",
        "throughput_corridor_flows.csv",
        "supply_delivered.csv",
    } <= names
    summary = json.loads((tmp_path / "res" / "summary.json").read_text())
    assert summary["throughput"]["status"] == "optimal"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "missing.toml"], "missing.toml: scenario file not found"),
        (["run", BLOCKADE, "--destination", "Bamakko"], "unknown node 'Bamakko'"),
        (["run", BLOCKADE, "--network", "/nonexistent"], "/nonexistent"),
        (["run", BLOCKADE, "--solver", "gurobi"], "gurobi"),
        (["run", BLOCKADE, "--format", "xml"], "xml"),
        (["network", "info", "--network", "/nonexistent"], "/nonexistent"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, monkeypatch, args, needle) -> None:
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_out_that_is_a_file_or_unwritable_exits_2(capsys, monkeypatch, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    code, _, err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "--out", str(afile))
    assert code == 2 and "--out must be a folder" in err and "Traceback" not in err
    assert afile.read_text() == "keep me"
    code, _, err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "--out", "/proc/nope/x")
    assert code == 2 and err.startswith("error: /proc/nope") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("lon", "", "node 'dakar': lon/lat missing"),
        ("supply_m3_day", "inf", "node 'dakar' supply_m3_day: inf is not a finite number"),
        ("kind", "harbour", "kind 'harbour' not one of"),
    ],
)
def test_broken_network_folder_exits_2(
    capsys, monkeypatch, tmp_path: Path, column, value, needle
) -> None:
    import shutil

    import pandas as pd

    from supplynet.datasets import data_path

    folder = tmp_path / "net"
    folder.mkdir()
    for name in ("nodes.csv", "edges.csv", "assumptions.csv"):
        shutil.copy(data_path(name), folder / name)
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    nodes.loc[nodes["node_id"] == "dakar", column] = value
    nodes.to_csv(folder / "nodes.csv", index=False)
    code, _, err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "--network", str(folder))
    assert code == 2, err
    assert needle in err and err.count("\n") == 1


def test_bad_scenario_keeps_earlier_outputs(capsys, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "res"
    run_cli(capsys, monkeypatch, "run", BLOCKADE, "--out", str(out), "-f", "json")
    before = (out / "result.json").read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text('blocked_corridors = ["nowhere"]\n')
    code, _, err = run_cli(capsys, monkeypatch, "run", str(bad), "--out", str(out), "-f", "json")
    assert code == 2 and "bad.toml: blocked_corridors: unknown corridor 'nowhere'" in err
    assert (out / "result.json").read_bytes() == before
    assert [p.name for p in out.iterdir()] == ["result.json"]


def test_network_info_and_corridors(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "network", "info")
    assert code == 0 and "west-africa-fuel-corridors" in out and "ports" in out
    code, out, _ = run_cli(capsys, monkeypatch, "corridors")
    assert code == 0 and "dakar-kayes" in out and "kidira_diboli" in out


def test_console_script_subprocess(tmp_path: Path) -> None:
    """The real entry point: exit status 2 and a single stderr line, no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [\n")
    proc = subprocess.run(
        [sys.executable, "-m", "supplynet", "run", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not valid TOML" in proc.stderr


def test_csv_stdout_starts_with_a_summary(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "csv")
    assert code == 0
    head = out.split("\n\n")[0].splitlines()
    assert head[:2] == ["# summary", "key,value"]
    net = sn.load_network()
    delivered = sn.max_throughput(net, BLOCKADE).delivered_m3_day
    share = delivered / sn.max_throughput(net).delivered_m3_day
    assert f"throughput.delivered_m3_day,{round(delivered, 4)}" in head
    assert any(line == f"share_of_baseline,{round(share, 4)}" for line in head)


def test_out_replaces_outputs_of_an_earlier_run(capsys, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "json", "--out", str(out))
    assert (out / "result.json").exists()
    run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "csv", "--out", str(out))
    names = {p.name for p in out.iterdir()}
    assert "result.json" not in names and "summary.json" in names and "notes.txt" in names


def test_output_piped_into_head_is_not_an_error() -> None:
    # pipefail: the pipeline's status is supplynet's, not head's
    proc = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m supplynet run {BLOCKADE} | head -1"],
        capture_output=True,
        text=True,
        check=False,
    )
    # ended by SIGPIPE like any Unix tool (128 + 13), or done before head closed the pipe
    assert proc.returncode in (0, 141), proc.stderr
    assert proc.stderr == ""
