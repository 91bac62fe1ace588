"""Safe re-import (issue 13 §2–3): a preview per record and field, edits made in the app kept unless the file's
version is chosen, no batch for a re-import that changes nothing, a partial undo that keeps edited records, the
batch table, and the template with names in its drop-downs. Storage on SQLite and PostgreSQL; the Data page in
AppTest; the command line.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from app_support import run_app
from records_support import BACKENDS, assert_unchanged, csv_bytes, database, row, snapshot

from kompilot_data.cli import main
from kompilot_data.records import importer, storage
from kompilot_data.reference.i18n import format_date

KARI = "kari@namdal.no"


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path)


def original() -> bytes:
    return csv_bytes(
        [
            row(behov_id="NAM-2026-005", antall_deltakere="2"),
            row(behov_id="NAM-2026-006", kommunenummer="5049"),
            row(behov_id="NAM-2026-007"),
        ]
    )


def stored(engine, need_id: str) -> pd.Series:
    return storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id").loc[need_id]


def edited_in_app(engine) -> None:
    """NAM-2026-005 imported with 2 participants, then changed to 8 in the app by Kari."""
    assert importer.import_file(engine, original(), "anne", filename="behov.csv").new == 3
    storage.update_record(engine, "needs", "NAM-2026-005", {"antall_deltakere": 8}, expected_version=1, user=KARI)


def prepared(data: bytes):
    result = importer.prepare_file(data, "behov.csv")
    assert result.ok, result.problems
    return result


# --- preview --------------------------------------------------------------------------------------------------


def test_preview_shows_each_change_field_by_field_and_who_edited_it_in_the_app(engine):
    edited_in_app(engine)
    changed = csv_bytes(
        [
            row(behov_id="NAM-2026-005", antall_deltakere="2"),
            row(behov_id="NAM-2026-006", kommunenummer="5049", merknad="Ny merknad", tidsramme_til="31.12.2027"),
            row(behov_id="NAM-2026-007"),
            row(behov_id="NAM-2026-008"),
        ]
    )
    before = snapshot(engine)
    preview = importer.preview_import(engine, prepared(changed))
    assert_unchanged(engine, before)  # a preview writes nothing
    assert (preview.new_ids, preview.unchanged, preview.rows) == (["NAM-2026-008"], 1, 4)
    today = format_date(date.today(), "nb")
    assert [importer.describe_change(c) for c in preview.conflicts] == [
        f"NAM-2026-005: antall_deltakere 8 → 2 (endret i appen av {KARI}, {today})"
    ]
    assert [importer.describe_change(c) for c in preview.updates] == [
        "NAM-2026-006: tidsramme_til 30.06.2027 → 31.12.2027; merknad (tom) → «Ny merknad»"
    ]
    assert importer.describe_change(preview.conflicts[0], "en") == (
        f"NAM-2026-005: antall_deltakere 8 → 2 (edited in the app by {KARI}, {format_date(date.today(), 'en')})"
    )
    assert preview.seen_versions == {"NAM-2026-005": 2, "NAM-2026-006": 1, "NAM-2026-007": 1, "NAM-2026-008": None}


def test_an_edit_is_kept_on_reimport_unless_the_files_version_is_chosen(engine):
    edited_in_app(engine)
    version = storage.data_version(engine)
    kept = importer.import_file(engine, original(), "anne", filename="behov.csv")
    assert kept.kept == ["NAM-2026-005"] and kept.batch_id is None
    assert kept.summary() == (
        "Ingenting importert: 2 rader (behov) er like som i databasen. 1 av postene er endret i appen og beholdt "
        "slik de er der (NAM-2026-005)."
    )
    assert stored(engine, "NAM-2026-005")["antall_deltakere"] == 8
    assert storage.data_version(engine) == version and len(storage.batches(engine)) == 1
    # With another change in the file, the batch records that one edit was kept.
    changed = csv_bytes(
        [
            row(behov_id="NAM-2026-005", antall_deltakere="2"),
            row(behov_id="NAM-2026-006", kommunenummer="5049", antall_deltakere="5"),
            row(behov_id="NAM-2026-007"),
        ]
    )
    result = importer.import_file(engine, changed, "anne", filename="behov2.csv")
    assert (result.batch_id, result.updated, result.kept) == (2, 1, ["NAM-2026-005"])
    assert result.summary().endswith("1 av postene er endret i appen og beholdt slik de er der (NAM-2026-005).")
    batch = storage.batches(engine).set_index("id").loc[2]
    assert (batch["endrede"], batch["uendrede"], batch["beholdt"]) == (1, 1, 1)
    assert stored(engine, "NAM-2026-005")["antall_deltakere"] == 8
    # Choosing the file's version for that record takes it.
    taken = importer.import_file(engine, original(), "anne", filename="behov.csv", take_file={"NAM-2026-005"})
    assert (taken.updated, taken.kept) == (2, [])
    assert stored(engine, "NAM-2026-005")["antall_deltakere"] == 2


def test_a_no_change_reimport_creates_no_batch_and_says_so(engine):
    first = importer.import_file(engine, original(), "anne", filename="behov.csv")
    assert first.batch_id == 1
    before = snapshot(engine)
    again = importer.import_file(engine, original(), "anne", filename="behov.csv")
    assert again.batch_id is None and (again.new, again.updated, again.unchanged) == (0, 0, 3)
    assert again.summary() == (
        "Ingen endringer: alle 3 rader (behov) er like som i databasen. Ingen ny import er registrert."
    )
    assert_unchanged(engine, before)


def test_an_import_refuses_when_a_record_changed_after_the_preview(engine):
    edited_in_app(engine)
    ready = prepared(csv_bytes([row(behov_id="NAM-2026-007", antall_deltakere="4")]))
    preview = importer.preview_import(engine, ready)
    storage.update_record(engine, "needs", "NAM-2026-007", {"merknad": "ny"}, expected_version=1, user="ola")
    before = snapshot(engine)
    with pytest.raises(storage.ConflictError) as error:
        importer.import_prepared(engine, ready, b"x", "behov.csv", "anne", preview=preview)
    assert str(error.value).startswith(
        "1 poster er endret etter at du så forhåndsvisningen (NAM-2026-007) (sist av ola "
    )
    assert str(error.value).endswith("Ingenting er importert; last opp filen på nytt for å se endringene.")
    assert_unchanged(engine, before)


# --- undo -------------------------------------------------------------------------------------------------------


def test_a_partial_undo_keeps_the_edited_records(engine):
    edited_in_app(engine)
    with pytest.raises(storage.ConflictError, match=r"^Kan ikke angre import 1: 1 poster er endret etter importen"):
        storage.undo_batch(engine, 1, "anne")
    changed = storage.changed_since_import(engine, 1)
    assert changed[["post_id", "endret_av", "handling"]].values.tolist() == [["NAM-2026-005", KARI, "endring"]]
    result = storage.undo_batch(engine, 1, "anne", keep_changed=True)
    assert result == {"slettet": 2, "gjenopprettet": 0, "beholdt": ["NAM-2026-005"]}
    left = storage.read_frame(engine, "needs")
    assert left["behov_id"].tolist() == ["NAM-2026-005"] and left["antall_deltakere"].tolist() == [8]
    batch = storage.batches(engine).set_index("id").loc[1]
    assert pd.notna(batch["angret"]) and batch["ikke_angret"] == 1
    with pytest.raises(storage.ConflictError, match="allerede angret"):
        storage.undo_batch(engine, 1, "anne", keep_changed=True)


# --- template ---------------------------------------------------------------------------------------------------


FILLED_NB = {
    "behov_id": "MAL-1",
    "registrert": "27.11.2025",
    "bedrift_id": "V-MAL",
    "kommunenummer": "5007 Namsos",
    "naering": "Helse- og sosialtjenester",
    "storrelse": "5–19 ansatte",
    "kompetanseomrade": "Helse og omsorg",
    "niva": "Fagskole",
    "laeringsform": "Samlingsbasert",
    "antall_deltakere": 3,
    "tidsramme_fra": "01.01.2026",
    "tidsramme_til": "30.06.2026",
    "status": "Koblet til tilbud",
    "koblet_dato": "01.12.2025",
    "kilde": "Spørreundersøkelse",
    "demo": "nei",
}


@pytest.mark.parametrize(
    ("language", "file_name", "codes_sheet", "filled"),
    [
        ("nb", "kompilot_mal_behov.xlsx", "koder", FILLED_NB),
        (
            "en",
            "kompilot_template_needs.xlsx",
            "codes",
            {
                **FILLED_NB,
                "naering": "Human health and social work",
                "storrelse": "5–19 employees",
                "kompetanseomrade": "Health and care",
                "niva": "Vocational college",
                "laeringsform": "Blended with gatherings",
                "status": "Linked to an offer",
                "kilde": "Survey",
                "demo": "no",
            },
        ),
    ],
)
def test_template_round_trip_with_names_in_the_drop_downs(engine, tmp_path, language, file_name, codes_sheet, filled):
    from openpyxl import load_workbook

    from kompilot_data.reference import taxonomy

    assert importer.template_name("needs", language) == file_name
    path = importer.write_template("needs", tmp_path / file_name, language)
    workbook = load_workbook(path)
    sheet, codes = workbook["behov"], workbook[codes_sheet]
    header = [c.value for c in sheet[1]]
    lists = {codes.cell(row=1, column=c).value: c for c in range(1, codes.max_column + 1)}
    column_values = {
        name: [codes.cell(row=r, column=c).value for r in range(2, codes.max_row + 1)] for name, c in lists.items()
    }
    assert column_values["kommunenummer"][:3] == ["5001 Trondheim", "5006 Steinkjer", "5007 Namsos"]
    assert "Spørreundersøkelse" in column_values["kilde"] if language == "nb" else "Survey" in column_values["kilde"]
    assert [v for v in column_values["status"] if v] == list(taxonomy.labels("behov_status", language).values())
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    letter = sheet.cell(row=1, column=header.index("kommunenummer") + 1).column_letter
    assert validations[f"{letter}2"] == f"='{codes_sheet}'!$A$2:$A$39"
    for name, value in filled.items():
        if name in lists and value not in ("nei", "no"):
            assert value in column_values[name], (name, value)  # every value is one the drop-down offers
        sheet.cell(row=2, column=header.index(name) + 1, value=value)
    workbook.save(path)
    result = importer.import_file(engine, path, "anne")
    assert result.new == 1, result.problems
    record = storage.read_frame(engine, "needs").iloc[0]
    assert [str(record[c]) for c in ("kommunenummer", "naering", "storrelse", "kompetanseomrade", "niva")] == [
        "5007",
        "Q",
        "5-19",
        "helse",
        "fagskole",
    ]
    assert [str(record[c]) for c in ("laeringsform", "status", "kilde")] == [
        "samlingsbasert",
        "koblet",
        "sporreundersokelse",
    ]


def test_old_and_plain_municipality_names_stay_accepted(engine):
    data = csv_bytes([row(behov_id="A", kommunenummer="Namsos"), row(behov_id="B", kommunenummer="namdalseid")])
    result = importer.import_file(engine, data, "anne", filename="behov.csv")
    assert result.new == 2
    assert result.warnings["melding"].tolist() == [
        "«namdalseid» er tidligere Namdalseid (1725); lagret som 5007 (Namsos)."
    ]


# --- command line -----------------------------------------------------------------------------------------------


def test_cli_import_keeps_app_edits_unless_take_file(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    path = tmp_path / "behov.csv"
    path.write_bytes(original())
    assert main(["import", str(path), "--database", url, "--user", "anne"]) == 0
    engine = storage.make_engine(url)
    storage.update_record(engine, "needs", "NAM-2026-005", {"antall_deltakere": 8}, expected_version=1, user=KARI)
    capsys.readouterr()
    assert main(["import", str(path), "--database", url, "--user", "anne"]) == 0
    out = capsys.readouterr().out
    assert "1 av postene er endret i appen og beholdt slik de er der (NAM-2026-005)." in out
    assert "--take-file" in out  # says how to take the file's version
    assert stored(engine, "NAM-2026-005")["antall_deltakere"] == 8
    assert main(["import", str(path), "--database", url, "--user", "anne", "--take-file"]) == 0
    assert stored(engine, "NAM-2026-005")["antall_deltakere"] == 2
    engine.dispose()


def test_cli_template_in_english_and_export_refusal(tmp_path, capsys):
    out = tmp_path / "kompilot_template_needs.xlsx"
    assert main(["template", "needs", str(out), "--lang", "en"]) == 0
    from openpyxl import load_workbook

    assert load_workbook(out).sheetnames == ["behov", "codes", "guide"]
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert main(["export", str(tmp_path / "x.csv"), "--database", url]) == 2
    assert "uten --kind skriver export en full sikkerhetskopi" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


# --- the Data page ----------------------------------------------------------------------------------------------


def batch_table(app) -> pd.DataFrame:
    return next(d.value for d in app.dataframe if "Angret" in d.value.columns)


def test_data_page_preview_keeps_the_edit_by_default_and_takes_the_file_when_chosen(app_database):
    edited_in_app(app_database)
    app = run_app("app_pages/data.py")
    app.file_uploader(key="data_upload").upload("behov.csv", original(), "text/csv").run()
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"Nye": "0", "Endres": "0", "Uendret": "2", "Endret i appen": "1"}
    today = format_date(date.today(), "nb")
    assert any(
        f"NAM-2026-005: antall_deltakere 8 → 2 (endret i appen av {KARI}, {today})" in m.value.replace("\\", "")
        for m in app.markdown
    )
    assert app.radio(key="import_conflict_choice").value == "keep"
    # Keeping the app's version changes nothing: no import button, and it says so.
    assert not [b for b in app.button if b.key == "data_confirm"]
    assert any("Ingen endringer" in i.value for i in app.info)
    app.radio(key="import_conflict_choice").set_value("take").run()
    app.button(key="data_confirm").click().run()
    assert stored(app_database, "NAM-2026-005")["antall_deltakere"] == 2
    assert any("Import 4: 3 rader (behov) – 0 nye, 1 endret, 2 uendret, 0 avvist." in s.value for s in app.success)


def test_data_page_choice_per_record_and_batch_table_without_hash(app_database):
    edited_in_app(app_database)
    storage.update_record(app_database, "needs", "NAM-2026-007", {"merknad": "ny"}, expected_version=1, user=KARI)
    app = run_app("app_pages/data.py")
    app.file_uploader(key="data_upload").upload("behov.csv", original(), "text/csv").run()
    app.radio(key="import_conflict_choice").set_value("each").run()
    app.checkbox(key="take_file_NAM-2026-007").check().run()
    app.button(key="data_confirm").click().run()
    assert stored(app_database, "NAM-2026-005")["antall_deltakere"] == 8  # kept
    assert pd.isna(stored(app_database, "NAM-2026-007")["merknad"])  # the file's version
    table = batch_table(app)
    assert "sha256" not in table.columns and "Angret" in table.columns
    assert table.columns.tolist() == [
        "Import",
        "Fil",
        "Tidspunkt",
        "Av",
        "Tabell",
        "Nye",
        "Endret",
        "Uendret",
        "Beholdt fra appen",
        "Angret",
    ]
    assert table.iloc[0][["Import", "Fil", "Av", "Endret", "Beholdt fra appen"]].tolist() == [
        "4",
        "behov.csv",
        "lokal bruker",
        "1",
        "1",
    ]


def test_data_page_offers_a_partial_undo_and_lists_the_edited_records(app_database):
    edited_in_app(app_database)
    app = run_app("app_pages/data.py")
    app.selectbox(key="undo_choice").set_value(3).run()
    today = format_date(date.today(), "nb")
    warning = app.warning[-1].value.replace("\\", "")
    assert "Import 3: 1 av postene er endret etter importen." in warning
    assert f"NAM-2026-005: endret i appen av {KARI}, {today}" in warning
    assert not [b for b in app.button if b.key == "undo_button"]
    app.button(key="undo_partial").click().run()
    assert storage.read_frame(app_database, "needs")["behov_id"].str.startswith("NAM").sum() == 1
    success = app.success[0].value
    assert success == "Import 3 delvis angret: 2 slettet, 0 gjenopprettet. Beholdt slik de er: NAM-2026-005."
    table = batch_table(app)
    assert table.iloc[0]["Angret"].startswith("delvis angret ") and table.iloc[0]["Angret"].endswith("(1 beholdt)")


def test_the_template_is_offered_on_the_first_tab_in_the_interfaces_language(app_database):
    app = run_app("app_pages/data.py")
    first = [d for d in app.get("download_button") if d.key.startswith("template_first_")]
    assert [d.proto.label for d in first] == ["Last ned malen for behov (Excel)", "Last ned malen for tilbud (Excel)"]
    english = run_app("app_pages/data.py", lang="en")
    first = [d for d in english.get("download_button") if d.key.startswith("template_first_")]
    assert [d.proto.label for d in first] == [
        "Download the template for needs (Excel)",
        "Download the template for offers (Excel)",
    ]
