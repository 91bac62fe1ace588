"""The View: one computed view per audience. Viewers can neither see nor derive a cell built on fewer than
3 businesses in anything the View returns; coordinators see everything; figures add up."""

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.engine.reach import ReachSetting
from kompilot_data.view import Audience, View, ViewKey
from kompilot_data.view.filters import Filters

KM90 = ReachSetting("luftlinje", 90)
# Namdalen: Røyrvik has one business (the case in issue 11), Lierne two, Namsos and Grong many.
BUSINESSES = {"5043": 1, "5042": 2, "5007": 6, "5045": 4, "5025": 5, "5001": 3}


def _needs() -> pd.DataFrame:
    rows = []
    areas = ["helse", "bygg", "ikt"]
    for code, businesses in BUSINESSES.items():
        for b in range(businesses):
            for k in range(2 if code == "5043" else 1):
                rows.append(
                    {
                        "behov_id": f"B{code}-{b}-{k}",
                        "registrert": f"2025-0{1 + (b % 9)}-15",
                        "bedrift_id": f"V{code}-{b}",
                        "orgnr": "",
                        "kommunenummer": code,
                        "naering": "Q",
                        "storrelse": "5-19",
                        "kompetanseomrade": areas[(b + k) % 3],
                        "niva": "kurs",
                        "laeringsform": "",
                        "antall_deltakere": str(2 + b),
                        "tidsramme_fra": "2026-01-01",
                        "tidsramme_til": "2026-12-31",
                        "status": ["kartlagt", "koblet", "etablert"][b % 3],
                        "kilde": ["sporreundersokelse", "bedriftsbesok"][b % 2],
                        "merknad": "",
                        "demo": "nei",
                    }
                )
    return kd.validated(pd.DataFrame(rows), "needs")


@pytest.fixture(scope="module")
def needs():
    return _needs()


@pytest.fixture(scope="module")
def offers():
    return kd.load_offers()


def exercise(view: View) -> None:
    """Everything the pages, the presentation and the briefing read from a view."""
    for by in [("kompetanseomrade",), ("niva",), ("status",), ("naering",), ("kompetanseomrade", "niva")]:
        view.counts(by, "deltakere")
        view.counts(by, "behov")
    view.counts(("delregion", "kompetanseomrade"), "deltakere")
    view.counts(("maaned", "status"), "behov")
    view.pipeline("delregion")
    view.pipeline("kilde")
    for by in [("delregion", "kompetanseomrade"), ("kommunenummer", "kompetanseomrade"), ("fylke", "kompetanseomrade")]:
        view.demand_supply(by)
    _ = view.municipality_table
    _ = view.white_spots
    _ = view.centrality_table
    view.brokering.pools(4)
    view.total("behov")


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(delregioner=("Namdalen",)), Filters(omrader=("helse",)), Filters(kommuner=("5043",))],
    ids=["all", "namdalen", "helse", "royrvik"],
)
def test_a_viewer_cannot_see_or_derive_a_small_cell(needs, offers, filters):
    view = View(needs, offers, ViewKey(filters=filters, audience=Audience.viewer(), reach=KM90))
    exercise(view)
    assert len(view.protections) >= 15
    problems = [
        f"{what}: {p}" for what, protected in view.protections for p in testing.disclosure_violations(protected)
    ]
    assert problems == []


def test_royrvik_is_hidden_on_the_map_with_a_complement_in_namdalen(needs, offers):
    view = View(needs, offers, ViewKey(audience=Audience.viewer(), reach=KM90))
    table = view.municipality_table
    royrvik = table.loc["5043"]
    assert royrvik["skjult"] and np.isnan(royrvik["behov_per_1000"]) and np.isnan(royrvik["behov"])
    assert np.isnan(royrvik["indeks"])
    namdalen = table[(table["delregion"] == "Namdalen") & (table["behov"].isna() | (table["behov"] > 0))]
    # Namdalen's total is public, so one more Namdalen municipality with needs is hidden: Lierne (2 businesses).
    assert sorted(namdalen.index[namdalen["skjult"]]) == ["5042", "5043"]
    # The map counts open needs (issue 20): 4 of Namsos' 6 needs are open.
    assert not table.loc["5007", "skjult"] and table.loc["5007", "behov"] == 4
    # Public statistics are never hidden.
    assert table["befolkning"].notna().all()


def test_the_key_figures_of_a_one_business_selection_are_hidden(needs, offers):
    view = View(needs, offers, ViewKey(filters=Filters(kommuner=("5043",)), audience=Audience.viewer(), reach=KM90))
    assert np.isnan(view.total("behov")) and np.isnan(view.total("bedrifter"))
    assert np.isnan(view.matched_share)
    coordinator = View(needs, offers, ViewKey(filters=Filters(kommuner=("5043",)), reach=KM90))
    assert coordinator.total("behov") == 2 and coordinator.total("bedrifter") == 1


def test_a_coordinator_sees_everything(needs, offers):
    view = View(needs, offers, ViewKey(reach=KM90))
    exercise(view)
    assert all(not protected.table["skjult"].any() for _, protected in view.protections)
    assert view.municipality_table.loc["5043", "behov"] == 2
    assert len(view.brokering.candidates) > 0


def test_figures_add_up_between_views(needs, offers):
    county = View(needs, offers, ViewKey(reach=KM90))
    regions = county.demand_supply(("delregion", "kompetanseomrade"))
    whole = county.demand_supply(("fylke", "kompetanseomrade")).droplevel(0)
    summed = regions.groupby(level="kompetanseomrade")[["ettersporsel", "tilbud_fordelt", "gap"]].sum()
    pd.testing.assert_frame_equal(summed, whole.loc[summed.index, ["ettersporsel", "tilbud_fordelt", "gap"]])
    # The map's municipality figures are the rows of the municipality table of the same view.
    table = county.municipality_table
    by_municipality = county.demand_supply(("kommunenummer", "kompetanseomrade"))
    per_place = by_municipality.groupby(level=0)["tilbud_fordelt"].sum()
    assert table.loc[per_place.index, "tilbud_fordelt"].to_numpy() == pytest.approx(per_place.to_numpy())
    # A Namdalen view gives Namdalen's municipalities the same share as the county view.
    namdalen = View(needs, offers, ViewKey(filters=Filters(delregioner=("Namdalen",)), reach=KM90))
    codes = namdalen.places
    assert namdalen.municipality_table.loc[codes, "tilbud_fordelt"].to_numpy() == pytest.approx(
        table.loc[codes, "tilbud_fordelt"].to_numpy()
    )
    assert np.isnan(namdalen.municipality_table.loc["5001", "tilbud_fordelt"])  # outside the place filter


def test_the_view_key_is_hashable_and_decides_equality():
    key = ViewKey(Filters(delregioner=("Fosen",)), Audience.viewer(), KM90, "en", 7)
    assert hash(key) == hash(ViewKey(Filters(delregioner=("Fosen",)), Audience.viewer(), KM90, "en", 7))
    assert key != ViewKey(Filters(delregioner=("Fosen",)), Audience.coordinator(), KM90, "en", 7)


def test_centrality_table_counts_every_open_need_once(needs, offers):
    view = View(needs, offers, ViewKey(reach=KM90))
    table = view.centrality_table
    assert table["apne_behov"].sum() == len(view.open_needs)
    classes = kd.load_municipalities()["sentralitetsklasse"]
    # Røyrvik (class 6) and Lierne (class 6): their open needs, all in one class.
    open_needs = view.open_needs
    by_class = open_needs["kommunenummer"].astype(str).map(classes).value_counts()
    assert table.loc[by_class.index, "apne_behov"].tolist() == by_class.tolist()
    assert table["andel_innen_rekkevidde"].dropna().between(0, 1).all()
    viewer = View(needs, offers, ViewKey(audience=Audience.viewer(), reach=KM90))
    shown = viewer.centrality_table
    assert len(viewer.protections) == 1
    assert testing.disclosure_violations(viewer.protections[0][1]) == []
    assert shown["apne_behov"].isna().sum() != 1  # never a single hidden class beside a visible total
