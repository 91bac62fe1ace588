"""Brokering: the offer a need is linked to and the date each pipeline stage was reached; rejected candidates;
import batches that kept the app's version of records and partial undo.

Revision ID: 0003_megling
Revises: 0002_tilbud_katalog
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_megling"
down_revision = "0002_tilbud_katalog"
branch_labels = None
depends_on = None

NEED_COLUMNS = (
    ("tilbud_id", sa.Text),
    ("koblet_dato", sa.Date),
    ("etablert_dato", sa.Date),
    ("gjennomfort_dato", sa.Date),
    ("avsluttet_dato", sa.Date),
)
BATCH_COLUMNS = (
    ("beholdt", sa.Integer),  # records edited in the app whose version the import kept
    ("ikke_angret", sa.Integer),  # records left as they were by a partial undo
)


def upgrade() -> None:
    with op.batch_alter_table("behov") as batch:
        for name, kind in NEED_COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))
    op.create_index("ix_behov_tilbud", "behov", ["tilbud_id"])
    with op.batch_alter_table("import_batch") as batch:
        for name, kind in BATCH_COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))
    op.create_table(
        "avviste_kandidater",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("behov_id", sa.String(64), nullable=False),
        sa.Column("tilbud_id", sa.String(64), nullable=False),
        sa.Column("grunn", sa.Text, nullable=False),
        sa.Column("bruker", sa.String(200), nullable=False),
        sa.Column("tidspunkt", sa.DateTime, nullable=False),
        sa.UniqueConstraint("behov_id", "tilbud_id", name="uq_avviste_kandidater"),
    )


def downgrade() -> None:
    op.drop_table("avviste_kandidater")
    with op.batch_alter_table("import_batch") as batch:
        for name, _ in reversed(BATCH_COLUMNS):
            batch.drop_column(name)
    op.drop_index("ix_behov_tilbud", "behov")
    with op.batch_alter_table("behov") as batch:
        for name, _ in reversed(NEED_COLUMNS):
            batch.drop_column(name)
