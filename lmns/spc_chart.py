"""Server-side SVG for an SPC chart: prints, needs no JavaScript, and reads out as a sentence.

Colours follow Making Data Count (concern orange, improvement blue, common cause grey, neutral
special cause purple); each kind also has its own marker shape, so colour is never the only cue.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from html import escape

from lmns.spc import SpcResult, format_number

COLOURS = {"improvement": "#005EB8", "concern": "#ED8B00", "neither": "#330072", None: "#768692"}
LEGEND = {
    None: "Common cause",
    "improvement": "Improvement",
    "concern": "Concern",
    "neither": "Special cause (neutral)",
}
TEXT = "#212B32"
LINE = "#425563"
LIMIT = "#768692"
TARGET = "#DA291C"
ANNOTATION = "#4C6272"
FONT = 'font-family="Arial, sans-serif" font-size="11"'
ROW = 16  # legend row height
LABEL_WIDTH = 64  # room an x label like "Sep 2025" needs


def spc_svg(
    result: SpcResult,
    *,
    labels: Sequence[str],
    title: str,
    units: str = "",
    target: float | None = None,
    width: int = 640,
    height: int = 240,
    chart_id: str | None = None,
    annotations: Sequence[tuple[int, str]] = (),
) -> str:
    """An accessible inline ``<svg>`` for ``result``; ``labels`` name the points (e.g. months).

    Safe to ``mark_safe``: every caller-supplied text (title, labels, units) and the summary go
    through ``html.escape``, and everything else is numbers we format. ``target`` defaults to
    the one given to ``xmr``. ``chart_id`` keeps ids unique when a page shows several charts;
    by default it is derived from the content. ``annotations`` are (point index, text) pairs,
    such as the start of a PDSA cycle: each is a dashed vertical line numbered 1, 2, ... at the
    top, and the description says what each number is.
    """
    if len(labels) != len(result.points):
        raise ValueError(f"{len(labels)} labels for {len(result.points)} points")
    target = result.target if target is None else target
    chart_id = (
        chart_id
        or "spc-" + hashlib.sha1(repr((title, list(labels), result.points)).encode()).hexdigest()[:10]
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="spc-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(_described(result.summary, labels, annotations))}</desc>'
    )
    present = [p for p in result.points if p.value is not None]
    if not present:
        return (
            head + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" {FONT}>No data</text></svg>'
        )

    centre = "Median" if result.is_run_chart else "Mean"
    marked = [(i, text) for i, text in annotations if 0 <= i < len(result.points)]
    legend, rows = _legend(result, centre, target, width, bool(marked))
    left, right, top, bottom = 56, width - 28, 8 + rows * ROW, height - 34
    slot = (right - left) / len(result.points)

    def x(i: float) -> float:
        return left + (i + 0.5) * slot

    levels = [p.value for p in present] + [v for ph in result.phases for v in (ph.lower, ph.mean, ph.upper)]
    levels += [v for v in (result.median if result.is_run_chart else None, target) if v is not None]
    lo, hi = min(levels), max(levels)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1
    lo, hi = lo - pad, hi + pad

    def y(v: float) -> float:
        return bottom - (v - lo) / (hi - lo) * (bottom - top)

    def hline(v: float, start: float, end: float, colour: str, cls: str, dash: str = "") -> str:
        dash = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<line class="{cls}" x1="{start:.1f}" x2="{end:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="{colour}" stroke-width="1.5"{dash}/>'
        )

    out = [head, f'<g fill="{TEXT}" {FONT}>', legend]
    out.append(f'<path d="M{left} {top}V{bottom}H{right}" fill="none" stroke="{TEXT}"/>')
    for v in _ticks(lo, hi):
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{format_number(v)}</text>')
    if units:
        out.append(
            f'<text transform="translate(12 {(top + bottom) / 2:.1f}) rotate(-90)" text-anchor="middle">'
            f"{escape(units)}</text>"
        )
    for i in _x_labels(len(labels), math.ceil(LABEL_WIDTH / slot)):
        out.append(f'<text x="{x(i):.1f}" y="{bottom + 16}" text-anchor="middle">{escape(labels[i])}</text>')

    if result.is_run_chart and result.median is not None:
        out.append(hline(result.median, left, right, LINE, "spc-median"))
    for ph in result.phases:
        start, end = left + ph.start * slot, left + ph.end * slot
        out.append(hline(ph.mean, start, end, LINE, "spc-mean"))
        out.append(hline(ph.upper, start, end, LIMIT, "spc-limit", "6 4"))
        out.append(hline(ph.lower, start, end, LIMIT, "spc-limit", "6 4"))
    if target is not None:
        out.append(hline(target, left, right, TARGET, "spc-target", "2 3"))
    for number, (i, _text) in enumerate(marked, start=1):
        out.append(
            f'<line class="spc-annotation" x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" y2="{bottom}" '
            f'stroke="{ANNOTATION}" stroke-width="1" stroke-dasharray="4 3"/>'
            f'<text x="{x(i) + 3:.1f}" y="{top + 10}" font-weight="bold" fill="{ANNOTATION}">{number}</text>'
        )

    # A gap in the data is a gap in the line.
    segment: list[str] = []
    for p in [*result.points, None]:
        if p is not None and p.value is not None:
            segment.append(f"{x(p.index):.1f},{y(p.value):.1f}")
            continue
        if len(segment) > 1:
            out.append(
                f'<polyline class="spc-line" points="{" ".join(segment)}" fill="none" stroke="{LINE}"/>'
            )
        segment = []

    suffix = units if units.startswith("%") else f" {units}" if units else ""
    for p in present:
        what = f"special cause of {p.signal}" if p.signal in ("improvement", "concern") else LEGEND[p.signal]
        tip = f"{escape(labels[p.index])}: {format_number(p.value)}{escape(suffix)} ({what.lower()})"
        out.append(
            _marker(
                p.signal, x(p.index), y(p.value), f' class="spc-point spc-point--{p.signal or "common"}"', tip
            )
        )
    out.append("</g></svg>")
    return "".join(out)


def _marker(signal: str | None, cx: float, cy: float, attrs: str, tip: str = "") -> str:
    fill = f' fill="{COLOURS[signal]}"'
    tip = f"<title>{tip}</title>" if tip else ""
    if signal is None:
        return f'<circle{attrs} cx="{cx:.1f}" cy="{cy:.1f}" r="3.5"{fill}>{tip}</circle>'
    if signal == "improvement":
        return f'<rect{attrs} x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8"{fill}>{tip}</rect>'
    r = 5.5
    corners = (
        [(0, -r), (r, 0), (0, r), (-r, 0)] if signal == "concern" else [(0, -r), (r, r * 0.8), (-r, r * 0.8)]
    )
    pts = " ".join(f"{cx + dx:.1f},{cy + dy:.1f}" for dx, dy in corners)
    return f'<polygon{attrs} points="{pts}"{fill}>{tip}</polygon>'


def _described(summary: str, labels: Sequence[str], annotations: Sequence[tuple[int, str]]) -> str:
    marks = [
        f"{number}: {text}, from {labels[i]}"
        for number, (i, text) in enumerate([a for a in annotations if 0 <= a[0] < len(labels)], start=1)
    ]
    return f"{summary} Marked on the chart: {'; '.join(marks)}." if marks else summary


def _legend(result: SpcResult, centre: str, target, width: int, annotated: bool = False) -> tuple[str, int]:
    """The legend (only what the chart shows), wrapped to the width, and how many rows it took."""
    signals = {p.signal for p in result.points if p.value is not None}
    items = [(s, LEGEND[s]) for s in LEGEND if s in signals]
    items.append(("mean", centre))
    if result.phases:
        items.append(("limit", "Process limits"))
    if target is not None:
        items.append(("target", "Target"))
    if annotated:
        items.append(("annotation", "Change started (numbered)"))
    out, x, row = ['<g class="spc-legend">'], 8.0, 0
    for kind, text in items:
        advance = 34 + len(text) * 6.5
        if x + advance > width and x > 8:
            x, row = 8.0, row + 1
        cy = 12 + row * ROW
        if kind == "annotation":
            out.append(
                f'<line x1="{x + 8}" x2="{x + 8}" y1="{cy - 6}" y2="{cy + 6}" stroke="{ANNOTATION}" '
                'stroke-dasharray="4 3"/>'
            )
        elif kind in ("mean", "limit", "target"):
            colour, dash = {"mean": (LINE, ""), "limit": (LIMIT, "6 4"), "target": (TARGET, "2 3")}[kind]
            dash = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{x}" x2="{x + 16}" y1="{cy}" y2="{cy}" stroke="{colour}" '
                f'stroke-width="1.5"{dash}/>'
            )
        else:
            out.append(_marker(kind, x + 8, cy, ""))
        out.append(f'<text x="{x + 20}" y="{cy + 4}">{text}</text>')
        x += advance
    out.append("</g>")
    return "".join(out), row + 1


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round values for the y axis: steps of 1, 2, 2.5 or 5 times a power of ten."""
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step)
    return [k * step for k in range(first, math.floor(hi / step) + 1)]


def _x_labels(n: int, step: int) -> list[int]:
    """Which points get an x label: the first, the last, and every ``step``-th between."""
    chosen = list(range(0, n, step))
    if chosen[-1] != n - 1:
        # The last point is always labelled; drop its neighbour rather than let them overlap.
        if n - 1 - chosen[-1] < step and len(chosen) > 1:
            chosen.pop()
        chosen.append(n - 1)
    return chosen
