"""The Mismatch page's Koble tab (issues 9 and 13) in AppTest, on a small database of its own:

* a need whose wanted time window has ended is still listed, after the open ones, marked "Tidsrom utløpt: ja";
  its candidate cards carry the marker and the reason line;
* the offer list proposes what matching proposes (``matching.proposable_offers``): an offer already under way is
  neither a candidate nor in the list;
* user text on the candidate card (offer title, provider) is shown as written: Markdown and HTML are escaped;
* the tables show labels, never raw column names or True/False.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from app_support import APP
from records_support import csv_bytes, row, unescape
from streamlit.testing.v1 import AppTest

from kompilot_data.engine import matching
from kompilot_data.present.safe_text import plain
from kompilot_data.records import importer, storage
from kompilot_data.reference.i18n import format_date, t
from kompilot_data.view import View, ViewKey

PAGE = "app_pages/mismatch.py"
TITLE = "**Fet** [lenke](https://example.org) <img src=x onerror=alert(1)> _kursiv_"
PROVIDER = "_Nord_ `kode` universitet"
OFFER_HEADER = ["tilbud_id", "tilbyder", "tittel", "kompetanseomrade", "niva", "laeringsform", "kommunenummer"]
OFFER_HEADER += ["oppstart", "kapasitet", "status"]
ENDED_NEED, OPEN_NEED = "B1-UTLOPT", "B2-APEN"  # the ended one first by id


def offer(tilbud_id: str, title: str, provider: str, start: str, status: str) -> list[str]:
    return [tilbud_id, provider, title, "helse", "fagskole", "stedlig", "5007", start, "20", status]


@pytest.fixture
def database(empty_app_database):
    """Two open needs in Namsos (helse, fagskole): B1-UTLOPT's window ended on 30.06.2025, B2-APEN's ends in 2035.
    Offers in Namsos: T-MD (planned, Markdown and HTML in title and provider), T-SENERE (planned) and T-I-GANG
    (running since 15.08.2025: already under way, never proposed)."""
    engine = empty_app_database
    needs = [
        # The ended need first in the file: the page must still list it after the open one.
        row(behov_id=ENDED_NEED, registrert="01.03.2024", tidsramme_fra="01.01.2025", tidsramme_til="30.06.2025"),
        # The open need scores lower (online wanted, 40 participants for 20 seats): 0.79 against 0.80.
        row(
            behov_id=OPEN_NEED,
            registrert="01.03.2024",
            tidsramme_fra="01.01.2027",
            tidsramme_til="31.12.2035",
            laeringsform="nettbasert",
            antall_deltakere="40",
        ),
    ]
    assert importer.import_file(engine, csv_bytes(needs), "test", filename="behov.csv").new == 2
    offers = [
        offer("T-MD", TITLE, PROVIDER, "15.08.2027", "planlagt"),
        offer("T-SENERE", "Helsefagarbeider", "Nord universitet", "15.01.2028", "planlagt"),
        offer("T-I-GANG", "Allerede i gang", "Nord universitet", "15.08.2025", "pagar"),
    ]
    data = csv_bytes(offers, header=OFFER_HEADER)
    assert importer.import_file(engine, data, "test", filename="tilbud.csv", kind="offers").new == 3
    return engine


def page(select_need: int | None = None, select_offer: int | None = None, **query) -> AppTest:
    """The Mismatch page with a row of the need list (or the offer list) selected, as a click would. The
    selection is set before the page's first run (a rerun in AppTest would replay the reach radio's value in
    the wrong language)."""
    app = AppTest.from_file(str(APP), default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    for key, position in (("match_need_table", select_need), ("match_offer_table", select_offer)):
        if position is not None:
            app.session_state[key] = {"selection": {"rows": [position], "columns": []}}
    app.run()
    app.switch_page(PAGE)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def table(app, header: str) -> pd.DataFrame:
    """The first dataframe on the page with a column headed ``header``."""
    return next(frame.value for frame in app.dataframe if header in frame.value.columns)


def card_headings(app) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith(("**1.", "**2.", "**3."))]


def test_the_card_shows_markdown_and_html_in_titles_and_providers_as_written(database):
    app = page(select_need=0)  # the open need, first in the list
    headings = card_headings(app)
    assert len(headings) == 2  # T-MD and T-SENERE; T-I-GANG is under way
    first = headings[0]
    assert first.startswith(f"**1. {plain(TITLE)}** – {plain(PROVIDER)} · poeng ")
    # What the browser shows once the backslash escapes are resolved: the text exactly as typed.
    assert f"1. {TITLE}** – {PROVIDER} ·" in unescape(first).replace("\u200b", "")  # zero-width space after "https:"
    # Nothing in the user text can start markup: every *, [, ], <, >, _ and ` in it is escaped.
    title_source = first[len("**1. ") : first.index("** – ")]
    assert title_source == plain(TITLE)
    assert not set(re.sub(r"\\.", "", title_source)) & set("*[]<>_`"), title_source
    assert "\\<img src=x onerror=alert(1)\\>" in first
    assert "\\[lenke\\](https\\:\u200b//example.org)" in first
    assert "\\_Nord\\_ \\`kode\\` universitet" in first
    # No emphasis, link or image survives in any Markdown element on the page.
    assert not any(re.search(r"(?<!\\)<img|(?<!\\)\]\(https", m.value) for m in app.markdown)


def test_a_need_whose_window_ended_is_listed_last_and_marked_on_its_cards(database):
    needs = table(page(), "Tidsrom utløpt")
    assert needs["Behov-ID"].tolist() == [OPEN_NEED, ENDED_NEED]
    assert needs["Tidsrom utløpt"].tolist() == ["nei", "ja"]
    assert [c.value for c in page().caption if "utløpt ønsket tidsrom" in c.value] == [
        "Behov med utløpt ønsket tidsrom: 1. De står sist i listen, merket «Tidsrom utløpt: ja»."
    ]

    app = page(select_need=1)
    end = format_date(date(2025, 6, 30), "nb")
    assert [w.value for w in app.warning if "tidsrom" in w.value] == [
        f"Ønsket tidsrom for dette behovet er utløpt (seneste oppstart {end}). Kandidatene vises likevel – "
        "sjekk med bedriften om behovet fortsatt gjelder."
    ]
    headings = card_headings(app)
    assert len(headings) == 2
    assert all(h.endswith(" · :orange-badge[:material/event_busy: Tidsrom utløpt]") for h in headings)
    reason = plain(t("match_reason_window_ended", "nb", end=end))
    reason_lists = [m.value for m in app.markdown if m.value.startswith("- ")]
    assert len(reason_lists) == 2 and all(lines.endswith(f"- {reason}") for lines in reason_lists)

    # The open need's cards carry no marker and no such line.
    app = page(select_need=0)
    assert not any("badge" in h for h in card_headings(app))
    assert not any("utløpt" in m.value for m in app.markdown)
    assert not [w.value for w in app.warning if "tidsrom" in w.value]


def test_the_marker_and_the_warning_in_english(database):
    app = page(select_need=1, lang="en")
    needs = table(app, "Timeframe ended")
    assert needs["Timeframe ended"].tolist() == ["no", "yes"]
    assert all(h.endswith(":material/event_busy: Timeframe ended]") for h in card_headings(app))
    assert any(w.value.startswith("The wanted timeframe of this need has ended (latest start ") for w in app.warning)


def test_the_offer_list_proposes_what_matching_proposes(database):
    app = page()
    offers = table(app, "Tilbud-ID")
    assert offers["Tilbud-ID"].tolist() == ["T-MD", "T-SENERE"]  # T-I-GANG started on 15.08.2025
    # The same rule as the candidates: every proposable offer, and nothing else, can be a candidate.
    view = View(storage.read_frame(database, "needs"), storage.read_frame(database, "offers"), ViewKey())
    proposable = matching.proposable_offers(view.supply_offers, view.key.today)
    assert proposable["tilbud_id"].tolist() == ["T-MD", "T-SENERE"]
    assert set(view.brokering.candidates["tilbud_id"]) == {"T-MD", "T-SENERE"}
    assert any(c.value.startswith("Tilbud som kan foreslås: planlagte") for c in app.caption)


def test_needs_for_an_offer_are_labelled_and_the_ended_need_comes_last(database):
    app = page(select_offer=0)  # T-MD
    served = table(app, "Poeng (0–1)")  # the needs for this offer
    assert served["Behov-ID"].tolist() == [OPEN_NEED, ENDED_NEED]
    assert served["Tidsrom utløpt"].tolist() == ["nei", "ja"]
    assert served["Kommune"].tolist() == ["Namsos", "Namsos"]
    # Every column under its reader's header (the th_ labels of texts/labels/design.toml), the marker under ours.
    before = ["behov_id", "kommunenummer", "kommune", "antall_deltakere"]
    after = ["poeng", "reisetid_min", "avstand_km", "ferje", "niva_poeng", "form", "avstand", "tidsramme"]
    after += ["kapasitet_poeng"]
    header = {column: t(f"th_{column}", "nb") for column in before + after}
    assert list(served.columns) == [*(header[c] for c in before), "Tidsrom utløpt", *(header[c] for c in after)]
    # Best first, except that the ended need (0.80) comes after the open one (0.79):
    # 0.3 level + 0.2·0.2 online wanted, on site given + 0.2 place + 0.2 start inside + 0.1·20/40 seats = 0.79;
    # 0.3 + 0.2 + 0.2 + 0 (start more than 180 days after the window) + 0.1 = 0.80.
    assert served[header["poeng"]].tolist() == ["0,79", "0,80"]


def test_no_table_on_the_koble_tab_shows_a_raw_column_name_or_true_false(database):
    raw = {
        "behov_id",
        "tilbud_id",
        "kommunenummer",
        "tidsvindu_utlopt",
        "poeng",
        "niva_poeng",
        "kapasitet_poeng",
        "reisetid_min",
        "avstand_km",
        "ferje",
        "form",
        "avstand",
        "tidsramme",
    }
    for language in ("nb", "en"):
        app = page(select_offer=0, lang=language)
        for frame in (element.value for element in app.dataframe):
            assert not raw & set(frame.columns), (language, sorted(raw & set(frame.columns)))
            for column in frame.columns:
                values = set(frame[column].dropna().astype(str))
                assert not values & {"True", "False", "nan", "None"}, (language, column)


def test_a_long_need_list_is_cut_at_the_limit_with_a_caption_saying_so(empty_app_database):
    """1,001 open needs: the pick list holds the first 1,000 (a list, not a report) and says how to find the rest."""
    needs = [row(behov_id=f"MANGE-{i:04d}", tidsramme_til="31.12.2035") for i in range(1001)]
    assert importer.import_file(empty_app_database, csv_bytes(needs), "test", filename="behov.csv").new == 1001
    app = page()
    listed = table(app, "Behov-ID")
    assert len(listed) == 1000 and listed["Behov-ID"].iloc[-1] == "MANGE-0999"
    limit = "Listen viser de første 1\u202f000 av 1\u202f001. Snevr inn med filtrene i sidepanelet"
    assert any(c.value.startswith(limit) for c in app.caption)
