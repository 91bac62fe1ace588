"""Access rules that hold (issue 11 §3): a coordinator limited to Fosen cannot change, move, create or delete a
record outside Fosen by any path – import, edit, add, delete, undo, restore, removing demo data – and a wrong
allow-list stops the app with a configuration message. Database tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from app_support import APP, run_app
from records_support import BACKENDS, assert_unchanged, csv_bytes, database, row, snapshot

from kompilot_data.present.safe_text import plain
from kompilot_data.records import backup, importer, storage
from kompilot_data.records.access import (
    COORDINATOR,
    VIEWER,
    Access,
    AccessDenied,
    ConfigurationError,
    region_municipalities,
    resolve_access,
    validate_coordinators,
)
from kompilot_data.records.validation import format_problems

FOSEN = Access(COORDINATOR, "ola@fosen.no", "innlogget", "Fosen")
NAMDALEN = Access(COORDINATOR, "anne@namdal.no", "innlogget", "Namdalen")
ALL = Access(COORDINATOR, "fylke@trondelagfylke.no", "innlogget", None)
VIEWER_ACCESS = Access(VIEWER, "noen@example.no", "innlogget")

OFFER_HEADER = [
    "tilbud_id",
    "tilbyder",
    "tittel",
    "kompetanseomrade",
    "niva",
    "laeringsform",
    "kommunenummer",
    "oppstart",
    "kapasitet",
    "status",
]


def offer(tilbud_id: str, kommunenummer: str, laeringsform: str = "stedlig") -> list[str]:
    return [tilbud_id, "NTNU", "Kurs", "helse", "kurs", laeringsform, kommunenummer, "15.01.2027", "20", "planlagt"]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """N1 in Namsos (Namdalen), F1 in Osen and F2 in Indre Fosen (Fosen); offers in Trondheim, Indre Fosen, online."""
    for database_engine in database(request, tmp_path):
        needs = [
            row(behov_id="N1", kommunenummer="5007"),
            row(behov_id="F1", kommunenummer="5020"),
            row(behov_id="F2", kommunenummer="5054"),
        ]
        assert importer.import_file(database_engine, csv_bytes(needs), "fylke", filename="behov.csv").new == 3
        offers = [offer("T1", "5001"), offer("FT1", "5054"), offer("NETT1", "", "nettbasert")]
        data = csv_bytes(offers, header=OFFER_HEADER)
        assert importer.import_file(database_engine, data, "fylke", filename="tilbud.csv", kind="offers").new == 3
        yield database_engine


def place(engine, record_id: str, kind: str = "needs") -> str:
    frame = storage.read_frame(engine, kind).set_index("behov_id" if kind == "needs" else "tilbud_id")
    value = frame.at[record_id, "kommunenummer"]
    return None if value != value else str(value)


# --- the allow-list ---------------------------------------------------------------------------------------


def test_osen_belongs_to_fosen_only():
    assert region_municipalities("Fosen") == {"5020", "5054", "5057", "5058"}
    assert "5020" not in region_municipalities("Namdalen")


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (
            "",
            "Feil i innstillingene ([kompilot.koordinatorer] i .streamlit/secrets.toml): koordinatoren ola@fosen.no har "
            "delregionen «», som ikke finnes. Bruk «Namdalen», «Trøndelag sør», «Fosen» eller «*» for alle, og start "
            "appen på nytt.",
        ),
        (
            "fosen",
            "Feil i innstillingene ([kompilot.koordinatorer] i .streamlit/secrets.toml): koordinatoren ola@fosen.no har "
            "delregionen «fosen», som ikke finnes. Mente du «Fosen»? Bruk «Namdalen», «Trøndelag sør», «Fosen» eller "
            "«*» for alle, og start appen på nytt.",
        ),
    ],
)
def test_empty_or_unknown_region_is_a_configuration_error_never_all(region, expected):
    with pytest.raises(ConfigurationError) as error:
        validate_coordinators({"ola@fosen.no": region})
    assert str(error.value) == expected
    with pytest.raises(ConfigurationError):  # also for a viewer: the list is checked whoever logs in
        resolve_access(True, True, "noen@example.no", {"ola@fosen.no": region})


def test_valid_allow_list_gives_the_region_and_star_gives_all():
    allowed = {"Ola@Fosen.no": "Fosen", "fylke@trondelagfylke.no": "*"}
    assert validate_coordinators(allowed) == {"ola@fosen.no": "Fosen", "fylke@trondelagfylke.no": None}
    assert resolve_access(True, True, "OLA@fosen.no", allowed).region == "Fosen"
    assert resolve_access(True, True, "fylke@trondelagfylke.no", allowed).all_regions
    assert resolve_access(True, True, "noen@example.no", allowed).role == VIEWER


AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "kompilot",
    "client_secret": "s",
    "server_metadata_url": "https://login.example/.well-known",
}


def test_app_stops_with_a_configuration_message_for_a_misspelt_region():
    secrets = {"auth": AUTH, "kompilot": {"koordinatorer": {"ola@fosen.no": "fosen"}}}
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in secrets.items():
        app.secrets[key] = value
    app.user = {"is_logged_in": True, "email": "ola@fosen.no"}
    app.run()
    assert not app.exception
    with pytest.raises(ConfigurationError) as error:
        validate_coordinators({"ola@fosen.no": "fosen"})
    assert [e.value for e in app.error] == [plain(str(error.value))]


# --- every write path, as a coordinator limited to Fosen ---------------------------------------------------


def test_import_over_a_namdalen_need_is_refused_with_a_clear_message(engine):
    before = snapshot(engine)
    data = csv_bytes([row(behov_id="N1", kommunenummer="Osen", antall_deltakere="99")])
    result = importer.import_file(engine, data, FOSEN.user, filename="fosen.csv", access=FOSEN)
    assert format_problems(result.problems).splitlines() == [
        "Rad 2, kolonne «behov_id»: ID-en «N1» er allerede brukt av behovet i Namsos (5007), utenfor Fosen. "
        "Importen ville overskrevet og flyttet det. Bruk en annen ID (for eksempel med et prefiks for delregionen)."
    ]
    assert_unchanged(engine, before)
    assert place(engine, "N1") == "5007"


def test_import_straight_to_storage_is_refused_too(engine):
    """The storage checks again under the write lock (a file prepared before another region's import)."""
    before = snapshot(engine)
    prepared = importer.prepare_file(csv_bytes([row(behov_id="N1", kommunenummer="Osen")]), "fosen.csv")
    with pytest.raises(AccessDenied) as error:
        importer.import_prepared(engine, prepared, b"", "fosen.csv", FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "ID-en «N1» er allerede brukt av behovet i Namsos (5007), utenfor Fosen. Importen ville overskrevet og "
        "flyttet det. Bruk en annen ID (for eksempel med et prefiks for delregionen). Ingenting er importert."
    )
    assert_unchanged(engine, before)


def test_two_coordinators_numbering_from_one_do_not_overwrite_each_other(engine):
    first = importer.import_file(engine, csv_bytes([row(behov_id="1")]), NAMDALEN.user, access=NAMDALEN)
    assert first.new == 1
    second = importer.import_file(
        engine, csv_bytes([row(behov_id="1", kommunenummer="5054")]), FOSEN.user, access=FOSEN
    )
    assert second.summary().startswith("Ingenting importert: 1 av 1 rader (behov) har feil.")
    assert second.problems["melding"].tolist() == [
        "ID-en «1» er allerede brukt av behovet i Namsos (5007), utenfor Fosen. Importen ville overskrevet og "
        "flyttet det. Bruk en annen ID (for eksempel med et prefiks for delregionen)."
    ]
    assert place(engine, "1") == "5007"


def test_import_of_a_need_elsewhere_is_refused(engine):
    before = snapshot(engine)
    result = importer.import_file(engine, csv_bytes([row(behov_id="F9", kommunenummer="Namsos")]), "o", access=FOSEN)
    assert result.problems["melding"].tolist() == ["«5007» er utenfor Fosen, som du kan registrere behov for."]
    assert_unchanged(engine, before)


def test_edit_outside_fosen_and_moving_out_of_fosen_are_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        storage.update_record(engine, "needs", "N1", {"antall_deltakere": 99}, 1, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Behovet «N1» (slik det er) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Ingenting er lagret."
    )
    with pytest.raises(AccessDenied) as error:
        storage.update_record(engine, "needs", "F1", {"kommunenummer": "5007"}, 1, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Behovet «F1» (etter endringen) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Ingenting er lagret."
    )
    assert_unchanged(engine, before)


def test_adding_a_need_outside_fosen_is_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        storage.add_record(engine, "needs", _need(behov_id="F9", kommunenummer="5001"), FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Behovet «F9» (ny) ligger i Trondheim (5001), utenfor Fosen. Du kan endre data i Fosen. Ingenting er lagret."
    )
    assert_unchanged(engine, before)


def _need(**changes) -> dict:
    from records_support import need

    return need(**changes)


def test_deleting_a_namdalen_need_is_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        storage.delete_records(engine, "needs", {"N1": 1, "F1": 1}, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Behovet «N1» (som skulle slettes) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Ingenting er slettet."
    )
    assert_unchanged(engine, before)


def test_undoing_an_import_with_records_outside_fosen_is_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        storage.undo_batch(engine, 1, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Behovet «N1» (etter importen) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Import 1 er ikke angret."
    )
    assert_unchanged(engine, before)


def test_restore_and_removing_demo_data_are_for_coordinators_of_all_regions(engine, tmp_path):
    copy = backup.backup(engine, tmp_path / "kopi.zip")
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        backup.restore(engine, copy, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Bare koordinatorer for alle delregioner kan gjenopprette en sikkerhetskopi. Du er koordinator for Fosen."
    )
    with pytest.raises(AccessDenied) as error:
        storage.remove_demo(engine, FOSEN.user, access=FOSEN)
    assert (
        str(error.value) == "Bare koordinatorer for alle delregioner kan fjerne demodata. Du er koordinator for Fosen."
    )
    assert_unchanged(engine, before)
    backup.restore(engine, copy, ALL.user, access=ALL)  # a coordinator for all regions may


def test_offers_outside_fosen_and_online_offers_are_refused(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied) as error:
        storage.update_record(engine, "offers", "T1", {"kapasitet": 5}, 1, FOSEN.user, access=FOSEN)
    assert str(error.value).startswith("Tilbudet «T1» (slik det er) ligger i Trondheim (5001), utenfor Fosen.")
    with pytest.raises(AccessDenied) as error:
        storage.update_record(engine, "offers", "NETT1", {"kapasitet": 5}, 1, FOSEN.user, access=FOSEN)
    assert str(error.value) == (
        "Tilbudet «NETT1» (slik det er) har ikke studiested. Du kan endre data i Fosen. Ingenting er lagret."
    )
    data = csv_bytes([offer("NETT2", "", "nettbasert")], header=OFFER_HEADER)
    result = importer.import_file(engine, data, FOSEN.user, kind="offers", access=FOSEN)
    assert result.problems["melding"].tolist() == [
        "Tilbud uten studiested kan bare registreres av koordinatorer for alle delregioner (du kan registrere "
        "tilbud i Fosen)."
    ]
    assert_unchanged(engine, before)


def test_table_editor_saves_nothing_when_one_change_is_outside_fosen(engine):
    before = snapshot(engine)
    result = storage.apply_edits(
        engine,
        "needs",
        edited_rows={"F1": {"antall_deltakere": 7}, "N1": {"antall_deltakere": 99}},
        added_rows=[_need(behov_id="F9", kommunenummer="5007")],
        deleted_rows=["N1"],
        versions={"F1": 1, "N1": 1, "F2": 1},
        access=FOSEN,
    )
    assert not result.ok and result.saved == 0
    assert result.errors == [
        "Behovet «N1» (slik det er) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Ingenting er lagret.",
        "Behovet «F9» (ny) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. Ingenting er lagret.",
        "Behovet «N1» (som skulle slettes) ligger i Namsos (5007), utenfor Fosen. Du kan endre data i Fosen. "
        "Ingenting er slettet.",
        "Ingenting er lagret. Rett feilene og lagre på nytt.",
    ]
    assert_unchanged(engine, before)  # F1's allowed change was not saved either


def test_inside_fosen_every_path_works(engine):
    assert storage.apply_edits(
        engine,
        "needs",
        edited_rows={"F1": {"antall_deltakere": "7"}},
        added_rows=[_need(behov_id="F9", kommunenummer="5057")],
        deleted_rows=["F2"],
        versions={"F1": 1, "F2": 1},
        access=FOSEN,
    ) == storage.EditResult(changed=1, added=1, deleted=1)
    result = importer.import_file(engine, csv_bytes([row(behov_id="F10", kommunenummer="Ørland")]), "o", access=FOSEN)
    assert result.new == 1
    assert storage.undo_batch(engine, result.batch_id, FOSEN.user, access=FOSEN) == {
        "slettet": 1,
        "gjenopprettet": 0,
        "beholdt": [],
    }
    stored = storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id")
    assert sorted(stored.index) == ["F1", "F9", "N1"]
    assert stored.at["F1", "antall_deltakere"] == 7 and stored.at["F1", "versjon"] == 2


def test_a_viewer_cannot_write_at_all(engine):
    before = snapshot(engine)
    with pytest.raises(AccessDenied, match=r"^Bare koordinatorer kan endre data\.$"):
        storage.update_record(engine, "needs", "F1", {"antall_deltakere": 7}, 1, "x", access=VIEWER_ACCESS)
    with pytest.raises(AccessDenied, match=r"^Bare koordinatorer kan endre data\.$"):
        importer.import_file(engine, csv_bytes([row(behov_id="X", kommunenummer="Osen")]), "x", access=VIEWER_ACCESS)
    assert_unchanged(engine, before)


# --- the Data page as a Fosen coordinator -----------------------------------------------------------------


def test_data_page_shows_only_fosen_records_and_no_restore_or_demo_removal(app_database):
    secrets = {"auth": AUTH, "kompilot": {"koordinatorer": {"ola@fosen.no": "Fosen"}}}
    app = run_app("app_pages/data.py", user={"is_logged_in": True, "email": "ola@fosen.no"}, secrets=secrets)
    frame = app.dataframe[0].value  # the edit tab's table editor (needs)
    assert len(frame) > 0 and set(frame["kommunenummer"]) <= region_municipalities("Fosen")
    assert "Du kan redigere behov og tilbud i Fosen (tilbud med studiested der)." in [c.value for c in app.caption]
    assert not [b for b in app.button if b.key in ("demo_remove", "restore_button")]
    assert [u.label for u in app.get("file_uploader")] == ["Fil"]  # no restore upload
