"""Storage, import, export and restore against SQLite, and PostgreSQL when KOMPILOT_TEST_POSTGRES_URL is set.

Every kind of bad input is checked for its exact message and for the database being unchanged afterwards.
"""

import io
import threading

import pandas.testing as pdt
import pytest
from records_support import BACKENDS, HEADER, assert_unchanged, csv_bytes, database, row, snapshot

import kompilot_data as kd
from kompilot_data.cli import main
from kompilot_data.records import backup, importer, storage


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    yield from database(request, tmp_path)


def test_import_then_reimport_is_idempotent(engine):
    data = csv_bytes([row(), row(behov_id="B2", kommunenummer="Osen")])
    first = importer.import_file(engine, data, "koordinator@namdal.no", filename="behov.csv")
    assert first.summary() == "Import 1: 2 rader (behov) – 2 nye, 0 endret, 0 uendret, 0 avvist."
    version = storage.data_version(engine)
    second = importer.import_file(engine, data, "koordinator@namdal.no", filename="behov.csv")
    assert second.summary() == (
        "Ingen endringer: alle 2 rader (behov) er like som i databasen. Ingen ny import er registrert."
    )
    assert second.batch_id is None and len(storage.batches(engine)) == 1  # no empty batch
    assert storage.data_version(engine) == version  # nothing changed
    changed = csv_bytes([row(antall_deltakere="5"), row(behov_id="B2", kommunenummer="Osen")])
    third = importer.import_file(engine, changed, "koordinator@namdal.no", filename="behov.csv")
    assert (third.batch_id, third.new, third.updated, third.unchanged) == (2, 0, 1, 1)
    needs = storage.read_frame(engine, "needs", with_meta=True).set_index("behov_id")
    assert needs.at["B1", "antall_deltakere"] == 5 and needs.at["B1", "versjon"] == 2
    assert needs.at["B2", "kommunenummer"] == "5020"


BAD_INPUT = [
    (
        "unknown municipality",
        [row(kommunenummer="Atlantis")],
        [
            "Rad 2, kolonne «kommunenummer»: «Atlantis» er ikke en kommune i Trøndelag. Skriv kommunenummeret "
            "(f.eks. 5007) eller navnet (f.eks. Namsos)."
        ],
    ),
    (
        "misspelt municipality gets the closest names, not numbers",
        [row(kommunenummer="Nærøysun")],
        ["Rad 2, kolonne «kommunenummer»: «Nærøysun» er ikke en kommune i Trøndelag. Mente du «Nærøysund»?"],
    ),
    (
        "unknown municipality number",
        [row(kommunenummer="5099")],
        ["Rad 2, kolonne «kommunenummer»: «5099» er ikke et kommunenummer i Trøndelag (5001–5061). Mente du «5059»?"],
    ),
    (
        "split municipality",
        [row(kommunenummer="Snillfjord")],
        [
            "Rad 2, kolonne «kommunenummer»: «Snillfjord» (Snillfjord (1613)) ble delt mellom Heim (5055), "
            "Hitra (5056) og Orkland (5059) i 2020; oppgi hvilken."
        ],
    ),
    (
        "misspelt code gets the closest match",
        [row(kompetanseomrade="Helse og omsrog")],
        ["Rad 2, kolonne «kompetanseomrade»: «Helse og omsrog» er ikke en gyldig kode. Mente du «helse»?"],
    ),
    (
        "bad date",
        [row(registrert="31.11.2026")],
        ["Rad 2, kolonne «registrert»: «31.11.2026» er ikke en dato. Bruk 27.11.2026 eller 2026-11-27."],
    ),
    (
        "decimal participants",
        [row(antall_deltakere="2,5")],
        ["Rad 2, kolonne «antall_deltakere»: «2,5» er ikke et heltall."],
    ),
    (
        "bad orgnr",
        [row(orgnr="923609017")],
        [
            "Rad 2, kolonne «orgnr»: «923609017» er ikke et gyldig organisasjonsnummer (9 siffer med riktig kontrollsiffer)."
        ],
    ),
    ("missing required value", [row(status="")], ["Rad 2, kolonne «status»: Verdien mangler (feltet er påkrevd)."]),
    (
        "duplicate id",
        [row(), row()],
        [
            "Rad 2, kolonne «behov_id»: ID-en «B1» forekommer flere ganger i filen.",
            "Rad 3, kolonne «behov_id»: ID-en «B1» forekommer flere ganger i filen.",
        ],
    ),
    (
        "timeframe reversed",
        [row(tidsramme_til="01.12.2026")],
        ["Rad 2, kolonne «tidsramme_til»: Seneste oppstart (tidsramme_til) er før tidligste oppstart (tidsramme_fra)."],
    ),
]


@pytest.mark.parametrize(("case", "rows", "expected"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_rejected_whole_with_row_and_column(engine, case, rows, expected):
    importer.import_file(engine, csv_bytes([row(behov_id="EKSISTERENDE")]), "a", filename="start.csv")
    before = snapshot(engine)
    good_then_bad = [row(behov_id="GOD"), *rows]  # a valid row first: it must not be written either
    result = importer.import_file(engine, csv_bytes(good_then_bad), "a", filename="feil.csv")
    shifted = [line.replace("Rad 3,", "Rad 4,").replace("Rad 2,", "Rad 3,") for line in expected]
    assert kd.format_problems(result.problems).splitlines() == shifted
    assert result.summary().startswith("Ingenting importert:")
    assert_unchanged(engine, before)


def test_missing_column_is_named(engine):
    before = snapshot(engine)
    header = [h for h in HEADER if h != "kilde"]
    data = csv_bytes([[v for h, v in zip(HEADER, row(), strict=True) if h != "kilde"]], header=header)
    result = importer.import_file(engine, data, "a", filename="behov.csv")
    assert kd.format_problems(result.problems) == "Kolonne «kilde»: Kolonnen «kilde» mangler i filen."
    assert_unchanged(engine, before)


def test_real_office_files_windows_1252_aliases_names_and_old_numbers(engine):
    header = [
        "Behovsnr",
        "Dato",
        "Bedrift",
        "Kommunenr",
        "Næring",
        "Størrelse",
        "Kompetanseområde",
        "Nivå",
        "Læringsform",
        "Antall",
        "Ønsket fra",
        "Ønsket til",
        "Status",
        "Funnet via",
        "Kommentar",
    ]
    rows = [
        [
            "B1",
            "27.11.2026",
            "V1",
            "NAMSOS",
            "Q",
            "5-19",
            "Helse og omsorg",
            "Fagskole",
            "Nettbasert",
            "3",
            "01.01.2027",
            "2027-06-30",
            "Kartlagt",
            "Bedriftsbesøk",
            "Første, med komma",
        ],
        [
            "B2",
            "2026-11-27",
            "V2",
            "1624",
            "C",
            "1-4",
            "Industri og teknikk",
            "kurs",
            "",
            "2",
            "01.01.2027",
            "30.06.2027",
            "koblet",
            "Nettverk/bransjemøte",
            "Ørland og Åfjord",
        ],
        [
            "B3",
            "2026-11-27",
            "V3",
            "Roan",
            "C",
            "1-4",
            "ikt",
            "KURS",
            "",
            "1",
            "01.01.2027",
            "30.06.2027",
            "kartlagt",
            "annet",
            "",
        ],
    ]
    lines = [";".join(header)] + [";".join(f'"{v}"' if "," in v else v for v in r) for r in rows]
    data = ("Behov registrert i Namdalen og Fosen, høsten 2026\n\n" + "\n".join(lines) + "\n;;;\n").encode("cp1252")
    result = importer.import_file(engine, data, "a", filename="behov.csv")
    assert result.summary() == "Import 1: 3 rader (behov) – 3 nye, 0 endret, 0 uendret, 0 avvist."
    assert result.warnings["melding"].tolist() == [
        "«1624» er tidligere Rissa (1624); lagret som 5054 (Indre Fosen).",
        "«Roan» er tidligere Roan (1632); lagret som 5058 (Åfjord).",
    ]
    assert result.warnings["rad"].tolist() == [5, 6]  # title row, blank row, header, then data from row 4
    needs = storage.read_frame(engine, "needs").set_index("behov_id")
    assert needs.loc["B1", ["kommunenummer", "kompetanseomrade", "laeringsform", "kilde"]].tolist() == [
        "5007",
        "helse",
        "nettbasert",
        "bedriftsbesok",
    ]
    assert needs.at["B1", "merknad"] == "Første, med komma"
    assert needs.at["B2", "status"] == "koblet"


def test_excel_with_title_row_merged_cells_and_blank_trailing_rows(engine, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "Kompetansebehov – Trøndelag sør"
    sheet.merge_cells("A1:F1")
    sheet.append(HEADER)
    sheet.append(row(behov_id="B1", kommunenummer="Røros"))
    sheet.append(row(behov_id="B2", kommunenummer=""))
    sheet.append(row(behov_id="B3", kommunenummer=""))
    sheet.merge_cells("E3:E5")  # one municipality cell merged over three rows
    sheet.append([])
    sheet.append([])
    path = tmp_path / "behov.xlsx"
    workbook.save(path)
    result = importer.import_file(engine, path, "a")
    assert result.summary() == "Import 1: 3 rader (behov) – 3 nye, 0 endret, 0 uendret, 0 avvist."
    assert set(storage.read_frame(engine, "needs")["kommunenummer"]) == {"5025"}


def test_interrupted_import_leaves_database_as_it_was(engine):
    importer.import_file(engine, csv_bytes([row()]), "a", filename="start.csv")
    before = snapshot(engine)
    rows = [row(behov_id=f"N{i}") for i in range(30)] + [row(antall_deltakere="9")]

    def crash(_connection):
        raise OSError("disk full (simulated)")

    with pytest.raises(OSError, match="simulated"):
        importer.import_file(engine, csv_bytes(rows), "a", filename="stor.csv", chunk_size=7, before_commit=crash)
    assert_unchanged(engine, before)


def test_undo_batch_deletes_new_and_restores_changed(engine):
    importer.import_file(engine, csv_bytes([row()]), "a", filename="1.csv")
    original = storage.read_frame(engine, "needs")
    result = importer.import_file(
        engine, csv_bytes([row(antall_deltakere="7"), row(behov_id="B2")]), "a", filename="2.csv"
    )
    assert storage.undo_batch(engine, result.batch_id, "a") == {"slettet": 1, "gjenopprettet": 1, "beholdt": []}
    pdt.assert_frame_equal(storage.read_frame(engine, "needs"), original)
    with pytest.raises(storage.ConflictError, match="allerede angret"):
        storage.undo_batch(engine, result.batch_id, "a")
    log = storage.audit_log(engine)
    assert log["handling"].tolist()[:2] == ["angre", "angre"]


def test_undo_refused_when_records_changed_since(engine):
    result = importer.import_file(engine, csv_bytes([row()]), "a", filename="1.csv")
    storage.update_record(engine, "needs", "B1", {"antall_deltakere": 4}, expected_version=1, user="b")
    before = snapshot(engine)
    with pytest.raises(
        storage.ConflictError, match=r"Kan ikke angre import 1: 1 poster er endret etter importen \(B1\)"
    ):
        storage.undo_batch(engine, result.batch_id, "a")
    assert_unchanged(engine, before)


def test_concurrent_edits_one_wins_one_gets_a_clear_conflict(engine):
    importer.import_file(engine, csv_bytes([row()]), "a", filename="1.csv")
    barrier = threading.Barrier(2)
    outcomes = {}

    def edit(user, participants):
        barrier.wait()
        try:
            storage.update_record(
                engine, "needs", "B1", {"antall_deltakere": participants}, expected_version=1, user=user
            )
            outcomes[user] = "ok"
        except storage.ConflictError as error:
            outcomes[user] = str(error)

    threads = [threading.Thread(target=edit, args=(u, p)) for u, p in (("anne@namdal.no", 4), ("ola@fosen.no", 6))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()).count("ok") == 1
    loser = next(u for u, v in outcomes.items() if v != "ok")
    winner = next(u for u, v in outcomes.items() if v == "ok")
    assert outcomes[loser].startswith(f"Posten «B1» ble endret av {winner} ")
    assert outcomes[loser].endswith(
        "etter at du åpnet den. Endringen din er ikke lagret; last inn på nytt og prøv igjen."
    )
    needs = storage.read_frame(engine, "needs", with_meta=True)
    assert needs.at[0, "versjon"] == 2
    assert needs.at[0, "antall_deltakere"] == (4 if winner == "anne@namdal.no" else 6)


def test_edit_is_validated_and_audited(engine):
    importer.import_file(engine, csv_bytes([row()]), "a", filename="1.csv")
    before = snapshot(engine)
    with pytest.raises(kd.DataValidationError, match="«tull» er ikke en gyldig kode"):
        storage.update_record(engine, "needs", "B1", {"niva": "tull"}, expected_version=1, user="b")
    assert_unchanged(engine, before)
    storage.update_record(engine, "needs", "B1", {"niva": "hoyere"}, expected_version=1, user="b")
    entry = storage.audit_log(engine).iloc[0]
    assert (entry["handling"], entry["bruker"], entry["post_id"]) == ("endring", "b", "B1")
    assert '"niva": "fagskole"' in entry["foer"] and '"niva": "hoyere"' in entry["etter"]


def test_demo_seed_and_remove(engine):
    needs, offers = kd.load_needs(), kd.load_offers()
    demo_needs, demo_offers = int(needs["demo"].sum()), int(offers["demo"].sum())
    assert storage.seed_demo_if_empty(engine) is True
    assert storage.count(engine, "needs") == len(needs) and storage.count(engine, "offers") == len(offers)
    assert storage.seed_demo_if_empty(engine) is False
    importer.import_file(engine, csv_bytes([row(behov_id="EKTE")]), "a", filename="ekte.csv")
    assert storage.remove_demo(engine, "a") == {"needs": demo_needs, "offers": demo_offers}
    assert storage.read_frame(engine, "needs")["behov_id"].tolist() == ["EKTE"]


def test_backup_restore_round_trip_is_identical(engine, tmp_path):
    storage.seed_demo_if_empty(engine)
    importer.import_file(
        engine, csv_bytes([row(behov_id="F1", merknad='=HYPERLINK("http://x")')]), "a", filename="f.csv"
    )
    storage.update_record(engine, "needs", "DEMO-B0001", {"merknad": "+47 123"}, expected_version=1, user="b")
    before = snapshot(engine)
    path = backup.backup(engine, tmp_path / "backup.zip")
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "avviste_kandidater.jsonl",
            "behov.jsonl",
            "endringslogg.jsonl",
            "import_batch.jsonl",
            "manifest.json",
            "signatur.json",
            "tilbud.jsonl",
        ]
    storage.remove_demo(engine, "a")
    assert backup.restore(engine, path, "a").counts == {
        "behov": len(before["needs"]),
        "tilbud": len(before["offers"]),
        "import_batch": 3,
        "endringslogg": len(before["audit"]),
        "avviste_kandidater": 0,
    }
    after = snapshot(engine)
    for key in ("needs", "offers", "batches"):
        pdt.assert_frame_equal(before[key], after[key], check_dtype=False)
    pdt.assert_frame_equal(before["audit"], after["audit"].iloc[: len(before["audit"])], check_dtype=False)
    assert after["audit"]["handling"].iloc[-1] == "gjenoppretting"
    assert storage.read_frame(engine, "needs").set_index("behov_id").at["F1", "merknad"] == '=HYPERLINK("http://x")'


def test_excel_export_is_a_report_with_formulas_neutralised(engine, tmp_path):
    from openpyxl import load_workbook

    importer.import_file(
        engine,
        csv_bytes([row(behov_id="F1", merknad='=HYPERLINK("http://x")'), row(behov_id="F2", merknad="+47 123")]),
        "a",
        filename="f.csv",
    )
    path = importer.export_records(engine, "needs", tmp_path / "behov.xlsx")
    sheet = load_workbook(path)["behov"]
    assert sheet["A1"].value.startswith("kompilot-eksport:")
    letter = sheet.cell(row=2, column=[c.name for c in kd.NEED_COLUMNS].index("merknad") + 1).column_letter
    cells = [c.value for c in sheet[letter]]  # merknad column
    assert cells[2:] == ['\'=HYPERLINK("http://x")', "'+47 123"]  # no formula reaches Excel
    assert all(c.data_type == "s" for c in sheet[letter][2:])


def test_export_of_one_table_reimports_unchanged(engine, tmp_path):
    storage.seed_demo_if_empty(engine)
    for suffix in ("csv", "xlsx"):
        path = importer.export_records(engine, "offers", tmp_path / f"tilbud.{suffix}")
        result = importer.import_file(engine, path, "a")
        assert (result.new, result.updated, result.unchanged) == (0, 0, storage.count(engine, "offers")), suffix


def test_restore_refuses_a_file_that_is_not_a_backup(engine, tmp_path):
    before = snapshot(engine)
    path = importer.write_template("needs", tmp_path / "mal.xlsx")
    with pytest.raises(backup.BackupError) as error:
        backup.restore(engine, path, "a")
    assert str(error.value) == (
        "«mal.xlsx» er en Excel-fil. Sikkerhetskopier lages nå som .zip (eksakte verdier, ingen grenser); "
        "en Excel-fil er en rapport og kan ikke gjenopprettes. Databasen er ikke endret."
    )
    assert_unchanged(engine, before)


def test_template_has_drop_downs_and_imports_after_filling(engine, tmp_path):
    from openpyxl import load_workbook

    path = importer.write_template("needs", tmp_path / "mal.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["behov"]
    assert [c.value for c in sheet[1]] == [spec.name for spec in kd.NEED_COLUMNS]
    formulas = {str(v.sqref).split(":")[0][0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert formulas["E"] == "='koder'!$A$2:$A$39"  # kommunenummer: 38 municipalities
    assert "Helse og omsorg" in [c.value for c in workbook["koder"]["D"]]  # kompetanseomrade by name
    header = [c.value for c in sheet[1]]
    for name, value in zip(HEADER, row(), strict=True):
        sheet.cell(row=2, column=header.index(name) + 1, value=value)
    workbook.save(path)
    assert importer.import_file(engine, path, "a").new == 1


def test_cli_import_validate_export_restore(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    good = tmp_path / "behov.csv"
    good.write_bytes(csv_bytes([row(), row(behov_id="B2", kommunenummer="Leksvik")]))
    assert main(["validate", str(good)]) == 0
    assert "«Leksvik» er tidligere Leksvik (1718); lagret som 5054 (Indre Fosen)." in capsys.readouterr().out
    assert main(["import", str(good), "--database", url, "--user", "test"]) == 0
    assert "Import 1: 2 rader (behov) – 2 nye, 0 endret, 0 uendret, 0 avvist." in capsys.readouterr().out
    bad = tmp_path / "feil.csv"
    bad.write_bytes(csv_bytes([row(behov_id="B3", niva="bachelor")]))
    assert main(["import", str(bad), "--database", url]) == 1
    out = capsys.readouterr().out
    assert "Rad 2, kolonne «niva»: «bachelor» er ikke en gyldig kode." in out
    assert "Ingenting importert: 1 av 1 rader (behov) har feil." in out
    assert main(["export", str(tmp_path / "backup.zip"), "--database", url]) == 0
    assert main(["restore", str(tmp_path / "backup.zip"), "--database", url]) == 0
    assert "Gjenopprettet: 2 behov, 0 tilbud, 1 import_batch, 2 endringslogg" in capsys.readouterr().out
    assert main(["template", "offers", str(tmp_path / "mal.xlsx")]) == 0
    assert main(["undo", "9", "--database", url]) == 2
    assert "Import 9 finnes ikke." in capsys.readouterr().err


def test_io_reads_csv_with_comma_and_bom():
    data = "\ufeff" + ",".join(HEADER) + "\n" + ",".join(row()) + "\n"
    prepared = importer.prepare_file(io.BytesIO(data.encode("utf-8")).getvalue(), "behov.csv")
    assert prepared.ok and len(prepared.frame) == 1
