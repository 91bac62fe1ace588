"""Seeded demo needs and offers, grounded in the real structure of Trøndelag.

Real businesses' needs are not public, so the app ships made-up records built
on real structure:

* businesses are placed in the real 38 municipalities in proportion to their
  employed residents (SSB 07984), with more weight in the three sub-regions,
  where the pilot collected needs;
* a business's industry follows its municipality's real employment by sector;
* competence areas follow the industry and are weighted by NAV's real 2017
  shortage pattern for Trøndelag;
* offers sit at the real providers and study places, and include the real
  example offers (with invented dates and seats).

Everything else (levels, sizes, dates, statuses) comes from the assumptions in
the tables below. Every record has ``demo = ja``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.records.schema import NEED_COLUMNS, OFFER_COLUMNS
from kompilot_data.reference import (
    OUTSIDE_PILOT,
    load_employment,
    load_municipalities,
    load_shortage,
    load_study_places,
    taxonomy,
)

DEFAULT_NEEDS = 1500
DEFAULT_OFFERS = 150
DEFAULT_SEED = 2021
REFERENCE_DATE = np.datetime64("2026-11-01")
"""Demo dates are relative to this fixed day, so a seed gives the same files on any day."""

PILOT_WEIGHT = 6.0
NEEDS_PER_BUSINESS = 2.5

# SN2007 sector groups in SSB 07984 -> NACE section of the demo businesses.
SECTOR_TO_SECTION = {"01-03": "A", "10-33": "C", "84": "O", "85": "P", "86-88": "Q"}
# The remaining employment (total minus the five groups) is spread over these
# sections with these shares (demo assumption, roughly the national mix).
OTHER_SECTIONS = {"F": 0.22, "G": 0.25, "H": 0.1, "I": 0.1, "J": 0.06, "M": 0.1, "N": 0.09, "D": 0.03, "S": 0.05}

# Affinity of each industry for each competence area (demo assumption). The
# default row applies to sections not listed.
AREA_AFFINITY = {
    "A": {"primar": 6, "industri": 1, "ledelse": 1, "transport": 1, "sprak": 0.5},
    "C": {"industri": 5, "elektro": 2, "ledelse": 1, "ikt": 1, "primar": 1, "transport": 0.5, "sprak": 0.5},
    "D": {"elektro": 5, "industri": 2, "ikt": 1, "ledelse": 0.5},
    "F": {"bygg": 6, "elektro": 1.5, "ledelse": 1, "transport": 0.5, "sprak": 0.5},
    "G": {"reiseliv": 4, "ledelse": 2, "ikt": 1, "transport": 1},
    "H": {"transport": 6, "ledelse": 1, "industri": 0.5},
    "I": {"reiseliv": 6, "ledelse": 1, "sprak": 1},
    "J": {"ikt": 6, "ledelse": 1},
    "M": {"ikt": 2, "ledelse": 2, "bygg": 1, "industri": 1},
    "N": {"reiseliv": 2, "ledelse": 1, "transport": 1, "sprak": 1},
    "O": {"ledelse": 3, "ikt": 2, "oppvekst": 1, "helse": 1},
    "P": {"oppvekst": 6, "ikt": 1, "ledelse": 1, "sprak": 1},
    "Q": {"helse": 8, "ledelse": 1, "ikt": 0.5, "sprak": 1},
    "default": {"reiseliv": 2, "ledelse": 2, "ikt": 1},
}
SHORTAGE_BASELINE = 100
"""Added to every area's NAV shortage so areas NAV did not list still occur."""

# Level wanted, per competence area (demo assumption); order as taxonomy "niva".
LEVEL_WEIGHTS = {
    "helse": [0.25, 0.2, 0.3, 0.22, 0.03],
    "bygg": [0.35, 0.35, 0.2, 0.09, 0.01],
    "elektro": [0.3, 0.3, 0.3, 0.09, 0.01],
    "industri": [0.3, 0.3, 0.3, 0.09, 0.01],
    "ikt": [0.45, 0.05, 0.2, 0.25, 0.05],
    "ledelse": [0.4, 0.02, 0.25, 0.28, 0.05],
    "primar": [0.35, 0.3, 0.25, 0.09, 0.01],
    "reiseliv": [0.55, 0.25, 0.12, 0.08, 0.0],
    "transport": [0.55, 0.3, 0.1, 0.05, 0.0],
    "oppvekst": [0.2, 0.15, 0.1, 0.45, 0.1],
    "sprak": [0.85, 0.1, 0.03, 0.02, 0.0],
}
SIZE_WEIGHTS = np.array([0.3, 0.38, 0.17, 0.08, 0.07])
SIZE_MAX_PARTICIPANTS = np.array([2, 6, 12, 20, 40])
SOURCE_WEIGHTS = {"sporreundersokelse": 0.4, "bedriftsbesok": 0.33, "nettverk": 0.22, "annet": 0.05}
# How far a need has come per source (business visits broker best; demo assumption).
SOURCE_PROGRESS = {"sporreundersokelse": 0.75, "bedriftsbesok": 1.25, "nettverk": 1.0, "annet": 0.8}

# Course titles per competence area: (vocational: kurs/fagbrev, higher: fagskole and up).
TITLES = {
    "helse": (
        ["Helsefagarbeider på jobb", "Demensomsorg for fagarbeidere", "Legemiddelhåndtering"],
        ["Psykisk helse og rus", "Velferdsteknologi", "Sykepleie"],
    ),
    "bygg": (
        ["Tømrerfaget for voksne", "Betong og armering", "Byggdrifter"],
        ["Prosjektledelse i bygg", "Bygg og anleggsteknikk"],
    ),
    "elektro": (["Elektrofag for voksne", "FSE og elsikkerhet"], ["Automasjon", "Solenergi og energiledelse"]),
    "industri": (
        ["Industrimekaniker", "Sveising", "CNC-maskinering"],
        ["Produksjonsteknikk", "Vedlikehold og driftsteknikk"],
    ),
    "ikt": (
        ["Digital kompetanse i arbeidslivet", "Excel og Power BI"],
        ["Informasjonssikkerhet", "Dataanalyse", "Kunstig intelligens i praksis"],
    ),
    "ledelse": (
        ["Førstelinjeleder i praksis", "Regnskap for små bedrifter"],
        ["Ledelse i praksis", "Økonomi og regnskap", "Innovasjon og forretningsutvikling"],
    ),
    "primar": (
        ["Akvakulturfaget", "Skogbruk", "Landbruk for voksne"],
        ["Havbruksoperasjoner", "Fiskehelse", "Landbruk og lokalmat"],
    ),
    "reiseliv": (["Salg og service", "Kokkfaget", "Vertskap og opplevelser"], ["Reiselivsutvikling", "Servicedesign"]),
    "transport": (["Yrkessjåfør", "Anleggsmaskinfører", "Truck og kran"], ["Logistikk og lager", "Maritim drift"]),
    "oppvekst": (
        ["Barne- og ungdomsarbeider", "Assistent i skole og barnehage"],
        ["Barnehagepedagogikk", "Spesialpedagogikk", "Veiledning"],
    ),
    "sprak": (
        ["Norsk på arbeidsplassen", "Grunnleggende digitale ferdigheter", "Lese og skrive på jobb"],
        ["Norsk som andrespråk", "Flerkulturell kompetanse"],
    ),
}
# What each kind of study place offers: levels and areas (demo assumption).
PLACE_PROFILE = {
    "universitet": (["hoyere", "master", "kurs"], [0.6, 0.15, 0.25], ["helse", "oppvekst", "ikt", "ledelse", "primar"]),
    "fagskole": (["fagskole", "kurs"], [0.8, 0.2], ["industri", "elektro", "helse", "ledelse", "primar", "bygg"]),
    "vgs": (
        ["fagbrev", "kurs"],
        [0.6, 0.4],
        ["helse", "bygg", "elektro", "industri", "primar", "reiseliv", "transport", "sprak", "oppvekst"],
    ),
    "studiesenter": (["hoyere", "fagskole", "kurs"], [0.4, 0.3, 0.3], ["helse", "oppvekst", "ledelse", "ikt"]),
    "annet": (["kurs", "fagskole"], [0.7, 0.3], ["primar", "ledelse", "ikt", "industri"]),
}

# Share of generated offers that are online, per area; practical trades are rarely online.
ONLINE_SHARE = {"ikt": 0.45, "ledelse": 0.4, "sprak": 0.3, "oppvekst": 0.25, "helse": 0.12}

# The real example offers (tilbud_eksempler.csv), coded for the import format.
# Title, provider and place are real; dates and seats are invented.
REAL_EXAMPLES = [
    dict(
        tittel="Ledelse havbruksoperasjoner",
        tilbyder="Trøndelag høyere yrkesfagskole avd. Ytre Namdal",
        kompetanseomrade="primar",
        niva="fagskole",
        laeringsform="samlingsbasert",
        kommunenummer="5060",
        studiested="Rørvik",
        studiepoeng=60.0,
        kilde_prefix="Ledelse havbruksoperasjoner",
    ),
    dict(
        tittel="Akvafleks – fleksibel videreutdanning i havbruk",
        tilbyder="Nord universitet",
        kompetanseomrade="primar",
        niva="hoyere",
        laeringsform="nettbasert",
        kommunenummer=None,
        studiested=None,
        studiepoeng=30.0,
        kilde_prefix="Akvafleks",
    ),
    dict(
        tittel="Sykepleierutdanning (bachelor), nett- og samlingsbasert deltid",
        tilbyder="Nord universitet",
        kompetanseomrade="helse",
        niva="hoyere",
        laeringsform="samlingsbasert",
        kommunenummer="5027",
        studiested="Støren",
        studiepoeng=180.0,
        kilde_prefix="Sykepleierutdanning",
    ),
    dict(
        tittel="Verdiskaping i lokalmat",
        tilbyder="Fagskolen i Trondheim / Røros vgs",
        kompetanseomrade="primar",
        niva="fagskole",
        laeringsform="samlingsbasert",
        kommunenummer="5025",
        studiested="Røros",
        studiepoeng=30.0,
        kilde_prefix="Verdiskaping i lokalmat",
    ),
    dict(
        tittel="Maritim fagskole: skipsoffiser (dekk)",
        tilbyder="Trøndelag høyere yrkesfagskole avd. Ytre Namdal",
        kompetanseomrade="transport",
        niva="fagskole",
        laeringsform="stedlig",
        kommunenummer="5060",
        studiested="Rørvik",
        studiepoeng=120.0,
        kilde_prefix="Maritim fagskole",
    ),
    dict(
        tittel="Fagbrev på jobb",
        tilbyder="Trøndelag fylkeskommune",
        kompetanseomrade="helse",
        niva="fagbrev",
        laeringsform="bedriftsintern",
        kommunenummer=None,
        studiested=None,
        studiepoeng=None,
        kilde_prefix="Fagbrev på jobb",
    ),
    dict(
        tittel="Praksiskandidatordningen",
        tilbyder="Trøndelag fylkeskommune",
        kompetanseomrade="bygg",
        niva="fagbrev",
        laeringsform="nettbasert",
        kommunenummer=None,
        studiested=None,
        studiepoeng=None,
        kilde_prefix="Praksiskandidatordningen",
    ),
]


def _normalise(weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def _choice_by_row(rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each entry of ``rows``, draw a column index from ``probabilities[row]`` (vectorised)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    draws = rng.random(len(rows))
    return (draws[:, None] > cumulative[rows]).sum(axis=1)


def shortage_weights() -> pd.Series:
    """Weight of each competence area from NAV's 2017 shortage in Trøndelag (plus a baseline)."""
    shortage = load_shortage().groupby("kompetanseomrade")["mangel_trondelag"].sum()
    areas = taxonomy.codes("kompetanseomrade")
    return (shortage.reindex(areas).fillna(0) + SHORTAGE_BASELINE).rename("vekt")


def _industry_mix(municipalities: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Per municipality, the probability of each NACE section from real employment (SSB 07984)."""
    employment = load_employment()
    latest = employment[employment["aar"] == employment["aar"].max()]
    wide = latest.pivot(index="kommunenummer", columns="naering_sn2007", values="sysselsatte").reindex(
        municipalities.index
    )
    sections = list(SECTOR_TO_SECTION.values()) + list(OTHER_SECTIONS)
    known = wide[list(SECTOR_TO_SECTION)].to_numpy(float)
    rest = np.clip(wide["00-99"].to_numpy(float) - known.sum(axis=1), 0, None)
    other = rest[:, None] * np.array(list(OTHER_SECTIONS.values()))[None, :]
    return sections, _normalise_rows(np.hstack([known, other]))


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / matrix.sum(axis=1, keepdims=True)


def _area_given_section(sections: list[str]) -> np.ndarray:
    areas = taxonomy.codes("kompetanseomrade")
    weights = shortage_weights().to_numpy(float)
    matrix = np.array([[AREA_AFFINITY.get(s, AREA_AFFINITY["default"]).get(a, 0.05) for a in areas] for s in sections])
    return _normalise_rows(matrix * weights[None, :])


def generate_needs(n: int = DEFAULT_NEEDS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate ``n`` demo needs as a text frame in the import format (see ``schema.NEED_COLUMNS``)."""
    rng = np.random.default_rng([seed, 1])
    municipalities = load_municipalities()
    n_businesses = max(1, round(n / NEEDS_PER_BUSINESS))
    in_pilot = (municipalities["delregion"] != OUTSIDE_PILOT).to_numpy()
    place_weight = municipalities["sysselsatte"].to_numpy(float) * np.where(in_pilot, PILOT_WEIGHT, 1.0)
    business_municipality = rng.choice(len(municipalities), size=n_businesses, p=_normalise(place_weight))
    sections, section_mix = _industry_mix(municipalities)
    business_section = _choice_by_row(rng, section_mix, business_municipality)
    business_size = rng.choice(len(SIZE_WEIGHTS), size=n_businesses, p=SIZE_WEIGHTS)

    # Larger businesses report more needs; every business reports at least one when n allows.
    need_weight = _normalise(1.0 + business_size)
    first = np.arange(min(n, n_businesses))
    rest = rng.choice(n_businesses, size=n - len(first), p=need_weight)
    business = rng.permutation(np.concatenate([first, rest]))

    area_codes = np.array(taxonomy.codes("kompetanseomrade"))
    area = _choice_by_row(rng, _area_given_section(sections), business_section[business])
    level_codes = np.array(taxonomy.codes("niva"))
    level_matrix = _normalise_rows(np.array([LEVEL_WEIGHTS[a] for a in area_codes]))
    level = _choice_by_row(rng, level_matrix, area)

    centrality = municipalities["sentralitetsklasse"].to_numpy(int)[business_municipality[business]]
    mode_codes = np.array(["", *taxonomy.codes("laeringsform")])
    remote = centrality >= 5
    mode_central = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    mode_remote = np.array([0.25, 0.1, 0.25, 0.3, 0.1])
    mode = np.where(
        remote,
        rng.choice(len(mode_codes), size=n, p=mode_remote),
        rng.choice(len(mode_codes), size=n, p=mode_central),
    )

    size = business_size[business]
    participants = np.minimum(1 + rng.geometric(0.45, size=n) - 1 + (size >= 2), SIZE_MAX_PARTICIPANTS[size])

    age_days = rng.integers(0, 730, size=n)
    registered = REFERENCE_DATE - age_days.astype("timedelta64[D]")
    start_from = registered + rng.integers(14, 120, size=n).astype("timedelta64[D]")
    start_to = start_from + rng.integers(90, 365, size=n).astype("timedelta64[D]")

    source_codes = np.array(list(SOURCE_WEIGHTS))
    source = rng.choice(len(source_codes), size=n, p=_normalise(list(SOURCE_WEIGHTS.values())))
    status = _pipeline_status(rng, age_days, np.array(list(SOURCE_PROGRESS.values()))[source])

    digits = len(str(n))
    frame = pd.DataFrame(
        {
            "behov_id": [f"DEMO-B{i + 1:0{digits}d}" for i in range(n)],
            "registrert": registered.astype(str),
            "bedrift_id": [f"DEMO-V{b + 1:05d}" for b in business],
            "orgnr": "",
            "kommunenummer": municipalities.index.to_numpy()[business_municipality[business]],
            "naering": np.array(sections)[business_section[business]],
            "storrelse": np.array(taxonomy.codes("storrelse"))[size],
            "kompetanseomrade": area_codes[area],
            "niva": level_codes[level],
            "laeringsform": mode_codes[mode],
            "antall_deltakere": participants.astype(str),
            "tidsramme_fra": start_from.astype(str),
            "tidsramme_til": start_to.astype(str),
            "status": np.array(taxonomy.codes("behov_status"))[status],
            "kilde": source_codes[source],
            "merknad": "Demo",
            "demo": "ja",
        }
    )
    return frame[[c.name for c in NEED_COLUMNS]]


def _pipeline_status(rng: np.random.Generator, age_days: np.ndarray, progress: np.ndarray) -> np.ndarray:
    """Index into ``behov_status``: older needs and better-brokered sources have come further."""
    codes = taxonomy.codes("behov_status")
    stage = rng.random(len(age_days)) * (age_days / 730) * 4.2 * progress
    index = np.select(
        [stage < 0.9, stage < 1.8, stage < 2.6, stage >= 2.6],
        [codes.index("kartlagt"), codes.index("koblet"), codes.index("etablert"), codes.index("gjennomfort")],
    )
    closed = (rng.random(len(age_days)) < 0.06 * age_days / 365) & (index <= codes.index("koblet"))
    return np.where(closed, codes.index("avsluttet"), index)


def generate_offers(m: int = DEFAULT_OFFERS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate ``m`` demo offers (real examples first) as a text frame in the import format."""
    rng = np.random.default_rng([seed, 2])
    examples = _example_offers(rng)[:m]
    generated = _generated_offers(rng, m - len(examples))
    frame = pd.concat([examples, generated], ignore_index=True)
    digits = len(str(m))
    frame.insert(0, "tilbud_id", [f"DEMO-T{i + 1:0{digits}d}" for i in range(len(frame))])
    frame["demo"] = "ja"
    for column in [c.name for c in OFFER_COLUMNS]:
        if column not in frame:
            frame[column] = ""
    return frame[[c.name for c in OFFER_COLUMNS]].fillna("")


def _example_offers(rng: np.random.Generator) -> pd.DataFrame:
    from kompilot_data.reference import load_example_offers

    real = load_example_offers()
    municipalities = load_municipalities()
    places = load_study_places().dropna(subset=["lat", "lon"])
    rows = []
    for example in REAL_EXAMPLES:
        source = real.loc[real["tittel"].str.startswith(example["kilde_prefix"]), "kilde"]
        row = {k: v for k, v in example.items() if k != "kilde_prefix"}
        row["kilde_url"] = source.iloc[0].split(" ")[0] if len(source) else ""
        code = example["kommunenummer"]
        if code:
            # The study place's own point where the place is known, else the municipality's point.
            at_place = places[(places["kommunenummer"] == code) & (places["sted"] == example["studiested"])]
            point = (
                at_place[["lat", "lon"]].iloc[0]
                if len(at_place)
                else municipalities.loc[code, ["punkt_lat", "punkt_lon"]]
            )
            row["lat"], row["lon"] = (f"{point.iloc[0]:.5f}", f"{point.iloc[1]:.5f}")
        rows.append(row)
    frame = pd.DataFrame(rows)
    return _fill_schedule(rng, frame)


def _generated_offers(rng: np.random.Generator, m: int) -> pd.DataFrame:
    if m <= 0:
        return pd.DataFrame()
    places = load_study_places().dropna(subset=["lat", "lon"])
    municipalities = load_municipalities()
    in_pilot = municipalities["delregion"].reindex(places["kommunenummer"]).to_numpy() != OUTSIDE_PILOT
    place_weight = np.where(in_pilot, 2.0, 1.0) * np.where(places["type"].eq("vgs"), 0.6, 1.0)
    place = rng.choice(len(places), size=m, p=_normalise(place_weight))
    chosen = places.iloc[place]
    levels, areas, titles = [], [], []
    for place_type in chosen["type"]:
        level_options, level_p, area_options = PLACE_PROFILE[place_type]
        levels.append(rng.choice(level_options, p=level_p))
        areas.append(rng.choice(area_options))
        vocational, higher = TITLES[areas[-1]]
        titles.append(rng.choice(vocational if levels[-1] in ("kurs", "fagbrev") else higher))
    online_share = np.array([ONLINE_SHARE.get(a, 0.03) for a in areas])
    draw = rng.random(m)
    mode = np.select(
        [draw < online_share, draw < online_share + 0.05, draw < online_share + 0.05 + (1 - online_share) * 0.45],
        ["nettbasert", "bedriftsintern", "stedlig"],
        default="samlingsbasert",
    )
    local = np.isin(mode, ["stedlig", "samlingsbasert"])
    credits = {"hoyere": ["7.5", "15", "30"], "master": ["15", "30", "60"], "fagskole": ["15", "30", "60"]}
    frame = pd.DataFrame(
        {
            "tilbyder": chosen["navn"].to_numpy(),
            "tittel": titles,
            "kompetanseomrade": areas,
            "niva": levels,
            "laeringsform": mode,
            "kommunenummer": np.where(local, chosen["kommunenummer"], ""),
            "studiested": np.where(local, chosen["sted"], ""),
            "lat": np.where(local, chosen["lat"].map("{:.5f}".format), ""),
            "lon": np.where(local, chosen["lon"].map("{:.5f}".format), ""),
            "studiepoeng": [rng.choice(credits[lv]) if lv in credits else "" for lv in levels],
            "kilde_url": "",
        }
    )
    frame["timer"] = np.where(frame["niva"].isin(["kurs", "fagbrev"]), rng.choice([8, 16, 24, 40, 80], size=m), 0)
    frame["timer"] = frame["timer"].map(lambda h: str(h) if h else "")
    return _fill_schedule(rng, frame)


def _fill_schedule(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Start dates, seats, price and status (invented for every demo offer)."""
    m = len(frame)
    start = REFERENCE_DATE + rng.integers(-300, 420, size=m).astype("timedelta64[D]")
    capacity = rng.choice([8, 10, 12, 15, 20, 25], size=m)
    minimum = np.minimum(capacity, rng.choice([5, 6, 8, 10, 12], size=m))
    days_to_start = (start - REFERENCE_DATE).astype(int)
    status = np.select(
        [days_to_start > 120, days_to_start > 0, days_to_start > -200],
        ["planlagt", "apen", "pagar"],
        default="avsluttet",
    )
    cancelled = rng.random(m) < 0.04
    frame = frame.copy()
    frame["oppstart"] = start.astype(str)
    frame["kapasitet"] = capacity.astype(str)
    frame["min_deltakere"] = minimum.astype(str)
    priced = rng.random(m) < 0.5
    frame["pris_kr"] = np.where(priced, rng.choice([0, 2500, 4900, 9800, 15000], size=m).astype(str), "")
    frame["finansiering"] = np.where(
        priced, rng.choice(["Bedriften", "Kompetansepilot/HK-dir", "Fylkeskommunen", "Deltakeravgift"], size=m), ""
    )
    frame["status"] = np.where(cancelled, "avlyst", status)
    return frame


def write_demo(
    out: Path, needs: int = DEFAULT_NEEDS, offers: int = DEFAULT_OFFERS, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write ``needs.csv`` and ``offers.csv`` (UTF-8, comma separated) into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "needs.csv", out / "offers.csv"]
    generate_needs(needs, seed).to_csv(paths[0], index=False, lineterminator="\n")
    generate_offers(offers, seed).to_csv(paths[1], index=False, lineterminator="\n")
    return paths
