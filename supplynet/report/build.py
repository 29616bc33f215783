"""``build_report``: solve the scenarios, build the sections, write the files whole.

The stages, one INFO line each: check the output paths (before any solve, so a bad path
costs nothing), solve the runs (:mod:`~supplynet.report.runs`), build the sections that
have their inputs (:mod:`~supplynet.report.sections`,
:mod:`~supplynet.report.vulnerability`, :mod:`~supplynet.report.timeline_sections`,
:mod:`~supplynet.report.provenance`), render
the figures once to SVG, then the page (:mod:`~supplynet.report.html`), the Markdown
(:mod:`~supplynet.report.markdown`) and the assets (:mod:`~supplynet.report.assets`), and
write them: each file appears whole or not at all (:func:`supplynet.atomic.atomic_file`,
:func:`supplynet.atomic.write_files`), and an earlier report at the same path stays intact
when anything fails.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from supplynet.analysis.simulate import simulate_supply
from supplynet.atomic import atomic_file, check_writable
from supplynet.datasets import load_network
from supplynet.errors import DataError
from supplynet.network import Network
from supplynet.report.assets import asset_files, write_assets
from supplynet.report.backtests import backtest_section
from supplynet.report.blocks import Figure, Section, Table, plain
from supplynet.report.context import ReportContext
from supplynet.report.figures import inline_svg, render_svg
from supplynet.report.html import render_html
from supplynet.report.maps import load_countries
from supplynet.report.markdown import render_markdown
from supplynet.report.provenance import assumptions_section
from supplynet.report.runs import Progress, ScenarioRun, Simulate, collect_runs
from supplynet.report.sections import flows_section, map_section, summary_section
from supplynet.report.tiles import OSM_ATTRIBUTION, OSM_TILES, tile_layer, tile_source
from supplynet.report.timeline_sections import timeline_section
from supplynet.report.vulnerability import criticality_section
from supplynet.version import __version__

__all__ = ["MAX_DAYS", "Report", "build_report", "check_days"]

logger = logging.getLogger(__name__)

#: the longest horizon a report runs (ten years)
MAX_DAYS = 3650


@dataclass(frozen=True)
class Report:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    path : Path
        The HTML file.
    markdown : Path or None
        The Markdown file, when asked for.
    assets : list of Path
        The asset files (CSV, SVG, PNG, JSON), when asked for.
    sections : list of str
        The keys of the sections the report has (``summary``, ``map``, ``flows``,
        ``timeline``, ``backtest``, ``criticality``, ``assumptions``).
    scenarios : list of str
        The runs reported, the reference run first.
    failed : dict
        Scenario -> why it failed (its run is in the report, marked failed).
    size_bytes : int
        Size of the HTML file.
    build_time_s : float
        Wall time of the whole build, solves included.
    data : dict
        The figures embedded in the page (the same JSON).
    """

    path: Path
    markdown: Path | None
    assets: list[Path]
    sections: list[str]
    scenarios: list[str]
    failed: dict[str, str]
    size_bytes: int
    build_time_s: float
    data: dict[str, Any] = field(repr=False)


def check_days(days: int | None) -> Simulate | None:
    """The multi-day model to run for ``days`` (:func:`supplynet.simulate_supply`), or
    ``None`` without ``days``.

    Raises
    ------
    DataError
        For a horizon outside 1..:data:`MAX_DAYS`.

    Examples
    --------
    >>> check_days(None) is None, check_days(30).__name__
    (True, 'simulate_supply')
    """
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise DataError(f"days = {days!r}: give a whole number of days from 1 to {MAX_DAYS:,}")
    return simulate_supply


def _write_text(path: Path, text: str) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def build_report(
    scenarios_or_results: Iterable[Any],
    path: str | os.PathLike[str],
    *,
    network: Network | str | os.PathLike[str] | None = None,
    destination: str = "bamako",
    title: str | None = None,
    days: int | None = None,
    criticality: bool = False,
    backtest: Any = False,
    tiles: bool | str = False,
    assets: str | os.PathLike[str] | None = None,
    markdown: str | os.PathLike[str] | None = None,
    solver: str | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> Report:
    """Write one self-contained HTML report of scenarios against the baseline.

    Parameters
    ----------
    scenarios_or_results : iterable
        Scenarios (:class:`~supplynet.Scenario` or TOML paths) to solve, and/or results
        already computed on ``network``: :class:`~supplynet.ThroughputResult`,
        :class:`~supplynet.SupplyResult`, multi-day timelines, criticality and
        interdiction results (matched to scenarios by name). The baseline (the network
        unchanged) is added unless a scenario changes nothing.
    path : path
        The HTML file to write (its folder is created if needed).
    network : Network or path, optional
        Default: the embedded network.
    destination : str
        Node id or name.
    title : str, optional
        Default: "Fuel supply to <destination>: <scenarios>".
    days : int, optional
        Run the multi-day model (:func:`supplynet.simulate_supply`) over this many days.
    criticality : bool
        Rank single cuts (N-1) and find the worst cuts of 1-3 elements per scenario.
    backtest : bool, BacktestResult, DataFrame or list, optional
        ``True``: back-test each dated scenario (one with a ``start_date``, such as
        ``examples/scenarios/crisis_2025.toml``) against the reported arrivals at Bamako
        (:func:`supplynet.backtest`), on its ``days`` run when there is one, else over
        the scenario's own horizon; a scenario without dates gets a one-line note.
        Or back-tests already computed: :class:`~supplynet.BacktestResult` s, or tables
        of the shape in :mod:`supplynet.report.timelines`.
    tiles : bool or str
        ``True``: an OpenStreetMap tile base map under each map, shown when the page is
        opened online (the map reads the same without it); a string: another tile URL
        template (``https://.../{z}/{x}/{y}.png``). Default ``False``: the page asks for
        nothing (:mod:`supplynet.report.tiles`).
    assets : path, optional
        A folder for the tables as CSV and the figures as PNG and SVG.
    markdown : path, optional
        Also write the report as Markdown.
    solver : str, optional
        LP solver (``highs``, ``cbc``).
    progress : callable, optional
        Called with (steps done, steps in all, label) while solving.
    command : str
        How the report was asked for, recorded under "What was assumed".

    Returns
    -------
    Report
        The files written, the sections, the failed scenarios, size and build time.

    Raises
    ------
    DataError
        An output path that cannot be written (before anything is solved), an unknown
        destination, a network that cannot be read, ``days`` outside 1..3650.

    Examples
    --------
    >>> import tempfile, supplynet as sn
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     rep = sn.build_report(["examples/scenarios/blockade_2025.toml"], f"{tmp}/r.html")
    >>> rep.scenarios, rep.sections[:2], rep.failed
    (['baseline', 'blockade_2025'], ['summary', 'map'], {})
    """
    start = time.perf_counter()
    html_path = Path(path)
    md_path = Path(markdown) if markdown is not None else None
    assets_dir = Path(assets) if assets is not None else None
    simulate = check_days(days)
    tile_url = tile_source(tiles)
    check_writable(html_path, what="report", create=True)
    if md_path is not None:
        check_writable(md_path, what="Markdown report", create=True)
    if assets_dir is not None:
        if assets_dir.exists() and not assets_dir.is_dir():
            raise DataError(
                f"{assets_dir}: --assets must be a folder, and a file of that name exists"
            )
        check_writable(assets_dir, folder=True, create=True)
    net = (
        network
        if isinstance(network, Network)
        else load_network(None if network is None else Path(network))
    )
    target = net.node_id(destination)
    dest_name = str(net.graph.nodes[target].get("name", target))
    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def context(runs: list[ScenarioRun]) -> ReportContext:
        names = [r.name for r in runs if not r.reference]
        return ReportContext(
            net=net,
            runs=runs,
            destination=target,
            title=title or f"Fuel supply to {dest_name}: {', '.join(names) or 'baseline'}",
            created=created_at,
            days=days,
            backtest=None if isinstance(backtest, bool) or backtest is None else backtest,
            backtest_requested=backtest is True,
            tiles=tile_url,
            command=command or "supplynet.build_report (Python API)",
        )

    early: dict[str, Section | None] = {}
    drawn: dict[int, tuple[str, str]] = {}  # id(figure) -> (key drawn with, SVG)

    def draw_early(runs: list[ScenarioRun]) -> None:
        """The sections that need no multi-day result, built and drawn while the
        multi-day runs solve."""
        ctx = context(runs)
        for key, build in _EARLY_SECTIONS.items():
            section = early[key] = build(ctx)
            for f in section.figures if section is not None else []:
                drawn[id(f.figure)] = (f.key, render_svg(f.figure, f.key))

    runs = collect_runs(
        scenarios_or_results,
        net,
        destination=target,
        solver=solver,
        simulate=simulate,
        days=days,
        with_criticality=criticality,
        with_backtest=backtest is True,
        progress=progress,
        meanwhile=draw_early,
    )
    ctx = context(runs)
    sections = _sections(ctx, early)
    logger.info("Report sections: %s", ", ".join(s.key for s in sections))
    documents = {f.key: _drawn_svg(f, drawn) for s in sections for f in s.figures}
    svg = {key: inline_svg(text) for key, text in documents.items()}
    layers = (
        {
            f.key: tile_layer(f.figure.axes[0], url=tile_url, attribution=_tile_credit(tile_url))
            for s in sections
            for f in s.figures
            if f.region == "map"
        }
        if tile_url is not None
        else {}
    )
    data = plain(
        {
            "title": ctx.title,
            "destination": target,
            "network": net.name,
            "created": ctx.created.isoformat(),
            "supplynet": __version__,
            "sections": {s.key: s.data for s in sections},
        }
    )
    created = ctx.created.strftime("%Y-%m-%d %H:%M UTC")
    failed = {r.name: r.error for r in runs if r.failed}
    attribution = (
        f"Road data {net.graph.graph.get('attribution', '© OpenStreetMap contributors (ODbL)')}. "
        f"Country outlines: {load_countries().attribution}. Fuel figures: public reporting "
        "cited in data/SOURCES.md. Made with supplynet."
    )
    html = render_html(
        sections,
        svg,
        title=ctx.title,
        created=created,
        network=net.name,
        destination=dest_name,
        runs=len(runs),
        failed=len(failed),
        attribution=attribution,
        data=data,
        tiles=layers,
    )
    md = (
        render_markdown(
            sections,
            title=ctx.title,
            subtitle=f"Built {created} by supplynet {__version__}; network "
            f"{net.name}; destination {dest_name}.",
            markdown_path=md_path,
            assets_dir=assets_dir,
        )
        if md_path is not None
        else None
    )
    files = asset_files(sections, documents, data) if assets_dir is not None else None
    written: list[Path] = []
    if assets_dir is not None and files is not None:
        written = write_assets(assets_dir, files)
    if md_path is not None and md is not None:
        _write_text(md_path, md)
    _write_text(html_path, html)
    size = len(html.encode("utf-8"))
    elapsed = time.perf_counter() - start
    logger.info(
        "Wrote report %s: %d scenarios, %d sections, %.1f kB in %.2f s",
        html_path,
        len(runs),
        len(sections),
        size / 1000,
        elapsed,
    )
    return Report(
        path=html_path,
        markdown=md_path,
        assets=written,
        sections=[s.key for s in sections],
        scenarios=[r.name for r in runs],
        failed=failed,
        size_bytes=size,
        build_time_s=elapsed,
        data=data,
    )


def _tile_credit(url: str) -> str:
    if url == OSM_TILES:
        return f"Base map tiles {OSM_ATTRIBUTION}"
    return f"Base map tiles from {urlsplit(url).netloc}; map data {OSM_ATTRIBUTION}"


#: Sections that read no multi-day result: :func:`build_report` builds and draws them
#: while the multi-day runs solve
_EARLY_SECTIONS: dict[str, Callable[[ReportContext], Section | None]] = {
    "map": map_section,
    "flows": flows_section,
    "criticality": criticality_section,
}


def _sections(
    ctx: ReportContext, early: Mapping[str, Section | None] | None = None
) -> list[Section]:
    """The report's sections in page order, taking those in ``early`` as built."""
    early = early or {}

    def built(key: str, build: Callable[[ReportContext], Section | None]) -> Section | None:
        return early[key] if key in early else build(ctx)

    parts = [
        summary_section(ctx),
        built("map", map_section),
        built("flows", flows_section),
        timeline_section(ctx),
        backtest_section(ctx),
        built("criticality", criticality_section),
        assumptions_section(ctx),
    ]
    sections = [s for s in parts if s is not None]
    _unique_keys(sections)
    return sections


def _drawn_svg(figure: Figure, drawn: Mapping[int, tuple[str, str]]) -> str:
    """A figure's SVG: the one drawn early when its key has not changed since (the
    key salts the SVG's ids), else drawn now."""
    hit = drawn.get(id(figure.figure))
    if hit is not None and hit[0] == figure.key:
        return hit[1]
    return render_svg(figure.figure, figure.key)


def _unique_keys(sections: list[Section]) -> None:
    """Give every table and figure its own key (file name, anchor, SVG id salt): two
    scenario names can make the same key (``no-dakar``, ``no_dakar``)."""
    seen: set[str] = set()
    for section in sections:
        for i, block in enumerate(section.blocks):
            if not isinstance(block, Table | Figure):
                continue
            key, n = block.key, 2
            while key in seen:
                key, n = f"{block.key}_{n}", n + 1
            seen.add(key)
            if key != block.key:
                section.blocks[i] = dataclasses.replace(block, key=key)
