"""Needs by occupation (STYRK-08) beside NAV's employer-survey shortage for the same occupations (issue 27).

**Definition.** For each STYRK-08 occupation: the open and closed needs under the view's filters whose coordinator
confirmed that occupation (a need confirmed with several occupations counts under each), their participants, and
NAV's estimated shortage of workers in that occupation in Trøndelag (Bedriftsundersøkelsen 2017, persons, rounded
to 25 by NAV; county level, the survey's smallest published region). Occupations listed by NAV are always shown;
occupations confirmed for needs but not in NAV's list show no NAV figure. Only needs with a confirmed occupation
count: a need's occupation comes from a coordinator's confirmation (the review queue), never from an unconfirmed
suggestion. For viewers, cells resting on fewer businesses than the threshold are hidden like every other count.
"""

from __future__ import annotations

import pandas as pd

from kompilot_data.engine.disclosure import protect_total
from kompilot_data.reference import classify_corpus
from kompilot_data.reference.tables import load_shortage, load_sources

COLUMNS = [
    "styrk",
    "yrke",
    "behov",
    "deltakere",
    "bedrifter",
    "skjult",
    "nav_mangel",
    "nav_mangel_norge",
    "kompetanseomrade",
]


def confirmed_pairs(confirmed: pd.DataFrame) -> pd.DataFrame:
    """``behov_id``/``styrk`` (space-separated codes) as one row per need and occupation."""
    if confirmed.empty:
        return pd.DataFrame(columns=["behov_id", "styrk"])
    pairs = confirmed[["behov_id", "styrk"]].dropna()
    pairs = pairs.assign(styrk=pairs["styrk"].astype(str).str.split()).explode("styrk").dropna()
    return pairs.drop_duplicates().reset_index(drop=True)


def needs_by_occupation(view, confirmed: pd.DataFrame) -> pd.DataFrame:
    """One row per occupation (see the module docstring): ``styrk``, ``yrke``, ``behov``, ``deltakere``,
    ``bedrifter`` (hidden for viewers), ``skjult``, ``nav_mangel`` (Trøndelag), ``nav_mangel_norge``,
    ``kompetanseomrade``; NAV's largest shortages first.

    ``confirmed`` has ``behov_id`` and ``styrk`` of needs whose occupation a coordinator confirmed
    (:func:`kompilot_data.records.innsending.confirmed_labels`).
    """
    needs = view.needs[["behov_id", "bedrift_id", "antall_deltakere"]]
    joined = needs.merge(confirmed_pairs(confirmed), on="behov_id", how="inner")
    shortage = load_shortage().rename(columns={"styrk08": "styrk", "mangel_trondelag": "nav_mangel"})
    names = dict(zip(*classify_corpus.load_occupations()[["kode", "navn"]].astype(str).T.to_numpy(), strict=True))
    codes = list(dict.fromkeys([*shortage["styrk"].astype(str), *sorted(joined["styrk"].astype(str))]))
    keys = joined[["styrk", "bedrift_id"]].astype({"styrk": str})
    grouped = joined.assign(_n=1.0, _p=joined["antall_deltakere"].astype(float)).groupby("styrk")
    table = pd.DataFrame(
        {
            "behov": grouped["_n"].sum(),
            "deltakere": grouped["_p"].sum(),
            "bedrifter": grouped["bedrift_id"].nunique(),
        }
    ).reindex(pd.Index(codes, name="styrk"))
    table = table.fillna({"behov": 0.0, "deltakere": 0.0, "bedrifter": 0}).astype({"bedrifter": int})
    table, _ = view.protect(table, ["behov", "deltakere"], {"total": ()}, keys)
    table = table.reset_index()
    nav = shortage.set_index(shortage["styrk"].astype(str))
    table["yrke"] = [nav["yrke"].get(c) if c in nav.index else names.get(c, c) for c in table["styrk"]]
    table["nav_mangel"] = table["styrk"].map(nav["nav_mangel"]).astype(float)
    table["nav_mangel_norge"] = table["styrk"].map(nav["mangel_norge"]).astype(float)
    table["kompetanseomrade"] = table["styrk"].map(nav["kompetanseomrade"])
    if "skjult" not in table:
        table["skjult"] = False
    order = table.sort_values(["nav_mangel", "behov", "styrk"], ascending=[False, False, True], na_position="last")
    return order[COLUMNS].reset_index(drop=True)


def confirmed_need_count(view, confirmed: pd.DataFrame) -> int | None:
    """Needs under the view's filters with at least one confirmed occupation (each need once); None when a viewer
    may not see it (fewer businesses than the threshold behind a non-zero count)."""
    needs = view.needs[["behov_id", "bedrift_id"]]
    joined = needs[needs["behov_id"].isin(set(confirmed_pairs(confirmed)["behov_id"]))]
    return protect_total(len(joined), joined["bedrift_id"].nunique(), view.threshold)


def shortage_source(language: str = "nb") -> str:
    """NAV's survey as a source line: publisher, survey and year."""
    source = load_sources()["nav_mangel"]
    return (
        f"{source['kort_' + language] if 'kort_' + language in source else source['kort_nb']} ({source['kreditering']})"
    )
