"""Travel time by road and ferry between municipalities, study places and arbitrary points.

The model is built by ``build-reference --only travel`` (:mod:`kompilot_data.reference.build.travel`)
and committed in ``kompilot_data/data/reisetid_*.csv``:

* nodes: each municipality's administrative centre, the study places, the ferry quays and the road junctions of
  Kartverket N1000 (``type = veinode``);
* road edges: N1000 road stretches, minutes = km ÷ the speed of the road class (motorway, motortrafikkveg, E/R,
  F, K/P), the speeds fitted by bounded least squares on published car journeys (``reisetid_kalibrering.csv``);
  links N1000 lacks from the reviewed ``reisetid_veitillegg.csv``; each centre, study place and quay joined to the
  nearest road node (``reisetid_tilkoblinger.csv``);
* ferry edges: crossing minutes + half the headway as waiting.

Every time here is a **modelled estimate** (free flow: no rush hour, no winter closures); a coordinator's measured
time in ``reisetid_overstyring.csv`` replaces the model for its pair (read on first use in each process).

numpy and pandas only (no geopandas, no streamlit); everything is cached per process.
"""

from __future__ import annotations

import heapq
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from kompilot_data.reference.errors import KompilotError
from kompilot_data.reference.paths import DATA_DIR

ROAD = "vei"
FERRY = "ferje"
FIXED_LINK = "fast forbindelse"

NODES_FILE = "reisetid_noder.csv"
EDGES_FILE = "reisetid_kanter.csv"
MUNICIPALITY_FILE = "reisetid_kommuner.csv"
PLACES_FILE = "reisetid_studiesteder.csv"
MODEL_FILE = "reisetid_modell.json"
OVERRIDES_FILE = "reisetid_overstyring.csv"
OVERRIDE_COLUMNS = ["fra", "til", "minutter", "km", "kilde", "merknad"]

#: A point closer than this to a study place is taken to be at that study place.
SNAP_TO_PLACE_KM = 0.3
#: Points outside every polygon (the coastline is clipped) are given the nearest municipality within this.
LOCATE_MAX_KM = 3.0
EARTH_RADIUS_KM = 6371.0088


class UnknownPlace(KompilotError, KeyError):
    """A municipality or study place that the travel model does not know, or a pair it has no route for."""


@dataclass(frozen=True)
class Edge:
    """One undirected edge of the travel graph."""

    a: str
    b: str
    kind: str  # ROAD | FERRY | FIXED_LINK
    minutes: float
    km: float
    name: str | None = None
    estimated: bool = False


@dataclass(frozen=True)
class Leg:
    kind: str  # "vei" | "ferje" | "fast forbindelse"
    fra: str
    til: str
    minutes: float
    km: float
    name: str | None


@dataclass(frozen=True)
class Route:
    origin: str
    destination: str
    minutes: float
    km: float
    ferries: tuple[str, ...]
    legs: tuple[Leg, ...]
    estimated: bool
    overridden: bool
    via: tuple[str, ...] = ()  # the roads and ferries named in travel order (see via_names)


@dataclass(frozen=True)
class PointTravel:
    minutes: np.ndarray  # float32 (municipalities × points), NaN where a point has no coordinates
    km: np.ndarray  # float32 road km (estimate)
    ferry: np.ndarray  # int32 (municipalities × points): index into ferry_labels, -1 = no ferry
    ferry_labels: tuple[str, ...]


# --- the graph -------------------------------------------------------------------------------


def shortest_paths(edges: Iterable[Edge], source: str) -> tuple[dict[str, float], dict[str, tuple[str, Edge]]]:
    """Dijkstra on minutes over undirected ``edges`` from ``source``.

    Returns the minutes to every reachable node and, for each node but the source, the previous node
    and the edge taken. Ties are broken by node id, so the result is deterministic.
    """
    adjacency: dict[str, list[tuple[str, Edge]]] = defaultdict(list)
    for edge in edges:
        adjacency[edge.a].append((edge.b, edge))
        adjacency[edge.b].append((edge.a, edge))
    minutes = {source: 0.0}
    previous: dict[str, tuple[str, Edge]] = {}
    heap = [(0.0, source)]
    done: set[str] = set()
    while heap:
        spent, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        for neighbour, edge in adjacency[node]:
            candidate = spent + edge.minutes
            if candidate < minutes.get(neighbour, math.inf) - 1e-9:
                minutes[neighbour] = candidate
                previous[neighbour] = (node, edge)
                heapq.heappush(heap, (candidate, neighbour))
    return minutes, previous


def path(previous: dict[str, tuple[str, Edge]], source: str, target: str) -> list[tuple[str, str, Edge]]:
    """The edges from ``source`` to ``target`` as ``(from, to, edge)``, in travel order."""
    steps = []
    node = target
    while node != source:
        if node not in previous:
            raise KeyError(f"{target} is not reachable from {source}")
        before, edge = previous[node]
        steps.append((before, node, edge))
        node = before
    return steps[::-1]


#: A road is named in a route's "via" when the route drives at least this many km on it.
VIA_MIN_KM = 10.0
#: At most this many roads are named (the longest stretches, in travel order); ferries are always named.
VIA_MAX_ROADS = 4


def via_names(steps: Iterable[tuple[str, str, Edge]], language: str = "nb") -> list[str]:
    """The roads and ferries of a route in travel order: ``["E6", "Rv3", "ferje Skei–Gutvik"]``.

    A road (E, Rv, Fv) is named once, where the route first drives on it, when the route drives at least
    :data:`VIA_MIN_KM` on it; of those the :data:`VIA_MAX_ROADS` longest. Every ferry is named."""
    steps = list(steps)
    km: dict[str, float] = {}
    for _, _, edge in steps:
        if edge.kind != FERRY and edge.name:
            km[edge.name] = km.get(edge.name, 0.0) + edge.km
    longest = sorted((name for name in km if km[name] >= VIA_MIN_KM), key=lambda name: (-km[name], name))
    named = set(longest[:VIA_MAX_ROADS])
    word = "ferje" if language == "nb" else "ferry"
    result: list[str] = []
    for _, _, edge in steps:
        if edge.kind == FERRY and edge.name:
            result.append(f"{word} {edge.name}")
        elif edge.name in named and edge.name not in result:
            result.append(edge.name)
    return result


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km (vectorised)."""
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --- the committed model ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    nodes: pd.DataFrame  # indexed by node id
    edges: tuple[Edge, ...]
    parameters: dict
    municipalities: pd.Index  # kommunenummer in load_municipalities() order
    names: dict[str, str]  # lower-case name or code -> node id


def _yes(series: pd.Series) -> pd.Series:
    return series.astype(str).str.lower().eq("ja")


@lru_cache(maxsize=1)
def _model() -> _Model:
    from kompilot_data.reference.tables import load_municipalities

    nodes = pd.read_csv(DATA_DIR / NODES_FILE, dtype={"node": str, "kommunenummer": str}).set_index("node")
    raw = pd.read_csv(DATA_DIR / EDGES_FILE, dtype={"fra": str, "til": str}, keep_default_na=False)
    estimated = _yes(raw["estimert"]).to_numpy()
    edges = tuple(
        Edge(a, b, kind, float(minutes), float(km), name or None, bool(est))
        for a, b, kind, minutes, km, name, est in zip(
            raw["fra"], raw["til"], raw["type"], raw["minutter"], raw["km"], raw["navn"], estimated, strict=True
        )
    )
    parameters = json.loads((DATA_DIR / MODEL_FILE).read_text(encoding="utf-8"))
    municipalities = load_municipalities()
    names: dict[str, str] = {}
    for code, row in municipalities.iterrows():
        for name in (code, row["navn"], row.get("offisielt_navn"), row.get("samisk_navn")):
            if isinstance(name, str) and name:
                names.setdefault(name.strip().lower(), str(code))
        for part in str(row.get("offisielt_navn") or "").split(" - "):
            if part:
                names.setdefault(part.strip().lower(), str(code))
    # Place names: a centre's town («Berkåk», «Rørvik») is its municipality; then study place ids, quay names
    # («Flakk ferjekai») and the study places' towns where no municipality or centre has that name.
    for node, town in nodes.loc[nodes["type"] == "kommunesenter", "sted"].items():
        names.setdefault(str(town).strip().lower(), node)
    for node in nodes.index[nodes["type"] == "studiested"]:
        names.setdefault(node.lower(), node)
    for node, name in nodes.loc[nodes["type"] == "ferjekai", "navn"].items():
        names.setdefault(str(name).strip().lower(), node)
    for node, town in nodes.loc[nodes["type"] == "studiested", "sted"].sort_index().items():
        if isinstance(town, str) and town.strip():
            names.setdefault(town.strip().lower(), node)
    return _Model(nodes, edges, parameters, municipalities.index, names)


def parameters() -> dict:
    """The model's parameters: speeds per road class and their fit, the local detour factor and speed, ferry
    estimates, the calibration error and the connector report's summary (``reisetid_modell.json``)."""
    return dict(_model().parameters)


def calibration() -> pd.DataFrame:
    """The published car journeys the model was calibrated on, with the model's minutes and km and the error per
    row (``reisetid_kalibrering.csv``, rows with ``brukt == "ja"``; written by ``build-reference``)."""
    from kompilot_data.reference.paths import DATA_DIR

    table = pd.read_csv(DATA_DIR / "reisetid_kalibrering.csv")
    return table[table["brukt"] == "ja"].drop(columns=["brukt", "merknad"]).reset_index(drop=True)


def resolve(name: str) -> str:
    """Node id of a municipality (number or name in any case, official or Sami form, or its centre's town such as
    «Berkåk»), a study place (id, or its town where no municipality has that name) or a ferry quay."""
    model = _model()
    key = str(name).strip().lower()
    if key in model.names:
        return model.names[key]
    raise UnknownPlace("err_travel_unknown_place", name=name)


def node_name(node: str, place: bool = False) -> str:
    """Display name of a node: the municipality's name for a centre (its town with ``place=True``),
    else the node's own name."""
    model = _model()
    if node not in model.nodes.index:
        return node
    if model.nodes.at[node, "type"] == "veinode":
        return ""
    return str(model.nodes.at[node, "sted" if place else "navn"])


@lru_cache(maxsize=1)
def load_overrides() -> pd.DataFrame:
    """Measured times that replace the model (``reisetid_overstyring.csv``; columns fra, til, minutter, km,
    kilde, merknad). ``fra``/``til`` are kommunenummer or studiested_id; a pair counts in both directions."""
    path = DATA_DIR / OVERRIDES_FILE
    if not path.exists():
        return pd.DataFrame(columns=OVERRIDE_COLUMNS)
    frame = pd.read_csv(path, dtype={"fra": str, "til": str, "kilde": str, "merknad": str}, comment="#")
    missing = set(OVERRIDE_COLUMNS[:3]) - set(frame.columns)
    if missing:
        raise ValueError(f"{OVERRIDES_FILE}: mangler kolonne(r) {sorted(missing)}")
    frame["minutter"] = pd.to_numeric(frame["minutter"], errors="raise").astype(float)
    frame["km"] = pd.to_numeric(frame.get("km"), errors="coerce").astype(float)
    return frame


def _override(a: str, b: str) -> pd.Series | None:
    overrides = load_overrides()
    if not len(overrides):
        return None
    hit = overrides[
        ((overrides["fra"] == a) & (overrides["til"] == b)) | ((overrides["fra"] == b) & (overrides["til"] == a))
    ]
    return hit.iloc[-1] if len(hit) else None


@lru_cache(maxsize=64)
def _from(source: str) -> tuple[dict[str, float], dict[str, tuple[str, Edge]]]:
    return shortest_paths(_model().edges, source)


def route(origin: str, destination: str) -> Route:
    """The quickest modelled route between two municipalities (numbers or names) or study places.

    A measured time in ``reisetid_overstyring.csv`` wins over the model (``overridden``); its legs and
    ferries are then those of the modelled route, and its km the measured km where given.
    """
    a, b = resolve(origin), resolve(destination)
    minutes, previous = _from(a)
    if b not in minutes:
        raise UnknownPlace("err_travel_no_route", origin=origin, destination=destination)
    legs = tuple(
        Leg(
            edge.kind,
            node_name(start, place=True),
            node_name(end, place=True),
            round(edge.minutes, 1),
            round(edge.km, 1),
            edge.name,
        )
        for start, end, edge in path(previous, a, b)
    )
    steps = path(previous, a, b)
    legs = _name_junctions(_merge_legs(legs))
    ferries = tuple(leg.name for leg in legs if leg.kind == FERRY and leg.name)
    total_minutes = float(minutes[b])
    total_km = float(sum(edge.km for _, _, edge in steps))
    estimated = any(edge.estimated for _, _, edge in steps)
    override = _override(a, b)
    if override is not None:
        total_minutes = float(override["minutter"])
        total_km = float(override["km"]) if pd.notna(override["km"]) else total_km
    return Route(
        node_name(a),
        node_name(b),
        round(total_minutes, 1),
        round(total_km, 1),
        ferries,
        legs,
        estimated and override is None,
        override is not None,
        tuple(via_names(steps)),
    )


def _name_junctions(legs: tuple[Leg, ...]) -> tuple[Leg, ...]:
    """A leg's end at a road junction (a node without a name) is named by the roads that meet there:
    «kryss E6/Rv3»; the next leg starts there."""
    legs = list(legs)
    for i in range(len(legs) - 1):
        leg = legs[i]
        if leg.til:
            continue
        roads = [name for name in (leg.name, legs[i + 1].name) if name]
        label = "kryss " + "/".join(dict.fromkeys(roads)) if roads else "veikryss"
        legs[i] = Leg(leg.kind, leg.fra, label, leg.minutes, leg.km, leg.name)
        nxt = legs[i + 1]
        legs[i + 1] = Leg(nxt.kind, label, nxt.til, nxt.minutes, nxt.km, nxt.name)
    return tuple(legs)


#: An unnamed road leg shorter than this (km: a connector, a town street) is shown as part of the road next to it.
SHORT_LEG_KM = 2.0


def _merge_legs(legs: tuple[Leg, ...]) -> tuple[Leg, ...]:
    """Consecutive road legs on the same road as one leg, and a short unnamed road leg (a connector, a town
    street) as part of the road leg next to it, so a route reads as its roads and ferries."""

    def join(first: Leg, second: Leg, name: str | None) -> Leg:
        minutes, km = round(first.minutes + second.minutes, 1), round(first.km + second.km, 1)
        return Leg(ROAD, first.fra, second.til, minutes, km, name)

    def short(leg: Leg) -> bool:
        return leg.kind == ROAD and not leg.name and leg.km < SHORT_LEG_KM

    merged: list[Leg] = []
    for leg in legs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.kind == leg.kind == ROAD
            and ((last.name or "") == (leg.name or "") or short(leg) or short(last))
        ):
            merged[-1] = join(last, leg, last.name if not short(last) else leg.name)
        else:
            merged.append(leg)
    return tuple(merged)


def _matrix(file_name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA_DIR / file_name, dtype={"fra": str, "til": str}, keep_default_na=False)
    frame["ferjer"] = frame["ferjer"].replace("", None)
    return frame


def _apply_overrides(frame: pd.DataFrame) -> pd.DataFrame:
    overrides = load_overrides()
    if not len(overrides):
        return frame
    frame = frame.copy()
    both = pd.concat(
        [overrides, overrides.rename(columns={"fra": "til", "til": "fra"})], ignore_index=True
    ).drop_duplicates(subset=["fra", "til"], keep="last")
    keyed = both.set_index(["fra", "til"])
    position = keyed.index.get_indexer(pd.MultiIndex.from_arrays([frame["fra"], frame["til"]]))
    hit = position >= 0
    frame.loc[hit, "minutter"] = keyed["minutter"].to_numpy()[position[hit]]
    km = keyed["km"].to_numpy()[position[hit]]
    frame.loc[hit, "km"] = np.where(np.isnan(km), frame.loc[hit, "km"].to_numpy(float), km)
    frame.loc[hit, "overstyrt"] = "ja"
    return frame


@lru_cache(maxsize=1)
def municipality_routes() -> pd.DataFrame:
    """The committed municipality × municipality table (long), overrides applied: ``fra``, ``til``,
    ``minutter``, ``km``, ``ferjer``, ``estimert``, ``overstyrt``, ``rute``."""
    return _apply_overrides(_matrix(MUNICIPALITY_FILE))


@lru_cache(maxsize=1)
def place_routes() -> pd.DataFrame:
    """The committed municipality × study place table (long), overrides applied."""
    return _apply_overrides(_matrix(PLACES_FILE))


@lru_cache(maxsize=1)
def municipality_matrix() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Minutes and km between municipality centres: two 38 × 38 frames, index and columns kommunenummer
    in ``load_municipalities()`` order, overrides applied."""
    order = _model().municipalities
    routes = municipality_routes()
    minutes = routes.pivot(index="fra", columns="til", values="minutter").reindex(index=order, columns=order)
    km = routes.pivot(index="fra", columns="til", values="km").reindex(index=order, columns=order)
    minutes.index.name = km.index.name = "kommunenummer"
    minutes.columns.name = km.columns.name = "kommunenummer"
    return minutes.astype(float), km.astype(float)


@dataclass(frozen=True)
class _PointModel:
    municipalities: pd.Index
    centre_lat: np.ndarray
    centre_lon: np.ndarray
    minutes: np.ndarray  # (m × m) float32
    km: np.ndarray
    ferry: np.ndarray  # (m × m) int32 into labels
    place_ids: np.ndarray
    place_lat: np.ndarray
    place_lon: np.ndarray
    place_municipality: np.ndarray  # int index into municipalities
    place_minutes: np.ndarray  # (m × p)
    place_km: np.ndarray
    place_ferry: np.ndarray
    labels: tuple[str, ...]
    detour: float
    speed_kmh: float


@lru_cache(maxsize=1)
def _point_model() -> _PointModel:
    model = _model()
    order = model.municipalities
    centres = model.nodes.loc[list(order)]
    minutes, km = municipality_matrix()
    routes = municipality_routes()
    places = place_routes()
    labels = tuple(sorted(set(routes["ferjer"].dropna()) | set(places["ferjer"].dropna())))
    label_index = {label: i for i, label in enumerate(labels)}

    def ferry_codes(frame: pd.DataFrame) -> np.ndarray:
        return np.array([label_index.get(v, -1) if isinstance(v, str) else -1 for v in frame["ferjer"]], np.int32)

    ferry = np.full((len(order), len(order)), -1, dtype=np.int32)
    rows, cols = order.get_indexer(routes["fra"]), order.get_indexer(routes["til"])
    ferry[rows, cols] = ferry_codes(routes)

    place_nodes = model.nodes[model.nodes["type"] == "studiested"]
    place_ids = place_nodes.index.to_numpy()
    place_index = pd.Index(place_ids)
    p_minutes = np.full((len(order), len(place_ids)), np.nan, dtype=np.float32)
    p_km = np.full_like(p_minutes, np.nan)
    p_ferry = np.full(p_minutes.shape, -1, dtype=np.int32)
    rows, cols = order.get_indexer(places["fra"]), place_index.get_indexer(places["til"])
    known = (rows >= 0) & (cols >= 0)
    p_minutes[rows[known], cols[known]] = places["minutter"].to_numpy(float)[known]
    p_km[rows[known], cols[known]] = places["km"].to_numpy(float)[known]
    p_ferry[rows[known], cols[known]] = ferry_codes(places)[known]
    return _PointModel(
        order,
        centres["lat"].to_numpy(float),
        centres["lon"].to_numpy(float),
        minutes.to_numpy(np.float32),
        km.to_numpy(np.float32),
        ferry,
        place_ids,
        place_nodes["lat"].to_numpy(float),
        place_nodes["lon"].to_numpy(float),
        order.get_indexer(place_nodes["kommunenummer"]),
        p_minutes,
        p_km,
        p_ferry,
        labels,
        float(model.parameters["omvegsfaktor"]),
        float(model.parameters["lokal_fart_kmt"]),
    )


def _municipality_positions(kommunenummer, n: int, order: pd.Index) -> np.ndarray:
    """Position of each point's stated kommunenummer in ``order`` (-1 when missing or unknown)."""
    if kommunenummer is None:
        return np.full(n, -1, dtype=np.int64)
    return order.get_indexer(np.asarray(kommunenummer, dtype=object))


def travel_to_points(lat, lon, kommunenummer=None) -> PointTravel:
    """Modelled travel from every municipality centre to arbitrary points (e.g. offers' study places).

    A point within :data:`SNAP_TO_PLACE_KM` of a study place of the same municipality uses the committed
    municipality × study place table. Any other point: centre → the point's municipality centre (the
    committed matrix), then a local road leg (great-circle km × detour ÷ speed). Without a
    ``kommunenummer`` the municipality is found by point-in-polygon. NaN where a point has no
    coordinates or lies outside Trøndelag. The work is done once per distinct (point, municipality).
    """
    model = _point_model()
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    stated = _municipality_positions(kommunenummer, len(lat), model.municipalities)
    # Offers share few places: compute on the distinct (lat, lon, municipality) and expand at the end.
    # Key: coordinates on a 1e-6° grid (about 0.1 m) and the stated municipality, as one int64.
    known = np.isfinite(lat) & np.isfinite(lon)
    grid_lat = np.where(known, np.round(lat * 1e6), -1).astype(np.int64)
    grid_lon = np.where(known, np.round((lon + 180) * 1e6), -1).astype(np.int64)
    key = (grid_lat * (1 << 29) + grid_lon) * 64 + (stated + 1)
    inverse, first = pd.factorize(key)
    first_row = np.zeros(len(first), dtype=np.int64)
    first_row[inverse[::-1]] = np.arange(len(key))[::-1]
    u_lat, u_lon = lat[first_row], lon[first_row]
    positions = stated[first_row].copy()
    missing = np.flatnonzero((positions < 0) & np.isfinite(u_lat) & np.isfinite(u_lon))
    if len(missing):
        from kompilot_data.reference.geometry import locate

        found = locate(u_lat[missing], u_lon[missing], max_km=LOCATE_MAX_KM)
        positions[missing] = model.municipalities.get_indexer([c if c is not None else "" for c in found])
    usable = (positions >= 0) & np.isfinite(u_lat) & np.isfinite(u_lon)
    target = np.where(usable, positions, 0)

    # Local leg from the point's own municipality centre.
    local_km = haversine_km(model.centre_lat[target], model.centre_lon[target], u_lat, u_lon) * model.detour
    local_km = local_km.astype(np.float32)
    minutes = model.minutes[:, target] + (local_km * np.float32(60 / model.speed_kmh))[None, :]
    km = model.km[:, target] + local_km[None, :]
    ferry = model.ferry[:, target]  # fancy indexing: already a copy

    # Points at a study place of the same municipality use the committed place table.
    scale_lon = 111.320 * np.cos(np.radians(63.9))  # planar km: exact enough to tell 300 m
    for municipality in np.unique(model.place_municipality):
        points = np.flatnonzero(usable & (positions == municipality))
        if not len(points):
            continue
        places = np.flatnonzero(model.place_municipality == municipality)
        dx = (u_lon[points, None] - model.place_lon[None, places]) * scale_lon
        dy = (u_lat[points, None] - model.place_lat[None, places]) * 110.574
        distance = dx * dx + dy * dy
        nearest = np.argmin(distance, axis=1)
        snapped = distance[np.arange(len(points)), nearest] <= SNAP_TO_PLACE_KM**2
        columns, place = points[snapped], places[nearest[snapped]]
        minutes[:, columns] = model.place_minutes[:, place]
        km[:, columns] = model.place_km[:, place]
        ferry[:, columns] = model.place_ferry[:, place]

    minutes[:, ~usable] = np.nan
    km[:, ~usable] = np.nan
    ferry[:, ~usable] = -1
    if len(first_row) < len(lat):
        minutes, km, ferry = minutes[:, inverse], km[:, inverse], ferry[:, inverse]
    return PointTravel(minutes, km, ferry, model.labels)


def duration(minutes: float, language: str = "nb") -> str:
    """«2 t 15 min» (en: «2 h 15 min»), «45 min» under an hour; rounded to whole minutes."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    unit = "t" if language == "nb" else "h"
    return f"{hours} {unit} {rest} min" if rest else f"{hours} {unit}"


def describe(route_: Route, language: str = "nb") -> str:
    """One line: ``Oppdal → Røros: 2 t 15 min, 142 km, via E6, Rv3, Fv30`` (the roads and ferries of the route,
    see :func:`via_names`; no "via" on a route with no named road or ferry)."""
    line = f"{route_.origin} → {route_.destination}: {duration(route_.minutes, language)}, {route_.km:.0f} km"
    via = route_.via if language == "nb" else tuple(v.replace("ferje ", "ferry ", 1) for v in route_.via)
    if via:
        line += ", via " + ", ".join(via)
    return line


def summary(route_: Route, language: str = "nb") -> str:
    """Short text for reasons and captions: «75 min med bil inkl. ferje Brekstad–Valset» (labels in travel.toml)."""
    from kompilot_data.reference.i18n import format_number, t

    minutes = format_number(route_.minutes, language)
    if route_.overridden:
        return t("travel_summary_measured", language, minutes=minutes)
    if route_.ferries:
        joiner = " og " if language == "nb" else " and "
        return t("travel_summary_ferry", language, minutes=minutes, ferries=joiner.join(route_.ferries))
    return t("travel_summary", language, minutes=minutes)


def model_note(language: str = "nb") -> str:
    """How the travel times are estimated, with the fitted speeds and the limits (labels in travel.toml)."""
    from kompilot_data.reference.i18n import format_number, t

    values = parameters()
    speeds = values["fart_kmt"]
    return t(
        "travel_model_note",
        language,
        motorway=format_number(speeds["motorveg"], language),
        expressway=format_number(speeds["motortrafikkveg"], language),
        trunk=format_number(speeds["E/R"], language),
        county=format_number(speeds["F"], language),
        local=format_number(speeds["K/P"], language),
        routes=values["tilpasning"]["ruter_i_tilpasning"],
        pinned=_classes(values["tilpasning"]["bestemt_av_data"], language),
        at_bound=_classes(values["tilpasning"]["ved_grense"], language),
        error=format_number(values["median_absolutt_feil_min"], language, 1),
        max_error=format_number(values["maks_absolutt_feil_min"], language, 1),
        held_out=format_number(values["tilpasning"]["utelatt_en_median_absolutt_feil_min"], language, 1),
    )


def _classes(classes, language: str) -> str:
    """«motorvei og motortrafikkvei» from road class keys (labels in travel.toml)."""
    from kompilot_data.reference.i18n import t

    names = [t("travel_class_" + c.replace("/", "_"), language) for c in classes]
    joiner = " og " if language == "nb" else " and "
    return ", ".join(names[:-1]) + joiner + names[-1] if len(names) > 1 else "".join(names) or "–"


def leg_kind_label(kind: str, language: str = "nb") -> str:
    """«vei»/«road», «ferje»/«ferry», «fast forbindelse (bru eller tunnel)»/«fixed link (bridge or tunnel)»."""
    from kompilot_data.reference.i18n import t

    return t(f"travel_leg_{kind.replace(' ', '_')}", language)
