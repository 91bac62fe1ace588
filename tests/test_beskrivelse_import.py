"""A ``beskrivelse`` column in an import file (issue 27): suggestions row by row; only accepted areas are written,
and a row with neither an accepted suggestion nor an area of its own is refused naming row and column."""

from __future__ import annotations

from records_support import HEADER, csv_bytes, row

from kompilot_data.records import beskrivelse, importer

NO_AREA = [h for h in HEADER if h != "kompetanseomrade"]
TEXTS = ["trenger sveisesertifikat for 3 ansatte", "ledelse i helse for avdelingsledere", ""]


def _file(with_area: bool = False) -> bytes:
    header = (HEADER if with_area else NO_AREA) + ["Beskrivelse"]
    rows = []
    for i, text in enumerate(TEXTS, start=1):
        values = dict(zip(HEADER, row(behov_id=f"B{i}", kompetanseomrade="helse"), strict=True))
        rows.append([values[h] for h in header[:-1]] + [text])
    return csv_bytes(rows, header=header)


def test_each_described_row_gets_two_areas_and_three_occupations():
    table = beskrivelse.suggestions(beskrivelse.read(_file(), "behov.csv"))
    assert table["rad"].tolist() == [2, 3]  # the empty description gets none
    assert table["forslag_1"].tolist() == ["industri", "ledelse"]
    assert table["forslag_2"].notna().all() and (table["score_1"] > table["score_2"]).all()
    assert [s[0][0] for s in table["styrk"]] == ["7212", "1342"]
    assert all(len(s) == 3 for s in table["styrk"])


def test_nothing_unconfirmed_is_saved():
    prepared = beskrivelse.prepare(_file(), "behov.csv", None, {})
    assert not prepared.ok
    assert prepared.problems[["rad", "kolonne"]].values.tolist() == [[r, "kompetanseomrade"] for r in (2, 3, 4)]


def test_accepted_suggestions_fill_the_area_and_keep_the_text():
    prepared = beskrivelse.prepare(_file(), "behov.csv", None, {0: "industri", 1: "ledelse"})
    assert prepared.problems[["rad", "kolonne"]].values.tolist() == [[4, "kompetanseomrade"]]
    assert prepared.frame["kompetanseomrade"].tolist()[:2] == ["industri", "ledelse"]
    assert prepared.frame["merknad"].tolist()[:2] == TEXTS[:2]


def test_a_file_area_stays_unless_a_suggestion_is_accepted():
    prepared = beskrivelse.prepare(_file(with_area=True), "behov.csv", None, {1: "ledelse"})
    assert prepared.ok
    assert prepared.frame["kompetanseomrade"].tolist() == ["helse", "ledelse", "helse"]


def test_a_file_without_the_column_is_prepared_as_before():
    data = csv_bytes([row()])
    assert beskrivelse.suggestions(beskrivelse.read(data, "b.csv")) is None
    ours, theirs = beskrivelse.prepare(data, "b.csv"), importer.prepare_file(data, "b.csv")
    assert ours.ok and ours.frame.equals(theirs.frame)
    assert not beskrivelse.prepare(b"\x00\x01", "b.xlsx").ok
