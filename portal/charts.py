"""Server-side charts as inline SVG: no JavaScript, no CDN, nothing for the CSP to refuse.

Meaning never rests on colour: bars carry their value as text, series differ by
dash pattern and marker shape and are named in a legend, emphasised bars use a
different hatching that the legend names. The SVG is hidden from assistive
technology because every chart is rendered with its numbers as a table
(``templates/admin/dashboard/chart.html``). Everything is drawn in
``currentColor`` so the chart follows the console's light and dark themes and
prints black on white.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_FONT = 12
_CHAR_W = 6.6  # average glyph width at 12px, for laying out labels without a font engine
DASHES = ("", "7 4", "2 3")
MARKERS = ("circle", "square", "triangle")


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""


def fmt(value, decimals: int = 1) -> str:
    """A number as people read it in the current locale; "—" for no value."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return number_format(round(value, decimals), decimal_pos=decimals)
    return number_format(int(value), force_grouping=True)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _clip(text: str, chars: int) -> str:
    text = str(text)
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def _svg(key: str, width: int, height: int, body: list[str], defs: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hm-chart-svg" id="{escape(key)}-svg" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-hidden="true" focusable="false" font-size="{_FONT}" fill="currentColor">'
    )
    return mark_safe(head + "<defs>" + "".join(defs) + "</defs>" + "".join(body) + "</svg>")  # noqa: S308


def _patterns(key: str) -> list[str]:
    k = escape(key)
    return [
        f'<pattern id="{k}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="currentColor" fill-opacity="0.12"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="2.2"/></pattern>',
        f'<pattern id="{k}-cross" patternUnits="userSpaceOnUse" width="6" height="6">'
        '<rect width="6" height="6" fill="currentColor" fill-opacity="0.35"/>'
        '<path d="M0 0L6 6M6 0L0 6" stroke="currentColor" stroke-width="1.4"/></pattern>',
    ]


def bar_chart(
    *,
    key: str,
    title: str,
    items: Sequence[tuple[str, float | int | None]],
    label_header: str,
    value_header: str,
    unit: str = "",
    target: float | None = None,
    target_label: str = "",
    emphasis: Sequence[int] = (),
    emphasis_label: str = "",
    width: int = 520,
    decimals: int = 1,
) -> Chart:
    """Horizontal bars, one per item, each labelled with its value.

    ``target`` draws a dashed reference line (a deadline, a goal) named by
    ``target_label``; items whose index is in ``emphasis`` get cross-hatching,
    named in a legend by ``emphasis_label``.
    """
    items = [(str(label), value) for label, value in items]
    rows = [
        [label, fmt(value, decimals) + (f" {unit}" if unit and value is not None else "")] for label, value in items
    ]
    label_chars = min(max((len(label) for label, _ in items), default=4), 28)
    label_w = int(label_chars * _CHAR_W) + 12
    value_w = 70
    bar_area = max(width - label_w - value_w, 80)
    row_h, gap, top = 20, 6, 4
    legend = bool(emphasis and emphasis_label) or target is not None
    if legend:
        top += 22
    height = top + len(items) * (row_h + gap) + 4
    top_value = max([v or 0 for _, v in items] + [target or 0])
    scale = bar_area / (_nice_max(top_value) if top_value else 1)
    k = escape(key)
    body: list[str] = []
    lx = label_w
    if emphasis and emphasis_label:
        body.append(
            f'<rect x="{lx}" y="4" width="14" height="12" fill="url(#{k}-cross)" stroke="currentColor"/>'
            f'<text x="{lx + 20}" y="14">{escape(emphasis_label)}</text>'
        )
        lx += 30 + int(len(emphasis_label) * _CHAR_W)
    if target is not None:
        body.append(
            f'<line x1="{lx}" y1="10" x2="{lx + 18}" y2="10" stroke="currentColor" stroke-width="2" '
            f'stroke-dasharray="4 3"/><text x="{lx + 24}" y="14">{escape(target_label)}</text>'
        )
    for index, (label, value) in enumerate(items):
        y = top + index * (row_h + gap)
        bar_w = max((value or 0) * scale, 0)
        fill = f"url(#{k}-cross)" if index in emphasis else f"url(#{k}-hatch)"
        body.append(
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end"><title>{escape(label)}</title>'
            f"{escape(_clip(label, 28))}</text>"
        )
        if bar_w:
            body.append(
                f'<rect x="{label_w}" y="{y}" width="{bar_w:.1f}" height="{row_h}" fill="{fill}" '
                'stroke="currentColor" stroke-width="1"/>'
            )
        body.append(f'<text x="{label_w + bar_w + 6:.1f}" y="{y + 14}">{escape(rows[index][1])}</text>')
    if target is not None:
        x = label_w + target * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 2}" stroke="currentColor" '
            'stroke-width="2" stroke-dasharray="4 3"/>'
        )
    return Chart(
        key=key,
        title=title,
        svg=_svg(key, width, height, body, _patterns(key)),
        columns=[label_header, value_header],
        rows=rows,
    )


def _marker(shape: str, x: float, y: float) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7"/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f} {y - 4.5:.1f}L{x + 4.5:.1f} {y + 3.5:.1f}L{x - 4.5:.1f} {y + 3.5:.1f}Z"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="none" stroke="currentColor" stroke-width="1.8"/>'


def line_chart(
    *,
    key: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | int]]],
    x_header: str,
    width: int = 640,
    height: int = 220,
) -> Chart:
    """Up to three series over the same x axis (days, usually); each differs by dash and marker."""
    if len(series) > len(DASHES):
        raise ValueError(f"a line chart shows at most {len(DASHES)} series, so each keeps its own dash and marker")
    x_labels = [str(x) for x in x_labels]
    left, right, top, bottom = 44, 12, 30, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, values in series for v in values), default=0)
    y_max = _nice_max(peak) if peak else 1
    n = max(len(x_labels), 1)
    step = plot_w / max(n - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h - (v / y_max) * plot_h

    body: list[str] = []
    # Legend: a sample of each series' line and marker, then its name.
    lx = left
    for index, (name, _values) in enumerate(series):
        dash = f' stroke-dasharray="{DASHES[index]}"' if DASHES[index] else ""
        body.append(
            f'<line x1="{lx}" y1="10" x2="{lx + 26}" y2="10" stroke="currentColor" stroke-width="2"{dash}/>'
            f"{_marker(MARKERS[index], lx + 13, 10)}"
            f'<text x="{lx + 32}" y="14">{escape(name)}</text>'
        )
        lx += 48 + int(len(str(name)) * _CHAR_W)
    # Axes and gridlines at 0, half and the top.
    for fraction in (0, 0.5, 1):
        y = top + plot_h - fraction * plot_h
        value = y_max * fraction
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="currentColor" '
            f'stroke-opacity="{0.6 if fraction == 0 else 0.2}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value, 1))}</text>'
        )
    every = max(math.ceil(n / 6), 1)
    for i, label in enumerate(x_labels):
        # The last label is always shown, so a regular one too close to it is left out.
        if (i % every == 0 and n - 1 - i >= every) or i == n - 1:
            x = left + i * step
            anchor = "end" if i == n - 1 and n > 1 else "middle"
            body.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">{escape(label)}</text>')
    for index, (_name, values) in enumerate(series):
        points = [point(i, v or 0) for i, v in enumerate(values)]
        if not points:
            continue
        dash = f' stroke-dasharray="{DASHES[index]}"' if DASHES[index] else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="currentColor" stroke-width="2"{dash}/>')
        body.extend(_marker(MARKERS[index], x, y) for x, y in points)
    rows = [
        [label, *[fmt(values[i] if i < len(values) else None) for _, values in series]]
        for i, label in enumerate(x_labels)
    ]
    return Chart(
        key=key,
        title=title,
        svg=_svg(key, width, height, body, []),
        columns=[x_header, *[name for name, _ in series]],
        rows=rows,
    )
