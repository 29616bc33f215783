"""Reports planners forward: one self-contained HTML file, a Markdown variant, assets.

:func:`build_report` solves the scenarios (or takes results already computed) and writes
a page that opens anywhere, offline and on a phone: a summary of each scenario against
the baseline, a map of the flows and cuts, charts, the criticality ranking and worst cuts
where computed, the multi-day sections and the back-test where their results exist, and
what was assumed (data sources, solver and versions, scenario file hashes, network).

Modules, one per concern: :mod:`~supplynet.report.runs` (what is reported, solved),
:mod:`~supplynet.report.context`, :mod:`~supplynet.report.blocks` (sections, tables,
figures), :mod:`~supplynet.report.sections` (steady state),
:mod:`~supplynet.report.vulnerability` (criticality and worst cuts),
:mod:`~supplynet.report.timelines` and :mod:`~supplynet.report.timeline_sections` (the
multi-day model and the back-test), :mod:`~supplynet.report.provenance` ("what was
assumed"), :mod:`~supplynet.report.figures` and :mod:`~supplynet.report.maps`
(matplotlib), :mod:`~supplynet.report.html`, :mod:`~supplynet.report.markdown`,
:mod:`~supplynet.report.assets` (renderers) and :mod:`~supplynet.report.build`.
"""

from supplynet.report.build import Report, build_report

__all__ = ["Report", "build_report"]
