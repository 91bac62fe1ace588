"""Briefings for regional forums: the same content as the presentation mode, as PowerPoint and standalone HTML.

``build_briefing`` gathers key figures, figures (plain plotly figures from :mod:`kompilot_data.present.figures`),
tables and sources for one sub-region or municipality. ``write_pptx``, ``write_html`` and ``write_pngs``
turn it into files that need no internet: charts become PNG through kaleido (which drives the
installed Chromium), and the HTML carries plotly.js inline.
"""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path

import pandas as pd

from kompilot_data.access import MIN_BUSINESSES, SUPPRESSED, suppress_table
from kompilot_data.engine import indicators, pooling
from kompilot_data.engine.reach import DEFAULT_RADIUS_KM, active_offers, compute_reach, open_needs
from kompilot_data.engine.supply import demand_supply, needs_matched_share, white_spots
from kompilot_data.i18n import format_date, format_number, format_percent, t
from kompilot_data.present import figures
from kompilot_data.reference import SUBREGIONS, load_municipalities, source_line, taxonomy

STEPS = ("situasjon", "behov", "tilbud", "gap", "kursmuligheter")
STEP_TITLES = {
    "situasjon": {"nb": "Situasjonen", "en": "The situation"},
    "behov": {"nb": "Kompetansebehov", "en": "Competence needs"},
    "tilbud": {"nb": "Tilbud innen rekkevidde", "en": "Offers within reach"},
    "gap": {"nb": "Gap og hvite flekker", "en": "Gaps and white spots"},
    "kursmuligheter": {"nb": "Kursmuligheter", "en": "Course opportunities"},
}
SLIDE_SIZE = (1600, 900)


@dataclass
class Figure:
    step: str
    slug: str
    title: str
    figure: object  # plotly Figure


@dataclass
class Table:
    step: str
    title: str
    frame: pd.DataFrame


@dataclass
class Briefing:
    """Everything a speaker shows about one region, in one language."""

    region: str
    region_name: str
    language: str
    made: date
    demo: bool
    key_figures: list[tuple[str, str, str]] = field(default_factory=list)  # (step, label, value)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    pngs: dict[str, bytes] = field(default_factory=dict, repr=False)

    def file_stem(self, what: str) -> str:
        """e.g. ``namdalen_briefing_2026-11-27`` (region_indicator_date)."""
        return file_stem(self.region_name, what, self.made)

    def for_step(self, step: str):
        return (
            [k for k in self.key_figures if k[0] == step],
            [f for f in self.figures if f.step == step],
            [t_ for t_ in self.tables if t_.step == step],
        )


def file_stem(region_name: str, what: str, made: date) -> str:
    """File names for a region's files: ``region_indicator_date``, e.g. ``namdalen_kart_2026-11-27``."""
    text = region_name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return f"{re.sub(r'[^a-z0-9]+', '-', text).strip('-')}_{what}_{made:%Y-%m-%d}"


def build_briefing(
    region: str,
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    language: str = "nb",
    radius_km: float = DEFAULT_RADIUS_KM,
    min_class: int = pooling.DEFAULT_MIN_CLASS,
    min_businesses: int = MIN_BUSINESSES,
    made: date | None = None,
) -> Briefing:
    """Build the briefing for a sub-region (e.g. ``"Namdalen"``) or a municipality (kommunenummer).

    ``needs`` and ``offers`` are all records (filtered as wanted, but not by place: reach decides
    which offers count). Cells built on fewer than ``min_businesses`` businesses are suppressed,
    since a briefing is handed out.
    """
    municipalities = load_municipalities()
    codes = indicators.region_codes(region)
    name = region if region in SUBREGIONS else str(municipalities.at[region, "navn"])
    nb = language == "nb"
    region_needs = needs[needs["kommunenummer"].isin(codes).to_numpy()]
    active = active_offers(offers)
    reach = compute_reach(active, radius_km)
    briefing = Briefing(region, name, language, made or date.today(), bool(needs["demo"].any() or offers["demo"].any()))
    few = region_needs["bedrift_id"].nunique() < min_businesses

    def value(number, decimals=0):
        return SUPPRESSED if few else format_number(number, language, decimals)

    # 1. Situation: SSB figures against the county, and the map.
    profile, county = indicators.area_profile(codes), indicators.area_profile()
    vs = t("county", language)
    briefing.key_figures += [
        ("situasjon", t("ind_befolkning", language), format_number(profile["befolkning"], language)),
        (
            "situasjon",
            t("ind_befolkningsendring", language),
            f"{format_percent(profile['endring_befolkning_2020'], language, 1)} ({vs} "
            f"{format_percent(county['endring_befolkning_2020'], language, 1)})",
        ),
        (
            "situasjon",
            t("ind_hoyere_utdanning", language),
            f"{format_percent(profile['andel_hoyere_utdanning'], language, 1)} ({vs} "
            f"{format_percent(county['andel_hoyere_utdanning'], language, 1)})",
        ),
        (
            "situasjon",
            "Innbyggere i sentralitetsklasse 5–6" if nb else "Inhabitants in centrality class 5–6",
            format_percent(profile["andel_sentralitet_5_6"], language),
        ),
    ]
    table = indicators.municipality_table(needs, active, radius_km)
    briefing.figures.append(
        Figure(
            "situasjon",
            "kart",
            t("ind_delregion", language),
            figures.static_map(table, "delregion", language, highlight=codes),
        )
    )
    briefing.figures.append(
        Figure(
            "situasjon",
            "befolkning",
            t("population_trend", language),
            figures.population_trend(
                {name: indicators.population_index(codes), t("county", language): indicators.population_index()},
                language,
            ),
        )
    )

    # 2. Needs.
    open_demand = open_needs(region_needs)
    briefing.key_figures += [
        ("behov", t("kpi_businesses", language), value(region_needs["bedrift_id"].nunique())),
        ("behov", t("kpi_needs", language), value(len(region_needs))),
        ("behov", t("kpi_participants", language), value(region_needs["antall_deltakere"].sum())),
        ("behov", "Åpne behov (kartlagt/koblet)" if nb else "Open needs (mapped/linked)", value(len(open_demand))),
    ]
    if not few:
        counts = figures.count_by(
            region_needs, "kompetanseomrade", "kompetanseomrade", language, "antall_deltakere", min_businesses
        )
        counts = counts[counts.isna() | (counts > 0)]
        briefing.figures.append(
            Figure(
                "behov",
                "behov_omrade",
                t("by_area", language),
                figures.bar_counts(
                    counts, language, t("participants", language), figures.records_source(language, region_needs)
                ),
            )
        )
        briefing.figures.append(
            Figure(
                "behov",
                "meglingslop",
                t("pipeline", language),
                figures.funnel_by_region(region_needs, language, min_businesses),
            )
        )

    # 3. Offers within reach of the region.
    groups = pd.Series(name, index=codes)
    reachable = reach.reachable[municipalities.index.get_indexer(codes)].any(axis=0)
    in_reach = active[reachable]
    briefing.key_figures += [
        ("tilbud", t("ind_tilbud_innen_rekkevidde", language), format_number(len(in_reach), language)),
        ("tilbud", t("seats", language), format_number(in_reach["kapasitet"].sum(), language)),
        ("tilbud", t("online", language), format_number(in_reach["lat"].isna().sum(), language)),
    ]
    if len(in_reach):
        seats = figures.count_by(in_reach, "kompetanseomrade", "kompetanseomrade", language, "kapasitet")
        briefing.figures.append(
            Figure(
                "tilbud",
                "tilbud_omrade",
                t("by_area", language),
                figures.bar_counts(
                    seats[seats > 0],
                    language,
                    t("seats", language),
                    figures.records_source(language, offers=in_reach),
                    colour="#E69F00",
                ),
            )
        )

    # 4. Gaps and white spots.
    per_area = demand_supply(region_needs, active, ("region", "kompetanseomrade"), reach=reach, groups=groups)
    per_area = per_area.droplevel(0) if len(per_area) else per_area
    matched = needs_matched_share(region_needs, active, reach=reach)
    briefing.key_figures.append(
        ("gap", t("kpi_matched", language), SUPPRESSED if few else format_percent(matched, language))
    )
    if len(per_area):
        per_area.loc[per_area["bedrifter"] < min_businesses, "ettersporsel"] = float("nan")
        briefing.figures.append(
            Figure(
                "gap",
                "ettersporsel_tilbud",
                f"{t('demand', language)} / {t('supply', language)}",
                figures.demand_supply_bars(per_area, language, figures.records_source(language, region_needs, active)),
            )
        )
    spots = white_spots(region_needs, active, reach=reach)
    if len(spots):
        spots = suppress_table(spots, "bedrifter", ["ettersporsel", "behov"], min_businesses)
        areas = taxonomy.labels("kompetanseomrade", language)
        briefing.tables.append(
            Table(
                "gap",
                t("white_spots", language),
                pd.DataFrame(
                    {
                        t("filter_municipality", language): spots["kommune"],
                        t("filter_area", language): spots["kompetanseomrade"].map(areas),
                        t("kpi_participants", language): spots["ettersporsel"].map(
                            lambda v: v if isinstance(v, str) else format_number(v, language)
                        ),
                        t("kpi_businesses", language): spots["bedrifter"],
                    }
                ).head(12),
            )
        )

    # 5. Course opportunities.
    pools = pooling.course_opportunities(
        region_needs, active, radius_km=radius_km, min_class=min_class, reach=reach, language=language
    )
    pools = pools[pools["bedrifter"] >= min_businesses]
    briefing.key_figures.append(
        (
            "kursmuligheter",
            "Forslag som når minste klasse" if nb else "Proposals reaching the minimum class",
            f"{int(pools['min_klasse_naadd'].sum())} / {len(pools)}",
        )
    )
    if len(pools):
        briefing.tables.append(
            Table(
                "kursmuligheter",
                t("tab_pools", language),
                pd.DataFrame(
                    {
                        ("Forslag" if nb else "Proposal"): pools["beskrivelse"],
                        ("Form" if nb else "Mode"): pools["foreslaatt_form"],
                        t("min_class_reached", language): pools["min_klasse_naadd"].map(
                            {True: "ja" if nb else "yes", False: "nei" if nb else "no"}
                        ),
                    }
                ).head(8),
            )
        )

    briefing.sources = [
        source_line("kommuner", language, 2024),
        source_line("befolkning", language, "2020–2026"),
        source_line("utdanning", language, 2025),
        source_line("geometri", language, 2024),
        source_line("studiesteder", language),
        figures.records_source(language, needs, active),
        t("reach_note", language, radius=int(radius_km)),
    ]
    return briefing


# --- files ------------------------------------------------------------------------------------


def figure_png(figure, width: int = SLIDE_SIZE[0], height: int = SLIDE_SIZE[1], scale: float = 1.0) -> bytes:
    """A plotly figure as PNG at presentation resolution (kaleido + the installed Chromium; offline)."""
    import warnings

    import plotly.graph_objects as go

    large = go.Figure(figure)
    large.update_layout(font={"size": 18})  # readable from the back of the room
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "kopts ignored" when a kaleido server runs
        return large.to_image(format="png", width=width, height=height, scale=scale)


@contextmanager
def png_renderer():
    """Keep one headless Chromium for all PNGs (about 0.2 s a chart instead of 2.5 s)."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        yield
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def briefing_pngs(briefing: Briefing) -> dict[str, bytes]:
    """Every chart of the briefing as PNG, rendered once and kept on the briefing."""
    if not briefing.pngs:
        with png_renderer():
            briefing.pngs = {item.slug: figure_png(item.figure) for item in briefing.figures}
    return briefing.pngs


def write_pngs(briefing: Briefing, folder: Path | str) -> list[Path]:
    """Every chart as PNG named region_indicator_date.png."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for slug, png in briefing_pngs(briefing).items():
        path = folder / f"{briefing.file_stem(slug)}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths


def write_pptx(briefing: Briefing, path: Path | str) -> Path:
    """A 16:9 PowerPoint deck: title, one section per step (key figures, charts, tables), sources."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)
    blank = deck.slide_layouts[6]
    width, height = deck.slide_width, deck.slide_height
    nb = briefing.language == "nb"

    def text_box(slide, text, left, top, box_width, box_height, size=20, bold=False, colour="1B2733"):
        frame = slide.shapes.add_textbox(left, top, box_width, box_height).text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size, paragraph.font.bold = Pt(size), bold
            paragraph.font.color.rgb = RGBColor.from_string(colour)
        return frame

    def new_slide(title: str):
        slide = deck.slides.add_slide(blank)
        text_box(slide, title, Emu(457200), Emu(228600), width - Emu(914400), Emu(700000), size=30, bold=True)
        if briefing.demo:
            text_box(
                slide,
                "DEMO-DATA" if nb else "DEMO DATA",
                width - Emu(2400000),
                Emu(228600),
                Emu(2000000),
                Emu(400000),
                size=14,
                bold=True,
                colour="B35900",
            )
        return slide

    slide = deck.slides.add_slide(blank)
    text_box(slide, "Kompetansepilot Trøndelag", Emu(685800), Emu(1600000), width - Emu(1371600), Emu(800000), size=24)
    text_box(
        slide, briefing.region_name, Emu(685800), Emu(2300000), width - Emu(1371600), Emu(1200000), size=48, bold=True
    )
    subtitle = f"{'Situasjon, behov, tilbud og gap' if nb else 'Situation, needs, offers and gaps'} · {format_date(briefing.made, briefing.language)}"
    if briefing.demo:
        subtitle += "\n" + t("demo_badge", briefing.language)
    text_box(slide, subtitle, Emu(685800), Emu(3600000), width - Emu(1371600), Emu(1400000), size=18)

    for step in STEPS:
        key_figures, step_figures, step_tables = briefing.for_step(step)
        title = STEP_TITLES[step][briefing.language]
        if key_figures:
            slide = new_slide(title)
            box_width = (width - Emu(914400)) // max(len(key_figures), 1)
            for i, (_, label, value) in enumerate(key_figures):
                left = Emu(457200) + box_width * i
                text_box(
                    slide,
                    value,
                    left,
                    Emu(2200000),
                    box_width - Emu(100000),
                    Emu(900000),
                    size=32,
                    bold=True,
                    colour="00509E",
                )
                text_box(slide, label, left, Emu(3200000), box_width - Emu(100000), Emu(1200000), size=16)
        for item in step_figures:
            slide = new_slide(f"{title}: {item.title}")
            png = briefing_pngs(briefing)[item.slug]
            picture_height = height - Emu(1100000)
            slide.shapes.add_picture(BytesIO(png), Emu(457200), Emu(950000), height=picture_height)
        for item in step_tables:
            slide = new_slide(f"{title}: {item.title}")
            rows, columns = len(item.frame) + 1, len(item.frame.columns)
            shape = slide.shapes.add_table(
                rows, columns, Emu(457200), Emu(1000000), width - Emu(914400), Emu(380000) * rows
            )
            for c, column in enumerate(item.frame.columns):
                shape.table.cell(0, c).text = str(column)
            for r, record in enumerate(item.frame.itertuples(index=False), start=1):
                for c, cell in enumerate(record):
                    shape.table.cell(r, c).text = str(cell)
                    shape.table.cell(r, c).text_frame.paragraphs[0].font.size = Pt(12)
    slide = new_slide("Kilder" if nb else "Sources")
    text_box(
        slide,
        "\n".join(briefing.sources),
        Emu(457200),
        Emu(1100000),
        width - Emu(914400),
        height - Emu(1500000),
        size=16,
    )
    path = Path(path)
    deck.save(path)
    return path


def write_html(briefing: Briefing, path: Path | str) -> Path:
    """A standalone HTML file: interactive charts with plotly.js inline, no external requests."""
    from plotly.offline import get_plotlyjs

    nb = briefing.language == "nb"
    parts = []
    config = {"displaylogo": False, "responsive": True}
    for step in STEPS:
        key_figures, step_figures, step_tables = briefing.for_step(step)
        parts.append(f"<section><h2>{html.escape(STEP_TITLES[step][briefing.language])}</h2>")
        if key_figures:
            parts.append(
                '<div class="kpis">'
                + "".join(
                    f'<div class="kpi"><div class="value">{html.escape(v)}</div><div class="label">{html.escape(label)}</div></div>'
                    for _, label, v in key_figures
                )
                + "</div>"
            )
        for item in step_figures:
            parts.append(f"<h3>{html.escape(item.title)}</h3>")
            parts.append(item.figure.to_html(full_html=False, include_plotlyjs=False, config=config))
        for item in step_tables:
            parts.append(f"<h3>{html.escape(item.title)}</h3>" + item.frame.to_html(index=False, escape=True, border=0))
        parts.append("</section>")
    demo = f'<p class="demo">{html.escape(t("demo_badge", briefing.language))}</p>' if briefing.demo else ""
    document = f"""<!DOCTYPE html>
<html lang="{"nb" if nb else "en"}"><head><meta charset="utf-8">
<title>Kompetansepilot Trøndelag – {html.escape(briefing.region_name)}</title>
<style>
body {{ font-family: Arial, sans-serif; color: #1B2733; max-width: 1200px; margin: 2em auto; padding: 0 1em; }}
h1 {{ font-size: 2.4em; margin-bottom: 0.1em; }} h2 {{ border-bottom: 3px solid #00509E; padding-bottom: 0.2em; margin-top: 2em; }}
.kpis {{ display: flex; gap: 1.5em; flex-wrap: wrap; }} .kpi {{ background: #F2F5F8; padding: 1em; min-width: 12em; }}
.kpi .value {{ font-size: 1.8em; font-weight: bold; color: #00509E; }} .demo {{ background: #FFF3CD; padding: 0.6em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 0.3em 0.8em; border-bottom: 1px solid #DDD; text-align: left; }}
</style>
<script>{get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(briefing.region_name)}</h1>
<p>Kompetansepilot Trøndelag · {format_date(briefing.made, briefing.language)}</p>
{demo}
{"".join(parts)}
<section><h2>{"Kilder" if nb else "Sources"}</h2><ul>{"".join(f"<li>{html.escape(s)}</li>" for s in briefing.sources)}</ul></section>
</body></html>
"""
    path = Path(path)
    path.write_text(document, encoding="utf-8")
    return path


def write_all(briefing: Briefing, folder: Path | str, pngs: bool = True) -> list[Path]:
    """The deck, the HTML file and (optionally) every chart as PNG into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_pptx(briefing, folder / f"{briefing.file_stem('briefing')}.pptx"),
        write_html(briefing, folder / f"{briefing.file_stem('briefing')}.html"),
    ]
    if pngs:
        written += write_pngs(briefing, folder / "png")
    return written
