import pandas as pd
import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine import matching
from kompilot_data.present import figures
from kompilot_data.present.safe_text import plain
from kompilot_data.records.access import readable
from kompilot_data.reference.i18n import format_date
from ui.brokering import candidate_actions, pool_actions
from ui.flows import flow_map
from ui.occupations import occupation_section

#: Rows in each pick list on the Koble tab (100,000 needs would send megabytes to every session).
LIST_LIMIT = 1000

ui.page_header("mismatch_title")
view = ui.view()
lang = view.language
municipalities = kd.load_municipalities()
names = municipalities["navn"].to_dict()
ui.reach_controls("mismatch_reach")
active = view.supply_offers
source = view.records_source()
st.caption(ui.reach_caption() + " " + source)

by_region = view.demand_supply(("delregion", "kompetanseomrade"))
if by_region.empty:
    st.info(ui.T("no_data"))
    st.stop()

tab_gaps, tab_match, tab_pools, tab_spots = st.tabs(
    [ui.T("tab_gaps"), ui.T("tab_match"), ui.T("tab_pools"), ui.T("white_spots_short")]
)


def gap_chart(table: pd.DataFrame, key: str, section: str, labels: dict[str, str] | None = None) -> None:
    """The heatmap on a desktop, the same cells as a sorted bar list on a phone, and the cells as a table."""
    title = ui.T("gap_chart_title")
    with ui.responsive(key, phone=False):
        ui.figure(figures.gap_heatmap(table, lang, source, labels, title=title), key=key, alt=title)
    with ui.responsive(key, phone=True):
        st.caption(ui.T("gap_phone_note"))
        ui.figure(figures.gap_bar_list(table, lang, source, labels, title=title), key=f"{key}_liste", alt=title)
    cells = figures.gap_cells(table, lang, labels).sort_values("gap", ascending=False, na_position="last")
    ui.chart_alternative(
        section,
        ui.display(cells, columns=["sted", "kompetanseomrade", "gap", "ettersporsel", "tilbud_fordelt"]),
    )


with tab_gaps:
    ui.section(ui.T("gap_region_title"))
    st.caption(ui.T("gap_heatmap_note"))
    gap_chart(by_region, "mismatch_region", ui.T("gap_region_title"))

    ui.section(ui.T("gap_municipality_title"))
    by_municipality = view.demand_supply(("kommunenummer", "kompetanseomrade"))
    if view.places is None:  # the whole county: the pilot's municipalities
        pilot = municipalities.index[municipalities["delregion"] != kd.OUTSIDE_PILOT]
        by_municipality = by_municipality[by_municipality.index.get_level_values(0).isin(pilot)]
        st.caption(ui.T("gap_pilot_only"))
    gap_chart(by_municipality, "mismatch_kommune", ui.T("gap_municipality_title"), names)

    ui.section(ui.T("demand_supply_section"))
    per_area = view.demand_supply(("fylke", "kompetanseomrade")).droplevel("fylke")
    st.caption(ui.T("seats_counted_once"))
    title = ui.T("demand_supply_title")
    ui.figure(figures.demand_supply_bars(per_area, lang, source, title=title), key="mismatch_stolper", alt=title)
    ui.chart_alternative(
        title,
        ui.display(per_area.reset_index(), columns=["kompetanseomrade", "ettersporsel", "tilbud_fordelt", "gap"]),
    )
    occupation_section(view)  # needs by confirmed STYRK-08 occupation beside NAV's shortage (issue 27)

with tab_match:
    flow_map(view)  # aggregates: viewers see it too, protected
    # Needs record by record only as this user may read them (issue 23): a sub-region's coordinator matches the
    # needs of that sub-region (records_view: the selection narrowed to it, exact).
    current = ui.access()
    records = ui.records_view()
    if records is None:
        st.info(
            ui.T("records_hidden")
            if not current.sees_records
            else ui.T("records_none_in_region", region=current.region)
        )
    else:
        if not current.reads_everything:
            st.caption(ui.T("records_region_only", region=current.region))
        today = records.key.today
        ranked = records.brokering.candidates
        # One rule for which offers can be proposed (active, not already under way): the same function and day
        # as the candidates (View.brokering.candidates -> matching.rank_candidates), so both lists agree.
        proposable = matching.proposable_offers(active, today)
        # Needs whose wanted time window has ended stay in the list, marked and after the open ones.
        readable_open = readable(current, "needs", records.open_needs)
        open_needs = readable_open.assign(tidsvindu_utlopt=matching.expired_window(readable_open, today))
        open_needs = open_needs.sort_values("tidsvindu_utlopt", kind="stable")
        window_header = {"tidsvindu_utlopt": ui.T("match_window_ended_short")}
        st.markdown(ui.T("match_intro"))
        if len(ranked):
            best = ranked[ranked["rang"] == 1]
            ui.section(ui.T("flow_title"))
            title = ui.T("sankey_title")
            ui.figure(
                figures.sankey_area_provider(best, open_needs, proposable, lang, title=title),
                key="mismatch_sankey",
                alt=title,
            )
        left, right = st.columns(2, gap="medium")
        with left:
            ui.section(ui.T("pick_need"))
            need_columns = [
                "behov_id",
                "tidsvindu_utlopt",  # beside the id, so the marker is seen without scrolling sideways
                "kommunenummer",
                "kompetanseomrade",
                "niva",
                "laeringsform",
                "antall_deltakere",
                "tidsramme_fra",
                "tidsramme_til",
            ]
            listed = open_needs.head(LIST_LIMIT)  # a pick list, not a report: the sidebar filters narrow it
            shown = ui.display(listed, kind="needs", columns=need_columns, **window_header)
            position = ui.selectable_table(shown, "match_need_table", height=320)
            if len(open_needs) > LIST_LIMIT:
                st.caption(ui.T("match_list_limited", shown=ui.number(LIST_LIMIT), total=ui.number(len(open_needs))))
            expired_count = int(open_needs["tidsvindu_utlopt"].sum())
            if expired_count:
                st.caption(ui.T("match_expired_last", count=ui.number(expired_count)))
            if position is not None:
                need = listed.iloc[position]
                rows = ranked[ranked["behov_id"] == need["behov_id"]]
                if bool(need["tidsvindu_utlopt"]):
                    st.warning(
                        ui.T("match_need_window_ended", end=format_date(need["tidsramme_til"], lang)),
                        icon=":material/event_busy:",
                    )
                if rows.empty:
                    st.warning(ui.T("no_candidates"))
                offers_by_id = proposable.set_index("tilbud_id", drop=False)
                for candidate in rows.itertuples(index=False):
                    offer = offers_by_id.loc[candidate.tilbud_id]
                    series = pd.Series(candidate._asdict())
                    with st.container(border=True, key=f"match_card_{candidate.behov_id}_{candidate.rang}"):
                        marker = ""
                        if bool(candidate.tidsvindu_utlopt):
                            marker = f" · :orange-badge[:material/event_busy: {ui.T('match_window_ended_short')}]"
                        st.markdown(
                            f"**{int(candidate.rang)}. {plain(offer['tittel'])}** – {plain(offer['tilbyder'])} "
                            f"· {ui.T('score')} {ui.number(candidate.poeng, 2)}{marker}"
                        )
                        st.markdown("\n".join(f"- {plain(r)}" for r in matching.reasons(series, need, offer, lang)))
                        candidate_actions(records, need, series, offer)  # Koble / Avvis (issue 13)
            else:
                st.caption(ui.T("select_row_help"))
        with right:
            ui.section(ui.T("pick_offer"))
            offer_columns = [
                "tilbud_id",
                "tittel",
                "tilbyder",
                "kompetanseomrade",
                "niva",
                "laeringsform",
                "oppstart",
                "kapasitet",
            ]
            listed_offers = proposable.head(LIST_LIMIT)
            offer_table = ui.display(listed_offers, kind="offers", columns=offer_columns)
            position = ui.selectable_table(offer_table, "match_offer_table", height=320)
            st.caption(ui.T("match_offers_proposable"))
            if len(proposable) > LIST_LIMIT:
                st.caption(ui.T("match_list_limited", shown=ui.number(LIST_LIMIT), total=ui.number(len(proposable))))
            if position is not None:
                offer_id = listed_offers.iloc[position]["tilbud_id"]
                served = matching.needs_for_offer(
                    offer_id,
                    open_needs,
                    proposable,
                    reach=records.reach,
                    today=today,
                    rejected=records.rejected,
                    seats=records.brokering.seats,
                )
                if served.empty:
                    st.warning(ui.T("no_candidates"))
                else:
                    served = served.merge(open_needs[["behov_id", "kommunenummer", "antall_deltakere"]], on="behov_id")
                    served = served.rename(columns={"niva": "niva_poeng", "kapasitet": "kapasitet_poeng"})
                    # Best first, but needs whose window has ended after the open ones.
                    served = served.sort_values("tidsvindu_utlopt", kind="stable")
                    ui.show_table(
                        ui.display(
                            served,
                            columns=[
                                "behov_id",
                                "kommunenummer",
                                "antall_deltakere",
                                "tidsvindu_utlopt",
                                "poeng",
                                "reisetid_min",
                                "avstand_km",
                                "ferje",
                                "niva_poeng",
                                "form",
                                "avstand",
                                "tidsramme",
                                "kapasitet_poeng",
                            ],
                            **window_header,
                        ),
                        key="match_served_table",
                    )
            else:
                st.caption(ui.T("select_row_help"))
        weights = ", ".join(f"{ui.T(f'weight_{k}')} {ui.percent(v)}" for k, v in matching.WEIGHTS.items())
        st.caption(ui.T("weights_note", weights=weights))

with tab_pools:
    ui.section(ui.T("pools_title"))
    min_class = st.slider(ui.T("min_class"), 4, 30, 12, key="mismatch_min_class")
    pools = view.brokering.pools(min_class)
    st.markdown(ui.T("pools_intro", min_class=min_class))
    if pools.empty:
        st.success(ui.T("no_pools"))
    else:
        reached = int(pools["min_klasse_naadd"].sum())
        ui.key_figures(
            [(ui.T("pools_reached"), f"{ui.number(reached)} / {ui.number(len(pools))}")],
            demo=view.demo,
            key="kpis_pools",
        )
        shown = ui.display(pools)
        ui.show_table(shown)
        ui.downloads(shown, ui.T("file_pools"))
        records = ui.records_view()  # the actions act on the needs this user may read (issue 23)
        if records is not None:
            pool_actions(records, records.brokering.pools(min_class), min_class)  # Opprett tilbud fra kursmulighet

with tab_spots:
    ui.section(ui.T("white_spots"))
    spots = view.white_spots
    if spots.empty:
        st.success(ui.T("no_white_spots"))
    else:
        shown = ui.display(
            spots, columns=["kommunenummer", "delregion", "kompetanseomrade", "ettersporsel", "behov", "bedrifter"]
        )
        ui.show_table(shown)
        ui.downloads(shown, ui.T("file_white_spots"))
