"""Code lists (taxonomies) for needs and offers, read from ``data/taksonomier.json``."""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from kompilot_data.reference.paths import DATA_DIR

LANGUAGES = ("nb", "en")


@lru_cache(maxsize=1)
def _taxonomies() -> dict[str, list[dict]]:
    raw = json.loads((DATA_DIR / "taksonomier.json").read_text(encoding="utf-8"))
    return {name: entries for name, entries in raw.items() if not name.startswith("_")}


def taxonomy_names() -> list[str]:
    """Names of all code lists, e.g. ``kompetanseomrade``, ``niva``."""
    return list(_taxonomies())


def load_taxonomy(name: str) -> pd.DataFrame:
    """Return one code list as a DataFrame with ``kode``, ``nb``, ``en`` and extra columns.

    Parameters
    ----------
    name : str
        One of :func:`taxonomy_names`.
    """
    try:
        entries = _taxonomies()[name]
    except KeyError:
        raise KeyError(f"unknown taxonomy {name!r}; known: {', '.join(taxonomy_names())}") from None
    return pd.DataFrame(entries)


def codes(name: str) -> list[str]:
    """The codes of a taxonomy in display order."""
    return [entry["kode"] for entry in _taxonomies()[name]]


def labels(name: str, language: str = "nb") -> dict[str, str]:
    """Map code -> label in ``language`` (``nb`` or ``en``)."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    return {entry["kode"]: entry[language] for entry in _taxonomies()[name]}


def categorical(name: str) -> pd.CategoricalDtype:
    """An ordered categorical dtype over the codes of ``name``."""
    return pd.CategoricalDtype(codes(name), ordered=True)


def attribute(name: str, field: str) -> dict[str, object]:
    """Map code -> an extra attribute (e.g. ``rang`` of ``niva``)."""
    return {entry["kode"]: entry[field] for entry in _taxonomies()[name]}
