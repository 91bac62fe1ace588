"""The geometry layer: GeoDataFrames, dissolve, areas, study places in their municipality, import checks."""

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import kompilot_data as kd
from kompilot_data.records import validation
from kompilot_data.records.spatial import BORDER_TOLERANCE_KM, check_coordinates
from kompilot_data.reference.geometry import METRIC_CRS, WGS84, locate, polygon_index
from kompilot_data.reference.paths import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "raw"
#: The summed area of the 38 source polygons (Kommuner-M), as PROVENANCE.md states it.
SOURCE_AREA_KM2 = 42_048


def test_load_geometry_is_a_geodataframe_with_crs_and_38_rows():
    frame = kd.load_geometry()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 4326
    assert len(frame) == 38 and frame.index.name == "kommunenummer"
    assert list(frame.index) == list(kd.load_municipalities().index)
    assert frame.at["5001", "navn"] == "Trondheim"
    assert frame.geometry["5052"].geom_type == "MultiPolygon"  # Leka: the island and its part of Austra


def test_geojson_for_plotly_is_the_same_geometry():
    collection = kd.load_geojson()
    frame = kd.load_geometry()
    assert [f["id"] for f in collection["features"]] == list(frame.index)
    for feature in collection["features"][:5]:
        assert shapely.equals(shapely.geometry.shape(feature["geometry"]), frame.geometry[feature["id"]])


def test_dissolve_gives_the_three_subregions_and_the_county():
    outlines = kd.load_subregion_geometry()
    assert isinstance(outlines, gpd.GeoSeries) and outlines.crs.to_epsg() == 4326
    assert list(outlines.index) == ["Namdalen", "Trøndelag sør", "Fosen"]
    frame = kd.load_geometry().to_crs(METRIC_CRS)
    membership = kd.load_subregion_membership()
    primary = membership[membership["rolle"] == "primar"]
    for region, outline in outlines.to_crs(METRIC_CRS).items():
        members = primary.loc[primary["delregion"] == region, "kommunenummer"]
        assert outline.area == pytest.approx(frame.geometry[members].area.sum(), rel=1e-6), region
    county = gpd.GeoSeries([kd.load_county_geometry()], crs=WGS84).to_crs(METRIC_CRS).area.iloc[0]
    assert county == pytest.approx(frame.area.sum(), rel=1e-6)


def test_area_is_the_source_area_in_an_equal_area_projection():
    areas = kd.load_municipalities()["areal_km2"]
    assert areas.sum() == pytest.approx(SOURCE_AREA_KM2, rel=0.005)
    # The embedded (simplified) polygons in EPSG:25833 agree with the source within the simplification.
    simplified = kd.load_geometry().to_crs(METRIC_CRS).area / 1e6
    assert np.allclose(areas, simplified.reindex(areas.index), rtol=0.02)
    assert areas.sum() == pytest.approx(simplified.sum(), rel=0.005)
    assert areas["5001"] == pytest.approx(528.6, abs=0.05)


@pytest.mark.skipif(not RAW.exists(), reason="the raw folder (../shared/data/raw) is not beside the checkout")
def test_area_sums_within_half_a_percent_of_the_source_polygons_in_epsg_25833():
    source = gpd.read_file(RAW / "geo/derived/trondelag_kommuner_2024_M_epsg4326.geojson")
    source["geometry"] = source.geometry.make_valid()
    metric = source.set_crs(WGS84, allow_override=True).to_crs(METRIC_CRS).area.sum() / 1e6
    assert kd.load_municipalities()["areal_km2"].sum() == pytest.approx(metric, rel=0.005)


def test_every_study_place_lies_in_its_municipality():
    places = kd.load_study_places().dropna(subset=["lat", "lon"])
    points = gpd.GeoDataFrame(
        places[["kommunenummer"]], geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=WGS84
    ).to_crs(METRIC_CRS)
    polygons = kd.load_geometry().to_crs(METRIC_CRS)
    joined = gpd.sjoin(points, polygons[["geometry"]].reset_index(), how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    elsewhere = joined[joined["kommunenummer_right"] != joined["kommunenummer_left"]]
    # Points outside every simplified, coastline-clipped polygon are on the shore: within 1 km of their own.
    distance = [
        polygons.geometry[code].distance(point)
        for code, point in zip(elsewhere["kommunenummer_left"], elsewhere.geometry, strict=True)
    ]
    assert elsewhere["kommunenummer_right"].isna().all(), elsewhere
    assert max(distance, default=0) <= 1000


def test_centres_lie_in_their_municipality():
    municipalities = kd.load_municipalities()
    found = locate(municipalities["senter_lat"], municipalities["senter_lon"], max_km=0)
    assert list(found) == list(municipalities.index)
    assert municipalities.at["5054", "senter_navn"] == "Årnset" and municipalities.at["5052", "senter_navn"] == "Leknes"
    assert municipalities["senter_geonameid"].notna().all()


def test_locate_and_distances():
    index = polygon_index()
    found = locate([63.43, 59.91, np.nan], [10.40, 10.75, np.nan])
    assert list(found) == ["5001", None, None]
    assert index.county_distance_km([59.9139], [10.7522])[0] == pytest.approx(265, abs=15)  # Oslo
    trondheim = list(index.codes).index("5001")
    assert index.distance_km([63.43], [10.40], [trondheim])[0] == 0


def _offers(rows: int = 3) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "demo" / "offers.csv", dtype=str, keep_default_na=False).head(rows)


def test_an_offer_with_coordinates_in_oslo_is_rejected_with_row_and_column():
    offers = _offers()
    assert validation.validate(offers, "offers").empty
    offers.loc[1, ["lat", "lon"]] = ["59,9139", "10,7522"]
    problems = validation.validate(offers, "offers")
    assert validation.format_problems(problems) == (
        "Rad 3, kolonne «lat»: Punktet (breddegrad 59,91390, lengdegrad 10,75220) ligger utenfor Trøndelag "
        "(ca. 265 km fra fylket). Sjekk koordinatene (WGS84, desimalgrader)."
    )


def _near_border_point(inside: str, stated: str, low_km: float, high_km: float) -> tuple[float, float]:
    """A point in municipality ``inside`` between ``low_km`` and ``high_km`` from ``stated``."""
    index = polygon_index()
    stated_polygon = index.geometries[list(index.codes).index(stated)]
    border = kd.load_geometry().geometry[inside].boundary.intersection(stated_polygon.boundary)
    lon0, lat0 = shapely.get_coordinates(border)[len(shapely.get_coordinates(border)) // 2]
    for radius in np.linspace(0.002, 0.05, 25):
        for angle in np.linspace(0, 2 * np.pi, 36, endpoint=False):
            lat, lon = lat0 + radius * np.sin(angle), lon0 + radius * np.cos(angle) * 2
            if locate([lat], [lon], max_km=0)[0] == inside:
                gap = index.distance_km([lat], [lon], [list(index.codes).index(stated)])[0]
                if low_km < gap < high_km:
                    return lat, lon
    raise AssertionError("no point found")


def test_another_municipality_near_the_border_warns_and_far_away_is_an_error():
    offers = _offers(2)
    near = _near_border_point("5031", "5001", 0.2, BORDER_TOLERANCE_KM - 0.2)  # in Malvik, stated Trondheim
    far = _near_border_point("5031", "5001", BORDER_TOLERANCE_KM + 1, 8)
    offers["kommunenummer"] = "5001"
    offers["lat"] = [f"{near[0]:.5f}", f"{far[0]:.5f}"]
    offers["lon"] = [f"{near[1]:.5f}", f"{far[1]:.5f}"]
    check = check_coordinates(offers)
    assert list(check.warnings["rad"]) == [2] and list(check.errors["rad"]) == [3]
    assert check.warnings.iloc[0]["kolonne"] == check.errors.iloc[0]["kolonne"] == "lat"
    assert "ligger i Malvik (5031)" in check.warnings.iloc[0]["melding"]
    assert check.warnings.iloc[0]["melding"].endswith("Godtatt fordi det er nær kommunegrensen.")
    assert check.errors.iloc[0]["melding"].endswith(
        "fra oppgitt kommune Trondheim (5001). Sjekk koordinatene eller kommunenummeret."
    )
    problems = validation.validate(offers, "offers")
    assert list(problems["rad"]) == [3]  # the warning does not reject the file


def test_importing_the_package_does_not_import_geopandas():
    script = "import sys, kompilot_data, kompilot_data.engine.travel; print('geopandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.strip() == "False", result.stderr[-2000:]


def test_build_check_of_study_places_warns_near_the_border_and_stops_far_away():
    from kompilot_data.reference.build.travel import PLACE_TOLERANCE_KM, check_study_places

    polygons = kd.load_geometry()[["geometry"]]
    near = _near_border_point("5031", "5001", 0.2, PLACE_TOLERANCE_KM - 0.2)
    far = _near_border_point("5031", "5001", PLACE_TOLERANCE_KM + 1, 8)
    places = pd.DataFrame(
        {
            "studiested_id": ["A", "B"],
            "kommunenummer": ["5001", "5031"],
            "lat": [near[0], 63.40],
            "lon": [near[1], 10.80],
        }
    )
    report = check_study_places(places, polygons)
    assert list(report["studiested_id"]) == ["A"] and report.at[0, "ligger_i"] == "5031"
    assert 0.1 < report.at[0, "avstand_km"] < PLACE_TOLERANCE_KM
    places.loc[0, ["lat", "lon"]] = far
    with pytest.raises(ValueError, match="study places outside their municipality"):
        check_study_places(places, polygons)


def test_import_of_an_offer_near_a_border_keeps_it_with_a_warning_naming_row_and_column():
    from kompilot_data.records import importer

    offers = _offers(2)
    near = _near_border_point("5031", "5001", 0.2, BORDER_TOLERANCE_KM - 0.2)
    offers.loc[1, "kommunenummer"] = "5001"  # row 3 of the file: in Malvik, stated Trondheim
    offers.loc[1, ["lat", "lon"]] = [f"{near[0]:.5f}", f"{near[1]:.5f}"]
    prepared = importer.prepare_file(offers.to_csv(index=False).encode(), filename="tilbud.csv", kind="offers")
    assert prepared.problems.empty
    border = prepared.warnings[prepared.warnings["melding"].str.contains("kommunegrensen")]
    assert list(border["rad"]) == [3] and list(border["kolonne"]) == ["lat"]
    assert "ligger i Malvik (5031)" in border.iloc[0]["melding"]
