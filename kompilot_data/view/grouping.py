"""How the View groups needs: the key columns of a count table (derived keys such as sub-region and quarter),
every combination of the code lists, the published totals a viewer can subtract from, and count tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine.supply import COUNTY
from kompilot_data.reference import OUTSIDE_PILOT, SUBREGIONS, load_municipalities, taxonomy

#: Needs columns a count table can be grouped by, besides the record's own code columns.
DERIVED_KEYS = ("delregion", "sentralitetsklasse", "fylke", "maaned", "kvartal", "aar")
#: Need columns whose code list has another name.
TAXONOMY_OF = {"status": "behov_status", "kilde": "behov_kilde", "laeringsform": "laeringsform"}


def need_keys(needs: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Per need: the key columns ``by`` (derived where needed), ``bedrift_id`` and ``behov_id`` (the record
    key's id, :mod:`kompilot_data.view.protection`)."""
    keys = pd.DataFrame({key: need_key(needs, key).to_numpy() for key in by}, index=needs.index)
    keys["bedrift_id"] = needs["bedrift_id"].to_numpy()
    keys["behov_id"] = needs["behov_id"].to_numpy()
    return keys


def need_key(needs: pd.DataFrame, key: str) -> pd.Series:
    """One key column per need: a need column, or a derived key (:data:`DERIVED_KEYS`)."""
    municipalities = load_municipalities()
    if key == "delregion":
        return by_municipality(needs["kommunenummer"], municipalities["delregion"].astype(str))
    if key == "sentralitetsklasse":
        return by_municipality(needs["kommunenummer"], municipalities["sentralitetsklasse"])
    if key == "fylke":
        return pd.Series(COUNTY, index=needs.index)
    if key == "maaned":
        return needs["registrert"].dt.to_period("M").dt.to_timestamp()
    if key == "kvartal":
        return quarter_of(needs["registrert"])
    if key == "aar":
        return needs["registrert"].dt.year
    return needs[key]


def by_municipality(codes: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by kommunenummer) per row of ``codes``; a categorical column is mapped once per
    category instead of once per row (100,000 needs: 38 lookups)."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        per_category = pd.Series(codes.cat.categories.astype(str), dtype=object).map(values).to_numpy(dtype=object)
        position = codes.cat.codes.to_numpy()
        mapped = np.where(position >= 0, per_category[position] if len(per_category) else None, None)
        return pd.Series(mapped, index=codes.index).infer_objects()
    return codes.astype("string").map(values)


def full_index(by: tuple[str, ...], present: pd.Index) -> pd.MultiIndex | pd.Index:
    """Every combination of the code lists of ``by`` (time keys: the periods present)."""
    lists = []
    for position, key in enumerate(by):
        values = present.get_level_values(position) if isinstance(present, pd.MultiIndex) else present
        if key == "delregion":
            lists.append([*SUBREGIONS, OUTSIDE_PILOT])
        elif key in taxonomy.taxonomy_names() or key in TAXONOMY_OF:
            lists.append(taxonomy.codes(TAXONOMY_OF.get(key, key)))
        elif key == "kommunenummer":
            lists.append(list(load_municipalities().index))
        else:
            lists.append(sorted(pd.unique(values.dropna())))
    if len(by) == 1:
        return pd.Index(lists[0], name=by[0])
    return pd.MultiIndex.from_product(lists, names=list(by))


def lines(by: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """The totals a viewer can subtract from: each key held fixed (the other keys summed), and the grand total;
    municipalities also add up to their sub-region."""
    published: dict[str, tuple[str, ...]] = {"total": ()}
    if len(by) > 1:
        for key in by:
            published[f"per_{key}"] = (key,)
    return published


def count_table(keys: pd.DataFrame, weights: pd.Series, by: list[str], index: pd.MultiIndex, measure: str) -> pd.DataFrame:
    """``measure`` (sum of ``weights``) and distinct ``bedrifter`` per cell of ``index`` (zeros for empty cells)."""
    grouped = keys.assign(_v=weights.to_numpy()).groupby(by, observed=True)
    table = grouped.agg(**{measure: ("_v", "sum"), "bedrifter": ("bedrift_id", "nunique")})
    table = table.reindex(index).fillna({measure: 0.0, "bedrifter": 0})
    table["bedrifter"] = table["bedrifter"].astype(int)
    return table


def weights(needs: pd.DataFrame, measure: str) -> pd.Series:
    """Per need: 1 (``behov``) or its participants (``deltakere``)."""
    return needs["antall_deltakere"].astype(float) if measure == "deltakere" else pd.Series(1.0, needs.index)


def quarter_of(dates: pd.Series) -> pd.Series:
    """The first day of each date's quarter."""
    return pd.to_datetime(dates).dt.to_period("Q").dt.to_timestamp()
