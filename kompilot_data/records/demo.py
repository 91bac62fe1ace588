"""The default data set: real offers from HK-dir, plus seeded demo needs and demo offers.

**Offers.** Every programme intake of the real offer catalogue (``tilbud_katalog.csv``, HK-dir's applicant
figures from Samordna opptak) becomes an offer with ``demo = nei``: seats, first-choice applicants, year and
source as HK-dir gives them. Demo offers (``demo = ja``) are added only where that catalogue has nothing:
short courses and trade-certificate schemes (levels ``kurs`` and ``fagbrev``), on site, online or in the
company. Three of them are real schemes (Akvafleks, Fagbrev på jobb, Praksiskandidatordningen) whose dates
and seats are invented; they say so in ``datakilde``.

**Needs.** Real businesses' needs are not public, so every need is made up (``demo = ja``), but shaped like
the pilot:

* needs are where the pilot collected them: in the three sub-pilots, in proportion to employment and
  weighted by rurality (``RURALITY_WEIGHT``: centrality classes 5–6 above 3–4). Trondheim and the other
  municipalities outside the pilot get the small shares in ``NEEDS_OUTSIDE_PILOT`` (the one place to change
  that). Every pilot municipality gets at least ``MIN_NEEDS_PER_PILOT_MUNICIPALITY`` when there are enough;
* a business's industry follows its municipality's real employment by sector (SSB 07984), with primary
  industry and fish processing weighted up on the coast (``COASTAL``: aquaculture);
* a business is never larger than its municipality's sector allows: the lower bound of its size class is at
  most ``FIRM_SHARE_OF_SECTOR`` of the sector's employed residents;
* competence areas follow the industry and NAV's real 2017 shortage pattern; levels, modes, sizes, dates and
  statuses come from the assumptions in the tables below;
* registration dates span the pilot years 2021–2023 and after (``YEAR_WEIGHTS``); a need moves through the
  pipeline with time, so older needs have come further.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kompilot_data.engine.reach import compute_reach, municipality_rows
from kompilot_data.records.schema import NEED_COLUMNS, OFFER_COLUMNS, to_typed
from kompilot_data.reference import (
    OUTSIDE_PILOT,
    evu,
    load_employment,
    load_example_offers,
    load_municipalities,
    load_shortage,
    load_study_places,
    taxonomy,
)
from kompilot_data.reference.paths import DATA_DIR

DEFAULT_NEEDS = 1500
DEFAULT_OFFERS = 150
"""Demo offers added to the real catalogue (which adds its own rows)."""
DEFAULT_SEED = 2021
REFERENCE_DATE = np.datetime64("2026-11-01")
"""Demo dates are relative to this fixed day, so a seed gives the same files on any day."""

# --- where the needs are: the one place to change it ---------------------------------------------------
NEEDS_OUTSIDE_PILOT = {"5001": 0.005, "andre": 0.05}
"""Share of all needs outside the three sub-pilots: Trondheim (5001), and all other municipalities outside
the pilot together ("andre"). The rest (here 94.5 %) is in the sub-pilots."""
RURALITY_WEIGHT = {1: 0.6, 2: 0.6, 3: 1.0, 4: 1.3, 5: 2.0, 6: 2.6}
"""Needs per employed resident by SSB centrality class (the pilot targets classes 5–6)."""
MIN_NEEDS_PER_PILOT_MUNICIPALITY = 5
NEEDS_PER_BUSINESS = 2.5

# SN2007 sector groups in SSB 07984 -> NACE section of the demo businesses.
SECTOR_TO_SECTION = {"01-03": "A", "10-33": "C", "84": "O", "85": "P", "86-88": "Q"}
# The remaining employment (total minus the five groups) is spread over these
# sections with these shares (demo assumption, roughly the national mix).
OTHER_SECTIONS = {"F": 0.22, "G": 0.25, "H": 0.1, "I": 0.1, "J": 0.06, "M": 0.1, "N": 0.09, "D": 0.03, "S": 0.05}
# How many more or fewer needs a sector's employment gives (demo assumption): primary industry is many small
# firms, and the public sector reports fewer needs through business contacts.
SECTION_NEED_WEIGHT = {"A": 1.6, "O": 0.6, "P": 0.8}
COASTAL = frozenset({"5052", "5060", "5049", "5007", "5020", "5058", "5057", "5054", "5014", "5056", "5055"})
"""Coastal municipalities with fish farming (Namdalen, Fosen, Trøndelag sørvest; demo assumption)."""
COASTAL_NEED_WEIGHT = {"A": 1.8, "C": 1.3}
FIRM_SHARE_OF_SECTOR = 0.5
"""A business's size class starts at no more than this share of its sector's employed residents."""

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
# On the coast, farms are mostly fish farms and factories mostly fish processing (demo assumption).
COASTAL_AFFINITY = {
    "A": {"primar": 8, "transport": 1, "elektro": 0.5, "ledelse": 1, "sprak": 1},
    "C": {"industri": 4, "primar": 3, "elektro": 1, "ledelse": 1, "sprak": 1.5},
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
SIZE_LOWER_BOUND = np.array([1, 5, 20, 50, 100])
SIZE_MAX_PARTICIPANTS = np.array([2, 6, 12, 20, 40])
SOURCE_WEIGHTS = {"sporreundersokelse": 0.4, "bedriftsbesok": 0.33, "nettverk": 0.22, "annet": 0.05}
# How fast a need moves through the pipeline per source (business visits broker best; demo assumption).
SOURCE_PROGRESS = {"sporreundersokelse": 0.75, "bedriftsbesok": 1.25, "nettverk": 1.0, "annet": 0.8}
MATCHABLE_SHARE = 0.7
"""Share of needs (at progress 1) that can be matched to an offer at all; the others wait, then close."""
STAGE_DAYS = (150, 200, 300)
"""Mean days (at progress 1) from kartlagt to koblet, koblet to etablert and etablert to gjennomført."""
ESTABLISHED_SHARE = 0.85
"""Share of linked needs whose offer is established; the others are closed after a while."""
CLOSING_DAYS = 900
"""Mean days before a need that cannot be served is closed without an offer."""
YEAR_WEIGHTS = {2021: 0.13, 2022: 0.2, 2023: 0.2, 2024: 0.16, 2025: 0.16, 2026: 0.15}
"""Share of needs registered each year: the pilot years 2021–2023 and after (2026 until the reference date)."""

# Free-text notes (merknad) per competence area and per preferred mode; {sted} is the municipality.
AREA_NOTES = {
    "helse": [
        "Mangler helsefagarbeidere med fagbrev; flere assistenter vil ta fagbrev på jobb.",
        "Fast ansatte trenger videreutdanning i demensomsorg og psykisk helse.",
        "Behov for kompetanse i legemiddelhåndtering og velferdsteknologi.",
        "Turnus gjør lange reiser vanskelig.",
    ],
    "bygg": [
        "To erfarne medarbeidere vil ta fagbrev som praksiskandidater.",
        "Anleggslederen trenger formell kompetanse i prosjektledelse.",
        "Behov for kurs i energieffektivisering og nye byggeregler.",
    ],
    "elektro": [
        "Trenger flere med oppdatert FSE-kurs og elsikkerhet.",
        "Ny produksjonslinje krever kompetanse i automasjon.",
        "Montører som vil videre, ønsker fagskole i elkraft.",
    ],
    "industri": [
        "Operatører vil ta fagbrev i industrimekanikk ved siden av jobb.",
        "Flere ansatte trenger sveisesertifikat.",
        "Vedlikeholdsteamet trenger kompetanse i feilsøking og automatisering.",
    ],
    "ikt": [
        "Ansatte trenger grunnleggende digital kompetanse og informasjonssikkerhet.",
        "Administrasjonen ønsker kurs i Excel og Power BI.",
        "Behov for kompetanse i drift av nettverk og skytjenester.",
    ],
    "ledelse": [
        "Nye mellomledere trenger lederopplæring.",
        "Daglig leder ønsker kurs i økonomistyring og regnskap.",
        "Behov for kompetanse i innovasjon og forretningsutvikling.",
    ],
    "primar": [
        "Røktere på lokalitetene trenger fagbrev i akvakultur.",
        "Behov for driftsledere med fagskole i havbruk.",
        "Nyansatte trenger kurs i fiskehelse og fiskevelferd.",
        "Gårdbrukere ønsker kurs i driftsledelse og lokalmat.",
    ],
    "reiseliv": [
        "Sesongansatte trenger vertskapskurs før sommeren.",
        "Kjøkkenet mangler faglærte kokker; to ansatte vil ta fagbrev.",
        "Butikkansatte ønsker kurs i salg og service.",
    ],
    "transport": [
        "Mangler sjåfører med yrkessjåførkompetanse.",
        "Trenger maskinførerbevis for anleggsmaskiner.",
        "Behov for kurs i lager og logistikk.",
    ],
    "oppvekst": [
        "Assistenter i barnehagen vil ta fagbrev som barne- og ungdomsarbeider.",
        "Mangler barnehagelærere; to assistenter vil ta utdanningen på deltid.",
        "Lærere ønsker videreutdanning i spesialpedagogikk.",
    ],
    "sprak": [
        "Flere ansatte med utenlandsk bakgrunn trenger norskopplæring på arbeidsplassen.",
        "Operatører trenger kurs i lesing og skriving på jobb.",
        "Ansatte trenger grunnleggende digitale ferdigheter.",
    ],
}
MODE_NOTES = {
    "": "",
    "stedlig": "Ønsker undervisning i {sted}.",
    "samlingsbasert": "Samlinger i {sted} passer best.",
    "nettbasert": "Nettbasert passer, med lite reising.",
    "bedriftsintern": "Ønsker opplæringen i bedriften.",
}
NOTE_SHARE = 0.7
"""Share of needs with a free-text note."""

# --- demo offers ---------------------------------------------------------------------------------------

# Course titles per competence area and level of the demo offers (short courses and trade certificates).
TITLES = {
    "helse": (
        ["Demensomsorg for fagarbeidere", "Legemiddelhåndtering", "Velferdsteknologi i praksis"],
        ["Helsefagarbeider for voksne"],
    ),
    "bygg": (["Betong og armering", "Energieffektive bygg", "Stillas og sikkerhet"], ["Tømrerfaget for voksne"]),
    "elektro": (["FSE og elsikkerhet", "Solcelleanlegg", "Automasjon for operatører"], ["Elektrofag for voksne"]),
    "industri": (["Sveising", "CNC-maskinering", "Vedlikehold og feilsøking"], ["Industrimekaniker for voksne"]),
    "ikt": (
        ["Digital kompetanse i arbeidslivet", "Excel og Power BI", "Informasjonssikkerhet for alle"],
        ["IKT-servicefaget for voksne"],
    ),
    "ledelse": (
        ["Førstelinjeleder i praksis", "Regnskap for små bedrifter", "Innovasjon i praksis"],
        ["Kontor- og administrasjonsfaget"],
    ),
    "primar": (
        ["Fiskehelse og velferd", "Kran og løft på merdkanten", "Driftsledelse i landbruket"],
        ["Akvakulturfaget for voksne"],
    ),
    "reiseliv": (["Vertskap og opplevelser", "Salg og service", "Mattrygghet"], ["Kokkfaget for voksne"]),
    "transport": (
        ["Yrkessjåfør etterutdanning", "Truck og kran", "Lager og logistikk"],
        ["Yrkessjåførfaget for voksne"],
    ),
    "oppvekst": (["Språkutvikling i barnehagen", "Veiledning av lærlinger"], ["Barne- og ungdomsarbeider for voksne"]),
    "sprak": (
        ["Norsk på arbeidsplassen", "Lese og skrive på jobb", "Grunnleggende digitale ferdigheter"],
        ["Norsk og samfunnskunnskap"],
    ),
}
FAGBREV_SHARE = 0.25
"""Share of demo offers at the trade-certificate level (the rest are short courses)."""
DEMO_MODE_SHARES = {"bedriftsintern": 0.3, "stedlig": 0.25, "samlingsbasert": 0.15, "nettbasert": 0.3}
DEMO_OFFER_PILOT_WEIGHT = 1.5
"""Demo short courses per municipality follow the square root of its population, this much more in the pilot
(the pilot arranged courses locally); a municipality's study places share its weight."""
ONLINE_AREAS = {"ikt", "ledelse", "sprak"}
"""Areas where online short courses are common; practical trades are rarely online (demo assumption)."""

REAL_SOURCE = "HK-dir, søkertall {aar} (Samordna opptak; lisens ikke bekreftet)"
REAL_SOURCE_URL = "https://hkdir.no/sokertall-fra-samordna-opptak-til-nedlasting"
DEMO_SOURCE = "Demo (oppdiktet)"
DEMO_PROVIDER_MARK = "[demo] "
"""Every demo offer's provider starts with this, so an invented offer never carries a real provider's name
unmarked (e.g. «[demo] Nord universitet»)."""
EXAMPLE_SOURCE = "Demo: reell ordning (se kilde_url); datoer og plasser oppdiktet"

# Real schemes the HK-dir catalogue does not cover (tilbud_eksempler.csv); title, provider and mode as the
# source says. Dates and seats are invented, so they are demo offers.
REAL_EXAMPLES = [
    dict(
        tittel="Akvafleks – fleksibel videreutdanning i havbruk",
        tilbyder="Nord universitet",
        kompetanseomrade="primar",
        niva="hoyere",
        laeringsform="nettbasert",
        studiepoeng="30",
        kilde_prefix="Akvafleks",
    ),
    dict(
        tittel="Fagbrev på jobb",
        tilbyder="Trøndelag fylkeskommune",
        kompetanseomrade="helse",
        niva="fagbrev",
        laeringsform="bedriftsintern",
        studiepoeng="",
        kilde_prefix="Fagbrev på jobb",
    ),
    dict(
        tittel="Praksiskandidatordningen",
        tilbyder="Trøndelag fylkeskommune",
        kompetanseomrade="bygg",
        niva="fagbrev",
        laeringsform="bedriftsintern",
        studiepoeng="",
        kilde_prefix="Praksiskandidatordningen",
    ),
]


def _normalise(weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / matrix.sum(axis=1, keepdims=True)


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


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers summing to ``total`` in proportion to ``weights`` (largest-remainder rounding)."""
    exact = total * _normalise(weights) if weights.sum() > 0 else np.zeros(len(weights))
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def needs_per_municipality(n: int = DEFAULT_NEEDS) -> pd.Series:
    """How many of ``n`` demo needs each municipality gets (deterministic; see the module text).

    Sub-pilot municipalities share ``1 - sum(NEEDS_OUTSIDE_PILOT)`` of the needs in proportion to employed
    residents × ``RURALITY_WEIGHT``; Trondheim and the other municipalities outside the pilot get their
    shares in ``NEEDS_OUTSIDE_PILOT``. Each pilot municipality gets at least
    ``MIN_NEEDS_PER_PILOT_MUNICIPALITY`` when ``n`` allows (taken from the largest).
    """
    municipalities = load_municipalities()
    weight = municipalities["sysselsatte"].to_numpy(float) * municipalities["sentralitetsklasse"].map(
        RURALITY_WEIGHT
    ).to_numpy(float)
    in_pilot = (municipalities["delregion"] != OUTSIDE_PILOT).to_numpy()
    trondheim = (municipalities.index == "5001") & ~in_pilot
    others = ~in_pilot & ~trondheim
    shares = {"5001": NEEDS_OUTSIDE_PILOT["5001"], "andre": NEEDS_OUTSIDE_PILOT["andre"]}
    group_totals = _largest_remainder(n, np.array([1 - sum(shares.values()), shares["5001"], shares["andre"]]))
    counts = np.zeros(len(municipalities), dtype=int)
    for mask, total in zip((in_pilot, trondheim, others), group_totals, strict=True):
        counts[mask] = _largest_remainder(int(total), weight[mask])
    floor = (
        MIN_NEEDS_PER_PILOT_MUNICIPALITY
        if group_totals[0] >= 4 * MIN_NEEDS_PER_PILOT_MUNICIPALITY * in_pilot.sum()
        else 1
    )
    if group_totals[0] >= in_pilot.sum():
        for index in np.flatnonzero(in_pilot & (counts < floor)):
            donor = np.flatnonzero(in_pilot)[np.argmax(counts[in_pilot])]
            moved = floor - counts[index]
            counts[donor] -= moved
            counts[index] += moved
    return pd.Series(counts, index=municipalities.index, name="behov")


def sector_employment() -> pd.DataFrame:
    """Employed residents per municipality and NACE section of the demo (latest SSB 07984 year).

    The five sector groups in SSB 07984 (A, C, O, P, Q) are real figures; the other sections share the rest
    (total minus the five groups) by ``OTHER_SECTIONS``.
    """
    municipalities = load_municipalities()
    employment = load_employment()
    latest = employment[employment["aar"] == employment["aar"].max()]
    wide = latest.pivot(index="kommunenummer", columns="naering_sn2007", values="sysselsatte").reindex(
        municipalities.index
    )
    known = wide[list(SECTOR_TO_SECTION)].astype(float).rename(columns=SECTOR_TO_SECTION)
    rest = (wide["00-99"].astype(float) - known.sum(axis=1)).clip(lower=0)
    other = pd.DataFrame({s: rest * share for s, share in OTHER_SECTIONS.items()})
    return pd.concat([known, other], axis=1)


def _area_matrix(sections: list[str], coastal: bool) -> np.ndarray:
    areas = taxonomy.codes("kompetanseomrade")
    weights = shortage_weights().to_numpy(float)
    rows = []
    for section in sections:
        affinity = AREA_AFFINITY.get(section, AREA_AFFINITY["default"])
        if coastal and section in COASTAL_AFFINITY:
            affinity = COASTAL_AFFINITY[section]
        rows.append([affinity.get(a, 0.05) for a in areas])
    return _normalise_rows(np.array(rows) * weights[None, :])


def generate_needs(
    n: int = DEFAULT_NEEDS, seed: int = DEFAULT_SEED, offers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Generate ``n`` demo needs as a text frame in the import format (see ``schema.NEED_COLUMNS``).

    Every need has the dates of the pipeline stages it reached (``koblet_dato`` …, consistent with its status
    and registration date), and linked needs name a plausible offer among ``offers`` (default: the default
    offers with the same seed, :func:`generate_offers`); see :func:`link_offers`.
    """
    rng = np.random.default_rng([seed, 1])
    municipalities = load_municipalities()
    quota = needs_per_municipality(n).to_numpy()
    sectors = sector_employment()
    sections = list(sectors.columns)
    employed = sectors.to_numpy(float)

    # Businesses: a few needs each, in the municipality's real sector mix.
    businesses = np.maximum(np.minimum(quota, np.round(quota / NEEDS_PER_BUSINESS).astype(int)), (quota > 0))
    business_municipality = np.repeat(np.arange(len(municipalities)), businesses)
    coastal = municipalities.index.isin(COASTAL)
    section_weight = np.array([[SECTION_NEED_WEIGHT.get(s, 1.0) for s in sections]] * len(municipalities))
    section_weight[coastal] *= [COASTAL_NEED_WEIGHT.get(s, 1.0) for s in sections]
    section_mix = _normalise_rows(employed * section_weight)
    business_section = _choice_by_row(rng, section_mix, business_municipality)

    # Size: the usual size mix, cut where the municipality's sector is too small for such a firm.
    cap = employed[business_municipality, business_section] * FIRM_SHARE_OF_SECTOR
    feasible = (SIZE_LOWER_BOUND[None, :] <= cap[:, None]) | (np.arange(len(SIZE_WEIGHTS)) == 0)[None, :]
    business_size = _choice_by_row(rng, _normalise_rows(feasible * SIZE_WEIGHTS[None, :]), np.arange(len(cap)))

    # Needs: every business has one; the rest of the municipality's quota goes to larger firms more often.
    business = np.empty(n, dtype=int)
    position = 0
    starts = np.concatenate([[0], np.cumsum(businesses)])
    for k in np.flatnonzero(quota):
        own = np.arange(starts[k], starts[k + 1])
        extra = rng.choice(own, size=quota[k] - len(own), p=_normalise(1.0 + business_size[own]))
        business[position : position + quota[k]] = np.concatenate([own, extra])
        position += quota[k]
    business = rng.permutation(business)
    place = business_municipality[business]

    area_codes = np.array(taxonomy.codes("kompetanseomrade"))
    area = np.empty(n, dtype=int)
    for is_coastal in (False, True):
        rows = coastal[place] == is_coastal
        area[rows] = _choice_by_row(rng, _area_matrix(sections, is_coastal), business_section[business[rows]])
    level_codes = np.array(taxonomy.codes("niva"))
    level_matrix = _normalise_rows(np.array([LEVEL_WEIGHTS[a] for a in area_codes]))
    level = _choice_by_row(rng, level_matrix, area)

    centrality = municipalities["sentralitetsklasse"].to_numpy(int)[place]
    mode_codes = np.array(["", *taxonomy.codes("laeringsform")])
    mode_central = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    mode_remote = np.array([0.25, 0.1, 0.25, 0.3, 0.1])
    mode = np.where(
        centrality >= 5,
        rng.choice(len(mode_codes), size=n, p=mode_remote),
        rng.choice(len(mode_codes), size=n, p=mode_central),
    )

    size = business_size[business]
    participants = np.minimum(1 + rng.geometric(0.45, size=n) - 1 + (size >= 2), SIZE_MAX_PARTICIPANTS[size])

    registered = _registration_dates(rng, n)
    age_days = (REFERENCE_DATE - registered).astype(int)
    start_from = registered + rng.integers(14, 120, size=n).astype("timedelta64[D]")
    start_to = start_from + rng.integers(90, 365, size=n).astype("timedelta64[D]")

    source_codes = np.array(list(SOURCE_WEIGHTS))
    source = rng.choice(len(source_codes), size=n, p=_normalise(list(SOURCE_WEIGHTS.values())))
    status, stage_days, closed_days = _pipeline_status(rng, age_days, np.array(list(SOURCE_PROGRESS.values()))[source])
    names = municipalities["navn"].to_numpy()[place]
    notes = _notes(rng, area_codes[area], mode_codes[mode], names)

    digits = len(str(n))
    frame = pd.DataFrame(
        {
            "behov_id": [f"DEMO-B{i + 1:0{digits}d}" for i in range(n)],
            "registrert": registered.astype(str),
            "bedrift_id": [f"DEMO-V{b + 1:05d}" for b in business],
            "orgnr": "",
            "kommunenummer": municipalities.index.to_numpy()[place],
            "naering": np.array(sections)[business_section[business]],
            "storrelse": np.array(taxonomy.codes("storrelse"))[size],
            "kompetanseomrade": area_codes[area],
            "niva": level_codes[level],
            "laeringsform": mode_codes[mode],
            "antall_deltakere": participants.astype(str),
            "tidsramme_fra": start_from.astype(str),
            "tidsramme_til": start_to.astype(str),
            "status": np.array(taxonomy.codes("behov_status"))[status],
            "tilbud_id": "",
            "koblet_dato": _stage_dates(registered, stage_days[:, 0]),
            "etablert_dato": _stage_dates(registered, stage_days[:, 1]),
            "gjennomfort_dato": _stage_dates(registered, stage_days[:, 2]),
            "avsluttet_dato": _stage_dates(registered, closed_days),
            "kilde": source_codes[source],
            "merknad": notes,
            "demo": "ja",
        }
    )
    frame["tilbud_id"] = link_offers(frame, generate_offers(DEFAULT_OFFERS, seed) if offers is None else offers, seed)
    return frame[[c.name for c in NEED_COLUMNS]]


def _registration_dates(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days in the years of ``YEAR_WEIGHTS`` (uniform within a year), never after the reference date."""
    years = np.array(list(YEAR_WEIGHTS))
    year = years[rng.choice(len(years), size=n, p=_normalise(list(YEAR_WEIGHTS.values())))]
    first = np.array([np.datetime64(f"{y}-01-01") for y in years])
    last = np.array([min(np.datetime64(f"{y}-12-31"), REFERENCE_DATE - 1) for y in years])
    index = np.searchsorted(years, year)
    span = (last - first).astype(int)[index] + 1
    return first[index] + (rng.random(n) * span).astype(int).astype("timedelta64[D]")


def _pipeline_status(
    rng: np.random.Generator, age_days: np.ndarray, progress: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index into ``behov_status`` at the reference date, and the days after registration each stage was reached.

    Older needs and better sources have come further. A need can be matched with probability
    ``MATCHABLE_SHARE × progress``; a matchable need passes each stage after an exponential time (means
    ``STAGE_DAYS`` / progress), and its offer is established with probability ``ESTABLISHED_SHARE``. A need
    that cannot be matched, or whose offer is not established, is closed without an offer after an
    exponential time (mean ``CLOSING_DAYS``) and waits until then.

    Returns
    -------
    status : numpy.ndarray
        Index into ``behov_status``.
    stage_days : numpy.ndarray
        Shape (n, 3): whole days from registration to koblet, etablert and gjennomført; -1 where not reached.
    closed_days : numpy.ndarray
        Whole days from registration to closing; -1 for needs that are not closed.
    """
    n = len(age_days)
    codes = taxonomy.codes("behov_status")
    matchable = rng.random(n) < np.minimum(0.95, MATCHABLE_SHARE * progress)
    established = rng.random(n) < ESTABLISHED_SHARE
    reached = np.cumsum(np.column_stack([rng.exponential(d, size=n) for d in STAGE_DAYS]) / progress[:, None], axis=1)
    stages = (reached <= age_days[:, None]).sum(axis=1)
    stages = np.where(matchable, np.where(established, stages, np.minimum(stages, 1)), 0)
    stuck = ~matchable | (~established & (stages == 1))
    start_waiting = np.where(matchable, reached[:, 0], 0.0)
    closing = start_waiting + rng.exponential(CLOSING_DAYS, size=n)
    closed = stuck & (closing <= age_days)
    stage_codes = np.array([codes.index(c) for c in ("kartlagt", "koblet", "etablert", "gjennomfort")])
    status = np.where(closed, codes.index("avsluttet"), stage_codes[stages])
    stage_days = np.where(np.arange(3)[None, :] < stages[:, None], np.floor(reached), -1).astype(int)
    closed_days = np.where(closed, np.floor(closing), -1).astype(int)
    return status, stage_days, closed_days


def _stage_dates(registered: np.ndarray, days: np.ndarray) -> np.ndarray:
    """ISO dates ``registered + days`` as text; empty where ``days`` is -1 (stage not reached)."""
    dates = (registered + np.maximum(days, 0).astype("timedelta64[D]")).astype(str)
    return np.where(days >= 0, dates, "")


# --- linking demo needs to offers ----------------------------------------------------------------------

LINK_LEAD_DAYS = 90
"""Days from linking to the start of the offer, when the offer is not yet established (demo assumption)."""
LINK_EARLY_DAYS = 14
"""An offer may start at most this many days before the need was linked to it (enrolment still open)."""
LINK_CHOICES = 3
"""A need is linked to one of its this many best offers, at random (seeded): coordinators do not always pick
the top candidate."""


def link_offers(needs: pd.DataFrame, offers: pd.DataFrame, seed: int = DEFAULT_SEED) -> np.ndarray:
    """A plausible offer (``tilbud_id``) for every need with a ``koblet_dato``; empty text for the others.

    Candidates are offers in the same competence area that were not cancelled, preferring (in this order):
    within reach of the need's municipality (:data:`~kompilot_data.engine.reach.DEFAULT_REACH`, modelled
    travel time), the wanted level, then a start date near the need's stage dates: on or after the date it
    was linked, close to the date it was established, and not after the date it was completed. Needs and
    offers are text frames in the import format; the choice among the best :data:`LINK_CHOICES` is seeded.
    """
    rng = np.random.default_rng([seed, 3])
    linked = np.flatnonzero(needs["koblet_dato"].to_numpy(dtype=object) != "")
    out = np.full(len(needs), "", dtype=object)
    usable = offers[offers["status"] != "avlyst"].reset_index(drop=True)
    if not len(linked) or usable.empty:
        return out
    typed = to_typed(usable, "offers")
    reach = compute_reach(typed)
    offer_column = reach.offer_ids.get_indexer(typed["tilbud_id"])
    rank = taxonomy.attribute("niva", "rang")
    offer_level = usable["niva"].map(rank).to_numpy(float)
    offer_start = typed["oppstart"].to_numpy("datetime64[D]").astype(np.int64)
    offer_area = usable["kompetanseomrade"].to_numpy(dtype=object)
    offer_ids = usable["tilbud_id"].to_numpy(dtype=object)

    def days(column: str) -> np.ndarray:
        values = pd.to_datetime(needs[column].iloc[linked].replace("", None))
        return values.to_numpy("datetime64[D]").astype(np.int64)  # NaT is the smallest int64

    nat = np.datetime64("NaT").astype("datetime64[D]").astype(np.int64)
    linked_on, established_on, completed_on = days("koblet_dato"), days("etablert_dato"), days("gjennomfort_dato")
    target = np.where(established_on != nat, established_on + 30, linked_on + LINK_LEAD_DAYS)
    rows = municipality_rows(needs["kommunenummer"].iloc[linked], reach.municipalities)
    need_level = needs["niva"].iloc[linked].map(rank).to_numpy(float)
    need_area = needs["kompetanseomrade"].iloc[linked].to_numpy(dtype=object)
    noise = rng.random((len(linked), LINK_CHOICES))
    for area in pd.unique(need_area):
        members = np.flatnonzero(need_area == area)
        candidates = np.flatnonzero(offer_area == area)
        if not len(candidates):
            continue
        reachable = reach.reachable[rows[members]][:, offer_column[candidates]]
        level_gap = np.abs(need_level[members, None] - offer_level[None, candidates])
        start = offer_start[None, candidates]
        too_early = np.maximum(linked_on[members, None] - LINK_EARLY_DAYS - start, 0)
        too_late = np.where(completed_on[members, None] != nat, np.maximum(start - completed_on[members, None], 0), 0)
        off_target = np.minimum(np.abs(start - target[members, None]), 99_999)
        # Lexicographic preference in one number: reach, then start dates that fit the stages (days outside),
        # then the level, then the distance from the target start date (days).
        penalty = (
            (~reachable) * 1e13
            + np.minimum(too_early + too_late, 9_999) * 1e6
            + np.minimum(level_gap, 3) * 1e5
            + off_target
        )
        take = min(LINK_CHOICES, len(candidates))
        best = np.argsort(penalty, axis=1, kind="stable")[:, :take]
        best_penalty = np.take_along_axis(penalty, best, axis=1)
        # Only offers as good as the best on reach, dates and level are among the choices.
        same_class = best_penalty // 1e5 == best_penalty[:, :1] // 1e5
        pick = np.argmax(np.where(same_class, noise[members, :take], -1.0), axis=1)
        out[linked[members]] = offer_ids[candidates[best[np.arange(len(members)), pick]]]
    return out


def _notes(rng: np.random.Generator, areas: np.ndarray, modes: np.ndarray, places: np.ndarray) -> list[str]:
    pick = rng.random(len(areas))
    draw = rng.random(len(areas))
    with_note = rng.random(len(areas)) < NOTE_SHARE
    notes = []
    for area, mode, place, p, d, keep in zip(areas, modes, places, pick, draw, with_note, strict=True):
        if not keep:
            notes.append("")
            continue
        options = AREA_NOTES[area]
        text = options[int(p * len(options))]
        mode_text = MODE_NOTES[mode].format(sted=place) if d < 0.6 else ""
        notes.append(f"{text} {mode_text}".strip())
    return notes


# --- offers --------------------------------------------------------------------------------------------


def load_catalogue() -> pd.DataFrame:
    """The real offer catalogue (``tilbud_katalog.csv``) as text, all rows (``utelatt`` says which are offers)."""
    return pd.read_csv(DATA_DIR / "tilbud_katalog.csv", dtype=str, keep_default_na=False)


def real_offers() -> pd.DataFrame:
    """Every offer of the real catalogue in the import format, with ``demo = nei`` and its HK-dir source."""
    catalogue = load_catalogue()
    catalogue = catalogue[catalogue["utelatt"] == ""]
    frame = pd.DataFrame(
        {
            "tilbud_id": catalogue["tilbud_id"],
            "tilbyder": catalogue["tilbyder"],
            "tittel": catalogue["tittel"],
            "kompetanseomrade": catalogue["kompetanseomrade"],
            "niva": catalogue["niva"],
            "laeringsform": catalogue["laeringsform"],
            "studieform": catalogue["studieform"],
            "evu_klasse": catalogue["evu_klasse"],
            "kommunenummer": catalogue["kommunenummer"],
            "studiested": catalogue["studiested"],
            "lat": catalogue["lat"].astype(float).map("{:.5f}".format),
            "lon": catalogue["lon"].astype(float).map("{:.5f}".format),
            "oppstart": catalogue["oppstart"],
            "kapasitet": catalogue["studieplasser"],
            "status": catalogue["status"],
            "sokere_forstevalg": catalogue["sokere_forstevalg"],
            "sokere_per_plass": catalogue["sokere_per_plass"],
            "datakilde": [REAL_SOURCE.format(aar=year) for year in catalogue["aar"]],
            "kilde_url": REAL_SOURCE_URL,
            "demo": "nei",
        }
    )
    return _in_offer_format(frame.sort_values("tilbud_id"))


def _in_offer_format(frame: pd.DataFrame) -> pd.DataFrame:
    for column in [c.name for c in OFFER_COLUMNS]:
        if column not in frame:
            frame[column] = ""
    return frame[[c.name for c in OFFER_COLUMNS]].fillna("").reset_index(drop=True)


def generate_offers(m: int = DEFAULT_OFFERS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The default offers: the real catalogue (``demo = nei``) followed by ``m`` demo offers.

    Demo offers fill only what the catalogue lacks: short courses and trade-certificate schemes (the three
    real schemes in ``REAL_EXAMPLES`` first, with invented dates and seats).
    """
    rng = np.random.default_rng([seed, 2])
    examples = _example_offers()[:m]
    generated = _generated_offers(rng, m - len(examples))
    demo = pd.concat([examples, generated], ignore_index=True)
    demo = _fill_schedule(rng, demo)
    digits = len(str(m))
    demo.insert(0, "tilbud_id", [f"DEMO-T{i + 1:0{digits}d}" for i in range(len(demo))])
    demo["tilbyder"] = DEMO_PROVIDER_MARK + demo["tilbyder"]
    demo["demo"] = "ja"
    return pd.concat([real_offers(), _in_offer_format(demo)], ignore_index=True)


def assign_in_company_owners(offers: pd.DataFrame, needs: pd.DataFrame) -> pd.DataFrame:
    """A demo in-company course (``bedriftsintern``) belongs to the businesses whose needs were linked to it
    (``bedrift_id``, several separated by ``;``): it was arranged for them, and counts for their needs only. One
    that no need was linked to, and the real schemes (Fagbrev på jobb, Praksiskandidatordningen), are providers'
    courses that can be held in any company (``mobil``: one pool with their real seats)."""
    offers = offers.copy()
    demo_in_company = (offers["laeringsform"] == "bedriftsintern") & (offers["demo"] == "ja")
    demo_in_company &= ~offers["tittel"].isin([example["tittel"] for example in REAL_EXAMPLES])
    linked = needs[needs["tilbud_id"].isin(offers.loc[demo_in_company, "tilbud_id"])]
    own = linked.groupby("tilbud_id")["bedrift_id"].agg(lambda ids: evu.OWNER_SEPARATOR.join(sorted(set(ids))))
    offers["bedrift_id"] = offers["tilbud_id"].map(own).fillna(offers["bedrift_id"].fillna(""))
    return offers


def _example_offers() -> pd.DataFrame:
    real = load_example_offers()
    rows = []
    for example in REAL_EXAMPLES:
        source = real.loc[real["tittel"].str.startswith(example["kilde_prefix"]), "kilde"]
        row = {k: v for k, v in example.items() if k != "kilde_prefix"}
        row["kilde_url"] = source.iloc[0].split(" ")[0] if len(source) else ""
        row["datakilde"] = EXAMPLE_SOURCE
        rows.append(row)
    return pd.DataFrame(rows)


def _generated_offers(rng: np.random.Generator, m: int) -> pd.DataFrame:
    """Short courses and trade-certificate courses at teaching study places, online or in the company."""
    if m <= 0:
        return pd.DataFrame()
    places = load_study_places().dropna(subset=["lat", "lon"])
    places = places[places["type"].isin(["vgs", "fagskole", "universitet"])]
    municipalities = load_municipalities()
    population = municipalities["befolkning"].astype(float).reindex(places["kommunenummer"]).to_numpy()
    in_pilot = (municipalities["delregion"] != OUTSIDE_PILOT).reindex(places["kommunenummer"]).to_numpy()
    per_municipality = places.groupby("kommunenummer")["navn"].transform("size").to_numpy()
    place_weight = np.sqrt(population) / per_municipality * np.where(in_pilot, DEMO_OFFER_PILOT_WEIGHT, 1.0)
    chosen = places.iloc[rng.choice(len(places), size=m, p=_normalise(place_weight))]
    area_codes = taxonomy.codes("kompetanseomrade")
    areas = rng.choice(area_codes, size=m, p=_normalise(shortage_weights().to_numpy(float)))
    fagbrev = rng.random(m) < FAGBREV_SHARE
    titles = [rng.choice(TITLES[a][1] if f else TITLES[a][0]) for a, f in zip(areas, fagbrev, strict=True)]
    modes = list(DEMO_MODE_SHARES)
    online_weight = np.array(
        [[1.0 if mode != "nettbasert" or a in ONLINE_AREAS else 0.2 for mode in modes] for a in areas]
    )
    mode_p = _normalise_rows(online_weight * np.array(list(DEMO_MODE_SHARES.values()))[None, :])
    mode = np.array(modes)[_choice_by_row(rng, mode_p, np.arange(m))]
    local = np.isin(mode, ["stedlig", "samlingsbasert"])
    hours = rng.choice([8, 16, 24, 40, 80], size=m)
    return pd.DataFrame(
        {
            "tilbyder": chosen["navn"].to_numpy(),
            "tittel": titles,
            "kompetanseomrade": areas,
            "niva": np.where(fagbrev, "fagbrev", "kurs"),
            "laeringsform": mode,
            "kommunenummer": np.where(local, chosen["kommunenummer"], ""),
            "studiested": np.where(local, chosen["sted"], ""),
            "lat": np.where(local, chosen["lat"].map("{:.5f}".format), ""),
            "lon": np.where(local, chosen["lon"].map("{:.5f}".format), ""),
            "timer": np.where(fagbrev, "", hours.astype(str)),
            "datakilde": DEMO_SOURCE,
        }
    )


def _fill_schedule(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Start dates from autumn 2021 to spring 2027, seats, price and status (invented for every demo offer)."""
    m = len(frame)
    first, last = np.datetime64("2021-08-15"), np.datetime64("2027-06-15")
    start = first + (rng.random(m) * (last - first).astype(int)).astype(int).astype("timedelta64[D]")
    capacity = rng.choice([8, 10, 12, 15, 20, 25], size=m)
    minimum = np.minimum(capacity, rng.choice([5, 6, 8, 10, 12], size=m))
    days_to_start = (start - REFERENCE_DATE).astype(int)
    duration = np.where(frame["niva"].eq("kurs"), 60, 365)
    status = np.select(
        [days_to_start > 120, days_to_start > 0, days_to_start > -duration],
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
    """Write ``needs.csv`` and ``offers.csv`` (UTF-8, comma separated) into ``out``.

    ``offers`` is the number of demo offers; the real catalogue's offers are always included.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "needs.csv", out / "offers.csv"]
    offer_frame = generate_offers(offers, seed)
    need_frame = generate_needs(needs, seed, offer_frame)
    need_frame.to_csv(paths[0], index=False, lineterminator="\n")
    assign_in_company_owners(offer_frame, need_frame).to_csv(paths[1], index=False, lineterminator="\n")
    return paths
