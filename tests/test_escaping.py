"""Issue 23: user-supplied text (providers, titles, study places, region and place names) never renders as markup
in a chart: every builder escapes it with one helper (``safe_text.html_text``, also inside ``theme.wrapped``).
Markup is fed through each figure the app can build; it must come out escaped (and arrive: the test fails if a
figure drops the text instead)."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import matching
from kompilot_data.present import briefing as briefings
from kompilot_data.present import charts, figures, flow_map, maps, trends
from kompilot_data.present.charts import Chart, Series
from kompilot_data.view import View, ViewKey

MARKUP = "<b>Fet</b> <a href='https://evil.example/'>lenke</a> <img src=x onerror=alert(1)>"
ESCAPED = "&lt;b&gt;Fet&lt;/b&gt;"
RAW = ("<b>Fet", "<a href", "<img", "</a>")
TODAY = date(2026, 11, 1)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):  # "etikett": the flow map's TextLayer label, drawn as glyphs (no HTML parsing)
        return [s for k, v in value.items() if k != "etikett" for s in _strings(v)]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [s for v in value for s in _strings(v)]
    return []


def assert_escaped(figure) -> None:
    texts = _strings(figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure)
    leaks = [s for s in texts if any(raw in s for raw in RAW)]
    assert leaks == [], leaks[:3]
    assert any(ESCAPED in s for s in texts), "the user text did not reach the figure"


@pytest.fixture(scope="module")
def records():
    needs, offers = kd.load_needs(), kd.load_offers()
    offers = offers.copy()
    for column in ("tilbyder", "tittel"):
        offers[column] = MARKUP + " " + offers[column].astype(str)
    placed = offers["studiested"].astype("string").fillna("") != ""
    offers["studiested"] = offers["studiested"].astype(object)
    offers.loc[placed, "studiested"] = MARKUP + " " + offers.loc[placed, "studiested"].astype(str)
    return needs, offers


def test_provider_bars_on_the_offers_page(records):
    offers = records[1]
    counts = offers.groupby(offers["tilbyder"].astype(str)).size().nlargest(12)
    assert_escaped(figures.bar_counts(counts, "nb", "Tilbud", "Kilde: x", "Tilbud per tilbyder"))


def test_offers_timeline_and_map(records):
    needs, offers = records
    assert_escaped(figures.offers_timeline(offers, "nb", title="Oppstart"))
    table = View(needs, offers, ViewKey(today=TODAY)).municipality_table
    places = offers.dropna(subset=["lat", "lon"]).assign(navn=lambda f: MARKUP + " " + f["tittel"].astype(str))
    fig = maps.offer_map(table, places, "nb", title="Tilbud")
    texts = _strings(fig.to_plotly_json())
    assert not [s for s in texts if any(raw in s for raw in RAW)]


def test_sankey_of_best_candidates(records):
    needs, offers = records
    view = View(needs, offers, ViewKey(today=TODAY))
    best = view.brokering.candidates
    best = best[best["rang"] == 1]
    proposable = matching.proposable_offers(view.supply_offers, TODAY)
    assert_escaped(figures.sankey_area_provider(best, view.open_needs, proposable, "nb", title="Flyt"))


def test_flow_map_deck_and_tables(records):
    view = View(*records, ViewKey(today=TODAY))
    deck = flow_map.flow_deck(view.brokering.flows, "nb")
    assert_escaped(json.loads(deck.to_json()))


def test_names_and_categories_in_every_label_taking_builder():
    """Region and place names (coordinators edit ``delregioner.csv``) and the briefing's categories."""
    from kompilot_data.engine import indicators

    county = indicators.area_profile(None)
    assert_escaped(figures.profile_comparison(county, county, MARKUP, "nb", title="Profil"))
    series = {
        MARKUP: pd.Series([100.0, 101.0], index=[2020, 2021]),
        "Trøndelag": pd.Series([100.0, 100.5], index=[2020, 2021]),
    }
    assert_escaped(figures.population_trend(series, "nb", title="Befolkning"))
    table = pd.DataFrame(
        {
            "kommunenummer": ["5007", "5007"],
            "kompetanseomrade": ["helse", "bygg"],
            "ettersporsel": [10.0, 5.0],
            "tilbud_fordelt": [4.0, 6.0],
            "gap": [6.0, -1.0],
            "dekning": [0.4, 1.2],
            "indeks": [0.4, -0.1],
            "tilbud_innen_rekkevidde": [1.0, 1.0],
            "bedrifter": [5, 5],
            "skjult": [False, False],
        }
    ).set_index(["kommunenummer", "kompetanseomrade"])
    assert_escaped(figures.gap_heatmap(table, "nb", "Kilde: x", {"5007": MARKUP}, title="Underskudd"))
    assert_escaped(figures.gap_bar_list(table, "nb", "Kilde: x", {"5007": MARKUP}, title="Underskudd"))
    chart = Chart("bar", "Tittel", (MARKUP, "Helse"), (Series(MARKUP, (3.0, 4.0), "#000000"),), "Antall", "Kilde", "nb")
    assert_escaped(charts.to_plotly(chart))
    assert_escaped(charts.to_plotly(Chart("column", "T", (MARKUP,), (Series("S", (3.0,), "#000000"),), "A", "K", "nb")))


def test_every_briefing_chart(records):
    briefing = briefings.build_briefing("Namdalen", *records, made=TODAY)
    for step in briefing.steps:
        for figure in step.figures:
            if isinstance(figure.content, Chart):
                texts = _strings(charts.to_plotly(figure.content).to_plotly_json())
                assert not [s for s in texts if any(raw in s for raw in RAW)], (step.key, figure.slug)


def test_trends_figures_escape_region_names(records):
    view = View(*records, ViewKey(today=TODAY))
    for panel in trends.panels(view):
        texts = _strings(panel.figure.to_plotly_json())
        assert not [s for s in texts if any(raw in s for raw in RAW)]
