"""Build ``bakgrunn_ettersporsel.csv`` (see :mod:`kompilot_data.reference.background`) from SSB 07984 in the raw
folder and the hand-compiled industry → competence-area key in the package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.reference.background import PARTICIPATION_RATE
from kompilot_data.reference.paths import DATA_DIR

TOTAL = "00-99"
REST = "resten"


def build_background_demand(raw: Path) -> pd.DataFrame:
    emp = pd.read_csv(Path(raw) / "stats/ssb_07984_sysselsatte_naering_trondelag.csv", dtype=str)
    emp["verdi"] = pd.to_numeric(emp["verdi"], errors="coerce")
    emp["aar"] = emp["aar"].astype(int)
    year = int(emp["aar"].max())
    latest = emp[emp["aar"] == year].pivot_table(index="kode", columns="naering", values="verdi", aggfunc="sum")
    key = pd.read_csv(DATA_DIR / "naering_kompetanseomrade.csv", dtype={"naering_sn2007": str})
    sectors = [s for s in key["naering_sn2007"].unique() if s != REST]
    latest = latest.fillna(0.0)
    latest[REST] = np.clip(latest[TOTAL] - latest[sectors].sum(axis=1), 0, None)
    rows = []
    for _, part in key.iterrows():
        persons = latest[part["naering_sn2007"]] * float(part["andel"])
        rows.append(
            pd.DataFrame(
                {
                    "kommunenummer": latest.index,
                    "kompetanseomrade": part["kompetanseomrade"],
                    "sysselsatte": persons.to_numpy(),
                }
            )
        )
    frame = pd.concat(rows).groupby(["kommunenummer", "kompetanseomrade"], as_index=False)["sysselsatte"].sum()
    frame["sysselsatte"] = frame["sysselsatte"].round(1)
    frame["deltakere"] = (frame["sysselsatte"] * PARTICIPATION_RATE).round(2)
    frame.insert(1, "aar", year)
    return frame.sort_values(["kommunenummer", "kompetanseomrade"]).reset_index(drop=True)
