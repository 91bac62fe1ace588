import pandas as pd
import pandas.testing as pdt

import kompilot_data as kd
from kompilot_data._paths import DEMO_DIR
from kompilot_data.records.demo import DEFAULT_NEEDS, DEFAULT_OFFERS, DEFAULT_SEED


def test_same_seed_same_data_other_seed_other_data():
    pdt.assert_frame_equal(kd.generate_needs(300, seed=7), kd.generate_needs(300, seed=7))
    pdt.assert_frame_equal(kd.generate_offers(40, seed=7), kd.generate_offers(40, seed=7))
    assert not kd.generate_needs(300, seed=7).equals(kd.generate_needs(300, seed=8))


def test_embedded_demo_files_are_the_generator_output():
    committed = pd.read_csv(DEMO_DIR / "needs.csv", dtype=str, keep_default_na=False)
    pdt.assert_frame_equal(committed, kd.generate_needs(DEFAULT_NEEDS, DEFAULT_SEED).astype(str))
    committed = pd.read_csv(DEMO_DIR / "offers.csv", dtype=str, keep_default_na=False)
    pdt.assert_frame_equal(committed, kd.generate_offers(DEFAULT_OFFERS, DEFAULT_SEED).astype(str))


def test_demo_is_valid_import_format_and_marked_demo():
    needs = kd.load_needs()
    offers = kd.load_offers()
    assert len(needs) == 1500 and len(offers) == 150
    assert needs["demo"].all() and offers["demo"].all()
    assert needs["bedrift_id"].nunique() == 600
    assert list(kd.generate_needs(10).columns) == [c.name for c in kd.NEED_COLUMNS]


def test_demo_is_grounded_in_real_structure():
    needs = kd.load_needs()
    municipalities = kd.load_municipalities()
    # Needs follow employment, with more weight in the sub-regions where the pilot collected them.
    per_municipality = needs.groupby("kommunenummer").size().reindex(municipalities.index, fill_value=0)
    per_employed = per_municipality / municipalities["sysselsatte"]
    in_pilot = municipalities["delregion"] != kd.OUTSIDE_PILOT
    assert per_employed[in_pilot].mean() > 3 * per_employed[~in_pilot].mean()
    assert per_municipality["5001"] == per_municipality.max()  # Trondheim still has the most
    # Health is the largest area, as in NAV's shortage pattern for Trøndelag.
    assert needs["kompetanseomrade"].value_counts().idxmax() == "helse"
    # Health needs come mostly from the health and social sector (Q).
    health = needs[needs["kompetanseomrade"] == "helse"]
    assert (health["naering"] == "Q").mean() > 0.6


def test_offers_sit_at_real_study_places_and_include_real_examples():
    offers = kd.load_offers()
    places = kd.load_study_places()
    placed = offers.dropna(subset=["kommunenummer"])
    assert set(placed["kommunenummer"]) <= set(places["kommunenummer"])
    assert placed["lat"].notna().all()
    titles = set(offers["tittel"])
    assert {"Ledelse havbruksoperasjoner", "Verdiskaping i lokalmat", "Fagbrev på jobb"} <= titles
    akvafleks = offers[offers["tittel"].str.startswith("Akvafleks")].iloc[0]
    assert akvafleks["kilde_url"].startswith("https://")
    assert (offers["min_deltakere"] <= offers["kapasitet"]).all()


def test_scale_generator():
    needs = kd.generate_needs(100_000, seed=3)
    offers = kd.generate_offers(10_000, seed=3)
    assert len(needs) == 100_000 and needs["behov_id"].is_unique
    assert len(offers) == 10_000 and offers["tilbud_id"].is_unique
    assert kd.validate(offers, "offers").empty
