import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data.present import figures, maps, summaries
from kompilot_data.present.safe_text import plain
from kompilot_data.records import errors
from kompilot_data.records import evu_klasse as corrections
from kompilot_data.reference import evu, taxonomy

ui.page_header("offers_title")
view = ui.view()
offers = view.offers
lang = view.language
if offers.empty:
    st.info(ui.T("no_data"))
    st.stop()
source = view.records_source(needs=False)


def bars(counts, axis: str, chart_key: str, title: str, what: str, category: str) -> None:
    """Bars of offers (or seats) per ``category`` (a ``th_`` column), largest on top, with the text alternative."""
    counts = counts[counts > 0]
    summary = summaries.ranking(counts, lang, what)
    ui.figure(figures.bar_counts(counts, lang, axis, source, title), key=chart_key, alt=summary)
    frame = counts.rename(axis).rename_axis(ui.T(f"th_{category}")).reset_index()
    frame[axis] = [ui.number(v) for v in frame[axis]]
    ui.chart_alternative(title, frame, summary)


ui.section(ui.T("offers_what_title"))
left, right = st.columns(2, gap="medium")
with left:
    counts = offers.groupby(offers["tilbyder"].astype(str)).size().nlargest(12)
    bars(
        counts,
        ui.T("offers_count"),
        "tilbud_tilbyder",
        ui.T("offers_by_provider_title"),
        ui.T("unit_offers"),
        "tilbyder",
    )
with right:
    # This chart adds up every intake in the data, closed ones too: its title says so (issue 20).
    years = offers["oppstart"].dt.year.dropna().astype(int)
    counts = figures.labelled(view.offer_counts("kompetanseomrade", "plasser"), "kompetanseomrade", lang)
    bars(
        counts,
        ui.T("seats"),
        "tilbud_omrade",
        ui.T("offers_capacity_all_intakes_title", first=years.min(), last=years.max()),
        ui.T("unit_seats"),
        "kompetanseomrade",
    )
    st.caption(ui.T("seats_available_note"))

left, right = st.columns(2, gap="medium")
with left:
    counts = figures.labelled(view.offer_counts("niva"), "niva", lang)
    bars(counts, ui.T("offers_count"), "tilbud_niva", ui.T("offers_by_level_title"), ui.T("unit_offers"), "niva")
with right:
    counts = figures.labelled(view.offer_counts("studieform"), "studieform", lang)
    bars(counts, ui.T("offers_count"), "tilbud_form", ui.T("offers_by_mode_title"), ui.T("unit_offers"), "studieform")

counts = figures.labelled(view.offer_counts("evu_klasse", "plasser"), "evu_klasse", lang)
bars(counts, ui.T("seats"), "tilbud_klasse", ui.T("offers_seats_by_class_title"), ui.T("unit_seats"), "evu_klasse")
st.caption(ui.T("offers_class_note_on" if ui.current_filters().ordinaere else "offers_class_note_off"))

ui.section(ui.T("start_timeline"))
title = ui.T("offers_timeline_title")
ui.figure(figures.offers_timeline(offers, lang, title=title), key="tilbud_tidslinje", alt=title)
ui.chart_alternative(
    title,
    ui.display(
        offers.sort_values("oppstart"), columns=["oppstart", "tittel", "tilbyder", "kompetanseomrade", "kapasitet"]
    ),
)

ui.section(ui.T("offers_map"))
placed = offers.dropna(subset=["lat", "lon"])
table = view.municipality_table
title = ui.T("offers_map_title")
fig = maps.offer_map(table, placed, lang, title=title, **ui.map_geometry())  # polygons as static files (issue 17)
ui.figure(fig, key="tilbud_kart", alt=title)
st.caption(f"{ui.T('online')}: {ui.number(offers['lat'].isna().sum())} · " + kd.source_line("studiesteder", lang))

ui.section(ui.T("records"))
ui.record_table(offers, "tilbud_tabell", ui.T("file_offers"), kind="offers")


def correct_class() -> None:
    """Coordinators: correct one offer's EVU class; the correction is kept when the offers are imported again."""
    if ui.files_mode() or not ui.access().can_edit:
        return
    current = ui.access()
    ui.section(ui.T("evu_correct_title"))
    st.caption(ui.T("evu_correct_help"))
    everything = ui.all_offers()
    labels = taxonomy.labels("evu_klasse", lang)
    options = everything["tilbud_id"].astype(str).tolist()
    names = dict(
        zip(options, everything["tittel"].astype(str) + " – " + everything["tilbyder"].astype(str), strict=True)
    )
    classes = dict(zip(options, everything["evu_klasse"].astype(str), strict=True))
    with st.form("evu_klasse_korreksjon", clear_on_submit=False):
        chosen = st.selectbox(
            ui.T("evu_correct_offer"),
            options,
            index=None,
            format_func=lambda i: f"{names[i]} ({i}) · {labels[classes[i]]}",
            placeholder=ui.T("evu_correct_offer_placeholder"),
        )
        klasse = st.selectbox(ui.T("th_evu_klasse"), list(evu.EVU_KLASSER), format_func=labels.get)
        reason = st.text_input(ui.T("evu_correct_reason"))
        saved = st.form_submit_button(ui.T("evu_correct_save"))
    if saved and chosen:
        try:
            corrections.set_class(ui.engine(), chosen, klasse, current.user, reason, access=current)
        except Exception as error:
            st.error(plain(errors.log(error, "evu_klasse", lang)), icon=":material/error:")
            return
        ui.refresh_data_version()
        st.success(ui.T("evu_correct_saved", offer=plain(names[chosen]), klasse=labels[klasse]))


correct_class()
