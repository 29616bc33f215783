"""The HTML page: one self-contained file, rendered from a Jinja2 template.

Everything the page shows is inside it: the styles (``templates/report.css``), the
figures as inline SVG, the figures' numbers as embedded JSON. It names no font, script or
image to fetch, and its Content-Security-Policy (``default-src 'none'``) forbids the
browser to fetch any, so the file reads the same offline, from a USB stick or a mail
attachment. The one exception is opt-in: a tile base map under the maps
(:mod:`supplynet.report.tiles`), whose server alone the policy then allows images from.
Text from users' files (scenario names, descriptions) is escaped by the template engine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from supplynet.report.blocks import Section, Table, plain
from supplynet.report.tiles import TileLayer
from supplynet.version import __version__

__all__ = ["DATA_ELEMENT_ID", "embedded_json", "render_html"]

#: id of the ``<script type="application/json">`` element holding the report's figures
DATA_ELEMENT_ID = "supplynet-data"


def _raw_value(value: Any) -> str:
    """A cell's unrounded figure for ``data-value`` (``""`` for missing)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _row_failed(_table: Table, row: Sequence[tuple[Any, Any, str]]) -> bool:
    """Whether the row is a failed scenario's (its ``status`` cell says so)."""
    return any(c.field == "status" and str(raw).startswith("failed") for c, raw, _ in row)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("supplynet.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["raw_value"] = _raw_value
    env.globals.update(zip=zip, row_failed=_row_failed)
    return env


def _css() -> str:
    return (resources.files("supplynet.report") / "templates" / "report.css").read_text(
        encoding="utf-8"
    )


def embedded_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element (no ``<`` left)."""
    text = json.dumps(plain(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def render_html(
    sections: Sequence[Section],
    svg: Mapping[str, str],
    *,
    title: str,
    created: str,
    network: str,
    destination: str,
    runs: int,
    failed: int,
    attribution: str,
    data: Mapping[str, Any],
    tiles: Mapping[str, TileLayer] | None = None,
) -> str:
    """The report page.

    Parameters
    ----------
    sections : sequence of Section
        In reading order.
    svg : mapping
        Figure key -> inline SVG markup (:func:`supplynet.report.figures.inline_svg`).
    data : mapping
        The figures embedded as JSON.
    tiles : mapping, optional
        Figure key -> the tile base map under it (:mod:`supplynet.report.tiles`); the
        page's policy then allows images from the tile servers, and nothing else.
    """
    tiles = dict(tiles or {})
    origins = sorted({layer.origin for layer in tiles.values()})
    template = _environment().get_template("report.html.j2")
    return template.render(
        sections=sections,
        svg=svg,
        title=title,
        created=created,
        network=network,
        destination=destination,
        runs=runs,
        failed=failed,
        attribution=attribution,
        version=__version__,
        css=_css(),
        data_json=embedded_json(data),
        tiles=tiles,
        img_src=" ".join(["data:", *origins]),
    )
