"""Unmet demand as the pages show it (issue 20): the per-area chart with its data table, and the shortfalls in words,
from ``View.numbers()``. Used by Oversikt and Region so both show the same figure the same way."""

from __future__ import annotations

import streamlit as st

from kompilot_data.present import charts, unmet
from kompilot_data.present.theme import wrapped
from kompilot_data.view.numbers import Numbers
from ui.design import chart_alternative, display
from ui.widgets import figure

PAGE_LABEL_WRAP = 20  # characters a line of a category label on a page chart
LINE_PX = 17  # height of a line of a category label
AXIS_ROOM = 48  # the value axis's ticks and title under the bars
AREA_TABLE_COLUMNS = ["kompetanseomrade", "ettersporsel", "tilbud_fordelt", "udekket", "overskudd"]


def shortfalls(numbers: Numbers, language: str, within: str) -> None:
    """The largest shortfalls of the selection, one sentence each, as a list."""
    st.markdown("\n".join(f"- {line}" for line in unmet.shortfall_sentences(numbers, language, within)))


def show_chart(chart: charts.Chart, key: str) -> None:
    """A chart with its note and source as a caption under it (a long source line is clipped inside the plot)."""
    fig = charts.to_plotly(chart, footer=False)
    # On a page the title is a heading above the chart and the labels get the margin they need: the slide-sized
    # title and category labels ran outside the chart on a phone. The top margin stays the one ``charts.style``
    # gives: it holds the legend and the DEMO-DATA tag (a smaller one put the tag above the chart).
    fig.update_layout(title_text="", margin={"l": 24})
    fig.update_yaxes(automargin=True)
    if chart.kind == "bar":  # long area names on two lines: on a phone they ran out of the chart's left edge
        labels = [wrapped(c, PAGE_LABEL_WRAP) for c in chart.categories]
        fig.for_each_trace(lambda trace: trace.update(y=labels) if len(trace.y or ()) == len(labels) else None)
        lines = [label.count("<br>") + 1 for label in labels]
        if max(lines, default=1) > 1:  # each category as tall as its label's lines (they overlapped at plotly's 450 px)
            room = (fig.layout.margin.t or 0) + (fig.layout.margin.b or 0) + AXIS_ROOM
            fig.update_layout(height=max(fig.layout.height or 450, room + sum(LINE_PX * n + 14 for n in lines)))
    st.markdown(f"**{chart.title}**")
    figure(fig, key=key, alt=chart.title)
    st.caption(chart.footer)


def area_unmet(numbers: Numbers, language: str, source: str, key: str) -> None:
    """Unmet demand and surplus per competence area: the chart and its data table."""
    area_chart = unmet.area_chart(numbers, language, source)
    show_chart(area_chart, key)
    chart_alternative(area_chart.title, display(numbers.per_omrade.reset_index(), columns=AREA_TABLE_COLUMNS))
