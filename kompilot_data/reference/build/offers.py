"""Build: study places, the real offer catalogue (HK-dir), example offers and NAV's shortage by occupation.

* ``build_study_places`` – EVU providers and upper-secondary schools that teach, plus the places of the
  real offer catalogue. Bodies that do not teach (career guidance, business networks, projects) are left out.
* ``build_offer_catalogue`` – every programme intake at a Trøndelag place in HK-dir's applicant figures
  (Samordna opptak, 2021–2026), mapped to a competence area and level by the reviewed table
  ``fagomrade_kompetanseomrade.csv``. Rows that cannot be mapped or placed stay in the file with the reason
  in ``utelatt``; they never become offers.
* ``build_shortage`` – NAV's shortage by occupation, mapped to competence areas by ``STYRK_TIL_KOMPETANSEOMRADE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.reference import evu, taxonomy
from kompilot_data.reference.build.common import _as_int, _read
from kompilot_data.reference.paths import DATA_DIR

# NAV's occupation-level shortage into the dashboard's competence areas (STYRK-08 prefix, longest wins).
# Reviewed 2026-11 (issue 10): social-care workers are health, not tourism; food processing, furniture and
# other crafts are manufacturing, blasters are construction; construction labourers are construction and
# manufacturing labourers manufacturing, not transport; stock clerks are logistics and hotel receptionists
# tourism, not management; psychologists are health; electrical-power engineers are electrical; process
# operators (313x) are manufacturing.
STYRK_TIL_KOMPETANSEOMRADE = {
    "1": "ledelse",
    "1323": "bygg",
    "1345": "oppvekst",
    "1412": "reiseliv",
    "21": "industri",
    "2142": "bygg",
    "215": "elektro",
    "22": "helse",
    "23": "oppvekst",
    "24": "ledelse",
    "25": "ikt",
    "2634": "helse",
    "2635": "helse",
    "26": "ledelse",
    "31": "industri",
    "3112": "bygg",
    "3113": "elektro",
    "3123": "bygg",
    "313": "industri",
    "32": "helse",
    "3240": "primar",
    "33": "ledelse",
    "34": "reiseliv",
    "3412": "helse",
    "35": "ikt",
    "4": "ledelse",
    "4224": "reiseliv",
    "4321": "transport",
    "51": "reiseliv",
    "5153": "bygg",
    "5164": "primar",
    "5165": "transport",
    "52": "reiseliv",
    "531": "oppvekst",
    "532": "helse",
    "54": "reiseliv",
    "6": "primar",
    "71": "bygg",
    "72": "industri",
    "73": "industri",
    "74": "elektro",
    "75": "industri",
    "7542": "bygg",
    "81": "industri",
    "82": "industri",
    "83": "transport",
    "91": "reiseliv",
    "92": "primar",
    "93": "transport",
    "931": "bygg",
    "932": "industri",
    "94": "reiseliv",
    "96": "reiseliv",
    "9612": "industri",
}


STUDIESTED_TYPE_BY_PROVIDER_TYPE = {
    "universitet": "universitet",
    "fagskole": "fagskole",
    "studiesenter": "studiesenter",
}

#: Providers in the raw list that do not teach, with the reason (from the raw list's own descriptions).
NOT_TEACHING = {
    "NTNU / Oppdal kommune / Nasjonalparken Næringshage": "innovasjonssenter (arena for næringsliv), ikke undervisning",
    "Studiesenter Trøndelag sørvest (forprosjekt)": "forprosjekt som utreder et studiesenter, ikke undervisning",
    "Trøndersk Kystkompetanse (Blått kompetansesenter / Tekhus)": "«ikke utdanningstilbyder i seg selv» (rålista)",
    "Karrieresenter (Trøndelag fylkeskommune)": "karriereveiledning og realkompetansevurdering, ikke undervisning",
}

MAPPING_FILE = "fagomrade_kompetanseomrade.csv"
HKDIR_URL = "https://hkdir.no/sokertall-fra-samordna-opptak-til-nedlasting"
HKDIR_FILES = {"fagskole": "offers/fagskole_tilbud_trondelag.csv", "uh": "offers/uh_tilbud_trondelag.csv"}
INTAKE_MONTH_DAY = "08-15"
"""HK-dir gives the admission year only; an intake of year Y is dated 15 August Y (autumn start, approximate)."""


@dataclass(frozen=True)
class Place:
    """Where a catalogue programme is taught, and where its point comes from."""

    sted: str
    kommunenummer: str
    punkt_fra: tuple[str, str]  # (study place name starts with, place starts with) of a row with a point
    merknad: str = ""


_TOWN = "tettstedspunkt"
# Every (place as HK-dir names it) of a mapped programme -> the study place. The build stops on a place not
# listed here, so a new place in the source gets reviewed. Points are borrowed from study places with a
# sourced point (GeoNames town points, NSR school positions); the note says when the point is approximate.
PLACES = {
    "Trondheim": Place("Trondheim", "5001", ("NTNU (NTNU VIDERE)", "Trondheim")),
    "Levanger": Place("Levanger", "5037", ("Nord universitet", "Levanger")),
    "Steinkjer": Place("Steinkjer", "5006", ("Nord universitet", "Steinkjer")),
    "Namsos": Place("Namsos", "5007", ("Nord universitet", "Namsos")),
    "Stjørdal": Place("Stjørdal", "5035", ("Nord universitet", "Stjørdal")),
    "Hell": Place(
        "Hell",
        "5035",
        ("Nord universitet", "Stjørdal"),
        "Hell ligger like vest for Stjørdalshalsen; punktet er Stjørdalshalsen (tilnærmet)",
    ),
    "Støren": Place("Støren", "5027", ("Trøndelag høyere yrkesfagskole (THYF) avd. Gauldal", "Støren")),
    "Gauldal - Støren": Place("Støren", "5027", ("Trøndelag høyere yrkesfagskole (THYF) avd. Gauldal", "Støren")),
    "Midtre Gauldal": Place("Støren", "5027", ("Trøndelag høyere yrkesfagskole (THYF) avd. Gauldal", "Støren")),
    "Orkanger": Place("Orkanger", "5059", ("Trøndelag høyere yrkesfagskole (THYF) avd. Chr. Thams", "Løkken Verk")),
    "Orkland": Place(
        "Orkland",
        "5059",
        ("Trøndelag høyere yrkesfagskole (THYF) avd. Chr. Thams", "Løkken Verk"),
        "kilden oppgir kommunen Orkland; punktet er kommunesenteret Orkanger (samlingssted ikke oppgitt)",
    ),
    "Løkken Verk": Place(
        "Løkken Verk",
        "5059",
        ("Meldal videregående skole", "Løkken Verk"),
        "punktet er Meldal vgs (NSR) på Løkken Verk",
    ),
    "Rørvik": Place("Rørvik", "5060", ("Trøndelag høyere yrkesfagskole (THYF) avd. Ytre Namdal", "Rørvik")),
    "Ytre Namdal": Place(
        "Rørvik",
        "5060",
        ("Trøndelag høyere yrkesfagskole (THYF) avd. Ytre Namdal", "Rørvik"),
        "kilden oppgir regionen Ytre Namdal; THYF avd. Ytre Namdal ligger i Rørvik",
    ),
    "Kolvereid": Place(
        "Kolvereid", "5060", ("Val videregående skole", "Val"), "punktet er Val vgs (NSR, poststed Kolvereid)"
    ),
    "Oppdal": Place("Oppdal", "5021", ("NTNU / Oppdal kommune", "Oppdal")),
    "Oppdal/Svolvær": Place(
        "Oppdal",
        "5021",
        ("NTNU / Oppdal kommune", "Oppdal"),
        "kilden oppgir Oppdal/Svolvær; Svolvær ligger i Nordland, og plassene kan være delt mellom stedene",
    ),
    "Røros": Place("Røros", "5025", ("Røros videregående skole", "Røros"), "punktet er Røros vgs (NSR)"),
    "Sistranda": Place("Sistranda", "5014", ("Guri Kunna videregående skole, skolested Frøya", "Frøya")),
    "Mære": Place("Mære", "5006", ("Mære landbruksskole", "Sparbu")),
    "Indre Fosen": Place(
        "Rissa",
        "5054",
        ("Johan Bojer videregående skole, skolested Rissa", "Rissa"),
        "kilden oppgir kommunen Indre Fosen; punktet er kommunesenteret Rissa (Johan Bojer vgs, NSR), tilnærmet",
    ),
}
# UH programmes name the municipality; a part-time district offer names its town at the end of the title.
TITLE_TOWNS = {"Kolvereid": "5060", "Støren": "5027", "Orkanger": "5059"}
# Places in the source that are not one municipality: the rows are left out of the offers.
UNPLACED = {
    "Midtre Namdal": "studiested oppgitt som regionen Midtre Namdal (ikke én kommune)",
    "Trondheim/Røros": "to studiesteder (Trondheim og Røros); plassene kan ikke fordeles",
    "Skjetlein/Løkken Verk": "to studiesteder (Skjetlein i Trondheim og Løkken Verk); plassene kan ikke fordeles",
}


def kompetanseomrade_for_styrk(code: str) -> str | None:
    """Return the competence area code for a 4-digit STYRK-08 code."""
    for length in range(len(code), 0, -1):
        area = STYRK_TIL_KOMPETANSEOMRADE.get(code[:length])
        if area:
            return area
    return None


def _split_places(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows naming two places ("5014;5056" with "lat1;lat2") become one row per place."""
    columns = ["kommunenummer", "lat", "lon"]
    exploded = frame.assign(**{c: frame[c].str.split(";") for c in columns})
    return exploded.explode(columns, ignore_index=True)


def _raw_places(raw: Path) -> pd.DataFrame:
    """Every provider row and school of the raw lists, teaching or not (points are borrowed from all)."""
    providers = _split_places(_read(raw, "stats/evu_tilbydere_trondelag.csv"))
    provider_type = providers["type"].str.split(" ").str[0]
    evu = pd.DataFrame(
        {
            "navn": providers["tilbyder"],
            "type": provider_type.map(STUDIESTED_TYPE_BY_PROVIDER_TYPE).fillna("annet"),
            "beskrivelse": providers["type"],
            "kommunenummer": providers["kommunenummer"],
            "sted": providers["studiested"],
            "lat": providers["lat"],
            "lon": providers["lon"],
            "koordinat_kilde": providers["koordinat_kilde"],
            "voksenopplaering": "",
            "fagomrader": providers["fagomrader_tilbud"],
            "kilde": providers["kilde"],
        }
    )
    schools = _read(raw, "stats/studiesteder_vgs_trondelag.csv")
    has_nsr = schools["lat_nsr"] != ""
    vgs = pd.DataFrame(
        {
            "navn": schools["skole"],
            "type": "vgs",
            "beskrivelse": schools["skoletype"],
            "kommunenummer": schools["kommunenummer"],
            "sted": schools["sted"],
            "lat": schools["lat_nsr"].where(has_nsr, schools["lat"]),
            "lon": schools["lon_nsr"].where(has_nsr, schools["lon"]),
            "koordinat_kilde": np.where(
                has_nsr, "Skoleposisjon i NSR/Geonorge (EPSG:3035 omregnet til WGS84)", schools["koordinat_kilde"]
            ),
            "voksenopplaering": schools["voksenopplaering"],
            "fagomrader": schools["yrkesfag_programmer"],
            "kilde": schools["kilde"],
        }
    )
    places = pd.concat([evu, vgs], ignore_index=True)
    places["lat"] = pd.to_numeric(places["lat"].replace("", np.nan)).round(5)
    places["lon"] = pd.to_numeric(places["lon"].replace("", np.nan)).round(5)
    # Ids follow the raw order, so a place keeps its id when another one is left out.
    places.insert(0, "studiested_id", [f"S{i + 1:03d}" for i in range(len(places))])
    return places


def build_study_places(raw: Path) -> pd.DataFrame:
    """Study places that teach: EVU providers, upper-secondary schools and the real catalogue's places.

    Bodies in ``NOT_TEACHING`` are left out. A catalogue place (``PLACES``) becomes a new row unless the same
    provider already has a row at the same point.
    """
    places, _ = _places_and_catalogue(raw)
    return places


def _point(places: pd.DataFrame, place: Place) -> pd.Series:
    name, where = place.punkt_fra
    match = places[places["navn"].str.startswith(name) & places["sted"].str.startswith(where)]
    match = match.dropna(subset=["lat", "lon"])
    if match.empty:
        raise ValueError(f"no study place with a point for {place.punkt_fra}")
    return match.iloc[0]


def _places_and_catalogue(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Teaching study places (with the catalogue's places added) and the catalogue rows with their place id."""
    all_places = _raw_places(raw)
    teaching = all_places[~all_places["navn"].isin(NOT_TEACHING)]
    catalogue = _catalogue_rows(raw)
    placed = catalogue[catalogue["utelatt"] == ""]
    placed = placed.assign(sted=[PLACES[key].sted for key in placed["sted_nokkel"]])
    rows, place_ids = [], {}
    for (provider, sted), group in placed.groupby(["tilbyder", "sted"], sort=True):
        keys = sorted(group["sted_nokkel"].unique())
        place = PLACES[keys[0]]
        source = _point(all_places, place)
        own = teaching[
            teaching["navn"].str.startswith(provider)
            & (teaching["kommunenummer"] == place.kommunenummer)
            & (teaching["lat"] == source["lat"])
            & (teaching["lon"] == source["lon"])
        ]
        if len(own):
            place_ids.update({(provider, key): own["studiested_id"].iloc[0] for key in keys})
            continue
        note = f"; {place.merknad}" if place.merknad else ""
        rows.append(
            {
                "studiested_id": f"S{len(all_places) + len(rows) + 1:03d}",
                "navn": provider,
                "type": "fagskole" if group["kilde_fil"].iloc[0] == "fagskole" else "universitet",
                "beskrivelse": "studiested i HK-dirs søkertall (Samordna opptak)",
                "kommunenummer": place.kommunenummer,
                "sted": sted,
                "lat": source["lat"],
                "lon": source["lon"],
                "koordinat_kilde": f"{source['koordinat_kilde']} (punktet til «{source['navn']}»){note}",
                "voksenopplaering": "",
                "fagomrader": "; ".join(sorted(group["fagomrade_kilde"].unique())),
                "kilde": HKDIR_URL,
            }
        )
        place_ids.update({(provider, key): rows[-1]["studiested_id"] for key in keys})
    places = pd.concat([teaching, pd.DataFrame(rows, columns=teaching.columns)], ignore_index=True)
    keys = zip(catalogue["tilbyder"], catalogue["sted_nokkel"], strict=True)
    ids = [place_ids.get(key, "") for key in keys]
    catalogue["studiested_id"] = np.where(catalogue["utelatt"] == "", ids, "")
    return places, catalogue


# --- the real offer catalogue ----------------------------------------------------------------------------


def load_programme_mapping(path: Path = DATA_DIR / MAPPING_FILE) -> pd.DataFrame:
    """The reviewed table HK-dir field (+ title pattern) -> competence area and level, checked."""
    mapping = pd.read_csv(path, dtype=str, keep_default_na=False)
    areas, levels = set(taxonomy.codes("kompetanseomrade")), set(taxonomy.codes("niva"))
    problems = []
    for number, row in enumerate(mapping.itertuples(index=False), start=2):
        if row.kilde_fil not in HKDIR_FILES:
            problems.append(f"rad {number}: kilde_fil «{row.kilde_fil}» er ikke fagskole eller uh")
        if (row.kompetanseomrade == "") != (row.niva == ""):
            problems.append(f"rad {number}: kompetanseomrade og niva må begge fylles ut eller begge stå tomme")
        if row.kompetanseomrade and row.kompetanseomrade not in areas:
            problems.append(f"rad {number}: «{row.kompetanseomrade}» er ikke et kompetanseområde")
        if row.niva and row.niva not in levels:
            problems.append(f"rad {number}: «{row.niva}» er ikke et nivå")
        if not row.begrunnelse:
            problems.append(f"rad {number}: begrunnelse mangler")
    defaults = mapping[mapping["tittel_inneholder"] == ""]
    twice = defaults[defaults.duplicated(["kilde_fil", "fagomrade"])]
    problems += [f"{r.kilde_fil}/{r.fagomrade}: mer enn én standardrad" for r in twice.itertuples()]
    if problems:
        raise ValueError(f"{MAPPING_FILE}: " + "; ".join(problems))
    return mapping


def map_programmes(programmes: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Competence area and level for each row of ``programmes`` (``kilde_fil``, ``fagomrade``, ``tittel``).

    A row with a title pattern (case-insensitive substring) wins over the field's default row (empty
    pattern); the first matching pattern in file order wins. Returns ``kompetanseomrade``, ``niva`` and
    ``regel`` (the mapping row number as in a spreadsheet, header = 1), aligned with ``programmes``.
    Raises when a field has no default row, or a pattern row matches nothing (a dead rule).
    """
    result = pd.DataFrame(index=programmes.index, columns=["kompetanseomrade", "niva", "regel"], dtype=object)
    used = set()
    for (file, field), rows in programmes.groupby(["kilde_fil", "fagomrade"]):
        rules = mapping[(mapping["kilde_fil"] == file) & (mapping["fagomrade"] == field)]
        default = rules[rules["tittel_inneholder"] == ""]
        if default.empty:
            raise ValueError(f"{MAPPING_FILE}: ingen standardrad for {file}/«{field}»")
        titles = rows["tittel"].str.lower()
        chosen = pd.Series(default.index[0], index=rows.index)
        undecided = pd.Series(True, index=rows.index)
        for index, rule in rules[rules["tittel_inneholder"] != ""].iterrows():
            hit = undecided & titles.str.contains(rule["tittel_inneholder"].lower(), regex=False)
            chosen[hit] = index
            undecided &= ~hit
        used |= set(chosen)
        result.loc[rows.index, "kompetanseomrade"] = mapping.loc[chosen, "kompetanseomrade"].to_numpy()
        result.loc[rows.index, "niva"] = mapping.loc[chosen, "niva"].to_numpy()
        result.loc[rows.index, "regel"] = (chosen + 2).astype(str).to_numpy()
    dead = mapping[(mapping["tittel_inneholder"] != "") & ~mapping.index.isin(used)]
    if len(dead):
        raise ValueError(
            f"{MAPPING_FILE}: mønster som ikke treffer noe: "
            + ", ".join(f"{r.fagomrade}/«{r.tittel_inneholder}»" for r in dead.itertuples())
        )
    return result


def _place_key(row: pd.Series) -> str:
    """The ``PLACES`` key of a source row: its place as given, or the town named at the end of a UH title."""
    if row["kilde_fil"] == "uh":
        last = row["tittel"].rsplit(",", 1)[-1].strip()
        if last in TITLE_TOWNS and TITLE_TOWNS[last] == row["kommunenummer"]:
            return last
    return row["studiested_kilde"]


def _catalogue_rows(raw: Path) -> pd.DataFrame:
    frames = []
    for file, relative in HKDIR_FILES.items():
        source = _read(raw, relative)
        frames.append(
            pd.DataFrame(
                {
                    "kilde_fil": file,
                    "aar": source["aar"],
                    "tilbyder": source["tilbyder"],
                    "studiested_kilde": source["studiested"],
                    "kommunenummer_kilde": source["kommunenummer"],
                    "studiekode": source["studiekode"],
                    "tittel": source["program_tittel"].str.strip(),
                    "fagomrade_kilde": source["fagomrade"],
                    "studieform_kilde": source["studieform"],
                    "studieplasser": source["antall_studieplasser"].replace("NA", ""),
                    "sokere_forstevalg": source["antall_sokere_forstevalg"].replace("NA", ""),
                    "sokere_totalt": source["antall_sokere_totalt"].replace("NA", ""),
                    "merknad_kilde": source["merknad"],
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["kommunenummer"] = frame["kommunenummer_kilde"]
    mapped = map_programmes(frame.rename(columns={"fagomrade_kilde": "fagomrade"}), load_programme_mapping())
    frame["kompetanseomrade"] = mapped["kompetanseomrade"]
    frame["niva"] = mapped["niva"]
    frame["mapping_regel"] = mapped["regel"]

    frame["sted_nokkel"] = frame.apply(_place_key, axis=1)
    seats = pd.to_numeric(frame["studieplasser"].replace("", np.nan))
    unplaced = frame["studiested_kilde"].map(UNPLACED)
    frame["utelatt"] = np.select(
        [frame["kompetanseomrade"] == "", unplaced.notna(), seats.isna() | (seats < 1)],
        ["fagområdet er ikke koblet til et kompetanseområde", unplaced.fillna(""), "ingen studieplasser i kilden"],
        default="",
    )
    reasons = frame["utelatt"]
    unknown = sorted(set(frame.loc[reasons == "", "sted_nokkel"]) - set(PLACES))
    if unknown:
        raise ValueError(f"studiesteder i HK-dir-filene som ikke er vurdert (legg dem i PLACES): {unknown}")
    # Two-place rows kept at their one Trøndelag place: the municipality is that place's.
    placed = reasons == ""
    frame.loc[placed, "kommunenummer"] = frame.loc[placed, "sted_nokkel"].map(lambda k: PLACES[k].kommunenummer)
    return frame


def build_offer_catalogue(raw: Path) -> pd.DataFrame:
    """The real offer catalogue: one row per programme intake (programme, place, year) in HK-dir's figures.

    Rows with a non-empty ``utelatt`` are not offers (no competence area, or no single place); they are
    kept so the file lists them. For the others: the study place and its point, ``oppstart`` (15 August of
    the admission year; HK-dir gives only the year), ``gjeldende`` (the latest intake of the programme at
    that place) and ``status`` (``pagar`` for a current intake in the latest admission year, else
    ``avsluttet``: an earlier intake, history for trends).
    """
    places, frame = _places_and_catalogue(raw)
    placed = frame["utelatt"] == ""
    frame["studiested"] = [PLACES[k].sted if ok else "" for k, ok in zip(frame["sted_nokkel"], placed, strict=True)]
    points = places.set_index("studiested_id")[["lat", "lon"]]
    frame["lat"] = points["lat"].reindex(frame["studiested_id"]).to_numpy()
    frame["lon"] = points["lon"].reindex(frame["studiested_id"]).to_numpy()

    seats = pd.to_numeric(frame["studieplasser"].replace("", np.nan))
    first = pd.to_numeric(frame["sokere_forstevalg"].replace("", np.nan))
    frame["sokere_per_plass"] = (first / seats).round(2)
    frame["oppstart"] = np.where(placed, frame["aar"] + "-" + INTAKE_MONTH_DAY, "")
    latest_year = frame["aar"].astype(int).max()
    programme = ["tilbyder", "studiekode", "kommunenummer", "studiested"]
    latest = frame[placed].groupby(programme)["aar"].transform("max").reindex(frame.index)
    frame["gjeldende"] = np.where(placed, np.where(frame["aar"] == latest, "ja", "nei"), "")
    current = (frame["gjeldende"] == "ja") & (frame["aar"].astype(int) == latest_year)
    frame["status"] = np.where(placed, np.where(current, "pagar", "avsluttet"), "")
    frame["laeringsform"] = np.where(placed, _mode(frame["studieform_kilde"]), "")
    frame["studieform"] = np.where(placed, evu.catalogue_mode(frame["tittel"], frame["studieform_kilde"]), "")
    classes = evu.classify_catalogue(frame)
    frame["evu_klasse"] = np.where(placed, classes["evu_klasse"], "")
    frame["evu_regel"] = np.where(placed, classes["evu_regel"], "")
    frame["tilbud_id"] = (
        "HK-" + frame["studiekode"] + "-" + frame["kommunenummer"].str.replace(";", "+") + "-" + frame["aar"]
    )
    if frame["tilbud_id"].duplicated().any():
        raise ValueError(f"tilbud_id not unique: {frame.loc[frame['tilbud_id'].duplicated(), 'tilbud_id'].tolist()}")
    notes = [PLACES[k].merknad if ok else "" for k, ok in zip(frame["sted_nokkel"], placed, strict=True)]
    frame["merknad"] = [
        "; ".join(part for part in (own, note) if part) for own, note in zip(frame["merknad_kilde"], notes, strict=True)
    ]
    columns = [
        "tilbud_id",
        "aar",
        "kilde_fil",
        "tilbyder",
        "studiekode",
        "tittel",
        "fagomrade_kilde",
        "studieform_kilde",
        "studiested_kilde",
        "kommunenummer",
        "studiested",
        "studiested_id",
        "lat",
        "lon",
        "studieplasser",
        "sokere_forstevalg",
        "sokere_totalt",
        "sokere_per_plass",
        "kompetanseomrade",
        "niva",
        "mapping_regel",
        "laeringsform",
        "studieform",
        "evu_klasse",
        "evu_regel",
        "oppstart",
        "gjeldende",
        "status",
        "utelatt",
        "merknad",
    ]
    return frame[columns].sort_values(["kilde_fil", "tilbyder", "studiekode", "kommunenummer", "aar"])


def _mode(studieform: pd.Series) -> np.ndarray:
    """Delivery mode for matching (the import format's required ``laeringsform``) from the study form read out of
    the programme name; ``stedlig`` when it says nothing. The normalised ``studieform`` says ``ukjent`` there."""
    text = studieform.str.lower()
    return np.select(
        [text.str.contains("nettbasert"), text.str.contains("deltid|samlingsbasert|arbeidsplassbasert")],
        ["nettbasert", "samlingsbasert"],
        default="stedlig",
    )


def build_example_offers(raw: Path) -> pd.DataFrame:
    first = _read(raw, "stats/evu_tilbud_eksempler_trondelag.csv").rename(columns={"status_aar": "tidspunkt"})
    second = _read(raw, "stats/evu_tilbud_eksempler_2_trondelag.csv").rename(columns={"aar": "tidspunkt"})
    frame = pd.concat([first, second], ignore_index=True).fillna("")
    columns = [
        "tittel",
        "tilbyder",
        "niva",
        "omfang",
        "form",
        "sted",
        "kommunenummer",
        "delregion",
        "tidspunkt",
        "koblet_til_kompetansepilot",
        "kilde",
        "merknad",
    ]
    return frame[columns]


def build_shortage(raw: Path) -> pd.DataFrame:
    nav = _read(raw, "stats/nav_bedriftsundersokelse_2017_yrke_trondelag.csv")
    frame = pd.DataFrame(
        {
            "aar": _as_int(nav["aar"]),
            "styrk08": nav["styrk08_kode"],
            "yrke": nav["yrke"],
            "mangel_trondelag": _as_int(nav["trondelag"]),
            "mangel_norge": _as_int(nav["norge"]),
        }
    )
    frame["kompetanseomrade"] = frame["styrk08"].map(kompetanseomrade_for_styrk)
    if frame["kompetanseomrade"].isna().any():
        missing = frame.loc[frame["kompetanseomrade"].isna(), "styrk08"].tolist()
        raise ValueError(f"STYRK codes without a competence area: {missing}")
    return frame
