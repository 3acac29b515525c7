"""Small line charts as inline SVG: no script, no library, readable by screen readers.

Each series has its own dash pattern and marker and is labelled at its end, so no line is told
apart by colour alone; reference lines and bands carry their label in text. Pages put a data table
or a caption beside a chart for readers who cannot see it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from itertools import count

from markupsafe import Markup

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 110, 30, 36
STYLES = (
    ("#0a5a66", "", "circle"),
    ("#a4001d", "8 4", "square"),
    ("#4a3b8f", "2 3", "diamond"),
    ("#7a4100", "12 3 3 3", "circle"),
)
_ids = count(1)

X = date | float


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    points: Sequence[tuple[X, float]]
    markers: bool = True


@dataclass(frozen=True, slots=True)
class Line:
    """A horizontal line at `y` (a threshold), labelled in text."""

    y: float
    label: str


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded horizontal band (a reference range), labelled in text."""

    low: float
    high: float
    label: str


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    description: str
    series: Sequence[Series]
    y_label: str
    lines: Sequence[Line] = field(default_factory=tuple)
    bands: Sequence[Band] = field(default_factory=tuple)
    log_y: bool = False


def line_chart(chart: Chart, *, x_label: str = "") -> Markup:
    """The chart as an <svg> element with a title and description for assistive technology."""
    points = [p for s in chart.series for p in s.points]
    if not points:
        return Markup("")
    scale = _Scale.fit(chart, points)
    uid = next(_ids)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-t{uid} chart-d{uid}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-t{uid}">{escape(chart.title)}</title>',
        f'<desc id="chart-d{uid}">{escape(chart.description)}</desc>',
        '<rect x="0" y="0" width="100%" height="100%" fill="#fff"/>',
        *(_band(b, scale) for b in chart.bands),
        *_axes(scale, chart.y_label, x_label),
        *(_line(r, scale) for r in chart.lines),
        *(_series(s, i, scale) for i, s in enumerate(chart.series)),
        "</svg>",
    ]
    return Markup("".join(parts))


@dataclass(frozen=True, slots=True)
class _Scale:
    x_min: float
    x_max: float
    y_min: float
    y_max: float
    log_y: bool
    dates: bool

    @classmethod
    def fit(cls, chart: Chart, points: Sequence[tuple[X, float]]) -> _Scale:
        xs = [_x(p[0]) for p in points]
        ys = [p[1] for p in points] + [r.y for r in chart.lines]
        ys += [b.low for b in chart.bands] + [b.high for b in chart.bands]
        if chart.log_y:
            positive = [y for y in ys if y > 0] or [1.0]
            low, high = min(positive), max(positive)
            y_min, y_max = 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
        else:
            y_min, y_max = min(0.0, *ys), _nice_top(max(ys))
        x_min, x_max = min(xs), max(xs)
        if x_max == x_min:
            x_min, x_max = x_min - 1, x_max + 1
        dates = isinstance(points[0][0], date)
        return cls(x_min, x_max, y_min, y_max if y_max > y_min else y_min + 1, chart.log_y, dates)

    def px(self, x: X) -> float:
        return LEFT + (_x(x) - self.x_min) / (self.x_max - self.x_min) * (WIDTH - LEFT - RIGHT)

    def py(self, y: float) -> float:
        if self.log_y:
            y = max(y, self.y_min)
            share = math.log10(y / self.y_min) / math.log10(self.y_max / self.y_min)
        else:
            share = (y - self.y_min) / (self.y_max - self.y_min)
        return HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM)

    def y_ticks(self) -> list[float]:
        if self.log_y:
            lo, hi = round(math.log10(self.y_min)), round(math.log10(self.y_max))
            return [10.0**e for e in range(lo, hi + 1)]
        step = (self.y_max - self.y_min) / 4
        return [self.y_min + step * i for i in range(5)]

    def x_ticks(self) -> list[float]:
        step = (self.x_max - self.x_min) / 4
        return [self.x_min + step * i for i in range(5)]

    def x_text(self, value: float) -> str:
        if self.dates:
            return date.fromordinal(round(value)).strftime("%d %b %y")
        return _number(value)


def _x(value: X) -> float:
    return float(value.toordinal()) if isinstance(value, date) else float(value)


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    steps = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
    return float(next(m * magnitude for m in steps if m * magnitude >= value))


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:g}"


def _axes(scale: _Scale, y_label: str, x_label: str) -> list[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#1b1b1b"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#1b1b1b"/>',
        f'<text x="4" y="14" font-size="11" fill="#1b1b1b">{escape(y_label)}</text>',
    ]
    for tick in scale.y_ticks():
        y = scale.py(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#d5dcdf"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#1b1b1b">{_number(tick)}</text>'
        )
    for tick in scale.x_ticks():
        x = scale.px(tick)
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="#1b1b1b">{escape(scale.x_text(tick))}</text>'
        )
    if x_label:
        parts.append(
            f'<text x="{(LEFT + right) / 2:.0f}" y="{HEIGHT - 4}" font-size="11" '
            f'text-anchor="middle" fill="#1b1b1b">{escape(x_label)}</text>'
        )
    return parts


def _band(band: Band, scale: _Scale) -> str:
    top, bottom = scale.py(band.high), scale.py(band.low)
    return (
        f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{max(bottom - top, 1):.1f}" fill="#e7f4e8"/>'
        f'<text x="{WIDTH - RIGHT + 4}" y="{(top + bottom) / 2 + 4:.1f}" font-size="11" '
        f'fill="#1d5e20">{escape(band.label)}</text>'
    )


def _line(line: Line, scale: _Scale) -> str:
    y = scale.py(line.y)
    return (
        f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#4a4a4a" '
        f'stroke-dasharray="6 4"/><text x="{WIDTH - RIGHT + 4}" y="{y + 4:.1f}" font-size="11" '
        f'fill="#1b1b1b">{escape(line.label)}</text>'
    )


def _series(series: Series, index: int, scale: _Scale) -> str:
    colour, dash, marker = STYLES[index % len(STYLES)]
    coords = [(scale.px(x), scale.py(y)) for x, y in series.points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [
        f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
    ]
    if series.markers and len(coords) <= 60:
        parts += [_marker(marker, x, y, colour) for x, y in coords]
    end_x, end_y = coords[-1]
    parts.append(
        f'<text x="{min(end_x + 6, WIDTH - RIGHT + 4):.1f}" y="{end_y - 6:.1f}" font-size="11" '
        f'font-weight="700" fill="{colour}">{escape(series.name)}</text>'
    )
    return "".join(parts)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'
