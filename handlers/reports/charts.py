"""Charts for organisers' reports, drawn as PNG with matplotlib's object API and its Agg backend (no pyplot, no
global state, no display), so that they can be drawn in a worker thread while the bot goes on answering.

A chart is given its words already translated (title, axis label, series names, category names) and its numbers
already passed through the small-numbers rule (`hidden`): a count the rule hides is drawn as no bar at all, marked
with the rule's label, never as its value. The colours are Okabe and Ito's palette, told apart by people with the
common kinds of colour blindness; bars also differ by hatching, so a chart reads in black and white too.

Words are set in DejaVu Sans, which matplotlib ships (Latin, Cyrillic and Arabic; matplotlib lays Arabic out right to
left with its letters joined, through libraqm), falling back to Noto Sans CJK for Chinese, from the
noto-cjk-sans-otc package.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import noto_cjk_sans_otc
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from handlers.reports.figures import ROWS_DRAWN, Table

# Okabe & Ito (2008), "Color Universal Design": orange, sky blue, bluish green, blue, vermillion, purple, and their
# yellow last, as it stands out least from a white background.
PALETTE = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "++")
WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # inches and dots per inch: 800 × 450 pixels, clear on a phone
MAX_LABEL = 28  # characters of a category name under a bar

font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
FAMILIES = ["DejaVu Sans", "Noto Sans CJK SC"]  # the first that has a character draws it


def _font(size: float | None = None) -> FontProperties:
    return FontProperties(family=FAMILIES, size=size)


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name, and a value per category: a count, or the words shown instead of one the
    small-numbers rule hides (None: the chart's `hidden_label`)."""

    name: str
    values: tuple[int | str | None, ...]


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
        heights = [v if isinstance(v, int) else 0 for v in one.values]
        drawn = axes.bar(positions, heights, width, label=one.name, color=PALETTE[n % len(PALETTE)],
                         hatch=HATCHES[n % len(HATCHES)], edgecolor="#333333", linewidth=0.5)
        for bar, value in zip(drawn, one.values, strict=True):
            if not isinstance(value, int):
                axes.annotate(value or hidden_label, (bar.get_x() + bar.get_width() / 2, 0), ha="center", va="bottom",
                              fontproperties=_font(7), rotation=90, xytext=(0, 2), textcoords="offset points")
    axes.set_title(title, fontproperties=_font(12))
    axes.set_ylabel(y_label, fontproperties=_font())
    axes.set_xticks(range(len(categories)), [_short(c) for c in categories], rotation=30, ha="right",
                    fontproperties=_font(9))
    axes.yaxis.get_major_locator().set_params(integer=True)
    if len(series) > 1:
        axes.legend(prop=_font(9))
    return _png(figure)


def lines(title: str, moments: list[str], series: list[Series], *, y_label: str, hidden_label: str) -> bytes:
    """A line per series over time (weeks or months); a hidden value breaks its line there. A PNG."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    markers = ("o", "s", "^", "D", "v", "P", "X")
    marked: set[int] = set()
    for n, one in enumerate(series):
        values = [v if isinstance(v, int) else float("nan") for v in one.values]
        axes.plot(range(len(moments)), values, label=one.name, color=PALETTE[n % len(PALETTE)],
                  marker=markers[n % len(markers)], linewidth=1.8)
        for i, value in enumerate(one.values):
            if not isinstance(value, int) and i not in marked:  # one mark a moment: the broken lines say which
                marked.add(i)
                axes.annotate(value or hidden_label, (i, 0), ha="center", va="bottom", fontproperties=_font(7),
                              rotation=90, xytext=(0, 2), textcoords="offset points")
    axes.set_title(title, fontproperties=_font(12))
    axes.set_ylabel(y_label, fontproperties=_font())
    step = max(1, len(moments) // 12)
    axes.set_xticks(range(0, len(moments), step), [moments[i] for i in range(0, len(moments), step)], rotation=30,
                    ha="right", fontproperties=_font(9))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    axes.legend(prop=_font(9))
    return _png(figure)


def table_chart(table: Table, *, y_label: str, hidden_label: str) -> bytes:
    """A report's table as its chart: lines over time, or bars for its first `ROWS_DRAWN` rows; the columns the
    table marks as drawn are its series."""
    rows = table.rows if table.over_time else table.rows[:ROWS_DRAWN]
    series = [Series(table.columns[c], tuple(row.values[c] for row in rows)) for c in table.drawn]
    labels = [row.label for row in rows]
    if table.over_time:
        return lines(table.title, labels, series, y_label=y_label, hidden_label=hidden_label)
    return bars(table.title, labels, series, y_label=y_label, hidden_label=hidden_label)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()
