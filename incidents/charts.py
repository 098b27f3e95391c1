"""Figures for the theme analysis page, and the geometry of its server-drawn SVG bar chart.

No JavaScript: the chart is plain SVG laid out here and drawn by a template, with the
same figures in tables beside it as its text alternative.
"""

import math
from dataclasses import dataclass, field

# NHS identity colours, chosen to stay distinct from each other next to one another.
PROVIDER_COLOURS = ["#005eb8", "#ffb81c", "#00a499", "#330072", "#ae2573", "#ed8b00", "#41b6e6", "#78be20"]

WIDTH = 720
VALUE_GUTTER = 56  # room for the total printed after each bar
LEGEND_LINE = 24
ROW_HEIGHT = 50
LABEL_HEIGHT = 20
BAR_HEIGHT = 18
AXIS_HEIGHT = 28


@dataclass
class ThemeRow:
    theme: object
    by_month: list[int]
    by_provider: list[int]
    total: int


def theme_table(analysis) -> list[ThemeRow]:
    """One row per theme (alphabetical): counts by month and by provider, and the total."""
    rows = []
    for theme in sorted(analysis.themes, key=lambda theme: theme.name):
        by_provider = [analysis.total(theme, provider=provider) for provider in analysis.providers]
        rows.append(
            ThemeRow(
                theme=theme,
                by_month=[analysis.total(theme, month=month) for month in analysis.months],
                by_provider=by_provider,
                total=sum(by_provider),
            )
        )
    return rows


@dataclass
class Segment:
    x: float
    width: float
    colour: str
    label: str


@dataclass
class Bar:
    label: str
    total: int
    label_y: float
    bar_y: float
    end_x: float = 0
    segments: list[Segment] = field(default_factory=list)

    @property
    def value_x(self):
        return self.end_x + 6

    @property
    def value_y(self):
        return self.bar_y + 14


@dataclass
class LegendItem:
    label: str
    colour: str
    y: float

    @property
    def text_y(self):
        return self.y + 13


@dataclass
class Tick:
    x: float
    value: int


@dataclass
class BarChart:
    title: str
    description: str
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    bar_height: int
    axis_label_y: float
    legend: list[LegendItem]
    bars: list[Bar]
    ticks: list[Tick]


def theme_bar_chart(analysis) -> BarChart | None:
    """Horizontal bars of each theme's total, most frequent first, split by provider."""
    rows = sorted(theme_table(analysis), key=lambda row: (-row.total, row.theme.name))
    if not rows:
        return None
    colours = {
        provider.pk: PROVIDER_COLOURS[index % len(PROVIDER_COLOURS)]
        for index, provider in enumerate(analysis.providers)
    }
    legend = [
        LegendItem(label=provider.name, colour=colours[provider.pk], y=index * LEGEND_LINE)
        for index, provider in enumerate(analysis.providers)
    ]
    plot_top = len(legend) * LEGEND_LINE + 12
    plot_width = WIDTH - VALUE_GUTTER
    ticks = _ticks(rows[0].total)
    scale = plot_width / ticks[-1]

    bars = []
    for index, row in enumerate(rows):
        top = plot_top + index * ROW_HEIGHT
        bar = Bar(label=row.theme.name, total=row.total, label_y=top + 14, bar_y=top + LABEL_HEIGHT)
        for provider, count in zip(analysis.providers, row.by_provider, strict=True):
            if count:
                bar.segments.append(
                    Segment(
                        x=bar.end_x,
                        width=count * scale,
                        colour=colours[provider.pk],
                        label=f"{provider.name}: {count}",
                    )
                )
                bar.end_x += count * scale
        bars.append(bar)
    plot_bottom = plot_top + len(rows) * ROW_HEIGHT
    top_theme = rows[0]
    period = f"{analysis.months[0]:%B %Y} to {analysis.months[-1]:%B %Y}"
    return BarChart(
        title=f"Learning themes, {period}",
        description=(
            f"Horizontal bar chart of how many items of signed-off learning were tagged with each of "
            f"{len(rows)} themes, most frequent first, each bar split by provider. The most frequent "
            f"theme was {top_theme.theme.name} ({top_theme.total}). The tables below give the same figures."
        ),
        width=WIDTH,
        height=int(plot_bottom + AXIS_HEIGHT),
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bar_height=BAR_HEIGHT,
        axis_label_y=plot_bottom + 18,
        legend=legend,
        bars=bars,
        ticks=[Tick(x=value * scale, value=value) for value in ticks],
    )


def _ticks(maximum: int, target: int = 5) -> list[int]:
    """Whole-number axis ticks from 0 with a 1-2-5 step, the last at or above ``maximum``."""
    maximum = max(maximum, 1)
    magnitude = 10 ** math.floor(math.log10(maximum / target)) if maximum > target else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude * target >= maximum)
    return list(range(0, math.ceil(maximum / step) * step + 1, step))
