"""The CLI on hostile input: literal text, long names, statuses, exit codes, narrow widths."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import run_cli

from supplynet import cli
from supplynet.solvers import Status

BLOCKADE = "examples/scenarios/blockade_2025.toml"


def _scenario(tmp_path: Path, text: str, name: str = "sc.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("capacity_factors = { kidira_diboli = 1e308 }", "less than or equal to 1000"),
        ("demand_factor = 1e20", "demand_factor = 1e+20: Input should be less than or equal"),
        ("capacity_limits_m3_day = { zegoua_pogo = 1e300 }", "less than or equal to 1000000"),
        ("stock_m3 = { bamako = 1e12 }", "stock_m3.bamako"),
        ("demand = { kayes = 5e9 }", "demand.kayes"),
        ("assumptions = { cost_per_m3_km = 1e200 }", "must be between 0 and 1e+06"),
        ('[[areas]]\ncenter = [0, 0]\nradius_km = "100"', "radius_km = '100'"),
        ('demand_factor = "0.9"', "demand_factor = '0.9'"),
    ],
)
def test_out_of_range_or_mistyped_numbers_exit_2(capsys, monkeypatch, tmp_path, text, needle):
    path = _scenario(tmp_path, text)
    for solver in ("highs", "cbc"):
        code, out, err = run_cli(capsys, monkeypatch, "run", str(path), "--solver", solver)
        assert code == 2, (out, err)
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_user_text_is_printed_literally(capsys, monkeypatch, tmp_path) -> None:
    path = _scenario(
        tmp_path,
        'name = "Kayes [closed]"\ndescription = "[/bold] escorts [red]only[/red]"\n'
        "capacity_limits_m3_day = { kidira_diboli = 600 }\n",
    )
    code, out, err = run_cli(capsys, monkeypatch, "run", str(path))
    assert code == 0, err
    assert "Scenario Kayes [closed]: [/bold] escorts [red]only[/red]" in out


def test_markup_in_network_names_is_literal(capsys, monkeypatch, tmp_path) -> None:
    import shutil

    import pandas as pd

    from supplynet.datasets import data_path

    folder = tmp_path / "net"
    folder.mkdir()
    for name in ("nodes.csv", "edges.csv", "assumptions.csv"):
        shutil.copy(data_path(name), folder / name)
    nodes = pd.read_csv(folder / "nodes.csv", dtype=str, keep_default_na=False)
    nodes.loc[nodes["node_id"] == "kidira_diboli", "name"] = "Kidira [/i] [b]post"
    nodes.to_csv(folder / "nodes.csv", index=False)
    code, out, err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "--network", str(folder))
    assert code == 0, err
    assert "Kidira [/i] [b]post" in out


def test_long_name_is_refused_quickly_and_echo_is_cut(capsys, monkeypatch, tmp_path) -> None:
    long = "x" * 200_000
    path = _scenario(tmp_path, f'name = "{long}"\n')
    start = time.perf_counter()
    code, _, err = run_cli(capsys, monkeypatch, "run", str(path))
    assert time.perf_counter() - start < 5
    assert code == 2 and err.count("\n") == 1 and len(err) < 400


def test_long_unknown_corridor_echo_is_cut(capsys, monkeypatch, tmp_path) -> None:
    path = _scenario(tmp_path, f'blocked_corridors = ["{"dakar-kayes" * 20_000}"]\n')
    start = time.perf_counter()
    code, _, err = run_cli(capsys, monkeypatch, "run", str(path))
    assert time.perf_counter() - start < 5
    assert code == 2 and "unknown corridor" in err and len(err) < 600


def test_long_description_prints_in_linear_time(capsys, monkeypatch, tmp_path) -> None:
    def timed(n: int) -> float:
        path = _scenario(tmp_path, f'name = "x"\ndescription = "{"[a] (b) 1.5 " * n}"\n')
        start = time.perf_counter()
        code, out, _ = run_cli(capsys, monkeypatch, "run", str(path))
        assert code == 0 and "[a] (b) 1.5" in out
        return time.perf_counter() - start

    small, large = timed(40), timed(400)  # 480 and 4,800 characters (the cap is 5,000)
    assert large < 10 * small + 1.0


def test_empty_scenario_file_is_refused(capsys, monkeypatch, tmp_path) -> None:
    path = _scenario(tmp_path, "# nothing here\n")
    code, _, err = run_cli(capsys, monkeypatch, "run", str(path))
    assert code == 2 and "the scenario file is empty" in err and err.count("\n") == 1


def test_supply_node_as_destination_counts_only_what_reaches_it(capsys, monkeypatch):
    code, out, err = run_cli(
        capsys, monkeypatch, "run", BLOCKADE, "--destination", "dakar", "-f", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    delivered = doc["throughput"]["summary"]["delivered_m3_day"]
    entries = sum(row["entry_m3_day"] or 0 for row in doc["throughput"]["border_flows"])
    assert entries == pytest.approx(delivered, abs=1e-3)
    assert any("its own supply is not counted" in n for n in doc["throughput"]["summary"]["notes"])


def test_bamako_border_entries_add_up_to_the_delivery(capsys, monkeypatch) -> None:
    _code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "json")
    doc = json.loads(out)
    entries = sum(row["entry_m3_day"] or 0 for row in doc["throughput"]["border_flows"])
    assert entries == pytest.approx(doc["throughput"]["summary"]["delivered_m3_day"], abs=1e-3)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_not_optimal_least_cost_is_reported_and_exits_3(capsys, monkeypatch, fmt) -> None:
    from supplynet.engine import Engine, EngineSolution

    real = Engine.solve

    def fake(self):
        if self.lp.name == "least_cost_supply":
            self._serial += 1
            return EngineSolution(Status.NOT_SOLVED, float("nan"), 0.0, self, self._serial)
        return real(self)

    monkeypatch.setattr(Engine, "solve", fake)
    code, out, err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", fmt)
    assert code == cli.EXIT_NOT_OPTIMAL
    assert "not optimal" in err
    if fmt == "table":
        assert "least-cost supply: LP status not_solved" in out
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["least_cost_supply"]["summary"]["status"] == "not_solved"
        assert doc["summary"]["status"] == "not optimal"
    else:
        assert "least_cost_supply.status,not_solved" in out


def test_solver_label_is_a_plain_name(capsys, monkeypatch) -> None:
    _code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "json", "--solver", "cbc")
    assert json.loads(out)["throughput"]["summary"]["solver"] == "CBC"


def test_verbose_after_the_subcommand(capsys, monkeypatch) -> None:
    import logging

    code, _, _err = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "json", "-v")
    assert code == 0
    assert logging.getLogger("supplynet").level == logging.INFO
    logging.getLogger("supplynet").setLevel(logging.WARNING)


@pytest.mark.parametrize(
    "args",
    [["-v", "network", "info"], ["network", "-v", "info"], ["network", "info", "-v"]],
    ids=["before the group", "after the group", "after the command"],
)
def test_verbose_anywhere_in_the_network_group(capsys, monkeypatch, args: list[str]) -> None:
    import logging

    code, out, err = run_cli(capsys, monkeypatch, *args)
    try:
        assert code == 0, err
        assert logging.getLogger("supplynet").level == logging.INFO
        assert "west-africa-fuel-corridors" in out
    finally:
        logging.getLogger("supplynet").setLevel(logging.WARNING)


def test_identifiers_are_never_cut_at_80_columns(capsys, monkeypatch) -> None:
    from supplynet.datasets import load_network

    net = load_network()
    ids = [*net.corridors, *(n for n in net.nodes.index if net.nodes.loc[n, "kind"] == "border")]
    for args in (["corridors"], ["run", BLOCKADE]):
        code, out, _ = run_cli(capsys, monkeypatch, *args, columns=80)
        assert code == 0
        assert "…" not in out
        assert max(len(line) for line in out.splitlines()) <= 80
        shown = {ident for ident in ids if ident in out}
        # every corridor and border post id the table prints is whole on one line
        assert set(net.corridors) <= shown, set(net.corridors) - shown


def test_csv_and_json_carry_no_float_noise(capsys, monkeypatch) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, "run", BLOCKADE, "-f", "csv")
    assert code == 0
    import re

    for number in re.findall(r"\d+\.\d+", out):
        assert len(number.split(".")[1]) <= 4, number


def test_internal_error_is_one_line_and_exit_4(capsys, monkeypatch) -> None:
    import supplynet.optimize as optimize

    def broken(*a, **k):
        raise KeyError("boom")

    monkeypatch.setattr(optimize, "max_throughput", broken)
    monkeypatch.delenv("SUPPLYNET_DEBUG", raising=False)
    code, _, err = run_cli(capsys, monkeypatch, "run", BLOCKADE)
    assert code == cli.EXIT_INTERNAL
    assert err.startswith("error: internal error (KeyError") and err.count("\n") == 1


def test_help_does_not_import_the_heavy_modules() -> None:
    code = (
        "import sys, supplynet.cli as c; sys.argv=['supplynet','--help'];\n"
        "try: c.main()\nexcept SystemExit: pass\n"
        "heavy=[m for m in ('pandas','networkx','pulp','highspy','osmnx','geopandas','pyproj')"
        " if m in sys.modules]; print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:] + proc.stderr[-500:]


def test_cli_and_results_round_alike() -> None:
    from supplynet.cli.output import DECIMALS
    from supplynet.results import OUTPUT_DECIMALS

    assert DECIMALS == OUTPUT_DECIMALS


def test_figures_are_never_split_at_80_columns(capsys, monkeypatch) -> None:
    """A table too wide for the screen leaves out name columns (and says so) rather than
    splitting a figure or an id across lines."""
    import re

    args = ("criticality", "--top", "6")
    code, out, _ = run_cli(capsys, monkeypatch, *args, columns=80)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "left out at this width" in out and "--format csv has every column" in out
    code, csv, _ = run_cli(capsys, monkeypatch, *args, "-f", "csv")
    assert code == 0
    lines = csv.splitlines()
    body = lines[lines.index("# criticality") + 1 :]
    header = body[0].split(",")
    for line in body[1:7]:
        row = dict(zip(header, line.split(","), strict=False))
        element = row["element"]
        table_row = next(t for t in out.splitlines() if re.search(rf"│ {re.escape(element)} ", t))
        loss = f"{float(row['loss_m3_day']):,.0f}"
        assert f" {loss} " in table_row, (element, loss, table_row)
    wide = run_cli(capsys, monkeypatch, *args, columns=200)[1]
    assert "left out at this width" not in wide


def test_a_table_of_figures_too_wide_for_the_screen_folds_ids_not_figures(monkeypatch) -> None:
    import io

    from rich.console import Console

    from supplynet.cli import output

    buffer = io.StringIO()
    monkeypatch.setattr(output, "console", Console(file=buffer, width=70, color_system=None))
    figures = [f"{n:,}" for n in (139_024, 138_876, 139_036, 139_182, 138_810, 139_547)]
    table = output.new_table(
        "t", [("figure", "id"), *[(h, "num") for h in ("mean", "p5", "p50", "p95", "min", "max")]]
    )
    table.add_row(output.lit("national_shortfall_m3"), *figures)
    output.show(table)
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 70
    for figure in figures:
        assert figure in text, (figure, text)
    assert "nation" in text and "_m3" in text  # the id folds over lines instead


def test_figures_wider_than_the_screen_print_whole_and_key_columns_stay(monkeypatch) -> None:
    """When the figures alone are wider than the screen the table is printed wider (the
    terminal wraps it) rather than cut; a key column (the row's date or place) is never
    left out, while a name column is."""
    import io

    from rich.console import Console

    from supplynet.cli import output

    buffer = io.StringIO()
    monkeypatch.setattr(output, "console", Console(file=buffer, width=40, color_system=None))
    figures = [f"{n:,}" for n in (20_000, 4_231, 10_467, 139_182, 138_810, 139_547)]
    headers = ("gasoline", "diesel", "hfo", "jet", "stock", "arrivals")
    table = output.new_table(
        "t", [("date", "key"), ("note", "text"), *[(h, "num") for h in headers]]
    )
    table.add_row(output.lit("2025-09-15"), output.lit("a note"), *figures)
    output.show(table)
    text = buffer.getvalue()
    for word in (*figures, *headers, "2025-09-15"):
        assert word in text, (word, text)
    assert "left out at this width: note" in " ".join(text.split())
    assert output.console.width == 40  # the screen's width is put back


def test_simulate_stock_table_keeps_its_dates_at_80_columns(capsys, monkeypatch) -> None:
    args = ["simulate", "examples/scenarios/six_week_cut.toml", "--days", "3"]
    code, out, err = run_cli(capsys, monkeypatch, *args, columns=80)
    assert code == 0, err
    table = out[out.index("end-of-day stock") :]
    assert "┃ date" in table and "left out at this width: date" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_version_and_no_command(capsys, monkeypatch) -> None:
    from supplynet.version import __version__

    code, out, err = run_cli(capsys, monkeypatch, "--version")
    assert (code, out.strip(), err) == (0, f"supplynet {__version__}", "")
    code, out, err = run_cli(capsys, monkeypatch)
    assert code == 2 and "Usage" in out and "simulate" in out
    assert err == ""  # the help says it all: no empty "error:" line


def test_figure_headers_wrap_between_words_when_ids_fold(monkeypatch) -> None:
    """At a width where identifiers fold, the headers of figure columns wrap between
    their words (sensitivity's "worst month at 50%" read "worst" before)."""
    import io

    from rich.console import Console

    from supplynet.cli import output

    buffer = io.StringIO()
    monkeypatch.setattr(output, "console", Console(file=buffer, width=50, color_system=None))
    headers = ("as given", "worst month at 50%", "at 150%", "first short at 50%")
    table = output.new_table("t", [("assumption", "id"), *[(h, "num") for h in headers]])
    table.add_row(output.lit("demand_public_transport"), "27,597", "3,342", "4,231", "6")
    output.show(table)
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 50
    for word in {w for h in headers for w in h.split()} | {"27,597", "3,342", "4,231"}:
        assert f" {word} " in text, (word, text)


def test_help_joins_docstring_lines_into_paragraphs(capsys, monkeypatch) -> None:
    """A command's help rewraps its docstring at the screen's width: a line break in the
    source is not a line break on screen ("... 2 on bad" / "input.")."""
    code, out, _ = run_cli(capsys, monkeypatch, "simulate", "--help", columns=80)
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    exit_line = next(i for i, line in enumerate(lines) if line.startswith("Exit status"))
    text = " ".join(lines[exit_line : exit_line + 2])
    assert "2 on bad input." in text and lines[exit_line + 1] != "input."


@pytest.mark.parametrize(
    "command",
    [
        ["run"],
        ["simulate"],
        ["report"],
        ["backtest"],
        ["sensitivity"],
        ["criticality"],
        ["interdict"],
        ["montecarlo"],
        ["sweep"],
        ["corridors"],
        ["network", "build"],
        ["network", "info"],
    ],
)
def test_help_at_80_columns_cuts_nothing(capsys, monkeypatch, command: list[str]) -> None:
    code, out, _ = run_cli(capsys, monkeypatch, *command, "--help", columns=80)
    assert code == 0
    assert "…" not in out, [line for line in out.splitlines() if "…" in line]
