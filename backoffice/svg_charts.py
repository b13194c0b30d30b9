"""Bar charts drawn on the server as inline SVG: no script, no library, readable without images.

``bar_chart`` turns a series of (date, value) into the geometry a template draws
(``backoffice/team/_bar_chart.html``), with every value and date already formatted for the
active language; the template also renders the same figures as a table.
"""

from dataclasses import dataclass

from django.utils.formats import date_format, number_format

WIDTH = 720
HEIGHT = 220
TOP = 16
BOTTOM = 28  # room for the date labels
LEFT = 8
GAP = 2


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    value_text: str
    day_text: str
    label: bool  # whether the date is written under the bar (a few of them only)
    live: bool = False


def grouped(n):
    """An integer with the active language's digit grouping."""
    return number_format(n, force_grouping=True)


def bar_chart(series, *, live_days=()):
    """Geometry of a bar chart for ``series``, a list of (date, value) in date order."""
    plot_height = HEIGHT - TOP - BOTTOM
    peak = max((value for _day, value in series), default=0) or 1
    slot = (WIDTH - LEFT * 2) / max(len(series), 1)
    every = max(1, len(series) // 6)
    bars = []
    for i, (day, value) in enumerate(series):
        height = plot_height * value / peak
        bars.append(
            Bar(
                x=round(LEFT + i * slot + GAP / 2, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot - GAP, 1), 2),
                height=round(height, 2),
                value=value,
                value_text=grouped(value),
                day_text=date_format(day, "SHORT_DATE_FORMAT"),
                label=(len(series) - 1 - i) % every == 0,
                live=day in live_days,
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": TOP + plot_height,
        "label_y": HEIGHT - 8,
        "peak_text": grouped(max((value for _day, value in series), default=0)),
        "total_text": grouped(sum(value for _day, value in series)),
        "bars": bars,
    }
