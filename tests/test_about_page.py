"""The About page states the methods with the numbers the code uses: the travel model's calibration rows, the
offer counts by source, the pooling limits and the disclosure rule."""

import pandas as pd
import pytest
from app_support import rendered

import kompilot_data as kd
from kompilot_data.engine import pooling, travel
from kompilot_data.reference.i18n import format_number


def _markdown(app) -> str:
    return "\n".join(m.value for m in app.markdown)


def test_calibration_table_is_the_models_rows():
    table = travel.calibration()
    assert len(table) == travel.parameters()["kalibrert_paa_ruter"] == 8
    oppdal = table[(table["fra"] == "Trondheim") & (table["til"] == "Oppdal")].iloc[0]
    assert (oppdal["publisert_min"], oppdal["modell_min"], oppdal["feil_min"]) == (105.0, 104.1, -0.9)
    # the median and largest errors the model note states are those of these rows (road network, issue 21)
    errors = table["feil_min"].dropna().abs()
    assert errors.median() == travel.parameters()["median_absolutt_feil_min"] == 0.9
    assert errors.max() == travel.parameters()["maks_absolutt_feil_min"] == 11.8


@pytest.mark.parametrize("language", ["nb", "en"])
def test_about_page_shows_methods_calibration_and_disclosure(language):
    app = rendered("app_pages/om_data.py", lang=language)
    assert not app.exception
    text = _markdown(app)
    offers = kd.load_offers()
    real = int(offers["datakilde"].astype(str).str.startswith("HK-dir").sum())
    assert real == 913
    assert format_number(real, language) in text and format_number(int(offers["demo"].sum()), language) in text
    assert str(int(pooling.LONG_TRAVEL_MINUTES)) in text and "Luo" in text and "Hundepool" in text
    heading = "Små tall skjermes" if language == "nb" else "Small numbers"
    assert heading in text
    # the sources table comes first; the calibration table is the one with the 8 journeys
    tables = [frame.value for frame in app.dataframe]
    calibration = next(frame for frame in tables if isinstance(frame, pd.DataFrame) and len(frame) == 8)
    first = "Fra" if language == "nb" else "From"
    assert calibration.columns[0] == first
    assert list(calibration.iloc[0, :2]) == ["Trondheim", "Oppdal"]
    # the roads of the model's route, and minutes to one decimal (an error of −0.4 min is not shown as −0)
    assert calibration.columns[-1] == ("Veier i modellen" if language == "nb" else "Roads in the model")
    assert calibration.iloc[0, -1] == "E6" and calibration.iloc[1, -1] == "E6, Rv3, Fv30"
    assert list(calibration.iloc[0, 2:5]) == ["105", format_number(104.1, language, 1), format_number(-0.9, language, 1)]
    assert "−0" not in set(calibration.iloc[:, 4])
    assert "fri flyt uten rushtid" in text or "free-flow times with no rush hour" in text


def test_figures_from_offers_name_hkdir_and_the_licence_caveat_only_when_real_offers_are_in_them():
    from kompilot_data.reference.sources import records_source

    offers = kd.load_offers()
    line = records_source("nb", offers=offers)
    assert line.endswith(
        "Tilbud: HK-dir, Samordna opptak (lisens ikke bekreftet)."
    )
    demo_only = records_source("en", offers=offers[offers["demo"]])
    assert "HK-dir" not in demo_only and "demo data" in demo_only
    assert "HK-dir" not in records_source("nb", needs=kd.load_needs())
