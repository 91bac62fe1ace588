"""Flows: where the participants of open needs would travel, to the study place of each need's best candidate
offer (rank 1 of :func:`kompilot_data.engine.matching.rank_candidates`), aggregated and protected for an audience.

What arcs cannot show: offers without a place (online, in-company) have no end point; their participants are
counted per municipality and per kind, not as arcs. Needs with no candidate within reach are counted per
municipality only.

For viewers every figure (arcs, municipality totals, the totals per kind of best offer) comes from one table
protected with :func:`kompilot_data.engine.disclosure.protect` (cells: municipality × kind × study place × area;
published totals: per municipality, per kind and the grand total), so an arc or total built on fewer than 3
businesses is hidden, and so is anything that would give it back by subtraction. The per-municipality split by
kind is never shown to viewers. :class:`kompilot_data.view.View` computes them (``view.brokering.flows``);
:mod:`kompilot_data.present.flow_map` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data.engine import cellkey, disclosure
from kompilot_data.engine.reach import DEFAULT_REACH, ReachSetting
from kompilot_data.reference import load_municipalities

#: Kinds of a need's best candidate: at a study place (an arc), online, in-company, another offer without a
#: place, or no candidate within reach.
ARC, ONLINE, IN_COMPANY, NO_PLACE, NO_CANDIDATE = "bue", "nett", "bedrift", "uten_sted", "ingen"
KINDS = (ARC, ONLINE, IN_COMPANY, NO_PLACE, NO_CANDIDATE)
PLACELESS = (ONLINE, IN_COMPANY, NO_PLACE)
#: The area of a viewer's arc: all areas together (a viewer's arcs are municipality × study place).
ALL_AREAS = "alle"


@dataclass(frozen=True)
class FlowData:
    """What the flow map shows, for one audience; language-free (labels are added by the builders).

    ``arcs`` – the visible arcs, one row per ``kommunenummer`` × ``studiested`` × ``kompetanseomrade`` (for
    viewers, ``by_area`` False: per ``kommunenummer`` × ``studiested``, ``kompetanseomrade`` = :data:`ALL_AREAS`):
    ``deltakere``, ``behov``, ``bedrifter``, ``fra_lon``/``fra_lat`` (the municipality's centre),
    ``til_lon``/``til_lat`` (the study place), ``avstand_km`` (straight line) and ``reisetid_min`` (modelled,
    NaN in straight-line mode); sorted by participants, largest first.
    ``hidden_arcs`` – arcs left out for a viewer.
    ``demand`` – one row per municipality with open needs, indexed by ``kommunenummer``: ``deltakere`` (NaN when
    hidden), ``skjult``, ``merke`` ("<3" when it rests on too few businesses, ":" when hidden as a complement),
    ``lon``/``lat``, and per kind of best offer (:data:`KINDS`) the participants
    (coordinators only; NaN for viewers).
    ``kinds`` – participants per kind over the selection (NaN when hidden); ``total`` – all participants in
    open needs (NaN when hidden).
    """

    arcs: pd.DataFrame
    hidden_arcs: int
    demand: pd.DataFrame
    kinds: dict[str, float]
    total: float
    reach: ReachSetting = DEFAULT_REACH
    threshold: int = 0
    places: tuple[str, ...] | None = None
    by_area: bool = True

    @property
    def empty(self) -> bool:
        return self.demand.empty

    @property
    def viewer(self) -> bool:
        return self.threshold > 0


def municipality_centres() -> pd.DataFrame:
    """``lon``/``lat`` per kommunenummer: the administrative centre (``senter_*``), else the point in the polygon."""
    municipalities = load_municipalities()
    lat = municipalities["punkt_lat"].astype(float)
    lon = municipalities["punkt_lon"].astype(float)
    if "senter_lat" in municipalities and "senter_lon" in municipalities:
        centre_lat = pd.to_numeric(municipalities["senter_lat"], errors="coerce")
        centre_lon = pd.to_numeric(municipalities["senter_lon"], errors="coerce")
        known = centre_lat.notna() & centre_lon.notna()
        lat, lon = centre_lat.where(known, lat), centre_lon.where(known, lon)
    return pd.DataFrame({"lon": lon, "lat": lat, "navn": municipalities["navn"].astype(str)})


def need_flows(best: pd.DataFrame, needs: pd.DataFrame, offers: pd.DataFrame) -> pd.DataFrame:
    """One row per open need: where its best candidate is.

    ``best`` holds candidates (``behov_id``, ``tilbud_id``, optional ``rang``, ``avstand_km``, ``reisetid_min``);
    only rank 1 is used. ``needs`` are the open needs; ``offers`` at least ``tilbud_id``, ``studiested``, ``lat``,
    ``lon``, ``laeringsform``. Returns ``kommunenummer``, ``kompetanseomrade``, ``deltakere``, ``bedrift_id``,
    ``type`` (one of :data:`KINDS`), ``studiested``, ``til_lat``/``til_lon``, ``avstand_km``, ``reisetid_min``.
    """
    if "rang" in best:
        best = best[best["rang"] == 1]
    columns = ["behov_id", "tilbud_id", "avstand_km", "reisetid_min"]
    best = best.reindex(columns=columns)
    if best["behov_id"].duplicated().any():
        raise ValueError("need_flows: more than one best candidate for a need")
    frame = pd.DataFrame(
        {
            "behov_id": needs["behov_id"].astype(str).to_numpy(),
            "kommunenummer": needs["kommunenummer"].astype(str).to_numpy(),
            "kompetanseomrade": needs["kompetanseomrade"].astype(str).to_numpy(),
            "deltakere": pd.to_numeric(needs["antall_deltakere"]).astype(float).to_numpy(),
            "bedrift_id": needs["bedrift_id"].astype(str).to_numpy(),
        }
    )
    best = best.assign(behov_id=best["behov_id"].astype(str), tilbud_id=best["tilbud_id"].astype(str))
    frame = frame.merge(best, on="behov_id", how="left")
    places = pd.DataFrame(
        {
            "tilbud_id": offers["tilbud_id"].astype(str).to_numpy(),
            "studiested": offers["studiested"].astype("string").fillna("").to_numpy(dtype=object),
            "til_lat": pd.to_numeric(offers["lat"]).astype(float).to_numpy(),
            "til_lon": pd.to_numeric(offers["lon"]).astype(float).to_numpy(),
            "laeringsform": offers["laeringsform"].astype("string").fillna("").to_numpy(dtype=object),
            "tilbud_kommune": offers["kommunenummer"].astype("string").fillna("").to_numpy(dtype=object),
        }
    ).drop_duplicates("tilbud_id")
    # a located offer without a place name is named after its municipality
    unnamed = (places["studiested"] == "") & places["til_lat"].notna()
    places.loc[unnamed, "studiested"] = places.loc[unnamed, "tilbud_kommune"].map(municipality_centres()["navn"])
    frame = frame.merge(places, on="tilbud_id", how="left")
    matched = frame["tilbud_id"].notna().to_numpy()
    located = matched & frame["til_lat"].notna().to_numpy() & frame["til_lon"].notna().to_numpy()
    mode = frame["laeringsform"].fillna("").to_numpy(dtype=object)
    kind = np.where(
        ~matched,
        NO_CANDIDATE,
        np.where(
            located,
            ARC,
            np.where(mode == "nettbasert", ONLINE, np.where(mode == "bedriftsintern", IN_COMPANY, NO_PLACE)),
        ),
    )
    frame["type"] = kind
    frame.loc[~located, ["studiested"]] = ""
    frame["studiested"] = frame["studiested"].fillna("")
    frame["kompetanseomrade_bue"] = np.where(located, frame["kompetanseomrade"], "")
    return frame.drop(columns=["laeringsform", "tilbud_kommune"])


def flows_from(
    flows: pd.DataFrame,
    threshold: int = 0,
    reach: ReachSetting = DEFAULT_REACH,
    places: tuple[str, ...] | None = None,
    by_area: bool | None = None,
    record_keys: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[FlowData, disclosure.Protected]:
    """Aggregate :func:`need_flows` into arcs, columns and totals, protected for ``threshold`` (0 = coordinator).

    The protected table has one cell per municipality × kind × study place × area (study place and area only
    for arcs; the area only when ``by_area``, which defaults to coordinators only); published totals are the
    columns (``per_kommune``), the totals per kind (``per_type``) and the grand total (``total``). The cells of
    kinds other than arcs are never shown; treating them as published only makes the protection stricter.
    """
    by_area = threshold <= 0 if by_area is None else by_area
    if not by_area:
        flows = flows.assign(kompetanseomrade_bue=np.where(flows["type"] == ARC, ALL_AREAS, ""))
    keys = ["kommunenummer", "type", "studiested", "kompetanseomrade_bue"]
    cells = (
        flows.groupby(keys, sort=True)
        .agg(deltakere=("deltakere", "sum"), behov=("behov_id", "size"), bedrifter=("bedrift_id", "nunique"))
        .reset_index()
    )
    cells["behov"] = cells["behov"].astype(float)
    # protect() hides the smallest visible part as a complement; the cells that are never shown (kinds other
    # than arcs) get size 0 there, so they are taken first and an arc is hidden only when nothing else will do.
    cells.insert(len(keys), "komplement", np.where(cells["type"] == ARC, cells["deltakere"], 0.0))
    lines = {"per_kommune": ("kommunenummer",), "per_type": ("type",), "total": ()}
    line_businesses = {
        "per_kommune": flows.groupby("kommunenummer")["bedrift_id"].nunique(),
        "per_type": flows.groupby("type")["bedrift_id"].nunique(),
        "total": int(flows["bedrift_id"].nunique()),
    }
    protected = disclosure.protect(
        cells,
        ["komplement", "deltakere", "behov"],
        "bedrifter",
        lines,
        threshold,
        keys=keys,
        line_businesses=line_businesses,
    )
    table = protected.table

    centres = municipality_centres()
    arcs = table[(table["type"] == ARC)]
    hidden_arcs = int(arcs["skjult"].sum())
    arcs = arcs[~arcs["skjult"]].rename(columns={"kompetanseomrade_bue": "kompetanseomrade"})
    located = flows[flows["type"] == ARC]
    place_points = located.groupby("studiested")[["til_lon", "til_lat"]].first()
    pair_cost = located.groupby(["kommunenummer", "studiested"])[["avstand_km", "reisetid_min"]].median()
    arcs = arcs.join(place_points, on="studiested").join(pair_cost, on=["kommunenummer", "studiested"])
    arcs = arcs.assign(
        fra_lon=arcs["kommunenummer"].map(centres["lon"]),
        fra_lat=arcs["kommunenummer"].map(centres["lat"]),
    )
    arcs = arcs.sort_values(["deltakere", "kommunenummer", "studiested"], ascending=[False, True, True])
    arc_columns = [
        "kommunenummer",
        "studiested",
        "kompetanseomrade",
        "deltakere",
        "behov",
        "bedrifter",
        "fra_lon",
        "fra_lat",
        "til_lon",
        "til_lat",
        "avstand_km",
        "reisetid_min",
    ]
    arcs = arcs[arc_columns].reset_index(drop=True)

    per_kommune = flows.groupby("kommunenummer")["deltakere"].sum().to_frame("deltakere")
    per_kommune = protected.mask_totals("per_kommune", per_kommune.reset_index(), ["deltakere"])
    demand = per_kommune.set_index("kommunenummer")
    small = protected.line_businesses.get("per_kommune", {})
    demand["merke"] = [
        disclosure.total_marker(small.get((code,)), threshold) if hidden else ""
        for code, hidden in zip(demand.index, demand["skjult"], strict=True)
    ]
    demand = demand.join(centres[["lon", "lat"]])
    split = flows.pivot_table(index="kommunenummer", columns="type", values="deltakere", aggfunc="sum", fill_value=0.0)
    split = split.reindex(index=demand.index, columns=list(KINDS), fill_value=0.0).astype(float)
    if threshold:
        split[:] = np.nan
    demand = demand.join(split)

    per_type = flows.groupby("type")["deltakere"].sum().reindex(list(KINDS), fill_value=0.0)
    kinds = {}
    for kind, value in per_type.items():
        present = (flows["type"] == kind).any()
        kinds[kind] = float("nan") if present and protected.total_hidden("per_type", (kind,)) else float(value)
    total = float("nan") if protected.total_hidden("total", ()) else float(flows["deltakere"].sum())
    if threshold > 0 and len(flows):
        arcs, demand, kinds, total = _perturbed(flows, arcs, demand, kinds, total, by_area, record_keys)
    data = FlowData(arcs, hidden_arcs, demand, kinds, total, reach, threshold, places, by_area)
    return data, protected


def _perturbed(flows, arcs, demand, kinds, total, by_area, record_keys):
    """The viewer's arcs, municipality columns, totals per kind and grand total, perturbed (cell key method)."""
    if record_keys is None:
        record_keys = (cellkey.record_keys(flows["behov_id"], "behov"), cellkey.businesses_of(flows["bedrift_id"]))
    need_keys, (codes, key_of_code) = record_keys
    rows = flows.assign(kompetanseomrade=flows["kompetanseomrade_bue"] if by_area else ALL_AREAS)
    if len(arcs):
        by = ["kommunenummer", "studiested", "kompetanseomrade"]
        arc_rows = rows["type"].to_numpy() == ARC
        counts = arcs.set_index(by)[["deltakere", "behov", "bedrifter"]]
        shown = cellkey.perturb_groups(counts, rows[arc_rows], by, need_keys[arc_rows], (codes[arc_rows], key_of_code))
        arcs = arcs.assign(**{c: shown[c].to_numpy() for c in shown.columns})
        arcs = arcs.sort_values(["deltakere", "kommunenummer", "studiested"], ascending=[False, True, True])
        arcs = arcs.reset_index(drop=True)
    if len(demand):
        shown = cellkey.perturb_groups(demand[["deltakere"]], rows, ["kommunenummer"], need_keys, (codes, key_of_code))
        demand = demand.assign(deltakere=shown["deltakere"].to_numpy())
    per_kind = pd.DataFrame({"deltakere": pd.Series(kinds, dtype=float)}).rename_axis("type")
    shown = cellkey.perturb_groups(per_kind, rows, ["type"], need_keys, (codes, key_of_code))["deltakere"]
    kinds = {kind: float(shown[kind]) for kind in kinds}
    total = float(cellkey.perturb(np.array([total]), np.array([cellkey.cell_key(need_keys)]))[0])
    return arcs, demand, kinds, total
