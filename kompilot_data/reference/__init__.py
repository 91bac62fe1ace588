"""Reference data: municipalities, sub-regions, SSB statistics, geometry, study places and code lists.

Everything here reads the derived files embedded in ``kompilot_data/data``; only
:mod:`kompilot_data.reference.build` reads the raw sources.
"""

from kompilot_data.reference import taxonomy
from kompilot_data.reference.regions import Region, default_region, region_choices, region_codes, resolve_region
from kompilot_data.reference.sources import source_line
from kompilot_data.reference.tables import (
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
    municipality_name,
)

__all__ = [
    "OUTSIDE_PILOT",
    "SUBREGIONS",
    "Region",
    "default_region",
    "load_councils",
    "load_county_geometry",
    "load_county_indicators",
    "load_education",
    "load_employment",
    "load_example_offers",
    "load_geojson",
    "load_geometry",
    "load_municipalities",
    "load_population",
    "load_shortage",
    "load_sources",
    "load_study_places",
    "load_subregion_geometry",
    "load_subregion_membership",
    "municipality_name",
    "region_choices",
    "region_codes",
    "resolve_region",
    "source_line",
    "taxonomy",
]
