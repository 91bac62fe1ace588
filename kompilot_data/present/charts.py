"""Briefing charts as data: one model, drawn as a plotly figure (app, HTML, PNG) and as a native PowerPoint chart.

A :class:`Chart` holds what a chart says – categories, series, value title, source line, whether it is
built on demo records – and nothing about how it is drawn. :func:`to_plotly` draws it for the screen,
:func:`add_to_slide` as a python-pptx chart a presenter can restyle, with no browser involved.
Suppressed values (cells built on fewer than three businesses) are ``None`` and show as "<3".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import plotly.graph_objects as go

from kompilot_data.access import SUPPRESSED
from kompilot_data.i18n import format_number, format_percent, plotly_separators, t

FONT = "Source Sans Pro, Arial, sans-serif"
INK = "#1B2733"
DEMO_COLOUR = "#B35900"
# Sizes in px for the screen and PNGs (1600 × 900), readable from the back of a room.
TITLE_SIZE = 26
TEXT_SIZE = 18
SOURCE_SIZE = 16


@dataclass(frozen=True)
class Series:
    """One series: a name (legend), values per category (``None`` = suppressed), a colour.

    ``point_colours`` (optional) colours each bar on its own, e.g. proposals that reach the minimum class.
    """

    name: str
    values: tuple[float | None, ...]
    colour: str
    point_colours: tuple[str, ...] | None = None


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

    def text(self, value: float | None) -> str:
        """A value as shown on the chart: "<3" when suppressed, numbers in the chart's language."""
        if value is None:
            return SUPPRESSED
        if self.percent:
            return format_percent(value, self.language, self.decimals)
        return format_number(value, self.language, self.decimals)

    @property
    def footer(self) -> str:
        """The line under the chart: the note (if any) and the source."""
        return f"{self.note} · {self.source}" if self.note else self.source


def write_run(paragraph, text: str, size: float, bold: bool = False, colour: str | None = None):
    """Add ``text`` to a python-pptx paragraph as a run with its own font (size in pt, colour as hex):
    run-level properties, which PowerPoint and LibreOffice both honour."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    run = paragraph.add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#"))
    return run


def unstyled(shape):
    """Drop the theme style reference (``p:style``) of a python-pptx shape: no theme shadow or outline, only
    the fill and line set explicitly (LibreOffice draws the theme's shadow even with an empty effect list)."""
    from pptx.oxml.ns import qn

    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def demo_tag(language: str) -> str:
    return t("demo_tag", language)


def to_plotly(chart: Chart, height: int | None = None, footer: bool = True) -> go.Figure:
    """The chart as a plotly figure: large title, readable source line, demo tag on the figure itself.

    ``footer=False`` leaves the note and source line out (the presentation page sets them as wrapping text).
    """
    fig = go.Figure()
    several = len(chart.series) > 1 or bool(chart.legend)
    for series in chart.series:
        values = [0 if v is None else v for v in series.values]
        labels = [chart.text(v) for v in series.values]
        if chart.kind == "bar":
            fig.add_trace(
                go.Bar(
                    x=values,
                    y=list(chart.categories),
                    orientation="h",
                    name=series.name,
                    marker_color=list(series.point_colours) if series.point_colours else series.colour,
                    text=labels,
                    textposition="outside",
                    textfont={"size": TEXT_SIZE},
                    cliponaxis=False,
                    hovertemplate="%{y}: %{text}<extra>" + series.name + "</extra>",
                    showlegend=several and not series.point_colours,
                )
            )
        elif chart.kind == "column":
            fig.add_trace(
                go.Bar(
                    x=list(chart.categories),
                    y=values,
                    name=series.name,
                    marker_color=list(series.point_colours) if series.point_colours else series.colour,
                    text=labels,
                    textposition="outside",
                    textfont={"size": SOURCE_SIZE},
                    cliponaxis=False,
                    hovertemplate="%{x}: %{text}<extra>" + series.name + "</extra>",
                    showlegend=several and not series.point_colours,
                )
            )
        else:
            fig.add_trace(
                go.Scatter(
                    x=list(chart.categories),
                    y=[None if v is None else v for v in series.values],
                    name=series.name,
                    mode="lines+markers",
                    line={"color": series.colour, "width": 4},
                    marker={"size": 9},
                    hovertemplate="%{x}: %{y}<extra>" + series.name + "</extra>",
                    showlegend=several,
                )
            )
    for label, colour in chart.legend:
        fig.add_trace(go.Bar(x=[None], y=[None], orientation="h", name=label, marker_color=colour, showlegend=True))
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
        fig.add_annotation(
            text=footer,
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-below,
            xshift=-(left - 12),
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": SOURCE_SIZE, "color": "#333333"},
        )
    if demo:
        fig.add_annotation(
            text=f"<b>{demo_tag(language)}</b>",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            yshift=top - 14,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": SOURCE_SIZE, "color": "#FFFFFF"},
            bgcolor=DEMO_COLOUR,
            borderpad=5,
        )
    return fig


def add_to_slide(chart: Chart, shapes, left: int, top: int, width: int, height: int):
    """Add ``chart`` as a native PowerPoint chart (python-pptx) to ``shapes``; returns the graphic frame.

    Bars keep the category order top to bottom; suppressed points are drawn as 0 with the label "<3".
    """
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
    from pptx.util import Pt

    data = CategoryChartData(
        number_format="0%" if chart.percent else ("#,##0" + ("." + "0" * chart.decimals if chart.decimals else ""))
    )
    # PowerPoint draws a bar chart's first category at the bottom: feed bars last-first, so the first is on top
    # (reversing the axis instead would move the value axis to the top). Columns keep their order (left first).
    order = list(range(len(chart.categories)))
    if chart.kind == "bar":
        order.reverse()
    data.categories = [chart.categories[i] for i in order]
    for series in chart.series:
        data.add_series(series.name, [0 if series.values[i] is None else series.values[i] for i in order])
    kind = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED}.get(
        chart.kind, XL_CHART_TYPE.LINE_MARKERS
    )
    bars = chart.kind in ("bar", "column")
    frame = shapes.add_chart(kind, left, top, width, height, data)
    frame.name = chart.title
    native = frame.chart
    native.font.size = Pt(14)
    native.font.name = "Arial"
    native.has_title = True
    native.chart_title.text_frame.text = chart.title
    title_font = native.chart_title.text_frame.paragraphs[0].font
    title_font.size, title_font.bold = Pt(20 if width > 8 * 914400 else 16), True
    several = len(chart.series) > 1
    native.has_legend = several
    if several:
        native.legend.position = XL_LEGEND_POSITION.TOP
        native.legend.include_in_layout = False
        native.legend.font.size = Pt(14)
    value_axis = native.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
    value_axis.tick_labels.font.size = Pt(12)
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = chart.value_title
    value_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(13)
    value_axis.axis_title.text_frame.paragraphs[0].font.bold = False
    category_axis = native.category_axis
    category_axis.tick_labels.font.size = Pt(14 if len(chart.categories) <= 7 else 12)
    category_axis.format.line.color.rgb = RGBColor(0x99, 0x99, 0x99)
    _label_every_category(category_axis)
    if bars:
        native.plots[0].gap_width = 60
        if several:
            native.plots[0].overlap = 0
    for plot_series, series in zip(native.plots[0].series, chart.series, strict=True):
        if bars:
            plot_series.invert_if_negative = False
            plot_series.format.fill.solid()
            plot_series.format.fill.fore_color.rgb = RGBColor.from_string(series.colour.lstrip("#"))
        else:
            plot_series.format.line.color.rgb = RGBColor.from_string(series.colour.lstrip("#"))
            plot_series.format.line.width = Pt(3.5)
            plot_series.smooth = False
        for position, i in enumerate(order):
            value = series.values[i]
            point = plot_series.points[position]
            if series.point_colours and bars:
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = RGBColor.from_string(series.point_colours[i].lstrip("#"))
            if bars:
                label = point.data_label
                label.has_text_frame = True
                write_run(label.text_frame.paragraphs[0], chart.text(value), 13 if chart.kind == "bar" else 11)
                label.position = XL_LABEL_POSITION.OUTSIDE_END
    return frame


def _label_every_category(axis) -> None:
    """``c:tickLblSkip = 1``: every category gets its label (LibreOffice otherwise drops every other one)."""
    from lxml import etree
    from pptx.oxml.ns import qn

    element = axis._element
    skip = element.find(qn("c:tickLblSkip"))
    if skip is None:
        skip = etree.Element(qn("c:tickLblSkip"))
        after = [element.find(qn(tag)) for tag in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")]
        after = [e for e in after if e is not None]
        if after:
            after[0].addprevious(skip)
        else:
            element.append(skip)
    skip.set("val", "1")
