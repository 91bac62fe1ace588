"""Build the package's reference data from the raw public source files.

This is the only code that reads the raw folder (``../shared/data/raw`` in the
development checkout). It writes compact derived files into
``kompilot_data/data/``; those are committed and are all the app reads.

Run with ``python -m kompilot_data build-reference --raw ../shared/data/raw``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import mapping, shape

from kompilot_data._paths import DATA_DIR

#: Simplification tolerance (degrees) for GEOS' coverage simplifier, and the
#: coordinate grid (1e-4 degrees is about 11 m north-south, 5 m east-west).
SIMPLIFY_TOLERANCE = 0.004
COORDINATE_GRID = 1e-4

KOMMUNE_GEOJSON = "geo/derived/trondelag_kommuner_2024_M_epsg4326.geojson"

# STYRK-08 prefix -> competence area, longest prefix wins. Used to aggregate
# NAV's occupation-level shortage into the dashboard's competence areas.
STYRK_TIL_KOMPETANSEOMRADE = {
    "1": "ledelse",
    "1323": "bygg",
    "1345": "oppvekst",
    "1412": "reiseliv",
    "21": "industri",
    "2142": "bygg",
    "215": "elektro",
    "22": "helse",
    "23": "oppvekst",
    "24": "ledelse",
    "25": "ikt",
    "2635": "helse",
    "26": "ledelse",
    "31": "industri",
    "3112": "bygg",
    "3123": "bygg",
    "313": "elektro",
    "32": "helse",
    "33": "ledelse",
    "34": "reiseliv",
    "35": "ikt",
    "4": "ledelse",
    "51": "reiseliv",
    "52": "reiseliv",
    "531": "oppvekst",
    "532": "helse",
    "54": "reiseliv",
    "6": "primar",
    "71": "bygg",
    "72": "industri",
    "73": "industri",
    "74": "elektro",
    "75": "primar",
    "81": "industri",
    "82": "industri",
    "83": "transport",
    "91": "reiseliv",
    "92": "primar",
    "93": "transport",
    "94": "reiseliv",
    "96": "reiseliv",
}

AGE_GROUPS = {
    "F340": "0-15",
    "F341": "16-18",
    "F342": "19-34",
    "F343": "35-66",
    "F344": "67-74",
    "F345": "75+",
}

STUDIESTED_TYPE_BY_PROVIDER_TYPE = {
    "universitet": "universitet",
    "fagskole": "fagskole",
    "studiesenter": "studiesenter",
}


def kompetanseomrade_for_styrk(code: str) -> str | None:
    """Return the competence area code for a 4-digit STYRK-08 code."""
    for length in range(len(code), 0, -1):
        area = STYRK_TIL_KOMPETANSEOMRADE.get(code[:length])
        if area:
            return area
    return None


def _read(raw: Path, relative: str) -> pd.DataFrame:
    return pd.read_csv(raw / relative, dtype=str, keep_default_na=False)


def _as_int(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.replace("", np.nan)).astype("Int64")


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


def build_population(raw: Path) -> pd.DataFrame:
    total = _read(raw, "stats/befolkning_trondelag_07459.csv")
    total = total[total["befolkning_1_januar"] != ""]
    total = pd.DataFrame(
        {
            "kommunenummer": total["kommunenummer"],
            "aar": _as_int(total["aar"]),
            "aldersgruppe": "alle",
            "personer": _as_int(total["befolkning_1_januar"]),
        }
    )
    ages = _read(raw, "stats/ssb_07459_alder_trondelag.csv")
    ages = pd.DataFrame(
        {
            "kommunenummer": ages["kode"],
            "aar": _as_int(ages["aar"]),
            "aldersgruppe": ages["alder"].map(AGE_GROUPS),
            "personer": _as_int(ages["verdi"]),
        }
    )
    if ages["aldersgruppe"].isna().any():
        raise ValueError("unknown SSB age group code in 07459 extract")
    check = ages.groupby(["kommunenummer", "aar"])["personer"].sum()
    totals = total.set_index(["kommunenummer", "aar"])["personer"]
    joined = check.to_frame("sum").join(totals, how="inner")
    if not (joined["sum"] == joined["personer"]).all():
        raise ValueError("age groups do not add up to the population total")
    return pd.concat([total, ages]).sort_values(["kommunenummer", "aar", "aldersgruppe"])


def build_education(raw: Path) -> pd.DataFrame:
    edu = _read(raw, "stats/ssb_09429_utdanning_trondelag.csv")
    wide = edu.pivot_table(index=["kode", "aar"], columns="nivaa", values="verdi", aggfunc="first")
    wide = wide.reset_index().rename(
        columns={"kode": "kommunenummer", "00": "personer_16plus", "03a": "uh_kort", "04a": "uh_lang"}
    )
    for column in ["aar", "personer_16plus", "uh_kort", "uh_lang"]:
        wide[column] = _as_int(wide[column])
    wide.columns.name = None
    return wide[["kommunenummer", "aar", "personer_16plus", "uh_kort", "uh_lang"]]


def build_employment(raw: Path) -> pd.DataFrame:
    emp = _read(raw, "stats/ssb_07984_sysselsatte_naering_trondelag.csv")
    return pd.DataFrame(
        {
            "kommunenummer": emp["kode"],
            "aar": _as_int(emp["aar"]),
            "naering_sn2007": emp["naering"],
            "sysselsatte": _as_int(emp["verdi"]),
        }
    ).sort_values(["kommunenummer", "aar", "naering_sn2007"])


def build_subregions(raw: Path) -> pd.DataFrame:
    pilot = _read(raw, "admin/kompetansepilot_delregioner.csv")
    rolle = pilot["membership"].str.startswith("primary").map({True: "primar", False: "sekundar"})
    return pd.DataFrame(
        {
            "kommunenummer": pilot["kommunenummer"],
            "delregion": pilot["subregion_pilot"],
            "rolle": rolle,
            "sikkerhet": pilot["confidence"],
            "grunnlag": pilot["basis"],
        }
    ).sort_values(["delregion", "kommunenummer"])


def build_councils(raw: Path) -> pd.DataFrame:
    councils = _read(raw, "admin/trondelag_regionraad_medlemskap.csv")
    return councils[["regionraad", "kommunenummer", "as_of", "confidence", "source"]].rename(
        columns={"as_of": "per", "confidence": "sikkerhet", "source": "kilde"}
    )


def _split_places(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows naming two places ("5014;5056" with "lat1;lat2") become one row per place."""
    columns = ["kommunenummer", "lat", "lon"]
    exploded = frame.assign(**{c: frame[c].str.split(";") for c in columns})
    return exploded.explode(columns, ignore_index=True)


def build_study_places(raw: Path) -> pd.DataFrame:
    providers = _split_places(_read(raw, "stats/evu_tilbydere_trondelag.csv"))
    provider_type = providers["type"].str.split(" ").str[0]
    evu = pd.DataFrame(
        {
            "navn": providers["tilbyder"],
            "type": provider_type.map(STUDIESTED_TYPE_BY_PROVIDER_TYPE).fillna("annet"),
            "beskrivelse": providers["type"],
            "kommunenummer": providers["kommunenummer"],
            "sted": providers["studiested"],
            "lat": providers["lat"],
            "lon": providers["lon"],
            "koordinat_kilde": providers["koordinat_kilde"],
            "voksenopplaering": "",
            "fagomrader": providers["fagomrader_tilbud"],
            "kilde": providers["kilde"],
        }
    )
    schools = _read(raw, "stats/studiesteder_vgs_trondelag.csv")
    has_nsr = schools["lat_nsr"] != ""
    vgs = pd.DataFrame(
        {
            "navn": schools["skole"],
            "type": "vgs",
            "beskrivelse": schools["skoletype"],
            "kommunenummer": schools["kommunenummer"],
            "sted": schools["sted"],
            "lat": schools["lat_nsr"].where(has_nsr, schools["lat"]),
            "lon": schools["lon_nsr"].where(has_nsr, schools["lon"]),
            "koordinat_kilde": np.where(
                has_nsr, "Skoleposisjon i NSR/Geonorge (EPSG:3035 omregnet til WGS84)", schools["koordinat_kilde"]
            ),
            "voksenopplaering": schools["voksenopplaering"],
            "fagomrader": schools["yrkesfag_programmer"],
            "kilde": schools["kilde"],
        }
    )
    places = pd.concat([evu, vgs], ignore_index=True)
    places["lat"] = pd.to_numeric(places["lat"].replace("", np.nan)).round(5)
    places["lon"] = pd.to_numeric(places["lon"].replace("", np.nan)).round(5)
    places.insert(0, "studiested_id", [f"S{i + 1:03d}" for i in range(len(places))])
    return places


def build_example_offers(raw: Path) -> pd.DataFrame:
    first = _read(raw, "stats/evu_tilbud_eksempler_trondelag.csv").rename(columns={"status_aar": "tidspunkt"})
    second = _read(raw, "stats/evu_tilbud_eksempler_2_trondelag.csv").rename(columns={"aar": "tidspunkt"})
    frame = pd.concat([first, second], ignore_index=True).fillna("")
    columns = [
        "tittel",
        "tilbyder",
        "niva",
        "omfang",
        "form",
        "sted",
        "kommunenummer",
        "delregion",
        "tidspunkt",
        "koblet_til_kompetansepilot",
        "kilde",
        "merknad",
    ]
    return frame[columns]


def build_shortage(raw: Path) -> pd.DataFrame:
    nav = _read(raw, "stats/nav_bedriftsundersokelse_2017_yrke_trondelag.csv")
    frame = pd.DataFrame(
        {
            "aar": _as_int(nav["aar"]),
            "styrk08": nav["styrk08_kode"],
            "yrke": nav["yrke"],
            "mangel_trondelag": _as_int(nav["trondelag"]),
            "mangel_norge": _as_int(nav["norge"]),
        }
    )
    frame["kompetanseomrade"] = frame["styrk08"].map(kompetanseomrade_for_styrk)
    if frame["kompetanseomrade"].isna().any():
        missing = frame.loc[frame["kompetanseomrade"].isna(), "styrk08"].tolist()
        raise ValueError(f"STYRK codes without a competence area: {missing}")
    return frame


def build_county_indicators(raw: Path) -> pd.DataFrame:
    return _read(raw, "stats/trondelag_indikatorer_kompetanse.csv")


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


def write_sources_markdown(out: Path = DATA_DIR) -> Path:
    """Render ``kilder.json`` (the machine-readable source list) as SOURCES.md."""
    sources = json.loads((out / "kilder.json").read_text(encoding="utf-8"))
    lines = [
        "# SOURCES – derived reference data in `kompilot_data/data/`",
        "",
        "Generated by `python -m kompilot_data build-reference` from `kilder.json`; edit that file, not this one.",
        "Every file here was derived from public sources by `kompilot_data/reference/build.py`; nothing was typed in by hand",
        "except `taksonomier.json` (code lists) and `kilder.json`.",
        "",
    ]
    for key, source in sources.items():
        lines += [
            f"## `{source['fil']}` – {source['tittel_nb']}",
            "",
            f"- Source: {source['utgiver']}, {source['datasett']}",
            f"- Version/year: {source['aar']}",
            f"- Licence: {source['lisens']}",
            f"- Attribution: {source['kreditering']}",
            f"- Upstream: {source['url']}",
            f"- Processing: {source['bearbeiding']}",
            f"- Key: `{key}`",
            "",
        ]
    path = out / "SOURCES.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_reference(raw: Path, out: Path = DATA_DIR) -> list[Path]:
    """Read the raw folder and write every derived reference file into ``out``.

    Returns the written paths.
    """
    raw = Path(raw)
    if not (raw / "PROVENANCE.md").exists():
        raise FileNotFoundError(f"{raw} does not look like the raw data folder (no PROVENANCE.md)")
    out.mkdir(parents=True, exist_ok=True)
    geometry = simplify_coverage(load_raw_geometry(raw))
    municipalities = build_municipalities(raw, geometry)
    tables = {
        "kommuner.csv": municipalities,
        "delregioner.csv": build_subregions(raw),
        "regionraad.csv": build_councils(raw),
        "befolkning.csv": build_population(raw),
        "utdanning.csv": build_education(raw),
        "sysselsatte.csv": build_employment(raw),
        "studiesteder.csv": build_study_places(raw),
        "tilbud_eksempler.csv": build_example_offers(raw),
        "nav_mangel_2017.csv": build_shortage(raw),
        "fylkesindikatorer.csv": build_county_indicators(raw),
    }
    written = []
    for name, frame in tables.items():
        path = out / name
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)

    names = municipalities.set_index("kommunenummer")["navn"]
    features = [({"kommunenummer": k, "navn": names[k]}, g) for k, g in sorted(geometry.items())]
    path = out / "kommuner.geojson"
    path.write_text(feature_collection(features), encoding="utf-8")
    written.append(path)
    written.append(write_sources_markdown(out))
    return written
