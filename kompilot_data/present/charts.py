"""Briefing charts as data: one model, drawn as a plotly figure (app, HTML, PNG) and as a native PowerPoint chart.

A :class:`Chart` holds what a chart says – categories, series, value title, source line, whether it is
built on demo records – and nothing about how it is drawn. :func:`to_plotly` draws it for the screen,
:func:`kompilot_data.present.slides.add_chart` as a python-pptx chart a presenter can restyle, with no browser
involved.
Suppressed values (cells built on fewer than three businesses) are ``None`` and show as "<3".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from kompilot_data.engine.disclosure import SUPPRESSED
from kompilot_data.present.safe_text import html_text
from kompilot_data.present.theme import add_demo_tag, add_source
from kompilot_data.reference.i18n import format_number, format_percent, plotly_separators

FONT = "Source Sans Pro, Arial, sans-serif"
INK = "#1B2733"
# Sizes in px for the screen and PNGs (1600 × 900), readable from the back of a room.
TITLE_SIZE = 26
TEXT_SIZE = 18
SOURCE_SIZE = 16


@dataclass(frozen=True)
class Series:
    """One series: a name (legend), values per category (``None`` = hidden), a colour.

    ``point_colours`` (optional) colours each bar on its own, e.g. proposals that reach the minimum class;
    ``marks`` (optional) say why a value is hidden ("<3" or ":"); without them a hidden value shows "<3".
    """

    name: str
    values: tuple[float | None, ...]
    colour: str
    point_colours: tuple[str, ...] | None = None
    marks: tuple[str, ...] | None = None  # per category: "<3", ":" where the View hid the value, else ""

    def labels(self, chart: Chart) -> list[str]:
        """The value labels as shown: the number, or the mark of a hidden value (:meth:`Chart.text`)."""
        marks = self.marks or ("",) * len(self.values)
        return [chart.text(v, m) for v, m in zip(self.values, marks, strict=True)]


@dataclass(frozen=True)
class Chart:
    """A bar chart (horizontal bars, first category on top), a column chart (vertical bars side by side, first
    category on the left: periods in time order) or a line chart, with its source line."""

    kind: str  # "bar", "column" or "line"
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_title: str
    source: str
    language: str
    demo: bool = False
    percent: bool = False
    decimals: int = 0
    reference: tuple[float, str] | None = None  # a value line, e.g. (12, "Minste klasse: 12")
    note: str = ""  # one line under the chart, e.g. "De 12 største av 13 forslag"
    legend: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # extra (label, colour) keys

    def text(self, value: float | None, mark: str = "") -> str:
        """A value as shown on the chart: its mark when hidden ("<3" without one), numbers in the chart's language."""
        if value is None:
            return mark or SUPPRESSED
        if self.percent:
            return format_percent(value, self.language, self.decimals)
        return format_number(value, self.language, self.decimals)

    @property
    def footer(self) -> str:
        """The line under the chart: the note (if any) and the source."""
        return f"{self.note} · {self.source}" if self.note else self.source


def to_plotly(chart: Chart, height: int | None = None, footer: bool = True) -> go.Figure:
    """The chart as a plotly figure: large title, readable source line, demo tag on the figure itself.

    ``footer=False`` leaves the note and source line out (the presentation page sets them as wrapping text).
    """
    fig = go.Figure()
    several = len(chart.series) > 1 or bool(chart.legend)
    for series in chart.series:
        values = [0 if v is None else v for v in series.values]
        labels = series.labels(chart)
        if chart.kind == "bar":
            fig.add_trace(
                go.Bar(
                    x=values,
                    y=[html_text(c) for c in chart.categories],
                    orientation="h",
                    name=html_text(series.name),
                    marker_color=list(series.point_colours) if series.point_colours else series.colour,
                    text=labels,
                    textposition="outside",
                    textfont={"size": TEXT_SIZE},
                    cliponaxis=False,
                    hovertemplate="%{y}: %{text}<extra>" + html_text(series.name) + "</extra>",
                    showlegend=several and not series.point_colours,
                )
            )
        elif chart.kind == "column":
            fig.add_trace(
                go.Bar(
                    x=[html_text(c) for c in chart.categories],
                    y=values,
                    name=html_text(series.name),
                    marker_color=list(series.point_colours) if series.point_colours else series.colour,
                    text=labels,
                    textposition="outside",
                    textfont={"size": SOURCE_SIZE},
                    cliponaxis=False,
                    hovertemplate="%{x}: %{text}<extra>" + html_text(series.name) + "</extra>",
                    showlegend=several and not series.point_colours,
                )
            )
        else:
            fig.add_trace(
                go.Scatter(
                    x=[html_text(c) for c in chart.categories],
                    y=[None if v is None else v for v in series.values],
                    name=html_text(series.name),
                    mode="lines+markers",
                    line={"color": series.colour, "width": 4},
                    marker={"size": 9},
                    hovertemplate="%{x}: %{y}<extra>" + html_text(series.name) + "</extra>",
                    showlegend=several,
                )
            )
    for label, colour in chart.legend:
        fig.add_trace(
            go.Bar(x=[None], y=[None], orientation="h", name=html_text(label), marker_color=colour, showlegend=True)
        )
    if chart.kind == "bar":
        tick_size = TEXT_SIZE if len(chart.categories) <= 8 else SOURCE_SIZE
        fig.update_yaxes(autorange="reversed", tickfont={"size": tick_size}, automargin=True)
        # The category labels' width, under-estimated, so the source line starts near the figure's left edge
        # (automargin adds the labels' real width to the left margin).
        label_room = int(12 + 0.42 * tick_size * max((len(c) for c in chart.categories), default=0))
        fig.update_xaxes(title={"text": chart.value_title, "font": {"size": TEXT_SIZE}}, tickfont={"size": 15})
        if chart.percent:
            fig.update_xaxes(tickformat=".0%")
        few = len(chart.categories)
        fig.update_layout(barmode="group", bargap=0.6 if few <= 2 else 0.45 if few <= 4 else 0.25)
    else:
        fig.update_xaxes(type="category", tickfont={"size": TEXT_SIZE})
        fig.update_yaxes(title={"text": chart.value_title, "font": {"size": TEXT_SIZE}}, tickfont={"size": 15})
    if chart.kind == "column":
        fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.06)
        fig.update_yaxes(rangemode="tozero", tickformat=",d" if not chart.percent and not chart.decimals else None)
    if chart.reference is not None:
        value, label = chart.reference
        fig.add_vline(x=value, line={"color": INK, "width": 2, "dash": "dash"})
        fig.add_annotation(
            x=value,
            y=1,
            yref="paper",
            yanchor="bottom",
            text=label,
            showarrow=False,
            font={"size": SOURCE_SIZE, "color": INK},
            xanchor="left",
        )
    if chart.kind == "bar":
        values = [v or 0 for series in chart.series for v in series.values]
        values += [chart.reference[0]] if chart.reference else []
        low, high = min([*values, 0]), max([*values, 1])
        span = high - low
        fig.update_xaxes(range=[low - 0.2 * span if low < 0 else 0, high + 0.14 * span])  # room for labels
    else:
        label_room = 80
    if chart.kind == "column":
        top = max([v or 0 for series in chart.series for v in series.values] + [1])
        fig.update_yaxes(range=[0, top * 1.15])  # room for the value labels
        label_room = 40  # the value axis's title and ticks, under-estimated
    lines = [line for line in (chart.note, chart.source) if line]
    return style(
        fig,
        chart.title,
        "<br>".join(lines) if footer else "",
        chart.language,
        chart.demo,
        several,
        height,
        62 if chart.kind == "bar" else 40,
        left=label_room,
    )


def style(
    fig: go.Figure,
    title: str,
    footer: str,
    language: str,
    demo: bool,
    legend: bool = False,
    height: int | None = None,
    below: int = 62,
    left: int = 12,
) -> go.Figure:
    """Presentation look shared by charts and the map: title top left, demo tag top right, legend under the
    title, and the source line(s) ``below`` px under the plot area (room for tick labels and the axis title),
    starting ``left`` px left of the plot area (the width of the category labels)."""
    top = 104 if legend else 64
    lines = footer.count("<br>") + 1 if footer else 0
    below = below if footer else below - 28
    fig.update_layout(
        template="plotly_white",
        separators=plotly_separators(language),
        font={"family": FONT, "size": TEXT_SIZE, "color": INK},
        title={
            "text": f"<b>{title}</b>",
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": 12, "t": 14},
            "font": {"size": TITLE_SIZE},
        },
        margin={"l": 12, "r": 40, "t": top, "b": max(12, below + 12 + 22 * lines)},
        showlegend=legend,
        legend={  # relative to the plot area: a legend placed on the container pushes the left margin
            "orientation": "h",
            "x": 0,
            "xref": "paper",
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "font": {"size": SOURCE_SIZE},
        },
        height=height,
    )
    if footer:
        add_source(fig, footer, below, slide=True, xshift=-(left - 12))
    if demo:
        add_demo_tag(fig, language, y=1, yshift=top - 14, slide=True)
    return fig
