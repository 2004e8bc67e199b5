"""Each hub's targets: businesses, installs, alert subscribers and offers redeemed

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TARGETS = {
    "target_businesses": "20",
    "target_installs": "1000",
    "target_subscribers": "500",
    "target_redemptions": "200",
}


def upgrade() -> None:
    for column, default in TARGETS.items():
        op.add_column(
            "hubs", sa.Column(column, sa.Integer(), server_default=default, nullable=False)
        )
        op.create_check_constraint(op.f(f"ck_hubs_{column}_positive"), "hubs", f"{column} > 0")


def downgrade() -> None:
    for column in TARGETS:
        op.drop_constraint(op.f(f"ck_hubs_{column}_positive"), "hubs", type_="check")
        op.drop_column("hubs", column)
