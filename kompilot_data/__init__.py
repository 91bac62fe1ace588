"""kompilot_data – the data package of Kompetansepilot Trøndelag's dashboard.

Reference data (municipalities, sub-regions, SSB indicators, geometry, study
places), the schema for needs and offers, validation, demo data and filters.
It never imports streamlit, so notebooks, the CLI and tests use it unchanged.
"""

from kompilot_data.filters import Filters, filter_needs, filter_offers
from kompilot_data.records.demo import generate_needs, generate_offers, write_demo
from kompilot_data.records.files import load_needs, load_offers, read_table
from kompilot_data.records.schema import (
    NEED_COLUMNS,
    OFFER_COLUMNS,
    DataValidationError,
    format_problems,
    orgnr_is_valid,
    to_typed,
    validate,
    validated,
)
from kompilot_data.reference import (
    OUTSIDE_PILOT,
    SUBREGIONS,
    load_councils,
    load_county_geometry,
    load_county_indicators,
    load_education,
    load_employment,
    load_example_offers,
    load_geojson,
    load_geometry,
    load_municipalities,
    load_population,
    load_shortage,
    load_sources,
    load_study_places,
    load_subregion_geometry,
    load_subregion_membership,
    source_line,
)
from kompilot_data.reference.regions import Region, default_region, region_choices, resolve_region
from kompilot_data.reference.taxonomy import codes, labels, load_taxonomy, taxonomy_names

__all__ = [
    "NEED_COLUMNS",
    "OFFER_COLUMNS",
    "OUTSIDE_PILOT",
    "SUBREGIONS",
    "DataValidationError",
    "Filters",
    "Region",
    "codes",
    "default_region",
    "filter_needs",
    "filter_offers",
    "format_problems",
    "generate_needs",
    "generate_offers",
    "labels",
    "load_councils",
    "load_county_geometry",
    "load_county_indicators",
    "load_education",
    "load_employment",
    "load_example_offers",
    "load_geojson",
    "load_geometry",
    "load_municipalities",
    "load_needs",
    "load_offers",
    "load_population",
    "load_shortage",
    "load_sources",
    "load_study_places",
    "load_subregion_geometry",
    "load_subregion_membership",
    "load_taxonomy",
    "orgnr_is_valid",
    "read_table",
    "region_choices",
    "resolve_region",
    "source_line",
    "taxonomy_names",
    "to_typed",
    "validate",
    "validated",
    "write_demo",
]
