"""Travel time by road and ferry: the graph search, the committed model, overrides, points and the CLI."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data import cli
from kompilot_data.engine import travel
from kompilot_data.engine.travel import FERRY, FIXED_LINK, ROAD, Edge, path, shortest_paths
from kompilot_data.reference.build import travel as build
from kompilot_data.reference.paths import DATA_DIR

ROOT = Path(__file__).resolve().parents[1]


def _committed_edges() -> list[Edge]:
    return list(travel._model().edges)


def _clear_caches() -> None:
    for function in (
        travel.load_overrides,
        travel.municipality_routes,
        travel.place_routes,
        travel.municipality_matrix,
        travel._point_model,
        travel._from,
    ):
        function.cache_clear()


# --- the graph on hand-made fixtures ----------------------------------------------------------


def test_three_node_graph_with_one_ferry_gives_the_exact_minutes():
    # A --road 12 min-- B ==ferry 25 min, every 30 min== C, and a long road A–C of 60 min.
    ferry = build.ferry_minutes(crossing=25, headway=30)
    assert ferry == 40  # crossing + half the headway
    edges = [
        Edge("A", "B", ROAD, 12.0, 11.0),
        Edge("B", "C", FERRY, ferry, 7.4, "B–C"),
        Edge("A", "C", ROAD, 60.0, 58.0),
    ]
    minutes, previous = shortest_paths(edges, "A")
    assert minutes == {"A": 0.0, "B": 12.0, "C": 52.0}
    assert [(a, b, e.kind) for a, b, e in path(previous, "A", "C")] == [("A", "B", ROAD), ("B", "C", FERRY)]
    # From C the graph is the same, walked backwards.
    minutes, previous = shortest_paths(edges, "C")
    assert minutes["A"] == 52.0
    assert [(a, b) for a, b, _ in path(previous, "C", "A")] == [("C", "B"), ("B", "A")]
    # A quicker road beats the ferry.
    minutes, _ = shortest_paths([*edges[:2], Edge("A", "C", ROAD, 45.0, 44.0)], "A")
    assert minutes["C"] == 45.0
    with pytest.raises(KeyError):
        path(shortest_paths(edges, "A")[1], "A", "D")


def test_ferry_headway_and_names_from_the_sources_words():
    assert build.headway_minutes(pd.Series({"frekvens_tekst": "ca. hver 30. min (ettermiddag)"})) == 30
    assert build.headway_minutes(pd.Series({"frekvens_tekst": "avgang hvert 20. minutt fra 2015"})) == 20
    assert build.headway_minutes(pd.Series({"frekvens_tekst": "", "avganger_per_dag_hverdag": "12"})) == 90
    assert build.headway_minutes(pd.Series({"frekvens_tekst": "8–14 overfarter daglig"})) == pytest.approx(1080 / 11)
    assert build.headway_minutes(pd.Series({"frekvens_tekst": "", "avganger_per_dag_hverdag": ""})) is None
    assert build.ferry_label("Hofles–Geisnes–Lund (Lund–Hofles)") == "Lund–Hofles"
    assert build.ferry_label("Skei–Gutvik (Leka)") == "Skei–Gutvik"
    assert build.ferry_label("Brekstad–Valset") == "Brekstad–Valset"


def test_build_route_table_applies_an_override(tmp_path, monkeypatch):
    (tmp_path / travel.OVERRIDES_FILE).write_text("fra,til,minutter,km,kilde,merknad\nC,A,33,20,målt,\n")
    monkeypatch.setattr(build, "DATA_DIR", tmp_path)
    edges = [Edge("A", "B", ROAD, 12.0, 11.0), Edge("B", "C", FERRY, 40.0, 7.4, "B–C", estimated=True)]
    table = build.route_table(edges, ["A"], ["B", "C"]).set_index("til")
    assert table.at["B", "minutter"] == 12.0 and table.at["B", "overstyrt"] == "nei"
    assert (table.at["C", "minutter"], table.at["C", "km"], table.at["C", "overstyrt"]) == (33.0, 20.0, "ja")
    assert table.at["C", "ferjer"] == "B–C" and table.at["C", "via"] == "ferje B–C"


# --- the committed model ----------------------------------------------------------------------


def test_leka_reaches_the_mainland_only_through_skei_gutvik():
    edges = _committed_edges()
    centres = list(kd.load_municipalities().index)
    minutes, _ = shortest_paths(edges, "5052")
    assert set(centres) <= set(minutes)
    for code in centres:
        if code != "5052":
            assert "Skei–Gutvik" in travel.route("Leka", code).ferries, code
    # Without the ferry, no other centre can be reached from Leka.
    without = [e for e in edges if e.name != "Skei–Gutvik"]
    reachable, _ = shortest_paths(without, "5052")
    assert not set(centres) - {"5052"} & set(reachable)


def test_the_committed_graph_is_roads_connectors_and_ferries():
    nodes = travel._model().nodes
    kinds = {edge.kind for edge in _committed_edges()}
    assert kinds == {ROAD, FERRY}  # bridges and tunnels are N1000 road links; no hand-made fixed links
    edges = pd.read_csv(DATA_DIR / travel.EDGES_FILE, keep_default_na=False)
    assert set(edges["klasse"]) == {"motorveg", "motortrafikkveg", "E/R", "F", "K/P", "tilkobling", ""}
    assert (edges.loc[edges["type"] == FERRY, "klasse"] == "").all()
    # Every road edge joins nodes of the table; road junctions are nodes of type veinode.
    assert set(edges["fra"]) | set(edges["til"]) <= set(nodes.index)
    assert nodes["type"].value_counts()["veinode"] == travel.parameters()["veinoder"]


def test_hitra_and_froya_are_joined_by_the_tunnel_without_a_ferry():
    route = travel.route("Hitra", "Frøya")
    assert route.ferries == () and {leg.kind for leg in route.legs} == {ROAD}
    assert "Fv714" in route.via  # Frøyatunnelen is on Fv714
    assert travel.route("frøya", "5001").ferries == ()  # Frøya–Hitra–mainland by tunnels


def test_orland_to_trondheim_names_a_ferry():
    route = travel.route("Ørland", "Trondheim")
    assert route.ferries in {("Flakk–Rørvik",), ("Brekstad–Valset",)}
    line = travel.describe(route)
    assert re.fullmatch(r"Ørland → Trondheim: \d t \d+ min, \d+ km, via .*ferje (Flakk–Rørvik|Brekstad–Valset).*", line)
    assert route.minutes == pytest.approx(sum(leg.minutes for leg in route.legs), abs=0.2)
    assert [leg.kind for leg in route.legs].count(FERRY) == 1
    assert route.legs[0].fra == "Brekstad" and route.legs[-1].til == "Trondheim"
    assert travel.describe(travel.route("Trondheim", "Oppdal")).endswith(", via E6")
    assert (
        travel.describe(travel.route("Trondheim", "S001")) == "Trondheim → NTNU (NTNU VIDERE), Trondheim: 0 min, 0 km"
    )


def test_names_resolve_in_any_case_and_unknown_names_are_refused():
    assert travel.resolve("ørland") == travel.resolve("5057") == travel.resolve("ØRLAND") == "5057"
    assert travel.resolve("Tråante") == "5001"  # the Sami name
    assert travel.resolve("s003") == "S003"
    # A centre's town is its municipality; a quay by its name.
    assert travel.resolve("Rørvik") == "5060" and travel.resolve("berkåk") == "5022"
    assert travel.resolve("Kolvereid") != "5060" and travel.resolve("Kolvereid").startswith("S")  # a study place
    assert travel.resolve("Flakk ferjekai") == "kai:Flakk ferjekai"
    with pytest.raises(travel.UnknownPlace, match="Ukjent kommune eller studiested: «Narvik»"):
        travel.resolve("Narvik")


def test_municipality_matrix_is_the_graph_and_symmetric():
    minutes, km = travel.municipality_matrix()
    order = list(kd.load_municipalities().index)
    assert minutes.shape == km.shape == (38, 38)
    assert list(minutes.index) == list(minutes.columns) == order
    assert np.allclose(np.diag(minutes), 0) and minutes.notna().all().all()
    assert np.allclose(minutes, minutes.T, atol=0.11)  # rounded to 0.1 min
    for a, b in [("5057", "5001"), ("5052", "5021"), ("5014", "5045")]:
        assert minutes.at[a, b] == pytest.approx(travel.route(a, b).minutes, abs=0.05)
        assert km.at[a, b] == pytest.approx(travel.route(a, b).km, abs=0.05)


def test_the_model_covers_every_located_study_place():
    nodes = travel._model().nodes
    places = kd.load_study_places().dropna(subset=["lat", "lon"])
    assert set(nodes.index[nodes["type"] == "studiested"]) == set(places.index), "rebuild: --only travel"
    table = travel.place_routes()
    assert set(table["til"]) == set(places.index) and table["minutter"].notna().all()


def test_an_override_wins_everywhere(monkeypatch):
    modelled = travel.route("Ørland", "Trondheim")
    measured = pd.DataFrame(
        {"fra": ["5001"], "til": ["5057"], "minutter": [75.0], "km": [float("nan")], "kilde": ["målt"], "merknad": [""]}
    )
    _clear_caches()
    monkeypatch.setattr(travel, "load_overrides", lambda: measured)
    try:
        route = travel.route("Ørland", "Trondheim")
        assert (route.minutes, route.overridden, route.estimated) == (75.0, True, False)
        assert route.km == modelled.km and route.ferries == modelled.ferries
        minutes, _ = travel.municipality_matrix()
        assert minutes.at["5057", "5001"] == minutes.at["5001", "5057"] == 75.0
        # A point in Trondheim away from the study places: the measured pair plus the local leg.
        points = travel.travel_to_points([63.40], [10.50], ["5001"])
        order = list(kd.load_municipalities().index)
        local = points.minutes[order.index("5001"), 0]
        assert 0 < local < 15
        assert points.minutes[order.index("5057"), 0] == pytest.approx(75.0 + local)
    finally:
        monkeypatch.undo()
        _clear_caches()
    assert travel.route("Ørland", "Trondheim").minutes == modelled.minutes


def test_overrides_file_is_read_from_the_data_folder(tmp_path, monkeypatch):
    committed = pd.read_csv(DATA_DIR / travel.OVERRIDES_FILE)
    assert list(committed.columns) == travel.OVERRIDE_COLUMNS and committed.empty  # no invented rows
    (tmp_path / travel.OVERRIDES_FILE).write_text(
        "fra,til,minutter,km,kilde,merknad\n5052,5060,95,,koordinator 2026-11-20,med bil\n", encoding="utf-8"
    )
    monkeypatch.setattr(travel, "DATA_DIR", tmp_path)
    frame = travel.load_overrides.__wrapped__()
    assert frame.to_dict("records")[0]["minutter"] == 95.0 and np.isnan(frame.at[0, "km"])


def test_travel_to_points_uses_centres_study_places_and_polygons():
    municipalities = kd.load_municipalities()
    minutes, _ = travel.municipality_matrix()
    places = kd.load_study_places().dropna(subset=["lat", "lon"])
    place = places.loc["S003"]  # Nord universitet, Levanger
    centre = municipalities.loc["5021", ["senter_lat", "senter_lon"]].to_numpy(float)
    lat = np.array([centre[0], place["lat"], place["lat"], np.nan, 64.0])
    lon = np.array([centre[1], place["lon"], place["lon"], np.nan, 11.5])
    codes = np.array(["5021", "5037", pd.NA, "5001", None], dtype=object)
    result = travel.travel_to_points(lat, lon, codes)
    assert result.minutes.shape == result.km.shape == result.ferry.shape == (38, 5)
    assert (result.minutes.dtype, result.km.dtype, result.ferry.dtype) == (np.float32, np.float32, np.int32)
    # At Oppdal's centre: the matrix column, no local leg.
    assert np.allclose(result.minutes[:, 0], minutes["5021"].to_numpy(), atol=0.01)
    # At a study place, with or without kommunenummer: the committed municipality × place table.
    table = travel.place_routes()
    expected = table[table["til"] == "S003"].set_index("fra")["minutter"].reindex(municipalities.index)
    assert np.allclose(result.minutes[:, 1], expected.to_numpy(), atol=0.01)
    assert np.allclose(result.minutes[:, 2], result.minutes[:, 1])
    # No coordinates: NaN; no kommunenummer: found by point-in-polygon (64.0 N, 11.5 E is in Steinkjer).
    assert np.isnan(result.minutes[:, 3]).all() and (result.ferry[:, 3] == -1).all()
    steinkjer = list(municipalities.index).index("5006")
    assert np.isfinite(result.minutes[:, 4]).all() and result.minutes[steinkjer, 4] < 15
    # The ferry of each row is the route's ferries (-1 without): Leka's row names Skei–Gutvik.
    ferries = table[table["til"] == "S003"].set_index("fra")["ferjer"].reindex(municipalities.index)
    labels = [result.ferry_labels[i] if i >= 0 else None for i in result.ferry[:, 1]]
    assert labels == [f if isinstance(f, str) else None for f in ferries]
    assert labels[list(municipalities.index).index("5052")] == "Skei–Gutvik"
    assert labels[list(municipalities.index).index("5021")] is None


def test_calibration_table_and_parameters():
    table = pd.read_csv(DATA_DIR / "reisetid_kalibrering.csv")
    assert len(table) == 13  # every row of travel/referanseruter.csv, used or not
    used = table[table["brukt"] == "ja"]
    assert set(used["type"]) == {"bil"} and len(used) == 8
    assert (table.loc[table["brukt"] == "nei", "merknad"].str.len() > 0).all()
    assert np.allclose(used["feil_min"].dropna(), (used["modell_min"] - used["publisert_min"]).dropna(), atol=0.11)
    fitted = table[table["i_tilpasning"] == "ja"]
    assert len(fitted) == travel.parameters()["tilpasning"]["ruter_i_tilpasning"] == 5
    assert fitted["publisert_min"].notna().all()
    oppdal = table[(table["fra"] == "Trondheim") & (table["til"] == "Oppdal")].iloc[0]
    assert (oppdal["publisert_min"], oppdal["publisert_km"], oppdal["veier"]) == (105, 119, "E6")
    # The modelled km of the distance-only rows are within 7 % of the published (N1000 is generalised).
    km = used[used["publisert_km"].notna()]
    assert ((km["modell_km"] - km["publisert_km"]).abs() / km["publisert_km"]).max() < 0.2
    assert (km["modell_km"] / km["publisert_km"]).median() == pytest.approx(1, abs=0.07)


def test_ferries_in_the_model():
    ferries = pd.read_csv(DATA_DIR / "reisetid_ferjer.csv").set_index("ferje")
    assert ferries.at["Flakk–Rørvik", "kostnad_min"] == 25 + 30 / 2
    assert ferries.at["Skei–Gutvik", "overfart_estimert"] == "nei"
    assert ferries.at["Lund–Geisnes", "overfart_estimert"] == "ja"  # no crossing time in the source
    assert "Halsa–Kanestraum" not in ferries.index  # leads out of the county


# --- the command line ---------------------------------------------------------------------------


def test_cli_prints_the_route_and_json(capsys):
    assert cli.main(["travel", "Ørland", "Trondheim"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.fullmatch(
        r"Ørland → Trondheim: \d t \d+ min, \d+ km, via .*ferje (Flakk–Rørvik|Brekstad–Valset).*", lines[0]
    )
    assert any(line.startswith("  ferje ") for line in lines)
    assert lines[-1].startswith("Modellert reisetid")
    assert cli.main(["travel", "hitra", "5014"]) == 0
    assert re.fullmatch(r"Hitra → Frøya: \d+ min, \d+ km, via Fv714", capsys.readouterr().out.splitlines()[0])
    assert cli.main(["travel", "Oppdal", "Røros"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Oppdal → Røros: 2 t 15 min, 142 km, via E6, Rv3, Fv30"
    assert cli.main(["travel", "Rørvik", "Berkåk"]) == 0
    assert capsys.readouterr().out.startswith("Nærøysund → Rennebu: ")
    assert cli.main(["travel", "Leka", "5001", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["origin"], payload["destination"], payload["ferries"]) == ("Leka", "Trondheim", ["Skei–Gutvik"])
    assert payload["legs"][1] == {
        "kind": "ferje",
        "fra": "Skei ferjekai",
        "til": "Gutvik ferjekai",
        "minutes": payload["legs"][1]["minutes"],
        "km": 4.3,
        "name": "Skei–Gutvik",
    }
    assert payload["via"][0] == "ferje Skei–Gutvik" and payload["legs"][0]["fra"] == "Leknes"


def test_cli_unknown_place_exits_with_code_2():
    result = subprocess.run(
        [sys.executable, "-m", "kompilot_data", "travel", "Narvik", "5001"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Ukjent kommune eller studiested: «Narvik». Bruk kommunenummer, kommunenavn, tettsted eller studiested-id."
    )
    assert result.stdout == ""


def test_summaries_and_labels_in_both_languages():
    route = travel.route("Ørland", "Trondheim")
    ferry = route.ferries[0]
    assert travel.summary(route) == f"{route.minutes:.0f} min med bil inkl. ferje {ferry}"
    assert travel.summary(route, "en") == f"{route.minutes:.0f} min by car incl. ferry {ferry}"
    assert travel.summary(travel.route("Hitra", "Frøya"), "en").endswith(" min by car")
    assert [travel.leg_kind_label(k, "en") for k in (ROAD, FERRY, FIXED_LINK)] == [
        "road",
        "ferry",
        "fixed link (bridge or tunnel)",
    ]
    parameters = travel.parameters()
    speed = f"fylkesvei {parameters['fart_kmt']['F']:.0f},"
    assert speed in travel.model_note()
    assert "fri flyt uten rushtid, ingen vinterstenging" in travel.model_note()
    assert "free-flow times with no rush hour, no winter closures" in travel.model_note("en")
    assert travel.duration(135) == "2 t 15 min" and travel.duration(135, "en") == "2 h 15 min"
    assert (travel.duration(44.6), travel.duration(120.2)) == ("45 min", "2 t")
