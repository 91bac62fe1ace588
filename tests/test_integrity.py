"""Issue 23, records part: reading by region, no need left linked to nothing, restore that keeps history and is
signed, bounded memory, and plain errors. Database tests run on SQLite and PostgreSQL (KOMPILOT_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from records_support import BACKENDS, assert_unchanged, csv_bytes, database, row, snapshot
from test_access import ALL, FOSEN, NAMDALEN, OFFER_HEADER, VIEWER_ACCESS

from kompilot_data.cli import main
from kompilot_data.records import backup, brokering, importer, storage
from kompilot_data.records.access import AccessDenied, readable

ROOT = Path(__file__).resolve().parents[1]


def offer(tilbud_id: str, kommunenummer: str, status: str = "planlagt", tittel: str = "Kurs") -> list[str]:
    return [tilbud_id, "Eksempel", tittel, "helse", "kurs", "stedlig", kommunenummer, "15.01.2027", "20", status]


def import_offers(engine, offers, user="fylke", access=None) -> int:
    result = importer.import_file(
        engine, csv_bytes(offers, header=OFFER_HEADER), user, filename="tilbud.csv", access=access
    )
    assert not result.rejected, result.problems
    return result.batch_id


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """Needs N1 (Namsos, Namdalen), F1 (Osen, Fosen); offer FT1 in Indre Fosen (Fosen), imported in batch 2, and
    N1 (a Namdalen need) linked to it by its Namdalen coordinator."""
    for database_engine in database(request, tmp_path):
        needs = [row(behov_id="N1", kommunenummer="5007"), row(behov_id="F1", kommunenummer="5020")]
        assert importer.import_file(database_engine, csv_bytes(needs), "fylke", filename="behov.csv").new == 2
        assert import_offers(database_engine, [offer("FT1", "5054"), offer("FT2", "5054")]) == 2
        brokering.link(database_engine, "N1", "FT1", 1, NAMDALEN)
        yield database_engine


def _dangling(engine) -> list[tuple[str, str]]:
    """Needs whose tilbud_id names no offer (must always be empty)."""
    needs = storage.read_frame(engine, "needs")
    offers = set(storage.read_frame(engine, "offers")["tilbud_id"])
    linked = needs[needs["tilbud_id"].notna()]
    return [(n, o) for n, o in zip(linked["behov_id"], linked["tilbud_id"], strict=True) if o not in offers]


def _version(engine, kind, record_id) -> int:
    frame = storage.read_frame(engine, kind, with_meta=True)
    id_name = "behov_id" if kind == "needs" else "tilbud_id"
    return int(frame.set_index(id_name).at[record_id, "versjon"])


# --- integrity: no need left linked to nothing ---------------------------------------------------------------


def test_fosen_coordinator_cannot_delete_a_fosen_offer_a_namdalen_need_is_linked_to(engine):
    before = snapshot(engine)
    with pytest.raises(storage.LinkError) as error:
        storage.delete_records(engine, "offers", {"FT1": _version(engine, "offers", "FT1")}, FOSEN.user, FOSEN)
    said = str(error.value)
    assert "«N1»" in said and "Namsos (5007)" in said and "Namdalen" in said, said
    assert said.endswith("Ingenting er slettet."), said
    assert_unchanged(engine, before)
    assert _dangling(engine) == []
    # the offer nobody is linked to may go
    assert storage.delete_records(engine, "offers", {"FT2": 1}, FOSEN.user, FOSEN) == 1


def test_cancelling_a_linked_offer_is_refused_by_edit_and_by_import(engine):
    before = snapshot(engine)
    with pytest.raises(storage.LinkError) as error:
        storage.update_record(
            engine, "offers", "FT1", {"status": "avlyst"}, _version(engine, "offers", "FT1"), FOSEN.user, FOSEN
        )
    assert "«N1»" in str(error.value)
    with pytest.raises(storage.LinkError) as error:
        import_offers(engine, [offer("FT1", "5054", status="avlyst")], FOSEN.user, FOSEN)
    assert str(error.value).endswith("Ingenting er importert."), str(error.value)
    assert_unchanged(engine, before)


def test_undo_of_the_import_that_made_a_linked_offer_lists_the_need_first_and_is_refused(engine):
    linked = storage.linked_since_import(engine, 2)
    assert linked[["behov_id", "tilbud_id", "hindrer"]].values.tolist() == [["N1", "FT1", True]]
    before = snapshot(engine)
    with pytest.raises(storage.LinkError):
        storage.undo_batch(engine, 2, ALL.user, access=ALL)
    assert_unchanged(engine, before)
    assert _dangling(engine) == []


def test_undo_of_an_offers_update_asks_before_it_resets_an_offer_linked_since(engine):
    batch = import_offers(engine, [offer("FT2", "5054", tittel="Nytt navn")])
    need_version = _version(engine, "needs", "F1")
    brokering.link(engine, "F1", "FT2", need_version, FOSEN)  # linked after the import that renamed FT2
    linked = storage.linked_since_import(engine, batch)
    assert linked[["behov_id", "tilbud_id", "hindrer"]].values.tolist() == [["F1", "FT2", False]]
    before = snapshot(engine)
    with pytest.raises(storage.UndoConfirmationNeeded) as error:
        storage.undo_batch(engine, batch, ALL.user, access=ALL)
    assert "«F1»" in str(error.value)
    assert_unchanged(engine, before)
    storage.undo_batch(engine, batch, ALL.user, access=ALL, confirmed_links=["F1"])
    offers = storage.read_frame(engine, "offers").set_index("tilbud_id")
    assert offers.at["FT2", "tittel"] == "Kurs"
    assert _dangling(engine) == []


def test_cli_undo_lists_the_linked_needs_before_it_acts(engine, capsys):
    url = engine.url.render_as_string(hide_password=False)
    assert main(["undo", "2", "--database", url]) == 2
    out, err = capsys.readouterr()
    assert "Behov koblet til tilbudene i import 2:" in out and "«N1»" in out and "hindrer angring" in out, out
    assert err.startswith("Feil: ") and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert _dangling(engine) == []


def test_removing_demo_data_never_leaves_a_real_need_linked_to_a_demo_offer(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    storage.seed_demo_if_empty(engine)
    demo_offer = storage.read_frame(engine, "offers")["tilbud_id"].iloc[0]
    importer.import_file(engine, csv_bytes([row(behov_id="EKTE")]), "a", filename="ekte.csv")
    brokering.link(engine, "EKTE", demo_offer, 1, ALL)
    before = snapshot(engine)
    with pytest.raises(storage.LinkError) as error:
        storage.remove_demo(engine, "a")
    assert "«EKTE»" in str(error.value)
    assert_unchanged(engine, before)


# --- reading by region -----------------------------------------------------------------------------------------


def test_a_sub_region_coordinator_reads_their_needs_offers_and_log_entries_only(engine):
    needs = storage.read_frame(engine, "needs")
    assert readable(FOSEN, "needs", needs)["behov_id"].tolist() == ["F1"]
    assert readable(NAMDALEN, "needs", needs)["behov_id"].tolist() == ["N1"]
    assert readable(ALL, "needs", needs)["behov_id"].tolist() == ["F1", "N1"] or set(
        readable(ALL, "needs", needs)["behov_id"]
    ) == {"F1", "N1"}
    assert readable(VIEWER_ACCESS, "needs", needs).empty
    assert len(readable(FOSEN, "offers", storage.read_frame(engine, "offers"))) == 2  # offers are public
    log = storage.audit_log(engine, limit=None, access=FOSEN)
    about_needs = set(log[log["tabell"] == "behov"]["post_id"])
    assert about_needs == {"F1"}, about_needs  # not N1's import nor its link
    assert set(storage.audit_log(engine, limit=None)["post_id"].dropna()) >= {"N1", "F1", "FT1"}
    assert FOSEN.sees_exact(["5020"]) and not FOSEN.sees_exact(None) and not FOSEN.sees_exact(["5020", "5007"])
    assert ALL.sees_exact(None)


def test_a_needs_import_by_someone_else_outside_the_region_is_not_listed(engine):
    importer.import_file(
        engine, csv_bytes([row(behov_id="N9", kommunenummer="5007")]), NAMDALEN.user, filename="namdal-bedrift.csv"
    )
    names = set(storage.batches(engine, access=FOSEN)["filnavn"])
    assert "namdal-bedrift.csv" not in names and "tilbud.csv" in names
    assert "namdal-bedrift.csv" in set(storage.batches(engine)["filnavn"])


def test_a_full_backup_is_for_all_region_coordinators_only(engine, tmp_path):
    for access in (FOSEN, VIEWER_ACCESS):
        with pytest.raises(AccessDenied):
            backup.backup_bytes(engine, access=access)
        with pytest.raises(AccessDenied):
            backup.backup(engine, tmp_path / "kopi.zip", access=access)
    assert not (tmp_path / "kopi.zip").exists()
    assert zipfile.is_zipfile(backup.backup(engine, tmp_path / "kopi.zip", access=ALL))


# --- restore ---------------------------------------------------------------------------------------------------


def test_restore_appends_to_the_log_writes_a_safety_backup_and_names_the_file(engine, tmp_path):
    copy = backup.backup(engine, tmp_path / "kopi.zip")
    importer.import_file(engine, csv_bytes([row(behov_id="SENERE")]), "a", filename="senere.csv")
    log_before = storage.audit_log(engine, limit=None)
    result = backup.restore(engine, copy, "a", safety_folder=tmp_path / "sikring")
    log_after = storage.audit_log(engine, limit=None)
    assert set(log_before["id"]) <= set(log_after["id"])  # nothing that stood is gone
    assert "SENERE" in set(log_after["post_id"])
    entry = log_after.iloc[0]
    assert entry["handling"] == "gjenoppretting"
    details = json.loads(entry["etter"])
    assert details["fil"] == "kopi.zip"
    assert details["sha256"] == hashlib.sha256(copy.read_bytes()).hexdigest()
    assert details["rader"]["behov"] == 2 and details["rader"]["tilbud"] == 2
    assert json.loads(entry["foer"])["rader"] == {"behov": 3, "tilbud": 2}
    assert "SENERE" not in set(storage.read_frame(engine, "needs")["behov_id"])
    # the safety backup holds what stood, and restores it
    assert result.safety.parent == tmp_path / "sikring" and details["sikkerhetskopi_foer"] == result.safety.name
    backup.restore(engine, result.safety, "a", safety_folder=tmp_path / "sikring")
    assert "SENERE" in set(storage.read_frame(engine, "needs")["behov_id"])


def test_an_empty_backup_needs_force_on_the_cli_and_in_code(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    empty_url = f"sqlite:///{tmp_path / 'tom.sqlite'}"
    empty = storage.make_engine(empty_url)
    empty_copy = backup.backup(empty, tmp_path / "tom.zip")
    empty.dispose()
    before = snapshot(engine)
    with pytest.raises(backup.ForceNeeded) as error:
        backup.restore(engine, empty_copy, "a", safety_folder=tmp_path)
    said = str(error.value)
    assert "ingen behov og ingen tilbud" in said or "tom" in said, said
    assert main(["restore", str(empty_copy), "--database", url]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err, err
    assert_unchanged(engine, before)
    assert main(["restore", str(empty_copy), "--force", "--database", url]) == 0
    assert storage.count(engine, "needs") == 0


def test_export_from_a_mistyped_data_folder_is_refused_and_makes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KOMPILOT_DATA_DIR", str(tmp_path / "feilstavet"))
    assert main(["export", str(tmp_path / "kopi.zip")]) == 2
    err = capsys.readouterr().err
    assert "feilstavet" in err and "Traceback" not in err, err
    assert not (tmp_path / "feilstavet").exists() and not (tmp_path / "kopi.zip").exists()


def test_a_backup_of_another_database_needs_force(engine, tmp_path):
    other = storage.make_engine(f"sqlite:///{tmp_path / 'annen.sqlite'}")
    importer.import_file(other, csv_bytes([row(behov_id="ANNEN")]), "a", filename="a.csv")
    copy = backup.backup(other, tmp_path / "annen.zip")
    other.dispose()
    before = snapshot(engine)
    with pytest.raises(backup.ForceNeeded) as error:
        backup.restore(engine, copy, "a", safety_folder=tmp_path)
    assert "annen database" in str(error.value) or "another database" in str(error.value), str(error.value)
    assert_unchanged(engine, before)
    result = backup.restore(engine, copy, "a", force=True, safety_folder=tmp_path)
    assert result.forced == ["identity"]
    assert storage.read_frame(engine, "needs")["behov_id"].tolist() == ["ANNEN"]


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy a backup, changing members with ``change(name, data) -> data`` and recomputing the manifest's sums (as
    a forger would); the signature is copied unchanged."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    for name in list(members):
        if name.endswith(".jsonl"):
            members[name] = change(name, members[name])
            table = manifest["tabeller"][name.removesuffix(".jsonl")]
            table["bytes"] = len(members[name])
            table["sha256"] = hashlib.sha256(members[name]).hexdigest()
            table["rader"] = members[name].count(b"\n")
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_forged_audit_log_with_recomputed_checksums_is_refused_even_with_force(engine, tmp_path):
    copy = backup.backup(engine, tmp_path / "kopi.zip")

    def forge(name, data):
        if name != "endringslogg.jsonl":
            return data
        lines = data.splitlines(keepends=True)
        entry = json.loads(lines[0])
        entry[2] = "noen-andre"  # who did it
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" + b"".join(lines[1:])

    _rewrite(copy, tmp_path / "forfalsket.zip", forge)
    before = snapshot(engine)
    for force in (False, True):
        with pytest.raises(backup.BackupError) as error:
            backup.restore(engine, tmp_path / "forfalsket.zip", "a", force=force, safety_folder=tmp_path)
        assert "signatur" in str(error.value).lower(), str(error.value)
    assert_unchanged(engine, before)


def test_an_unsigned_backup_needs_force_and_the_signature_key_is_not_in_the_file(engine, tmp_path):
    copy = backup.backup(engine, tmp_path / "usignert.zip", key=None)
    with zipfile.ZipFile(copy) as archive:
        assert "signatur.json" not in archive.namelist()
    signed = backup.backup(engine, tmp_path / "signert.zip")
    assert os.environ["KOMPILOT_BACKUP_KEY"].encode() not in signed.read_bytes()
    with pytest.raises(backup.ForceNeeded):
        backup.restore(engine, copy, "a", safety_folder=tmp_path)
    assert backup.restore(engine, copy, "a", force=True, safety_folder=tmp_path).forced == ["signature_usignert"]


def test_a_member_longer_than_declared_is_refused_before_any_row_is_parsed(engine, tmp_path, monkeypatch):
    copy = backup.backup(engine, tmp_path / "kopi.zip")
    with zipfile.ZipFile(copy) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["behov.jsonl"] += b"[" * 5_000_000  # longer than its manifest says, and not JSON
    with zipfile.ZipFile(tmp_path / "lang.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    parsed = []
    original = json.loads
    monkeypatch.setattr(backup.json, "loads", lambda *a, **k: parsed.append(1) or original(*a, **k))
    with pytest.raises(backup.BackupError) as error:
        backup.read_backup(tmp_path / "lang.zip")
    assert str(error.value).startswith("«lang.zip»: «behov» er ikke så stor som innholdslisten sier"), str(error.value)
    assert len(parsed) <= 2, "rows were parsed before the member's size was checked"  # manifest, signature


LONG_LINE = textwrap.dedent(
    """
    import io, json, resource, sys, time, zipfile, hashlib
    from pathlib import Path
    from kompilot_data.records import backup
    path = Path(sys.argv[1])
    limit = int(sys.argv[2]) << 20  # a safety net for the shared machine; the assertion is on peak RSS
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.perf_counter()
    try:
        backup.read_backup(path)
        outcome = "accepted"
    except backup.BackupError as error:
        outcome = str(error)
    # VmHWM: this process's own peak RSS (ru_maxrss would include what the parent held when it forked)
    status = Path("/proc/self/status").read_text()
    peak = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1]) / 1024
    print(json.dumps({"outcome": outcome, "peak_mb": peak, "seconds": time.perf_counter() - start}))
    """
)


def long_line_backup(path: Path, megabytes: int) -> Path:
    """A backup whose needs file is one line of ``megabytes`` MB (compresses ~1000:1), with a matching manifest;
    written in blocks, so that the test process never holds the line."""
    block = b"x" * (1 << 20)
    digest = hashlib.sha256(b'["')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("behov.jsonl", "w", force_zip64=True) as member:
            member.write(b'["')
            for _ in range(megabytes):
                member.write(block)
                digest.update(block)
            member.write(b'"]\n')
            digest.update(b'"]\n')
        for name in backup.FILES.values():
            if name != "behov":
                archive.writestr(f"{name}.jsonl", b"")
        manifest = {
            "format": backup.FORMAT,
            "versjon": 1,
            "laget": "2026-12-08T00:00:00",
            "skjema": "0003_megling",
            "tabeller": {
                name: {
                    "fil": f"{name}.jsonl",
                    "kolonner": [c.name for c in storage.ALL_TABLES[key].columns],
                    "rader": 0,
                    "bytes": 0,
                    "sha256": hashlib.sha256().hexdigest(),
                }
                for key, name in backup.FILES.items()
            },
        }
        manifest["tabeller"]["behov"].update(rader=1, bytes=(megabytes << 20) + 5, sha256=digest.hexdigest())
        archive.writestr("manifest.json", json.dumps(manifest))
    return path


def test_a_backup_whose_needs_file_is_one_long_line_is_refused_in_bounded_memory(tmp_path):
    path = long_line_backup(tmp_path / "lang-linje.zip", 800)
    assert path.stat().st_size < 1_000_000  # the case of the issue: a 0.8 MB file
    done = subprocess.run(
        [sys.executable, "-c", LONG_LINE, str(path), "3000"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"one long line (800 MB in a {path.stat().st_size / 1e6:.2f} MB zip): {result}")
    assert result["outcome"] != "accepted"
    assert "behov" in result["outcome"]
    assert result["peak_mb"] < 300


# --- errors ----------------------------------------------------------------------------------------------------


def test_cli_failure_is_one_line_with_the_traceback_in_the_log_file_or_with_debug(tmp_path, capsys, monkeypatch):
    log = tmp_path / "cli.log"
    monkeypatch.setenv("KOMPILOT_LOG_FILE", str(log))
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    storage.make_engine(url).dispose()
    bad = tmp_path / "kaputt.zip"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    assert main(["restore", str(bad), "--database", url]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("Feil: ") and "Traceback" not in err, err

    def explode(args):
        raise RuntimeError("intern feil 4711")

    monkeypatch.setattr("kompilot_data.cli._export", explode)
    parser = __import__("kompilot_data.cli", fromlist=["make_parser"]).make_parser
    monkeypatch.setattr(
        "kompilot_data.cli.make_parser",
        lambda: _with_export(parser(), explode),
    )
    assert main(["export", str(tmp_path / "k.zip"), "--database", url]) == 4
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "4711" not in err, err
    assert str(log) in err
    assert "RuntimeError: intern feil 4711" in log.read_text()
    assert main(["export", str(tmp_path / "k.zip"), "--database", url, "--debug"]) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: intern feil 4711" in err
    assert err.strip().splitlines()[-1].startswith("Feil: ")


def _with_export(parser, run):
    """The parser with the export command's action replaced by ``run``."""
    import argparse

    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands.choices["export"].set_defaults(run=run)
    return parser


def test_sqlite_disk_io_error_under_a_file_size_limit_is_named_as_such(tmp_path):
    script = textwrap.dedent(
        """
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from kompilot_data.cli import main
        from kompilot_data.records import storage
        url = sys.argv[1]
        storage.make_engine(url).dispose()
        resource.setrlimit(resource.RLIMIT_FSIZE, (600_000, 600_000))
        sys.exit(main(["import", sys.argv[2], "--database", url]))
        """
    )
    rows = [row(behov_id=f"B{i:05d}", merknad="x" * 400) for i in range(3000)]
    data = tmp_path / "stor.csv"
    data.write_bytes(csv_bytes(rows))
    env = {**os.environ, "KOMPILOT_LOG_FILE": str(tmp_path / "cli.log")}
    done = subprocess.run(
        [sys.executable, "-c", script, f"sqlite:///{tmp_path / 'fsize.sqlite'}", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "filstørrelse" in done.stderr.lower(), done.stderr
    assert "uventet" not in done.stderr.lower(), done.stderr


def test_a_file_level_read_error_is_not_called_one_problem_in_zero_rows():
    prepared = importer.prepare_file(b"PK\x03\x04 dette er ikke en Excel-fil", "behov.xlsx")
    assert not prepared.ok and prepared.unreadable and prepared.rejected_rows == 0
    from ui import data_page

    headline = data_page.rejected_headline(prepared, "behov.xlsx", "nb")
    assert "0 rader" not in headline and "behov.xlsx" in headline, headline
    good_but_bad_row = importer.prepare_file(csv_bytes([row(kommunenummer="9999")]), "behov.csv")
    assert not good_but_bad_row.unreadable
    assert "1 rad" in data_page.rejected_headline(good_but_bad_row, "behov.csv", "nb")


# --- the Data page (AppTest) -------------------------------------------------------------------------------------


def _data_page(email: str):
    from test_app_access import run

    return run("app_pages/data.py", user={"is_logged_in": True, "email": email}, login=True)


def _downloads(app) -> dict[str, str]:
    """Download buttons by the end of their key: label."""
    return {e.proto.id.rsplit("-", 1)[-1]: e.proto.label for e in app.get("download_button")}


def test_data_page_a_sub_region_coordinator_downloads_their_needs_and_no_full_backup(app_database):
    from kompilot_data.records.access import region_municipalities

    needs = storage.read_frame(app_database, "needs")
    namdalen = int(needs["kommunenummer"].isin(region_municipalities("Namdalen")).sum())
    assert 0 < namdalen < len(needs)
    app = _data_page("anne@namdal.no")
    downloads = _downloads(app)
    assert "backup_download" not in downloads
    assert downloads["export_needs_csv"].startswith(f"Behov ({namdalen}) ")  # not the county's needs
    assert any("bare koordinatorer for alle delregioner kan laste den ned" in c.value for c in app.caption)
    everything = _downloads(_data_page("ola@trondelagfylke.no"))
    assert "backup_download" in everything
    assert everything["export_needs_csv"].startswith(f"Behov ({len(needs):,}) ".replace(",", "\u202f"))


def test_data_page_file_level_read_error_names_the_file_not_zero_rows(app_database):
    app = _data_page("ola@trondelagfylke.no")
    app.file_uploader(key="data_upload").upload("behov.xlsx", b"PK\x03\x04 ikke en Excel-fil", "application/zip").run()
    errors = [e.value for e in app.error]
    assert errors and errors[0].startswith("«behov.xlsx» kan ikke importeres som den er."), errors
    assert not any("0 rader" in e for e in errors), errors


@pytest.mark.parametrize(
    "failure",
    [
        OSError(28, "No space left on device"),
        __import__("sqlite3").OperationalError("database or disk is full"),
        OSError(27, "File too large"),
    ],
    ids=["enospc", "sqlite-full", "efbig"],
)
def test_cli_names_a_full_disk_and_a_file_size_limit(tmp_path, capsys, monkeypatch, failure):
    monkeypatch.setenv("KOMPILOT_LOG_FILE", str(tmp_path / "cli.log"))
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    data = tmp_path / "behov.csv"
    data.write_bytes(csv_bytes([row()]))

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(importer, "import_file", fail)
    assert main(["import", str(data), "--database", url]) == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    expected = "filstørrelse" if failure.args[0] == 27 else "disken der databasen ligger er full"
    assert expected in err.lower(), err
    assert "uventet" not in err.lower(), err


def test_a_rejection_never_names_a_deleted_need_or_offer(engine):
    brokering.reject(engine, "F1", "FT2", "for langt", _version(engine, "needs", "F1"), FOSEN)
    assert set(storage.rejected_candidates(engine)["behov_id"]) == {"F1"}
    storage.delete_records(engine, "offers", {"FT2": _version(engine, "offers", "FT2")}, FOSEN.user, FOSEN)
    assert storage.rejected_candidates(engine).empty
    brokering.reject(engine, "F1", "FT1", "for langt", _version(engine, "needs", "F1"), FOSEN)
    storage.delete_records(engine, "needs", {"F1": _version(engine, "needs", "F1")}, FOSEN.user, FOSEN)
    assert storage.rejected_candidates(engine).empty
    log = storage.audit_log(engine, limit=None)
    assert (log["tabell"] == "avviste_kandidater").sum() == 2  # the history of both rejections is kept


def test_data_page_restore_asks_for_the_explicit_choice_writes_a_safety_backup_and_keeps_the_log(
    app_database, tmp_path, monkeypatch
):
    monkeypatch.setenv("KOMPILOT_BACKUP_DIR", str(tmp_path / "sikring"))
    importer.import_file(app_database, csv_bytes([row(behov_id="EKSTRA")]), "a", filename="ekstra.csv")
    unsigned = backup.backup_bytes(app_database, key=None)
    storage.delete_records(app_database, "needs", {"EKSTRA": 1}, "a")
    log_before = storage.audit_log(app_database, limit=None)
    app = _data_page("ola@trondelagfylke.no")
    app.file_uploader(key="restore_upload").upload("kopi.zip", unsigned, "application/zip").run()
    warnings = [w.value for w in app.warning]
    assert any(w.startswith("Denne kopien gjenopprettes bare hvis du velger det uttrykkelig:") for w in warnings)
    assert any("ikke signert" in w for w in warnings), warnings
    app.checkbox(key="restore_sure").check().run()
    assert app.button(key="restore_button").disabled  # the explicit choice is still missing
    app.checkbox(key="restore_force_sure").check().run()
    app.button(key="restore_button").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "EKSTRA" in set(storage.read_frame(app_database, "needs")["behov_id"])
    log_after = storage.audit_log(app_database, limit=None)
    assert set(log_before["id"]) <= set(log_after["id"]) and log_after.iloc[0]["handling"] == "gjenoppretting"
    assert json.loads(log_after.iloc[0]["etter"])["tvunget"] == ["signature_usignert"]
    assert len(list((tmp_path / "sikring").glob("for-gjenoppretting-*.zip"))) == 1
