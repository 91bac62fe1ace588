"""The briefing as a PowerPoint deck (python-pptx)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from kompilot_data.i18n import format_date, t
from kompilot_data.present.briefing import STEP_TITLES, STEPS, Briefing
from kompilot_data.present.png import briefing_pngs


def write_pptx(briefing: Briefing, path: Path | str) -> Path:
    """A 16:9 PowerPoint deck: title, one section per step (key figures, charts, tables), sources."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)
    blank = deck.slide_layouts[6]
    width, height = deck.slide_width, deck.slide_height
    nb = briefing.language == "nb"

    def text_box(slide, text, left, top, box_width, box_height, size=20, bold=False, colour="1B2733"):
        frame = slide.shapes.add_textbox(left, top, box_width, box_height).text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size, paragraph.font.bold = Pt(size), bold
            paragraph.font.color.rgb = RGBColor.from_string(colour)
        return frame

    def new_slide(title: str):
        slide = deck.slides.add_slide(blank)
        text_box(slide, title, Emu(457200), Emu(228600), width - Emu(914400), Emu(700000), size=30, bold=True)
        if briefing.demo:
            text_box(
                slide,
                "DEMO-DATA" if nb else "DEMO DATA",
                width - Emu(2400000),
                Emu(228600),
                Emu(2000000),
                Emu(400000),
                size=14,
                bold=True,
                colour="B35900",
            )
        return slide

    slide = deck.slides.add_slide(blank)
    text_box(slide, "Kompetansepilot Trøndelag", Emu(685800), Emu(1600000), width - Emu(1371600), Emu(800000), size=24)
    text_box(
        slide, briefing.region_name, Emu(685800), Emu(2300000), width - Emu(1371600), Emu(1200000), size=48, bold=True
    )
    subtitle = f"{'Situasjon, behov, tilbud og gap' if nb else 'Situation, needs, offers and gaps'} · {format_date(briefing.made, briefing.language)}"
    if briefing.demo:
        subtitle += "\n" + t("demo_badge", briefing.language)
    text_box(slide, subtitle, Emu(685800), Emu(3600000), width - Emu(1371600), Emu(1400000), size=18)

    for step in STEPS:
        key_figures, step_figures, step_tables = briefing.for_step(step)
        title = STEP_TITLES[step][briefing.language]
        if key_figures:
            slide = new_slide(title)
            box_width = (width - Emu(914400)) // max(len(key_figures), 1)
            for i, (_, label, value) in enumerate(key_figures):
                left = Emu(457200) + box_width * i
                text_box(
                    slide,
                    value,
                    left,
                    Emu(2200000),
                    box_width - Emu(100000),
                    Emu(900000),
                    size=32,
                    bold=True,
                    colour="00509E",
                )
                text_box(slide, label, left, Emu(3200000), box_width - Emu(100000), Emu(1200000), size=16)
        for item in step_figures:
            slide = new_slide(f"{title}: {item.title}")
            png = briefing_pngs(briefing)[item.slug]
            picture_height = height - Emu(1100000)
            slide.shapes.add_picture(BytesIO(png), Emu(457200), Emu(950000), height=picture_height)
        for item in step_tables:
            slide = new_slide(f"{title}: {item.title}")
            rows, columns = len(item.frame) + 1, len(item.frame.columns)
            shape = slide.shapes.add_table(
                rows, columns, Emu(457200), Emu(1000000), width - Emu(914400), Emu(380000) * rows
            )
            for c, column in enumerate(item.frame.columns):
                shape.table.cell(0, c).text = str(column)
            for r, record in enumerate(item.frame.itertuples(index=False), start=1):
                for c, cell in enumerate(record):
                    shape.table.cell(r, c).text = str(cell)
                    shape.table.cell(r, c).text_frame.paragraphs[0].font.size = Pt(12)
    slide = new_slide("Kilder" if nb else "Sources")
    text_box(
        slide,
        "\n".join(briefing.sources),
        Emu(457200),
        Emu(1100000),
        width - Emu(914400),
        height - Emu(1500000),
        size=16,
    )
    path = Path(path)
    deck.save(path)
    return path
