"""Test support: slow, plain reference implementations the tests compare the fast code with, and checkers.

Nothing in the app imports this module (geopandas' ``testing`` pattern): the tests and the benchmark do.

* :func:`rank_candidates_rowwise` – matching one need and one offer at a time (the fast ranking in
  :mod:`kompilot_data.engine.matching` must give the same table);
* :func:`disclosure_violations` – every way a viewer could see or derive a figure built on too few businesses,
  checked exactly for a table protected by :func:`kompilot_data.engine.disclosure.protect`;
* :func:`suppress_table`, :func:`suppress_counts` – per-cell suppression alone, the rule that leaks through
  totals (kept to show that it does); :func:`protect_crosstab` – ``protect`` for a two-way table with its margins;
* :func:`linked_needs` – the needs linked to an offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from kompilot_data.engine.disclosure import (
    MIN_BUSINESSES,
    Protected,
    build_structure,
    cell_rank,
    determined_items,
    key_column,
    native,
    protect,
    total_label,
)
from kompilot_data.engine.matching import (
    CANDIDATE_COLUMNS,
    GATHERING_TRAVEL_SHARE,
    MODE_FIT,
    SCALE,
    TIMEFRAME_SLACK_DAYS,
    WEIGHTS,
    day,
    offer_owners,
    pooled_seats,
    proposable_offers,
    resolve_reach,
)
from kompilot_data.engine.reach import TRAVEL_TIME, Reach, open_needs
from kompilot_data.reference import taxonomy


def rank_candidates_rowwise(
    needs: pd.DataFrame, offers: pd.DataFrame, top: int = 5, reach: Reach | None = None, today: date | None = None
) -> pd.DataFrame:
    """Reference implementation: one need and one offer at a time, every candidate scored and sorted (for tests
    and the benchmark). Same columns and order as :func:`kompilot_data.engine.matching.rank_candidates` with
    the same ``reach`` (default: the default reach setting)."""
    needs = open_needs(needs)
    offers = proposable_offers(offers, today)
    reach = resolve_reach(offers, reach, None, None)
    now = day(today)
    rank = taxonomy.attribute("niva", "rang")
    row_of = {str(code): i for i, code in enumerate(reach.municipalities)}
    column_of = {offer_id: j for j, offer_id in enumerate(reach.offer_ids)}
    limit = reach.setting.limit
    travel = reach.setting.method == TRAVEL_TIME and reach.minutes is not None
    by_area: dict[str, list] = {}
    for offer in offers.itertuples(index=False):
        by_area.setdefault(str(offer.kompetanseomrade), []).append(offer)
    rows = []
    owners = dict(zip(offers["tilbud_id"], offer_owners(offers), strict=True))
    seats = dict(zip(offers["tilbud_id"], pooled_seats(offers, needs), strict=True))
    for need in needs.itertuples(index=False):
        row = row_of[str(need.kommunenummer)]
        scored = []
        for offer in by_area.get(str(need.kompetanseomrade), []):
            column = column_of[offer.tilbud_id]
            if not reach.reachable[row, column]:
                continue
            if owners[offer.tilbud_id] and str(need.bedrift_id) not in owners[offer.tilbud_id]:
                continue  # another business's own in-company course
            placeless = pd.isna(offer.lat)
            gap = abs(rank[str(need.niva)] - rank[str(offer.niva)])
            part = {"niva": 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0}
            part["form"] = 1.0 if pd.isna(need.laeringsform) else MODE_FIT[need.laeringsform][offer.laeringsform]
            cost = float(reach.cost[row, column])
            share = GATHERING_TRAVEL_SHARE if offer.laeringsform == "samlingsbasert" else 1.0
            part["avstand"] = 1.0 if placeless else min(1.0, max(0.0, 1 - share * cost / limit))
            outside = max((need.tidsramme_fra - offer.oppstart).days, (offer.oppstart - need.tidsramme_til).days, 0)
            part["tidsramme"] = min(1.0, max(0.0, 1 - outside / TIMEFRAME_SLACK_DAYS))
            part["kapasitet"] = min(1.0, seats[offer.tilbud_id] / float(need.antall_deltakere))
            offer_points = round(
                (WEIGHTS["niva"] * part["niva"] + WEIGHTS["form"] * part["form"] + WEIGHTS["avstand"] * part["avstand"])
                * SCALE
            )
            need_points = round(
                (WEIGHTS["tidsramme"] * part["tidsramme"] + WEIGHTS["kapasitet"] * part["kapasitet"]) * SCALE
            )
            scored.append((-(offer_points + need_points), str(offer.tilbud_id), part, row, column, placeless))
        scored.sort(key=lambda item: (item[0], item[1]))
        for position, (negative, offer_id, part, row_, column, placeless) in enumerate(scored[:top], start=1):
            ferry = int(reach.ferry[row_, column]) if travel and reach.ferry is not None and not placeless else -1
            rows.append(
                {
                    "behov_id": need.behov_id,
                    "rang": position,
                    "tilbud_id": offer_id,
                    "poeng": -negative / SCALE,
                    **part,
                    "avstand_km": np.nan if placeless else float(reach.distance_km[row_, column]),
                    "reisetid_min": float(reach.minutes[row_, column]) if travel and not placeless else np.nan,
                    "ferje": reach.ferry_labels[ferry] if ferry >= 0 else None,
                    "tidsvindu_utlopt": bool(need.tidsramme_til < now),
                }
            )
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    frame["ferje"] = pd.Categorical(frame["ferje"], categories=list(dict.fromkeys(reach.ferry_labels)))
    return frame


def suppress_table(
    table: pd.DataFrame, business_column: str, value_columns: list[str], threshold: int = MIN_BUSINESSES
) -> pd.DataFrame:
    """Replace ``value_columns`` and the business count by ``"<3"`` where fewer than ``threshold`` businesses.

    Per cell only: use :func:`protect` where a total of the cells is visible too.
    """
    out = table.copy()
    small = out[business_column].to_numpy() < threshold
    for column in [*value_columns, business_column]:
        out[column] = out[column].astype(object).where(~small, f"<{threshold}")
    return out


def suppress_counts(values: pd.Series, businesses: pd.Series, threshold: int = MIN_BUSINESSES) -> pd.Series:
    """Counts with cells built on fewer than ``threshold`` businesses set to NaN (shown as "<3").

    Per cell only: use :func:`protect` where a total of the cells is visible too.
    """
    businesses = businesses.reindex(values.index).fillna(0)
    return values.where(businesses.to_numpy() >= threshold, np.nan)


def protect_crosstab(
    table: pd.DataFrame,
    rows: str,
    columns: str,
    value_columns: Sequence[str],
    business_column: str = "bedrifter",
    threshold: int = MIN_BUSINESSES,
    **options,
) -> Protected:
    """:func:`protect` for a two-way table (e.g. sub-region × competence area) shown with its row totals, column
    totals and grand total: lines ``per_<rows>``, ``per_<columns>`` and ``totalt``."""
    lines = {f"per_{rows}": (rows,), f"per_{columns}": (columns,), "totalt": ()}
    return protect(table, value_columns, business_column, lines, threshold, keys=(rows, columns), **options)


def _cell_label(table: pd.DataFrame, keys: Sequence[str], row: int) -> str:
    if keys:
        return ", ".join(f"{key}={native(key_column(table, key)[row])}" for key in keys)
    return f"rad {table.index[row]!r}"


def disclosure_violations(
    protected: Protected,
    lines: Mapping[str, Sequence[str]] | None = None,
    threshold: int | None = None,
) -> list[str]:
    """Every way a viewer could see or derive a figure built on fewer than ``threshold`` businesses.

    ``lines`` are the totals the test assumes are published (default: the ones ``protected`` was built for);
    a total not in ``protected.hidden_totals`` counts as visible. Reported, in this order:

    * a visible cell, or a visible line total, with ``0 < businesses < threshold``;
    * a hidden cell that still shows a value in a value column;
    * a relation (a total and its parts) with exactly one hidden item: the item is the total minus the visible
      parts, or (when it is the total) the sum of the parts;
    * a hidden cell or total on ``0 < businesses < threshold`` that a combination of several relations
      determines (exact linear algebra), if not already reported. (A complementary cell that can be computed
      this way is not reported: it rests on enough businesses.)
    """
    lines = dict(protected.lines if lines is None else {name: tuple(k) for name, k in lines.items()})
    threshold = protected.threshold if threshold is None else threshold
    if threshold <= 0:
        return []
    table = protected.table
    n = len(table)
    if n == 0:
        return []
    keys = protected.keys
    businesses = protected.businesses
    value = np.nan_to_num(
        pd.to_numeric(table[protected.value_columns[0]], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    )
    known = {name: protected.line_businesses[name] for name in lines if name in protected.line_businesses}
    known = {name: counts for name, counts in known.items() if protected.lines.get(name) == lines[name]}
    structure = build_structure(table, lines, businesses, value, cell_rank(table, keys), known or None)
    hidden = np.zeros(structure.n_items, dtype=bool)
    hidden[:n] = table["skjult"].to_numpy(dtype=bool)
    for position, total in enumerate(structure.totals):
        hidden[n + position] = total in protected.hidden_totals

    def label(item: int) -> str:
        if item < n:
            return _cell_label(table, keys, item)
        name, key = structure.totals[item - n]
        return total_label(name, lines[name], key)

    found: list[str] = []
    small = structure.nonempty & (structure.businesses < threshold) & ~hidden
    for item in np.flatnonzero(small):
        kind = "celle" if item < n else "sum"
        found.append(
            f"{kind} {label(item)}: synlig, men bygger på {structure.businesses[item]} bedrift(er) "
            f"(færre enn {threshold})"
        )
    shown = [*protected.value_columns]
    for column in shown:
        leaks = hidden[:n] & table[column].notna().to_numpy()
        for item in np.flatnonzero(leaks):
            found.append(f"celle {label(item)}: skjult, men kolonnen «{column}» viser en verdi")
    reported: set[int] = set()
    for relation in np.flatnonzero(structure.hidden_counts(hidden) == 1):
        total = int(structure.rel_total[relation])
        parts = structure.parts(relation)
        if hidden[total]:
            found.append(f"sum {label(total)}: skjult, men er summen av synlige deler")
            reported.add(total)
        else:
            item = int(parts[hidden[parts]][0])
            found.append(f"sum {label(total)}: {label(item)} kan regnes ut som summen minus de synlige delene")
            reported.add(item)
    sensitive = structure.nonempty & (structure.businesses < threshold)
    for item in determined_items(structure, hidden, sensitive):
        if int(item) not in reported:
            found.append(f"{label(int(item))}: kan regnes ut ved å kombinere synlige summer og celler")
    return found


def linked_needs(needs: pd.DataFrame, offer_id: str) -> pd.DataFrame:
    """Needs linked to ``offer_id`` (any status)."""
    return needs[(needs["tilbud_id"].astype("string") == offer_id).fillna(False).to_numpy()]
