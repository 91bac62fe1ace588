import streamlit as st

import ui
from kompilot_data.present import figures, tables
from kompilot_data.records.access import readable
from ui.brokering import need_card_actions

ui.page_header("needs_title")
view = ui.view()
lang = view.language
if view.needs.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = view.records_source()


def bars(key: str, taxonomy_name: str, measure: str, chart_key: str, title: str) -> None:
    ui.count_bars(view, key, taxonomy_name, measure, chart_key, title)


ui.section(ui.T("needs_participants_title"))
left, right = st.columns(2, gap="medium")
with left:
    bars("kompetanseomrade", "kompetanseomrade", "deltakere", "behov_omrade", ui.T("needs_by_area_title"))
with right:
    table = view.counts(("kompetanseomrade", "niva"), "deltakere")
    title = ui.T("needs_treemap_title")
    ui.figure(figures.treemap_area_level(table, lang, source, title=title), key="behov_treemap", alt=title)
    ui.chart_alternative(
        title,
        tables.pivot(
            table,
            "deltakere",
            lang,
            "kompetanseomrade",
            "niva",
            figures.taxonomy.labels("kompetanseomrade", lang),
            figures.taxonomy.labels("niva", lang),
            corner=ui.T("th_kompetanseomrade"),
        ),
    )

ui.section(ui.T("needs_count_title"))
left, middle, right = st.columns(3, gap="medium")
with left:
    bars("niva", "niva", "behov", "behov_niva", ui.T("needs_by_level_title"))
with middle:
    bars("status", "behov_status", "behov", "behov_status", ui.T("needs_by_status_title"))
with right:
    bars("naering", "naering", "behov", "behov_naering", ui.T("needs_by_industry_title"))

ui.section(ui.T("records"))
# Records only as this user may read them (issue 23): a sub-region's coordinator sees that sub-region's needs,
# whatever the selection; the table, its card and its downloads all come from the same narrowed frame.
current = ui.access()
records = ui.records_view()
if records is None:
    st.info(
        ui.T("records_hidden") if not current.sees_records else ui.T("records_none_in_region", region=current.region)
    )
    st.stop()
if not current.reads_everything:
    st.caption(ui.T("records_region_only", region=current.region))
needs = readable(current, "needs", records.needs)
ui.record_table(needs, "behov_tabell", ui.T("file_needs"), kind="needs")
need_card_actions(records, "behov_tabell", needs)  # brokering for the selected need (issue 13)
