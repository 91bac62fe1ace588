"""Businesses' own entries (issue 27): links a coordinator hands out for a sub-region (only a hash of the token is
stored) and the entries that arrive through them, waiting in the coordinator's review queue.

Revision ID: 0006_innsending
Revises: 0003_megling (the lead chains it after 0004_integritet and 0005_evu_klasse at merge)
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_innsending"
down_revision = "0005_evu_klasse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "innsending_lenke",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("delregion", sa.String(64), nullable=False),
        sa.Column("navn", sa.String(200), nullable=False),
        sa.Column("opprettet", sa.DateTime, nullable=False),
        sa.Column("opprettet_av", sa.String(200), nullable=False),
        sa.Column("tilbakekalt", sa.DateTime, nullable=True),
        sa.Column("tilbakekalt_av", sa.String(200), nullable=True),
        sa.UniqueConstraint("token_sha256", name="uq_innsending_lenke_token"),
    )
    op.create_table(
        "innsending",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lenke_id", sa.Integer, sa.ForeignKey("innsending_lenke.id"), nullable=False),
        sa.Column("delregion", sa.String(64), nullable=False),
        sa.Column("mottatt", sa.DateTime, nullable=False),
        sa.Column("tekst", sa.Text, nullable=False),
        sa.Column("ansatte", sa.Integer, nullable=False),
        sa.Column("deltakere", sa.Integer, nullable=False),
        sa.Column("kommunenummer", sa.String(4), nullable=False),
        sa.Column("naar", sa.String(16), nullable=False),
        sa.Column("laeringsform", sa.String(32), nullable=True),
        sa.Column("orgnr", sa.String(9), nullable=False),
        sa.Column("virksomhet", sa.String(200), nullable=False),
        sa.Column("kontakt_navn", sa.String(200), nullable=False),
        sa.Column("kontakt_epost", sa.String(254), nullable=False),
        sa.Column("kontakt_telefon", sa.String(32), nullable=True),
        sa.Column("samtykke", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("behandlet", sa.DateTime, nullable=True),
        sa.Column("behandlet_av", sa.String(200), nullable=True),
        sa.Column("forslag", sa.Text, nullable=True),
        sa.Column("bekreftet_kompetanseomrade", sa.String(32), nullable=True),
        sa.Column("bekreftet_styrk", sa.String(64), nullable=True),
        sa.Column("behov_id", sa.String(64), nullable=True),
        sa.Column("avvist_grunn", sa.Text, nullable=True),
    )
    op.create_index("ix_innsending_lenke_mottatt", "innsending", ["lenke_id", "mottatt"])
    op.create_index("ix_innsending_status", "innsending", ["delregion", "status"])


def downgrade() -> None:
    op.drop_index("ix_innsending_status", "innsending")
    op.drop_index("ix_innsending_lenke_mottatt", "innsending")
    op.drop_table("innsending")
    op.drop_table("innsending_lenke")
