"""Every figure the app builds is valid plotly (issue 24): the app builds its figures unvalidated
(:func:`kompilot_data.present.theme.figure`), so validation happens here, once, instead of on every rerun.

Each page is run in AppTest for a few selections (coordinator and viewer, bokmål and English, a sub-region) and
every plotly figure it sends is passed through ``plotly.graph_objects.Figure`` with validation on.
"""

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from app_support import rendered
from test_app_access import AUTH, COORDINATORS

from kompilot_data.present.theme import figure

PAGES = [
    "app_pages/oversikt.py",
    "app_pages/kart.py",
    "app_pages/behov.py",
    "app_pages/tilbud.py",
    "app_pages/mismatch.py",
    "app_pages/region.py",
    "app_pages/presentasjon.py",
]
VIEWER = {"user": {"is_logged_in": False}, "secrets": {"auth": AUTH, "kompilot": COORDINATORS}}
SELECTIONS = {
    "koordinator": {},
    "leser, Namdalen, en": {**VIEWER, "region": "Namdalen", "lang": "en"},
}


def as_sent(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def sent_figures(app) -> list[dict]:
    """The plotly figures of a rendered page, as the browser receives them."""
    return [json.loads(element.proto.spec) for element in app.get("plotly_chart")]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("selection", SELECTIONS)
def test_every_figure_the_app_builds_is_valid(page, selection):
    app = rendered(page, **SELECTIONS[selection])
    figures = sent_figures(app)
    if page != "app_pages/presentasjon.py":
        assert figures, f"{page} sent no figure"
    for spec in figures:
        spec.pop("config", None)
        validated = go.Figure(spec)  # raises ValueError on any property plotly does not know
        # ... and what the browser got is what validation would have sent (e.g. no colour scale left by name)
        assert as_sent(validated) == as_sent(go.Figure(spec, _validate=False))


def test_named_colour_scales_are_written_out():
    heatmap = figure({"type": "heatmap", "z": [[1, 2]], "colorscale": "PuOr_r"})
    assert as_sent(heatmap) == as_sent(go.Figure(heatmap.to_dict()))
    assert heatmap.data[0].colorscale[0] == (0.0, "rgb(45,0,75)")


def test_validation_catches_what_the_app_does_not_check():
    unchecked = figure([{"type": "bar", "x": [1], "y": [2], "colour": "red"}], {"heigth": 300})
    with pytest.raises(ValueError, match=r"colour|heigth"):
        go.Figure(unchecked.to_dict())
