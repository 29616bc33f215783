"""Vulnerability analyses on the re-solve engine: which cuts hurt most.

Modules: :mod:`~supplynet.analysis.measures` (what is measured after a cut, one engine
per measure), :mod:`~supplynet.analysis.criticality` (N-1, N-2),
:mod:`~supplynet.analysis.interdiction` (worst-case cuts, with a defender),
:mod:`~supplynet.analysis.montecarlo` (random attacks), :mod:`~supplynet.analysis.sweep`
(grids and the above on a process pool or a Dask cluster).

The public names are re-exported lazily by :mod:`supplynet`.
"""
