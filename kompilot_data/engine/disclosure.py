"""Small-number disclosure control: primary and complementary cell suppression for viewers.

A need in Røyrvik or Leka can identify the business, so a viewer (anyone but a coordinator) must never see or
derive a figure built on fewer than :data:`MIN_BUSINESSES` businesses. Hiding such a cell alone is not enough:
a published total minus the visible cells of its line gives the hidden cell back (*differencing*). This module
applies the standard rule of SSB and Eurostat (Hundepool et al., *Statistical Disclosure Control*, Wiley 2012,
ch. 4 and 5):

* **Primary suppression** – a cell with ``0 < businesses < threshold`` is hidden, and so is a published line
  total built on fewer than ``threshold`` businesses.
* **Complementary (secondary) suppression** – in every *relation* (a published total and the parts it sums)
  with exactly one hidden item, one more non-empty item is hidden: the visible part with the smallest value
  (ties: fewest businesses, then key order); if no part is left, the total itself. Empty cells (no business)
  never serve as complements: a zero is often known anyway. Repeat until no relation has exactly one hidden
  item.
* **Audit** – the one-per-line rule is necessary, not sufficient: several totals combined can still pin a hidden
  cell down (a "bridge" between two groups of hidden cells in a two-way table). After the rule is stable,
  :func:`protect` checks exactly, by linear algebra over all published totals, whether any *primary* item (a cell
  or total built on too few businesses) is still determined, hides one more item next to each that is (when
  every item next to it is hidden already, the nearest visible item of a relation linked to it through hidden
  items), and applies the rule again, until none is. (A complementary cell that can be computed is harmless: it rests on
  enough businesses.)

Relations. ``lines`` names the published totals: ``{"per_region": ("delregion",), "county": ()}`` means the sum
of the cells for each value of ``delregion`` is published, and so is the sum of all cells. Each line gives one
relation *total = sum of its cells*. When the lines of one entry nest inside the lines of another (every
``delregion`` line lies inside the one ``county`` line), the coarser total is also the sum of the finer totals,
which gives a relation between totals (*county = Σ region totals*): hiding one region's total then needs a second
hidden region total (or a hidden county total), as the hierarchy of SSB's tables does.

Termination. Every pass of the rule and every audit round either hides at least one item that was visible, or
stops. A table with ``n`` cells and ``m`` line totals has ``n + m`` items, so there are at most ``n + m`` such
steps. A relation with exactly one hidden item always has a candidate: the hidden item is non-empty (only non-empty
items are ever hidden), so its relation's total is non-empty; either another non-empty part is visible, or the
total is (it cannot be hidden too, or there would be two hidden items).

What it does not protect against (said on the About page): comparing two different selections (filters, periods,
data versions), bounds from the fact that counts are non-negative (a hidden pair adding to 3 tells that each is at
most 3), and knowledge from outside the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_BUSINESSES = 3
SUPPRESSED = f"<{MIN_BUSINESSES}"
COMPLEMENTARY = ":"  # SSB's symbol: "not shown, to protect confidentiality"
DEFAULT_LINES: Mapping[str, tuple[str, ...]] = {"totalt": ()}
HIDDEN_COLUMNS = ("skjult", "primaer", "sekundaer")

_LEVERAGE_TOLERANCE = 1e-7


# --- one published number


def protect_total(value: float | int | None, businesses: int, threshold: int = MIN_BUSINESSES) -> float | int | None:
    """One published number (a KPI): ``None`` when it rests on ``0 < businesses < threshold``, else ``value``.

    A KPI that is also the total of a table shown beside it must follow that table's protection instead:
    ``None if protected.total_hidden(line, key) else value``.
    """
    if threshold > 0 and 0 < businesses < threshold:
        return None
    return value


# --- the marks shown in place of a hidden figure


def marker(primary: bool, threshold: int = MIN_BUSINESSES) -> str:
    """What a reader sees in place of a hidden figure: ``"<3"`` (``f"<{threshold}"``) when it rests on fewer than
    ``threshold`` businesses (*primary*), ``":"`` (:data:`COMPLEMENTARY`, SSB's "not shown, to protect
    confidentiality") when it is hidden as a complement, or when it is not known why it is hidden: ``":"`` never
    claims a number of businesses, so it is true of every hidden figure. The one place this choice is made."""
    return f"<{max(threshold, 1)}" if primary else COMPLEMENTARY


def total_marker(businesses: int | float | None, threshold: int = MIN_BUSINESSES) -> str:
    """:func:`marker` of a hidden published total (e.g. from :meth:`Protected.mask_totals`): primary when the
    total itself rests on ``0 < businesses < threshold`` (its distinct businesses, e.g. from
    :attr:`Protected.line_businesses`), else complementary. ``None``/NaN (unknown) gives ``":"``."""
    known = businesses is not None and not pd.isna(businesses)
    return marker(bool(known and 0 < businesses < threshold), threshold)


def hidden_markers(table: pd.DataFrame, threshold: int = MIN_BUSINESSES) -> pd.Series:
    """Per row of ``table``: ``""`` where visible, else :func:`marker` of the row.

    Visible / hidden comes from the bool column ``skjult`` (no such column: nothing is hidden). Primary comes from
    ``primaer`` (as :func:`protect` sets it). A hidden row without a ``primaer`` column, or hidden while ``primaer``
    is False (it is hidden because of another protected table, e.g. a derived or combined one), gets ``":"``: it
    is hidden to protect confidentiality, and nothing says it rests on too few businesses.
    """
    n = len(table)
    hidden = _flag(table, "skjult", n)
    primary = _flag(table, "primaer", n) & hidden
    marks = np.where(hidden, np.where(primary, marker(True, threshold), marker(False, threshold)), "")
    return pd.Series(marks, index=table.index, dtype=object)


def _flag(table: pd.DataFrame, column: str, n: int) -> np.ndarray:
    if column not in table.columns:
        return np.zeros(n, dtype=bool)
    return table[column].astype("boolean").fillna(False).to_numpy(dtype=bool)


# --- the result


@dataclass(frozen=True)
class Protected:
    """A table as a viewer may see it.

    ``table`` is the input with ``value_columns`` (and the business count, unless ``hide_businesses=False``) set
    to NaN where hidden, plus bool columns ``skjult`` (hidden), ``primaer`` (0 < businesses < threshold) and
    ``sekundaer`` (hidden as a complement). ``hidden_totals`` holds the published totals that must be hidden too,
    as ``(line name, key tuple)``; the key tuple has the values of the line's held-fixed columns, ``()`` for a
    grand total.
    """

    table: pd.DataFrame
    hidden_totals: frozenset
    lines: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    value_columns: tuple[str, ...] = ()
    business_column: str = "bedrifter"
    threshold: int = MIN_BUSINESSES
    keys: tuple[str, ...] = ()
    passes: int = 0  # sweeps of the one-per-line rule (all audit rounds together)
    audit_rounds: int = 0  # rounds in which the exact audit found a determined item and hid one more
    businesses: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    line_businesses: Mapping[str, Mapping[tuple, int]] = field(default_factory=dict, repr=False, compare=False)

    def total_hidden(self, line: str, key: tuple = ()) -> bool:
        """Whether the published total of ``line`` for ``key`` must be hidden (``key`` as in ``hidden_totals``)."""
        return (line, tuple(key)) in self.hidden_totals

    def markers(self) -> pd.Series:
        """Per row: ``"<3"`` for a primary cell, ``":"`` for a complementary one, ``""`` for a visible one."""
        return hidden_markers(self.table, self.threshold)

    def mask_totals(self, line: str, totals: pd.DataFrame, value_columns: Sequence[str]) -> pd.DataFrame:
        """``totals`` (one row per line of ``line``, its held-fixed keys as columns or index) with
        ``value_columns`` set to NaN where the total is hidden, and a bool column ``skjult``."""
        keys = self.lines[line]
        columns = [key_column(totals, key) for key in keys]
        hidden = np.array(
            [(line, tuple(native(v) for v in values)) in self.hidden_totals for values in zip(*columns, strict=True)]
            if keys
            else [(line, ()) in self.hidden_totals] * len(totals),
            dtype=bool,
        )
        out = totals.copy()
        for column in value_columns:
            out[column] = out[column].where(~hidden)
        out["skjult"] = hidden
        return out


# --- building the relations


@dataclass
class _Structure:
    """Cells and line totals as items 0..n-1 and n..n+m-1, and the relations *total = Σ parts* between them."""

    n_cells: int
    value: np.ndarray  # per item: the first value column (totals: its sum)
    businesses: np.ndarray  # per item
    nonempty: np.ndarray  # per item: at least one business behind it
    rank: np.ndarray  # per item: tie-break order (cells in key order, then totals)
    totals: list[tuple[str, tuple]]  # per total item: (line name, key tuple)
    total_of: dict[tuple[str, tuple], int]
    rel_total: np.ndarray  # per relation: the total item
    rel_ptr: np.ndarray  # CSR pointers into rel_parts
    rel_parts: np.ndarray
    cell_relations: np.ndarray  # cells × line definitions: the relation of the cell's line (relation r ↔ item n + r)
    definition_starts: np.ndarray  # per line definition: its first line relation

    @property
    def n_items(self) -> int:
        return len(self.value)

    def parts(self, relation: int) -> np.ndarray:
        return self.rel_parts[self.rel_ptr[relation] : self.rel_ptr[relation + 1]]

    def hidden_counts(self, hidden: np.ndarray) -> np.ndarray:
        if len(self.rel_total) == 0:
            return np.zeros(0, dtype=np.int64)
        parts = np.add.reduceat(hidden[self.rel_parts].astype(np.int64), self.rel_ptr[:-1])
        return parts + hidden[self.rel_total]

    @property
    def part_relation(self) -> np.ndarray:
        """Per entry of ``rel_parts``: its relation."""
        return np.repeat(np.arange(len(self.rel_total)), np.diff(self.rel_ptr))

    def item_relations(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR (pointers, relations) of the relations each item takes part in (as a part or as the total)."""
        items = np.concatenate([self.rel_total, self.rel_parts])
        relations = np.concatenate([np.arange(len(self.rel_total)), self.part_relation])
        order = np.lexsort((relations, items))
        pointers = np.zeros(self.n_items + 1, dtype=np.int64)
        np.cumsum(np.bincount(items, minlength=self.n_items), out=pointers[1:])
        return pointers, relations[order]


def native(value):
    """numpy scalars to Python values, so key tuples compare equal to what callers write."""
    return value.item() if isinstance(value, np.generic) else value


def key_column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name in table.columns:
        return table[name].to_numpy()
    if name in (table.index.names or []):
        return table.index.get_level_values(name).to_numpy()
    raise ValueError(f"Tabellen mangler kolonnen «{name}».")


def _validate(table: pd.DataFrame, value_columns: Sequence[str], business_column: str) -> tuple[np.ndarray, np.ndarray]:
    """The businesses (int) and first value column (float, NaN as 0) per row; clear messages for bad input."""
    if not value_columns:
        raise ValueError("Minst én verdikolonne må oppgis (den første brukes til å velge komplementceller).")
    for column in [*value_columns, business_column]:
        if column not in table.columns:
            raise ValueError(f"Tabellen mangler kolonnen «{column}».")
    for column in value_columns:
        if not pd.api.types.is_numeric_dtype(table[column]) and not pd.api.types.is_bool_dtype(table[column]):
            raise ValueError(f"Kolonnen «{column}» må inneholde tall.")
    raw = pd.to_numeric(table[business_column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    value = pd.to_numeric(table[value_columns[0]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    value = np.nan_to_num(value, nan=0.0)
    bad = (raw < 0) | (np.isfinite(raw) & (raw != np.round(raw))) | (np.isnan(raw) & (value != 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = table[business_column].iloc[row]
        raise ValueError(
            f"Rad {table.index[row]!r}, kolonne «{business_column}»: «{shown}» er ikke et gyldig antall bedrifter "
            "(et helt tall, 0 eller mer)."
        )
    return np.nan_to_num(raw, nan=0.0).astype(np.int64), value


def cell_rank(table: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    n = len(table)
    if not keys:
        return np.arange(n)
    codes = [pd.factorize(key_column(table, key), sort=True)[0] for key in keys]
    order = np.lexsort(codes[::-1])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    if n > 1:
        stacked = np.column_stack([c[order] for c in codes])
        same = (stacked[1:] == stacked[:-1]).all(axis=1)
        if same.any():
            first = order[int(np.flatnonzero(same)[0])]
            second = order[int(np.flatnonzero(same)[0]) + 1]
            raise ValueError(
                f"Radene {table.index[first]!r} og {table.index[second]!r} har samme nøkkel "
                f"({', '.join(keys)}); hver celle skal stå én gang."
            )
    return rank


def _line_business_lookup(given, name: str, key_tuples: list[tuple]) -> np.ndarray:
    if isinstance(given, pd.Series):
        index = given.index
        lookup = {
            (tuple(native(v) for v in k) if isinstance(index, pd.MultiIndex) else (native(k),)): v
            for k, v in given.items()
        }
    elif isinstance(given, Mapping):
        lookup = {tuple(native(v) for v in (k if isinstance(k, tuple) else (k,))): v for k, v in given.items()}
    else:  # one number for a grand total
        lookup = {(): given}
    out = np.zeros(len(key_tuples), dtype=np.int64)
    for position, key in enumerate(key_tuples):
        if key not in lookup:
            raise ValueError(f"Antall bedrifter mangler for summen {total_label(name, (), key)}.")
        out[position] = int(lookup[key])
    return out


def build_structure(
    table: pd.DataFrame,
    lines: Mapping[str, Sequence[str]],
    businesses: np.ndarray,
    value: np.ndarray,
    rank: np.ndarray,
    line_businesses: Mapping | None,
) -> _Structure:
    n = len(table)
    nonempty = businesses > 0
    item_value = [value]
    item_businesses = [businesses]
    item_nonempty = [nonempty]
    totals: list[tuple[str, tuple]] = []
    definitions = []  # (name, codes per cell, number of lines, first total item, first cell of each line)
    rel_total, rel_parts, rel_sizes = [], [], []
    next_item = n
    for name in lines:
        keys = tuple(lines[name])
        if keys:
            frame = pd.DataFrame({key: key_column(table, key) for key in keys})
            codes = frame.groupby(list(keys), sort=True, dropna=False, observed=True).ngroup().to_numpy()
        else:
            codes = np.zeros(n, dtype=np.int64)
        count = int(codes.max()) + 1 if n else 0
        _, first = np.unique(codes, return_index=True)
        if keys:
            columns = [frame[key].to_numpy()[first].tolist() for key in keys]
            key_tuples = [tuple(native(v) for v in values) for values in zip(*columns, strict=True)]
        else:
            key_tuples = [()] * count
        totals += [(name, key) for key in key_tuples]
        item_value.append(np.bincount(codes, weights=value, minlength=count))
        sums = np.bincount(codes, weights=businesses, minlength=count).astype(np.int64)
        given = None if line_businesses is None else line_businesses.get(name)
        item_businesses.append(sums if given is None else _line_business_lookup(given, name, key_tuples))
        item_nonempty.append(np.bincount(codes, weights=nonempty, minlength=count) > 0)
        definitions.append((name, codes, count, next_item, first))
        order = np.argsort(codes, kind="stable")
        rel_total.append(next_item + np.arange(count))
        rel_parts.append(order)
        rel_sizes.append(np.bincount(codes, minlength=count))
        next_item += count
    # totals of a finer line definition that nest in a coarser one: coarse total = Σ fine totals
    for i, (_, fine_codes, fine_count, fine_first_item, fine_first) in enumerate(definitions):
        for j, (_, coarse_codes, coarse_count, coarse_first_item, _) in enumerate(definitions):
            if i == j or fine_count == 0:
                continue
            pairs = np.unique(fine_codes * coarse_count + coarse_codes).size
            finer = fine_count > coarse_count or (fine_count == coarse_count and i > j)
            if pairs != fine_count or not finer:
                continue
            parent = coarse_codes[fine_first]  # the coarse line of each fine line
            order = np.argsort(parent, kind="stable")
            rel_total.append(coarse_first_item + np.arange(coarse_count))
            rel_parts.append(fine_first_item + order)
            rel_sizes.append(np.bincount(parent, minlength=coarse_count))
    sizes = np.concatenate(rel_sizes) if rel_sizes else np.zeros(0, dtype=np.int64)
    pointers = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=pointers[1:])
    # the line of each cell, per definition; the line relations come first, numbered as the totals (item n + r)
    cell_relations = (
        np.column_stack([first_item - n + codes for _, codes, _, first_item, _ in definitions])
        if definitions
        else np.zeros((n, 0), dtype=np.int64)
    )
    m = len(totals)
    return _Structure(
        n_cells=n,
        value=np.concatenate(item_value).astype(float),
        businesses=np.concatenate(item_businesses).astype(np.int64),
        nonempty=np.concatenate(item_nonempty).astype(bool),
        rank=np.concatenate([rank, n + np.arange(m)]),
        totals=totals,
        total_of={total: n + position for position, total in enumerate(totals)},
        rel_total=np.concatenate(rel_total) if rel_total else np.zeros(0, dtype=np.int64),
        rel_ptr=pointers,
        rel_parts=np.concatenate(rel_parts) if rel_parts else np.zeros(0, dtype=np.int64),
        cell_relations=cell_relations,
        definition_starts=np.array([first_item - n for *_, first_item, _ in definitions], dtype=np.int64),
    )


# --- the rule and the audit


def _best(structure: _Structure, candidates: np.ndarray) -> int:
    """The candidate with the smallest value, then the fewest businesses, then the first in key order."""
    order = np.lexsort((structure.rank[candidates], structure.businesses[candidates], structure.value[candidates]))
    return int(candidates[order[0]])


def _complement_candidate(structure: _Structure, relation: int, hidden: np.ndarray) -> int | None:
    parts = structure.parts(relation)
    free = parts[~hidden[parts] & structure.nonempty[parts]]
    if free.size:
        return _best(structure, free)
    total = structure.rel_total[relation]
    if not hidden[total] and structure.nonempty[total]:
        return int(total)
    return None


def _apply_rule(structure: _Structure, hidden: np.ndarray) -> int:
    """Hide complements until no relation has exactly one hidden item; returns the number of passes that hid one.

    A pass visits every relation in order (lines in the order given, each sorted by its keys; then the relations
    between nested totals) with the counts kept up to date, so a complement hidden early in a pass is seen by
    the relations visited after it.
    """
    counts = structure.hidden_counts(hidden)
    pointers, relations_of = structure.item_relations()
    passes = 0
    while True:
        changed = False
        for relation in range(len(counts)):
            if counts[relation] != 1:
                continue
            pick = _complement_candidate(structure, relation, hidden)
            if pick is None:
                continue
            hidden[pick] = True
            counts[relations_of[pointers[pick] : pointers[pick + 1]]] += 1
            changed = True
        if not changed:
            return passes
        passes += 1


def determined_items(structure: _Structure, hidden: np.ndarray, sensitive: np.ndarray) -> np.ndarray:
    """The hidden ``sensitive`` items whose value the published relations fix exactly (sorted).

    The unknowns are the hidden items; each line gives one equation *total − Σ cells = known*, the visible items
    being known (the relations between nested totals follow from these and add nothing). A hidden total occurs
    in its own line's equation only, so that equation says nothing about the cells: it is set aside, and the total
    is fixed exactly when the sum of its line's hidden cells is. A vector ``q`` over the hidden cells (a cell, or
    the hidden cells of a line) is fixed exactly when it lies in the row space of the equations ``A``, i.e. when
    ``qᵀ Aᵀ (A Aᵀ)⁺ A q = |q|²``. ``A Aᵀ`` is small (one row per line with a visible total and a hidden cell) and
    block-diagonal over groups of lines linked by hidden cells; see :func:`_quadratic_pinv` for each block.
    """
    n, m = structure.n_cells, len(structure.totals)
    targets = np.flatnonzero(hidden & sensitive)
    if targets.size == 0 or m == 0:
        return np.zeros(0, dtype=np.int64)
    relations = structure.cell_relations  # cells × line definitions: the line (= relation) of each cell
    total_hidden = hidden[n:]
    cells = np.flatnonzero(hidden[:n])
    position = np.full(n, -1)
    position[cells] = np.arange(len(cells))
    of_cells = relations[cells]
    usable = ~total_hidden[of_cells]
    used = np.unique(of_cells[usable])
    local = np.full(m, -1)
    local[used] = np.arange(len(used))
    rows = np.where(usable, local[of_cells], -1)  # hidden cell × definition -> equation, -1 if set aside
    k = len(used)
    # the queries: one column per target; a hidden cell is e_i, a hidden total the sum of its line's hidden cells
    query_cells, query_of, norms = [], [], []
    for column, item in enumerate(targets.tolist()):
        if item < n:
            members = np.array([position[item]])
        else:
            line_cells = structure.parts(item - n)
            members = position[line_cells[hidden[line_cells]]]
        query_cells.append(members)
        query_of.append(np.full(len(members), column))
        norms.append(len(members))
    query_cells = np.concatenate(query_cells)
    query_of = np.concatenate(query_of)
    norms = np.array(norms, dtype=float)
    leverage = np.zeros(len(targets))
    if k:
        # G = A Aᵀ: every entry of A is 0 or −1, so G[r, s] counts the hidden cells lines r and s share
        definitions = rows.shape[1]
        pairs = []
        for first in range(definitions):
            for second in range(definitions):
                both = (rows[:, first] >= 0) & (rows[:, second] >= 0)
                pairs.append(rows[both, first] * k + rows[both, second])
        key, weight = np.unique(np.concatenate(pairs), return_counts=True)
        gram = (key // k, key % k, weight.astype(float))
        # A q for each query, as (equation, query, value)
        entries = []
        for definition in range(definitions):
            row = rows[query_cells, definition]
            ok = row >= 0
            entries.append(row[ok] * len(targets) + query_of[ok])
        key, weight = np.unique(np.concatenate(entries), return_counts=True)
        images = (key // len(targets), key % len(targets), weight.astype(float))
        definition_of = np.searchsorted(structure.definition_starts, used, side="right") - 1
        label = _components(k, gram[0], gram[1])
        for value in np.unique(label):
            block = np.flatnonzero(label == value)
            columns, levels = _quadratic_pinv(gram, images, block, definition_of[block], k)
            leverage[columns] += levels
    fixed = leverage >= norms * (1 - _LEVERAGE_TOLERANCE)
    return targets[fixed]


def _quadratic_pinv(gram, images, block: np.ndarray, definitions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``uᵀ G⁺ u`` for the queries ``u`` that touch ``block`` (all in the range of ``G``), ``G`` = ``gram`` on
    ``block``; ``gram`` and ``images`` are sparse (row, column, value) triplets. Returns (query columns, values).

    The lines of one definition share no cell, so their part of ``G`` is diagonal (``D``). The definition with the
    most lines in the block is eliminated first (a Schur complement): with ``G = [[D, B], [Bᵀ, C]]`` and
    ``S = C − Bᵀ D⁻¹ B``, ``uᵀ G⁺ u = u₁ᵀ D⁻¹ u₁ + wᵀ S⁺ w`` where ``w = u₂ − Bᵀ D⁻¹ u₁`` (for ``u`` in the range of
    ``G``, from ``uᵀ G⁺ u = max_y 2uᵀy − yᵀGy``). ``S⁺`` comes from ``numpy.linalg.eigh``; only ``S`` is decomposed,
    so the cost is cubic in the number of the *other* lines.
    """
    largest = int(np.argmax(np.bincount(definitions)))
    inside = definitions == largest
    where = np.full(k, -1)
    where[block[inside]] = np.arange(int(inside.sum()))
    rest_where = np.full(k, -1)
    rest_where[block[~inside]] = np.arange(int((~inside).sum()))
    n_first, n_rest = int(inside.sum()), int((~inside).sum())
    g_row, g_column, g_value = gram
    q_row, q_column, q_value = images
    touching = (where[q_row] >= 0) | (rest_where[q_row] >= 0)
    columns, column_index = np.unique(q_column[touching], return_inverse=True)
    q_row, q_value = q_row[touching], q_value[touching]
    diagonal = np.zeros(n_first)
    on_diagonal = (where[g_row] >= 0) & (g_row == g_column)
    diagonal[where[g_row[on_diagonal]]] = g_value[on_diagonal]
    first_part = where[q_row] >= 0
    result = np.bincount(
        column_index[first_part],
        weights=q_value[first_part] ** 2 / diagonal[where[q_row[first_part]]],
        minlength=len(columns),
    )
    if n_rest == 0:
        return columns, result
    coupling = np.zeros((n_first, n_rest))
    mixed = (where[g_row] >= 0) & (rest_where[g_column] >= 0)
    coupling[where[g_row[mixed]], rest_where[g_column[mixed]]] = g_value[mixed]
    other = np.zeros((n_rest, n_rest))
    inner = (rest_where[g_row] >= 0) & (rest_where[g_column] >= 0)
    other[rest_where[g_row[inner]], rest_where[g_column[inner]]] = g_value[inner]
    scaled = coupling / diagonal[:, None]
    schur = other - coupling.T @ scaled
    w = np.zeros((len(columns), n_rest))
    rest_part = ~first_part
    np.add.at(w, (column_index[rest_part], rest_where[q_row[rest_part]]), q_value[rest_part])
    np.add.at(w, column_index[first_part], -q_value[first_part, None] * scaled[where[q_row[first_part]]])
    values, vectors = np.linalg.eigh((schur + schur.T) / 2)
    top = max(float(np.abs(values).max()), 1.0)
    keep = values > top * n_rest * np.finfo(float).eps * 64
    projected = (w @ vectors[:, keep]) / np.sqrt(values[keep])
    return columns, result + (projected**2).sum(axis=1)


def _components(k: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """A label per equation: equal for equations linked (directly or not) by a shared hidden cell."""
    label = np.arange(k)
    while True:
        new = label.copy()
        np.minimum.at(new, first, label[second])
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


def _repair(structure: _Structure, hidden: np.ndarray, determined: np.ndarray) -> bool:
    """Hide one more item next to each determined item (one per relation per round); False if none could be."""
    pointers, relations_of = structure.item_relations()
    touched: set[int] = set()
    changed = False
    for item in determined:
        relations = relations_of[pointers[item] : pointers[item + 1]]
        if touched.intersection(relations.tolist()):
            continue
        free = [p for r in relations for p in structure.parts(r).tolist() if not hidden[p] and structure.nonempty[p]]
        if not free:
            free = [
                int(structure.rel_total[r])
                for r in relations
                if not hidden[structure.rel_total[r]] and structure.nonempty[structure.rel_total[r]]
            ]
        if not free:  # every neighbour is hidden already: look further out along the hidden items
            free = _nearest_visible(structure, hidden, relations, pointers, relations_of)
        if not free:
            continue
        pick = _best(structure, np.unique(np.array(free, dtype=np.int64)))
        hidden[pick] = True
        touched.update(relations.tolist())
        changed = True
    return changed


def _nearest_visible(structure: _Structure, hidden: np.ndarray, start: np.ndarray, pointers, relations_of) -> list[int]:
    """The visible non-empty items (parts or totals) of the relations nearest to ``start`` that reach it through
    hidden items: a determined item whose own relations are all hidden is fixed by relations further out (e.g. a
    hidden line total equal to other line totals minus a visible one), and hiding one of their visible items
    breaks that chain. Breadth-first over relations linked by a shared hidden item; ``[]`` if none is left."""
    seen = set(start.tolist())
    level = list(seen)
    while level:
        free: list[int] = []
        reached: list[int] = []
        for relation in level:
            members = [int(structure.rel_total[relation]), *structure.parts(relation).tolist()]
            for item in members:
                if not hidden[item]:
                    if structure.nonempty[item]:
                        free.append(item)
                    continue
                reached.extend(relations_of[pointers[item] : pointers[item + 1]].tolist())
        if free:
            return free
        level = [r for r in dict.fromkeys(reached) if r not in seen]
        seen.update(level)
    return []


def total_label(name: str, keys: Sequence[str], key: tuple) -> str:
    if not key:
        return f"{name}[alle]"
    if keys:
        return f"{name}[{', '.join(f'{k}={v}' for k, v in zip(keys, key, strict=True))}]"
    return f"{name}{list(key)}"



# --- the public entry points


def protect(
    table: pd.DataFrame,
    value_columns: Sequence[str],
    business_column: str = "bedrifter",
    lines: Mapping[str, Sequence[str]] | None = None,
    threshold: int = MIN_BUSINESSES,
    *,
    keys: Sequence[str] = (),
    line_businesses: Mapping | None = None,
    complementary: bool = True,
    audit: bool = True,
    hide_businesses: bool = True,
) -> Protected:
    """Hide the cells of ``table`` a viewer must not see or derive.

    Parameters
    ----------
    table : DataFrame
        A long table, one row per cell: key columns (or index levels), ``value_columns`` and ``business_column``
        (the number of *distinct* businesses behind the cell).
    value_columns : list of str
        Everything shown for a cell that must be hidden with it: counts, sums and derived values (per-1,000 rates,
        indices). The **first** is the cell's size for choosing complements (the smallest is hidden).
    lines : dict
        The published totals: ``name -> key columns held fixed``. Default ``{"totalt": ()}`` (only a grand total).
        Pass ``{}`` when no total of the cells is shown anywhere.
    threshold : int
        The minimum number of businesses; 0 for coordinators (the table comes back unchanged, all flags False).
    keys : list of str
        Columns that identify a cell: the tie-break order and the names of cells in messages. Default: row order.
    line_businesses : dict, optional
        ``name -> {key tuple: distinct businesses}`` (or a Series indexed by the keys) for the line totals. Without
        it a total's businesses are the sum of its cells', which overstates them when one business has needs in
        several cells of a line (a total of three cells from one business would then look like 3 businesses).
    complementary : bool
        False gives primary suppression only (for tests and comparison; never for viewers).
    audit : bool
        Check exactly, by linear algebra, that no hidden item can be computed from the published relations, and
        hide more until none can (see the module's docstring).
    hide_businesses : bool
        Also set the business count to NaN in hidden cells.
    """
    lines = dict(DEFAULT_LINES if lines is None else {name: tuple(k) for name, k in lines.items()})
    value_columns = tuple(value_columns)
    businesses, value = _validate(table, value_columns, business_column)
    rank = cell_rank(table, keys)
    out = table.copy()
    n = len(table)
    if threshold <= 0 or n == 0:
        for column in HIDDEN_COLUMNS:
            out[column] = np.zeros(n, dtype=bool)
        return Protected(
            out, frozenset(), lines, value_columns, business_column, threshold, tuple(keys), businesses=businesses
        )
    structure = build_structure(table, lines, businesses, value, rank, line_businesses)
    primary = structure.nonempty & (structure.businesses < threshold)
    hidden = primary.copy()
    passes = rounds = 0
    if complementary:
        passes += _apply_rule(structure, hidden)
        while audit:
            determined = determined_items(structure, hidden, primary)
            if determined.size == 0 or not _repair(structure, hidden, determined):
                break
            rounds += 1
            passes += _apply_rule(structure, hidden)
    cells = hidden[:n]
    hidden_columns = [*value_columns, business_column] if hide_businesses else list(value_columns)
    for column in dict.fromkeys(hidden_columns):
        out[column] = out[column].where(~cells)
    out["skjult"] = cells
    out["primaer"] = primary[:n]
    out["sekundaer"] = cells & ~primary[:n]
    hidden_totals = frozenset(structure.totals[i - n] for i in np.flatnonzero(hidden[n:]) + n)
    per_line: dict[str, dict[tuple, int]] = {}
    for (name, key), count in zip(structure.totals, structure.businesses[n:].tolist(), strict=True):
        per_line.setdefault(name, {})[key] = count
    return Protected(
        out,
        hidden_totals,
        lines,
        value_columns,
        business_column,
        threshold,
        tuple(keys),
        passes,
        rounds,
        businesses,
        per_line,
    )
