"""Scenarios: blockages, capacity factors, areas and demand changes, validated.

Modules: :mod:`~supplynet.scenario.ranges` (the sane range of every value),
:mod:`~supplynet.scenario.model` (the pydantic models, reading TOML),
:mod:`~supplynet.scenario.apply` (name look-ups and the new network).

A :class:`Scenario` is a pydantic model read from TOML (:meth:`Scenario.from_file`) or
built in Python. :meth:`Scenario.apply` returns a **new** :class:`~supplynet.Network`;
the input network is never modified. Every name (corridor, edge, node) is checked against
the network, and an unknown one raises a one-line :class:`ScenarioError` naming the file,
the key, the bad value and the closest valid names.

Semantics
---------
``blocked_corridors``   the corridors' own elements get capacity 0 (see below)
``blocked_edges``       arc ids (``e`` or ``e_rev``) or road ids (both directions)
``blocked_nodes``       node ids or names: supply 0 and throughput 0 (a border post closed,
                        a port shut)
``capacity_factors``    ``{name: factor}``; name is a corridor, edge/road id or node. An edge
                        factor multiplies its ``capacity_m3_day``; a node factor multiplies
                        its supply and throughput limit (a factor other than 0 on a node
                        that has neither is an error: there is nothing to scale)
``capacity_limits_m3_day``  ``{name: m3/day}``; caps a corridor's own elements, an edge, or
                        a node's throughput at an absolute figure (escorted convoys only,
                        say); the lower of the limit and the scaled capacity applies
``areas``               a circle (``center = [lon, lat]``, ``radius_km``) or a polygon
                        (``polygon = [[lon, lat], ...]`` or ``wkt``) with a ``factor``
                        (0 blocks) applied to the arcs crossing it and to the supply and
                        limits of the nodes inside it (factor 0 closes every node inside);
                        an area that touches nothing is an error (swapped lon/lat)
``demand``              ``{node: m3/day}`` replaces a node's demand
``demand_factor``       multiplies every demand (after ``demand``)
``stock_m3``            ``{node: m3}`` replaces a node's stock (for the days it covers)
``assumptions``         overrides ``cost_per_m3_km`` or ``unmet_penalty_per_m3`` (and, for
                        the multi-day model, ``driving_hours_per_day``,
                        ``truck_time_factor``, ``border_delay_days``, ``queue_tankers``)

Multi-day keys (:mod:`supplynet.scenario.timeline`; read by
:func:`supplynet.simulate_supply`, ignored by the steady-state analyses, which say so:
:meth:`Scenario.steady_state_ignores`):

``days``                the default horizon
``start_date``          the date of day 1 (windows and convoy days may then be dates)
``allocation``          ``"priority"`` (default) or ``"pro-rata"``
``events``              timed operations: the capacity keys above, plus ``loss_rate``,
                        ``delay_days`` and ``supply_factors`` (by product), over a window
``convoys``             corridors passing only in convoys (size, cadence, transit time)
``escorts``             one pool of escorts shared by every escorted convoy
``rationing``           a demand class scaled over a window
an area's ``loss_rate`` the share of the fuel driven into it that is lost (every day)

Every number has a documented range (:mod:`supplynet.scenario.ranges`) and is strict: a
string where a number belongs is an error, as is a value out of its range.

Corridors share trunk roads (Dakar–Tambacounda serves both Dakar corridors, Kati–Bamako
three). An operation on corridors acts on their **own elements**: the roads and border
posts that no other corridor uses, counting the corridors named together in the same key
as one (:meth:`Network.corridor_elements`). Blocking ``dakar-kita`` closes the
Tambacounda–Kédougou–Moussala–Kita road and the Moussala post and leaves Dakar's fuel the
Kidira route; blocking both Dakar corridors also closes Dakar–Tambacounda. A corridor with
no element of its own is an error naming the corridors it shares with.

Road capacities are far above fuel flows (the calibration puts the binding limits at
port loading and border posts, see ``data/SOURCES.md``), so a factor on a road alone
rarely changes the answer; to model "this corridor passes at most N tankers a day" use
``capacity_limits_m3_day`` on the corridor or its border post.

Factors combine by multiplication: an arc on a corridor at 0.5 inside an area at 0.5
keeps a quarter of its capacity.
"""

from supplynet.scenario.model import Area, Scenario, describe_validation
from supplynet.scenario.ranges import RANGES, ranges_table
from supplynet.scenario.timeline import Convoy, Escorts, Event, Rationing

__all__ = [
    "RANGES",
    "Area",
    "Convoy",
    "Escorts",
    "Event",
    "Rationing",
    "Scenario",
    "describe_validation",
    "ranges_table",
]
