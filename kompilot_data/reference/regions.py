"""Regions: the county, the three sub-pilots and the 38 municipalities, resolved from what people type.

:func:`resolve_region` is the one place that turns "namdalen", "5007", "røros", "Rosse" or "Trøndelag"
into a :class:`Region`; the CLI, the Region page, the presentation and the briefing all use it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import pandas as pd

from kompilot_data.reference.errors import Choices, RegionNotFound
from kompilot_data.reference.paths import DATA_DIR
from kompilot_data.reference.tables import SUBREGIONS, load_municipalities

COUNTY = "Trøndelag"
COUNTY_NUMBER = "50"
COUNTY_NAMES = ("Trøndelag", "Trööndelage")
"""The county's name in bokmål and its Sami name (Trøndelag fylkeskommune uses both)."""

DEFAULT_REGION = "Namdalen"
"""The region shown when nothing is selected: the pilot's first sub-pilot (owner of the pilot)."""

KINDS = ("fylke", "delregion", "kommune")


class Selection(Protocol):
    """What :func:`default_region` reads of a selection (:class:`kompilot_data.view.filters.Filters` is one)."""

    kommuner: tuple[str, ...]
    delregioner: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """A county, sub-region or municipality.

    ``key`` is what URLs and briefings carry: the sub-region name, the kommunenummer, or ``"Trøndelag"``.
    ``codes`` are the kommunenummer of its (primary) member municipalities.
    """

    key: str
    name: str
    kind: str  # "delregion" | "kommune" | "fylke"
    codes: tuple[str, ...]

    @property
    def label(self) -> str:
        """The name, with the number for a municipality: ``"Namsos (5007)"``."""
        return f"{self.name} ({self.key})" if self.kind == "kommune" else self.name


def region_codes(region: str) -> list[str]:
    """kommunenummer of a sub-region (primary members), or ``[region]`` for a municipality code.

    Strict: only the exact keys (``"Namdalen"``, ``"5007"``); use :func:`resolve_region` for typed text.
    """
    municipalities = load_municipalities()
    if region in SUBREGIONS:
        return list(municipalities.index[municipalities["delregion"] == region])
    if region in municipalities.index:
        return [region]
    raise KeyError(f"unknown region {region!r}: use a sub-region ({', '.join(SUBREGIONS)}) or a kommunenummer")


def _subregion(name: str) -> Region:
    return Region(name, name, "delregion", tuple(region_codes(name)))


def _municipality(code: str) -> Region:
    return Region(code, str(load_municipalities().at[code, "navn"]), "kommune", (code,))


def _county() -> Region:
    return Region(COUNTY, COUNTY, "fylke", tuple(load_municipalities().index))


def match_key(text: object) -> str:
    """'  Trøndelag Sør ' -> 'trondelagsor'; 'Stïentje' -> 'stientje' (case, accents, spaces and dashes ignored)."""
    text = str(text).strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Match key -> (kind, key) for every accepted spelling, and match key -> display name for suggestions."""
    municipalities = load_municipalities()
    found: dict[str, tuple[str, str]] = {}
    shown: dict[str, str] = {}

    def add(text: object, kind: str, key: str, suggest: bool = True) -> None:
        if not isinstance(text, str) or not text.strip():
            return
        match = match_key(text)
        found.setdefault(match, (kind, key))
        if suggest:
            shown.setdefault(match, text.strip())

    for name in SUBREGIONS:
        add(name, "delregion", name)
    for name in COUNTY_NAMES:
        add(name, "fylke", COUNTY)
    add(COUNTY_NUMBER, "fylke", COUNTY, suggest=False)
    for code, row in municipalities.iterrows():
        add(code, "kommune", code, suggest=False)
        add(row["navn"], "kommune", code)
        add(row["samisk_navn"], "kommune", code)
        add(row["offisielt_navn"], "kommune", code, suggest=False)
        add(f"{row['navn']} ({code})", "kommune", code, suggest=False)
        for part in str(row["offisielt_navn"]).split(" - "):
            add(part, "kommune", code)
    return found, shown


@lru_cache(maxsize=1)
def _former() -> dict[str, dict[str, str]]:
    """Match key of a former municipality name or number (before the 2018/2020 mergers) -> what became of it."""
    changes = pd.read_csv(DATA_DIR / "kommuneendringer.csv", dtype=str, keep_default_na=False)
    names = load_municipalities()["navn"]
    former: dict[str, dict[str, str]] = {}
    for row in changes.itertuples(index=False):
        what = {"old_name": row.gammelt_navn, "old_number": row.gammelt_nummer}
        if row.nytt_nummer:
            what |= {"name": str(names[row.nytt_nummer]), "number": row.nytt_nummer}
        else:
            what |= {"note": row.merknad.replace(";", ",")}
        for spelling in (row.gammelt_nummer, row.gammelt_navn):
            former.setdefault(match_key(spelling), what)
    return former


def resolve_region(text: str | Region) -> Region:
    """The region named by ``text``: a sub-region, a municipality or the county.

    Accepts any case and spacing: ``"namdalen"``, ``"Trøndelag sør"``, a kommunenummer (``"5007"``), a
    municipality's name, Sami name or official name (``"røros"``, ``"Rosse"``, ``"Røros - Rosse"``), and
    ``"Trøndelag"`` (or ``"50"``) for the whole county.

    Raises
    ------
    RegionNotFound
        A ``ValueError`` whose message suggests the closest names (``Mente du «Nærøysund»?``), or the
        current municipality for a former one (``"Vikna"`` -> Nærøysund).
    """
    if isinstance(text, Region):
        return text
    found, shown = _lookup()
    match = match_key(text)
    if match in found:
        kind, key = found[match]
        if kind == "delregion":
            return _subregion(key)
        if kind == "kommune":
            return _municipality(key)
        return _county()
    given = str(text).strip()
    everywhere = {"subregions": ", ".join(SUBREGIONS), "county": COUNTY}
    if not match:
        raise RegionNotFound("err_region_missing", **everywhere)
    if match in _former():
        what = _former()[match]
        raise RegionNotFound("err_region_former" if "name" in what else "err_region_former_split", text=given, **what)
    close = difflib.get_close_matches(match, list(shown), n=3, cutoff=0.6)
    names = list(dict.fromkeys(shown[key] for key in close))
    if names:
        raise RegionNotFound("err_region_unknown_close", text=given, names=Choices(tuple(names)))
    raise RegionNotFound("err_region_unknown", text=given, **everywhere)


def region_choices() -> tuple[Region, ...]:
    """The regions a user can pick (Region page, presentation, briefing): the sub-regions, then the
    municipalities in kommunenummer order."""
    return tuple(_subregion(name) for name in SUBREGIONS) + tuple(
        _municipality(code) for code in load_municipalities().index
    )


def default_region(filters: Selection | None = None) -> Region:
    """The region to show for ``filters``: the first selected municipality, else the first selected
    sub-region, else Namdalen."""
    if filters is not None and filters.kommuner:
        return _municipality(filters.kommuner[0])
    if filters is not None and filters.delregioner:
        return _subregion(filters.delregioner[0])
    return _subregion(DEFAULT_REGION)
