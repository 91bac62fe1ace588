"""Coordinate checks for imported offers: inside Trøndelag, and in the stated municipality.

Vectorised over the distinct coordinates of a file (shapely STRtree over the embedded polygons,
see :mod:`kompilot_data.reference.geometry`); no geopandas. Messages name the row and column, like every other
import message:

* a point more than :data:`COUNTY_TOLERANCE_KM` outside the county is an **error**;
* a point in another municipality than the stated ``kommunenummer``, at most
  :data:`BORDER_TOLERANCE_KM` from the stated one, is a **warning** (near the border);
  farther away it is an **error**.

The polygons are clipped to the coastline and simplified, so points on the shore fall just outside
them: a point outside every polygon but within the tolerances of its stated municipality is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kompilot_data.records.schema import mapped, parse_number, problem_frame
from kompilot_data.reference.errors import Number, message, text
from kompilot_data.reference.geometry import polygon_index
from kompilot_data.reference.tables import load_municipalities

#: How far outside the county's (coastline-clipped) polygons a point may lie and still be in Trøndelag.
COUNTY_TOLERANCE_KM = 2.0
#: How far into a neighbouring municipality a point may lie before it is an error rather than a warning.
BORDER_TOLERANCE_KM = 1.0


@dataclass(frozen=True)
class CoordinateCheck:
    errors: pd.DataFrame  # rad, kolonne, verdi, melding
    warnings: pd.DataFrame


def _empty() -> pd.DataFrame:
    return problem_frame([])


def check_coordinates(frame: pd.DataFrame, first_data_row: int = 2) -> CoordinateCheck:
    """Check the ``lat``/``lon`` of each row of ``frame`` (cells as text or numbers) against Trøndelag and
    against the row's ``kommunenummer`` (when it is one of the 38)."""
    if not {"lat", "lon"} <= set(frame.columns) or not len(frame):
        return CoordinateCheck(_empty(), _empty())
    lat = mapped(frame["lat"].reset_index(drop=True), parse_number).astype(float).to_numpy()
    lon = mapped(frame["lon"].reset_index(drop=True), parse_number).astype(float).to_numpy()
    present = np.isfinite(lat) & np.isfinite(lon)
    if not present.any():
        return CoordinateCheck(_empty(), _empty())
    rows = np.flatnonzero(present)
    index = polygon_index()
    names = load_municipalities()["navn"]
    codes = list(index.codes)
    position = {code: i for i, code in enumerate(codes)}

    # Work once per distinct point.
    points = pd.DataFrame({"lat": lat[rows], "lon": lon[rows]})
    key, unique = pd.factorize(pd.MultiIndex.from_frame(points))
    u_lat = np.array([p[0] for p in unique], dtype=float)
    u_lon = np.array([p[1] for p in unique], dtype=float)
    located = index.locate(u_lat, u_lon)
    inside = located[key]
    outside_km = np.zeros(len(unique))
    missing = np.flatnonzero(located < 0)
    if len(missing):
        outside_km[missing] = index.county_distance_km(u_lat[missing], u_lon[missing])
    outside_km = outside_km[key]

    stated_text = (
        frame["kommunenummer"].reset_index(drop=True).astype("string").str.strip().to_numpy(object)[rows]
        if "kommunenummer" in frame.columns
        else np.full(len(rows), None, dtype=object)
    )
    stated = np.array([position.get(c, -1) if isinstance(c, str) else -1 for c in stated_text], dtype=np.int64)
    distance_stated = index.distance_km(lat[rows], lon[rows], stated)

    errors, warnings = [], []
    for i, row in enumerate(rows):
        rad = first_data_row + int(row)
        where = message("coord_point", lat=Number(lat[row], 5), lon=Number(lon[row], 5))
        value = f"{Number(lat[row], 5).text()}; {Number(lon[row], 5).text()}"
        if inside[i] < 0 and outside_km[i] > COUNTY_TOLERANCE_KM:
            errors.append(
                {
                    "rad": rad,
                    "kolonne": "lat",
                    "verdi": value,
                    "melding": text("coord_outside_county", where=where, km=Number(outside_km[i])),
                }
            )
            continue
        if stated[i] < 0 or inside[i] == stated[i]:
            continue
        gap = distance_stated[i]
        if not np.isfinite(gap) or gap == 0:
            continue
        stated_name = f"{names[codes[stated[i]]]} ({codes[stated[i]]})"
        located = (
            message("coord_in", name=names[codes[inside[i]]], code=codes[inside[i]])
            if inside[i] >= 0
            else message("coord_off_coast")
        )
        if gap <= BORDER_TOLERANCE_KM:
            if inside[i] >= 0:
                warnings.append(
                    {
                        "rad": rad,
                        "kolonne": "lat",
                        "verdi": value,
                        "melding": text(
                            "coord_near_border", where=where, located=located, km=Number(gap, 1), stated=stated_name
                        ),
                    }
                )
            continue
        errors.append(
            {
                "rad": rad,
                "kolonne": "lat",
                "verdi": value,
                "melding": text(
                    "coord_other_municipality", where=where, located=located, km=Number(gap, 1), stated=stated_name
                ),
            }
        )
    return CoordinateCheck(problem_frame(errors), problem_frame(warnings))


def coordinate_problems(frame: pd.DataFrame, first_data_row: int = 2, problems: pd.DataFrame | None = None):
    """``problems`` (from schema validation) with the coordinate errors of rows whose ``lat``, ``lon`` and
    ``kommunenummer`` passed the schema appended, sorted by row and column."""
    problems = problems if problems is not None else _empty()
    check = check_coordinates(frame, first_data_row)
    errors = check.errors
    if len(errors) and len(problems):
        flagged = problems[problems["kolonne"].isin(["lat", "lon", "kommunenummer"])]["rad"].dropna()
        errors = errors[~errors["rad"].isin(set(flagged))]
    if not len(errors):
        return problems
    combined = pd.concat([problems, errors], ignore_index=True) if len(problems) else errors
    combined["rad"] = combined["rad"].astype("Int64")
    return combined.sort_values(["rad", "kolonne"], na_position="first").reset_index(drop=True)
