"""A briefing as data: the steps a presenter shows about one region, each with its finding, headline figures,
charts or map, tables, speaker notes and sources.

:func:`kompilot_data.present.briefing.briefing` fills it from a region's View; the writers turn it into files
(:mod:`~kompilot_data.present.deck`, :mod:`~kompilot_data.present.handout`, :mod:`~kompilot_data.present.png`)
and the presentation page shows the same steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from kompilot_data.present import charts, vector_map
from kompilot_data.present.charts import Chart
from kompilot_data.present.vector_map import VectorMap
from kompilot_data.reference.i18n import format_date, t

STEPS = ("situasjon", "behov", "tilbud", "gap", "kursmuligheter", "siden_sist")
SLIDE_SIZE = (1600, 900)


def step_title(step: str, language: str) -> str:
    return t(f"step_{step}", language)




@dataclass(frozen=True)
class KeyFigure:
    """A headline figure: ``value`` under ``label``; ``comparison`` on its own line, in words
    (e.g. "Trøndelag: 4,4 %"); ``source`` for real statistics; ``demo`` when computed from demo records."""

    label: str
    value: str
    comparison: str = ""
    source: str = ""
    demo: bool = False


@dataclass
class Figure:
    """A chart (:class:`~kompilot_data.present.charts.Chart`) or the map
    (:class:`~kompilot_data.present.vector_map.VectorMap`), drawn as plotly on demand."""

    slug: str
    content: Chart | VectorMap

    def __getattr__(self, name: str):
        """The chart's or map's ``title``, ``demo`` and ``source``."""
        if name in ("title", "demo", "source"):
            return getattr(self.content, name)
        raise AttributeError(name)

    @property
    def is_map(self) -> bool:
        return isinstance(self.content, VectorMap)

    def plotly(self, height: int | None = None, footer: bool = True):
        """A new plotly figure (safe to change; the briefing may be cached); ``footer=False`` leaves the
        source line out, for pages that set it as text."""
        if self.is_map:
            return vector_map.to_plotly(self.content, height, footer)
        return charts.to_plotly(self.content, height, footer)

    @property
    def footer(self) -> str:
        """The note (if any) and the source line, as set under the figure."""
        return self.content.source if self.is_map else self.content.footer

    @property
    def figure(self):
        return self.plotly()


@dataclass
class Table:
    """A table ready to show: ``frame`` holds the rows listed (labels in the briefing's language);
    ``caption`` says how they were chosen (e.g. "De 8 største av 13")."""

    slug: str
    title: str
    frame: pd.DataFrame
    caption: str
    source: str
    demo: bool


@dataclass
class Step:
    key: str
    title: str
    finding: str
    key_figures: list[KeyFigure] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)  # the first is the main chart
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # definitions, for speaker notes
    sources: list[str] = field(default_factory=list)
    finding_demo: bool = False

    @property
    def demo(self) -> bool:
        """Whether anything on this step is computed from demo records."""
        return (
            self.finding_demo
            or any(k.demo for k in self.key_figures)
            or any(f.demo for f in self.figures)
            or any(t_.demo for t_ in self.tables)
        )

    @property
    def main(self) -> Figure | None:
        return self.figures[0] if self.figures else None


@dataclass
class Briefing:
    """Everything a speaker shows about one region, in one language."""

    region: str
    region_name: str
    language: str
    made: date
    demo: bool
    steps: list[Step] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    pngs: dict[str, bytes] = field(default_factory=dict, repr=False)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.steps for f in s.figures]

    @property
    def tables(self) -> list[Table]:
        return [t_ for s in self.steps for t_ in s.tables]

    def file_stem(self, what: str) -> str:
        """e.g. ``namdalen_briefing_2026-11-27`` (region_indicator_date)."""
        return file_stem(self.region_name, what, self.made)

    @property
    def subtitle(self) -> str:
        return f"{t('briefing_subtitle', self.language)} · {format_date(self.made, self.language)}"


def file_stem(region_name: str, what: str, made: date) -> str:
    """File names for a region's files: ``region_indicator_date``, e.g. ``namdalen_kart_2026-11-27``."""
    text = region_name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return f"{re.sub(r'[^a-z0-9]+', '-', text).strip('-')}_{what}_{made:%Y-%m-%d}"
