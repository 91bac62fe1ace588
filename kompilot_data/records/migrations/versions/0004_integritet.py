"""The database's identity: a random id made once, here, that every backup names; a restore from a backup of
another database needs an explicit choice (``--force``). Stored in the key/value table ``databaseinfo``.

Revision ID: 0004_integritet
Revises: 0003_megling
Create Date: 2026-12-08
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004_integritet"
down_revision = "0003_megling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    info = op.create_table(
        "databaseinfo",
        sa.Column("navn", sa.String(40), primary_key=True),
        sa.Column("verdi", sa.Text, nullable=False),
    )
    op.bulk_insert(info, [{"navn": "identitet", "verdi": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("databaseinfo")
