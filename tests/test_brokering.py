"""Brokering (issue 13 §1): link a need to an offer, reject a candidate (never proposed again), move a need along
the pipeline with dates, turn a course opportunity into a planned offer, and the request to the provider; all with
optimistic locking, the audit log and the region check, on SQLite and PostgreSQL. Then the UI functions of
ui/brokering.py in AppTest (tests/brokering_app.py), and the demo data's links and stage dates.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from records_support import BACKENDS, assert_unchanged, csv_bytes, database, row, snapshot
from streamlit.testing.v1 import AppTest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.engine import matching, pooling
from kompilot_data.engine.reach import compute_reach, municipality_rows
from kompilot_data.records import brokering, importer, storage
from kompilot_data.records.access import COORDINATOR, VIEWER, Access, AccessDenied
from kompilot_data.records.brokering import BrokeringError
from kompilot_data.view import View, ViewKey

ANNE = Access(COORDINATOR, "anne@namdal.no", "innlogget", "Namdalen")
OLA = Access(COORDINATOR, "ola@fosen.no", "innlogget", "Fosen")
TODAY = date(2026, 11, 27)
OFFER_HEADER = ["tilbud_id", "tilbyder", "tittel", "kompetanseomrade", "niva", "laeringsform", "kommunenummer"]
OFFER_HEADER += ["oppstart", "kapasitet", "status"]
APP_SCRIPT = "brokering_app.py"


def offer_row(tilbud_id: str, kommunenummer: str = "5007", status: str = "planlagt") -> list[str]:
    base = [tilbud_id, "Nord universitet", "Helsefag", "helse", "fagskole", "stedlig", kommunenummer]
    return [*base, "15.08.2025", "20", status]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """B1 and B2 in Namsos (Namdalen, registered 1 March 2024), F1 in Osen (Fosen); offers T1, T2 (Namsos) and
    T9 (cancelled)."""
    for database_engine in database(request, tmp_path):
        needs = [
            row(behov_id="B1", registrert="01.03.2024"),
            row(behov_id="B2", registrert="01.03.2024", antall_deltakere="4"),
            row(behov_id="F1", registrert="01.03.2024", kommunenummer="5020"),
        ]
        assert importer.import_file(database_engine, csv_bytes(needs), "fylke", filename="behov.csv").new == 3
        offers = [offer_row("T1"), offer_row("T2"), offer_row("T9", status="avlyst")]
        data = csv_bytes(offers, header=OFFER_HEADER)
        assert importer.import_file(database_engine, data, "fylke", filename="tilbud.csv", kind="offers").new == 3
        yield database_engine


def need(engine, need_id: str) -> pd.Series:
    return storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id").loc[need_id]


def last_audit(engine) -> pd.Series:
    return storage.audit_log(engine, limit=1).iloc[0]


# --- link ----------------------------------------------------------------------------------------------


def test_link_stores_the_offer_status_koblet_date_who_and_an_audit_row(engine):
    assert brokering.link(engine, "B1", "T1", 1, ANNE, when=date(2025, 1, 10)) == 2
    linked = need(engine, "B1")
    assert (linked["status"], linked["tilbud_id"], linked["koblet_dato"]) == ("koblet", "T1", pd.Timestamp(2025, 1, 10))
    assert (linked["endret_av"], linked["versjon"], pd.isna(linked["batch_id"])) == ("anne@namdal.no", 2, True)
    entry = last_audit(engine)
    assert (entry["handling"], entry["tabell"], entry["post_id"], entry["bruker"]) == (
        "kobling",
        "behov",
        "B1",
        "anne@namdal.no",
    )
    before, after = json.loads(entry["foer"]), json.loads(entry["etter"])
    assert (before["status"], before["tilbud_id"], before["koblet_dato"]) == ("kartlagt", None, None)
    assert (after["status"], after["tilbud_id"], after["koblet_dato"]) == ("koblet", "T1", "2025-01-10")


def test_a_stale_version_is_refused_with_who_and_nothing_changes(engine):
    brokering.link(engine, "B1", "T1", 1, ANNE, when=date(2025, 1, 10))
    before = snapshot(engine)
    with pytest.raises(storage.ConflictError, match=r"^Posten «B1» ble endret av anne@namdal.no .* etter at du åpnet"):
        brokering.link(engine, "B1", "T2", 1, OLA.__class__(COORDINATOR, "kari@namdal.no", "innlogget", "Namdalen"))
    assert_unchanged(engine, before)


@pytest.mark.parametrize(
    ("offer_id", "when", "message"),
    [
        ("T9", date(2025, 1, 10), "Tilbudet «T9» er avlyst og kan ikke kobles til."),
        ("T1", date(2024, 2, 1), "Datoen 01.02.2024 er før behovet ble registrert (01.03.2024). Velg en senere dato."),
        ("T1", date(2999, 1, 1), "Datoen 01.01.2999 er etter i dag. Et trinn registreres når det er nådd."),
        ("T404", date(2025, 1, 10), "Tilbudet «T404» finnes ikke (slettet av en annen?)."),
    ],
)
def test_link_refusals_say_why_and_change_nothing(engine, offer_id, when, message):
    before = snapshot(engine)
    with pytest.raises((BrokeringError, storage.RecordNotFound)) as error:
        brokering.link(engine, "B1", offer_id, 1, ANNE, when=when)
    assert str(error.value) == message
    assert_unchanged(engine, before)


def test_brokering_outside_the_coordinators_region_is_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied, match=r"^Behovet «B1» \(megling\) ligger i Namsos \(5007\), utenfor Fosen"):
        brokering.link(engine, "B1", "T1", 1, OLA, when=date(2025, 1, 10))
    with pytest.raises(AccessDenied):
        brokering.reject(engine, "B1", "T1", "For langt", 1, OLA)
    with pytest.raises(AccessDenied):
        brokering.set_stage(engine, "B1", "avsluttet", 1, OLA, when=date(2025, 1, 10))
    with pytest.raises(AccessDenied, match=r"^Bare koordinatorer kan endre data\.$"):
        brokering.link(engine, "B1", "T1", 1, Access(VIEWER, "noen@example.no", "innlogget"))
    assert_unchanged(engine, before)
    assert brokering.link(engine, "F1", "T1", 1, OLA, when=date(2025, 1, 10)) == 2  # Osen is in Fosen


# --- the pipeline ----------------------------------------------------------------------------------------


def test_pipeline_steps_with_dates_and_steps_back(engine):
    brokering.link(engine, "B1", "T1", 1, ANNE, when=date(2025, 1, 10))
    with pytest.raises(
        BrokeringError, match=r"kan ikke settes til «Gjennomført»\. Et behov flyttes ett trinn om gangen\.$"
    ):
        brokering.set_stage(engine, "B1", "gjennomfort", 2, ANNE, when=date(2025, 6, 1))
    with pytest.raises(BrokeringError, match=r"^Datoen 01.01.2025 er før koblet_dato \(10.01.2025\)"):
        brokering.set_stage(engine, "B1", "etablert", 2, ANNE, when=date(2025, 1, 1))
    assert brokering.set_stage(engine, "B1", "etablert", 2, ANNE, when=date(2025, 3, 1)) == 3
    assert brokering.set_stage(engine, "B1", "gjennomfort", 3, ANNE, when=date(2025, 9, 30)) == 4
    done = need(engine, "B1")
    assert done["status"] == "gjennomfort"
    assert [done[c] for c in ("koblet_dato", "etablert_dato", "gjennomfort_dato")] == [
        pd.Timestamp(2025, 1, 10),
        pd.Timestamp(2025, 3, 1),
        pd.Timestamp(2025, 9, 30),
    ]
    log = storage.audit_log(engine, limit=3)
    assert log["handling"].tolist() == ["status", "status", "kobling"]
    assert json.loads(log.iloc[0]["etter"])["gjennomfort_dato"] == "2025-09-30"
    assert brokering.step_back(engine, "B1", 4, ANNE) == 5
    back = need(engine, "B1")
    assert (back["status"], pd.isna(back["gjennomfort_dato"]), back["etablert_dato"]) == (
        "etablert",
        True,
        pd.Timestamp(2025, 3, 1),
    )


def test_closing_and_reopening_and_going_back_to_kartlagt_removes_the_link(engine):
    with pytest.raises(BrokeringError, match=r"Koble behovet til et tilbud først\.$"):
        brokering.set_stage(engine, "B2", "etablert", 1, ANNE, when=date(2025, 1, 10))
    brokering.set_stage(engine, "B2", "avsluttet", 1, ANNE, when=date(2025, 2, 1))
    closed = need(engine, "B2")
    assert (closed["status"], closed["avsluttet_dato"]) == ("avsluttet", pd.Timestamp(2025, 2, 1))
    brokering.step_back(engine, "B2", 2, ANNE)
    assert need(engine, "B2")["status"] == "kartlagt" and pd.isna(need(engine, "B2")["avsluttet_dato"])
    brokering.link(engine, "B2", "T2", 3, ANNE, when=date(2025, 3, 1))
    brokering.step_back(engine, "B2", 4, ANNE)
    back = need(engine, "B2")
    assert (back["status"], pd.isna(back["tilbud_id"]), pd.isna(back["koblet_dato"])) == ("kartlagt", True, True)
    with pytest.raises(BrokeringError, match="er kartlagt; det er ikke noe trinn å gå tilbake fra"):
        brokering.step_back(engine, "B2", 5, ANNE)


# --- rejected candidates ---------------------------------------------------------------------------------


def test_a_rejection_is_stored_audited_and_blocks_linking_until_taken_back(engine):
    before = snapshot(engine)
    with pytest.raises(BrokeringError, match=r"^Skriv en grunn for avvisningen"):
        brokering.reject(engine, "B1", "T1", "   ", 1, ANNE)
    assert_unchanged(engine, before)
    brokering.reject(engine, "B1", "T1", "For lang reisevei: ferje", 1, ANNE)
    rejected = storage.rejected_candidates(engine)
    assert rejected[["behov_id", "tilbud_id", "grunn", "bruker"]].values.tolist() == [
        ["B1", "T1", "For lang reisevei: ferje", "anne@namdal.no"]
    ]
    entry = last_audit(engine)
    assert (entry["handling"], entry["tabell"], entry["post_id"]) == ("avvisning", "avviste_kandidater", "B1")
    assert json.loads(entry["etter"]) == {"grunn": "For lang reisevei: ferje", "tilbud_id": "T1"}
    assert need(engine, "B1")["versjon"] == 1  # the need itself is not changed
    with pytest.raises(storage.ConflictError, match=r"^«T1» er allerede avvist for «B1» av anne@namdal.no"):
        brokering.reject(engine, "B1", "T1", "igjen", 1, ANNE)
    with pytest.raises(BrokeringError, match=r"^Tilbudet «T1» er avvist for behovet «B1»"):
        brokering.link(engine, "B1", "T1", 1, ANNE, when=date(2025, 1, 10))
    brokering.undo_rejection(engine, "B1", "T1", ANNE)
    assert storage.rejected_candidates(engine).empty
    assert last_audit(engine)["handling"] == "avvisning_angret"
    assert brokering.link(engine, "B1", "T1", 1, ANNE, when=date(2025, 1, 10)) == 2
    with pytest.raises(BrokeringError, match="Gå et trinn tilbake"):
        brokering.reject(engine, "B1", "T1", "passer ikke", 2, ANNE)  # the linked offer itself


@pytest.fixture(scope="module")
def demo_records():
    return kd.load_needs(), kd.load_offers()


def test_a_rejected_candidate_never_comes_back(demo_records):
    """The View's candidates of a need never include an offer rejected for it; the need gets its next best offer
    instead (exactly the ranking without that offer), and every other need keeps its candidates."""
    needs, offers = demo_records
    key = ViewKey(today=TODAY)
    plain = View(needs, offers, key).brokering.candidates
    counts = plain.groupby("behov_id").size()
    need_id = counts[counts == 5].index[0]
    first, third = plain[plain["behov_id"] == need_id]["tilbud_id"].iloc[[0, 2]]
    rejected = pd.DataFrame({"behov_id": [need_id, need_id], "tilbud_id": [first, third]})
    view = View(needs, offers, key, rejected=rejected)
    after = view.brokering.candidates
    mine = after[after["behov_id"] == need_id]
    assert first not in set(mine["tilbud_id"]) and third not in set(mine["tilbud_id"])
    expected = matching.rank_candidates(
        needs[needs["behov_id"] == need_id],
        view.supply_offers[~view.supply_offers["tilbud_id"].isin([first, third])],
        top=5,
        reach=view.reach,
        today=TODAY,
        seats=view.brokering.seats,
    )
    assert mine["tilbud_id"].tolist() == expected["tilbud_id"].tolist()
    assert mine["rang"].tolist() == list(range(1, len(mine) + 1))
    others = after[after["behov_id"] != need_id].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, plain[plain["behov_id"] != need_id].reset_index(drop=True))
    served = matching.needs_for_offer(first, view.open_needs, view.supply_offers, reach=view.reach, rejected=rejected)
    assert need_id not in set(served["behov_id"])


# --- a course opportunity becomes an offer -------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def demo_engine(request, tmp_path):
    """A database with the demo data (a copy of the seeded template)."""
    for database_engine in database(request, tmp_path, seeded=True):
        assert storage.count(database_engine, "needs", demo=True) == 1500
        yield database_engine


def _pools(engine, min_class: int = 4):
    needs, offers = storage.read_frame(engine, "needs"), storage.read_frame(engine, "offers")
    view = View(needs, offers, ViewKey(today=TODAY))
    return view, view.brokering.pools(min_class)


def test_a_pool_becomes_a_planned_offer_with_its_needs_linked(demo_engine):
    view, pools = _pools(demo_engine)
    pool = pools.iloc[0]
    ids = pooling.pool_need_ids(pool)
    assert len(ids) >= 2
    proposal = pooling.pool_offer(pool, view.all_needs, 4, "nb")
    proposal["tilbyder"] = proposal["tilbyder"] or "Kompetansepilot"
    versions = storage.versions(demo_engine, "needs", ids)
    offer_id = brokering.offer_from_pool(demo_engine, proposal, versions, None, user="anne@namdal.no", when=TODAY)
    assert offer_id == f"KM-{date.today().year}-001"
    offers = storage.read_frame(demo_engine, "offers").set_index("tilbud_id")
    made = offers.loc[offer_id]
    assert (made["status"], made["kompetanseomrade"], made["niva"]) == (
        "planlagt",
        pool["kompetanseomrade"],
        pool["niva"],
    )
    assert made["kommunenummer"] == pool["vert_kommunenummer"] and made["datakilde"] == pooling.POOL_SOURCE
    assert int(made["kapasitet"]) == max(int(pool["deltakere"]), 4) and not np.isnan(made["lat"])
    linked = storage.read_frame(demo_engine, "needs").set_index("behov_id").loc[ids]
    assert set(linked["status"]) == {"koblet"} and set(linked["tilbud_id"]) == {offer_id}
    assert set(linked["koblet_dato"]) == {pd.Timestamp(TODAY)}
    log = storage.audit_log(demo_engine, limit=len(ids) + 1)
    assert sorted(log["handling"]) == sorted(["ny"] + ["kobling"] * len(ids))
    assert testing.linked_needs(storage.read_frame(demo_engine, "needs"), offer_id)["behov_id"].tolist() == sorted(ids)


def test_a_pool_offer_is_all_or_nothing(demo_engine):
    view, pools = _pools(demo_engine)
    pool = pools.iloc[0]
    ids = pooling.pool_need_ids(pool)
    proposal = {**pooling.pool_offer(pool, view.all_needs, 4, "nb"), "tilbyder": "Kompetansepilot"}
    versions = storage.versions(demo_engine, "needs", ids)
    storage.update_record(demo_engine, "needs", ids[-1], {"merknad": "endret"}, versions[ids[-1]], "kari")
    before = snapshot(demo_engine)
    with pytest.raises(storage.ConflictError, match=rf"^Posten «{ids[-1]}» ble endret av kari"):
        brokering.offer_from_pool(demo_engine, proposal, versions, None, user="anne", when=TODAY)
    assert_unchanged(demo_engine, before)  # no offer, no link


# --- the request to the provider -----------------------------------------------------------------------------


def test_the_request_lists_the_needs_without_business_identities():
    needs = kd.load_needs()
    offers = kd.load_offers().set_index("tilbud_id", drop=False)
    chosen = needs[needs["behov_id"].isin(["DEMO-B0002", "DEMO-B0016"])].copy()
    chosen["orgnr"] = "923609016"
    text = brokering.provider_request(offers.loc["DEMO-T001"], chosen, "nb", sender="Anne", today=TODAY)
    lines = text.splitlines()
    assert lines[0] == f"Forespørsel om kurs: {offers.at['DEMO-T001', 'tittel']} ({offers.at['DEMO-T001', 'tilbyder']})"
    first = chosen.set_index("behov_id").loc["DEMO-B0002"]
    assert (
        "- DEMO-B0002: Indre Fosen, fag-/svennebrev, 1 deltaker, ønsket oppstart "
        f"{first['tidsramme_fra']:%d.%m.%Y}–{first['tidsramme_til']:%d.%m.%Y}, helst nettbasert"
    ) in lines
    assert "til sammen 4 deltakere" in text and lines[-1] == "Sendt 27.11.2026" and "Anne" in lines
    for private in ("923609016", *chosen["bedrift_id"], *chosen["merknad"].dropna()):
        assert str(private) not in text
    english = brokering.provider_request(offers.loc["DEMO-T001"], chosen, "en", today=TODAY)
    assert english.splitlines()[0].startswith("Request for a course: ") and "4 participants in all" in english


# --- the demo data: links and stage dates -------------------------------------------------------------------


def test_demo_needs_have_stage_dates_that_fit_their_status_and_plausible_offers():
    needs = kd.load_needs()  # validated: every stage date fits the status and is not before registration
    offers = kd.load_offers()
    status = needs["status"].astype(str)
    dated = {c: needs[c].notna() for c in ("koblet_dato", "etablert_dato", "gjennomfort_dato", "avsluttet_dato")}
    assert dated["koblet_dato"][status.isin(["koblet", "etablert", "gjennomfort"])].all()
    assert dated["etablert_dato"][status.isin(["etablert", "gjennomfort"])].all()
    assert (
        dated["gjennomfort_dato"][status == "gjennomfort"].all()
        and dated["avsluttet_dato"][status == "avsluttet"].all()
    )
    assert not dated["koblet_dato"][status == "kartlagt"].any()
    linked = needs[needs["tilbud_id"].notna()]
    assert (linked["koblet_dato"].notna()).all() and len(linked) == needs["koblet_dato"].notna().sum()
    merged = linked.merge(offers, on="tilbud_id", suffixes=("", "_tilbud"), validate="many_to_one")
    assert len(merged) == len(linked)  # every link names an existing offer
    assert (merged["kompetanseomrade"].astype(str) == merged["kompetanseomrade_tilbud"].astype(str)).all()
    reach = compute_reach(offers[offers["status"] != "avlyst"])
    rows = municipality_rows(merged["kommunenummer"], reach.municipalities)
    assert reach.reachable[rows, reach.offer_ids.get_indexer(merged["tilbud_id"])].mean() >= 0.95
    starts_after_link = merged["oppstart"] >= merged["koblet_dato"] - pd.Timedelta(days=14)
    assert starts_after_link.mean() >= 0.85
    # Progress spread over the pilot years: links in every year 2021–2026.
    assert sorted(needs["koblet_dato"].dt.year.dropna().unique().astype(int)) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert (needs["koblet_dato"].dropna() <= pd.Timestamp("2026-11-01")).all()


# --- the UI functions (AppTest) -----------------------------------------------------------------------------


def run_part(part: str, secrets: dict | None = None, user: dict | None = None, **params) -> AppTest:
    app = AppTest.from_file(APP_SCRIPT, default_timeout=120)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    if user is not None:
        app.user = user
    app.query_params["del"] = part
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _open_need_with_candidates(engine) -> tuple[str, list[str]]:
    view = View(storage.read_frame(engine, "needs"), storage.read_frame(engine, "offers"), ViewKey())
    ranked = view.brokering.candidates
    kartlagt = set(view.open_needs.loc[view.open_needs["status"] == "kartlagt", "behov_id"])
    counts = ranked[ranked["behov_id"].isin(kartlagt)].groupby("behov_id").size()
    need_id = counts[counts >= 3].index[0]
    return need_id, ranked.loc[ranked["behov_id"] == need_id, "tilbud_id"].tolist()


def test_candidate_card_koble_links_and_avvis_removes_the_candidate(app_database):
    need_id, offers = _open_need_with_candidates(app_database)
    app = run_part("kandidat", behov=need_id)
    assert [b.label for b in app.button if b.key.startswith("link_")] == ["Koble"] * len(offers)
    app.button(key=f"link_{need_id}|{offers[0]}").click().run()
    assert [s.value for s in app.success] == [f"Behovet «{need_id}» er koblet til tilbudet «{offers[0]}»."]
    stored = need(app_database, need_id)
    assert (stored["status"], stored["tilbud_id"], stored["endret_av"]) == ("koblet", offers[0], "lokal bruker")
    assert last_audit(app_database)["handling"] == "kobling"
    # The linked card says so; the others offer to link there instead.
    labels = {b.key: b.label for b in app.button if b.key.startswith("link_")}
    assert f"link_{need_id}|{offers[0]}" not in labels and labels[f"link_{need_id}|{offers[1]}"] == "Koble hit i stedet"
    # Reject the second candidate with a reason: it is gone on the next run and stays gone.
    scope = f"{need_id}|{offers[1]}"
    app.radio(key=f"reason_{scope}").set_value("travel")
    app.text_input(key=f"detail_{scope}").input("ferje hver dag")
    app.button(key=f"reject_{scope}").click().run()
    assert [e.value for e in app.error] == []
    rejected = storage.rejected_candidates(app_database)
    assert rejected[["behov_id", "tilbud_id", "grunn"]].values.tolist() == [
        [need_id, offers[1], "For lang reisevei: ferje hver dag"]
    ]
    app = run_part("kandidat", behov=need_id)
    assert f"link_{scope}" not in [b.key for b in app.button]


def test_reject_without_a_reason_saves_nothing(app_database):
    need_id, offers = _open_need_with_candidates(app_database)
    app = run_part("kandidat", behov=need_id)
    app.button(key=f"reject_{need_id}|{offers[0]}").click().run()
    assert [e.value for e in app.error] == ["Velg eller skriv en grunn for avvisningen. Ingenting er lagret."]
    assert storage.rejected_candidates(app_database).empty


def test_need_card_moves_the_need_along_with_a_date_and_back(app_database):
    need_id, offers = _open_need_with_candidates(app_database)
    version = storage.versions(app_database, "needs", [need_id])[need_id]
    brokering.link(app_database, need_id, offers[0], version, None, user="anne", when=TODAY)
    app = run_part("behov", behov=need_id)
    card = [m.value for m in app.markdown]
    assert any("Status: Koblet til tilbud" in v for v in card) and any(offers[0] in v for v in card)
    assert [b.label for b in app.button] == ["Tilbud etablert", "Avslutt uten tilbud", "Et trinn tilbake (Kartlagt)"]
    app.date_input(key=f"stage_date_{need_id}").set_value(TODAY).run()
    app.button(key=f"stage_etablert_{need_id}").click().run()
    assert [s.value for s in app.success] == [f"Behovet «{need_id}» har nå status «Tilbud etablert» (27.11.2026)."]
    stored = need(app_database, need_id)
    assert (stored["status"], stored["etablert_dato"]) == ("etablert", pd.Timestamp(TODAY))
    app.button(key=f"back_{need_id}").click().run()
    assert need(app_database, need_id)["status"] == "koblet"


def test_pool_to_offer_in_one_step(app_database):
    app = run_part("kurs", min="4")
    _, pools = _pools(app_database)
    ids = pooling.pool_need_ids(pools.iloc[0])
    next(t for t in app.text_input if t.key.endswith("_tilbyder")).input("Nord universitet")
    next(b for b in app.button if "Opprett tilbud og koble" in b.label).click().run()
    created = f"KM-{date.today().year}-001"
    assert [s.value for s in app.success] == [
        f"Tilbudet «{created}» er opprettet (planlagt), og {len(ids)} behov er koblet til det."
    ]
    linked = storage.read_frame(app_database, "needs").set_index("behov_id").loc[ids]
    assert set(linked["tilbud_id"]) == {created} and set(linked["status"]) == {"koblet"}
    assert (
        storage.read_frame(app_database, "offers").set_index("tilbud_id").at[created, "tilbyder"] == "Nord universitet"
    )


def test_a_fosen_coordinator_sees_no_actions_on_a_namdalen_need(app_database):
    need_id, _ = _open_need_with_candidates(app_database)
    place = str(need(app_database, need_id)["kommunenummer"])
    region = "Fosen" if kd.load_municipalities().at[place, "delregion"] != "Fosen" else "Namdalen"
    email = "ola@fosen.no"
    secrets = {
        "auth": {
            "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
            "cookie_secret": "x" * 32,
            "client_id": "kompilot",
            "client_secret": "s",
            "server_metadata_url": "https://login.example/.well-known",
        },
        "kompilot": {"koordinatorer": {email: region}},
    }
    app = run_part("kandidat", secrets=secrets, user={"is_logged_in": True, "email": email}, behov=need_id)
    assert not [b for b in app.button if b.key.startswith(("link_", "reject_"))]
    # Since issue 23 the need is not even readable: a sub-region's coordinator reads only that sub-region's needs.
    assert [c.value for c in app.caption] == ["Behovet kan ikke leses."]
