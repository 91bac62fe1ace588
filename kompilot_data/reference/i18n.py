"""All user-facing text of the dashboard in bokmål and English, and number/date formatting.

Pages and figure builders take every label from :data:`TEXTS` through :func:`t`. The labels live in
``texts/labels/*.toml`` (one file per area of the app), longer prose in ``texts/*.nb|en.md``.
"""

from __future__ import annotations

import math
import tomllib
from datetime import date, datetime

import pandas as pd

from kompilot_data.reference.paths import PACKAGE_DIR

DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "en": "English"}

TEXTS_DIR = PACKAGE_DIR / "texts"
LABELS_DIR = TEXTS_DIR / "labels"


def _load_texts() -> dict[str, dict[str, str]]:
    """Merge every ``texts/labels/*.toml`` file; a key may be defined in one file only."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted(LABELS_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            for key, entry in tomllib.load(handle).items():
                if key in texts:
                    raise ValueError(f"text key {key!r} is defined twice (again in {path.name})")
                if DEFAULT_LANGUAGE not in entry:
                    raise ValueError(f"text key {key!r} in {path.name} has no bokmål (nb) text")
                texts[key] = entry
    return texts


TEXTS: dict[str, dict[str, str]] = _load_texts()


def page_text(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Longer page prose, one Markdown file per language in ``kompilot_data/texts`` (``{placeholders}`` kept)."""
    path = TEXTS_DIR / f"{name}.{language}.md"
    return (path if path.exists() else TEXTS_DIR / f"{name}.{DEFAULT_LANGUAGE}.md").read_text(encoding="utf-8")


def t(key: str, language: str = DEFAULT_LANGUAGE, **values) -> str:
    """The text for ``key`` in ``language`` (falls back to bokmål), with ``{placeholders}`` filled."""
    try:
        entry = TEXTS[key]
    except KeyError:
        raise KeyError(f"no text for {key!r}") from None
    text = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def format_number(value: float | int | None, language: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """1 234,5 in bokmål (narrow no-break space for thousands), 1,234.5 in English; "–" for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if language == "nb":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def format_percent(share: float | None, language: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """A share (0.123) as "12 %" in bokmål, "12%" in English."""
    if share is None or pd.isna(share):
        return "–"
    number = format_number(share * 100, language, decimals)
    return f"{number}\u00a0%" if language == "nb" else f"{number}%"


def format_date(value: date | datetime | pd.Timestamp | None, language: str = DEFAULT_LANGUAGE) -> str:
    """27.11.2026 in bokmål, 27 Nov 2026 in English."""
    if value is None or pd.isna(value):
        return "–"
    return value.strftime("%d.%m.%Y") if language == "nb" else value.strftime("%-d %b %Y")


def plotly_separators(language: str = DEFAULT_LANGUAGE) -> str:
    """Plotly's ``layout.separators`` (decimal, thousands)."""
    return ", " if language == "nb" else ".,"
