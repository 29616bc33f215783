"""Analyses on the formulations and the re-solve engine.

The multi-day supply timeline: :mod:`~supplynet.analysis.simulate` (:func:`simulate_supply`),
:mod:`~supplynet.analysis.timeline_inputs` (network and scenario -> the model's arrays),
:mod:`~supplynet.analysis.timeline_events` (timed keys, convoys, escorts, lead times by day),
:mod:`~supplynet.analysis.timeline_solve` (the solve passes),
:mod:`~supplynet.analysis.timeline_tables` (a solution -> the result tables),
:mod:`~supplynet.analysis.sections` (where fuel enters and leaves corridors and areas).

Which cuts hurt most: :mod:`~supplynet.analysis.measures` (what is measured after a cut,
one engine per measure), :mod:`~supplynet.analysis.criticality` (N-1, N-2),
:mod:`~supplynet.analysis.interdiction` (worst-case cuts, with a defender),
:mod:`~supplynet.analysis.montecarlo` (random attacks), :mod:`~supplynet.analysis.sweep`
(grids and the above on a process pool or a Dask cluster).

The public names are re-exported lazily by :mod:`supplynet`.
"""
