"""User text is shown as text (issue 16): an offer's title or provider never becomes HTML in a plotly hover or a
Sankey label, nor Markdown in a record card."""

import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.present import figures, maps, tables
from kompilot_data.present.safe_text import plain

HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
HOSTILE_PROVIDER = "**fet** [lenke](http://x)"
# html.escape of "title – provider": <, > and quotes become entities; Markdown means nothing to plotly.
ESCAPED = "&lt;img src=x onerror=alert(1)&gt; – **fet** [lenke](http://x)"


@pytest.fixture(scope="module")
def offers() -> pd.DataFrame:
    offers = kd.load_offers().head(3).copy()
    offers["tittel"] = offers["tittel"].astype(object)
    offers["tilbyder"] = offers["tilbyder"].astype(object)
    offers.loc[offers.index[0], "tittel"] = HOSTILE_TITLE
    offers.loc[offers.index[0], "tilbyder"] = HOSTILE_PROVIDER
    return offers


def _texts(fig) -> list[str]:
    return [text for trace in fig.data if getattr(trace, "text", None) is not None for text in list(trace.text)]


def test_offer_timeline_hover_escapes_title_and_provider(offers):
    fig = figures.offers_timeline(offers, "nb", title="Tilbud")
    texts = _texts(fig)
    assert ESCAPED in texts
    assert not any("<img" in text for text in texts)


def test_offer_map_hover_escapes_title_and_provider(offers):
    placed = offers.assign(lon=11.0, lat=64.0)
    fig = maps.offer_map(kd.load_municipalities(), placed, "nb", title="Tilbud")
    texts = [t for trace in fig.data if trace.type == "scattermap" for t in trace.text]
    assert ESCAPED in texts
    assert not any("<img" in text for text in texts)


def test_sankey_labels_escape_the_provider(offers):
    needs = kd.load_needs().head(1).assign(kompetanseomrade="helse")
    best = pd.DataFrame({"behov_id": needs["behov_id"].tolist(), "tilbud_id": [offers["tilbud_id"].iloc[0]]})
    fig = figures.sankey_area_provider(best, needs, offers, "nb", title="Flyt")
    assert list(fig.data[0].node.label) == ["Helse og omsorg", HOSTILE_PROVIDER]  # no HTML in it: unchanged
    evil = offers.assign(tilbyder=HOSTILE_TITLE)
    fig = figures.sankey_area_provider(best, needs, evil, "nb", title="Flyt")
    assert list(fig.data[0].node.label) == ["Helse og omsorg", "&lt;img src=x onerror=alert(1)&gt;"]


def test_record_card_markdown_shows_user_text_as_written(offers):
    from ui.design import record_card_markdown

    pairs = tables.record_card(offers.iloc[0], "nb", kind="offers")
    assert ("Tittel", HOSTILE_TITLE) in pairs and ("Tilbyder", HOSTILE_PROVIDER) in pairs
    markdown = "\n".join(record_card_markdown(pairs))
    assert f"- **Tittel:** {plain(HOSTILE_TITLE)}" in markdown
    assert f"- **Tilbyder:** {plain(HOSTILE_PROVIDER)}" in markdown
    assert plain(HOSTILE_TITLE) == r"\<img src=x onerror=alert(1)\>"
    assert plain(HOSTILE_PROVIDER) == "\\*\\*fet\\*\\* \\[lenke\\](http\\:\u200b//x)"
    # the raw text nowhere: an unescaped "<" or "[" would open HTML or a link
    assert f"** {HOSTILE_TITLE}" not in markdown and HOSTILE_PROVIDER not in markdown
