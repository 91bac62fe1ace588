"""Trends over time (issue 10 §4): needs per quarter by sub-region, pipeline steps in the quarter of their date,
offers per semester (real and demo apart), "since date X" key figures, viewer protection, the figures and the
"Siden sist" briefing step. Every expected number below is counted by hand from the fixtures."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.present import briefing as briefings
from kompilot_data.present import charts, deck, trends
from kompilot_data.reference.i18n import format_number
from kompilot_data.view import Audience, View, ViewKey, default_since, parse_since
from kompilot_data.view.filters import Filters

TODAY = date(2026, 11, 27)
Q = pd.Timestamp
DATES = ("koblet_dato", "etablert_dato", "gjennomfort_dato")
STEPS = ("koblet", "etablert", "gjennomfort")
MUNICIPALITY = {"N": "5007", "T": "5025", "F": "5054", "O": "5001"}  # Namsos, Røros, Indre Fosen, Trondheim


def make_needs(rows: list[tuple]) -> pd.DataFrame:
    """Needs from (id, registered, business, status, koblet, etablert, gjennomført, tilbud_id); the business's
    first letter is its place (N Namdalen, T Trøndelag sør, F Fosen, O outside the pilot)."""
    text = pd.DataFrame(
        [
            {
                "behov_id": need_id,
                "registrert": registered,
                "bedrift_id": business,
                "orgnr": "",
                "kommunenummer": MUNICIPALITY[business[0]],
                "naering": "Q",
                "storrelse": "5-19",
                "kompetanseomrade": "helse",
                "niva": "kurs",
                "laeringsform": "",
                "antall_deltakere": "2",
                "tidsramme_fra": "2027-01-01",
                "tidsramme_til": "2027-06-30",
                "status": status,
                "kilde": "bedriftsbesok",
                "merknad": "",
                "demo": "nei",
            }
            for need_id, registered, business, status, *_ in rows
        ]
    )
    needs = kd.validated(text, "needs")
    # The stage dates and the linked offer (issue 13), set typed whether or not the schema lists them yet.
    for position, column in enumerate(DATES, start=4):
        needs[column] = pd.to_datetime([r[position] for r in rows])
    needs["tilbud_id"] = pd.array([r[7] for r in rows], dtype="string")
    return needs


# (id, registered, business, status, koblet_dato, etablert_dato, gjennomfort_dato, tilbud_id)
ROWS = [
    ("n1", "2025-01-10", "N1", "kartlagt", None, None, None, None),
    ("n2", "2025-02-03", "N2", "koblet", "2025-04-15", None, None, "T-A"),
    ("n3", "2025-03-31", "N3", "etablert", "2025-03-31", "2025-07-01", None, "T-A"),
    ("t1", "2025-01-20", "T1", "gjennomfort", "2025-02-01", "2025-05-01", "2025-10-01", "T-A"),
    ("t2", "2025-04-01", "T2", "koblet", "2025-06-30", None, None, "T-D"),
    ("o1", "2025-05-05", "O1", "kartlagt", None, None, None, None),
    ("f1", "2025-12-31", "F1", "etablert", "2026-01-05", "2026-09-02", None, "T-B"),
    ("n4", "2025-10-01", "N4", "avsluttet", None, None, None, None),
    ("f2", "2026-09-01", "F2", "koblet", "2026-09-20", None, None, "T-B"),
    ("n5", "2026-08-31", "N5", "etablert", "2026-09-01", "2026-09-15", None, "T-C"),
    ("t3", "2026-09-10", "T3", "etablert", "2026-09-11", "2026-10-02", None, "T-B"),
    ("o2", "2026-07-07", "O1", "kartlagt", None, None, None, None),
]


def make_offers(rows: list[tuple]) -> pd.DataFrame:
    """Online offers from (id, start, seats, status, demo, datakilde)."""
    text = pd.DataFrame(
        [
            {
                "tilbud_id": offer_id,
                "tilbyder": "Fagskolen",
                "tittel": f"Kurs {offer_id}",
                "kompetanseomrade": "helse",
                "niva": "kurs",
                "laeringsform": "nettbasert",
                "oppstart": start,
                "kapasitet": str(seats),
                "status": status,
                "datakilde": source,
                "demo": demo,
            }
            for offer_id, start, seats, status, demo, source in rows
        ]
    )
    return kd.validated(text, "offers")


OFFERS = [
    ("A", "2025-08-15", 30, "avsluttet", "nei", "HK-dir, søkertall 2025 (Samordna opptak; lisens ikke bekreftet)"),
    ("B", "2025-08-20", 20, "avsluttet", "nei", "HK-dir, søkertall 2025 (Samordna opptak; lisens ikke bekreftet)"),
    ("C", "2025-03-01", 10, "avsluttet", "ja", "Demo"),
    ("D", "2026-02-01", 12, "avlyst", "ja", "Demo"),  # cancelled: never counted
    ("E", "2027-01-15", 15, "planlagt", "ja", "Demo"),  # starts after today: planned
    ("F", "2026-08-15", 25, "pagar", "nei", "HK-dir, søkertall 2026 (Samordna opptak; lisens ikke bekreftet)"),
    ("G", "2026-12-01", 8, "apen", "ja", "Demo"),  # planned, in this autumn
]


@pytest.fixture(scope="module")
def needs():
    return make_needs(ROWS)


@pytest.fixture(scope="module")
def offers():
    return make_offers(OFFERS)


@pytest.fixture(scope="module")
def coordinator(needs, offers):
    return View(needs, offers, ViewKey(today=TODAY))


# --- counts --------------------------------------------------------------------------------------------------


def test_needs_per_quarter_by_subregion_are_exact_with_empty_quarters(coordinator):
    table = coordinator.time.needs_per_quarter()
    assert list(coordinator.time.quarters) == list(pd.date_range("2025-01-01", "2026-10-01", freq="QS"))
    got = table["behov"].unstack("delregion")[["Namdalen", "Trøndelag sør", "Fosen", kd.OUTSIDE_PILOT]]
    expected = {
        "2025-01-01": [3, 1, 0, 0],
        "2025-04-01": [0, 1, 0, 1],
        "2025-07-01": [0, 0, 0, 0],  # no registration: the quarter is there, with zeros
        "2025-10-01": [1, 0, 1, 0],
        "2026-01-01": [0, 0, 0, 0],
        "2026-04-01": [0, 0, 0, 0],
        "2026-07-01": [1, 1, 1, 1],  # 31.08 is in the third quarter
        "2026-10-01": [0, 0, 0, 0],  # only a step date (etablert 02.10) reaches into it
    }
    assert {str(q.date()): list(row) for q, row in got.iterrows()} == expected
    assert not table["skjult"].any()
    totals = coordinator.time.needs_per_quarter_totals()
    assert totals["behov"].tolist() == [4, 2, 0, 2, 0, 0, 4, 0] and totals["behov"].sum() == len(ROWS)
    participants = coordinator.time.needs_per_quarter("deltakere")
    assert participants["deltakere"].sum() == 2 * len(ROWS)


def test_steps_count_in_the_quarter_of_their_date_not_of_registration(coordinator):
    table = coordinator.time.pipeline_per_quarter()
    got = table["behov"].unstack("trinn")[["koblet", "etablert", "gjennomfort"]]
    expected = {
        "2025-01-01": [2, 0, 0],  # n3 koblet 31.03, t1 koblet 01.02
        "2025-04-01": [2, 1, 0],  # n2 (registered in Q1) koblet 15.04; t2 koblet 30.06; t1 etablert 01.05
        "2025-07-01": [0, 1, 0],  # n3, registered 31.03, etablert 01.07: counted here, not in Q1
        "2025-10-01": [0, 0, 1],  # t1 gjennomført 01.10
        "2026-01-01": [1, 0, 0],  # f1 (registered 31.12.2025) koblet 05.01.2026
        "2026-04-01": [0, 0, 0],
        "2026-07-01": [3, 2, 0],  # f2, n5, t3 koblet; f1 and n5 etablert
        "2026-10-01": [0, 1, 0],  # t3 etablert 02.10
    }
    assert {str(q.date()): list(row) for q, row in got.iterrows()} == expected
    # Each need counts once per step it has a date for: the step totals are the dated needs.
    assert got.sum().tolist() == [8, 5, 1]
    assert coordinator.time.undated_steps().tolist() == [0, 0, 0]


def test_a_step_without_a_date_is_counted_nowhere_and_reported(offers):
    rows = [*ROWS, ("n6", "2025-02-02", "N1", "etablert", None, None, None, None)]
    view = View(make_needs(rows), offers, ViewKey(today=TODAY))
    assert view.time.pipeline_per_quarter()["behov"].unstack("trinn")[list(STEPS)].sum().tolist() == [8, 5, 1]
    assert view.time.undated_steps().to_dict() == {"koblet": 1, "etablert": 1, "gjennomfort": 0}
    assert view.time.has_step_dates()
    undated = make_needs(ROWS).drop(columns=list(DATES))
    without = View(undated, offers, ViewKey(today=TODAY))
    assert not without.time.has_step_dates()
    assert without.time.pipeline_per_quarter()["behov"].sum() == 0
    assert without.time.undated_steps().to_dict() == {"koblet": 8, "etablert": 5, "gjennomfort": 1}
    # A count since a date says how many reached the step without a date (they are counted in no period).
    figures = trends.since_key_figures(view, date(2025, 1, 1))
    assert [item[3] for item in figures[1:]] == ["1 uten dato telles ikke", "1 uten dato telles ikke", None]
    step = briefings.build_briefing("Trøndelag", undated, offers, made=TODAY, since=date(2026, 9, 1), min_businesses=0)
    matched = step.step("siden_sist").key_figures[1]
    assert (matched.value, matched.comparison) == ("0", "Siden 01.09.2026 · 8 uten dato telles ikke")


def test_since_a_date_counts_new_needs_matches_and_courses(coordinator):
    since = coordinator.time.since(date(2026, 9, 1))
    # Registered on or after 01.09.2026: f2 (01.09, the day itself counts) and t3; n5 (31.08) does not.
    assert since.at["registrert", "behov"] == 2
    assert since.at["koblet", "behov"] == 3  # f2 20.09, n5 01.09, t3 11.09
    assert since.at["etablert", "behov"] == 3  # f1 02.09, n5 15.09, t3 02.10
    assert since.at["etablert", "kurs"] == 2  # offers T-B (f1, t3) and T-C (n5)
    assert since.at["gjennomfort", "behov"] == 0
    assert not since["skjult"].any()
    everything = coordinator.time.since(date(2020, 1, 1))
    assert everything["behov"].tolist() == [len(ROWS), 8, 5, 1]
    assert everything.at["etablert", "kurs"] == 3  # T-A, T-B, T-C


def test_the_default_since_date_is_three_months_back_and_comes_from_the_url():
    assert default_since(TODAY) == date(2026, 8, 27)
    assert default_since(date(2026, 5, 31)) == date(2026, 2, 28)
    assert parse_since("2026-09-01", TODAY) == date(2026, 9, 1)
    for wrong in (None, "", "1.9.2026", "2027-01-01", "1999-01-01"):  # missing, not ISO, after today, too early
        assert parse_since(wrong, TODAY) == date(2026, 8, 27), wrong


def test_offers_per_semester_real_and_demo_apart(coordinator):
    table = coordinator.time.offers_per_semester()
    semesters = table.index.get_level_values("semester").unique()
    assert [trends.semester_label(s, "nb") for s in semesters] == [
        "vår 2025",
        "høst 2025",
        "vår 2026",
        "høst 2026",
        "vår 2027",
    ]
    assert [trends.semester_label(s, "en") for s in semesters][-1] == "spring 2027"
    started = table["tilbud"].unstack("opprinnelse")
    assert started["reell"].tolist() == [0, 2, 0, 1, 0]
    assert started["demo"].tolist() == [1, 0, 0, 0, 0]  # D is cancelled; E and G have not started
    assert table["plasser"].unstack("opprinnelse")["reell"].tolist() == [0, 50, 0, 25, 0]
    planned = table["planlagt"].unstack("opprinnelse")["demo"].tolist()
    assert planned == [0, 0, 0, 1, 1]
    assert table["planlagte_plasser"].sum() == 8 + 15
    assert not table["skjult"].any()


def test_a_place_filter_narrows_every_trend(needs, offers):
    fosen = View(needs, offers, ViewKey(filters=Filters(delregioner=("Fosen",)), today=TODAY))
    assert fosen.time.needs_per_quarter_totals()["behov"].sum() == 2
    assert fosen.time.pipeline_per_quarter()["behov"].unstack("trinn")[list(STEPS)].sum().tolist() == [2, 1, 0]
    assert fosen.time.since(date(2026, 9, 1))["behov"].tolist() == [1, 1, 1, 0]


# --- protection ----------------------------------------------------------------------------------------------


def viewer_needs() -> pd.DataFrame:
    """Four quarters of 2025: five Namdalen and four Trøndelag sør businesses each quarter; one outside
    business in the first quarter; a last quarter with the outside business alone."""
    rows = []
    for q, month in enumerate(("01", "04", "07", "10")):
        for b in range(5):
            rows.append((f"n{q}{b}", f"2025-{month}-1{b}", f"N{b}", "koblet", f"2025-{month}-2{b}", None, None, "X"))
        for b in range(4):
            rows.append((f"t{q}{b}", f"2025-{month}-0{b + 1}", f"T{b}", "kartlagt", None, None, None, None))
    rows.append(("o1", "2025-02-02", "O1", "etablert", "2025-02-03", "2025-02-04", None, "Y"))
    rows.append(("o2", "2026-01-05", "O1", "koblet", "2026-01-06", None, None, "Y"))
    return make_needs(rows)


@pytest.fixture(scope="module")
def viewer(offers):
    return View(viewer_needs(), offers, ViewKey(audience=Audience.viewer(), today=TODAY))


def test_a_viewer_cannot_see_or_derive_a_quarter_of_one_business(viewer):
    table = viewer.time.needs_per_quarter()
    outside = table.xs(kd.OUTSIDE_PILOT, level="delregion")
    assert outside.loc[Q("2025-01-01"), "skjult"] and np.isnan(outside.loc[Q("2025-01-01"), "behov"])
    # The first quarter's total is shown, so one more cell of that quarter is hidden beside the outside one.
    first = table.xs(Q("2025-01-01"), level="kvartal")
    assert first["skjult"].sum() == 2
    # A quarter with one business's need only: its total is hidden too.
    totals = viewer.time.needs_per_quarter_totals()
    assert totals.loc[Q("2026-01-01"), "skjult"] and np.isnan(totals.loc[Q("2026-01-01"), "behov"])
    assert totals.loc[Q("2025-07-01"), "behov"] == 9 and not totals.loc[Q("2025-07-01"), "skjult"]
    viewer.time.pipeline_per_quarter()
    viewer.time.since(date(2025, 12, 1))
    assert len(viewer.protections) == 3
    problems = [f"{what}: {p}" for what, pr in viewer.protections for p in testing.disclosure_violations(pr)]
    assert problems == []


def test_a_viewer_sees_the_steps_of_one_business_hidden(viewer):
    steps = viewer.time.pipeline_per_quarter()
    # Q1 2025: koblet by five Namdalen businesses and the outside one (six, shown); etablert by one (hidden, and
    # no other etablert cell to hide beside it, so the etablert total is hidden instead).
    assert abs(steps.loc[(Q("2025-01-01"), "koblet"), "behov"] - 6) <= 2  # 6, perturbed (cell key method)
    assert steps.loc[(Q("2025-01-01"), "etablert"), "primaer"]
    assert np.isnan(steps.loc[(Q("2025-01-01"), "etablert"), "behov"])
    # The outside business's second koblet (Q1 2026) is hidden; one more koblet quarter is hidden beside it.
    koblet = steps.xs("koblet", level="trinn")
    assert koblet.loc[Q("2026-01-01"), "primaer"] and koblet["skjult"].sum() == 2
    protection = next(p for what, p in viewer.protections if what.startswith("['kvartal', 'trinn']"))
    assert testing.disclosure_violations(protection) == []
    coordinator = View(viewer_needs(), viewer.all_offers, ViewKey(today=TODAY))
    assert coordinator.time.pipeline_per_quarter().loc[(Q("2025-01-01"), "etablert"), "behov"] == 1


def test_since_hides_a_one_business_figure_and_the_figure_it_could_be_derived_from(viewer):
    since = viewer.time.since(date(2025, 12, 1))  # after: the outside business's second need only
    assert since["skjult"].tolist() == [True, True, False, False]
    assert np.isnan(since.at["registrert", "behov"]) and np.isnan(since.at["koblet", "kurs"])
    # "before" + "since" = all needs: the "before" cell of a hidden "since" is hidden too.
    protection = next(p for what, p in viewer.protections if what.startswith("['hendelse'"))
    protected = protection.table.set_index(["hendelse", "periode"])
    assert protected.loc[("registrert", "for"), "skjult"] and protected.loc[("registrert", "siden"), "primaer"]
    assert testing.disclosure_violations(protection) == []


# --- figures -------------------------------------------------------------------------------------------------


def test_needs_figure_stacks_subregions_in_their_colours_and_hidden_cells_add_nothing(viewer):
    from kompilot_data.present.theme import SUBREGION_COLOURS

    table, totals = viewer.time.needs_per_quarter(), viewer.time.needs_per_quarter_totals()
    assert totals["primaer"].tolist() == [False, False, False, False, True]  # Q1 2026: one business
    assert totals["skjult"].tolist() == [False, True, False, False, True]  # Q2 2025: a complement
    fig = trends.needs_per_quarter(table, totals, "nb", "Kilde: x", "Nye behov per kvartal")
    bars = {trace.name: trace for trace in fig.data if trace.type == "bar"}
    assert list(bars) == ["Namdalen", "Trøndelag sør", "Utenfor pilot", "Skjulte tall"]  # Fosen has no needs
    assert bars["Namdalen"].marker.color == SUBREGION_COLOURS["Namdalen"]
    assert bars["Utenfor pilot"].marker.color == trends.OUTSIDE_COLOUR
    # Q1 2025: Namdalen 5 shown; Trøndelag sør (complement) and outside (one business) hidden: both add 0; the
    # hover reads ":" for the complement and "<3" for the one business. The hatched cap is the total (10) minus
    # the shown cells (5); no hidden cell gets a value.
    assert table.xs(Q("2025-01-01"), level="kvartal")["skjult"].sum() == 2
    namdalen = table.loc[(Q("2025-01-01"), "Namdalen"), "behov"]  # 5, perturbed for viewers
    assert abs(namdalen - 5) <= 2
    assert [bars[name].y[0] for name in ["Namdalen", "Trøndelag sør", "Utenfor pilot"]] == [namdalen, 0, 0]
    assert bars["Utenfor pilot"].customdata[0][1] == "<3" and bars["Trøndelag sør"].customdata[0][1] == ":"
    assert bars["Namdalen"].customdata[0][0] == "1. kv. 2025"
    cap = list(bars["Skjulte tall"].y)
    assert cap[0] == totals["behov"].iloc[0] - namdalen
    # Q1 2026: the total itself is hidden (one business): no cap, and the label says "<3"; Q2 2025's total is
    # hidden as a complement: ":".
    assert cap[4] == 0
    assert [cap[q] for q in (2, 3)] == [0, 0]  # quarters with nothing hidden
    labels = next(trace for trace in fig.data if trace.type == "scatter")
    # totals above the stacks: the exact 10, 9, 9 perturbed as cells of their own
    assert [text for q, text in enumerate(labels.text) if q not in (0, 2, 3)] == [":", "<3"]
    shown = [totals["behov"].iloc[q] for q in (0, 2, 3)]
    assert [labels.text[q] for q in (0, 2, 3)] == [f"{v:.0f}" for v in shown]
    assert all(abs(a - b) <= 2 for a, b in zip(shown, [10, 9, 9], strict=True))
    assert labels.y[0] == shown[0]  # the stack is as high as its total
    assert fig.layout.yaxis.tickformat == ",d"
    assert "Kilde: x" in " ".join(a.text for a in fig.layout.annotations)
    coordinator = View(viewer_needs(), viewer.all_offers, ViewKey(today=TODAY))
    plain = trends.needs_per_quarter(
        coordinator.time.needs_per_quarter(), coordinator.time.needs_per_quarter_totals(), "nb", "Kilde: x", "T"
    )
    assert "Skjulte tall" not in [trace.name for trace in plain.data]


def test_a_hidden_step_is_a_gap_marked_less_than_three_or_colon(viewer):
    fig = trends.pipeline_per_quarter(viewer.time.pipeline_per_quarter(), "nb", "Kilde: x", "Trinn per kvartal")
    lines = {trace.name: trace for trace in fig.data if trace.mode == "lines+markers"}
    assert list(lines) == ["Koblet til tilbud", "Tilbud etablert", "Gjennomført"]
    koblet = lines["Koblet til tilbud"]
    hidden = viewer.time.pipeline_per_quarter().xs("koblet", level="trinn")["skjult"].to_numpy()
    assert np.isnan(np.asarray(koblet.y, dtype=float)[hidden]).all() and not koblet.connectgaps
    # Q2 2025: hidden as a complement (":"); Q1 2026: one business ("<3")
    assert [row[1] for row in koblet.customdata[hidden]] == [":", "<3"]
    marks = next(trace for trace in fig.data if trace.mode == "text")
    # the foot of each quarter with a hidden point: Q1 2025 (etablert, one business), Q2 2025, Q1 2026
    assert list(marks.text) == ["<3", ":", "<3"] and list(marks.y) == [0] * len(marks.text)


def test_pipeline_and_offer_figures(coordinator):
    fig = trends.pipeline_per_quarter(coordinator.time.pipeline_per_quarter(), "en", "Source: x", "Steps per quarter")
    assert [trace.name for trace in fig.data] == ["Linked to an offer", "Offer established", "Completed"]
    assert list(fig.data[1].y) == [0, 1, 1, 0, 0, 0, 2, 1]
    offers = coordinator.time.offers_per_semester()
    source = trends.offers_source(coordinator.offers, "nb")
    assert source.startswith("Kilde: HK-dir, søkertall Samordna opptak (2025–2026); lisens ikke bekreftet · ")
    assert "demodata (2025–2027)" in source
    fig = trends.offers_per_semester(offers, "nb", source, "Tilbud per semester", demo=True)
    names = [trace.name for trace in fig.data if trace.type == "bar"]
    assert names == ["Reelle tilbud", "Demotilbud", "Ikke startet ennå"]
    assert list(fig.data[0].x) == ["vår 2025", "høst 2025", "vår 2026", "høst 2026", "vår 2027"]
    assert list(fig.data[0].y) == [0, 2, 0, 1, 0] and list(fig.data[2].y) == [0, 0, 0, 1, 1]
    assert list(fig.data[-1].text) == ["1", "2", "0", "2", "1"]
    assert any("DEMO-DATA" in a.text for a in fig.layout.annotations)


def test_panels_and_key_figures_for_a_page(viewer, coordinator):
    figures = trends.since_key_figures(coordinator, date(2026, 9, 1))
    assert [(label, value) for label, value, *_ in figures] == [
        ("Nye behov", "2"),
        ("Koblet til tilbud", "3"),
        ("Kurs etablert", "2"),
        ("Behov gjennomført", "0"),
    ]
    assert "Antall behov: 3." in figures[2][2]
    hidden = trends.since_key_figures(viewer, date(2025, 12, 1))
    assert [value for _, value, *_ in hidden] == ["<3", "<3", "0", "0"]
    assert [item[3] for item in figures[1:]] == [None, None, None]
    panels = trends.panels(viewer)
    assert [p.key for p in panels] == ["trend_behov", "trend_trinn", "trend_tilbud"]
    table = panels[0].table
    assert list(table.columns) == ["Kvartal", "Namdalen", "Trøndelag sør", "Fosen", "Utenfor pilot", "Sum"]
    total = viewer.time.needs_per_quarter_totals()["behov"].iloc[0]  # 10, perturbed for viewers (cell key method)
    assert abs(total - 10) <= 2
    assert table.iloc[0].tolist()[-1] == f"{total:.0f}" and "<3" in table.iloc[0].tolist()
    # Q1 2025: Trøndelag sør is a complement, outside the pilot one business; sums: Q2 2025 a complement,
    # Q1 2026 one business
    assert table.iloc[0]["Trøndelag sør"] == ":" and table.iloc[0]["Utenfor pilot"] == "<3"
    sums = viewer.time.needs_per_quarter_totals()["behov"]  # 10, –, 9, 9, – perturbed
    assert table["Sum"].tolist() == [f"{sums.iloc[0]:.0f}", ":", f"{sums.iloc[2]:.0f}", f"{sums.iloc[3]:.0f}", "<3"]
    assert "«<3»" in panels[0].note
    # Q1 2025's Trøndelag sør and Q2 2025's total are complements: the note explains ":" too
    assert panels[0].note.endswith(" «:»: skjult for at et lite tall ikke skal kunne regnes ut av summen.")
    # the pipeline chart has both kinds of hidden point: both marks are explained
    assert (
        "«<3»: færre enn 3 bedrifter, tallet vises ikke. «:»: skjult for at et lite tall ikke skal kunne regnes ut "
        "av summen." in panels[1].note
    )


# --- the briefing step ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def county(needs, offers):
    return briefings.build_briefing("Trøndelag", needs, offers, made=TODAY, since=date(2026, 9, 1), min_businesses=0)


def test_since_step_finding_figures_and_chart_come_from_the_records(county):
    step = county.step("siden_sist")
    assert county.steps[-1] is step and step.title == "Siden sist"
    assert step.finding == "Siden 01.09.2026: 2 nye behov, 3 koblet til tilbud, 2 kurs etablert."
    assert [(k.label, k.value) for k in step.key_figures] == [
        ("Nye behov", "2"),
        ("Koblet til tilbud", "3"),
        ("Kurs etablert", "2"),
    ]
    assert step.key_figures[2].comparison == "for 3 behov, siden 01.09.2026"
    chart = step.main.content
    assert chart.kind == "column" and chart.demo is False
    assert chart.categories[0] == "1. kv. 2025" and chart.categories[-1] == "4. kv. 2026 (hittil)"
    values = {s.name: s.values for s in chart.series}
    assert values["Nye behov"] == (4, 2, 0, 2, 0, 0, 4, 0)
    assert values["Koblet til tilbud"] == (2, 2, 0, 0, 1, 0, 3, 0)
    assert values["Tilbud etablert"] == (0, 1, 1, 0, 0, 0, 2, 1)
    assert values["Gjennomført"] == (0, 0, 0, 1, 0, 0, 0, 0)


def test_since_step_is_protected_in_a_handed_out_briefing(offers):
    protected = briefings.build_briefing("Trøndelag", viewer_needs(), offers, made=TODAY, since=date(2025, 12, 1))
    step = protected.step("siden_sist")
    assert [k.value for k in step.key_figures] == ["<3", "<3", "0"]
    assert step.finding == "Siden 01.12.2025: <3 nye behov, <3 koblet til tilbud, 0 kurs etablert."
    chart = step.main.content
    new = dict(zip(chart.categories, chart.series[0].values, strict=True))
    assert new["1. kv. 2026"] is None and new["3. kv. 2025"] == 9  # a one-business quarter is "<3"
    assert "«<3»" in chart.note
    assert charts.to_plotly(chart).data[0].text[4] == "<3"


def test_since_step_default_date_and_english(needs, offers):
    english = briefings.build_briefing("Trøndelag", needs, offers, language="en", made=TODAY, min_businesses=0)
    step = english.step("siden_sist")
    assert step.title == "Since last time"
    assert step.finding == "Since 27 Aug 2026: 3 new needs, 3 matched to an offer, 2 courses established."


def test_since_slide_has_a_native_column_chart(county, tmp_path):
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE

    presentation = Presentation(deck.write_pptx(county, tmp_path / "b.pptx"))
    slide = next(s for s in presentation.slides if s.shapes.title.text_frame.text == "Trøndelag: Siden sist")
    chart = next(shape.chart for shape in slide.shapes if shape.has_chart)
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert list(chart.plots[0].categories) == [
        "1. kv. 2025",
        "2. kv. 2025",
        "3. kv. 2025",
        "4. kv. 2025",
        "1. kv. 2026",
        "2. kv. 2026",
        "3. kv. 2026",
        "4. kv. 2026 (hittil)",
    ]
    assert [s.name for s in chart.plots[0].series] == [
        "Nye behov",
        "Koblet til tilbud",
        "Tilbud etablert",
        "Gjennomført",
    ]
    assert list(chart.plots[0].series[0].values) == [4, 2, 0, 2, 0, 0, 4, 0]
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    assert "Siden 01.09.2026: 2 nye behov, 3 koblet til tilbud, 2 kurs etablert." in texts


# --- the default data and the app ----------------------------------------------------------------------------


@pytest.mark.parametrize("place", [Filters(), Filters(delregioner=("Namdalen",)), Filters(kommuner=("5043",))])
def test_default_data_trends_are_protected_for_viewers(place):
    needs, offers = kd.load_needs(), kd.load_offers()
    assert needs["koblet_dato"].notna().any()  # the default data has the dates each step was reached
    view = View(needs, offers, ViewKey(filters=place, audience=Audience.viewer(), today=TODAY))
    view.time.needs_per_quarter()
    view.time.pipeline_per_quarter()
    view.time.since(default_since(TODAY))
    problems = [f"{what}: {p}" for what, pr in view.protections for p in testing.disclosure_violations(pr)]
    assert len(view.protections) == 3 and problems == []
    # Coordinators: each dated step counts once, in the quarter of its date.
    coordinator = View(needs, offers, ViewKey(filters=place, today=TODAY))
    steps = coordinator.time.pipeline_per_quarter()["behov"].unstack("trinn")
    dated = coordinator.needs[list(DATES)].notna().sum()
    assert steps[list(STEPS)].sum().tolist() == dated.tolist()


def test_presentation_step_six_counts_since_the_date_in_the_url():
    from app_support import rendered

    needs = kd.load_needs()
    namdalen = needs[
        needs["kommunenummer"].astype(str).isin(kd.load_municipalities().query("delregion == 'Namdalen'").index)
    ]
    app = rendered("app_pages/presentasjon.py", profil="Namdalen", steg="6", siden="2026-09-01")
    assert app.title[0].value == "Namdalen: Siden sist"
    shown = {m.label: m.value for m in app.metric}
    new = int((namdalen["registrert"] >= "2026-09-01").sum())
    matched = int((namdalen["koblet_dato"] >= "2026-09-01").sum())
    assert shown["Nye behov"] == format_number(new) and shown["Koblet til tilbud"] == format_number(matched)
    assert any(f"Siden 01.09.2026: {new} nye behov" in str(element.proto) for element in app.get("html"))


def test_overview_counts_since_the_date_in_the_url_and_writes_a_new_date_back():
    from app_support import run_app

    needs = kd.load_needs()
    app = run_app(siden="2026-09-01")
    shown = {m.label: m.value for m in app.metric}
    assert shown["Nye behov"] == format_number(int((needs["registrert"] >= "2026-09-01").sum()))
    assert shown["Koblet til tilbud"] == format_number(int((needs["koblet_dato"] >= "2026-09-01").sum()))
    picker = next(d for d in app.date_input if d.label == "Siden (for eksempel forrige forum)")
    assert picker.value == date(2026, 9, 1)
    picker.set_value(date(2026, 6, 1)).run()
    assert app.query_params["siden"] == "2026-06-01"
    shown = {m.label: m.value for m in app.metric}
    assert shown["Nye behov"] == format_number(int((needs["registrert"] >= "2026-06-01").sum()))
    assert not app.exception
