import pandas as pd
import pytest
from records_support import need

import kompilot_data as kd
from kompilot_data.records.schema import parse_date, parse_number


def _need(**changes):
    dates = {"registrert": "2026-01-15", "tidsramme_fra": "2026-02-01", "tidsramme_til": "2026-08-01"}
    return need(**{**dates, "laeringsform": "nettbasert", **changes})


def _offer(**changes):
    row = {
        "tilbud_id": "T1",
        "tilbyder": "Nord universitet",
        "tittel": "Sykepleie",
        "kompetanseomrade": "helse",
        "niva": "hoyere",
        "studiepoeng": "30",
        "timer": "",
        "laeringsform": "samlingsbasert",
        "kommunenummer": "5007",
        "studiested": "Namsos",
        "lat": "64,466",
        "lon": "11,496",
        "oppstart": "15.08.2026",
        "kapasitet": "20",
        "min_deltakere": "8",
        "pris_kr": "",
        "finansiering": "",
        "status": "planlagt",
        "kilde_url": "",
        "demo": "nei",
    }
    row.update(changes)
    return row


def messages(rows, kind="needs"):
    return kd.format_problems(kd.validate(pd.DataFrame(rows), kind)).splitlines()


def test_valid_rows_have_no_problems_and_convert_to_types():
    frame = pd.DataFrame([_need(), _need(behov_id="B2", laeringsform="")])
    assert kd.validate(frame, "needs").empty
    typed = kd.to_typed(frame, "needs")
    assert str(typed["kompetanseomrade"].dtype) == "category"
    assert typed["antall_deltakere"].tolist() == [3, 3]
    assert typed["tidsramme_til"].iloc[0] == pd.Timestamp("2026-08-01")
    assert pd.isna(typed["laeringsform"].iloc[1])


def test_offer_with_decimal_commas_and_norwegian_dates():
    typed = kd.validated(pd.DataFrame([_offer()]), "offers")
    assert typed["lat"].iloc[0] == pytest.approx(64.466)
    assert typed["oppstart"].iloc[0] == pd.Timestamp("2026-08-15")


def test_each_bad_cell_is_named_by_row_and_column():
    rows = [
        _need(),
        _need(behov_id="B2", kommunenummer="5099"),
        _need(behov_id="B3", kompetanseomrade="helsee", antall_deltakere="0"),
        _need(behov_id="B4", registrert="31.02.2026", orgnr="123456789"),
        _need(behov_id="B5", tidsramme_til="2026-01-01"),
    ]
    assert messages(rows) == [
        "Rad 3, kolonne «kommunenummer»: «5099» er ikke et kommunenummer i Trøndelag (5001–5061). Mente du «5059»?",
        "Rad 4, kolonne «antall_deltakere»: «0» er utenfor tillatt område (1–10 000).",
        "Rad 4, kolonne «kompetanseomrade»: «helsee» er ikke en gyldig kode. Mente du «helse»?",
        "Rad 5, kolonne «orgnr»: «123456789» er ikke et gyldig organisasjonsnummer "
        "(9 siffer med riktig kontrollsiffer).",
        "Rad 5, kolonne «registrert»: «31.02.2026» er ikke en dato. Bruk 27.11.2026 eller 2026-11-27.",
        "Rad 6, kolonne «tidsramme_til»: Seneste oppstart (tidsramme_til) er før tidligste oppstart (tidsramme_fra).",
    ]


def test_unknown_code_without_close_match_lists_allowed_values():
    (line,) = messages([_need(niva="doktorgrad")])
    assert line == (
        "Rad 2, kolonne «niva»: «doktorgrad» er ikke en gyldig kode. "
        "Tillatte verdier: kurs, fagbrev, fagskole, hoyere, master."
    )


def test_missing_required_value_duplicate_id_and_missing_column():
    rows = [_need(status=""), _need()]
    assert messages(rows) == [
        "Rad 2, kolonne «behov_id»: ID-en «B1» forekommer flere ganger i filen.",
        "Rad 2, kolonne «status»: Verdien mangler (feltet er påkrevd).",
        "Rad 3, kolonne «behov_id»: ID-en «B1» forekommer flere ganger i filen.",
    ]
    frame = pd.DataFrame([_need()]).drop(columns=["kilde"])
    assert messages(frame.to_dict("records")) == ["Kolonne «kilde»: Kolonnen «kilde» mangler i filen."]


def test_offer_cross_field_rules():
    rows = [
        _offer(kommunenummer="", studiested=""),
        _offer(tilbud_id="T2", min_deltakere="30"),
        _offer(tilbud_id="T3", lon=""),
        _offer(tilbud_id="T4", laeringsform="nettbasert", kommunenummer="", lat="", lon="", studiested=""),
    ]
    assert messages(rows, "offers") == [
        "Rad 2, kolonne «kommunenummer»: Stedlige og samlingsbaserte tilbud må ha studiestedets kommunenummer.",
        "Rad 3, kolonne «min_deltakere»: Minste antall deltakere er større enn kapasiteten.",
        "Rad 4, kolonne «lon»: Oppgi både breddegrad (lat) og lengdegrad (lon), eller ingen av dem.",
    ]


def test_validated_raises_with_file_row_and_column():
    with pytest.raises(kd.DataValidationError) as caught:
        kd.validated(pd.DataFrame([_need(naering="Ø")]), "needs", source="behov.xlsx")
    assert str(caught.value).startswith("behov.xlsx: 1 feil\n  Rad 2, kolonne «naering»: «Ø» er ikke en gyldig kode.")
    assert caught.value.problems.loc[0, "rad"] == 2


@pytest.mark.parametrize(
    ("number", "valid"),
    [("923609016", True), ("974760673", True), ("923609017", False), ("12345678", False), ("92360901A", False)],
)
def test_orgnr_mod11(number, valid):
    assert kd.orgnr_is_valid(number) is valid


def test_cell_parsers():
    assert parse_date("27.11.2026").isoformat() == "2026-11-27"
    assert parse_date("2026-11-27").isoformat() == "2026-11-27"
    assert parse_date("2026-11-31") is None
    assert parse_number("1 234,5") == 1234.5
    assert parse_number("1.234,5") == 1234.5
    assert parse_number("12.5") == 12.5
    assert parse_number("64.862") == 64.862  # a single dot group is a decimal point, not thousands
    assert parse_number("1.234.567") == 1234567
    assert parse_number("tolv") is None


def test_taxonomies_have_codes_and_both_languages():
    for name in kd.taxonomy_names():
        table = kd.load_taxonomy(name)
        assert table["kode"].is_unique
        assert table["nb"].str.len().gt(0).all() and table["en"].str.len().gt(0).all()
    assert kd.labels("kompetanseomrade", "en")["helse"] == "Health and care"
    assert kd.codes("niva") == ["kurs", "fagbrev", "fagskole", "hoyere", "master"]
    with pytest.raises(KeyError, match="unknown taxonomy"):
        kd.load_taxonomy("fagfelt")


def test_data_model_document_is_up_to_date():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("write_data_model", root / "scripts" / "write_data_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (root / "docs" / "datamodell.md").read_text(encoding="utf-8") == module.render(), (
        "run: python scripts/write_data_model.py"
    )
