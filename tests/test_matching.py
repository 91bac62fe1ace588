"""Matching and pooling on hand-built reach (minutes, km, ferries) with hand-computed expectations.

The reach is built by hand (:func:`hand_reach`), so these tests do not depend on the travel-time model
or on where the reference data puts a municipality's centre. Every test fixes ``today``.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.engine import matching, pooling
from kompilot_data.engine.reach import Reach, ReachSetting

MUNICIPALITIES = kd.load_municipalities()
TODAY = date(2026, 1, 15)
FAR = 999.0


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


def needs_of(*rows):
    return kd.validated(pd.DataFrame(list(rows)), "needs")


def offers_of(*rows):
    return kd.validated(pd.DataFrame(list(rows)), "offers")


def hand_reach(ids, placeless=(), km=None, minutes=None, ferries=None, limit=90.0):
    """Reach from every municipality to the columns ``ids``: ``km``/``minutes`` map (kommunenummer, id) to a
    value (every other pair is FAR away); ``ferries`` map (kommunenummer, id) to a ferry label. Travel time
    when ``minutes`` is given, else straight line."""
    rows, columns = MUNICIPALITIES.index, pd.Index(list(ids))
    shape = (len(rows), len(columns))
    distance = np.full(shape, FAR, dtype=np.float32)
    travel = np.full(shape, FAR, dtype=np.float32)
    ferry = np.full(shape, -1, dtype=np.int32)
    labels = tuple(dict.fromkeys((ferries or {}).values()))
    for table, values in ((distance, km), (travel, minutes)):
        for (code, column), value in (values or {}).items():
            table[rows.get_loc(code), columns.get_loc(column)] = value
    for (code, column), label in (ferries or {}).items():
        ferry[rows.get_loc(code), columns.get_loc(column)] = labels.index(label)
    without = columns.isin(list(placeless))
    distance[:, without] = np.nan
    travel[:, without] = np.nan
    if minutes is None:
        setting = ReachSetting("luftlinje", limit)
        return Reach(rows, columns, without[None, :] | (distance <= limit), distance, setting)
    setting = ReachSetting("reisetid", limit)
    return Reach(rows, columns, without[None, :] | (travel <= limit), distance, setting, travel, ferry, labels)


# --- matching --------------------------------------------------------------------------------


@pytest.fixture
def needs():
    return needs_of(
        need("N1", "5052", "helse", "fagskole", 5, end="2026-06-03"),
        need("N2", "5052", "helse", "kurs", 3, mode="nettbasert"),
        need("N3", "5025", "bygg", "fagbrev", 4, mode="stedlig"),
        need("N4", "5014", "ikt", "kurs", 2),
        need("N5", "5025", "helse", "fagskole", 6, status="gjennomfort"),
    )


@pytest.fixture
def offers():
    return offers_of(
        offer("T1", "helse", "fagskole", "stedlig", 10, at="5052"),
        offer("T2", "helse", "kurs", "nettbasert", 20, start="2026-03-01"),
        offer("T3", "bygg", "fagbrev", "stedlig", 8, at="5014"),
        offer("T4", "ikt", "kurs", "stedlig", 15, at="5014", status="avlyst"),
    )


@pytest.fixture
def km_reach():
    """Straight line: T1 is in Leka (0 km from Leka), T3 in Frøya, 198 km from Røros; T2 is online."""
    return hand_reach(
        ["T1", "T2", "T3", "T4"],
        placeless=["T2"],
        km={("5052", "T1"): 0.0, ("5014", "T3"): 0.0, ("5025", "T3"): 198.0, ("5014", "T4"): 0.0},
    )


def test_scores_and_ranking(needs, offers, km_reach):
    ranked = matching.rank_candidates(needs, offers, reach=km_reach, today=TODAY)
    assert ranked.columns.tolist() == matching.CANDIDATE_COLUMNS
    assert ranked[["behov_id", "rang", "tilbud_id"]].values.tolist() == [
        ["N1", 1, "T1"],
        ["N1", 2, "T2"],
        ["N2", 1, "T2"],
        ["N2", 2, "T1"],
    ]
    n1 = ranked[ranked["behov_id"] == "N1"].set_index("tilbud_id")
    assert n1.loc["T1", "tidsramme"] == pytest.approx(0.5)  # starts 90 days after the window
    assert n1.loc["T1", "poeng"] == pytest.approx(0.9, abs=1e-12)
    assert n1.loc["T2", "niva"] == 0 and n1.loc["T2", "poeng"] == pytest.approx(0.7, abs=1e-12)
    n2 = ranked[ranked["behov_id"] == "N2"].set_index("tilbud_id")
    assert n2.loc["T2", "poeng"] == pytest.approx(1.0, abs=1e-12)
    assert n2.loc["T1", "poeng"] == pytest.approx(0.3 * 0 + 0.2 * 0.2 + 0.2 * 1 + 0.2 * 1 + 0.1 * 1, abs=1e-12)
    assert n2.loc["T1", "avstand_km"] == 0.0 and np.isnan(n2.loc["T2", "avstand_km"])
    assert ranked["reisetid_min"].isna().all() and ranked["ferje"].isna().all()
    # N3's bygg offer is 198 km away, N4's only offer is cancelled, N5 is completed.
    assert set(ranked["behov_id"]) == {"N1", "N2"}


def test_capacity_part(offers, km_reach):
    big = needs_of(need("N6", "5052", "helse", "fagskole", 15))
    ranked = matching.rank_candidates(big, offers, reach=km_reach, today=TODAY).set_index("tilbud_id")
    assert ranked.loc["T1", "kapasitet"] == pytest.approx(10 / 15)
    # 0.3 + 0.2 + 0.2 + 0.2 + 0.1 · 10/15, in whole millionths
    assert ranked.loc["T1", "poeng"] == pytest.approx(0.966667, abs=1e-12)


def test_started_offers_are_not_proposed(needs):
    offers = offers_of(
        offer("T1", "helse", "fagskole", "stedlig", 10, at="5052", start="2026-01-05", status="pagar"),
        offer("T5", "helse", "fagskole", "stedlig", 10, at="5052", start="2026-02-01", status="pagar"),
        offer("T6", "helse", "fagskole", "stedlig", 10, at="5052", start="2026-01-05", status="apen"),
        offer("T7", "helse", "fagskole", "stedlig", 10, at="5052", start="2026-01-15", status="pagar"),
    )
    assert matching.started_offers(offers, TODAY).tolist() == [True, False, False, False]
    assert matching.proposable_offers(offers, TODAY)["tilbud_id"].tolist() == ["T5", "T6", "T7"]
    reach = hand_reach(["T1", "T5", "T6", "T7"], km={("5052", x): 0.0 for x in ["T1", "T5", "T6", "T7"]})
    ranked = matching.rank_candidates(needs, offers, reach=reach, today=TODAY)
    assert ranked[ranked["behov_id"] == "N1"]["tilbud_id"].tolist() == ["T5", "T6", "T7"]  # equal scores
    assert "T1" not in set(ranked["tilbud_id"])
    assert "T1" not in set(testing.rank_candidates_rowwise(needs, offers, reach=reach, today=TODAY)["tilbud_id"])
    assert matching.needs_for_offer("T1", needs, offers, reach=reach, today=TODAY).empty
    # Before it started, T1 is proposed.
    earlier = matching.rank_candidates(needs, offers, reach=reach, today=date(2026, 1, 5))
    assert "T1" in set(earlier["tilbud_id"])


def test_expired_window_is_flagged(offers, km_reach):
    needs = needs_of(
        need("N1", "5052", "helse", "fagskole", 5, start="2025-06-01", end="2026-01-10"),
        need("N2", "5052", "helse", "kurs", 3, end="2026-01-15"),
    )
    ranked = matching.rank_candidates(needs, offers, reach=km_reach, today=TODAY)
    flags = ranked.groupby("behov_id")["tidsvindu_utlopt"].agg(["all", "any"])
    assert flags.loc["N1"].tolist() == [True, True]
    assert flags.loc["N2"].tolist() == [False, False]  # its latest start is today
    slow = testing.rank_candidates_rowwise(needs, offers, reach=km_reach, today=TODAY)
    assert slow["tidsvindu_utlopt"].tolist() == ranked["tidsvindu_utlopt"].tolist()
    assert matching.expired_window(needs, TODAY).tolist() == [True, False]
    first = ranked.iloc[0]
    need_row = needs.set_index("behov_id").loc["N1"]
    offer_row = offers.set_index("tilbud_id").loc[first["tilbud_id"]]
    assert matching.reasons(first, need_row, offer_row)[-1] == (
        "Ønsket tidsrom er utløpt (seneste oppstart 10.01.2026) – sjekk om behovet fortsatt gjelder"
    )
    assert matching.reasons(first, need_row, offer_row, "en")[-1] == (
        "The wanted timeframe has ended (latest start 10 Jan 2026) – check whether the need still applies"
    )
    later = ranked[ranked["behov_id"] == "N2"].iloc[0]
    reasons = matching.reasons(later, needs.set_index("behov_id").loc["N2"], offers.set_index("tilbud_id").loc["T2"])
    assert not any("utløpt" in line for line in reasons)


def test_reasons_name_the_travel_and_the_ferry():
    needs = needs_of(need("N1", "5057", "helse", "fagskole", 4, mode="stedlig"))
    offers = offers_of(
        offer("A", "helse", "fagskole", "stedlig", 10, at="5001"),
        offer("B", "helse", "fagskole", "stedlig", 10, at="5054"),
    )
    reach = hand_reach(
        ["A", "B"],
        km={("5057", "A"): 35.0, ("5057", "B"): 28.0},
        minutes={("5057", "A"): 75.0, ("5057", "B"): 40.0},
        ferries={("5057", "A"): "Brekstad–Valset"},
    )
    ranked = matching.rank_candidates(needs, offers, reach=reach, today=TODAY).set_index("tilbud_id")
    assert ranked.loc["A", "ferje"] == "Brekstad–Valset" and pd.isna(ranked.loc["B", "ferje"])
    assert ranked.loc["A", "reisetid_min"] == 75.0 and ranked.loc["A", "avstand_km"] == 35.0
    need_row = needs.iloc[0]
    by_id = offers.set_index("tilbud_id")
    assert matching.reasons(ranked.loc["A"], need_row, by_id.loc["A"]) == [
        "Samme kompetanseområde",
        "Samme nivå: Fagskole",
        "Stedlig: passer (ønsket stedlig)",
        "75 min med bil inkl. ferje Brekstad–Valset (modellert reisetid)",
        "Oppstart 01.09.2026 innenfor ønsket tidsrom",
        "10 plasser – nok til alle",
    ]
    assert matching.reasons(ranked.loc["A"], need_row, by_id.loc["A"], "en")[3] == (
        "75 min by car incl. ferry Brekstad–Valset (modelled travel time)"
    )
    assert matching.reasons(ranked.loc["B"], need_row, by_id.loc["B"])[3] == "40 min med bil (modellert reisetid)"
    straight = hand_reach(["A", "B"], km={("5057", "A"): 35.0, ("5057", "B"): 28.0})
    by_km = matching.rank_candidates(needs, offers, reach=straight, today=TODAY).set_index("tilbud_id")
    assert matching.reasons(by_km.loc["A"], need_row, by_id.loc["A"])[3] == "35 km luftlinje"
    assert matching.reasons(by_km.loc["A"], need_row, by_id.loc["A"], "en")[3] == "35 km straight line"


def test_ranking_by_minutes_differs_from_ranking_by_km():
    """Ørland: Trondheim (A) is 35 km across the fjord but 75 min with the ferry; Åfjord (B) is 60 km by
    road, 45 min."""
    needs = needs_of(need("N1", "5057", "helse", "fagskole", 4))
    offers = offers_of(
        offer("A", "helse", "fagskole", "stedlig", 10, at="5001"),
        offer("B", "helse", "fagskole", "stedlig", 10, at="5058"),
    )
    km = {("5057", "A"): 35.0, ("5057", "B"): 60.0}
    by_minutes = hand_reach(["A", "B"], km=km, minutes={("5057", "A"): 75.0, ("5057", "B"): 45.0})
    ranked = matching.rank_candidates(needs, offers, reach=by_minutes, today=TODAY)
    # 0.3 + 0.2 + 0.2 · (1 − 45/90) + 0.2 + 0.1 = 0.9; 0.8 + 0.2 · (1 − 75/90) = 0.833333
    assert ranked["tilbud_id"].tolist() == ["B", "A"]
    assert ranked["poeng"].tolist() == pytest.approx([0.9, 0.833333], abs=1e-12)
    assert ranked["avstand"].tolist() == pytest.approx([0.5, 1 - 75 / 90])
    ranked = matching.rank_candidates(needs, offers, reach=hand_reach(["A", "B"], km=km), today=TODAY)
    # 0.8 + 0.2 · (1 − 35/90) = 0.922222; 0.8 + 0.2 · (1 − 60/90) = 0.866667
    assert ranked["tilbud_id"].tolist() == ["A", "B"]
    assert ranked["poeng"].tolist() == pytest.approx([0.922222, 0.866667], abs=1e-12)


def test_gathering_offers_weigh_travel_half():
    needs = needs_of(need("N1", "5057", "helse", "fagskole", 4))
    offers = offers_of(offer("A", "helse", "fagskole", "samlingsbasert", 10, at="5001"))
    reach = hand_reach(["A"], km={("5057", "A"): 35.0}, minutes={("5057", "A"): 72.0})
    ranked = matching.rank_candidates(needs, offers, reach=reach, today=TODAY)
    assert ranked["avstand"].tolist() == pytest.approx([1 - 0.5 * 72 / 90])


def random_case(seed, n_needs=600, n_offers=240):
    """Needs and offers in three areas with every level, mode and status, many exact ties (placeless copies),
    and a random travel-time reach with ferries."""
    rng = np.random.default_rng(seed)
    codes = MUNICIPALITIES.index.tolist()
    areas, levels = ["helse", "bygg", "ikt"], ["kurs", "fagbrev", "fagskole", "hoyere", "master"]
    modes = ["stedlig", "samlingsbasert", "nettbasert", "bedriftsintern"]
    day = pd.Timestamp("2025-06-01")
    need_rows = []
    for i in range(n_needs):
        start = day + pd.Timedelta(days=int(rng.integers(0, 700)))
        need_rows.append(
            need(
                f"N{i:04d}",
                codes[rng.integers(len(codes))],
                areas[rng.integers(3)],
                levels[rng.integers(5)],
                int(rng.integers(1, 25)),
                mode=["", *modes][rng.integers(5)],
                start=start.date().isoformat(),
                end=(start + pd.Timedelta(days=int(rng.integers(0, 300)))).date().isoformat(),
                status=["kartlagt", "koblet", "etablert"][rng.integers(3)],
            )
        )
    offer_rows = []
    for j in range(n_offers):
        placed = rng.random() < 0.7
        row = offer(
            f"T{j:04d}",
            areas[rng.integers(3)],
            levels[rng.integers(5)],
            modes[rng.integers(4)] if placed else modes[2 + rng.integers(2)],
            int(rng.integers(5, 25)),
            at=codes[rng.integers(len(codes))] if placed else None,
            start=(day + pd.Timedelta(days=int(rng.integers(0, 800)))).date().isoformat(),
            status=["planlagt", "apen", "pagar", "avlyst"][rng.integers(4)],
        )
        offer_rows.append(row)
        if not placed and j % 3 == 0:  # an identical copy: equal scores, ordered by offer id
            offer_rows.append({**row, "tilbud_id": f"S{j:04d}"})
    needs, offers = needs_of(*need_rows), offers_of(*offer_rows)
    ids = offers["tilbud_id"].tolist()
    placeless = offers.loc[offers["lat"].isna(), "tilbud_id"].tolist()
    km, minutes, ferries = {}, {}, {}
    for code in codes:
        for offer_id in ids:
            km[(code, offer_id)] = float(rng.uniform(0, 150))
            minutes[(code, offer_id)] = float(rng.uniform(0, 130))
            if rng.random() < 0.2:
                ferries[(code, offer_id)] = ["Brekstad–Valset", "Flakk–Rørvik", "Skei–Gutvik"][rng.integers(3)]
    return needs, offers, placeless, km, minutes, ferries


@pytest.mark.parametrize("mode", ["reisetid", "luftlinje"])
@pytest.mark.parametrize("top", [1, 5])
def test_vectorised_ranking_equals_row_by_row(mode, top, monkeypatch):
    needs, offers, placeless, km, minutes, ferries = random_case(17)
    if mode == "reisetid":
        reach = hand_reach(offers["tilbud_id"], placeless, km=km, minutes=minutes, ferries=ferries)
    else:
        reach = hand_reach(offers["tilbud_id"], placeless, km=km)
    today = date(2026, 3, 1)
    slow = testing.rank_candidates_rowwise(needs, offers, top=top, reach=reach, today=today)
    fast = matching.rank_candidates(needs, offers, top=top, reach=reach, today=today)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    assert len(slow) > 200 and slow["tidsvindu_utlopt"].any() and not slow["tidsvindu_utlopt"].all()
    if mode == "reisetid":
        assert slow["ferje"].notna().any()
    if top > 1:  # the fixture has exact ties, broken by offer id
        ties = slow[slow.duplicated(["behov_id", "poeng"], keep=False)]
        assert len(ties) > 0
        assert (ties.groupby(["behov_id", "poeng"])["tilbud_id"].apply(lambda s: s.is_monotonic_increasing)).all()
    # One offer per round and tiny chunks give the same result.
    monkeypatch.setattr(matching, "FIRST_WIDTH", 1)
    monkeypatch.setattr(matching, "CHUNK_CELLS", 7)
    pd.testing.assert_frame_equal(
        matching.rank_candidates(needs, offers, top=top, reach=reach, today=today), slow, check_dtype=False
    )


def test_reverse_view(needs, offers, km_reach):
    served = matching.needs_for_offer("T1", needs, offers, reach=km_reach, today=TODAY)
    assert served["behov_id"].tolist() == ["N1", "N2"]
    assert served["poeng"].tolist() == pytest.approx([0.9, 0.54], abs=1e-12)
    with pytest.raises(KeyError):
        matching.needs_for_offer("T9", needs, offers, reach=km_reach)


def test_no_candidates_gives_empty_table(needs, offers, km_reach):
    ranked = matching.rank_candidates(needs[needs["behov_id"] == "N3"], offers, reach=km_reach, today=TODAY)
    assert ranked.empty and ranked.columns.tolist() == matching.CANDIDATE_COLUMNS


# --- pooling ---------------------------------------------------------------------------------


def host_frame(*rows):
    """Hosts as (vert_id, name, kommunenummer)."""
    frame = pd.DataFrame(rows, columns=["vert_id", "vert", "kommunenummer"])
    frame["vert_type"] = "studiested"
    frame["delregion"] = frame["kommunenummer"].map(MUNICIPALITIES["delregion"].astype(str))
    frame["lat"], frame["lon"] = 63.5, 10.0
    return frame


ONLINE = offer("T1", "helse", "kurs", "nettbasert", 20)
ONLINE_REACH = hand_reach(["T1"], placeless=["T1"])

FOSEN_NEEDS = [
    need("P1", "5057", "bygg", "fagbrev", 4, business="A"),
    need("P2", "5054", "bygg", "fagbrev", 3, business="B"),
    need("P3", "5058", "bygg", "fagbrev", 5, business="C"),
]
FOSEN_HOSTS = host_frame(("H1", "Vert A", "5001"), ("H2", "Vert B", "5054"), ("H3", "Vert C", "5057"))
FOSEN_MINUTES = {
    ("5057", "H1"): 75.0,
    ("5054", "H1"): 50.0,
    ("5058", "H1"): 85.0,
    ("5057", "H2"): 40.0,
    ("5054", "H2"): 0.0,
    ("5058", "H2"): 45.0,
    ("5057", "H3"): 0.0,
    ("5054", "H3"): 40.0,
    ("5058", "H3"): 70.0,
}
FOSEN_KM = {
    ("5057", "H1"): 30.0,
    ("5054", "H1"): 15.0,
    ("5058", "H1"): 45.0,
    ("5057", "H2"): 35.0,
    ("5054", "H2"): 0.0,
    ("5058", "H2"): 55.0,
    ("5057", "H3"): 0.0,
    ("5054", "H3"): 35.0,
    ("5058", "H3"): 70.0,
}
FOSEN_FERRIES = {("5057", "H1"): "Brekstad–Valset", ("5054", "H1"): "Flakk–Rørvik"}


def test_pool_host_by_total_travel_minutes():
    needs, offers = needs_of(*FOSEN_NEEDS), offers_of(ONLINE)
    by_minutes = hand_reach(["H1", "H2", "H3"], km=FOSEN_KM, minutes=FOSEN_MINUTES, ferries=FOSEN_FERRIES)
    pools = pooling.course_opportunities(
        needs, offers, reach=ONLINE_REACH, host_frame=FOSEN_HOSTS, host_travel=by_minutes, today=TODAY
    )
    assert len(pools) == 1
    pool = pools.iloc[0]
    # Totals: A 4·75 + 3·50 + 5·85 = 875, B 4·40 + 0 + 5·45 = 385, C 0 + 3·40 + 5·70 = 470 minutes.
    assert (pool["vert"], pool["vert_kommunenummer"], pool["sum_reisetid_min"], pool["maks_reisetid_min"]) == (
        "Vert B",
        "5054",
        385,
        45,
    )
    assert (pool["deltakere"], pool["bedrifter"], pool["behov"], pool["kommuner"]) == (
        12,
        3,
        3,
        "Indre Fosen, Åfjord, Ørland",
    )
    assert (pool["sum_avstand_km"], pool["maks_avstand_km"], pool["ferjer"]) == (415.0, 55.0, "")
    assert (pool["delregion"], bool(pool["min_klasse_naadd"]), pool["foreslaatt_form"]) == ("Fosen", True, "stedlig")
    assert pool["behov_ids"] == "P1;P2;P3"
    assert pool["beskrivelse"] == (
        "12 deltakere fra 3 bedrifter i Fosen ønsker fag-/svennebrev i bygg og anlegg; "
        "beste vertssted: Vert B (sum reisetid 385 min, modellert)"
    )
    # By straight-line km the same pool goes to A: 4·30 + 3·15 + 5·45 = 390 km against B's 415.
    by_km = hand_reach(["H1", "H2", "H3"], km=FOSEN_KM)
    pool = pooling.course_opportunities(
        needs, offers, reach=ONLINE_REACH, host_frame=FOSEN_HOSTS, host_travel=by_km, language="en", today=TODAY
    ).iloc[0]
    assert (pool["vert"], pool["sum_avstand_km"], np.isnan(pool["sum_reisetid_min"])) == ("Vert A", 390.0, True)
    assert pool["beskrivelse"] == (
        "12 participants from 3 businesses in Fosen want trade or journeyman certificate in building and "
        "construction; best host: Vert A (total distance 390 km straight line)"
    )


def test_pool_names_its_ferries():
    needs, offers = needs_of(*FOSEN_NEEDS), offers_of(ONLINE)
    only_a = FOSEN_HOSTS.iloc[[0]].reset_index(drop=True)
    minutes = {key: value for key, value in FOSEN_MINUTES.items() if key[1] == "H1"}
    km = {key: value for key, value in FOSEN_KM.items() if key[1] == "H1"}
    travel = hand_reach(["H1"], km=km, minutes=minutes, ferries=FOSEN_FERRIES)
    pool = pooling.course_opportunities(
        needs, offers, reach=ONLINE_REACH, host_frame=only_a, host_travel=travel, today=TODAY
    ).iloc[0]
    assert (pool["vert"], pool["sum_reisetid_min"], pool["maks_reisetid_min"]) == ("Vert A", 875, 85)
    assert pool["ferjer"] == "Brekstad–Valset; Flakk–Rørvik"
    assert pool["foreslaatt_form"] == "samlingsbasert eller nettbasert"  # 85 min > 60 min
    assert pool["beskrivelse"].endswith("(sum reisetid 875 min, modellert; ferje Brekstad–Valset; Flakk–Rørvik)")


def test_pool_region_label_from_participants():
    """Three one-person needs in Namsos (most needs), 5 people in Trondheim, 6 in Melhus: Trøndelag sør."""
    needs = needs_of(
        need("R1", "5007", "ikt", "kurs", 1),
        need("R2", "5007", "ikt", "kurs", 1),
        need("R3", "5007", "ikt", "kurs", 1),
        need("R4", "5001", "ikt", "kurs", 5),
        need("R5", "5028", "ikt", "kurs", 6),
    )
    hosts = host_frame(("H1", "Namsos vert", "5007"))
    travel = hand_reach(["H1"], minutes={(code, "H1"): 30.0 for code in ["5007", "5001", "5028"]})
    pools = pooling.course_opportunities(
        needs, offers_of(ONLINE), reach=ONLINE_REACH, host_frame=hosts, host_travel=travel, today=TODAY
    )
    assert pools[["delregion", "vert", "deltakere", "behov"]].values.tolist() == [
        ["Trøndelag sør", "Namsos vert", 14, 5]
    ]
    assert pooling._region(np.array(["Fosen", "Namdalen"]), np.array([3.0, 3.0]), np.array([1, 2])) == "Namdalen"


def test_pools_respect_the_subregion_filter():
    """Melhus' host reaches Fosen across the fjord (85 and 80 min); Fosen's host does not reach Melhus."""
    rows = [*FOSEN_NEEDS[:2], need("P9", "5028", "bygg", "fagbrev", 10, business="D")]
    hosts = host_frame(("M", "Melhus vert", "5028"), ("F", "Fosen vert", "5054"))
    minutes = {
        ("5028", "M"): 0.0,
        ("5057", "M"): 85.0,
        ("5054", "M"): 80.0,
        ("5057", "F"): 40.0,
        ("5054", "F"): 0.0,
        ("5028", "F"): 130.0,
    }
    travel = hand_reach(["M", "F"], minutes=minutes)
    context = {"reach": ONLINE_REACH, "host_frame": hosts, "host_travel": travel, "today": TODAY}
    everyone = pooling.course_opportunities(needs_of(*rows), offers_of(ONLINE), **context)
    assert everyone[["delregion", "vert", "kommuner", "deltakere"]].values.tolist() == [
        ["Trøndelag sør", "Melhus vert", "Indre Fosen, Melhus, Ørland", 17]
    ]
    fosen = pooling.course_opportunities(needs_of(*rows[:2]), offers_of(ONLINE), **context)
    assert fosen[["delregion", "vert", "kommuner", "deltakere", "sum_reisetid_min"]].values.tolist() == [
        ["Fosen", "Fosen vert", "Indre Fosen, Ørland", 7, 160]
    ]


def test_started_offers_do_not_cover_needs():
    needs = needs_of(need("P1", "5052", "bygg", "fagbrev", 4))
    offers = offers_of(offer("T1", "bygg", "fagbrev", "stedlig", 10, at="5052", start="2026-01-05", status="pagar"))
    reach = hand_reach(["T1"], km={("5052", "T1"): 0.0})
    hosts = host_frame(("H", "Leka vert", "5052"))
    travel = hand_reach(["H"], km={("5052", "H"): 0.0})
    context = {"reach": reach, "host_frame": hosts, "host_travel": travel}
    assert pooling.uncovered_needs(needs, offers, reach, today=TODAY)["behov_id"].tolist() == ["P1"]
    assert pooling.course_opportunities(needs, offers, today=TODAY, **context)["behov_ids"].tolist() == ["P1"]
    assert pooling.course_opportunities(needs, offers, today=date(2026, 1, 5), **context).empty


def test_pooling_with_covered_needs_is_empty(needs, offers, km_reach):
    covered = needs[needs["behov_id"].isin(["N1", "N2"])]
    pools = pooling.course_opportunities(covered, offers, reach=km_reach, today=TODAY)
    assert pools.empty and pools.columns.tolist() == pooling.COLUMNS


def test_pooling_keeps_needs_apart_by_level_and_reach(needs, offers, km_reach):
    rows = [
        need("P1", "5025", "bygg", "fagbrev", 4, business="A"),
        need("P2", "5026", "bygg", "fagbrev", 3, business="B"),
        need("P3", "5025", "bygg", "fagbrev", 6, business="A"),
        need("P4", "5052", "bygg", "fagbrev", 2, business="C"),
        need("P5", "5025", "bygg", "fagskole", 2, business="A"),
    ]
    hosts = host_frame(("R", "Røros vert", "5025"), ("L", "Leka vert", "5052"))
    km = {("5025", "R"): 0.0, ("5026", "R"): 45.0, ("5052", "L"): 0.0}
    pools = pooling.course_opportunities(
        needs_of(*rows), offers, reach=km_reach, host_frame=hosts, host_travel=hand_reach(["R", "L"], km=km)
    )
    assert pools[
        ["niva", "vert", "deltakere", "bedrifter", "behov", "sum_avstand_km", "min_klasse_naadd"]
    ].values.tolist() == [
        ["fagbrev", "Røros vert", 13, 2, 3, 135.0, True],
        ["fagbrev", "Leka vert", 2, 1, 1, 0.0, False],
        ["fagskole", "Røros vert", 2, 1, 1, 0.0, False],
    ]
    assert pools["beskrivelse"].iloc[1] == (
        "2 deltakere fra 1 bedrifter i Namdalen ønsker fag-/svennebrev i bygg og anlegg; "
        "beste vertssted: Leka vert (sum avstand 0 km luftlinje)"
    )


def test_hosts_are_centres_and_study_places():
    frame = pooling.hosts()
    centres = frame[frame["vert_type"] == "kommune"]
    assert len(centres) == 38 and frame["vert_id"].is_unique
    assert centres["vert_id"].tolist() == ["K" + code for code in MUNICIPALITIES.index]
    assert frame.loc[frame["vert_id"] == "K5057", "delregion"].tolist() == ["Fosen"]
    travel = pooling.host_reach(ReachSetting("luftlinje", 90), frame)
    rows = [MUNICIPALITIES.index.get_loc(code) for code in centres["kommunenummer"]]
    columns = travel.offer_ids.get_indexer(centres["vert_id"])
    assert np.allclose(travel.distance_km[rows, columns], 0.0, atol=1e-3)  # each centre from itself
