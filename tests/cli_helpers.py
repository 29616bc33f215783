"""Running the CLI in-process from tests: argv in, (exit code, stdout, stderr) out."""

from __future__ import annotations

import sys

import pytest

from supplynet import cli


def run_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    columns: int = 200,
) -> tuple[int, str, str]:
    """Run ``supplynet ARGS`` through :func:`supplynet.cli.main` at a terminal width."""
    monkeypatch.setattr(sys, "argv", ["supplynet", *args])
    monkeypatch.setenv("COLUMNS", str(columns))
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err
