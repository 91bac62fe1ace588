"""What counts as supply (issue 20, section 1): EVU classes of the real offers, seats, study modes and reach
thresholds, in-company courses, and coordinators' corrections that survive a re-import."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from records_support import BACKENDS, database

import kompilot_data as kd
from kompilot_data.records import evu_klasse, importer, storage
from kompilot_data.records.access import AccessDenied
from kompilot_data.records.demo import DEMO_PROVIDER_MARK, load_catalogue
from kompilot_data.reference import evu
from kompilot_data.reference.paths import DEMO_DIR

COORDINATOR = "koordinator@trondelag.no"


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path, seeded=True)


def _offers_in_catalogue() -> pd.DataFrame:
    catalogue = load_catalogue()
    return catalogue[catalogue["utelatt"] == ""].set_index("tittel", drop=False)


# --- build rules on real rows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tittel", "tilbyder", "klasse", "studieform"),
    [
        ("Sykepleie, deltid, Orkland", "Nord universitet", "deltid_desentralisert", "samlingsbasert"),
        (
            "Grunnskolelærer, 1.-7. trinn, Levanger, nettbasert",
            "Nord universitet",
            "deltid_desentralisert",
            "nettbasert",
        ),
        (
            "Barnehagelærer, arbeidsplassbasert, samisk profil",
            "Nord universitet",
            "deltid_desentralisert",
            "samlingsbasert",
        ),
        ("Sykepleie, Trondheim", "Norges teknisk-naturvitenskapelige universitet", "heltid_grad", "ukjent"),
        ("Datateknologi", "Norges teknisk-naturvitenskapelige universitet", "heltid_grad", "ukjent"),
        ("Økonomi og administrasjon, Steinkjer, årsstudium", "Nord universitet", "heltid_grad", "ukjent"),
        ("Psykisk helsearbeid og rusarbeid", "Trøndelag høyere yrkesfagskole", "fagskole_deltid", "ukjent"),
        (
            "Arbeid med de yngste barna (0-3 år) i barnehagen",
            "Trøndelag høyere yrkesfagskole",
            "fagskole_deltid",
            "ukjent",
        ),
        ("Elkraft", "Trøndelag høyere yrkesfagskole", "fagskole_heltid", "ukjent"),
    ],
)
def test_class_rules_on_real_rows(tittel, tilbyder, klasse, studieform):
    rows = _offers_in_catalogue().loc[[tittel]]
    rows = rows[rows["tilbyder"].str.startswith(tilbyder)]
    assert len(rows), tittel
    assert set(rows["evu_klasse"]) == {klasse}
    assert set(rows["studieform"]) == {studieform}
    assert rows["evu_regel"].map(lambda r: evu.CATALOGUE_RULES[r][0]).eq(klasse).all()


def test_every_real_offer_has_a_class_and_an_empty_mode_is_unknown_not_campus():
    offers = _offers_in_catalogue()
    assert offers["evu_klasse"].isin(evu.EVU_KLASSER).all()
    assert offers["evu_regel"].isin(list(evu.CATALOGUE_RULES)).all()
    silent = (offers["studieform_kilde"] == "") & ~offers["tittel"].str.contains("deltid|nettbasert|samlingsbasert")
    assert silent.sum() > 800
    assert (offers.loc[silent, "studieform"] == "ukjent").all()
    assert "stedlig" not in set(offers["studieform"])
    # Not an offer: no class
    catalogue = load_catalogue()
    assert (catalogue.loc[catalogue["utelatt"] != "", "evu_klasse"] == "").all()


def test_real_offers_by_class_measured():
    """The figures in the report: offers and seats by class (all intakes 2021–2026)."""
    offers = _offers_in_catalogue()
    seats = offers["studieplasser"].astype(int)
    by_class = offers.assign(plasser=seats).groupby("evu_klasse")["plasser"].agg(["size", "sum"])
    assert by_class["size"].sum() == 913
    assert by_class.loc["heltid_grad", "size"] == 572
    assert by_class.loc["deltid_desentralisert", "size"] == 33
    assert by_class.loc[["fagskole_deltid", "fagskole_heltid"], "size"].sum() == 308


# --- the contract on the loaded offers ----------------------------------------------------------------------


def test_loaded_offers_carry_the_contract_columns():
    offers = kd.load_offers()
    for column in evu.SUPPLY_COLUMNS:
        assert column in offers, column
    assert offers["evu_klasse"].notna().all()
    # seats = capacity: the sum of seats equals the sum of capacity, nothing subtracted
    assert offers["plasser"].sum() == offers["kapasitet"].astype(float).sum()
    real = offers[~offers["demo"]]
    assert real["plasser"].sum() == 47_214
    first = real["sokere_forstevalg"].astype(float)
    expected = (first / real["kapasitet"].astype(float)).round(2)
    np.testing.assert_allclose(real["sokere_per_plass"], expected, equal_nan=True)
    # default lens: everything but heltid_grad
    assert (offers["i_tilbud"] == (offers["evu_klasse"] != "heltid_grad")).all()
    assert evu.in_supply(offers["evu_klasse"], ordinaere=True).all()


def test_reach_thresholds_by_study_mode():
    assert evu.REKKEVIDDE_MIN == {
        "stedlig": 90.0,
        "samlingsbasert": 180.0,
        "ukjent": 90.0,
        "nettbasert": None,
        "bedriftsintern": None,
    }
    modes = pd.Series(["stedlig", "samlingsbasert", "ukjent", "nettbasert", "bedriftsintern", None])
    minutes = evu.reach_minutes(modes)
    np.testing.assert_array_equal(minutes, [90, 180, 90, np.nan, np.nan, 90])
    frame = pd.DataFrame({"rekkevidde_min": minutes})
    np.testing.assert_array_equal(evu.reach_limits(frame, 60), [60, 120, 60, np.nan, np.nan, 60])


def test_demo_offers_have_marked_providers_and_in_company_owners():
    offers = kd.load_offers()
    demo = offers[offers["demo"]]
    assert demo["tilbyder"].str.startswith(DEMO_PROVIDER_MARK).all()
    assert "[demo] Nord universitet" in set(demo["tilbyder"])
    assert not offers.loc[~offers["demo"], "tilbyder"].str.startswith("[demo]").any()
    in_company = offers[offers["studieform"] == "bedriftsintern"]
    assert len(in_company) and set(in_company["bedriftskurs"]) == {"egen", "mobil"}
    own = in_company[in_company["bedriftskurs"] == "egen"]
    assert own["bedrift_id"].notna().all()
    needs = kd.load_needs()
    for offer in own.itertuples():  # an own course belongs to exactly the businesses whose needs were linked to it
        assert set(needs.loc[needs["tilbud_id"] == offer.tilbud_id, "bedrift_id"]) == evu.owners(offer.bedrift_id)
    mobile = in_company[in_company["bedriftskurs"] == "mobil"]
    assert {"Fagbrev på jobb", "Praksiskandidatordningen"} <= set(mobile["tittel"])
    assert (
        not needs["tilbud_id"]
        .isin(mobile.loc[~mobile["tittel"].str.startswith(("Fagbrev", "Praksis")), "tilbud_id"])
        .any()
    )
    assert (offers.loc[offers["studieform"] != "bedriftsintern", "bedriftskurs"] == "").all()


def test_demo_file_is_reproducible(tmp_path):
    kd.write_demo(tmp_path)
    assert (tmp_path / "offers.csv").read_bytes() == (DEMO_DIR / "offers.csv").read_bytes()


# --- corrections survive a re-import (SQLite and PostgreSQL) --------------------------------------------------


def test_correction_survives_reimport(engine):
    offers = storage.read_frame(engine, "offers")
    target = offers[offers["evu_klasse"] == "heltid_grad"].iloc[0]
    assert not target["i_tilbud"]
    version = storage.data_version(engine)
    evu_klasse.set_class(engine, target["tilbud_id"], "evu", COORDINATOR, "Kveldsstudium for ansatte")
    assert storage.data_version(engine) > version
    corrected = storage.read_frame(engine, "offers").set_index("tilbud_id").loc[target["tilbud_id"]]
    assert corrected["evu_klasse"] == "evu" and corrected["i_tilbud"] and corrected["evu_klasse_korrigert"]

    # a re-import of the same offers with the build's class does not undo the correction
    text = pd.read_csv(DEMO_DIR / "offers.csv", dtype=str, keep_default_na=False)
    text.loc[text["tilbud_id"] == target["tilbud_id"], "tittel"] += " (ny import)"
    result = importer.import_file(engine, text.to_csv(index=False).encode(), COORDINATOR, "offers.csv", "offers")
    assert result.batch_id is not None
    again = storage.read_frame(engine, "offers").set_index("tilbud_id").loc[target["tilbud_id"]]
    assert again["tittel"].endswith("(ny import)")
    assert again["evu_klasse"] == "evu" and again["i_tilbud"]
    table = evu_klasse.corrections(engine)
    assert table[["tilbud_id", "evu_klasse", "begrunnelse", "bruker"]].values.tolist() == [
        [target["tilbud_id"], "evu", "Kveldsstudium for ansatte", COORDINATOR]
    ]
    log = storage.audit_log(engine)
    assert (log["tabell"] == "evu_klasse").sum() == 1

    assert evu_klasse.remove_class(engine, target["tilbud_id"], COORDINATOR)
    back = storage.read_frame(engine, "offers").set_index("tilbud_id").loc[target["tilbud_id"]]
    assert back["evu_klasse"] == "heltid_grad" and not back["i_tilbud"]
    assert not evu_klasse.remove_class(engine, target["tilbud_id"], COORDINATOR)


def test_correction_is_refused_when_wrong(engine):
    offer_id = storage.read_frame(engine, "offers")["tilbud_id"].iloc[0]
    with pytest.raises(evu_klasse.UnknownClassError, match="«master» er ikke en EVU-klasse"):
        evu_klasse.set_class(engine, offer_id, "master", COORDINATOR)
    with pytest.raises(Exception, match="HK-finnes-ikke"):
        evu_klasse.set_class(engine, "HK-finnes-ikke", "evu", COORDINATOR)

    class Viewer:
        can_edit = False

    with pytest.raises(AccessDenied):
        evu_klasse.set_class(engine, offer_id, "evu", COORDINATOR, access=Viewer())
    assert evu_klasse.corrections(engine).empty


# --- matching: a business's own in-company course, and the mobile pool ------------------------------------------


def test_matching_never_offers_another_business_its_in_house_course():
    from test_matching import TODAY, hand_reach, need, needs_of, offer, offers_of

    from kompilot_data import testing
    from kompilot_data.engine import matching

    own = {**offer("EGEN", "helse", "kurs", "bedriftsintern", 10), "bedrift_id": "V-A;V-C"}
    mobile = offer("MOBIL", "helse", "kurs", "bedriftsintern", 6)
    campus = offer("STED", "helse", "kurs", "stedlig", 10, at="5007")
    offers = offers_of(own, mobile, campus)
    assert offers.set_index("tilbud_id")["bedriftskurs"].to_dict() == {"EGEN": "egen", "MOBIL": "mobil", "STED": ""}
    needs = needs_of(
        need("N1", "5007", "helse", "kurs", 4, business="V-A"),
        need("N2", "5007", "helse", "kurs", 4, business="V-B"),
        need("N3", "5007", "helse", "kurs", 4, business="V-C"),
    )
    reach = hand_reach(["EGEN", "MOBIL", "STED"], placeless=["EGEN", "MOBIL"], km={("5007", "STED"): 10.0})
    ranked = matching.rank_candidates(needs, offers, reach=reach, today=TODAY)
    by_need = ranked.groupby("behov_id")["tilbud_id"].apply(set).to_dict()
    assert by_need == {"N1": {"EGEN", "MOBIL", "STED"}, "N2": {"MOBIL", "STED"}, "N3": {"EGEN", "MOBIL", "STED"}}
    # The mobile course's 6 seats are one pool for the 12 participants: it counts 3 seats (kapasitet 3/4).
    mobile_part = ranked.loc[ranked["tilbud_id"] == "MOBIL", "kapasitet"]
    assert mobile_part.tolist() == pytest.approx([0.75, 0.75, 0.75])
    assert ranked.loc[ranked["tilbud_id"] == "EGEN", "kapasitet"].tolist() == [1.0, 1.0]
    slow = testing.rank_candidates_rowwise(needs, offers, reach=reach, today=TODAY)
    pd.testing.assert_frame_equal(ranked, slow, check_dtype=False)


def test_default_data_offers_no_business_another_ones_in_house_course():
    from datetime import date

    from kompilot_data.engine.matching import rank_candidates

    needs, offers = kd.load_needs(), kd.load_offers()
    ranked = rank_candidates(needs, offers, top=5, today=date(2026, 12, 8))
    owners = offers.set_index("tilbud_id")["bedrift_id"].map(evu.owners)
    business = needs.set_index("behov_id")["bedrift_id"]
    own = ranked[ranked["tilbud_id"].map(lambda i: bool(owners[i]))]
    assert len(own) > 20  # the businesses' own courses are proposed to them ...
    assert all(business[b] in owners[t] for b, t in zip(own["behov_id"], own["tilbud_id"], strict=True))  # only


def test_reach_by_study_mode_lets_session_based_offers_reach_further():
    from kompilot_data.engine.reach import compute_reach

    offers = kd.load_offers()
    sessions = offers[(offers["studieform"] == "samlingsbasert") & offers["lat"].notna()].head(5)
    plain = compute_reach(sessions)
    by_mode = compute_reach(sessions, by_study_mode=True)
    minutes = plain.minutes
    assert (plain.reachable == (minutes <= 90)).all()
    assert (by_mode.reachable == (minutes <= 180)).all()
    assert by_mode.reachable.sum() > plain.reachable.sum()
    online = offers[(offers["studieform"] == "nettbasert") & offers["lat"].notna()]
    assert len(online) and compute_reach(online, by_study_mode=True).reachable.all()  # county-wide pool


# --- python -m kompilot_data supply ------------------------------------------------------------------------------


def test_supply_cli_shows_where_the_seats_come_from(tmp_path, monkeypatch, capsys):
    import io

    from kompilot_data.cli import main

    monkeypatch.chdir(tmp_path)  # no local database: the embedded data
    monkeypatch.delenv("KOMPILOT_DATABASE_URL", raising=False)
    assert main(["supply", "--by", "kompetanseomrade,evu_klasse", "--csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"grunn": str}, keep_default_na=False)
    assert table.columns.tolist() == [
        "kompetanseomrade",
        "evu_klasse",
        "i_tilbud",
        "grunn",
        "tilbud",
        "plasser",
        "sokere_per_plass",
    ]
    offers = kd.load_offers()
    assert table["tilbud"].sum() == len(offers) and table["plasser"].sum() == offers["kapasitet"].sum()
    inside = table[table["i_tilbud"] == "ja"]
    assert (inside["grunn"] == "").all() and "heltid_grad" not in set(inside["evu_klasse"])
    active = offers[offers["status"].isin(["planlagt", "apen", "pagar"])]
    assert inside["plasser"].sum() == active.loc[active["i_tilbud"], "kapasitet"].sum()
    ordinary = table[table["grunn"] == "heltid_grad"]
    assert ordinary["plasser"].sum() == active.loc[active["evu_klasse"] == "heltid_grad", "kapasitet"].sum() > 0
    assert set(table["grunn"]) == {"", "avlyst", "avsluttet", "heltid_grad"}
    helse = inside[(inside["kompetanseomrade"] == "helse") & (inside["evu_klasse"] == "fagskole_deltid")]
    expected = active[(active["kompetanseomrade"] == "helse") & (active["evu_klasse"] == "fagskole_deltid")]
    assert helse[["tilbud", "plasser"]].values.tolist() == [[len(expected), int(expected["kapasitet"].sum())]]

    # The lens "ordinære studier" takes the ordinary degrees in; the text table says which lens is on.
    assert main(["supply", "--by", "evu_klasse", "--ordinaere"]) == 0
    out = capsys.readouterr().out
    assert "Linse: ordinære studier tatt med" in out and "I tilbudet:" in out
    assert main(["supply", "--by", "evu_klasse"]) == 0
    out = capsys.readouterr().out
    assert "ordinært heltidsstudium (regnes bare med linsen «ordinære studier»)" in out
    assert main(["supply", "--by", "delregion"]) == 2
    assert "--by må være en eller flere av kompetanseomrade" in capsys.readouterr().err


# --- the Tilbud page -----------------------------------------------------------------------------------------------


def test_tilbud_page_titles_all_capacity_and_lets_a_coordinator_correct_a_class():
    from app_support import run_app

    app = run_app("app_pages/tilbud.py")
    labels = [e.label for e in app.expander]
    years = kd.load_offers()["oppstart"].dt.year
    assert (years.min(), years.max()) == (2021, 2027)
    assert "Tallene bak figuren: Kapasitet i alle opptak 2021–2027, også avsluttede" in labels
    assert "Tallene bak figuren: Plasser per EVU-klasse" in labels
    captions = [c.value for c in app.caption]
    assert any(c.startswith("Tilbud er etter- og videreutdanning for folk i arbeid") for c in captions)

    engine = storage.make_engine(migrate=False)
    offers = storage.read_frame(engine, "offers")
    target = offers[offers["evu_klasse"] == "heltid_grad"]["tilbud_id"].iloc[0]
    offer_box = next(s for s in app.selectbox if s.label == "Tilbud")
    offer_box.set_value(target)
    next(s for s in app.selectbox if s.label == "EVU-klasse").set_value("deltid_desentralisert")
    app.text_input[0].input("Samlingsbasert kull for ansatte")
    next(b for b in app.button if b.label == "Lagre EVU-klassen").click()
    app.run()
    assert not app.exception
    assert any("er nå Deltid, samlingsbasert, nett eller desentralisert" in s.value for s in app.success)
    stored = evu_klasse.corrections(engine)
    assert stored[["tilbud_id", "evu_klasse", "begrunnelse"]].values.tolist() == [
        [target, "deltid_desentralisert", "Samlingsbasert kull for ansatte"]
    ]
    assert storage.read_frame(engine, "offers").set_index("tilbud_id").at[target, "i_tilbud"]
    evu_klasse.remove_class(engine, target, "test")
    engine.dispose()


def test_tilbud_page_with_the_lens_on_says_so():
    from app_support import rendered

    app = rendered("app_pages/tilbud.py", ordinaere="ja")
    captions = [c.value for c in app.caption]
    assert any("Linse: ordinære studier tatt med" in c for c in captions)  # the active-filters line
    assert any(c.startswith("Linsen «ordinære studier» er på") for c in captions)
