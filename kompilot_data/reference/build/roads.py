"""Build: the road graph of the travel model from Kartverket N1000 (issue 21).

Input: ``roads/n1000_veglenker_trondelag.geojson`` (EPSG:25833, metres): the car roads
(``typeVeg = enkelBilveg``, existing, not planned) are kept; paths, passenger ferries and the N1000 car-ferry
links are not (ferries come from the NVDB ferry table, with their crossing times and headways).

1. **Snapping.** Link ends closer than :data:`SNAP_END_M` become one node. A loose end (a node of one link
   only) closer than :data:`SNAP_TO_LINE_M` to another link's interior is moved onto that link, which is split
   there: N1000 sometimes ends a side road on a main road without splitting the main road.
2. **Vertex graph.** Every vertex of every link is a node, every segment an edge with its road class
   (:func:`road_class`) and road name (:func:`road_label`).
3. **Connectors.** Points (municipal centres, study places, ferry quays) join the nearest vertex whose straight
   connector stays on land (:func:`crosses_water`); the distance is reported, over :data:`FLAG_KM` flagged.
4. **Extra links** from a reviewed CSV (:data:`EXTRA_LINKS_FILE`, roads N1000 lacks, each row with its source)
   join the nearest vertices of their two ends. A road link across open water is refused; only a bridge, a tunnel
   or a ferry may cross water.
5. **Contraction.** Chains of vertices with exactly two segments of the same road and class, and nothing attached,
   become one edge (km summed), so the committed graph has one edge per road stretch between junctions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

ROADS = "roads/n1000_veglenker_trondelag.geojson"
#: Hand-compiled, reviewed links that N1000 lacks (in the package's data folder; read by the build).
EXTRA_LINKS_FILE = "reisetid_veitillegg.csv"
EXTRA_LINK_COLUMNS = [
    "navn",
    "vegkategori",
    "vegnummer",
    "type",
    "fra_lat",
    "fra_lon",
    "til_lat",
    "til_lon",
    "km",
    "kilde",
    "merknad",
]
#: Kinds of extra link that may cross water.
CROSSES_WATER = {"bru", "tunnel"}

#: Link ends closer than this (m) are one node.
SNAP_END_M = 20.0
#: A loose link end closer than this (m) to another link's interior joins that link there (T-junction).
SNAP_TO_LINE_M = 100.0
#: A connector may leave the land polygons by this much (m): quays lie on the shoreline, N1000 and the
#: municipality polygons are generalised.
WATER_TOLERANCE_M = 250.0
#: Connectors longer than this (km) are flagged in the build report.
FLAG_KM = 5.0
#: A connector goes to one of this many nearest vertices (the nearest whose line stays on land).
CONNECTOR_CANDIDATES = 40

#: Road classes, fastest first: motorway, motortrafikkveg, other European and national roads, county roads,
#: municipal and private roads.
CLASSES = ("motorveg", "motortrafikkveg", "E/R", "F", "K/P")


def road_class(vegkategori: str | None, motorvegtype: str | None) -> str:
    """``motorveg`` and ``motortrafikkveg`` by motorway type, else ``E/R``, ``F`` or ``K/P`` by category."""
    if motorvegtype in ("motorveg", "motortrafikkveg"):
        return motorvegtype
    if vegkategori in ("E", "R"):
        return "E/R"
    if vegkategori == "F":
        return "F"
    return "K/P"


def road_label(vegkategori: str | None, vegnummer) -> str:
    """«E6», «Rv3», «Fv30» as on Norwegian signs; "" for municipal and private roads or without a number."""
    prefix = {"E": "E", "R": "Rv", "F": "Fv"}.get(vegkategori or "")
    if prefix is None or vegnummer is None or (isinstance(vegnummer, float) and np.isnan(vegnummer)):
        return ""
    text = str(vegnummer).strip()
    if not text:
        return ""
    return f"{prefix}{int(float(text))}"


@dataclass(frozen=True)
class Segment:
    """A road edge of the graph before speeds: node ids, road class, road name, length."""

    a: int
    b: int
    klasse: str
    navn: str
    km: float


@dataclass
class RoadGraph:
    """Vertices (x, y in EPSG:25833) and segments between them."""

    xy: np.ndarray  # (n, 2) float
    segments: list[Segment]

    def component_of(self) -> np.ndarray:
        """Connected component label per vertex (roads only)."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(self.xy)
        a = np.array([s.a for s in self.segments], dtype=np.int64)
        b = np.array([s.b for s in self.segments], dtype=np.int64)
        matrix = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        return connected_components(matrix, directed=False)[1]


# --- reading and snapping ----------------------------------------------------------------------


def load_links(raw: Path):
    """The existing car roads of N1000 (GeoDataFrame, EPSG:25833), in source order."""
    import geopandas as gpd

    links = gpd.read_file(raw / ROADS)
    if str(links.crs).upper() not in ("EPSG:25833",) and links.crs.to_epsg() != 25833:
        raise ValueError(f"{ROADS}: expected EPSG:25833, got {links.crs}")
    car = links[(links["typeVeg"] == "enkelBilveg") & (links["vegfase"].fillna("V") != "P")]
    return car.reset_index(drop=True)


def _coordinates(geometries) -> list[np.ndarray]:
    return [np.round(np.asarray(geom.coords, dtype=float)[:, :2], 1) for geom in geometries]


def snap_ends(lines: list[np.ndarray]) -> tuple[list[np.ndarray], list[dict]]:
    """Join link ends closer than :data:`SNAP_END_M`, then move loose ends onto a link within
    :data:`SNAP_TO_LINE_M` (that link gets a vertex there). Returns the new lines and one report row per move."""
    lines = [line.copy() for line in lines]
    ends = np.array([line[i] for line in lines for i in (0, -1)])
    # 1. Cluster ends: every end takes the smallest coordinate of its cluster (deterministic).
    tree = cKDTree(ends)
    parent = list(range(len(ends)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in sorted(tree.query_pairs(SNAP_END_M)):
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    report = []
    clusters: dict[int, list[int]] = {}
    for i in range(len(ends)):
        clusters.setdefault(find(i), []).append(i)
    for members in clusters.values():
        target = min(tuple(ends[i]) for i in members)
        for i in members:
            if tuple(ends[i]) != target:
                report.append(
                    {"handling": "ende til ende", "avstand_m": round(float(np.hypot(*(ends[i] - target))), 1)}
                )
                lines[i // 2][0 if i % 2 == 0 else -1] = target
    # 2. Loose ends onto the interior of another link.
    count: dict[tuple[float, float], int] = {}
    for line in lines:
        for point in (tuple(line[0]), tuple(line[-1])):
            count[point] = count.get(point, 0) + 1
    geometries = [shapely.LineString(line) for line in lines]
    strtree = shapely.STRtree(geometries)
    for index, line in enumerate(lines):
        for position in (0, -1):
            point = tuple(line[position])
            if count[point] != 1:
                continue
            spot = shapely.Point(point)
            best = None
            for other in sorted(strtree.query(spot.buffer(SNAP_TO_LINE_M))):
                if other == index:
                    continue
                distance = geometries[other].distance(spot)
                if distance <= SNAP_TO_LINE_M and (best is None or distance < best[0]):
                    best = (distance, other)
            if best is None:
                continue
            distance, other = best
            along = geometries[other].project(spot)
            target = np.round(np.asarray(geometries[other].interpolate(along).coords[0]), 1)
            lines[other] = _insert_vertex(lines[other], target)
            geometries[other] = shapely.LineString(lines[other])
            line[position] = target
            geometries[index] = shapely.LineString(line)
            count[tuple(target)] = count.get(tuple(target), 0) + 1
            report.append({"handling": "ende til vei", "avstand_m": round(float(distance), 1)})
    return lines, report


def _insert_vertex(line: np.ndarray, point: np.ndarray) -> np.ndarray:
    """``line`` with ``point`` inserted on its nearest segment (unchanged when it is a vertex already)."""
    if (np.abs(line - point).sum(axis=1) < 0.05).any():
        return line
    start, end = line[:-1], line[1:]
    direction = end - start
    length2 = np.maximum((direction**2).sum(axis=1), 1e-12)
    t = np.clip(((point - start) * direction).sum(axis=1) / length2, 0, 1)
    nearest = start + t[:, None] * direction
    segment = int(np.argmin(((nearest - point) ** 2).sum(axis=1)))
    return np.vstack([line[: segment + 1], point[None, :], line[segment + 1 :]])


def vertex_graph(links, lines: list[np.ndarray]) -> RoadGraph:
    """Every vertex a node (identical coordinates are one node), every segment an edge."""
    stacked = np.vstack(lines)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    segments = []
    offset = 0
    classes = [road_class(c, m) for c, m in zip(links["vegkategori"], links["motorvegtype"], strict=True)]
    labels = [road_label(c, n) for c, n in zip(links["vegkategori"], links["vegnummer"], strict=True)]
    for index, line in enumerate(lines):
        ids = inverse[offset : offset + len(line)]
        offset += len(line)
        lengths = np.hypot(*(np.diff(line, axis=0).T)) / 1000
        for a, b, km in zip(ids[:-1], ids[1:], lengths, strict=True):
            if a != b:
                segments.append(Segment(int(a), int(b), classes[index], labels[index], float(km)))
    return RoadGraph(unique, segments)


# --- water -------------------------------------------------------------------------------------


def land_area(polygons) -> shapely.Geometry:
    """The union of the (coastline-clipped) municipality polygons in EPSG:25833, widened by WATER_TOLERANCE_M."""
    from kompilot_data.reference.geometry import METRIC_CRS

    metric = polygons.to_crs(METRIC_CRS)
    land = shapely.union_all(metric.geometry.to_numpy()).buffer(WATER_TOLERANCE_M)
    shapely.prepare(land)
    return land


def crosses_water(a, b, land: shapely.Geometry) -> bool:
    """True when the straight line from ``a`` to ``b`` (x, y in EPSG:25833) leaves ``land``."""
    if tuple(a) == tuple(b):
        return not land.contains(shapely.Point(a))
    return not land.contains(shapely.LineString([tuple(a), tuple(b)]))


class OpenWater(ValueError):
    """A road link whose straight line crosses open water (only a bridge, a tunnel or a ferry may)."""


def check_link(kind: str, a, b, land: shapely.Geometry, name: str = "") -> None:
    """Refuse a road link across open water: raise :class:`OpenWater` unless ``kind`` is a bridge or tunnel."""
    if kind not in CROSSES_WATER and crosses_water(a, b, land):
        raise OpenWater(f"lenken «{name}» ({kind}) krysser åpent vann; bare bru, tunnel eller ferje kan det")


# --- attaching points --------------------------------------------------------------------------


def nearest_on_land(
    graph: RoadGraph, points: np.ndarray, land: shapely.Geometry, allowed: np.ndarray | None = None
) -> list[tuple[int, float, bool]]:
    """For each point (x, y): the nearest vertex whose straight connector stays on land, its distance in km, and
    whether one was found on land (else the nearest vertex, ``False``). ``allowed`` limits the vertices."""
    candidates = np.flatnonzero(allowed) if allowed is not None else np.arange(len(graph.xy))
    tree = cKDTree(graph.xy[candidates])
    k = min(CONNECTOR_CANDIDATES, len(candidates))
    distances, found = tree.query(points, k=k)
    distances = distances.reshape(len(points), k)
    found = found.reshape(len(points), k)
    result = []
    for i, point in enumerate(points):
        choice = None
        for distance, j in zip(distances[i], found[i], strict=True):
            vertex = int(candidates[j])
            if not crosses_water(point, graph.xy[vertex], land):
                choice = (vertex, float(distance) / 1000, True)
                break
        result.append(choice or (int(candidates[found[i][0]]), float(distances[i][0]) / 1000, False))
    return result


# --- extra links -------------------------------------------------------------------------------


def read_extra_links(path: Path) -> pd.DataFrame:
    """The reviewed CSV of links N1000 lacks; every row must name its source."""
    if not path.exists():
        return pd.DataFrame(columns=EXTRA_LINK_COLUMNS)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = set(EXTRA_LINK_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: mangler kolonne(r) {sorted(missing)}")
    for number, row in enumerate(frame.itertuples(), start=2):
        if len(row.kilde.strip()) < 10:
            raise ValueError(f"{path.name}, rad {number}: kolonnen «kilde» må oppgi kilden")
        if row.type not in {"vei", *CROSSES_WATER}:
            raise ValueError(f"{path.name}, rad {number}: ukjent type «{row.type}» (vei, bru eller tunnel)")
    return frame


# --- contraction -------------------------------------------------------------------------------


def contract(graph: RoadGraph, keep: set[int]) -> tuple[list[int], list[Segment]]:
    """Merge chains of degree-2 vertices whose two segments have the same class and name and that are not in
    ``keep``. Returns the vertices kept (sorted) and the merged segments (their ``a``/``b`` vertex ids)."""
    adjacency: dict[int, list[int]] = {}
    for index, segment in enumerate(graph.segments):
        adjacency.setdefault(segment.a, []).append(index)
        adjacency.setdefault(segment.b, []).append(index)

    def key(segment: Segment) -> tuple[str, str]:
        return segment.klasse, segment.navn

    through = set()
    for vertex, incident in adjacency.items():
        if vertex in keep or len(incident) != 2:
            continue
        first, second = (graph.segments[i] for i in incident)
        if key(first) == key(second) and incident[0] != incident[1]:
            through.add(vertex)
    used = [False] * len(graph.segments)
    merged = []
    for start in sorted(adjacency):
        if start in through:
            continue
        for first in adjacency[start]:
            if used[first]:
                continue
            km, vertex, index = 0.0, start, first
            segment = graph.segments[index]
            while True:
                used[index] = True
                km += segment.km
                vertex = segment.b if segment.a == vertex else segment.a
                if vertex not in through:
                    break
                index = next(i for i in adjacency[vertex] if not used[i])
                segment = graph.segments[index]
            if vertex != start or km > 0:
                merged.append(Segment(start, vertex, segment.klasse, segment.navn, km))
    # Loops made of through vertices only (a ring road with nothing on it) are left out: nothing reaches them.
    kept = sorted({s.a for s in merged} | {s.b for s in merged})
    return kept, merged
