"""Geometry helpers: coordinate reference systems, GeoDataFrames and fast point location.

geopandas is imported inside the functions that need it, so importing the package (and starting
the app) does not pay for it. Point location (:func:`locate`) and distances to polygons
(:func:`distance_km`) use shapely only: they run on every import of offers and in the travel model.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from kompilot_data.reference.paths import DATA_DIR

if TYPE_CHECKING:  # pragma: no cover - for type hints only
    import geopandas as gpd

WGS84 = "EPSG:4326"
"""Longitude/latitude, the CRS of every embedded geometry and coordinate."""
METRIC_CRS = "EPSG:25833"
"""ETRS89 / UTM 33N: lengths, distances, neighbours and the travel graph."""
EQUAL_AREA_CRS = "EPSG:3035"
"""ETRS89 / LAEA Europe: areas (``areal_km2``)."""

#: km per degree of latitude, and of longitude at the equator (WGS84 ellipsoid, rounded).
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON = 111.320
#: Latitude of the local projection used by :func:`distance_km` (middle of Trøndelag).
LOCAL_LATITUDE = 63.9


def geodataframe(codes, geometries, crs: str = WGS84, **columns) -> gpd.GeoDataFrame:
    """A GeoDataFrame indexed by ``kommunenummer`` (or any codes) with ``geometry`` and extra columns."""
    import geopandas as gpd

    index = pd.Index(list(codes), name="kommunenummer")
    return gpd.GeoDataFrame(dict(columns), geometry=list(geometries), index=index, crs=crs)


def dissolve(frame: gpd.GeoDataFrame, by: pd.Series | str, name: str) -> gpd.GeoSeries:
    """Dissolve ``frame``'s polygons by a grouping (a column name, or a Series aligned on the index)."""
    keys = frame[by] if isinstance(by, str) else by.reindex(frame.index)
    grouped = frame[["geometry"]].assign(**{name: keys.to_numpy()}).dropna(subset=[name])
    return grouped.dissolve(by=name).geometry


def _local_xy(geometries_or_points):
    """Project lon/lat to km on a local equirectangular plane (error below 1 % across Trøndelag)."""
    scale = np.array([KM_PER_DEGREE_LON * np.cos(np.radians(LOCAL_LATITUDE)), KM_PER_DEGREE_LAT])
    return shapely.transform(geometries_or_points, lambda xy: xy * scale)


class PolygonIndex:
    """Municipality polygons prepared for fast, vectorised point location and distances."""

    def __init__(self, codes: tuple[str, ...], geometries: np.ndarray):
        self.codes = np.asarray(codes, dtype=object)
        self.geometries = geometries
        self.local = _local_xy(geometries)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)
        self.local_tree = shapely.STRtree(self.local)
        self.county = shapely.union_all(self.local)
        shapely.prepare(self.county)

    def locate(self, lat, lon) -> np.ndarray:
        """Index of the polygon containing each point (-1 outside every polygon or without coordinates)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        result = np.full(lat.shape, -1, dtype=np.int64)
        known = np.isfinite(lat) & np.isfinite(lon)
        points = shapely.points(lon[known], lat[known])
        point_index, polygon_index = self.tree.query(points, predicate="within")
        found = np.full(len(points), -1, dtype=np.int64)
        found[point_index] = polygon_index
        result[known] = found
        return result

    def nearest(self, lat, lon, max_km: float) -> np.ndarray:
        """Index of the polygon containing or nearest to each point within ``max_km`` (-1 otherwise)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        result = self.locate(lat, lon)
        missing = np.flatnonzero((result < 0) & np.isfinite(lat) & np.isfinite(lon))
        if len(missing):
            points = _local_xy(shapely.points(lon[missing], lat[missing]))
            point_index, polygon_index = self.local_tree.query(points, predicate="dwithin", distance=max_km)
            if len(point_index):
                distance = shapely.distance(points[point_index], self.local[polygon_index])
                order = np.lexsort((distance, point_index))
                _, first = np.unique(point_index[order], return_index=True)
                result[missing[point_index[order][first]]] = polygon_index[order][first]
        return result

    def distance_km(self, lat, lon, polygon: np.ndarray) -> np.ndarray:
        """Distance in km from each point to polygon ``polygon[i]`` (0 inside; NaN without coordinates)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        polygon = np.asarray(polygon, dtype=np.int64)
        result = np.full(lat.shape, np.nan)
        known = np.isfinite(lat) & np.isfinite(lon) & (polygon >= 0)
        points = _local_xy(shapely.points(lon[known], lat[known]))
        result[known] = shapely.distance(points, self.local[polygon[known]])
        return result

    def county_distance_km(self, lat, lon) -> np.ndarray:
        """Distance in km from each point to the county (0 inside; NaN without coordinates)."""
        lat = np.asarray(lat, dtype=float)
        lon = np.asarray(lon, dtype=float)
        result = np.full(lat.shape, np.nan)
        known = np.isfinite(lat) & np.isfinite(lon)
        points = _local_xy(shapely.points(lon[known], lat[known]))
        result[known] = shapely.distance(points, self.county)
        return result


@lru_cache(maxsize=1)
def municipality_polygons() -> tuple[tuple[str, ...], np.ndarray]:
    """Codes and shapely polygons (EPSG:4326) from ``kommuner.geojson``, in file order; no geopandas."""
    collection = json.loads((DATA_DIR / "kommuner.geojson").read_text(encoding="utf-8"))
    codes = tuple(f["properties"]["kommunenummer"] for f in collection["features"])
    geoms = np.array([shape(f["geometry"]) for f in collection["features"]])
    return codes, geoms


@lru_cache(maxsize=1)
def polygon_index() -> PolygonIndex:
    """The embedded municipality polygons as a :class:`PolygonIndex` (cached per process)."""
    codes, geometries = municipality_polygons()
    return PolygonIndex(codes, geometries)


def locate(lat, lon, max_km: float = 2.0) -> np.ndarray:
    """kommunenummer of the municipality containing each point, or the nearest within ``max_km``
    (coastal points fall just outside the coastline-clipped polygons); ``None`` otherwise."""
    index = polygon_index()
    found = index.nearest(lat, lon, max_km)
    codes = np.full(found.shape, None, dtype=object)
    codes[found >= 0] = index.codes[found[found >= 0]]
    return codes
