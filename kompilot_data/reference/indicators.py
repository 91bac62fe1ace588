"""The map indicators: how each is computed, coloured and labelled, and where its figures come from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """How one map indicator is computed, coloured and labelled."""

    key: str
    column: str
    scale: str  # "category", "sequential", "diverging", "ordinal"
    unit_key: str | None
    percent: bool
    source: str  # key in kilder.json, or "demo" for figures computed from needs/offers
    estimate: bool  # computed by kompilot (not an official statistic)


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in [
        Indicator("delregion", "delregion", "category", None, False, "delregioner", False),
        Indicator("sentralitet", "sentralitetsklasse", "ordinal", "unit_class", False, "kommuner", False),
        Indicator("befolkning", "befolkning", "sequential", "unit_persons", False, "befolkning", False),
        Indicator("befolkningsendring", "endring_befolkning_2020", "diverging", None, True, "befolkning", False),
        Indicator("hoyere_utdanning", "andel_hoyere_utdanning", "sequential", None, True, "utdanning", False),
        Indicator("behov_per_1000", "behov_per_1000", "sequential", "unit_needs_per_1000", False, "demo", True),
        Indicator(
            "tilbud_innen_rekkevidde", "tilbud_innen_rekkevidde", "sequential", "unit_offers", False, "demo", True
        ),
        Indicator("mismatch", "indeks", "diverging", None, False, "demo", True),
        Indicator("udekket", "udekket", "sequential", "unit_participants", False, "demo", True),
        Indicator("udekket_andel", "udekket_andel", "sequential", None, True, "demo", True),
    ]
}
