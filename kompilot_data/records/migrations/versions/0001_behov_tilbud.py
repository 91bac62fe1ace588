"""Needs, offers, import batches and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _meta_columns() -> list[sa.Column]:
    return [
        sa.Column("versjon", sa.Integer, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("endret", sa.DateTime, nullable=False),
        sa.Column("endret_av", sa.String(200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "behov",
        sa.Column("behov_id", sa.String(64), primary_key=True),
        sa.Column("registrert", sa.Date, nullable=False),
        sa.Column("bedrift_id", sa.Text, nullable=False),
        sa.Column("orgnr", sa.String(9), nullable=True),
        sa.Column("kommunenummer", sa.String(4), nullable=False),
        sa.Column("naering", sa.String(32), nullable=False),
        sa.Column("storrelse", sa.String(32), nullable=False),
        sa.Column("kompetanseomrade", sa.String(32), nullable=False),
        sa.Column("niva", sa.String(32), nullable=False),
        sa.Column("laeringsform", sa.String(32), nullable=True),
        sa.Column("antall_deltakere", sa.Integer, nullable=False),
        sa.Column("tidsramme_fra", sa.Date, nullable=False),
        sa.Column("tidsramme_til", sa.Date, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("kilde", sa.String(32), nullable=False),
        sa.Column("merknad", sa.Text, nullable=True),
        sa.Column("demo", sa.Boolean, nullable=True),
        *_meta_columns(),
    )
    op.create_table(
        "tilbud",
        sa.Column("tilbud_id", sa.String(64), primary_key=True),
        sa.Column("tilbyder", sa.Text, nullable=False),
        sa.Column("tittel", sa.Text, nullable=False),
        sa.Column("kompetanseomrade", sa.String(32), nullable=False),
        sa.Column("niva", sa.String(32), nullable=False),
        sa.Column("studiepoeng", sa.Float, nullable=True),
        sa.Column("timer", sa.Integer, nullable=True),
        sa.Column("laeringsform", sa.String(32), nullable=False),
        sa.Column("kommunenummer", sa.String(4), nullable=True),
        sa.Column("studiested", sa.Text, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("oppstart", sa.Date, nullable=False),
        sa.Column("kapasitet", sa.Integer, nullable=False),
        sa.Column("min_deltakere", sa.Integer, nullable=True),
        sa.Column("pris_kr", sa.Float, nullable=True),
        sa.Column("finansiering", sa.Text, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("kilde_url", sa.Text, nullable=True),
        sa.Column("demo", sa.Boolean, nullable=True),
        *_meta_columns(),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("filnavn", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("importert", sa.DateTime, nullable=False),
        sa.Column("bruker", sa.String(200), nullable=False),
        sa.Column("nye", sa.Integer, nullable=False),
        sa.Column("endrede", sa.Integer, nullable=False),
        sa.Column("uendrede", sa.Integer, nullable=False),
        sa.Column("angret", sa.DateTime, nullable=True),
    )
    op.create_table(
        "endringslogg",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tidspunkt", sa.DateTime, nullable=False),
        sa.Column("bruker", sa.String(200), nullable=False),
        sa.Column("handling", sa.String(20), nullable=False),
        sa.Column("tabell", sa.String(20), nullable=False),
        sa.Column("post_id", sa.String(64), nullable=True),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("foer", sa.Text, nullable=True),
        sa.Column("etter", sa.Text, nullable=True),
    )
    op.create_index("ix_endringslogg_post", "endringslogg", ["tabell", "post_id"])


def downgrade() -> None:
    op.drop_index("ix_endringslogg_post", "endringslogg")
    for table in ("endringslogg", "import_batch", "tilbud", "behov"):
        op.drop_table(table)
