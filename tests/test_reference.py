import json

import numpy as np
import pandas as pd
import pytest
import shapely

import kompilot_data as kd
from kompilot_data.reference.paths import DATA_DIR

TRONDELAG_CODES = [
    "5001",
    "5006",
    "5007",
    "5014",
    "5020",
    "5021",
    "5022",
    "5025",
    "5026",
    "5027",
    "5028",
    "5029",
    "5031",
    "5032",
    "5033",
    "5034",
    "5035",
    "5036",
    "5037",
    "5038",
    "5041",
    "5042",
    "5043",
    "5044",
    "5045",
    "5046",
    "5047",
    "5049",
    "5052",
    "5053",
    "5054",
    "5055",
    "5056",
    "5057",
    "5058",
    "5059",
    "5060",
    "5061",
]


def test_all_38_municipalities_with_names():
    municipalities = kd.load_municipalities()
    assert list(municipalities.index) == TRONDELAG_CODES
    assert municipalities.at["5001", "navn"] == "Trondheim"
    assert municipalities.at["5054", "navn"] == "Indre Fosen"
    assert municipalities.at["5060", "navn"] == "Nærøysund"
    assert municipalities.at["5041", "navn"] == "Snåsa"


def test_sami_names_only_where_official():
    municipalities = kd.load_municipalities()
    sami = municipalities["samisk_navn"].dropna().to_dict()
    assert sami == {
        "5001": "Tråante",
        "5006": "Stïentje",
        "5007": "Nåavmesjenjaelmie",
        "5025": "Rosse",
        "5037": "Levangke",
        "5041": "Snåase",
        "5043": "Raarvihke",
    }
    assert pd.isna(municipalities.at["5042", "samisk_navn"])  # Lierne has no official Sami name


def test_centrality_2024():
    municipalities = kd.load_municipalities()
    assert municipalities.at["5001", "sentralitetsindeks"] == 885
    assert municipalities.at["5001", "sentralitetsklasse"] == 2
    assert municipalities.at["5052", "sentralitetsklasse"] == 6  # Leka, index 386
    assert municipalities["sentralitetsklasse"].between(1, 6).all()


@pytest.mark.parametrize(
    ("region", "members"),
    [
        ("Namdalen", {"5007", "5060", "5052", "5049", "5047", "5045", "5046", "5044", "5043", "5042"}),
        ("Trøndelag sør", {"5021", "5022", "5025", "5026", "5027", "5028"}),
        ("Fosen", {"5054", "5057", "5058", "5020"}),
    ],
)
def test_subregion_primary_members(region, members):
    municipalities = kd.load_municipalities()
    assert set(municipalities.index[municipalities["delregion"] == region]) == members


def test_osen_is_primary_in_fosen_and_secondary_in_namdalen():
    membership = kd.load_subregion_membership()
    osen = membership[membership["kommunenummer"] == "5020"].set_index("delregion")["rolle"].to_dict()
    assert osen == {"Fosen": "primar", "Namdalen": "sekundar"}
    assert kd.load_municipalities().at["5020", "delregioner"] == "Fosen;Namdalen"
    councils = kd.load_municipalities().at["5020", "regionraad"]
    assert "Namdal regionråd" in councils and "Fosenregionen" in councils


def test_population_matches_ssb_totals():
    population = kd.load_population()
    total = population[population["aldersgruppe"] == "alle"].groupby("aar")["personer"].sum()
    assert total[2024] == 482_956
    assert total[2025] == 486_815
    assert total[2026] == 489_166
    ages = population[(population["aldersgruppe"] != "alle") & (population["aar"] == 2026)]
    assert ages["personer"].sum() == 489_166
    assert set(ages["aldersgruppe"]) == {"0-15", "16-18", "19-34", "35-66", "67-74", "75+"}


def test_education_and_employment():
    education = kd.load_education()
    year_2021 = education[education["aar"] == 2021]
    assert (year_2021["uh_kort"] + year_2021["uh_lang"]).sum() == 137_824  # trondelagitall.no
    municipalities = kd.load_municipalities()
    assert municipalities["andel_hoyere_utdanning"].between(0.1, 0.6).all()
    employment = kd.load_employment()
    assert set(employment["naering_sn2007"]) == {"00-99", "01-03", "10-33", "84", "85", "86-88"}
    assert set(employment["aar"]) == set(range(2020, 2026))


def test_geometry_is_valid_small_and_a_clean_coverage():
    path = DATA_DIR / "kommuner.geojson"
    assert path.stat().st_size <= 250_000
    geometry = kd.load_geometry().geometry
    assert list(geometry.index) == TRONDELAG_CODES
    geoms = geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    assert shapely.coverage_is_valid(geoms)  # no overlaps between neighbours
    union = kd.load_county_geometry()
    assert abs(shapely.area(geoms).sum() - union.area) / union.area < 1e-6
    # The source union has 4 small interior holes (coastal lagoons near Leka/Nærøysund); none may be added.
    holes = sum(len(part.interiors) for part in getattr(union, "geoms", [union]))
    assert holes <= 4
    # Neighbours share their borders: Osen and Åfjord touch along a line, not a point or a gap.
    shared = geometry["5020"].boundary.intersection(geometry["5058"].boundary)
    assert shared.length > 0.05


def test_coordinates_are_rounded_and_in_trondelag():
    text = (DATA_DIR / "kommuner.geojson").read_text(encoding="utf-8")
    coords = np.array(shapely.get_coordinates(kd.load_geometry().geometry.to_numpy()))
    assert np.allclose(coords, np.round(coords, 4))
    assert coords[:, 0].min() > 7.5 and coords[:, 0].max() < 14.5
    assert coords[:, 1].min() > 62.2 and coords[:, 1].max() < 65.5
    assert json.loads(text)["type"] == "FeatureCollection"


def test_representative_point_inside_municipality():
    municipalities = kd.load_municipalities()
    geometry = kd.load_geometry().geometry
    points = shapely.points(municipalities["punkt_lon"], municipalities["punkt_lat"])
    assert shapely.contains(geometry.reindex(municipalities.index).to_numpy(), points).all()


def test_subregion_outlines_follow_membership():
    outlines = kd.load_subregion_geometry()
    assert list(outlines.index) == ["Namdalen", "Trøndelag sør", "Fosen"]
    geometry = kd.load_geometry().geometry
    fosen_area = sum(geometry[c].area for c in ["5054", "5057", "5058", "5020"])
    assert outlines["Fosen"].area == pytest.approx(fosen_area, rel=1e-6)


def test_study_places_have_coordinates_where_known():
    places = kd.load_study_places()
    with_point = places.dropna(subset=["lat", "lon"])
    assert len(with_point) >= 50
    assert with_point["lat"].between(62.2, 65.5).all()
    assert {"universitet", "fagskole", "vgs", "studiesenter"} <= set(places["type"])
    roros = places[(places["navn"] == "Røros videregående skole")].iloc[0]
    assert roros["kommunenummer"] == "5025"
    # Bodies that do not teach are not study places (issue 10).
    assert not places["navn"].str.contains("Karrieresenter|Trøndersk Kystkompetanse").any()


def test_shortage_and_sources():
    shortage = kd.load_shortage()
    assert shortage["aar"].eq(2017).all()
    nurses = shortage.set_index("styrk08").loc["2223"]
    assert (nurses["mangel_trondelag"], nurses["mangel_norge"], nurses["kompetanseomrade"]) == (275, 3600, "helse")
    by_area = shortage.groupby("kompetanseomrade")["mangel_trondelag"].sum()
    assert by_area.idxmax() == "helse"
    assert kd.source_line("befolkning") == "Kilde: SSB, tabell 07459 (2015, 2020–2026)"
    assert kd.source_line("utdanning", "en", year=2025) == "Source: Statistics Norway, table 09429 (2025)"
    sources = kd.load_sources()
    for source in sources.values():
        assert (DATA_DIR / source["fil"]).exists()
        assert source["lisens"]
    assert len(kd.load_example_offers()) == 12
    assert kd.load_county_indicators()["kilde"].str.startswith("http").all()
