"""Nothing lost, nothing leaked (issue 16): one test per case, each asserting the exact outcome.

Database tests run on SQLite and on PostgreSQL (when KOMPILOT_TEST_POSTGRES_URL is set; CI requires it).
"""

from __future__ import annotations

import collections
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from records_support import (
    BACKENDS,
    HEADER,
    assert_unchanged,
    csv_bytes,
    database,
    make_test_engine,
    row,
    snapshot,
)

from kompilot_data.cli import main
from kompilot_data.present.safe_text import plain
from kompilot_data.records import backup, errors, importer, reader, storage

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path)


def messages(result) -> list[str]:
    from kompilot_data.records.validation import format_problems

    return format_problems(result.problems).splitlines()


def needs(engine) -> pd.DataFrame:
    return storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id")


# --- undo, delete and restore under one lock, with a version check per record --------------------------


def _twenty(engine) -> int:
    rows = [row(behov_id=f"B{i:02d}") for i in range(20)]
    return importer.import_file(engine, csv_bytes(rows), "anne@namdal.no", filename="20.csv").batch_id


def test_undo_racing_an_import_waits_for_it_then_refuses(engine):
    """The import holds the write lock; the undo waits for it, sees 19 changed records and changes nothing."""
    batch = _twenty(engine)
    changed = csv_bytes([row(behov_id=f"B{i:02d}", antall_deltakere="9") for i in range(19)])
    barrier, inside = threading.Barrier(2), threading.Event()
    outcome: dict[str, object] = {}

    def hold(_connection):
        inside.set()
        time.sleep(1.0)  # the undo starts now and must wait for this commit
        outcome["import_commits"] = time.monotonic()

    def run_import():
        barrier.wait()
        outcome["import"] = importer.import_file(engine, changed, "ola@fosen.no", filename="19.csv", before_commit=hold)

    def run_undo():
        barrier.wait()
        inside.wait(10)
        try:
            outcome["undo"] = storage.undo_batch(engine, batch, "anne@namdal.no")
        except storage.ConflictError as error:
            outcome["undo"] = str(error)
        outcome["undo_done"] = time.monotonic()

    threads = [threading.Thread(target=run_import), threading.Thread(target=run_undo)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome["import"].summary() == "Import 2: 19 rader (behov) – 0 nye, 19 endret, 0 uendret, 0 avvist."
    assert outcome["undo"] == (
        "Kan ikke angre import 1: 19 poster er endret etter importen (B00, B01, B02, B03, B04 …)."
    )
    assert outcome["undo_done"] >= outcome["import_commits"]  # it waited for the import's commit
    stored = needs(engine)
    assert len(stored) == 20
    assert stored["antall_deltakere"].tolist() == [9] * 19 + [3]
    assert storage.batches(engine).set_index("id")["angret"].isna().all()


def test_import_racing_an_undo_waits_for_it_and_keeps_every_row(engine):
    """The undo holds the lock; the import waits, then finds the records gone and inserts all 19 as new."""
    batch = _twenty(engine)
    changed = csv_bytes([row(behov_id=f"B{i:02d}", antall_deltakere="9") for i in range(19)])
    barrier, inside = threading.Barrier(2), threading.Event()
    outcome: dict[str, object] = {}

    def hold(_connection):
        inside.set()
        time.sleep(1.0)
        outcome["undo_commits"] = time.monotonic()

    def run_undo():
        barrier.wait()
        outcome["undo"] = storage.undo_batch(engine, batch, "anne@namdal.no", before_commit=hold)

    def run_import():
        barrier.wait()
        inside.wait(10)
        outcome["import"] = importer.import_file(engine, changed, "ola@fosen.no", filename="19.csv")
        outcome["import_done"] = time.monotonic()

    threads = [threading.Thread(target=run_undo), threading.Thread(target=run_import)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome["undo"] == {"slettet": 20, "gjenopprettet": 0, "beholdt": []}
    assert outcome["import"].summary() == "Import 2: 19 rader (behov) – 19 nye, 0 endret, 0 uendret, 0 avvist."
    assert outcome["import_done"] >= outcome["undo_commits"]
    stored = needs(engine)
    assert sorted(stored.index) == [f"B{i:02d}" for i in range(19)]
    assert (stored["antall_deltakere"] == 9).all()


def test_delete_checks_versions_under_the_lock(engine):
    _twenty(engine)
    storage.update_record(engine, "needs", "B03", {"antall_deltakere": 5}, expected_version=1, user="b")
    before = snapshot(engine)
    with pytest.raises(storage.ConflictError) as error:
        storage.delete_records(engine, "needs", {"B02": 1, "B03": 1}, "a")
    assert str(error.value) == "1 poster er endret eller slettet av andre (B03). Ingenting er slettet."
    assert_unchanged(engine, before)


def test_restore_refuses_when_the_data_changed_since_the_user_looked(engine, tmp_path):
    _twenty(engine)
    copy = backup.backup(engine, tmp_path / "kopi.zip")
    seen = storage.data_version(engine)
    storage.update_record(engine, "needs", "B01", {"antall_deltakere": 6}, expected_version=1, user="b")
    before = snapshot(engine)
    with pytest.raises(storage.ConflictError) as error:
        backup.restore(engine, copy, "a", expected_version=seen)
    assert str(error.value) == (
        "Dataene er endret siden du valgte å gjenopprette. Ingenting er gjenopprettet; se over og prøv igjen."
    )
    assert_unchanged(engine, before)


# --- backups that always round-trip ---------------------------------------------------------------------

AWKWARD = ["NA", "N/A", "null", "NULL", "None", "nan", "NaN", "#N/A", "-", "0", "1e5", "TRUE", "ja", "=1+1", "'=x"]


def _backend(engine) -> str:
    return engine.dialect.name


def _texts(engine):
    """Any text PostgreSQL can hold (no NUL, no lone surrogates): awkward words, control characters, emoji."""
    alphabet = st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00" if _backend(engine) == "postgresql" else ""
    )
    return st.one_of(
        st.sampled_from(AWKWARD),
        st.text(alphabet=alphabet, max_size=40),
        st.text(alphabet="🎓👩‍🔧æøåÆØÅ\u2028\u2029\x85\x01\x1f\x7f\r\n\t \"';,", max_size=20),
    )


def _raw_tables(texts: list[str], long_text: str) -> dict[str, list[dict]]:
    """Rows as the database holds them, with the texts in every free-text column and the audit log."""
    from datetime import date, datetime

    when = datetime(2026, 11, 27, 10, 0, 0)
    needs_rows, offers_rows, audit = [], [], []
    for position, text in enumerate(texts):
        record_id = f"{position}{text.strip()[:40]}" or str(position)
        needs_rows.append(
            {
                "behov_id": record_id,
                "registrert": date(2026, 11, 27),
                "bedrift_id": f"V{position}{text}",
                "orgnr": None,
                "kommunenummer": "5007",
                "naering": "Q",
                "storrelse": "5-19",
                "kompetanseomrade": "helse",
                "niva": "fagskole",
                "laeringsform": None,
                "antall_deltakere": 3,
                "tidsramme_fra": date(2027, 1, 1),
                "tidsramme_til": date(2027, 6, 30),
                "status": "kartlagt",
                "kilde": "bedriftsbesok",
                "merknad": text if position else long_text,
                "demo": False,
                "versjon": 1,
                "batch_id": None,
                "endret": when,
                "endret_av": f"bruker{text}"[:200],
            }
        )
        offers_rows.append(
            {
                "tilbud_id": record_id,
                "tilbyder": f"T{text}",
                "tittel": f"Kurs {text}",
                "kompetanseomrade": "helse",
                "niva": "kurs",
                "laeringsform": "nettbasert",
                "oppstart": date(2027, 1, 15),
                "kapasitet": 10,
                "studiested": text,
                "finansiering": text,
                "kilde_url": text,
                "status": "planlagt",
                "demo": False,
                "versjon": 1,
                "batch_id": None,
                "endret": when,
                "endret_av": "a",
            }
        )
        audit.append(
            {
                "id": position + 1,
                "tidspunkt": when,
                "bruker": "a",
                "handling": "import",
                "tabell": "behov",
                "post_id": record_id,
                "batch_id": 1,
                "foer": text,
                "etter": json.dumps({"merknad": long_text + text}, ensure_ascii=False),
            }
        )
    batches = [
        {
            "id": 1,
            "type": "needs",
            "filnavn": "".join(texts)[:500],
            "sha256": "0" * 64,
            "importert": when,
            "bruker": "a",
            "nye": len(texts),
            "endrede": 0,
            "uendrede": 0,
            "angret": None,
        }
    ]
    return {"needs": needs_rows, "offers": offers_rows, "batches": batches, "audit": audit}


def _rows(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {key: list(storage.iter_table_rows(connection, key)) for key in storage.ALL_TABLES}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_backup_restore_round_trips_any_text_byte_for_byte(backend, tmp_path_factory):
    engine = make_test_engine(backend, tmp_path_factory.mktemp("roundtrip"))
    offer_columns = {c.name for c in storage.OFFERS_TABLE.columns}

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(texts=st.lists(_texts(engine), min_size=1, max_size=8, unique_by=lambda t: t.strip()), seed=_texts(engine))
    def round_trip(texts, seed):
        long_text = ("Lang merknad 🎓 " + seed[:10]) * 2_300  # > 32 767 characters (Excel's limit), < 100 000
        assert len(long_text) > 32_767
        tables = _raw_tables(texts, long_text)
        for row_ in tables["offers"]:  # columns another part of the app may have added stay empty
            for name in offer_columns - set(row_):
                row_[name] = None
        storage.replace_all(engine, tables, "test")
        before = _rows(engine)
        data = backup.backup_bytes(engine)
        storage.replace_all(engine, {}, "test")  # an empty database
        result = backup.restore(engine, data, "test", name="kopi.zip")
        after = _rows(engine)
        assert result.counts == {
            "behov": len(texts),
            "tilbud": len(texts),
            "import_batch": len(before["batches"]),  # earlier examples' batches stay, marked undone
            "endringslogg": len(before["audit"]),  # the whole log as it stood, earlier examples' restores included
            "avviste_kandidater": 0,
        }
        assert result.log_added == 0  # a backup of this database adds nothing to the log that was kept
        for key in ("needs", "offers", "batches"):
            assert after[key] == before[key], key  # every value, every type, byte for byte
        assert after["audit"][: len(before["audit"])] == before["audit"]
        stored = {r[0]: r for r in after["needs"]}
        merknad = [c.name for c in storage.NEEDS_TABLE.columns].index("merknad")
        assert stored[tables["needs"][0]["behov_id"]][merknad] == long_text

    try:
        round_trip()
    finally:
        engine.dispose()


def test_business_id_na_and_text_null_survive_backup_and_restore(engine, tmp_path):
    data = csv_bytes([row(behov_id="NA", bedrift_id="null", merknad="None"), row(behov_id="N/A", merknad="nan")])
    assert importer.import_file(engine, data, "a", filename="na.csv").new == 2
    path = backup.backup(engine, tmp_path / "kopi.zip")
    storage.delete_records(engine, "needs", {"NA": 1, "N/A": 1}, "a")
    backup.restore(engine, path, "a")
    stored = needs(engine)
    assert stored.loc["NA", ["bedrift_id", "merknad"]].tolist() == ["null", "None"]
    assert stored.at["N/A", "merknad"] == "nan"


def test_control_characters_stored_earlier_are_backed_up_and_restored(engine, tmp_path):
    """A note with control characters (accepted before they were refused) no longer breaks the backup."""
    text = "før\x01etter\x1f" + ("" if engine.dialect.name == "postgresql" else "\x00nul")
    _twenty(engine)
    with storage.writing(engine) as connection:
        connection.execute(
            sa.update(storage.NEEDS_TABLE).where(storage.NEEDS_TABLE.c.behov_id == "B00").values(merknad=text)
        )
    path = backup.backup(engine, tmp_path / "kopi.zip")
    before = _rows(engine)
    storage.replace_all(engine, {}, "a")
    backup.restore(engine, path, "a")
    assert _rows(engine)["needs"] == before["needs"]
    # The Excel report refuses the cell instead of crashing halfway; no half-written file is left behind.
    with pytest.raises(importer.ExportError) as error:
        importer.export_records(engine, "needs", tmp_path / "rapport.xlsx")
    assert str(error.value) == (
        "Rad 3, kolonne «merknad» har et kontrolltegn som Excel ikke kan lagre. Excel-filen er ikke laget. "
        "Last ned som CSV i stedet (CSV har ingen slik grense), eller bruk sikkerhetskopien."
    )
    assert not (tmp_path / "rapport.xlsx").exists()
    assert not list(tmp_path.glob(".rapport.xlsx.*"))


def test_note_longer_than_excel_allows_is_kept_whole_in_database_audit_backup_and_csv(engine, tmp_path):
    note = "Lang merknad om kompetanse i Namsos. " * 1_200  # 44 400 characters
    assert len(note) > 32_767
    data = csv_bytes([row(merknad=note)])
    assert importer.import_file(engine, data, "a", filename="lang.csv").new == 1
    assert needs(engine).at["B1", "merknad"] == note.strip()
    entry = storage.audit_log(engine).iloc[0]
    assert json.loads(entry["etter"])["merknad"] == note.strip()  # the audit JSON is whole
    path = backup.backup(engine, tmp_path / "kopi.zip")
    storage.delete_records(engine, "needs", {"B1": 1}, "a")
    backup.restore(engine, path, "a")
    assert needs(engine).at["B1", "merknad"] == note.strip()
    csv_path = importer.export_records(engine, "needs", tmp_path / "behov.csv")
    assert importer.import_file(engine, csv_path, "a").unchanged == 1  # the CSV report holds it whole
    with pytest.raises(importer.ExportError, match=r"^Rad 3, kolonne «merknad» har mer enn 32 767 tegn"):
        importer.export_records(engine, "needs", tmp_path / "behov.xlsx")
    assert not (tmp_path / "behov.xlsx").exists()


@pytest.mark.slow
def test_backup_holds_more_rows_than_an_excel_sheet(tmp_path):
    """1 048 577 rows in the audit log (one more than an Excel sheet holds) go into the backup and back."""
    engine = make_test_engine("sqlite", tmp_path)
    rows = 1_048_577
    with storage.writing(engine) as connection:
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO endringslogg (id, tidspunkt, bruker, handling, tabell, post_id, batch_id, foer, etter) "
            "SELECT i, '2026-11-27 10:00:00.000000', 'a', 'import', 'behov', 'B' || i, NULL, NULL, 'NA' FROM n",
            (rows,),
        )
    path = backup.backup(engine, tmp_path / "kopi.zip")
    verified = backup.read_backup(path)  # reads, types and checksums every row, and checks the count
    assert verified.counts["audit"] == rows
    # The last row as the file holds it (a second typed pass over a million rows would prove nothing more).
    entry = verified.manifest["tabeller"]["endringslogg"]
    with zipfile.ZipFile(path) as archive, archive.open(entry["fil"]) as member:
        (line,) = collections.deque(member, maxlen=1)
    last = dict(zip(entry["kolonner"], json.loads(line), strict=True))
    assert last["id"] == rows and last["etter"] == "NA" and last["post_id"] == f"B{rows}"
    engine.dispose()


# --- input hygiene in the reader ------------------------------------------------------------------------


def test_control_character_in_a_csv_cell_is_refused_with_row_and_column(engine):
    before = snapshot(engine)
    result = importer.import_file(engine, csv_bytes([row(), row(behov_id="B2", merknad="før\x00etter")]), "a")
    assert messages(result) == [
        "Rad 3, kolonne «merknad»: «før<U+0000>etter» inneholder et usynlig kontrolltegn (U+0000 på plass 4), "
        "som ikke kan lagres. Fjern tegnet og last opp på nytt."
    ]
    assert result.summary() == (
        "Ingenting importert: 1 av 2 rader (behov) har feil. Rett feilene og importer hele filen på nytt."
    )
    assert_unchanged(engine, before)


@pytest.mark.parametrize(
    ("separator", "quoted"),
    [("\r", False), ("\r", True), ("\u2028", False), ("\u0085", False), ("\x0c", False), ("\x0b", False)],
    ids=["lone-CR", "lone-CR-quoted", "U+2028", "U+0085", "form-feed", "vertical-tab"],
)
def test_line_separator_inside_a_csv_cell_stays_in_the_cell(engine, separator, quoted):
    note = f"første linje{separator}andre linje"
    cells = row(merknad=f'"{note}"' if quoted else note)
    data = ("\r\n".join([";".join(HEADER), ";".join(cells), ";".join(row(behov_id="B2"))]) + "\r\n").encode()
    result = importer.import_file(engine, data, "a", filename="behov.csv")
    assert result.summary() == "Import 1: 2 rader (behov) – 2 nye, 0 endret, 0 uendret, 0 avvist."
    assert needs(engine).at["B1", "merknad"] == "første linje\nandre linje"


def test_line_separators_inside_xlsx_cells_are_line_breaks_not_x000d(engine, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(row(merknad="linje 1_x000D_\nlinje 2"))  # how Excel stores a CR in a cell
    sheet.append(row(behov_id="B2", merknad="a\u2028b\rc"))
    path = tmp_path / "behov.xlsx"
    workbook.save(path)
    assert importer.import_file(engine, path, "a").new == 2
    stored = needs(engine)
    assert stored.at["B1", "merknad"] == "linje 1\nlinje 2"
    assert stored.at["B2", "merknad"] == "a\nb\nc"


def test_mixed_utf8_and_windows_1252_is_refused_naming_the_first_bad_line(engine):
    before = snapshot(engine)
    header = ";".join(HEADER).encode()
    good = ";".join(row(merknad="Særlig behov i Ørland")).encode("utf-8")
    bad = ";".join(row(behov_id="B2", merknad="Særlig behov i Ørland")).encode("cp1252")
    result = importer.import_file(engine, b"\n".join([header, good, bad]) + b"\n", "a", filename="blandet.csv")
    assert messages(result) == [
        "«blandet.csv» blander to tegnkodinger: linje 2 er UTF-8, men linje 3 er det ikke (den er trolig "
        "Windows-1252). Æ, ø og å ville blitt feil, så ingenting er lest. Åpne filen i Excel, velg Lagre som → "
        "CSV UTF-8, og last opp den nye filen."
    ]
    assert result.summary() == (
        "Ingenting importert: filen kan ikke leses som den er. Se feilmeldingen, rett filen og prøv igjen."
    )
    assert_unchanged(engine, before)


def test_a_windows_1252_file_is_still_read(engine):
    data = ("\n".join([";".join(HEADER), ";".join(row(merknad="Særlig behov i Ørland"))]) + "\n").encode("cp1252")
    assert importer.import_file(engine, data, "a", filename="ansi.csv").new == 1
    assert needs(engine).at["B1", "merknad"] == "Særlig behov i Ørland"


def test_an_80_character_id_gets_a_row_and_column_message_on_both_databases(engine):
    before = snapshot(engine)
    result = importer.import_file(engine, csv_bytes([row(behov_id="X" * 80)]), "a", filename="lang.csv")
    assert messages(result) == [
        "Rad 2, kolonne «behov_id»: «" + "X" * 59 + "…» er for lang: 80 tegn, høyst 64 er tillatt."
    ]
    assert_unchanged(engine, before)
    assert importer.import_file(engine, csv_bytes([row(behov_id="X" * 64)]), "a", filename="ok.csv").new == 1


def test_orgnr_with_spaces_is_stored_as_nine_digits(engine):
    assert importer.import_file(engine, csv_bytes([row(orgnr="923 609 016")]), "a", filename="o.csv").new == 1
    assert needs(engine).at["B1", "orgnr"] == "923609016"


def test_a_users_own_leading_apostrophe_is_kept_and_exports_round_trip(engine, tmp_path):
    notes = {"B1": "'=1+1", "B2": "'hei", "B3": "=SUM(A1)", "B4": "''dobbel"}
    data = csv_bytes([row(behov_id=i, merknad=n) for i, n in notes.items()])
    assert importer.import_file(engine, data, "a", filename="egen.csv").new == 4
    assert needs(engine)["merknad"].to_dict() == notes  # no export mark: every apostrophe is the user's own
    for suffix in ("csv", "xlsx"):
        path = importer.export_records(engine, "needs", tmp_path / f"behov.{suffix}")
        result = importer.import_file(engine, path, "a")
        assert (result.new, result.updated, result.unchanged) == (0, 0, 4), suffix
    exported = (tmp_path / "behov.csv").read_text(encoding="utf-8-sig").splitlines()
    assert exported[0] == reader.EXPORT_TITLE
    assert "''=1+1" in exported[2] and "'=SUM(A1)" in exported[4]  # what the export added is marked


# --- bounded memory for Excel files -----------------------------------------------------------------------


def _write_zip_bomb(path: Path, rows: int = 200_000, columns: int = 20) -> None:
    """A valid .xlsx of ``rows`` × ``columns`` identical cells that compresses to well under a megabyte."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/{kind}" Target="{target}"/></Relationships>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="behov" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels.format(kind="officeDocument", target="xl/workbook.xml"))
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels.format(kind="worksheet", target="worksheets/sheet1.xml"))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            names = [*HEADER, *(f"ekstra{i}" for i in range(columns - len(HEADER)))][:columns]
            cells = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in names)
            sheet.write(f"<row>{cells}</row>".encode())
            line = ("<row>" + '<c t="inlineStr"><is><t>aaaaaaaaaa</t></is></c>' * columns + "</row>").encode()
            for _ in range(rows):
                sheet.write(line)
            sheet.write(b"</sheetData></worksheet>")


MEMORY_LIMIT_MB = 768


def _run_limited(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python whose address space is capped at MEMORY_LIMIT_MB (resource.setrlimit)."""
    prelude = textwrap.dedent(
        f"""
        import resource
        limit = {MEMORY_LIMIT_MB} * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        """
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.slow
def test_xlsx_zip_bomb_is_refused_within_bounded_memory(tmp_path):
    bomb = tmp_path / "bombe.xlsx"
    _write_zip_bomb(bomb)
    assert bomb.stat().st_size < 1_000_000  # about 700 KB that unpack to 4 million cells
    result = _run_limited(
        f"""
        from kompilot_data.records import importer
        prepared = importer.prepare_file({str(bomb)!r})
        print(prepared.problems["melding"].tolist())
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == (
        "['«bombe.xlsx» har flere enn 2 500 000 celler; det er grensen for én fil. "
        "Del filen i flere og importer dem hver for seg.']"
    )


@pytest.mark.slow
def test_an_ordinary_xlsx_is_read_within_the_same_memory(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("behov")
    sheet.append(HEADER)
    for i in range(20_000):
        sheet.append(row(behov_id=f"B{i}", merknad=f"Merknad {i}"))
    path = tmp_path / "behov.xlsx"
    workbook.save(path)
    result = _run_limited(
        f"""
        from kompilot_data.records import importer
        prepared = importer.prepare_file({str(path)!r})
        print(len(prepared.frame), prepared.ok)
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "20000 True"


def test_limits_are_checked_and_stated(tmp_path):
    wide = ";".join(f"k{i}" for i in range(reader.MAX_COLUMNS + 1)) + "\n"
    prepared = importer.prepare_file(wide.encode() + b"1\n", "bred.csv")
    assert prepared.problems["melding"].tolist() == [
        "«bred.csv» har flere enn 60 kolonner; det er grensen for én fil. Del filen i flere og importer dem hver for seg."
    ]
    long_cell = csv_bytes([row(merknad="x" * (reader.MAX_CELL_CHARS + 1))])
    prepared = importer.prepare_file(long_cell, "lang.csv")
    assert prepared.problems["melding"].tolist()[0].startswith("«xxxxxxxxxx")
    assert prepared.problems["melding"].tolist()[0].endswith("er for lang: 100 001 tegn, høyst 100 000 er tillatt.")


# --- errors a coordinator can read ------------------------------------------------------------------------


def test_locked_database_gives_a_norwegian_message_and_changes_nothing(tmp_path):
    path = tmp_path / "laast.sqlite"
    engine = storage.make_engine(f"sqlite:///{path}", lock_timeout=0.5)
    _twenty(engine)
    before = snapshot(engine)
    import sqlite3

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(sa.exc.OperationalError) as error:
            importer.import_file(engine, csv_bytes([row(behov_id="NY")]), "a", filename="ny.csv")
        assert errors.user_message(error.value) == errors.BUSY
        assert errors.BUSY.startswith("Databasen er opptatt med en annen lagring")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_unchanged(engine, before)
    engine.dispose()


def test_locked_postgresql_gives_the_same_message(tmp_path):
    engine = make_test_engine("postgresql", tmp_path, lock_timeout=0.5)
    _twenty(engine)
    before = snapshot(engine)
    result: dict = {}
    with storage.writing(engine):  # this transaction holds the lock while another write tries
        other = threading.Thread(target=lambda: _try_import(engine, result))
        other.start()
        other.join(30)
    assert errors.user_message(result["error"]) == errors.BUSY
    assert_unchanged(engine, before)
    engine.dispose()


def _try_import(engine, result: dict) -> None:
    try:
        importer.import_file(engine, csv_bytes([row(behov_id="NY")]), "a", filename="ny.csv")
    except Exception as error:
        result["error"] = error


def test_full_disk_gives_a_norwegian_message_and_changes_nothing(tmp_path):
    path = tmp_path / "full.sqlite"
    engine = storage.make_engine(f"sqlite:///{path}")
    _twenty(engine)
    before = snapshot(engine)
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    @sa.event.listens_for(engine, "connect")
    def small_disk(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 5}")  # the disk fills up during the import

    engine.dispose()
    rows = [row(behov_id=f"N{i}", merknad="x" * 500) for i in range(2_000)]
    with pytest.raises(sa.exc.OperationalError) as error:
        importer.import_file(engine, csv_bytes(rows), "a", filename="stor.csv")
    assert errors.user_message(error.value) == errors.DISK_FULL
    assert errors.DISK_FULL.startswith("Disken der databasen ligger er full, så ingenting er lagret.")
    assert_unchanged(engine, before)
    engine.dispose()


def test_postgresql_and_operating_system_errors_get_the_same_messages():
    import errno

    import psycopg

    def wrapped(orig):
        return sa.exc.OperationalError("INSERT …", {}, orig)

    assert errors.user_message(wrapped(psycopg.errors.DiskFull("could not extend file"))) == errors.DISK_FULL
    assert errors.user_message(wrapped(psycopg.errors.LockNotAvailable("lock timeout"))) == errors.BUSY
    assert errors.user_message(OSError(errno.ENOSPC, "No space left on device")) == errors.DISK_FULL
    assert errors.user_message(zipfile.BadZipFile("File is not a zip file")) == errors.BROKEN_FILE
    unexpected = errors.user_message(RuntimeError("/srv/kompilot/secret/path.py line 3"))
    assert unexpected.startswith("Noe uventet gikk galt, og ingenting er lagret. Feilen er skrevet i serverloggen")
    assert "/srv" not in unexpected


def test_two_large_imports_at_once_both_finish(engine):
    files = [csv_bytes([row(behov_id=f"{p}{i}") for i in range(5_000)]) for p in ("A", "B")]
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def run(position: int) -> None:
        barrier.wait()
        results[position] = importer.import_file(engine, files[position], f"u{position}", filename=f"{position}.csv")

    threads = [threading.Thread(target=run, args=(p,)) for p in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(r.new for r in results.values()) == [5_000, 5_000]
    assert storage.count(engine, "needs") == 10_000


def test_cli_prints_the_message_not_a_traceback_when_the_database_is_locked(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    storage.make_engine(url).dispose()
    good = tmp_path / "behov.csv"
    good.write_bytes(csv_bytes([row()]))
    import sqlite3

    holder = sqlite3.connect(tmp_path / "cli.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        original = storage.make_engine
        monkeypatch.setattr(storage, "make_engine", lambda database=None: original(database, lock_timeout=0.5))
        assert main(["import", str(good), "--database", url]) == 3  # the system (here: the lock), not the input
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert err.strip() == f"Feil: {errors.BUSY}"
    assert "Traceback" not in err


def test_restore_from_a_truncated_or_garbage_file_says_why_and_changes_nothing(engine, tmp_path):
    _twenty(engine)
    good = backup.backup_bytes(engine)
    before = snapshot(engine)
    broken = (
        "«{}» er ikke en hel sikkerhetskopi: filen er skadet, avkortet eller noe annet enn en kompilot-"
        "sikkerhetskopi (.zip). Databasen er ikke endret. Bruk en annen kopi."
    )
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "behov.jsonl":
                content = content.replace(b'"B07"', b'"B7X"')  # same size, other content
            target.writestr(item, content)
    cases = {
        "avkortet.zip": (good[: len(good) // 2], broken.format("avkortet.zip")),
        "tull.zip": (os.urandom(4096), broken.format("tull.zip")),
        "endret.zip": (
            tampered.getvalue(),
            "«endret.zip»: kontrollsummen for «behov» stemmer ikke; filen er endret eller skadet. Databasen er ikke endret.",
        ),
    }
    for name, (data, expected) in cases.items():
        with pytest.raises(backup.BackupError) as error:
            backup.restore(engine, data, "a", name=name)
        assert str(error.value) == expected, name
        assert errors.user_message(error.value) == expected
    assert_unchanged(engine, before)


def test_import_of_a_wrong_or_broken_file_says_what_to_do(engine):
    before = snapshot(engine)
    cases = {
        "rapport.pdf": (
            b"%PDF-1.7 binary",
            "«rapport.pdf» er ikke en tabell med behov eller tilbud. Last opp en CSV-fil eller en Excel-fil (.xlsx); "
            "malen øverst i fanen «Importer» viser kolonnene.",
        ),
        "skadet.xlsx": (
            b"PK\x03\x04" + b"\x00" * 100,
            "«skadet.xlsx» kan ikke leses: filen er skadet, avkortet eller ikke en ekte Excel-fil (.xlsx). Åpne den i "
            "Excel og lagre den på nytt som .xlsx (eller CSV UTF-8), og last opp igjen.",
        ),
        "gammel.xls": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "«gammel.xls» er i det gamle Excel-formatet (.xls). Åpne den i Excel, velg Lagre som → Excel-arbeidsbok "
            "(.xlsx) eller CSV UTF-8, og last opp den nye filen.",
        ),
        "handleliste.csv": (
            "melk;brød;egg\n1;2;3\n".encode(),
            "Fant ikke kolonnene for behov i filen (overskriftsraden mangler eller har andre navn). Last ned malen "
            "øverst i fanen «Importer», eller gi kolonnene navnene i datamodellen.",
        ),
    }
    for name, (data, expected) in cases.items():
        result = importer.import_file(engine, data, "a", filename=name)
        assert messages(result) == [expected], name
    assert_unchanged(engine, before)


def test_no_error_details_reach_the_browser():
    """Tracebacks and exception messages stay in the server log (a value Streamlit 1.67 accepts)."""
    from streamlit import config

    settings_ = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings_["client"]["showErrorDetails"] == "none"
    option = config._config_options_template["client.showErrorDetails"]
    assert '"none"' in option.description


def test_data_page_shows_a_norwegian_message_instead_of_a_traceback(empty_app_database, monkeypatch):
    from app_support import run_app

    original = storage.import_frame

    def locked(engine, typed, kind, filename, *args, **kwargs):
        if filename == "behov.csv":  # the upload; the demo data seeded at start goes through
            raise sa.exc.OperationalError("INSERT …", {}, Exception("database is locked"))
        return original(engine, typed, kind, filename, *args, **kwargs)

    monkeypatch.setattr(storage, "import_frame", locked)
    app = run_app("app_pages/data.py")
    app.file_uploader(key="data_upload").upload("behov.csv", csv_bytes([row(behov_id="N1")]), "text/csv").run()
    app.button(key="data_confirm").click().run()
    assert not app.exception
    assert [e.value for e in app.error] == [plain(errors.BUSY)]
    assert storage.count(empty_app_database, "needs", demo=True) == 1500  # the demo data seeded at start went through


# --- user text shown as text ------------------------------------------------------------------------------

HOSTILE = "![spor](http://tracker.example/pixel.png) **fet** <img src=http://tracker.example/x.png> :red[rød]"
HOSTILE_IMAGE = "![spor](http://tracker.example/pixel.png) **fet**"
HOSTILE_HTML = "<img src=http://tracker.example/x.png>"


def test_plain_escapes_markdown_html_and_directives():
    assert plain(HOSTILE) == (
        "\\!\\[spor\\](http\\:\u200b//tracker.example/pixel.png) \\*\\*fet\\*\\* "
        "\\<img src=http\\:\u200b//tracker.example/x.png\\> \\:red\\[rød\\]"
    )
    assert plain("Rad 3, kolonne «antall_deltakere»: «2,5» er ikke et heltall.") == (
        "Rad 3, kolonne «antall_deltakere»: «2,5» er ikke et heltall."
    )
    assert plain("1. liste\n# tittel\nwww.example.no _x_") == "1\\. liste\n\\# tittel\nwww\u200b.example.no \\_x\\_"


def test_streamlit_table_downloads_are_disabled():
    """Raw cell text (=HYPERLINK(…)) never leaves through st.dataframe's own CSV button; the app's downloads
    neutralise formulas."""
    from streamlit import config

    settings_ = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings_["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config._config_options_template


def test_export_neutralises_formulas_and_marks_them(engine, tmp_path):
    importer.import_file(engine, csv_bytes([row(merknad='=HYPERLINK("http://x","klikk")')]), "a")
    path = importer.export_records(engine, "needs", tmp_path / "behov.csv")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == reader.EXPORT_TITLE
    assert lines[2].endswith(';"\'=HYPERLINK(""http://x"",""klikk"")";nei')


@pytest.mark.browser
def test_hostile_title_on_the_data_page_is_text_and_fetches_nothing(app_server, tmp_path):
    """The upload is refused in the preview, so the shared app's database is not changed."""
    from browser_support import offline_browser, wait_for_app

    hostile = csv_bytes(
        [row(behov_id="B1", merknad=HOSTILE), row(behov_id="B2", niva=HOSTILE_IMAGE, kilde=HOSTILE_HTML)]
    )
    upload = tmp_path / "![fil](http:__tracker.example_f.png).csv"
    upload.write_bytes(hostile)
    with offline_browser() as (page, blocked):
        page.goto(f"{app_server.url}/data")
        wait_for_app(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(upload))
        page.get_by_text("er ikke en gyldig kode").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        error = page.locator("[data-testid='stAlert']").filter(has_text="gyldig kode").first.inner_text()
        error = error.replace("\u200b", "")  # the zero-width space that keeps addresses from becoming links
        main_text = page.locator("[data-testid='stMain']").inner_text().replace("\u200b", "")
        images = page.locator("[data-testid='stMain'] img").count()
        links = page.locator("[data-testid='stMain'] a[href*='tracker']").count()
        page.screenshot(path=tmp_path / "data.png")
    assert f"«{HOSTILE_IMAGE}» er ikke en gyldig kode." in error
    assert f"«{HOSTILE_HTML}» er ikke en gyldig kode." in error
    assert "![fil](http:__tracker.example_f.png).csv" in main_text
    assert images == 0 and links == 0
    assert blocked == [], f"the page tried to reach the internet: {blocked[:3]}"


# --- the command line's export ----------------------------------------------------------------------------


def test_cli_export_to_csv_without_kind_is_refused_and_writes_nothing(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    storage.make_engine(url).dispose()  # an existing, empty database (export never makes one: issue 23)
    target = tmp_path / "alt.csv"
    assert main(["export", str(target), "--database", url]) == 2
    assert capsys.readouterr().err.strip() == (
        "Feil: uten --kind skriver export en full sikkerhetskopi, og den er en .zip-fil (ikke «.csv»). "
        "Bruk for eksempel kompilot-kopi.zip, eller --kind needs|offers for én tabell som .csv eller .xlsx."
    )
    assert not target.exists()
    assert main(["export", str(target), "--kind", "needs", "--database", url]) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf" + reader.EXPORT_TITLE.encode())  # CSV content
    capsys.readouterr()
    assert main(["export", str(tmp_path / "kopi.zip"), "--database", url]) == 2  # empty: only with --force
    assert "--force" in capsys.readouterr().err
    assert not (tmp_path / "kopi.zip").exists()
    assert main(["export", str(tmp_path / "kopi.zip"), "--force", "--database", url]) == 0
    assert zipfile.is_zipfile(tmp_path / "kopi.zip")
