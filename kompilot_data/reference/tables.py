"""Reference data: municipalities, sub-regions, SSB indicators, geometry, study places.

Everything here reads the derived files embedded in ``kompilot_data/data``.
Results are cached per process; callers must not modify returned frames in
place (take a copy first).
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import shapely

from kompilot_data.reference.geometry import dissolve, geodataframe, municipality_polygons
from kompilot_data.reference.paths import DATA_DIR

SUBREGIONS = ("Namdalen", "Trøndelag sør", "Fosen")
"""The three sub-pilots, in the order the pilot lists them."""

OUTSIDE_PILOT = "Utenfor pilot"


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype={"kommunenummer": str}, **kwargs)


@lru_cache(maxsize=1)
def load_sources() -> dict[str, dict[str, str]]:
    """Source, year and licence of every embedded reference data set (``kilder.json``)."""
    return json.loads((DATA_DIR / "kilder.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_subregion_membership() -> pd.DataFrame:
    """Pilot membership, one row per (municipality, sub-region) with ``rolle`` primar/sekundar."""
    frame = _read_csv("delregioner.csv")
    unknown = set(frame["delregion"]) - set(SUBREGIONS)
    if unknown:
        raise ValueError(f"delregioner.csv: unknown sub-region(s) {sorted(unknown)}; allowed: {SUBREGIONS}")
    primary_counts = frame[frame["rolle"] == "primar"]["kommunenummer"].value_counts()
    if (primary_counts > 1).any():
        raise ValueError(
            "delregioner.csv: a municipality can be primary in one sub-region only: "
            + ", ".join(primary_counts[primary_counts > 1].index)
        )
    return frame


@lru_cache(maxsize=1)
def load_councils() -> pd.DataFrame:
    """Regional council (regionråd) memberships in long format."""
    return _read_csv("regionraad.csv")


@lru_cache(maxsize=1)
def load_population() -> pd.DataFrame:
    """Population 1 January by municipality, year and age group (``alle`` = total); SSB 07459."""
    return _read_csv("befolkning.csv")


@lru_cache(maxsize=1)
def load_education() -> pd.DataFrame:
    """Persons 16+ and those with short/long higher education by municipality and year; SSB 09429."""
    frame = _read_csv("utdanning.csv")
    frame["andel_hoyere_utdanning"] = (frame["uh_kort"] + frame["uh_lang"]) / frame["personer_16plus"]
    return frame


@lru_cache(maxsize=1)
def load_employment() -> pd.DataFrame:
    """Employed residents by municipality, year and SN2007 group; SSB 07984."""
    return _read_csv("sysselsatte.csv", keep_default_na=False)


@lru_cache(maxsize=1)
def load_municipalities() -> pd.DataFrame:
    """The 38 municipalities with names, centrality, sub-region and latest SSB figures.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``kommunenummer`` (str). Columns include ``navn``,
        ``samisk_navn``, ``sentralitetsindeks``, ``sentralitetsklasse``,
        ``delregion`` (primary sub-region or ``"Utenfor pilot"``),
        ``delregioner`` (all sub-regions, ``;``-separated), ``regionraad``,
        ``befolkning`` and ``befolkning_2020`` (1 January), ``befolkning_aar``,
        ``endring_befolkning_2020`` (share), ``andel_hoyere_utdanning``
        (latest year, see ``utdanning_aar``), ``sysselsatte``,
        ``areal_km2``, ``punkt_lon``, ``punkt_lat``.
    """
    frame = _read_csv("kommuner.csv", keep_default_na=False).set_index("kommunenummer")
    frame["samisk_navn"] = frame["samisk_navn"].replace("", None)
    membership = load_subregion_membership()
    primary = membership[membership["rolle"] == "primar"].set_index("kommunenummer")["delregion"]
    frame["delregion"] = primary.reindex(frame.index).fillna(OUTSIDE_PILOT)
    frame["delregion"] = pd.Categorical(frame["delregion"], categories=[*SUBREGIONS, OUTSIDE_PILOT])
    frame["delregioner"] = membership.groupby("kommunenummer")["delregion"].agg(";".join).reindex(frame.index)
    councils = load_councils().groupby("kommunenummer")["regionraad"].agg("; ".join)
    frame["regionraad"] = councils.reindex(frame.index)

    population = load_population()
    total = population[population["aldersgruppe"] == "alle"].pivot(
        index="kommunenummer", columns="aar", values="personer"
    )
    latest_year = int(total.columns.max())
    frame["befolkning"] = total[latest_year].reindex(frame.index).astype("Int64")
    frame["befolkning_2020"] = total[2020].reindex(frame.index).astype("Int64")
    frame["befolkning_aar"] = latest_year
    frame["endring_befolkning_2020"] = (frame["befolkning"] / frame["befolkning_2020"] - 1).astype(float)

    education = load_education()
    edu_year = int(education["aar"].max())
    latest_edu = education[education["aar"] == edu_year].set_index("kommunenummer")
    frame["andel_hoyere_utdanning"] = latest_edu["andel_hoyere_utdanning"].reindex(frame.index)
    frame["utdanning_aar"] = edu_year

    employment = load_employment()
    emp_year = int(employment["aar"].max())
    latest_emp = employment[(employment["aar"] == emp_year) & (employment["naering_sn2007"] == "00-99")]
    frame["sysselsatte"] = latest_emp.set_index("kommunenummer")["sysselsatte"].reindex(frame.index)
    frame["sysselsatte_aar"] = emp_year
    return frame


@lru_cache(maxsize=1)
def load_geometry():
    """Municipality polygons as a ``geopandas.GeoDataFrame`` indexed by ``kommunenummer``, CRS EPSG:4326.

    Columns ``navn`` and ``geometry``. The shapely polygon of one municipality is
    ``load_geometry().geometry[code]``. geopandas is imported here, not when the package is imported.
    """
    codes, geoms = municipality_polygons()
    names = [str(n) for n in load_municipalities()["navn"].reindex(list(codes))]
    return geodataframe(codes, geoms, navn=names)


@lru_cache(maxsize=1)
def load_geojson() -> dict:
    """Municipality polygons as a GeoJSON FeatureCollection (``id`` = kommunenummer).

    The same features as ``load_geometry().__geo_interface__``, read straight from the embedded file
    so the map page needs no geopandas.
    """
    collection = json.loads((DATA_DIR / "kommuner.geojson").read_text(encoding="utf-8"))
    for feature in collection["features"]:
        feature["id"] = feature["properties"]["kommunenummer"]
    return collection


@lru_cache(maxsize=1)
def load_subregion_geometry():
    """Outline of each sub-region (its primary members dissolved), following ``delregioner.csv``.

    A ``geopandas.GeoSeries`` indexed by ``delregion`` in :data:`SUBREGIONS` order, CRS EPSG:4326.
    """
    membership = load_subregion_membership()
    primary = membership[membership["rolle"] == "primar"].set_index("kommunenummer")["delregion"]
    outlines = dissolve(load_geometry(), primary, "delregion")
    return outlines.reindex(list(SUBREGIONS))


@lru_cache(maxsize=1)
def load_county_geometry() -> shapely.Geometry:
    """Outline of Trøndelag: the 38 municipalities dissolved (a shapely geometry, EPSG:4326)."""
    frame = load_geometry()
    return dissolve(frame, pd.Series("Trøndelag", index=frame.index), "fylke").iloc[0]


@lru_cache(maxsize=1)
def load_study_places() -> pd.DataFrame:
    """EVU providers and study places (incl. upper-secondary schools) with WGS84 coordinates.

    Places without a stated location have NaN ``lat``/``lon``.
    """
    frame = _read_csv("studiesteder.csv", keep_default_na=False, na_values={"lat": [""], "lon": [""]})
    return frame.set_index("studiested_id")


@lru_cache(maxsize=1)
def load_example_offers() -> pd.DataFrame:
    """Real, sourced examples of decentralised EVU offers in Trøndelag (free text as published)."""
    return _read_csv("tilbud_eksempler.csv", keep_default_na=False)


@lru_cache(maxsize=1)
def load_shortage() -> pd.DataFrame:
    """NAV Bedriftsundersøkelsen 2017: estimated shortage by occupation, with competence area."""
    return pd.read_csv(DATA_DIR / "nav_mangel_2017.csv", dtype={"styrk08": str})


@lru_cache(maxsize=1)
def load_county_indicators() -> pd.DataFrame:
    """County-level indicators with year, unit and one source URL per row (values as published)."""
    return pd.read_csv(DATA_DIR / "fylkesindikatorer.csv", dtype=str, keep_default_na=False)


def municipality_name(code: str) -> str:
    """Name of a municipality from its kommunenummer; raises KeyError for unknown codes."""
    return str(load_municipalities().at[code, "navn"])
