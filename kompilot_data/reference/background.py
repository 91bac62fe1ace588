"""Background demand for continuing education: the workers of every municipality who compete for the same seats.

A seat in Trondheim is wanted by Trondheim's own workers too, not only by the businesses the pilot has visited.
The reference build (:mod:`kompilot_data.reference.build.background`) turns SSB table 07984 (employed persons by
municipality of residence and industry, 4th quarter, latest year) into ``bakgrunn_ettersporsel.csv``: per
municipality × competence area, the employed persons of the industries mapped to the area
(``naering_kompetanseomrade.csv``, compiled by hand) times :data:`PARTICIPATION_RATE`.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from kompilot_data.reference.paths import DATA_DIR

#: Share of employed persons (without students) in Trøndelag who took formal further education in the last
#: 12 months: 7 % in 2022 (about 15 000 persons). Source: SSB, Lærevilkårsmonitoren (LVM) 2022, as published by
#: Trøndelag fylkeskommune, https://trondelagitall.no/statistikk/livslang-laering (national table:
#: https://www.ssb.no/utdanning/voksenopplaering/statistikk/livslang-laering, "formell videreutdanning", 22-59 år).
PARTICIPATION_RATE = 0.07
PARTICIPATION_SOURCE = "SSB, Lærevilkårsmonitoren (LVM) 2022, Trøndelag i tall"
PARTICIPATION_URL = "https://trondelagitall.no/statistikk/livslang-laering"


@lru_cache(maxsize=1)
def load_background_demand() -> pd.DataFrame:
    """kommunenummer × kompetanseomrade: ``sysselsatte`` (allocated employed persons) and ``deltakere`` (background
    participants per year = sysselsatte × :data:`PARTICIPATION_RATE`); columns ``aar`` (SSB year)."""
    return pd.read_csv(DATA_DIR / "bakgrunn_ettersporsel.csv", dtype={"kommunenummer": str})
