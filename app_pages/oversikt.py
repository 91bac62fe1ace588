import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present import figures, summaries, tables, trends, unmet
from kompilot_data.reference import source_line, taxonomy
from kompilot_data.reference.i18n import format_date
from kompilot_data.view import parse_since
from kompilot_data.view.filters import DATE_MIN
from ui import story

ui.page_header("overview_title", "overview_intro")
view = ui.view()
lang = view.language
source = view.records_source()
areas = taxonomy.labels("kompetanseomrade", lang)
stages = taxonomy.labels("behov_status", lang)

setting = view.key.reach
reach_words = ui.T(f"within_{setting.unit}", limit=ui.number(setting.limit))
numbers = view.numbers()  # the one set of numbers every surface shows (issue 20)
within = unmet.within_words(setting, lang)
within_short = unmet.within_words(setting, lang, short=True)
demand_source = view.records_source(offers="supply")
ui.key_figures(
    [
        (ui.T("story_kpi_open_businesses"), ui.protected(numbers.bedrifter, mark=view.total_mark)),
        (ui.T("story_kpi_open_needs"), ui.protected(numbers.apne_behov, mark=view.total_mark)),
        (ui.T("story_kpi_open_participants"), ui.protected(numbers.deltakere, mark=view.total_mark)),
        (ui.T("story_kpi_unmet"), ui.protected(numbers.udekket, mark=view.total_mark), ui.T("story_kpi_unmet_help")),
        (
            ui.T("kpi_offers_in_reach"),
            ui.number(numbers.tilbud_innen_rekkevidde),
            ui.T("kpi_offers_in_reach_help", reach=within, here=ui.number(len(view.offers))),
        ),
    ],
    source=demand_source,
    demo=numbers.demo,
    key="kpis_overview",
)
st.caption(
    ui.T("story_open_caption") + " " + ui.T("story_background_on" if numbers.bakgrunn else "story_background_off")
)

if view.needs.empty:
    st.info(ui.T("no_data"))
    st.stop()

# The first screen answers the question: where is demand left without a seat (issue 20 §4).
ui.section(ui.T("story_unmet_title"))
chart_column, words_column = st.columns([3, 2], gap="medium")
with words_column:
    st.subheader(ui.T("story_shortfalls_title"), anchor=False)
    if numbers.demo:
        st.badge(ui.T("demo_tag"), icon=":material/science:", color="orange")
    story.shortfalls(numbers, lang, within_short)
    st.caption(ui.T("story_kpi_unmet_help"))
with chart_column:
    unmet_chart = unmet.unmet_chart(numbers, lang, demand_source, within_short)
    story.show_chart(unmet_chart, key="udekket_kommune")
ranked = unmet.ranked_municipalities(numbers)
ui.chart_alternative(
    ui.T("story_unmet_title"),
    ui.display(ranked, columns=["navn", "delregion", "ettersporsel", "tilbud_fordelt", "udekket", "overskudd"]),
    " ".join(unmet.shortfall_sentences(numbers, lang, within_short)),
)

tab_demand, tab_trends, tab_pipeline, tab_history = st.tabs(
    [ui.T("story_tab_demand"), ui.T("story_tab_trends"), ui.T("story_tab_pipeline"), ui.T("story_tab_history")]
)
with tab_demand:
    story.area_unmet(numbers, lang, demand_source, key="udekket_omrade")

with tab_history:
    st.caption(ui.T("story_history_intro"))
    ui.key_figures(
        [
            (ui.T("story_kpi_history_needs"), ui.protected(numbers.historikk_behov, mark=view.total_mark)),
            (ui.T("story_kpi_history_participants"), ui.protected(numbers.historikk_deltakere, mark=view.total_mark)),
        ],
        source=source,
        demo=view.demo,
        key="kpis_history",
    )
    ui.section(ui.T("story_history_participants_title"))
    st.caption(ui.T("overview_participants_note"))
    table = view.counts(("delregion", "kompetanseomrade"), "deltakere")
    panels = figures.small_multiple_figures(table, lang, source)
    for row in (panels[:2], panels[2:]):
        for column, fig in zip(st.columns(2, gap="medium"), row, strict=True):
            with column:
                ui.figure(fig, key=f"smamultipler_{panels.index(fig)}", alt=fig.layout.title.text)
    cross = tables.pivot(
        table, "deltakere", lang, "kompetanseomrade", "delregion", areas, corner=ui.T("th_kompetanseomrade")
    )
    totals = table["deltakere"].groupby(level="kompetanseomrade", observed=False).sum(min_count=1)
    ui.chart_alternative(
        ui.T("overview_participants_title"),
        cross,
        summaries.ranking(totals.rename(index=areas), lang, ui.T("unit_participants")),
    )


# What changed since a date (e.g. the last forum): key figures and three trend charts (issue 10 §4).
with tab_trends:
    ui.section(ui.T("trends_title"))
    st.caption(ui.T("trends_intro"))
    since = parse_since(ui.page_param("siden"), view.key.today)

    def since_changed() -> None:
        chosen = st.session_state.get("oversikt_since")
        ui.set_page_param("siden", chosen.isoformat() if chosen else None)

    st.date_input(
        ui.T("since_input"),
        value=since,
        min_value=DATE_MIN,
        max_value=view.key.today,
        format="DD.MM.YYYY" if lang == "nb" else "YYYY-MM-DD",
        help=ui.T("since_input_help"),
        key="oversikt_since",
        on_change=since_changed,
        width=260,
    )
    ui.key_figures(
        trends.since_key_figures(view, since),
        source=ui.T("since_caption", date=format_date(since, lang)) + " · " + source,
        demo=view.demo,
        key="kpis_since",
    )
    for panel in trends.panels(view):
        ui.section(panel.heading)
        ui.figure(panel.figure, key=panel.key, alt=panel.summary)
        if panel.note:
            st.caption(panel.note)
        ui.chart_alternative(panel.heading, panel.table, panel.summary)


with tab_pipeline:
    left, right = st.columns(2, gap="medium")
    with left:
        ui.section(ui.T("pipeline_by_region"))
        pipeline = view.pipeline("delregion")
        ui.figure(
            figures.funnel_by_region(pipeline, lang, source, title=ui.T("funnel_title")),
            key="trakt",
            alt=ui.T("funnel_title"),
        )
        ui.chart_alternative(
            ui.T("pipeline_by_region"),
            tables.pivot(pipeline, "behov", lang, "trinn", "delregion", stages, corner=ui.T("th_trinn")),
        )
    with right:
        ui.section(ui.T("pipeline_over_time"))
        monthly = view.counts(("maaned", "status"), "behov")
        ui.figure(
            figures.monthly_status(monthly, lang, source, title=ui.T("monthly_title")),
            key="maaned",
            alt=ui.T("monthly_title"),
        )
        ui.chart_alternative(
            ui.T("pipeline_over_time"),
            tables.pivot(monthly, "behov", lang, "maaned", "status", column_labels=stages, corner=ui.T("th_maaned")),
        )

    ui.section(ui.T("centrality_title"))
    st.caption(ui.T("centrality_intro"))
    centrality = view.centrality_table
    ui.figure(
        figures.centrality_access(
            centrality,
            lang,
            source,
            setting.limit,
            setting.unit,
            title=ui.T("centrality_chart_title", unit=setting.unit),
        ),
        key="sentralitet",
        alt=ui.T("centrality_chart_title", unit=setting.unit),
    )
    shown = centrality.reset_index()
    shown["sentralitetsklasse"] = [ui.T(f"centrality_class_{int(c)}") for c in shown["sentralitetsklasse"]]
    ui.chart_alternative(
        ui.T("centrality_title"),
        ui.display(
            shown,
            columns=["sentralitetsklasse", "apne_behov", "deltakere", "andel_innen_rekkevidde", "naermeste_snitt"],
        ),
    )

    ui.section(ui.T("pipeline_by_source"))
    by_source = view.pipeline("kilde")
    ui.figure(
        figures.pipeline_by_source(by_source, lang, source, title=ui.T("by_source_title")),
        key="arbeidsmaater",
        alt=ui.T("by_source_title"),
    )
    ui.chart_alternative(
        ui.T("pipeline_by_source"),
        tables.pivot(
            by_source,
            "behov",
            lang,
            "kilde",
            "trinn",
            taxonomy.labels("behov_kilde", lang),
            stages,
            corner=ui.T("th_kilde"),
        ),
    )
    st.caption(
        source_line("delregioner", lang)
        + " · "
        + ui.T(
            "outside_pilot_note",
            count=ui.number(int((kd.load_municipalities()["delregion"] == kd.OUTSIDE_PILOT).sum())),
        )
    )
