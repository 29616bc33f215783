"""``--assets DIR``: every table as CSV and every figure as PNG and SVG, for other documents.

The files are written together, or none of them (:func:`supplynet.atomic.write_files`),
with ``report_assets.json`` listing them; files of an earlier report in the same folder
that this one does not rewrite are removed (only those its list names: other files in the
folder are never touched).
"""

from __future__ import annotations

import glob
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from supplynet.atomic import write_files
from supplynet.report.blocks import Section
from supplynet.report.figures import render_png
from supplynet.results import rounded

__all__ = ["MANIFEST", "asset_files", "write_assets"]

logger = logging.getLogger(__name__)

#: the list of files an assets folder holds
MANIFEST = "report_assets.json"


def asset_files(
    sections: Sequence[Section], svg: Mapping[str, str], data: Mapping[str, Any]
) -> dict[str, str | bytes]:
    """File name -> content: ``<table>.csv``, ``<figure>.svg``, ``<figure>.png``,
    ``report_data.json`` (the embedded figures) and the manifest."""
    files: dict[str, str | bytes] = {}
    for section in sections:
        for table in section.tables:
            files[f"{table.key}.csv"] = rounded(table.frame).to_csv(index=False)
        for fig in section.figures:
            files[f"{fig.key}.svg"] = svg[fig.key]
            files[f"{fig.key}.png"] = render_png(fig.figure, fig.key)
    files["report_data.json"] = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    files[MANIFEST] = json.dumps({"files": sorted([*files, MANIFEST])}, indent=2) + "\n"
    return files


def _previous(folder: Path) -> list[str]:
    try:
        listed = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [glob.escape(str(n)) for n in listed if isinstance(n, str) and n == Path(n).name]


def write_assets(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write the asset files into ``folder``, all or none.

    Raises
    ------
    DataError
        A folder that cannot be written, naming it.
    """
    paths = write_files(folder, files, replaces=_previous(folder))
    logger.info("Wrote %d report assets to %s", len(paths), folder)
    return paths
