"""The network map: flows by line width, cuts marked, facilities labelled, country outlines.

Drawn with matplotlib in longitude/latitude (aspect corrected for the latitude), so it
needs no tiles and no network: the country outlines are a small file shipped with the
package (``data/countries.geojson``, Natural Earth 1:110m admin-0 countries, public
domain, clipped to West Africa; see ``data/SOURCES.md``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patches import Polygon as PolygonPatch
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from supplynet.errors import DataError
from supplynet.network import Network
from supplynet.paths import data_path
from supplynet.report.figures import new_figure, style

__all__ = ["COUNTRIES_FILE", "Countries", "MapChanges", "draw_network_map", "load_countries"]

COUNTRIES_FILE = "countries.geojson"

_FLOW = "#1F4E79"
_BLOCKED = "#D7191C"
_LIMITED = "#F28E2B"
_KINDS = {  # kind -> (marker, face, size, label)
    "port": ("s", "#1F4E79", 30, "sea port"),
    "border": ("D", "#FFFFFF", 22, "border post"),
    "depot": ("^", "#1B7837", 32, "depot"),
    "demand": ("o", "#8C6D31", 16, "demand node"),
}
_LABELLED = ("port", "border", "depot", "demand")
_PRIORITY = {"port": 0, "border": 1, "depot": 2, "demand": 3}
#: label offsets tried in turn (points): right-above, right-below, left-above, left-below
_OFFSETS = (
    (4, 2, "left", "bottom"),
    (4, -2, "left", "top"),
    (-4, 2, "right", "bottom"),
    (-4, -2, "right", "top"),
)


@dataclass(frozen=True)
class Countries:
    """Country outlines: ``(ISO3, name, geometry)`` triples and their credit line."""

    shapes: tuple[tuple[str, str, BaseGeometry], ...]
    attribution: str


@lru_cache(maxsize=1)
def load_countries() -> Countries:
    """The shipped country outlines of West Africa (Natural Earth, public domain).

    Examples
    --------
    >>> countries = load_countries()
    >>> "MLI" in {iso for iso, _, _ in countries.shapes}
    True
    """
    path = data_path(COUNTRIES_FILE)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        shapes = tuple(
            (str(f["properties"]["iso_a3"]), str(f["properties"]["name"]), shape(f["geometry"]))
            for f in doc["features"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: cannot read the country outlines ({exc})") from None
    return Countries(shapes, str(doc.get("attribution", "Natural Earth (public domain)")))


@dataclass(frozen=True)
class MapChanges:
    """What a scenario did to the network, for marking on the map.

    ``blocked_roads`` / ``limited_roads`` are road ids; ``closed_nodes`` /
    ``limited_nodes`` node ids; ``areas`` the scenario's areas in lon/lat.
    """

    blocked_roads: frozenset[str] = frozenset()
    limited_roads: frozenset[str] = frozenset()
    closed_nodes: frozenset[str] = frozenset()
    limited_nodes: frozenset[str] = frozenset()
    areas: tuple[BaseGeometry, ...] = ()

    @classmethod
    def from_changes(
        cls, net: Network, changes: pd.DataFrame, areas: Sequence[BaseGeometry] = ()
    ) -> MapChanges:
        """From a result's ``scenario_changes`` table (element, type, before, after)."""
        blocked: set[str] = set()
        limited: set[str] = set()
        closed: set[str] = set()
        reduced: set[str] = set()
        for row in changes.itertuples(index=False):
            after, before = float(row.after_m3_day), float(row.before_m3_day)  # type: ignore[arg-type]
            if row.type == "edge":
                road = str(net.edge_data(str(row.element)).get("road_id", row.element))
                (blocked if after <= 0 else limited if after < before else set()).add(road)
            else:
                node = str(row.element)
                (closed if after <= 0 else reduced if after < before else set()).add(node)
        return cls(
            frozenset(blocked),
            frozenset(limited - blocked),
            frozenset(closed),
            frozenset(reduced - closed),
            tuple(areas),
        )


def _road_lines(net: Network, flows: pd.Series | None) -> pd.DataFrame:
    """One row per road: its line (lon/lat points) and the flow it carries."""
    rows: dict[str, dict[str, Any]] = {}
    nodes = net.nodes
    for u, v, d in net.graph.edges(data=True):
        road = str(d.get("road_id", d["edge_id"]))
        flow = float(flows.get(d["edge_id"], 0.0)) if flows is not None else 0.0
        if road in rows:
            rows[road]["flow_m3_day"] += flow
            continue
        geom = d.get("geometry")
        if geom is not None and not isinstance(geom, str) and not geom.is_empty:
            points = list(geom.coords)
        else:
            points = [
                (nodes.at[u, "lon"], nodes.at[u, "lat"]),
                (nodes.at[v, "lon"], nodes.at[v, "lat"]),
            ]
        rows[road] = {"road_id": road, "points": points, "flow_m3_day": flow}
    return pd.DataFrame(list(rows.values())).set_index("road_id")


def _extent(net: Network, margin: float = 0.7) -> tuple[float, float, float, float]:
    lon, lat = net.nodes["lon"], net.nodes["lat"]
    return (
        float(lon.min()) - margin,
        float(lat.min()) - margin,
        float(lon.max()) + margin,
        float(lat.max()) + margin,
    )


def _draw_countries(
    ax: Any, countries: Countries, view: BaseGeometry, home: str, alpha: float = 1.0
) -> None:
    patches, faces = [], []
    for iso, name, geom in countries.shapes:
        clipped = geom.intersection(view)
        if clipped.is_empty:
            continue
        parts = getattr(clipped, "geoms", [clipped])
        for part in parts:
            if part.geom_type != "Polygon":
                continue
            patches.append(PolygonPatch(list(part.exterior.coords), closed=True))
            faces.append("#FBF3DF" if iso == home else "#F1F1EC")
        point = clipped.representative_point()
        if clipped.area > 1.5:
            ax.text(
                point.x,
                point.y,
                name.upper(),
                fontsize=6.5,
                color="#A0A0A0",
                ha="center",
                va="center",
                style="italic",
                zorder=1,
            )
    ax.add_collection(
        PatchCollection(
            patches,
            facecolors=[to_rgba(f, alpha) for f in faces],
            edgecolors="#9A9A9A",
            linewidths=0.6,
            zorder=0,
        )
    )


def draw_network_map(
    net: Network,
    flows: pd.Series | None,
    *,
    destination: str,
    changes: MapChanges | None = None,
    flow_scale_m3_day: float | None = None,
    home_country: str = "MLI",
    what: str = "max flow",
    transparent: bool = False,
) -> Figure:
    """The network with flows by line width and the scenario's cuts marked.

    Parameters
    ----------
    net : Network
        The network (its node coordinates and road geometry).
    flows : Series, optional
        Flow (m3/day) by arc id; ``None`` draws the roads only.
    destination : str
        Node id drawn as a star.
    changes : MapChanges, optional
        Roads and nodes blocked or limited, and areas.
    flow_scale_m3_day : float, optional
        The flow drawn at the widest line (the same for every map of a report, so maps
        compare); default the largest flow on this map.
    transparent : bool
        No background and see-through country fills, for a tile base map under the
        drawing (:mod:`supplynet.report.tiles`); the map still reads without the tiles.
    """
    changes = changes or MapChanges()
    countries = load_countries()
    roads = _road_lines(net, flows)
    west, south, east, north = _extent(net)
    top = flow_scale_m3_day or float(roads["flow_m3_day"].max() or 1.0)
    top = top if top > 0 else 1.0
    nodes = net.nodes
    aspect = 1 / math.cos(math.radians((south + north) / 2))
    ratio = (north - south) * aspect / (east - west)
    with style():
        fig = new_figure(7.0, 7.0 * ratio + 1.0)
        ax = fig.add_subplot()
        _draw_countries(
            ax,
            countries,
            box(west, south, east, north),
            home_country,
            alpha=0.45 if transparent else 1.0,
        )
        if transparent:
            fig.patch.set_alpha(0.0)
            ax.patch.set_alpha(0.0)
        for area in changes.areas:
            for part in getattr(area, "geoms", [area]):
                ax.add_patch(
                    PolygonPatch(
                        list(part.exterior.coords),
                        closed=True,
                        facecolor=_BLOCKED,
                        alpha=0.12,
                        edgecolor=_BLOCKED,
                        hatch="///",
                        lw=0.8,
                        zorder=2,
                    )
                )
        ax.add_collection(
            LineCollection(list(roads["points"]), colors="#B9B9B9", linewidths=0.7, zorder=3)
        )
        used = roads[roads["flow_m3_day"] > 1e-6]
        if len(used):
            widths = 0.8 + 5.4 * used["flow_m3_day"].to_numpy() / top
            ax.add_collection(
                LineCollection(
                    list(used["points"]),
                    colors=_FLOW,
                    alpha=0.85,
                    linewidths=widths,
                    capstyle="round",
                    zorder=4,
                )
            )
        for ids, colour, dash in (
            (changes.blocked_roads, _BLOCKED, (0, (3, 2))),
            (changes.limited_roads, _LIMITED, (0, (1, 1.5))),
        ):
            lines: list[Any] = [roads.at[r, "points"] for r in sorted(ids) if r in roads.index]
            if lines:
                ax.add_collection(
                    LineCollection(
                        lines, colors=colour, linewidths=2.2, linestyles=[dash], zorder=5
                    )
                )
        for kind, (marker, face, size, _) in _KINDS.items():
            sel = nodes[nodes["kind"] == kind]
            edges = [
                _BLOCKED
                if n in changes.closed_nodes
                else _LIMITED
                if n in changes.limited_nodes
                else "#222222"
                for n in sel.index
            ]
            faces = [
                _BLOCKED if n in changes.closed_nodes and kind == "border" else face
                for n in sel.index
            ]
            ax.scatter(
                sel["lon"],
                sel["lat"],
                s=size,
                marker=marker,
                c=faces,
                edgecolors=edges,
                linewidths=[1.6 if e != "#222222" else 0.7 for e in edges],
                zorder=6,
            )
        others = nodes[~nodes["kind"].isin(list(_KINDS))]
        ax.scatter(others["lon"], others["lat"], s=4, c="#777777", zorder=6, linewidths=0)
        if destination in nodes.index:
            star = nodes.loc[[destination]]
            ax.scatter(
                star["lon"],
                star["lat"],
                s=180,
                marker="*",
                c="#FFD400",
                edgecolors="#222222",
                linewidths=0.8,
                zorder=7,
            )
        shown = nodes[nodes["kind"].isin(_LABELLED) | (nodes.index == destination)]
        order = sorted(
            shown.index,
            key=lambda n: (n != destination, _PRIORITY.get(str(shown.at[n, "kind"]), 9)),
        )
        _place_labels(ax, shown.loc[order], destination, (west, south, east, north), 7.0)
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect(aspect)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("#BBBBBB")
        ax.text(
            0.005,
            0.005,
            "Roads © OpenStreetMap contributors (ODbL); "
            "country outlines: Natural Earth (public domain)",
            transform=ax.transAxes,
            fontsize=5.5,
            color="#777777",
            va="bottom",
        )
        fig.legend(
            handles=_legend(top, changes, what),
            loc="outside lower center",
            ncols=4,
            fontsize=7,
        )
    return fig


def _place_labels(
    ax: Any,
    nodes: pd.DataFrame,
    destination: str,
    extent: tuple[float, float, float, float],
    width_in: float,
) -> None:
    """Label each node beside its marker, on the first side where the label overlaps no
    label placed before (sizes estimated from the font size), inside the map if it can.

    Markers count as obstacles; two facilities at one place (a depot and its twin) get
    one label.
    """
    west, south, east, north = extent
    per_pt = (east - west) / (width_in * 72)
    pad = 3 * per_pt  # the markers are obstacles too
    boxes: list[tuple[float, float, float, float]] = [
        (x - pad, y - pad, x + pad, y + pad)
        for x, y in zip(nodes["lon"].astype(float), nodes["lat"].astype(float), strict=True)
    ]
    spots: list[tuple[float, float]] = []
    for n, row in nodes.iterrows():
        x, y = float(row["lon"]), float(row["lat"])
        if any(abs(x - a) + abs(y - b) < 0.15 for a, b in spots):
            continue
        spots.append((x, y))
        bold = n == destination or row["kind"] == "port"
        size = 7.5 if bold else 6.5
        text = str(row["name"])
        w, h = len(text) * size * 0.6 * per_pt, size * 1.2 * per_pt
        choice = None
        for dx, dy, ha, va in _OFFSETS:
            x0 = x + dx * per_pt - (w if ha == "right" else 0)
            y0 = y + dy * per_pt - (h if va == "top" else 0)
            candidate = (x0, y0, x0 + w, y0 + h)
            inside = west <= x0 and x0 + w <= east and south <= y0 and y0 + h <= north
            free = not any(
                candidate[0] < b[2]
                and b[0] < candidate[2]
                and candidate[1] < b[3]
                and b[1] < candidate[3]
                for b in boxes
            )
            if inside and free:
                choice = (dx, dy, ha, va, candidate)
                break
            if choice is None and inside:
                choice = (dx, dy, ha, va, candidate)
        if choice is None:
            dx, dy, ha, va = _OFFSETS[2]
            choice = (dx, dy, ha, va, (x - w, y, x, y + h))
        dx, dy, ha, va, placed = choice
        boxes.append(placed)
        label = ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=size,
            fontweight="bold" if bold else "normal",
            color="#222222",
            zorder=8,
            annotation_clip=True,
        )
        label.set_in_layout(False)


def _legend(top: float, changes: MapChanges, what: str) -> list[Any]:
    handles: list[Any] = []
    for share in (0.25, 0.5, 1.0):
        value = top * share
        handles.append(
            Line2D([], [], color=_FLOW, lw=0.8 + 5.4 * share, label=f"{value:,.0f} m3/day ({what})")
        )
    if changes.blocked_roads or changes.closed_nodes or changes.areas:
        handles.append(
            Line2D(
                [], [], color=_BLOCKED, lw=2.2, ls=(0, (3, 2)), label="blocked road / closed post"
            )
        )
    if changes.limited_roads or changes.limited_nodes:
        handles.append(
            Line2D(
                [], [], color=_LIMITED, lw=2.2, ls=(0, (1, 1.5)), label="limited (escort, factor)"
            )
        )
    if changes.areas:
        handles.append(
            Patch(
                facecolor=_BLOCKED,
                alpha=0.15,
                hatch="///",
                edgecolor=_BLOCKED,
                label="scenario area",
            )
        )
    for marker, face, _size, label in _KINDS.values():
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                ls="",
                markerfacecolor=face,
                markeredgecolor="#222222",
                label=label,
            )
        )
    handles.append(
        Line2D(
            [],
            [],
            marker="*",
            ls="",
            markersize=11,
            markerfacecolor="#FFD400",
            markeredgecolor="#222222",
            label="destination",
        )
    )
    return handles
