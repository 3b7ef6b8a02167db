"""The board report's charts as measured for drawing: a time axis, a percent axis that shows the differences,
the target drawn and labelled, readable labels and lines, and a description holding every figure."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tracker.coverage import board_chart
from tracker.coverage.board_chart import draw_chart, month_end_ticks, y_range
from tracker.coverage.board_rows import FROM_REGISTERS, FROM_RETURN, ChartSeries, CourseChart, PeriodPoint


def point(day: date, numerator: int, denominator: int = 100, source: str = FROM_RETURN) -> PeriodPoint:
    return PeriodPoint(1, "Royal Free London", "WRAP", day, source, numerator, denominator, 85)


def chart(*series: ChartSeries) -> CourseChart:
    ends = sorted({p.period_end for s in series for p in s.points if p})
    return CourseChart("WRAP", "Workshop to Raise Awareness of Prevent (WRAP)", 85, ends, list(series))


def test_points_are_placed_by_date_so_a_monthly_figure_is_a_month_from_the_next():
    # Quarter ends, then a monthly return: on a category axis all four would be evenly spaced.
    days = [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 10, 31)]
    drawing = draw_chart(
        chart(ChartSeries("Royal Free London (return)", FROM_RETURN, [point(d, 90) for d in days])),
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    xs = [m.x for m in drawing.lines[0].markers]
    per_day = (xs[-1] - xs[0]) / (days[-1] - days[0]).days
    for x, day in zip(xs, days, strict=True):
        assert x == pytest.approx(xs[0] + (day - days[0]).days * per_day, abs=0.2)
    assert xs[3] - xs[2] < (xs[2] - xs[1]) / 2  # one month, against a quarter
    # The period's first and last days are the axis's ends (inside a small inset).
    first_day = drawing.plot_left + board_chart.INSET
    assert xs[0] == pytest.approx(first_day + 89 / 364 * (drawing.plot_right - drawing.plot_left - 20), abs=0.2)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([84, 93], (80, 5)),  # the partners' returns: 80–100 %, a line every 5 points
        ([85, 88], (80, 5)),  # the target is drawn with room below it
        ([86, 93], (80, 5)),
        ([46, 70, 93], (40, 20)),  # the council from registers pulls the axis down
        ([60, 90], (50, 10)),
        ([0, 50], (0, 20)),
        ([], (80, 5)),  # nothing but the target
    ],
)
def test_the_percent_axis_starts_below_the_lowest_figure_and_the_target(values, expected):
    assert y_range(values, 85) == expected


def test_the_target_is_drawn_across_the_plot_and_labelled():
    drawing = draw_chart(
        chart(ChartSeries("Royal Free London (return)", FROM_RETURN, [point(date(2026, 3, 31), 84)])),
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert drawing.y_min == 80 and [t.label for t in drawing.y_ticks] == ["80%", "85%", "90%", "95%", "100%"]
    assert drawing.target_y == next(t.position for t in drawing.y_ticks if t.label == "85%")
    assert drawing.plot_top < drawing.target_y < drawing.plot_bottom
    assert drawing.lines[0].markers[0].y > drawing.target_y  # 84 % is drawn below the 85 % line
    assert (
        drawing.caption
        == "Workshop to Raise Awareness of Prevent (WRAP): percent at each period end against the 85% target"
    )


def test_a_sensible_size_readable_labels_and_lines_told_apart_without_colour():
    series = [ChartSeries(f"Trust {n} (return)", FROM_RETURN, [point(date(2026, 3, 31), 80 + n)]) for n in range(5)]
    series.append(
        ChartSeries("London Borough of Barnet (from registers)", FROM_REGISTERS, [point(date(2026, 3, 31), 60)])
    )
    drawing = draw_chart(chart(*series), date(2026, 1, 1), date(2026, 12, 31))
    assert 250 <= drawing.height <= 320 and drawing.width == 720
    assert drawing.font_size >= 16 and drawing.text_colour == "#0b0c0c"
    # Drawn no narrower than 640 px (the CSS's min-width), labels are still 14 px or more.
    assert drawing.font_size * 640 / drawing.width >= 14
    assert len({(line.colour, line.marker, line.dashed) for line in drawing.lines}) == len(drawing.lines)
    assert [line.dashed for line in drawing.lines] == [False] * 5 + [True]  # figures from registers are dashed


def contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_line_colour_has_3_to_1_contrast_and_text_4_5_to_1():
    assert all(contrast_with_white(colour) >= 3 for colour in board_chart.COLOURS)
    assert contrast_with_white(board_chart.TEXT_COLOUR) >= 4.5


@pytest.mark.parametrize(
    ("date_from", "date_to", "labels"),
    [
        (date(2025, 12, 6), date(2026, 12, 5), ["Dec 2025", "Mar 2026", "Jun 2026", "Sep 2026"]),
        (date(2026, 1, 1), date(2026, 4, 30), ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]),
        (date(2017, 11, 1), date(2019, 1, 1), ["Dec 2017", "Mar 2018", "Jun 2018", "Sep 2018", "Dec 2018"]),
        (date(2017, 1, 1), date(2026, 12, 31), ["Dec 2017", "Dec 2019", "Dec 2021", "Dec 2023", "Dec 2025"]),
    ],
)
def test_ticks_fall_on_month_ends_as_many_as_fit(date_from, date_to, labels):
    drawing = draw_chart(chart(), date_from, date_to)
    assert [t.label for t in drawing.x_ticks] == labels
    positions = [t.position for t in drawing.x_ticks]
    assert all(b - a >= board_chart.TICK_SPACING - 1 for a, b in itertools.pairwise(positions))


def test_month_end_ticks_are_calendar_quarters_past_a_month():
    ticks = month_end_ticks(date(2026, 1, 1), date(2026, 12, 31), 4)
    assert ticks == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    assert month_end_ticks(date(2026, 2, 1), date(2026, 2, 27), 4) == []  # no month ends in the period


def test_a_gap_is_bridged_and_the_description_gives_every_figure():
    points = [point(date(2026, 3, 31), 88), None, point(date(2026, 9, 30), 84)]
    drawing = draw_chart(
        chart(
            ChartSeries("Barnet Enfield and Haringey Mental Health Trust (return)", FROM_RETURN, points),
            ChartSeries("Empty (return)", FROM_RETURN, [None]),
        ),
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    line = drawing.lines[0]
    assert line.path.startswith("M") and line.path.count("L") == 1
    assert line.markers[1].title == "Barnet Enfield and Haringey Mental Health Trust (return), 30 September 2026: 84%"
    assert drawing.lines[1].path == "" and drawing.lines[1].markers == []
    assert drawing.description == (
        "Line chart against the 85% target, drawn as a dashed line. The percent axis runs from 80% to 100%. "
        "Barnet Enfield and Haringey Mental Health Trust (return): 88% on 31 March 2026, 84% on 30 September 2026. "
        "Empty (return): no figures."
    )


def test_a_one_day_period_draws_its_points_in_the_middle():
    drawing = draw_chart(
        chart(ChartSeries("Royal Free London (return)", FROM_RETURN, [point(date(2026, 3, 31), 90)])),
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    assert drawing.lines[0].markers[0].x == pytest.approx((drawing.plot_left + drawing.plot_right) / 2, abs=0.1)
    assert [t.label for t in drawing.x_ticks] == ["Mar 2026"]
