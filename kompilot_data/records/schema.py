"""The data model for needs (kompetansebehov) and offers (tilbud): the column specification, the cell parsers
and the typed frame.

One column specification drives everything: the validation of a file (:mod:`kompilot_data.records.validation`),
the typed frame the app works with (:func:`to_typed`), the documentation in ``docs/`` and the header of the demo
files. Files are validated as text first, so that every problem in every cell is reported at once with its row
and column, then converted to typed columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np
import pandas as pd

from kompilot_data.reference import evu, load_municipalities, taxonomy

Kind = Literal["text", "int", "float", "date", "code", "kommune", "orgnr", "bool"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the import format."""

    name: str
    kind: Kind
    required: bool
    description_nb: str
    description_en: str
    taxonomy: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None  # text columns: None = the default for the column (see text_limit)


NEED_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("behov_id", "text", True, "Stabil ID for behovet (brukes ved ny import)", "Stable id of the need"),
    ColumnSpec("registrert", "date", True, "Dato behovet ble registrert", "Date the need was registered"),
    ColumnSpec("bedrift_id", "text", True, "Anonymisert bedrifts-ID", "Anonymised business id"),
    ColumnSpec("orgnr", "orgnr", False, "Organisasjonsnummer (9 siffer, valgfritt)", "Organisation number (optional)"),
    ColumnSpec("kommunenummer", "kommune", True, "Bedriftens kommune (kommunenummer)", "Business's municipality"),
    ColumnSpec("naering", "code", True, "Næring (SN2007-hovedområde A–U)", "Industry (NACE section)", "naering"),
    ColumnSpec("storrelse", "code", True, "Bedriftens størrelse (ansatte)", "Business size class", "storrelse"),
    ColumnSpec("kompetanseomrade", "code", True, "Kompetanseområde", "Competence area", "kompetanseomrade"),
    ColumnSpec("niva", "code", True, "Ønsket utdanningsnivå", "Education level wanted", "niva"),
    ColumnSpec(
        "laeringsform",
        "code",
        False,
        "Foretrukket læringsform (tom = ingen preferanse)",
        "Preferred delivery mode (empty = any)",
        "laeringsform",
    ),
    ColumnSpec(
        "antall_deltakere",
        "int",
        True,
        "Antall ansatte som trenger kompetansen",
        "Number of employees/participants",
        minimum=1,
        maximum=10_000,
    ),
    ColumnSpec("tidsramme_fra", "date", True, "Tidligste ønskede oppstart", "Earliest wanted start"),
    ColumnSpec("tidsramme_til", "date", True, "Seneste ønskede oppstart", "Latest wanted start"),
    ColumnSpec("status", "code", True, "Status i meglingsløpet", "Status in the brokering pipeline", "behov_status"),
    ColumnSpec(
        "tilbud_id",
        "text",
        False,
        "Tilbudet behovet er koblet til (tilbud_id; tomt for kartlagte behov)",
        "The offer the need is linked to (tilbud_id; empty for mapped needs)",
    ),
    ColumnSpec(
        "koblet_dato",
        "date",
        False,
        "Dato behovet ble koblet til et tilbud (tom = ukjent eller ikke koblet)",
        "Date the need was linked to an offer (empty = unknown or not linked)",
    ),
    ColumnSpec(
        "etablert_dato",
        "date",
        False,
        "Dato tilbudet for behovet ble etablert (tom = ukjent eller ikke etablert)",
        "Date the offer for the need was established (empty = unknown or not established)",
    ),
    ColumnSpec(
        "gjennomfort_dato",
        "date",
        False,
        "Dato opplæringen ble gjennomført (tom = ukjent eller ikke gjennomført)",
        "Date the training was completed (empty = unknown or not completed)",
    ),
    ColumnSpec(
        "avsluttet_dato",
        "date",
        False,
        "Dato behovet ble avsluttet uten tilbud (tom = ukjent eller ikke avsluttet)",
        "Date the need was closed without an offer (empty = unknown or not closed)",
    ),
    ColumnSpec("kilde", "code", True, "Hvordan behovet ble funnet", "How the need was found", "behov_kilde"),
    ColumnSpec("merknad", "text", False, "Fritekst", "Free-text note"),
    ColumnSpec("demo", "bool", False, "ja = demodata (oppdiktet)", "yes = demo data (made up)"),
)

OFFER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("tilbud_id", "text", True, "Stabil ID for tilbudet", "Stable id of the offer"),
    ColumnSpec("tilbyder", "text", True, "Tilbyder (institusjon)", "Provider"),
    ColumnSpec("tittel", "text", True, "Tittel", "Title"),
    ColumnSpec("kompetanseomrade", "code", True, "Kompetanseområde", "Competence area", "kompetanseomrade"),
    ColumnSpec("niva", "code", True, "Nivå", "Level", "niva"),
    ColumnSpec("studiepoeng", "float", False, "Studiepoeng", "Credits (ECTS)", minimum=0, maximum=300),
    ColumnSpec("timer", "int", False, "Omfang i timer (kurs uten studiepoeng)", "Hours", minimum=1, maximum=10_000),
    ColumnSpec("laeringsform", "code", True, "Læringsform", "Delivery mode", "laeringsform"),
    ColumnSpec(
        "kommunenummer",
        "kommune",
        False,
        "Studiestedets kommune (tom for rene nettilbud)",
        "Study place's municipality (empty for online)",
    ),
    ColumnSpec("studiested", "text", False, "Studiested (stedsnavn)", "Study place (place name)"),
    ColumnSpec("lat", "float", False, "Breddegrad (WGS84)", "Latitude (WGS84)", minimum=57, maximum=72),
    ColumnSpec("lon", "float", False, "Lengdegrad (WGS84)", "Longitude (WGS84)", minimum=4, maximum=32),
    ColumnSpec("oppstart", "date", True, "Oppstartsdato", "Start date"),
    ColumnSpec("kapasitet", "int", True, "Antall plasser", "Seats", minimum=1, maximum=10_000),
    ColumnSpec(
        "min_deltakere",
        "int",
        False,
        "Minste antall deltakere for oppstart",
        "Minimum class size",
        minimum=1,
        maximum=10_000,
    ),
    ColumnSpec(
        "pris_kr", "float", False, "Pris per deltaker (kr)", "Price per participant (NOK)", minimum=0, maximum=1_000_000
    ),
    ColumnSpec("finansiering", "text", False, "Finansiering (f.eks. Kompetansepilot, bedrift, HK-dir)", "Funding"),
    ColumnSpec("status", "code", True, "Status", "Status", "tilbud_status"),
    ColumnSpec(
        "sokere_forstevalg",
        "int",
        False,
        "Søkere med tilbudet som førstevalg (Samordna opptak)",
        "First-choice applicants (Samordna opptak)",
        minimum=0,
        maximum=100_000,
    ),
    ColumnSpec(
        "sokere_per_plass",
        "float",
        False,
        "Førstevalgsøkere per studieplass (etterspørsel)",
        "First-choice applicants per seat (demand)",
        minimum=0,
        maximum=10_000,
    ),
    ColumnSpec(
        "evu_klasse",
        "code",
        False,
        "EVU-klasse (tom = utledes av nivå og studieform); avgjør om tilbudet regnes som tilbud til folk i arbeid",
        "EVU class (empty = derived from level and study mode); decides whether the offer counts as supply",
        "evu_klasse",
    ),
    ColumnSpec(
        "studieform",
        "code",
        False,
        "Studieform (tom = læringsformen; ukjent når kilden ikke sier noe)",
        "Study mode (empty = the delivery mode; ukjent when the source says nothing)",
        "studieform",
    ),
    ColumnSpec(
        "bedrift_id",
        "text",
        False,
        "Bedriften et kurs i bedriften holdes for (tom = tilbyderens kurs som kan holdes i enhver bedrift)",
        "The business an in-company course is held for (empty = a provider's course for any company)",
    ),
    ColumnSpec(
        "datakilde",
        "text",
        False,
        "Hvor tilbudet kommer fra, f.eks. «HK-dir, søkertall 2026» eller «Demo»",
        "Where the offer comes from, e.g. «HK-dir, søkertall 2026» or «Demo»",
    ),
    ColumnSpec("kilde_url", "text", False, "Kilde (nettside) for reelle tilbud", "Source URL for real offers"),
    ColumnSpec("demo", "bool", False, "ja = demodata (oppdiktet)", "yes = demo data (made up)"),
)

SPECS = {"needs": NEED_COLUMNS, "offers": OFFER_COLUMNS}

TRUE_WORDS = {"ja", "j", "true", "sann", "1", "x", "yes"}
FALSE_WORDS = {"nei", "n", "false", "usann", "0", "no"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

# --- text hygiene: the same rules for files, edits and restores ---------------------------------
#
# * Line breaks inside a cell (CR LF, a lone CR, U+2028, U+2029, U+0085 NEL, vertical tab, form feed) are
#   normalised to one "\n": the text keeps its line breaks, written the same way everywhere.
# * A tab is kept.
# * Every other control character (NUL, U+0001–U+0008, U+000E–U+001F, DEL, U+0080–U+009F except NEL) is
#   refused with a row/column message: it is invisible, breaks Excel files and PostgreSQL cannot store NUL.
# * Lengths follow the database, so SQLite and PostgreSQL accept exactly the same data: ids at most
#   ID_MAX_LENGTH characters (the primary key is VARCHAR(64)), other text at most TEXT_MAX_LENGTH.

ID_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 100_000
LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
SHOWN_LENGTH = 60


def text_limit(spec: ColumnSpec) -> int | None:
    """The longest text a column accepts (None for columns that are not free text)."""
    if spec.max_length is not None:
        return spec.max_length
    if spec.name in ID_COLUMN.values():
        return ID_MAX_LENGTH
    return TEXT_MAX_LENGTH if spec.kind == "text" else None


def shown(value: object) -> str:
    """A cell value for a message: control characters made visible (U+0000), long text cut with "…"."""
    text = CONTROL_CHARACTERS.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(value))
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


# --- cell parsers (shared by validation checks and typed conversion) ---------------------------


def parse_date(value: object) -> date | None:
    """Parse 27.11.2026, 2026-11-27 (and a few close variants); None if not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # 2026-11-27: the usual case, without strptime
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if len(text) == 10 and text[2] == "." and text[5] == ".":  # 27.11.2026
        try:
            return date(int(text[6:]), int(text[3:5]), int(text[:2]))
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_number(value: object) -> float | None:
    """Parse 1 234,5 / 1234.5 / 1.234,5; None if not a number."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    # Dots as thousands separators only when unambiguous: 1.234,5 or 1.234.567 (1.234 is a decimal).
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", text) or re.fullmatch(r"-?\d{1,3}(\.\d{3}){2,}", text):
        text = text.replace(".", "")
    text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if np.isfinite(number) else None


def parse_bool(value: object) -> bool | None:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def orgnr_is_valid(value: object) -> bool:
    """Norwegian organisation number: 9 digits, MOD11 check digit with weights 3,2,7,6,5,4,3,2."""
    digits = re.sub(r"\s", "", str(value))
    if not re.fullmatch(r"\d{9}", digits):
        return False
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:8], weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return check != 10 and check == int(digits[8])


def mapped(series: pd.Series, function) -> pd.Series:
    """``series.map(function)``, calling ``function`` once per distinct value (dates, codes and counts repeat a lot).

    Missing values stay missing (NaN); the result has object dtype.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    for position, value in enumerate(uniques):
        results[position] = function(value)
    results[-1] = np.nan  # code -1: a missing value
    return pd.Series(results[codes], index=series.index, dtype=object)


def _is_int(value: object) -> bool:
    number = parse_number(value)
    return number is not None and float(number).is_integer()


#: The date each pipeline stage was reached (needs), by the status code of that stage.
STAGE_DATES = {
    "koblet": "koblet_dato",
    "etablert": "etablert_dato",
    "gjennomfort": "gjennomfort_dato",
    "avsluttet": "avsluttet_dato",
}
#: The stage dates a need with each status may have. A later stage's date with an earlier status is an error;
#: an empty date is always accepted (unknown, e.g. a file from before the dates were recorded).
#: A need closed without an offer (avsluttet) may have been linked, and even established, before it closed.
STATUS_STAGE_DATES = {
    "kartlagt": (),
    "koblet": ("koblet_dato",),
    "etablert": ("koblet_dato", "etablert_dato"),
    "gjennomfort": ("koblet_dato", "etablert_dato", "gjennomfort_dato"),
    "avsluttet": ("koblet_dato", "etablert_dato", "avsluttet_dato"),
}
#: Each stage date is not before these (when both are given).
STAGE_DATE_AFTER = {
    "koblet_dato": ("registrert",),
    "etablert_dato": ("registrert", "koblet_dato"),
    "gjennomfort_dato": ("registrert", "koblet_dato", "etablert_dato"),
    "avsluttet_dato": ("registrert", "koblet_dato", "etablert_dato"),
}
#: Statuses whose need may name the offer it is linked to (tilbud_id).
LINKED_STATUSES = ("koblet", "etablert", "gjennomfort", "avsluttet")


ID_COLUMN = {"needs": "behov_id", "offers": "tilbud_id"}

#: A table of problems (or warnings) with a file: ``rad`` (the row as in Excel), ``kolonne``, ``verdi``, ``melding``
#: (the message in bokmål) and ``beskjed`` (the :class:`~kompilot_data.reference.errors.Message` itself, to show the
#: message in the reader's language).
PROBLEM_COLUMNS = ["rad", "kolonne", "verdi", "melding", "beskjed"]


def problem_frame(records: list[dict]) -> pd.DataFrame:
    """A table of problems from ``records`` with ``rad``, ``kolonne``, ``verdi`` and ``melding`` (a
    :class:`~kompilot_data.reference.errors.Text`)."""
    frame = pd.DataFrame(records, columns=PROBLEM_COLUMNS[:3])
    frame["rad"] = frame["rad"].astype("Int64")
    frame["melding"] = pd.Series([str(r["melding"]) for r in records], index=frame.index, dtype=object)
    frame["beskjed"] = pd.Series([getattr(r["melding"], "msg", None) for r in records], index=frame.index, dtype=object)
    return frame


def known_municipalities() -> list[str]:
    """The kommunenummer a need or an offer may have: the 38 municipalities."""
    return list(load_municipalities().index)


def _text_values(values) -> list:
    """Cells stripped, empty text and every kind of missing value as None (one pass, no dtype conversions)."""
    try:  # the usual case: every cell is text (as read from a file)
        return [text or None for text in map(str.strip, values)]
    except TypeError:
        pass
    out = []
    append = out.append
    for value in values:
        if value.__class__ is str:
            value = value.strip()
            append(value if value else None)
        elif value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
            append(None)
        else:
            append(value)
    return out


_TEXT_FRAME = "kompilot_text_frame"


def _as_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip cells and turn empty strings into missing values; keep everything as objects (None for missing).

    The result has a fresh 0..n-1 index. A frame this function made (and nobody copied since) is passed on
    without a second pass over every cell; the caller gets a shallow copy it may add columns to.
    """
    if frame.attrs.get(_TEXT_FRAME) == id(frame):
        return frame.copy(deep=False)
    columns = {name: _text_values(frame[name].to_numpy(dtype=object)) for name in frame.columns}
    out = pd.DataFrame(columns, columns=frame.columns, dtype=object)
    out.attrs[_TEXT_FRAME] = id(out)
    return out


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as :func:`validate` and :func:`to_typed` read it (cleaned once, then passed on as it is)."""
    return _as_text_frame(frame)


def to_typed(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Convert a validated text frame to typed columns (categoricals for codes, dates, Int64).

    Call :func:`validate` first; cells that do not parse become missing values.
    """
    text = _as_text_frame(frame)
    typed = pd.DataFrame(index=text.index)
    for spec in SPECS[kind]:
        column = text[spec.name] if spec.name in text.columns else pd.Series(None, index=text.index, dtype=object)
        if spec.kind == "code":
            typed[spec.name] = pd.Categorical(column, dtype=taxonomy.categorical(spec.taxonomy))
        elif spec.kind == "kommune":
            typed[spec.name] = pd.Categorical(column, categories=known_municipalities())
        elif spec.kind == "date":
            typed[spec.name] = pd.to_datetime(mapped(column, parse_date))
        elif spec.kind == "int":
            typed[spec.name] = pd.array(mapped(column, parse_number), dtype="Float64").astype("Int64")
        elif spec.kind == "float":
            typed[spec.name] = mapped(column, parse_number).astype(float)
        elif spec.kind == "bool":
            typed[spec.name] = (mapped(column, parse_bool) == True).to_numpy(bool)  # noqa: E712 - NaN-safe
        elif spec.kind == "orgnr":  # "923 609 016" is stored as 923609016 (spaces are only layout)
            typed[spec.name] = column.astype("string").str.replace(r"\s+", "", regex=True)
        else:
            values = column.astype("string")
            if values.str.contains(LINE_BREAKS, regex=True).fillna(False).any():
                values = values.str.replace(LINE_BREAKS, "\n", regex=True)
            typed[spec.name] = values
    if kind == "offers":
        typed = evu.supply_columns(typed)
    return typed
