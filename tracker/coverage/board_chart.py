"""The board report's charts, drawn on the server as SVG (templates/board/_chart.html draws what this measures).

One chart per course: each organisation's percent at each period end, against the course's target.

- **Time axis**: a point's x is proportional to its date within the report's period, so quarterly returns
  sit a quarter apart and a monthly figure a month; ticks at month ends, every 1, 2, 3, 6 or 12 months,
  as many as fit without their labels touching.
- **Percent axis**: from a round number below both the lowest figure and the target, to 100 %, so the
  differences between 84 % and 93 % show; the target drawn as a dashed line and labelled.
- **Readable**: 16 px labels in the GOV.UK text colour; lines in colours with at least 3:1 contrast on
  white, each with its own marker shape, and dashed for figures counted from registers, so colour is never
  the only difference. A text description (`<desc>`) gives every figure; the report's tables hold them too.

No JavaScript: the same picture on screen and on paper, and nothing to wait for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.common.time import add_months, format_date
from tracker.coverage.board_rows import FROM_REGISTERS, BoardReport, CourseChart

#: The drawing's size in SVG units (CSS pixels when drawn at its natural size: 720 wide, 300 high).
WIDTH = 720
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 58, 104, 14, 46
#: Room either side of the first and last days, so a marker on them is drawn whole.
INSET = 10
FONT_SIZE = 16
#: A month-end label ("Sep 2026") at 16 px is about 70 px wide; ticks at least this far apart. Steps are
#: whole quarters past one month, so ticks fall on the quarter ends that returns are made up to.
TICK_SPACING = 88
MONTH_STEPS = (1, 3, 6, 12, 24, 60)
#: GOV.UK colours with at least 3:1 contrast against white (WCAG 1.4.11), in the order lines take them; no red,
#: which the report's RAG tags use.
COLOURS = ("#1d70b8", "#00703c", "#4c2c92", "#d53880", "#003078", "#505a5f", "#912b88", "#b58840")
MARKERS = ("circle", "square", "triangle", "diamond")
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    #: For the marker's tooltip: "Royal Free London (return), 31 March 2018: 76%".
    title: str


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    marker: str
    dashed: bool
    #: SVG path data through the points in date order (a gap is bridged, as the figures are period ends).
    path: str
    markers: list[Marker]
    #: "76% on 31 March 2018, 80% on 30 June 2018" for the description.
    summary: str


@dataclass(frozen=True)
class ChartDrawing:
    id: str
    title: str
    description: str
    #: Under the chart and naming its scrolling region: "WRAP: percent at each period end against the 85% target".
    caption: str
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    font_size: int
    y_min: int
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    target_percent: int
    target_y: float
    lines: list[Line]
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR


def y_range(values: list[int], target: int) -> tuple[int, int]:
    """(lowest percent drawn, gridline step): a round number below the lowest figure and the target, to 100."""
    lowest = min([*values, target])
    span = 100 - max(lowest - 1, 0)
    step = 5 if span <= 25 else 10 if span <= 50 else 20
    y_min = max(0, math.floor((lowest - 1) / step) * step)
    return y_min, step


def _month_end(year: int, month: int) -> date:
    return add_months(date(year, month, 1), 1) - timedelta(days=1)


def month_end_ticks(date_from: date, date_to: date, max_ticks: int) -> list[date]:
    """Month ends in [date_from, date_to] every 1, 2, 3, 6, 12… months (calendar-aligned: quarters end in March,
    June, September and December), the smallest step giving at most `max_ticks`."""
    ends = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        end = _month_end(year, month)
        if date_from <= end <= date_to:
            ends.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for step in MONTH_STEPS:
        chosen = [end for end in ends if (end.year * 12 + end.month) % step == 0]
        if len(chosen) <= max(max_ticks, 1):
            return chosen
    return ends[-1:]


def _marker_title(label: str, day: date, percent: int) -> str:
    return f"{label}, {format_date(day)}: {percent}%"


def draw_chart(chart: CourseChart, date_from: date, date_to: date, *, index: int = 0) -> ChartDrawing:
    """Measure one chart of the board report for the period [date_from, date_to]."""
    plot_left, plot_right = LEFT, WIDTH - RIGHT
    plot_top, plot_bottom = TOP, HEIGHT - BOTTOM
    span_days = max((date_to - date_from).days, 0)

    def x_of(day: date) -> float:
        if span_days == 0:
            return round((plot_left + plot_right) / 2, 1)
        share = (day - date_from).days / span_days
        return round(plot_left + INSET + share * (plot_right - plot_left - 2 * INSET), 1)

    values = [p.percent for s in chart.series for p in s.points if p is not None and p.percent is not None]
    y_min, step = y_range(values, chart.target_percent)

    def y_of(percent: float) -> float:
        return round(plot_bottom - (percent - y_min) / (100 - y_min) * (plot_bottom - plot_top), 1)

    lines = []
    for number, series in enumerate(chart.series):
        points = sorted(
            ((p.period_end, p.percent) for p in series.points if p is not None and p.percent is not None),
            key=lambda item: item[0],
        )
        markers = [
            Marker(x_of(day), y_of(percent), _marker_title(series.label, day, percent)) for day, percent in points
        ]
        path = " ".join(f"{'M' if i == 0 else 'L'}{m.x},{m.y}" for i, m in enumerate(markers))
        summary = ", ".join(f"{percent}% on {format_date(day)}" for day, percent in points) or "no figures"
        lines.append(
            Line(
                series.label,
                COLOURS[number % len(COLOURS)],
                MARKERS[number % len(MARKERS)],
                series.source == FROM_REGISTERS,
                path,
                markers,
                summary,
            )
        )
    max_ticks = int((plot_right - plot_left) // TICK_SPACING) + 1
    x_ticks = [
        Tick(x_of(end), f"{MONTHS[end.month - 1]} {end.year}") for end in month_end_ticks(date_from, date_to, max_ticks)
    ]
    y_ticks = [Tick(y_of(percent), f"{percent}%") for percent in range(y_min, 101, step)]
    title = f"{chart.course_name}: percent at each period end, {format_date(date_from)} to {format_date(date_to)}"
    description = " ".join(
        [
            f"Line chart against the {chart.target_percent}% target, drawn as a dashed line.",
            f"The percent axis runs from {y_min}% to 100%.",
            *(f"{line.label}: {line.summary}." for line in lines),
        ]
    )
    return ChartDrawing(
        id=f"board-chart-{index}",
        title=title,
        description=description,
        caption=f"{chart.course_name}: percent at each period end against the {chart.target_percent}% target",
        width=WIDTH,
        height=HEIGHT,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        font_size=FONT_SIZE,
        y_min=y_min,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        target_percent=chart.target_percent,
        target_y=y_of(chart.target_percent),
        lines=lines,
    )


def draw_charts(report: BoardReport) -> list[ChartDrawing]:
    """Every chart of the report, in the order of the page."""
    return [draw_chart(chart, report.date_from, report.date_to, index=i) for i, chart in enumerate(report.charts)]
