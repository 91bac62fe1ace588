"""Unmet demand as the first screen and the briefing say it: the three largest shortfalls in words and the ranked
municipalities, formatted from :class:`kompilot_data.view.numbers.Numbers` (never computed here)."""

from __future__ import annotations

import pandas as pd

from kompilot_data.engine.reach import TRAVEL_TIME, ReachSetting
from kompilot_data.present.charts import Chart, Series
from kompilot_data.present.theme import OKABE_ITO
from kompilot_data.reference import evu, taxonomy
from kompilot_data.reference.i18n import format_number, t
from kompilot_data.view.numbers import Numbers

UNMET_COLOUR = "#E66100"
TOP_MUNICIPALITIES = 15


def within_words(setting: ReachSetting, language: str, short: bool = False) -> str:
    """ "innen rekkevidde (90 min ukentlig, 180 min samlingsbasert)" for travel time, "innen 90 km" otherwise;
    ``short``: "innen 90 min" (the campus threshold) for sentences."""
    if setting.method != TRAVEL_TIME:
        return t(f"within_{setting.unit}", language, limit=format_number(setting.limit, language))
    scale = setting.limit / evu.BASE_REACH_MIN
    campus = format_number(evu.REKKEVIDDE_MIN["stedlig"] * scale, language)
    sessions = format_number(evu.REKKEVIDDE_MIN["samlingsbasert"] * scale, language)
    key = "story_within_short" if short else "story_within_modes"
    return t(key, language, campus=campus, sessions=sessions)


def area_in_sentence(code: str, language: str) -> str:
    """The area's label as it reads inside a sentence ("helse og omsorg", but "IKT")."""
    label = taxonomy.labels("kompetanseomrade", language)[code]
    return label[0].lower() + label[1:] if label[1:2].islower() else label


def shortfall_sentences(numbers: Numbers, language: str, within: str) -> list[str]:
    """ "Namdalen mangler 85 plasser i helse og omsorg innen 90 min (88 deltakere, 3 plasser fordelt)." - the
    largest shortfalls of the selection, or one sentence saying there are none."""
    rows = numbers.storste_mangler
    if not len(rows):
        return [t("story_no_shortfall", language, within=within)]
    return [
        t(
            "story_shortfall",
            language,
            place=row.sted,
            unmet=format_number(row.udekket, language),
            area=area_in_sentence(row.kompetanseomrade, language),
            within=within,
            demand=format_number(row.ettersporsel, language),
            supply=format_number(row.tilbud_fordelt, language),
        )
        for row in rows.itertuples()
    ]


def ranked_municipalities(numbers: Numbers) -> pd.DataFrame:
    """Municipalities of the selection with unmet demand, largest first (hidden ones last)."""
    table = numbers.per_kommune
    shown = table[~table["skjult"].astype(bool) & (table["udekket"] >= 0.5)]
    return shown.sort_values(["udekket", "navn"], ascending=[False, True], kind="stable")


def unmet_chart(numbers: Numbers, language: str, source: str, within: str, top: int = TOP_MUNICIPALITIES) -> Chart:
    """Bar chart: unmet demand by municipality, largest first (at most ``top``), demo-tagged when built on demo."""
    ranked = ranked_municipalities(numbers).head(top)
    note = t("story_demo_figure", language) if numbers.demo else ""
    return Chart(
        "bar",
        t("story_unmet_chart", language, within=within),
        tuple(ranked["navn"].astype(str)),
        (Series(t("story_series_unmet", language), tuple(float(v) for v in ranked["udekket"]), UNMET_COLOUR),),
        t("unit_participants", language),
        source,
        language,
        demo=numbers.demo,
        note=note,
    )


def area_chart(numbers: Numbers, language: str, source: str) -> Chart:
    """Bar chart: unmet demand and surplus per competence area (visible areas with demand or supply)."""
    table = numbers.per_omrade
    table = table[~table["skjult"] & ((table["ettersporsel"] > 0) | (table["tilbud_fordelt"] > 0))]
    table = table.sort_values("udekket", ascending=False, kind="stable")
    areas = taxonomy.labels("kompetanseomrade", language)
    return Chart(
        "bar",
        t("story_chart_unmet", language),
        tuple(areas[a] for a in table.index),
        (Series(t("story_series_unmet", language), tuple(float(v) for v in table["udekket"]), UNMET_COLOUR),)
        + (  # the surplus only where there is one
            (Series(t("story_series_surplus", language), tuple(float(v) for v in table["overskudd"]), OKABE_ITO[4]),)
            if (table["overskudd"] >= 0.5).any()
            else ()
        ),
        t("unit_participants", language),
        source,
        language,
        demo=numbers.demo,
        note=t("story_demo_figure", language) if numbers.demo else "",
    )
