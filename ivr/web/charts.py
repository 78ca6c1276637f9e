"""Charts for the operator page, drawn on the server as SVG: nothing is loaded from the internet, and the page needs no
script to show them. Each chart is an image with a name for screen readers; the page gives its figures as a table too."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# Colours with a contrast of at least 4.5:1 on white, for the text and the bars alike.
INK = "#1d2630"
BAR = "#0b5cad"
GRID = "#767676"
# No text in a chart is smaller than this (pixels).
FONT = 13


@dataclass(frozen=True)
class Box:
    width: int
    height: int
    left: int  # room for the value axis
    bottom: int  # room for the labels under the columns
    top: int = 16


def _ticks(highest: int) -> list[int]:
    """Up to five round values from 0 to at least `highest`, for the value axis."""
    step = 1
    while highest / step > 5:
        step = step * 5 // 2 if str(step).startswith("2") else step * 2
    return list(range(0, max(highest, 1) + step, step))[:7]


def columns(values: list[tuple[str, int]], name: str, chart_id: str, label_every: int = 1,
            box: Box = Box(560, 220, 40, 34)) -> Markup:
    """A column per (label, count), labels under every `label_every`-th column; `name` is said by screen readers."""
    ticks = _ticks(max((count for _, count in values), default=0))
    top_value = ticks[-1] or 1
    plot_height = box.height - box.top - box.bottom
    slot = (box.width - box.left) / max(len(values), 1)
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" role="img" '
         f'viewBox="0 0 {box.width} {box.height}" width="{box.width}" height="{box.height}" '
         f'aria-labelledby="{escape(chart_id)}-name" data-total="{sum(count for _, count in values)}" '
         f'font-size="{FONT}" fill="{INK}">'),
        f'<title id="{escape(chart_id)}-name">{escape(name)}</title>',
    ]
    for tick in ticks:
        y = box.top + plot_height * (1 - tick / top_value)
        parts.append(f'<line x1="{box.left}" x2="{box.width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
                     f'stroke-width="0.5" stroke-dasharray="2 3"/>')
        parts.append(f'<text x="{box.left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for index, (label, count) in enumerate(values):
        height = plot_height * count / top_value
        x = box.left + index * slot
        parts.append(f'<rect class="bar" x="{x + slot * 0.15:.1f}" y="{box.top + plot_height - height:.1f}" '
                     f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{BAR}" data-label="{escape(label)}" '
                     f'data-count="{count}"><title>{escape(label)}: {count}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{box.height - box.bottom + 18}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: list[tuple[str, int]], name: str, chart_id: str, width: int = 720) -> Markup:
    """A horizontal bar per (label, count), each with its count and its share of the first row (the funnel)."""
    row_height, label_width = 30, 150
    height = row_height * len(rows) + 8
    first = rows[0][1] if rows and rows[0][1] else 1
    room = width - label_width - 110
    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" role="img" '
         f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" aria-labelledby="{escape(chart_id)}-name" '
         f'font-size="{FONT + 1}" fill="{INK}">'),
        f'<title id="{escape(chart_id)}-name">{escape(name)}</title>',
    ]
    for index, (label, count) in enumerate(rows):
        y = 4 + index * row_height
        length = room * count / first
        share = 100 * count / first
        parts.append(f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row_height - 8}" '
                     f'fill="{BAR}" data-label="{escape(label)}" data-count="{count}">'
                     f'<title>{escape(label)}: {count}</title></rect>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + 19}">{count}（{share:.0f}%）</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
