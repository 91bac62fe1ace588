"""Mismatch indicators, matching and pooling on a small fixture with hand-computed expectations.

Leka (5052), Røros (5025) and Frøya (5014) lie 198–276 km apart, so a study place at one municipality's
representative point reaches only that municipality (radius 90 km). Holtålen (5026) is 45 km from Røros.
"""

import pandas as pd
import pytest

import kompilot_data as kd

MUNICIPALITIES = kd.load_municipalities()


def point(code):
    return MUNICIPALITIES.at[code, "punkt_lat"], MUNICIPALITIES.at[code, "punkt_lon"]


def need(
    behov_id,
    kommune,
    area,
    level,
    participants,
    mode="",
    start="2026-01-01",
    end="2026-12-31",
    status="kartlagt",
    business=None,
):
    return {
        "behov_id": behov_id,
        "registrert": "2025-12-01",
        "bedrift_id": business or f"V-{behov_id}",
        "orgnr": "",
        "kommunenummer": kommune,
        "naering": "Q",
        "storrelse": "5-19",
        "kompetanseomrade": area,
        "niva": level,
        "laeringsform": mode,
        "antall_deltakere": str(participants),
        "tidsramme_fra": start,
        "tidsramme_til": end,
        "status": status,
        "kilde": "bedriftsbesok",
        "merknad": "",
        "demo": "nei",
    }


def offer(tilbud_id, area, level, mode, capacity, at=None, start="2026-09-01", status="apen"):
    lat, lon = point(at) if at else ("", "")
    return {
        "tilbud_id": tilbud_id,
        "tilbyder": f"Tilbyder {tilbud_id}",
        "tittel": f"Kurs {tilbud_id}",
        "kompetanseomrade": area,
        "niva": level,
        "studiepoeng": "",
        "timer": "",
        "laeringsform": mode,
        "kommunenummer": at or "",
        "studiested": "",
        "lat": str(lat),
        "lon": str(lon),
        "oppstart": start,
        "kapasitet": str(capacity),
        "min_deltakere": "",
        "pris_kr": "",
        "finansiering": "",
        "status": status,
        "kilde_url": "",
        "demo": "nei",
    }


@pytest.fixture
def needs():
    return kd.validated(
        pd.DataFrame(
            [
                need("N1", "5052", "helse", "fagskole", 5, end="2026-06-03"),
                need("N2", "5052", "helse", "kurs", 3, mode="nettbasert"),
                need("N3", "5025", "bygg", "fagbrev", 4, mode="stedlig"),
                need("N4", "5014", "ikt", "kurs", 2),
                need("N5", "5025", "helse", "fagskole", 6, status="gjennomfort"),
            ]
        ),
        "needs",
    )


@pytest.fixture
def offers():
    return kd.validated(
        pd.DataFrame(
            [
                offer("T1", "helse", "fagskole", "stedlig", 10, at="5052"),
                offer("T2", "helse", "kurs", "nettbasert", 20, start="2026-03-01"),
                offer("T3", "bygg", "fagbrev", "stedlig", 8, at="5014"),
                offer("T4", "ikt", "kurs", "stedlig", 15, at="5014", status="avlyst"),
            ]
        ),
        "offers",
    )
