"""What counts as supply: the EVU class of an offer, its study mode, seats and reach (issue 20, section 1).

**The column contract.** Every typed offers frame the package loads (:func:`kompilot_data.records.schema.to_typed`
for ``offers``, and so every loader and the database reader) carries these columns, added by
:func:`supply_columns`:

``evu_klasse``
    One of :data:`EVU_KLASSER` (categorical over the ``evu_klasse`` code list). The real HK-dir offers get it at
    build time (:func:`classify_catalogue`, one documented rule per class in ``SOURCES.md``); an imported offer may
    give it, else :func:`default_class` derives it from level and mode. A coordinator's correction
    (:mod:`kompilot_data.records.evu_klasse`) wins over both and survives a re-import.
``evu_klasse_korrigert``
    True where a coordinator's correction set the class.
``studieform``
    Normalised study mode, one of :data:`STUDIEFORMER`. An offer whose source says nothing is ``ukjent`` (never
    ``stedlig``). Given in the import, else the offer's ``laeringsform``.
``plasser``
    The capacity of the intake in the period (= ``kapasitet``). Nothing is subtracted: the former
    "capacity − first-choice applicants" rule is gone.
``sokere_per_plass``
    First-choice applicants per seat, shown beside the seats as context; never subtracted.
``i_tilbud``
    True when the offer counts as supply under the default lens: every class except ``heltid_grad``
    (:data:`ORDINARY_CLASS`). The lens "ordinære studier" (:func:`in_supply` with ``ordinaere=True``) adds it.
``rekkevidde_min``
    The reach threshold in minutes for the offer's study mode (:data:`REKKEVIDDE_MIN`, one place): weekly campus
    teaching 90, session-based 180, unknown 90; NaN for online and in-company offers (no travel: online is a
    county-wide pool, an in-company course is held where the business is).
``bedrift_id``
    For an in-company course (``studieform = bedriftsintern``) held for one business: that business's id (or the
    ids of a group of businesses that share the course, separated by ``;``, see :func:`owners`). The course
    counts for those businesses' needs only.
``bedriftskurs``
    ``egen`` (an in-company course owned by ``bedrift_id``), ``mobil`` (a provider's course that can be held in any
    company: one pool per competence area × level with its real seats, never unlimited) or empty (not in-company).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kompilot_data.reference import taxonomy

EVU_KLASSER = (
    "evu",
    "fagskole_deltid",
    "fagskole_heltid",
    "deltid_desentralisert",
    "heltid_grad",
    "kurs",
    "fagbrev",
)
ORDINARY_CLASS = "heltid_grad"
"""Ordinary full-time degree programmes: context, not supply, unless the lens "ordinære studier" is on."""
STUDIEFORMER = ("stedlig", "samlingsbasert", "nettbasert", "bedriftsintern", "ukjent")
UNKNOWN_MODE = "ukjent"

#: Reach threshold (minutes of travel by road and ferry) by study mode: the one place these settings live.
#: Weekly campus teaching: 90 min, the threshold SSB's centrality index uses for a daily trip. Session-based
#: (samlingsbasert): 180 min, since a participant travels a few times a term, not every week. Unknown mode: as
#: weekly teaching (the cautious choice). None: no travel (online = one county-wide pool; in-company = at the
#: business).
REKKEVIDDE_MIN: dict[str, float | None] = {
    "stedlig": 90.0,
    "samlingsbasert": 180.0,
    "ukjent": 90.0,
    "nettbasert": None,
    "bedriftsintern": None,
}
BASE_REACH_MIN = REKKEVIDDE_MIN["stedlig"]
"""The reach the thresholds are stated for; a reach chosen in the app scales them (:func:`reach_limits`)."""

OWN_COMPANY = "egen"
MOBILE = "mobil"

SUPPLY_COLUMNS = (
    "evu_klasse",
    "evu_klasse_korrigert",
    "studieform",
    "plasser",
    "sokere_per_plass",
    "i_tilbud",
    "rekkevidde_min",
    "bedrift_id",
    "bedriftskurs",
)

# --- build-time rules for the HK-dir catalogue (each one documented in SOURCES.md) -------------------------

PART_TIME_WORDS = ("deltid", "samlingsbasert", "nettbasert", "arbeidsplassbasert", "desentralisert")
"""Words in a programme's name or HK-dir study form that mark a part-time, session-based or online offer."""
EVU_WORDS = ("erfaringsbasert", "videreutdanning", "etter- og videreutdanning")
"""Words in a university programme's name that mark further education for people in work."""
PART_TIME_FAGSKOLE_FIELDS = ("Helsefag", "Pedagogiske fag")
"""HK-dir fields (prefix) of fagskole programmes for people in work: health, care and childhood programmes
admit skilled workers (helsefagarbeider, barne- og ungdomsarbeider) and are taught part-time with sessions.
A kompilot assumption (the HK-dir file has no study-mode field); coordinators correct single offers."""

#: Rule id -> (class, description) for the catalogue, in the order they are tried.
CATALOGUE_RULES = {
    "uh_evu": ("evu", "UH: navnet sier erfaringsbasert eller videreutdanning"),
    "uh_deltid": ("deltid_desentralisert", "UH: navnet eller studieformen sier deltid, samlingsbasert, nett"),
    "uh_heltid": ("heltid_grad", "UH: ordinært studium i Samordna opptak (ingenting i navnet sier deltid)"),
    "fs_deltid_navn": ("fagskole_deltid", "Fagskole: navnet eller studieformen sier deltid, samling eller nett"),
    "fs_deltid_fag": ("fagskole_deltid", "Fagskole: helse-, omsorgs- og oppvekstfag for fagarbeidere i jobb"),
    "fs_heltid": ("fagskole_heltid", "Fagskole: kilden oppgir ikke studieform; regnes som heltid"),
}


def _says(text: pd.Series, words: tuple[str, ...]) -> pd.Series:
    lowered = text.fillna("").astype(str).str.lower()
    hit = pd.Series(False, index=text.index)
    for word in words:
        hit |= lowered.str.contains(word, regex=False)
    return hit


def catalogue_mode(tittel: pd.Series, studieform_kilde: pd.Series) -> np.ndarray:
    """Normalised study mode of HK-dir rows: ``nettbasert``; ``samlingsbasert`` (deltid, samlingsbasert,
    arbeidsplassbasert); else ``ukjent`` - the file has no study-mode field, so silence is not campus."""
    text = studieform_kilde.fillna("").astype(str) + " " + tittel.fillna("").astype(str)
    return np.select(
        [_says(text, ("nettbasert",)), _says(text, ("deltid", "samlingsbasert", "arbeidsplassbasert"))],
        ["nettbasert", "samlingsbasert"],
        default=UNKNOWN_MODE,
    )


def classify_catalogue(frame: pd.DataFrame) -> pd.DataFrame:
    """EVU class and rule id of each HK-dir row (``kilde_fil``, ``tittel``, ``studieform_kilde``,
    ``fagomrade_kilde``). Returns ``evu_klasse`` and ``evu_regel`` (a key of :data:`CATALOGUE_RULES`)."""
    text = frame["studieform_kilde"].fillna("").astype(str) + " " + frame["tittel"].fillna("").astype(str)
    uh = frame["kilde_fil"].eq("uh")
    part_time = _says(text, PART_TIME_WORDS)
    evu = _says(frame["tittel"], EVU_WORDS)
    care_field = frame["fagomrade_kilde"].fillna("").astype(str).str.startswith(PART_TIME_FAGSKOLE_FIELDS)
    rule = np.select(
        [uh & evu, uh & part_time, uh, part_time, care_field],
        ["uh_evu", "uh_deltid", "uh_heltid", "fs_deltid_navn", "fs_deltid_fag"],
        default="fs_heltid",
    )
    klasse = np.array([CATALOGUE_RULES[r][0] for r in rule], dtype=object)
    return pd.DataFrame({"evu_klasse": klasse, "evu_regel": rule}, index=frame.index)


# --- the contract columns for any offers frame -------------------------------------------------------------


def default_class(niva: pd.Series, studieform: pd.Series) -> np.ndarray:
    """The class of an offer that does not give one (demo and coordinators' offers).

    ``kurs`` and ``fagbrev`` levels are their own classes; a fagskole offer is part-time unless it is weekly campus
    teaching; higher education registered by the pilot is further education for people in work (``evu``).
    """
    level = niva.astype("string").fillna("").to_numpy(dtype=object)
    mode = studieform.astype("string").fillna(UNKNOWN_MODE).to_numpy(dtype=object)
    return np.select(
        [level == "kurs", level == "fagbrev", (level == "fagskole") & (mode == "stedlig"), level == "fagskole"],
        ["kurs", "fagbrev", "fagskole_heltid", "fagskole_deltid"],
        default="evu",
    ).astype(object)


def in_supply(evu_klasse: pd.Series, ordinaere: bool = False) -> np.ndarray:
    """Does each offer count as supply? Every class except ``heltid_grad``; all classes with ``ordinaere``."""
    values = evu_klasse.astype("string").fillna("").to_numpy(dtype=object)
    known = np.isin(values, EVU_KLASSER)
    return known if ordinaere else known & (values != ORDINARY_CLASS)


def reach_minutes(studieform: pd.Series) -> np.ndarray:
    """:data:`REKKEVIDDE_MIN` per offer (NaN: no travel)."""
    limits = {k: (np.nan if v is None else v) for k, v in REKKEVIDDE_MIN.items()}
    values = studieform.astype("string").fillna(UNKNOWN_MODE)
    values = values.where(values.isin(list(limits)), UNKNOWN_MODE)
    return values.map(limits).astype(float).to_numpy(float)


def reach_limits(offers: pd.DataFrame, chosen_limit: float = BASE_REACH_MIN) -> np.ndarray:
    """Per offer, the travel limit in minutes for a chosen reach: ``rekkevidde_min`` scaled by
    ``chosen_limit / 90`` (so at the default 90 min: campus 90, session-based 180). NaN = no travel."""
    minutes = (
        offers["rekkevidde_min"].to_numpy(float) if "rekkevidde_min" in offers else reach_minutes(offers["studieform"])
    )
    return minutes * (float(chosen_limit) / BASE_REACH_MIN)


def supply_columns(offers: pd.DataFrame) -> pd.DataFrame:
    """``offers`` (typed) with the contract columns of the module docstring added or completed."""
    out = offers.copy(deep=False)
    n = len(out)
    given_mode = _text(out, "studieform")
    mode = np.where(given_mode != "", given_mode, _text(out, "laeringsform"))
    mode = np.where(np.isin(mode, STUDIEFORMER), mode, UNKNOWN_MODE)
    out["studieform"] = pd.Categorical(mode, dtype=taxonomy.categorical("studieform"))
    given_class = _text(out, "evu_klasse")
    derived = default_class(out["niva"] if "niva" in out else pd.Series([""] * n), out["studieform"])
    klasse = np.where(np.isin(given_class, EVU_KLASSER), given_class, derived)
    out["evu_klasse"] = pd.Categorical(klasse, dtype=taxonomy.categorical("evu_klasse"))
    if "evu_klasse_korrigert" not in out:
        out["evu_klasse_korrigert"] = np.zeros(n, dtype=bool)
    capacity = out["kapasitet"] if "kapasitet" in out else pd.Series(np.nan, index=out.index)
    out["plasser"] = pd.to_numeric(capacity, errors="coerce").astype(float).to_numpy()
    if "sokere_per_plass" not in out or out["sokere_per_plass"].isna().all():
        first = pd.to_numeric(out.get("sokere_forstevalg", pd.Series(np.nan, index=out.index)), errors="coerce")
        with np.errstate(divide="ignore", invalid="ignore"):
            out["sokere_per_plass"] = (first.astype(float) / out["plasser"]).round(2).to_numpy()
    out["i_tilbud"] = in_supply(out["evu_klasse"])
    out["rekkevidde_min"] = reach_minutes(out["studieform"])
    owner = _text(out, "bedrift_id")
    in_company = out["studieform"].astype("string").fillna("").to_numpy(dtype=object) == "bedriftsintern"
    out["bedrift_id"] = pd.array(np.where(in_company & (owner != ""), owner, None), dtype="string")
    out["bedriftskurs"] = pd.array(np.where(in_company, np.where(owner != "", OWN_COMPANY, MOBILE), ""), dtype="string")
    return out


OWNER_SEPARATOR = ";"


def owners(bedrift_id: object) -> frozenset[str]:
    """The businesses an in-company course belongs to (``"V1;V2"`` -> {V1, V2}); empty for a course open to all."""
    if bedrift_id is None or bedrift_id is pd.NA or (isinstance(bedrift_id, float) and np.isnan(bedrift_id)):
        return frozenset()
    return frozenset(part.strip() for part in str(bedrift_id).split(OWNER_SEPARATOR) if part.strip())


def with_class(offers: pd.DataFrame, klasse: pd.Series) -> pd.DataFrame:
    """``offers`` with ``evu_klasse`` replaced where ``klasse`` (indexed like ``offers``) has a value (a
    coordinator's correction), ``evu_klasse_korrigert`` set there and ``i_tilbud`` following the class."""
    out = offers.copy(deep=False)
    given = klasse.reindex(out.index).astype("string").fillna("").to_numpy(dtype=object)
    chosen = np.isin(given, EVU_KLASSER)
    current = out["evu_klasse"].astype("string").fillna("").to_numpy(dtype=object)
    out["evu_klasse"] = pd.Categorical(np.where(chosen, given, current), dtype=taxonomy.categorical("evu_klasse"))
    before = out["evu_klasse_korrigert"].to_numpy(bool) if "evu_klasse_korrigert" in out else False
    out["evu_klasse_korrigert"] = chosen | before
    out["i_tilbud"] = in_supply(out["evu_klasse"])
    return out


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)
