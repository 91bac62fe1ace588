"""Businesses' own entries (issue 27): a link per sub-region, the form's checks and limits, and the review queue.

* A coordinator **creates a link** for a sub-region (their own; a coordinator of every sub-region may pick any).
  The link carries a random token (:func:`secrets.token_urlsafe`, 32 characters); only its SHA-256 is stored, so a
  copy of the database does not give anyone a working link. A link can be **revoked**; a revoked link takes nothing.
* A business opens the link without logging in and sends an **entry** (:func:`submit`): free text, number of
  employees and of people who need the training, a municipality of the link's sub-region, when, how they would like
  to learn, organisation number (MOD11), contact and consent. Every field is checked and every problem is named
  (:class:`FormRefused`); markup, control characters and oversized text are refused, and each link takes at most
  :data:`MAX_PER_MINUTE` entries a minute and :data:`MAX_PER_DAY` a day. The limit is counted in the database
  under the one write lock, so it holds across app replicas. A refused entry stores nothing.
* Entries wait in the **review queue** of the link's sub-region (:func:`queue`): never in the data, never visible to
  viewers. A coordinator **accepts** one with the confirmed competence area, STYRK-08 occupations, industry and
  level (:func:`accept`): a need is created in the same transaction, and the confirmed labels stay with the text
  beside the suggestions that were shown (to measure the classifier on real data later). Or **rejects** it with a
  reason (:func:`reject`). Creating and revoking links, accepting and rejecting are written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.access import AccessDenied, require_editor
from kompilot_data.records.errors import ConflictError, RecordNotFound
from kompilot_data.records.schema import CONTROL_CHARACTERS, LINE_BREAKS, orgnr_is_valid
from kompilot_data.records.storage.edits import add_in, validated_record
from kompilot_data.records.storage.transactions import check_user, to_json, utc_now, write_audit, writing
from kompilot_data.reference import taxonomy
from kompilot_data.reference.errors import KompilotError, Message, message
from kompilot_data.reference.i18n import format_number
from kompilot_data.reference.tables import SUBREGIONS

MAX_TEXT = 2000
"""The longest need description accepted (characters)."""
MAX_SHORT = 200
"""The longest name (business, contact, link) accepted."""
MAX_PER_MINUTE = 5
"""Entries one link takes in any 60 seconds."""
MAX_PER_DAY = 100
"""Entries one link takes in any 24 hours."""
MAX_EMPLOYEES = 100_000
WHEN = {"3m": 3, "12m": 12, "24m": 24}
"""When the training is wanted: code -> latest start in months from the day of the entry."""
MODES = ("stedlig", "samlingsbasert", "nettbasert")
"""How a business may say it would like to learn (local, session-based, online); empty = no preference."""
STATUSES = ("ny", "godtatt", "avvist")
TOKEN_BYTES = 24
SOURCE = "nettskjema"

_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]|&#?[a-zA-Z0-9]+;|javascript\s*:|data\s*:\s*text/html", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>\"']{1,64}@[^@\s<>\"']{1,190}\.[a-zA-Z]{2,24}")
_PHONE = re.compile(r"\+?[0-9][0-9 ]{4,19}")

_METADATA = sa.MetaData()
LINK_TABLE = sa.Table(
    "innsending_lenke",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("delregion", sa.String(64), nullable=False),
    sa.Column("navn", sa.String(200), nullable=False),
    sa.Column("opprettet", sa.DateTime, nullable=False),
    sa.Column("opprettet_av", sa.String(200), nullable=False),
    sa.Column("tilbakekalt", sa.DateTime),
    sa.Column("tilbakekalt_av", sa.String(200)),
)
ENTRY_TABLE = sa.Table(
    "innsending",
    _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("lenke_id", sa.Integer, sa.ForeignKey("innsending_lenke.id"), nullable=False),
    sa.Column("delregion", sa.String(64), nullable=False),
    sa.Column("mottatt", sa.DateTime, nullable=False),
    sa.Column("tekst", sa.Text, nullable=False),
    sa.Column("ansatte", sa.Integer, nullable=False),
    sa.Column("deltakere", sa.Integer, nullable=False),
    sa.Column("kommunenummer", sa.String(4), nullable=False),
    sa.Column("naar", sa.String(16), nullable=False),
    sa.Column("laeringsform", sa.String(32)),
    sa.Column("orgnr", sa.String(9), nullable=False),
    sa.Column("virksomhet", sa.String(200), nullable=False),
    sa.Column("kontakt_navn", sa.String(200), nullable=False),
    sa.Column("kontakt_epost", sa.String(254), nullable=False),
    sa.Column("kontakt_telefon", sa.String(32)),
    sa.Column("samtykke", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("behandlet", sa.DateTime),
    sa.Column("behandlet_av", sa.String(200)),
    sa.Column("forslag", sa.Text),
    sa.Column("bekreftet_kompetanseomrade", sa.String(32)),
    sa.Column("bekreftet_styrk", sa.String(64)),
    sa.Column("behov_id", sa.String(64)),
    sa.Column("avvist_grunn", sa.Text),
)
ENTRY_FIELDS = (
    "tekst",
    "ansatte",
    "deltakere",
    "kommunenummer",
    "naar",
    "laeringsform",
    "orgnr",
    "virksomhet",
    "kontakt_navn",
    "kontakt_epost",
    "kontakt_telefon",
    "samtykke",
)


class FormRefused(KompilotError, ValueError):
    """An entry or a link is refused; nothing was stored. The message names every problem."""

    def problems(self, language: str = "nb") -> list[str]:
        """Each problem of a refused entry as its own sentence (empty for a refused link or limit)."""
        return [problem.text(language) for problem in self.params.get("problems", [])]


@dataclass(frozen=True)
class Count:
    """A whole number in a message, grouped the language's way (100 000 / 100,000)."""

    value: int

    def text(self, language: str = "nb") -> str:
        return format_number(self.value, language)


@dataclass(frozen=True)
class Link:
    """A form link as the form sees it: which sub-region it collects for (never the token or its hash)."""

    id: int
    delregion: str
    navn: str


def token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def _audit(connection: Connection, now: datetime, user: str, action: str, post_id, before, after) -> None:
    write_audit(
        connection,
        [
            {
                "tidspunkt": now,
                "bruker": user,
                "handling": action,
                "tabell": "innsending",
                "post_id": str(post_id),
                "batch_id": None,
                "foer": to_json(before),
                "etter": to_json(after),
            }
        ],
    )


def _may_handle(access, region: str) -> None:
    """Coordinators only, and a coordinator limited to one sub-region only there."""
    require_editor(access)
    if access is not None and access.region is not None and access.region != region:
        raise AccessDenied("err_form_other_region", region=region, own=access.region)


# --- links ------------------------------------------------------------------------------------


def create_link(engine: Engine, region: str, name: str, user: str, access=None) -> tuple[int, str]:
    """A new link for ``region``; returns ``(id, token)``. The token is shown once: only its hash is stored."""
    check_user(user)
    if region not in SUBREGIONS:
        raise FormRefused("err_form_unknown_region", region=region)
    _may_handle(access, region)
    name = _one_line(name)
    if not name or len(name) > MAX_SHORT or _MARKUP.search(name):
        raise FormRefused("err_form_link_name", most=MAX_SHORT)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utc_now()
    with writing(engine) as connection:
        link_id = connection.execute(
            sa.insert(LINK_TABLE).values(
                token_sha256=token_hash(token), delregion=region, navn=name, opprettet=now, opprettet_av=user
            )
        ).inserted_primary_key[0]
        _audit(connection, now, user, "lenke_opprettet", link_id, None, {"delregion": region, "navn": name})
    return int(link_id), token


def revoke_link(engine: Engine, link_id: int, user: str, access=None) -> None:
    """Revoke a link: from now on it takes no entries (entries already sent stay in the queue)."""
    check_user(user)
    now = utc_now()
    with writing(engine) as connection:
        row = connection.execute(sa.select(LINK_TABLE).where(LINK_TABLE.c.id == int(link_id))).mappings().first()
        if row is None:
            raise RecordNotFound("err_form_link_missing", id=link_id)
        _may_handle(access, row["delregion"])
        if row["tilbakekalt"] is not None:
            raise ConflictError("err_form_link_already_revoked", name=row["navn"], when=row["tilbakekalt"])
        connection.execute(
            sa.update(LINK_TABLE).where(LINK_TABLE.c.id == row["id"]).values(tilbakekalt=now, tilbakekalt_av=user)
        )
        _audit(connection, now, user, "lenke_tilbakekalt", row["id"], {"navn": row["navn"]}, {"tilbakekalt": now})


def links(engine: Engine, access=None) -> pd.DataFrame:
    """The links the user may see (their sub-region's; every link for a coordinator of all), newest first, with
    how many entries wait in each."""
    require_editor(access)
    waiting = (
        sa.select(ENTRY_TABLE.c.lenke_id, sa.func.count().label("venter"))
        .where(ENTRY_TABLE.c.status == "ny")
        .group_by(ENTRY_TABLE.c.lenke_id)
        .subquery()
    )
    query = (
        sa.select(
            LINK_TABLE.c.id,
            LINK_TABLE.c.navn,
            LINK_TABLE.c.delregion,
            LINK_TABLE.c.opprettet,
            LINK_TABLE.c.opprettet_av,
            LINK_TABLE.c.tilbakekalt,
            sa.func.coalesce(waiting.c.venter, 0).label("venter"),
        )
        .select_from(LINK_TABLE.outerjoin(waiting, waiting.c.lenke_id == LINK_TABLE.c.id))
        .order_by(LINK_TABLE.c.id.desc())
    )
    if access is not None and access.region is not None:
        query = query.where(LINK_TABLE.c.delregion == access.region)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    columns = ["id", "navn", "delregion", "opprettet", "opprettet_av", "tilbakekalt", "venter"]
    return pd.DataFrame(rows, columns=columns)


def _link_row(connection: Connection, token: str) -> dict:
    token = str(token or "")
    if not token or len(token) > 100:
        raise FormRefused("err_form_link_unknown")
    row = (
        connection.execute(sa.select(LINK_TABLE).where(LINK_TABLE.c.token_sha256 == token_hash(token)))
        .mappings()
        .first()
    )
    if row is None:
        raise FormRefused("err_form_link_unknown")
    if row["tilbakekalt"] is not None:
        raise FormRefused("err_form_link_revoked")
    return dict(row)


def open_link(engine: Engine, token: str) -> Link:
    """The link of ``token``; :class:`FormRefused` when it is unknown or revoked."""
    with engine.connect() as connection:
        row = _link_row(connection, token)
    return Link(int(row["id"]), row["delregion"], row["navn"])


# --- the form ---------------------------------------------------------------------------------


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def _text_problems(value: str, field: str, most: int) -> list[Message]:
    problems = []
    if len(value) > most:
        problems.append(
            message("err_form_too_long", field=message(f"form_field_{field}"), most=Count(most), n=Count(len(value)))
        )
    if CONTROL_CHARACTERS.search(value):
        problems.append(message("err_form_control", field=message(f"form_field_{field}")))
    if _MARKUP.search(value):
        problems.append(message("err_form_markup", field=message(f"form_field_{field}")))
    return problems


def _whole(value: object) -> int | None:
    text = str(value if value is not None else "").strip().replace(" ", "").replace("\u00a0", "")
    return int(text) if re.fullmatch(r"\d{1,7}", text) else None


def check_entry(entry: dict, region: str) -> dict:
    """The entry cleaned (stripped, typed), or :class:`FormRefused` naming every problem."""
    from kompilot_data.records.access import region_municipalities

    problems: list[Message] = []
    text = LINE_BREAKS.sub("\n", str(entry.get("tekst") or "")).strip()
    if len(text) < 10:
        problems.append(message("err_form_text_short"))
    problems += _text_problems(text, "tekst", MAX_TEXT)
    short = {}
    for name in ("virksomhet", "kontakt_navn", "kontakt_epost", "kontakt_telefon"):
        raw = str(entry.get(name) or "")
        short[name] = _one_line(raw)
        problems += _text_problems(raw, name, MAX_SHORT)
    for name in ("virksomhet", "kontakt_navn"):
        if not short[name]:
            problems.append(message("err_form_required", field=message(f"form_field_{name}")))
    if not _EMAIL.fullmatch(short["kontakt_epost"]):
        problems.append(message("err_form_email"))
    if short["kontakt_telefon"] and not _PHONE.fullmatch(short["kontakt_telefon"]):
        problems.append(message("err_form_phone"))
    employees = _whole(entry.get("ansatte"))
    if employees is None or not 1 <= employees <= MAX_EMPLOYEES:
        problems.append(message("err_form_employees", most=Count(MAX_EMPLOYEES)))
    participants = _whole(entry.get("deltakere"))
    if participants is None or participants < 1 or (employees is not None and participants > employees):
        problems.append(message("err_form_participants"))
    place = str(entry.get("kommunenummer") or "")
    if place not in region_municipalities(region):
        problems.append(message("err_form_municipality", region=region))
    when = str(entry.get("naar") or "")
    if when not in WHEN:
        problems.append(message("err_form_when"))
    mode = entry.get("laeringsform") or None
    if mode is not None and mode not in MODES:
        problems.append(message("err_form_mode"))
    orgnr = re.sub(r"\s", "", str(entry.get("orgnr") or ""))
    if not orgnr_is_valid(orgnr):
        problems.append(message("err_form_orgnr"))
    consent = entry.get("samtykke")
    if not consent or not isinstance(consent, str):
        problems.append(message("err_form_consent"))
    if problems:
        raise FormRefused("err_form_refused", problems=problems)
    return {
        "tekst": text,
        "ansatte": employees,
        "deltakere": participants,
        "kommunenummer": place,
        "naar": when,
        "laeringsform": mode,
        "orgnr": orgnr,
        **{name: (value or None) if name == "kontakt_telefon" else value for name, value in short.items()},
        "samtykke": consent,
    }


def submit(engine: Engine, token: str, entry: dict, now: datetime | None = None) -> int:
    """Store one entry from the form in the link's review queue; returns its id.

    ``entry['samtykke']`` is the consent text the business agreed to (stored with the entry). Raises
    :class:`FormRefused` (nothing stored) for an unknown or revoked link, any problem in the entry, or a link that
    took :data:`MAX_PER_MINUTE` entries in the last minute or :data:`MAX_PER_DAY` in the last day.
    """
    now = now or utc_now()
    with engine.connect() as connection:  # cheap refusals first, without the write lock (a flood never takes it)
        link = _link_row(connection, token)
        _check_rate(connection, link["id"], now)
    clean = check_entry(entry, link["delregion"])
    with writing(engine) as connection:
        link = _link_row(connection, token)  # again under the lock: revoked meanwhile is refused
        _check_rate(connection, link["id"], now)  # and the limit, counted where every replica writes
        entry_id = connection.execute(
            sa.insert(ENTRY_TABLE).values(
                lenke_id=link["id"], delregion=link["delregion"], mottatt=now, status="ny", **clean
            )
        ).inserted_primary_key[0]
    return int(entry_id)


def _check_rate(connection: Connection, link_id: int, now: datetime) -> None:
    recent = sa.select(sa.func.count()).where(ENTRY_TABLE.c.lenke_id == link_id)
    minute = connection.execute(recent.where(ENTRY_TABLE.c.mottatt > now - timedelta(minutes=1))).scalar_one()
    if minute >= MAX_PER_MINUTE:
        raise FormRefused("err_form_rate_minute", most=MAX_PER_MINUTE)
    day = connection.execute(recent.where(ENTRY_TABLE.c.mottatt > now - timedelta(days=1))).scalar_one()
    if day >= MAX_PER_DAY:
        raise FormRefused("err_form_rate_day", most=MAX_PER_DAY)


# --- the review queue -------------------------------------------------------------------------


def queue(engine: Engine, access=None, status: str = "ny") -> pd.DataFrame:
    """Entries with ``status`` the user may review (their sub-region's; all for a coordinator of all), oldest
    first. Coordinators only."""
    require_editor(access)
    query = sa.select(ENTRY_TABLE).where(ENTRY_TABLE.c.status == status).order_by(ENTRY_TABLE.c.id)
    if access is not None and access.region is not None:
        query = query.where(ENTRY_TABLE.c.delregion == access.region)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in ENTRY_TABLE.columns])


def size_class(employees: int) -> str:
    """The need's size class (``storrelse``) of a number of employees."""
    for code in taxonomy.codes("storrelse"):
        low, _, high = code.rstrip("+").partition("-")
        if employees >= int(low) and (not high or employees <= int(high)):
            return code
    return taxonomy.codes("storrelse")[-1]


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def need_record(entry: dict, confirmed: dict) -> dict:
    """The need an accepted entry becomes (import format, validated by :func:`validated_record`)."""
    received = entry["mottatt"].date() if isinstance(entry["mottatt"], datetime) else entry["mottatt"]
    business = "v-" + hashlib.sha256(entry["orgnr"].encode()).hexdigest()[:10]
    return {
        "behov_id": f"skjema-{entry['id']}",
        "registrert": received.isoformat(),
        "bedrift_id": business,
        "orgnr": entry["orgnr"],
        "kommunenummer": entry["kommunenummer"],
        "naering": confirmed.get("naering") or "",
        "storrelse": size_class(int(entry["ansatte"])),
        "kompetanseomrade": confirmed.get("kompetanseomrade") or "",
        "niva": confirmed.get("niva") or "",
        "laeringsform": confirmed.get("laeringsform", entry.get("laeringsform")) or "",
        "antall_deltakere": str(entry["deltakere"]),
        "tidsramme_fra": received.isoformat(),
        "tidsramme_til": _months_later(received, WHEN[entry["naar"]]).isoformat(),
        "status": "kartlagt",
        "kilde": SOURCE,
        "merknad": entry["tekst"],
        "demo": "nei",
    }


def _open_entry(connection: Connection, entry_id: int, access) -> dict:
    row = connection.execute(sa.select(ENTRY_TABLE).where(ENTRY_TABLE.c.id == int(entry_id))).mappings().first()
    if row is None:
        raise RecordNotFound("err_form_entry_missing", id=entry_id)
    _may_handle(access, row["delregion"])
    if row["status"] != "ny":
        raise ConflictError("err_form_entry_handled", id=entry_id, user=row["behandlet_av"], when=row["behandlet"])
    return dict(row)


def accept(
    engine: Engine, entry_id: int, confirmed: dict, user: str, access=None, suggestions: dict | None = None
) -> str:
    """Accept an entry: create its need with the ``confirmed`` labels (``kompetanseomrade``, ``styrk`` (a list of
    STYRK-08 codes, may be empty), ``naering``, ``niva``, optionally ``laeringsform``); keep the labels and the
    ``suggestions`` shown (:meth:`Suggestion.as_dict`) with the text. One transaction; returns the need's id."""
    require_editor(access)
    check_user(user)
    codes = [str(c) for c in confirmed.get("styrk") or []]
    known = set(taxonomy_styrk_codes())
    unknown = [c for c in codes if c not in known]
    if unknown or len(codes) > 3:
        raise FormRefused("err_form_styrk", codes=", ".join(unknown or codes))
    now = utc_now()
    with writing(engine) as connection:
        entry = _open_entry(connection, entry_id, access)
        clean = validated_record("needs", need_record(entry, confirmed), source=f"innsending {entry_id}")
        add_in(connection, "needs", clean, user, now, access)
        changes = {
            "status": "godtatt",
            "behandlet": now,
            "behandlet_av": user,
            "bekreftet_kompetanseomrade": clean["kompetanseomrade"],
            "bekreftet_styrk": " ".join(codes) or None,
            "behov_id": clean["behov_id"],
            "forslag": json.dumps(suggestions, ensure_ascii=False) if suggestions else None,
        }
        _set(connection, entry, changes)
        _audit(
            connection,
            now,
            user,
            "innsending_godtatt",
            entry_id,
            {"status": "ny"},
            {k: v for k, v in changes.items() if k != "forslag"},
        )
    return clean["behov_id"]


def reject(engine: Engine, entry_id: int, reason: str, user: str, access=None) -> None:
    """Reject an entry with a reason; it creates no need and stays (with the reason) for the record."""
    require_editor(access)
    check_user(user)
    reason = _one_line(reason)
    if not reason or len(reason) > MAX_SHORT:
        raise FormRefused("err_form_reject_reason", most=MAX_SHORT)
    now = utc_now()
    with writing(engine) as connection:
        entry = _open_entry(connection, entry_id, access)
        changes = {"status": "avvist", "behandlet": now, "behandlet_av": user, "avvist_grunn": reason}
        _set(connection, entry, changes)
        _audit(connection, now, user, "innsending_avvist", entry_id, {"status": "ny"}, changes)


def _set(connection: Connection, entry: dict, changes: dict) -> None:
    done = connection.execute(
        sa.update(ENTRY_TABLE).where(ENTRY_TABLE.c.id == entry["id"], ENTRY_TABLE.c.status == "ny").values(**changes)
    )
    if done.rowcount != 1:
        raise ConflictError("err_form_entry_handled", id=entry["id"], user="–", when="–")


def taxonomy_styrk_codes() -> list[str]:
    """The STYRK-08 codes a coordinator may confirm (those the classifier suggests from)."""
    from kompilot_data.reference import classify_corpus

    return classify_corpus.load_occupations()["kode"].astype(str).tolist()


def confirmed_labels(engine: Engine) -> pd.DataFrame:
    """Accepted entries' texts with the confirmed labels and the suggestions shown (for measuring the classifier on
    real data): ``tekst``, ``kompetanseomrade``, ``styrk`` (space-separated), ``forslag`` (JSON)."""
    query = (
        sa.select(
            ENTRY_TABLE.c.tekst,
            ENTRY_TABLE.c.bekreftet_kompetanseomrade.label("kompetanseomrade"),
            ENTRY_TABLE.c.bekreftet_styrk.label("styrk"),
            ENTRY_TABLE.c.forslag,
            ENTRY_TABLE.c.behov_id,
        )
        .where(ENTRY_TABLE.c.status == "godtatt")
        .order_by(ENTRY_TABLE.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=["tekst", "kompetanseomrade", "styrk", "forslag", "behov_id"])
