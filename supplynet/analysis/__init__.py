"""Analyses built on the formulations: the multi-day supply timeline (:func:`simulate_supply`).

Modules: :mod:`~supplynet.analysis.simulate` (the public call),
:mod:`~supplynet.analysis.timeline_inputs` (network and scenario -> the model's arrays),
:mod:`~supplynet.analysis.timeline_events` (timed keys, convoys, escorts, lead times by day),
:mod:`~supplynet.analysis.timeline_solve` (the solve passes),
:mod:`~supplynet.analysis.timeline_tables` (a solution -> the result tables),
:mod:`~supplynet.analysis.sections` (where fuel enters and leaves corridors and areas).
"""

from supplynet.analysis.simulate import simulate_supply

__all__ = ["simulate_supply"]
