"""Hidden cells say why they are hidden (issue 11, the About page's rule): "<3" for a figure built on fewer than
3 businesses (primary suppression), ":" for one hidden as a complement (SSB's symbol), in the display tables,
the map's hover, the static map, the cross tables and the chart summaries."""

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import disclosure
from kompilot_data.engine.reach import ReachSetting
from kompilot_data.present import figures, maps, summaries, tables
from kompilot_data.view import Audience, View, ViewKey

ROYRVIK, GRONG = "5043", "5045"
# Namdalen: Røyrvik has one business (primary); the smallest other municipality of the sub-region, Grong (4
# businesses, 4 needs), is hidden as its complement, since Namdalen's total is published.
BUSINESSES = {ROYRVIK: 1, "5007": 6, GRONG: 4, "5025": 5}


def _needs() -> pd.DataFrame:
    rows = []
    for code, businesses in BUSINESSES.items():
        for b in range(businesses):
            rows.append(
                {
                    "behov_id": f"B{code}-{b}",
                    "registrert": "2025-03-15",
                    "bedrift_id": f"V{code}-{b}",
                    "orgnr": "",
                    "kommunenummer": code,
                    "naering": "Q",
                    "storrelse": "5-19",
                    "kompetanseomrade": "helse",
                    "niva": "kurs",
                    "laeringsform": "",
                    "antall_deltakere": "3",
                    "tidsramme_fra": "2026-01-01",
                    "tidsramme_til": "2026-12-31",
                    "status": "kartlagt",
                    "kilde": "bedriftsbesok",
                    "merknad": "",
                    "demo": "nei",
                }
            )
    return kd.validated(pd.DataFrame(rows), "needs")


@pytest.fixture(scope="module")
def view() -> View:
    key = ViewKey(audience=Audience.viewer(), reach=ReachSetting("luftlinje", 90))
    return View(_needs(), kd.load_offers(), key)


def test_one_helper_chooses_the_mark():
    assert disclosure.marker(True) == "<3" and disclosure.marker(False) == ":"
    assert disclosure.marker(True, 5) == "<5"
    # a hidden total: primary only when it rests on 1 or 2 businesses; unknown or 0: ":"
    assert [disclosure.total_marker(b) for b in (1, 2, 3, 0, None, float("nan"))] == ["<3", "<3", ":", ":", ":", ":"]
    frame = pd.DataFrame({"skjult": [False, True, True, True], "primaer": [False, True, False, None]})
    assert disclosure.hidden_markers(frame).tolist() == ["", "<3", ":", ":"]
    assert disclosure.hidden_markers(frame[["skjult"]]).tolist() == ["", ":", ":", ":"]
    assert disclosure.hidden_markers(pd.DataFrame({"x": [1]})).tolist() == [""]


def test_the_fixture_has_one_primary_and_one_complementary_municipality(view):
    table = view.municipality_table
    hidden = table[table["skjult"]]
    assert hidden.index.tolist() == [ROYRVIK, GRONG]
    assert hidden["primaer"].tolist() == [True, False] and hidden["sekundaer"].tolist() == [False, True]


def test_display_table_shows_less_than_three_and_colon(view):
    counts = view.counts(("kommunenummer",), "behov")
    counts = counts[counts["skjult"] | (counts["behov"] > 0)].reset_index()
    shown = tables.display_table(counts, "nb", columns=["kommunenummer", "behov", "bedrifter"])
    rows = shown.set_index("Kommune")
    assert rows.loc["Røyrvik", "Behov"] == "<3" and rows.loc["Røyrvik", "Bedrifter"] == "<3"
    assert rows.loc["Grong", "Behov"] == ":" and rows.loc["Grong", "Bedrifter"] == ":"
    namsos = counts.set_index("kommunenummer").loc["5007"]  # 6 and 6, perturbed for viewers (cell key method)
    assert rows.loc["Namsos", "Behov"] == f"{namsos['behov']:.0f}" and abs(namsos["behov"] - 6) <= 2
    assert rows.loc["Namsos", "Bedrifter"] == f"{namsos['bedrifter']:.0f}" and abs(namsos["bedrifter"] - 6) <= 2
    english = tables.display_table(counts, "en", columns=["kommunenummer", "behov"]).set_index("Municipality")
    assert english.loc["Røyrvik"].iloc[-1] == "<3" and english.loc["Grong"].iloc[-1] == ":"


def test_cross_table_shows_less_than_three_and_colon(view):
    table = view.counts(("kommunenummer", "kompetanseomrade"), "behov")
    table = table[table.index.get_level_values(0).isin([ROYRVIK, GRONG, "5007"])]
    table = table[table.index.get_level_values(1) == "helse"]
    cross = tables.pivot(table, "behov", "nb", "kommunenummer", "kompetanseomrade", corner="Kommune")
    namsos = f"{table.at[('5007', 'helse'), 'behov']:.0f}"  # 6, perturbed for viewers
    assert cross.set_index("Kommune")["helse"].to_dict() == {"5007": namsos, ROYRVIK: "<3", GRONG: ":"}


def _hover(fig, code: str) -> str:
    for trace in fig.data:
        if trace.customdata is None:
            continue
        for row in trace.customdata:
            if row[1] == code:
                return row[3]
    raise AssertionError(f"no hover for {code}")


def test_map_hover_shows_less_than_three_and_colon(view):
    table = view.municipality_table
    for language in ("nb", "en"):
        fig = maps.choropleth_map(table, "behov_per_1000", language)
        assert _hover(fig, ROYRVIK) == "<3"
        assert _hover(fig, GRONG) == ":"
        assert _hover(fig, "5007") not in ("<3", ":", "–", "")


def test_bars_take_the_marks_of_their_rows(view):
    frame = view.counts(("kommunenummer",), "behov")
    frame = frame[frame["skjult"] | (frame["behov"] > 0)]
    names = kd.load_municipalities()["navn"].to_dict()
    counts = frame["behov"].rename(index=names)
    marks = disclosure.hidden_markers(frame).rename(index=names)
    fig = figures.bar_counts(counts, "nb", "Behov", "Kilde: x", "Behov per kommune", marks=marks)
    assert dict(zip(fig.data[0].y, fig.data[0].text, strict=True)) == {
        "Røyrvik": "<3",
        "Grong": ":",
        "Røros": f"{counts['Røros']:.0f}",  # 5 and 6, perturbed for viewers (cell key method)
        "Namsos": f"{counts['Namsos']:.0f}",
    }
    # without marks a hidden bar claims no number of businesses
    fig = figures.bar_counts(counts, "nb", "Behov", "Kilde: x", "Behov per kommune")
    assert dict(zip(fig.data[0].y, fig.data[0].text, strict=True))["Røyrvik"] == ":"


def test_summaries_do_not_call_every_hidden_value_less_than_three(view):
    text = summaries.map_summary(view.municipality_table, "behov_per_1000", "nb")
    assert text.endswith("Grå: 2 uten verdi eller skjult for å skjerme små tall.")
    assert "<3" not in text
    counts = pd.Series({"Helse": 12.0, "Bygg": np.nan, "IKT": np.nan})
    assert summaries.ranking(counts, "en", "needs").endswith("2 values are hidden to protect small numbers.")


def test_gap_heatmap_and_its_table_show_less_than_three_and_colon(view):
    table = view.demand_supply(("kommunenummer", "kompetanseomrade"))
    names = kd.load_municipalities()["navn"].to_dict()
    fig = figures.gap_heatmap(table, "nb", "Kilde: x", names, title="Underskudd")
    cells = dict(zip(fig.data[0].y, (row[0] for row in fig.data[0].text), strict=True))
    # With background demand competing for the seats (issue 20), Namsos and Røros are short, not in surplus (the
    # exact shortfalls are 17 and 14; shown perturbed by the cell key method, at most ±2)
    assert cells["Grong"] == ":" and cells["Røyrvik"] == "<3"
    assert abs(int(cells["Namsos"]) - 17) <= 2 and abs(int(cells["Røros"]) - 14) <= 2
    shown = tables.display_table(figures.gap_cells(table, "nb", names), "nb", columns=["sted", "gap"])
    assert dict(zip(shown.iloc[:, 0], shown.iloc[:, 1], strict=True))["Grong"] == ":"
    assert dict(zip(shown.iloc[:, 0], shown.iloc[:, 1], strict=True))["Røyrvik"] == "<3"


def test_a_key_figure_on_one_or_two_businesses_reads_less_than_three():
    needs = kd.load_needs()
    businesses = needs.groupby(needs["kommunenummer"].astype(str))["bedrift_id"].nunique()
    small = businesses[businesses.between(1, 2)].index[0]
    view = View(needs, kd.load_offers(), filters=kd.Filters(kommuner=(small,)), audience=Audience.viewer())
    assert np.isnan(view.total("behov")) and view.total_mark == "<3"
    big = businesses[businesses >= 10].index[0]
    view = View(needs, kd.load_offers(), filters=kd.Filters(kommuner=(big,)), audience=Audience.viewer())
    assert view.total_mark == ":"  # were it hidden, it would be as a complement: it rests on 10 or more
