"""The database tables of needs, offers, imports, the audit log and rejected candidates (SQLAlchemy Core), and
reading them: records as typed frames, the data version, counts, batches, the audit log, versions and places."""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kompilot_data.records.schema import ID_COLUMN, SPECS, ColumnSpec, to_typed
from kompilot_data.reference import evu

METADATA = sa.MetaData()
TABLE_NAMES = {"needs": "behov", "offers": "tilbud"}
META_COLUMNS = ("versjon", "batch_id", "endret", "endret_av")


def _sa_type(spec: ColumnSpec) -> sa.types.TypeEngine:
    return {
        "text": sa.Text(),
        "int": sa.Integer(),
        "float": sa.Float(),
        "date": sa.Date(),
        "code": sa.String(32),
        "kommune": sa.String(4),
        "orgnr": sa.String(9),
        "bool": sa.Boolean(),
    }[spec.kind]


def _record_table(kind: str) -> sa.Table:
    id_column = ID_COLUMN[kind]
    columns = [
        sa.Column(
            spec.name,
            sa.String(64) if spec.name == id_column else _sa_type(spec),
            primary_key=spec.name == id_column,
            nullable=spec.name != id_column and not spec.required,
        )
        for spec in SPECS[kind]
    ]
    return sa.Table(
        TABLE_NAMES[kind],
        METADATA,
        *columns,
        sa.Column("versjon", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("endret", sa.DateTime, nullable=False),
        sa.Column("endret_av", sa.String(200), nullable=False),
    )


NEEDS_TABLE = _record_table("needs")
OFFERS_TABLE = _record_table("offers")
TABLES = {"needs": NEEDS_TABLE, "offers": OFFERS_TABLE}


def _log_table(name: str, required: tuple, optional: tuple = (), *constraints) -> sa.Table:
    """A table with an integer ``id`` (autoincrement primary key), then ``required`` and ``optional`` columns as
    ``(name, type)`` pairs (NOT NULL and NULL)."""
    return sa.Table(
        name,
        METADATA,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(column, kind, nullable=False) for column, kind in required),
        *(sa.Column(column, kind, nullable=True) for column, kind in optional),
        *constraints,
    )


BATCH_TABLE = _log_table(
    "import_batch",
    (
        ("type", sa.String(10)),
        ("filnavn", sa.Text),
        ("sha256", sa.String(64)),
        ("importert", sa.DateTime),
        ("bruker", sa.String(200)),
        ("nye", sa.Integer),
        ("endrede", sa.Integer),
        ("uendrede", sa.Integer),
    ),
    (("angret", sa.DateTime), ("beholdt", sa.Integer), ("ikke_angret", sa.Integer)),
)
AUDIT_TABLE = _log_table(
    "endringslogg",
    (("tidspunkt", sa.DateTime), ("bruker", sa.String(200)), ("handling", sa.String(20)), ("tabell", sa.String(20))),
    (("post_id", sa.String(64)), ("batch_id", sa.Integer), ("foer", sa.Text), ("etter", sa.Text)),
)
sa.Index("ix_endringslogg_post", AUDIT_TABLE.c.tabell, AUDIT_TABLE.c.post_id)
sa.Index("ix_behov_tilbud", NEEDS_TABLE.c.tilbud_id)
REJECTED_TABLE = _log_table(
    "avviste_kandidater",
    (
        ("behov_id", sa.String(64)),
        ("tilbud_id", sa.String(64)),
        ("grunn", sa.Text),
        ("bruker", sa.String(200)),
        ("tidspunkt", sa.DateTime),
    ),
    (),
    sa.UniqueConstraint("behov_id", "tilbud_id", name="uq_avviste_kandidater"),
)
INFO_TABLE = sa.Table(
    "databaseinfo",
    METADATA,
    sa.Column("navn", sa.String(40), primary_key=True),
    sa.Column("verdi", sa.Text, nullable=False),
)
"""Facts about the database itself: ``identitet`` (a random id made by the first migration; a backup names it, and
a restore from another database needs an explicit choice). Not part of a backup's tables."""
IDENTITY = "identitet"
# A coordinator's correction of an offer's EVU class (issue 20): its own table, keyed by tilbud_id, so a
# re-import of the offers never overwrites it; applied to every read of the offers (read_frame).
CORRECTION_TABLE = sa.Table(
    "evu_klasse_korreksjon",
    METADATA,
    sa.Column("tilbud_id", sa.String(64), primary_key=True),
    sa.Column("evu_klasse", sa.String(32), nullable=False),
    sa.Column("begrunnelse", sa.Text, nullable=True),
    sa.Column("bruker", sa.String(200), nullable=False),
    sa.Column("tidspunkt", sa.DateTime, nullable=False),
)
ALL_TABLES = {
    "needs": NEEDS_TABLE,
    "offers": OFFERS_TABLE,
    "batches": BATCH_TABLE,
    "audit": AUDIT_TABLE,
    "rejected": REJECTED_TABLE,
}
AUDIT_COLUMNS = ("tidspunkt", "bruker", "handling", "tabell", "post_id", "batch_id", "foer", "etter")


# --- reading ----------------------------------------------------------------------------------


def read_frame(engine: Engine, kind: str, with_meta: bool = False) -> pd.DataFrame:
    """All records of ``kind`` as a typed frame (as :func:`kompilot_data.load_needs` returns)."""
    table = TABLES[kind]
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c[ID_COLUMN[kind]])).mappings().all()
        corrections = _class_corrections(connection) if kind == "offers" else None
    raw = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    typed = to_typed(raw[[spec.name for spec in SPECS[kind]]], kind)
    if corrections:
        typed = evu.with_class(typed, typed["tilbud_id"].map(corrections))
    if with_meta:
        for column in META_COLUMNS:
            typed[column] = raw[column].to_numpy()
    return typed


def _class_corrections(connection: Connection) -> dict[str, str]:
    """``{tilbud_id: evu_klasse}`` of the coordinators' corrections."""
    rows = connection.execute(sa.select(CORRECTION_TABLE.c.tilbud_id, CORRECTION_TABLE.c.evu_klasse))
    return {tilbud_id: klasse for tilbud_id, klasse in rows}


def data_version(engine: Engine) -> int:
    """A number that changes whenever any record changes (the latest audit entry)."""
    with engine.connect() as connection:
        return data_version_in(connection)


def data_version_in(connection: Connection) -> int:
    return int(connection.execute(sa.select(sa.func.coalesce(sa.func.max(AUDIT_TABLE.c.id), 0))).scalar_one())


def database_identity(connection_or_engine) -> str | None:
    """The database's identity (``databaseinfo.identitet``, made by migration 0004); None before it."""
    if isinstance(connection_or_engine, Engine):
        with connection_or_engine.connect() as connection:
            return database_identity(connection)
    query = sa.select(INFO_TABLE.c.verdi).where(INFO_TABLE.c.navn == IDENTITY)
    return connection_or_engine.execute(query).scalar()


def count(engine: Engine, kind: str, demo: bool | None = None) -> int:
    table = TABLES[kind]
    query = sa.select(sa.func.count()).select_from(table)
    if demo is not None:
        query = query.where(table.c.demo.is_(demo))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def batches(engine: Engine, access=None) -> pd.DataFrame:
    """The imports, newest first. A coordinator limited to a sub-region (``access``) sees the offers imports
    (offers are public) and the needs imports they made or that still hold a need in their sub-region; a file
    name can name a business."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(BATCH_TABLE).order_by(BATCH_TABLE.c.id.desc())).mappings().all()
        if access is not None and not access.reads_everything:
            allowed = sorted(access.readable_municipalities() or ())
            touching = set()
            if allowed:
                touching = set(
                    connection.execute(
                        sa.select(NEEDS_TABLE.c.batch_id)
                        .where(NEEDS_TABLE.c.kommunenummer.in_(allowed), NEEDS_TABLE.c.batch_id.is_not(None))
                        .distinct()
                    ).scalars()
                )
            rows = [r for r in rows if r["type"] == "offers" or r["bruker"] == access.user or r["id"] in touching]
    return pd.DataFrame(rows, columns=[c.name for c in BATCH_TABLE.columns])


def audit_log(engine: Engine, limit: int | None = 500, access=None) -> pd.DataFrame:
    """The audit log, newest first (at most ``limit`` entries). For a coordinator limited to a sub-region
    (``access``): only the entries they may read (:func:`readable_entry`), still up to ``limit`` of them."""
    columns = [c.name for c in AUDIT_TABLE.columns]
    everything = access is None or access.reads_everything
    with engine.connect() as connection:
        if everything:
            query = sa.select(AUDIT_TABLE).order_by(AUDIT_TABLE.c.id.desc())
            if limit:
                query = query.limit(limit)
            return pd.DataFrame(connection.execute(query).mappings().all(), columns=columns)
        kept: list = []
        below = None
        while not limit or len(kept) < limit:
            query = sa.select(AUDIT_TABLE).order_by(AUDIT_TABLE.c.id.desc()).limit(2000)
            if below is not None:
                query = query.where(AUDIT_TABLE.c.id < below)
            page = connection.execute(query).mappings().all()
            if not page:
                break
            below = page[-1]["id"]
            rejected_needs = [r["post_id"] for r in page if r["tabell"] == "avviste_kandidater"]
            places = {i: r["kommunenummer"] for i, r in existing_records(connection, "needs", rejected_needs).items()}
            kept += [r for r in page if readable_entry(access, r, places)]
    return pd.DataFrame(kept[:limit] if limit else kept, columns=columns)


def readable_entry(access, entry, need_places: dict[str, str | None]) -> bool:
    """Whether a coordinator limited to a sub-region may read an audit entry: one about a need placed in their
    sub-region before or after the change, about an offer (public), or a restore (counts only); a rejected candidate
    when the need is theirs (``need_places``: the current place of such needs; a need that is gone is not)."""
    table = entry["tabell"]
    if table in ("tilbud", "alle"):
        return True
    if table == "avviste_kandidater":
        return access.may_read(need_places.get(entry["post_id"]))
    if table != TABLE_NAMES["needs"]:
        return False
    for stored in (entry["foer"], entry["etter"]):
        if stored:
            try:
                record = json.loads(stored)
            except ValueError:
                continue
            if isinstance(record, dict) and access.may_read(record.get("kommunenummer")):
                return True
    return False


def rejected_candidates(engine: Engine) -> pd.DataFrame:
    """Every rejected candidate: ``behov_id``, ``tilbud_id``, ``grunn``, ``bruker``, ``tidspunkt`` (oldest first)."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(REJECTED_TABLE).order_by(REJECTED_TABLE.c.id)).mappings().all()
    columns = ["behov_id", "tilbud_id", "grunn", "bruker", "tidspunkt"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def versions(engine: Engine, kind: str, ids: list[str]) -> dict[str, int]:
    """``{id: versjon}`` of the existing records among ``ids`` (what a page read, for optimistic locking)."""
    with engine.connect() as connection:
        return {i: int(r["versjon"]) for i, r in existing_records(connection, kind, ids).items()}


def record_places(engine: Engine, kind: str, ids: list[str]) -> dict[str, str | None]:
    """``{id: kommunenummer}`` of the existing records among ``ids``."""
    with engine.connect() as connection:
        return {i: r["kommunenummer"] for i, r in existing_records(connection, kind, ids).items()}


def existing_records(connection: Connection, kind: str, ids: list[str]) -> dict[str, dict]:
    table = TABLES[kind]
    id_column = table.c[ID_COLUMN[kind]]
    found: dict[str, dict] = {}
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > 5000:  # a big import: find which ids exist first, then read only those
        present = set(connection.execute(sa.select(id_column)).scalars())
        wanted = [i for i in wanted if i in present]
    for start in range(0, len(wanted), 900):  # stay below SQLite's bound-parameter limit
        chunk = wanted[start : start + 900]
        for row in connection.execute(sa.select(table).where(id_column.in_(chunk))).mappings():
            found[row[ID_COLUMN[kind]]] = dict(row)
    return found
