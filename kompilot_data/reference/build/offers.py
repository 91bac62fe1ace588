"""Build: study places, example offers and NAV's shortage by occupation mapped to competence areas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.reference.build.common import _as_int, _read

# NAV's occupation-level shortage into the dashboard's competence areas.
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
    "2635": "helse",
    "26": "ledelse",
    "31": "industri",
    "3112": "bygg",
    "3123": "bygg",
    "313": "elektro",
    "32": "helse",
    "33": "ledelse",
    "34": "reiseliv",
    "35": "ikt",
    "4": "ledelse",
    "51": "reiseliv",
    "52": "reiseliv",
    "531": "oppvekst",
    "532": "helse",
    "54": "reiseliv",
    "6": "primar",
    "71": "bygg",
    "72": "industri",
    "73": "industri",
    "74": "elektro",
    "75": "primar",
    "81": "industri",
    "82": "industri",
    "83": "transport",
    "91": "reiseliv",
    "92": "primar",
    "93": "transport",
    "94": "reiseliv",
    "96": "reiseliv",
}


STUDIESTED_TYPE_BY_PROVIDER_TYPE = {
    "universitet": "universitet",
    "fagskole": "fagskole",
    "studiesenter": "studiesenter",
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


def build_study_places(raw: Path) -> pd.DataFrame:
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
    places.insert(0, "studiested_id", [f"S{i + 1:03d}" for i in range(len(places))])
    return places


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
