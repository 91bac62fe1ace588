"""The municipality map as vector shapes: one model, drawn as a plotly figure and as native PowerPoint freeforms.

The polygons come straight from the embedded GeoJSON (:func:`kompilot_data.reference.load_geojson`), projected
with a plain equirectangular projection scaled by cos(latitude) at the map's centre – true to shape for a county.
In PowerPoint every municipality is its own freeform shape (named ``"Namsos (5007)"``), filled with its colour,
with the sub-region outlines and the highlighted region drawn on top: sharp on any projector, no browser needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import shapely
from shapely.geometry import shape

from kompilot_data.present import charts
from kompilot_data.present.safe_text import html_text
from kompilot_data.present.theme import ORDINAL
from kompilot_data.reference import SUBREGIONS, load_geojson, load_municipalities
from kompilot_data.reference.i18n import t

CENTRE_LATITUDE = 63.85
OUTLINE_COLOUR = "#1B2733"
HIGHLIGHT_COLOUR = "#7B2CBF"  # purple: apart from both ends of the centrality ramp
# SSB centrality classes 1 (most central) .. 6 (least central): the app maps' ramp.
CENTRALITY_COLOURS = tuple(ORDINAL)

Ring = np.ndarray  # (n, 2): projected x (east), y (south), so y grows downwards as on a slide


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    colour: str
    value: str  # the value as text (hover, shape name)
    rings: tuple[Ring, ...]


@dataclass(frozen=True)
class VectorMap:
    title: str
    areas: tuple[Area, ...]
    outlines: tuple[tuple[str, tuple[Ring, ...]], ...]  # (sub-region, rings)
    highlight: tuple[Ring, ...]
    legend: tuple[tuple[str, str], ...]  # (label, colour)
    legend_title: str
    labels: tuple[tuple[str, float, float], ...]  # sub-region names at a point inside
    source: str
    language: str
    demo: bool = False

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        points = np.vstack([ring for area in self.areas for ring in area.rings])
        return (
            float(points[:, 0].min()),
            float(points[:, 1].min()),
            float(points[:, 0].max()),
            float(points[:, 1].max()),
        )


def project(coordinates) -> Ring:
    """lon/lat pairs to map units: x = lon·cos(63.85°), y = −lat."""
    points = np.asarray(coordinates, dtype=float)[:, :2]
    return np.column_stack([points[:, 0] * math.cos(math.radians(CENTRE_LATITUDE)), -points[:, 1]])


@lru_cache(maxsize=1)
def _municipality_shapes() -> dict:
    """kommunenummer -> shapely polygon, straight from the embedded GeoJSON (no geopandas)."""
    return {f["properties"]["kommunenummer"]: shape(f["geometry"]) for f in load_geojson()["features"]}


def _members() -> dict[str, list[str]]:
    """Sub-region -> its primary member municipalities."""
    region = load_municipalities()["delregion"].astype(str)
    return {name: list(region.index[region == name]) for name in SUBREGIONS}


def _geometry_rings(geometry: dict) -> list[Ring]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [project(ring) for polygon in polygons for ring in polygon]


def _shapely_rings(geometry, min_share: float = 0.002) -> list[Ring]:
    """Outline rings of a (multi)polygon, leaving out islets smaller than ``min_share`` of the largest part:
    a thick outline around every islet would paint it solid."""
    parts = list(getattr(geometry, "geoms", [geometry]))
    largest = max(part.area for part in parts)
    rings = []
    for part in parts:
        if part.area >= min_share * largest:
            rings += [project(part.exterior.coords)] + [project(hole.coords) for hole in part.interiors]
    return rings


def centrality_map(title: str, language: str, region: str | None = None) -> VectorMap:
    """The 38 municipalities coloured by SSB centrality class, with sub-region outlines; ``region`` (a
    sub-region or a kommunenummer) is outlined in orange."""
    municipalities = load_municipalities()
    classes = municipalities["sentralitetsklasse"].astype(int)
    areas = []
    for feature in load_geojson()["features"]:
        code = feature["properties"]["kommunenummer"]
        level = int(classes[code])
        areas.append(
            Area(
                code,
                str(municipalities.at[code, "navn"]),
                CENTRALITY_COLOURS[level - 1],
                str(level),
                tuple(_geometry_rings(feature["geometry"])),
            )
        )
    shapes = _municipality_shapes()
    outlines = {name: shapely.union_all([shapes[c] for c in codes]) for name, codes in _members().items()}
    if region in outlines:
        highlighted = _shapely_rings(outlines[region], 0.01)
    else:
        highlighted = _shapely_rings(shapes[region], 0.01) if region in shapes else []
    labels = []
    for name in SUBREGIONS:
        point = outlines[name].representative_point()
        x, y = project([[point.x, point.y]])[0]
        labels.append((name, float(x), float(y)))
    legend = tuple((str(level), colour) for level, colour in enumerate(CENTRALITY_COLOURS, start=1))
    source = t("vmap_source", language)
    return VectorMap(
        title,
        tuple(areas),
        tuple((name, tuple(_shapely_rings(outlines[name]))) for name in SUBREGIONS),
        tuple(highlighted),
        legend,
        t("vmap_legend_title", language),
        tuple(labels),
        source,
        language,
    )


def _lines(rings) -> tuple[list, list]:
    xs, ys = [], []
    for ring in rings:
        xs += [*ring[:, 0], None]
        ys += [*(-ring[:, 1]), None]
    return xs, ys


def to_plotly(vmap: VectorMap, height: int | None = None, footer: bool = True) -> go.Figure:
    """The map as filled polygons on plain axes (no map library, no tiles): same look in the app, HTML and PNG.

    ``footer=False`` leaves the source line out (the presentation page sets it as text)."""
    fig = go.Figure()
    for area in vmap.areas:
        xs, ys = _lines(area.rings)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=area.colour,
                line={"color": "#FFFFFF", "width": 0.7},
                hoveron="fills",
                text=f"{area.name} ({area.code}): {area.value}",
                hoverinfo="text",
                showlegend=False,
            )
        )
    for _, rings in vmap.outlines:
        xs, ys = _lines(rings)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": OUTLINE_COLOUR, "width": 2.2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if vmap.highlight:
        xs, ys = _lines(vmap.highlight)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": HIGHLIGHT_COLOUR, "width": 4},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for label, colour in vmap.legend:
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], mode="markers", marker={"size": 16, "color": colour, "symbol": "square"}, name=label
            )
        )
    for name, x, y in vmap.labels:
        fig.add_annotation(
            x=x,
            y=-y,
            text=f"<b>{html_text(name)}</b>",
            showarrow=False,
            font={"size": charts.TEXT_SIZE, "color": OUTLINE_COLOUR},
            bgcolor="rgba(255,255,255,0.8)",
            borderpad=3,
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    charts.style(
        fig, vmap.title, vmap.source if footer else "", vmap.language, vmap.demo, legend=False, height=height, below=8
    )
    fig.update_layout(
        plot_bgcolor="#FFFFFF",
        hovermode="closest",
        showlegend=True,
        legend={
            "orientation": "v",
            "x": 1,
            "xanchor": "right",
            "xref": "paper",
            "y": 0.5,
            "yanchor": "middle",
            "yref": "paper",
            "title": {"text": vmap.legend_title.replace("\n", "<br>"), "font": {"size": charts.SOURCE_SIZE}},
            "bgcolor": "rgba(255,255,255,0.85)",
        },
    )
    return fig
