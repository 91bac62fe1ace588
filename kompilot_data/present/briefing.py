"""Briefings for regional forums: what a presenter shows about one region, as data.

``build_briefing`` computes, through the engine, six :class:`Step` s – situation, needs, offers, gaps,
course opportunities, and what changed since the last forum (through a viewer's View) – each with a one-line finding, headline figures (with the county comparison in words
and their source), one main chart (and sometimes more), tables, speaker notes and sources. The writers turn
it into files: :mod:`~kompilot_data.present.deck` (PowerPoint with native charts and a vector map, no
browser), :mod:`~kompilot_data.present.handout` (one offline HTML file) and :mod:`~kompilot_data.present.png`
(PNGs through kaleido and Chromium). The presentation page shows the same steps.

Labelling: real statistics (SSB) carry "Kilde: SSB, tabell …" with the year and never a demo tag; everything
computed from demo needs or offers is flagged ``demo`` and carries the demo tag where it is shown. Cells built
on fewer than ``min_businesses`` businesses are suppressed ("<3"), since a briefing is handed out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from kompilot_data.access import MIN_BUSINESSES, SUPPRESSED, suppress_table
from kompilot_data.engine import indicators, pooling
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting, active_offers, compute_reach, open_needs
from kompilot_data.engine.supply import aggregate, catchment, needs_matched_share, white_spots
from kompilot_data.i18n import format_date, format_number, format_percent, t
from kompilot_data.present import charts, vector_map
from kompilot_data.present.charts import Chart, Series
from kompilot_data.present.figures import NEUTRAL, OKABE_ITO, STATUS_COLOURS, records_source
from kompilot_data.present.vector_map import VectorMap
from kompilot_data.reference import load_municipalities, resolve_region, source_line, taxonomy

STEPS = ("situasjon", "behov", "tilbud", "gap", "kursmuligheter", "siden_sist")
SLIDE_SIZE = (1600, 900)
MAX_ROWS = 7  # table rows on a screen or slide (long area names wrap at 1366 px)
MAX_BARS = 10  # proposals in the step 5 chart
SHORT_COLOUR, SURPLUS_COLOUR = "#E66100", "#5D3A9B"  # more participants than seats / more seats
REACHED_COLOUR, NOT_REACHED_COLOUR = "#009E73", "#9A9A9A"
SINCE_QUARTERS = 8  # quarters in the "since last time" chart: two years up to the briefing's day
NEW_NEEDS_COLOUR = NEUTRAL  # new needs beside the pipeline steps, which keep the funnel's purple steps


def step_title(step: str, language: str) -> str:
    return t(f"step_{step}", language)


STEP_TITLES = {step: {lang: step_title(step, lang) for lang in ("nb", "en")} for step in STEPS}


@dataclass(frozen=True)
class KeyFigure:
    """A headline figure: ``value`` under ``label``; ``comparison`` on its own line, in words
    (e.g. "Trøndelag: 4,4 %"); ``source`` for real statistics; ``demo`` when computed from demo records."""

    label: str
    value: str
    comparison: str = ""
    source: str = ""
    demo: bool = False


@dataclass
class Figure:
    """A chart (:class:`~kompilot_data.present.charts.Chart`) or the map
    (:class:`~kompilot_data.present.vector_map.VectorMap`), drawn as plotly on demand."""

    slug: str
    content: Chart | VectorMap

    @property
    def title(self) -> str:
        return self.content.title

    @property
    def demo(self) -> bool:
        return self.content.demo

    @property
    def source(self) -> str:
        return self.content.source

    @property
    def is_map(self) -> bool:
        return isinstance(self.content, VectorMap)

    def plotly(self, height: int | None = None, footer: bool = True):
        """A new plotly figure (safe to change; the briefing may be cached); ``footer=False`` leaves the
        source line out, for pages that set it as text."""
        if self.is_map:
            return vector_map.to_plotly(self.content, height, footer)
        return charts.to_plotly(self.content, height, footer)

    @property
    def footer(self) -> str:
        """The note (if any) and the source line, as set under the figure."""
        return self.content.source if self.is_map else self.content.footer

    @property
    def figure(self):
        return self.plotly()


@dataclass
class Table:
    """A table ready to show: ``frame`` holds the rows listed (labels in the briefing's language);
    ``caption`` says how they were chosen (e.g. "De 8 største av 13")."""

    slug: str
    title: str
    frame: pd.DataFrame
    caption: str
    source: str
    demo: bool


@dataclass
class Step:
    key: str
    title: str
    finding: str
    key_figures: list[KeyFigure] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)  # the first is the main chart
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # definitions, for speaker notes
    sources: list[str] = field(default_factory=list)
    finding_demo: bool = False

    @property
    def demo(self) -> bool:
        """Whether anything on this step is computed from demo records."""
        return (
            self.finding_demo
            or any(k.demo for k in self.key_figures)
            or any(f.demo for f in self.figures)
            or any(t_.demo for t_ in self.tables)
        )

    @property
    def main(self) -> Figure | None:
        return self.figures[0] if self.figures else None


@dataclass
class Briefing:
    """Everything a speaker shows about one region, in one language."""

    region: str
    region_name: str
    language: str
    made: date
    demo: bool
    steps: list[Step] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    pngs: dict[str, bytes] = field(default_factory=dict, repr=False)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.steps for f in s.figures]

    @property
    def tables(self) -> list[Table]:
        return [t_ for s in self.steps for t_ in s.tables]

    def file_stem(self, what: str) -> str:
        """e.g. ``namdalen_briefing_2026-11-27`` (region_indicator_date)."""
        return file_stem(self.region_name, what, self.made)

    @property
    def subtitle(self) -> str:
        return f"{t('briefing_subtitle', self.language)} · {format_date(self.made, self.language)}"


def file_stem(region_name: str, what: str, made: date) -> str:
    """File names for a region's files: ``region_indicator_date``, e.g. ``namdalen_kart_2026-11-27``."""
    text = region_name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return f"{re.sub(r'[^a-z0-9]+', '-', text).strip('-')}_{what}_{made:%Y-%m-%d}"


def signed_percent(share: float, language: str, decimals: int = 1) -> str:
    """A change as "+4,4 %" / "−0,3 %" (never an arrow)."""
    text = format_percent(share, language, decimals)
    return text if text.startswith(("−", "–")) or share == 0 else f"+{text}"


def reach_words(setting: ReachSetting, language: str) -> str:
    """ "innen 90 min" / "within 90 km", from the reach setting the figures were computed with."""
    return t(f"within_{setting.unit}", language, limit=format_number(setting.limit, language))


def _demo(frame: pd.DataFrame | None) -> bool:
    return frame is not None and len(frame) > 0 and bool(frame["demo"].any())


def _shown_of(shown: int, total: int, language: str) -> str:
    return (
        t("shown_all", language, total=total) if shown >= total else t("shown_of", language, shown=shown, total=total)
    )


def build_briefing(
    region: str,
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    language: str = "nb",
    reach: ReachSetting | None = None,
    min_class: int = pooling.DEFAULT_MIN_CLASS,
    min_businesses: int = MIN_BUSINESSES,
    made: date | None = None,
    since: date | None = None,
) -> Briefing:
    """Build the briefing for a sub-region (``"Namdalen"``), a municipality (``"5007"``, ``"Namsos"``) or the
    county (``"Trøndelag"``); any spelling :func:`~kompilot_data.reference.resolve_region` accepts.

    ``needs`` and ``offers`` are all records (filtered as wanted, but not by place: every need competes
    for the seats, and reach decides which offers count). Cells built on fewer than ``min_businesses``
    businesses are suppressed, since a briefing is handed out. ``since`` starts the "since last time" step
    (default: :func:`~kompilot_data.view.default_since` of ``made``).
    """
    setting = reach or DEFAULT_REACH
    municipalities = load_municipalities()
    resolved = resolve_region(region)
    region, name, codes = resolved.key, resolved.name, list(resolved.codes)
    region_needs = needs[needs["kommunenummer"].isin(codes).to_numpy()]
    active = active_offers(offers)
    reached = compute_reach(active, setting)
    shared = catchment(needs, active, reached)  # every need competes for the seats; the region is a view of it
    briefing = Briefing(region, name, language, made or date.today(), _demo(needs) or _demo(offers))
    few = region_needs["bedrift_id"].nunique() < min_businesses
    within = reach_words(setting, language)
    context = dict(
        name=name,
        language=language,
        within=within,
        min_businesses=min_businesses,
        few=few,
    )
    briefing.steps = [
        _situation(codes, municipalities, region, **context),
        _needs(region_needs, _demo(region_needs) if len(region_needs) else _demo(needs), **context),
        _offers(codes, active, reached, **context),
        _gaps(codes, region_needs, active, shared, **context),
        _course_opportunities(region_needs, active, reached, min_class, _demo(needs), **context),
        _since_last(needs, offers, codes, since, briefing.made, _demo(region_needs), **context),
    ]
    briefing.sources = list(dict.fromkeys(s for step in briefing.steps for s in step.sources))
    return briefing


# --- 1. The situation: real statistics (SSB), and the map ---------------------------------------------


def _situation(codes, municipalities, region, *, name, language, within, min_businesses, few) -> Step:
    profile, county = indicators.area_profile(codes), indicators.area_profile()
    county_name = t("county", language)
    population_year = int(municipalities["befolkning_aar"].iloc[0])
    education_year = int(municipalities["utdanning_aar"].iloc[0])
    population_source = source_line("befolkning", language, population_year)
    change_source = source_line("befolkning", language, f"2020–{population_year}")
    education_source = source_line("utdanning", language, education_year)
    centrality_source = t("kf_centrality_source", language, year=population_year)
    share_5_6 = format_percent(profile["andel_sentralitet_5_6"], language)
    change = signed_percent(profile["endring_befolkning_2020"], language)
    county_change = signed_percent(county["endring_befolkning_2020"], language)
    key_figures = [
        KeyFigure(
            t("ind_befolkning", language),
            format_number(profile["befolkning"], language),
            f"{county_name}: {format_number(county['befolkning'], language)}",
            population_source,
        ),
        KeyFigure(t("ind_befolkningsendring", language), change, f"{county_name}: {county_change}", change_source),
        KeyFigure(
            t("ind_hoyere_utdanning", language),
            format_percent(profile["andel_hoyere_utdanning"], language, 1),
            f"{county_name}: {format_percent(county['andel_hoyere_utdanning'], language, 1)}",
            education_source,
        ),
        KeyFigure(
            t("kf_centrality_5_6", language),
            share_5_6,
            f"{county_name}: {format_percent(county['andel_sentralitet_5_6'], language)}",
            centrality_source,
        ),
    ]
    finding = t("finding_situasjon", language, share=share_5_6, change=change, county=county_change)
    # The county's briefing has one line (its name is the county's).
    trend = {name: indicators.population_index(codes), county_name: indicators.population_index()}
    years = [str(y) for y in trend[name].index]
    population_chart = Chart(
        "line",
        t("population_trend", language),
        tuple(years),
        tuple(
            Series(series_name, tuple(float(v) for v in values.reindex(trend[name].index)), colour)
            for (series_name, values), colour in zip(trend.items(), (OKABE_ITO[0], "#8C8C8C"), strict=False)
        ),
        t("index_2020", language),
        change_source,
        language,
        decimals=1,
    )
    the_map = vector_map.centrality_map(t("map_centrality", language), language, region)
    return Step(
        "situasjon",
        step_title("situasjon", language),
        finding,
        key_figures,
        [Figure("kart", the_map), Figure("befolkning", population_chart)],
        notes=[t("note_situasjon", language, population_year=population_year, education_year=education_year)],
        sources=list(dict.fromkeys([*(k.source for k in key_figures), the_map.source, population_chart.source])),
    )


# --- 2. Needs ---------------------------------------------------------------------------------------


def _needs(region_needs, demo, *, name, language, within, min_businesses, few) -> Step:
    source = records_source(language, region_needs)

    def value(number) -> str:
        return SUPPRESSED if few else format_number(number, language)

    open_demand = open_needs(region_needs)
    key_figures = [
        KeyFigure(t("kpi_businesses", language), value(region_needs["bedrift_id"].nunique()), demo=demo),
        KeyFigure(t("kpi_needs", language), value(len(region_needs)), demo=demo),
        KeyFigure(t("kpi_participants", language), value(region_needs["antall_deltakere"].sum()), demo=demo),
        KeyFigure(t("kf_open_needs", language), value(len(open_demand)), demo=demo),
    ]
    step = Step("behov", step_title("behov", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_behov", language, min_businesses=min_businesses)]
    step.sources = [source]
    if few:
        step.finding = t("finding_too_few", language, min_businesses=min_businesses)
        return step
    areas = taxonomy.labels("kompetanseomrade", language)
    grouped = region_needs.groupby("kompetanseomrade", observed=True).agg(
        deltakere=("antall_deltakere", "sum"), bedrifter=("bedrift_id", "nunique")
    )
    grouped = grouped[grouped["deltakere"] > 0]
    shown = suppress_table(grouped, "bedrifter", ["deltakere"], min_businesses)
    known = shown[shown["deltakere"] != SUPPRESSED].sort_values("deltakere", ascending=False, kind="stable")
    hidden = shown[shown["deltakere"] == SUPPRESSED]
    order = [*known.index, *hidden.index]
    total = int(region_needs["antall_deltakere"].sum())
    if len(known):
        top = known.index[0]
        people = int(known.at[top, "deltakere"])
        step.finding = t(
            "finding_behov",
            language,
            area=areas[top],
            people=format_number(people, language),
            total=format_number(total, language),
            share=format_percent(people / total, language),
        )
    step.figures.append(
        Figure(
            "behov_omrade",
            Chart(
                "bar",
                t("chart_needs_by_area", language),
                tuple(areas[a] for a in order),
                (
                    Series(
                        t("participants", language),
                        tuple(None if a in hidden.index else float(known.at[a, "deltakere"]) for a in order),
                        OKABE_ITO[0],
                    ),
                ),
                t("participants", language),
                source,
                language,
                demo=demo,
                note=t("suppressed_note", language, min_businesses=min_businesses) if len(hidden) else "",
            ),
        )
    )
    from kompilot_data.present.figures import FUNNEL_STAGES, stage_counts

    stages = taxonomy.labels("behov_status", language)
    counts = stage_counts(region_needs)
    step.figures.append(
        Figure(
            "meglingslop",
            Chart(
                "bar",
                t("chart_pipeline", language),
                tuple(stages[s] for s in FUNNEL_STAGES),
                (Series(t("count_needs", language), tuple(float(counts[s]) for s in FUNNEL_STAGES), OKABE_ITO[2]),),
                t("count_needs", language),
                source,
                language,
                demo=demo,
            ),
        )
    )
    return step


# --- 3. Offers within reach ----------------------------------------------------------------------------


def _offers(codes, active, reached, *, name, language, within, min_businesses, few) -> Step:
    rows = reached.municipalities.get_indexer(codes)
    columns = reached.offer_ids.get_indexer(active["tilbud_id"])
    in_reach = active[reached.reachable[rows][:, columns].any(axis=0)]
    demo = _demo(in_reach)
    source = records_source(language, offers=in_reach)
    seats = int(in_reach["kapasitet"].sum())
    key_figures = [
        KeyFigure(t("ind_tilbud_innen_rekkevidde", language), format_number(len(in_reach), language), demo=demo),
        KeyFigure(t("kf_seats_in_offers", language), format_number(seats, language), demo=demo),
        KeyFigure(t("online", language), format_number(int(in_reach["lat"].isna().sum()), language), demo=demo),
    ]
    step = Step("tilbud", step_title("tilbud", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_tilbud", language, reach=t("reach_explained", language, within=within))]
    step.sources = [source]
    if not len(in_reach):
        step.finding = t("finding_no_offers", language, within=within)
        return step
    areas = taxonomy.labels("kompetanseomrade", language)
    by_area = in_reach.groupby("kompetanseomrade", observed=True).agg(
        plasser=("kapasitet", "sum"), tilbud=("tilbud_id", "size")
    )
    by_area = by_area[by_area["plasser"] > 0].sort_values("plasser", ascending=False, kind="stable")
    top = by_area.index[0]
    step.finding = t(
        "finding_tilbud",
        language,
        area=areas[top],
        seats=format_number(by_area.at[top, "plasser"], language),
        offers=format_number(by_area.at[top, "tilbud"], language),
        within=within,
    )
    step.figures.append(
        Figure(
            "tilbud_omrade",
            Chart(
                "bar",
                t("chart_seats_by_area", language, within=within),
                tuple(areas[a] for a in by_area.index),
                (Series(t("seats", language), tuple(float(v) for v in by_area["plasser"]), OKABE_ITO[1]),),
                t("seats", language),
                source,
                language,
                demo=demo,
            ),
        )
    )
    return step


# --- 4. Gaps and white spots ---------------------------------------------------------------------------


def _gaps(codes, region_needs, active, shared, *, name, language, within, min_businesses, few) -> Step:
    demo = _demo(shared.needs) or _demo(active)
    source = records_source(language, region_needs, active)
    places = list(codes)
    areas = taxonomy.labels("kompetanseomrade", language)
    municipalities = load_municipalities()
    per_area = aggregate(shared, ("fylke", "kompetanseomrade"), places=places)
    per_area = per_area.droplevel(0) if len(per_area) else per_area
    spots = white_spots(shared, places=places)
    cells = aggregate(shared, ("kommunenummer", "kompetanseomrade"), places=places)
    cells = cells[cells["ettersporsel"] > 0]
    matched = needs_matched_share(shared, places=places)
    shortfall = per_area[(per_area["gap"] > 0.5) & (per_area["bedrifter"] >= min_businesses)]
    key_figures = [
        KeyFigure(t("kpi_matched", language), SUPPRESSED if few else format_percent(matched, language), demo=demo),
        KeyFigure(t("kf_white_spots", language), format_number(len(spots), language), demo=demo),
        KeyFigure(
            t("kf_areas_short", language),
            SUPPRESSED if few else f"{len(shortfall)} / {len(per_area[per_area['ettersporsel'] > 0])}",
            demo=demo,
        ),
    ]
    step = Step("gap", step_title("gap", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_gap", language, reach=t("reach_explained", language, within=within))]
    step.sources = [source]
    if few or not len(per_area):
        step.finding = t("finding_too_few", language, min_businesses=min_businesses)
        return step

    # Chart: demand and shared supply per area, largest gap first; areas with too few businesses last, hidden.
    visible = per_area[per_area["bedrifter"] >= min_businesses].sort_values("gap", ascending=False, kind="stable")
    hidden = per_area[(per_area["bedrifter"] < min_businesses) & (per_area["ettersporsel"] > 0)]
    order = [*visible.index, *hidden.index]
    if len(visible) and visible["gap"].iloc[0] > 0.5:
        top = visible.index[0]
        step.finding = t(
            "finding_gap",
            language,
            area=areas[top],
            demand=format_number(visible.at[top, "ettersporsel"], language),
            supply=format_number(visible.at[top, "tilbud_fordelt"], language),
            within=within,
        )
    elif len(visible):
        lowest = visible.sort_values("dekning", kind="stable").index[0]
        step.finding = t(
            "finding_no_gap",
            language,
            within=within,
            area=areas[lowest],
            demand=format_number(visible.at[lowest, "ettersporsel"], language),
            supply=format_number(visible.at[lowest, "tilbud_fordelt"], language),
        )
    gaps = tuple(None if a in hidden.index else float(per_area.at[a, "gap"]) for a in order)
    step.figures.append(
        Figure(
            "gap_omrade",
            Chart(
                "bar",
                t("chart_gap", language),
                tuple(areas[a] for a in order),
                (
                    Series(
                        t("gap_series", language),
                        gaps,
                        SHORT_COLOUR,
                        tuple(SURPLUS_COLOUR if g is not None and g < 0 else SHORT_COLOUR for g in gaps),
                    ),
                ),
                t("gap_axis", language),
                source,
                language,
                demo=demo,
                note=t("suppressed_note", language, min_businesses=min_businesses) if len(hidden) else "",
                legend=((t("gap_short", language), SHORT_COLOUR), (t("gap_surplus", language), SURPLUS_COLOUR)),
            ),
        )
    )

    # Table: municipality × area with more demand than shared seats, largest gap first; white spots marked.
    spot_keys = set(zip(spots["kommunenummer"].astype(str), spots["kompetanseomrade"].astype(str), strict=True))
    table = cells.reset_index()
    table["kommunenummer"] = table["kommunenummer"].astype(str)
    table["kompetanseomrade"] = table["kompetanseomrade"].astype(str)
    table["hvit_flekk"] = [
        (c, a) in spot_keys for c, a in zip(table["kommunenummer"], table["kompetanseomrade"], strict=True)
    ]
    table = table[(table["gap"] > 0.5) | table["hvit_flekk"]]
    marked = suppress_table(table, "bedrifter", ["ettersporsel", "gap"], min_businesses)
    small = marked["bedrifter"] == SUPPRESSED
    # Suppressed cells stay listed only as white spots (the place and area are no secret; the numbers are).
    listed = pd.concat(
        [marked[~small].sort_values("gap", ascending=False, kind="stable"), marked[small & marked["hvit_flekk"]]]
    )
    left_out = int((small & ~marked["hvit_flekk"]).sum())
    rows = listed.head(MAX_ROWS)
    white = t("white_spot", language)

    def seats_text(row) -> str:
        return white if row.hvit_flekk else format_number(row.tilbud_fordelt, language)

    def number_text(value) -> str:
        return value if isinstance(value, str) else format_number(value, language)

    frame = pd.DataFrame(
        {
            t("filter_municipality", language): rows["kommunenummer"].map(municipalities["navn"]).to_numpy(),
            t("filter_area", language): rows["kompetanseomrade"].map(areas).to_numpy(),
            t("participants", language): [number_text(v) for v in rows["ettersporsel"]],
            t("seats_shared", language): [seats_text(r) for r in rows.itertuples()],
            t("gap_column", language): [number_text(v) for v in rows["gap"]],
        }
    )
    caption = _shown_of(len(rows), len(listed), language)
    if left_out:
        caption += " " + t("cells_left_out", language, n=left_out, min_businesses=min_businesses)
    if len(listed):
        step.tables.append(Table("gap_kommune", t("table_gaps", language), frame, caption, source, demo))
    else:
        step.tables.append(
            Table("gap_kommune", t("table_gaps", language), frame, t("no_gaps", language, within=within), source, demo)
        )
    return step


# --- 5. Course opportunities ------------------------------------------------------------------------------


def _course_opportunities(
    region_needs, active, reached, min_class, demo, *, name, language, within, min_businesses, few
):
    source = records_source(language, region_needs)
    pools = pooling.course_opportunities(region_needs, active, reach=reached, min_class=min_class, language=language)
    small = int((pools["bedrifter"] < min_businesses).sum())
    pools = pools[pools["bedrifter"] >= min_businesses].reset_index(drop=True)
    reached_count = int(pools["min_klasse_naadd"].sum())
    key_figures = [
        KeyFigure(t("kf_proposals", language), format_number(len(pools), language), demo=demo),
        KeyFigure(
            t("kf_min_class", language, min_class=min_class),
            format_number(reached_count, language),
            t("of_proposals", language, total=len(pools)),
            demo=demo,
        ),
        KeyFigure(
            t("kf_pool_participants", language), format_number(int(pools["deltakere"].sum()), language), demo=demo
        ),
    ]
    step = Step("kursmuligheter", step_title("kursmuligheter", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_kursmuligheter", language, min_class=min_class, within=within)]
    step.sources = [source]
    if small:
        step.notes.append(t("pools_left_out", language, n=small, min_businesses=min_businesses))
    if not len(pools):
        step.finding = t("finding_no_pools", language)
        return step
    areas = taxonomy.labels("kompetanseomrade", language)
    levels = taxonomy.labels("niva", language)
    top = pools.iloc[0]
    step.finding = t(
        "finding_kursmuligheter",
        language,
        reached=reached_count,
        total=len(pools),
        min_class=min_class,
        area=areas[top["kompetanseomrade"]],
        host=top["vert"],
        people=format_number(top["deltakere"], language),
    )
    shown = pools.head(MAX_BARS)
    place_names = load_municipalities()["navn"]
    labels = tuple(
        f"{areas[a]} · {t('level_short_' + lv, language)} – {place_names.get(str(code), code)}"
        for a, lv, code in zip(shown["kompetanseomrade"], shown["niva"], shown["vert_kommunenummer"], strict=True)
    )
    note = _shown_of(len(shown), len(pools), language)
    if small:
        note += " " + t("pools_left_out", language, n=small, min_businesses=min_businesses)
    step.figures.append(
        Figure(
            "kursmuligheter",
            Chart(
                "bar",
                t("chart_pools", language),
                labels,
                (
                    Series(
                        t("participants", language),
                        tuple(float(v) for v in shown["deltakere"]),
                        REACHED_COLOUR,
                        tuple(REACHED_COLOUR if r else NOT_REACHED_COLOUR for r in shown["min_klasse_naadd"]),
                    ),
                ),
                t("participants", language),
                source,
                language,
                demo=demo,
                reference=(float(min_class), t("min_class_line", language, min_class=min_class)),
                note=note,
                legend=(
                    (t("min_class_reached", language), REACHED_COLOUR),
                    (t("min_class_not_reached", language), NOT_REACHED_COLOUR),
                ),
            ),
        )
    )
    rows = pools.head(MAX_ROWS)
    yes, no = t("yes", language), t("no", language)
    frame = pd.DataFrame(
        {
            t("proposal", language): [
                f"{areas[a]} · {levels[lv].lower()}"
                for a, lv in zip(rows["kompetanseomrade"], rows["niva"], strict=True)
            ],
            t("host", language): rows["vert"].to_numpy(),
            t("participants", language): [format_number(v, language) for v in rows["deltakere"]],
            t("kpi_businesses", language): [format_number(v, language) for v in rows["bedrifter"]],
            t("mode_suggested", language): [_mode(v, language) for v in rows["foreslaatt_form"]],
            t("min_class_reached", language): [yes if v else no for v in rows["min_klasse_naadd"]],
        }
    )
    step.tables.append(
        Table(
            "kursmuligheter", t("tab_pools", language), frame, _shown_of(len(rows), len(pools), language), source, demo
        )
    )
    return step


# --- 6. Since last time: what changed since the last forum (issue 10 §4) ---------------------------------------


def _since_last(needs, offers, codes, since, made, demo, *, name, language, within, min_businesses, few) -> Step:
    """New needs, needs matched, courses established and completed since ``since``, and the last
    :data:`SINCE_QUARTERS` quarters as columns; counted and protected by a viewer's View of the region."""
    from kompilot_data.filters import Filters
    from kompilot_data.view import STAGE_DATES, Audience, View, ViewKey, default_since

    since = since or default_since(made)
    view = View(
        needs,
        offers,
        ViewKey(
            filters=Filters(kommuner=tuple(codes)),
            audience=Audience.viewer(min_businesses),
            language=language,
            today=made,
        ),
    )
    region_needs = view.needs
    source = records_source(language, region_needs)
    day = format_date(since, language)
    counts = view.since(since)

    def shown(event: str, column: str = "behov") -> str:
        value = counts.at[event, column]
        return SUPPRESSED if pd.isna(value) else format_number(value, language)

    caption = t("since_caption", language, date=day)
    undated = view.undated_steps()

    def caveat(text: str, step_code: str) -> str:
        """``text``, and how many needs reached the step without a date for it (counted nowhere)."""
        missing = undated_words(undated, step_code, language)
        return f"{text} · {missing}" if missing else text

    key_figures = [
        KeyFigure(t("since_new_needs", language), shown("registrert"), caption, demo=demo),
        KeyFigure(t("since_matched", language), shown("koblet"), caveat(caption, "koblet"), demo=demo),
        KeyFigure(
            t("since_courses", language),
            shown("etablert", "kurs"),
            caveat(t("since_courses_needs", language, needs=shown("etablert"), date=day), "etablert"),
            demo=demo,
        ),
    ]
    step = Step("siden_sist", step_title("siden_sist", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_siden_sist", language, date=day, quarters=SINCE_QUARTERS, min_businesses=min_businesses)]
    step.sources = [source]
    if counts["skjult"].all():
        step.finding = t("finding_siden_sist_hidden", language, date=day, min_businesses=min_businesses)
    else:
        step.finding = t(
            "finding_siden_sist",
            language,
            date=day,
            needs=shown("registrert"),
            matched=shown("koblet"),
            courses=shown("etablert", "kurs"),
        )
    if undated.fillna(1).sum() > 0:
        stages = taxonomy.labels("behov_status", language)
        items = ", ".join(
            f"{stages[k].lower()}: {SUPPRESSED if pd.isna(v) else format_number(v, language)}"
            for k, v in undated.items()
            if pd.isna(v) or v > 0
        )
        step.notes.append(t("trend_undated", language, items=items))

    # The chart: the last quarters up to the briefing's day; a quarter without records has nothing to count.
    last = pd.Timestamp(made).to_period("Q")
    quarters = pd.period_range(last - (SINCE_QUARTERS - 1), last, freq="Q").to_timestamp()
    registered = view.needs_per_quarter_totals().reindex(quarters)
    steps = view.pipeline_per_quarter()
    stages = taxonomy.labels("behov_status", language)

    def values(frame: pd.DataFrame) -> tuple[float | None, ...]:
        """Per chart quarter: the count, None when hidden ("<3"), 0 for a quarter without records."""
        frame = frame.reindex(quarters)
        hidden = frame["skjult"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        return tuple(None if h else float(0 if pd.isna(v) else v) for v, h in zip(frame["behov"], hidden, strict=True))

    series = [Series(t("series_new_needs", language), values(registered), NEW_NEEDS_COLOUR)]
    for stage in STAGE_DATES:
        part = steps.xs(stage, level="trinn") if len(steps) else pd.DataFrame(columns=["behov", "skjult"])
        series.append(Series(stages[stage], values(part), STATUS_COLOURS[stage]))
    labels = [_quarter_label(q, language) for q in quarters]
    if made < (quarters[-1] + pd.offsets.QuarterEnd(0)).date():
        labels[-1] = t("quarter_so_far", language, quarter=labels[-1])
    hidden_any = any(v is None for s in series for v in s.values)
    since_quarter = _quarter_label(pd.Timestamp(since).to_period("Q").to_timestamp(), language)
    note = t("since_last_quarters", language, quarters=SINCE_QUARTERS, date=day, quarter=since_quarter)
    if hidden_any:
        note += " " + t("suppressed_note", language, min_businesses=min_businesses)
    step.figures.append(
        Figure(
            "siden_sist",
            Chart(
                "column",
                t("chart_since", language),
                tuple(labels),
                tuple(series),
                t("count_needs", language),
                source,
                language,
                demo=demo,
                note=note,
            ),
        )
    )
    return step


def undated_words(undated: pd.Series, step: str, language: str) -> str:
    """ "38 uten dato telles ikke" when needs reached ``step`` with no date for it (``View.undated_steps``;
    NaN = hidden, "<3"); "" when there are none."""
    value = undated.get(step, 0)
    if not pd.isna(value) and value == 0:
        return ""
    return t("since_undated", language, n=SUPPRESSED if pd.isna(value) else format_number(value, language))


def _quarter_label(quarter, language: str) -> str:
    return t("quarter_label", language, q=pd.Timestamp(quarter).quarter, year=pd.Timestamp(quarter).year)


def _mode(value: str, language: str) -> str:
    return t("mode_gathering" if "samling" in str(value) else "mode_local", language)


def write_all(briefing: Briefing, folder: Path | str, pngs: bool = True, report=print) -> list[Path]:
    """The deck and the HTML file (no browser needed), then every chart as PNG (kaleido and Chromium).

    When Chromium is missing, the PNGs are skipped with a Norwegian message passed to ``report``;
    the deck and the HTML file are written all the same.
    """
    from kompilot_data.present.deck import write_pptx
    from kompilot_data.present.handout import write_html
    from kompilot_data.present.png import ChromiumMissing, write_pngs

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_pptx(briefing, folder / f"{briefing.file_stem('briefing')}.pptx"),
        write_html(briefing, folder / f"{briefing.file_stem('briefing')}.html"),
    ]
    if pngs:
        try:
            written += write_pngs(briefing, folder / "png")
        except ChromiumMissing as error:
            report(str(error))
    return written
