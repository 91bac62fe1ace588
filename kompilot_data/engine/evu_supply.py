"""Where the seats come from: offers and seats by group, those in supply and those left out with the reason
(issue 20, section 1; ``python -m kompilot_data supply``).

An offer is **in supply** when it is active (``planlagt``, ``apen``, ``pagar``: the current intakes) and its
EVU class counts (``i_tilbud``: every class but ``heltid_grad``, unless the lens "ordinære studier" is on). Every
other offer is listed with the first reason that leaves it out (:data:`REASONS`, in that order). Seats are the
capacity of the intake (``plasser``); first-choice applicants per seat are context, summed as
Σ applicants / Σ seats over the offers that report applicants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import ACTIVE_OFFER_STATUSES
from kompilot_data.reference import evu

#: Why an offer is not in supply (first that applies). Codes are stable; labels are in texts/labels/evu.toml.
REASONS = ("avlyst", "avsluttet", "heltid_grad")
GROUP_KEYS = (
    "kompetanseomrade",
    "niva",
    "evu_klasse",
    "studieform",
    "laeringsform",
    "bedriftskurs",
    "kommunenummer",
    "tilbyder",
    "status",
    "demo",
)
COLUMNS = ("i_tilbud", "grunn", "tilbud", "plasser", "sokere_per_plass")


def left_out_reason(offers: pd.DataFrame, ordinaere: bool = False) -> np.ndarray:
    """Per offer: the reason code it is left out of supply, or empty text when it is in supply."""
    status = offers["status"].astype("string").fillna("").to_numpy(dtype=object)
    counts = evu.in_supply(offers["evu_klasse"], ordinaere=ordinaere)
    return np.select(
        [status == "avlyst", ~np.isin(status, ACTIVE_OFFER_STATUSES), ~counts],
        list(REASONS),
        default="",
    ).astype(object)


def supply_breakdown(offers: pd.DataFrame, by: tuple[str, ...], ordinaere: bool = False) -> pd.DataFrame:
    """Offers, seats and applicants per seat by ``by`` (keys of :data:`GROUP_KEYS`), split into in supply
    (``i_tilbud`` True, ``grunn`` empty) and left out (``grunn`` = the reason). In-supply rows come first."""
    unknown = [key for key in by if key not in GROUP_KEYS]
    if unknown or not by:
        raise ValueError(f"group by one or more of {GROUP_KEYS}, not {list(by)}")
    reason = left_out_reason(offers, ordinaere)
    seats = offers["plasser"].to_numpy(float)
    first = pd.to_numeric(offers["sokere_forstevalg"], errors="coerce").to_numpy(float)
    reported = ~np.isnan(first)
    frame = pd.DataFrame(
        {
            **{key: offers[key].astype("string").fillna("").to_numpy(dtype=object) for key in by if key != "demo"},
            **({"demo": np.where(offers["demo"].to_numpy(bool), "ja", "nei")} if "demo" in by else {}),
            "i_tilbud": reason == "",
            "grunn": reason,
            "tilbud": 1,
            "plasser": seats,
            "_sokere": np.where(reported, first, 0.0),
            "_plasser_med_sokere": np.where(reported, seats, 0.0),
        }
    )
    keys = [*by, "i_tilbud", "grunn"]
    table = frame.groupby(keys, sort=False, dropna=False)[["tilbud", "plasser", "_sokere", "_plasser_med_sokere"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(table["_plasser_med_sokere"] > 0, table["_sokere"] / table["_plasser_med_sokere"], np.nan)
    table["sokere_per_plass"] = np.round(ratio, 2)
    table = table.drop(columns=["_sokere", "_plasser_med_sokere"]).reset_index()
    table["tilbud"] = table["tilbud"].astype(int)
    table["plasser"] = table["plasser"].round().astype(int)
    order = pd.Categorical(table["grunn"], categories=["", *REASONS], ordered=True)
    table = table.assign(_order=order.codes).sort_values(["_order", *by], kind="stable").drop(columns="_order")
    return table[[*by, *COLUMNS]].reset_index(drop=True)
