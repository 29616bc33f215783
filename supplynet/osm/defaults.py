"""Light defaults of the OSM builder, importable without numpy or networkx (for the CLI)."""

from __future__ import annotations

__all__ = ["DEFAULT_HIGHWAYS"]

#: The highway classes a build keeps unless told otherwise (main roads and their links).
DEFAULT_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
)
