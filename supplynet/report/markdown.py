"""The Markdown variant of a report, for scripted pipelines (wikis, pandoc, issue trackers).

The same sections, paragraphs, facts and tables as the HTML page (the tables as pipe
tables, with the figures formatted the same way); figures are linked to their SVG files
when the report writes ``--assets``, and otherwise named as being in the HTML report.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from supplynet.report.blocks import Facts, Figure, Paragraph, Section, Table

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(table: Table) -> list[str]:
    if table.show == 0 or not table.columns:
        return []
    head = [_cell(c.label) for c in table.columns]
    align = ["---:" if c.kind in ("num", "pct") else "---" for c in table.columns]
    lines = [
        f"**{_cell(table.title)}**",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(align) + "|",
    ]
    for row in table.rows():
        lines.append("| " + " | ".join(_cell(shown) for _, _, shown in row) + " |")
    notes = [table.caption] if table.caption else []
    if table.show and len(table.frame) > table.show:
        notes.append(f"first {table.show} of {len(table.frame)} rows")
    if notes:
        lines += ["", f"*{_cell('; '.join(notes))}*"]
    return [*lines, ""]


def render_markdown(
    sections: Sequence[Section],
    *,
    title: str,
    subtitle: str,
    markdown_path: Path | None = None,
    assets_dir: Path | None = None,
) -> str:
    """The report as Markdown text.

    Parameters
    ----------
    markdown_path, assets_dir : Path, optional
        Where the Markdown and the assets are written: figures link to
        ``<assets>/<figure>.svg`` by a path relative to the Markdown file.
    """
    lines = [f"# {_cell(title)}", "", _cell(subtitle), ""]
    link_base = None
    if assets_dir is not None:
        start = (markdown_path or Path("report.md")).resolve().parent
        link_base = Path(os.path.relpath(assets_dir.resolve(), start)).as_posix()
    for section in sections:
        lines += [f"## {_cell(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                text = _cell(block.text)
                lines += [f"> **{text}**" if block.style == "warning" else text, ""]
            elif isinstance(block, Facts):
                lines += [f"- **{_cell(k)}**: {_cell(v)}" for k, v in block.items] + [""]
            elif isinstance(block, Table):
                lines += _table(block)
            elif isinstance(block, Figure):
                if link_base is not None:
                    lines += [
                        f"![{_cell(block.alt)}]({link_base}/{block.key}.svg)",
                        "",
                        f"*{_cell(block.title)}*",
                        "",
                    ]
                else:
                    lines += [f"*Figure: {_cell(block.title)} (in the HTML report).*", ""]
    return "\n".join(lines).rstrip() + "\n"
