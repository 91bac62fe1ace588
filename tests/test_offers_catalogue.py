"""The real offer catalogue (HK-dir), its reviewed mapping table, study places and the NAV STYRK mapping.

These tests read the committed files only, never the raw folder.
"""

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

import kompilot_data as kd
from kompilot_data.reference.build import offers as build_offers
from kompilot_data.reference.paths import DATA_DIR


@pytest.fixture(scope="module")
def catalogue() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "tilbud_katalog.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def mapping() -> pd.DataFrame:
    return build_offers.load_programme_mapping()


def test_every_source_row_is_an_offer_or_listed_with_its_reason(catalogue):
    assert len(catalogue) == 335 + 1095
    assert catalogue["tilbud_id"].is_unique
    reasons = catalogue["utelatt"].value_counts()
    assert reasons[""] == 913
    assert reasons["fagområdet er ikke koblet til et kompetanseområde"] == 508
    assert catalogue["utelatt"].str.startswith(("studiested oppgitt", "to studiesteder")).sum() == 9
    assert reasons.sum() == 913 + 508 + 9
    left_out = catalogue[catalogue["utelatt"] != ""]
    assert (left_out[["studiested", "studiested_id", "status", "oppstart"]] == "").all(axis=None)
    assert set(left_out.loc[left_out["utelatt"].str.contains("studiested"), "studiested_kilde"]) == {
        "Midtre Namdal",
        "Trondheim/Røros",
        "Skjetlein/Løkken Verk",
    }
    # Unmapped rows are never guessed: no area, no level.
    unmapped = catalogue[catalogue["utelatt"] == "fagområdet er ikke koblet til et kompetanseområde"]
    assert (unmapped["kompetanseomrade"] == "").all() and (unmapped["niva"] == "").all()
    assert set(unmapped["fagomrade_kilde"]) >= {"Historiefag", "Språkfag", "Realfag", "Mediefag", "Idrettsfag"}


def test_the_catalogue_follows_the_mapping_table(catalogue, mapping):
    mapped = catalogue[catalogue["mapping_regel"] != ""]
    rule = mapping.loc[mapped["mapping_regel"].astype(int) - 2].reset_index(drop=True)
    mapped = mapped.reset_index(drop=True)
    assert (rule["kilde_fil"] == mapped["kilde_fil"]).all()
    assert (rule["fagomrade"] == mapped["fagomrade_kilde"]).all()
    assert (rule["kompetanseomrade"] == mapped["kompetanseomrade"]).all()
    assert (rule["niva"] == mapped["niva"]).all()
    pattern_hit = [p.lower() in t.lower() for p, t in zip(rule["tittel_inneholder"], mapped["tittel"], strict=True)]
    assert all(pattern_hit)  # "" is in every title
    fagskole = catalogue[(catalogue["kilde_fil"] == "fagskole") & (catalogue["utelatt"] == "")]
    assert set(fagskole["niva"]) == {"fagskole"}


@pytest.mark.parametrize(
    ("title", "area", "level"),
    [
        ("Sykepleie, deltid, Orkland", "helse", "hoyere"),
        ("Ledelse i havbruksoperasjoner", "primar", "fagskole"),
        ("Dekksoffiser på ledelsesnivå", "transport", "fagskole"),
        ("Kulde- og varmepumpeteknikk", "bygg", "fagskole"),
        ("Trafikklærer", "transport", "hoyere"),
        ("Psykologi, profesjonsstudium", "helse", "master"),
        ("Grunnskolelærer, 1.-7. trinn", "oppvekst", "master"),
        ("Ingeniør, havbruk", "primar", "hoyere"),
        ("Industriell økonomi og teknologiledelse", "ledelse", "master"),
        ("Barn med særskilte behov", "oppvekst", "fagskole"),
        ("Historie, bachelor", "", ""),
        ("Idrett, deltid", "", ""),
    ],
)
def test_programme_mapping_examples(catalogue, title, area, level):
    rows = catalogue[catalogue["tittel"] == title]
    assert len(rows) >= 1
    assert set(rows["kompetanseomrade"]) == {area} and set(rows["niva"]) == {level}


def test_mapping_table_problems_stop_the_build():
    programmes = pd.DataFrame(
        {"kilde_fil": ["uh", "uh"], "fagomrade": ["Realfag", "Nytt fag"], "tittel": ["Fysikk", "Noe nytt"]}
    )
    mapping = pd.DataFrame(
        {
            "kilde_fil": ["uh", "uh"],
            "fagomrade": ["Realfag", "Realfag"],
            "tittel_inneholder": ["", "Kjemi"],
            "kompetanseomrade": ["", "industri"],
            "niva": ["", "hoyere"],
            "begrunnelse": ["x", "y"],
        }
    )
    with pytest.raises(ValueError, match="ingen standardrad for uh/«Nytt fag»"):
        build_offers.map_programmes(programmes, mapping)
    with pytest.raises(ValueError, match="mønster som ikke treffer noe: Realfag/«Kjemi»"):
        build_offers.map_programmes(programmes.iloc[:1], mapping)
    result = build_offers.map_programmes(programmes.iloc[:1], mapping.iloc[:1])
    assert result.iloc[0].tolist() == ["", "", "2"]


def test_intake_dates_status_and_applicants_per_seat(catalogue):
    offers = catalogue[catalogue["utelatt"] == ""]
    assert (offers["oppstart"] == offers["aar"] + "-08-15").all()
    current = (offers["gjeldende"] == "ja") & (offers["aar"] == "2026")
    assert ((offers["status"] == "pagar") == current).all()
    assert (offers.loc[~current, "status"] == "avsluttet").all()
    assert current.sum() == 145
    # Only one current intake per programme at a place.
    latest = offers[offers["gjeldende"] == "ja"]
    assert not latest.duplicated(["tilbyder", "studiekode", "kommunenummer", "studiested"]).any()
    seats = offers["studieplasser"].astype(int)
    first = pd.to_numeric(offers["sokere_forstevalg"].replace("", np.nan))
    per_seat = pd.to_numeric(offers["sokere_per_plass"].replace("", np.nan))
    assert np.allclose(per_seat.dropna(), (first / seats).round(2).dropna())
    assert (seats >= 1).all()
    assert set(offers["laeringsform"]) == {"stedlig", "samlingsbasert", "nettbasert"}


def test_study_places_teach_and_lie_in_their_municipality(catalogue):
    places = kd.load_study_places()
    assert not places["navn"].isin(build_offers.NOT_TEACHING).any()
    assert "S017" not in places.index and "S019" not in places.index  # ids of the others are unchanged
    assert places.loc["S013", "sted"] == "Rørvik"
    offers = catalogue[catalogue["utelatt"] == ""]
    place = places.loc[offers["studiested_id"]]
    assert (place["kommunenummer"].to_numpy() == offers["kommunenummer"].to_numpy()).all()
    assert np.allclose(place["lat"].to_numpy(), offers["lat"].astype(float).to_numpy())
    assert np.allclose(place["lon"].to_numpy(), offers["lon"].astype(float).to_numpy())
    features = kd.load_geojson()["features"]
    polygons = {f["properties"]["kommunenummer"]: shape(f["geometry"]) for f in features}
    with_point = places.dropna(subset=["lat", "lon"])
    inside = [
        polygons[k].contains(shapely.Point(lon, lat))
        for k, lat, lon in zip(with_point["kommunenummer"], with_point["lat"], with_point["lon"], strict=True)
    ]
    assert all(inside)
    orkland = places[(places["navn"] == "Nord universitet") & (places["sted"] == "Orkland")].iloc[0]
    assert orkland["kommunenummer"] == "5059" and "kommunesenteret Orkanger" in orkland["koordinat_kilde"]


@pytest.mark.parametrize(
    ("code", "area"),
    [
        ("3412", "helse"),
        ("7542", "bygg"),
        ("7549", "industri"),
        ("7511", "industri"),
        ("9312", "bygg"),
        ("9313", "bygg"),
        ("9329", "industri"),
        ("4321", "transport"),
        ("4224", "reiseliv"),
        ("2634", "helse"),
        ("3113", "elektro"),
        ("3131", "industri"),
        ("3135", "industri"),
        ("3139", "industri"),
        ("2223", "helse"),
        ("5120", "reiseliv"),
        ("1219", "ledelse"),
    ],
)
def test_styrk_mapping_fixes(code, area):
    assert build_offers.kompetanseomrade_for_styrk(code) == area
    shortage = kd.load_shortage().set_index("styrk08")
    if code in shortage.index:
        assert shortage.loc[code, "kompetanseomrade"] == area


def test_sources_carry_the_hkdir_caveat_and_hand_compiled_files():
    sources = json.loads((DATA_DIR / "kilder.json").read_text(encoding="utf-8"))
    hkdir = sources["tilbud_katalog"]
    assert hkdir["lisens"].startswith("Ikke bekreftet")
    assert "913 rows are offers" in hkdir["bearbeiding"] and "508 rows" in hkdir["bearbeiding"]
    assert kd.source_line("tilbud_katalog") == "Kilde: HK-dir, søkertall Samordna opptak (2021–2026)"
    markdown = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    hand_made = markdown.splitlines()[4]
    assert hand_made.startswith("except `taksonomier.json` (code lists), `kilder.json` and the files marked *compiled")
    assert "`kommuneendringer.csv`" in hand_made and "`fagomrade_kompetanseomrade.csv`" in hand_made
    section = markdown.split("## `kommuneendringer.csv`")[1].split("## ")[0]
    assert "- Compiled by hand (not derived by the build)" in section and "Inderøy (1729)" in section
    changes = pd.read_csv(DATA_DIR / "kommuneendringer.csv", dtype=str, keep_default_na=False)
    assert changes.set_index("gammelt_nummer").loc["1729", ["gammelt_navn", "nytt_nummer"]].tolist() == [
        "Inderøy",
        "5053",
    ]
