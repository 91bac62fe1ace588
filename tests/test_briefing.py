"""Briefings: content, PowerPoint deck, standalone HTML (no outside requests), PNG names, CLI."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest

import kompilot_data as kd
from kompilot_data.cli import main
from kompilot_data.i18n import format_number
from kompilot_data.present import briefing as briefings
from kompilot_data.present import deck, handout

MADE = date(2026, 11, 27)


@pytest.fixture(scope="module")
def namdalen():
    return briefings.build_briefing("Namdalen", kd.load_needs(), kd.load_offers(), made=MADE)


def test_content_has_the_regions_numbers(namdalen):
    municipalities = kd.load_municipalities()
    members = municipalities.index[municipalities["delregion"] == "Namdalen"]
    needs = kd.load_needs()
    region_needs = needs[needs["kommunenummer"].isin(members)]
    figures = {label: value for _, label, value in namdalen.key_figures}
    assert figures["Befolkning"] == format_number(municipalities.loc[members, "befolkning"].sum())
    assert figures["Behov"] == format_number(len(region_needs))
    assert figures["Bedrifter"] == format_number(region_needs["bedrift_id"].nunique())
    assert [f.slug for f in namdalen.figures][:2] == ["kart", "befolkning"]
    assert namdalen.demo and namdalen.file_stem("kart") == "namdalen_kart_2026-11-27"
    assert any("Kilde: SSB, tabell 07459" in s for s in namdalen.sources)
    assert any(
        s.startswith("Beregnet av kompilot fra demodata") and s.endswith("(2024–2027)") for s in namdalen.sources
    )


def test_records_source_says_demo_only_for_demo_records():
    from kompilot_data.present.figures import records_source

    needs, offers = kd.load_needs(), kd.load_offers()
    assert records_source("nb", needs, offers).endswith("Kilde: demodata (2024–2027)")
    real = needs.assign(demo=False)
    assert records_source("nb", real) == (
        "Beregnet av kompilot fra registrerte behov og tilbud (2024–2026) – ikke offisiell statistikk."
    )
    assert records_source("en", real.head(0)) == (
        "Computed by kompilot from registered needs and offers – not official statistics."
    )


def test_small_municipality_is_suppressed():
    leka = briefings.build_briefing("5052", kd.load_needs(), kd.load_offers(), made=MADE)
    figures = {label: value for _, label, value in leka.key_figures}
    assert figures["Bedrifter"] == "<3" and figures["Behov"] == "<3"
    assert not [f for f in leka.figures if f.step == "behov"]


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references = []

    def handle_starttag(self, tag, attrs):
        self.references += [value for name, value in attrs if name in ("src", "href") and value]


def test_html_is_standalone(namdalen, tmp_path):
    path = handout.write_html(namdalen, tmp_path / "b.html")
    text = path.read_text(encoding="utf-8")
    parser = _References()
    parser.feed(text)
    assert parser.references == []  # no <script src>, <link href>, <img src>, <a href>
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "<h1>Namdalen</h1>" in text and "DEMO-DATA" in text
    assert text.count('class="plotly-graph-div"') == len(namdalen.figures)


@pytest.mark.browser
def test_html_renders_offline_in_chromium(namdalen, tmp_path):
    from browser_support import offline_browser

    path = handout.write_html(namdalen, tmp_path / "b.html")
    with offline_browser() as (page, blocked):
        page.route("file://**", lambda route: route.continue_())
        page.goto(path.as_uri())
        page.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {len(namdalen.figures)}",
            timeout=30_000,
        )
        page.screenshot(path=tmp_path / "html.png", full_page=True)
    assert [u for u in blocked if not u.startswith("file:")] == []


@pytest.mark.browser
def test_pptx_opens_with_the_expected_slides(namdalen, tmp_path):
    from pptx import Presentation

    path = deck.write_pptx(namdalen, tmp_path / "b.pptx")
    presentation = Presentation(path)
    texts = [
        " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for slide in presentation.slides
    ]
    key_slides = len({step for step, _, _ in namdalen.key_figures})
    assert len(presentation.slides) == 1 + key_slides + len(namdalen.figures) + len(namdalen.tables) + 1
    assert "Namdalen" in texts[0] and "27.11.2026" in texts[0] and "DEMO-DATA" in texts[0]
    population = next(v for _, label, v in namdalen.key_figures if label == "Befolkning")
    assert population in texts[1] and "Situasjonen" in texts[1]
    pictures = [shape for slide in presentation.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == len(namdalen.figures)
    assert pictures[0].image.size[0] > 100_000 / 100  # a real PNG, not an empty image
    assert texts[-1].startswith("Kilder")


@pytest.mark.browser
def test_cli_writes_deck_html_and_named_pngs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KOMPILOT_DATA_DIR", str(tmp_path / "ingen-database"))
    assert main(["briefing", "--region", "røros", "--out", str(tmp_path / "ut")]) == 0
    out = capsys.readouterr().out
    today = date.today().isoformat()
    assert f"roros_briefing_{today}.pptx" in out and f"roros_briefing_{today}.html" in out
    pngs = sorted(p.name for p in (tmp_path / "ut" / "png").iterdir())
    assert f"roros_kart_{today}.png" in pngs
    assert (tmp_path / "ut" / "png" / f"roros_kart_{today}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Data: innebygde demodata" in out
