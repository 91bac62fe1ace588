"""Build: municipality table and boundaries (Kartverket polygons, SSB centrality)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import mapping, shape

from kompilot_data.reference.build.common import _as_int, _read

#: Simplification tolerance (degrees) for GEOS' coverage simplifier, and the
#: coordinate grid (1e-4 degrees is about 11 m north-south, 5 m east-west).
SIMPLIFY_TOLERANCE = 0.004
COORDINATE_GRID = 1e-4

KOMMUNE_GEOJSON = "geo/derived/trondelag_kommuner_2024_M_epsg4326.geojson"

# STYRK-08 prefix -> competence area, longest prefix wins. Used to aggregate


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
    frame["areal_km2"] = [round(_area_km2(geometry[k]), 1) for k in frame["kommunenummer"]]
    frame["punkt_lon"] = [round(points[k].x, 4) for k in frame["kommunenummer"]]
    frame["punkt_lat"] = [round(points[k].y, 4) for k in frame["kommunenummer"]]
    if len(frame) != 38:
        raise ValueError(f"expected 38 municipalities, got {len(frame)}")
    return frame.sort_values("kommunenummer").reset_index(drop=True)


def _area_km2(geom: shapely.Geometry) -> float:
    """Area on a local equal-area approximation (enough for display and densities)."""
    lat0 = np.radians(shapely.centroid(geom).y)
    scale = np.array([111.320 * np.cos(lat0), 110.574])
    projected = shapely.transform(geom, lambda xy: xy * scale)
    return float(shapely.area(projected))


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
    import re

    return re.sub(r"-?\d+\.\d{5,}", lambda m: f"{float(m.group()):.4f}".rstrip("0").rstrip("."), text)
