"""The cell key method (engine/cellkey.py): the published p-table, record and cell keys, and agreement with the ONS
implementation (PyPI ``cell-key-perturbation``, MIT) on the same microdata."""

import itertools

import numpy as np
import pandas as pd
import pytest

from kompilot_data.engine import cellkey


def test_the_shipped_ptable_is_the_documented_one(tmp_path):
    path = tmp_path / "ptable.csv"
    cellkey.write_ptable(path)
    assert path.read_bytes() == cellkey.PTABLE_PATH.read_bytes()
    table = cellkey.load_ptable()
    assert table.groupby("i")["p"].sum().round(12).eq(1).all()
    top = table[table["i"] == table["i"].max()]
    assert abs((top["p"] * top["v"]).sum()) < 1e-12 and top["v"].abs().max() == 2  # unbiased, at most ±2
    visible = table[table["i"] >= 3]
    assert (visible["j"] >= 3).all(), "a shown count never drops below the threshold"
    assert (table[table["i"] == 0]["j"] == 0).all()


def test_a_broken_ptable_is_refused(tmp_path):
    broken = cellkey.ptable_frame()
    broken.loc[broken.index[-1], "p_int_ub"] = 0.95
    path = tmp_path / "bad.csv"
    broken.to_csv(path, index=False)
    with pytest.raises(ValueError, match="dekker ikke"):
        cellkey.load_ptable(path)


def test_record_keys_are_permanent_uniform_and_separate_needs_from_businesses():
    ids = pd.Series([f"B{i}" for i in range(20000)])
    first, again = cellkey.record_keys(ids, "behov"), cellkey.record_keys(ids.sample(frac=1, random_state=1), "behov")
    assert np.array_equal(np.sort(first), np.sort(again))
    assert (first >= 0).all() and (first < cellkey.KEY_MODULUS).all()
    fractions = first / cellkey.KEY_MODULUS
    assert abs(fractions.mean() - 0.5) < 0.01 and np.histogram(fractions, 10, (0, 1))[0].min() > 1800
    assert not np.array_equal(first, cellkey.record_keys(ids, "bedrift"))


def test_a_cell_key_is_the_sum_of_record_keys_modulo_one():
    keys = np.array([3 << 30, 1 << 30, 1 << 31, 12345])
    assert cellkey.cell_key(keys) == ((3 + 1 + 2) % 4) / 4 + 12345 / 2**32
    assert cellkey.cell_key(keys[::-1]) == cellkey.cell_key(keys)  # order does not matter
    cells = cellkey.cell_keys(keys, np.array([0, 1, 0, -1]), 3)
    assert cells.tolist() == [((3 + 2) % 4) / 4, 1 / 4, 0.0]


def test_noise_follows_the_ptable():
    keys = (np.arange(100000) + 0.5) / 100000  # uniform cell keys
    for value, expected in [
        (0, {0: 1.0}),
        (3, {0: 0.6, 1: 0.2, 2: 0.2}),
        (40, {-2: 0.1, -1: 0.2, 0: 0.4, 1: 0.2, 2: 0.1}),
    ]:
        noise = cellkey.noise(np.full(len(keys), float(value)), keys)
        shares = pd.Series(noise).value_counts(normalize=True).sort_index()
        assert shares.round(4).to_dict() == expected
    assert np.isnan(cellkey.perturb(np.array([np.nan]), np.array([0.5]))[0])
    assert cellkey.equal_noise_probability(50, 49) == pytest.approx(0.01 + 0.04 + 0.16 + 0.04 + 0.01)


def test_the_same_as_the_ons_implementation_on_the_same_microdata():
    """ONS's integer variant (record keys 0-255, cell key = sum mod 256, p-table rows 501-750 reused above 750) is
    ours with record keys k/256: both give the same table from the same microdata and the same p-table."""
    ons = pytest.importorskip("cell_key_perturbation.create_perturbed_table")
    rng = np.random.default_rng(2025)
    n = 30000
    micro = pd.DataFrame(
        {
            "omrade": rng.choice(list("ABCDEFG"), n, p=[0.4, 0.3, 0.15, 0.1, 0.03, 0.015, 0.005]),
            "niva": rng.choice(["kurs", "fagbrev", "studiepoeng"], n, p=[0.7, 0.29, 0.01]),
            "record_key": rng.integers(0, 256, n),
        }
    )
    ptable = pd.DataFrame(list(itertools.product(range(1, 751), range(256))), columns=["pcv", "ckey"])
    ptable["pvalue"] = cellkey.noise(ptable["pcv"].to_numpy(float), ptable["ckey"].to_numpy() / 256).astype(int)
    theirs = ons.create_perturbed_table(micro, ptable, [], ["omrade", "niva"], "record_key", threshold=0)
    theirs = theirs.set_index(["omrade", "niva"])
    index = theirs.index
    cells = index.get_indexer(pd.MultiIndex.from_frame(micro[["omrade", "niva"]]))
    counts = np.bincount(cells, minlength=len(index)).astype(float)
    keys = cellkey.cell_keys(micro["record_key"].to_numpy() << 24, cells, len(index))
    ours = cellkey.perturb(counts, keys)
    assert counts.max() > 750 and (counts == 0).any() and (counts[(counts > 0)] < 5).any()  # every kind of row
    assert ours.tolist() == theirs["count"].astype(float).tolist()
