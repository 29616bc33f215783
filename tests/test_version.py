"""The version string: one module, the same as the package metadata's."""

from __future__ import annotations

import tomllib
from pathlib import Path

import supplynet as sn
from supplynet.version import __version__


def test_the_version_agrees_with_pyproject() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    assert __version__ == declared == sn.__version__
