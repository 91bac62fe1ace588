"""Issue 23's protection cases, each tried as the issue's careful outsider did: the pool row solved with public
travel times, and the Melhus briefing (total minus the visible parts) recover nothing for a viewer."""

import itertools
from datetime import date

import pandas as pd
import pytest

import kompilot_data as kd
from kompilot_data.engine import pooling
from kompilot_data.present import briefing as briefings
from kompilot_data.view import Audience, View, ViewKey

TODAY = date(2026, 11, 1)
MELHUS, OPPDAL, SKAUN = "5028", "5021", "5029"
#: The issue's pool: electrical courses, 3 businesses in Melhus, Oppdal and Skaun; Skaun's one business has 2.
POOL = [("B1", MELHUS, "V1", 1), ("B2", OPPDAL, "V2", 1), ("B3", SKAUN, "V3", 2)]


def _needs(rows) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "behov_id": need,
                "registrert": "2026-03-15",
                "bedrift_id": business,
                "orgnr": "",
                "kommunenummer": code,
                "naering": "F",
                "storrelse": "5-19",
                "kompetanseomrade": "elektro",
                "niva": "kurs",
                "laeringsform": "",
                "antall_deltakere": str(people),
                "tidsramme_fra": "2026-01-01",
                "tidsramme_til": "2027-12-31",
                "status": "kartlagt",
                "kilde": "bedriftsbesok",
                "merknad": "",
                "demo": "nei",
            }
            for need, code, business, people in rows
        ]
    )
    return kd.validated(frame, "needs")


@pytest.fixture(scope="module")
def offers():
    offers = kd.load_offers()
    return offers[offers["kompetanseomrade"].astype(str) != "elektro"]  # nothing covers the need: a pool forms


def _solutions(row: pd.Series, travel: dict[str, float], members: list[str]) -> list[tuple[int, ...]]:
    """Every split of the row's participants over its member municipalities (one or more each) that gives the
    row's total travel: the outsider's calculation."""
    total, travelled = row["deltakere"], row["sum_reisetid_min"]
    if pd.isna(total) or pd.isna(travelled) or not members:
        return []
    found = []
    for split in itertools.product(range(1, int(total) + 1), repeat=len(members)):
        if sum(split) == total and round(sum(p * travel[m] for p, m in zip(split, members, strict=True))) == travelled:
            found.append(split)
    return found


def test_the_pool_row_cannot_be_solved_by_a_viewer(offers):
    needs = _needs(POOL)
    coordinator = View(needs, offers, ViewKey(today=TODAY))
    (row,) = [r for _, r in coordinator.brokering.pools(12).iterrows()]
    # The coordinator's row is the issue's: members, total travel and the longest trip give Skaun's business away.
    names = kd.load_municipalities()["navn"]
    members = [code for code in (MELHUS, OPPDAL, SKAUN) if names[code] in row["kommuner"]]
    assert len(members) == 3 and row["deltakere"] == 4 and row["bedrifter"] == 3
    reach = pooling.host_reach(coordinator.key.reach)
    host = pooling.hosts()
    host_id = host[(host["vert"] == row["vert"]) & (host["kommunenummer"] == row["vert_kommunenummer"])][
        "vert_id"
    ].iloc[0]
    column = list(reach.offer_ids).index(host_id)
    travel = {m: float(reach.minutes[reach.municipalities.get_loc(m), column]) for m in members}
    solved = _solutions(row, travel, members)
    assert (1, 1, 2) in solved  # the outsider's calculation works on exact member-level figures

    viewer = View(needs, offers, ViewKey(audience=Audience.viewer(), today=TODAY))
    (shown,) = [r for _, r in viewer.brokering.pools(12).iterrows()]
    text = " ".join(str(v) for v in shown.to_numpy())
    assert not any(names[code] in text for code in (MELHUS, OPPDAL, SKAUN)), text
    assert shown[list(pooling.TRAVEL_COLUMNS)].isna().all()
    assert shown["kommuner"] == shown["vert"] == shown["delregion"]
    assert _solutions(shown, travel, members) == []  # nothing to solve with: recovers nothing
    assert abs(shown["deltakere"] - 4) <= 2


def test_the_melhus_briefing_total_minus_its_parts_recovers_no_area():
    needs, offers = kd.load_needs(), kd.load_offers()
    view = briefings.region_view(MELHUS, needs, offers, today=date(2026, 11, 27))
    step = briefings.briefing(view, MELHUS).step("behov")
    total = float(next(k.value for k in step.key_figures if k.label == "Deltakere i åpne behov").replace("\u00a0", ""))
    chart = next(f.content for f in step.figures if f.slug == "behov_omrade")
    values = chart.series[0].values
    recovered = total - sum(v for v in values if v is not None)
    # the chart shows participants in open needs by area (issue 20): the exact cells are the coordinator's
    exact = View(needs, offers, ViewKey(filters=view.key.filters, today=view.key.today)).numbers().per_omrade
    hidden = view.numbers().per_omrade["skjult"]
    hidden_values = exact.loc[hidden[hidden].index, "ettersporsel"].tolist()
    print(
        f"\nMelhus: Deltakere {total:.0f}; visible areas {total - recovered:.0f}; total − parts = {recovered:.0f}; "
        f"hidden areas (exact) {hidden_values}"
    )
    assert len(hidden_values) >= 2 or not hidden_values  # never one hidden area alone
    assert recovered not in hidden_values
