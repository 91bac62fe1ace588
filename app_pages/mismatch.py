import pandas as pd
import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.engine import matching
from kompilot_data.present import figures
from ui.flows import flow_map

ui.page_header("mismatch_title")
view = ui.view()
lang = view.language
municipalities = kd.load_municipalities()
ui.reach_controls("mismatch_reach")
min_class = st.slider(ui.T("min_class"), 4, 30, 12, key="mismatch_min_class")
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

with tab_gaps:
    st.subheader(ui.T("filter_region") + " × " + ui.T("filter_area"))
    ui.figure(
        figures.gap_heatmap(by_region, lang, source, {kd.OUTSIDE_PILOT: ui.T("outside_pilot")}),
        key="mismatch_region",
    )
    by_municipality = view.demand_supply(("kommunenummer", "kompetanseomrade"))
    if view.places is None:  # the whole county: the pilot's municipalities
        pilot = municipalities.index[municipalities["delregion"] != kd.OUTSIDE_PILOT]
        by_municipality = by_municipality[by_municipality.index.get_level_values(0).isin(pilot)]
    st.subheader(ui.T("filter_municipality") + " × " + ui.T("filter_area"))
    ui.figure(
        figures.gap_heatmap(by_municipality, lang, source, municipalities["navn"].to_dict()),
        key="mismatch_kommune",
    )

    st.subheader(ui.T("demand") + " / " + ui.T("supply"))
    per_area = view.demand_supply(("fylke", "kompetanseomrade")).droplevel("fylke")
    st.caption(ui.T("seats_counted_once"))
    ui.figure(figures.demand_supply_bars(per_area, lang, source), key="mismatch_stolper")

with tab_match:
    flow_map(view)  # aggregates: viewers see it too, protected
    if not view.audience.sees_records:
        st.info(ui.T("records_hidden"))
    else:
        ranked = view.candidates
        open_needs = view.open_needs
        st.markdown(ui.T("match_intro"))
        if len(ranked):
            best = ranked[ranked["rang"] == 1]
            st.subheader(ui.T("flow_title"))
            ui.figure(figures.sankey_area_provider(best, open_needs, active, lang), key="mismatch_sankey")
        left, right = st.columns(2)
        with left:
            st.subheader(ui.T("pick_need"))
            shown = ui.labelled(
                open_needs[
                    [
                        "behov_id",
                        "kommunenummer",
                        "kompetanseomrade",
                        "niva",
                        "laeringsform",
                        "antall_deltakere",
                        "tidsramme_fra",
                        "tidsramme_til",
                    ]
                ]
            )
            position = ui.selectable_table(shown, "match_need_table", height=320)
            if position is not None:
                need = open_needs.iloc[position]
                rows = ranked[ranked["behov_id"] == need["behov_id"]]
                if rows.empty:
                    st.warning(ui.T("no_candidates"))
                offers_by_id = active.set_index("tilbud_id", drop=False)
                for candidate in rows.itertuples(index=False):
                    offer = offers_by_id.loc[candidate.tilbud_id]
                    series = pd.Series(candidate._asdict())
                    with st.container(border=True):
                        st.markdown(
                            f"**{int(candidate.rang)}. {offer['tittel']}** – {offer['tilbyder']} "
                            f"· {ui.T('score')} {ui.number(candidate.poeng, 2)}"
                        )
                        st.markdown("\n".join(f"- {r}" for r in matching.reasons(series, need, offer, lang)))
            else:
                st.caption(ui.T("select_row_help"))
        with right:
            st.subheader(ui.T("pick_offer"))
            offer_table = ui.labelled(
                active[
                    [
                        "tilbud_id",
                        "tittel",
                        "tilbyder",
                        "kompetanseomrade",
                        "niva",
                        "laeringsform",
                        "oppstart",
                        "kapasitet",
                    ]
                ]
            )
            position = ui.selectable_table(offer_table, "match_offer_table", height=320)
            if position is not None:
                offer_id = active.iloc[position]["tilbud_id"]
                served = matching.needs_for_offer(offer_id, open_needs, active, reach=view.reach)
                if served.empty:
                    st.warning(ui.T("no_candidates"))
                else:
                    served = served.merge(open_needs[["behov_id", "kommunenummer", "antall_deltakere"]], on="behov_id")
                    st.dataframe(
                        ui.labelled(served),
                        hide_index=True,
                        width="stretch",
                        column_config={"poeng": st.column_config.NumberColumn(format="%.2f")},
                    )
            else:
                st.caption(ui.T("select_row_help"))
        st.caption(ui.T("weights_note", weights=", ".join(f"{k} {v:.0%}" for k, v in matching.WEIGHTS.items())))

with tab_pools:
    pools = view.pools(min_class)
    st.markdown(ui.T("pools_intro", min_class=min_class))
    if pools.empty:
        st.success(ui.T("no_pools"))
    else:
        reached = int(pools["min_klasse_naadd"].sum())
        st.metric(ui.T("pools_reached"), f"{reached} / {len(pools)}")
        shown = ui.labelled(pools.drop(columns=["behov_ids", "skjult"], errors="ignore"))
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={"min_klasse_naadd": st.column_config.CheckboxColumn(ui.T("min_class_reached"))},
        )
        ui.downloads(shown, "kompilot_kursmuligheter")

with tab_spots:
    st.subheader(ui.T("white_spots"))
    spots = view.white_spots
    if spots.empty:
        st.success(ui.T("no_white_spots"))
    else:
        shown = ui.labelled(
            spots[["kommunenummer", "delregion", "kompetanseomrade", "ettersporsel", "behov", "bedrifter"]]
        )
        st.dataframe(shown, width="stretch", hide_index=True)
        ui.downloads(shown, "kompilot_hvite_flekker")
