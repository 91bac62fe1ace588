from datetime import date

import kompilot_data as kd


def test_query_round_trip_and_unknown_values_dropped():
    filters = kd.Filters(delregioner=("Fosen",), omrader=("helse", "bygg"), fra=date(2026, 1, 1))
    query = filters.to_query()
    assert query == {"region": ["Fosen"], "omrade": ["helse", "bygg"], "fra": "2026-01-01"}
    assert kd.Filters.from_query(query) == kd.Filters(
        delregioner=("Fosen",), omrader=("helse", "bygg"), fra=date(2026, 1, 1)
    )
    assert kd.Filters.from_query({"region": "Atlantis", "fra": "igår", "niva": ["kurs", "x"]}) == kd.Filters(
        nivaer=("kurs",)
    )


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


def test_mode_filter_keeps_needs_without_preference():
    needs = kd.load_needs()
    online = kd.filter_needs(needs, kd.Filters(former=("nettbasert",)))
    assert set(online["laeringsform"].dropna()) == {"nettbasert"}
    assert online["laeringsform"].isna().sum() == needs["laeringsform"].isna().sum()


def test_offers_in_region_include_online_offers():
    offers = kd.load_offers()
    filters = kd.Filters(delregioner=("Namdalen",))
    with_online = kd.filter_offers(offers, filters)
    local_only = kd.filter_offers(offers, filters, include_online=False)
    assert set(local_only["kommunenummer"]) <= set(kd.load_municipalities().query("delregion == 'Namdalen'").index)
    assert len(with_online) == len(local_only) + offers["kommunenummer"].isna().sum()


def test_municipality_and_region_intersect():
    filters = kd.Filters(delregioner=("Fosen",), kommuner=("5020", "5001"))
    assert filters.municipality_codes() == ["5020"]
