"""The briefing as a PowerPoint deck (python-pptx), with no browser involved.

One slide per step, like the presentation mode: a real title placeholder (so outline view and screen readers
see the slide's title), the one-line finding, the headline figures with their comparison and source, the
main chart as a native PowerPoint chart (or the map as freeform shapes), the source line, and speaker notes
with the finding, the definitions and the sources. Slides with content computed from demo records carry the
demo tag on the slide itself; slides with real statistics only do not. Secondary charts and tables follow
their step on their own slides; the last slide lists the sources.
"""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Pt

from kompilot_data.present.briefing_model import Briefing, Figure, Step, Table
from kompilot_data.present.slides import add_chart, add_map, unstyled, write_run
from kompilot_data.present.theme import DEMO_COLOUR
from kompilot_data.reference.i18n import t

WIDTH, HEIGHT = 12192000, 6858000  # 16:9, 13.33 × 7.5 in
INCH = 914400
MARGIN = int(0.45 * INCH)
CONTENT_WIDTH = WIDTH - 2 * MARGIN
BLUE, INK, GREY = "00509E", "1B2733", "555555"
LAYOUT_TITLE, LAYOUT_TITLE_AND_CONTENT, LAYOUT_TITLE_ONLY = 0, 1, 5


def write_pptx(briefing: Briefing, path: Path | str) -> Path:
    """A 16:9 deck: title slide, one slide per step (plus a slide per secondary chart or table), sources."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(WIDTH), Emu(HEIGHT)
    deck.core_properties.title = f"Kompetansepilot Trøndelag – {briefing.region_name}"
    deck.core_properties.language = "nb-NO" if briefing.language == "nb" else "en-GB"
    _title_slide(deck, briefing)
    for step in briefing.steps:
        beside = _beside(step)
        _step_slide(deck, briefing, step, beside)
        for item in step.figures[1:]:
            if item is not beside:
                _figure_slide(deck, briefing, step, item)
        for table in step.tables:
            _table_slide(deck, briefing, step, table)
    _sources_slide(deck, briefing)
    path = Path(path)
    deck.save(path)
    return path


# --- building blocks -------------------------------------------------------------------------------------


def _text(shapes, text: str, left, top, width, height, size=16, bold=False, colour=INK, align=None):
    """A text box; ``text`` may hold several lines. Returns the text frame."""
    box = shapes.add_textbox(Emu(int(left)), Emu(int(top)), Emu(int(width)), Emu(int(height)))
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = Emu(0)
    for i, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if line:
            write_run(paragraph, line, size, bold, colour)
        if align is not None:
            paragraph.alignment = align
    return frame


def _set_title(slide, text: str, width: int = CONTENT_WIDTH) -> None:
    """Fill the layout's title placeholder (a real title, for outline view and screen readers)."""
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = (
        Emu(MARGIN),
        Emu(int(0.22 * INCH)),
        Emu(width),
        Emu(int(0.75 * INCH)),
    )
    frame = title.text_frame
    frame.clear()
    frame.margin_left = frame.margin_right = Emu(0)
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    write_run(paragraph, text, 30, True, INK)


def _demo_tag(slide, language: str) -> None:
    width, height = int(1.9 * INCH), int(0.42 * INCH)
    tag = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Emu(WIDTH - MARGIN - width), Emu(int(0.38 * INCH)), Emu(width), Emu(height)
    )
    tag.name = "demo"
    tag.fill.solid()
    tag.fill.fore_color.rgb = RGBColor.from_string(DEMO_COLOUR.lstrip("#"))
    tag.line.fill.background()
    unstyled(tag)
    frame = tag.text_frame
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.CENTER
    write_run(paragraph, t("demo_tag", language), 15, True, "FFFFFF")


def _notes(slide, briefing: Briefing, step: Step | None, extra: list[str] = ()) -> None:
    """Speaker notes: the finding, the definitions and the sources."""
    language = briefing.language
    lines = []
    if step is not None:
        lines += [step.finding, "", f"{t('briefing_definitions', language)}:", *step.notes]
        lines += ["", f"{t('briefing_sources', language)}:", *step.sources]
    lines += list(extra)
    slide.notes_slide.notes_text_frame.text = "\n".join(lines).strip()


def _header(deck, briefing: Briefing, step: Step, demo: bool):
    slide = deck.slides.add_slide(deck.slide_layouts[LAYOUT_TITLE_ONLY])
    tag_room = int(2.1 * INCH) if demo else 0
    _set_title(slide, f"{briefing.region_name}: {step.title}", CONTENT_WIDTH - tag_room)
    if demo:
        _demo_tag(slide, briefing.language)
    if step.finding:
        _text(
            slide.shapes, step.finding, MARGIN, 1.0 * INCH, CONTENT_WIDTH, 0.62 * INCH, size=18, bold=True, colour=BLUE
        )
    return slide


def _footer(slide, text: str, legend: tuple = ()) -> None:
    frame = _text(slide.shapes, "", MARGIN, 7.0 * INCH, CONTENT_WIDTH, 0.4 * INCH, size=12, colour=GREY)
    paragraph = frame.paragraphs[0]
    for label, colour in legend:
        swatch = paragraph.add_run()
        swatch.text = "■ "
        swatch.font.size = Pt(14)
        swatch.font.color.rgb = RGBColor.from_string(colour.lstrip("#"))
        run = paragraph.add_run()
        run.text = f"{label}   "
        run.font.size = Pt(12)
        run.font.color.rgb = RGBColor.from_string(GREY)
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(12)
    run.font.color.rgb = RGBColor.from_string(GREY)


def _key_figures(slide, step: Step, language: str) -> None:

    if not step.key_figures:
        return
    width = CONTENT_WIDTH / len(step.key_figures)
    for i, figure in enumerate(step.key_figures):
        frame = _text(
            slide.shapes, figure.value, MARGIN + i * width, 1.65 * INCH, width - 0.2 * INCH, 1.3 * INCH, 28, True, BLUE
        )
        for text, size, colour in (
            (figure.label, 13, INK),
            (figure.comparison, 13, INK),
            (figure.source, 11, GREY),
        ):
            if not text:
                continue
            write_run(frame.add_paragraph(), text, size, False, colour)


def _draw(slide, item: Figure, left, top, width, height) -> None:
    if item.is_map:
        add_map(item.content, slide.shapes, int(left), int(top), int(width), int(height))
    else:
        add_chart(item.content, slide.shapes, int(left), int(top), int(width), int(height))


def _figure_footer(slide, item: Figure) -> None:
    content = item.content
    if item.is_map:
        _footer(slide, content.source)
        return
    parts = [p for p in (content.reference[1] if content.reference else "", content.note, content.source) if p]
    _footer(slide, " · ".join(parts), content.legend)


def _table(slide, table: Table, left, top, width, height, size=12) -> None:
    """A native table; columns as wide as their longest text needs (within limits), rows as tall as fit."""
    frame = table.frame
    rows, columns = len(frame) + 1, len(frame.columns)
    row_height = min(int(0.42 * INCH), int(height / rows))
    shape = slide.shapes.add_table(
        rows, columns, Emu(int(left)), Emu(int(top)), Emu(int(width)), Emu(row_height * rows)
    )
    shape.name = table.title
    needs = [min(max([len(str(column))] + [len(str(v)) for v in frame[column]]), 48) + 2 for column in frame.columns]
    for c, need in enumerate(needs):
        shape.table.columns[c].width = Emu(int(width * need / sum(needs)))
    for r in range(rows):
        shape.table.rows[r].height = Emu(row_height)
    for c, column in enumerate(frame.columns):
        write_run(shape.table.cell(0, c).text_frame.paragraphs[0], str(column), size, True, "FFFFFF")
    for r, record in enumerate(frame.itertuples(index=False), start=1):
        for c, value in enumerate(record):
            write_run(shape.table.cell(r, c).text_frame.paragraphs[0], str(value), size, False, INK)


# --- slides ------------------------------------------------------------------------------------------------


def _title_slide(deck, briefing: Briefing) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[LAYOUT_TITLE])
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = (
        Emu(MARGIN * 2),
        Emu(int(2.0 * INCH)),
        Emu(WIDTH - 4 * MARGIN),
        Emu(int(1.4 * INCH)),
    )
    write_run(title.text_frame.paragraphs[0], briefing.region_name, 54, True, INK)
    subtitle = slide.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        Emu(MARGIN * 2),
        Emu(int(3.5 * INCH)),
        Emu(WIDTH - 4 * MARGIN),
        Emu(int(2.2 * INCH)),
    )
    lines = [t("app_title", briefing.language), briefing.subtitle]
    if briefing.demo:
        lines.append(t("briefing_demo_note", briefing.language))
    for i, (line, size) in enumerate(zip(lines, (24, 20, 14), strict=False)):
        paragraph = subtitle.text_frame.paragraphs[0] if i == 0 else subtitle.text_frame.add_paragraph()
        write_run(paragraph, line, size, False, INK if i < 2 else GREY)
    if briefing.demo:
        _demo_tag(slide, briefing.language)
    _notes(slide, briefing, None, [t("briefing_demo_note", briefing.language)] if briefing.demo else [])


def _beside(step: Step) -> Figure | None:
    """The figure drawn beside the map on the step's slide (the population trend beside the situation map)."""
    if step.main is not None and step.main.is_map and len(step.figures) > 1:
        return step.figures[1]
    return None


def _step_slide(deck, briefing: Briefing, step: Step, beside: Figure | None) -> None:
    slide = _header(deck, briefing, step, step.demo)
    _key_figures(slide, step, briefing.language)
    top, height = 3.05 * INCH, 3.9 * INCH
    item = step.main
    if item is not None and beside is not None:
        _draw(slide, item, MARGIN, top, CONTENT_WIDTH * 0.5, height)
        _draw(slide, beside, MARGIN + CONTENT_WIDTH * 0.52, top, CONTENT_WIDTH * 0.48, height)
        _footer(slide, " · ".join(dict.fromkeys([item.source, beside.source])))
    elif item is not None:
        _draw(slide, item, MARGIN, top, CONTENT_WIDTH, height)
        _figure_footer(slide, item)
    elif step.tables:
        _table(slide, step.tables[0], MARGIN, top, CONTENT_WIDTH, height)
    _notes(slide, briefing, step)


def _figure_slide(deck, briefing: Briefing, step: Step, item: Figure) -> None:
    slide = _header(deck, briefing, step, item.demo)
    _draw(slide, item, MARGIN, 1.65 * INCH, CONTENT_WIDTH, 5.25 * INCH)
    _figure_footer(slide, item)
    _notes(slide, briefing, step)


def _table_slide(deck, briefing: Briefing, step: Step, table: Table) -> None:
    slide = _header(deck, briefing, step, table.demo)
    _text(slide.shapes, table.title, MARGIN, 1.7 * INCH, CONTENT_WIDTH, 0.4 * INCH, 18, True)
    _table(slide, table, MARGIN, 2.2 * INCH, CONTENT_WIDTH, 4.6 * INCH, 14)
    _footer(slide, f"{table.caption} · {table.source}")
    _notes(slide, briefing, step)


def _sources_slide(deck, briefing: Briefing) -> None:
    language = briefing.language
    slide = deck.slides.add_slide(deck.slide_layouts[LAYOUT_TITLE_AND_CONTENT])
    _set_title(slide, t("briefing_sources", language))
    body = slide.placeholders[1]
    body.left, body.top, body.width, body.height = (
        Emu(MARGIN),
        Emu(int(1.2 * INCH)),
        Emu(CONTENT_WIDTH),
        Emu(int(5.8 * INCH)),
    )
    for i, line in enumerate(briefing.sources):
        paragraph = body.text_frame.paragraphs[0] if i == 0 else body.text_frame.add_paragraph()
        write_run(paragraph, line, 16, False, INK)
    _notes(slide, briefing, None, briefing.sources)
