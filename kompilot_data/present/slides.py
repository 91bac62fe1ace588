"""Drawing on PowerPoint slides (python-pptx): a briefing chart as a native PowerPoint chart a presenter can
restyle, the municipality map as freeform shapes, and text runs with their own font. No browser involved.

python-pptx is imported here and in :mod:`kompilot_data.present.deck` only: the app imports neither until a deck
is written.
"""

from __future__ import annotations

import numpy as np
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from kompilot_data.present.charts import Chart
from kompilot_data.present.vector_map import HIGHLIGHT_COLOUR, OUTLINE_COLOUR, Ring, VectorMap
from kompilot_data.reference.i18n import t


def write_run(paragraph, text: str, size: float, bold: bool = False, colour: str | None = None):
    """Add ``text`` to a python-pptx paragraph as a run with its own font (size in pt, colour as hex):
    run-level properties, which PowerPoint and LibreOffice both honour."""
    run = paragraph.add_run()
    run.text = text
    run.font.size, run.font.bold = Pt(size), bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour.lstrip("#"))
    return run


def unstyled(shape):
    """Drop the theme style reference (``p:style``) of a python-pptx shape: no theme shadow or outline, only
    the fill and line set explicitly (LibreOffice draws the theme's shadow even with an empty effect list)."""
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def add_chart(chart: Chart, shapes, left: int, top: int, width: int, height: int):
    """Add ``chart`` as a native PowerPoint chart (python-pptx) to ``shapes``; returns the graphic frame.

    Bars keep the category order top to bottom; suppressed points are drawn as 0 with the label "<3".
    """
    data = CategoryChartData(
        number_format="0%" if chart.percent else ("#,##0" + ("." + "0" * chart.decimals if chart.decimals else ""))
    )
    # PowerPoint draws a bar chart's first category at the bottom: feed bars last-first, so the first is on top
    # (reversing the axis instead would move the value axis to the top). Columns keep their order (left first).
    order = list(range(len(chart.categories)))
    if chart.kind == "bar":
        order.reverse()
    data.categories = [chart.categories[i] for i in order]
    for series in chart.series:
        data.add_series(series.name, [0 if series.values[i] is None else series.values[i] for i in order])
    kind = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED}.get(
        chart.kind, XL_CHART_TYPE.LINE_MARKERS
    )
    bars = chart.kind in ("bar", "column")
    frame = shapes.add_chart(kind, left, top, width, height, data)
    frame.name = chart.title
    native = frame.chart
    native.font.size = Pt(14)
    native.font.name = "Arial"
    native.has_title = True
    native.chart_title.text_frame.text = chart.title
    title_font = native.chart_title.text_frame.paragraphs[0].font
    title_font.size, title_font.bold = Pt(20 if width > 8 * 914400 else 16), True
    several = len(chart.series) > 1
    native.has_legend = several
    if several:
        native.legend.position = XL_LEGEND_POSITION.TOP
        native.legend.include_in_layout = False
        native.legend.font.size = Pt(14)
    value_axis = native.value_axis
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xDD, 0xDD, 0xDD)
    value_axis.tick_labels.font.size = Pt(12)
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = chart.value_title
    value_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(13)
    value_axis.axis_title.text_frame.paragraphs[0].font.bold = False
    category_axis = native.category_axis
    category_axis.tick_labels.font.size = Pt(14 if len(chart.categories) <= 7 else 12)
    category_axis.format.line.color.rgb = RGBColor(0x99, 0x99, 0x99)
    _label_every_category(category_axis)
    if bars:
        native.plots[0].gap_width = 60
        if several:
            native.plots[0].overlap = 0
    for plot_series, series in zip(native.plots[0].series, chart.series, strict=True):
        if bars:
            plot_series.invert_if_negative = False
            plot_series.format.fill.solid()
            plot_series.format.fill.fore_color.rgb = RGBColor.from_string(series.colour.lstrip("#"))
        else:
            plot_series.format.line.color.rgb = RGBColor.from_string(series.colour.lstrip("#"))
            plot_series.format.line.width = Pt(3.5)
            plot_series.smooth = False
        texts = series.labels(chart)
        for position, i in enumerate(order):
            point = plot_series.points[position]
            if series.point_colours and bars:
                point.format.fill.solid()
                point.format.fill.fore_color.rgb = RGBColor.from_string(series.point_colours[i].lstrip("#"))
            if bars:
                label = point.data_label
                label.has_text_frame = True
                write_run(label.text_frame.paragraphs[0], texts[i], 13 if chart.kind == "bar" else 11)
                label.position = XL_LABEL_POSITION.OUTSIDE_END
    return frame


def _label_every_category(axis) -> None:
    """``c:tickLblSkip = 1``: every category gets its label (LibreOffice otherwise drops every other one)."""
    element = axis._element
    skip = element.find(qn("c:tickLblSkip"))
    if skip is None:
        skip = etree.Element(qn("c:tickLblSkip"))
        after = [element.find(qn(tag)) for tag in ("c:tickMarkSkip", "c:noMultiLvlLbl", "c:extLst")]
        after = [e for e in after if e is not None]
        if after:
            after[0].addprevious(skip)
        else:
            element.append(skip)
    skip.set("val", "1")
def add_map(vmap: VectorMap, shapes, left: int, top: int, width: int, height: int):
    """Draw the map into the box (EMU) as a group: a freeform per municipality, the sub-region outlines,
    the highlight, sub-region names and a legend. Returns the group shape."""
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
        write_run(paragraph, name, 14, True, OUTLINE_COLOUR)
        drawn.append(box)
    legend_left = left + width - legend_width
    row = Emu(330000)
    legend_top = top + (height - row * (len(vmap.legend) + 2)) // 2 + 2 * row
    heading = shapes.add_textbox(Emu(legend_left), Emu(legend_top - 2 * row), Emu(legend_width), Emu(2 * row))
    heading.text_frame.word_wrap = True
    for i, line in enumerate(vmap.legend_title.split("\n")):
        paragraph = heading.text_frame.paragraphs[0] if i == 0 else heading.text_frame.add_paragraph()
        paragraph.alignment = PP_ALIGN.LEFT
        write_run(paragraph, line, 12, i == 0, OUTLINE_COLOUR)
    drawn.append(heading)
    for i, (label, colour) in enumerate(vmap.legend):
        swatch = shapes.add_shape(1, Emu(legend_left), Emu(legend_top + row * i + 60000), Emu(220000), Emu(220000))
        swatch.fill.solid()
        swatch.fill.fore_color.rgb = RGBColor.from_string(colour.lstrip("#"))
        swatch.line.fill.background()
        unstyled(swatch)
        box = shapes.add_textbox(Emu(legend_left + 280000), Emu(legend_top + row * i), Emu(legend_width - 280000), row)
        box.text_frame.word_wrap = True
        box.text_frame.paragraphs[0].alignment = PP_ALIGN.LEFT
        write_run(box.text_frame.paragraphs[0], label, 13, False, OUTLINE_COLOUR)
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
    return unstyled(shape)
