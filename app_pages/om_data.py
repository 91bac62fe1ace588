import streamlit as st

import kompilot_data as kd
import ui
from kompilot_data import mismatch
from kompilot_data.i18n import format_date
from kompilot_data.indicators import INDICATORS

lang = ui.language()
st.title(ui.T("about_title"))
sources = kd.load_sources()

if lang == "nb":
    st.markdown(
        """
**Kompetansepilot Trøndelag** kartlegger hvilken kompetanse bedrifter i distriktene trenger, og kobler dem med
etter- og videreutdanning. Dashbordet viser **offentlige referansedata** (SSB, Kartverket, NAV) og **behov og tilbud**.

**Behov og tilbud i denne versjonen er demodata**: oppdiktede poster bygd på ekte struktur (ekte kommuner,
tilbydere og studiesteder, NAVs mangelmønster og SSBs sysselsetting per næring). De merkes *Demo* overalt.
Koordinatorer erstatter dem med egne data.
"""
    )
else:
    st.markdown(
        """
**Kompetansepilot Trøndelag** maps the competence that businesses in rural districts need and connects them with
continuing education. The dashboard shows **public reference data** (Statistics Norway, Kartverket, NAV) and
**needs and offers**.

**Needs and offers in this version are demo data**: made-up records built on real structure (real municipalities,
providers and study places, NAV's shortage pattern and SSB's employment by industry). They are labelled *Demo*
everywhere. Coordinators replace them with their own data.
"""
    )

st.header("Kilder og lisenser" if lang == "nb" else "Sources and licences")
rows = [
    {
        ("Datasett" if lang == "nb" else "Data set"): source[f"tittel_{lang}"],
        ("Kilde" if lang == "nb" else "Source"): source["utgiver"],
        ("År" if lang == "nb" else "Year"): source["aar"],
        ("Lisens" if lang == "nb" else "Licence"): source["lisens"],
        ("Kreditering" if lang == "nb" else "Attribution"): source["kreditering"],
        "URL": source["url"],
    }
    for source in sources.values()
]
st.dataframe(rows, width="stretch", hide_index=True, column_config={"URL": st.column_config.LinkColumn()})

st.header("Definisjoner" if lang == "nb" else "Definitions")
definitions_nb = {
    "delregion": "Delpilotene Namdalen, Trøndelag sør og Fosen. Medlemskapet er utledet fra regionrådene "
    "(ingen kilde lister pilotkommunene eksplisitt). Osen er med i både Fosen- og Namdal-rådet; på kartet vises Osen i Fosen.",
    "sentralitet": "SSBs sentralitetsindeks 2024 (0–1000) gruppert i klasse 1 (mest sentral) til 6 (minst sentral).",
    "befolkning": "Folkemengde 1. januar siste år (SSB 07459).",
    "befolkningsendring": "Endring i folkemengde fra 1.1.2020 til 1.1. siste år.",
    "hoyere_utdanning": "Personer med universitets- eller høgskoleutdanning (kort + lang) delt på alle personer 16 år+ "
    "(SSB 09429). Uoppgitt er med i nevneren, så andelen er litt lavere enn SSBs publiserte tall.",
    "behov_per_1000": "Registrerte behov i utvalget per 1 000 innbyggere.",
    "tilbud_innen_rekkevidde": "Aktive tilbud (planlagt, åpen, gjennomføres) innen rekkevidde av kommunens punkt.",
    "mismatch": "Etterspørselsvektet snitt av (D−S)/(D+S) over kommunens kompetanseområde × nivå-celler med etterspørsel. "
    "1 = ingenting av det som etterspørres finnes innen rekkevidde; −1 = god dekning.",
}
definitions_en = {
    "delregion": "The sub-pilots Namdalen, Trøndelag sør and Fosen, inferred from the regional councils. Osen belongs "
    "to both the Fosen and the Namdal council; the map shows it in Fosen.",
    "sentralitet": "Statistics Norway's centrality index 2024 (0–1000) grouped into class 1 (most central) to 6.",
    "befolkning": "Population on 1 January of the latest year (SSB 07459).",
    "befolkningsendring": "Population change from 1.1.2020 to 1.1. of the latest year.",
    "hoyere_utdanning": "Persons with university/college education (short + long) over all persons 16+ (SSB 09429).",
    "behov_per_1000": "Registered needs in the selection per 1,000 inhabitants.",
    "tilbud_innen_rekkevidde": "Active offers (planned, open, running) within reach of the municipality's point.",
    "mismatch": "Demand-weighted mean of (D−S)/(D+S) over the municipality's area × level cells with demand. "
    "1 = nothing wanted is within reach; −1 = ample supply.",
}
definitions = definitions_nb if lang == "nb" else definitions_en
for key in INDICATORS:
    st.markdown(f"**{ui.T('ind_' + key)}** – {definitions[key]}")
if lang == "nb":
    st.markdown(
        f"""
**{ui.T("demand")}** (D) – deltakere i åpne behov (status *kartlagt* eller *koblet til tilbud*).

**{ui.T("supply")}** (S) – plasser i aktive tilbud innen rekkevidde: nett- og bedriftsinterne tilbud når alle
kommuner; tilbud med studiested når kommuner innen {mismatch.DEFAULT_RADIUS_KM:.0f} km luftlinje (storsirkelavstand)
fra kommunens representative punkt. Luftlinje er ikke reisevei; en reisetidsmatrise kan erstatte den.
Det representative punktet er et geometrisk punkt inne i kommunen (det punktet som ligger lengst fra kommunegrensen
i kommunens største del), ikke kommunesenteret.

**{ui.T("gap")}** = D − S. **Dekning** = S / D. **Mismatch-indeks** = (D − S) / (D + S), mellom −1 og 1.

**Hvit flekk** – kommune × kompetanseområde med etterspørsel og ingen tilbud innen rekkevidde.
"""
    )
else:
    st.markdown(
        f"""
**{ui.T("demand")}** (D) – participants in open needs (status *mapped* or *linked to an offer*).

**{ui.T("supply")}** (S) – seats in active offers within reach: online and in-company offers reach every
municipality; offers with a study place reach municipalities within {mismatch.DEFAULT_RADIUS_KM:.0f} km straight-line
(great-circle) distance of the municipality's representative point. Straight line is not travel distance; a
travel-time matrix can replace it. The representative point is a geometric point inside the municipality (the
point farthest from the border in its largest part), not the administrative centre.

**{ui.T("gap")}** = D − S. **Coverage** = S / D. **Mismatch index** = (D − S) / (D + S), between −1 and 1.

**White spot** – municipality × competence area with demand and no offer within reach.
"""
    )

st.header("Datadato" if lang == "nb" else "Data date")
needs = ui.all_needs()
latest = format_date(needs["registrert"].max(), lang) if len(needs) else "–"
st.markdown(
    ("Siste registrerte behov: " if lang == "nb" else "Latest registered need: ")
    + f"**{latest}** · "
    + (
        "Referansedata bygd fra kildene i `kompilot_data/data/SOURCES.md`."
        if lang == "nb"
        else "Reference data built from the sources in `kompilot_data/data/SOURCES.md`."
    )
)
