"""Per-municipality indicators for the map and the regional profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import DEFAULT_RADIUS_KM, Reach, active_offers, compute_reach, offers_within_reach
from kompilot_data.engine.supply import place_mismatch
from kompilot_data.reference import load_municipalities, load_population
from kompilot_data.reference.regions import region_codes  # noqa: F401 - moved; callers to import from regions


@dataclass(frozen=True)
class Indicator:
    """How one map indicator is computed, coloured and labelled."""

    key: str
    column: str
    scale: str  # "category", "sequential", "diverging", "ordinal"
    unit_key: str | None
    percent: bool
    source: str  # key in kilder.json, or "demo" for figures computed from needs/offers
    estimate: bool  # computed by kompilot (not an official statistic)


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in [
        Indicator("delregion", "delregion", "category", None, False, "delregioner", False),
        Indicator("sentralitet", "sentralitetsklasse", "ordinal", "unit_class", False, "kommuner", False),
        Indicator("befolkning", "befolkning", "sequential", "unit_persons", False, "befolkning", False),
        Indicator("befolkningsendring", "endring_befolkning_2020", "diverging", None, True, "befolkning", False),
        Indicator("hoyere_utdanning", "andel_hoyere_utdanning", "sequential", None, True, "utdanning", False),
        Indicator("behov_per_1000", "behov_per_1000", "sequential", "unit_needs_per_1000", False, "demo", True),
        Indicator(
            "tilbud_innen_rekkevidde", "tilbud_innen_rekkevidde", "sequential", "unit_offers", False, "demo", True
        ),
        Indicator("mismatch", "mismatch", "diverging", None, False, "demo", True),
    ]
}


def municipality_table(
    needs: pd.DataFrame,
    offers: pd.DataFrame,
    radius_km: float = DEFAULT_RADIUS_KM,
    reach: Reach | None = None,
) -> pd.DataFrame:
    """One row per municipality with every map indicator.

    ``needs`` and ``offers`` are the filtered records; SSB columns come from
    the reference data and do not depend on the filter.
    """
    municipalities = load_municipalities()
    table = municipalities[
        [
            "navn",
            "delregion",
            "sentralitetsindeks",
            "sentralitetsklasse",
            "befolkning",
            "befolkning_aar",
            "endring_befolkning_2020",
            "andel_hoyere_utdanning",
            "utdanning_aar",
            "punkt_lat",
            "punkt_lon",
        ]
    ].copy()
    table["delregion"] = table["delregion"].astype(str)
    counts = needs["kommunenummer"].value_counts()
    table["behov"] = counts.reindex(table.index).fillna(0).astype(int).to_numpy()
    table["behov_per_1000"] = table["behov"] / table["befolkning"].astype(float) * 1000
    active = active_offers(offers)
    reach = reach if reach is not None else compute_reach(active, radius_km=radius_km)
    table["tilbud_innen_rekkevidde"] = offers_within_reach(active, reach).reindex(table.index)
    gaps = place_mismatch(needs, active, "kommunenummer", reach=reach)
    for column in ("ettersporsel", "tilbud", "mismatch", "bedrifter"):
        table[column] = gaps[column].reindex(table.index) if len(gaps) else np.nan
    table[["ettersporsel", "tilbud", "bedrifter"]] = table[["ettersporsel", "tilbud", "bedrifter"]].fillna(0)
    table["bedrifter_i_utvalget"] = (
        needs.groupby("kommunenummer")["bedrift_id"].nunique().reindex(table.index).fillna(0)
    )
    return table


def population_index(codes: list[str] | None = None, base_year: int = 2020) -> pd.Series:
    """Population of the given municipalities (all when None) per year, as an index with base_year = 100."""
    population = load_population()
    total = population[(population["aldersgruppe"] == "alle") & (population["aar"] >= base_year)]
    if codes is not None:
        total = total[total["kommunenummer"].isin(codes)]
    by_year = total.groupby("aar")["personer"].sum()
    return by_year / by_year[base_year] * 100


def area_profile(codes: list[str] | None = None) -> dict[str, float]:
    """Population-weighted profile (latest years) of a group of municipalities: the SSB figures
    for the regional profile, comparable with the county (``codes=None``)."""
    municipalities = load_municipalities()
    group = municipalities if codes is None else municipalities.loc[codes]
    from kompilot_data.reference import load_education

    education = load_education()
    latest = education[(education["aar"] == education["aar"].max()) & education["kommunenummer"].isin(group.index)]
    population = group["befolkning"].astype(float)
    return {
        "befolkning": float(population.sum()),
        "endring_befolkning_2020": float(population.sum() / group["befolkning_2020"].astype(float).sum() - 1),
        "andel_hoyere_utdanning": float(
            (latest["uh_kort"] + latest["uh_lang"]).sum() / latest["personer_16plus"].sum()
        ),
        "sentralitetsindeks": float(np.average(group["sentralitetsindeks"].astype(float), weights=population)),
        "andel_sentralitet_5_6": float(population[group["sentralitetsklasse"] >= 5].sum() / population.sum()),
    }
