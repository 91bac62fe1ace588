"""An independent, held-out check of the free-text classifier (issue 27).

``tests/data/klassifisering_kontrollsett.csv`` was written by a second author, blind: before opening the
area descriptions, the first author's test set, the development set, the corpus builder or the classifier's
source, and committed before the classifier was run on it. It is never used to tune anything. Columns as in
``klassifisering_testsett.csv``: ``tekst``; ``kompetanseomrade``; ``alternativ`` (an acceptable second area,
or empty); ``styrk`` (one to three acceptable STYRK-08 codes, space-separated).

The texts are phrased as businesses in rural Trøndelag say them to a coordinator: short, informal, some
misspelt, some nynorsk and Trøndelag dialect, abbreviations (ADK1, FSE, YSK, ADR, HMS, TEK17, ...), staff
counts, and some that honestly span two areas.

The issue's thresholds are asserted as the issue states them. Where the classifier misses one on this set,
the test is a strict xfail with the measured figures: labels and texts are not changed to pass, and the
classifier is not tuned on this set.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kompilot_data.engine import classify
from kompilot_data.reference import classify_corpus as corpus
from kompilot_data.reference import taxonomy

ROOT = Path(__file__).resolve().parents[1]
CONTROL_SET = ROOT / "tests" / "data" / "klassifisering_kontrollsett.csv"
OTHER_SETS = (
    ROOT / "tests" / "data" / "klassifisering_testsett.csv",
    ROOT / "scripts" / "klassifisering" / "utviklingssett.csv",
)


@pytest.fixture(scope="module")
def control_set() -> pd.DataFrame:
    return pd.read_csv(CONTROL_SET, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def result(control_set) -> classify.Accuracy:
    suggestions = classify.suggest_many(control_set["tekst"])
    return classify.accuracy(suggestions, control_set.to_dict("records"))


def _print(result: classify.Accuracy, capsys, misses: bool = True) -> None:
    with capsys.disabled():
        listed = [f"  bom: {m}" for m in result.misses] if misses else []
        print("\nKlassifisering, kontrollsettet:", *result.lines(), *listed, sep="\n")


def test_the_control_set_is_big_enough_labelled_with_real_codes_and_apart_from_the_other_sets(control_set):
    assert len(control_set) >= 60
    assert list(control_set.columns) == ["tekst", "kompetanseomrade", "alternativ", "styrk"]
    areas = set(taxonomy.codes("kompetanseomrade"))
    assert set(control_set["kompetanseomrade"]) == areas  # every area is tested
    assert set(control_set["alternativ"]) - {""} <= areas
    assert (control_set["alternativ"] != control_set["kompetanseomrade"]).all()
    assert control_set["tekst"].is_unique
    known = set(corpus.load_occupations()["kode"])
    for codes in control_set["styrk"]:
        assert 1 <= len(codes.split()) <= 3 and set(codes.split()) <= known, codes
    for other in OTHER_SETS:
        texts = set(pd.read_csv(other, dtype=str, keep_default_na=False)["tekst"].str.strip().str.lower())
        assert not texts & set(control_set["tekst"].str.strip().str.lower()), other.name


def test_area_thresholds_on_the_control_set(result, control_set, capsys):
    _print(result, capsys)
    assert result.texts == len(control_set) == 88
    assert result.area_top1 >= 0.85
    assert result.area_top2 >= 0.95


@pytest.mark.xfail(
    strict=True,
    reason=(
        "measured on the 88-text control set (commit of this test): occupation top-3 69.3 % (61 of 88) < 70 %; "
        "area top-1 92.0 % (83.0 % counting the main area alone), top-2 97.7 %"
    ),
)
def test_occupation_threshold_on_the_control_set(result, capsys):
    _print(result, capsys, misses=False)
    assert result.occupation_texts == 88
    assert result.occupation_top3 >= 0.70
