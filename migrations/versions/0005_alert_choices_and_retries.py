"""Alerts: several hubs per phone, quiet hours, a daily cap, digests, a manage token,
alert areas in British National Grid for matching, and delivery retries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 03:05:37.133285

"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NEW_STATUSES = "('pending', 'retrying', 'sent', 'failed', 'removed', 'digest', 'digested')"


def upgrade():
    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_push_deliveries_due",
            ["next_attempt_at"],
            unique=False,
            postgresql_where="status IN ('pending', 'retrying')",
        )
        batch_op.create_index(
            "ix_push_deliveries_subscription_at", ["subscription_id", "at"], unique=False
        )
        batch_op.drop_constraint(op.f("ck_push_deliveries_status"), type_="check")
        batch_op.create_check_constraint("status", f"status IN {NEW_STATUSES}")
    op.alter_column("push_deliveries", "attempts", server_default=None)

    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.add_geospatial_column(
            sa.Column(
                "area_bng",
                Geometry(
                    geometry_type="POINT",
                    srid=27700,
                    dimension=2,
                    spatial_index=False,
                    from_text="ST_GeomFromEWKT",
                    name="geometry",
                ),
                sa.Computed("ST_Transform(area_centre, 27700)", persisted=True),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("quiet_from", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("quiet_until", sa.Time(), nullable=True))
        batch_op.add_column(
            sa.Column("daily_cap", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.add_column(
            sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("token", sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f("uq_push_subscriptions_endpoint"), type_="unique")
        batch_op.create_geospatial_index(
            "ix_push_subscriptions_area_bng",
            ["area_bng"],
            unique=False,
            postgresql_using="gist",
            postgresql_ops={},
        )
        batch_op.create_index("ix_push_subscriptions_endpoint", ["endpoint"], unique=False)
        batch_op.create_index("ix_push_subscriptions_token", ["token"], unique=False)
        batch_op.create_unique_constraint(
            "uq_push_subscriptions_endpoint_hub", ["endpoint", "hub_id"]
        )
        batch_op.create_check_constraint("daily_cap", "daily_cap BETWEEN 1 AND 20")
        batch_op.create_check_constraint(
            "quiet_hours", "(quiet_from IS NULL) = (quiet_until IS NULL)"
        )
    # Existing phones get a manage token each (endpoints were unique until now).
    op.execute(
        "UPDATE push_subscriptions SET token ="
        " replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')"
    )
    op.alter_column("push_subscriptions", "token", nullable=False)
    op.alter_column("push_subscriptions", "daily_cap", server_default=None)
    op.alter_column("push_subscriptions", "digest", server_default=None)


def downgrade():
    # One row per endpoint again: keep each phone's first hub.
    op.execute(
        "DELETE FROM push_subscriptions a USING push_subscriptions b"
        " WHERE a.endpoint = b.endpoint AND a.id > b.id"
    )
    op.execute(
        "UPDATE push_deliveries SET status = 'failed'"
        " WHERE status IN ('pending', 'retrying', 'digest', 'digested')"
    )
    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_push_subscriptions_quiet_hours"), type_="check")
        batch_op.drop_constraint(op.f("ck_push_subscriptions_daily_cap"), type_="check")
        batch_op.drop_constraint(op.f("uq_push_subscriptions_endpoint_hub"), type_="unique")
        batch_op.drop_index("ix_push_subscriptions_token")
        batch_op.drop_index("ix_push_subscriptions_endpoint")
        batch_op.drop_geospatial_index(
            "ix_push_subscriptions_area_bng", postgresql_using="gist", column_name="area_bng"
        )
        batch_op.create_unique_constraint("uq_push_subscriptions_endpoint", ["endpoint"])
        batch_op.drop_column("token")
        batch_op.drop_column("digest")
        batch_op.drop_column("daily_cap")
        batch_op.drop_column("quiet_until")
        batch_op.drop_column("quiet_from")
        batch_op.drop_geospatial_column("area_bng")

    with op.batch_alter_table("push_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_push_deliveries_status"), type_="check")
        batch_op.create_check_constraint("status", "status IN ('sent', 'failed', 'removed')")
        batch_op.drop_index("ix_push_deliveries_subscription_at")
        batch_op.drop_index(
            "ix_push_deliveries_due", postgresql_where="status IN ('pending', 'retrying')"
        )
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
