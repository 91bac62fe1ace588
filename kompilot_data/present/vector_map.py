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

from kompilot_data.i18n import t
from kompilot_data.present import charts
from kompilot_data.reference import SUBREGIONS, load_geojson, load_municipalities

CENTRE_LATITUDE = 63.85
OUTLINE_COLOUR = "#1B2733"
HIGHLIGHT_COLOUR = "#7B2CBF"  # purple: apart from both ends of the centrality ramp
# SSB centrality classes 1 (most central) .. 6 (least central); same ramp as the app's maps.
CENTRALITY_COLOURS = ("#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#FDAE6B", "#E6550D")

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
    from shapely.geometry import shape

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
            text=f"<b>{name}</b>",
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


def add_to_slide(vmap: VectorMap, shapes, left: int, top: int, width: int, height: int):
    """Draw the map into the box (EMU) as a group: a freeform per municipality, the sub-region outlines,
    the highlight, sub-region names and a legend. Returns the group shape."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Emu, Pt

    legend_width = max(int(width * 0.24), int(1.9 * 914400))
    x0, y0, x1, y1 = vmap.bounds
    scale = min((width - legend_width) / (x1 - x0), height / (y1 - y0))
    offset_x = left + ((width - legend_width) - (x1 - x0) * scale) / 2
    offset_y = top + (height - (y1 - y0) * scale) / 2

    def emu(ring: Ring) -> list[tuple[int, int]]:
        points = np.rint(np.column_stack([offset_x + (ring[:, 0] - x0) * scale, offset_y + (ring[:, 1] - y0) * scale]))
        keep = np.ones(len(points), dtype=bool)
        keep[1:] = np.any(points[1:] != points[:-1], axis=1)  # drop repeated points after rounding
        return [(int(x), int(y)) for x, y in points[keep]]

    def freeform(target, rings, name):
        return _freeform(target, [c for c in (emu(ring) for ring in rings) if len(c) >= 3], name)

    drawn = []  # made on the slide, grouped at the end (a group recomputes its extent on every addition)
    for area in vmap.areas:
        shape = freeform(shapes, area.rings, f"{area.name} ({area.code})")
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(area.colour.lstrip("#"))
        shape.line.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        shape.line.width = Pt(0.5)
        drawn.append(shape)
    for region, rings in vmap.outlines:
        shape = freeform(shapes, rings, f"{region} ({t('vmap_outline', vmap.language)})")
        shape.fill.background()
        shape.line.color.rgb = RGBColor.from_string(OUTLINE_COLOUR.lstrip("#"))
        shape.line.width = Pt(1.75)
        drawn.append(shape)
    if vmap.highlight:
        shape = freeform(shapes, vmap.highlight, t("vmap_selected", vmap.language))
        shape.fill.background()
        shape.line.color.rgb = RGBColor.from_string(HIGHLIGHT_COLOUR.lstrip("#"))
        shape.line.width = Pt(2.75)
        drawn.append(shape)
    for name, x, y in vmap.labels:
        cx, cy = offset_x + (x - x0) * scale, offset_y + (y - y0) * scale
        box = shapes.add_textbox(Emu(int(cx - 650000)), Emu(int(cy - 150000)), Emu(1300000), Emu(300000))
        box.fill.solid()
        box.fill.fore_color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        box.text_frame.word_wrap = False
        paragraph = box.text_frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.CENTER
        charts.write_run(paragraph, name, 14, True, OUTLINE_COLOUR)
        drawn.append(box)
    legend_left = left + width - legend_width
    row = Emu(330000)
    legend_top = top + (height - row * (len(vmap.legend) + 2)) // 2 + 2 * row
    heading = shapes.add_textbox(Emu(legend_left), Emu(legend_top - 2 * row), Emu(legend_width), Emu(2 * row))
    heading.text_frame.word_wrap = True
    for i, line in enumerate(vmap.legend_title.split("\n")):
        paragraph = heading.text_frame.paragraphs[0] if i == 0 else heading.text_frame.add_paragraph()
        paragraph.alignment = PP_ALIGN.LEFT
        charts.write_run(paragraph, line, 12, i == 0, OUTLINE_COLOUR)
    drawn.append(heading)
    for i, (label, colour) in enumerate(vmap.legend):
        swatch = shapes.add_shape(1, Emu(legend_left), Emu(legend_top + row * i + 60000), Emu(220000), Emu(220000))
        swatch.fill.solid()
        swatch.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))
        swatch.line.fill.background()
        charts.unstyled(swatch)
        box = shapes.add_textbox(Emu(legend_left + 280000), Emu(legend_top + row * i), Emu(legend_width - 280000), row)
        box.text_frame.word_wrap = True
        box.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        charts.write_run(box.text_frame.paragraphs[0], label, 13, False, OUTLINE_COLOUR)
        drawn += [swatch, box]
    group = shapes.add_group_shape(drawn)
    group.name = vmap.title
    return group


def _freeform(shapes, contours: list[list[tuple[int, int]]], name: str):
    """A freeform shape with one closed contour per ring (coordinates in EMU on the slide).

    python-pptx's FreeformBuilder recomputes the shape's extent for every segment (quadratic: a minute for
    the county's 13,000 vertices), so the builder makes the shape from its bounding box and the path is
    then written directly: a ``moveTo``, ``lnTo`` … and ``close`` per contour, in the shape's own coordinates.
    """
    from lxml import etree
    from pptx.oxml.ns import qn

    move_to, line_to, point_tag, close = qn("a:moveTo"), qn("a:lnTo"), qn("a:pt"), qn("a:close")
    points = np.array([p for contour in contours for p in contour])
    left, top = points.min(axis=0)
    right, bottom = points.max(axis=0)
    builder = shapes.build_freeform(int(left), int(top))
    builder.add_line_segments([(int(right), int(top)), (int(right), int(bottom))], close=True)
    shape = builder.convert_to_shape()
    path = shape._element.spPr.find(qn("a:custGeom")).find(qn("a:pathLst")).find(qn("a:path"))
    for child in list(path):
        path.remove(child)
    for contour in contours:
        for i, (x, y) in enumerate(contour):
            operation = etree.SubElement(path, move_to if i == 0 else line_to)
            etree.SubElement(operation, point_tag, x=str(int(x - left)), y=str(int(y - top)))
        etree.SubElement(path, close)
    shape.name = name
    return charts.unstyled(shape)
