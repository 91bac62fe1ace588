"""The data model for needs (kompetansebehov) and offers (tilbud), and its validation.

One column specification drives everything: the pandera schema that checks a
file, the typed frame the app works with, the documentation in ``docs/`` and
the header of the demo files. Files are validated as text first, so that every
problem in every cell is reported at once with its row and column, then
converted to typed columns.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa

from kompilot_data.reference import taxonomy

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


def normalise_line_breaks(text: str) -> str:
    """Every kind of line break inside a cell becomes ``"\n"``."""
    return LINE_BREAKS.sub("\n", text)


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


class DataValidationError(ValueError):
    """Raised when a file of needs or offers has invalid cells.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with ``rad`` (row number as seen in Excel),
        ``kolonne``, ``verdi`` and ``melding`` (Norwegian message).
    source : str
        The file or data set the rows came from.
    """

    def __init__(self, problems: pd.DataFrame, source: str = "data"):
        self.problems = problems
        self.source = source
        shown = "\n".join(f"  {line}" for line in format_problems(problems).splitlines()[:20])
        more = f"\n  … og {len(problems) - 20} til" if len(problems) > 20 else ""
        super().__init__(f"{source}: {len(problems)} feil\n{shown}{more}")


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


# --- pandera schema built from the specs -----------------------------------------------------


def _known_municipalities() -> list[str]:
    from kompilot_data.reference import load_municipalities

    return list(load_municipalities().index)


def _isin(allowed: list[str], name: str) -> pa.Check:
    allowed_set = frozenset(allowed)
    with_missing = allowed_set | {None}  # a missing value is the nullable check's business, not this one's
    return pa.Check(lambda series: series.isin(with_missing), name=name, ignore_na=False)


def _cell_check(function, name: str) -> pa.Check:
    """A per-cell rule, evaluated once per distinct value of the column."""
    # mapped() keeps missing values as NaN, which is truthy: no need for pandera to drop them per check
    return pa.Check(lambda series: mapped(series, function).astype(bool), name=name, ignore_na=False)


def _no_control_characters(series: pd.Series) -> pd.Series:
    values = series.to_numpy(dtype=object)
    try:
        joined = "\n".join(values)
    except TypeError:
        joined = "\n".join(str(v) for v in values if v is not None)
    if not CONTROL_CHARACTERS.search(joined):  # one search over the whole column
        return pd.Series(True, index=series.index)
    return series.map(lambda v: v is None or not CONTROL_CHARACTERS.search(str(v))).astype(bool)


def _not_longer_than(limit: int):
    def check(series: pd.Series) -> pd.Series:
        values = series.to_numpy(dtype=object)
        try:
            if max(map(len, values), default=0) <= limit:  # one pass in C for a column of text
                return pd.Series(True, index=series.index)
        except TypeError:
            pass
        lengths = np.fromiter((0 if v is None else len(str(v)) for v in values), int, count=len(values))
        return pd.Series(lengths <= limit, index=series.index)

    return check


def _present() -> pa.Check:
    def present(series: pd.Series) -> pd.Series:
        values = series.to_numpy(dtype=object)
        return pd.Series(values != None, index=series.index)  # noqa: E711 - element-wise, not identity

    return pa.Check(present, name="not_nullable", ignore_na=False)


def _column_checks(spec: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    limit = text_limit(spec)
    if limit is not None:
        checks.append(pa.Check(_no_control_characters, name="kontrolltegn", ignore_na=False))
        checks.append(pa.Check(_not_longer_than(limit), name=f"lengde:{limit}", ignore_na=False))
    if spec.kind == "code":
        checks.append(_isin(taxonomy.codes(spec.taxonomy), f"kode:{spec.taxonomy}"))
    elif spec.kind == "kommune":
        checks.append(_isin(_known_municipalities(), "kommune"))
    elif spec.kind == "orgnr":
        checks.append(_cell_check(orgnr_is_valid, "orgnr"))
    elif spec.kind == "date":
        checks.append(_cell_check(lambda v: parse_date(v) is not None, "dato"))
    elif spec.kind == "bool":
        checks.append(_cell_check(lambda v: parse_bool(v) is not None, "janei"))
    elif spec.kind in ("int", "float"):
        parses = _is_int if spec.kind == "int" else (lambda v: parse_number(v) is not None)
        checks.append(_cell_check(parses, f"tall:{spec.kind}"))
        low = -np.inf if spec.minimum is None else spec.minimum
        high = np.inf if spec.maximum is None else spec.maximum
        checks.append(
            _cell_check(
                lambda v, lo=low, hi=high: (n := parse_number(v)) is None or lo <= n <= hi,
                f"intervall:{spec.minimum}:{spec.maximum}",
            )
        )
    return checks


def _row_check(name: str, function) -> pa.Check:
    return pa.Check(function, name=name)


def _needs_timeframe_ordered(frame: pd.DataFrame) -> pd.Series:
    start = mapped(frame["tidsramme_fra"], parse_date)
    end = mapped(frame["tidsramme_til"], parse_date)
    both = start.notna() & end.notna()
    return ~both | (end.where(both, start) >= start)


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


def _status_allows(column: str):
    allowed = [status for status, columns in STATUS_STAGE_DATES.items() if column in columns]

    def check(frame: pd.DataFrame) -> pd.Series:
        status = frame["status"]
        return frame[column].isna() | ~status.isin(list(STATUS_STAGE_DATES)) | status.isin(allowed)

    return check


def _not_before(column: str, earlier: str):
    def check(frame: pd.DataFrame) -> pd.Series:
        later, first = mapped(frame[column], parse_date), mapped(frame[earlier], parse_date)
        both = later.notna() & first.notna()
        return ~both | (later.where(both, first) >= first)

    return check


def _link_needs_status(frame: pd.DataFrame) -> pd.Series:
    return frame["tilbud_id"].isna() | (frame["status"] != "kartlagt")


def _stage_checks() -> list[tuple[str, str, object]]:
    checks: list[tuple[str, str, object]] = [("kobling_status", "tilbud_id", _link_needs_status)]
    for column in STAGE_DATES.values():
        checks.append((f"trinn_status:{column}", column, _status_allows(column)))
        for earlier in STAGE_DATE_AFTER[column]:
            checks.append((f"trinn_for:{column}:{earlier}", column, _not_before(column, earlier)))
    return checks


def _offer_place_given(frame: pd.DataFrame) -> pd.Series:
    needs_place = frame["laeringsform"].map(taxonomy.attribute("laeringsform", "krever_sted")).fillna(False)
    return ~needs_place.astype(bool) | frame["kommunenummer"].notna()


def _offer_min_not_above_capacity(frame: pd.DataFrame) -> pd.Series:
    minimum = mapped(frame["min_deltakere"], parse_number)
    capacity = mapped(frame["kapasitet"], parse_number)
    return minimum.isna() | capacity.isna() | (minimum <= capacity)


def _offer_coordinates_paired(frame: pd.DataFrame) -> pd.Series:
    return frame["lat"].isna() == frame["lon"].isna()


# Row checks: (check name, column the message points at, function).
ROW_CHECKS = {
    "needs": [("tidsramme", "tidsramme_til", _needs_timeframe_ordered), *_stage_checks()],
    "offers": [
        ("studiested_mangler", "kommunenummer", _offer_place_given),
        ("min_over_kapasitet", "min_deltakere", _offer_min_not_above_capacity),
        ("koordinatpar", "lon", _offer_coordinates_paired),
    ],
}
ID_COLUMN = {"needs": "behov_id", "offers": "tilbud_id"}


def build_schema(kind: str) -> pa.DataFrameSchema:
    """The pandera schema that validates a text frame of ``kind`` (``needs`` or ``offers``)."""
    specs = SPECS[kind]
    # Required values are checked by _present (one vectorised comparison) rather than pandera's nullable check,
    # which runs isna over every object column; the message is the same ("not_nullable").
    columns = {
        spec.name: pa.Column(
            None,
            checks=[*([_present()] if spec.required else []), *_column_checks(spec)],
            nullable=True,
            required=spec.required,
            coerce=False,
            unique=spec.name == ID_COLUMN[kind],
        )
        for spec in specs
    }
    return pa.DataFrameSchema(
        columns,
        checks=[_row_check(name, function) for name, _, function in ROW_CHECKS[kind]],
        strict=False,
    )


# --- messages ----------------------------------------------------------------------------------


def _match_key(text: object) -> str:
    """'  Nærøysund ' -> 'naeroysund' (case, accents, spaces and punctuation ignored)."""
    import unicodedata

    text = str(text).strip().lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text)


def closest_codes(value: object, name: str, n: int = 1) -> list[str]:
    """Codes of the code list ``name`` closest to ``value`` by code or by label (bokmål or English)."""
    candidates: dict[str, str] = {}
    for language in ("nb", "en"):
        for code, label in taxonomy.labels(name, language).items():
            candidates.setdefault(_match_key(label), code)
    for code in taxonomy.codes(name):
        candidates.setdefault(_match_key(code), code)
    close = difflib.get_close_matches(_match_key(value), list(candidates), n=3 * n, cutoff=0.6)
    return list(dict.fromkeys(candidates[key] for key in close))[:n]


def _code_hint(value: object, name: str) -> str:
    """The closest code (matched by code or by label: «Helse og omsrog» -> «helse»), else the allowed codes."""
    close = closest_codes(value, name)
    if close:
        return f" Mente du «{close[0]}»?"
    return f" Tillatte verdier: {', '.join(taxonomy.codes(name))}."


def closest_municipalities(value: object, n: int = 3) -> list[str]:
    """Names of the municipalities closest to ``value`` (their name, Sami name or a part of the official name)."""
    from kompilot_data.reference import load_municipalities

    names: dict[str, str] = {}
    for _, row in load_municipalities().iterrows():
        for text in (row["navn"], row["samisk_navn"], *str(row["offisielt_navn"]).split(" - ")):
            if isinstance(text, str) and text.strip():
                names.setdefault(_match_key(text), row["navn"])
    key = _match_key(value)
    scored = sorted(
        ((difflib.SequenceMatcher(None, key, other).ratio(), other) for other in names), key=lambda p: (-p[0], p[1])
    )
    if not scored or scored[0][0] < 0.6:
        return []
    best = scored[0][0]
    close = [other for ratio, other in scored if ratio >= max(0.6, best - 0.1)]  # only about as close as the best
    return list(dict.fromkeys(names[other] for other in close))[:n]


def _municipality_message(value: object) -> str:
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):  # a number: the closest number
        close = difflib.get_close_matches(text, _known_municipalities(), n=1, cutoff=0.6)
        hint = f" Mente du «{close[0]}»?" if close else ""
        return f"«{shown(value)}» er ikke et kommunenummer i Trøndelag (5001–5061).{hint}"
    close = closest_municipalities(value)
    if close:
        return f"«{shown(value)}» er ikke en kommune i Trøndelag. Mente du {_or_words(close)}?"
    return (
        f"«{shown(value)}» er ikke en kommune i Trøndelag. Skriv kommunenummeret (f.eks. 5007) eller navnet "
        "(f.eks. Namsos)."
    )


def _message(check: str, column: str | None, value: object) -> str:
    if check == "kontrolltegn":
        found = CONTROL_CHARACTERS.search(str(value))
        where = f"U+{ord(found.group()):04X} på plass {found.start() + 1}" if found else "et kontrolltegn"
        return (
            f"«{shown(value)}» inneholder et usynlig kontrolltegn ({where}), som ikke kan lagres. "
            "Fjern tegnet og last opp på nytt."
        )
    if check.startswith("lengde:"):
        limit = int(check.split(":", 1)[1])
        length, most = (f"{n:,d}".replace(",", " ") for n in (len(str(value)), limit))
        return f"«{shown(value)}» er for lang: {length} tegn, høyst {most} er tillatt."
    value = shown(value)
    if check == "column_in_dataframe":
        return f"Kolonnen «{value}» mangler i filen."
    if check == "not_nullable":
        return "Verdien mangler (feltet er påkrevd)."
    if check in ("field_uniqueness", "unique"):
        return f"ID-en «{value}» forekommer flere ganger i filen."
    if check.startswith("kode:"):
        name = check.split(":", 1)[1]
        return f"«{value}» er ikke en gyldig kode.{_code_hint(value, name)}"
    if check == "kommune":
        return _municipality_message(value)
    if check == "orgnr":
        return f"«{value}» er ikke et gyldig organisasjonsnummer (9 siffer med riktig kontrollsiffer)."
    if check == "dato":
        return f"«{value}» er ikke en dato. Bruk 27.11.2026 eller 2026-11-27."
    if check == "janei":
        return f"«{value}» må være ja eller nei."
    if check == "tall:int":
        return f"«{value}» er ikke et heltall."
    if check == "tall:float":
        return f"«{value}» er ikke et tall."
    if check.startswith("intervall:"):
        _, low, high = check.split(":")
        return f"«{value}» er utenfor tillatt område ({_fmt(low)}–{_fmt(high)})."
    if check == "tidsramme":
        return "Seneste oppstart (tidsramme_til) er før tidligste oppstart (tidsramme_fra)."
    if check == "kobling_status":
        return (
            "Behovet har et tilbud (tilbud_id), men status er «kartlagt». "
            "Sett status til koblet (eller senere), eller tøm tilbud_id."
        )
    if check.startswith("trinn_status:"):
        column = check.split(":", 1)[1]
        allowed = [status for status, columns in STATUS_STAGE_DATES.items() if column in columns]
        return (
            f"{column} er fylt ut, men status er ikke {_or_words(allowed)}. "
            "Tøm datoen, eller rett status (datoen sier når behovet nådde det trinnet)."
        )
    if check.startswith("trinn_for:"):
        _, column, earlier = check.split(":")
        if earlier == "registrert":
            return f"{column} er før registrert: behovet kan ikke ha nådd et trinn før det ble registrert."
        return f"{column} er før {earlier}: et trinn kan ikke være nådd før det forrige."
    if check == "studiested_mangler":
        return "Stedlige og samlingsbaserte tilbud må ha studiestedets kommunenummer."
    if check == "min_over_kapasitet":
        return "Minste antall deltakere er større enn kapasiteten."
    if check == "koordinatpar":
        return "Oppgi både breddegrad (lat) og lengdegrad (lon), eller ingen av dem."
    return f"Ugyldig verdi «{value}» ({check})."


def _or_words(words: list[str]) -> str:
    quoted = [f"«{word}»" for word in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " eller " + quoted[-1]


def _fmt(bound: str) -> str:
    if bound == "None":
        return "…"
    number = float(bound)
    return f"{number:,.0f}".replace(",", " ") if number.is_integer() else bound


def format_problems(problems: pd.DataFrame) -> str:
    """One Norwegian line per problem: ``Rad 5, kolonne «niva»: …``."""
    lines = []
    for row in problems.itertuples(index=False):
        if pd.isna(row.kolonne) or row.kolonne is None:  # a problem with the whole file
            lines.append(str(row.melding))
            continue
        where = f"Rad {row.rad}, kolonne «{row.kolonne}»" if pd.notna(row.rad) else f"Kolonne «{row.kolonne}»"
        lines.append(f"{where}: {row.melding}")
    return "\n".join(lines)


def _problems_from_errors(errors: pa.errors.SchemaErrors, kind: str, first_data_row: int) -> pd.DataFrame:
    cases = errors.failure_cases
    row_check_columns = {name: column for name, column, _ in ROW_CHECKS[kind]}
    records = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        index = case.index
        column = case.column
        value = case.failure_case
        if check in row_check_columns:
            column = row_check_columns[check]
        if check == "column_in_dataframe":
            column = value
        rad = None if index is None or pd.isna(index) else int(index) + first_data_row
        records.append({"rad": rad, "kolonne": column, "verdi": value, "melding": _message(check, column, value)})
    problems = pd.DataFrame(records, columns=["rad", "kolonne", "verdi", "melding"])
    problems["rad"] = problems["rad"].astype("Int64")
    problems = problems.drop_duplicates(subset=["rad", "kolonne", "melding"])
    return problems.sort_values(["rad", "kolonne"], na_position="first").reset_index(drop=True)


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


def validate(frame: pd.DataFrame, kind: str, first_data_row: int = 2) -> pd.DataFrame:
    """Validate a frame of needs or offers as text; return the problems (empty when valid).

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells as read from the file (strings, or numbers/dates from Excel).
    kind : {"needs", "offers"}
    first_data_row : int
        The spreadsheet row number of the frame's first row (2 when the header
        is row 1), so messages match what the user sees in Excel.
    """
    if kind not in SPECS:
        raise ValueError(f"kind must be 'needs' or 'offers', not {kind!r}")
    text = _as_text_frame(frame)
    schema = build_schema(kind)
    missing = [c for c in schema.columns if schema.columns[c].required and c not in text.columns]
    if missing:
        return pd.DataFrame(
            {
                "rad": pd.array([None] * len(missing), dtype="Int64"),
                "kolonne": missing,
                "verdi": missing,
                "melding": [_message("column_in_dataframe", c, c) for c in missing],
            }
        )
    for spec in SPECS[kind]:
        if spec.name not in text.columns:
            text[spec.name] = None
    problems = pd.DataFrame(columns=["rad", "kolonne", "verdi", "melding"])
    try:
        schema.validate(text, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = _problems_from_errors(errors, kind, first_data_row)
    if kind == "offers":  # coordinates in Trøndelag and in the stated municipality (records/spatial.py)
        from kompilot_data.records.spatial import coordinate_problems

        problems = coordinate_problems(text, first_data_row, problems)
    return problems


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
            typed[spec.name] = pd.Categorical(column, categories=_known_municipalities())
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
    return typed


def validated(frame: pd.DataFrame, kind: str, source: str = "data", first_data_row: int = 2) -> pd.DataFrame:
    """Validate and convert; raise :class:`DataValidationError` naming row and column on bad input."""
    problems = validate(frame, kind, first_data_row=first_data_row)
    if len(problems):
        raise DataValidationError(problems, source)
    return to_typed(frame, kind)
