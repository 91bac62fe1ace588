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

import functools

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
    if confirmed.empty or confirmed["styrk"].isna().all():
        return pd.DataFrame(columns=["behov_id", "styrk"])
    pairs = confirmed[["behov_id", "styrk"]].dropna()
    pairs = pairs.assign(styrk=pairs["styrk"].astype(str).str.split()).explode("styrk").dropna()
    return pairs.drop_duplicates().reset_index(drop=True)


@functools.lru_cache(maxsize=1)
def _reference() -> tuple[pd.DataFrame, dict[str, str]]:
    """NAV's shortage indexed by STYRK code (``yrke``, ``nav_mangel``, ``nav_mangel_norge``, ``kompetanseomrade``)
    and every occupation's name (read once per process)."""
    shortage = load_shortage()
    nav = pd.DataFrame(
        {
            "yrke": shortage["yrke"].astype(object).to_numpy(),
            "nav_mangel": shortage["mangel_trondelag"].astype(float).to_numpy(),
            "nav_mangel_norge": shortage["mangel_norge"].astype(float).to_numpy(),
            "kompetanseomrade": shortage["kompetanseomrade"].astype(object).to_numpy(),
        },
        index=pd.Index(shortage["styrk08"].astype(str).tolist(), name="styrk"),
    )
    occupations = classify_corpus.load_occupations()
    names = dict(zip(occupations["kode"].astype(str).tolist(), occupations["navn"].astype(str).tolist(), strict=True))
    return nav, names


def needs_by_occupation(view, confirmed: pd.DataFrame) -> pd.DataFrame:
    """One row per occupation (see the module docstring): ``styrk``, ``yrke``, ``behov``, ``deltakere``,
    ``bedrifter`` (hidden for viewers), ``skjult``, ``nav_mangel`` (Trøndelag), ``nav_mangel_norge``,
    ``kompetanseomrade``; NAV's largest shortages first.

    ``confirmed`` has ``behov_id`` and ``styrk`` of needs whose occupation a coordinator confirmed
    (:func:`kompilot_data.records.innsending.confirmed_labels`).
    """
    nav, names = _reference()
    pairs = confirmed_pairs(confirmed)
    extra: list[str] = []
    counts = pd.DataFrame(columns=["behov", "deltakere", "bedrifter"], dtype=float)
    joined = pd.DataFrame(columns=["styrk", "bedrift_id", "behov_id"])
    if len(pairs):
        needs = view.needs
        needs = needs.loc[
            needs["behov_id"].isin(set(pairs["behov_id"])).to_numpy(), ["behov_id", "bedrift_id", "antall_deltakere"]
        ]
        joined = needs.merge(pairs.astype({"styrk": str}), on="behov_id", how="inner")
        grouped = joined.assign(_n=1.0, _p=joined["antall_deltakere"].astype(float)).groupby("styrk")
        counts = pd.DataFrame(
            {
                "behov": grouped["_n"].sum(),
                "deltakere": grouped["_p"].sum(),
                "bedrifter": grouped["bedrift_id"].nunique(),
            }
        )
        extra = sorted(set(counts.index) - set(nav.index))
    codes = [*nav.index, *extra]
    needs_per, participants_per, businesses_per = (counts[c].to_dict() for c in ("behov", "deltakere", "bedrifter"))
    table = pd.DataFrame(
        {
            "behov": [float(needs_per.get(c, 0.0)) for c in codes],
            "deltakere": [float(participants_per.get(c, 0.0)) for c in codes],
            "bedrifter": [int(businesses_per.get(c, 0)) for c in codes],
        },
        index=pd.Index(codes, name="styrk"),
    )
    if len(joined) and view.threshold:  # nothing to hide where no need has a confirmed occupation
        table, _ = view.protect(
            table, ["behov", "deltakere"], {"total": ()}, joined[["styrk", "bedrift_id", "behov_id"]]
        )
    table = pd.DataFrame(
        {
            "styrk": codes,
            "yrke": [*nav["yrke"], *(names.get(c, c) for c in extra)],
            "behov": table["behov"].to_numpy(),
            "deltakere": table["deltakere"].to_numpy(),
            "bedrifter": table["bedrifter"].to_numpy(),
            "skjult": table["skjult"].to_numpy() if "skjult" in table else False,
            "nav_mangel": [*nav["nav_mangel"], *[float("nan")] * len(extra)],
            "nav_mangel_norge": [*nav["nav_mangel_norge"], *[float("nan")] * len(extra)],
            "kompetanseomrade": [*nav["kompetanseomrade"], *[None] * len(extra)],
        }
    )
    order = table.sort_values(["nav_mangel", "behov", "styrk"], ascending=[False, False, True], na_position="last")
    return order[COLUMNS].reset_index(drop=True)


def confirmed_need_count(view, confirmed: pd.DataFrame) -> int | None:
    """Needs under the view's filters with at least one confirmed occupation (each need once); None when a viewer
    may not see it (fewer businesses than the threshold behind a non-zero count)."""
    ids = set(confirmed_pairs(confirmed)["behov_id"])
    if not ids:
        return 0
    needs = view.needs
    businesses = needs.loc[needs["behov_id"].isin(ids).to_numpy(), "bedrift_id"]
    return protect_total(len(businesses), businesses.nunique(), view.threshold)


def shortage_source(language: str = "nb") -> str:
    """NAV's survey as a source line: publisher, survey and year."""
    source = load_sources()["nav_mangel"]
    return (
        f"{source['kort_' + language] if 'kort_' + language in source else source['kort_nb']} ({source['kreditering']})"
    )
