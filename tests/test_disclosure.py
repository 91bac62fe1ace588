"""Small-number disclosure control: hand-computed fixtures built to tempt differencing, and a property test.

Every fixture states the cells (value = needs, businesses) and the published totals; the expected hidden cells
are worked out by hand in the comments, following the rule in ``kompilot_data/engine/disclosure.py``.
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kompilot_data import testing
from kompilot_data.engine import disclosure
from kompilot_data.engine.disclosure import MIN_BUSINESSES, SUPPRESSED, protect, protect_total
from kompilot_data.records import access
from kompilot_data.testing import disclosure_violations, protect_crosstab

FLAGS = ["skjult", "primaer", "sekundaer"]


def hidden_cells(protected, key="kommunenummer"):
    table = protected.table
    return {
        "primaer": sorted(table.loc[table["primaer"], key]),
        "sekundaer": sorted(table.loc[table["sekundaer"], key]),
    }


def recoverable(table, lines, hidden, hidden_totals, threshold=3):
    """Independent check: the hidden cells and totals on fewer than ``threshold`` businesses (but at least one)
    that the published relations fix exactly.

    Unknowns are the hidden cells and hidden totals; each published line gives ``total − Σ cells = 0``. An unknown
    is fixed when adding its unit vector does not raise the rank of the equations (numpy's matrix_rank). A line
    total's businesses are the sum of its cells' here.
    """
    unknown_cells = list(np.flatnonzero(hidden))
    rows, unknown_totals = [], []
    for name, keys in lines.items():
        groups = table.groupby(list(keys), sort=True).indices if keys else {(): np.arange(len(table))}
        for key, positions in groups.items():
            key = key if isinstance(key, tuple) else (key,)
            rows.append((name, tuple(key), positions))
            if (name, tuple(key)) in hidden_totals:
                unknown_totals.append((name, tuple(key)))
    unknowns = [("celle", c) for c in unknown_cells] + [("sum", t) for t in unknown_totals]
    column = {u: i for i, u in enumerate(unknowns)}
    matrix = np.zeros((len(rows), len(unknowns)))
    for r, (name, key, positions) in enumerate(rows):
        for p in positions:
            if ("celle", p) in column:
                matrix[r, column[("celle", p)]] = -1
        if ("sum", (name, key)) in column:
            matrix[r, column[("sum", (name, key))]] = 1
    rank = np.linalg.matrix_rank(matrix) if len(unknowns) else 0
    businesses = table["bedrifter"].to_numpy()
    line_businesses = {(name, key): businesses[positions].sum() for name, key, positions in rows}
    found = []
    for u, i in column.items():
        size = businesses[u[1]] if u[0] == "celle" else line_businesses[u[1]]
        if not 0 < size < threshold:
            continue
        unit = np.zeros((1, len(unknowns)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(u)
    return found


# --- one sub-region, three municipalities, a visible region total


def municipalities_abc():
    return pd.DataFrame(
        {
            "kommunenummer": ["A", "B", "C"],
            "delregion": ["Indre", "Indre", "Indre"],
            "behov": [2, 6, 9],
            "bedrifter": [1, 5, 7],
        }
    )


REGION_LINE = {"per_region": ("delregion",)}


def test_differencing_is_prevented_by_hiding_the_smallest_other_municipality():
    # A (1 business) is primary; the region total 17 minus B and C would give A = 2, so B (6 < 9) is hidden too.
    protected = protect(municipalities_abc(), ["behov"], lines=REGION_LINE, keys=["kommunenummer"])
    table = protected.table
    assert hidden_cells(protected) == {"primaer": ["A"], "sekundaer": ["B"]}
    assert table["skjult"].tolist() == [True, True, False]
    assert table["behov"].isna().tolist() == [True, True, False]
    assert table["behov"].iloc[2] == 9
    assert table["bedrifter"].isna().tolist() == [True, True, False]  # the business count is hidden with it
    assert protected.hidden_totals == frozenset()
    assert protected.passes == 1
    assert protected.audit_rounds == 0
    assert disclosure_violations(protected) == []
    assert protected.markers().tolist() == ["<3", ":", ""]


def test_without_complementary_suppression_the_checker_finds_exactly_the_differencing():
    protected = protect(municipalities_abc(), ["behov"], lines=REGION_LINE, keys=["kommunenummer"], complementary=False)
    assert hidden_cells(protected) == {"primaer": ["A"], "sekundaer": []}
    assert disclosure_violations(protected) == [
        "sum per_region[delregion=Indre]: kommunenummer=A kan regnes ut som summen minus de synlige delene"
    ]
    # ... and the attack works: 17 − 6 − 9 = 2 needs in A.
    visible = protected.table["behov"].sum()
    assert municipalities_abc()["behov"].sum() - visible == 2


def test_the_checker_reports_a_visible_small_cell_and_a_shown_value_in_a_hidden_cell():
    protected = protect(municipalities_abc(), ["behov"], lines=REGION_LINE, keys=["kommunenummer"], threshold=0)
    assert disclosure_violations(protected, threshold=3) == [
        "celle kommunenummer=A: synlig, men bygger på 1 bedrift(er) (færre enn 3)"
    ]
    protected = protect(municipalities_abc(), ["behov"], lines=REGION_LINE, keys=["kommunenummer"])
    leaky = protected.table.copy()
    leaky.loc[0, "behov"] = 2
    broken = disclosure.Protected(**{**protected.__dict__, "table": leaky})
    assert disclosure_violations(broken) == ["celle kommunenummer=A: skjult, men kolonnen «behov» viser en verdi"]


# --- a line whose only non-empty cell is primary


def two_regions():
    # Nord: M1 (3 needs, 1 business) and M2 (empty). Sør: M3 (5, 4), M4 (7, 6), M5 (12, 9). County total 27.
    return pd.DataFrame(
        {
            "kommunenummer": ["M1", "M2", "M3", "M4", "M5"],
            "delregion": ["Nord", "Nord", "Sør", "Sør", "Sør"],
            "behov": [3, 0, 5, 7, 12],
            "bedrifter": [1, 0, 4, 6, 9],
        }
    )


HIERARCHY = {"per_region": ("delregion",), "fylke": ()}


def test_a_line_with_one_non_empty_cell_hides_its_total_and_a_second_region_total():
    # One pass, relations in order: Nord's line has M1 alone and M2 is empty, so Nord's total (= M1) is hidden.
    # Sør's line has nothing hidden yet. The county line has M1 alone: hide M3 (5, the smallest other).
    # County = Nord + Sør: Nord's total is alone, Sør's total is the only other part, so it is hidden too
    # (otherwise 27 − 24 = 3 = M1). Sør's line now has M3 and its total hidden: two, so M4 stays visible.
    # Unknowns M1, M3, Nord, Sør; equations Nord = M1, Sør = M3 + 19, M1 + M3 = 8: nothing is fixed.
    protected = protect(two_regions(), ["behov"], lines=HIERARCHY, keys=["kommunenummer"])
    assert hidden_cells(protected) == {"primaer": ["M1"], "sekundaer": ["M3"]}
    assert protected.passes == 1
    assert protected.hidden_totals == frozenset({("per_region", ("Nord",)), ("per_region", ("Sør",))})
    assert protected.total_hidden("per_region", ("Nord",))
    assert not protected.total_hidden("fylke")
    assert protected.table.loc[1, "behov"] == 0  # the empty M2 stays visible
    assert disclosure_violations(protected) == []


def test_showing_the_south_total_would_give_the_north_municipality_back():
    protected = protect(two_regions(), ["behov"], lines=HIERARCHY, keys=["kommunenummer"])
    shown_south = disclosure.Protected(
        **{**protected.__dict__, "hidden_totals": frozenset({("per_region", ("Nord",))})}
    )
    # Sør's total 24 − 7 − 12 gives M3 = 5; the county 27 − 24 gives Nord's total, which is M1 = 3.
    assert disclosure_violations(shown_south) == [
        "sum per_region[delregion=Sør]: kommunenummer=M3 kan regnes ut som summen minus de synlige delene",
        "sum fylke[alle]: per_region[delregion=Nord] kan regnes ut som summen minus de synlige delene",
        "kommunenummer=M1: kan regnes ut ved å kombinere synlige summer og celler",
    ]


def test_mask_totals_hides_the_region_totals_for_a_bar_chart():
    protected = protect(two_regions(), ["behov"], lines=HIERARCHY, keys=["kommunenummer"])
    totals = two_regions().groupby("delregion", as_index=False)[["behov", "bedrifter"]].sum()
    masked = protected.mask_totals("per_region", totals, ["behov"])
    assert masked["behov"].isna().tolist() == [True, True]
    assert masked["skjult"].tolist() == [True, True]
    county = protected.mask_totals("fylke", pd.DataFrame({"behov": [27]}), ["behov"])
    assert county["behov"].tolist() == [27]


# --- a two-way table that needs a second pass


def crosstab():
    # value (businesses); lines: rows first, then columns, then the grand total
    #          a         b         c
    #   R1   2 (1)P   10 (5)    20 (8)
    #   R2   4 (3)    30 (9)     6 (4)
    #   R3  50 (12)    8 (4)    40 (10)
    values = {"R1": [(2, 1), (10, 5), (20, 8)], "R2": [(4, 3), (30, 9), (6, 4)], "R3": [(50, 12), (8, 4), (40, 10)]}
    rows = [
        {"delregion": r, "kompetanseomrade": a, "behov": v, "bedrifter": b}
        for r, cells in values.items()
        for a, (v, b) in zip("abc", cells, strict=True)
    ]
    return pd.DataFrame(rows)


def hidden_pairs(protected, flag="skjult"):
    table = protected.table
    return sorted(zip(table.loc[table[flag], "delregion"], table.loc[table[flag], "kompetanseomrade"], strict=True))


def test_crosstab_needs_two_passes_and_ends_with_two_hidden_cells_in_every_line():
    # Pass 1 – row R1: (R1,a) is alone, hide (R1,b)=10. Column a: hide (R2,a)=4. Column b: (R1,b) is alone,
    # hide (R3,b)=8 (smaller than 30). Pass 2 – row R2: (R2,a) is alone, hide (R2,c)=6. Row R3: (R3,b) is alone,
    # hide (R3,c)=40 (smaller than 50). Column c now has two. Pass 3 finds nothing, so passes == 2.
    protected = protect_crosstab(crosstab(), "delregion", "kompetanseomrade", ["behov"])
    assert hidden_pairs(protected, "primaer") == [("R1", "a")]
    assert hidden_pairs(protected, "sekundaer") == [
        ("R1", "b"),
        ("R2", "a"),
        ("R2", "c"),
        ("R3", "b"),
        ("R3", "c"),
    ]
    assert protected.passes == 2
    assert protected.audit_rounds == 0
    assert protected.hidden_totals == frozenset()
    table = protected.table
    for key in ("delregion", "kompetanseomrade"):
        assert table.groupby(key)["skjult"].sum().tolist() == [2, 2, 2]
    assert disclosure_violations(protected) == []
    assert recoverable(crosstab(), protected.lines, table["skjult"].to_numpy(), protected.hidden_totals) == []


def test_the_result_does_not_depend_on_row_order():
    shuffled = crosstab().sample(frac=1, random_state=7).reset_index(drop=True)
    protected = protect_crosstab(shuffled, "delregion", "kompetanseomrade", ["behov"])
    assert hidden_pairs(protected, "sekundaer") == [("R1", "b"), ("R2", "a"), ("R2", "c"), ("R3", "b"), ("R3", "c")]


# --- the one-per-line rule is not enough: a bridge between two groups of hidden cells


def bridge_table():
    # 4 × 5 table; the primary cells form two 2 × 2 blocks (rows 1–2 × cols 1–2, rows 3–4 × cols 3–4) and a
    # bridge (r1, c3). Every row and column then has 0 or ≥ 2 hidden cells, yet the bridge is fixed:
    # x13 = r1' − c1' − c2' + r2' (primes: the total minus the visible cells).
    primary = {(1, 1), (1, 2), (2, 1), (2, 2), (3, 3), (3, 4), (4, 3), (4, 4), (1, 3)}
    rows = []
    for r, c in itertools.product(range(1, 5), range(1, 6)):
        small = (r, c) in primary
        rows.append(
            {
                "rad": f"r{r}",
                "kol": f"c{c}",
                "behov": r + 2 * c if small else 10 * r + c,
                "bedrifter": 1 if small else 5,
            }
        )
    return pd.DataFrame(rows)


def test_the_audit_finds_the_bridge_and_hides_more():
    table = bridge_table()
    lines = {"per_rad": ("rad",), "per_kol": ("kol",), "totalt": ()}
    plain = protect(table, ["behov"], lines=lines, keys=["rad", "kol"], audit=False)
    assert plain.table["sekundaer"].sum() == 0  # the rule alone is satisfied
    assert disclosure_violations(plain) == ["rad=r1, kol=c3: kan regnes ut ved å kombinere synlige summer og celler"]
    # the attack: x13 = r1' − c1' − c2' + r2'
    full, shown = table.assign(behov=table["behov"]), plain.table.assign(behov=plain.table["behov"].fillna(0))
    rest = (full["behov"] - shown["behov"]).groupby([full["rad"]]).sum()
    rest_col = (full["behov"] - shown["behov"]).groupby([full["kol"]]).sum()
    assert rest["r1"] - rest_col["c1"] - rest_col["c2"] + rest["r2"] == 1 + 2 * 3
    audited = protect(table, ["behov"], lines=lines, keys=["rad", "kol"])
    assert audited.audit_rounds >= 1
    assert audited.table["sekundaer"].sum() >= 1
    assert disclosure_violations(audited) == []
    assert recoverable(table, lines, audited.table["skjult"].to_numpy(), audited.hidden_totals) == []


# --- derived values, coordinators, KPIs, distinct businesses


def test_derived_values_are_hidden_with_their_counts():
    table = municipalities_abc().assign(innbyggere=[439, 2000, 9000])
    table["behov_per_1000"] = table["behov"] / table["innbyggere"] * 1000
    protected = protect(table, ["behov", "behov_per_1000"], lines=REGION_LINE, keys=["kommunenummer"])
    out = protected.table
    assert out["behov_per_1000"].isna().tolist() == [True, True, False]
    assert out["behov_per_1000"].iloc[2] == pytest.approx(1.0)
    assert out["innbyggere"].tolist() == [439, 2000, 9000]  # not a value column: public, untouched
    assert disclosure_violations(protected) == []


def test_coordinators_see_everything():
    table = crosstab()
    protected = protect_crosstab(table, "delregion", "kompetanseomrade", ["behov"], threshold=0)
    pd.testing.assert_frame_equal(protected.table.drop(columns=FLAGS), table)
    assert not protected.table[FLAGS].to_numpy().any()
    assert protected.hidden_totals == frozenset()
    assert disclosure_violations(protected) == []


def test_protect_total_for_one_number():
    assert protect_total(8, 2) is None
    assert protect_total(8, 3) == 8
    assert protect_total(0, 0) == 0
    assert protect_total(8, 2, threshold=0) == 8


def test_one_business_in_three_cells_of_a_line_hides_the_line_total_when_told_the_distinct_count():
    # One business has needs in three areas of Leka: each cell rests on 1 business, and so does Leka's total,
    # although the cells' businesses add up to 3.
    table = pd.DataFrame(
        {
            "kommunenummer": ["5052"] * 3 + ["5053"] * 3,
            "kompetanseomrade": ["helse", "ikt", "bygg"] * 2,
            "behov": [1, 2, 1, 4, 5, 6],
            "bedrifter": [1, 1, 1, 3, 4, 5],
        }
    )
    lines = {"per_kommune": ("kommunenummer",)}
    naive = protect(table, ["behov"], lines=lines, keys=["kommunenummer", "kompetanseomrade"])
    assert naive.hidden_totals == frozenset()
    told = protect(
        table,
        ["behov"],
        lines=lines,
        keys=["kommunenummer", "kompetanseomrade"],
        line_businesses={"per_kommune": pd.Series({"5052": 1, "5053": 5})},
    )
    assert told.hidden_totals == frozenset({("per_kommune", ("5052",))})
    assert disclosure_violations(told) == []


def test_bad_input_gets_a_clear_message():
    table = municipalities_abc()
    with pytest.raises(ValueError) as error:
        protect(table, ["behov"], lines={"x": ("delregionn",)})
    assert str(error.value) == "Tabellen mangler kolonnen «delregionn»."
    with pytest.raises(ValueError) as error:
        protect(table.drop(columns="bedrifter"), ["behov"])
    assert str(error.value) == "Tabellen mangler kolonnen «bedrifter»."
    bad = table.assign(bedrifter=[1, -2, 7])
    with pytest.raises(ValueError) as error:
        protect(bad, ["behov"])
    assert str(error.value) == (
        "Rad 1, kolonne «bedrifter»: «-2» er ikke et gyldig antall bedrifter (et helt tall, 0 eller mer)."
    )
    with pytest.raises(ValueError) as error:
        protect(pd.concat([table, table.iloc[[0]]], ignore_index=True), ["behov"], keys=["kommunenummer"])
    assert str(error.value) == "Radene 0 og 3 har samme nøkkel (kommunenummer); hver celle skal stå én gang."
    with pytest.raises(ValueError) as error:
        protect(table, ["behov"], lines=REGION_LINE, line_businesses={"per_region": {"Ytre": 4}})
    assert str(error.value) == "Antall bedrifter mangler for summen per_region['Indre']."


def test_per_cell_suppression_is_only_a_test_reference():
    """Per-cell suppression leaks through totals: the package suppresses through ``protect`` only (the View), and
    the per-cell rule lives in ``kompilot_data.testing`` to show the leak."""
    for module in (access, disclosure):
        assert not hasattr(module, "suppress_table") and not hasattr(module, "suppress_counts")
    assert (MIN_BUSINESSES, SUPPRESSED) == (3, "<3")


def test_per_cell_suppression_still_behaves_as_before():
    table = municipalities_abc()
    shown = testing.suppress_table(table, "bedrifter", ["behov"])
    assert shown["behov"].tolist() == ["<3", 6, 9]
    assert shown["bedrifter"].tolist() == ["<3", 5, 7]
    counts = testing.suppress_counts(
        table.set_index("kommunenummer")["behov"], table.set_index("kommunenummer")["bedrifter"]
    )
    assert counts.isna().tolist() == [True, False, False]


# --- property test


KEYS = ("k1", "k2", "k3")


@st.composite
def tables_and_lines(draw):
    sizes = [draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    grid = list(itertools.product(*(range(s) for s in sizes)))
    chosen = draw(st.lists(st.sampled_from(grid), min_size=1, max_size=len(grid), unique=True))
    businesses = draw(st.lists(st.integers(0, 6), min_size=len(chosen), max_size=len(chosen)))
    extra = draw(st.lists(st.integers(0, 9), min_size=len(chosen), max_size=len(chosen)))
    table = pd.DataFrame(chosen, columns=list(KEYS))
    table["bedrifter"] = businesses
    table["behov"] = [b + e if b else 0 for b, e in zip(businesses, extra, strict=True)]
    table["behov_per_1000"] = table["behov"] / 3.7
    subsets = [s for n in range(4) for s in itertools.combinations(KEYS, n)]
    picked = draw(st.lists(st.sampled_from(subsets), min_size=0, max_size=4, unique=True))
    lines = {"linje_" + "_".join(s) if s else "totalt": s for s in picked}
    return table, lines


@settings(max_examples=100, deadline=None)
@given(tables_and_lines())
def test_property_no_table_and_lines_leave_a_recoverable_cell(case):
    table, lines = case
    protected = protect(table, ["behov", "behov_per_1000"], lines=lines, keys=list(KEYS))
    out = protected.table
    assert disclosure_violations(protected) == []
    assert recoverable(table, lines, out["skjult"].to_numpy(), protected.hidden_totals) == []
    businesses = table["bedrifter"]
    assert out["primaer"].tolist() == ((businesses > 0) & (businesses < 3)).tolist()
    assert (businesses[out["skjult"]] > 0).all()  # empty cells are never hidden
    assert out.loc[out["skjult"], ["behov", "behov_per_1000", "bedrifter"]].isna().all().all()
    pd.testing.assert_frame_equal(
        out.loc[~out["skjult"], list(table.columns)], table.loc[~out["skjult"]], check_dtype=False
    )
    coordinator = protect(table, ["behov", "behov_per_1000"], lines=lines, keys=list(KEYS), threshold=0)
    pd.testing.assert_frame_equal(coordinator.table.drop(columns=FLAGS), table)
    assert not coordinator.table[FLAGS].to_numpy().any()
    assert coordinator.hidden_totals == frozenset()


def test_a_hidden_total_fixed_only_through_other_lines_gets_a_complement():
    """Hypothesis's falsifying example (issue 23): all four non-empty cells are primary, so the total of
    k2 = 0 (2 businesses, primary) has no visible neighbour; yet it equals k3[0] + k3[1] − k2[1]. The audit looks
    further out along the hidden cells and hides one of those visible totals."""
    table = pd.DataFrame(
        {
            "k1": [0] * 5,
            "k2": [0, 0, 1, 1, 2],
            "k3": [0, 1, 0, 1, 0],
            "bedrifter": [1, 1, 2, 2, 0],
            "behov": [1, 1, 2, 2, 0],
        }
    )
    lines = {"linje_k2": ("k2",), "linje_k3": ("k3",)}
    plain = protect(table, ["behov"], lines=lines, keys=list(KEYS), audit=False)
    assert ("linje_k2", (0,)) in plain.hidden_totals
    assert any("kombinere" in v for v in disclosure_violations(plain))  # the leak the audit must close
    protected = protect(table, ["behov"], lines=lines, keys=list(KEYS))
    assert disclosure_violations(protected) == []
    assert recoverable(table, lines, protected.table["skjult"].to_numpy(), protected.hidden_totals) == []
    assert protected.hidden_totals & {("linje_k3", (0,)), ("linje_k3", (1,))}
