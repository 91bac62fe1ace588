"""Build: SSB population, education and employment; sub-pilots, regional councils, county indicators."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kompilot_data.reference.build.common import _as_int, _read

AGE_GROUPS = {
    "F340": "0-15",
    "F341": "16-18",
    "F342": "19-34",
    "F343": "35-66",
    "F344": "67-74",
    "F345": "75+",
}


def build_population(raw: Path) -> pd.DataFrame:
    total = _read(raw, "stats/befolkning_trondelag_07459.csv")
    total = total[total["befolkning_1_januar"] != ""]
    total = pd.DataFrame(
        {
            "kommunenummer": total["kommunenummer"],
            "aar": _as_int(total["aar"]),
            "aldersgruppe": "alle",
            "personer": _as_int(total["befolkning_1_januar"]),
        }
    )
    ages = _read(raw, "stats/ssb_07459_alder_trondelag.csv")
    ages = pd.DataFrame(
        {
            "kommunenummer": ages["kode"],
            "aar": _as_int(ages["aar"]),
            "aldersgruppe": ages["alder"].map(AGE_GROUPS),
            "personer": _as_int(ages["verdi"]),
        }
    )
    if ages["aldersgruppe"].isna().any():
        raise ValueError("unknown SSB age group code in 07459 extract")
    check = ages.groupby(["kommunenummer", "aar"])["personer"].sum()
    totals = total.set_index(["kommunenummer", "aar"])["personer"]
    joined = check.to_frame("sum").join(totals, how="inner")
    if not (joined["sum"] == joined["personer"]).all():
        raise ValueError("age groups do not add up to the population total")
    return pd.concat([total, ages]).sort_values(["kommunenummer", "aar", "aldersgruppe"])


def build_education(raw: Path) -> pd.DataFrame:
    edu = _read(raw, "stats/ssb_09429_utdanning_trondelag.csv")
    wide = edu.pivot_table(index=["kode", "aar"], columns="nivaa", values="verdi", aggfunc="first")
    wide = wide.reset_index().rename(
        columns={"kode": "kommunenummer", "00": "personer_16plus", "03a": "uh_kort", "04a": "uh_lang"}
    )
    for column in ["aar", "personer_16plus", "uh_kort", "uh_lang"]:
        wide[column] = _as_int(wide[column])
    wide.columns.name = None
    return wide[["kommunenummer", "aar", "personer_16plus", "uh_kort", "uh_lang"]]


def build_employment(raw: Path) -> pd.DataFrame:
    emp = _read(raw, "stats/ssb_07984_sysselsatte_naering_trondelag.csv")
    return pd.DataFrame(
        {
            "kommunenummer": emp["kode"],
            "aar": _as_int(emp["aar"]),
            "naering_sn2007": emp["naering"],
            "sysselsatte": _as_int(emp["verdi"]),
        }
    ).sort_values(["kommunenummer", "aar", "naering_sn2007"])


def build_subregions(raw: Path) -> pd.DataFrame:
    pilot = _read(raw, "admin/kompetansepilot_delregioner.csv")
    rolle = pilot["membership"].str.startswith("primary").map({True: "primar", False: "sekundar"})
    return pd.DataFrame(
        {
            "kommunenummer": pilot["kommunenummer"],
            "delregion": pilot["subregion_pilot"],
            "rolle": rolle,
            "sikkerhet": pilot["confidence"],
            "grunnlag": pilot["basis"],
        }
    ).sort_values(["delregion", "kommunenummer"])


def build_councils(raw: Path) -> pd.DataFrame:
    councils = _read(raw, "admin/trondelag_regionraad_medlemskap.csv")
    return councils[["regionraad", "kommunenummer", "as_of", "confidence", "source"]].rename(
        columns={"as_of": "per", "confidence": "sikkerhet", "source": "kilde"}
    )


def build_county_indicators(raw: Path) -> pd.DataFrame:
    return _read(raw, "stats/trondelag_indikatorer_kompetanse.csv")
