"""The pydeck flow map: arcs from each need's municipality to the study place of its best candidate, columns of
open demand, polygons as the base layer, offline (no basemap), in bokmål and English, protected for viewers."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pydeck as pdk
import pytest

import kompilot_data as kd
from kompilot_data import testing
from kompilot_data.engine import disclosure, matching
from kompilot_data.engine import flows as engine_flows
from kompilot_data.engine.reach import ReachSetting
from kompilot_data.present import flow_map
from kompilot_data.reference import evu
from kompilot_data.reference.i18n import t
from kompilot_data.view import Audience, View
from kompilot_data.view.filters import Filters

KM90 = ReachSetting("luftlinje", 90)
NBSP = "\u00a0"

# Indre Fosen (5054) and Namsos (5007). Offers: T1, T2 in Trondheim, T4 in Steinkjer (on site), T3 online,
# T5 in-company. Businesses F1..F10.
NEEDS = [
    # behov_id, kommunenummer, area, participants, business, best offer (None = no candidate), km
    ("B01", "5054", "bygg", 5, "F1", "T1", 27.6),
    ("B02", "5054", "bygg", 4, "F2", "T1", 27.6),
    ("B03", "5054", "bygg", 3, "F3", "T1", 27.6),
    ("B04", "5054", "ikt", 2, "F1", "T2", 27.6),
    ("B05", "5054", "helse", 6, "F4", "T3", None),
    ("B06", "5054", "helse", 1, "F2", None, None),
    ("B07", "5007", "bygg", 3, "F5", "T4", 51.2),
    ("B08", "5007", "industri", 8, "F6", "T5", None),
    ("B09", "5007", "industri", 2, "F7", "T5", None),
    ("B10", "5007", "ikt", 4, "F8", None, None),
    ("B11", "5007", "bygg", 2, "F9", "T4", 51.2),
    ("B12", "5007", "bygg", 2, "F10", "T4", 51.2),
]
OFFERS = pd.DataFrame(
    {
        "tilbud_id": ["T1", "T2", "T3", "T4", "T5"],
        "studiested": ["Trondheim", "Trondheim", None, "Steinkjer", None],
        "lat": [63.42865, 63.42865, np.nan, 64.01487, np.nan],
        "lon": [10.39568, 10.39568, np.nan, 11.49537, np.nan],
        "laeringsform": ["stedlig", "stedlig", "nettbasert", "samlingsbasert", "bedriftsintern"],
        "kommunenummer": ["5001", "5001", "5001", "5006", "5007"],
    }
)


def _needs(rows=NEEDS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "behov_id": [r[0] for r in rows],
            "kommunenummer": [r[1] for r in rows],
            "kompetanseomrade": [r[2] for r in rows],
            "antall_deltakere": [r[3] for r in rows],
            "bedrift_id": [r[4] for r in rows],
        }
    )


def _best(rows=NEEDS) -> pd.DataFrame:
    """Rank 1 as in NEEDS, plus a rank-2 candidate (Steinkjer) for the first need that must be ignored."""
    best = [
        {"behov_id": r[0], "rang": 1, "tilbud_id": r[5], "avstand_km": r[6], "reisetid_min": np.nan}
        for r in rows
        if r[5] is not None
    ]
    best.append({"behov_id": rows[0][0], "rang": 2, "tilbud_id": "T4", "avstand_km": 90.0, "reisetid_min": np.nan})
    return pd.DataFrame(best).astype({"avstand_km": float})


def _data(threshold: int = 0, rows=NEEDS) -> tuple[engine_flows.FlowData, disclosure.Protected]:
    return engine_flows.flows_from(engine_flows.need_flows(_best(rows), _needs(rows), OFFERS), threshold, KM90)


def _layer(deck: pdk.Deck, kind: str) -> pdk.Layer:
    (layer,) = [layer for layer in deck.layers if layer.type == kind]
    return layer


# --- hand-made data ---------------------------------------------------------------------------------


def test_each_need_gets_the_kind_of_its_best_candidate():
    flows = engine_flows.need_flows(_best(), _needs(), OFFERS).set_index("behov_id")
    assert flows["type"].to_dict() == {
        "B01": "bue",
        "B02": "bue",
        "B03": "bue",
        "B04": "bue",
        "B05": "nett",
        "B06": "ingen",
        "B07": "bue",
        "B08": "bedrift",
        "B09": "bedrift",
        "B10": "ingen",
        "B11": "bue",
        "B12": "bue",
    }
    assert flows.loc["B01", "studiested"] == "Trondheim"  # rank 1, not the rank-2 Steinkjer candidate


def test_one_arc_per_municipality_place_and_area_with_participants_as_width():
    data, _ = _data()
    arcs = data.arcs
    assert list(zip(arcs["kommunenummer"], arcs["studiested"], arcs["kompetanseomrade"], strict=True)) == [
        ("5054", "Trondheim", "bygg"),
        ("5007", "Steinkjer", "bygg"),
        ("5054", "Trondheim", "ikt"),
    ]
    assert arcs["deltakere"].tolist() == [12.0, 7.0, 2.0]
    assert arcs["behov"].tolist() == [3.0, 3.0, 1.0]
    assert data.hidden_arcs == 0
    deck = flow_map.flow_deck(data)
    arc_layer = _layer(deck, "ArcLayer")
    assert len(arc_layer.data) == 3
    assert sum(a["deltakere"] for a in arc_layer.data) == 21  # 5 + 4 + 3 + 2 + 3 + 2 + 2
    assert arc_layer.get_width == "@@=deltakere"
    # the two areas on Indre Fosen → Trondheim lean apart; the single Namsos → Steinkjer arc stands upright
    assert [a["tilt"] for a in arc_layer.data] == [-7.0, 0.0, 7.0]
    # an arc starts at the municipality's centre (Indre Fosen: Årnset) and ends at the study place
    first = arc_layer.data[0]
    centre = kd.load_municipalities().loc["5054"]
    assert first["fra"] == [float(centre["senter_lon"]), float(centre["senter_lat"])]
    assert first["til"] == [10.39568, 63.42865]


def test_columns_hold_all_open_participants_per_municipality():
    data, _ = _data()
    assert data.demand["deltakere"].to_dict() == {"5007": 21.0, "5054": 21.0}
    assert data.demand.loc["5054", ["bue", "nett", "bedrift", "uten_sted", "ingen"]].tolist() == [14, 6, 0, 0, 1]
    assert data.kinds == {"bue": 21.0, "nett": 6.0, "bedrift": 10.0, "uten_sted": 0.0, "ingen": 5.0}
    assert data.total == 42.0
    columns = _layer(flow_map.flow_deck(data), "ColumnLayer")
    assert sorted(c["deltakere"] for c in columns.data) == [21.0, 21.0]
    assert columns.elevation_scale * 21 == pytest.approx(flow_map.COLUMN_MAX_M)


def test_deck_has_polygons_columns_arcs_and_places_and_no_basemap():
    deck = flow_map.flow_deck(_data()[0])
    assert isinstance(deck, pdk.Deck)
    assert [layer.type for layer in deck.layers] == [
        "GeoJsonLayer",
        "ColumnLayer",
        "ArcLayer",
        "ScatterplotLayer",
        "TextLayer",
    ]
    assert len(deck.layers[0].data["features"]) == 38
    assert deck.map_provider is None
    spec = json.loads(deck.to_json())
    # pydeck's "no style given" placeholder, which Streamlit removes; None or "" would make Streamlit load CARTO
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "mapProvider" not in spec
    text = deck.to_json()
    assert "cartocdn" not in text and "mapbox" not in text and "http" not in text
    assert spec["initialViewState"]["pitch"] == flow_map.PITCH
    # compact JSON with the same content as pydeck's own (indented) JSON
    assert "\n" not in text
    assert spec == json.loads(pdk.Deck.to_json(deck))


@pytest.mark.parametrize(
    ("language", "bygg", "ikt", "km", "column"),
    [
        (
            "nb",
            "Bygg og anlegg: 12 deltakere i 3 behov",
            "IKT og digitalisering: 2 deltakere i 1 behov",
            "28 km i luftlinje",
            "Beste tilbud: 14 på studiested, 6 på nett eller i bedriften, 1 uten tilbud innen rekkevidde",
        ),
        (
            "en",
            "Building and construction: 12 participants in 3 needs",
            "ICT and digitalisation: 2 participants in 1 need",
            "28 km in a straight line",
            "Best offer: 14 at a study place, 6 online or in-company, 1 with no offer within reach",
        ),
    ],
)
def test_tooltips_in_the_users_language(language, bygg, ikt, km, column):
    deck = flow_map.flow_deck(_data()[0], language)
    assert deck._tooltip["html"] == "<b>{tt_tittel}</b><br/>{tt_linje1}<br/>{tt_linje2}"
    arcs = _layer(deck, "ArcLayer").data
    assert [(a["tt_tittel"], a["tt_linje1"], a["tt_linje2"]) for a in arcs] == [
        ("Indre Fosen → Trondheim", bygg, km),
        ("Namsos → Steinkjer", bygg.replace("12", "7"), km.replace("28", "51")),
        ("Indre Fosen → Trondheim", ikt, km),
    ]
    columns = {c["tt_tittel"]: c for c in _layer(deck, "ColumnLayer").data}
    opening = {"nb": "Åpne behov: 21 deltakere", "en": "Open needs: 21 participants"}[language]
    assert (columns["Indre Fosen"]["tt_linje1"], columns["Indre Fosen"]["tt_linje2"]) == (opening, column)
    # every pickable object fills all three fields (a missing one would show "{tt_linje2}"), no raw codes
    objects = arcs + _layer(deck, "ColumnLayer").data + _layer(deck, "ScatterplotLayer").data
    objects += [f["properties"] for f in deck.layers[0].data["features"]]
    for item in objects:
        fields = [item[field] for field in ("tt_tittel", "tt_linje1", "tt_linje2")]
        assert all(isinstance(field, str) for field in fields)
        assert not any(code in " ".join(fields) for code in ("kompetanseomrade", "deltakere_", "bygg", "5054"))


def test_travel_time_in_the_tooltip_is_labelled_as_an_estimate():
    best = _best().assign(reisetid_min=[41.0, 41.0, 41.0, 41.0, np.nan, 63.0, np.nan, np.nan, 63.0, 63.0, 150.0])
    data, _ = engine_flows.flows_from(engine_flows.need_flows(best, _needs(), OFFERS), 0, ReachSetting("reisetid", 90))
    arcs = _layer(flow_map.flow_deck(data, "nb"), "ArcLayer").data
    assert arcs[0]["tt_linje2"] == "Reisetid ca. 41 min (modellert estimat)"
    arcs = _layer(flow_map.flow_deck(data, "en"), "ArcLayer").data
    assert arcs[1]["tt_linje2"] == "Travel time about 63 min (modelled estimate)"


def test_the_share_that_cannot_be_drawn_is_said_in_words():
    data, _ = _data()
    # 37 participants have a candidate: 16 without a place (6 online, 10 in-company); 5 of 42 have none
    assert flow_map.placeless_sentence(data, "nb") == (
        f"43{NBSP}% av deltakerne som har et kandidattilbud, har beste tilbud på nett eller i bedriften "
        f"(16{NBSP}% på nett, 27{NBSP}% i bedriften), som ikke vises som bue. "
        f"Deltakere i åpne behov uten noe tilbud innen rekkevidde: 5 (12{NBSP}%); de vises bare i søylene."
    )
    assert flow_map.placeless_sentence(data, "en") == (
        "43% of the participants who have a candidate offer have their best offer online or in-company "
        "(16% online, 27% in-company), which is not shown as an arc. "
        "Participants in open needs with no offer within reach: 5 (12%); they are shown in the columns only."
    )


def test_summary_legend_and_tables():
    data, _ = _data()
    assert flow_map.flow_summary(data, "nb") == (
        "Kartet viser 3 buer fra 2 kommuner til 2 studiesteder, til sammen 21 deltakere. "
        "Største strøm: Indre Fosen → Trondheim, Bygg og anlegg (12 deltakere). "
        "Kandidattilbud innen 90 km i luftlinje."
    )
    assert flow_map.flow_summary(data, "en").startswith(
        "The map shows 3 arcs from 2 municipalities to 2 study places, 21 participants in all."
    )
    assert flow_map.flow_legend(data, "en") == [
        ("Building and construction", "#332288"),
        ("ICT and digitalisation", "#CC6677"),
    ]
    arcs, columns = flow_map.flow_tables(data, "nb")
    assert list(arcs.columns) == [
        "Fra kommune",
        "Studiested",
        "Kompetanseområde",
        "Deltakere",
        "Behov",
        "Bedrifter",
        "Avstand (km, luftlinje)",
    ]
    assert arcs.iloc[0].tolist() == ["Indre Fosen", "Trondheim", "Bygg og anlegg", 12, 3, 3, 28.0]
    arcs, columns = flow_map.flow_tables(data, "en")
    assert list(columns.columns) == [
        "Municipality",
        "Participants in open needs",
        "Best offer at a study place",
        "Best offer online or in-company",
        "No offer within reach",
    ]
    assert columns.set_index("Municipality").loc["Namsos"].tolist() == [21, 7, 10, 4]


def test_more_than_seven_areas_share_a_grey_legend_entry():
    areas = ["helse", "bygg", "elektro", "industri", "ikt", "ledelse", "primar", "reiseliv"]
    rows = [(f"B{i}", "5054", area, 10 - i, f"F{i}", "T1", 27.6) for i, area in enumerate(areas)]
    data, _ = _data(rows=rows)
    legend = flow_map.flow_legend(data, "nb")
    assert [colour for _, colour in legend] == [*flow_map.ARC_COLOURS, flow_map.OTHER_COLOUR]
    assert legend[-1][0] == "Andre kompetanseområder"
    assert "#F0E442" not in flow_map.ARC_COLOURS  # yellow: too little contrast on the grey polygons


# --- viewers ----------------------------------------------------------------------------------------


def test_viewers_see_arcs_per_municipality_and_place_on_three_businesses():
    data, protected = _data(threshold=3)
    assert testing.disclosure_violations(protected) == []
    # bygg and ikt together: F1, F2, F3; the counts perturbed for viewers (cell key method, at most ±2)
    assert list(zip(data.arcs["kommunenummer"], data.arcs["studiested"], strict=True)) == [
        ("5054", "Trondheim"),
        ("5007", "Steinkjer"),
    ]
    assert np.abs(data.arcs["deltakere"].to_numpy() - [14.0, 7.0]).max() <= 2
    assert set(data.arcs["kompetanseomrade"]) == {engine_flows.ALL_AREAS}
    assert np.abs(data.demand["deltakere"].to_numpy() - 21.0).max() <= 2
    assert data.demand["nett"].isna().all()  # no split of a municipality by kind for viewers
    # online (1 business), in-company (2) and no candidate (2) rest on too few businesses
    assert abs(data.kinds["bue"] - 21.0) <= 2 and np.isnan(data.kinds["nett"]) and np.isnan(data.kinds["bedrift"])
    assert flow_map.placeless_sentence(data, "nb") == (
        "Andelen med beste tilbud på nett eller i bedriften vises ikke: den bygger på færre enn 3 bedrifter "
        "eller kunne gitt et skjult tall."
    )
    deck = flow_map.flow_deck(data, "nb")
    arcs = _layer(deck, "ArcLayer").data
    assert [a["tt_linje1"] for a in arcs] == [
        f"Alle kompetanseområder: {v:.0f} deltakere" for v in data.arcs["deltakere"]
    ]
    assert all(c["tt_linje2"] == "" for c in _layer(deck, "ColumnLayer").data)
    assert flow_map.flow_legend(data, "en") == [
        ("All competence areas (combined, so small numbers are not shown)", flow_map.ARC_COLOURS[0])
    ]
    arcs, columns = flow_map.flow_tables(data, "en")
    assert list(arcs.columns) == ["From municipality", "Study place", "Participants", "Distance (km, straight line)"]
    assert list(columns.columns) == ["Municipality", "Participants in open needs"]
    assert columns["Participants in open needs"].tolist() == [f"{v:.0f}" for v in data.demand["deltakere"]]


def test_a_column_on_one_business_is_hidden_with_a_complement_and_said_so():
    rows = [*NEEDS, ("B13", "5043", "helse", 2, "F11", None, None)]  # Røyrvik: one business, no candidate
    data, protected = _data(threshold=3, rows=rows)
    assert testing.disclosure_violations(protected) == []
    # the columns add up to the published total: Røyrvik ("<3") takes the column with the fewest arc
    # participants along (Namsos, ":"), so Røyrvik's cannot be computed as the total minus the others
    assert data.demand["merke"].to_dict() == {"5007": ":", "5043": "<3", "5054": ""}
    assert [c["tt_tittel"] for c in _layer(flow_map.flow_deck(data), "ColumnLayer").data] == ["Indre Fosen"]
    assert flow_map.flow_tables(data, "nb")[1].values.tolist() == [
        ["Indre Fosen", f"{data.demand.at['5054', 'deltakere']:.0f}"],  # 21, perturbed for viewers
        ["Namsos", ":"],
        ["Røyrvik", "<3"],
    ]
    tooltips = {
        f["properties"]["tt_tittel"]: f["properties"]["tt_linje2"]
        for f in flow_map.flow_deck(data, "en").layers[0].data["features"]
    }
    assert tooltips["Røyrvik"] == tooltips["Namsos"] == "Open needs: hidden to protect small numbers"
    assert tooltips["Indre Fosen"] == ""
    assert (
        "Søyler skjult for å beskytte små tall (færre enn 3 bedrifter, eller for at et skjult tall ikke skal kunne "
        "regnes ut): 2 kommuner." in flow_map.flow_summary(data, "nb")
    )
    # no candidate within reach now rests on three businesses (F2, F8, F11): said with its share of 44
    none, total = data.kinds["ingen"], data.total  # 7 of 44, perturbed for viewers
    assert abs(none - 7) <= 2 and abs(total - 44) <= 2
    assert flow_map.placeless_sentence(data, "nb").endswith(
        f"Deltakere i åpne behov uten noe tilbud innen rekkevidde: {none:.0f} ({round(100 * none / total)}{NBSP}%); "
        "de vises bare i søylene."
    )


def test_an_arc_on_one_business_is_hidden_and_so_is_the_arc_it_could_be_computed_from():
    rows = [r for r in NEEDS if r[0] not in ("B11", "B12")]  # Namsos → Steinkjer now rests on F5 alone
    data, protected = _data(threshold=3, rows=rows)
    assert testing.disclosure_violations(protected) == []
    # the arcs' total is published (the share of participants at a study place), so Indre Fosen → Trondheim
    # would give Namsos → Steinkjer back by subtraction: both are hidden
    assert data.arcs.empty and data.hidden_arcs == 2
    assert flow_map.flow_summary(data, "nb").startswith(
        "Ingen buer kan vises: alle bygger på færre enn 3 bedrifter eller kunne avsløre et skjult tall (2 buer)."
    )
    assert _layer(flow_map.flow_deck(data), "ArcLayer").data == []
    coordinator, _ = _data(threshold=0, rows=rows)
    assert len(coordinator.arcs) == 3


# --- the View (embedded data) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def records():
    return kd.load_needs(), kd.load_offers()


def test_flows_add_up_to_the_views_open_needs(records):
    view = View(*records, reach=KM90)
    data = view.brokering.flows
    open_participants = float(view.open_needs["antall_deltakere"].sum())
    assert data.total == open_participants
    assert sum(data.kinds.values()) == open_participants
    assert data.demand["deltakere"].sum() == open_participants
    best = view.brokering.candidates[view.brokering.candidates["rang"] == 1].merge(
        view.supply_offers[["tilbud_id", "studiested", "lat"]], on="tilbud_id"
    )
    placed = best[best["lat"].notna()].merge(
        view.open_needs[["behov_id", "kommunenummer", "kompetanseomrade", "antall_deltakere"]], on="behov_id"
    )
    triples = placed.groupby(["kommunenummer", "studiested", "kompetanseomrade"], observed=True).size()
    assert len(data.arcs) == len(triples) > 0
    assert data.arcs["deltakere"].sum() == data.kinds["bue"] == float(placed["antall_deltakere"].sum())
    arc_layer = _layer(flow_map.flow_deck(data), "ArcLayer")
    assert len(arc_layer.data) == len(triples)
    assert sum(a["deltakere"] for a in arc_layer.data) == data.kinds["bue"]
    assert view.brokering.flows is data  # cached per view
    assert view.protections[-1][0].startswith("flytkart")


def test_flows_follow_the_filters(records):
    view = View(*records, reach=KM90, filters=Filters(omrader=("bygg",)))
    data = view.brokering.flows
    assert set(data.arcs["kompetanseomrade"]) == {"bygg"}
    assert data.total == float(view.open_needs["antall_deltakere"].sum())
    place = View(*records, reach=KM90, filters=Filters(delregioner=("Fosen",)))
    fosen = kd.load_municipalities().query("delregion == 'Fosen'").index
    assert set(place.brokering.flows.demand.index) <= set(fosen)
    assert place.brokering.flows.places == tuple(place.places)


def test_flows_follow_the_reach_setting(records):
    # Reach follows the study mode (issue 20): session-based offers reach twice the chosen limit.
    longest = max(v for v in evu.REKKEVIDDE_MIN.values() if v) / evu.BASE_REACH_MIN
    near = View(*records, reach=ReachSetting("luftlinje", 40)).brokering.flows
    far = View(*records, reach=ReachSetting("luftlinje", 120)).brokering.flows
    assert (near.arcs["avstand_km"] <= 40 * longest).all()
    assert far.arcs["avstand_km"].max() > 40 * longest
    assert near.kinds[engine_flows.NO_CANDIDATE] >= far.kinds[engine_flows.NO_CANDIDATE]
    timed = View(*records, reach=ReachSetting("reisetid", 60)).brokering.flows
    assert timed.arcs["reisetid_min"].notna().all() and (timed.arcs["reisetid_min"] <= 60 * longest).all()
    assert flow_map.flow_summary(timed, "nb").endswith("Kandidattilbud innen 60 min reisetid (modellert estimat).")
    arcs = _layer(flow_map.flow_deck(timed, "nb"), "ArcLayer").data
    assert all(a["tt_linje2"].startswith("Reisetid ca. ") for a in arcs)


def test_viewers_flows_are_protected_and_ranked_like_the_coordinators(records):
    viewer = View(*records, reach=KM90, audience=Audience.viewer())
    data = viewer.brokering.flows
    assert viewer.brokering.candidates.empty  # the view gives viewers no records
    assert testing.disclosure_violations(viewer.protections[-1][1]) == []
    assert (data.arcs["bedrifter"] >= 3).all()
    assert data.demand.loc[~data.demand["skjult"], "deltakere"].notna().all()
    # the viewer's best candidates (ranked top-1 here) are the coordinator's rank 1
    coordinator = View(*records, reach=KM90)
    top1 = matching.rank_candidates(viewer.needs, viewer.supply_offers, top=1, reach=viewer.reach)
    rank1 = coordinator.brokering.candidates[coordinator.brokering.candidates["rang"] == 1]
    assert top1.set_index("behov_id")["tilbud_id"].to_dict() == rank1.set_index("behov_id")["tilbud_id"].to_dict()
    # and the viewer's arcs are the coordinator's pairs with at least three businesses (or fewer, when hidden)
    pairs = coordinator.brokering.flows.arcs.groupby(["kommunenummer", "studiested"])["deltakere"].sum()
    for row in data.arcs.itertuples():  # perturbed for viewers (cell key method): at most ±2
        assert abs(pairs[(row.kommunenummer, row.studiested)] - row.deltakere) <= 2


# --- the Streamlit function ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "language", "audience"),
    [({}, "nb", Audience.coordinator()), ({"lang": "en", "rolle": "leser"}, "en", Audience.viewer())],
)
def test_flow_map_renders_with_its_text_alternative(records, query, language, audience):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file("flow_app.py", default_timeout=180)
    for name, value in {"reach": "luftlinje", **query}.items():
        app.query_params[name] = value
    app.run()
    assert not app.exception
    data = View(*records, reach=KM90, language=language, audience=audience).brokering.flows
    (chart,) = app.get("deck_gl_json_chart")
    assert chart.proto.alt == flow_map.flow_summary(data, language)
    assert json.loads(chart.proto.json)["mapStyle"] == "__MAP_STYLE__"
    assert flow_map.placeless_sentence(data, language) in [m.value for m in app.markdown]
    arcs, columns = flow_map.flow_tables(data, language)
    assert list(app.dataframe[0].value.columns) == list(arcs.columns)
    assert list(app.dataframe[1].value.columns) == list(columns.columns)
    assert (t("flowmap_col_businesses", language) in arcs.columns) == audience.sees_records


def test_every_flow_label_has_bokmal_and_english():
    import tomllib

    labels = tomllib.loads((Path(flow_map.__file__).parents[1] / "texts" / "labels" / "flows.toml").read_text("utf-8"))
    assert len(labels) > 40
    assert all(set(entry) == {"nb", "en"} and entry["nb"] and entry["en"] for entry in labels.values())
    assert [flow_map.count(n, "participant", "nb") for n in (1, 2)] == ["1 deltaker", "2 deltakere"]
    assert [flow_map.count(n, "need", "en") for n in (1, 1234)] == ["1 need", "1,234 needs"]


def test_user_text_in_tooltips_is_escaped():
    """A study place name with HTML must not become markup in the deck's HTML tooltip (no remote image)."""
    data, _ = _data()
    hostile = '<img src="http://example.invalid/x.png">Trondheim'
    data.arcs["studiested"] = data.arcs["studiested"].replace("Trondheim", hostile)
    deck = json.loads(flow_map.flow_deck(data).to_json())
    tooltips = [
        value
        for layer in deck["layers"]
        for row in (layer.get("data") if isinstance(layer.get("data"), list) else [])
        for key, value in row.items()
        if key.startswith("tt_")
    ]
    assert any("&lt;img" in value for value in tooltips)  # the hostile name is there, as text
    assert not any("<img" in value for value in tooltips)
