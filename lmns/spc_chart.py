"""Server-side SVG for an SPC chart: prints, needs no JavaScript, and reads out as a sentence.

Colours follow Making Data Count (concern orange, improvement blue, common cause grey, neutral
special cause purple); each kind also has its own marker shape, so colour is never the only cue.

Colours, fonts and strokes are classes styled in static/css/app.css (the CSP refuses inline
style), and each marker shape is drawn once per chart in ``<defs>`` and placed with ``<use>``:
a quality view shows 15 charts of 24 points, so per-element attributes were most of its weight.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from html import escape

from lmns.spc import SpcResult, format_number

LEGEND = {
    "common": "Common cause",
    "improvement": "Improvement",
    "concern": "Concern",
    "neither": "Special cause (neutral)",
}
# One shape per kind of point, in LEGEND's order, centred on (0, 0) for <use> to place;
# {id} is unique per chart.
MARKERS = {
    "common": '<circle id="{id}" class="spc-marker--common" r="3.5"/>',
    "improvement": '<rect id="{id}" class="spc-marker--improvement" x="-4" y="-4" width="8" height="8"/>',
    "concern": '<polygon id="{id}" class="spc-marker--concern" points="0,-5.5 5.5,0 0,5.5 -5.5,0"/>',
    "neither": '<polygon id="{id}" class="spc-marker--neither" points="0,-5.5 5.5,4.4 -5.5,4.4"/>',
}
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
        return head + f'<text class="spc-empty" x="{width / 2}" y="{height / 2}">No data</text></svg>'

    centre = "Median" if result.is_run_chart else "Mean"
    marked = [(i, text) for i, text in annotations if 0 <= i < len(result.points)]
    kinds = [kind for kind in MARKERS if kind in {_kind(p.signal) for p in present}]
    legend, rows = _legend(result, kinds, chart_id, centre, target, width, bool(marked))
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

    def hline(v: float, start: float, end: float, cls: str) -> str:
        return f'<line class="{cls}" x1="{start:.1f}" x2="{end:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'

    out = [head, "<defs>", *(MARKERS[kind].format(id=f"{chart_id}-{kind}") for kind in kinds), "</defs>"]
    out += [legend, f'<path class="spc-axis" d="M{left} {top}V{bottom}H{right}"/>', '<g class="spc-y">']
    for v in _ticks(lo, hi):
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}">{format_number(v)}</text>')
    out.append("</g>")
    if units:
        out.append(
            f'<text class="spc-units" transform="translate(12 {(top + bottom) / 2:.1f}) rotate(-90)">'
            f"{escape(units)}</text>"
        )
    out.append('<g class="spc-x">')
    for i in _x_labels(len(labels), math.ceil(LABEL_WIDTH / slot)):
        out.append(f'<text x="{x(i):.1f}" y="{bottom + 16}">{escape(labels[i])}</text>')
    out.append("</g>")

    if result.is_run_chart and result.median is not None:
        out.append(hline(result.median, left, right, "spc-median"))
    for ph in result.phases:
        start, end = left + ph.start * slot, left + ph.end * slot
        out.append(hline(ph.mean, start, end, "spc-mean"))
        out.append(hline(ph.upper, start, end, "spc-limit"))
        out.append(hline(ph.lower, start, end, "spc-limit"))
    if target is not None:
        out.append(hline(target, left, right, "spc-target"))
    for number, (i, _text) in enumerate(marked, start=1):
        out.append(
            f'<line class="spc-annotation" x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{top}" y2="{bottom}"/>'
            f'<text class="spc-annotation-number" x="{x(i) + 3:.1f}" y="{top + 10}">{number}</text>'
        )

    # A gap in the data is a gap in the line.
    segment: list[str] = []
    for p in [*result.points, None]:
        if p is not None and p.value is not None:
            segment.append(f"{x(p.index):.1f},{y(p.value):.1f}")
            continue
        if len(segment) > 1:
            out.append(f'<polyline class="spc-line" points="{" ".join(segment)}"/>')
        segment = []

    suffix = units if units.startswith("%") else f" {units}" if units else ""
    for p in present:
        kind = _kind(p.signal)
        what = f"special cause of {kind}" if kind in ("improvement", "concern") else LEGEND[kind]
        tip = f"{escape(labels[p.index])}: {format_number(p.value)}{escape(suffix)} ({what.lower()})"
        out.append(
            f'<use class="spc-point spc-point--{kind}" href="#{chart_id}-{kind}" '
            f'x="{x(p.index):.1f}" y="{y(p.value):.1f}"><title>{tip}</title></use>'
        )
    out.append("</svg>")
    return "".join(out)


def _kind(signal: str | None) -> str:
    return signal or "common"


def _described(summary: str, labels: Sequence[str], annotations: Sequence[tuple[int, str]]) -> str:
    marks = [
        f"{number}: {text}, from {labels[i]}"
        for number, (i, text) in enumerate([a for a in annotations if 0 <= a[0] < len(labels)], start=1)
    ]
    return f"{summary} Marked on the chart: {'; '.join(marks)}." if marks else summary


def _legend(
    result: SpcResult, kinds: list[str], chart_id: str, centre: str, target, width: int, annotated: bool
) -> tuple[str, int]:
    """The legend (only what the chart shows), wrapped to the width, and how many rows it took."""
    items = [(kind, LEGEND[kind]) for kind in kinds]
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
            line = f'x1="{x + 8}" x2="{x + 8}" y1="{cy - 6}" y2="{cy + 6}"'
            out.append(f'<line class="spc-legend--annotation" {line}/>')
        elif kind in ("mean", "limit", "target"):
            out.append(f'<line class="spc-legend--{kind}" x1="{x}" x2="{x + 16}" y1="{cy}" y2="{cy}"/>')
        else:
            out.append(f'<use href="#{chart_id}-{kind}" x="{x + 8}" y="{cy}"/>')
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
