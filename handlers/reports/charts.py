"""Charts for organisers' reports, drawn as PNG with matplotlib's object API and its Agg backend (no pyplot, no
global state, no display), so that they can be drawn in a worker thread while the bot goes on answering.

A chart is given its words already translated (title, axis label, series names, category names) and its numbers
already passed through the small-numbers rule (`hidden`): a count the rule hides is drawn as no bar at all, marked
with the rule's label, never as its value. The colours are Okabe and Ito's palette, told apart by people with the
common kinds of colour blindness; bars also differ by hatching, so a chart reads in black and white too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green, yellow, blue, vermillion, purple.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++")
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # inches and dots per inch: 800 × 450 pixels, clear on a phone
MAX_LABEL = 28  # characters of a category name under a bar


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name, and a value per category (None: hidden by the small-numbers rule)."""

    name: str
    values: tuple[int | None, ...]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…"


def bars(title: str, categories: list[str], series: list[Series], *, y_label: str, hidden_label: str) -> bytes:
    """Grouped bars, a group per category and a bar per series; a PNG."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    count = max(1, len(series))
    width = 0.8 / count
    for n, one in enumerate(series):
        positions = [i + (n - (count - 1) / 2) * width for i in range(len(categories))]
        heights = [v if v is not None else 0 for v in one.values]
        drawn = axes.bar(positions, heights, width, label=one.name, color=PALETTE[n % len(PALETTE)],
                         hatch=HATCHES[n % len(HATCHES)], edgecolor="#333333", linewidth=0.5)
        for bar, value in zip(drawn, one.values, strict=True):
            if value is None:
                axes.annotate(hidden_label, (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom",
                              fontsize=7, rotation=90, xytext=(0, 2), textcoords="offset points")
    axes.set_title(title)
    axes.set_ylabel(y_label)
    axes.set_xticks(range(len(categories)), [_short(c) for c in categories], rotation=30, ha="right")
    axes.yaxis.get_major_locator().set_params(integer=True)
    if len(series) > 1:
        axes.legend()
    return _png(figure)


def lines(title: str, moments: list[str], series: list[Series], *, y_label: str, hidden_label: str) -> bytes:
    """A line per series over time (weeks or months); a hidden value breaks its line there. A PNG."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    markers = ("o", "s", "^", "D", "v", "P", "X")
    for n, one in enumerate(series):
        values = [v if v is not None else float("nan") for v in one.values]
        axes.plot(range(len(moments)), values, label=one.name, color=PALETTE[n % len(PALETTE)],
                  marker=markers[n % len(markers)], linewidth=1.8)
        for i, value in enumerate(one.values):
            if value is None:
                axes.annotate(hidden_label, (i, 0), ha="center", va="bottom", fontsize=7, rotation=90)
    axes.set_title(title)
    axes.set_ylabel(y_label)
    step = max(1, len(moments) // 12)
    axes.set_xticks(range(0, len(moments), step), [moments[i] for i in range(0, len(moments), step)], rotation=30,
                    ha="right")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    axes.legend()
    return _png(figure)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()
