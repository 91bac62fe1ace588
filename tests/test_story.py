"""One true story (issue 20 §2-4): open demand, background demand in 2SFCA, unmet demand and one set of numbers.

The consistency test draws 30 seeded random selections (sub-region, municipality, area, level, centrality,
period) and checks that every figure shown on two surfaces is the same number: the View's numbers, the map's
municipality table, the sub-region table, the briefing's steps 2-4 (also the presentation page's steps and the
handed-out slides, which draw the same steps), and the ``gap`` command.
"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import supply
from kompilot_data.engine.reach import ReachSetting, compute_reach
from kompilot_data.present import briefing as briefings
from kompilot_data.present import unmet
from kompilot_data.reference import load_municipalities, taxonomy
from kompilot_data.reference.background import PARTICIPATION_RATE, load_background_demand
from kompilot_data.reference.i18n import format_number
from kompilot_data.reference.regions import resolve_region
from kompilot_data.view import Audience, View, ViewKey
from kompilot_data.view.filters import Filters

MADE = date(2026, 11, 27)
SELECTIONS = 30


@pytest.fixture(scope="module")
def records():
    return kd.load_needs(), kd.load_offers()


# --- the engine -----------------------------------------------------------------------------------------------


def _needs(rows):
    frame = pd.DataFrame(
        rows, columns=["behov_id", "bedrift_id", "kommunenummer", "kompetanseomrade", "niva", "antall_deltakere"]
    )
    return frame.assign(status="kartlagt", tilbud_id=pd.NA, demo=False)


def _offers(rows):
    columns = ["tilbud_id", "kommunenummer", "kompetanseomrade", "niva", "plasser", "studieform", "lat", "lon"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["status"] = "apen"
    frame["kapasitet"] = frame["plasser"]
    frame["evu_klasse"] = np.where(frame["tilbud_id"].str.startswith("GRAD"), "heltid_grad", "evu")
    frame["rekkevidde_min"] = kd_reach(frame["studieform"])
    frame["bedrift_id"] = pd.array([None] * len(frame), dtype="string")
    frame["bedriftskurs"] = ""
    frame["demo"] = False
    return frame


def kd_reach(modes):
    from kompilot_data.reference.evu import reach_minutes

    return reach_minutes(pd.Series(modes))


STEINKJER, LIERNE, TRONDHEIM = "5006", "5042", "5001"


def _point(code):
    municipalities = load_municipalities()
    return municipalities.at[code, "senter_lat"], municipalities.at[code, "senter_lon"]


def test_unmet_is_summed_over_places_so_a_surplus_cannot_hide_a_shortfall():
    # Steinkjer has 10 seats for its 2 participants; Lierne (far from Steinkjer) has 6 and none in reach.
    needs = _needs([("N1", "B1", STEINKJER, "helse", "fagskole", 2), ("N2", "B2", LIERNE, "helse", "fagskole", 6)])
    lat, lon = _point(STEINKJER)
    offers = _offers([("T1", STEINKJER, "helse", "fagskole", 10, "stedlig", lat, lon)])
    result = supply.catchment(needs, offers, bakgrunn=False)
    table = supply.aggregate(result, ("fylke", "kompetanseomrade"), count_businesses=False).droplevel(0)
    row = table.loc["helse"]
    assert row["ettersporsel"] == 8 and row["tilbud_fordelt"] == pytest.approx(10)
    assert row["gap"] == pytest.approx(-2)  # net: a surplus
    assert row["udekket"] == pytest.approx(6) and row["overskudd"] == pytest.approx(8)  # Lierne's 6 still lack


def test_session_based_offers_reach_twice_as_far_and_online_offers_everywhere():
    needs = _needs([("N1", "B1", LIERNE, "helse", "fagskole", 4)])
    lat, lon = _point(STEINKJER)
    minutes = compute_reach(_offers([("T1", STEINKJER, "helse", "fagskole", 10, "stedlig", lat, lon)])).minutes[
        load_municipalities().index.get_loc(LIERNE), 0
    ]
    assert 90 < minutes <= 180, "Lierne - Steinkjer is a session-based trip, not a weekly one"
    campus = _offers([("T1", STEINKJER, "helse", "fagskole", 10, "stedlig", lat, lon)])
    sessions = _offers([("T2", STEINKJER, "helse", "fagskole", 10, "samlingsbasert", lat, lon)])
    online = _offers([("T3", STEINKJER, "helse", "fagskole", 10, "nettbasert", np.nan, np.nan)])
    for offers, expected in ((campus, 0.0), (sessions, 10.0), (online, 10.0)):  # the only demand gets all seats
        result = supply.catchment(needs, offers, bakgrunn=False)
        assert result.apportioned.sum() == pytest.approx(expected)


def test_ordinary_degrees_are_not_supply_and_seats_are_the_full_capacity():
    needs = _needs([("N1", "B1", STEINKJER, "helse", "hoyere", 40)])
    lat, lon = _point(STEINKJER)
    offers = _offers(
        [
            ("EVU1", STEINKJER, "helse", "hoyere", 25, "stedlig", lat, lon),
            ("GRAD1", STEINKJER, "helse", "hoyere", 100, "stedlig", lat, lon),
        ]
    )
    offers["sokere_forstevalg"] = [80, 300]  # applicants never reduce the seats any more
    result = supply.catchment(needs, offers, bakgrunn=False)
    assert list(result.offer_ids) == ["EVU1"] and result.apportioned.sum() == pytest.approx(25)


def test_an_own_in_company_course_serves_its_business_only():
    needs = _needs([("N1", "B1", STEINKJER, "industri", "kurs", 5), ("N2", "B2", STEINKJER, "industri", "kurs", 5)])
    offers = _offers([("K1", STEINKJER, "industri", "kurs", 12, "bedriftsintern", np.nan, np.nan)])
    offers["bedrift_id"] = pd.array(["B1"], dtype="string")
    offers["bedriftskurs"] = "egen"
    result = supply.catchment(needs, offers, bakgrunn=False)
    # B1's 5 participants get a seat; B2 gets none, and the 7 seats left over stay with B1's course.
    assert result.apportioned.sum() == pytest.approx(5)
    assert result.unmet.sum() == pytest.approx(5)


def test_background_demand_competes_for_the_seats_and_is_built_from_ssb_07984():
    frame = load_background_demand()
    employment = kd.load_employment() if hasattr(kd, "load_employment") else None
    trondheim = frame[frame["kommunenummer"] == TRONDHEIM]
    assert trondheim["deltakere"].sum() == pytest.approx(trondheim["sysselsatte"].sum() * PARTICIPATION_RATE, rel=1e-3)
    if employment is not None:
        latest = employment[(employment["aar"] == frame["aar"].iloc[0]) & (employment["naering_sn2007"] == "00-99")]
        total = latest.set_index("kommunenummer")["sysselsatte"]
        per_municipality = frame.groupby("kommunenummer")["sysselsatte"].sum()
        assert per_municipality.reindex(total.index).to_numpy() == pytest.approx(total.to_numpy(), rel=1e-3)
    # One Trondheim participant beside a Trondheim course: alone she gets every seat, with Trondheim's workers
    # competing she gets her share only.
    needs = _needs([("N1", "B1", TRONDHEIM, "helse", "fagskole", 1)])
    lat, lon = _point(TRONDHEIM)
    offers = _offers([("T1", TRONDHEIM, "helse", "fagskole", 30, "stedlig", lat, lon)])
    alone = supply.catchment(needs, offers, bakgrunn=False)
    shared = supply.catchment(needs, offers, bakgrunn=True)
    assert alone.apportioned.sum() == pytest.approx(30)
    competing = shared.background[:, shared.cells.get_loc(("helse", "fagskole"))]
    reached = shared.reachable[:, 0]
    assert shared.apportioned.sum() == pytest.approx(30 / (1 + competing[reached].sum()))


def test_open_demand_leaves_out_linked_needs_whose_course_has_ended(records):
    needs, offers = records
    open_rows = supply.open_demand(needs, offers)
    ended = set(offers.loc[offers["status"].isin(["avsluttet", "avlyst"]), "tilbud_id"])
    assert set(open_rows["status"].astype(str)) == {"kartlagt", "koblet"}
    assert not open_rows["tilbud_id"].isin(ended).any()
    linked_ended = needs["status"].eq("koblet") & needs["tilbud_id"].isin(ended)
    assert (
        linked_ended.sum() > 0
        and len(open_rows) == needs["status"].isin(["kartlagt", "koblet"]).sum() - linked_ended.sum()
    )


# --- the done-when on the default data ----------------------------------------------------------------------


def test_no_central_municipality_ranks_among_the_five_worst_unless_its_own_demand_explains_it(records):
    view = View(*records, ViewKey())
    table = view.municipality_table
    worst = table[table["ettersporsel"] > 0].sort_values("udekket_andel", ascending=False).head(5)
    central = worst[worst["sentralitetsklasse"] <= 2]
    assert central.empty, central[["navn", "ettersporsel", "udekket_andel"]]


# --- one set of numbers -------------------------------------------------------------------------------------


def _random_filters(rng: np.random.Generator) -> Filters:
    municipalities = load_municipalities()
    kind = rng.integers(0, 4)
    values = {}
    if kind == 1:
        values["delregioner"] = (str(rng.choice(kd.SUBREGIONS)),)
    elif kind == 2:
        values["kommuner"] = (str(rng.choice(municipalities.index)),)
    elif kind == 3:
        values["sentralitet"] = tuple(int(c) for c in rng.choice(range(1, 7), size=rng.integers(1, 4), replace=False))
    if rng.random() < 0.5:
        values["omrader"] = tuple(
            rng.choice(taxonomy.codes("kompetanseomrade"), size=rng.integers(1, 4), replace=False)
        )
    if rng.random() < 0.4:
        values["nivaer"] = tuple(rng.choice(taxonomy.codes("niva"), size=rng.integers(1, 3), replace=False))
    if rng.random() < 0.4:
        values["fra"] = date(int(rng.integers(2021, 2026)), 1, 1)
        values["til"] = date(2027, 12, 31)
    return Filters.cleaned(**values)


def _same(shown: str, value: float, view: View) -> bool:
    return shown == (view.total_mark if pd.isna(value) else format_number(value))


def _key_figures(step) -> dict[str, str]:
    return {k.label: k.value for k in step.key_figures}


def _adds_up(parts: pd.Series, total: float, exact: bool, column: str) -> None:
    """Parts shown on one surface add up to the total shown on another: exactly for coordinators; for viewers
    within the noise of the perturbed parts and total (each at most ±2 participants, so the seats apportioned to
    them move in proportion)."""
    if exact:
        assert parts.sum() == pytest.approx(total, abs=1e-6), column
    else:
        tolerance = 2.0 * (len(parts) + 1) * (1.0 if column in ("ettersporsel", "udekket") else 2.0)
        assert abs(parts.sum() - total) <= tolerance, column


@pytest.mark.parametrize("seed", range(SELECTIONS))
def test_every_figure_shown_on_two_surfaces_is_the_same(records, seed):
    rng = np.random.default_rng(seed)
    filters = _random_filters(rng)
    audience = Audience.viewer() if rng.random() < 0.5 else Audience.coordinator()
    view = View(*records, ViewKey(filters=filters, audience=audience, today=MADE))
    numbers = view.numbers()

    # Key figures = the sums of the map's municipality rows and of the sub-region table (nothing hidden there).
    # Exact for coordinators; a viewer's total is a perturbed cell of its own (cell key method, issue 23), so
    # for viewers the parts add up to the total within the p-table's noise per part.
    exact = not view.threshold
    per_municipality = numbers.per_kommune
    if not per_municipality["skjult"].any():
        for column in ("ettersporsel", "tilbud_fordelt", "udekket", "overskudd"):
            _adds_up(per_municipality[column], getattr(numbers, column), exact, column)
    regions = view.demand_supply(("delregion",))
    if len(regions) and not regions["skjult"].any():
        for column in ("ettersporsel", "tilbud_fordelt", "udekket", "overskudd"):
            _adds_up(regions[column], getattr(numbers, column), exact, column)
    areas = numbers.per_omrade
    if not areas["skjult"].any():
        for column in ("ettersporsel", "tilbud_fordelt", "udekket", "overskudd"):
            _adds_up(areas[column], getattr(numbers, column), exact, column)
    assert areas["plasser_innen_rekkevidde"].sum() == pytest.approx(numbers.plasser_innen_rekkevidde)
    assert areas["tilbud_innen_rekkevidde"].sum() == numbers.tilbud_innen_rekkevidde
    # Open demand never mixes with history.
    if not pd.isna(numbers.historikk_deltakere) and not pd.isna(numbers.deltakere):
        assert numbers.deltakere <= numbers.historikk_deltakere
    assert numbers.ettersporsel == numbers.deltakere or pd.isna(numbers.deltakere)

    # The briefing's steps (the presentation page and the slides show these steps) for the selection's place.
    place = filters.kommuner[0] if filters.kommuner else (filters.delregioner[0] if filters.delregioner else None)
    if place is None or filters.sentralitet:
        return
    region_view = View(*records, ViewKey(filters=filters, audience=Audience.viewer(), today=MADE))
    region_view = region_view.for_region(resolve_region(place))
    region_numbers = region_view.numbers()
    within = briefings.reach_words(region_view.key.reach, "nb")
    needs_step = briefings._needs(region_view, "nb", within)
    offers_step = briefings._offers(region_view, "nb", within)
    gap_step = briefings._gaps(region_view, "nb", within)
    if "Deltakere i åpne behov" in _key_figures(needs_step):
        assert _same(_key_figures(needs_step)["Deltakere i åpne behov"], region_numbers.deltakere, region_view)
    assert _same(
        _key_figures(offers_step)["Plasser fordelt til åpne behov"], region_numbers.tilbud_fordelt, region_view
    )
    assert _same(
        _key_figures(offers_step)["Plasser i tilbud innen rekkevidde (før deling)"],
        region_numbers.plasser_innen_rekkevidde,
        region_view,
    )
    assert _same(_key_figures(gap_step)["Udekket etterspørsel"], region_numbers.udekket, region_view)
    # Step 3's and step 4's charts give each area the same shared seats.
    labels = taxonomy.labels("kompetanseomrade", "nb")
    codes = {v: k for k, v in labels.items()}
    if offers_step.figures and gap_step.figures:
        shared_step3 = dict(
            zip(offers_step.main.content.categories, offers_step.main.content.series[1].values, strict=True)
        )
        unmet_step4 = dict(zip(gap_step.main.content.categories, gap_step.main.content.series[0].values, strict=True))
        for label, value in shared_step3.items():
            row = region_numbers.per_omrade.loc[codes[label]]
            assert (value is None) or value == pytest.approx(row["tilbud_fordelt"])
        for label, value in unmet_step4.items():
            row = region_numbers.per_omrade.loc[codes[label]]
            assert (value is None) or value == pytest.approx(row["udekket"])
    # A shortfall named in words is a row of the numbers.
    for line in unmet.shortfall_sentences(region_numbers, "nb", "innen 90 min"):
        assert "mangler" in line or "Ingen udekket" in line


def test_gap_command_gives_the_views_numbers(records, capsys, monkeypatch, tmp_path):
    from kompilot_data.cli import main

    monkeypatch.setenv("KOMPILOT_DATA_DIR", str(tmp_path / "ingen-database"))  # the embedded default data
    assert main(["gap", "--by", "delregion", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split(",")
    assert header == ["delregion", "ettersporsel", "tilbud_fordelt", "gap", "udekket", "overskudd", "dekning", "indeks"]
    rows = {line.split(",")[0]: dict(zip(header, line.split(","), strict=True)) for line in lines[1:]}
    for region in kd.SUBREGIONS:
        numbers = View(*records, ViewKey(filters=Filters(delregioner=(region,)))).numbers()
        assert float(rows[region]["udekket"]) == pytest.approx(numbers.udekket, abs=0.001)
        assert float(rows[region]["overskudd"]) == pytest.approx(numbers.overskudd, abs=0.001)
        assert float(rows[region]["tilbud_fordelt"]) == pytest.approx(numbers.tilbud_fordelt, abs=0.001)
    assert main(["gap", "--by", "fylke", "--csv", "--bare-registrerte"]) == 0
    only = capsys.readouterr().out.strip().splitlines()[1].split(",")
    numbers = View(*records, ViewKey(bakgrunn=False)).numbers()
    assert float(only[2]) == pytest.approx(numbers.tilbud_fordelt, abs=0.001)
    assert numbers.tilbud_fordelt > View(*records, ViewKey()).numbers().tilbud_fordelt  # no competition: more seats


def test_shortfalls_in_words_name_place_area_and_seats(records):
    numbers = View(*records, ViewKey(today=MADE)).numbers()
    lines = unmet.shortfall_sentences(numbers, "nb", "innen 90 min")
    top = numbers.storste_mangler.iloc[0]
    assert len(lines) == 3
    assert lines[0].startswith(f"{top['sted']} mangler {format_number(top['udekket'])} plasser i ")
    assert "innen 90 min" in lines[0]
    assert list(numbers.storste_mangler["udekket"]) == sorted(numbers.storste_mangler["udekket"], reverse=True)
    chart = unmet.unmet_chart(numbers, "nb", "Kilde: demodata", "innen 90 min")
    assert chart.demo and "Demo" in chart.note
    assert chart.series[0].values[0] == pytest.approx(unmet.ranked_municipalities(numbers)["udekket"].iloc[0])


def test_reach_words_say_the_mode_thresholds():
    assert (
        unmet.within_words(ReachSetting("reisetid", 90), "nb")
        == "innen rekkevidde (90 min ukentlig, 180 min samlingsbasert)"
    )
    assert unmet.within_words(ReachSetting("luftlinje", 50), "nb") == "innen 50 km luftlinje"


def test_the_switch_only_registered_needs_is_a_url_lens_that_leaves_background_demand_out(records):
    needs, offers = records
    switched = Filters.from_query({"region": "Namdalen", "bare_registrerte": "ja"})
    assert switched.bare_registrerte and switched.describe("nb") == (
        "Namdalen · Linse: bare registrerte behov (uten bakgrunnsetterspørsel)"
    )
    assert switched.to_query()["bare_registrerte"] == "ja" and Filters.from_query(switched.to_query()) == switched
    default = View(needs, offers, ViewKey(Filters(delregioner=("Namdalen",)))).numbers()
    on = View(needs, offers, ViewKey(switched)).numbers()
    by_key = View(needs, offers, ViewKey(Filters(delregioner=("Namdalen",)), bakgrunn=False)).numbers()
    assert default.bakgrunn and not on.bakgrunn
    assert on.udekket == pytest.approx(by_key.udekket) and on.udekket < default.udekket - 10
