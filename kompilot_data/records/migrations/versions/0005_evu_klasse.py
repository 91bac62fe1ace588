"""What counts as supply: each offer's EVU class, study mode and owning business (in-company courses), and the
coordinators' corrections of the class, kept apart from the offers so that a re-import never overwrites them.

Revision ID: 0005_evu_klasse
Revises: 0003_megling (the lead chains 0004 → 0005 → 0006 at merge)
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_evu_klasse"
down_revision = "0004_integritet"
branch_labels = None
depends_on = None

OFFER_COLUMNS = (
    ("evu_klasse", sa.String(32)),
    ("studieform", sa.String(32)),
    ("bedrift_id", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("tilbud") as batch:
        for name, kind in OFFER_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "evu_klasse_korreksjon",
        sa.Column("tilbud_id", sa.String(64), primary_key=True),
        sa.Column("evu_klasse", sa.String(32), nullable=False),
        sa.Column("begrunnelse", sa.Text, nullable=True),
        sa.Column("bruker", sa.String(200), nullable=False),
        sa.Column("tidspunkt", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evu_klasse_korreksjon")
    with op.batch_alter_table("tilbud") as batch:
        for name, _ in reversed(OFFER_COLUMNS):
            batch.drop_column(name)
