"""AppTest: the sidebar is built from the filter specification, and the centrality filter follows the URL."""

from datetime import date

from app_support import rendered, run_app
from streamlit.testing.v1 import AppTest

import kompilot_data as kd
from kompilot_data.reference.i18n import format_number
from kompilot_data.view.filters import FILTER_SPECS

HISTORY = "Behov siden 2021 (alle)"  # every need in the selection (Oversikt's history figure, issue 20)


def open_needs(needs):
    """Open needs counted from the records: kartlagt, and koblet whose linked course has not ended."""
    offers = kd.load_offers()
    ended = set(offers.loc[offers["status"].isin(["avsluttet", "avlyst"]), "tilbud_id"].astype(str))
    status = needs["status"].astype(str)
    linked_ended = needs["tilbud_id"].astype("string").fillna("").isin(ended)
    return needs[((status == "kartlagt") | ((status == "koblet") & ~linked_ended)).to_numpy()]


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_sidebar_has_one_widget_per_specification_row():
    app = rendered()
    multiselects = {w.key: w for w in app.sidebar.multiselect}
    dates = {w.key for w in app.sidebar.date_input}
    toggles = {w.key for w in app.sidebar.toggle}
    for spec in FILTER_SPECS:
        key = f"filter_{spec.field}"
        assert key in {"multiselect": multiselects, "date": dates, "toggle": toggles}[spec.widget], key
    centrality = multiselects["filter_sentralitet"]
    assert centrality.label == "Sentralitet (SSB)"
    assert centrality.options == [
        "Klasse 1 (mest sentral)",
        "Klasse 2",
        "Klasse 3",
        "Klasse 4",
        "Klasse 5",
        "Klasse 6 (minst sentral)",
    ]
    assert centrality.value == []


def test_centrality_from_the_url_selects_the_widget_and_changes_the_numbers():
    needs = kd.load_needs()
    classes = kd.load_municipalities()["sentralitetsklasse"]
    rural = needs[needs["kommunenummer"].astype(str).map(classes).isin([5, 6]).to_numpy()]
    assert 0 < len(rural) < len(needs)

    everything = rendered()
    assert metric(everything, HISTORY) == format_number(len(needs))

    app = rendered(sentralitet="5,6")
    assert app.multiselect(key="filter_sentralitet").value == [5, 6]
    assert metric(app, HISTORY) == format_number(len(rural))
    assert metric(app, "Bedrifter med åpne behov") == format_number(open_needs(rural)["bedrift_id"].nunique())
    assert "Sentralitetsklasse 5, 6" in app.caption[0].value
    # Written back in one form: the key repeated.
    assert app.query_params["sentralitet"] == ["5", "6"]


def test_sidebar_change_writes_the_centrality_and_reset_clears_it():
    app = run_app()
    app.multiselect(key="filter_sentralitet").set_value([6]).run()
    assert app.query_params["sentralitet"] == "6"
    needs = kd.filter_needs(kd.load_needs(), kd.Filters(sentralitet=(6,)))
    assert metric(app, HISTORY) == format_number(len(needs))
    app.button[0].click().run()  # Nullstill filtre
    assert "sentralitet" not in app.query_params
    assert app.multiselect(key="filter_sentralitet").value == []
    assert metric(app, HISTORY) == format_number(len(kd.load_needs()))


def test_active_filters_sentence_in_english_and_bad_url_values_dropped():
    app = rendered(lang="en", sentralitet=["6", "9"], region="Namdalen", fra="2026-01-01", til="i morgen")
    assert app.multiselect(key="filter_sentralitet").value == [6]
    assert app.date_input(key="filter_fra").value == date(2026, 1, 1)
    assert app.date_input(key="filter_til").value is None
    assert app.caption[0].value == "Active filters: Namdalen · Centrality class 6 · from 1 Jan 2026"
    assert app.query_params["sentralitet"] == "6"
