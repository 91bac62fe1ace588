"""Trend figures (issue 10 §4): what changed since the last forum, as plotly figures for the app's pages.

Each builder takes a table from the View's "time" section (``View.time.needs_per_quarter``,
``View.time.pipeline_per_quarter``, ``View.time.offers_per_semester``), already protected for viewers, and draws it
with the common look of :mod:`~kompilot_data.present.figures`: a title that says what is counted, the source
line (demo or real) and the demo tag on the figure, whole-number count axes. Sub-region colours are used for
sub-regions only; the pipeline steps keep the purple steps of the funnel. A hidden cell adds nothing to a bar
and shows its mark where it is read (the hover and the data table): "<3" when it rests on fewer than 3
businesses, ":" when it is hidden as a complement (:func:`kompilot_data.engine.disclosure.hidden_markers`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kompilot_data.engine.disclosure import COMPLEMENTARY, hidden_markers, marker
from kompilot_data.present import summaries
from kompilot_data.present.safe_text import html_text
from kompilot_data.present.tables import pivot
from kompilot_data.present.theme import (
    NEUTRAL,
    OTHER_COLOURS,
    STATUS_COLOURS,
    SUBREGION_COLOURS,
    count_axis,
    figure,
    layout,
)
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS, source_line, taxonomy
from kompilot_data.reference.i18n import format_date, format_number, t
from kompilot_data.reference.sources import records_source

#: Outside the pilot: a mid grey (not the sub-regions' palette; the map's light grey is too pale for a bar).
OUTSIDE_COLOUR = "#8C8C8C"
#: Offers by origin: real offers in the neutral colour, demo offers in orange with a hatch (told apart without
#: colour too); offers still to start in a light grey with a dotted pattern.
REAL_COLOUR = NEUTRAL
DEMO_COLOUR = OTHER_COLOURS[1]
PLANNED_COLOUR = "#C9CED4"
STEPS = ("koblet", "etablert", "gjennomfort")
#: Total labels above the stacks, and the hidden mark at the foot of hidden points.
LABEL_FONT = {"size": 11, "color": "#1B2733"}


def quarter_label(quarter, language: str) -> str:
    """ "3. kv. 2025" / "Q3 2025" for the quarter starting at ``quarter``."""
    stamp = pd.Timestamp(quarter)
    return t("quarter_label", language, q=stamp.quarter, year=stamp.year)


def semester_label(semester, language: str) -> str:
    """ "vår 2026" / "spring 2026" (January-June), "høst 2026" / "autumn 2026" (July-December)."""
    stamp = pd.Timestamp(semester)
    return t("semester_spring" if stamp.month <= 6 else "semester_autumn", language, year=stamp.year)


def offers_source(offers: pd.DataFrame, language: str) -> str:
    """The source line of a figure of offers, real and demo apart: HK-dir's catalogue with its years and the
    unconfirmed licence; other real offers as registered records; demo offers as demo data."""
    parts = []
    real = offers[~offers["demo"].to_numpy(dtype=bool)]
    hkdir = real["datakilde"].astype("string").str.startswith("HK-dir").fillna(False).to_numpy(dtype=bool)
    if hkdir.any():
        years = sorted({int(y) for y in real.loc[hkdir, "oppstart"].dt.year.dropna()})
        span = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        parts.append(f"{source_line('tilbud_katalog', language, span)}; {t('licence_unconfirmed', language)}")
    if (~hkdir).any():
        parts.append(records_source(language, offers=real[~hkdir]))
    demo = offers[offers["demo"].to_numpy(dtype=bool)]
    if len(demo):
        parts.append(records_source(language, offers=demo))
    return " · ".join(parts) if parts else records_source(language, offers=offers)


def _value_text(value, mark: str, language: str) -> str:
    """``value`` as read, or ``mark`` ("<3" or ":") when it is hidden (``mark`` not empty)."""
    return mark or format_number(value, language)


def _time_axis(fig: go.Figure, periods: pd.DatetimeIndex, months: int, language: str) -> None:
    """A date axis with one bar slot per period (``months`` long) and the year under each year's bars."""
    fig.update_traces(xperiod=f"M{months}", xperiodalignment="middle", selector={"type": "bar"})
    fig.update_traces(xperiod=f"M{months}", xperiodalignment="middle", selector={"type": "scatter"})
    axis = {"title": t("year", language), "dtick": "M12", "tickformat": "%Y", "ticklabelmode": "period"}
    if len(periods):
        start = periods.min()
        end = periods.max() + pd.DateOffset(months=months)
        axis["range"] = [start - pd.Timedelta(days=20), end + pd.Timedelta(days=20)]
    fig.update_xaxes(**axis, showgrid=False)


def needs_per_quarter(
    table: pd.DataFrame, totals: pd.DataFrame, language: str, source: str, title: str | None = None
) -> go.Figure:
    """New needs per quarter, stacked by sub-region (outside the pilot in grey), from
    ``View.time.needs_per_quarter()``; the quarter's total over each stack from ``View.time.needs_per_quarter_totals()``.

    A hidden cell adds nothing to its stack; its hover says "<3" (``primaer``) or ":" (a complement). A hidden
    total is written "<3" where ``totals`` has ``primaer`` True (``View.time.needs_per_quarter_totals``), else ":".
    """
    values = table["behov"].unstack("delregion")
    hidden = table["skjult"].unstack("delregion").astype(bool)
    marks = hidden_markers(table).unstack("delregion").reindex(index=values.index, columns=values.columns)
    quarters = pd.DatetimeIndex(values.index)
    labels = [quarter_label(q, language) for q in quarters]
    fig = figure()
    for name in [*SUBREGIONS, OUTSIDE_PILOT]:
        if name not in values.columns or (values[name].fillna(0).sum() == 0 and not hidden[name].any()):
            continue
        shown = html_text(t("outside_pilot", language) if name == OUTSIDE_PILOT else name)  # a sub-region: user text
        fig.add_trace(
            dict(
                type="bar",
                x=quarters,
                y=values[name].fillna(0).to_numpy(),
                name=shown,
                marker_color=SUBREGION_COLOURS[name] if name != OUTSIDE_PILOT else OUTSIDE_COLOUR,
                customdata=np.column_stack(
                    [labels, [_value_text(v, m, language) for v, m in zip(values[name], marks[name], strict=True)]]
                ),
                hovertemplate="%{customdata[0]}: %{customdata[1]} "
                + t("unit_needs", language)
                + f"<extra>{shown}</extra>",
            )
        )
    heights = values.fillna(0).sum(axis=1)
    totals = totals.reindex(quarters)
    # Where a quarter's total is shown but some of its cells are hidden, a hatched grey cap makes the stack as high
    # as the total: the sum of the hidden cells, which the total minus the shown cells gives anyway. No hidden
    # cell gets a value of its own; a hidden total gets no cap.
    shown_total = ~totals["skjult"].astype(bool).to_numpy()
    cap = np.where(shown_total & hidden.any(axis=1).to_numpy(), totals["behov"].fillna(0).to_numpy() - heights, 0.0)
    cap = np.clip(cap, 0, None)
    if cap.any():
        name = t("trend_hidden_series", language)
        fig.add_trace(
            dict(
                type="bar",
                x=quarters,
                y=cap,
                name=name,
                marker={
                    "color": "#FFFFFF",
                    "line": {"color": NEUTRAL, "width": 1},
                    "pattern": {"shape": "x", "fgcolor": NEUTRAL, "size": 6},
                },
                customdata=np.column_stack([labels, [format_number(v, language) for v in cap]]),
                hovertemplate="%{customdata[0]}: %{customdata[1]} "
                + t("unit_needs", language)
                + f"<extra>{name}</extra>",
            )
        )
        heights = heights + cap
    fig.add_trace(
        dict(
            type="scatter",
            x=quarters,
            y=heights.to_numpy(),
            mode="text",
            text=[_value_text(v, m, language) for v, m in zip(totals["behov"], hidden_markers(totals), strict=True)],
            textposition="top center",
            textfont=LABEL_FONT,
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    fig.update_layout(barmode="stack", bargap=0.25, legend_traceorder="normal")
    top = float(heights.max()) if len(heights) else 0.0
    fig.update_yaxes(**count_axis({"title": t("count_needs", language), "range": [0, max(top, 1) * 1.15]}, top))
    _time_axis(fig, quarters, 3, language)
    return layout(fig, language, source, title, height=400)


def pipeline_per_quarter(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Needs that reached "koblet", "etablert" and "gjennomført" per quarter of the date they reached it, from
    ``View.time.pipeline_per_quarter()``: one line per step in the funnel's purple steps, told apart by marker
    shape too. A hidden quarter is a gap in its line (it adds nothing); its hover says "<3" (``primaer``) or ":"
    (a complement), and the foot of the quarter says "<3" when any of its hidden points is primary, else ":"."""
    labels = taxonomy.labels("behov_status", language)
    values = table["behov"].unstack("trinn")
    hidden = table["skjult"].unstack("trinn").astype(bool)
    marks = hidden_markers(table).unstack("trinn").reindex(index=values.index, columns=values.columns)
    quarters = pd.DatetimeIndex(values.index)
    names = [quarter_label(q, language) for q in quarters]
    fig = figure()
    for step, symbol in zip(STEPS, ("circle", "square", "diamond"), strict=True):
        if step not in values.columns:
            continue
        texts = [_value_text(v, m, language) for v, m in zip(values[step], marks[step], strict=True)]
        fig.add_trace(
            dict(
                type="scatter",
                x=quarters,
                y=values[step].where(~hidden[step]).to_numpy(),
                name=labels[step],
                mode="lines+markers",
                line={"color": STATUS_COLOURS[step], "width": 3},
                marker={
                    "symbol": symbol,
                    "size": 8,
                    "color": STATUS_COLOURS[step],
                    "line": {"color": "#3F007D", "width": 1},
                },
                connectgaps=False,
                customdata=np.column_stack([names, texts]),
                hovertemplate="%{customdata[0]}: %{customdata[1]} "
                + t("unit_needs", language)
                + f"<extra>{labels[step]}</extra>",
            )
        )
    if hidden.to_numpy().any():
        where = hidden.any(axis=1)
        primary = marks.eq(marker(True)).any(axis=1)[where]
        fig.add_trace(
            dict(
                type="scatter",
                x=quarters[where.to_numpy()],
                y=[0] * int(where.sum()),
                mode="text",
                text=[marker(bool(p)) for p in primary],
                textposition="top center",
                textfont={"size": 10, "color": "#1B2733"},
                showlegend=False,
                hoverinfo="skip",
                cliponaxis=False,
            )
        )
    fig.update_layout(legend_traceorder="normal", hovermode="x unified")
    top = float(values.where(~hidden).fillna(0).to_numpy().max()) if values.size else 0.0
    fig.update_yaxes(**count_axis({"title": t("count_needs", language), "range": [0, max(top, 1) * 1.12]}, top))
    _time_axis(fig, quarters, 3, language)
    return layout(fig, language, source, title, height=400)


def offers_per_semester(
    table: pd.DataFrame, language: str, source: str, title: str | None = None, demo: bool | None = None
) -> go.Figure:
    """Offers by semester of start, from ``View.time.offers_per_semester()``: real offers (neutral) and demo offers
    (orange, hatched) stacked, offers still to start on top in light grey (dotted); the semester's total of
    offers over the stack."""
    started = table["tilbud"].unstack("opprinnelse")
    planned = table["planlagt"].groupby(level="semester").sum()
    semesters = pd.DatetimeIndex(started.index)
    labels = [semester_label(s, language) for s in semesters]
    fig = figure()
    series = [
        ("reell", t("offers_real", language), REAL_COLOUR, ""),
        ("demo", t("offers_demo", language), DEMO_COLOUR, "/"),
    ]
    for origin, name, colour, pattern in series:
        if origin not in started.columns or started[origin].sum() == 0:
            continue
        fig.add_trace(
            dict(
                type="bar",
                x=labels,
                y=started[origin].to_numpy(),
                name=name,
                marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#FFFFFF", "size": 7}},
                hovertemplate="%{x}: %{y:,.0f} " + t("unit_offers", language) + f"<extra>{name}</extra>",
            )
        )
    if planned.sum() > 0:
        name = t("offers_planned", language)
        fig.add_trace(
            dict(
                type="bar",
                x=labels,
                y=planned.reindex(semesters).to_numpy(),
                name=name,
                marker={
                    "color": PLANNED_COLOUR,
                    "line": {"color": NEUTRAL, "width": 1},
                    "pattern": {"shape": ".", "fgcolor": NEUTRAL, "size": 6},
                },
                hovertemplate="%{x}: %{y:,.0f} " + t("unit_offers", language) + f"<extra>{name}</extra>",
            )
        )
    heights = started.sum(axis=1) + planned.reindex(semesters).fillna(0)
    fig.add_trace(
        dict(
            type="scatter",
            x=labels,
            y=heights.to_numpy(),
            mode="text",
            text=[format_number(v, language) for v in heights],
            textposition="top center",
            textfont=LABEL_FONT,
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    fig.update_layout(barmode="stack", bargap=0.3, legend_traceorder="normal")
    top = float(heights.max()) if len(heights) else 0.0
    fig.update_yaxes(**count_axis({"title": t("offers_count", language), "range": [0, max(top, 1) * 1.15]}, top))
    fig.update_xaxes(title=t("semester", language), type="category")
    return layout(fig, language, source, title, height=400, below=78 if len(labels) > 14 else 62, demo=demo)


# --- text alternatives: the tables behind the charts, as read ---------------------------------------------


def quarter_table(table: pd.DataFrame, column: str, language: str, column_labels: dict, corner: str) -> pd.DataFrame:
    """A (kvartal, ``column``) count table as a cross table: one row per quarter, "<3" or ":" where hidden."""
    quarters = {q: quarter_label(q, language) for q in table.index.get_level_values("kvartal").unique()}
    return pivot(table, "behov", language, "kvartal", column, quarters, column_labels, corner=corner)


def semester_table(table: pd.DataFrame, language: str) -> pd.DataFrame:
    """``View.time.offers_per_semester()`` as read: one row per semester, real, demo and planned offers."""
    started = table["tilbud"].unstack("opprinnelse")
    planned = table["planlagt"].groupby(level="semester").sum()
    frame = pd.DataFrame(
        {
            t("semester", language): [semester_label(s, language) for s in started.index],
            t("offers_real", language): [format_number(v, language) for v in started.get("reell", 0 * planned)],
            t("offers_demo", language): [format_number(v, language) for v in started.get("demo", 0 * planned)],
            t("offers_planned", language): [format_number(v, language) for v in planned.reindex(started.index)],
        }
    )
    return frame


# --- what a page shows: the key figures since a date and the three trend charts -------------------------------


@dataclass(frozen=True)
class Panel:
    """One trend chart as a page shows it: a section heading, the figure, its text alternative (a summary and
    the table behind it) and a note under it (hidden cells, undated steps, what is left out)."""

    key: str
    heading: str
    title: str
    figure: go.Figure
    table: pd.DataFrame
    summary: str
    note: str = ""


def since_key_figures(view, since) -> list[tuple[str, ...]]:
    """(label, value, help[, comparison]) for new needs, needs matched, courses established and needs completed on
    or after ``since``, from ``view.time.since(since)``; a hidden value is "<3" when the needs behind it come from
    ``0 < businesses < threshold`` businesses (``primaer``), else ":" (a complement); "courses established" takes
    the mark of its needs. The comparison line says how many needs reached the step without a date for it (they
    count in no period), or is None."""
    language = view.language
    counts = view.time.since(since)
    day = format_date(since, language)
    marks = dict(zip(counts.index, hidden_markers(counts, view.threshold), strict=True))

    def shown(event: str, column: str = "behov") -> str:
        value = counts.at[event, column]
        return format_number(value, language) if not pd.isna(value) else marks[event] or COMPLEMENTARY

    undated = view.time.undated_steps()
    return [
        (t("since_new_needs", language), shown("registrert"), t("since_new_needs_help", language, date=day)),
        (
            t("since_matched", language),
            shown("koblet"),
            t("since_matched_help", language, date=day),
            undated_words(undated, "koblet", language, view.threshold) or None,
        ),
        (
            t("since_courses", language),
            shown("etablert", "kurs"),
            t("since_courses_help", language, date=day, needs=shown("etablert")),
            undated_words(undated, "etablert", language, view.threshold) or None,
        ),
        (
            t("since_completed", language),
            shown("gjennomfort"),
            t("since_completed_help", language, date=day),
            undated_words(undated, "gjennomfort", language, view.threshold) or None,
        ),
    ]


def undated_words(undated: pd.Series, step: str, language: str, threshold: int) -> str:
    """ "38 uten dato telles ikke" when needs reached ``step`` with no date for it (``View.time.undated_steps``;
    NaN = hidden: it rests on fewer than ``threshold`` businesses); "" when there are none."""
    value = undated.get(step, 0)
    if not pd.isna(value) and value == 0:
        return ""
    return t("since_undated", language, n=marker(True, threshold) if pd.isna(value) else format_number(value, language))


def panels(view) -> list[Panel]:
    """The three trend charts of ``view`` (a :class:`~kompilot_data.view.View`): new needs per quarter by
    sub-region, needs reaching each pipeline step per quarter, offers per semester."""
    language = view.language
    source = view.records_source()
    hidden_note = t("trend_hidden_note", language, min_businesses=max(view.threshold, 1))
    regions = {**{name: name for name in SUBREGIONS}, OUTSIDE_PILOT: t("outside_pilot", language)}

    table, totals = view.time.needs_per_quarter(), view.time.needs_per_quarter_totals()
    title = t("trend_needs_title", language)
    per_quarter = quarter_table(table, "delregion", language, regions, t("quarter", language))
    per_quarter[t("trend_total", language)] = [
        _value_text(v, m, language) for v, m in zip(totals["behov"], hidden_markers(totals), strict=True)
    ]
    needs_panel = Panel(
        "trend_behov",
        t("trend_needs_section", language),
        title,
        needs_per_quarter(table, totals, language, source, title),
        per_quarter,
        summaries.ranking(
            totals["behov"].rename(index=lambda q: quarter_label(q, language)), language, t("unit_needs", language)
        ),
        hidden_note + _complement_note([table, totals], language)
        if table["skjult"].any() or totals["skjult"].any()
        else t("trend_total_note", language),
    )

    partial = _partial_quarter(view)
    if partial:
        needs_panel = replace(needs_panel, note=f"{needs_panel.note} {partial}")

    steps = view.time.pipeline_per_quarter()
    stages = taxonomy.labels("behov_status", language)
    title = t("trend_pipeline_title", language)
    notes = []
    if not view.time.has_step_dates():
        notes.append(t("trend_no_dates", language))
    undated = view.time.undated_steps()
    if undated.fillna(1).sum() > 0:
        notes.append(
            t(
                "trend_undated",
                language,
                items=", ".join(
                    # undated_steps hides a count only when it rests on too few businesses: "<3"
                    f"{stages[k].lower()} {_value_text(v, marker(True, view.threshold) if pd.isna(v) else '', language)}"
                    for k, v in undated.items()
                    if pd.isna(v) or v > 0
                ),
            )
        )
    if steps["skjult"].any():
        notes.append(marks_note([steps], language, view.threshold))
    if partial:
        notes.append(partial)
    per_step = steps["behov"].groupby(level="trinn", sort=False).sum(min_count=1)
    pipeline_panel = Panel(
        "trend_trinn",
        t("trend_pipeline_section", language),
        title,
        pipeline_per_quarter(steps, language, source, title),
        quarter_table(steps, "trinn", language, stages, t("quarter", language)),
        summaries.ranking(per_step.rename(index=stages), language, t("unit_needs", language)),
        " ".join(notes),
    )

    offers = view.time.offers_per_semester()
    title = t("trend_offers_title", language)
    per_semester = offers["tilbud"].groupby(level="semester").sum() + offers["planlagt"].groupby(level="semester").sum()
    offers_panel = Panel(
        "trend_tilbud",
        t("trend_offers_section", language),
        title,
        offers_per_semester(
            offers, language, offers_source(view.offers, language), title, demo=bool(view.offers["demo"].any())
        ),
        semester_table(offers, language),
        summaries.ranking(
            per_semester.rename(index=lambda s: semester_label(s, language)), language, t("unit_offers", language)
        ),
        t("trend_offers_note", language),
    )
    return [needs_panel, pipeline_panel, offers_panel]


def marks_note(frames: list[pd.DataFrame], language: str, threshold: int) -> str:
    """The legend of the hidden marks in ``frames`` (tables with ``skjult``, and ``primaer`` where known): one
    sentence for "<3" if any hidden cell is primary, one for ":" if any is not; "" when nothing is hidden."""
    marks = set().union(*(set(hidden_markers(frame)) for frame in frames)) - {""}
    parts = []
    if marker(True, threshold) in marks:
        parts.append(t("disclosure_primary", language, minst=max(threshold, 1)))
    if COMPLEMENTARY in marks:
        parts.append(t("disclosure_complementary", language))
    return " ".join(parts)


def _complement_note(frames: list[pd.DataFrame], language: str) -> str:
    """ " «:»: …" when a cell or total of ``frames`` is hidden as a complement (the needs chart's own note
    explains "<3")."""
    marks = set().union(*(set(hidden_markers(frame)) for frame in frames))
    return " " + t("disclosure_complementary", language) if COMPLEMENTARY in marks else ""


def _partial_quarter(view) -> str:
    """ "4. kv. 2026 er ikke over (tall til 27.11.2026)." when the view's last quarter is still running."""
    if not len(view.time.quarters):
        return ""
    last = view.time.quarters[-1]
    today = pd.Timestamp(view.key.today)
    if not last <= today < last + pd.DateOffset(months=3):
        return ""
    language = view.language
    return t(
        "trend_partial_quarter", language, quarter=quarter_label(last, language), date=format_date(today, language)
    )
