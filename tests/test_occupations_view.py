"""Needs by confirmed STYRK-08 occupation beside NAV's shortage (issue 27): counts, the join, viewers' protection."""

from __future__ import annotations

import pandas as pd
import pytest

from kompilot_data import load_needs, load_offers
from kompilot_data.reference.tables import load_shortage
from kompilot_data.view import Audience, View, occupations


@pytest.fixture(scope="module")
def records():
    return load_needs(), load_offers()


def _confirmed(needs: pd.DataFrame) -> pd.DataFrame:
    ids = needs["behov_id"].head(5).tolist()
    return pd.DataFrame(
        {"behov_id": [*ids, "FINNES-IKKE"], "styrk": ["2223", "2223 5321", "7212", "7115", None, "2223"]}
    )


def test_needs_are_counted_under_each_confirmed_occupation_beside_navs_figure(records):
    needs, offers = records
    view = View(needs, offers)
    table = occupations.needs_by_occupation(view, _confirmed(needs)).set_index("styrk")
    head = needs.set_index("behov_id").loc[needs["behov_id"].head(2), "antall_deltakere"]
    assert table.at["2223", "behov"] == 2 and table.at["2223", "deltakere"] == head.sum()
    assert table.at["5321", "behov"] == 1 and table.at["7212", "behov"] == 1
    nav = load_shortage().set_index("styrk08")
    assert table.at["2223", "nav_mangel"] == nav.at["2223", "mangel_trondelag"] == 275
    assert table.at["2223", "yrke"] == "Sykepleiere"
    assert set(nav.index) <= set(table.index)  # every NAV occupation is listed, with or without needs
    assert table["behov"].sum() == 5  # the unknown id and the empty confirmation add nothing
    assert list(table["nav_mangel"].dropna()) == sorted(table["nav_mangel"].dropna(), reverse=True)
    assert occupations.confirmed_need_count(view, _confirmed(needs)) == 4


def test_only_needs_under_the_filters_count(records):
    needs, offers = records
    view = View(needs.iloc[1:], offers)  # the first need is not in the selection
    table = occupations.needs_by_occupation(view, _confirmed(needs)).set_index("styrk")
    assert table.at["2223", "behov"] == 1


def test_viewers_do_not_see_counts_resting_on_few_businesses(records):
    needs, offers = records
    table = occupations.needs_by_occupation(View(needs, offers, audience=Audience.viewer()), _confirmed(needs))
    table = table.set_index("styrk")
    assert table.loc[["2223", "5321", "7212", "7115"], "skjult"].all()
    assert table.loc[["2223", "5321", "7212", "7115"], "behov"].isna().all()
    assert table.at["2223", "nav_mangel"] == 275  # NAV's published figure is public
    viewer = View(needs, offers, audience=Audience.viewer())
    assert occupations.confirmed_need_count(viewer, _confirmed(needs)) == 4  # four businesses: shown
    assert occupations.confirmed_need_count(viewer, _confirmed(needs).head(2)) is None  # two: hidden


def test_the_source_names_nav_the_survey_and_the_year():
    assert occupations.shortage_source("nb") == "NAV, Bedriftsundersøkelsen 2017 (Kilde: NAV)"
    assert "2017" in occupations.shortage_source("en")
