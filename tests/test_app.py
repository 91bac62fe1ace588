"""AppTest tests of every page: headings, no exceptions, and filters from the query string change the numbers.

Tests that only read a page share its render (``rendered``); tests that click or change a widget run their own.
"""

import pytest
from app_support import rendered, run_app
from streamlit.testing.v1 import AppTest

import kompilot_data as kd
from kompilot_data.engine.supply import open_demand
from kompilot_data.reference.i18n import format_number
from kompilot_data.view import View

PAGES = {
    "app_pages/oversikt.py": "Oversikt",
    "app_pages/kart.py": "Kart",
    "app_pages/behov.py": "Kompetansebehov",
    "app_pages/tilbud.py": "Tilbud (etter- og videreutdanning)",
    "app_pages/mismatch.py": "Behov mot tilbud: hvor mangler det plasser?",
    "app_pages/region.py": "Regionprofil",
    "app_pages/om_data.py": "Om data",
    "app_pages/tilgjengelighet.py": "Tilgjengelighetserklæring",
    "app_pages/data.py": "Data: import, redigering og eksport",
    "app_pages/presentasjon.py": "Namdalen: Situasjonen",
}


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.mark.parametrize(("page", "title"), PAGES.items())
def test_every_page_renders_with_heading_and_demo_badge(page, title):
    app = rendered(page)
    assert app.title[0].value == title
    if page.endswith("presentasjon.py"):
        # Step 1 shows real SSB statistics only: no demo tag (issue 10 §5); step 2 is built on demo needs.
        assert not any("DEMO-DATA" in str(element.proto) for element in [*app.caption, *app.get("html")])
        step_two = rendered(page, steg="2")
        assert any("DEMO-DATA" in str(element.proto) for element in step_two.get("html"))
    elif not page.endswith(("om_data.py", "tilgjengelighet.py")):
        assert any("DEMO-DATA" in w.value for w in app.warning)


def test_overview_numbers_follow_the_query_string():
    needs, offers = kd.load_needs(), kd.load_offers()
    open_needs = open_demand(needs, offers)
    app = rendered()
    # Open demand by default (issue 20): kartlagt, and koblet whose course has not ended; history in its own tab.
    assert metric(app, "Åpne behov") == format_number(len(open_needs))
    assert metric(app, "Bedrifter med åpne behov") == format_number(open_needs["bedrift_id"].nunique())
    assert metric(app, "Behov siden 2021 (alle)") == format_number(len(needs))
    numbers = View(needs, offers).numbers()
    assert metric(app, "Udekket etterspørsel") == format_number(numbers.udekket)

    fosen = open_demand(kd.filter_needs(needs, kd.Filters(delregioner=("Fosen",), omrader=("helse",))), offers)
    app = rendered(region="Fosen", omrade="helse")
    assert metric(app, "Åpne behov") == format_number(len(fosen))
    assert metric(app, "Deltakere i åpne behov") == format_number(fosen["antall_deltakere"].sum())
    assert len(fosen) < len(open_needs)
    assert app.multiselect(key="filter_delregioner").value == ["Fosen"]
    assert "Fosen · Helse og omsorg" in app.caption[0].value


def test_filters_stay_when_switching_pages_and_are_written_back_to_the_url():
    app = run_app(region="Namdalen")
    app.switch_page("app_pages/behov.py")
    app.run()
    assert app.multiselect(key="filter_delregioner").value == ["Namdalen"]
    assert app.query_params["region"] == "Namdalen"
    needs = kd.filter_needs(kd.load_needs(), kd.Filters(delregioner=("Namdalen",)))
    table = app.dataframe[-1].value  # the records (the charts' data tables come first, in expanders)
    assert len(table) == len(needs)
    assert set(table["Kommune"]) <= set(kd.load_municipalities().query("delregion == 'Namdalen'")["navn"])


def test_sidebar_change_updates_url_and_numbers():
    app = run_app()
    app.multiselect(key="filter_omrader").set_value(["bygg"]).run()
    assert app.query_params["omrade"] == "bygg"
    needs = kd.filter_needs(kd.load_needs(), kd.Filters(omrader=("bygg",)))
    assert metric(app, "Behov siden 2021 (alle)") == format_number(len(needs))
    app.button[0].click().run()  # Nullstill filtre
    assert "omrade" not in app.query_params
    assert metric(app, "Behov siden 2021 (alle)") == format_number(1500)


def test_english_from_the_url():
    app = rendered(lang="en")
    assert app.title[0].value == "Overview"
    assert metric(app, "Needs since 2021 (all)") == "1,500"
    assert any("DEMO DATA" in w.value for w in app.warning)


def test_map_indicator_is_in_the_url():
    app = run_app("app_pages/kart.py", indikator="mismatch")
    assert app.selectbox(key="map_indicator").value == "mismatch"
    app.selectbox(key="map_indicator").set_value("befolkning").run()
    assert app.query_params["indikator"] == "befolkning"


def test_region_page_profile_numbers():
    municipalities = kd.load_municipalities()
    app = rendered("app_pages/region.py", profil="Fosen")
    population = municipalities.loc[["5020", "5054", "5057", "5058"], "befolkning"].sum()
    assert metric(app, "Befolkning") == format_number(population)
    app = rendered("app_pages/region.py", profil="5043")
    assert metric(app, "Befolkning") == format_number(municipalities.at["5043", "befolkning"])
    # Without a profile parameter the page follows the shared sub-region filter.
    app = rendered("app_pages/region.py", region="Trøndelag sør")
    assert app.selectbox(key="region_choice").value == "Trøndelag sør"


def test_mismatch_page_reacts_to_filters():
    all_app = rendered("app_pages/mismatch.py")
    health_app = rendered("app_pages/mismatch.py", omrade="helse")
    assert len(health_app.get("plotly_chart")) == len(all_app.get("plotly_chart"))
    areas = [
        set(frame.value[column])
        for frame in health_app.dataframe
        for column in ("kompetanseomrade", "Kompetanseområde")
        if column in frame.value.columns
    ]
    assert areas and all(found <= {"Helse og omsorg"} for found in areas)


def test_presentation_url_encodes_region_and_step():
    app = run_app("app_pages/presentasjon.py", profil="5025", steg="2")
    assert app.title[0].value == "Røros: Kompetansebehov"
    needs = kd.load_needs()
    shown = {m.label: m.value for m in app.metric}
    assert shown["Behov siden 2021 (alle)"] == format_number((needs["kommunenummer"] == "5025").sum())
    roros = open_demand(needs[(needs["kommunenummer"] == "5025").to_numpy()], kd.load_offers())
    assert shown["Åpne behov"] == format_number(len(roros))
    app.button(key="present_next").click().run()
    assert app.title[0].value == "Røros: Tilbud innen rekkevidde"
    assert app.query_params["steg"] == "3"


def test_present_flag_opens_the_presentation_with_the_filters():
    app = rendered(present="1", region="Fosen")
    assert app.title[0].value == "Fosen: Situasjonen"
