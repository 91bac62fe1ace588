"""The filter specification and everything derived from it: URL form, filtering, describe()."""

from dataclasses import fields
from datetime import date
from urllib.parse import parse_qs, urlencode

import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.reference import i18n
from kompilot_data.view.filters import CENTRALITY_CLASSES, FILTER_SPECS, QUERY_KEYS, SPECS, _allowed


def _sample(spec):
    """Two allowed values for a multiselect row (the last two: not the defaults), a date for a date row."""
    if spec.widget == "date":
        return date(2026, 3, 1) if spec.bound == "start" else date(2026, 9, 30)
    if spec.widget == "toggle":
        return True
    return tuple(spec.allowed()[-2:])


def test_the_specification_covers_every_field_once():
    assert [spec.field for spec in FILTER_SPECS] != []
    assert {spec.field for spec in FILTER_SPECS} == {f.name for f in fields(kd.Filters)}
    assert len({spec.key for spec in FILTER_SPECS}) == len(FILTER_SPECS)
    assert QUERY_KEYS["sentralitet"] == "sentralitet" and QUERY_KEYS["delregioner"] == "region"
    assert [spec.field for spec in FILTER_SPECS if spec.place] == ["delregioner", "kommuner", "sentralitet"]
    # Place filters select municipalities: one column per side, so they can be intersected.
    assert {(spec.needs, spec.offers) for spec in FILTER_SPECS if spec.place} == {
        (SPECS["kommuner"].needs, SPECS["kommuner"].offers)
    }
    for spec in FILTER_SPECS:
        assert spec.widget in ("multiselect", "date", "toggle")
        assert set(i18n.TEXTS[spec.label]) == {"nb", "en"}
        if spec.widget == "multiselect":
            assert len(spec.allowed()) >= 3, spec.field
            for value in spec.allowed():
                assert spec.option_label(value, "nb") and spec.option_label(value, "en")


def test_allowed_values_come_from_the_code_lists():
    assert _allowed("delregioner") == ["Namdalen", "Trøndelag sør", "Fosen"]
    assert _allowed("kommuner") == list(kd.load_municipalities().index)
    assert _allowed("sentralitet") == [1, 2, 3, 4, 5, 6]
    assert _allowed("omrader") == kd.codes("kompetanseomrade")
    assert _allowed("statuser") == kd.codes("behov_status")
    assert _allowed("fra") == []


@pytest.mark.parametrize("spec", FILTER_SPECS, ids=lambda spec: spec.field)
def test_every_row_round_trips_through_the_url(spec):
    filters = kd.Filters(**{spec.field: _sample(spec)})
    query = filters.to_query()
    assert list(query) == [spec.key]
    assert kd.Filters.from_query(query) == filters
    # ... and through a real query string (what the browser and the cache key carry).
    assert kd.Filters.from_query(parse_qs(urlencode(query, doseq=True))) == filters


def test_all_rows_together_round_trip_and_write_repeated_keys():
    filters = kd.Filters(**{spec.field: _sample(spec) for spec in FILTER_SPECS})
    query = filters.to_query()
    assert query["sentralitet"] == ["5", "6"]
    assert query["region"] == ["Trøndelag sør", "Fosen"]
    assert query["fra"] == "2026-03-01"
    assert kd.Filters.from_query(query) == filters


def test_comma_separated_and_repeated_keys_mean_the_same():
    expected = kd.Filters(sentralitet=(5, 6), omrader=("helse", "bygg"))
    assert kd.Filters.from_query({"sentralitet": "5,6", "omrade": "helse,bygg"}) == expected
    assert kd.Filters.from_query({"sentralitet": ["6", "5"], "omrade": ["bygg", "helse"]}) == expected
    assert kd.Filters.from_query({"sentralitet": ["5, 6"], "omrade": ["helse", "bygg,helse"]}) == expected
    assert kd.Filters.from_query(parse_qs("sentralitet=5%2C6&omrade=helse&omrade=bygg")) == expected


def test_unknown_url_values_are_dropped():
    query = {
        "region": ["Atlantis", "Fosen"],
        "kommune": ["9999", "Namsos", "5025"],
        "sentralitet": "0,5,7,x,",
        "omrade": "helsee",
        "niva": ["kurs", "x"],
        "form": "",
        "status": ["ukjent"],
        "fra": "igår",
        "til": "1900-01-01",
        "ukjent_nokkel": "1",
    }
    assert kd.Filters.from_query(query) == kd.Filters(
        delregioner=("Fosen",), kommuner=("5025",), sentralitet=(5,), nivaer=("kurs",)
    )
    assert kd.Filters.from_query({"fra": "2036-01-01", "til": "2026-02-30"}) == kd.Filters()
    assert kd.Filters.from_query({}) == kd.Filters()


def test_filters_are_hashable_and_equal_selections_are_equal():
    a = kd.Filters.cleaned(omrader=["bygg", "helse"], sentralitet=[6, 5], fra=None)
    b = kd.Filters.cleaned(omrader=("helse", "bygg"), sentralitet=(5, 6))
    assert a == b and hash(a) == hash(b)
    assert a.omrader == ("helse", "bygg") and a.sentralitet == (5, 6)
    assert kd.Filters(omrader=["helse"]).omrader == ("helse",)
    assert kd.Filters(sentralitet=("5", 6)).sentralitet == (5, 6)
    assert kd.Filters.cleaned(kommuner=["Namsos"], sentralitet=[9], til=date(1999, 1, 1)) == kd.Filters()


def test_without_place_clears_exactly_the_place_filters():
    filters = kd.Filters(**{spec.field: _sample(spec) for spec in FILTER_SPECS})
    bare = filters.without_place()
    assert (bare.delregioner, bare.kommuner, bare.sentralitet) == ((), (), ())
    assert bare == filters.with_(delregioner=(), kommuner=(), sentralitet=())
    assert bare.omrader == filters.omrader and bare.fra == filters.fra and bare.til == filters.til


def test_filter_needs_by_centrality_keeps_exactly_the_needs_in_class_5_and_6():
    needs = kd.load_needs()
    classes = kd.load_municipalities()["sentralitetsklasse"]
    rural = set(classes.index[classes.isin([5, 6])])
    assert len(rural) == (classes >= 5).sum() == 27
    kept = kd.filter_needs(needs, kd.Filters(sentralitet=(5, 6)))
    expected = needs["kommunenummer"].astype(str).isin(rural).sum()
    assert len(kept) == expected
    assert 0 < len(kept) < len(needs)
    assert set(kept["kommunenummer"].astype(str)) <= rural
    assert set(kept["kommunenummer"].astype(str).map(classes)) <= {5, 6}
    # The classes partition the needs.
    per_class = [len(kd.filter_needs(needs, kd.Filters(sentralitet=(c,)))) for c in CENTRALITY_CLASSES]
    assert sum(per_class) == len(needs)


def test_filter_offers_by_centrality_uses_the_study_place():
    offers = kd.load_offers()
    classes = kd.load_municipalities()["sentralitetsklasse"]
    places = offers["kommunenummer"].astype("string").map(classes)
    filters = kd.Filters(sentralitet=(5, 6))
    local = kd.filter_offers(offers, filters, include_online=False)
    assert len(local) == places.isin([5, 6]).sum() > 0
    assert set(local["kommunenummer"].astype(str).map(classes)) <= {5, 6}
    assert len(kd.filter_offers(offers, filters)) == len(local) + offers["kommunenummer"].isna().sum()


def test_place_filters_intersect():
    assert kd.Filters(delregioner=("Fosen",), kommuner=("5020", "5001")).municipality_codes() == ["5020"]
    # Namdalen's municipalities in class 6, from the SSB table: Lierne, Røyrvik, Namsskogan, Høylandet,
    # Flatanger, Leka.
    codes = kd.Filters(delregioner=("Namdalen",), sentralitet=(6,)).municipality_codes()
    assert codes == ["5042", "5043", "5044", "5046", "5049", "5052"]
    assert kd.Filters(kommuner=("5001",), sentralitet=(5, 6)).municipality_codes() == []
    assert kd.Filters(omrader=("helse",)).municipality_codes() is None
    needs = kd.load_needs()
    both = kd.filter_needs(needs, kd.Filters(delregioner=("Namdalen",), sentralitet=(6,)))
    assert len(both) == needs["kommunenummer"].astype(str).isin(codes).sum()


def test_filter_needs_by_region_area_and_period():
    needs = kd.load_needs()
    fosen = kd.filter_needs(needs, kd.Filters(delregioner=("Fosen",)))
    assert set(fosen["kommunenummer"]) <= {"5020", "5054", "5057", "5058"}
    assert len(fosen) == needs["kommunenummer"].isin(["5020", "5054", "5057", "5058"]).sum()
    health_2026 = kd.filter_needs(needs, kd.Filters(omrader=("helse",), fra=date(2026, 1, 1)))
    assert (health_2026["kompetanseomrade"] == "helse").all()
    assert (health_2026["registrert"] >= "2026-01-01").all()
    expected = ((needs["kompetanseomrade"] == "helse") & (needs["registrert"] >= "2026-01-01")).sum()
    assert len(health_2026) == expected


def _records(dates: list[str], column: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kommunenummer": ["5025", "5007", None][: len(dates)],
            "kompetanseomrade": "helse",
            "niva": "kurs",
            "laeringsform": "stedlig",
            "status": "kartlagt",
            column: pd.to_datetime(dates),
        }
    )


def test_period_uses_registered_for_needs_and_start_for_offers():
    needs = _records(["2024-12-31", "2025-06-01"], "registrert")
    offers = _records(["2025-01-01", "2025-12-31", "2026-01-01"], "oppstart")
    filters = kd.Filters(fra=date(2025, 1, 1), til=date(2025, 12, 31))
    assert list(kd.filter_needs(needs, filters)["registrert"]) == [pd.Timestamp("2025-06-01")]
    assert list(kd.filter_offers(offers, filters)["oppstart"]) == pd.to_datetime(["2025-01-01", "2025-12-31"]).tolist()
    assert len(kd.filter_offers(offers, kd.Filters(til=date(2024, 12, 31)))) == 0
    # The status filter applies to needs only.
    assert len(kd.filter_needs(needs, kd.Filters(statuser=("koblet",)))) == 0
    assert len(kd.filter_offers(offers, kd.Filters(statuser=("koblet",)))) == 3


def test_mode_filter_keeps_needs_without_preference():
    needs = kd.load_needs()
    online = kd.filter_needs(needs, kd.Filters(former=("nettbasert",)))
    assert set(online["laeringsform"].dropna()) == {"nettbasert"}
    assert online["laeringsform"].isna().sum() == needs["laeringsform"].isna().sum() > 0
    offers = kd.load_offers()
    online_offers = kd.filter_offers(offers, kd.Filters(former=("nettbasert",)))
    assert len(online_offers) == (offers["laeringsform"] == "nettbasert").sum()


def test_offers_in_region_include_online_offers():
    offers = kd.load_offers()
    filters = kd.Filters(delregioner=("Namdalen",))
    with_online = kd.filter_offers(offers, filters)
    local_only = kd.filter_offers(offers, filters, include_online=False)
    assert set(local_only["kommunenummer"]) <= set(kd.load_municipalities().query("delregion == 'Namdalen'").index)
    assert len(with_online) == len(local_only) + offers["kommunenummer"].isna().sum()


FIXTURE = kd.Filters(
    delregioner=("Fosen",),
    kommuner=("5025",),
    sentralitet=(5, 6),
    omrader=("helse", "bygg"),
    nivaer=("fagskole",),
    former=("nettbasert",),
    statuser=("koblet",),
    fra=date(2026, 1, 1),
    til=date(2026, 6, 30),
)


def test_describe_in_both_languages():
    assert FIXTURE.describe("nb") == (
        "Fosen · Røros · Sentralitetsklasse 5, 6 · Helse og omsorg · Bygg og anlegg · Fagskole · Nettbasert"
        " · Koblet til tilbud · 01.01.2026 – 30.06.2026"
    )
    assert FIXTURE.describe("en") == (
        "Fosen · Røros · Centrality class 5, 6 · Health and care · Building and construction · Vocational college"
        " · Online · Linked to an offer · 1 Jan 2026 – 30 Jun 2026"
    )
    assert kd.Filters().describe("nb") == "Hele Trøndelag, alle behov og tilbud"
    assert kd.Filters().describe("en") == "All of Trøndelag, all needs and offers"
    assert kd.Filters(sentralitet=(6,), fra=date(2026, 1, 1)).describe("nb") == "Sentralitetsklasse 6 · fra 01.01.2026"
    assert kd.Filters(til=date(2026, 6, 30)).describe("en") == "until 30 Jun 2026"


def test_the_lens_ordinary_studies_keeps_ordinary_degrees_out_unless_on():
    offers = kd.load_offers()
    default = kd.filter_offers(offers, kd.Filters())
    assert len(default) == offers["i_tilbud"].sum() and "heltid_grad" not in set(default["evu_klasse"])
    lens = kd.Filters(ordinaere=True)
    assert len(kd.filter_offers(offers, lens)) == len(offers)
    assert lens.to_query() == {"ordinaere": "ja"}
    assert kd.Filters.from_query({"ordinaere": "ja"}) == lens
    assert kd.Filters.from_query({"ordinaere": "nei"}) == kd.Filters()
    assert lens.describe("nb") == "Linse: ordinære studier tatt med"
    assert lens.describe("en") == "Lens: ordinary studies included"
    assert (
        kd.Filters(omrader=("helse",), ordinaere=True).describe("nb")
        == "Helse og omsorg · Linse: ordinære studier tatt med"
    )
    assert lens.without_place().ordinaere
    needs = kd.load_needs()
    assert len(kd.filter_needs(needs, lens)) == len(needs)  # a lens on supply, not on needs
