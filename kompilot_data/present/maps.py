"""Maps as plotly figures: the municipality choropleth of a map indicator (MapLibre's ``white-bg`` style: no tiles,
fonts or topojson are fetched, so it renders offline), the offers map, and the map geometry the app serves.

Every map carries its source line and © Kartverket at the bottom (:func:`kompilot_data.present.theme.layout`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from shapely.geometry import mapping

from kompilot_data.engine.disclosure import hidden_markers
from kompilot_data.present.safe_text import html_text
from kompilot_data.present.theme import (
    DIVERGING,
    ORDINAL,
    OTHER_COLOURS,
    SELECTION_COLOUR,
    SEQUENTIAL,
    SUBREGION_COLOURS,
    figure,
    layout,
    offer_names,
)
from kompilot_data.reference import (
    OUTSIDE_PILOT,
    SUBREGIONS,
    load_geojson,
    load_geometry,
    load_subregion_geometry,
    taxonomy,
)
from kompilot_data.reference.i18n import format_number, format_percent, t
from kompilot_data.reference.indicators import INDICATORS
from kompilot_data.reference.sources import indicator_source, records_source

MAP_CENTER = {"lat": 63.79, "lon": 11.23}  # the middle of the county's bounds in Web Mercator
#: Fits the whole county (Hitra and Frøya to Lierne and Røyrvik) into a phone's 350 px wide map.
MAP_ZOOM = 5.2
# Drawn in this order: schools first, so universities and colleges stay visible on top. Every point has a
# dark ring (PLACE_RING), so even the yellow dots stand out at 3:1 or more against any area colour.
PLACE_COLOURS = {
    "vgs": "#FFFFFF",
    "annet": "#F0E442",
    "studiesenter": "#56B4E9",
    "fagskole": "#1B2733",
    "universitet": "#CC79A7",
}
PLACE_RING = "#1B2733"


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


def map_table(table: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The table beside the map (the Kart page): name, sub-region and the indicator per municipality, hidden
    values NaN with the row's ``skjult``/``primaer``, so its marks come from
    :func:`~kompilot_data.engine.disclosure.hidden_markers` exactly as the map's hover does (:func:`hover_marks`)."""
    spec = INDICATORS[indicator]
    shown = table[["navn", "delregion"]].copy()
    if spec.column == "delregion":
        order = {name: i for i, name in enumerate([*SUBREGIONS, OUTSIDE_PILOT])}
        return shown.sort_values(["delregion", "navn"], key=lambda c: c.map(order) if c.name == "delregion" else c)
    hidden = _hidden(table, indicator)
    shown[spec.column] = table[spec.column].where(~hidden)
    shown["skjult"] = hidden
    shown["primaer"] = hidden & (
        table["primaer"].astype("boolean").fillna(False).to_numpy(bool) if "primaer" in table else False
    )
    return shown.sort_values(spec.column, ascending=False, na_position="last")


def _hidden(table: pd.DataFrame, indicator: str) -> np.ndarray:
    """Per row: hidden on the map (the View's ``skjult``; public statistics are never hidden)."""
    hidden = (
        table["skjult"].astype("boolean").fillna(False).to_numpy(bool)
        if "skjult" in table
        else np.zeros(len(table), bool)
    )
    return hidden & bool(INDICATORS[indicator].estimate)


def hover_marks(table: pd.DataFrame, indicator: str) -> np.ndarray:
    """Per row: the mark the map's hover shows for a hidden value ("<3" or ":"), ``""`` where shown: the same
    function as every table's marks (:func:`~kompilot_data.engine.disclosure.hidden_markers`)."""
    return np.where(_hidden(table, indicator), hidden_markers(table).to_numpy(), "")


def choropleth_map(
    table: pd.DataFrame,
    indicator: str,
    language: str = "nb",
    places: pd.DataFrame | None = None,
    show_outlines: bool = True,
    selected: list[str] | None = None,
    basemap: bool = False,
    height: int | None = None,
    records: str | None = None,
    geojson: dict | str | None = None,
    outlines: dict | str | None = None,
    regions: list[str] | None = None,
    labels: bool = False,
) -> go.Figure:
    """Choropleth of the 38 municipalities for ``indicator`` (a key of ``INDICATORS``).

    ``table`` is :func:`kompilot_data.engine.indicators.municipality_table`. ``places``
    (study places with ``lat``, ``lon``, ``navn``, ``type``) are drawn as points
    coloured by type, each with a dark ring. ``selected`` municipalities and ``regions`` (sub-regions of the
    filter) get a near-black outline with a white halo, a colour no palette uses. Rows with ``skjult``
    (the View's protection for viewers) and rows without a value are grey, and still hoverable and clickable;
    the hover says "<3" for a municipality hidden because it rests on fewer than 3 businesses (``primaer``),
    ":" for one hidden as a complement (:func:`~kompilot_data.engine.disclosure.hidden_markers`), "–" for no
    value. Names are escaped for the hover's HTML. ``labels`` writes the municipality names on the map (at the default view).
    ``records`` is the :func:`records_source` line shown under indicators built on needs and offers.

    The colour scale has a title with its unit and the meaning of its ends; skewed indicators (population)
    are drawn in quintile classes, said in the legend. Every map credits © Kartverket.

    ``geojson`` and ``outlines`` are the municipality polygons and the sub-region outlines: ``None`` embeds
    them in the figure (:func:`kompilot_data.reference.load_geojson`, :func:`subregion_geojson`), so a saved
    figure works offline as one file; a URL (the app serves both as static files) lets the browser fetch
    each once, so a rerun sends only the values (issue 17).
    """
    spec = INDICATORS[indicator]
    label = t(f"ind_{indicator}", language)
    geojson = load_geojson() if geojson is None else geojson
    codes = table.index.astype(str).tolist()
    hidden = _hidden(table, indicator)  # public statistics are never hidden
    marks = hover_marks(table, indicator)
    hover_values = [
        m if h else format_indicator(indicator, v, language)
        for v, h, m in zip(table[spec.column], hidden, marks, strict=True)
    ]
    region_names = [html_text(t("outside_pilot", language) if r == OUTSIDE_PILOT else r) for r in table["delregion"]]
    customdata = np.column_stack([[html_text(n) for n in table["navn"]], codes, region_names, hover_values])
    hovertemplate = (
        "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
        + t("filter_region", language)
        + ": %{customdata[2]}<br>"
        + label
        + ": %{customdata[3]}<extra></extra>"
    )
    fig = figure()
    common = dict(
        geojson=geojson,
        featureidkey="properties.kommunenummer",
        hovertemplate=hovertemplate,
        marker={"line": {"color": "#FFFFFF", "width": 0.6}, "opacity": 0.9},
        showlegend=False,
    )
    below = 8
    if spec.scale == "category":
        # One trace (the GeoJSON is sent once) with a stepped colour scale; the legend is drawn apart.
        order = [*SUBREGIONS, OUTSIDE_PILOT]
        values = table["delregion"].map({name: i for i, name in enumerate(order)}).to_numpy(float)
        steps = []
        for i, name in enumerate(order):
            steps += [[i / len(order), SUBREGION_COLOURS[name]], [(i + 1) / len(order), SUBREGION_COLOURS[name]]]
        fig.add_trace(
            dict(
                type="choroplethmap",
                **common,
                locations=codes,
                customdata=customdata,
                z=values,
                zmin=-0.5,
                zmax=len(order) - 0.5,
                colorscale=steps,
                showscale=False,
            )
        )
        for name in order:
            _legend_marker(
                fig, t("outside_pilot", language) if name == OUTSIDE_PILOT else name, SUBREGION_COLOURS[name]
            )
    else:
        values = np.where(hidden, np.nan, table[spec.column].astype(float).to_numpy())
        scale = colour_scale(indicator, values, language)
        z, colour_args = scale.z, scale.args
        shown = np.isfinite(z)
        if (~shown).any():  # grey, hoverable and clickable: hidden cells and municipalities without a value
            fig.add_trace(
                dict(
                    type="choroplethmap",
                    **common,
                    locations=[c for c, s in zip(codes, shown, strict=True) if not s],
                    customdata=customdata[~shown],
                    z=np.zeros(int((~shown).sum())),
                    colorscale=[[0, "#E3E6EA"], [1, "#E3E6EA"]],
                    showscale=False,
                    name=t("legend_hidden", language),
                )
            )
        fig.add_trace(
            dict(
                type="choroplethmap",
                **common,
                locations=[c for c, s in zip(codes, shown, strict=True) if s],
                customdata=customdata[shown],
                z=z[shown].astype(np.float32),  # colours only (the hover's values are text): half the bytes
                name=label,
                **colour_args,
            )
        )
        for name, colour in scale.legend:
            _legend_marker(fig, name, colour, group_title=scale.legend_title)
        # Under the map: the colour bar and its title, or the classes' legend (up to three rows on a phone: two swatches a row).
        below = 44 + 24 * -(-len(scale.legend) // 2) if scale.legend else 84  # the title is two lines
    if show_outlines:
        _add_outlines(fig, language, outlines)
    if regions:
        _add_region_outline(fig, regions, outlines)
    if selected:
        if isinstance(geojson, str):  # the polygons the browser already has, outlined: no coordinates sent
            present = [c for c in selected if c in set(codes)]
            _add_outlined_polygons(fig, geojson, present, color="#FFFFFF", width=7)
            _add_outlined_polygons(fig, geojson, present, color=SELECTION_COLOUR, width=3.5)
        else:
            _add_selection(fig, selected)
    if places is not None and len(places):
        _add_places(fig, places, language)
    zoom = MAP_ZOOM_LABELLED if labels else MAP_ZOOM
    if labels:
        _add_labels(fig, table, zoom)
    fig.update_layout(
        map={"style": "open-street-map" if basemap else "white-bg", "center": MAP_CENTER, "zoom": zoom},
        clickmode="event+select",
        uirevision=f"kart-{zoom}",  # keep the user's pan/zoom across reruns
        # The legend's ringed markers live on plain axes shrunk into a corner, so they never catch the map's clicks.
        xaxis={"visible": False, "domain": [0, 0.01]},
        yaxis={"visible": False, "domain": [0, 0.01]},
    )
    source = indicator_source(indicator, language, table, records) + " · " + t("map_credit", language)
    plot_height = height or (MAP_HEIGHT_LABELLED if labels else MAP_HEIGHT)
    return _lean(layout(fig, language, source, below=below, plot_height=plot_height))


#: Template defaults the map never reads: every trace has its own colours, the plain axes (legend markers only)
#: are hidden, its annotations have no arrows and it draws no shapes.
_MAP_UNUSED_DEFAULTS = frozenset({"colorscale", "colorway", "xaxis", "yaxis", "annotationdefaults", "shapedefaults"})


def _lean(fig: go.Figure) -> go.Figure:
    """``fig`` without :data:`_MAP_UNUSED_DEFAULTS` in its template: it looks the same, and the message a changed
    map is sent in is some 1.5 kB smaller (a sub-region change resends the map, issue 17)."""
    current = fig.layout.to_plotly_json()
    template = dict(current.get("template") or {})
    template["layout"] = {k: v for k, v in template.get("layout", {}).items() if k not in _MAP_UNUSED_DEFAULTS}
    return figure([trace.to_plotly_json() for trace in fig.data], {**current, "template": template})


#: Zoom and plot height of the map with names on it (larger, so the names have room).
MAP_ZOOM_LABELLED = 5.85
MAP_HEIGHT = 400
MAP_HEIGHT_LABELLED = 620


def _legend_marker(
    fig: go.Figure,
    name: str,
    colour: str,
    symbol: str = "square",
    group: str | None = None,
    group_title: str | None = None,
) -> None:
    """A legend entry with a dark ring (an empty trace on hidden plain axes): light colours stay visible."""
    fig.add_trace(
        dict(
            type="scatter",
            x=[None],
            y=[None],
            mode="markers",
            marker={"size": 12, "color": colour, "symbol": symbol, "line": {"color": PLACE_RING, "width": 1.5}},
            name=name,
            legendgroup=group,
            legend="legend2" if group_title else None,
            hoverinfo="skip",
        )
    )
    if group_title:  # the classes' own legend, under the map where a colour bar would be, titled
        fig.update_layout(
            legend2={
                "orientation": "h",
                "yref": "paper",
                "y": 0,
                "yanchor": "top",
                "x": 0,
                "xanchor": "left",
                "title": {"text": group_title, "side": "top", "font": {"size": 12}},
                "font": {"size": 12},
            }
        )


def classify(values: np.ndarray, classes: int = 5) -> tuple[np.ndarray, list[float]]:
    """Quantile classes of ``values`` (NaN stays NaN): the class of each value (0 …) and the class bounds."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return values, []
    bounds = list(np.unique(np.quantile(finite, np.linspace(0, 1, classes + 1))))
    index = np.searchsorted(bounds[1:-1], values, side="right").astype(float)
    index[~np.isfinite(values)] = np.nan
    return index, bounds


def _skewed(values: np.ndarray) -> bool:
    """Whether a few large values would flatten the rest on a linear scale (the largest over 4 × the median)."""
    finite = values[np.isfinite(values)]
    return len(finite) >= 10 and float(np.median(finite)) > 0 and float(finite.max()) > 4 * float(np.median(finite))


def _stepped(colours: list[str]) -> list[list]:
    steps = []
    for i, colour in enumerate(colours):
        steps += [[i / len(colours), colour], [(i + 1) / len(colours), colour]]
    return steps


@dataclass
class ColourScale:
    """How a map indicator is coloured: the values to colour by (``z``), the trace's colour arguments, and,
    for classes (centrality, quintiles), the legend: a title and one (name, colour) per class."""

    z: np.ndarray
    args: dict
    legend_title: str | None = None
    legend: list[tuple[str, str]] = field(default_factory=list)


def colour_scale(indicator: str, values: np.ndarray, language: str) -> ColourScale:
    """The colours of a map indicator, with a legend that says the unit and what the ends mean.

    Classes (the six centrality classes; quintiles of a skewed indicator such as population, so Trondheim
    does not flatten the other 37) get a legend of swatches. Continuous scales get a horizontal colour bar
    under the map (it never covers the county) whose title names both ends.
    """
    spec = INDICATORS[indicator]
    finite = values[np.isfinite(values)]
    title = t(f"legend_{indicator}", language)
    colorbar = {
        "orientation": "h",
        "thickness": 12,
        "len": 1.0,
        "lenmode": "fraction",
        "x": 0,
        "xanchor": "left",
        "y": 0,
        "yanchor": "top",
        "ypad": 6,
        "title": {"side": "top", "font": {"size": 12}, "text": title},
        "tickfont": {"size": 11},
        "ticklabeloverflow": "allow",
        "outlinewidth": 0,
    }

    def percent_bar(low: float, high: float) -> dict:
        ticks = np.linspace(low, high, 5)
        decimals = 1 if high - low < 0.1 else 0
        return {"tickvals": list(ticks), "ticktext": [format_percent(v, language, decimals) for v in ticks]}

    if spec.scale == "ordinal":
        names = [t("legend_most_central", language), "2", "3", "4", "5", t("legend_least_central", language)]
        args = {"colorscale": _stepped(ORDINAL), "zmin": 0.5, "zmax": 6.5, "showscale": False}
        return ColourScale(values, args, title, list(zip(names, ORDINAL, strict=True)))
    if spec.scale == "diverging":
        if indicator == "mismatch":
            bound = 1.0
            colorbar["title"]["text"] = _ends(
                title, f"−1 {t('legend_surplus', language)}", f"1 {t('legend_shortfall', language)}", language
            )
            colorbar.update(
                tickvals=[-1, -0.5, 0, 0.5, 1], ticktext=[format_number(v, language, 1) for v in (-1, -0.5, 0, 0.5, 1)]
            )
            colorbar["ticktext"][2] = "0"
        else:
            bound = float(np.nanmax(np.abs(finite))) if len(finite) else 1.0
            if spec.percent:
                colorbar.update(percent_bar(-bound, bound))
            colorbar["title"]["text"] = _ends(
                title, t("legend_decline", language), t("legend_growth", language), language
            )
        args = {"colorscale": DIVERGING, "zmid": 0, "zmin": -bound, "zmax": bound, "colorbar": colorbar}
        return ColourScale(values, args)
    if _skewed(values):
        index, bounds = classify(values)
        count = len(bounds) - 1
        colours = sample_colorscale(SEQUENTIAL, list(np.linspace(0.25, 1.0, count)))
        decimals = 1 if indicator == "behov_per_1000" else 0
        names = [
            f"{format_number(low, language, decimals)}–{format_number(high, language, decimals)}"
            for low, high in pairwise(bounds)
        ]
        args = {"colorscale": _stepped(colours), "zmin": -0.5, "zmax": count - 0.5, "showscale": False}
        return ColourScale(
            # Two lines: on one, the title ran out of the map on a phone.
            index, args, f"{title}<br>{t('legend_classes', language)}", list(zip(names, colours, strict=True))
        )
    low = float(finite.min()) if len(finite) else 0.0
    high = float(finite.max()) if len(finite) else 1.0
    if spec.percent:
        colorbar.update(percent_bar(low, high))
    else:
        colorbar.update(tickformat=",d" if high >= 10 else ",.1f")
    colorbar["title"]["text"] = _ends(title, t("legend_low", language), t("legend_high", language), language)
    return ColourScale(values, {"colorscale": SEQUENTIAL, "zmin": low, "zmax": high, "colorbar": colorbar})


def _ends(title: str, low: str, high: str, language: str) -> str:
    """A colour bar's title: what it shows and what its two ends mean."""
    return t("legend_ends", language, title=title, low=low, high=high)


def _add_region_outline(fig: go.Figure, regions: list[str], outlines: dict | str | None = None) -> None:
    """The sub-regions of the filter outlined like a selected municipality (near-black with a white halo)."""
    outlines = subregion_geojson() if outlines is None else outlines
    chosen = [r for r in regions if r in SUBREGIONS]
    if chosen:
        _add_outlined_polygons(fig, outlines, chosen, "properties.delregion", color="#FFFFFF", width=8)
        _add_outlined_polygons(fig, outlines, chosen, "properties.delregion", color=SELECTION_COLOUR, width=4)


def _add_labels(fig: go.Figure, table: pd.DataFrame, zoom: float) -> None:
    """Municipality names at their representative points, as annotations placed in pixels from the map's
    centre (Web Mercator at ``zoom``): text needs no map font, so the names show offline."""
    scale = 512 * 2**zoom

    def project(lon: float, lat: float) -> tuple[float, float]:
        x = (lon + 180) / 360 * scale
        y = (1 - np.log(np.tan(np.radians(lat)) + 1 / np.cos(np.radians(lat))) / np.pi) / 2 * scale
        return x, y

    cx, cy = project(MAP_CENTER["lon"], MAP_CENTER["lat"])
    for name, lat, lon in zip(table["navn"], table["punkt_lat"], table["punkt_lon"], strict=True):
        x, y = project(float(lon), float(lat))
        fig.add_annotation(
            text=name,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            xshift=x - cx,
            yshift=cy - y,
            showarrow=False,
            font={"size": 10, "color": "#1B2733"},
            bgcolor="rgba(255,255,255,0.75)",
            borderpad=1,
        )


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
        dict(
            type="choroplethmap",
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


def _add_selection(fig: go.Figure, selected: list[str]) -> None:
    """A thick near-black outline with a white halo around the selected municipalities: a colour no palette uses,
    so it never reads as a sub-region or a place type."""
    geometry = load_geometry().geometry
    lons, lats = _line_coordinates([geometry[c] for c in selected if c in geometry.index])
    for colour, width in (("#FFFFFF", 7), (SELECTION_COLOUR, 3.5)):
        style = {"mode": "lines", "line": {"color": colour, "width": width}, "hoverinfo": "skip", "showlegend": False}
        fig.add_trace(dict(type="scattermap", lon=lons, lat=lats, **style))


def _add_places(fig: go.Figure, places: pd.DataFrame, language: str) -> None:
    """Study places as dots with a dark ring (contrast with any area colour), one legend entry per type."""
    labels = taxonomy.labels("studiested_type", language)
    located = places.dropna(subset=["lat", "lon"])
    for kind in [k for k in PLACE_COLOURS if k in set(located["type"])]:
        group = located[located["type"] == kind]
        size = 11 if kind != "vgs" else 8
        # Single precision (under a metre here) halves the coordinates in the message the map is sent in.
        lon, lat = group["lon"].to_numpy(np.float32), group["lat"].to_numpy(np.float32)
        fig.add_trace(
            dict(
                type="scattermap",
                lon=lon,
                lat=lat,
                mode="markers",
                marker={"size": size + 4, "color": PLACE_RING},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=kind,
            )
        )
        fig.add_trace(
            dict(
                type="scattermap",
                lon=lon,
                lat=lat,
                mode="markers",
                marker={"size": size, "color": PLACE_COLOURS[kind]},
                name=labels.get(kind, kind),
                text=[html_text(f"{n} – {p}") for n, p in zip(group["navn"], group["sted"], strict=True)],
                hovertemplate="%{text}<extra>" + labels.get(kind, kind) + "</extra>",
                showlegend=False,
                legendgroup=kind,
            )
        )
        _legend_marker(fig, labels.get(kind, kind), PLACE_COLOURS[kind], symbol="circle", group=kind)


def offer_map(
    table: pd.DataFrame,
    offers: pd.DataFrame,
    language: str,
    height: int | None = None,
    geojson: dict | str | None = None,
    outlines: dict | str | None = None,
    title: str | None = None,
) -> go.Figure:
    """Offers with a study place as points (colour = level, size = seats) over grey municipalities.

    ``geojson`` and ``outlines`` as in :func:`choropleth_map`: ``None`` embeds the geometry, a URL lets the
    browser fetch it once."""
    geojson = load_geojson() if geojson is None else geojson
    codes = table.index.astype(str).tolist()
    fig = figure(
        dict(
            type="choroplethmap",
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
        colour = OTHER_COLOURS[i % len(OTHER_COLOURS)]
        size = 6 + np.sqrt(group["kapasitet"].astype(float)) * 2
        for marker in ({"size": size + 3, "color": PLACE_RING, "opacity": 0.9}, {"size": size, "color": colour}):
            fig.add_trace(
                dict(
                    type="scattermap",
                    lon=group["lon"],
                    lat=group["lat"],
                    mode="markers",
                    name=levels[code],
                    marker=marker,
                    text=offer_names(group),
                    hovertemplate="%{text}<extra>" + levels[code] + "</extra>",
                    hoverinfo="skip" if marker["color"] == PLACE_RING else None,
                    showlegend=False,
                    legendgroup=code,
                )
            )
        _legend_marker(fig, levels[code], colour, symbol="circle", group=code)
    fig.update_layout(
        map={"style": "white-bg", "center": MAP_CENTER, "zoom": MAP_ZOOM},
        uirevision="tilbudskart",
        xaxis={"visible": False, "domain": [0, 0.01]},
        yaxis={"visible": False, "domain": [0, 0.01]},
    )
    source = records_source(language, offers=offers) + " · " + t("map_credit", language)
    return layout(fig, language, source, title, below=8, plot_height=height or MAP_HEIGHT)
