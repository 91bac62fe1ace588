"""The pydeck flow map (Mismatch → Koble; optionally a presentation step): the deck, its legend, a text
alternative, what the arcs cannot show, and the figures behind the map."""

from __future__ import annotations

import streamlit as st

from kompilot_data.engine import flows as engine_flows
from kompilot_data.present import flow_map as builders
from kompilot_data.present.safe_text import html_text
from kompilot_data.reference.i18n import t
from kompilot_data.view import View


def legend_html(data: engine_flows.FlowData, language: str) -> str:
    """The colour key (one swatch per competence area on the map) and what width and columns mean."""
    swatches = [
        f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0;white-space:nowrap">'
        f'<span style="display:inline-block;width:26px;height:6px;border-radius:3px;background:{colour};'
        f'margin-right:6px"></span>{html_text(label)}</span>'
        for label, colour in builders.flow_legend(data, language)
    ]
    r, g, b, _ = builders.COLUMN_COLOUR
    swatches.append(
        f'<span style="display:inline-flex;align-items:center;margin:0 14px 4px 0;white-space:nowrap">'
        f'<span style="display:inline-block;width:9px;height:16px;background:rgba({r},{g},{b},0.6);'
        f'margin-right:6px"></span>{html_text(t("flowmap_legend_columns", language))}</span>'
    )
    note = t("flowmap_legend_width", language)
    if data.by_area:
        note += " " + t("flowmap_legend_colour", language)
    note = html_text(note)
    return (
        f'<div style="font-size:0.95rem;line-height:1.5">{"".join(swatches)}</div>'
        f'<div style="font-size:0.85rem;color:#444">{note}</div>'
    )


def flow_map(view: View, *, height: int = builders.HEIGHT_PX, key: str = "flytkart", title: bool = True) -> None:
    """Draw the flow map for ``view`` (its filters, reach setting, audience and language).

    Coordinators see every arc; viewers see the arcs and columns built on at least 3 businesses (the rest are
    hidden, and the caption says how many). Under the map: the text alternative, the share of participants
    whose best offer is online or in-company (not drawable as arcs), and the figures behind the map.
    """
    language = view.language
    if title:
        st.header(t("flowmap_title", language))
    data = view.brokering.flows
    if data.empty:
        st.info(t("flowmap_empty", language))
        return
    summary = builders.flow_summary(data, language)
    st.caption(t("flowmap_intro", language))
    st.markdown(legend_html(data, language), unsafe_allow_html=True)
    with st.container(key=key):
        st.pydeck_chart(builders.flow_deck(data, language, height=height), height=height, alt=summary)
    st.caption(summary + " " + view.records_source() + " " + t("flowmap_credit", language))
    st.markdown(builders.placeless_sentence(data, language))
    arc_table, column_table = builders.flow_tables(data, language)
    with st.expander(t("flowmap_table", language)):
        st.markdown(f"**{t('flowmap_table_arcs', language)}**")
        st.dataframe(arc_table, hide_index=True, width="stretch")
        st.markdown(f"**{t('flowmap_table_columns', language)}**")
        st.dataframe(column_table, hide_index=True, width="stretch")
