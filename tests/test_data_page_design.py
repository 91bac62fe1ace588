"""The Data page as a reader sees it (issues 13 and 14): the table editor's columns and id under translated headers,
the uploaded file's rows with labelled columns, and the audit log (Endringslogg) with Norwegian time as
dd.mm.yyyy HH:MM, actions as words and what changed field by field with labels - never the stored JSON.

``tests/test_design.py`` checks every page's table headers against the raw column names; these tests check the
Data page's own tables value by value, in bokmål and English.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pandas as pd
import pytest
from app_support import run_app
from records_support import BACKENDS, csv_bytes, database, row

from kompilot_data.present import tables
from kompilot_data.records import importer, storage
from kompilot_data.records.schema import SPECS
from kompilot_data.reference import taxonomy
from ui import data_page

KARI = "kari@namdal.no"
AUDIT_HEADERS = {
    "nb": ["Tidspunkt", "Av", "Handling", "Tabell", "Post", "Import nr.", "Hva som ble endret"],
    "en": ["Time", "By", "Action", "Table", "Record", "Import no.", "What changed"],
}
LOCAL_TIME = re.compile(r"^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$")
INTERNAL_VALUES = {"None", "nan", "NaN", "NaT", "<NA>", "True", "False", "true", "false", "null"}


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path)


def three_needs() -> bytes:
    return csv_bytes(
        [
            row(behov_id="NAM-2026-005", antall_deltakere="2"),
            row(behov_id="NAM-2026-006", kommunenummer="5049"),
            row(behov_id="NAM-2026-007", merknad="Ønsker kveldskurs"),
        ]
    )


def edited_and_deleted(engine) -> None:
    """Three needs imported by Anne; Kari changes NAM-2026-005 (2 → 8 participants, and the level) and deletes NAM-2026-007."""
    assert importer.import_file(engine, three_needs(), "anne", filename="behov.csv").new == 3
    storage.update_record(
        engine, "needs", "NAM-2026-005", {"antall_deltakere": 8, "niva": "hoyere"}, expected_version=1, user=KARI
    )
    storage.delete_records(engine, "needs", {"NAM-2026-007": 1}, KARI)


# --- times ---------------------------------------------------------------------------------------------------


def test_stored_utc_times_are_shown_in_norwegian_time():
    assert data_page.local_time(datetime(2026, 11, 27, 14, 5), "nb") == "27.11.2026 15:05"  # CET, UTC+1
    assert data_page.local_time(datetime(2026, 7, 1, 22, 30), "nb") == "02.07.2026 00:30"  # CEST, UTC+2
    assert data_page.local_time(pd.Timestamp("2026-11-27 14:05"), "en") == "27 Nov 2026 15:05"
    assert data_page.local_time(None, "nb") == "" and data_page.local_time(pd.NaT, "en") == ""


# --- the audit log -------------------------------------------------------------------------------------------


def test_audit_table_reads_each_entry_as_words(engine):
    edited_and_deleted(engine)
    log = storage.audit_log(engine)
    assert log["handling"].tolist() == ["sletting", "endring", "import", "import", "import"]
    shown = data_page.audit_table(log, "nb")
    assert shown.columns.tolist() == AUDIT_HEADERS["nb"]
    deleted, edited, imported = shown.iloc[0], shown.iloc[1], shown.iloc[4]
    assert deleted[["Av", "Handling", "Tabell", "Post", "Import nr."]].tolist() == [
        KARI,
        "Slettet",
        "Behov",
        "NAM-2026-007",
        "",
    ]
    assert edited["Hva som ble endret"] == "Nivå: Fagskole → Høyere utdanning med studiepoeng; Deltakere: 2 → 8"
    assert edited["Handling"] == "Endret" and edited["Import nr."] == ""
    assert imported[["Av", "Handling", "Post", "Import nr."]].tolist() == ["anne", "Importert", "NAM-2026-005", "1"]
    assert imported["Hva som ble endret"].startswith(
        "Ny post: Registrert: 27.11.2026; Bedrift-ID: «V1»; Kommunenr.: 5007 Namsos; Næring: "
    )
    assert "Oppstart tidligst: 01.01.2027; Oppstart senest: 30.06.2027; Status: Kartlagt" in imported.iloc[-1]
    assert "Behov-ID" not in imported.iloc[-1]  # the record's id has its own column
    assert deleted["Hva som ble endret"].startswith("Fjernet: Registrert: 27.11.2026; Bedrift-ID: «V1»;")
    assert "Merknad: «Ønsker kveldskurs»; Demodata: nei" in deleted["Hva som ble endret"]
    when = data_page.local_time(log["tidspunkt"].iloc[0], "nb")
    assert deleted["Tidspunkt"] == when and LOCAL_TIME.match(when)
    for value in shown.to_numpy().ravel():
        assert value not in INTERNAL_VALUES and "{" not in value and not re.search(r"\b\d{4}-\d{2}-\d{2}\b", value)

    english = data_page.audit_table(log, "en")
    assert english.columns.tolist() == AUDIT_HEADERS["en"]
    assert english.iloc[0][["Action", "Table"]].tolist() == ["Deleted", "Needs"]
    assert (
        english.iloc[1]["What changed"]
        == "Level: Vocational college → Higher education with credits; Participants: 2 → 8"
    )
    assert english.iloc[4]["What changed"].startswith("New record: Registered: 27 Nov 2026; Business ID: «V1»;")


def test_audit_change_for_links_rejections_and_a_restore():
    log = pd.DataFrame(
        [
            (
                datetime(2026, 11, 27, 9, 0),
                KARI,
                "kobling",
                "behov",
                "B1",
                None,
                '{"status": "kartlagt", "tilbud_id": null}',
                '{"status": "koblet", "tilbud_id": "T7"}',
            ),
            (
                datetime(2026, 11, 27, 9, 1),
                KARI,
                "avvisning",
                "avviste_kandidater",
                "B1",
                None,
                None,
                '{"grunn": "for langt å reise", "tilbud_id": "T9"}',
            ),
            (datetime(2026, 11, 27, 9, 2), "anne", "gjenoppretting", "alle", None, None, None, None),
            (datetime(2026, 11, 27, 9, 3), "anne", "ukjent_handling", "behov", "B2", None, "{}", "{}"),
        ],
        columns=["tidspunkt", "bruker", "handling", "tabell", "post_id", "batch_id", "foer", "etter"],
    )
    shown = data_page.audit_table(log, "nb")
    assert shown["Handling"].tolist() == [
        "Koblet til tilbud",
        "Kandidat avvist",
        "Gjenopprettet fra sikkerhetskopi",
        "ukjent_handling",
    ]
    assert shown["Tabell"].tolist() == ["Behov", "Avviste kandidater", "Alle tabeller", "Behov"]
    assert shown["Hva som ble endret"].tolist() == [
        "Status: Kartlagt → Koblet til tilbud; Tilbud-ID: (tom) → «T7»",
        "Tilbud-ID: «T9»; Grunn: «for langt å reise»",
        "",
        "ingen felt endret",
    ]
    assert shown["Tidspunkt"].tolist()[:2] == ["27.11.2026 10:00", "27.11.2026 10:01"]
    english = data_page.audit_table(log, "en")
    assert english["Action"].tolist()[:3] == ["Linked to an offer", "Candidate rejected", "Restored from a backup"]
    assert english["What changed"].tolist()[:2] == [
        "Status: Mapped → Linked to an offer; Offer ID: (empty) → «T7»",
        "Offer ID: «T9»; Reason: «for langt å reise»",
    ]


# --- the page ------------------------------------------------------------------------------------------------


def config_of(element) -> dict:
    return json.loads(element.proto.columns or "{}")


@pytest.mark.parametrize("language", ["nb", "en"])
def test_data_page_editor_and_audit_log_show_labels(app_database, language):
    edited_and_deleted(app_database)
    app = run_app("app_pages/data.py", **({"lang": "en"} if language == "en" else {}))
    editors = [d for d in app.dataframe if d.proto.editing_mode]
    assert len(editors) == 1
    editor = editors[0]
    config = config_of(editor)
    assert editor.value.index.name == "behov_id"  # edits are saved by the schema's names
    assert list(editor.value.columns) == [s.name for s in SPECS["needs"] if s.name != "behov_id"]
    labels = [config[column]["label"] for column in editor.value.columns]
    assert labels == [tables.header(column, language) for column in editor.value.columns]
    assert config["_index"]["label"] == ("Behov-ID" if language == "nb" else "Need ID")
    assert config["antall_deltakere"]["label"] == ("Deltakere" if language == "nb" else "Participants")
    assert config["registrert"]["type_config"]["format"] == ("DD.MM.YYYY" if language == "nb" else "D MMM YYYY")

    audit = next(d.value for d in app.dataframe if AUDIT_HEADERS[language][-1] in d.value.columns)
    assert audit.columns.tolist() == AUDIT_HEADERS[language]
    newest = audit.iloc[0].tolist()
    assert newest[1:5] == [KARI, *(["Slettet", "Behov"] if language == "nb" else ["Deleted", "Needs"]), "NAM-2026-007"]
    assert (
        LOCAL_TIME.match(newest[0]) if language == "nb" else re.match(r"^\d{1,2} \w{3} \d{4} \d{2}:\d{2}$", newest[0])
    )
    change = "Nivå: Fagskole → Høyere utdanning med studiepoeng; Deltakere: 2 → 8"
    if language == "en":
        change = "Level: Vocational college → Higher education with credits; Participants: 2 → 8"
    assert audit.iloc[1].tolist()[-1] == change
    shown = min(len(storage.audit_log(app_database, limit=None)), 1000)
    assert shown == 1000  # the demo data alone has more entries: the page shows the latest 1 000
    caption = "De siste 1\u202f000 loggføringene, nyeste først. Tidspunkt i norsk tid."
    if language == "en":
        caption = "The latest 1,000 log entries, newest first. Times in Norwegian time."
    assert caption in [c.value for c in app.caption]
    assert len(audit) == 1000
    # The read-only tables (imports, audit log) show no None/NaN/True/ISO date or code - as test_design checks on
    # the other pages; the editor keeps codes underneath and shows their labels through its drop-downs.
    codes = set()
    for name in ("kompetanseomrade", "niva", "laeringsform", "naering", "storrelse", "behov_status", "behov_kilde"):
        codes |= {code for code, label in taxonomy.labels(name, language).items() if code != label}
    read_only = [d.value for d in app.dataframe if not d.proto.editing_mode]
    assert len(read_only) == 2
    for frame in read_only:
        for column in frame.columns:
            assert not pd.api.types.is_bool_dtype(frame[column]) and not pd.api.types.is_datetime64_any_dtype(
                frame[column]
            )
            for value in frame[column].dropna().astype(str).unique():
                assert value not in INTERNAL_VALUES and value not in codes, (column, value)
                assert not (language == "nb" and re.match(r"^\d{4}-\d{2}-\d{2}", value)), (column, value)


def test_the_file_preview_labels_the_import_formats_columns(app_database):
    app = run_app("app_pages/data.py")
    app.file_uploader(key="data_upload").upload("behov.csv", three_needs(), "text/csv").run()
    preview = next(d for d in app.dataframe if "antall_deltakere" in d.value.columns)
    config = config_of(preview)
    assert config["_index"]["label"] == "Rad i filen"
    assert config["antall_deltakere"]["label"] == "Deltakere" and config["behov_id"]["label"] == "Behov-ID"
    assert all(config[str(c)]["label"] == tables.header(str(c), "nb") for c in preview.value.columns)
    english = data_page.file_preview_config(["Egen kolonne", "niva"], "en")
    assert set(english) == {"_index", "niva"}  # a column the format does not know keeps the file's header
    assert (english["_index"]["label"], english["niva"]["label"]) == ("Row in the file", "Level")


def test_dates_in_the_demo_audit_entries_are_not_iso(app_database):
    """Demo records are imported with dates; the log shows them as the reader writes them."""
    log = storage.audit_log(app_database, limit=None)
    needs = log[log["tabell"] == "behov"].head(50)
    offers = log[log["tabell"] == "tilbud"].head(50)
    changes = " ".join(data_page.audit_table(pd.concat([needs, offers]), "nb")["Hva som ble endret"])
    assert len(re.findall(r"Registrert: \d{2}\.\d{2}\.\d{4};", changes)) == 50
    assert (
        len(re.findall(r"Oppstart: \d{2}\.\d{2}\.\d{4};", changes))
        == offers["etter"].str.contains('"oppstart": "').sum()
    )
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", changes)


def test_downloads_are_named_in_the_interfaces_language(app_database):
    """File names in the reader's language (the export buttons' data are made on click, so AppTest cannot see the
    name; the page takes it from these functions), and counts in the reader's number format."""
    assert data_page.export_name("needs", "nb") == "kompilot_behov"
    assert data_page.export_name("offers", "en") == "kompilot_offers"
    assert data_page.backup_name("nb", datetime(2026, 11, 27, 23, 0)) == "kompilot-sikkerhetskopi-2026-11-27.zip"
    assert data_page.backup_name("en", datetime(2026, 11, 27)) == "kompilot-backup-2026-11-27.zip"
    assert storage.count(app_database, "needs") == 1500
    labels = {}
    for language in ("nb", "en"):
        app = run_app("app_pages/data.py", **({"lang": "en"} if language == "en" else {}))
        labels[language] = {d.key: d.proto.label for d in app.get("download_button")}
    assert labels["nb"]["export_needs_csv"] == "Behov (1\u202f500) – CSV"
    assert labels["en"]["export_needs_csv"] == "Needs (1,500) – CSV"
