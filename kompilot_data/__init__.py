"""kompilot_data – the data package of Kompetansepilot Trøndelag's dashboard.

Reference data (municipalities, sub-regions, SSB indicators, geometry, study places), the schema for needs and
offers, validation, demo data and filters. It never imports streamlit, so notebooks, the CLI and tests use it
unchanged.

The names below are the public API. They are resolved when first used (PEP 562), so ``import kompilot_data``
imports nothing else: a submodule never imports this package root, and importing one layer does not pull in
the others.
"""

from __future__ import annotations

import importlib

#: Public name -> the module that defines it.
_API = {
    "Filters": "kompilot_data.view.filters",
    "filter_needs": "kompilot_data.view.filters",
    "filter_offers": "kompilot_data.view.filters",
    "generate_needs": "kompilot_data.records.demo",
    "generate_offers": "kompilot_data.records.demo",
    "write_demo": "kompilot_data.records.demo",
    "load_needs": "kompilot_data.records.files",
    "load_offers": "kompilot_data.records.files",
    "read_table": "kompilot_data.records.files",
    "NEED_COLUMNS": "kompilot_data.records.schema",
    "OFFER_COLUMNS": "kompilot_data.records.schema",
    "DataValidationError": "kompilot_data.records.validation",
    "format_problems": "kompilot_data.records.validation",
    "orgnr_is_valid": "kompilot_data.records.schema",
    "to_typed": "kompilot_data.records.schema",
    "validate": "kompilot_data.records.validation",
    "validated": "kompilot_data.records.validation",
    "OUTSIDE_PILOT": "kompilot_data.reference.tables",
    "SUBREGIONS": "kompilot_data.reference.tables",
    "load_councils": "kompilot_data.reference.tables",
    "load_county_geometry": "kompilot_data.reference.tables",
    "load_county_indicators": "kompilot_data.reference.tables",
    "load_education": "kompilot_data.reference.tables",
    "load_employment": "kompilot_data.reference.tables",
    "load_example_offers": "kompilot_data.reference.tables",
    "load_geojson": "kompilot_data.reference.tables",
    "load_geometry": "kompilot_data.reference.tables",
    "load_municipalities": "kompilot_data.reference.tables",
    "load_population": "kompilot_data.reference.tables",
    "load_shortage": "kompilot_data.reference.tables",
    "load_sources": "kompilot_data.reference.tables",
    "load_study_places": "kompilot_data.reference.tables",
    "load_subregion_geometry": "kompilot_data.reference.tables",
    "load_subregion_membership": "kompilot_data.reference.tables",
    "source_line": "kompilot_data.reference.sources",
    "Region": "kompilot_data.reference.regions",
    "default_region": "kompilot_data.reference.regions",
    "region_choices": "kompilot_data.reference.regions",
    "resolve_region": "kompilot_data.reference.regions",
    "codes": "kompilot_data.reference.taxonomy",
    "labels": "kompilot_data.reference.taxonomy",
    "load_taxonomy": "kompilot_data.reference.taxonomy",
    "taxonomy_names": "kompilot_data.reference.taxonomy",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    """Import the module of a public name on first use (then it is an ordinary attribute)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'kompilot_data' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
