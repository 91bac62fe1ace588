"""Deck builders: plain functions of data that return ``pydeck.Deck`` objects (no streamlit here).

The flow map answers "where would people travel?": an arc from the municipality of each open need (its
centre) to the study place of the need's best candidate offer (rank 1 in
:func:`kompilot_data.engine.matching.rank_candidates`), one arc per municipality × study place × competence
area; width = participants, colour = competence area. Columns show the participants in open needs per
municipality. The base layer is the municipality polygons; there is no basemap.

Offline
-------
Decks are built with ``map_provider=None`` and no ``map_style``. pydeck then writes its placeholder
``"mapStyle": "__MAP_STYLE__"`` into the JSON, which Streamlit's deck.gl chart (1.67) deletes before drawing:
no basemap, nothing fetched. ``map_style=None`` or ``""`` leave ``mapStyle`` empty instead, and Streamlit then
loads CARTO's positron or dark-matter style from basemaps.cartocdn.com. deck.gl itself is part of Streamlit's
frontend bundle (``DeckGlJsonChart.*.js``), served by the app.

What arcs cannot show
---------------------
Offers without a place (online, in-company) have no end point; their participants are counted in the columns
and in :func:`placeless_sentence`, not drawn. Needs with no candidate within reach are in the columns only.

Viewers
-------
A viewer sees aggregates only: every figure (arcs, columns, the totals per kind of best offer) comes from one
table protected with :func:`kompilot_data.engine.disclosure.protect` (cells: municipality × kind × study place ×
area; published totals: per municipality (the columns), per kind (the sentences) and the grand total), so an
arc or column built on fewer than 3 businesses is hidden, and so is anything that would give it back by
subtraction. The per-municipality split by kind is never shown to viewers.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from kompilot_data.engine import disclosure
from kompilot_data.engine.flows import (
    ALL_AREAS,
    ARC,
    IN_COMPANY,
    NO_CANDIDATE,
    NO_PLACE,
    ONLINE,
    PLACELESS,
    FlowData,
    municipality_centres,
)
from kompilot_data.engine.reach import TRAVEL_TIME, ReachSetting
from kompilot_data.present.safe_text import html_text
from kompilot_data.reference import OUTSIDE_PILOT, load_geojson, load_municipalities, taxonomy
from kompilot_data.reference.i18n import format_number, format_percent, t

#: Competence areas: Paul Tol's "muted" scheme (colour-blind safe) without its greens, so no area takes the blue,
#: orange or green that mean the sub-regions everywhere else in the app; in order of use.
ARC_COLOURS = ("#332288", "#CC6677", "#88CCEE", "#882255", "#DDCC77", "#AA4499", "#999933")
OTHER_COLOUR = "#999999"
COLUMN_COLOUR = (96, 96, 96, 150)
SELECTED_FILL = (226, 226, 226, 255)
OTHER_FILL = (246, 246, 246, 255)
BORDER = (160, 160, 160, 255)
ARC_ALPHA = 235
PITCH = 35  # low, so the columns do not hide each other or the arcs
ARC_HEIGHT = 0.5  # arc peak relative to deck.gl's default (lower arcs keep the picture flat and readable)
COLUMN_RADIUS_M = 2200
COLUMN_MAX_M = 30_000  # the highest column, whatever the selection
ARC_MAX_PX = 14  # the widest arc
ARC_MIN_PX = 2
LABEL_SIZE_PX = 14
ON_TOP = {"depthCompare": "always"}  # dots and names are drawn over columns and arcs (luma.gl 9 parameter)
TILT_STEP = 14  # degrees between arcs of different areas on the same municipality → place pair
HEIGHT_PX = 620
_ASSUMED_WIDTH_PX = 1000
COUNTY_BOUNDS = (8.4, 62.25, 14.4, 65.5)  # lon/lat box of Trøndelag, for an empty selection


# --- data ---------------------------------------------------------------------------------------


# --- colours and labels -------------------------------------------------------------------------


def area_colours(data: FlowData) -> dict[str, str]:
    """Colour per competence area on the map: Okabe–Ito by participants (largest first), grey for the rest."""
    if data.arcs.empty:
        return {}
    if not data.by_area:
        return {ALL_AREAS: ARC_COLOURS[0]}
    order = list(taxonomy.codes("kompetanseomrade"))
    totals = data.arcs.groupby("kompetanseomrade")["deltakere"].sum()
    ranked = sorted(totals.index, key=lambda code: (-totals[code], order.index(code) if code in order else 99))
    return {code: ARC_COLOURS[i] if i < len(ARC_COLOURS) else OTHER_COLOUR for i, code in enumerate(ranked)}


def flow_legend(data: FlowData, language: str = "nb") -> list[tuple[str, str]]:
    """(label, hex colour) per colour on the map, in the order of :func:`area_colours`."""
    labels = taxonomy.labels("kompetanseomrade", language) | {ALL_AREAS: t("flowmap_legend_all_areas", language)}
    legend, other = [], False
    for code, colour in area_colours(data).items():
        if colour == OTHER_COLOUR:
            other = True
        else:
            legend.append((labels.get(code, code), colour))
    if other:
        legend.append((t("flowmap_legend_other", language), OTHER_COLOUR))
    return legend


def _area_label(code: str, language: str) -> str:
    if code == ALL_AREAS:
        return t("flowmap_all_areas", language)
    return taxonomy.labels("kompetanseomrade", language).get(code, code)


def _rgba(hex_colour: str, alpha: int = 255) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)] + [alpha]


def _number(value: float, language: str) -> str:
    return format_number(value, language)


def count(value: float, thing: str, language: str = "nb") -> str:
    """``value`` with its noun in singular or plural: ``count(1, "participant")`` → "1 deltaker"; ``thing`` is one
    of ``arc``, ``municipality``, ``place``, ``participant``, ``need``."""
    form = "one" if value == 1 else "other"
    return t(f"flowmap_count_{thing}_{form}", language, n=format_number(value, language))


def _travel(row, reach: ReachSetting, language: str) -> str:
    if reach.method == TRAVEL_TIME and pd.notna(row["reisetid_min"]):
        return t("flowmap_travel_reisetid", language, verdi=_number(row["reisetid_min"], language))
    if pd.notna(row["avstand_km"]):
        return t("flowmap_travel_luftlinje", language, verdi=_number(row["avstand_km"], language))
    return ""


# --- the deck -----------------------------------------------------------------------------------


class CompactDeck(pdk.Deck):
    """A ``pydeck.Deck`` whose JSON has no indentation. pydeck indents by two spaces, one number per line, which
    turns the 0.18 MB of municipality polygons into about 1 MB sent on every rerun; this JSON is the same data."""

    def to_json(self) -> str:
        # pydeck's own serialiser (sorted keys, its default hook), written compactly in one pass instead of
        # indented and then parsed and written again
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _fit_view(lons: list[float], lats: list[float], pitch: float, height: int) -> pdk.ViewState:
    """A view state that shows the box around the points (Web Mercator, 512 px world at zoom 0; the width is
    assumed, the pitch shortens the north-south extent by about cos(pitch))."""
    if not lons:
        west, south, east, north = COUNTY_BOUNDS
    else:
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    margin_lon, margin_lat = max(0.3, (east - west) * 0.08), max(0.15, (north - south) * 0.08)
    west, east, south, north = west - margin_lon, east + margin_lon, south - margin_lat, north + margin_lat
    span_x = math.radians(east - west)
    span_y = (_mercator_y(north) - _mercator_y(south)) * math.cos(math.radians(pitch))
    world = 512 / (2 * math.pi)  # pixels per radian at zoom 0
    zoom = min(math.log2(_ASSUMED_WIDTH_PX / (world * span_x)), math.log2(height * 0.86 / (world * span_y)))
    centre_y = (_mercator_y(north) + _mercator_y(south)) / 2
    centre_lat = math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2)
    return pdk.ViewState(
        longitude=round((west + east) / 2, 4),
        latitude=round(centre_lat - (north - south) * 0.07, 4),  # a little south: the pitch shrinks the north
        zoom=round(min(zoom, 9.0), 2),
        pitch=pitch,
        bearing=0,
    )


def _screen(lon: float, lat: float, view: pdk.ViewState) -> tuple[float, float]:
    """Approximate screen offset (px) of a point from the view's centre (north-south shortened by the pitch)."""
    scale = 512 / (2 * math.pi) * 2**view.zoom
    x = math.radians(lon - view.longitude) * scale
    y = -(_mercator_y(lat) - _mercator_y(view.latitude)) * scale * math.cos(math.radians(view.pitch))
    return x, y


def _label_anchors(places: list[dict], view: pdk.ViewState) -> list[dict]:
    """Study places that get a name on the map, on the first side of the dot (right, left, above, below) where it
    covers no earlier name and no other dot; places in order of participants. A name that fits nowhere is left to
    the tooltip and the table."""
    placed: list[tuple[float, float, float, float]] = []
    labelled = []
    dots = [_screen(p["lon"], p["lat"], view) for p in places]
    for place in sorted(places, key=lambda p: (-p["deltakere"], p["etikett"])):
        x, y = _screen(place["lon"], place["lat"], view)
        width = LABEL_SIZE_PX * 0.58 * len(place["etikett"]) + 4
        half = LABEL_SIZE_PX * 0.65
        candidates = (
            ("start", "center", [8, 0], (x + 8, y - half, x + 8 + width, y + half)),
            ("end", "center", [-8, 0], (x - 8 - width, y - half, x - 8, y + half)),
            ("middle", "bottom", [0, -8], (x - width / 2, y - 8 - 2 * half, x + width / 2, y - 8)),
            ("middle", "top", [0, 8], (x - width / 2, y + 8, x + width / 2, y + 8 + 2 * half)),
        )
        for anchor, baseline, offset, box in candidates:
            hits_label = any(not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]) for b in placed)
            hits_dot = any(box[0] - 4 < dx < box[2] + 4 and box[1] - 4 < dy < box[3] + 4 for dx, dy in dots)
            if not hits_label and not hits_dot:
                placed.append(box)
                labelled.append({**place, "anker": anchor, "grunnlinje": baseline, "forskyvning": offset})
                break
    return labelled


def _polygon_layer(data: FlowData, language: str) -> pdk.Layer:
    municipalities = load_municipalities()
    selected = set(data.places) if data.places is not None else None
    hidden = set(data.demand.index[data.demand["skjult"]])
    features = []
    for feature in load_geojson()["features"]:
        code = str(feature["id"])
        region = str(municipalities.at[code, "delregion"]) if code in municipalities.index else ""
        chosen = selected is None or code in selected
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": feature["geometry"],
                "properties": {
                    "tt_tittel": html_text(str(feature["properties"].get("navn", code))),
                    "tt_linje1": html_text(t("outside_pilot", language) if region == OUTSIDE_PILOT else region),
                    "tt_linje2": html_text(t("flowmap_tooltip_hidden", language) if code in hidden else ""),
                    "fyll": list(SELECTED_FILL if chosen else OTHER_FILL),
                },
            }
        )
    return pdk.Layer(
        "GeoJsonLayer",
        {"type": "FeatureCollection", "features": features},
        id="kommuner",
        stroked=True,
        filled=True,
        get_fill_color="properties.fyll",
        get_line_color=list(BORDER),
        line_width_min_pixels=1,
        pickable=True,
    )


def _column_records(data: FlowData, language: str) -> list[dict]:
    names = municipality_centres()["navn"]
    records = []
    for code, row in data.demand.iterrows():
        if row["skjult"] or pd.isna(row["deltakere"]) or row["deltakere"] <= 0:
            continue
        second = ""
        if not data.viewer:
            second = t(
                "flowmap_tooltip_column_split",
                language,
                bue=_number(row[ARC], language),
                plasslos=_number(sum(row[k] for k in PLACELESS), language),
                ingen=_number(row[NO_CANDIDATE], language),
            )
        records.append(
            {
                "kommunenummer": str(code),
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "deltakere": float(row["deltakere"]),
                "tt_tittel": html_text(str(names.get(code, code))),
                "tt_linje1": t(
                    "flowmap_tooltip_column", language, deltakere=count(row["deltakere"], "participant", language)
                ),
                "tt_linje2": html_text(second),
            }
        )
    return records


def _arc_records(data: FlowData, language: str) -> list[dict]:
    colours = area_colours(data)
    names = municipality_centres()["navn"]
    arcs = data.arcs
    records = []
    pair_sizes = arcs.groupby(["kommunenummer", "studiested"]).size()
    pair_seen: dict[tuple[str, str], int] = {}
    for _, row in arcs.iterrows():
        pair = (row["kommunenummer"], row["studiested"])
        position = pair_seen.get(pair, 0)
        pair_seen[pair] = position + 1
        tilt = (position - (pair_sizes[pair] - 1) / 2) * TILT_STEP
        area = _area_label(row["kompetanseomrade"], language)
        if data.viewer:
            first = t(
                "flowmap_tooltip_arc_viewer",
                language,
                omrade=area,
                deltakere=count(row["deltakere"], "participant", language),
            )
        else:
            first = t(
                "flowmap_tooltip_arc",
                language,
                omrade=area,
                deltakere=count(row["deltakere"], "participant", language),
                behov=count(row["behov"], "need", language),
            )
        records.append(
            {
                "kommunenummer": str(row["kommunenummer"]),
                "studiested": html_text(str(row["studiested"])),  # user text: escaped like the tooltips
                "kompetanseomrade": str(row["kompetanseomrade"]),
                "deltakere": float(row["deltakere"]),
                "fra": [float(row["fra_lon"]), float(row["fra_lat"])],
                "til": [float(row["til_lon"]), float(row["til_lat"])],
                "farge": _rgba(colours[row["kompetanseomrade"]], ARC_ALPHA),
                "tilt": float(tilt),
                "tt_tittel": html_text(
                    f"{names.get(row['kommunenummer'], row['kommunenummer'])} → {row['studiested']}"
                ),
                "tt_linje1": html_text(first),
                "tt_linje2": html_text(_travel(row, data.reach, language)),
            }
        )
    return records


def _place_records(data: FlowData, language: str) -> list[dict]:
    arcs = data.arcs
    if arcs.empty:
        return []
    places = arcs.groupby("studiested").agg(
        deltakere=("deltakere", "sum"), lon=("til_lon", "first"), lat=("til_lat", "first")
    )
    return [
        {
            "studiested": html_text(str(name)),  # user text, escaped like the tooltips
            "etikett": str(name),  # the TextLayer's label: drawn as glyphs, never parsed as HTML
            "lon": float(row["lon"]),
            "lat": float(row["lat"]),
            "deltakere": float(row["deltakere"]),
            "tt_tittel": html_text(str(name)),
            "tt_linje1": t(
                "flowmap_tooltip_place", language, deltakere=count(row["deltakere"], "participant", language)
            ),
            "tt_linje2": "",
        }
        for name, row in places.sort_values("deltakere").iterrows()
    ]


def flow_deck(data: FlowData, language: str = "nb", *, pitch: float = PITCH, height: int = HEIGHT_PX) -> pdk.Deck:
    """The flow map as a ``pydeck.Deck``: municipality polygons, columns of open demand, arcs, study places.

    Renders offline (``map_provider=None``, no ``map_style``: see the module text). The tooltip is one template
    filled from each object's ``tt_tittel``, ``tt_linje1`` and ``tt_linje2``, written in ``language``.
    """
    columns = _column_records(data, language)
    arcs = _arc_records(data, language)
    places = _place_records(data, language)
    lons = [c["lon"] for c in columns] + [a["til"][0] for a in arcs]
    lats = [c["lat"] for c in columns] + [a["til"][1] for a in arcs]
    view = _fit_view(lons, lats, pitch, height)
    tallest = max((c["deltakere"] for c in columns), default=1.0)
    widest = max((a["deltakere"] for a in arcs), default=1.0)
    layers = [
        _polygon_layer(data, language),
        pdk.Layer(
            "ColumnLayer",
            columns,
            id="ettersporsel",
            get_position=["lon", "lat"],
            get_elevation="deltakere",
            elevation_scale=COLUMN_MAX_M / tallest,
            radius=COLUMN_RADIUS_M,
            disk_resolution=12,
            extruded=True,
            get_fill_color=list(COLUMN_COLOUR),
            pickable=True,
        ),
        pdk.Layer(
            "ArcLayer",
            arcs,
            id="buer",
            get_source_position="fra",
            get_target_position="til",
            get_source_color="farge",
            get_target_color="farge",
            get_width="deltakere",
            width_units="'pixels'",
            width_scale=ARC_MAX_PX / widest,
            width_min_pixels=ARC_MIN_PX,
            get_height=ARC_HEIGHT,
            get_tilt="tilt",
            pickable=True,
            auto_highlight=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            places,
            id="studiesteder",
            get_position=["lon", "lat"],
            get_radius=5,
            radius_units="'pixels'",
            get_fill_color=[20, 20, 20, 255],
            get_line_color=[255, 255, 255, 255],
            stroked=True,
            line_width_min_pixels=1.5,
            pickable=True,
            parameters=ON_TOP,
        ),
        pdk.Layer(
            "TextLayer",
            _label_anchors(places, view),
            id="stedsnavn",
            get_position=["lon", "lat"],
            get_text="etikett",
            get_size=LABEL_SIZE_PX,
            size_min_pixels=LABEL_SIZE_PX - 1,
            size_max_pixels=LABEL_SIZE_PX + 1,
            get_color=[20, 20, 20, 255],
            get_text_anchor="anker",
            get_alignment_baseline="grunnlinje",
            get_pixel_offset="forskyvning",
            font_family='"Source Sans Pro, Arial, sans-serif"',  # quoted: a literal, not an accessor
            font_weight=600,
            character_set="'auto'",
            font_settings={"sdf": True},
            outline_width=4,
            outline_color=[255, 255, 255, 235],
            billboard=True,
            parameters=ON_TOP,
        ),
    ]
    tooltip = {
        "html": "<b>{tt_tittel}</b><br/>{tt_linje1}<br/>{tt_linje2}",
        "style": {"backgroundColor": "#FFFFFF", "color": "#1A1A1A", "fontSize": "14px", "border": "1px solid #999"},
    }
    return CompactDeck(
        layers=layers,
        initial_view_state=view,
        map_provider=None,
        tooltip=tooltip,
        height=height,
    )


# --- words and tables ---------------------------------------------------------------------------


def _placeless_where(kinds: list[str], language: str) -> str:
    words = {
        ONLINE: t("flowmap_placeless_online", language),
        IN_COMPANY: t("flowmap_placeless_in_company", language),
        NO_PLACE: t("flowmap_placeless_no_place", language),
    }
    names = [words[k] for k in kinds]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" {t('flowmap_or', language)} " + names[-1]


def placeless_sentence(data: FlowData, language: str = "nb") -> str:
    """What the arcs cannot show, in words: the share of participants (among those with a candidate offer) whose
    best candidate is online or in-company, and the participants with no candidate within reach."""
    kinds = data.kinds
    parts = []
    with_candidate = [ARC, *PLACELESS]
    if any(math.isnan(kinds[k]) for k in with_candidate):
        parts.append(t("flowmap_placeless_hidden", language, antall=disclosure.MIN_BUSINESSES))
    else:
        matched = sum(kinds[k] for k in with_candidate)
        placeless = sum(kinds[k] for k in PLACELESS)
        present = [k for k in PLACELESS if kinds[k] > 0]
        if matched > 0 and placeless == 0:
            parts.append(t("flowmap_placeless_none", language))
        elif matched > 0:
            where = _placeless_where(present, language)
            if len(present) > 1:
                split = ", ".join(
                    f"{format_percent(kinds[k] / matched, language)} {_placeless_where([k], language)}" for k in present
                )
                where = f"{where} ({split})"
            parts.append(
                t("flowmap_placeless", language, andel=format_percent(placeless / matched, language), hvor=where)
            )
    unmatched, total = kinds[NO_CANDIDATE], data.total
    if not math.isnan(unmatched) and unmatched > 0 and not math.isnan(total) and total > 0:
        parts.append(
            t(
                "flowmap_unmatched",
                language,
                deltakere=_number(unmatched, language),
                andel=format_percent(unmatched / total, language),
            )
        )
    return " ".join(parts)


def flow_summary(data: FlowData, language: str = "nb") -> str:
    """A short text alternative to the map: arcs, municipalities, study places, participants, the largest flow,
    the reach rule, and (for viewers) how many arcs and columns are hidden."""
    names = municipality_centres()["navn"]
    arcs = data.arcs
    parts = []
    hidden = count(data.hidden_arcs, "arc", language)
    if arcs.empty and data.hidden_arcs:
        parts.append(t("flowmap_summary_all_hidden", language, minst=data.threshold, buer=hidden))
    elif arcs.empty:
        parts.append(t("flowmap_summary_none", language))
    else:
        parts.append(
            t(
                "flowmap_summary",
                language,
                buer=count(len(arcs), "arc", language),
                kommuner=count(arcs["kommunenummer"].nunique(), "municipality", language),
                steder=count(arcs["studiested"].nunique(), "place", language),
                deltakere=count(arcs["deltakere"].sum(), "participant", language),
            )
        )
        top = arcs.iloc[0]
        area = _area_label(top["kompetanseomrade"], language) if data.by_area else ""
        parts.append(
            t(
                "flowmap_summary_top",
                language,
                fra=names.get(top["kommunenummer"], top["kommunenummer"]),
                til=top["studiested"],
                omrade=f", {area}" if area else "",
                antall=count(top["deltakere"], "participant", language),
            )
        )
        if data.hidden_arcs:
            parts.append(t("flowmap_hidden_arcs", language, buer=hidden, minst=data.threshold))
    hidden_columns = int(data.demand["skjult"].sum())
    if hidden_columns:
        parts.append(
            t(
                "flowmap_hidden_columns",
                language,
                minst=data.threshold,
                kommuner=count(hidden_columns, "municipality", language),
            )
        )
    parts.append(t(f"flowmap_reach_{data.reach.method}", language, grense=_number(data.reach.limit, language)))
    return " ".join(parts)


def flow_tables(data: FlowData, language: str = "nb") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figures behind the map with headers in ``language``: the arcs, and the columns per municipality.

    Viewers get no needs or business counts and no split of a municipality's participants by kind.
    """
    names = municipality_centres()["navn"]
    arcs = data.arcs
    arc_table = pd.DataFrame(
        {
            t("flowmap_col_from", language): arcs["kommunenummer"].map(names).to_numpy(),
            t("flowmap_col_place", language): arcs["studiested"].to_numpy(),
        }
    )
    if data.by_area:
        arc_table[t("flowmap_col_area", language)] = [_area_label(code, language) for code in arcs["kompetanseomrade"]]
    arc_table[t("flowmap_col_participants", language)] = arcs["deltakere"].astype(int).to_numpy()
    if not data.viewer:
        arc_table[t("flowmap_col_needs", language)] = arcs["behov"].astype(int).to_numpy()
        arc_table[t("flowmap_col_businesses", language)] = arcs["bedrifter"].astype(int).to_numpy()
    if data.reach.method == TRAVEL_TIME:
        arc_table[t("flowmap_col_minutes", language)] = arcs["reisetid_min"].round(0).to_numpy()
    arc_table[t("flowmap_col_km", language)] = arcs["avstand_km"].round(0).to_numpy()

    demand = data.demand.sort_values("deltakere", ascending=False, na_position="last")
    # a viewer's column mixes numbers and marks, so it is text throughout ("<3" rests on too few businesses,
    # ":" is hidden so that another hidden number cannot be computed)
    open_column = [
        mark or format_number(v, language) for mark, v in zip(demand["merke"], demand["deltakere"], strict=True)
    ]
    column_table = pd.DataFrame(
        {
            t("flowmap_col_municipality", language): demand.index.map(names).to_numpy(),
            t("flowmap_col_open", language): pd.array(open_column, dtype=object),
        }
    )
    if not data.viewer:
        column_table[t("flowmap_col_open", language)] = demand["deltakere"].astype(int).to_numpy()
        column_table[t("flowmap_col_at_place", language)] = demand[ARC].astype(int).to_numpy()
        column_table[t("flowmap_col_placeless", language)] = demand[list(PLACELESS)].sum(axis=1).astype(int).to_numpy()
        column_table[t("flowmap_col_none", language)] = demand[NO_CANDIDATE].astype(int).to_numpy()
    return arc_table, column_table
