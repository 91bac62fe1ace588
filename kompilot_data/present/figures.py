"""Figure builders: plain functions of data that return plotly figures.

Shared by the app's pages, the CLI and downloadable briefings. Every figure
carries its source line at the bottom, so a saved PNG keeps its attribution.
Maps use MapLibre's ``white-bg`` style by default: no tiles, fonts or
topojson are fetched, so they render offline.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kompilot_data.access import SUPPRESSED
from kompilot_data.engine.indicators import INDICATORS
from kompilot_data.i18n import format_number, format_percent, plotly_separators, t
from kompilot_data.reference import (
    OUTSIDE_PILOT,
    SUBREGIONS,
    load_geojson,
    load_subregion_geometry,
    source_line,
    taxonomy,
)

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SUBREGION_COLOURS = {"Namdalen": "#0072B2", "Trøndelag sør": "#E69F00", "Fosen": "#009E73", OUTSIDE_PILOT: "#DDDDDD"}
SEQUENTIAL = "Blues"
DIVERGING = "PuOr_r"  # purple = more supply, orange = unmet demand; colour-blind safe
ORDINAL = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#FDAE6B", "#E6550D"]  # centrality 1..6
STATUS_COLOURS = {
    "kartlagt": "#56B4E9",
    "koblet": "#0072B2",
    "etablert": "#009E73",
    "gjennomfort": "#004D40",
    "avsluttet": "#BBBBBB",
}
MAP_CENTER = {"lat": 63.85, "lon": 11.1}
MAP_ZOOM = 5.5
# Drawn in this order: schools first, so universities and colleges stay visible on top.
PLACE_COLOURS = {
    "vgs": "#000000",
    "annet": "#F0E442",
    "studiesenter": "#56B4E9",
    "fagskole": "#D55E00",
    "universitet": "#CC79A7",
}
FUNNEL_STAGES = ("kartlagt", "koblet", "etablert", "gjennomfort")


@lru_cache(maxsize=1)
def _template() -> go.layout.Template:
    """plotly's ``plotly_white`` template, validated once per process."""
    return pio.templates["plotly_white"]


def _set_template(fig: go.Figure) -> None:
    """Give ``fig`` the ``plotly_white`` template without validating it again.

    ``update_layout(template=...)`` copies and validates the whole template, some 15 ms a figure and the
    largest single cost of a page rerun (issue 17). The template is validated once (:func:`_template`);
    it is assigned the way plotly assigns its default template (``_validate`` off for that one property).
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = _template()
    finally:
        layout._validate = validate


def _layout(fig: go.Figure, language: str, source: str, title: str | None = None, height: int = 380) -> go.Figure:
    """Common look. From the plot downwards: tick labels, axis title, the source line, then the legend
    (pinned to the figure's bottom edge), so none of them overlap."""
    has_legend = any(getattr(trace, "showlegend", None) is not False and trace.name for trace in fig.data)
    _set_template(fig)
    fig.update_layout(
        separators=plotly_separators(language),
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 118 if has_legend else 92},
        title={"text": title, "x": 0, "font": {"size": 16}} if title else None,
        font={"family": "Source Sans Pro, Arial, sans-serif", "size": 13},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
    )
    fig.add_annotation(
        text=source,
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        yshift=-62,
        showarrow=False,
        xanchor="right",  # long source lines run left, over the tick-label margin, instead of being cut
        yanchor="top",
        align="right",
        font={"size": 11, "color": "#555"},
    )
    return fig


def records_source(language: str, needs: pd.DataFrame | None = None, offers: pd.DataFrame | None = None) -> str:
    """Source line for figures computed from needs and offers: demo or registered records, and their years."""
    frames = [(f, column) for f, column in ((needs, "registrert"), (offers, "oppstart")) if f is not None and len(f)]
    demo = any(bool(frame["demo"].any()) for frame, _ in frames)
    years = sorted({int(y) for frame, column in frames for y in frame[column].dt.year.dropna().unique()})
    span = "" if not years else f" ({years[0]}–{years[-1]})" if years[0] != years[-1] else f" ({years[0]})"
    return t("records_source_demo" if demo else "records_source", language, span=span)


def indicator_source(key: str, language: str, table: pd.DataFrame | None = None, records: str | None = None) -> str:
    """Source line of a map indicator; ``records`` is the :func:`records_source` line for needs-based ones."""
    indicator = INDICATORS[key]
    if indicator.source == "demo":
        return records or t("records_source", language, span="")
    year = None
    if indicator.source == "befolkning" and table is not None:
        versus = (" mot 2020" if language == "nb" else " vs 2020") if key == "befolkningsendring" else ""
        year = f"{int(table['befolkning_aar'].iloc[0])}{versus}"
    elif indicator.source == "utdanning" and table is not None:
        year = int(table["utdanning_aar"].iloc[0])
    elif indicator.source == "kommuner":
        year = 2024
    return source_line(indicator.source, language, year=year)


def format_indicator(key: str, value: float, language: str) -> str:
    indicator = INDICATORS[key]
    if key == "delregion":
        return str(value)
    if pd.isna(value):
        return "–"
    if indicator.percent:
        return format_percent(value, language, 1)
    decimals = 2 if key == "mismatch" else (1 if key == "behov_per_1000" else 0)
    text = format_number(value, language, decimals)
    return f"{text} {t(indicator.unit_key, language)}" if indicator.unit_key else text


def choropleth_map(
    table: pd.DataFrame,
    indicator: str,
    language: str = "nb",
    places: pd.DataFrame | None = None,
    show_outlines: bool = True,
    selected: list[str] | None = None,
    basemap: bool = False,
    height: int = 620,
    records: str | None = None,
    geojson: dict | str | None = None,
    outlines: dict | str | None = None,
) -> go.Figure:
    """Choropleth of the 38 municipalities for ``indicator`` (a key of ``INDICATORS``).

    ``table`` is :func:`kompilot_data.engine.indicators.municipality_table`. ``places``
    (study places with ``lat``, ``lon``, ``navn``, ``type``) are drawn as points
    coloured by type. ``selected`` municipalities get a thick outline. Rows with ``skjult``
    (the View's protection for viewers) show no colour and "<3" on hover.
    ``records`` is the :func:`records_source` line shown under indicators built on needs and offers.

    ``geojson`` and ``outlines`` are the municipality polygons and the sub-region outlines: ``None`` embeds
    them in the figure (:func:`kompilot_data.reference.load_geojson`, :func:`subregion_geojson`), so a saved
    figure works offline as one file; a URL (the app serves both as static files) lets the browser fetch
    each once, so a rerun sends only the values (issue 17).
    """
    spec = INDICATORS[indicator]
    label = t(f"ind_{indicator}", language)
    geojson = load_geojson() if geojson is None else geojson
    codes = table.index.astype(str).tolist()
    hidden = table["skjult"].to_numpy(bool) if "skjult" in table else np.zeros(len(table), dtype=bool)
    hidden = hidden & bool(spec.estimate)  # public statistics are never hidden
    hover_values = [
        SUPPRESSED if h else format_indicator(indicator, v, language)
        for v, h in zip(table[spec.column], hidden, strict=True)
    ]
    region_names = [t("outside_pilot", language) if r == OUTSIDE_PILOT else r for r in table["delregion"]]
    customdata = np.column_stack([table["navn"], codes, region_names, hover_values])
    hovertemplate = (
        "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
        + t("filter_region", language)
        + ": %{customdata[2]}<br>"
        + label
        + ": %{customdata[3]}<extra></extra>"
    )
    fig = go.Figure()
    common = dict(
        geojson=geojson,
        locations=codes,
        featureidkey="properties.kommunenummer",
        customdata=customdata,
        hovertemplate=hovertemplate,
        marker={"line": {"color": "#FFFFFF", "width": 0.6}, "opacity": 0.9},
    )
    if spec.scale == "category":
        # One trace (the GeoJSON is sent once) with a stepped colour scale; legend entries are empty markers.
        order = [*SUBREGIONS, OUTSIDE_PILOT]
        values = table["delregion"].map({name: i for i, name in enumerate(order)}).to_numpy(float)
        steps = []
        for i, name in enumerate(order):
            steps += [[i / len(order), SUBREGION_COLOURS[name]], [(i + 1) / len(order), SUBREGION_COLOURS[name]]]
        fig.add_trace(
            go.Choroplethmap(**common, z=values, zmin=-0.5, zmax=len(order) - 0.5, colorscale=steps, showscale=False)
        )
        for name in order:
            fig.add_trace(
                go.Scattermap(
                    lon=[None],
                    lat=[None],
                    mode="markers",
                    marker={"size": 12, "color": SUBREGION_COLOURS[name]},
                    name=t("outside_pilot", language) if name == OUTSIDE_PILOT else name,
                    hoverinfo="skip",
                )
            )
    else:
        values = np.where(hidden, np.nan, table[spec.column].astype(float).to_numpy())
        colour_args = _colour_args(spec.scale, values, indicator, language)
        fig.add_trace(go.Choroplethmap(**common, z=values, name=label, **colour_args))
    if show_outlines:
        _add_outlines(fig, language, outlines)
    if selected:
        if isinstance(geojson, str):  # the polygons the browser already has, outlined: no coordinates sent
            _add_outlined_polygons(fig, geojson, [c for c in selected if c in set(codes)])
        else:
            _add_selection(fig, selected)
    if places is not None and len(places):
        _add_places(fig, places, language)
    fig.update_layout(
        map={"style": "open-street-map" if basemap else "white-bg", "center": MAP_CENTER, "zoom": MAP_ZOOM},
        clickmode="event+select",
        uirevision="kart",  # keep the user's pan/zoom across reruns
    )
    return _layout(fig, language, indicator_source(indicator, language, table, records), height=height)


def _colour_args(scale: str, values: np.ndarray, indicator: str, language: str) -> dict:
    finite = values[np.isfinite(values)]
    colorbar = {"title": {"text": ""}, "thickness": 14, "len": 0.6, "x": 0.99}
    if INDICATORS[indicator].percent:
        colorbar["tickformat"] = ".0%"
    if scale == "diverging":
        bound = float(np.nanmax(np.abs(finite))) if len(finite) else 1.0
        bound = 1.0 if indicator == "mismatch" else bound
        return {"colorscale": DIVERGING, "zmid": 0, "zmin": -bound, "zmax": bound, "colorbar": colorbar}
    if scale == "ordinal":
        steps = []
        for i, colour in enumerate(ORDINAL):
            steps += [[i / 6, colour], [(i + 1) / 6, colour]]
        colorbar.update(tickvals=[1, 2, 3, 4, 5, 6], ticktext=["1", "2", "3", "4", "5", "6"])
        return {"colorscale": steps, "zmin": 0.5, "zmax": 6.5, "colorbar": colorbar}
    return {"colorscale": SEQUENTIAL, "colorbar": colorbar}


def _line_coordinates(geometries) -> tuple[list, list]:
    lons, lats = [], []
    for geom in geometries:
        for part in getattr(geom, "geoms", [geom]):
            for ring in [part.exterior, *part.interiors]:
                xs, ys = ring.xy
                lons += [*xs, None]
                lats += [*ys, None]
    return lons, lats


@lru_cache(maxsize=1)
def subregion_geojson() -> dict:
    """The sub-region outlines (:func:`kompilot_data.reference.load_subregion_geometry`) as a GeoJSON
    FeatureCollection, one feature per sub-region with ``properties.delregion``."""
    from shapely.geometry import mapping

    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": name, "properties": {"delregion": name}, "geometry": mapping(geometry)}
            for name, geometry in load_subregion_geometry().items()
        ],
    }


#: File names of the map geometry the app serves (see :func:`write_map_geometry`), by argument name.
MAP_GEOMETRY_FILES = {"geojson": "kommuner", "outlines": "delregioner"}


def write_map_geometry(folder) -> dict[str, str]:
    """Write the municipality polygons and the sub-region outlines as compact GeoJSON files into ``folder``,
    named by their content (``kommuner-<hash>.json``), so a browser never keeps an outdated copy.

    Returns the file names by argument of :func:`choropleth_map` and :func:`offer_map` (``geojson``,
    ``outlines``). Older versions of the files are removed; an unchanged file is not rewritten.
    """
    import hashlib
    import json
    import os
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for argument, collection in (("geojson", load_geojson()), ("outlines", subregion_geojson())):
        data = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
        stem = MAP_GEOMETRY_FILES[argument]
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.json"
        target = folder / name
        if not target.exists() or target.read_bytes() != data:
            partial = folder / f".{name}.{os.getpid()}"
            partial.write_bytes(data)
            os.replace(partial, target)  # atomic: a browser never reads half a file
        for old in folder.glob(f"{stem}-*.json"):
            if old.name != name:
                old.unlink(missing_ok=True)
        names[argument] = name
    return names


def _add_outlined_polygons(
    fig: go.Figure, geojson: dict | str, locations: list[str], key: str = "properties.kommunenummer", **line
) -> None:
    """Outline ``locations`` of ``geojson`` (a FeatureCollection or its URL) on a MapLibre map, no fill.

    A choropleth trace with a transparent fill: with a URL, the browser reuses the polygons it has already
    fetched, so the outline costs a few bytes, not the coordinates. The trace takes no hover or click.
    """
    clear = "rgba(0,0,0,0)"
    fig.add_trace(
        go.Choroplethmap(
            geojson=geojson,
            locations=locations,
            featureidkey=key,
            z=np.zeros(len(locations)),
            colorscale=[[0, clear], [1, clear]],
            showscale=False,
            showlegend=False,
            hoverinfo="skip",
            marker={"line": {"color": line.get("color", "#D55E00"), "width": line.get("width", 3.5)}},
        )
    )


def _add_outlines(fig: go.Figure, language: str, outlines: dict | str | None = None) -> None:
    """The sub-region outlines: ``outlines`` is their GeoJSON or its URL (``None``: :func:`subregion_geojson`)."""
    outlines = subregion_geojson() if outlines is None else outlines
    _add_outlined_polygons(fig, outlines, list(SUBREGIONS), "properties.delregion", color="#1B2733", width=2.2)


def _add_selection(fig: go.Figure, selected: list[str], on_map: bool = True) -> None:
    """A thick outline around the selected municipalities (MapLibre map or plain axes)."""
    from kompilot_data.reference import load_geometry

    geometry = load_geometry().geometry
    lons, lats = _line_coordinates([geometry[c] for c in selected if c in geometry.index])
    style = {"mode": "lines", "line": {"color": "#D55E00", "width": 3.5}, "hoverinfo": "skip", "showlegend": False}
    fig.add_trace(go.Scattermap(lon=lons, lat=lats, **style) if on_map else go.Scatter(x=lons, y=lats, **style))


def _add_places(fig: go.Figure, places: pd.DataFrame, language: str) -> None:
    labels = taxonomy.labels("studiested_type", language)
    located = places.dropna(subset=["lat", "lon"])
    for kind in [k for k in PLACE_COLOURS if k in set(located["type"])]:
        group = located[located["type"] == kind]
        fig.add_trace(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                marker={"size": 11 if kind != "vgs" else 7, "color": PLACE_COLOURS[kind]},
                name=labels.get(kind, kind),
                text=group["navn"] + " – " + group["sted"].astype(str),
                hovertemplate="%{text}<extra>" + labels.get(kind, kind) + "</extra>",
            )
        )


def bar_counts(
    counts: pd.Series,
    language: str,
    value_label: str,
    source: str,
    title: str | None = None,
    colour: str = OKABE_ITO[0],
    height: int | None = None,
) -> go.Figure:
    """Horizontal bars of ``counts`` (index = labels), largest on top; NaN (suppressed) shows as "<3"."""
    counts = counts.sort_values(na_position="first")
    fig = go.Figure(
        go.Bar(
            x=counts.fillna(0).to_numpy(),
            y=counts.index.astype(str),
            orientation="h",
            marker_color=colour,
            hovertemplate="%{y}: %{text}<extra></extra>",
            text=[SUPPRESSED if pd.isna(v) else format_number(v, language) for v in counts],
            textposition="outside",
            cliponaxis=False,
        )
    )
    fig.update_xaxes(title=value_label)
    return _layout(fig, language, source, title, height=height or max(260, 28 * len(counts) + 90))


def labelled(values: pd.Series, taxonomy_name: str, language: str) -> pd.Series:
    """A View count column (indexed by codes) relabelled in ``language``; hidden cells stay NaN ("<3")."""
    return values.rename(index=taxonomy.labels(taxonomy_name, language))


def treemap_area_level(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """Participants by competence area and level, from ``View.counts(("kompetanseomrade", "niva"), "deltakere")``.

    Hidden cells (``skjult``) are left out, and each area's total is the sum of its shown levels.
    """
    areas = taxonomy.labels("kompetanseomrade", language)
    levels = taxonomy.labels("niva", language)
    shown = table[~table["skjult"] & (table["deltakere"] > 0)].reset_index()
    area_totals = shown.groupby("kompetanseomrade", observed=True, sort=False)["deltakere"].sum()
    ids = [str(a) for a in area_totals.index] + [
        f"{a}/{lv}" for a, lv in zip(shown["kompetanseomrade"], shown["niva"], strict=True)
    ]
    labels = [areas[a] for a in area_totals.index] + [levels[lv] for lv in shown["niva"]]
    parents = [""] * len(area_totals) + list(shown["kompetanseomrade"].astype(str))
    values = list(area_totals.to_numpy()) + list(shown["deltakere"].to_numpy())
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": [OKABE_ITO[i % 7] for i in range(len(area_totals))] + [None] * len(shown)},
            hovertemplate="%{label}: %{value:,.0f}<extra></extra>",
        )
    )
    return _layout(fig, language, source, height=460)


def stage_counts(needs: pd.DataFrame) -> pd.Series:
    """Needs that reached each pipeline stage (a closed need reached "kartlagt" only)."""
    stage = needs["status"].map(taxonomy.attribute("behov_status", "trinn")).astype(int)
    reached = {code: int((stage >= k + 1).sum()) for k, code in enumerate(FUNNEL_STAGES)}
    reached["kartlagt"] = len(needs)
    return pd.Series(reached)


def funnel_by_region(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """The brokering pipeline as a funnel per sub-region, from ``View.pipeline("delregion")``; hidden stages
    show no bar."""
    labels = taxonomy.labels("behov_status", language)
    fig = go.Figure()
    for name in [*SUBREGIONS, OUTSIDE_PILOT]:
        if name not in table.index.get_level_values(0):
            continue
        part = table.xs(name, level=0).reindex(FUNNEL_STAGES)
        if part["behov"].fillna(0).sum() == 0:
            continue
        fig.add_trace(
            go.Funnel(
                name=t("outside_pilot", language) if name == OUTSIDE_PILOT else name,
                y=[labels[s] for s in FUNNEL_STAGES],
                x=part["behov"].to_numpy(),
                text=[
                    SUPPRESSED if h else format_number(v, language)
                    for v, h in zip(part["behov"], part["skjult"], strict=True)
                ],
                textinfo="text",
                marker={"color": SUBREGION_COLOURS[name] if name != OUTSIDE_PILOT else "#999999"},
            )
        )
    return _layout(fig, language, source, height=420)


def pipeline_by_source(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """Share of needs from each source (survey, visit, network) that reached each stage, from
    ``View.pipeline("kilde")``; a source whose total is hidden is left out."""
    stages = taxonomy.labels("behov_status", language)
    sources = taxonomy.labels("behov_kilde", language)
    fig = go.Figure()
    for i, (code, label) in enumerate(sources.items()):
        if code not in table.index.get_level_values(0):
            continue
        part = table.xs(code, level=0).reindex(FUNNEL_STAGES)
        total = part.at["kartlagt", "behov"]
        if not total or pd.isna(total):
            continue
        share = part["behov"] / total
        fig.add_trace(
            go.Bar(
                name=f"{label} (n = {format_number(total, language)})",
                x=[stages[s] for s in FUNNEL_STAGES],
                y=share.fillna(0).to_numpy(),
                marker_color=OKABE_ITO[i],
                text=[SUPPRESSED if pd.isna(v) else format_percent(v, language) for v in share],
                textposition="outside",
                hovertemplate="%{x}: %{text}<extra>" + label + "</extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", title=t("share_reached", language), range=[0, 1.1])
    fig.update_layout(barmode="group")
    return _layout(fig, language, source, height=400)


def monthly_status(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """Needs registered per month, stacked by current status, from ``View.counts(("maaned", "status"))``;
    hidden cells add nothing to the stack."""
    labels = taxonomy.labels("behov_status", language)
    values = table["behov"].unstack("status")
    fig = go.Figure()
    for code in taxonomy.codes("behov_status"):
        if code in values.columns and values[code].fillna(0).sum() > 0:
            fig.add_trace(
                go.Bar(x=values.index, y=values[code].fillna(0), name=labels[code], marker_color=STATUS_COLOURS[code])
            )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("count_needs", language))
    fig.update_xaxes(title=t("month", language), tickformat="%m.%Y" if language == "nb" else "%b %Y")
    return _layout(fig, language, source, height=360)


def small_multiple_figures(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """Participants by competence area for each sub-region, side by side on one scale, from
    ``View.counts(("delregion", "kompetanseomrade"), "deltakere")``; hidden cells show "<3"."""
    from plotly.subplots import make_subplots

    areas = taxonomy.labels("kompetanseomrade", language)
    names = list(SUBREGIONS)
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, subplot_titles=names, horizontal_spacing=0.03)
    order = list(areas)[::-1]
    for i, name in enumerate(names, start=1):
        sums = table.xs(name, level="delregion")["deltakere"].reindex(order)
        fig.add_trace(
            go.Bar(
                x=sums.fillna(0).to_numpy(),
                y=[areas[a] for a in order],
                orientation="h",
                showlegend=False,
                marker_color=SUBREGION_COLOURS[name],
                customdata=[SUPPRESSED if pd.isna(v) else format_number(v, language) for v in sums],
                hovertemplate="%{y}: %{customdata}<extra>" + name + "</extra>",
            ),
            row=1,
            col=i,
        )
    fig.update_xaxes(matches="x")  # one scale for all sub-regions, so bars compare
    _layout(fig, language, source, height=420)
    fig.update_layout(margin={"t": 30})
    return fig


def offers_timeline(offers: pd.DataFrame, language: str) -> go.Figure:
    """Start dates of offers by competence area; marker size = seats."""
    areas = taxonomy.labels("kompetanseomrade", language)
    fig = go.Figure()
    for i, code in enumerate(taxonomy.codes("kompetanseomrade")):
        group = offers[(offers["kompetanseomrade"] == code).to_numpy()]
        if group.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=group["oppstart"],
                y=[areas[code]] * len(group),
                mode="markers",
                name=areas[code],
                marker={
                    "size": np.sqrt(group["kapasitet"].astype(float)) * 3,
                    "color": OKABE_ITO[i % 8],
                    "opacity": 0.75,
                    "line": {"width": 0.5, "color": "#333"},
                },
                text=group["tittel"] + " – " + group["tilbyder"],
                showlegend=False,
                hovertemplate="%{text}<br>%{x|%d.%m.%Y}<extra></extra>",
            )
        )
    fig.update_xaxes(tickformat="%m.%Y" if language == "nb" else "%b %Y")
    return _layout(fig, language, records_source(language, offers=offers), height=420)


def profile_comparison(
    region: dict[str, float], county: dict[str, float], region_name: str, language: str
) -> go.Figure:
    """Region against the county on the SSB indicators (shares and centrality index)."""
    keys = [
        ("andel_hoyere_utdanning", t("ind_hoyere_utdanning", language)),
        ("endring_befolkning_2020", t("ind_befolkningsendring", language)),
        (
            "andel_sentralitet_5_6",
            "Andel innbyggere i sentralitetsklasse 5–6"
            if language == "nb"
            else "Share of inhabitants in centrality class 5–6",
        ),
    ]
    fig = go.Figure()
    for name, values, colour in [(region_name, region, OKABE_ITO[0]), (t("county", language), county, "#999999")]:
        fig.add_trace(
            go.Bar(
                y=[label for _, label in keys],
                x=[values[k] for k, _ in keys],
                orientation="h",
                name=name,
                marker_color=colour,
                text=[format_percent(values[k], language, 1) for k, _ in keys],
                textposition="outside",
                cliponaxis=False,
            )
        )
    fig.update_xaxes(tickformat=".0%")
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"})
    source = (
        f"{source_line('utdanning', language, 2025)}; {source_line('befolkning', language, '2020–2026')}; "
        f"{source_line('kommuner', language, 2024)}"
    )
    return _layout(fig, language, source, height=320)


def population_trend(series: dict[str, pd.Series], language: str) -> go.Figure:
    """Population index lines (2020 = 100) for the region and the county."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=values.index,
                y=values.to_numpy(),
                name=name,
                mode="lines+markers",
                line={"color": OKABE_ITO[0] if i == 0 else "#999999", "width": 3},
            )
        )
    fig.update_xaxes(dtick=1)
    return _layout(fig, language, source_line("befolkning", language, "2020–2026"), height=320)


def offer_map(
    table: pd.DataFrame,
    offers: pd.DataFrame,
    language: str,
    height: int = 560,
    geojson: dict | str | None = None,
    outlines: dict | str | None = None,
) -> go.Figure:
    """Offers with a study place as points (colour = level, size = seats) over grey municipalities.

    ``geojson`` and ``outlines`` as in :func:`choropleth_map`: ``None`` embeds the geometry, a URL lets the
    browser fetch it once."""
    geojson = load_geojson() if geojson is None else geojson
    codes = table.index.astype(str).tolist()
    fig = go.Figure(
        go.Choroplethmap(
            geojson=geojson,
            locations=codes,
            featureidkey="properties.kommunenummer",
            z=np.zeros(len(codes)),
            colorscale=[[0, "#EEF1F4"], [1, "#EEF1F4"]],
            showscale=False,
            text=table["navn"],
            hovertemplate="%{text}<extra></extra>",
            marker={"line": {"color": "#FFFFFF", "width": 0.8}},
        )
    )
    _add_outlines(fig, language, outlines)
    levels = taxonomy.labels("niva", language)
    for i, code in enumerate(taxonomy.codes("niva")):
        group = offers[(offers["niva"] == code).to_numpy()]
        if group.empty:
            continue
        fig.add_trace(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                name=levels[code],
                marker={
                    "size": 6 + np.sqrt(group["kapasitet"].astype(float)) * 2,
                    "color": OKABE_ITO[i],
                    "opacity": 0.8,
                },
                text=group["tittel"] + " – " + group["tilbyder"],
                hovertemplate="%{text}<extra>" + levels[code] + "</extra>",
            )
        )
    fig.update_layout(map={"style": "white-bg", "center": MAP_CENTER, "zoom": MAP_ZOOM}, uirevision="tilbudskart")
    source = records_source(language, offers=offers) + "; " + source_line("geometri", language, 2024)
    return _layout(fig, language, source, height=height)


def gap_heatmap(
    table: pd.DataFrame,
    language: str,
    source: str,
    place_labels: dict[str, str] | None = None,
) -> go.Figure:
    """Place × competence area heatmap of the index (diverging, 0 in the middle), the gap in the cells.

    ``table`` is ``View.demand_supply((place, "kompetanseomrade"))``; hidden cells (``skjult``) show "<3"
    and no colour.
    """
    areas = taxonomy.labels("kompetanseomrade", language)
    hidden = table["skjult"].astype(bool)
    index = table["indeks"].where(~hidden).unstack("kompetanseomrade")
    gap = table["gap"].where(~hidden).unstack("kompetanseomrade").reindex(index.index)
    hidden = hidden.unstack("kompetanseomrade", fill_value=False).reindex(index.index).reindex(columns=index.columns)
    columns = [a for a in areas if a in index.columns]
    index, gap, hidden = index[columns], gap[columns], hidden[columns].fillna(False).astype(bool)
    rows = [place_labels.get(p, p) if place_labels else p for p in index.index.astype(str)]
    text = [
        [
            SUPPRESSED if h else (format_number(v, language) if pd.notna(v) else "")
            for v, h in zip(row, flags, strict=True)
        ]
        for row, flags in zip(gap.to_numpy(), hidden.to_numpy(), strict=True)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=index.to_numpy(),
            x=[areas[a] for a in columns],
            y=rows,
            colorscale=DIVERGING,
            zmid=0,
            zmin=-1,
            zmax=1,
            text=text,
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}<br>(D−A)/(D+A) = %{z:.2f}<br>D − A = %{text}<extra></extra>",
            colorbar={"title": {"text": "(D−A)/(D+A)"}, "thickness": 14},
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30, side="top")  # labels on top keep the source line free at the bottom
    _layout(fig, language, source, height=max(340, 28 * len(rows) + 200))
    fig.update_layout(margin={"t": 150})
    return fig


def demand_supply_bars(table: pd.DataFrame, language: str, source: str) -> go.Figure:
    """Demand and apportioned supply per competence area (``table`` indexed by kompetanseomrade)."""
    areas = taxonomy.labels("kompetanseomrade", language)
    table = table.reindex([a for a in areas if a in table.index])
    labels = [areas[a] for a in table.index]
    fig = go.Figure(
        [
            go.Bar(
                y=labels, x=table["ettersporsel"], orientation="h", name=t("demand", language), marker_color="#E66100"
            ),
            go.Bar(
                y=labels, x=table["tilbud_fordelt"], orientation="h", name=t("supply", language), marker_color="#5D3A9B"
            ),
        ]
    )
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"})
    return _layout(fig, language, source, height=max(320, 40 * len(labels) + 120))


def sankey_area_provider(best: pd.DataFrame, needs: pd.DataFrame, offers: pd.DataFrame, language: str) -> go.Figure:
    """Flows from needs' competence areas to the providers of their best candidate offer (participants).

    ``best`` holds the rank-1 rows of :func:`kompilot_data.engine.matching.rank_candidates`.
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
    labels = [areas[a] for a in area_nodes] + provider_nodes
    index = {("a", a): i for i, a in enumerate(area_nodes)} | {
        ("p", p): len(area_nodes) + i for i, p in enumerate(provider_nodes)
    }
    colours = [OKABE_ITO[i % 7] for i in range(len(area_nodes))] + ["#8C8C8C"] * len(provider_nodes)
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "color": colours, "pad": 12, "thickness": 14},
            link={
                "source": [index[("a", a)] for a, _ in flows.index],
                "target": [index[("p", p)] for _, p in flows.index],
                "value": flows.to_numpy(),
                "color": [_transparent(colours[index[("a", a)]]) for a, _ in flows.index],
            },
        )
    )
    return _layout(fig, language, records_source(language, needs, offers), height=max(420, 18 * len(labels)))


def _transparent(hex_colour: str, alpha: float = 0.35) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def static_map(
    table: pd.DataFrame,
    indicator: str,
    language: str = "nb",
    highlight: list[str] | None = None,
    suppressed: np.ndarray | None = None,
    height: int = 640,
    records: str | None = None,
) -> go.Figure:
    """The municipality map drawn as filled polygons on plain axes: no map library, no tiles, no fonts.

    Renders the same in the browser, in a standalone HTML file and as a PNG (kaleido), fully
    offline. ``highlight`` municipalities get a thick outline; ``suppressed`` rows show "<3".
    """
    from plotly.colors import sample_colorscale

    from kompilot_data.reference import load_geometry

    spec = INDICATORS[indicator]
    geometry = load_geometry().geometry
    hidden = table["skjult"].to_numpy(bool) if "skjult" in table else np.zeros(len(table), dtype=bool)
    hidden = hidden & bool(spec.estimate)  # public statistics are never hidden
    if spec.scale == "category":
        colours = [SUBREGION_COLOURS[r] for r in table["delregion"]]
    else:
        values = np.where(hidden, np.nan, table[spec.column].astype(float).to_numpy())
        args = _colour_args(spec.scale, values, indicator, language)
        low = args.get("zmin", np.nanmin(values) if np.isfinite(values).any() else 0)
        high = args.get("zmax", np.nanmax(values) if np.isfinite(values).any() else 1)
        scale = args["colorscale"]
        span = (high - low) or 1
        colours = [
            "#EEEEEE" if not np.isfinite(v) else sample_colorscale(scale, [min(1, max(0, (v - low) / span))])[0]
            for v in values
        ]
    fig = go.Figure()
    label = t(f"ind_{indicator}", language)
    for (code, row), colour, is_hidden in zip(table.iterrows(), colours, hidden, strict=True):
        lons, lats = _line_coordinates([geometry[code]])
        value = SUPPRESSED if is_hidden else format_indicator(indicator, row[spec.column], language)
        fig.add_trace(
            go.Scatter(
                x=lons,
                y=lats,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": "#FFFFFF", "width": 0.6},
                hoveron="fills",
                text=f"{row['navn']} ({code})<br>{label}: {value}",
                hoverinfo="text",
                showlegend=False,
            )
        )
    outlines = load_subregion_geometry()
    lons, lats = _line_coordinates(outlines.values)
    fig.add_trace(
        go.Scatter(
            x=lons, y=lats, mode="lines", line={"color": "#1B2733", "width": 2}, hoverinfo="skip", showlegend=False
        )
    )
    if highlight:
        _add_selection(fig, highlight, on_map=False)
    if spec.scale == "category":
        for name in [*SUBREGIONS, OUTSIDE_PILOT]:
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker={"size": 12, "color": SUBREGION_COLOURS[name], "symbol": "square"},
                    name=t("outside_pilot", language) if name == OUTSIDE_PILOT else name,
                )
            )
    else:
        finite = values[np.isfinite(values)]
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                showlegend=False,
                hoverinfo="skip",
                marker={
                    "color": [low, high] if len(finite) else [0, 1],
                    "colorscale": scale,
                    "cmin": low,
                    "cmax": high,
                    "showscale": True,
                    "colorbar": args["colorbar"],
                },
            )
        )
    latitude = np.radians(MAP_CENTER["lat"])
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / np.cos(latitude))
    fig.update_layout(plot_bgcolor="#FFFFFF", hovermode="closest")
    return _layout(fig, language, indicator_source(indicator, language, table, records), label, height=height)


def centrality_access(table: pd.DataFrame, language: str, source: str, limit: float, unit: str) -> go.Figure:
    """Mean travel to the nearest matching offer with a study place, per SSB centrality class, from
    ``View.centrality_table``; each bar says the share of open needs with such an offer within reach.

    ``limit`` and ``unit`` ("min" or "km") name the reach. Classes without open needs are left out; hidden ones show "<3".
    """
    shown = table[table["apne_behov"].isna() | (table["apne_behov"] > 0)]
    reach_label = f"{format_number(limit, language)} {unit}"
    labels = [t(f"centrality_class_{int(c)}", language) for c in shown.index]
    texts = [
        SUPPRESSED
        if h
        else t(
            "centrality_bar_text",
            language,
            share=format_percent(s, language),
            reach=reach_label,
            needs=format_number(n, language),
        )
        for s, n, h in zip(shown["andel_innen_rekkevidde"], shown["apne_behov"], shown["skjult"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=shown["naermeste_snitt"].fillna(0).to_numpy(),
            y=labels,
            orientation="h",
            marker_color=OKABE_ITO[0],
            text=texts,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.0f}<br>%{text}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("centrality_axis", language, unit=unit), rangemode="tozero")
    return _layout(fig, language, source, height=max(280, 46 * len(labels) + 120))
