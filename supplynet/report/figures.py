"""The report's charts, drawn with matplotlib, and their rendering to SVG and PNG.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot, no global
backend), so building a report never changes a user's plotting state. The SVG keeps its
text as text (``svg.fonttype = "none"``): small, searchable, and drawn in the page's own
sans-serif font, so no font file is embedded or fetched. Element ids inside each SVG are
salted with the figure's key, so several SVGs inline in one page never share an id, and
the same figure renders to the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

__all__ = [
    "CHART_WIDTH_IN",
    "PALETTE",
    "chart_backtest",
    "chart_backtest_periods",
    "chart_by_category",
    "chart_criticality",
    "chart_delivered",
    "chart_series_by_scenario",
    "inline_svg",
    "new_figure",
    "render_png",
    "render_svg",
    "style",
]

#: width of the charts: on a phone (360 px) their 9 pt text reads at about 9 px
CHART_WIDTH_IN = 5.5
#: scenario colours (colour-blind-safe, Okabe & Ito 2008), the reference run first
PALETTE = ("#555555", "#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
_SERIES = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#882255",
)

_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e4e4e4",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "figure.dpi": 100,
}


@contextmanager
def style(salt: str = "supplynet") -> Iterator[None]:
    """The report's matplotlib settings, for building and saving one figure."""
    settings: dict[Any, Any] = {**_RC, "svg.hashsalt": salt}
    with rc_context(settings):
        yield


def new_figure(width_in: float = 7.0, height_in: float = 3.6, **kwargs: Any) -> Figure:
    """A figure with the report's layout (constrained, so labels are never cut)."""
    return Figure(figsize=(width_in, height_in), layout="constrained", **kwargs)


_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


def render_svg(fig: Figure, key: str) -> str:
    """The figure as a standalone SVG document (for ``--assets``; :func:`inline_svg`
    makes it fit a page)."""
    buf = io.StringIO()
    with style(key):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "supplynet"})
    return buf.getvalue()


def inline_svg(text: str) -> str:
    """An SVG document as markup for a page: without the XML prologue and the fixed
    size, so the page scales it to its column through the ``viewBox``."""
    start = text.index("<svg")
    head_end = text.index(">", start)
    head = _SIZE.sub("", text[start:head_end], count=2)
    return head + text[head_end:]


def render_png(fig: Figure, key: str, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (for ``--assets``)."""
    buf = io.BytesIO()
    with style(key):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": "supplynet"})
    return buf.getvalue()


def _ncols(labels: Sequence[str], room_chars: int = 64) -> int:
    """Legend columns that fit the chart's width (labels at 8 pt)."""
    widest = max((len(str(t)) for t in labels), default=1) + 4
    return max(1, min(len(labels), room_chars // widest, 4))


def _label_bars(ax: Any, bars: Any, values: Any, fmt: str = "{:,.0f}") -> None:
    for bar, value in zip(bars, values, strict=True):
        if np.isfinite(value):
            ax.annotate(
                fmt.format(value),
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )


def chart_delivered(
    names: Sequence[str],
    delivered: Sequence[float],
    *,
    references: Mapping[str, float],
    destination: str,
) -> Figure:
    """Fuel reaching the destination per scenario (bars), with demand lines."""
    with style():
        fig = new_figure(CHART_WIDTH_IN, 0.9 + 0.42 * len(names))
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        colours = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
        bars = ax.barh(y, delivered, color=colours, height=0.6)
        _label_bars(ax, bars, delivered)
        for i, (label, value) in enumerate(references.items()):
            if np.isfinite(value) and value > 0:
                ax.axvline(value, color="#333333", lw=1, ls=("--", ":")[i % 2], label=label)
        ax.set_yticks(y, names)
        ax.set_xlabel(f"m3/day reaching {destination}")
        ax.grid(axis="y", visible=False)
        top = max([v for v in [*delivered, *references.values()] if np.isfinite(v)] + [1.0])
        ax.set_xlim(0, top * 1.15)
        if references:
            fig.legend(loc="outside lower center", ncols=_ncols(list(references)))
    return fig


def chart_by_category(
    table: pd.DataFrame,
    *,
    xlabel: str,
    colours: Sequence[str] | None = None,
) -> Figure:
    """Grouped horizontal bars: one group per row of ``table``, one bar per column."""
    with style():
        rows, cols = len(table.index), len(table.columns)
        fig = new_figure(CHART_WIDTH_IN, 0.9 + rows * (0.16 * cols + 0.22))
        ax = fig.add_subplot()
        height = 0.8 / max(cols, 1)
        base = np.arange(rows)[::-1].astype(float)
        for j, column in enumerate(table.columns):
            colour = (colours or PALETTE)[j % len(colours or PALETTE)]
            ax.barh(
                base + (cols - 1 - 2 * j) * height / 2,
                table[column].to_numpy(dtype=float),
                height=height * 0.92,
                color=colour,
                label=str(column),
            )
        ax.set_yticks(base, [str(i) for i in table.index])
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.set_xlim(left=0)
        fig.legend(loc="outside lower center", ncols=_ncols([str(c) for c in table.columns]))
    return fig


def chart_criticality(table: pd.DataFrame, *, value: str, xlabel: str) -> Figure:
    """The most critical elements as horizontal bars (``table`` indexed by label)."""
    with style():
        fig = new_figure(CHART_WIDTH_IN, 0.8 + 0.3 * len(table))
        ax = fig.add_subplot()
        values = table[value].to_numpy(dtype=float)
        y = np.arange(len(table))[::-1]
        bars = ax.barh(y, values, color="#D55E00", height=0.65)
        _label_bars(ax, bars, values)
        ax.set_yticks(y, [str(i) for i in table.index])
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, (np.nanmax(values) if len(values) else 1.0) * 1.18 or 1.0)
    return fig


def chart_series_by_scenario(
    series: Mapping[str, pd.DataFrame],
    *,
    ylabel: str,
    kind: str = "line",
    dates: Mapping[str, Mapping[Any, Any]] | None = None,
) -> Figure:
    """One panel per scenario of a day-indexed table: lines (``kind="line"``) or
    stacked areas (``"area"``), one colour per column, shared across panels.

    A stacked area leaves out the columns that are zero on every day of its panel (they
    would draw nothing, and cost a polygon each in the SVG: the arrivals by corridor of
    the four example scenarios over 180 days, 681 kB with them, 484 kB without); a
    panel with nothing left says so.
    """
    if kind == "area":
        series = {name: _nonzero_columns(frame) for name, frame in series.items()}
    names = list(series)
    columns: list[str] = []
    for frame in series.values():
        columns += [str(c) for c in frame.columns if str(c) not in columns]
    colour = {c: _SERIES[i % len(_SERIES)] for i, c in enumerate(columns)}
    with style():
        fig = new_figure(CHART_WIDTH_IN, 0.6 + 1.7 * len(names))
        axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
        for ax, name in zip(axes, names, strict=True):
            frame = series[name]
            mapping = (dates or {}).get(name) or {}
            x = [mapping.get(d, d) for d in frame.index]
            if kind == "area" and not len(frame.columns):
                ax.plot(x, np.zeros(len(x)), color="#999999", lw=0.8)
                ax.text(
                    0.5,
                    0.5,
                    "none",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    color="#555555",
                )
            elif kind == "area":
                ax.stackplot(
                    x,
                    *(frame[c].to_numpy(dtype=float) for c in frame.columns),
                    colors=[colour[str(c)] for c in frame.columns],
                    labels=[str(c) for c in frame.columns],
                    linewidth=0,
                )
            else:
                for c in frame.columns:
                    ax.plot(
                        x,
                        frame[c].to_numpy(dtype=float),
                        color=colour[str(c)],
                        lw=1.4,
                        label=str(c),
                    )
            ax.set_title(name, loc="left")
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
        handles, labels = [], []
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncols=_ncols(labels))
        axes[-1].set_xlabel("day" if not dates else "date")
        if dates:
            for label in axes[-1].get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")
    return fig


def _nonzero_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a day-indexed table that are not zero (or missing) on every day."""
    values = frame.to_numpy(dtype=float)
    keep = (np.nan_to_num(np.abs(values)) > 0).any(axis=0)
    return frame.loc[:, keep]


def chart_backtest(flat: pd.DataFrame, *, ylabel: str = "m3 per period") -> Figure:
    """Simulated arrivals (line) against the reported range (band and whiskers)."""
    with style():
        fig = new_figure(CHART_WIDTH_IN, 3.2)
        ax = fig.add_subplot()
        periods = [str(p)[:10] for p in flat["period"]]
        x = np.arange(len(periods))
        low = flat["reported_low_m3"].to_numpy(dtype=float)
        high = flat["reported_high_m3"].to_numpy(dtype=float)
        ax.fill_between(
            x, low, high, color="#56B4E9", alpha=0.35, step="mid", label="reported (low–high)"
        )
        ax.vlines(x, low, high, color="#0072B2", lw=2)
        ax.plot(
            x,
            flat["simulated_m3"].to_numpy(dtype=float),
            color="#D55E00",
            marker="o",
            lw=1.6,
            label="simulated",
        )
        step = max(1, len(periods) // 12)
        ax.set_xticks(x[::step], periods[::step], rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.legend(loc="best")
    return fig


def chart_backtest_periods(
    tables: Mapping[str, pd.DataFrame],
    *,
    cutoff: Any = None,
    place: str = "Bamako",
) -> Figure:
    """Simulated against reported arrivals per period, one panel per table (weeks,
    months), as m3/day over the days each period is compared on.

    Each table is a back-test's period table (indexed by ``period``, with
    ``period_end``, ``compared_days``, ``simulated_m3``, ``reported_low_m3``,
    ``reported_high_m3``): the reported range is a box over the period (up to the top of
    the panel where a report gives no upper bound), the simulated arrivals a line over
    it; periods after ``cutoff`` (held out of the calibration) are shaded.
    """
    one_day = pd.Timedelta(days=1)
    with style():
        fig = new_figure(CHART_WIDTH_IN, 0.9 + 1.9 * len(tables))
        axes = fig.subplots(len(tables), 1, sharex=True, squeeze=False)[:, 0]
        shown: set[str] = set()
        for ax, (label, table) in zip(axes, tables.items(), strict=True):
            start = pd.Timestamp(table.index[0])
            end = pd.Timestamp(table["period_end"].iloc[-1]) + one_day
            days = table["compared_days"].clip(lower=1).to_numpy(dtype=float)
            sim = table["simulated_m3"].to_numpy(dtype=float) / days
            low = table["reported_low_m3"].to_numpy(dtype=float) / days
            high = table["reported_high_m3"].to_numpy(dtype=float) / days
            finite = [v for v in (*sim, *low, *high) if np.isfinite(v)]
            top = max([*finite, 1.0]) * 1.15
            if cutoff is not None and pd.Timestamp(cutoff) + one_day < end:
                held = pd.Timestamp(cutoff) + one_day
                ax.axvspan(held, end, color="#EEEEEE", zorder=0)
                ax.axvline(held, color="#777777", lw=0.8, ls="--", zorder=1)
                shown.add("held")
            for i, (a, b) in enumerate(zip(table.index, table["period_end"], strict=True)):
                a, b = pd.Timestamp(a), pd.Timestamp(b) + one_day
                if np.isfinite(low[i]) and high[i] - low[i] > top * 0.01:
                    unbounded = not np.isfinite(high[i])
                    ax.add_patch(
                        Rectangle(
                            (float(date2num(a)), low[i]),
                            float(date2num(b) - date2num(a)),
                            (top if unbounded else high[i]) - low[i],
                            facecolor="#56B4E9",
                            alpha=0.45,
                            edgecolor="#0072B2",
                            lw=0.8,
                            hatch="//" if unbounded else "",
                            zorder=2,
                        )
                    )
                    shown.add("unbounded" if unbounded else "range")
                elif np.isfinite(low[i]):  # one figure: a thick band at it
                    ax.plot([a, b], [low[i]] * 2, color="#56B4E9", lw=7, alpha=0.8, zorder=2)
                    ax.plot([a, b], [low[i]] * 2, color="#0072B2", lw=0.8, zorder=2)
                    shown.add("range")
                ax.plot(
                    [a, b],
                    [sim[i], sim[i]],
                    color="#D55E00" if np.isfinite(low[i]) else "#E8A77F",
                    lw=2.2,
                    solid_capstyle="butt",
                    zorder=3,
                )
                shown.add("simulated" if np.isfinite(low[i]) else "unreported")
            ax.set_xlim(start, end)
            ax.set_ylim(0, top)
            ax.set_title(f"{place}, by {label}", loc="left")
            ax.set_ylabel("m3/day")
        box: dict[str, Any] = {"facecolor": "#56B4E9", "alpha": 0.45, "edgecolor": "#0072B2"}
        legend = {
            "range": (Rectangle((0, 0), 1, 1, **box), "reported range"),
            "unbounded": (Rectangle((0, 0), 1, 1, hatch="//", **box), "reported, no upper bound"),
            "simulated": (Line2D([], [], lw=2.2, color="#D55E00"), "simulated"),
            "unreported": (Line2D([], [], lw=2.2, color="#E8A77F"), "simulated (no report)"),
            "held": (Rectangle((0, 0), 1, 1, facecolor="#EEEEEE"), "held out (after the cutoff)"),
        }
        handles = [h for k, (h, _) in legend.items() if k in shown]
        labels = [t for k, (_, t) in legend.items() if k in shown]
        fig.legend(handles, labels, loc="outside lower center", ncols=3)
        for tick in axes[-1].get_xticklabels():
            tick.set_rotation(30)
            tick.set_horizontalalignment("right")
    return fig
