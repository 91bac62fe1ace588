"""The one set of numbers of a selection (issue 20): every figure a surface shows about demand, supply and unmet
demand - the key figures of Oversikt, the map indicator, the region profile, the presentation steps, the briefing's
slides and the ``gap`` command - comes from :meth:`kompilot_data.view.core.View.numbers`, which builds a
:class:`Numbers` once per View. Surfaces format it; they never sum records themselves.

Definitions (also on the About page):

* **Open demand** (default everywhere): participants in open needs - ``kartlagt``, and ``koblet`` whose course
  has not ended. **History** (``historikk_*``: every need since 2021, any status) is its own, labelled figure and
  is never added to open demand.
* **Apportioned supply** (``tilbud_fordelt``): the seats of offers in supply shared among all demand within reach
  (2SFCA, with the municipalities' background demand), the selection's share.
* **Unmet demand** (``udekket``) = Σ max(0, demand − apportioned supply) over municipality × competence area ×
  level; **surplus** (``overskudd``) its mirror. Sums over a region never net one place's surplus against
  another's shortfall.
* **Offers and seats within reach** (``tilbud_innen_rekkevidde``, ``plasser_innen_rekkevidde``): offers in supply
  that some selected municipality reaches and their seats before sharing (shared with every other place that
  reaches them and with background demand).

Viewer protection: every value comes from the View's protected tables (``demand_supply``, ``municipality_table``,
``total``), so hidden cells stay hidden and every surface shows the same (possibly perturbed) value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data.reference import load_municipalities

#: How many shortfalls the first screen names in words.
TOP_SHORTFALLS = 3
#: The scalar figures of a selection (:meth:`Numbers.key_figures`); the last six also exist per area.
KEY_FIGURES = (
    "apne_behov",
    "deltakere",
    "bedrifter",
    "historikk_behov",
    "historikk_deltakere",
    "ettersporsel",
    "tilbud_fordelt",
    "udekket",
    "overskudd",
    "tilbud_innen_rekkevidde",
    "plasser_innen_rekkevidde",
)
AREA_COLUMNS = KEY_FIGURES[5:]


@dataclass(frozen=True)
class Numbers:
    """Every figure of one selection. NaN = hidden for this audience.

    Attributes
    ----------
    apne_behov, deltakere, bedrifter : float
        Open needs, their participants (= ``ettersporsel``) and the businesses behind them.
    historikk_behov, historikk_deltakere : float
        Every need since 2021 in the selection, any status (history; labelled as such wherever shown).
    ettersporsel, tilbud_fordelt, udekket, overskudd : float
        Open demand, apportioned supply, unmet demand and surplus of the selection (sums over its places).
    tilbud_innen_rekkevidde, plasser_innen_rekkevidde : float
        Offers in supply within reach of the selected places, and their seats before sharing.
    per_omrade : pandas.DataFrame
        Per competence area: :data:`AREA_COLUMNS` and ``skjult``.
    per_kommune : pandas.DataFrame
        Per municipality (the map indicator): ``navn``, ``delregion``, ``sentralitetsklasse``, ``ettersporsel``,
        ``tilbud_fordelt``, ``udekket``, ``overskudd``, ``udekket_andel``, ``skjult``; selected places only.
    storste_mangler : pandas.DataFrame
        The :data:`TOP_SHORTFALLS` largest unmet demands by place (sub-region, or municipality when one is
        selected) × area: ``sted``, ``kompetanseomrade``, ``udekket``, ``ettersporsel``, ``tilbud_fordelt``.
    demo : bool
        Whether any figure rests on demo needs.
    bakgrunn : bool
        Whether background demand competed for the seats ("bare registrerte behov" when False).
    """

    apne_behov: float
    deltakere: float
    bedrifter: float
    historikk_behov: float
    historikk_deltakere: float
    ettersporsel: float
    tilbud_fordelt: float
    udekket: float
    overskudd: float
    tilbud_innen_rekkevidde: float
    plasser_innen_rekkevidde: float
    per_omrade: pd.DataFrame
    per_kommune: pd.DataFrame
    storste_mangler: pd.DataFrame
    demo: bool
    bakgrunn: bool

    def key_figures(self) -> dict[str, float]:
        """The scalar figures by name (what the consistency test compares across surfaces)."""
        return {name: getattr(self, name) for name in KEY_FIGURES}


def _sum(table: pd.DataFrame, column: str) -> float:
    """Total of a protected one-row table's column (NaN if hidden, 0 if empty)."""
    if not len(table):
        return 0.0
    if table["skjult"].any():
        return float("nan")
    return float(table[column].sum())


def build_numbers(view) -> Numbers:
    """The :class:`Numbers` of ``view`` (a :class:`~kompilot_data.view.core.View`); call ``view.numbers()``."""
    result = view.catchment
    totals = view.demand_supply(("fylke",))
    per_area = view.demand_supply(("fylke", "kompetanseomrade"))
    if len(per_area):
        per_area = per_area.droplevel(0)
    else:
        per_area = pd.DataFrame(
            {c: pd.Series(dtype=float) for c in ("ettersporsel", "tilbud_fordelt", "udekket", "overskudd")}
            | {"skjult": pd.Series(dtype=bool)},
            index=pd.Index([], dtype=object, name="kompetanseomrade"),
        )

    # Offers in supply within reach of a selected municipality, and their seats before sharing, per area.
    in_reach = view.offers_in_reach
    seats_col = "plasser" if "plasser" in in_reach else "kapasitet"
    reach_by_area = in_reach.groupby(in_reach["kompetanseomrade"].astype(str)).agg(
        tilbud_innen_rekkevidde=("tilbud_id", "size"), plasser_innen_rekkevidde=(seats_col, "sum")
    )
    areas = pd.Index(sorted(set(per_area.index.astype(str)) | set(reach_by_area.index)), name="kompetanseomrade")
    table = pd.DataFrame(index=areas)
    for column in ("ettersporsel", "tilbud_fordelt", "udekket", "overskudd"):
        values = per_area[column] if len(per_area) else pd.Series(dtype=float)
        values.index = values.index.astype(str)
        table[column] = values.reindex(areas).fillna(0.0)
    hidden = per_area["skjult"] if len(per_area) else pd.Series(dtype=bool)
    hidden.index = hidden.index.astype(str)
    table["skjult"] = hidden.reindex(areas).fillna(False).astype(bool)
    for mark in ("primaer", "sekundaer"):  # why a hidden cell is hidden ("<3" or ":"), as the View said
        if mark in per_area:
            values = per_area[mark].copy()
            values.index = values.index.astype(str)
            table[mark] = values.reindex(areas).fillna(False).astype(bool)
    table.loc[table["skjult"], ["ettersporsel", "tilbud_fordelt", "udekket", "overskudd"]] = np.nan
    for column in ("tilbud_innen_rekkevidde", "plasser_innen_rekkevidde"):
        table[column] = reach_by_area[column].reindex(areas).fillna(0).astype(float)

    municipalities = view.municipality_table
    columns = [
        "navn",
        "delregion",
        "sentralitetsklasse",
        "ettersporsel",
        "tilbud_fordelt",
        "udekket",
        "overskudd",
        "udekket_andel",
        "skjult",
    ]
    per_municipality = municipalities[columns]
    if view.places is not None:
        per_municipality = per_municipality[per_municipality.index.isin(view.places)]

    history = view.needs
    numbers = Numbers(
        apne_behov=view.total("apne_behov"),
        deltakere=_sum(totals, "ettersporsel"),
        bedrifter=_open_businesses(view),
        historikk_behov=view.total("behov"),
        historikk_deltakere=view.total("deltakere"),
        ettersporsel=_sum(totals, "ettersporsel"),
        tilbud_fordelt=_sum(totals, "tilbud_fordelt"),
        udekket=_sum(totals, "udekket"),
        overskudd=_sum(totals, "overskudd"),
        tilbud_innen_rekkevidde=float(len(in_reach)),
        plasser_innen_rekkevidde=float(pd.to_numeric(in_reach[seats_col], errors="coerce").fillna(0).sum()),
        per_omrade=table,
        per_kommune=per_municipality,
        storste_mangler=_shortfalls(view),
        demo=bool(len(history) and history["demo"].any()) or bool(len(result.needs) and result.needs["demo"].any()),
        bakgrunn=view.background_demand,
    )
    return numbers


def _open_businesses(view) -> float:
    """Businesses with open needs in the selection (NaN when too few for this audience)."""
    from kompilot_data.engine import disclosure
    from kompilot_data.view.protection import perturb_total

    count = view.open_needs["bedrift_id"].nunique()
    if disclosure.protect_total(count, count, view.threshold) is None:
        return float("nan")
    if view.threshold:  # a viewer's total is a cell of its own (cell key method)
        return perturb_total(float(count), view.open_needs, view.all_needs, "bedrifter")
    return float(count)


def _shortfalls(view) -> pd.DataFrame:
    """The largest unmet demands by place × area (visible cells only)."""
    single = view.places is not None and len(view.places) == 1
    place = "kommunenummer" if single else "delregion"
    cells = view.demand_supply((place, "kompetanseomrade"))
    columns = ["sted", "kompetanseomrade", "udekket", "ettersporsel", "tilbud_fordelt"]
    if not len(cells):
        return pd.DataFrame(columns=columns)
    cells = cells[~cells["skjult"] & (cells["udekket"] >= 0.5)].reset_index()
    cells = cells.sort_values(["udekket", place, "kompetanseomrade"], ascending=[False, True, True], kind="stable")
    names = load_municipalities()["navn"]
    cells["sted"] = cells[place].astype(str).map(names) if single else cells[place].astype(str)
    cells["kompetanseomrade"] = cells["kompetanseomrade"].astype(str)
    return cells.head(TOP_SHORTFALLS)[columns].reset_index(drop=True)
