"""Bar charts drawn on the server as inline SVG: no script, no library, readable without images.

``bar_chart`` turns a series of (date, value) into the geometry a template draws
(``backoffice/team/_bar_chart.html``), with every value and date already formatted for the
active language; the template also renders the same figures as a table.
"""

from dataclasses import dataclass

from django.utils.formats import date_format, number_format

WIDTH = 720
HEIGHT = 220
TOP = 20  # room for the label of the highest value
BOTTOM = 24  # room for the date labels
SIDE = 36  # room for a date label centred under the first or last bar
GAP = 2
LABELS = 6  # dates written under the bars, about


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    middle: float
    value: int | None  # None: no figure that day (no bar; the table says so)
    value_text: str
    day_text: str
    label: bool  # whether the date is written under the bar (a few of them only)
    live: bool = False


def grouped(n):
    """An integer with the active language's digit grouping."""
    return number_format(n, force_grouping=True)


def bar_chart(series, *, live_days=()):
    """Geometry of a bar chart for ``series``, a list of (date, value or None) in date order."""
    plot_height = HEIGHT - TOP - BOTTOM
    values = [value for _day, value in series if value is not None]
    peak = max(values, default=0)
    scale = peak or 1
    slot = (WIDTH - SIDE * 2) / max(len(series), 1)
    every = max(1, round(len(series) / LABELS))
    bars = []
    for i, (day, value) in enumerate(series):
        height = plot_height * (value or 0) / scale
        x = SIDE + i * slot + GAP / 2
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(slot - GAP, 1), 2),
                height=round(height, 2),
                middle=round(x + (slot - GAP) / 2, 2),
                value=value,
                value_text="–" if value is None else grouped(value),
                day_text=date_format(day, "SHORT_DATE_FORMAT"),
                label=(len(series) - 1 - i) % every == 0,
                live=day in live_days,
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": SIDE,
        "right": WIDTH - SIDE,
        "top": TOP,
        "baseline": TOP + plot_height,
        "label_y": HEIGHT - 6,
        "peak": peak,
        "peak_text": grouped(peak),
        "total_text": grouped(sum(values)),
        "bars": bars,
    }
