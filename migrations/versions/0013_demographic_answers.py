"""Residents' optional answers about themselves, kept only as monthly counts per hub

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demographic_tallies",
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("question", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "question IN ('age_band', 'postcode_district', 'travel_mode')",
            name=op.f("ck_demographic_tallies_question"),
        ),
        sa.CheckConstraint(
            "EXTRACT(DAY FROM month) = 1", name=op.f("ck_demographic_tallies_month_first_day")
        ),
        sa.CheckConstraint("count > 0", name=op.f("ck_demographic_tallies_count_positive")),
        sa.ForeignKeyConstraint(
            ["hub_id"],
            ["hubs.id"],
            name=op.f("fk_demographic_tallies_hub_id_hubs"),
            ondelete="CASCADE",
        ),
        # No running id: ids handed out in order would tie one resident's answers together.
        sa.PrimaryKeyConstraint(
            "hub_id", "month", "question", "answer", name=op.f("pk_demographic_tallies")
        ),
    )


def downgrade() -> None:
    op.drop_table("demographic_tallies")
