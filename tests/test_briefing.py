"""Briefings: content computed from the data, labels that tell real from demo, the PowerPoint deck (title
placeholders, native charts, a freeform map, speaker notes), the offline HTML file, the language, and the CLI
with and without Chromium."""

import os
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.cli import main
from kompilot_data.engine.disclosure import SUPPRESSED
from kompilot_data.engine.reach import compute_reach
from kompilot_data.engine.supply import aggregate, catchment, supply_offers
from kompilot_data.present import briefing as briefings
from kompilot_data.present import charts, deck, handout, vector_map
from kompilot_data.present.charts import Chart, Series
from kompilot_data.reference import taxonomy
from kompilot_data.reference.i18n import format_number, format_percent

MADE = date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def records():
    return kd.load_needs(), kd.load_offers()


@pytest.fixture(scope="module")
def namdalen(records):
    return briefings.build_briefing("Namdalen", *records, made=MADE)


@pytest.fixture(scope="module")
def english(records):
    return briefings.build_briefing("Namdalen", *records, language="en", made=MADE)


@pytest.fixture(scope="module")
def namdalen_deck(namdalen, tmp_path_factory):
    from pptx import Presentation

    return Presentation(deck.write_pptx(namdalen, tmp_path_factory.mktemp("deck") / "b.pptx"))


def figures_of(step):
    return {k.label: k for k in step.key_figures}


def members(region: str) -> list[str]:
    municipalities = kd.load_municipalities()
    return list(municipalities.index[municipalities["delregion"] == region])


def number(text: str) -> float:
    """A number as the briefing writes it (thin spaces between thousands)."""
    return float(str(text).replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", "."))


# --- content -------------------------------------------------------------------------------------------


def test_situation_is_real_statistics_with_source_and_year(namdalen):
    municipalities = kd.load_municipalities()
    codes = members("Namdalen")
    situation = namdalen.step("situasjon")
    kf = figures_of(situation)
    assert kf["Befolkning"].value == format_number(municipalities.loc[codes, "befolkning"].sum())
    assert kf["Befolkning"].comparison == f"Trøndelag: {format_number(municipalities['befolkning'].sum())}"
    year = int(municipalities["befolkning_aar"].iloc[0])
    assert kf["Befolkning"].source == f"Kilde: SSB, tabell 07459 ({year})"
    change = municipalities.loc[codes, "befolkning"].sum() / municipalities.loc[codes, "befolkning_2020"].sum() - 1
    county = municipalities["befolkning"].sum() / municipalities["befolkning_2020"].sum() - 1
    sign = "+" if change > 0 else ""
    assert kf["Befolkningsendring siden 2020"].value == sign + format_percent(change, "nb", 1)
    assert kf["Befolkningsendring siden 2020"].comparison == f"Trøndelag: +{format_percent(county, 'nb', 1)}"
    assert kf["Andel med høyere utdanning (16 år+)"].source.startswith("Kilde: SSB, tabell 09429 (")
    # Real statistics never carry the demo tag; the comparison is words on its own line, not an arrow.
    assert not situation.demo and not any(k.demo for k in situation.key_figures)
    assert all(k.comparison.startswith("Trøndelag: ") for k in situation.key_figures)
    assert not any(ch in k.value + k.comparison for k in situation.key_figures for ch in "↑↓▲▼")
    assert situation.finding.startswith(f"{kf['Innbyggere i sentralitetsklasse 5–6'].value} bor i sentralitetsklasse")
    assert [f.slug for f in situation.figures] == ["kart", "befolkning"]


def _open(needs, offers):
    """Open needs counted straight from the records: kartlagt, and koblet whose linked course has not ended."""
    ended = set(offers.loc[offers["status"].isin(["avsluttet", "avlyst"]), "tilbud_id"].astype(str))
    status = needs["status"].astype(str)
    linked_ended = needs["tilbud_id"].astype("string").fillna("").isin(ended)
    return needs[((status == "kartlagt") | ((status == "koblet") & ~linked_ended)).to_numpy()]


def test_needs_figures_and_finding_come_from_the_records(namdalen, records):
    needs, offers = records
    region_needs = needs[needs["kommunenummer"].isin(members("Namdalen"))]
    open_needs = _open(region_needs, offers)
    step = namdalen.step("behov")
    kf = figures_of(step)
    # Open demand by default; history (every need since 2021) is its own labelled figure, never mixed in. A
    # viewer's briefing: exact figures perturbed with the cell key method (at most ±2).
    assert abs(number(kf["Åpne behov"].value) - len(open_needs)) <= 2
    assert abs(number(kf["Bedrifter med åpne behov"].value) - open_needs["bedrift_id"].nunique()) <= 2
    assert abs(number(kf["Deltakere i åpne behov"].value) - open_needs["antall_deltakere"].sum()) <= 2
    assert abs(number(kf["Behov siden 2021 (alle)"].value) - len(region_needs)) <= 2
    assert len(open_needs) < len(region_needs) - 4
    assert step.demo and all(k.demo and not k.source for k in step.key_figures)
    by_area = open_needs.groupby("kompetanseomrade", observed=True)["antall_deltakere"].sum()
    labels = taxonomy.labels("kompetanseomrade", "nb")
    chart = step.main.content
    area, shown_top, shown_total = re.match(
        r"Flest deltakere: (.+), ([\d\u202f ]+) av ([\d\u202f ]+) \(", step.finding
    ).groups()
    assert chart.categories[0] == area and chart.series[0].values[0] == number(shown_top)
    code = next(c for c, label in labels.items() if label == area)
    assert abs(number(shown_top) - by_area[code]) <= 2 and by_area[code] >= by_area.max() - 4
    assert shown_total == kf["Deltakere i åpne behov"].value
    assert chart.demo and "demodata" in chart.source


def test_gap_finding_and_table_are_sorted_by_unmet_demand(namdalen, records):
    needs, offers = records
    active = supply_offers(offers)
    shared = catchment(_open(needs, offers), active, compute_reach(active, by_study_mode=True))
    per_area = aggregate(shared, ("fylke", "kompetanseomrade"), places=members("Namdalen")).droplevel(0)
    shown = per_area[per_area["bedrifter"] >= 3].sort_values("udekket", ascending=False)
    step = namdalen.step("gap")
    assert shown["udekket"].iloc[0] > 0, "the default data has a shortfall in Namdalen"
    # a viewer's briefing: demand perturbed (cell key method, ±2), apportioned seats scaled with it
    area, demand, seats = re.match(
        r"(.+): ([\d\u202f ]+) deltakere i åpne behov mot ([\d\u202f ]+) fordelte plasser innen 90 min", step.finding
    ).groups()
    top = next(c for c, label in taxonomy.labels("kompetanseomrade", "nb").items() if label == area)
    assert top in shown.index[:2]
    assert abs(number(demand) - shown.at[top, "ettersporsel"]) <= 2
    assert (
        abs(number(seats) - shown.at[top, "tilbud_fordelt"])
        <= 1 + 2 * shown.at[top, "tilbud_fordelt"] / shown.at[top, "ettersporsel"]
    )
    unmet_text = re.search(r"([\d\u202f ]+) mangler plass\.$", step.finding).group(1)
    assert abs(number(unmet_text) - shown.at[top, "udekket"]) <= 3
    # Step 3 quotes the same shared seats for the area with the most seats within reach (issue 20 §3).
    offers_step = namdalen.step("tilbud")
    seats_top = offers_step.main.content.categories[0]
    code = {v: k for k, v in taxonomy.labels("kompetanseomrade", "nb").items()}[seats_top]
    assert f"får utvalget {format_number(per_area.at[code, 'tilbud_fordelt'])} av plassene" in offers_step.finding
    chart = step.main.content
    unmet = [g for g in chart.series[0].values if g is not None]
    assert unmet == sorted(unmet, reverse=True) and chart.categories[0] == area
    table = step.tables[0]
    listed = [int(v.replace("\u202f", "")) for v in table.frame["Udekket"] if v != SUPPRESSED]
    assert listed == sorted(listed, reverse=True) and all(v > 0 for v in listed)
    shown_rows, _ = re.match(r"De (\d+) største av (\d+) vises\.", table.caption).groups()
    assert int(shown_rows) == len(table.frame) <= briefings.MAX_ROWS


def test_course_opportunity_counts_match_what_is_listed(namdalen):
    step = namdalen.step("kursmuligheter")
    kf = figures_of(step)
    total = int(kf["Forslag til kurs"].value)
    reached = int(kf["Når minste klasse (12 deltakere)"].value)
    assert kf["Når minste klasse (12 deltakere)"].comparison == f"av {total} forslag"
    assert step.finding.startswith(f"{reached} av {total} forslag når minste klasse på 12;")
    chart = step.main.content
    bars = len(chart.categories)
    assert bars == min(total, briefings.MAX_BARS)
    expected = f"Alle {total} vises." if bars == total else f"De {bars} største av {total} vises."
    assert chart.note.startswith(expected)
    colours = chart.series[0].point_colours
    values = chart.series[0].values
    assert [c == briefings.REACHED_COLOUR for c in colours] == [v >= 12 for v in values]
    table = step.tables[0]
    assert len(table.frame) == min(total, briefings.MAX_ROWS)


def test_since_last_time_counts_from_three_months_before_the_briefing(namdalen, records):
    needs = records[0]
    region_needs = needs[needs["kommunenummer"].isin(members("Namdalen")).to_numpy()]
    since = pd.Timestamp("2026-08-27")  # three months before MADE, the default "last forum"
    new = int((region_needs["registrert"] >= since).sum())
    matched = int((region_needs["koblet_dato"] >= since).sum())
    established = region_needs[(region_needs["etablert_dato"] >= since).to_numpy()]
    courses = established["tilbud_id"].nunique() + int(established["tilbud_id"].isna().sum())
    step = namdalen.step("siden_sist")
    assert namdalen.steps[-1] is step and step.demo
    values = [k.value for k in step.key_figures]  # needs perturbed for viewers (cell key method, ±2); courses exact
    assert abs(number(values[0]) - new) <= 2 and abs(number(values[1]) - matched) <= 2
    assert values[2] == format_number(courses)
    assert step.finding == (
        f"Siden 27.08.2026: {values[0]} nye behov, {values[1]} koblet til tilbud, {values[2]} kurs etablert."
    )
    chart = step.main.content
    assert chart.kind == "column" and len(chart.categories) == briefings.SINCE_QUARTERS
    assert chart.categories[-1] == "4. kv. 2026 (hittil)"
    third = chart.categories.index("3. kv. 2026")
    quarter = (region_needs["registrert"] >= "2026-07-01") & (region_needs["registrert"] < "2026-10-01")
    assert abs(chart.series[0].values[third] - quarter.sum()) <= 2


def test_small_municipality_is_suppressed(records):
    needs, offers = records
    in_leka = (needs["kommunenummer"] == "5052").to_numpy()
    two = needs.loc[in_leka, "bedrift_id"].unique()[:2]
    needs = needs[~in_leka | needs["bedrift_id"].isin(two).to_numpy()]  # Leka's needs from two businesses
    leka = briefings.build_briefing("5052", needs, offers, made=MADE)
    kf = figures_of(leka.step("behov"))
    assert kf["Bedrifter med åpne behov"].value == SUPPRESSED and kf["Åpne behov"].value == SUPPRESSED
    assert not leka.step("behov").figures
    assert leka.step("behov").finding == "Færre enn 3 bedrifter har meldt behov her, så tallene vises ikke."
    assert leka.region_name == "Leka" and leka.step("situasjon").figures  # real statistics stay


def test_region_names_resolve_like_everywhere_else(records):
    assert briefings.build_briefing("røros", *records, made=MADE).region == "5025"


# --- labels that tell real from demo ---------------------------------------------------------------


def test_demo_tag_is_on_demo_figures_only(namdalen):
    def annotations(item):
        return " ".join(a.text for a in item.plotly().layout.annotations)

    for item in namdalen.figures:
        if item.demo:
            assert "DEMO-DATA" in annotations(item), item.slug
        else:
            assert "DEMO-DATA" not in annotations(item), item.slug
            assert "Kilde: SSB" in annotations(item), item.slug
    assert "© Kartverket" in annotations(namdalen.step("situasjon").main)


def test_chart_model_draws_suppressed_values_as_less_than_three():
    chart = Chart("bar", "T", ("A", "B"), (Series("S", (5.0, None), "#000000"),), "v", "Kilde: x", "nb")
    figure = charts.to_plotly(chart)
    assert list(figure.data[0].text) == ["5", "<3"] and list(figure.data[0].x) == [5.0, 0]


# --- the deck ------------------------------------------------------------------------------------------


def test_every_slide_has_a_title_placeholder(namdalen_deck, namdalen):
    from pptx.enum.shapes import PP_PLACEHOLDER

    titles = []
    for slide in namdalen_deck.slides:
        title = slide.shapes.title
        assert title is not None and title.is_placeholder
        assert title.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)
        assert title.text_frame.text.strip()
        titles.append(title.text_frame.text)
    assert titles[0] == "Namdalen"
    assert titles[1] == "Namdalen: Situasjonen" and titles[-1] == "Kilder"
    for step in namdalen.steps:
        assert f"Namdalen: {step.title}" in titles


def test_deck_charts_are_native_charts(namdalen_deck, namdalen):
    native = {shape.name: shape.chart for slide in namdalen_deck.slides for shape in slide.shapes if shape.has_chart}
    chart_figures = [f for f in namdalen.figures if not f.is_map]
    assert set(native) == {f.title for f in chart_figures}
    assert not [s for slide in namdalen_deck.slides for s in slide.shapes if s.shape_type == 13]  # no pictures
    needs = next(f.content for f in chart_figures if f.slug == "behov_omrade")
    plot = native[needs.title].plots[0]
    # Bars are fed last-first so the first category is on top, as on screen.
    assert list(plot.categories) == list(reversed(needs.categories))
    assert list(plot.series[0].values) == [v or 0 for v in reversed(needs.series[0].values)]


def test_map_is_freeform_shapes_one_per_municipality(namdalen_deck):
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    municipalities = kd.load_municipalities()
    slide = namdalen_deck.slides[1]
    group = next(s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.GROUP)
    freeforms = {s.name: s for s in group.shapes if s.shape_type == MSO_SHAPE_TYPE.FREEFORM}
    for code, row in municipalities.iterrows():
        shape = freeforms[f"{row['navn']} ({code})"]
        expected = vector_map.CENTRALITY_COLOURS[int(row["sentralitetsklasse"]) - 1].lstrip("#")
        assert str(shape.fill.fore_color.rgb) == expected
    outlines = [name for name in freeforms if name.endswith("(omriss)")]
    assert sorted(outlines) == sorted(f"{region} (omriss)" for region in kd.SUBREGIONS)
    assert "Valgt område" in freeforms
    assert len(freeforms) == len(municipalities) + len(kd.SUBREGIONS) + 1


def test_speaker_notes_have_finding_definitions_and_sources(namdalen_deck, namdalen):
    for slide in list(namdalen_deck.slides)[1:-1]:
        title = slide.shapes.title.text_frame.text
        step = next(s for s in namdalen.steps if title == f"Namdalen: {s.title}")
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.startswith(step.finding)
        assert "Definisjoner:" in notes and step.notes[0] in notes
        assert "Kilder:" in notes and all(source in notes for source in step.sources)


def test_demo_tag_on_demo_slides_and_finding_on_every_step_slide(namdalen_deck, namdalen):
    for slide in list(namdalen_deck.slides)[1:-1]:
        title = slide.shapes.title.text_frame.text
        step = next(s for s in namdalen.steps if title == f"Namdalen: {s.title}")
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert step.finding in texts
        tagged = any(s.name == "demo" and s.text_frame.text == "DEMO-DATA" for s in slide.shapes)
        assert tagged == step.demo, title
    assert not namdalen.step("situasjon").demo


def test_english_interface_gives_an_english_deck_and_html(english, tmp_path):
    from pptx import Presentation

    presentation = Presentation(deck.write_pptx(english, tmp_path / "en.pptx"))
    titles = [slide.shapes.title.text_frame.text for slide in presentation.slides]
    assert titles[1] == "Namdalen: The situation" and titles[-1] == "Sources"
    assert "Namdalen: Competence needs" in titles and "Namdalen: Gaps and white spots" in titles
    text = "\n".join(
        shape.text_frame.text for slide in presentation.slides for shape in slide.shapes if shape.has_text_frame
    )
    notes = "\n".join(slide.notes_slide.notes_text_frame.text for slide in presentation.slides)
    for norwegian in ("Kilde:", "Befolkning", "Deltakere", "Situasjonen", "Definisjoner", "innen 90", "DEMO-DATA"):
        assert norwegian not in text + notes, norwegian
    assert "Source: Statistics Norway, table 07459" in text and "DEMO DATA" in text and "Definitions:" in notes
    page = handout.write_html(english, tmp_path / "en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h2>Sources</h2>" in page and "Kilder" not in page
    assert english.step("gap").finding.endswith(("lack a seat.", "No area has more participants"))


# --- the HTML file ---------------------------------------------------------------------------------------


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references = []

    def handle_starttag(self, tag, attrs):
        self.references += [value for name, value in attrs if name in ("src", "href") and value]


def test_html_is_standalone_with_demo_label_at_each_demo_block(namdalen, tmp_path):
    text = handout.write_html(namdalen, tmp_path / "b.html").read_text(encoding="utf-8")
    parser = _References()
    parser.feed(text)
    assert parser.references == []  # no <script src>, <link href>, <img src>, <a href>
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "<h1>Namdalen</h1>" in text and '<html lang="nb">' in text
    assert text.count('class="plotly-graph-div"') == len(namdalen.figures)
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', text, flags=re.S))
    assert 'class="demo"' not in sections["situasjon"]
    for step in namdalen.steps[1:]:
        blocks = (1 if any(k.demo for k in step.key_figures) else 0) + sum(f.demo for f in step.figures)
        blocks += sum(t.demo for t in step.tables) + step.finding_demo
        assert sections[step.key].count('<span class="demo">DEMO-DATA</span>') == blocks, step.key


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
    assert [u for u in blocked if not u.startswith("file:")] == []


# --- the command line ------------------------------------------------------------------------------------


def test_cli_without_chromium_writes_deck_and_html_and_says_why_pngs_are_skipped(tmp_path):
    """A PATH without Chromium: the deck and the HTML are written and the PNGs skipped with a clear message
    (kaleido is never started, so nothing waits for a browser)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "BROWSER_PATH"}
    env.update(PATH=str(empty), KOMPILOT_DATA_DIR=str(tmp_path / "ingen-database"))
    out = tmp_path / "ut"
    result = subprocess.run(
        [sys.executable, "-m", "kompilot_data", "briefing", "--region", "Fosen", "--out", str(out)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    today = date.today().isoformat()
    assert sorted(p.name for p in out.iterdir()) == [f"fosen_briefing_{today}.html", f"fosen_briefing_{today}.pptx"]
    assert (
        "PNG-filene ble hoppet over: fant ikke Chromium, som kaleido trenger for å tegne PNG. "
        "Installer den med «apt-get install chromium» (Debian/Ubuntu)." in result.stdout
    )
    assert "Data: innebygde demodata" in result.stdout


@pytest.mark.browser
def test_cli_writes_deck_html_and_named_pngs(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KOMPILOT_DATA_DIR", str(tmp_path / "ingen-database"))
    assert main(["briefing", "--region", "røros", "--out", str(tmp_path / "ut")]) == 0
    out = capsys.readouterr().out
    today = date.today().isoformat()
    assert f"roros_briefing_{today}.pptx" in out and f"roros_briefing_{today}.html" in out
    pngs = sorted(p.name for p in (tmp_path / "ut" / "png").iterdir())
    assert f"roros_kart_{today}.png" in pngs and len(pngs) >= 5
    assert (tmp_path / "ut" / "png" / f"roros_kart_{today}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "PNG-filene ble hoppet over" not in out
