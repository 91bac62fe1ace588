"""Briefings for regional forums: what a presenter shows about one region, built from the region's View.

:func:`briefing` reads every number from a viewer's :class:`~kompilot_data.view.View` of the region (a briefing is
handed out, so it is always protected as for viewers): six :class:`~kompilot_data.present.briefing_model.Step` s –
situation, needs, offers, gaps, course opportunities, and what changed since the last forum – each with a one-line
finding, headline figures (with the county comparison in words and their source), one main chart (and sometimes
more), tables, speaker notes and sources. A cell the View hides shows "<3" (built on fewer than ``min_businesses``
businesses) or ":" (hidden as a complement, so that no total minus the shown cells gives a hidden one back); the
briefing does no suppression of its own. The writers turn it into files: :mod:`~kompilot_data.present.deck`
(PowerPoint with native charts and a vector map, no browser), :mod:`~kompilot_data.present.handout` (one offline
HTML file) and :mod:`~kompilot_data.present.png` (PNGs through kaleido and Chromium). The presentation page shows
the same steps.

Labelling: real statistics (SSB) carry "Kilde: SSB, tabell …" with the year and never a demo tag; everything
computed from demo needs or offers is flagged ``demo`` and carries the demo tag where it is shown.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kompilot_data.engine import pooling
from kompilot_data.engine.disclosure import COMPLEMENTARY, MIN_BUSINESSES, hidden_markers, marker
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting
from kompilot_data.present import vector_map
from kompilot_data.present.briefing_model import Briefing, Figure, KeyFigure, Step, Table, step_title
from kompilot_data.present.charts import Chart, Series
from kompilot_data.present.theme import NEUTRAL, OKABE_ITO, STATUS_COLOURS
from kompilot_data.present.trends import undated_words
from kompilot_data.reference import load_municipalities, resolve_region, source_line, taxonomy
from kompilot_data.reference.i18n import format_date, format_number, format_percent, t
from kompilot_data.reference.regions import Region
from kompilot_data.view import FUNNEL_STAGES, STAGE_DATES, Audience, View, ViewKey, default_since

MAX_ROWS = 7  # table rows on a screen or slide (long area names wrap at 1366 px)
MAX_BARS = 10  # proposals in the step 5 chart
SHORT_COLOUR, SURPLUS_COLOUR = "#E66100", "#5D3A9B"  # more participants than seats / more seats
REACHED_COLOUR, NOT_REACHED_COLOUR = "#009E73", "#9A9A9A"
SINCE_QUARTERS = 8  # quarters in the "since last time" chart: two years up to the briefing's day
NEW_NEEDS_COLOUR = NEUTRAL  # new needs beside the pipeline steps, which keep the funnel's purple steps


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


def region_view(
    region: str | Region, needs: pd.DataFrame, offers: pd.DataFrame, min_businesses: int = MIN_BUSINESSES, **key
) -> View:
    """A viewer's View of ``region`` (any spelling :func:`~kompilot_data.reference.resolve_region` accepts) over all
    ``needs`` and ``offers`` (filtered as wanted, but not by place: every need competes for the seats, and reach
    decides which offers count); ``key``: the other :class:`~kompilot_data.view.ViewKey` fields (``language``,
    ``reach``, ``today`` …)."""
    base = ViewKey(audience=Audience.viewer(min_businesses), **key)
    return View(needs, offers, base.for_region(resolve_region(region)))


def build_briefing(
    region: str | Region,
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    language: str = "nb",
    reach: ReachSetting | None = None,
    min_class: int = pooling.DEFAULT_MIN_CLASS,
    min_businesses: int = MIN_BUSINESSES,
    made: date | None = None,
    since: date | None = None,
) -> Briefing:
    """The briefing for a sub-region (``"Namdalen"``), a municipality (``"5007"``, ``"Namsos"``) or the county
    (``"Trøndelag"``) from records: :func:`briefing` of :func:`region_view`."""
    view = region_view(
        region,
        needs,
        offers,
        min_businesses,
        language=language,
        reach=reach or DEFAULT_REACH,
        today=made or date.today(),
    )
    return briefing(view, region, since, min_class)


def briefing(
    view: View, region: str | Region, since: date | None = None, min_class: int = pooling.DEFAULT_MIN_CLASS
) -> Briefing:
    """The briefing of ``region`` from ``view``, a viewer's View of that region (``View.for_region``), made on the
    View's day, in its language and with its reach setting. ``since`` starts the "since last time" step (default:
    :func:`~kompilot_data.view.default_since` of the View's day).

    Raises
    ------
    ValueError
        ``view`` is a coordinator's (a briefing is handed out) or not of ``region``.
    """
    resolved = resolve_region(region)
    if view.audience.sees_records:
        raise ValueError("a briefing is handed out: build it from a viewer's View (Audience.viewer())")
    if sorted(view.places if view.places is not None else load_municipalities().index) != sorted(resolved.codes):
        raise ValueError(f"the View is not of {resolved.label}: use view.for_region(region, Audience.viewer())")
    language = view.language
    made = view.key.today
    result = Briefing(
        resolved.key,
        resolved.name,
        language,
        made,
        _demo(view.competing_needs) or _demo(view.supply_offers),
    )
    context = {"view": view, "language": language, "within": reach_words(view.key.reach, language)}
    result.steps = [
        _situation(view, resolved, language),
        _needs(**context),
        _offers(**context),
        _gaps(**context),
        _course_opportunities(min_class=min_class, **context),
        _since_last(since or default_since(made), **context),
    ]
    result.sources = list(dict.fromkeys(s for step in result.steps for s in step.sources))
    return result


# --- how the View's protected figures are shown ---------------------------------------------------------------


def _figure(view: View, measure: str) -> str:
    """A key figure of the whole selection (``View.total``), or its mark when the View hides it."""
    value = view.total(measure)
    return view.total_mark if pd.isna(value) else format_number(value, view.language)


def _few(view: View) -> bool:
    """Whether fewer businesses than the View's threshold have needs in the selection (its figures are hidden)."""
    return view.needs["bedrift_id"].nunique() < view.threshold


def _values(table: pd.DataFrame, column: str, threshold: int) -> tuple[tuple[float | None, ...], tuple[str, ...]]:
    """A protected table's ``column`` as chart values (None where hidden) and the marks of its rows."""
    marks = tuple(hidden_markers(table, max(threshold, 1)))
    values = tuple(None if m else float(v) for v, m in zip(table[column], marks, strict=True))
    return values, marks


def _marks_note(marks, language: str, min_businesses: int) -> str:
    """The legend of the marks a chart shows: "<3" (too few businesses) and ":" (a complement)."""
    primary, complement = any(m.startswith("<") for m in marks), COMPLEMENTARY in marks
    if primary and complement:
        return t("marks_note_both", language, min_businesses=min_businesses)
    if primary:
        return t("suppressed_note", language, min_businesses=min_businesses)
    return t("disclosure_complementary", language) if complement else ""


# --- 1. The situation: real statistics (SSB), and the map ---------------------------------------------


def _situation(view: View, region: Region, language: str) -> Step:
    municipalities = load_municipalities()
    profile, county = view.profile(), view.profile(county=True)
    name, county_name = region.name, t("county", language)
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
    trend = {name: view.population_index(), county_name: view.population_index(county=True)}
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
    the_map = vector_map.centrality_map(t("map_centrality", language), language, region.key)
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


def _needs(view: View, language: str, within: str) -> Step:
    source = view.records_source(offers=None)
    threshold = view.threshold
    demo = _demo(view.needs) if len(view.needs) else _demo(view.competing_needs)
    numbers = view.numbers()  # open demand; history is its own, labelled figure (issue 20)

    def shown(value: float) -> str:
        return view.total_mark if pd.isna(value) else format_number(value, language)

    key_figures = [
        KeyFigure(t("story_kpi_open_businesses", language), shown(numbers.bedrifter), demo=demo),
        KeyFigure(t("story_kpi_open_needs", language), shown(numbers.apne_behov), demo=demo),
        KeyFigure(t("story_kpi_open_participants", language), shown(numbers.deltakere), demo=demo),
        KeyFigure(t("story_kpi_history_needs", language), shown(numbers.historikk_behov), demo=demo),
    ]
    step = Step("behov", step_title("behov", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_behov", language, min_businesses=threshold)]
    step.sources = [source]
    if _few(view):
        step.finding = t("finding_too_few", language, min_businesses=threshold)
        return step
    areas = taxonomy.labels("kompetanseomrade", language)
    by_area = numbers.per_omrade.rename(columns={"ettersporsel": "deltakere"})
    by_area = by_area[by_area["skjult"] | (by_area["deltakere"] > 0)]
    known = by_area[~by_area["skjult"]].sort_values("deltakere", ascending=False, kind="stable")
    table = pd.concat([known, by_area[by_area["skjult"]]])
    values, marks = _values(table, "deltakere", threshold)
    total = numbers.deltakere
    if len(known) and not pd.isna(total):
        top = known.index[0]
        people = known.at[top, "deltakere"]
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
                t("story_chart_open_by_area", language),
                tuple(areas[a] for a in table.index),
                (Series(t("participants", language), values, OKABE_ITO[0], marks=marks),),
                t("participants", language),
                source,
                language,
                demo=demo,
                note=_marks_note(marks, language, threshold),
            ),
        )
    )
    stages = taxonomy.labels("behov_status", language)
    pipeline = view.pipeline("fylke").droplevel(0).reindex(list(FUNNEL_STAGES))
    values, marks = _values(pipeline, "behov", threshold)
    step.figures.append(
        Figure(
            "meglingslop",
            Chart(
                "bar",
                t("chart_pipeline", language),
                tuple(stages[s] for s in FUNNEL_STAGES),
                (Series(t("count_needs", language), values, OKABE_ITO[2], marks=marks),),
                t("count_needs", language),
                source,
                language,
                demo=demo,
                note=_marks_note(marks, language, threshold),
            ),
        )
    )
    return step


# --- 3. Offers within reach ----------------------------------------------------------------------------


def _offers(view: View, language: str, within: str) -> Step:
    """Offers in supply within reach, their seats before sharing and the selection's share: all from
    ``View.numbers()``, so step 3 and step 4 quote the same shared seats."""
    numbers = view.numbers()
    in_reach = view.offers_in_reach
    demo = _demo(in_reach) or numbers.demo
    source = view.records_source(needs=True, offers="reach")
    shared = numbers.tilbud_fordelt
    key_figures = [
        KeyFigure(
            t("ind_tilbud_innen_rekkevidde", language),
            format_number(numbers.tilbud_innen_rekkevidde, language),
            demo=demo,
        ),
        KeyFigure(
            t("story_kf_seats_before", language), format_number(numbers.plasser_innen_rekkevidde, language), demo=demo
        ),
        KeyFigure(
            t("story_kpi_shared", language),
            view.total_mark if pd.isna(shared) else format_number(shared, language),
            demo=demo,
        ),
    ]
    step = Step("tilbud", step_title("tilbud", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_tilbud", language, reach=t("reach_explained", language, within=within))]
    step.sources = [source]
    if not len(in_reach):
        step.finding = t("finding_no_offers", language, within=within)
        return step
    areas = taxonomy.labels("kompetanseomrade", language)
    by_area = numbers.per_omrade
    by_area = by_area[by_area["plasser_innen_rekkevidde"] > 0].sort_values(
        "plasser_innen_rekkevidde", ascending=False, kind="stable"
    )
    top = by_area.index[0]
    row = by_area.loc[top]
    step.finding = t(
        "story_step_offers_finding",
        language,
        area=areas[top],
        seats=format_number(row["plasser_innen_rekkevidde"], language),
        offers=format_number(row["tilbud_innen_rekkevidde"], language),
        within=within,
        shared=view.total_mark if pd.isna(row["tilbud_fordelt"]) else format_number(row["tilbud_fordelt"], language),
        demand=view.total_mark if pd.isna(row["ettersporsel"]) else format_number(row["ettersporsel"], language),
    )
    marks = tuple(view.total_mark if h else "" for h in by_area["skjult"])
    step.figures.append(
        Figure(
            "tilbud_omrade",
            Chart(
                "bar",
                t("story_chart_seats_by_area", language, within=within),
                tuple(areas[a] for a in by_area.index),
                (
                    Series(
                        t("story_series_seats_before", language),
                        tuple(float(v) for v in by_area["plasser_innen_rekkevidde"]),
                        OKABE_ITO[1],
                    ),
                    Series(
                        t("story_series_seats_shared", language),
                        tuple(None if pd.isna(v) else float(v) for v in by_area["tilbud_fordelt"]),
                        OKABE_ITO[0],
                        marks=marks,
                    ),
                ),
                t("seats", language),
                source,
                language,
                demo=demo,
                note=t("story_demo_figure", language) if numbers.demo else "",
            ),
        )
    )
    return step


# --- 4. Gaps and white spots ---------------------------------------------------------------------------


def _gaps(view: View, language: str, within: str) -> Step:
    demo = _demo(view.catchment.needs) or _demo(view.supply_offers)
    source = view.records_source(offers="supply")
    threshold = view.threshold
    areas = taxonomy.labels("kompetanseomrade", language)
    municipalities = load_municipalities()
    per_area = view.demand_supply(("fylke", "kompetanseomrade"))
    per_area = per_area.droplevel(0) if len(per_area) else per_area
    per_area = per_area[per_area["skjult"] | (per_area["ettersporsel"] > 0) | (per_area["tilbud_fordelt"] > 0)]
    spots = view.white_spots
    few = _few(view)
    matched = view.matched_share
    visible = per_area[~per_area["skjult"]]
    demanded = per_area[per_area["skjult"] | (per_area["ettersporsel"] > 0)]
    numbers = view.numbers()
    key_figures = [
        KeyFigure(
            t("story_kpi_unmet", language),
            view.total_mark if pd.isna(numbers.udekket) else format_number(numbers.udekket, language),
            demo=demo,
        ),
        KeyFigure(
            t("kpi_matched", language),
            view.total_mark if pd.isna(matched) else format_percent(matched, language),
            demo=demo,
        ),
        KeyFigure(t("kf_white_spots", language), format_number(len(spots), language), demo=demo),
    ]
    step = Step("gap", step_title("gap", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_gap", language, reach=t("reach_explained", language, within=within))]
    step.sources = [source]
    if few or not len(demanded):
        step.finding = t("finding_too_few", language, min_businesses=threshold)
        return step

    # Chart: demand and shared supply per area, largest gap first; hidden areas last.
    order = [
        *visible.sort_values("udekket", ascending=False, kind="stable").index,
        *per_area.index[per_area["skjult"]],
    ]
    chart_table = per_area.loc[order]
    chart_table = chart_table[chart_table["skjult"] | (chart_table["ettersporsel"] > 0)]
    ranked = chart_table[~chart_table["skjult"]]
    if len(ranked) and ranked["udekket"].iloc[0] > 0.5:
        top = ranked.index[0]
        step.finding = t(
            "story_step_gap_finding",
            language,
            area=areas[top],
            demand=format_number(ranked.at[top, "ettersporsel"], language),
            shared=format_number(ranked.at[top, "tilbud_fordelt"], language),
            unmet=format_number(ranked.at[top, "udekket"], language),
            within=within,
        )
    elif len(ranked):
        lowest = ranked.sort_values("dekning", kind="stable").index[0]
        step.finding = t(
            "finding_no_gap",
            language,
            within=within,
            area=areas[lowest],
            demand=format_number(ranked.at[lowest, "ettersporsel"], language),
            supply=format_number(ranked.at[lowest, "tilbud_fordelt"], language),
        )
    unmet, marks = _values(chart_table, "udekket", threshold)
    surplus, _ = _values(chart_table, "overskudd", threshold)
    note = " · ".join(
        p for p in (_marks_note(marks, language, threshold), t("story_demo_figure", language) if demo else "") if p
    )
    step.figures.append(
        Figure(
            "gap_omrade",
            Chart(
                "bar",
                t("story_chart_unmet", language),
                tuple(areas[a] for a in chart_table.index),
                (Series(t("story_series_unmet", language), unmet, SHORT_COLOUR, marks=marks),)
                + (  # the surplus only where there is one
                    (Series(t("story_series_surplus", language), surplus, SURPLUS_COLOUR, marks=marks),)
                    if any(v is not None and v >= 0.5 for v in surplus)
                    else ()
                ),
                t("unit_participants", language),
                source,
                language,
                demo=demo,
                note=note,
            ),
        )
    )
    step.tables.append(_gap_table(view, spots, municipalities, areas, source, demo, within))
    return step


def _gap_table(view: View, spots, municipalities, areas, source: str, demo: bool, within: str) -> Table:
    """Municipality × area with more demand than shared seats, largest gap first, and the white spots; a hidden
    cell is listed only as a white spot (the place and area are no secret; the numbers are)."""
    language = view.language
    cells = view.demand_supply(("kommunenummer", "kompetanseomrade")).reset_index()
    cells = cells[cells["skjult"] | (cells["ettersporsel"] > 0)]
    spot_keys = set(zip(spots["kommunenummer"].astype(str), spots["kompetanseomrade"].astype(str), strict=True))
    cells["kommunenummer"] = cells["kommunenummer"].astype(str)
    cells["kompetanseomrade"] = cells["kompetanseomrade"].astype(str)
    cells["hvit_flekk"] = [
        (c, a) in spot_keys for c, a in zip(cells["kommunenummer"], cells["kompetanseomrade"], strict=True)
    ]
    cells["merke"] = hidden_markers(cells, view.threshold).to_numpy()
    left_out = int((cells["skjult"] & ~cells["hvit_flekk"]).sum())
    cells = cells[cells["hvit_flekk"] | (~cells["skjult"] & (cells["udekket"] > 0.5))]
    listed = pd.concat(
        [cells[~cells["skjult"]].sort_values("udekket", ascending=False, kind="stable"), cells[cells["skjult"]]]
    )
    rows = listed.head(MAX_ROWS)
    white = t("white_spot", language)

    def number_text(value, mark: str) -> str:
        return mark or format_number(value, language)

    frame = pd.DataFrame(
        {
            t("filter_municipality", language): rows["kommunenummer"].map(municipalities["navn"]).to_numpy(),
            t("filter_area", language): rows["kompetanseomrade"].map(areas).to_numpy(),
            t("participants", language): [
                number_text(v, m) for v, m in zip(rows["ettersporsel"], rows["merke"], strict=True)
            ],
            t("seats_shared", language): [
                white if spot else number_text(v, m)
                for v, m, spot in zip(rows["tilbud_fordelt"], rows["merke"], rows["hvit_flekk"], strict=True)
            ],
            t("story_series_unmet", language): [
                number_text(v, m) for v, m in zip(rows["udekket"], rows["merke"], strict=True)
            ],
        }
    )
    caption = _shown_of(len(rows), len(listed), language) if len(listed) else t("no_gaps", language, within=within)
    if left_out:
        caption += " " + t("cells_left_out", language, n=left_out, min_businesses=view.threshold)
    return Table("gap_kommune", t("table_gaps", language), frame, caption, source, demo)


# --- 5. Course opportunities ------------------------------------------------------------------------------


def _course_opportunities(view: View, language: str, within: str, min_class: int) -> Step:
    source = view.records_source(offers=None)
    demo = _demo(view.competing_needs)
    threshold = view.threshold
    pools = view.brokering.pools(min_class)
    small = int(pools["skjult"].sum())
    pools = pools[~pools["skjult"]].reset_index(drop=True)
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
            t("kf_pool_participants", language),
            format_number(view.brokering.pooled_participants(min_class), language),  # a count of its own
            demo=demo,
        ),
    ]
    step = Step("kursmuligheter", step_title("kursmuligheter", language), "", key_figures, finding_demo=demo)
    step.notes = [t("note_kursmuligheter", language, min_class=min_class, within=within)]
    step.sources = [source]
    if small:
        step.notes.append(t("pools_left_out", language, n=small, min_businesses=threshold))
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
        note += " " + t("pools_left_out", language, n=small, min_businesses=threshold)
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


def _since_last(since: date, view: View, language: str, within: str) -> Step:
    """New needs, needs matched, courses established and completed since ``since``, and the last
    :data:`SINCE_QUARTERS` quarters as columns; counted and protected by the region's View."""
    made = view.key.today
    threshold = view.threshold
    demo = _demo(view.needs)
    source = view.records_source(offers=None)
    day = format_date(since, language)
    counts = view.time.since(since)
    marks = dict(zip(counts.index, hidden_markers(counts, threshold), strict=True))

    def shown(event: str, column: str = "behov") -> str:
        value = counts.at[event, column]
        return (marks[event] or COMPLEMENTARY) if pd.isna(value) else format_number(value, language)

    caption = t("since_caption", language, date=day)
    undated = view.time.undated_steps()

    def caveat(text: str, step_code: str) -> str:
        """``text``, and how many needs reached the step without a date for it (counted nowhere)."""
        missing = undated_words(undated, step_code, language, threshold)
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
    step.notes = [t("note_siden_sist", language, date=day, quarters=SINCE_QUARTERS, min_businesses=threshold)]
    step.sources = [source]
    if counts["skjult"].all():
        step.finding = t("finding_siden_sist_hidden", language, date=day, min_businesses=threshold)
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
            f"{stages[k].lower()}: {marker(True, threshold) if pd.isna(v) else format_number(v, language)}"
            for k, v in undated.items()
            if pd.isna(v) or v > 0
        )
        step.notes.append(t("trend_undated", language, items=items))

    # The chart: the last quarters up to the briefing's day; a quarter without records has nothing to count.
    last = pd.Timestamp(made).to_period("Q")
    quarters = pd.period_range(last - (SINCE_QUARTERS - 1), last, freq="Q").to_timestamp()
    registered = view.time.needs_per_quarter_totals().reindex(quarters)
    steps = view.time.pipeline_per_quarter()
    stages = taxonomy.labels("behov_status", language)

    def values(frame: pd.DataFrame) -> tuple[tuple[float | None, ...], tuple[str, ...]]:
        """Per chart quarter: the count (None when hidden), 0 for a quarter without records; and the marks."""
        frame = frame.reindex(quarters)
        hidden = frame["skjult"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        frame = frame.assign(skjult=hidden)
        found = tuple(hidden_markers(frame, threshold))
        numbers = tuple(
            None if h else float(0 if pd.isna(v) else v) for v, h in zip(frame["behov"], hidden, strict=True)
        )
        return numbers, found

    series = [Series(t("series_new_needs", language), *_with_colour(values(registered), NEW_NEEDS_COLOUR))]
    for stage in STAGE_DATES:
        part = steps.xs(stage, level="trinn") if len(steps) else pd.DataFrame(columns=["behov", "skjult"])
        series.append(Series(stages[stage], *_with_colour(values(part), STATUS_COLOURS[stage])))
    labels = [_quarter_label(q, language) for q in quarters]
    if made < (quarters[-1] + pd.offsets.QuarterEnd(0)).date():
        labels[-1] = t("quarter_so_far", language, quarter=labels[-1])
    shown_marks = [m for s in series for m in (s.marks or ())]
    since_quarter = _quarter_label(pd.Timestamp(since).to_period("Q").to_timestamp(), language)
    note = t("since_last_quarters", language, quarters=SINCE_QUARTERS, date=day, quarter=since_quarter)
    legend = _marks_note(shown_marks, language, threshold)
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
                note=f"{note} {legend}" if legend else note,
            ),
        )
    )
    return step


def _with_colour(values_and_marks: tuple, colour: str) -> tuple:
    """``(values, colour, None, marks)``: the positional arguments of a :class:`Series` after its name."""
    numbers, marks = values_and_marks
    return numbers, colour, None, marks


def _quarter_label(quarter, language: str) -> str:
    return t("quarter_label", language, q=pd.Timestamp(quarter).quarter, year=pd.Timestamp(quarter).year)


def _mode(value: str, language: str) -> str:
    return t("mode_gathering" if "samling" in str(value) else "mode_local", language)
