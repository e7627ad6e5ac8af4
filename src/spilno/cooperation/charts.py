"""Small server-side SVG charts: an indicator's figures against its baseline and target, and a
line of effort's ratings over time. Plain SVG, no JavaScript, so pages read without scripts and
the PDF brief embeds the very same drawing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext as _

from spilno.cooperation.states import Rating

WIDTH, HEIGHT = 480, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28
# Named on every <text>: browsers fall back to a sans-serif they have, and the PDF brief (fpdf2)
# finds the DejaVu Sans it registered, so Cyrillic labels render there too.
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
RATING_COLOURS = {
    Rating.ON_TRACK: "#2e7d32",
    Rating.AT_RISK: "#f9a825",
    Rating.OFF_TRACK: "#c62828",
}


def _fmt(value: Decimal | float) -> str:
    number = float(value)
    return f"{number:,.0f}" if abs(number) >= 100 or number == int(number) else f"{number:,.1f}"


def indicator_chart(
    *,
    title: str,
    points: Sequence[tuple[dt.date, Decimal]],
    baseline: tuple[dt.date, Decimal],
    target: tuple[dt.date, Decimal],
    unit: str = "",
) -> str:
    """A line of approved figures from the baseline, with the target as a dashed goal."""
    dates = [baseline[0], target[0], *(d for d, _v in points)]
    values = [baseline[1], target[1], *(v for _d, v in points)]
    start, end = min(dates), max(dates)
    low, high = float(min(values)), float(max(values))
    if high == low:
        high = low + 1
    pad = (high - low) * 0.08
    # Never below zero for figures that are not (a share cannot be negative).
    low, high = max(low - pad, 0) if low >= 0 else low - pad, high + pad
    span = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - start).days / span

    def y(value: Decimal | float) -> float:
        return TOP + plot_h * (1 - (float(value) - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        'stroke="#bbbbbb" stroke-width="1"/>',
    ]
    for tick in (low, (low + high) / 2, high):
        parts.append(
            f'<text {FONT} x="{LEFT - 4}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#555555">{_fmt(tick)}</text>'
        )
    for year in range(start.year, end.year + 1):
        day = dt.date(year, 1, 1)
        if start <= day <= end:
            parts.append(
                f'<line x1="{x(day):.1f}" y1="{TOP}" x2="{x(day):.1f}" y2="{TOP + plot_h}" '
                'stroke="#eeeeee" stroke-width="1"/>'
                f'<text {FONT} x="{x(day):.1f}" y="{HEIGHT - 10}" font-size="10" '
                f'text-anchor="middle" fill="#555555">{year}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{y(target[1]):.1f}" x2="{LEFT + plot_w}" y2="{y(target[1]):.1f}" '
        'stroke="#1565c0" stroke-width="1" stroke-dasharray="4 3"/>'
        f'<text {FONT} x="{LEFT + plot_w - 2}" y="{y(target[1]) - 3:.1f}" font-size="10" '
        f'text-anchor="end" fill="#1565c0">{escape(_("target"))} {_fmt(target[1])}{escape(unit)}'
        "</text>"
    )
    series = [baseline, *sorted(points)]
    coords = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in series)
    parts.append(f'<polyline points="{coords}" fill="none" stroke="#333333" stroke-width="2"/>')
    for day, value in series:
        parts.append(f'<circle cx="{x(day):.1f}" cy="{y(value):.1f}" r="3" fill="#333333"/>')
    parts.append("</svg>")
    return "".join(parts)


def rating_strip(ratings: Sequence[tuple[dt.date, str, str]], *, title: str) -> str:
    """One coloured cell per review (date, rating, label), oldest on the left."""
    cell, gap, height = 56, 4, 40
    width = max(len(ratings), 1) * (cell + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
    ]
    for i, (day, rating, label) in enumerate(ratings):
        colour = RATING_COLOURS.get(Rating(rating), "#999999")
        x = i * (cell + gap)
        parts.append(
            f'<rect x="{x}" y="0" width="{cell}" height="22" fill="{colour}" rx="3">'
            f"<title>{escape(label)}</title></rect>"
            f'<text {FONT} x="{x + cell / 2}" y="35" font-size="10" text-anchor="middle" '
            f'fill="#333333">{day:%Y-%m}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
