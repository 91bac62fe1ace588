"""Unmet demand as the pages show it (issue 20): the per-area chart with its data table, and the shortfalls in words,
from ``View.numbers()``. Used by Oversikt and Region so both show the same figure the same way."""

from __future__ import annotations

import streamlit as st

from kompilot_data.present import charts, unmet
from kompilot_data.view.numbers import Numbers
from ui.design import chart_alternative, display
from ui.widgets import figure

AREA_TABLE_COLUMNS = ["kompetanseomrade", "ettersporsel", "tilbud_fordelt", "udekket", "overskudd"]


def shortfalls(numbers: Numbers, language: str, within: str) -> None:
    """The largest shortfalls of the selection, one sentence each, as a list."""
    st.markdown("\n".join(f"- {line}" for line in unmet.shortfall_sentences(numbers, language, within)))


def show_chart(chart: charts.Chart, key: str) -> None:
    """A chart with its note and source as a caption under it (a long source line is clipped inside the plot)."""
    fig = charts.to_plotly(chart, footer=False)
    # On a page the title is a heading above the chart and the labels get the margin they need: the slide-sized
    # title and category labels ran outside the chart on a phone.
    fig.update_layout(title_text="", margin={"t": 72, "l": 24})
    fig.update_yaxes(automargin=True)
    st.markdown(f"**{chart.title}**")
    figure(fig, key=key, alt=chart.title)
    st.caption(chart.footer)


def area_unmet(numbers: Numbers, language: str, source: str, key: str) -> None:
    """Unmet demand and surplus per competence area: the chart and its data table."""
    area_chart = unmet.area_chart(numbers, language, source)
    show_chart(area_chart, key)
    chart_alternative(area_chart.title, display(numbers.per_omrade.reset_index(), columns=AREA_TABLE_COLUMNS))
