"""The charts of organisers' reports: valid PNG images of a sensible size, drawn from the numbers given (read back
from the drawing itself), with hidden counts drawn as no bar and marked, and the small-numbers rule."""

from __future__ import annotations

import io
import struct

import pytest

from handlers.reports import charts
from handlers.reports.charts import Series
from handlers.reports.privacy import as_text, shown

PNG = b"\x89PNG\r\n\x1a\n"


def size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG)
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize(("count", "fewer_than", "expected"), [(0, 3, 0), (1, 3, None), (2, 3, None), (3, 3, 3),
                                                              (120, 3, 120), (1, 1, 1), (4, 5, None)])
def test_fewer_than_the_floor_is_hidden_but_none_is_shown(count, fewer_than, expected):
    assert shown(count, fewer_than) == expected
    assert as_text(count, fewer_than, "fewer than 3") == ("fewer than 3" if expected is None else str(count))


def test_a_bar_chart_is_a_png_of_sensible_size_holding_the_numbers_given(monkeypatch):
    drawn: list[list[float]] = []
    real = charts.Figure.add_subplot

    def watching(figure, *args, **kwargs):
        axes = real(figure, *args, **kwargs)
        original = axes.bar

        def bar(positions, heights, *more, **named):
            drawn.append(list(heights))
            return original(positions, heights, *more, **named)

        axes.bar = bar
        return axes

    monkeypatch.setattr(charts.Figure, "add_subplot", watching)
    png = charts.bars("Commitments by theme", ["Detention", "Data", "Access to health"],
                      [Series("made", (12, 4, None)), Series("done", (5, None, 0))], y_label="commitments",
                      hidden_label="fewer than 3")
    assert size(png) == (800, 450) and 10_000 < len(png) < 500_000
    assert drawn == [[12, 4, 0], [5, 0, 0]]  # a hidden count is no bar


def test_a_line_chart_over_time_and_labels_in_other_scripts_draw():
    png = charts.lines("Engagements dans le temps", ["2027-01", "2027-02", "2027-03"],
                       [Series("pris", (3, 7, None)), Series("tenus", (0, 4, 6))], y_label="engagements",
                       hidden_label="moins de 3")
    assert size(png) == (800, 450)
    png = charts.bars("Обязательства", ["Задержание"], [Series("взято", (5,))], y_label="число",
                      hidden_label="меньше 3")
    assert size(png) == (800, 450)
    assert io.BytesIO(png).read(8) == PNG
