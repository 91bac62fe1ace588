"""Briefings for regional forums: the same content as the presentation mode, as PowerPoint and standalone HTML.

``build_briefing`` gathers key figures, figures (plain plotly figures from :mod:`kompilot_data.present.figures`),
tables and sources for one sub-region or municipality. ``deck.write_pptx``, ``handout.write_html`` and ``png.write_pngs``
turn it into files that need no internet: charts become PNG through kaleido (which drives the
installed Chromium), and the HTML carries plotly.js inline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from kompilot_data.access import MIN_BUSINESSES, SUPPRESSED, suppress_table
from kompilot_data.engine import indicators, pooling
from kompilot_data.engine.reach import DEFAULT_RADIUS_KM, active_offers, compute_reach, open_needs
from kompilot_data.engine.supply import demand_supply, needs_matched_share, white_spots
from kompilot_data.i18n import format_number, format_percent, t
from kompilot_data.present import figures
from kompilot_data.reference import SUBREGIONS, load_municipalities, source_line, taxonomy

STEPS = ("situasjon", "behov", "tilbud", "gap", "kursmuligheter")
STEP_TITLES = {
    "situasjon": {"nb": "Situasjonen", "en": "The situation"},
    "behov": {"nb": "Kompetansebehov", "en": "Competence needs"},
    "tilbud": {"nb": "Tilbud innen rekkevidde", "en": "Offers within reach"},
    "gap": {"nb": "Gap og hvite flekker", "en": "Gaps and white spots"},
    "kursmuligheter": {"nb": "Kursmuligheter", "en": "Course opportunities"},
}
SLIDE_SIZE = (1600, 900)


@dataclass
class Figure:
    step: str
    slug: str
    title: str
    figure: object  # plotly Figure


@dataclass
class Table:
    step: str
    title: str
    frame: pd.DataFrame


@dataclass
class Briefing:
    """Everything a speaker shows about one region, in one language."""

    region: str
    region_name: str
    language: str
    made: date
    demo: bool
    key_figures: list[tuple[str, str, str]] = field(default_factory=list)  # (step, label, value)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    pngs: dict[str, bytes] = field(default_factory=dict, repr=False)

    def file_stem(self, what: str) -> str:
        """e.g. ``namdalen_briefing_2026-11-27`` (region_indicator_date)."""
        return file_stem(self.region_name, what, self.made)

    def for_step(self, step: str):
        return (
            [k for k in self.key_figures if k[0] == step],
            [f for f in self.figures if f.step == step],
            [t_ for t_ in self.tables if t_.step == step],
        )


def file_stem(region_name: str, what: str, made: date) -> str:
    """File names for a region's files: ``region_indicator_date``, e.g. ``namdalen_kart_2026-11-27``."""
    text = region_name.lower().replace("ø", "o").replace("æ", "ae").replace("å", "a")
    return f"{re.sub(r'[^a-z0-9]+', '-', text).strip('-')}_{what}_{made:%Y-%m-%d}"


def build_briefing(
    region: str,
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    language: str = "nb",
    radius_km: float = DEFAULT_RADIUS_KM,
    min_class: int = pooling.DEFAULT_MIN_CLASS,
    min_businesses: int = MIN_BUSINESSES,
    made: date | None = None,
) -> Briefing:
    """Build the briefing for a sub-region (e.g. ``"Namdalen"``) or a municipality (kommunenummer).

    ``needs`` and ``offers`` are all records (filtered as wanted, but not by place: reach decides
    which offers count). Cells built on fewer than ``min_businesses`` businesses are suppressed,
    since a briefing is handed out.
    """
    municipalities = load_municipalities()
    codes = indicators.region_codes(region)
    name = region if region in SUBREGIONS else str(municipalities.at[region, "navn"])
    nb = language == "nb"
    region_needs = needs[needs["kommunenummer"].isin(codes).to_numpy()]
    active = active_offers(offers)
    reach = compute_reach(active, radius_km=radius_km)
    briefing = Briefing(region, name, language, made or date.today(), bool(needs["demo"].any() or offers["demo"].any()))
    few = region_needs["bedrift_id"].nunique() < min_businesses

    def value(number, decimals=0):
        return SUPPRESSED if few else format_number(number, language, decimals)

    # 1. Situation: SSB figures against the county, and the map.
    profile, county = indicators.area_profile(codes), indicators.area_profile()
    vs = t("county", language)
    briefing.key_figures += [
        ("situasjon", t("ind_befolkning", language), format_number(profile["befolkning"], language)),
        (
            "situasjon",
            t("ind_befolkningsendring", language),
            f"{format_percent(profile['endring_befolkning_2020'], language, 1)} ({vs} "
            f"{format_percent(county['endring_befolkning_2020'], language, 1)})",
        ),
        (
            "situasjon",
            t("ind_hoyere_utdanning", language),
            f"{format_percent(profile['andel_hoyere_utdanning'], language, 1)} ({vs} "
            f"{format_percent(county['andel_hoyere_utdanning'], language, 1)})",
        ),
        (
            "situasjon",
            "Innbyggere i sentralitetsklasse 5–6" if nb else "Inhabitants in centrality class 5–6",
            format_percent(profile["andel_sentralitet_5_6"], language),
        ),
    ]
    table = indicators.municipality_table(needs, active, radius_km)
    briefing.figures.append(
        Figure(
            "situasjon",
            "kart",
            t("ind_delregion", language),
            figures.static_map(table, "delregion", language, highlight=codes),
        )
    )
    briefing.figures.append(
        Figure(
            "situasjon",
            "befolkning",
            t("population_trend", language),
            figures.population_trend(
                {name: indicators.population_index(codes), t("county", language): indicators.population_index()},
                language,
            ),
        )
    )

    # 2. Needs.
    open_demand = open_needs(region_needs)
    briefing.key_figures += [
        ("behov", t("kpi_businesses", language), value(region_needs["bedrift_id"].nunique())),
        ("behov", t("kpi_needs", language), value(len(region_needs))),
        ("behov", t("kpi_participants", language), value(region_needs["antall_deltakere"].sum())),
        ("behov", "Åpne behov (kartlagt/koblet)" if nb else "Open needs (mapped/linked)", value(len(open_demand))),
    ]
    if not few:
        counts = figures.count_by(
            region_needs, "kompetanseomrade", "kompetanseomrade", language, "antall_deltakere", min_businesses
        )
        counts = counts[counts.isna() | (counts > 0)]
        briefing.figures.append(
            Figure(
                "behov",
                "behov_omrade",
                t("by_area", language),
                figures.bar_counts(
                    counts, language, t("participants", language), figures.records_source(language, region_needs)
                ),
            )
        )
        briefing.figures.append(
            Figure(
                "behov",
                "meglingslop",
                t("pipeline", language),
                figures.funnel_by_region(region_needs, language, min_businesses),
            )
        )

    # 3. Offers within reach of the region.
    groups = pd.Series(name, index=codes)
    reachable = reach.reachable[municipalities.index.get_indexer(codes)].any(axis=0)
    in_reach = active[reachable]
    briefing.key_figures += [
        ("tilbud", t("ind_tilbud_innen_rekkevidde", language), format_number(len(in_reach), language)),
        ("tilbud", t("seats", language), format_number(in_reach["kapasitet"].sum(), language)),
        ("tilbud", t("online", language), format_number(in_reach["lat"].isna().sum(), language)),
    ]
    if len(in_reach):
        seats = figures.count_by(in_reach, "kompetanseomrade", "kompetanseomrade", language, "kapasitet")
        briefing.figures.append(
            Figure(
                "tilbud",
                "tilbud_omrade",
                t("by_area", language),
                figures.bar_counts(
                    seats[seats > 0],
                    language,
                    t("seats", language),
                    figures.records_source(language, offers=in_reach),
                    colour="#E69F00",
                ),
            )
        )

    # 4. Gaps and white spots.
    per_area = demand_supply(region_needs, active, ("region", "kompetanseomrade"), reach=reach, groups=groups)
    per_area = per_area.droplevel(0) if len(per_area) else per_area
    matched = needs_matched_share(region_needs, active, reach=reach)
    briefing.key_figures.append(
        ("gap", t("kpi_matched", language), SUPPRESSED if few else format_percent(matched, language))
    )
    if len(per_area):
        per_area.loc[per_area["bedrifter"] < min_businesses, "ettersporsel"] = float("nan")
        briefing.figures.append(
            Figure(
                "gap",
                "ettersporsel_tilbud",
                f"{t('demand', language)} / {t('supply', language)}",
                figures.demand_supply_bars(per_area, language, figures.records_source(language, region_needs, active)),
            )
        )
    spots = white_spots(region_needs, active, reach=reach)
    if len(spots):
        spots = suppress_table(spots, "bedrifter", ["ettersporsel", "behov"], min_businesses)
        areas = taxonomy.labels("kompetanseomrade", language)
        briefing.tables.append(
            Table(
                "gap",
                t("white_spots", language),
                pd.DataFrame(
                    {
                        t("filter_municipality", language): spots["kommune"],
                        t("filter_area", language): spots["kompetanseomrade"].map(areas),
                        t("kpi_participants", language): spots["ettersporsel"].map(
                            lambda v: v if isinstance(v, str) else format_number(v, language)
                        ),
                        t("kpi_businesses", language): spots["bedrifter"],
                    }
                ).head(12),
            )
        )

    # 5. Course opportunities.
    pools = pooling.course_opportunities(
        region_needs, active, radius_km=radius_km, min_class=min_class, reach=reach, language=language
    )
    pools = pools[pools["bedrifter"] >= min_businesses]
    briefing.key_figures.append(
        (
            "kursmuligheter",
            "Forslag som når minste klasse" if nb else "Proposals reaching the minimum class",
            f"{int(pools['min_klasse_naadd'].sum())} / {len(pools)}",
        )
    )
    if len(pools):
        briefing.tables.append(
            Table(
                "kursmuligheter",
                t("tab_pools", language),
                pd.DataFrame(
                    {
                        ("Forslag" if nb else "Proposal"): pools["beskrivelse"],
                        ("Form" if nb else "Mode"): pools["foreslaatt_form"],
                        t("min_class_reached", language): pools["min_klasse_naadd"].map(
                            {True: "ja" if nb else "yes", False: "nei" if nb else "no"}
                        ),
                    }
                ).head(8),
            )
        )

    briefing.sources = [
        source_line("kommuner", language, 2024),
        source_line("befolkning", language, "2020–2026"),
        source_line("utdanning", language, 2025),
        source_line("geometri", language, 2024),
        source_line("studiesteder", language),
        figures.records_source(language, needs, active),
        t("reach_note", language, radius=int(radius_km)),
    ]
    return briefing


def write_all(briefing: Briefing, folder: Path | str, pngs: bool = True) -> list[Path]:
    """The deck, the HTML file and (optionally) every chart as PNG into ``folder``."""
    from kompilot_data.present.deck import write_pptx
    from kompilot_data.present.handout import write_html
    from kompilot_data.present.png import write_pngs

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [
        write_pptx(briefing, folder / f"{briefing.file_stem('briefing')}.pptx"),
        write_html(briefing, folder / f"{briefing.file_stem('briefing')}.html"),
    ]
    if pngs:
        written += write_pngs(briefing, folder / "png")
    return written
