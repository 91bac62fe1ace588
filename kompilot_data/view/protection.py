"""The View's perturbation of viewers' counts (cell key method, :mod:`kompilot_data.engine.cellkey`).

:meth:`View.protect <kompilot_data.view.View.protect>` first suppresses (primary and complementary, exact counts),
then, for viewers, hands the protected table here: every count over needs (:data:`NEED_COUNTS`) gets the noise of
its cell's key (the sum of its needs' record keys), the business count (``bedrifter``) the noise of the sum of its
distinct businesses' keys, and the values derived from a count (:data:`SCALED`) follow their count. A total a
viewer sees (:meth:`View.total`) is a cell of its own (:func:`perturb_total`), not a sum of perturbed parts.
Coordinators' tables never come here.
"""

from __future__ import annotations

import contextlib
import weakref

import numpy as np
import pandas as pd

from kompilot_data.engine import cellkey
from kompilot_data.engine.supply import add_gap_columns

#: Value columns that count needs or their participants: perturbed with the cell key of the cell's needs.
NEED_COUNTS = ("behov", "deltakere", "apne_behov", "ettersporsel")
#: Value columns derived from a count: scaled by the count's perturbed / exact value.
SCALED = {"behov_per_1000": "behov", "tilbud_fordelt": "ettersporsel"}
BUSINESSES = "bedrifter"
ID_COLUMN = "behov_id"

_cache: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray, np.ndarray]] = {}


def _keys_of_records(needs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``needs`` (all of a View's records): the need's record key and its business's code, and per code
    the business's record key. Cached per records frame (the app keeps one per data version), so a filter change
    does not hash again."""
    entry = _cache.get(id(needs))
    if entry is not None and entry[0]() is needs:
        return entry[1], entry[2], entry[3]
    need_keys = cellkey.record_keys(needs[ID_COLUMN], "behov")
    codes, key_of_code = cellkey.businesses_of(needs["bedrift_id"])
    for stale in [k for k, (ref, *_) in _cache.items() if ref() is None]:
        del _cache[stale]
    with contextlib.suppress(TypeError):  # not weak-referenceable: no cache
        _cache[id(needs)] = (weakref.ref(needs), need_keys, codes, key_of_code)
    return need_keys, codes, key_of_code


def record_keys(all_needs: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The need record key of each row of ``rows`` (which has ``behov_id`` and ``bedrift_id``), and its businesses
    (:func:`~kompilot_data.engine.cellkey.businesses_of`: per row a code, per code a key).

    Fast path: ``rows`` is indexed like ``all_needs`` (checked by comparing the ids); else the ids are hashed.
    """
    if ID_COLUMN not in rows.columns:
        raise ValueError(f"Tabellen som skal beskyttes mangler «{ID_COLUMN}» (postnøkler for cellenøkkelmetoden).")
    if all_needs.index.is_unique and ID_COLUMN in all_needs.columns:
        position = all_needs.index.get_indexer(rows.index)
        if (position >= 0).all():
            ids = all_needs[ID_COLUMN].to_numpy()[position]
            if np.array_equal(ids.astype(object), rows[ID_COLUMN].to_numpy().astype(object)):
                need_keys, codes, key_of_code = _keys_of_records(all_needs)
                return need_keys[position], (codes[position], key_of_code)
    return cellkey.record_keys(rows[ID_COLUMN], "behov"), cellkey.businesses_of(rows["bedrift_id"])


def perturb_table(table: pd.DataFrame, values: list[str], rows: pd.DataFrame, all_needs: pd.DataFrame) -> pd.DataFrame:
    """``table`` (indexed by its key columns, after suppression) with its counts perturbed.

    ``rows`` has one row per need (or per need and event) behind the table: the table's key columns,
    ``bedrift_id`` and ``behov_id``. Hidden (NaN) values stay NaN, zeros stay zero.
    """
    counted = [c for c in values if c in NEED_COUNTS]
    has_businesses = BUSINESSES in table.columns
    if not counted and not has_businesses:
        return table
    need_keys, businesses = record_keys(all_needs, rows)
    columns = [*counted, *([BUSINESSES] if has_businesses else [])]
    perturbed = cellkey.perturb_groups(table[columns], rows, list(table.index.names), need_keys, businesses)
    out = table.copy()
    for column in columns:
        out[column] = perturbed[column]
    for derived, source in SCALED.items():
        if source in counted and derived in out.columns:
            exact = table[source].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(exact > 0, out[source].to_numpy(dtype=float) / exact, 1.0)
            out[derived] = out[derived].to_numpy(dtype=float) * factor
    if "ettersporsel" in counted and {"gap", "dekning", "indeks"} <= set(out.columns):
        hidden = out["ettersporsel"].isna().to_numpy()
        out = add_gap_columns(out)
        out.loc[hidden, ["gap", "dekning", "indeks"]] = np.nan
    return out


def perturb_total(value: float, rows: pd.DataFrame, all_needs: pd.DataFrame, measure: str) -> float:
    """One total a viewer sees (a key figure), perturbed as a cell of its own: the cell key of all the needs in
    ``rows`` (``bedrifter``: of their distinct businesses)."""
    if not np.isfinite(value):
        return value
    need_keys, (codes, key_of_code) = record_keys(all_needs, rows)
    key = cellkey.cell_key(key_of_code[np.unique(codes)]) if measure == BUSINESSES else cellkey.cell_key(need_keys)
    return float(cellkey.perturb(np.array([value]), np.array([key]))[0])
