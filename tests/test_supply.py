"""Demand and supply with seats shared by 2SFCA, on fixtures small enough to compute by hand.

Straight-line reach of 90 km: Røros (5025) reaches Holtålen (5026, 45 km) but not Leka (5052) or Frøya (5014),
which lie 198-276 km from Røros and from each other.
"""

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import supply
from kompilot_data.engine.reach import ReachSetting, active_offers, available_seats, compute_reach, haversine_km

MUNICIPALITIES = kd.load_municipalities()
KM90 = ReachSetting("luftlinje", 90)


def point(code):
    return MUNICIPALITIES.at[code, "punkt_lat"], MUNICIPALITIES.at[code, "punkt_lon"]


def need(behov_id, kommune, area, level, participants, status="kartlagt", business=None):
    return {
        "behov_id": behov_id,
        "registrert": "2025-12-01",
        "bedrift_id": business or f"V-{behov_id}",
        "orgnr": "",
        "kommunenummer": kommune,
        "naering": "Q",
        "storrelse": "5-19",
        "kompetanseomrade": area,
        "niva": level,
        "laeringsform": "",
        "antall_deltakere": str(participants),
        "tidsramme_fra": "2026-01-01",
        "tidsramme_til": "2026-12-31",
        "status": status,
        "kilde": "bedriftsbesok",
        "merknad": "",
        "demo": "nei",
    }


def offer(tilbud_id, area, level, capacity, at=None, status="apen"):
    lat, lon = point(at) if at else ("", "")
    return {
        "tilbud_id": tilbud_id,
        "tilbyder": f"Tilbyder {tilbud_id}",
        "tittel": f"Kurs {tilbud_id}",
        "kompetanseomrade": area,
        "niva": level,
        "studiepoeng": "",
        "timer": "",
        "laeringsform": "stedlig" if at else "nettbasert",
        "kommunenummer": at or "",
        "studiested": "",
        "lat": str(lat),
        "lon": str(lon),
        "oppstart": "2026-09-01",
        "kapasitet": str(capacity),
        "min_deltakere": "",
        "pris_kr": "",
        "finansiering": "",
        "status": status,
        "kilde_url": "",
        "demo": "nei",
    }


@pytest.fixture
def needs():
    return kd.validated(
        pd.DataFrame(
            [
                need("N1", "5025", "helse", "kurs", 10),
                need("N2", "5026", "helse", "kurs", 5),
                need("N3", "5052", "helse", "kurs", 4),
                need("N4", "5052", "bygg", "kurs", 1),
                need("N5", "5025", "helse", "kurs", 7, status="gjennomfort"),  # met: not demand
            ]
        ),
        "needs",
    )


@pytest.fixture
def offers():
    return kd.validated(
        pd.DataFrame(
            [
                offer("A", "helse", "kurs", 30, at="5025"),  # Røros: reaches Røros and Holtålen
                offer("B", "helse", "kurs", 19),  # online: one county-wide pool
                offer("C", "bygg", "kurs", 8, at="5014"),  # Frøya: no bygg demand within reach
                offer("D", "helse", "kurs", 50, at="5052", status="avlyst"),  # cancelled: no seats
            ]
        ),
        "offers",
    )


def result(needs, offers, decay="ingen"):
    active = active_offers(offers)
    return supply.catchment(needs, active, compute_reach(active, KM90), decay, bakgrunn=False)


def test_2sfca_gives_the_hand_computed_ratios(needs, offers):
    catchment = result(needs, offers)
    ratio = dict(zip(catchment.offer_ids, catchment.seats_per_participant, strict=True))
    # Step 1: A's 30 seats over the 10 + 5 participants in its catchment; B's 19 over all 19 in the county.
    assert ratio["A"] == pytest.approx(2.0)
    assert ratio["B"] == pytest.approx(1.0)
    assert np.isnan(ratio["C"])  # no bygg demand within 90 km of Frøya
    table = supply.aggregate(catchment, ("kommunenummer", "kompetanseomrade"))
    # Step 2: Røros and Holtålen reach A and B (2 + 1 = 3 seats per participant), Leka only B (1).
    assert table.loc[("5025", "helse"), "tilbud_fordelt"] == pytest.approx(30)
    assert table.loc[("5026", "helse"), "tilbud_fordelt"] == pytest.approx(15)
    assert table.loc[("5052", "helse"), "tilbud_fordelt"] == pytest.approx(4)
    assert table.loc[("5052", "bygg"), "tilbud_fordelt"] == 0
    leka = table.loc[("5052", "helse")]
    assert (leka["ettersporsel"], leka["gap"], leka["dekning"], leka["indeks"]) == (4, 0, 1, 0)
    roros = table.loc[("5025", "helse")]
    assert roros["gap"] == pytest.approx(-20) and roros["indeks"] == pytest.approx((10 - 30) / 40)
    assert table.loc[("5052", "bygg"), "indeks"] == 1.0
    assert catchment.unused_seats.sum() == 8  # C


def test_apportioned_supply_adds_up_to_the_seats_any_demand_can_reach(needs, offers):
    catchment = result(needs, offers)
    # A (30) and B (19) have demand in their catchment; C (8) has none; D is cancelled.
    assert catchment.apportioned.sum() == pytest.approx(49)
    assert catchment.total_seats_reached + catchment.unused_seats.sum() == pytest.approx(30 + 19 + 8)


def test_sub_region_gaps_sum_to_the_county_gap_per_area(needs, offers):
    catchment = result(needs, offers)
    regions = supply.aggregate(catchment, ("delregion", "kompetanseomrade"))
    county = supply.aggregate(catchment, ("fylke", "kompetanseomrade")).droplevel(0)
    summed = regions.groupby(level="kompetanseomrade")[["ettersporsel", "tilbud_fordelt", "gap"]].sum()
    pd.testing.assert_frame_equal(summed.sort_index(), county[["ettersporsel", "tilbud_fordelt", "gap"]].sort_index())
    # Trøndelag sør holds Røros and Holtålen: 15 participants, 45 seats.
    assert regions.loc[("Trøndelag sør", "helse"), ["ettersporsel", "tilbud_fordelt"]].tolist() == pytest.approx(
        [15, 45]
    )


def test_the_place_filter_does_not_change_a_place_s_share(needs, offers):
    """A Holtålen view must not get the seats Røros also reaches: competition is computed over all places."""
    catchment = result(needs, offers)
    alone = supply.aggregate(catchment, ("kommunenummer", "kompetanseomrade"), places=["5026"])
    assert list(alone.index) == [("5026", "helse")]
    assert alone.loc[("5026", "helse"), "tilbud_fordelt"] == pytest.approx(15)


def test_e2sfca_decay_still_adds_up_and_favours_the_nearer_place(needs, offers):
    plain, decayed = result(needs, offers), result(needs, offers, decay="gauss")
    assert decayed.apportioned.sum() == pytest.approx(plain.apportioned.sum())
    cell = supply.cell_codes(pd.DataFrame({"kompetanseomrade": ["helse"], "niva": ["kurs"]}))[0]
    rows = plain.municipalities.get_indexer(["5025", "5026"])
    per_participant = decayed.apportioned[rows, cell] / decayed.demand[rows, cell]
    assert per_participant[0] > per_participant[1]  # Røros is 0 km from A, Holtålen 45 km


def test_white_spots_and_matched_share(needs, offers):
    catchment = result(needs, offers)
    spots = supply.white_spots(catchment)
    assert spots[["kommune", "kompetanseomrade", "ettersporsel", "behov", "bedrifter"]].values.tolist() == [
        ["Leka", "bygg", 1.0, 1, 1]
    ]
    # N1-N3 have an offer in the same area and level within reach (B is online); N4 has none.
    assert supply.needs_matched_share(catchment) == pytest.approx(3 / 4)
    assert supply.needs_matched_share(catchment, places=["5052"]) == pytest.approx(1 / 2)


def test_edge_cases(needs, offers):
    none = result(needs, offers.iloc[0:0])
    table = supply.aggregate(none, ("kommunenummer", "kompetanseomrade"))
    assert (table["tilbud_fordelt"] == 0).all() and (table["indeks"] == 1).all()
    online = compute_reach(active_offers(offers[offers["tilbud_id"] == "B"]), KM90)
    assert online.reachable.all()
    no_demand = needs[needs["status"] == "gjennomfort"]
    empty = result(no_demand, offers)
    assert empty.apportioned.sum() == 0 and empty.unused_seats.sum() == 30 + 19 + 8
    assert np.isnan(supply.needs_matched_share(empty))


def test_default_data_adds_up_and_tells_the_pilot_story():
    """On the embedded data, with the default reach (90 min of travel time) and lens: every grouping sums to the
    same county totals; health and care is short in the sub-pilots Namdalen and Fosen."""
    needs, offers = kd.load_needs(), kd.load_offers()
    active = supply.supply_offers(offers)
    catchment = supply.catchment(needs, active, compute_reach(active), bakgrunn=False)
    seats = available_seats(active)
    assert catchment.apportioned.sum() == pytest.approx(seats[~np.isnan(catchment.seats_per_participant)].sum())
    county = supply.aggregate(catchment, ("fylke",))
    for key in ("kommunenummer", "delregion", "sentralitetsklasse"):
        parts = supply.aggregate(catchment, (key,))[["ettersporsel", "tilbud_fordelt"]].sum()
        assert parts.tolist() == pytest.approx(county[["ettersporsel", "tilbud_fordelt"]].iloc[0].tolist())
    regions = supply.aggregate(catchment, ("delregion", "kompetanseomrade"))
    health = regions.xs("helse", level="kompetanseomrade")
    county_health = supply.aggregate(catchment, ("fylke", "kompetanseomrade")).xs("helse", level=1)
    assert county_health["gap"].iloc[0] == pytest.approx(health["gap"].sum())
    assert county_health["udekket"].iloc[0] == pytest.approx(health["udekket"].sum())
    # Counting full seats, the county's net gap in health is a surplus, yet Namdalen and Fosen lack seats: unmet
    # demand (summed over places) shows what the net gap hides.
    assert county_health["gap"].iloc[0] < 0 < county_health["udekket"].iloc[0]
    assert (health.loc[["Namdalen", "Fosen"], "udekket"] > 10).all()
    # Rural Namdalen has the largest shortfall relative to its demand of all sub-regions.
    index = supply.aggregate(catchment, ("delregion",))["indeks"]
    assert index.idxmax() == "Namdalen"


def test_seats_are_the_capacity_and_applicants_are_never_subtracted():
    frame = pd.DataFrame({"kapasitet": [250, 20, 30], "sokere_forstevalg": [930, 12, None]})
    assert available_seats(frame).tolist() == [250, 20, 30]
    offers = active_offers(kd.load_offers())
    assert available_seats(offers).sum() == offers["kapasitet"].astype(float).sum()


def test_haversine_known_distance():
    # Trondheim torg to Oslo sentrum, about 392 km.
    assert haversine_km(63.4305, 10.3951, 59.9139, 10.7522) == pytest.approx(392, abs=3)


def test_gap_command_prints_the_table_and_csv(capsys, monkeypatch, tmp_path):
    from kompilot_data.cli import main

    monkeypatch.setenv("KOMPILOT_DATA_DIR", str(tmp_path / "ingen-database"))  # the embedded default data
    assert main(["gap", "--reach", "km", "--by", "fylke,kompetanseomrade", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "fylke,kompetanseomrade,ettersporsel,tilbud_fordelt,gap,udekket,overskudd,dekning,indeks"
    rows = [line.split(",") for line in lines[1:]]
    assert {row[1] for row in rows} <= set(kd.codes("kompetanseomrade"))
    for row in rows:  # gap = demand - apportioned supply = unmet - surplus in every row; unmet >= the net gap
        assert float(row[4]) == pytest.approx(float(row[2]) - float(row[3]), abs=0.002)
        assert float(row[4]) == pytest.approx(float(row[5]) - float(row[6]), abs=0.003)
        assert float(row[5]) >= max(float(row[4]), 0) - 0.002
    assert main(["gap", "--by", "kompetanseomrade"]) == 2
    assert "--by må starte med et stednivå" in capsys.readouterr().err
