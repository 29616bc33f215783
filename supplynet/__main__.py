"""``python -m supplynet`` runs the CLI."""

from supplynet.cli import entry

entry()
