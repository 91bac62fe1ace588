"""Consistent perturbation of counts with the cell key method, for viewers' figures.

Suppression (:mod:`kompilot_data.engine.disclosure`) protects one table. It cannot protect against comparing two
selections: "the county" minus "every municipality but Snåsa" gives Snåsa's single business. The cell key method,
used by the Australian Bureau of Statistics for TableBuilder and by the UK ONS for the flexible tables of Census
2021 ("create a custom dataset"), adds a small, *consistent* noise to every published count instead:

1. **Record keys.** Every record (a need; a business where businesses are counted) has a permanent key, uniform
   on ``[0, 1)``. Here it is a keyed hash (SipHash, through :func:`pandas.util.hash_pandas_object`) of the
   record's stable id (``behov_id``, ``bedrift_id``) with :data:`SALT`, in 32-bit fixed point. Derived, not
   stored: it needs no database column, survives export, restore and re-import unchanged, and is the same for
   SQLite, PostgreSQL and the demo files. Viewers never see record ids, so they cannot compute keys. A deployment
   can set its own salt (environment variable ``KOMPILOT_CELLKEY_SALT``, at least 16 characters).
2. **Cell key.** A cell's key is the sum of the keys of its records, modulo 1. The same records give the same cell
   key, whatever the selection that produced the cell; adding or removing one record changes it completely.
3. **P-table.** A published lookup table (:data:`PTABLE_PATH`, ``ptable.csv``, the format of the ``ptable``
   package of the sdcTools project: ``i`` original value, ``j`` perturbed value, ``p`` probability, ``v = j − i``,
   ``[p_int_lb, p_int_ub)`` the cell-key interval) maps (cell key, cell value) to the noise ``v``. The row of the
   largest ``i`` applies to every larger value.

The same cell always shows the same number; two selections that differ by one business give two independent
noises, so their difference is the business's value plus a noise of at most ±4, exactly the business's value only
with the probability :func:`equal_noise_probability` gives (26 % for counts of 5 or more).

The ONS implementation (package ``cell-key-perturbation``, MIT, Office for National Statistics,
https://pypi.org/project/cell-key-perturbation/) uses integer record keys 0–255 and cell key = sum mod 256; it is
the special case of this one in which every record key is a multiple of 1/256 (tests/test_cellkey.py checks the
two agree on the same microdata). References: Fraser & Wooton (2005), "A proposed method for confidentialising
tabular output to protect against differencing", UNECE work session on statistical data confidentiality;
Thompson, Broadfoot & Elazar (2013), "Methodology for the automatic confidentialisation of statistical outputs
from remote servers at the Australian Bureau of Statistics"; ONS (2023), "Protecting personal data in Census 2021
results".
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

#: The p-table shipped with the package (documented in its module and on the About page).
PTABLE_PATH = Path(__file__).with_name("ptable.csv")
PTABLE_COLUMNS = ["i", "j", "p", "v", "p_int_lb", "p_int_ub"]
#: Default salt of the keyed hash (16 characters, SipHash's key); ``KOMPILOT_CELLKEY_SALT`` overrides it.
SALT = "kompilot-cellkey"
KEY_BITS = 32
KEY_MODULUS = 1 << KEY_BITS
#: The rows of the p-table: original value -> {perturbed value: probability}. The last row is for that value and
#: every larger one (as noise ``j - i``). Counts of 3 and 4 never go below 3 (a visible count never suggests fewer
#: businesses than the threshold) and are biased up by 0.6 and 0; from 5 on the noise is symmetric, mean 0,
#: variance 1.2, at most ±2.
PTABLE_ROWS: dict[int, dict[int, float]] = {
    0: {0: 1.0},
    1: {1: 1.0},
    2: {2: 1.0},
    3: {3: 0.6, 4: 0.2, 5: 0.2},
    4: {3: 0.3, 4: 0.5, 5: 0.1, 6: 0.1},
    5: {3: 0.1, 4: 0.2, 5: 0.4, 6: 0.2, 7: 0.1},
}


def salt() -> str:
    """The salt of the record keys: ``KOMPILOT_CELLKEY_SALT`` if set (at least 16 characters), else :data:`SALT`."""
    given = os.environ.get("KOMPILOT_CELLKEY_SALT", "")
    if given and len(given) < 16:
        raise ValueError("KOMPILOT_CELLKEY_SALT må ha minst 16 tegn / must have at least 16 characters.")
    return given[:16] if given else SALT


# --- the p-table


def ptable_frame(rows: dict[int, dict[int, float]] = PTABLE_ROWS) -> pd.DataFrame:
    """The p-table as a frame in the ``ptable`` (sdcTools) format: one row per (i, j)."""
    records = []
    for i, targets in rows.items():
        bound = 0.0
        for j, p in sorted(targets.items()):
            records.append({"i": i, "j": j, "p": p, "v": j - i, "p_int_lb": round(bound, 10), "p_int_ub": 0.0})
            bound += p
            records[-1]["p_int_ub"] = round(bound, 10)
    return pd.DataFrame(records, columns=PTABLE_COLUMNS)


def write_ptable(path: Path = PTABLE_PATH) -> None:
    """Write :data:`PTABLE_ROWS` to ``path`` (tests check the shipped file is what this writes)."""
    ptable_frame().to_csv(path, index=False, lineterminator="\n")


@lru_cache(maxsize=4)
def load_ptable(path: Path = PTABLE_PATH) -> pd.DataFrame:
    """The published p-table, checked: every row of ``i`` covers [0, 1) without gaps, ``v = j − i``, ``j ≥ 0``."""
    table = pd.read_csv(path)
    if list(table.columns) != PTABLE_COLUMNS:
        raise ValueError(f"{path}: kolonnene skal være {', '.join(PTABLE_COLUMNS)}.")
    for i, part in table.groupby("i"):
        lb, ub = part["p_int_lb"].to_numpy(), part["p_int_ub"].to_numpy()
        if not (np.isclose(lb[0], 0) and np.isclose(ub[-1], 1) and np.allclose(lb[1:], ub[:-1])):
            raise ValueError(f"{path}: radene for i={i} dekker ikke [0, 1) uten hull.")
        if not np.allclose(ub - lb, part["p"]) or (part["j"] - part["i"] != part["v"]).any() or (part["j"] < 0).any():
            raise ValueError(f"{path}: radene for i={i} er ikke i samsvar (p, v = j − i, j ≥ 0).")
    if sorted(table["i"].unique()) != list(range(int(table["i"].max()) + 1)):
        raise ValueError(f"{path}: i skal gå fra 0 uten hull.")
    return table


def _lookup(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The p-table as two dense arrays, one row per ``i``: interval upper bounds (padded with 1.0 past the last)
    and noises (padded with the last)."""
    parts = [part for _, part in table.groupby("i")]
    width = max(len(part) for part in parts)
    upper = np.ones((len(parts), width))
    noises = np.zeros((len(parts), width))
    for i, part in enumerate(parts):
        upper[i, : len(part)] = part["p_int_ub"].to_numpy()
        noises[i, : len(part)] = part["v"].to_numpy()
        noises[i, len(part) :] = part["v"].to_numpy()[-1]
    return upper, noises


@lru_cache(maxsize=1)
def _shipped_lookup() -> tuple[np.ndarray, np.ndarray]:
    return _lookup(load_ptable())


def noise(values: np.ndarray, cell_keys: np.ndarray, ptable: pd.DataFrame | None = None) -> np.ndarray:
    """The noise ``v`` of each cell: the p-table row of its value (rounded; the last row for larger values) and
    the interval that holds its cell key. NaN values (hidden cells) get noise 0."""
    upper, noises = _shipped_lookup() if ptable is None else _lookup(ptable)
    values = np.asarray(values, dtype=float)
    keys = np.asarray(cell_keys, dtype=float)
    known = np.isfinite(values)
    row = np.minimum(np.rint(np.where(known, values, 0)), len(upper) - 1).astype(int)
    position = np.minimum((keys[:, None] >= upper[row]).sum(axis=1), upper.shape[1] - 1)
    return np.where(known, noises[row, position], 0.0)


def perturb(values: np.ndarray, cell_keys: np.ndarray, ptable: pd.DataFrame | None = None) -> np.ndarray:
    """``values`` plus their :func:`noise` (NaN stays NaN; 0 stays 0)."""
    values = np.asarray(values, dtype=float)
    return values + noise(values, cell_keys, ptable)


def equal_noise_probability(first: float, second: float, ptable: pd.DataFrame | None = None) -> float:
    """The probability that two cells of values ``first`` and ``second`` with independent cell keys get the same
    noise: the chance that a difference of the two perturbed values equals the true difference."""
    table = load_ptable() if ptable is None else ptable
    top = int(table["i"].max())

    def distribution(value: float) -> pd.Series:
        part = table[table["i"] == min(round(value), top)]
        return part.groupby("v")["p"].sum()

    a, b = distribution(first), distribution(second)
    return float((a * b.reindex(a.index, fill_value=0)).sum())


# --- record keys and cell keys


def record_keys(ids: pd.Series | np.ndarray, kind: str) -> np.ndarray:
    """The permanent record key of each id, as an integer in ``[0, 2³²)`` (key = that / 2³²). ``kind``
    (``"behov"``, ``"bedrift"``) separates the key spaces, so a need and a business with the same id differ."""
    text = pd.Series(np.asarray(ids, dtype=object)).astype(str)
    hashed = pd.util.hash_pandas_object(kind + ":" + text, index=False, hash_key=salt()).to_numpy(np.uint64)
    return (hashed >> np.uint64(64 - KEY_BITS)).astype(np.int64)


def cell_key(keys: np.ndarray) -> float:
    """The cell key of one cell: the sum of its records' keys, modulo 1."""
    return float(int(np.asarray(keys, dtype=np.int64).sum()) % KEY_MODULUS) / KEY_MODULUS


def cell_keys(keys: np.ndarray, cells: np.ndarray, n_cells: int) -> np.ndarray:
    """The cell key of each of ``n_cells`` cells; ``cells`` gives each record's cell (−1: in none)."""
    keys = np.asarray(keys, dtype=np.int64)
    cells = np.asarray(cells, dtype=np.int64)
    inside = cells >= 0
    # Float sums are exact below 2⁵³: up to 2²¹ records of keys below 2³² per cell.
    if inside.sum() >= 1 << 21:
        raise ValueError("for mange poster i én tabell for eksakte cellenøkler")
    sums = np.bincount(cells[inside], weights=keys[inside].astype(float), minlength=n_cells).astype(np.int64)
    return (sums % KEY_MODULUS).astype(float) / KEY_MODULUS


def businesses_of(ids: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per record its business as an integer code, and per code the business's record key."""
    codes, uniques = pd.factorize(np.asarray(ids, dtype=object))
    return codes.astype(np.int64), record_keys(pd.Series(uniques, dtype=object), "bedrift")


def cells_of(index: pd.Index, rows: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Per row of ``rows``: the position in ``index`` (its levels ``by``) of the row's cell, −1 if none."""
    if len(by) == 1:
        return pd.Index(index).get_indexer(pd.Index(rows[by[0]].to_numpy()))
    levels, row_codes, index_codes = [], [], []
    for position, name in enumerate(by):
        values = index.get_level_values(position)
        level = pd.Index(pd.unique(values))
        levels.append(len(level))
        index_codes.append(level.get_indexer(values))
        row_codes.append(level.get_indexer(pd.Index(rows[name].to_numpy())))
    size = int(np.prod(levels, dtype=np.float64))
    if size > 20_000_000:  # too sparse for a dense lookup
        return index.get_indexer(pd.MultiIndex.from_arrays([rows[name].to_numpy() for name in by]))
    flat_index = np.ravel_multi_index(index_codes, levels)
    lookup = np.full(size, -1, dtype=np.int64)
    lookup[flat_index] = np.arange(len(index))
    known = np.all([c >= 0 for c in row_codes], axis=0)
    out = np.full(len(rows), -1, dtype=np.int64)
    if known.any():
        out[known] = lookup[np.ravel_multi_index([c[known] for c in row_codes], levels)]
    return out


def perturb_groups(
    values: pd.DataFrame,
    rows: pd.DataFrame,
    by: list[str],
    need_keys: np.ndarray,
    businesses: tuple[np.ndarray, np.ndarray],
    business_column: str = "bedrifter",
) -> pd.DataFrame:
    """``values`` (indexed by the cells' keys ``by``; one column per count) with every count perturbed: the
    column ``business_column`` with the cell key of the cell's distinct businesses, every other column with that
    of the cell's records. ``rows`` has one row per record and the ``by`` columns; ``need_keys`` are its records'
    keys and ``businesses`` (:func:`businesses_of`) their businesses' codes and the key per code. Used by the
    View's protection and by the flow map's aggregates alike."""
    cell = cells_of(values.index, rows, by)
    n = len(values)
    out = values.copy()
    record_cells = cell_keys(need_keys, cell, n)
    business_cells = None
    for column in out.columns:
        if column == business_column:
            if business_cells is None:
                codes, key_of_code = businesses
                width = max(len(key_of_code), 1)
                pairs = np.unique(cell[cell >= 0] * width + codes[cell >= 0])
                business_cells = cell_keys(key_of_code[pairs % width], pairs // width, n)
            keys = business_cells
        else:
            keys = record_cells
        out[column] = perturb(pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float), keys)
    return out
