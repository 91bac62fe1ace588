"""Per-municipality indicators for the map (defined in :mod:`kompilot_data.reference.indicators`) and the regional
profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import Reach
from kompilot_data.engine.supply import Catchment, aggregate
from kompilot_data.reference import load_education, load_municipalities, load_population

#: Indicators computed from needs (hidden with their count for viewers); the rest are public statistics.
#: Counts of needs (protected by ``bedrifter``) and gap figures of open demand (by ``bedrifter_etterspurt``).
COUNT_COLUMNS = ("behov", "behov_per_1000")
GAP_COLUMNS = ("ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd", "udekket_andel", "dekning", "indeks")
COMPUTED_COLUMNS = COUNT_COLUMNS + GAP_COLUMNS


def municipality_table(needs: pd.DataFrame, result: Catchment, reach: Reach) -> pd.DataFrame:
    """One row per municipality with every map indicator.

    ``needs`` are the filtered needs (their count gives needs per 1,000 inhabitants); ``result`` is the
    2SFCA of all competing needs and the active offers (:func:`kompilot_data.engine.supply.catchment`), so
    the map's demand, apportioned supply, gap and index are exactly the rows of
    ``aggregate(result, ("kommunenummer",))``. SSB columns come from the reference data.
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
    counts = needs["kommunenummer"].value_counts()  # per category when categorical: no per-row strings
    counts.index = counts.index.astype(str)
    table["behov"] = counts.reindex(table.index).fillna(0).astype(float).to_numpy()
    table["behov_per_1000"] = table["behov"] / table["befolkning"].astype(float) * 1000
    table["tilbud_innen_rekkevidde"] = pd.Series(reach.reachable.sum(axis=1), index=reach.municipalities).reindex(
        table.index
    )
    gaps = aggregate(result, ("kommunenummer",), count_businesses=False)
    for column in ("ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd", "dekning", "indeks"):
        table[column] = gaps[column].reindex(table.index)
    sums = ["ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd"]
    table[sums] = table[sums].fillna(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # unmet demand per participant (share of demand unmet)
        table["udekket_andel"] = np.where(table["ettersporsel"] > 0, table["udekket"] / table["ettersporsel"], np.nan)
    table["bedrifter"] = _businesses(needs, table.index)
    table["bedrifter_etterspurt"] = _businesses(result.needs, table.index)
    return table


def _businesses(needs: pd.DataFrame, index: pd.Index) -> np.ndarray:
    """Distinct businesses behind ``needs`` per municipality of ``index``."""
    per_municipality = needs.groupby(needs["kommunenummer"], observed=True)["bedrift_id"].nunique()
    per_municipality.index = per_municipality.index.astype(str)
    return per_municipality.reindex(index).fillna(0).astype(int).to_numpy()


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
