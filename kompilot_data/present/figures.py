"""Charts for the app's pages: plain functions of the View's tables that return plotly figures.

Every figure carries its source line at the bottom, so a saved PNG keeps its attribution; the look (colours,
template, title, legend, source line and demo tag) is :mod:`kompilot_data.present.theme`, maps are
:mod:`kompilot_data.present.maps`. Hidden cells show "<3" or ":" (:func:`~kompilot_data.engine.disclosure.hidden_markers`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from kompilot_data.engine.disclosure import COMPLEMENTARY, hidden_markers
from kompilot_data.present.safe_text import html_text
from kompilot_data.present.theme import (
    DEMAND_COLOUR,
    DIVERGING,
    LABEL_WRAP,
    NEUTRAL,
    OTHER_COLOURS,
    STATUS_COLOURS,
    SUBREGION_COLOURS,
    SUPPLY_COLOUR,
    TITLE_WRAP,
    count_axis,
    figure,
    layout,
    offer_names,
    percent_ticks,
    room_for_labels,
    whole,
    wrap,
    wrapped,
)
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS, source_line, taxonomy
from kompilot_data.reference.i18n import format_number, format_percent, t
from kompilot_data.reference.sources import records_source
from kompilot_data.view.core import FUNNEL_STAGES


def bar_counts(
    counts: pd.Series,
    language: str,
    value_label: str,
    source: str,
    title: str | None = None,
    colour: str = NEUTRAL,
    height: int | None = None,
    maximum: float | None = None,
    order: list[str] | None = None,
    marks: pd.Series | None = None,
) -> go.Figure:
    """Horizontal bars of ``counts`` (index = labels), largest on top. NaN (hidden) shows its mark from
    ``marks`` (same labels; e.g. ``labelled(hidden_markers(view.counts(...)), …)``): "<3" for a count built on
    fewer than 3 businesses, ":" for one hidden as a complement. Without ``marks`` a hidden count shows ":",
    which says it is hidden to protect small numbers and claims no number of businesses.

    One neutral colour (the sub-regions' colours are for sub-regions). Long labels wrap; the axis counts in
    whole numbers; there is room after the longest bar for its value, so no label is cut. ``maximum`` sets a
    shared scale (small multiples); ``order`` (labels, top first) a shared order.
    """
    counts = counts.reindex(order)[::-1] if order is not None else counts.sort_values(na_position="first")
    top = float(counts.max()) if maximum is None else float(maximum)
    fig = figure(
        dict(
            type="bar",
            x=counts.fillna(0).to_numpy(),
            y=[wrapped(str(label)) for label in counts.index],
            orientation="h",
            marker_color=colour,
            hovertemplate="%{y}: %{text}<extra></extra>",
            text=[_hidden_or(v, label, marks, language) for label, v in counts.items()],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_xaxes(**count_axis({"title": value_label, "range": room_for_labels(top)}, top))
    fig.update_yaxes(automargin=True)
    lines = max((len(wrap(str(label), LABEL_WRAP)) for label in counts.index), default=1)
    rows = len(counts) * max(22, 16 * lines + 6)
    return layout(fig, language, source, title, plot_height=height or max(120, rows))


def _hidden_or(value, label, marks: pd.Series | None, language: str) -> str:
    """``value`` as read, or its hidden mark (":" when ``marks`` does not say; see :func:`bar_counts`)."""
    if not pd.isna(value):
        return format_number(value, language)
    mark = marks.get(label, "") if marks is not None else ""
    return mark or COMPLEMENTARY


def labelled(values: pd.Series, taxonomy_name: str, language: str) -> pd.Series:
    """A View count column (indexed by codes) relabelled in ``language``; hidden cells stay NaN. Also for the
    marks of its rows (:func:`~kompilot_data.engine.disclosure.hidden_markers`), to pass to :func:`bar_counts`."""
    return values.rename(index=taxonomy.labels(taxonomy_name, language))


def treemap_area_level(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Participants by competence area and level, from ``View.counts(("kompetanseomrade", "niva"), "deltakere")``.

    Hidden cells (``skjult``) are left out, and each area's total is the sum of its shown levels. Areas are
    told apart by their labels and white borders, in two dark neutral shades (no sub-region colours).
    """
    areas = taxonomy.labels("kompetanseomrade", language)
    levels = taxonomy.labels("niva", language)
    shown = table[~table["skjult"] & (table["deltakere"] > 0)].reset_index()
    area_totals = shown.groupby("kompetanseomrade", observed=True, sort=False)["deltakere"].sum()
    area_totals = area_totals.sort_values(ascending=False)
    ids = [str(a) for a in area_totals.index] + [
        f"{a}/{lv}" for a, lv in zip(shown["kompetanseomrade"], shown["niva"], strict=True)
    ]
    labels = [html_text(areas[a]) for a in area_totals.index] + [html_text(levels[lv]) for lv in shown["niva"]]
    parents = [""] * len(area_totals) + list(shown["kompetanseomrade"].astype(str))
    values = list(area_totals.to_numpy()) + list(shown["deltakere"].to_numpy())
    shades = ["#3D4A5C", "#55606E"]
    fig = figure(
        dict(
            type="treemap",
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            sort=True,
            marker={
                "colors": [shades[i % 2] for i in range(len(area_totals))] + ["#6B7785"] * len(shown),
                "line": {"color": "#FFFFFF", "width": 2},
            },
            textfont={"color": "#FFFFFF"},
            texttemplate="%{label}<br>%{value:,.0f}",
            hovertemplate="%{label}: %{value:,.0f} " + t("unit_participants", language) + "<extra></extra>",
        )
    )
    fig.update_layout(uniformtext={"minsize": 9, "mode": "hide"})
    return layout(fig, language, source, title, height=460, below=8)


def funnel_by_region(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """The brokering pipeline as a funnel per sub-region, from ``View.pipeline("delregion")``; hidden stages
    show no bar. Needs outside the pilot are shown as their own grey group.

    A hidden stage says "<3" where the table has ``primaer`` True, else ":": ``View.pipeline`` carries only
    ``skjult`` (a cumulative stage is hidden because a status it adds up is hidden), and ":" is true of every
    hidden figure (:func:`~kompilot_data.engine.disclosure.marker`)."""
    labels = taxonomy.labels("behov_status", language)
    fig = figure()
    for name in [*SUBREGIONS, OUTSIDE_PILOT]:
        if name not in table.index.get_level_values(0):
            continue
        part = table.xs(name, level=0).reindex(FUNNEL_STAGES)
        if part["behov"].fillna(0).sum() == 0:
            continue
        fig.add_trace(
            dict(
                type="funnel",
                name=html_text(t("outside_pilot", language) if name == OUTSIDE_PILOT else name),
                y=[wrapped(labels[s], 14) for s in FUNNEL_STAGES],
                x=part["behov"].to_numpy(),
                text=[
                    m or format_number(v, language) for v, m in zip(part["behov"], hidden_markers(part), strict=True)
                ],
                textinfo="text",
                textposition="inside",
                constraintext="both",
                marker={"color": SUBREGION_COLOURS[name] if name != OUTSIDE_PILOT else "#8C8C8C"},
                hovertemplate="%{y}: %{text} " + t("unit_needs", language) + "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(uniformtext={"minsize": 10, "mode": "hide"})
    fig.update_xaxes(title=t("count_needs", language))
    return layout(fig, language, source, title, height=400, below=40)


def pipeline_by_source(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Share of needs from each source (survey, visit, network) that reached each stage, from
    ``View.pipeline("kilde")``; a source whose total is hidden is left out. A hidden share says ":" (or "<3"
    where the table has ``primaer``), as in :func:`funnel_by_region`."""
    stages = taxonomy.labels("behov_status", language)
    sources = taxonomy.labels("behov_kilde", language)
    fig = figure()
    for i, (code, label) in enumerate(sources.items()):
        if code not in table.index.get_level_values(0):
            continue
        part = table.xs(code, level=0).reindex(FUNNEL_STAGES)
        total = part.at["kartlagt", "behov"]
        if not total or pd.isna(total):
            continue
        share = part["behov"] / total
        marks = [m or (COMPLEMENTARY if pd.isna(v) else "") for m, v in zip(hidden_markers(part), share, strict=True)]
        fig.add_trace(
            dict(
                type="bar",
                name=html_text(f"{label} (n = {format_number(total, language)})"),
                x=[wrapped(stages[s], 14) for s in FUNNEL_STAGES],
                y=share.fillna(0).to_numpy(),
                marker_color=OTHER_COLOURS[i % len(OTHER_COLOURS)],
                text=[
                    "" if stage == FUNNEL_STAGES[0] else m or format_percent(v, language)
                    for stage, v, m in zip(FUNNEL_STAGES, share, marks, strict=True)
                ],
                textposition="outside",
                textfont={"size": 11},
                cliponaxis=False,
                customdata=[m or format_percent(v, language) for v, m in zip(share, marks, strict=True)],
                hovertemplate="%{x}: %{customdata}<extra>" + html_text(label) + "</extra>",
            )
        )
    fig.update_yaxes(title=t("share_reached", language), range=[0, 1.15], **percent_ticks(language))
    fig.update_layout(barmode="group", uniformtext={"minsize": 9, "mode": "hide"})
    return layout(fig, language, source, title, height=400, below=58)


def monthly_status(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Needs registered per month, stacked by current status, from ``View.counts(("maaned", "status"))``;
    hidden cells add nothing to the stack. The statuses are steps of one purple hue (closed: grey)."""
    labels = taxonomy.labels("behov_status", language)
    values = table["behov"].unstack("status")
    fig = figure()
    for code in taxonomy.codes("behov_status"):
        if code in values.columns and values[code].fillna(0).sum() > 0:
            fig.add_trace(
                dict(
                    type="bar",
                    x=values.index,
                    y=values[code].fillna(0),
                    name=html_text(labels[code]),
                    marker_color=STATUS_COLOURS[code],
                    hovertemplate="%{x|%m.%Y}: %{y:,.0f} "
                    + t("unit_needs", language)
                    + "<extra>"
                    + labels[code]
                    + "</extra>",
                )
            )
    fig.update_layout(barmode="stack")
    top = float(values.fillna(0).sum(axis=1).max()) if len(values) else 0.0
    fig.update_yaxes(**count_axis({"title": t("count_needs", language)}, top))
    fig.update_xaxes(title=t("month", language), tickformat="%m.%Y" if language == "nb" else "%b %Y")
    return layout(fig, language, source, title, height=360)


def area_order(table: pd.DataFrame, measure: str, language: str) -> list[str]:
    """Competence-area labels, largest total of ``measure`` first, from a (…, kompetanseomrade) count table:
    one shared order, so panels side by side compare."""
    areas = taxonomy.labels("kompetanseomrade", language)
    totals = table[measure].groupby(level="kompetanseomrade", observed=False).sum(min_count=1).fillna(0)
    return [areas[a] for a in totals.sort_values(ascending=False, kind="stable").index]


def subregion_bars(
    table: pd.DataFrame, region: str, language: str, source: str, order: list[str], maximum: float
) -> go.Figure:
    """Participants by competence area in one sub-region (its own colour; grey outside the pilot), from
    ``View.counts(("delregion", "kompetanseomrade"), "deltakere")``, on a shared scale and order."""
    areas = taxonomy.labels("kompetanseomrade", language)
    sums = table.xs(region, level="delregion")["deltakere"].rename(index=areas)
    colour = SUBREGION_COLOURS[region] if region != OUTSIDE_PILOT else "#6B7785"
    name = t("outside_pilot", language) if region == OUTSIDE_PILOT else region
    return bar_counts(
        sums, language, t("participants", language), source, name, colour=colour, maximum=maximum, order=order
    )


def small_multiple_figures(table: pd.DataFrame, language: str, source: str) -> list[go.Figure]:
    """Participants by competence area for each sub-region and outside the pilot, one figure each, on one
    scale and in one order (largest area first), so a page can lay them out in columns that stack on a phone."""
    order = area_order(table, "deltakere", language)
    maximum = float(table["deltakere"].max()) if len(table) else 0.0
    return [subregion_bars(table, r, language, source, order, maximum) for r in [*SUBREGIONS, OUTSIDE_PILOT]]


def offers_timeline(offers: pd.DataFrame, language: str, title: str | None = None) -> go.Figure:
    """Start dates of offers by competence area (areas sorted by number of offers, most on top); marker
    size = seats; one neutral colour (the rows already say the area)."""
    areas = taxonomy.labels("kompetanseomrade", language)
    counts = offers["kompetanseomrade"].astype(str).value_counts()
    fig = figure()
    for code in [c for c in counts.index if c in areas][::-1]:
        group = offers[(offers["kompetanseomrade"] == code).to_numpy()]
        fig.add_trace(
            dict(
                type="scatter",
                x=group["oppstart"],
                y=[wrapped(areas[code])] * len(group),
                mode="markers",
                name=html_text(areas[code]),
                showlegend=False,
                marker={
                    "size": np.sqrt(group["kapasitet"].astype(float)) * 3,
                    "color": NEUTRAL,
                    "opacity": 0.6,
                    "line": {"width": 0.5, "color": "#1B2733"},
                },
                text=offer_names(group),
                hovertemplate="%{text}<br>%{x|%d.%m.%Y}<extra></extra>",
            )
        )
    fig.update_xaxes(title=t("th_oppstart", language), tickformat="%m.%Y" if language == "nb" else "%b %Y")
    return layout(
        fig, language, records_source(language, offers=offers), title, height=max(360, 34 * len(counts) + 110)
    )


def _area_colour(name: str) -> str:
    """A region's colour: its sub-region colour, or the dark text colour for a municipality or the county."""
    return SUBREGION_COLOURS.get(name, "#1B2733") if name != OUTSIDE_PILOT else "#1B2733"


def profile_comparison(
    region: dict[str, float], county: dict[str, float], region_name: str, language: str, title: str | None = None
) -> go.Figure:
    """Region against the county on the SSB indicators (shares and centrality index)."""
    keys = [
        ("andel_hoyere_utdanning", t("ind_hoyere_utdanning", language)),
        ("endring_befolkning_2020", t("ind_befolkningsendring", language)),
        ("andel_sentralitet_5_6", t("share_central_5_6", language)),
    ]
    fig = figure()
    for name, values, colour in [
        (region_name, region, _area_colour(region_name)),
        (t("county", language), county, "#A0A7AE"),
    ]:
        fig.add_trace(
            dict(
                type="bar",
                y=[wrapped(label, 28) for _, label in keys],
                x=[values[k] for k, _ in keys],
                orientation="h",
                name=html_text(name),
                marker_color=colour,
                text=[format_percent(values[k], language, 1) for k, _ in keys],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{text}<extra>" + html_text(name) + "</extra>",
            )
        )
    shares = [values[k] for values in (region, county) for k, _ in keys if pd.notna(values[k])]
    low, high = min(0.0, *shares), max(0.01, *shares)
    fig.update_xaxes(range=[low * 1.45, high * 1.45], **percent_ticks(language, high, steps=3))
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"})
    source = (
        f"{source_line('utdanning', language, 2025)}; {source_line('befolkning', language, '2020–2026')}; "
        f"{source_line('kommuner', language, 2024)}"
    )
    return layout(fig, language, source, title, height=340)


def population_trend(series: dict[str, pd.Series], language: str, title: str | None = None) -> go.Figure:
    """Population index lines (2020 = 100) for the region and the county."""
    fig = figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            dict(
                type="scatter",
                x=values.index,
                y=values.to_numpy(),
                name=html_text(name),
                mode="lines+markers",
                line={"color": _area_colour(name) if i == 0 else "#A0A7AE", "width": 3},
                hovertemplate="%{x}: %{y:.1f}<extra>" + html_text(name) + "</extra>",
            )
        )
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(title=t("population_index_axis", language))
    return layout(fig, language, source_line("befolkning", language, "2020–2026"), title, height=340)


def gap_cells(table: pd.DataFrame, language: str, place_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The cells of a place × area demand/supply table as a reader sees them: place and area labels, the gap
    (E − T, participants), demand, seats, whether the cell is hidden (``skjult``) and why (``primaer``: built on
    fewer than 3 businesses; else a complement), and its mark (``merke``: "<3", ":" or ""); places and areas with
    neither demand nor seats in the selection are dropped (they lie outside the filter)."""
    areas = taxonomy.labels("kompetanseomrade", language)
    flat = table.reset_index()
    place = flat.columns[0]
    flat = flat[(flat["ettersporsel"].fillna(1) > 0) | (flat["tilbud_fordelt"].fillna(1) > 0) | flat["skjult"]]
    names = {OUTSIDE_PILOT: t("outside_pilot", language), **(place_labels or {})}
    return pd.DataFrame(
        {
            "sted": flat[place].astype(str).map(lambda p: names.get(p, p)),
            "kompetanseomrade": flat["kompetanseomrade"].astype(str).map(areas),
            "gap": flat["gap"],
            "ettersporsel": flat["ettersporsel"],
            "tilbud_fordelt": flat["tilbud_fordelt"],
            "skjult": flat["skjult"].astype(bool),
            "primaer": flat["primaer"].astype(bool) if "primaer" in flat else False,
            "merke": hidden_markers(flat).to_numpy(),
        }
    ).reset_index(drop=True)


def gap_heatmap(
    table: pd.DataFrame,
    language: str,
    source: str,
    place_labels: dict[str, str] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Place × competence area heatmap of the shortfall of seats, E − T (participants): the number in a cell
    and its colour show the same measure (orange = too few seats, purple = seats to spare, 0 in the middle).

    ``table`` is ``View.demand_supply((place, "kompetanseomrade"))``. Rows (places) and columns (areas) are
    sorted by their total shortfall, largest first; places and areas with neither demand nor seats in the
    selection are dropped. Hidden cells (``skjult``) show no colour and "<3" when built on fewer than 3
    businesses (``primaer``), ":" when hidden as a complement; a blank cell has neither demand nor seats.
    """
    cells = gap_cells(table, language, place_labels)
    if cells.empty:
        return layout(figure(), language, source, title, height=200)
    wide = cells.set_index(["sted", "kompetanseomrade"])  # one cell per place × area: a reshape, no aggregation
    gap = wide["gap"].astype(float).unstack()
    hidden = wide["skjult"].unstack()
    marks = wide["merke"].unstack()
    rows = gap.sum(axis=1, min_count=1).fillna(-np.inf).sort_values(ascending=False).index
    columns = gap.sum(axis=0, min_count=1).fillna(-np.inf).sort_values(ascending=False).index
    gap = gap.reindex(index=rows, columns=columns)
    hidden = hidden.reindex(index=rows, columns=columns).fillna(False).astype(bool)
    marks = marks.reindex(index=rows, columns=columns).fillna("")
    values = gap.where(~hidden)
    bound = float(np.nanmax(np.abs(values.to_numpy()))) if np.isfinite(values.to_numpy()).any() else 1.0
    text = [
        [
            (m or COMPLEMENTARY) if h else (whole(v, language) if pd.notna(v) else "")
            for v, h, m in zip(row, flags, row_marks, strict=True)
        ]
        for row, flags, row_marks in zip(values.to_numpy(), hidden.to_numpy(), marks.to_numpy(), strict=True)
    ]
    bar_title = t(
        "legend_ends",
        language,
        title=t("legend_gap", language),
        low=t("legend_surplus", language),
        high=t("legend_shortfall", language),
    )
    fig = figure(
        dict(
            type="heatmap",
            z=values.to_numpy(),
            x=[wrapped(c, 11) for c in columns],
            y=[html_text(r) for r in rows],
            colorscale=DIVERGING,
            zmid=0,
            zmin=-bound,
            zmax=bound,
            text=text,
            texttemplate="%{text}",
            xgap=1,
            ygap=1,
            hovertemplate="%{y} · %{x}<br>" + t("legend_gap", language) + ": %{text}<extra></extra>",
            colorbar={
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 0,
                "yanchor": "top",
                "ypad": 8,
                "len": 1.0,
                "thickness": 12,
                "title": {"text": bar_title, "side": "top", "font": {"size": 12}},
                "tickformat": ",d",
                "outlinewidth": 0,
            },
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    # Labels on top keep the source line free; the top margin holds the title and the wrapped labels.
    fig.update_xaxes(tickangle=0, side="top", automargin=False, tickfont={"size": 11})
    fig.update_layout(plot_bgcolor="#FFFFFF")
    lines = max((len(wrap(c, 11)) for c in columns), default=1)
    fig = layout(fig, language, source, title, height=max(300, 30 * len(rows) + 230), below=70)
    title_px = (19 * len(wrap(title, TITLE_WRAP)) + 18) if title else 10
    fig.update_layout(margin={"t": title_px + 15 * lines + 14}, height=fig.layout.height + 15 * lines)
    return fig


def gap_bar_list(
    table: pd.DataFrame,
    language: str,
    source: str,
    place_labels: dict[str, str] | None = None,
    top: int = 15,
    title: str | None = None,
) -> go.Figure:
    """The heatmap for a phone: its cells as one sorted list of bars, the largest shortfalls of seats first
    (orange = too few seats, purple = seats to spare), at most ``top`` cells; hidden cells are left out."""
    cells = gap_cells(table, language, place_labels)
    cells = cells[~cells["skjult"] & cells["gap"].notna() & (cells["gap"] != 0)]
    cells = cells.reindex(cells["gap"].abs().sort_values(ascending=False).index).head(top)
    cells = cells.sort_values("gap")
    labels = [wrapped(f"{p} · {a}", 26) for p, a in zip(cells["sted"], cells["kompetanseomrade"], strict=True)]
    fig = figure(
        dict(
            type="bar",
            x=cells["gap"].to_numpy(),
            y=labels,
            orientation="h",
            marker_color=[DEMAND_COLOUR if v > 0 else SUPPLY_COLOUR for v in cells["gap"]],
            text=[whole(v, language) for v in cells["gap"]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    low, high = (
        float(min(0, cells["gap"].min() if len(cells) else 0)),
        float(max(1, cells["gap"].max() if len(cells) else 1)),
    )
    fig.update_xaxes(title=t("axis_gap_short", language), range=[low * 1.3, high * 1.3], tickformat=",d")
    return layout(fig, language, source, title, height=max(260, 40 * len(cells) + 120))


def demand_supply_bars(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Demand and apportioned supply per competence area (``table`` indexed by kompetanseomrade), the area
    with the largest demand on top; orange = demand, purple = seats, as in the heatmaps."""
    areas = taxonomy.labels("kompetanseomrade", language)
    table = table.reindex([a for a in areas if a in table.index])
    table = table.sort_values("ettersporsel", ascending=False, na_position="last")
    labels = [wrapped(areas[a]) for a in table.index]
    fig = figure(
        [
            dict(
                type="bar",
                y=labels,
                x=table["ettersporsel"],
                orientation="h",
                name=t("demand", language),
                marker_color=DEMAND_COLOUR,
                hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
            ),
            dict(
                type="bar",
                y=labels,
                x=table["tilbud_fordelt"],
                orientation="h",
                name=t("supply", language),
                marker_color=SUPPLY_COLOUR,
                hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed", "automargin": True})
    top = float(np.nanmax(table[["ettersporsel", "tilbud_fordelt"]].to_numpy())) if len(table) else 0.0
    fig.update_xaxes(**count_axis({"title": t("participants_or_seats", language)}, top))
    return layout(fig, language, source, title, height=max(320, 44 * len(labels) + 130))


def sankey_area_provider(
    best: pd.DataFrame, needs: pd.DataFrame, offers: pd.DataFrame, language: str, title: str | None = None
) -> go.Figure:
    """Flows from needs' competence areas to the providers of their best candidate offer (participants).

    ``best`` holds the rank-1 rows of :func:`kompilot_data.engine.matching.rank_candidates`. Node labels
    (providers are user text) are escaped: plotly renders them, and their hovers, as HTML.
    """
    areas = taxonomy.labels("kompetanseomrade", language)
    merged = best.merge(needs[["behov_id", "kompetanseomrade", "antall_deltakere"]], on="behov_id").merge(
        offers[["tilbud_id", "tilbyder"]], on="tilbud_id"
    )
    flows = merged.groupby([merged["kompetanseomrade"].astype(str), "tilbyder"], observed=True)[
        "antall_deltakere"
    ].sum()
    flows = flows[flows > 0]
    area_nodes = sorted({a for a, _ in flows.index}, key=list(areas).index)
    provider_totals = flows.groupby(level=1).sum().sort_values(ascending=False)
    provider_nodes = list(provider_totals.index)
    labels = [html_text(areas[a]) for a in area_nodes] + [html_text(p) for p in provider_nodes]
    index = {("a", a): i for i, a in enumerate(area_nodes)} | {
        ("p", p): len(area_nodes) + i for i, p in enumerate(provider_nodes)
    }
    colours = ["#3D4A5C"] * len(area_nodes) + ["#8C8C8C"] * len(provider_nodes)  # no sub-region colours
    fig = figure(
        dict(
            type="sankey",
            node={"label": labels, "color": colours, "pad": 12, "thickness": 14},
            link={
                "source": [index[("a", a)] for a, _ in flows.index],
                "target": [index[("p", p)] for _, p in flows.index],
                "value": flows.to_numpy(),
                "color": [_transparent(colours[index[("a", a)]]) for a, _ in flows.index],
            },
        )
    )
    fig.update_traces(textfont={"size": 12, "color": "#1B2733"})
    return layout(
        fig, language, records_source(language, needs, offers), title, height=max(420, 18 * len(labels)), below=8
    )


def _transparent(hex_colour: str, alpha: float = 0.35) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def centrality_access(
    table: pd.DataFrame, language: str, source: str, limit: float, unit: str, title: str | None = None
) -> go.Figure:
    """Mean travel to the nearest matching offer with a study place, per SSB centrality class, from
    ``View.centrality_table``. Each class's label says the share of its open needs with such an offer within
    reach and how many open needs it has; the bar's own label is the mean (short, so it is never cut).

    ``limit`` and ``unit`` ("min" or "km") name the reach. Classes without open needs are left out; hidden ones show "<3" (``primaer``) or ":" (a complement).
    """
    shown = table[table["apne_behov"].isna() | (table["apne_behov"] > 0)]
    marks = hidden_markers(shown).to_numpy()
    reach_label = f"{format_number(limit, language)} {unit}"
    labels = [
        t(f"centrality_class_{int(c)}", language)
        + "<br><span style='font-size:11px'>"
        + (
            m
            if h
            else t(
                "centrality_bar_text",
                language,
                share=format_percent(s, language),
                reach=reach_label,
                needs=format_number(n, language),
            )
        )
        + "</span>"
        for c, s, n, h, m in zip(
            shown.index, shown["andel_innen_rekkevidde"], shown["apne_behov"], shown["skjult"], marks, strict=True
        )
    ]
    means = shown["naermeste_snitt"]
    fig = figure(
        dict(
            type="bar",
            x=means.fillna(0).to_numpy(),
            y=labels,
            orientation="h",
            marker_color=NEUTRAL,
            text=[
                m if h else "–" if pd.isna(v) else f"{format_number(v, language)} {unit}"
                for v, h, m in zip(means, shown["skjult"], marks, strict=True)
            ],
            textposition="auto",
            insidetextanchor="end",
            textfont={"color": "#1B2733"},
            insidetextfont={"color": "#FFFFFF"},
            textangle=0,
            cliponaxis=False,
            hovertemplate="%{y}<br>%{text}<extra></extra>",
        )
    )
    top = float(means.max()) if means.notna().any() else 1.0
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=unit, range=room_for_labels(top, 0.25), tickformat=",d")
    return layout(fig, language, source, title, height=max(280, 54 * len(labels) + 120))
