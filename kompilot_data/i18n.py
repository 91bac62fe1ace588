"""All user-facing text of the dashboard in bokmål and English, and number/date formatting.

Pages and figure builders take every label from :data:`TEXTS` through :func:`t`.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    # app shell
    "app_title": {"nb": "Kompetansepilot Trøndelag", "en": "Kompetansepilot Trøndelag"},
    "app_tagline": {
        "nb": "Kompetansebehov og etter- og videreutdanning i Trøndelags distrikter",
        "en": "Competence needs and continuing education in Trøndelag's rural districts",
    },
    "nav_overview": {"nb": "Oversikt", "en": "Overview"},
    "nav_map": {"nb": "Kart", "en": "Map"},
    "nav_needs": {"nb": "Behov", "en": "Needs"},
    "nav_offers": {"nb": "Tilbud", "en": "Offers"},
    "nav_mismatch": {"nb": "Mismatch", "en": "Mismatch"},
    "nav_region": {"nb": "Region", "en": "Region"},
    "nav_about": {"nb": "Om data", "en": "About the data"},
    "nav_group_overview": {"nb": "Oversikt", "en": "Overview"},
    "nav_group_explore": {"nb": "Utforsk", "en": "Explore"},
    "nav_group_analysis": {"nb": "Analyse", "en": "Analysis"},
    "nav_group_about": {"nb": "Om", "en": "About"},
    "nav_group_present": {"nb": "Forum", "en": "Forum"},
    "language": {"nb": "Språk", "en": "Language"},
    "filters": {"nb": "Filtre", "en": "Filters"},
    "filter_region": {"nb": "Delregion", "en": "Sub-region"},
    "filter_municipality": {"nb": "Kommune", "en": "Municipality"},
    "filter_area": {"nb": "Kompetanseområde", "en": "Competence area"},
    "filter_level": {"nb": "Nivå", "en": "Level"},
    "filter_mode": {"nb": "Læringsform", "en": "Delivery mode"},
    "filter_status": {"nb": "Status (behov)", "en": "Status (needs)"},
    "filter_period": {"nb": "Periode (registrert / oppstart)", "en": "Period (registered / start)"},
    "filter_from": {"nb": "Fra", "en": "From"},
    "filter_to": {"nb": "Til", "en": "To"},
    "filter_all": {"nb": "Alle", "en": "All"},
    "filter_reset": {"nb": "Nullstill filtre", "en": "Reset filters"},
    "filter_link_help": {
        "nb": "Filtrene ligger i nettadressen: kopier lenken for å dele akkurat denne visningen.",
        "en": "The filters are in the address bar: copy the link to share exactly this view.",
    },
    "active_filters": {"nb": "Aktive filtre", "en": "Active filters"},
    "no_filters": {"nb": "Hele Trøndelag, alle behov og tilbud", "en": "All of Trøndelag, all needs and offers"},
    "demo_badge": {
        "nb": "DEMO-DATA: behov og tilbud er oppdiktet (bygd på ekte kommuner, tilbydere og mangelmønstre)",
        "en": "DEMO DATA: needs and offers are made up (built on real municipalities, providers and shortage patterns)",
    },
    "demo_short": {"nb": "Demo", "en": "Demo"},
    "outside_pilot": {"nb": "Utenfor pilot", "en": "Outside the pilot"},
    "county": {"nb": "Trøndelag", "en": "Trøndelag"},
    "no_data": {"nb": "Ingen data for dette utvalget.", "en": "No data for this selection."},
    # key figures
    "kpi_businesses": {"nb": "Bedrifter", "en": "Businesses"},
    "kpi_needs": {"nb": "Behov", "en": "Needs"},
    "kpi_participants": {"nb": "Deltakere", "en": "Participants"},
    "kpi_offers": {"nb": "Tilbud", "en": "Offers"},
    "kpi_matched": {"nb": "Åpne behov med tilbud innen rekkevidde", "en": "Open needs with an offer within reach"},
    "kpi_matched_help": {
        "nb": "Andel åpne behov (kartlagt/koblet) med minst ett aktivt tilbud i samme område og nivå innen rekkevidde.",
        "en": "Share of open needs (mapped/linked) with at least one active offer in the same area and level within reach.",
    },
    # overview
    "overview_title": {"nb": "Oversikt", "en": "Overview"},
    "overview_intro": {
        "nb": "Nøkkeltall for utvalget, per delregion, og meglingsløpet fra kartlagt behov til gjennomført tilbud.",
        "en": "Key figures for the selection, per sub-region, and the brokering pipeline from mapped need to completed offer.",
    },
    "per_subregion": {"nb": "Per delregion", "en": "Per sub-region"},
    "pipeline": {"nb": "Meglingsløpet", "en": "Brokering pipeline"},
    "pipeline_by_region": {"nb": "Meglingsløpet per delregion", "en": "Pipeline per sub-region"},
    "pipeline_by_source": {
        "nb": "Hvilke arbeidsmåter finner og møter behov? Meglingsløpet etter hvordan behovet ble funnet",
        "en": "Which working methods find and meet needs? Pipeline by how the need was found",
    },
    "pipeline_over_time": {
        "nb": "Behov registrert per måned, etter status",
        "en": "Needs registered per month, by status",
    },
    "reached_stage": {"nb": "Nådd trinnet", "en": "Reached the stage"},
    "share_reached": {"nb": "Andel som nådde trinnet", "en": "Share that reached the stage"},
    "month": {"nb": "Måned", "en": "Month"},
    "count_needs": {"nb": "Antall behov", "en": "Number of needs"},
    # map
    "map_title": {"nb": "Kart", "en": "Map"},
    "map_intro": {
        "nb": "Velg en indikator. Klikk på en kommune for å filtrere på den; klikk igjen (eller Nullstill) for å fjerne.",
        "en": "Choose an indicator. Click a municipality to filter on it; click again (or Reset) to remove.",
    },
    "map_indicator": {"nb": "Indikator", "en": "Indicator"},
    "map_show_places": {"nb": "Vis studiesteder og tilbydere", "en": "Show study places and providers"},
    "map_show_outlines": {"nb": "Vis delregioner", "en": "Show sub-regions"},
    "map_basemap": {"nb": "Bakgrunnskart (krever internett)", "en": "Basemap (needs internet)"},
    "map_table": {"nb": "Tabell", "en": "Table"},
    "map_selected": {"nb": "Valgt kommune", "en": "Selected municipality"},
    "study_places": {"nb": "Studiesteder", "en": "Study places"},
    # indicators (map and region)
    "ind_delregion": {"nb": "Kompetansepilotens delregion", "en": "Kompetansepilot sub-region"},
    "ind_sentralitet": {
        "nb": "Sentralitetsklasse (SSB, 1 = mest sentral)",
        "en": "Centrality class (SSB, 1 = most central)",
    },
    "ind_befolkning": {"nb": "Befolkning", "en": "Population"},
    "ind_befolkningsendring": {"nb": "Befolkningsendring siden 2020", "en": "Population change since 2020"},
    "ind_hoyere_utdanning": {"nb": "Andel med høyere utdanning (16 år+)", "en": "Share with higher education (16+)"},
    "ind_behov_per_1000": {"nb": "Behov per 1 000 innbyggere", "en": "Needs per 1,000 inhabitants"},
    "ind_tilbud_innen_rekkevidde": {"nb": "Aktive tilbud innen rekkevidde", "en": "Active offers within reach"},
    "ind_mismatch": {"nb": "Mismatch-indeks (D−S)/(D+S)", "en": "Mismatch index (D−S)/(D+S)"},
    "unit_persons": {"nb": "personer", "en": "persons"},
    "unit_needs_per_1000": {"nb": "behov per 1 000 innb.", "en": "needs per 1,000 inh."},
    "unit_offers": {"nb": "tilbud", "en": "offers"},
    "unit_class": {"nb": "klasse", "en": "class"},
    "records_source_demo": {
        "nb": "Beregnet av kompilot fra demodata – ikke offisiell statistikk. Kilde: demodata{span}",
        "en": "Computed by kompilot from demo data – not official statistics. Source: demo data{span}",
    },
    "records_source": {
        "nb": "Beregnet av kompilot fra registrerte behov og tilbud{span} – ikke offisiell statistikk.",
        "en": "Computed by kompilot from registered needs and offers{span} – not official statistics.",
    },
    "reach_note": {
        "nb": "Rekkevidde: luftlinje ≤ {radius} km fra kommunens representative punkt; nett- og bedriftsinterne tilbud når alle.",
        "en": "Reach: straight line ≤ {radius} km from the municipality's representative point; online and in-company offers reach all.",
    },
    # needs/offers pages
    "needs_title": {"nb": "Kompetansebehov", "en": "Competence needs"},
    "offers_title": {"nb": "Tilbud (etter- og videreutdanning)", "en": "Offers (continuing education)"},
    "by_area": {"nb": "Etter kompetanseområde", "en": "By competence area"},
    "by_level": {"nb": "Etter nivå", "en": "By level"},
    "by_industry": {"nb": "Etter næring", "en": "By industry"},
    "by_status": {"nb": "Etter status", "en": "By status"},
    "by_provider": {"nb": "Etter tilbyder", "en": "By provider"},
    "by_mode": {"nb": "Etter læringsform", "en": "By delivery mode"},
    "area_x_level": {"nb": "Kompetanseområde × nivå", "en": "Competence area × level"},
    "start_timeline": {"nb": "Oppstart over tid", "en": "Start dates over time"},
    "offers_map": {"nb": "Tilbud på kartet", "en": "Offers on the map"},
    "records": {"nb": "Poster", "en": "Records"},
    "select_row_help": {"nb": "Velg en rad for å se detaljer.", "en": "Select a row to see details."},
    "details": {"nb": "Detaljer", "en": "Details"},
    "download_csv": {"nb": "Last ned CSV", "en": "Download CSV"},
    "download_excel": {"nb": "Last ned Excel", "en": "Download Excel"},
    "participants": {"nb": "Deltakere", "en": "Participants"},
    "seats": {"nb": "Plasser", "en": "Seats"},
    "offers_count": {"nb": "Antall tilbud", "en": "Number of offers"},
    "online": {"nb": "Nett/bedriftsintern (uten sted)", "en": "Online/in-company (no place)"},
    # mismatch
    "mismatch_title": {"nb": "Mismatch: behov mot tilbud", "en": "Mismatch: needs against offers"},
    "demand": {"nb": "Etterspørsel (deltakere i åpne behov)", "en": "Demand (participants in open needs)"},
    "supply": {"nb": "Tilbud (plasser innen rekkevidde)", "en": "Supply (seats within reach)"},
    "gap": {"nb": "Gap (D − S)", "en": "Gap (D − S)"},
    "white_spots": {
        "nb": "Hvite flekker: etterspørsel uten tilbud innen rekkevidde",
        "en": "White spots: demand with no offer within reach",
    },
    "radius": {"nb": "Rekkevidde (km, luftlinje)", "en": "Reach (km, straight line)"},
    "min_class": {"nb": "Minste klassestørrelse", "en": "Minimum class size"},
    "min_class_reached": {"nb": "Minste klasse nådd", "en": "Minimum class reached"},
    "tab_gaps": {"nb": "Gap", "en": "Gaps"},
    "tab_match": {"nb": "Koble behov og tilbud", "en": "Match needs and offers"},
    "tab_pools": {"nb": "Kursmuligheter", "en": "Course opportunities"},
    "white_spots_short": {"nb": "Hvite flekker", "en": "White spots"},
    "match_intro": {
        "nb": "Velg et åpent behov for å se de beste tilbudene med begrunnelse, eller et tilbud for å se behovene det kan dekke.",
        "en": "Pick an open need to see the best offers and why, or an offer to see the needs it could serve.",
    },
    "flow_title": {
        "nb": "Fra behovenes kompetanseområde til tilbyderen av beste kandidat (deltakere)",
        "en": "From the needs' competence area to the provider of the best candidate (participants)",
    },
    "pick_need": {"nb": "Behov → tilbud", "en": "Need → offers"},
    "pick_offer": {"nb": "Tilbud → behov", "en": "Offer → needs"},
    "no_candidates": {
        "nb": "Ingen aktive tilbud i samme område innen rekkevidde.",
        "en": "No active offer in the same area within reach.",
    },
    "score": {"nb": "poeng", "en": "score"},
    "weights_note": {
        "nb": "Kandidater: aktive tilbud i samme kompetanseområde innen rekkevidde. Vekter: {weights}.",
        "en": "Candidates: active offers in the same competence area within reach. Weights: {weights}.",
    },
    "pools_intro": {
        "nb": "Åpne behov uten tilbud innen rekkevidde på samme område og nivå, samlet rundt beste vertssted. "
        "Minste klassestørrelse: {min_class}.",
        "en": "Open needs with no offer within reach at the same area and level, gathered around the best host. "
        "Minimum class size: {min_class}.",
    },
    "pools_reached": {
        "nb": "Kursmuligheter som når minste klassestørrelse",
        "en": "Opportunities reaching the minimum class",
    },
    "no_pools": {
        "nb": "Alle åpne behov har et tilbud innen rekkevidde.",
        "en": "Every open need has an offer within reach.",
    },
    # region
    "region_title": {"nb": "Regionprofil", "en": "Regional profile"},
    "region_choose": {"nb": "Velg delregion eller kommune", "en": "Choose a sub-region or municipality"},
    "region_vs_county": {"nb": "Sammenlignet med Trøndelag", "en": "Compared with Trøndelag"},
    "population_trend": {"nb": "Befolkningsutvikling (indeks 2020 = 100)", "en": "Population trend (index 2020 = 100)"},
    "top_needs": {"nb": "Største behov", "en": "Largest needs"},
    "offers_in_reach": {"nb": "Tilbud innen rekkevidde", "en": "Offers within reach"},
    # about
    "about_title": {"nb": "Om data", "en": "About the data"},
    "sources_title": {"nb": "Kilder og lisenser", "en": "Sources and licences"},
    "col_dataset": {"nb": "Datasett", "en": "Data set"},
    "col_source": {"nb": "Kilde", "en": "Source"},
    "col_year": {"nb": "År", "en": "Year"},
    "col_licence": {"nb": "Lisens", "en": "Licence"},
    "col_attribution": {"nb": "Kreditering", "en": "Attribution"},
    "data_date": {"nb": "Datadato", "en": "Data date"},
    "data_date_text": {
        "nb": "Siste registrerte behov: **{latest}** · Referansedata bygd fra kildene i `kompilot_data/data/SOURCES.md`.",
        "en": "Latest registered need: **{latest}** · Reference data built from the sources in "
        "`kompilot_data/data/SOURCES.md`.",
    },
    "seats_counted_once": {
        "nb": "Plasser som når minst én kommune i utvalget; hver plass telles én gang.",
        "en": "Seats reaching at least one municipality in the selection; each seat counts once.",
    },
    "no_white_spots": {"nb": "Ingen hvite flekker i utvalget.", "en": "No white spots in the selection."},
    "centrality_weighted": {
        "nb": "Sentralitetsindeks (befolkningsvektet)",
        "en": "Centrality index (population-weighted)",
    },
    # access and data page
    "nav_data": {"nb": "Data (koordinatorer)", "en": "Data (coordinators)"},
    "local_mode": {
        "nb": "Lokal modus: én bruker uten innlogging, kun på denne maskinen (127.0.0.1).",
        "en": "Local mode: one user without login, on this machine only (127.0.0.1).",
    },
    "viewer_mode": {
        "nb": "Du ser sammenstilte tall. Koordinatorer logger inn.",
        "en": "You see aggregates. Coordinators log in.",
    },
    "login": {"nb": "Logg inn", "en": "Log in"},
    "logout": {"nb": "Logg ut", "en": "Log out"},
    "logged_in_as": {"nb": "Innlogget som", "en": "Logged in as"},
    "role_coordinator": {"nb": "koordinator", "en": "coordinator"},
    "role_viewer": {"nb": "leser", "en": "viewer"},
    "coordinators_only": {
        "nb": "Denne delen er for koordinatorer. Logg inn med en e-postadresse som står på koordinatorlisten.",
        "en": "This part is for coordinators. Log in with an e-mail address on the coordinator list.",
    },
    "records_hidden": {
        "nb": "Enkeltbehov vises bare for koordinatorer. Tall bygd på færre enn 3 bedrifter vises som «<3».",
        "en": "Single needs are shown to coordinators only. Figures built on fewer than 3 businesses show as “<3”.",
    },
    "download_pptx": {"nb": "Last ned PowerPoint", "en": "Download PowerPoint"},
    "download_html": {"nb": "Last ned HTML (frakoblet)", "en": "Download HTML (offline)"},
    "nav_present": {"nb": "Presentasjon", "en": "Presentation"},
    "present_previous": {"nb": "◀ Forrige", "en": "◀ Previous"},
    "present_next": {"nb": "Neste ▶", "en": "Next ▶"},
    "present_exit": {"nb": "Avslutt presentasjon", "en": "Leave the presentation"},
    "kind_needs": {"nb": "Behov", "en": "Needs"},
    "kind_offers": {"nb": "Tilbud", "en": "Offers"},
    "files_mode": {
        "nb": "Appen leser filer (KOMPILOT_NEEDS_FILE/KOMPILOT_OFFERS_FILE); databasen er ikke i bruk.",
        "en": "The app reads files (KOMPILOT_NEEDS_FILE/KOMPILOT_OFFERS_FILE); the database is not in use.",
    },
    "tab_import": {"nb": "Importer", "en": "Import"},
    "tab_edit": {"nb": "Rediger", "en": "Edit"},
    "tab_batches": {"nb": "Importer (logg og angre)", "en": "Imports (log and undo)"},
    "tab_audit": {"nb": "Endringslogg", "en": "Audit log"},
    "tab_export": {"nb": "Eksport og maler", "en": "Export and templates"},
    "import_intro": {
        "nb": "Last opp en CSV- eller Excel-fil med behov eller tilbud. Filen sjekkes først; ingenting lagres før du "
        "bekrefter, og da lagres **alle rader eller ingen**.",
        "en": "Upload a CSV or Excel file of needs or offers. It is checked first; nothing is stored until you "
        "confirm, and then **all rows or none** are stored.",
    },
    "upload_limit": {
        "nb": "CSV eller Excel (.xlsx), høyst {limit} MB per fil. Større filer: del dem opp, eller bruk "
        "`python -m kompilot_data import FIL`.",
        "en": "CSV or Excel (.xlsx), at most {limit} MB per file. Larger files: split them, or use "
        "`python -m kompilot_data import FILE`.",
    },
    "file": {"nb": "Fil", "en": "File"},
    "kind": {"nb": "Type", "en": "Kind"},
    "kind_guess": {"nb": "Gjett fra kolonnene", "en": "Guess from the columns"},
    "rows_of_kind": {"nb": "{rows} rader ({kind})", "en": "{rows} rows ({kind})"},
    "corrected": {"nb": "Rettet automatisk:", "en": "Corrected automatically:"},
    "import_rejected": {
        "nb": "{problems} feil i {rows} rader. Ingenting er lagret. Rett filen og last den opp på nytt:",
        "en": "{problems} problems in {rows} rows. Nothing was stored. Correct the file and upload it again:",
    },
    "import_confirm": {"nb": "Importer {rows} rader", "en": "Import {rows} rows"},
    "importing": {"nb": "Importerer …", "en": "Importing …"},
    "table": {"nb": "Tabell", "en": "Table"},
    "edit_region": {"nb": "Du kan redigere behov i {region}.", "en": "You may edit needs in {region}."},
    "edit_help": {
        "nb": "Endre celler, legg til rader nederst, eller merk rader og slett. Lagre sjekker alt på nytt.",
        "en": "Edit cells, add rows at the bottom, or select rows and delete. Saving checks everything again.",
    },
    "save_changes": {"nb": "Lagre endringer", "en": "Save changes"},
    "saved": {"nb": "Lagret {count} endringer.", "en": "Saved {count} changes."},
    "saved_some": {
        "nb": "Lagret {count} endringer; se feilene over.",
        "en": "Saved {count} changes; see the errors above.",
    },
    "undo_import": {"nb": "Angre import", "en": "Undo import"},
    "undo_selected": {"nb": "Angre valgt import", "en": "Undo the selected import"},
    "undone": {
        "nb": "Import {batch} angret: {deleted} slettet, {restored} gjenopprettet.",
        "en": "Import {batch} undone: {deleted} deleted, {restored} restored.",
    },
    "demo_count": {
        "nb": "**Demodata:** {needs} behov og {offers} tilbud.",
        "en": "**Demo data:** {needs} needs and {offers} offers.",
    },
    "demo_sure": {"nb": "Ja, fjern alle demodata", "en": "Yes, remove all demo data"},
    "demo_remove": {"nb": "Fjern demodata", "en": "Remove demo data"},
    "demo_removed": {
        "nb": "Fjernet {needs} behov og {offers} tilbud (demo).",
        "en": "Removed {needs} needs and {offers} offers (demo).",
    },
    "export_filtered": {"nb": "**Filtrert visning (importformat)**", "en": "**Filtered view (import format)**"},
    "export_backup": {"nb": "**Full sikkerhetskopi og maler**", "en": "**Full backup and templates**"},
    "download_backup": {"nb": "Last ned full sikkerhetskopi", "en": "Download a full backup"},
    "template": {"nb": "Mal: {kind}", "en": "Template: {kind}"},
    "data_title": {"nb": "Data: import, redigering og eksport", "en": "Data: import, editing and export"},
}


def page_text(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Longer page prose, one Markdown file per language in ``kompilot_data/texts`` (``{placeholders}`` kept)."""
    from kompilot_data._paths import PACKAGE_DIR

    folder = PACKAGE_DIR / "texts"
    path = folder / f"{name}.{language}.md"
    return (path if path.exists() else folder / f"{name}.{DEFAULT_LANGUAGE}.md").read_text(encoding="utf-8")


def t(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for ``key`` in ``language`` (falls back to bokmål), with ``{placeholders}`` filled."""
    try:
        entry = TEXTS[key]
    except KeyError:
        raise KeyError(f"no text for {key!r}") from None
    text = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def format_number(value: float | int | None, language: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """1 234,5 in bokmål (narrow no-break space for thousands), 1,234.5 in English; "–" for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if language == "nb":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def format_percent(share: float | None, language: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A share (0.123) as "12 %" in bokmål, "12%" in English."""
    if share is None or pd.isna(share):
        return "–"
    number = format_number(share * 100, language, decimals)
    return f"{number}\u00a0%" if language == "nb" else f"{number}%"


def format_date(value: date | datetime | pd.Timestamp | None, language: str = DEFAULT_LANGUAGE) -> str:
    """27.11.2026 in bokmål, 27 Nov 2026 in English."""
    if value is None or pd.isna(value):
        return "–"
    return value.strftime("%d.%m.%Y") if language == "nb" else value.strftime("%-d %b %Y")


def plotly_separators(language: str = DEFAULT_LANGUAGE) -> str:
    """Plotly's ``layout.separators`` (decimal, thousands)."""
    return ", " if language == "nb" else ".,"
