"""Offers from the real catalogue: first-choice applicants, applicants per seat and the data source.

Revision ID: 0002_tilbud_katalog
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_tilbud_katalog"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("sokere_forstevalg", sa.Integer),
    ("sokere_per_plass", sa.Float),
    ("datakilde", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("tilbud") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tilbud") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
