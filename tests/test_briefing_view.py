"""The briefing shows exactly the protected numbers of the region's View (issue 22): no suppression of its own, so
no total minus the shown cells gives a hidden cell back (the Melhus leak: "Deltakere 301" beside 10 of 11 areas
that add up to 295)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.engine.disclosure import hidden_markers
from kompilot_data.engine.supply import open_demand
from kompilot_data.present import briefing as briefings
from kompilot_data.reference import taxonomy
from kompilot_data.reference.i18n import format_number
from kompilot_data.view import Audience, View, ViewKey, default_since

MADE = date(2026, 11, 27)
MELHUS = "5028"


@pytest.fixture(scope="module")
def records():
    return kd.load_needs(), kd.load_offers()


@pytest.fixture(scope="module")
def melhus(records):
    view = briefings.region_view(MELHUS, *records, today=MADE)
    return view, briefings.briefing(view, MELHUS)


def shown(view: View, value: float) -> str:
    return view.total_mark if pd.isna(value) else format_number(value)


def chart_of(briefing, step: str, slug: str):
    return next(f.content for f in briefing.step(step).figures if f.slug == slug)


def test_the_region_view_is_a_viewers_view_of_the_region(melhus, records):
    view, _ = melhus
    assert view.audience == Audience.viewer() and view.places == [MELHUS] and view.key.today == MADE
    needs = records[0]
    assert len(view.needs) == int((needs["kommunenummer"] == MELHUS).sum())
    # every open need competes for the seats (kartlagt, and koblet whose course has not ended)
    assert len(view.competing_needs) == len(open_demand(needs, records[1]))


def test_needs_key_figures_are_the_views_totals(melhus):
    view, briefing = melhus
    figures = {k.label: k.value for k in briefing.step("behov").key_figures}
    numbers = view.numbers()
    assert figures == {
        "Bedrifter med åpne behov": shown(view, numbers.bedrifter),
        "Åpne behov": shown(view, view.total("apne_behov")),
        "Deltakere i åpne behov": shown(view, numbers.deltakere),
        "Behov siden 2021 (alle)": shown(view, view.total("behov")),
    }
    # 301 exactly for a coordinator; a viewer's total is perturbed as a cell of its own (cell key method); history
    # (all needs since 2021) is never the open figure
    assert abs(view.total("deltakere") - 301) <= 2
    assert numbers.deltakere < view.total("deltakere") - 4


def test_needs_by_area_are_the_views_protected_cells(melhus):
    view, briefing = melhus
    table = view.demand_supply(("fylke", "kompetanseomrade")).droplevel(0).rename(columns={"ettersporsel": "deltakere"})
    chart = chart_of(briefing, "behov", "behov_omrade")
    areas = {label: code for code, label in taxonomy.labels("kompetanseomrade", "nb").items()}
    marks = hidden_markers(table)
    (series,) = chart.series
    for label, value, mark in zip(chart.categories, series.values, series.marks, strict=True):
        code = areas[label]
        if table.at[code, "skjult"]:
            assert value is None and mark == marks[code]
        else:
            assert value == table.at[code, "deltakere"] and mark == ""
    # every area with participants, or hidden, is on the chart
    assert len(chart.categories) == int((table["skjult"] | (table["deltakere"] > 0)).sum())


def test_melhus_hides_a_complement_so_the_hidden_area_cannot_be_recovered(melhus):
    view, briefing = melhus
    (series,) = chart_of(briefing, "behov", "behov_omrade").series
    hidden = [m for m in series.marks if m]
    # Open demand in 9 areas; four rest on fewer than 3 businesses each (never a single hidden area).
    assert len(series.values) == 9 and hidden == ["<3"] * 4
    total = view.numbers().deltakere
    assert format_number(total) == {k.label: k.value for k in briefing.step("behov").key_figures}[
        "Deltakere i åpne behov"
    ]
    visible = sum(v for v in series.values if v is not None)
    assert total - visible > 0  # what is left is the sum of four hidden areas, none of them alone
    assert chart_of(briefing, "behov", "behov_omrade").note == "«<3»: færre enn 3 bedrifter, tallet vises ikke."
    problems = [f"{what}: {p}" for what, protected in view.protections for p in testing.disclosure_violations(protected)]
    assert problems == []


def test_gaps_are_the_views_demand_and_supply(melhus):
    view, briefing = melhus
    per_area = view.demand_supply(("fylke", "kompetanseomrade")).droplevel(0)
    chart = chart_of(briefing, "gap", "gap_omrade")
    areas = {label: code for code, label in taxonomy.labels("kompetanseomrade", "nb").items()}
    series = chart.series[0]  # unmet demand; the second series is the surplus
    for label, value in zip(chart.categories, series.values, strict=True):
        row = per_area.loc[areas[label]]
        assert (value is None) == bool(row["skjult"])
        if value is not None:
            assert value == pytest.approx(row["udekket"])
    kf = {k.label: k.value for k in briefing.step("gap").key_figures}
    assert kf["Hvite flekker (kommune × område uten tilbud)"] == format_number(len(view.white_spots))


def test_pipeline_and_since_come_from_the_view(melhus):
    view, briefing = melhus
    pipeline = view.pipeline("fylke").droplevel(0)
    (series,) = chart_of(briefing, "behov", "meglingslop").series
    expected = tuple(None if h else float(v) for v, h in zip(pipeline["behov"], pipeline["skjult"], strict=True))
    assert series.values == expected
    since = view.time.since(default_since(MADE))
    new_needs = briefing.step("siden_sist").key_figures[0].value
    value = since.at["registrert", "behov"]
    assert new_needs == (hidden_markers(since)["registrert"] if np.isnan(value) else format_number(value))


@pytest.mark.parametrize("region", ["Namdalen", "Fosen", "5043", "Trøndelag"])
def test_every_number_on_a_needs_chart_is_a_visible_cell_of_the_view(records, region):
    view = briefings.region_view(region, *records, today=MADE)
    briefing = briefings.briefing(view, region)
    table = view.demand_supply(("fylke", "kompetanseomrade"))
    visible = set(table.loc[~table["skjult"], "ettersporsel"].astype(float))
    for figure in briefing.step("behov").figures[:1]:
        for series in figure.content.series:
            assert {v for v in series.values if v is not None} <= visible
    assert testing.disclosure_violations(view.protections[0][1]) == []


def test_a_briefing_is_never_built_from_a_coordinators_view(records):
    coordinator = View(*records, ViewKey(audience=Audience.coordinator(), today=MADE)).for_region(
        kd.resolve_region(MELHUS)
    )
    with pytest.raises(ValueError, match="viewer"):
        briefings.briefing(coordinator, MELHUS)
    with pytest.raises(ValueError, match="not of"):
        briefings.briefing(briefings.region_view("Fosen", *records, today=MADE), MELHUS)
