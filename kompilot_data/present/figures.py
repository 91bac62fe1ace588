"""Figure builders: plain functions of data that return plotly figures.

Shared by the app's pages, the CLI and downloadable briefings. Every figure
carries its source line at the bottom, so a saved PNG keeps its attribution.
Maps use MapLibre's ``white-bg`` style by default: no tiles, fonts or
topojson are fetched, so they render offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from kompilot_data.engine.disclosure import COMPLEMENTARY, hidden_markers
from kompilot_data.engine.indicators import INDICATORS
from kompilot_data.i18n import format_number, format_percent, plotly_separators, t
from kompilot_data.present.safe_text import html_text
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
#: The sub-regions' colours mean the sub-regions and nothing else (issue 14): no other chart uses them.
SUBREGION_COLOURS = {"Namdalen": "#0072B2", "Trøndelag sør": "#E69F00", "Fosen": "#009E73", OUTSIDE_PILOT: "#DDDDDD"}
#: Plain bars (one measure, no categories to tell apart): one neutral colour, 5.7:1 on white.
NEUTRAL = "#5B6770"
#: Categories that are not sub-regions (sources, levels, place types): the Okabe–Ito colours left over.
OTHER_COLOURS = ["#56B4E9", "#D55E00", "#CC79A7", "#5B6770", "#F0E442", "#1B2733"]
#: Demand (and a shortfall of seats) and supply (seats to spare): the ends of the diverging scale.
DEMAND_COLOUR = "#B35806"
SUPPLY_COLOUR = "#542788"
#: Outline of the selected municipality or sub-region: near-black with a white halo, used by no palette.
SELECTION_COLOUR = "#111111"
SEQUENTIAL = "Blues"
DIVERGING = "PuOr_r"  # purple = more supply, orange = unmet demand; colour-blind safe
ORDINAL = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#FDAE6B", "#E6550D"]  # centrality 1..6
#: Pipeline stages are ordered: one purple hue from light (mapped) to dark (completed); closed is grey.
STATUS_COLOURS = {
    "kartlagt": "#CBC9E2",
    "koblet": "#9E9AC8",
    "etablert": "#6A51A3",
    "gjennomfort": "#3F007D",
    "avsluttet": "#969696",
}
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
#: Characters per line of a chart's source line: the wrapped line fits a phone's 340 px at 11 px type.
SOURCE_WRAP = 58
#: Characters per line of a category label (bars, heatmap rows and columns).
LABEL_WRAP = 24
#: Characters per line of a chart title (what is counted) on a phone.
TITLE_WRAP = 44
FUNNEL_STAGES = ("kartlagt", "koblet", "etablert", "gjennomfort")


#: Parts of the template's layout read only by subplots kompilot does not draw, and which trace types need them.
_SUBPLOT_DEFAULTS = {
    "scene": lambda kind: kind.endswith("3d") or kind in {"surface", "mesh3d", "cone", "streamtube", "volume"},
    "polar": lambda kind: "polar" in kind,
    "ternary": lambda kind: "ternary" in kind,
    "geo": lambda kind: kind in {"scattergeo", "choropleth"},
}


@lru_cache(maxsize=64)
def _template(trace_types: frozenset[str]) -> go.layout.Template:
    """plotly's ``plotly_white`` for a figure with ``trace_types``, validated once per set of types.

    The defaults of other trace types (some 40 of them) and of 3D, polar, ternary and geo subplots are left
    out: plotly.js reads a trace type's defaults only for traces of that type, so the figure looks the same,
    and its message is some 4 kB smaller (6.5 kB with the whole template).
    """
    white = pio.templates["plotly_white"]
    layout = {
        key: value
        for key, value in white.layout.to_plotly_json().items()
        if key not in _SUBPLOT_DEFAULTS or any(_SUBPLOT_DEFAULTS[key](kind) for kind in trace_types)
    }
    data = {kind: white.data[kind] for kind in sorted(trace_types) if white.data[kind]}
    return go.layout.Template(layout=layout, data=data)


def _set_template(fig: go.Figure) -> None:
    """Give ``fig`` the ``plotly_white`` template (for its trace types) without validating it again.

    ``update_layout(template=...)`` copies and validates the whole template, some 15 ms a figure and the
    largest single cost of a page rerun (issue 17). The template is validated once (:func:`_template`);
    it is assigned the way plotly assigns its default template (``_validate`` off for that one property).
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = _template(frozenset(trace.type for trace in fig.data))
    finally:
        layout._validate = validate


def _merged(current: dict, changes: dict) -> dict:
    """``current`` with ``changes`` merged in, nested dictionaries key by key (as ``update_layout`` does)."""
    out = dict(current)
    for key, value in changes.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _update_layout(fig: go.Figure, **changes) -> None:
    """``fig.update_layout(**changes)`` and the template (:func:`_set_template`), three times faster.

    plotly's ``update_layout`` replays every changed property through its relayout machinery (some 8 ms for the
    dozen properties of :func:`_layout`). Here the changes are merged into the layout as plain data and the
    layout is validated once; ``None`` removes a property, as in ``update_layout``.
    """
    current = fig.layout.to_plotly_json()
    current.pop("template", None)
    fig.layout = _merged(current, changes)
    _set_template(fig)


def _layout(
    fig: go.Figure,
    language: str,
    source: str,
    title: str | None = None,
    height: int = 380,
    below: int = 62,
    demo: bool | None = None,
    plot_height: int | None = None,
) -> go.Figure:
    """Common look, the same on screen, in a PNG and in a briefing.

    * Above the plot: the title, then the legend, which pushes the top margin as it wraps, so it never
      overlaps the plot or the source line.
    * Below the plot: tick labels and axis title (``below`` pixels), then the source line, wrapped to
      :data:`SOURCE_WRAP` characters and right-aligned, so it is never cut at the figure's edge; then, for
      figures computed from demo data (``demo``; by default recognised from the source line), a visible
      DEMO-DATA tag that stays in a saved PNG.

    ``plot_height`` (instead of ``height``) sizes the figure so the plot itself is that high.
    """
    demo = is_demo_source(source, language) if demo is None else demo
    lines = wrap(source, SOURCE_WRAP)
    title_lines = wrap(title, TITLE_WRAP) if title else []
    tag = 26 if demo else 0
    legend_rows = _legend_rows(fig)
    top = 12 + 19 * len(title_lines) + (6 if title_lines else 0) + 24 * legend_rows
    bottom = below + 15 * len(lines) + 8 + tag
    if plot_height is not None:
        height = plot_height + top + bottom
    else:
        height = height + 15 * (len(lines) - 1) + tag + 19 * max(0, len(title_lines) - 1) + 24 * max(0, legend_rows - 1)
    _update_layout(
        fig,
        separators=plotly_separators(language),
        height=height,
        margin={"l": 10, "r": 14, "t": top, "b": bottom},
        title={
            "text": "<br>".join(title_lines),
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            # plotly puts the last line's cap at ``y`` and the lines before it above: move down by those lines
            "y": 1 - (10 + 19 * (len(title_lines) - 1)) / height,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": 10},
            "font": {"size": 15, "color": "#1B2733"},
        }
        if title
        else None,
        font={"family": "Source Sans Pro, Arial, sans-serif", "size": 13, "color": "#1B2733"},
        # The legend right under the title, in the top margin sized for its rows on a phone.
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "top",
            "y": 1 - (10 + 19 * len(title_lines) + (6 if title_lines else 0)) / height,
            "x": 0,
            "xanchor": "left",
        },
    )
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        yshift=-below,
        showarrow=False,
        xanchor="right",
        yanchor="top",
        align="right",
        font={"size": 11, "color": "#4A5563"},
    )
    if demo:
        fig.add_annotation(
            text=f"<b>{t('demo_tag_figure', language)}</b>",
            xref="paper",
            yref="paper",
            x=1,
            y=0,
            yshift=-(below + 15 * len(lines) + 6),
            showarrow=False,
            xanchor="right",
            yanchor="top",
            font={"size": 12, "color": "#6B4500"},
            bgcolor="#FFF1C7",
            bordercolor="#6B4500",
            borderwidth=1,
            borderpad=3,
        )
    return fig


def _legend_rows(fig: go.Figure, width: int = 330) -> int:
    """How many rows the legend above the plot takes on a phone (``width`` pixels): entries are about 40 px
    plus 6.5 px a character, and wrap."""
    names = [
        str(trace.name)
        for trace in fig.data
        if trace.name
        and getattr(trace, "showlegend", None) is not False
        and getattr(trace, "legend", None) in (None, "legend")
        and trace.type not in ("choroplethmap", "heatmap", "treemap", "sankey")
    ]
    names = list(dict.fromkeys(names))
    rows, used = (1, 0) if names else (0, 0)
    for name in names:
        need = 40 + 6.5 * len(name)
        if used and used + need > width:
            rows, used = rows + 1, 0
        used += need
    return rows


def is_demo_source(source: str, language: str) -> bool:
    """Whether a source line is the one of figures computed from demo data (:func:`records_source`)."""
    marker = t("records_source_demo", language, span="")
    return marker[: marker.index(".")] in source if "." in marker else marker in source


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken at spaces (a longer word keeps its line)."""
    lines: list[str] = []
    for word in str(text).split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def wrapped(label: str, width: int = LABEL_WRAP) -> str:
    """A category label broken into lines (``<br>``) so it is never cut at a chart's edge."""
    return "<br>".join(wrap(label, width))


def count_axis(axis: dict, maximum: float) -> dict:
    """An axis of counts: whole numbers only (no "0,2 behov"), starting at zero."""
    axis = {**axis, "rangemode": "tozero", "tickformat": ",d"}
    if not np.isfinite(maximum) or maximum <= 6:
        axis["dtick"] = 1
    return axis


def percent_ticks(language: str, top: float = 1.0, steps: int = 5) -> dict:
    """Tick values and texts for a share axis (0 … ``top``), written "45 %" in bokmål and "45%" in English."""
    top = max(top, 0.01)
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0) if top / s <= steps)
    values = list(np.round(np.arange(0, top + step / 2, step), 4))
    return {"tickvals": values, "ticktext": [format_percent(v, language) for v in values]}


def room_for_labels(maximum: float, share: float = 0.22) -> list[float]:
    """An axis range from 0 with room after the longest bar for its value label (never clipped)."""
    top = float(maximum) if np.isfinite(maximum) and maximum > 0 else 1.0
    return [0, top * (1 + share)]


def records_source(language: str, needs: pd.DataFrame | None = None, offers: pd.DataFrame | None = None) -> str:
    """Source line for figures computed from needs and offers: demo or registered records, and their years."""
    frames = [(f, column) for f, column in ((needs, "registrert"), (offers, "oppstart")) if f is not None and len(f)]
    demo = any(bool(frame["demo"].any()) for frame, _ in frames)
    years = sorted({int(y) for frame, column in frames for y in frame[column].dt.year.dropna().unique()})
    span = "" if not years else f" ({years[0]}–{years[-1]})" if years[0] != years[-1] else f" ({years[0]})"
    line = t("records_source_demo" if demo else "records_source", language, span=span)
    real = (
        offers is not None and "datakilde" in offers and offers["datakilde"].astype("string").str.startswith("HK-dir")
    )
    if real is not False and real.fillna(False).any():
        line = line.rstrip(".") + ". " + t("records_source_hkdir", language)  # real programmes: source, caveat
    return line


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
    hidden = table["skjult"].to_numpy(bool) if "skjult" in table else np.zeros(len(table), dtype=bool)
    hidden = hidden & bool(spec.estimate)  # public statistics are never hidden
    marks = hidden_markers(table).to_numpy()
    hover_values = [
        m if h else format_indicator(indicator, v, language)
        for v, h, m in zip(table[spec.column], hidden, marks, strict=True)
    ]
    region_names = [t("outside_pilot", language) if r == OUTSIDE_PILOT else r for r in table["delregion"]]
    customdata = np.column_stack([[html_text(n) for n in table["navn"]], codes, region_names, hover_values])
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
            go.Choroplethmap(
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
                go.Choroplethmap(
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
            go.Choroplethmap(
                **common,
                locations=[c for c, s in zip(codes, shown, strict=True) if s],
                customdata=customdata[shown],
                z=z[shown],
                name=label,
                **colour_args,
            )
        )
        for name, colour in scale.legend:
            _legend_marker(fig, name, colour, group_title=scale.legend_title)
        # Under the map: the colour bar and its title, or the classes' legend (up to three rows on a phone: two swatches a row).
        below = 28 + 24 * -(-len(scale.legend) // 2) if scale.legend else 84
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
    return _layout(fig, language, source, below=below, plot_height=plot_height)


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
        go.Scatter(
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
    from plotly.colors import sample_colorscale

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
            colorbar["title"]["text"] = t(
                "legend_ends",
                language,
                title=title,
                low=f"−1 {t('legend_surplus', language)}",
                high=f"1 {t('legend_shortfall', language)}",
            )
            colorbar.update(
                tickvals=[-1, -0.5, 0, 0.5, 1], ticktext=[format_number(v, language, 1) for v in (-1, -0.5, 0, 0.5, 1)]
            )
            colorbar["ticktext"][2] = "0"
        else:
            bound = float(np.nanmax(np.abs(finite))) if len(finite) else 1.0
            if spec.percent:
                colorbar.update(percent_bar(-bound, bound))
            colorbar["title"]["text"] = t(
                "legend_ends",
                language,
                title=title,
                low=t("legend_decline", language),
                high=t("legend_growth", language),
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
            index, args, f"{title} · {t('legend_classes', language)}", list(zip(names, colours, strict=True))
        )
    low = float(finite.min()) if len(finite) else 0.0
    high = float(finite.max()) if len(finite) else 1.0
    if spec.percent:
        colorbar.update(percent_bar(low, high))
    else:
        colorbar.update(tickformat=",d" if high >= 10 else ",.1f")
    colorbar["title"]["text"] = t(
        "legend_ends",
        language,
        title=title,
        low=t("legend_low", language),
        high=t("legend_high", language),
    )
    return ColourScale(values, {"colorscale": SEQUENTIAL, "zmin": low, "zmax": high, "colorbar": colorbar})


def _colour_args(scale: str, values: np.ndarray, indicator: str, language: str) -> dict:
    """Colour arguments of a map indicator (see :func:`colour_scale`)."""
    return colour_scale(indicator, values, language).args


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
    """A thick near-black outline with a white halo around the selected municipalities (MapLibre map or plain
    axes): a colour no palette uses, so it never reads as a sub-region or a place type."""
    from kompilot_data.reference import load_geometry

    geometry = load_geometry().geometry
    lons, lats = _line_coordinates([geometry[c] for c in selected if c in geometry.index])
    for colour, width in (("#FFFFFF", 7), (SELECTION_COLOUR, 3.5)):
        style = {"mode": "lines", "line": {"color": colour, "width": width}, "hoverinfo": "skip", "showlegend": False}
        fig.add_trace(go.Scattermap(lon=lons, lat=lats, **style) if on_map else go.Scatter(x=lons, y=lats, **style))


def _add_places(fig: go.Figure, places: pd.DataFrame, language: str) -> None:
    """Study places as dots with a dark ring (contrast with any area colour), one legend entry per type."""
    labels = taxonomy.labels("studiested_type", language)
    located = places.dropna(subset=["lat", "lon"])
    for kind in [k for k in PLACE_COLOURS if k in set(located["type"])]:
        group = located[located["type"] == kind]
        size = 11 if kind != "vgs" else 8
        fig.add_trace(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
                mode="markers",
                marker={"size": size + 4, "color": PLACE_RING},
                hoverinfo="skip",
                showlegend=False,
                legendgroup=kind,
            )
        )
        fig.add_trace(
            go.Scattermap(
                lon=group["lon"],
                lat=group["lat"],
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
    fig = go.Figure(
        go.Bar(
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
    return _layout(fig, language, source, title, plot_height=height or max(120, rows))


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
    labels = [areas[a] for a in area_totals.index] + [levels[lv] for lv in shown["niva"]]
    parents = [""] * len(area_totals) + list(shown["kompetanseomrade"].astype(str))
    values = list(area_totals.to_numpy()) + list(shown["deltakere"].to_numpy())
    shades = ["#3D4A5C", "#55606E"]
    fig = go.Figure(
        go.Treemap(
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
    return _layout(fig, language, source, title, height=460, below=8)


def stage_counts(needs: pd.DataFrame) -> pd.Series:
    """Needs that reached each pipeline stage (a closed need reached "kartlagt" only)."""
    stage = needs["status"].map(taxonomy.attribute("behov_status", "trinn")).astype(int)
    reached = {code: int((stage >= k + 1).sum()) for k, code in enumerate(FUNNEL_STAGES)}
    reached["kartlagt"] = len(needs)
    return pd.Series(reached)


def funnel_by_region(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """The brokering pipeline as a funnel per sub-region, from ``View.pipeline("delregion")``; hidden stages
    show no bar. Needs outside the pilot are shown as their own grey group.

    A hidden stage says "<3" where the table has ``primaer`` True, else ":": ``View.pipeline`` carries only
    ``skjult`` (a cumulative stage is hidden because a status it adds up is hidden), and ":" is true of every
    hidden figure (:func:`~kompilot_data.engine.disclosure.marker`)."""
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
    return _layout(fig, language, source, title, height=400, below=40)


def pipeline_by_source(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Share of needs from each source (survey, visit, network) that reached each stage, from
    ``View.pipeline("kilde")``; a source whose total is hidden is left out. A hidden share says ":" (or "<3"
    where the table has ``primaer``), as in :func:`funnel_by_region`."""
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
        marks = [m or (COMPLEMENTARY if pd.isna(v) else "") for m, v in zip(hidden_markers(part), share, strict=True)]
        fig.add_trace(
            go.Bar(
                name=f"{label} (n = {format_number(total, language)})",
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
                hovertemplate="%{x}: %{customdata}<extra>" + label + "</extra>",
            )
        )
    fig.update_yaxes(title=t("share_reached", language), range=[0, 1.15], **percent_ticks(language))
    fig.update_layout(barmode="group", uniformtext={"minsize": 9, "mode": "hide"})
    return _layout(fig, language, source, title, height=400, below=58)


def monthly_status(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Needs registered per month, stacked by current status, from ``View.counts(("maaned", "status"))``;
    hidden cells add nothing to the stack. The statuses are steps of one purple hue (closed: grey)."""
    labels = taxonomy.labels("behov_status", language)
    values = table["behov"].unstack("status")
    fig = go.Figure()
    for code in taxonomy.codes("behov_status"):
        if code in values.columns and values[code].fillna(0).sum() > 0:
            fig.add_trace(
                go.Bar(
                    x=values.index,
                    y=values[code].fillna(0),
                    name=labels[code],
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
    return _layout(fig, language, source, title, height=360)


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
    fig = go.Figure()
    for code in [c for c in counts.index if c in areas][::-1]:
        group = offers[(offers["kompetanseomrade"] == code).to_numpy()]
        fig.add_trace(
            go.Scatter(
                x=group["oppstart"],
                y=[wrapped(areas[code])] * len(group),
                mode="markers",
                name=areas[code],
                showlegend=False,
                marker={
                    "size": np.sqrt(group["kapasitet"].astype(float)) * 3,
                    "color": NEUTRAL,
                    "opacity": 0.6,
                    "line": {"width": 0.5, "color": "#1B2733"},
                },
                text=_offer_names(group),
                hovertemplate="%{text}<br>%{x|%d.%m.%Y}<extra></extra>",
            )
        )
    fig.update_xaxes(title=t("th_oppstart", language), tickformat="%m.%Y" if language == "nb" else "%b %Y")
    return _layout(
        fig, language, records_source(language, offers=offers), title, height=max(360, 34 * len(counts) + 110)
    )


def _offer_names(offers: pd.DataFrame) -> list[str]:
    """ "title – provider" per offer for a hover, escaped: titles and providers are user text, and plotly
    renders a hover's text as HTML (``<b>``, ``<a href>``, images), so ``<img src=x onerror=…>`` must stay text."""
    return [
        html_text(f"{_text(title)} – {_text(provider)}")
        for title, provider in zip(offers["tittel"], offers["tilbyder"], strict=True)
    ]


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


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
    fig = go.Figure()
    for name, values, colour in [
        (region_name, region, _area_colour(region_name)),
        (t("county", language), county, "#A0A7AE"),
    ]:
        fig.add_trace(
            go.Bar(
                y=[wrapped(label, 28) for _, label in keys],
                x=[values[k] for k, _ in keys],
                orientation="h",
                name=name,
                marker_color=colour,
                text=[format_percent(values[k], language, 1) for k, _ in keys],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{text}<extra>" + name + "</extra>",
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
    return _layout(fig, language, source, title, height=340)


def population_trend(series: dict[str, pd.Series], language: str, title: str | None = None) -> go.Figure:
    """Population index lines (2020 = 100) for the region and the county."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_trace(
            go.Scatter(
                x=values.index,
                y=values.to_numpy(),
                name=name,
                mode="lines+markers",
                line={"color": _area_colour(name) if i == 0 else "#A0A7AE", "width": 3},
                hovertemplate="%{x}: %{y:.1f}<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(title=t("population_index_axis", language))
    return _layout(fig, language, source_line("befolkning", language, "2020–2026"), title, height=340)


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
        colour = OTHER_COLOURS[i % len(OTHER_COLOURS)]
        size = 6 + np.sqrt(group["kapasitet"].astype(float)) * 2
        for marker in ({"size": size + 3, "color": PLACE_RING, "opacity": 0.9}, {"size": size, "color": colour}):
            fig.add_trace(
                go.Scattermap(
                    lon=group["lon"],
                    lat=group["lat"],
                    mode="markers",
                    name=levels[code],
                    marker=marker,
                    text=_offer_names(group),
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
    return _layout(fig, language, source, title, below=8, plot_height=height or MAP_HEIGHT)


def _whole(value: float, language: str) -> str:
    """A value rounded to a whole number, never "−0"."""
    rounded = round(float(value))
    return format_number(0 if rounded == 0 else rounded, language)


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
        return _layout(go.Figure(), language, source, title, height=200)
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
            (m or COMPLEMENTARY) if h else (_whole(v, language) if pd.notna(v) else "")
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
    fig = go.Figure(
        go.Heatmap(
            z=values.to_numpy(),
            x=[wrapped(c, 11) for c in columns],
            y=list(rows),
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
    fig = _layout(fig, language, source, title, height=max(300, 30 * len(rows) + 230), below=70)
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
    fig = go.Figure(
        go.Bar(
            x=cells["gap"].to_numpy(),
            y=labels,
            orientation="h",
            marker_color=[DEMAND_COLOUR if v > 0 else SUPPLY_COLOUR for v in cells["gap"]],
            text=[_whole(v, language) for v in cells["gap"]],
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
    return _layout(fig, language, source, title, height=max(260, 40 * len(cells) + 120))


def demand_supply_bars(table: pd.DataFrame, language: str, source: str, title: str | None = None) -> go.Figure:
    """Demand and apportioned supply per competence area (``table`` indexed by kompetanseomrade), the area
    with the largest demand on top; orange = demand, purple = seats, as in the heatmaps."""
    areas = taxonomy.labels("kompetanseomrade", language)
    table = table.reindex([a for a in areas if a in table.index])
    table = table.sort_values("ettersporsel", ascending=False, na_position="last")
    labels = [wrapped(areas[a]) for a in table.index]
    fig = go.Figure(
        [
            go.Bar(
                y=labels,
                x=table["ettersporsel"],
                orientation="h",
                name=t("demand", language),
                marker_color=DEMAND_COLOUR,
                hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
            ),
            go.Bar(
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
    return _layout(fig, language, source, title, height=max(320, 44 * len(labels) + 130))


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
    fig.update_traces(textfont={"size": 12, "color": "#1B2733"})
    return _layout(
        fig, language, records_source(language, needs, offers), title, height=max(420, 18 * len(labels)), below=8
    )


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
    offline. ``highlight`` municipalities get a thick outline. Rows with ``skjult`` are grey and their hover says
    "<3" (``primaer``: fewer than 3 businesses) or ":" (a complement), from
    :func:`~kompilot_data.engine.disclosure.hidden_markers`; ``suppressed`` is not used (kept for callers).
    """
    from plotly.colors import sample_colorscale

    from kompilot_data.reference import load_geometry

    spec = INDICATORS[indicator]
    geometry = load_geometry().geometry
    hidden = table["skjult"].to_numpy(bool) if "skjult" in table else np.zeros(len(table), dtype=bool)
    hidden = hidden & bool(spec.estimate)  # public statistics are never hidden
    scale_spec = None
    if spec.scale == "category":
        colours = [SUBREGION_COLOURS[r] for r in table["delregion"]]
    else:
        values = np.where(hidden, np.nan, table[spec.column].astype(float).to_numpy())
        scale_spec = colour_scale(indicator, values, language)
        values, args = scale_spec.z, scale_spec.args
        low = args.get("zmin", np.nanmin(values) if np.isfinite(values).any() else 0)
        high = args.get("zmax", np.nanmax(values) if np.isfinite(values).any() else 1)
        scale = args["colorscale"]
        span = (high - low) or 1
        if scale_spec.legend:  # classes: the class's own colour
            steps = [colour for _, colour in scale_spec.legend]
            first = round(low + 0.5)
            colours = ["#EEEEEE" if not np.isfinite(v) else steps[round(v) - first] for v in values]
        else:
            colours = [
                "#EEEEEE" if not np.isfinite(v) else sample_colorscale(scale, [min(1, max(0, (v - low) / span))])[0]
                for v in values
            ]
    fig = go.Figure()
    label = t(f"ind_{indicator}", language)
    marks = hidden_markers(table)
    for (code, row), colour, is_hidden in zip(table.iterrows(), colours, hidden, strict=True):
        lons, lats = _line_coordinates([geometry[code]])
        value = (marks[code] or COMPLEMENTARY) if is_hidden else format_indicator(indicator, row[spec.column], language)
        fig.add_trace(
            go.Scatter(
                x=lons,
                y=lats,
                mode="lines",
                fill="toself",
                fillcolor=colour,
                line={"color": "#FFFFFF", "width": 0.6},
                hoveron="fills",
                text=f"{html_text(row['navn'])} ({code})<br>{label}: {value}",
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
            _legend_marker(
                fig, t("outside_pilot", language) if name == OUTSIDE_PILOT else name, SUBREGION_COLOURS[name]
            )
    elif scale_spec is not None and scale_spec.legend:
        for name, colour in scale_spec.legend:
            _legend_marker(fig, name, colour, group_title=scale_spec.legend_title)
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
    source = indicator_source(indicator, language, table, records) + " · " + t("map_credit", language)
    below = 8 if scale_spec is None else 28 + 24 * -(-len(scale_spec.legend) // 2) if scale_spec.legend else 84
    return _layout(fig, language, source, label, height=height, below=below)


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
    fig = go.Figure(
        go.Bar(
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
    return _layout(fig, language, source, title, height=max(280, 54 * len(labels) + 120))
