"""Mismatch indicators, matching and pooling on a small fixture with hand-computed expectations.

Leka (5052), Røros (5025) and Frøya (5014) lie 198–276 km apart, so a study place at one municipality's
representative point reaches only that municipality (radius 90 km). Holtålen (5026) is 45 km from Røros.
"""

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import matching, pooling
from kompilot_data.engine.reach import haversine_km

MUNICIPALITIES = kd.load_municipalities()


def point(code):
    return MUNICIPALITIES.at[code, "punkt_lat"], MUNICIPALITIES.at[code, "punkt_lon"]


def need(
    behov_id,
    kommune,
    area,
    level,
    participants,
    mode="",
    start="2026-01-01",
    end="2026-12-31",
    status="kartlagt",
    business=None,
):
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
        "laeringsform": mode,
        "antall_deltakere": str(participants),
        "tidsramme_fra": start,
        "tidsramme_til": end,
        "status": status,
        "kilde": "bedriftsbesok",
        "merknad": "",
        "demo": "nei",
    }


def offer(tilbud_id, area, level, mode, capacity, at=None, start="2026-09-01", status="apen"):
    lat, lon = point(at) if at else ("", "")
    return {
        "tilbud_id": tilbud_id,
        "tilbyder": f"Tilbyder {tilbud_id}",
        "tittel": f"Kurs {tilbud_id}",
        "kompetanseomrade": area,
        "niva": level,
        "studiepoeng": "",
        "timer": "",
        "laeringsform": mode,
        "kommunenummer": at or "",
        "studiested": "",
        "lat": str(lat),
        "lon": str(lon),
        "oppstart": start,
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
                need("N1", "5052", "helse", "fagskole", 5, end="2026-06-03"),
                need("N2", "5052", "helse", "kurs", 3, mode="nettbasert"),
                need("N3", "5025", "bygg", "fagbrev", 4, mode="stedlig"),
                need("N4", "5014", "ikt", "kurs", 2),
                need("N5", "5025", "helse", "fagskole", 6, status="gjennomfort"),
            ]
        ),
        "needs",
    )


@pytest.fixture
def offers():
    return kd.validated(
        pd.DataFrame(
            [
                offer("T1", "helse", "fagskole", "stedlig", 10, at="5052"),
                offer("T2", "helse", "kurs", "nettbasert", 20, start="2026-03-01"),
                offer("T3", "bygg", "fagbrev", "stedlig", 8, at="5014"),
                offer("T4", "ikt", "kurs", "stedlig", 15, at="5014", status="avlyst"),
            ]
        ),
        "offers",
    )


def test_matching_scores_and_ranking(needs, offers):
    ranked = matching.rank_candidates(needs, offers)
    n1 = ranked[ranked["behov_id"] == "N1"].set_index("tilbud_id")
    assert list(n1.index) == ["T1", "T2"]
    assert n1.loc["T1", "tidsramme"] == pytest.approx(0.5)  # starts 90 days after the window
    assert n1.loc["T1", "poeng"] == pytest.approx(0.9)
    assert n1.loc["T2", "niva"] == 0 and n1.loc["T2", "poeng"] == pytest.approx(0.7)
    n2 = ranked[ranked["behov_id"] == "N2"].set_index("tilbud_id")
    assert list(n2.index) == ["T2", "T1"]
    assert n2.loc["T2", "poeng"] == pytest.approx(1.0)
    assert n2.loc["T1", "poeng"] == pytest.approx(0.3 * 0 + 0.2 * 0.2 + 0.2 * 1 + 0.2 * 1 + 0.1 * 1)
    assert "N3" not in set(ranked["behov_id"])  # its bygg offer is 198 km away
    assert "N5" not in set(ranked["behov_id"])  # completed needs are not matched


def test_capacity_part(needs, offers):
    big = kd.validated(pd.DataFrame([need("N6", "5052", "helse", "fagskole", 15)]), "needs")
    ranked = matching.rank_candidates(big, offers).set_index("tilbud_id")
    assert ranked.loc["T1", "kapasitet"] == pytest.approx(10 / 15)


def test_vectorised_matching_equals_row_by_row():
    needs = kd.load_needs().head(250)
    offers = kd.load_offers()
    fast = matching.rank_candidates(needs, offers).drop(columns="avstand_km")
    slow = matching.rank_candidates_rowwise(needs, offers)
    merged = fast.merge(slow, on=["behov_id", "rang"], suffixes=("", "_slow"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["tilbud_id"] == merged["tilbud_id_slow"]).all()
    assert np.allclose(merged["poeng"], merged["poeng_slow"], atol=1e-5)


def test_reasons_and_reverse_view(needs, offers):
    ranked = matching.rank_candidates(needs, offers)
    first = ranked[ranked["behov_id"] == "N2"].iloc[0]
    need_row = needs.set_index("behov_id").loc["N2"]
    offer_row = offers.set_index("tilbud_id").loc["T2"]
    assert matching.reasons(first, need_row, offer_row) == [
        "Samme kompetanseområde",
        "Samme nivå: Kurs uten studiepoeng",
        "Nettbasert: passer (ønsket nettbasert)",
        "Uten studiested – ingen reise",
        "Oppstart 01.03.2026 innenfor ønsket tidsrom",
        "20 plasser – nok til alle",
    ]
    served = matching.needs_for_offer("T1", needs, offers)
    assert served["behov_id"].tolist() == ["N1", "N2"]
    with pytest.raises(KeyError):
        matching.needs_for_offer("T9", needs, offers)


def test_pooling_groups_nearby_uncovered_needs():
    rows = [
        need("P1", "5025", "bygg", "fagbrev", 4, business="A"),
        need("P2", "5026", "bygg", "fagbrev", 3, business="B"),
        need("P3", "5025", "bygg", "fagbrev", 6, business="A"),
        need("P4", "5052", "bygg", "fagbrev", 2, business="C"),
    ]
    needs = kd.validated(pd.DataFrame(rows), "needs")
    offers = kd.validated(pd.DataFrame([offer("T1", "helse", "kurs", "nettbasert", 20)]), "offers")
    pools = pooling.course_opportunities(needs, offers, min_class=12)
    assert len(pools) == 2
    first, second = pools.iloc[0], pools.iloc[1]
    assert (first["deltakere"], first["bedrifter"], first["behov"]) == (13, 2, 3)
    assert first["kommuner"] == "Holtålen, Røros"
    assert bool(first["min_klasse_naadd"]) is True
    assert first["delregion"] == "Trøndelag sør"
    # The host minimises participant-weighted distance among hosts that reach all three needs.
    hosts = pooling._hosts()
    lat = MUNICIPALITIES.loc[["5025", "5026", "5025"], "punkt_lat"].to_numpy()
    lon = MUNICIPALITIES.loc[["5025", "5026", "5025"], "punkt_lon"].to_numpy()
    distance = haversine_km(
        lat[:, None], lon[:, None], hosts["lat"].to_numpy()[None, :], hosts["lon"].to_numpy()[None, :]
    )
    travel = (np.array([4, 3, 6])[:, None] * distance).sum(axis=0)
    travel[(distance > 90).any(axis=0)] = np.inf
    assert first["vert"] == hosts["vert"].iloc[int(np.argmin(travel))]
    assert first["sum_avstand_km"] == pytest.approx(travel.min(), abs=0.1)
    assert (second["deltakere"], second["vert"], bool(second["min_klasse_naadd"])) == (2, "Leka", False)
    assert second["foreslaatt_form"] == "stedlig"
    assert second["beskrivelse"] == (
        "2 deltakere fra 1 bedrifter i Namdalen ønsker fag-/svennebrev i bygg og anlegg; "
        "beste vertssted: Leka (sum avstand 0 km)"
    )


def test_pooling_with_covered_needs_is_empty(needs, offers):
    covered = needs[needs["behov_id"].isin(["N1", "N2"])]
    assert pooling.course_opportunities(covered, offers).empty
