"""One error base class, messages as codes with parameters, rendered in the user's language (issue 22): the
bokmål texts stay as they were, the English ones come from the same labels, and the Data page shows a file's
problems in English in the English interface."""

import importlib
import inspect
import pkgutil
import tomllib
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from app_support import run_app
from records_support import csv_bytes, need, row

import kompilot_data
from kompilot_data.records import access, errors, importer, storage
from kompilot_data.records.access import Access
from kompilot_data.records.validation import DataValidationError, format_problems, validate
from kompilot_data.reference.errors import Choices, KompilotError, Message, RegionNotFound, message, text, text_in
from kompilot_data.reference.regions import resolve_region

LABELS = Path(kompilot_data.__file__).parent / "texts" / "labels"


def test_every_error_of_the_package_derives_from_the_one_base_class():
    found = {}
    for module in pkgutil.walk_packages(kompilot_data.__path__, "kompilot_data."):
        if ".migrations" in module.name or ".build" in module.name or module.name.endswith("__main__"):
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.name:
                found[f"{module.name}.{name}"] = value
    own = {name for name, cls in found.items() if not issubclass(cls, KompilotError)}
    # the control flow of apply_edits
    assert own <= {"kompilot_data.records.storage.edits._Rollback"}
    for cls in ("ConflictError", "RecordNotFound"):
        assert issubclass(getattr(errors, cls), KompilotError)
    assert {
        "kompilot_data.records.access.AccessDenied",
        "kompilot_data.records.access.ConfigurationError",
        "kompilot_data.records.validation.DataValidationError",
        "kompilot_data.records.brokering.BrokeringError",
        "kompilot_data.records.reader.ReadError",
        "kompilot_data.records.backup.BackupError",
        "kompilot_data.records.importer.ExportError",
        "kompilot_data.reference.errors.RegionNotFound",
    } <= set(found)


def test_every_message_code_has_bokmal_and_english():
    labels = tomllib.loads((LABELS / "errors.toml").read_text(encoding="utf-8"))
    assert len(labels) > 100
    for key, entry in labels.items():
        assert set(entry) == {"nb", "en"}, key
        assert entry["nb"].count("{") == entry["en"].count("{"), key  # the same placeholders
        assert "«" not in entry["en"] or key == "err_settings_where", key  # English quotes in English


def test_a_message_renders_its_parameters_in_the_language():
    said = message("err_record_changed_since", id="N1", user="ola", when=datetime(2026, 11, 27, 14, 5))
    assert said.text("nb") == (
        "Posten «N1» ble endret av ola 27.11.2026 14:05 etter at du åpnet den. Endringen din er ikke lagret; "
        "last inn på nytt og prøv igjen."
    )
    assert said.text("en").startswith("The record “N1” was changed by ola 27 Nov 2026 14:05 after you opened it.")
    assert Choices(("Namdalen", "Fosen")).text("nb") == "«Namdalen» eller «Fosen»"
    assert Choices(("Namdalen", "Rindal", "Fosen")).text("en") == "“Namdalen”, “Rindal” or “Fosen”"
    error = KompilotError("err_date_future", day=date(2030, 1, 2))
    assert str(error) == "Datoen 02.01.2030 er etter i dag. Et trinn registreres når det er nådd."
    assert error.message("en") == "The date 2 Jan 2030 is after today. A stage is recorded when it is reached."
    assert text_in(text("err_busy"), "en") == errors.BUSY.text("en") != errors.BUSY
    assert isinstance(error.msg, Message) and error.code == "err_date_future"


def test_an_unknown_region_in_english():
    with pytest.raises(RegionNotFound) as error:
        resolve_region("Namdal")
    assert str(error.value) == "Ukjent region «Namdal». Mente du «Namdalen» eller «Rindal»?"
    assert error.value.message("en") == "Unknown region “Namdal”. Did you mean “Namdalen” or “Rindal”?"
    assert isinstance(error.value, ValueError)


def test_record_errors_in_english_name_row_and_column():
    problems = validate(
        pd.DataFrame([need(niva="doktor", kommunenummer="Nærøysundd", registrert="31.02.2026")]), "needs"
    )
    assert format_problems(problems).splitlines() == [
        "Rad 2, kolonne «kommunenummer»: «Nærøysundd» er ikke en kommune i Trøndelag. Mente du «Nærøysund»?",
        "Rad 2, kolonne «niva»: «doktor» er ikke en gyldig kode. Tillatte verdier: kurs, fagbrev, fagskole, "
        "hoyere, master.",
        "Rad 2, kolonne «registrert»: «31.02.2026» er ikke en dato. Bruk 27.11.2026 eller 2026-11-27.",
    ]
    assert format_problems(problems, "en").splitlines() == [
        "Row 2, column “kommunenummer”: “Nærøysundd” is not a municipality in Trøndelag. Did you mean “Nærøysund”?",
        "Row 2, column “niva”: “doktor” is not a valid code. Allowed values: kurs, fagbrev, fagskole, hoyere, "
        "master.",
        "Row 2, column “registrert”: “31.02.2026” is not a date. Use 27.11.2026 or 2026-11-27.",
    ]
    error = DataValidationError(problems, "behov.csv")
    assert str(error).startswith("behov.csv: 3 feil\n  Rad 2, kolonne «kommunenummer»")
    assert error.message("en").startswith("behov.csv: 3 errors\n  Row 2, column “kommunenummer”")


def test_import_summary_access_and_storage_messages_in_english(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    result = importer.import_file(engine, csv_bytes([row(behov_id="N1")]), "ola", filename="behov.csv")
    assert result.summary() == "Import 1: 1 rader (behov) – 1 nye, 0 endret, 0 uendret, 0 avvist."
    assert result.summary("en") == "Import 1: 1 rows (needs) – 1 new, 0 changed, 0 unchanged, 0 rejected."
    viewer = Access(access.VIEWER, "leser", "innlogget")
    with pytest.raises(access.AccessDenied) as denied:
        storage.update_record(engine, "needs", "N1", {"antall_deltakere": 9}, 1, "leser", access=viewer)
    assert (str(denied.value), denied.value.message("en")) == (
        "Bare koordinatorer kan endre data.",
        "Only coordinators can change data.",
    )
    with pytest.raises(storage.ConflictError) as conflict:
        storage.update_record(engine, "needs", "N1", {"antall_deltakere": 9}, 7, "ola")
    assert conflict.value.message("en").startswith("The record “N1” was changed by ola ")
    assert errors.user_message(conflict.value, "en") == conflict.value.message("en")
    assert errors.user_message(conflict.value) == str(conflict.value)
    edits = storage.apply_edits(
        engine, "needs", {"N1": {"niva": "doktor"}}, [], [], {"N1": 1}, Access("koordinator", "ola", "lokal")
    )
    assert [text_in(e, "en") for e in edits.errors] == [
        "“N1”: niva: “doktor” is not a valid code. Allowed values: kurs, fagbrev, fagskole, hoyere, master.",
        "Nothing is saved. Correct the errors and save again.",
    ]
    assert (
        edits.errors[0]
        == "«N1»: niva: «doktor» er ikke en gyldig kode. Tillatte verdier: kurs, fagbrev, fagskole, hoyere, master."
    )


@pytest.fixture
def own_database(tmp_path, monkeypatch):
    """A fresh database for the app (its engine is cached per process, so clear it around the test)."""
    monkeypatch.setenv("KOMPILOT_DATABASE_URL", f"sqlite:///{tmp_path / 'app.sqlite'}")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_the_data_page_shows_record_errors_in_english(own_database):
    header = (
        "behov_id;registrert;bedrift_id;kommunenummer;naering;storrelse;kompetanseomrade;niva;antall_deltakere;"
        "tidsramme_fra;tidsramme_til;status;kilde"
    )
    bad = "N2;27.11.2026;V2;Leka;Q;5-19;helse;doktor;3;01.01.2027;30.06.2027;kartlagt;bedriftsbesok"
    app = run_app("app_pages/data.py", lang="en")
    # AppTest formats a radio's value outside the script, where the interface language is not known: a value whose
    # label does not depend on the language keeps it from looking for the bokmål label among English options.
    app.radio(key="data_kind").set_value("needs")
    app.file_uploader(key="data_upload").upload("behov.csv", f"{header}\n{bad}\n".encode(), "text/csv").run()
    shown = [e.value for e in app.error]
    assert shown and "Row 2, column “niva”: “doktor” is not a valid code." in shown[0]
    assert "Rad " not in shown[0] and "kolonne" not in shown[0]
